"""xtdata.is_stock_type on the simulator: every xtstocktype constant, decided by QMT's own class definitions
(the wheel's xtquant/config/xtstocktype.lua: market + code ranges, and expressions over other classes)."""

from __future__ import annotations

import datetime as dt

import pytest

from qmt_bridge.sim.api import reference
from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market.market import SimMarket
from qmt_bridge.xtnames import XTSTOCKTYPE

T = XTSTOCKTYPE


@pytest.fixture(scope="module")
def xt() -> SimXtData:
    """The reviewer's setting: seed 20240101, Saturday 2026-11-21."""
    return SimXtData(
        SimMarket(seed=20240101, clock=fixed_clock(dt.datetime(2026, 11, 21, 10, 0, tzinfo=CST)))
    )


# (code, tag, expected): each market and kind of the universe, with a true and a false class at least
CASES = [
    # markets (1-9) and the stock/futures market families
    ("600519.SH", 1, True),
    ("000001.SZ", 1, False),
    ("000001.SZ", 2, True),
    ("IF2612.IF", 3, True),
    ("IF00.IF", T["XT_GE_MARKET_ZJ"], True),
    ("T2612.IF", 3, True),
    ("rb2701.SF", T["XT_GE_MARKET_SQ"], True),
    ("m2701.DF", T["XT_GE_MARKET_DS"], True),
    ("SR701.ZF", T["XT_GE_MARKET_ZS"], True),
    ("SR701.ZF", T["XT_GE_MARKET_SQ"], False),
    ("10004401.SHO", 8, True),
    ("90002801.SZO", 8, False),  # QMT's XT_GE_MARKET_OP is the SHO market only
    ("600519.SH", T["XT_GE_EXTRA_MARKET_ST"], True),
    ("IF2612.IF", T["XT_GE_EXTRA_MARKET_ST"], False),
    ("rb2701.SF", T["XT_GE_EXTRA_MARKET_CF"], True),
    ("IF2612.IF", T["XT_GE_EXTRA_MARKET_CF"], False),
    ("IF2612.IF", T["XT_GE_EXTRA_MARKET_FU"], True),
    ("lc2701.GF", T["XT_GE_EXTRA_MARKET_FU"], False),  # 期货市场 = CFFEX|SHFE|DCE|CZCE as QMT writes it
    ("sc2701.INE", T["XT_GE_EXTRA_MARKET_FU"], False),
    ("sc2701.INE", T["XT_GE_INE_FTOPTION"], False),  # a future, not an option
    ("IF2612.IF", T["XT_GE_EXTRA_INTRA_DAY"], True),
    ("600519.SH", T["XT_GE_EXTRA_INTRA_DAY"], False),
    # boards and A shares
    ("600519.SH", 101, True),
    ("600519.SH", 365, True),  # XT_GE_SH_MAIN_BOARD 60****
    ("605016.SH", 365, True),
    ("688981.SH", 365, False),
    ("688981.SH", T["XT_GE_SH_TECH_BOARD"], True),
    ("688981.SH", 101, True),
    ("600519.SH", T["XT_GE_SH_TECH_BOARD"], False),
    ("000001.SZ", 10001, True),
    ("000001.SZ", 101, False),
    ("000001.SZ", T["XT_GE_SZ_MAIN_BOARD"], True),
    ("001204.SZ", T["XT_GE_SZ_MAIN_BOARD"], True),
    ("300750.SZ", T["XT_GE_SZ_MAIN_BOARD"], False),
    ("300750.SZ", T["XT_GE_SZ_GEM_BORAD"], True),
    ("300750.SZ", 10001, True),
    ("600519.SH", T["XT_GE_EXTRA_MAIN_BOARD"], True),
    ("000001.SZ", T["XT_GE_EXTRA_MAIN_BOARD"], True),
    ("300750.SZ", T["XT_GE_EXTRA_MAIN_BOARD"], False),
    ("430047.BJ", T["XT_GE_BJ"], True),
    ("830026.BJ", T["XT_GE_BJ"], True),
    ("920007.BJ", T["XT_GE_BJ"], True),
    ("430047.BJ", T["XT_GE_MARKET_SH"], False),
    ("430047.BJ", 100001, True),
    ("600519.SH", 100001, True),
    ("300750.SZ", 100001, True),
    ("600519.SH", T["XT_GE_EXTRA_STOCK"], True),
    ("600519.SH", T["XT_GE_EXTRA_STOCK_B"], False),
    ("600519.SH", T["XT_GE_SH_B"], False),
    ("510050.SH", 100001, False),
    # indices
    ("000300.SH", T["XT_GE_SH_INDEX"], True),
    ("000300.SH", 101, False),
    ("399006.SZ", T["XT_GE_SZ_INDEX"], True),
    ("399006.SZ", T["XT_GE_EXTRA_STOCK_INDEX"], True),
    ("000300.SH", T["XT_GE_EXTRA_STOCK_EX"], False),  # 广义的股票 = not an index
    ("600519.SH", T["XT_GE_EXTRA_STOCK_EX"], True),
    ("899050.BJ", T["XT_GE_EXTRA_STOCK_INDEX"], False),  # QMT has no BJ index class
    # ETFs and funds
    ("510050.SH", T["XT_GE_SH_ETF"], True),
    ("510050.SH", T["XT_GE_SH_50_ETF"], True),
    ("510300.SH", T["XT_GE_SH_300_ETF"], True),
    ("510300.SH", T["XT_GE_EXTRA_300_ETF"], True),
    ("510500.SH", T["XT_GE_SH_500_ETF"], True),
    ("510050.SH", T["XT_GE_SH_300_ETF"], False),
    ("588000.SH", T["XT_GE_SH_TECH_50_ETF"], True),
    ("518880.SH", T["XT_GE_SH_GOLD"], True),
    ("518880.SH", T["XT_GE_EXTRA_GOLD"], True),
    ("511010.SH", T["XT_GE_SH_LOAN_ETF"], True),
    ("511010.SH", T["XT_GE_SF_FIXED_INCOME_ETF"], True),
    ("513050.SH", T["XT_GE_SH_CROSS_BORDER_ETF"], True),
    ("159915.SZ", T["XT_GE_SZ_ETF"], True),
    ("159915.SZ", T["XT_GE_SZ_CYB_ETF"], True),
    ("159919.SZ", T["XT_GE_SZ_300_ETF"], True),
    ("159915.SZ", T["XT_GE_SZ_FUND"], True),
    ("159915.SZ", T["XT_GE_EXTRA_FUND"], True),
    ("510050.SH", T["XT_GE_SH_FUND"], False),  # 沪市封基 is 50****; SZ ETFs 159*** are in 深市封基
    ("159915.SZ", T["XT_GE_EXTRA_ETF"], True),
    ("510050.SH", T["XT_GE_EXTRA_ETF"], True),
    ("159915.SZ", T["XT_GE_SH_ETF"], False),
    ("600519.SH", T["XT_GE_EXTRA_ETF"], False),
    ("159003.SZ", T["XT_GE_SZ_RTMF"], True),
    # convertible bonds and bonds
    ("113513.SH", T["XT_GE_SH_CONVERTIBALE_BOND"], True),
    ("110045.SH", T["XT_GE_SH_CONVERTIBALE_BOND"], True),
    ("118000.SH", T["XT_GE_SH_CONVERTIBALE_BOND"], True),
    ("118000.SH", T["XT_GE_SH_TECH_BOARD_CONVERTIBLE_BOND"], True),
    ("113513.SH", T["XT_GE_SH_TECH_BOARD_CONVERTIBLE_BOND"], False),
    ("123060.SZ", T["XT_GE_SZ_CBB"], True),
    ("123060.SZ", T["XT_GE_SZ_CYB_CCB"], True),
    ("127020.SZ", T["XT_GE_SZ_ZB_CCB"], True),
    ("127020.SZ", T["XT_GE_SZ_CYB_CCB"], False),
    ("113513.SH", T["XT_GE_EXTRA_LOAN"], True),
    ("127020.SZ", T["XT_GE_EXTRA_LOAN"], True),
    ("127020.SZ", T["XT_GE_EXTRA_SZ_LOAN"], True),
    ("113513.SH", T["XT_GE_EXTRA_SH_LOAN"], True),
    ("600519.SH", T["XT_GE_EXTRA_LOAN"], False),
    ("113513.SH", T["XT_GE_SH_A"], False),
    # options
    ("10004401.SHO", T["XT_GE_EXTRA_INTRA_DAY"], True),
    ("10004401.SHO", T["XT_GE_SF_FTOPTION"], False),
    ("10004401.SHO", T["XT_GE_IF_FTOPTION"], False),
    # HK Connect: QMT has no HK class; only the negation 广义的股票 holds
    ("00700.HK", T["XT_GE_EXTRA_STOCK_A"], False),
    ("00700.HK", T["XT_GE_MARKET_SH"], False),
    ("00700.HK", T["XT_GE_EXTRA_STOCK_EX"], True),
    # classes without members in the simulator
    ("600519.SH", T["XT_GE_SZ_SME_BOARD"], False),
    ("600519.SH", T["XT_GE_SH_WARRANT"], False),
    ("IF2612.IF", T["XT_GE_IF_ARBITAGE_FTOPTION"], False),
    ("sc2701.INE", T["XT_GE_INE_ARBITAGE_FTOPTION"], False),
]


