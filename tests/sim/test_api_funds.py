"""ETF creation lists and convertible bonds of the simulated xtdata (qmt_bridge.sim.api.funds).

The ``xtdata`` fixture is the simulator frozen at Thursday 2025-11-20 15:30 CST, seed 7.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market import bonds
from qmt_bridge.sim.market.market import SimMarket

TODAY = dt.date(2025, 11, 20)
PREV = "20251119"  # the list of T = 2025-11-20 uses T-1 prices
ETF_KEYS = {
    "market", "基金代码", "基金名称", "现金差额", "最小申购、赎回单位净值", "基金份额净值", "预估现金差额", "现金替代比例上限",
    "是否需要公布IOPV", "最小申购、赎回单位", "申购的允许情况", "赎回的允许情况", "申购上限", "赎回上限", "成份股信息",
}  # fmt: skip
COMPONENT_KEYS = {
    "成份股代码", "成份股名称", "成份股数量", "现金替代标志", "申购现金替代溢价比率", "申购替代金额", "赎回现金替代折价比率",
    "赎回替代金额", "成份股所属市场", "映射代码", "是否实物对价申赎",
}  # fmt: skip
CB_KEYS = [
    "bondCode", "bondName", "stockCode", "stockName", "bondMaturity", "bondParvalue", "bondIssuePrice",
    "bondIssueSize", "bondReMainSize", "bondValueDate", "bondMaturityDate", "bondRateType", "bondCouponRate",
    "bondAddRate", "bondPayPerYear", "bondListDate", "delistDate", "bondExchange", "convStartDate", "convEndDate",
    "firstConvPrice", "bondConvPrice", "rateClause", "forceRedeemTradeDate", "forceRedeemConvDate",
    "forceRedeemPrice", "triggerForceRedeemPrice", "triggerRepurchasePrice", "expireRedeemPrice", "analYTM",
    "analPTM", "analAccruedinterst", "analStrbvalue", "analStrbpremium", "analConvvalue", "analConvpremiumratio",
    "analDuration", "analConvexity",
]  # fmt: skip
INDEX_ETFS = {
    "510300.SH": "沪深300",
    "159919.SZ": "沪深300",
    "510050.SH": "上证50",
    "510500.SH": "中证500",
    "588000.SH": "科创50",
    "159915.SZ": "创业板指",
    "512100.SH": "中证1000",
}


@pytest.fixture(scope="module")
def etf_info(xtdata) -> dict:
    return xtdata.get_etf_info()


@pytest.fixture(scope="module")
def prev_close(xtdata, etf_info):
    """T-1 closes of every ETF and component (straight from the price engine: 2,000 codes)."""
    codes = sorted({c["成份股代码"] for e in etf_info.values() for c in e["成份股信息"]} | set(etf_info))
    day = _ymd(int(PREV))
    out = {}
    for code in codes:
        bars = xtdata.market.prices.kline(xtdata.market.universe.get(code), "1d", day, day)
        if len(bars):
            out[code] = float(bars["close"][-1])
    sample = xtdata.get_market_data_ex(["close"], codes[:20], end_time=PREV, count=1)
    assert all(out[c] == sample[c]["close"].iloc[-1] for c in codes[:20])  # the same prices as xtdata's
    return out


def _ymd(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)


# ---------------------------------------------------------------------------------------------- ETF


def test_every_listed_etf_with_metainfo_keys(xtdata, etf_info):
    listed = xtdata.get_stock_list_in_sector("沪深ETF")
    assert sorted(etf_info) == sorted(listed)
    for code, entry in etf_info.items():
        assert set(entry) == ETF_KEYS, code
        symbol, market = code.split(".")
        assert entry["基金代码"] == symbol and entry["market"] == market
        assert entry["基金名称"] == xtdata.market.universe.get(code).name
        assert isinstance(entry["最小申购、赎回单位"], int) and entry["最小申购、赎回单位"] % 100_000 == 0
        assert (
            entry["是否需要公布IOPV"] == 1 and entry["申购的允许情况"] == 1 and entry["赎回的允许情况"] == 1
        )
        for comp in entry["成份股信息"]:
            assert set(comp) == COMPONENT_KEYS
            assert comp["成份股代码"].endswith("." + comp["成份股所属市场"])
            assert comp["成份股所属市场"] in ("SH", "SZ", "BJ")


@pytest.mark.parametrize(("etf", "sector"), sorted(INDEX_ETFS.items()))
def test_index_etfs_hold_their_index_today(xtdata, etf_info, etf, sector):
    members = set(xtdata.get_stock_list_in_sector(sector))
    comps = etf_info[etf]["成份股信息"]
    assert {c["成份股代码"] for c in comps} == members
    assert len(comps) == len(members)


def test_creation_unit_value_adds_up(etf_info, prev_close):
    for code, entry in etf_info.items():
        nav, unit, value = entry["基金份额净值"], entry["最小申购、赎回单位"], entry["最小申购、赎回单位净值"]
        assert nav == pytest.approx(prev_close[code], abs=5e-5), code  # NAV = the ETF's T-1 close
        assert value == pytest.approx(unit * nav, abs=0.01)
        comps = entry["成份股信息"]
        if not comps:
            assert abs(entry["现金差额"]) < 0.002 * value
            continue
        held = sum(c["成份股数量"] * prev_close[c["成份股代码"]] for c in comps if c["现金替代标志"] != 2)
        must_cash = sum(c["申购替代金额"] for c in comps if c["现金替代标志"] == 2)
        assert held + must_cash + entry["现金差额"] == pytest.approx(value, abs=0.05), code
        # sum(shares x price) is the unit's value up to lot rounding
        total = sum(c["成份股数量"] * prev_close[c["成份股代码"]] for c in comps)
        assert total == pytest.approx(value, rel=0.03), code
        assert abs(entry["现金差额"]) < 0.03 * value


def test_component_weights_follow_the_index(xtdata, etf_info, prev_close):
    weights = xtdata.market.sectors.index_weights("000300.SH", TODAY)
    entry = etf_info["510300.SH"]
    value = entry["最小申购、赎回单位净值"]
    assert {c["成份股代码"] for c in entry["成份股信息"]} == set(weights)
    for c in entry["成份股信息"]:
        price = prev_close[c["成份股代码"]]
        target = weights[c["成份股代码"]] / 100 * value
        if c["现金替代标志"] == 2:
            assert c["申购替代金额"] == pytest.approx(target, abs=0.01) and target < 50 * price
        else:  # the nearest whole lot to the weight's value
            assert abs(c["成份股数量"] * price - target) <= 50 * price + 0.01
    held = sum(c["成份股数量"] * prev_close[c["成份股代码"]] for c in entry["成份股信息"])
    assert held / value == pytest.approx(1.0, abs=0.02)


def test_cash_substitution_flags(etf_info):
    seen = set()
    for entry in etf_info.values():
        market = entry["market"]
        for c in entry["成份股信息"]:
            flag = c["现金替代标志"]
            seen.add(flag)
            if flag == 1:
                assert (
                    c["成份股所属市场"] == market and c["申购替代金额"] == 0.0 and c["是否实物对价申赎"] == 1
                )
                assert c["成份股数量"] % 100 == 0
            elif flag == 3:
                assert c["成份股所属市场"] != market and c["申购替代金额"] > 0
                assert c["成份股数量"] % 100 == 0
            else:
                assert flag == 2 and c["申购替代金额"] > 0
    assert {1, 3} <= seen


def test_gold_bond_and_cross_border_etfs_have_no_basket(etf_info):
    for code in ("518880.SH", "511010.SH", "159920.SZ", "159941.SZ", "513100.SH", "513050.SH"):
        entry = etf_info[code]
        assert entry["成份股信息"] == [] and entry["现金替代比例上限"] == 1.0, code
    sector = etf_info["512800.SH"]["成份股信息"]  # 银行ETF: banks only
    assert 0 < len(sector) <= 50


def test_etf_info_is_deterministic_and_a_copy(xtdata, etf_info):
    again = xtdata.get_etf_info()
    assert again == etf_info
    again["510300.SH"]["成份股信息"][0]["成份股数量"] = -1
    again["510300.SH"]["现金差额"] = 1e9
    third = xtdata.get_etf_info()
    assert third == etf_info
    assert xtdata.download_etf_info() is None


# ---------------------------------------------------------------------------------------------- CB


@pytest.fixture(scope="module")
def live_cbs(xtdata) -> list[str]:
    return xtdata.get_stock_list_in_sector("沪深转债")


def test_cb_info_keys_and_terms(xtdata, live_cbs):
    u = xtdata.market.universe
    cal = xtdata.market.calendar
    for code in live_cbs:
        info = xtdata.get_cb_info(code)
        assert list(info) == CB_KEYS, code
        inst = u.get(code)
        stock = u.get(inst.underlying)
        assert info["bondCode"] == code and info["bondName"] == inst.name
        assert info["stockCode"] == stock.code and info["stockName"] == stock.name
        assert info["bondIssueSize"] == inst.total_shares * 100
        assert 0 <= info["bondReMainSize"] <= info["bondIssueSize"]
        assert _ymd(info["bondListDate"]) == inst.list_date
        assert _ymd(info["bondMaturityDate"]) == inst.expire_date == _ymd(info["convEndDate"])
        assert _ymd(info["bondValueDate"]) < inst.list_date
        conv_start = _ymd(info["convStartDate"])  # listing + 6 months, on a trading day
        assert cal.is_trading_day(conv_start) and 178 <= (conv_start - inst.list_date).days <= 190
        assert info["delistDate"] == 0
        assert info["bondConvPrice"] > 0 and info["firstConvPrice"] > 0
        assert info["triggerForceRedeemPrice"] == round(info["bondConvPrice"] * 1.3, 2)
        assert info["triggerRepurchasePrice"] == round(info["bondConvPrice"] * 0.7, 2)
        assert f"{info['bondCouponRate']:.2f}%" in info["rateClause"]
        assert info["bondExchange"] == inst.market


def test_conversion_value_is_plausible_against_the_bond_price(xtdata, live_cbs):
    stocks = {c: xtdata.market.universe.get(c).underlying for c in live_cbs}
    closes = xtdata.get_market_data_ex(["close"], [*live_cbs, *stocks.values()], count=1)
    premiums = []
    for code in live_cbs:
        info = xtdata.get_cb_info(code)
        bond = closes[code]["close"].iloc[-1]
        conv_value = 100.0 / info["bondConvPrice"] * closes[stocks[code]]["close"].iloc[-1]
        assert info["analConvvalue"] == pytest.approx(conv_value, rel=1e-3)
        premium = bond / conv_value - 1.0
        assert -0.01 <= premium <= 0.9, (code, bond, conv_value)
        assert info["analConvpremiumratio"] == pytest.approx(premium * 100, abs=0.05)
        premiums.append((bond, premium))
    # expensive bonds trade close to their conversion value, cheap ones far above it
    rich = [p for b, p in premiums if b >= 135]
    cheap = [p for b, p in premiums if b < 105]
    assert rich and cheap and max(rich) < min(cheap)


def test_conversion_price_history_drops_on_dividend_ex_dates(xtdata):
    checked = 0
    for inst in xtdata.market.universe.by_kind("cb"):
        info = xtdata.get_cb_info(inst.code)
        hist = xtdata.bnd_get_conversion_price(inst.code)
        col = {f: f"bond_conv_price_info.{f}" for f in bonds.CONV_FIELDS}
        assert list(hist.columns) == list(col.values())
        prices = hist[col["conversion_price"]].tolist()
        assert hist[col["event_type"]].iloc[0] == "初始转股价" and prices[0] == info["firstConvPrice"]
        assert prices[-1] == info["bondConvPrice"]
        assert all(b <= a for a, b in zip(prices, prices[1:], strict=False))  # conversion prices only go down
        assert np.allclose(hist[col["conversion_rate"]], 100.0 / hist[col["conversion_price"]], atol=6e-5)
        assert (hist[col["pub_date"]] <= hist[col["effective_date"]]).all()
        factors = xtdata.get_divid_factors(inst.underlying)
        ex_days = {int(k): row for k, row in factors.iterrows()}
        for i in range(1, len(hist)):
            row = hist.iloc[i]
            if row[col["event_type"]] != "调整转股价":
                continue
            eff = int(row[col["effective_date"]])
            assert eff in ex_days, (inst.code, eff)  # adjustments happen on the underlying's ex-dates
            f = ex_days[eff]
            expected = (prices[i - 1] - f["interest"] + f["allotPrice"] * f["allotNum"]) / (
                1 + f["stockBonus"] + f["stockGift"] + f["allotNum"]
            )
            assert prices[i] == pytest.approx(expected, abs=0.006), (inst.code, eff)
            if row[col["change_reason"]] == "派息":
                assert prices[i] == pytest.approx(prices[i - 1] - f["interest"], abs=0.006)
                checked += 1
    assert checked >= 20


def test_amount_changes_decrease_as_bonds_convert(xtdata):
    converted = 0
    for inst in xtdata.market.universe.by_kind("cb"):
        info = xtdata.get_cb_info(inst.code)
        chg = xtdata.bnd_get_amount_change(inst.code)
        assert list(chg.columns) == [f"bond_amount_chg.{f}" for f in bonds.AMOUNT_FIELDS]
        remain = chg["bond_amount_chg.remain_amount"].to_numpy()
        amount = chg["bond_amount_chg.change_amount"].to_numpy()
        types = chg["bond_amount_chg.change_type"].tolist()
        assert types[0] == "首发" and remain[0] == pytest.approx(info["bondIssueSize"] / 1e4)
        assert (np.diff(remain) <= 1e-9).all()
        assert np.allclose(remain[:-1] - amount[1:], remain[1:], atol=2e-4)
        assert remain[-1] == pytest.approx(info["bondReMainSize"] / 1e4, abs=1e-4)
        assert set(types) <= {"首发", "转股", "回售", "到期"}
        assert (chg["bond_amount_chg.pub_date"] <= 20251120).all()
        converted += remain[-1] < remain[0] * 0.5
        if inst.expire_date < TODAY:
            assert (
                types[-1] == "到期" and remain[-1] == 0 and info["delistDate"] == bonds.ymd(inst.expire_date)
            )
            calls = xtdata.bnd_get_call_info(inst.code)
            last = calls.iloc[-1]
            assert last["bond_call_info.call_reason"] == "到期赎回"
            assert last["bond_call_info.call_price"] == info["expireRedeemPrice"]
    assert converted >= 10


def test_call_and_put_tables(xtdata):
    n_calls = n_puts = 0
    for inst in xtdata.market.universe.by_kind("cb"):
        calls = xtdata.bnd_get_call_info(inst.code)
        puts = xtdata.bnd_get_put_info(inst.code)
        if len(calls):
            assert list(calls.columns) == [f"bond_call_info.{f}" for f in bonds.CALL_FIELDS]
            assert set(calls["bond_call_info.call_reason"]) <= {"满足赎回条件", "到期赎回"}
            assert (calls["bond_call_info.pub_date"] <= 20251120).all()
            assert (calls["bond_call_info.call_price"] >= 100).all()
            n_calls += len(calls)
        if len(puts):
            assert list(puts.columns) == [f"bond_put_info.{f}" for f in bonds.PUT_FIELDS]
            p = puts
            assert (p["bond_put_info.pub_date"] < p["bond_put_info.put_start_date"]).all()
            assert (p["bond_put_info.put_start_date"] < p["bond_put_info.put_end_date"]).all()
            assert (p["bond_put_info.put_end_date"] < p["bond_put_info.cash_date"]).all()
            assert p["bond_put_info.put_price"].between(100, 104).all()
            n_puts += len(puts)
    assert n_calls > 0 and n_puts > 0


def test_bond_table_date_filters(xtdata):
    code = max(
        (i.code for i in xtdata.market.universe.by_kind("cb")),
        key=lambda c: len(xtdata.bnd_get_conversion_price(c)),
    )
    hist = xtdata.bnd_get_conversion_price(code)
    eff = hist["bond_conv_price_info.effective_date"]
    lo, hi = int(eff.iloc[1]), int(eff.iloc[-2])
    part = xtdata.bnd_get_conversion_price(code, str(lo), str(hi))
    assert part["bond_conv_price_info.effective_date"].between(lo, hi).all()
    assert len(part) == int(eff.between(lo, hi).sum())
    assert xtdata.bnd_get_conversion_price(code, "19900101", "19901231").equals(pd.DataFrame())
    chg = xtdata.bnd_get_amount_change(code, start_time="20250101")
    assert (chg["bond_amount_chg.change_date"] >= 20250101).all()


def test_non_cb_codes(xtdata):
    for code in ("600519.SH", "510300.SH", "123456.SZ", "bad"):
        assert xtdata.get_cb_info(code) == {}
        for fn in (
            xtdata.bnd_get_conversion_price,
            xtdata.bnd_get_call_info,
            xtdata.bnd_get_put_info,
            xtdata.bnd_get_amount_change,
        ):
            frame = fn(code)
            assert isinstance(frame, pd.DataFrame) and frame.empty and len(frame.columns) == 0
    assert xtdata.download_cb_data() is None


def test_cb_data_is_deterministic(xtdata, live_cbs):
    fresh = SimXtData(SimMarket(seed=7, clock=fixed_clock(dt.datetime(2025, 11, 20, 15, 30, tzinfo=CST))))
    for code in live_cbs[:10]:
        assert fresh.get_cb_info(code) == xtdata.get_cb_info(code)
        pd.testing.assert_frame_equal(
            fresh.bnd_get_conversion_price(code), xtdata.bnd_get_conversion_price(code)
        )
        pd.testing.assert_frame_equal(fresh.bnd_get_amount_change(code), xtdata.bnd_get_amount_change(code))