@pytest.mark.parametrize(("code", "tag", "expected"), CASES)
def test_is_stock_type(xt, code, tag, expected):
    assert code in xt.market.universe, code
    assert xt.is_stock_type(code, tag) is expected


def test_every_constant_has_qmts_definition_and_nothing_else():
    defined = set(reference.STOCK_TYPE_CODES) | set(reference.STOCK_TYPE_EXPRESSIONS)
    assert not set(reference.STOCK_TYPE_CODES) & set(reference.STOCK_TYPE_EXPRESSIONS)
    assert defined == set(XTSTOCKTYPE)
    assert len(set(XTSTOCKTYPE.values())) == len(XTSTOCKTYPE) == 396


def test_every_constant_is_decided_for_every_kind(xt):
    """No constant raises or depends on anything but the code: one instrument per kind and market."""
    seen: dict[tuple[str, str], str] = {}
    for inst in xt.market.universe:
        seen.setdefault((inst.kind, inst.market), inst.code)
    assert len(seen) >= 15
    for code in seen.values():
        answers = {name: xt.is_stock_type(code, value) for name, value in XTSTOCKTYPE.items()}
        assert all(isinstance(a, bool) for a in answers.values())
        assert answers["XT_GE_EXTRA_STOCK_EX"] is not answers["XT_GE_EXTRA_STOCK_INDEX"]


def test_market_classes_follow_the_code_suffix(xt):
    markets = {
        "XT_GE_MARKET_SH": "SH",
        "XT_GE_MARKET_SZ": "SZ",
        "XT_GE_MARKET_ZJ": "IF",
        "XT_GE_MARKET_SQ": "SF",
        "XT_GE_MARKET_DS": "DF",
        "XT_GE_MARKET_ZS": "ZF",
        "XT_GE_MARKET_OP": "SHO",
    }
    universe = xt.market.universe
    sample = [i for n, i in enumerate(universe) if n % 97 == 0]
    for name, market in markets.items():
        for inst in sample:
            expected = inst.market == market
            assert xt.is_stock_type(inst.code, XTSTOCKTYPE[name]) is expected, (name, inst.code)


def test_unknown_codes_and_tags_are_false(xt):
    assert xt.is_stock_type("999999.SH", 1) is False
    assert xt.is_stock_type("600519.SH", 999999) is False
    assert xt.is_stock_type("600519.SH", 0) is False


def test_a_class_without_definition_raises():
    with pytest.raises(ValueError, match="no definition"):
        reference.stock_type_matches("XT_GE_NOT_A_CLASS", "600519", "SH")
