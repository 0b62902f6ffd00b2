"""The simulated instrument universe (qmt_bridge.sim.market.universe)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import replace

import pytest

from qmt_bridge.sim.market import instruments as I
from qmt_bridge.sim.market.bars import day_start_ms
from qmt_bridge.sim.market.calendar import FIRST_DAY, sse_calendar
from qmt_bridge.sim.market.names import SW1_INDUSTRIES, WELL_KNOWN_STOCKS
from qmt_bridge.sim.market.prices import PriceEngine
from qmt_bridge.sim.market.universe import (
    FUTURE_PRODUCTS,
    OPTION_UNDERLYINGS,
    Universe,
    build_universe,
    trading_days_after,
)

TODAY = dt.date(2025, 6, 30)
SEED = 42

BOARD_PATTERNS = {
    I.SH_MAIN: r"60[0-5]\d{3}\.SH",
    I.STAR: r"688\d{3}\.SH",
    I.SZ_MAIN: r"00[0-3]\d{3}\.SZ",
    I.CHINEXT: r"30[01]\d{3}\.SZ",
    I.BJ: r"(43\d{4}|83\d{4}|87\d{4}|920\d{3})\.BJ",
}
ETF_PATTERN = r"(51[0-3]\d{3}|51[5-8]\d{3}|520\d{3}|530\d{3}|56[0-3]\d{3}|588\d{3})\.SH|15[89]\d{3}\.SZ"
CB_PATTERN = r"(110\d{3}|113\d{3}|118[0-4]\d{2})\.SH|(12[3-8]\d{3})\.SZ"


@pytest.fixture(scope="module")
def cal():
    return sse_calendar()


@pytest.fixture(scope="module")
def uni(cal):
    return build_universe(SEED, TODAY)


# -- determinism and speed -----------------------------------------------------------------------------------


def test_same_inputs_same_universe(uni):
    again = build_universe.__wrapped__(SEED, TODAY)  # built afresh, not the kept one
    assert again is not uni and list(again) == list(uni)
    assert build_universe(SEED, TODAY) is uni  # markets of one seed and day share the kept one


def test_other_seed_changes_generated_parts_but_not_well_known(uni):
    other = build_universe(SEED + 1, TODAY)
    assert set(other.codes(I.STOCK)) != set(uni.codes(I.STOCK))
    gen_names = {i.name for i in uni.by_kind(I.STOCK)} - {k.name for k in WELL_KNOWN_STOCKS}
    other_names = {i.name for i in other.by_kind(I.STOCK)} - {k.name for k in WELL_KNOWN_STOCKS}
    assert len(gen_names & other_names) < len(gen_names) / 2
    for k in WELL_KNOWN_STOCKS:
        assert other.get(k.code) == uni.get(k.code)
    for code in ("000300.SH", "510050.SH", "00700.HK", "IF00.IF"):
        assert other.get(code).name == uni.get(code).name


def test_later_today_keeps_history(uni):
    """Instruments listed by an earlier ``today`` are unchanged later, except open ST periods that go on."""
    later = build_universe(SEED, TODAY + dt.timedelta(days=200))
    assert len(later.by_kind(I.STOCK)) > len(uni.by_kind(I.STOCK))
    for ins in uni:
        if ins.kind in (I.FUTURE, I.OPTION) or (ins.kind == I.CB and ins.expire_date < later.today):
            continue
        other = later.get(ins.code)
        assert other is not None, ins.code
        clipped = tuple((a, min(b, TODAY)) for a, b in other.st_periods if a <= TODAY)
        assert clipped == ins.st_periods, ins.code
        assert replace(other, st_periods=ins.st_periods) == ins


# -- stocks --------------------------------------------------------------------------------------------------


def test_board_counts(uni):
    counts = Counter(i.board for i in uni.by_kind(I.STOCK))
    assert 1550 <= counts[I.SH_MAIN] <= 1850
    assert 450 <= counts[I.STAR] <= 650
    assert 1350 <= counts[I.SZ_MAIN] <= 1650
    assert 1150 <= counts[I.CHINEXT] <= 1450
    assert 180 <= counts[I.BJ] <= 320
    assert 4700 <= sum(counts.values()) <= 5600


def test_codes_match_board_patterns(uni):
    for s in uni.by_kind(I.STOCK):
        assert re.fullmatch(BOARD_PATTERNS[s.board], s.code), s.code
        assert s.market == s.code.split(".")[1]
        assert s.kind == I.STOCK


def test_well_known_stocks(uni):
    expect = {
        "000001.SZ": ("平安银行", "银行"),
        "600519.SH": ("贵州茅台", "食品饮料"),
        "600000.SH": ("浦发银行", "银行"),
        "601318.SH": ("中国平安", "非银金融"),
        "600036.SH": ("招商银行", "银行"),
        "601398.SH": ("工商银行", "银行"),
        "600900.SH": ("长江电力", "公用事业"),
        "000858.SZ": ("五粮液", "食品饮料"),
        "000333.SZ": ("美的集团", "家用电器"),
        "002594.SZ": ("比亚迪", "汽车"),
        "002415.SZ": ("海康威视", "计算机"),
        "300750.SZ": ("宁德时代", "电力设备"),
        "300059.SZ": ("东方财富", "非银金融"),
        "688981.SH": ("中芯国际", "电子"),
        "688111.SH": ("金山办公", "计算机"),
        "601012.SH": ("隆基绿能", "电力设备"),
        "600276.SH": ("恒瑞医药", "医药生物"),
        "000651.SZ": ("格力电器", "家用电器"),
        "601888.SH": ("中国中免", "商贸零售"),
        "830799.BJ": ("艾融软件", "计算机"),
    }
    for code, (name, industry) in expect.items():
        ins = uni.get(code)
        assert ins is not None and ins.name == name and ins.industry == industry, code
    # base_price is the level a stock's history starts from: 茅台's raw price on 2005-01-04 (~60; its real
    # path reaches 1,000+ only in 2019), 宁德时代's issue price
    assert 40 < uni.get("600519.SH").base_price < 90
    assert uni.get("300750.SZ").base_price == 25.14
    assert 5 < uni.get("000001.SZ").base_price < 20
    assert uni.get("300750.SZ").board == I.CHINEXT and uni.get("688981.SH").board == I.STAR
    assert uni.get("830799.BJ").board == I.BJ
    assert len(WELL_KNOWN_STOCKS) >= 40


def test_stock_attributes(uni, cal):
    known = {k.code for k in WELL_KNOWN_STOCKS}
    names = [s.name for s in uni.by_kind(I.STOCK)]
    assert len(set(names)) == len(names)
    for s in uni.by_kind(I.STOCK):
        assert FIRST_DAY <= s.list_date <= TODAY and cal.is_trading_day(s.list_date)
        assert s.industry in SW1_INDUSTRIES
        assert s.price_tick == 0.01 and s.expire_date is None
        assert 0 < s.float_shares <= s.total_shares
        if s.code in known:
            continue
        assert 3 <= s.base_price <= 80
        assert 1e8 <= s.total_shares <= 3e10
        growth = s.board in (I.STAR, I.CHINEXT, I.BJ)
        assert (0.022 if growth else 0.015) <= s.volatility <= (0.035 if growth else 0.028)
    mins = {I.STAR: dt.date(2019, 7, 22), I.CHINEXT: dt.date(2009, 10, 30), I.BJ: dt.date(2021, 11, 15)}
    for s in uni.by_kind(I.STOCK):
        if s.board in mins:
            assert s.list_date >= mins[s.board], s.code
        if s.code.startswith("301"):
            assert s.list_date >= dt.date(2020, 8, 1)
        if s.code.startswith("920"):
            assert s.list_date >= dt.date(2024, 10, 1)
    # older codes list earlier
    sh = {s.code: s.list_date for s in uni.by_kind(I.STOCK) if s.board == I.SH_MAIN and s.code not in known}
    assert max(d for c, d in sh.items() if c < "601000") < min(d for c, d in sh.items() if c >= "605000")
    recent = [s for s in uni.by_kind(I.STOCK) if s.list_date > TODAY - dt.timedelta(days=365)]
    assert 20 <= len(recent) <= 250
    assert {s.board for s in recent} == {I.SH_MAIN, I.STAR, I.SZ_MAIN, I.CHINEXT, I.BJ}


def test_st_periods(uni):
    stocks = uni.by_kind(I.STOCK)
    st = [s for s in stocks if s.st_periods]
    assert 0.02 * len(stocks) <= len(st) <= 0.04 * len(stocks)
    ongoing = [s for s in st if s.is_st_on(TODAY)]
    assert ongoing and len(ongoing) < len(st)
    for s in st:
        assert s.st_kind in ("ST", "*ST")
        assert 1 <= len(s.st_periods) <= 2
        for a, b in s.st_periods:
            assert s.list_date < a <= b <= TODAY
    assert any(s.st_periods[-1][1] == TODAY for s in st)


# -- indices, ETFs, CBs, HK ---------------------------------------------------------------------------------


def test_indices(uni):
    names = {i.code: i.name for i in uni.by_kind(I.INDEX)}
    assert names["000001.SH"] == "上证指数" and names["399006.SZ"] == "创业板指"
    for code in ("000016.SH", "000300.SH", "000905.SH", "000852.SH", "000688.SH", "000010.SH", "399001.SZ"):
        assert code in names
    for code in ("399005.SZ", "399300.SZ", "899050.BJ"):
        assert code in names
    for i in uni.by_kind(I.INDEX):
        assert i.board == I.INDEX and i.base_price >= 500 and 0.008 <= i.volatility <= 0.02
        assert i.list_date >= FIRST_DAY
    assert uni.get("399006.SZ").list_date == dt.date(2010, 5, 31)
    assert uni.get("000001.SZ").kind == I.STOCK and uni.get("000001.SH").kind == I.INDEX


def test_etfs(uni):
    etfs = uni.by_kind(I.ETF)
    assert 90 <= len(etfs) <= 150
    expect = {
        "510050.SH": "上证50ETF",
        "510300.SH": "沪深300ETF",
        "510500.SH": "中证500ETF",
        "588000.SH": "科创50ETF",
        "159915.SZ": "创业板ETF",
        "512880.SH": "证券ETF",
        "518880.SH": "黄金ETF",
        "513100.SH": "纳指ETF",
        "159941.SZ": "纳指ETF",
        "511010.SH": "国债ETF",
    }
    for code, name in expect.items():
        assert uni.get(code).name == name
    assert uni.get("159919.SZ").name.startswith("沪深300ETF")
    for e in etfs:
        assert re.fullmatch(ETF_PATTERN, e.code), e.code
        assert e.price_tick == 0.001 and e.list_date <= TODAY
        if e.code != "511010.SH":
            assert 0.3 <= e.base_price <= 8
    dupes = {n for n, c in Counter(e.name for e in etfs).items() if c > 1}
    assert dupes <= {"纳指ETF", "中证1000ETF"}  # real funds that share a short name


def test_convertible_bonds(uni, cal):
    cbs = uni.by_kind(I.CB)
    assert 110 <= len(cbs) <= 200
    underlyings = set()
    for b in cbs:
        assert re.fullmatch(CB_PATTERN, b.code), b.code
        und = uni.get(b.underlying)
        assert und is not None and und.kind == I.STOCK and und.list_date < b.list_date
        assert und.market == b.market and und.board != I.BJ
        if b.code.startswith("118"):
            assert und.board == I.STAR
        if b.code.startswith("123"):
            assert und.board == I.CHINEXT
        underlyings.add(und.code)
        assert b.name.endswith("转债") or "转" in b.name
        assert b.name[0] == und.name[0]
        assert b.price_tick == 0.001 and 100 <= b.base_price <= 130
        assert abs((b.expire_date - b.list_date).days - 6 * 365) <= 8
        assert b.list_date <= TODAY and b.expire_date >= TODAY - dt.timedelta(days=400)
    assert len(underlyings) == len(cbs)
    assert sum(1 for b in cbs if b.listed_on(TODAY)) >= 100


def test_hk_connect(uni):
    hk = uni.by_kind(I.HK)
    assert 150 <= len(hk) <= 200
    names = {h.code: h.name for h in hk}
    assert names["00700.HK"] == "腾讯控股" and names["09988.HK"] == "阿里巴巴-W"
    assert names["03690.HK"] == "美团-W" and names["01810.HK"] == "小米集团-W"
    for h in hk:
        assert re.fullmatch(r"\d{5}\.HK", h.code) and h.market == "HK"
        assert h.product in ("SH", "SZ", "SH,SZ")
    assert {h.product for h in hk} == {"SH", "SZ", "SH,SZ"}


# -- futures -------------------------------------------------------------------------------------------------


def test_futures_codes_and_specs(uni, cal):
    spec = {p.product: p for p in FUTURE_PRODUCTS}
    mult = {"IF": 300, "IH": 300, "IC": 200, "IM": 200, "T": 10000, "rb": 10, "cu": 5, "au": 1000, "ag": 15}
    mult |= {"m": 10, "i": 100, "SR": 10, "AP": 10, "sc": 1000, "si": 5, "lc": 1}
    contracts = [f for f in uni.by_kind(I.FUTURE) if f.expire_date is not None]
    products = {f.product for f in contracts}
    assert products == set(spec)
    for f in contracts:
        p = spec[f.product]
        assert f.market == p.market and f.price_tick == p.tick
        if f.market == "ZF":
            assert re.fullmatch(rf"{f.product}\d{{3}}\.ZF", f.code), f.code
            assert f.code[len(f.product)] == str(f.expire_date.year % 10)
        else:
            yymm = f"{f.expire_date.year % 100:02d}{f.expire_date.month:02d}"
            assert f.code == f"{f.product}{yymm}.{f.market}"
        if f.product in mult:
            assert f.volume_multiple == mult[f.product]
        assert f.list_date <= TODAY and f.expire_date >= TODAY - dt.timedelta(days=400)
        assert cal.is_trading_day(f.list_date)
        # expiry rules
        e = f.expire_date
        if p.scheme == "index":
            third_friday = dt.date(e.year, e.month, 15 + (4 - dt.date(e.year, e.month, 15).weekday()) % 7)
            assert e == cal.first_on_or_after(third_friday), f.code
        elif p.scheme == "commodity":
            assert e == cal.first_on_or_after(dt.date(e.year, e.month, 15)), f.code
        if e <= cal.sessions[-1]:
            assert cal.is_trading_day(e)
    for code in ("IF2506.IF", "rb2510.SF", "m2509.DF", "AP510.ZF", "SR509.ZF", "sc2508.INE", "lc2509.GF"):
        assert code in uni, code
    # CFFEX stock-index futures: current month, next month, next two quarter months
    assert [f.code for f in uni.futures_of("IF", TODAY)] == [
        "IF2507.IF",
        "IF2508.IF",
        "IF2509.IF",
        "IF2512.IF",
    ]
    assert uni.futures_of("IF", dt.date(2025, 6, 20)) == [
        uni.get(c) for c in ("IF2506.IF", "IF2507.IF", "IF2509.IF", "IF2512.IF")
    ]
    assert len(uni.futures_of("T", TODAY)) == 3


def test_continuous_codes(uni):
    cont = uni.continuous_codes()
    assert "IF00.IF" in cont and "AP00.ZF" in cont and "rb00.SF" in cont and "sc00.INE" in cont
    assert len(cont) == len(FUTURE_PRODUCTS)
    for code in cont:
        ins = uni.get(code)
        assert ins.kind == I.FUTURE and ins.expire_date is None and ins.underlying == ""
        assert code == f"{ins.product}00.{ins.market}"


def test_main_contract_rolls(uni, cal):
    a, b = dt.date(2025, 1, 6), dt.date(2025, 4, 7)
    for cont in ("IF00.IF", "rb00.SF", "m00.DF", "AP00.ZF", "T00.IF", "cu00.SF"):
        main_a, main_b = uni.main_contract(cont, a), uni.main_contract(cont, b)
        assert main_a and main_b and main_a != main_b, cont
        for day, main in ((a, main_a), (b, main_b)):
            ins = uni.get(main)
            assert ins.listed_on(day)
            assert trading_days_after(cal, day, ins.expire_date) >= 5
            sec = uni.get(uni.sec_main_contract(cont, day))
            assert sec.product == ins.product and sec.expire_date > ins.expire_date and sec.listed_on(day)
    assert uni.main_contract("IF00.IF", TODAY) == "IF2507.IF"
    # 5 trading days before expiry the main rolls to the next contract
    expiry = uni.get("IF2507.IF").expire_date
    assert uni.main_contract("IF00.IF", cal.sessions[cal.index_of(expiry) - 5]) == "IF2507.IF"
    assert uni.main_contract("IF00.IF", cal.sessions[cal.index_of(expiry) - 4]) == "IF2508.IF"
    # commodities take main months
    for day in cal.between(dt.date(2024, 8, 1), TODAY)[::7]:
        assert int(uni.main_contract("m00.DF", day)[-5:-3]) in (1, 5, 9)
        assert int(uni.main_contract("rb00.SF", day)[-5:-3]) in (1, 5, 10)
    assert uni.main_contract("XX00.SF", TODAY) is None
    assert uni.main_contract("IF2507.IF", TODAY) is None
    assert uni.main_contract("IF00.IF", dt.date(2015, 1, 5)) is None
    assert uni.sec_main_contract("IF00.IF", dt.date(2015, 1, 5)) is None


# -- options -------------------------------------------------------------------------------------------------


def test_option_chains(uni, cal):
    all_codes = [o.code for o in uni.by_kind(I.OPTION)]
    assert len(all_codes) == len(set(all_codes)) > 300
    for und, (market, prefix, _reference, _launch) in OPTION_UNDERLYINGS.items():
        chain = uni.options_of(und)
        assert chain, und
        by_expiry = defaultdict(list)
        for o in chain:
            assert re.fullmatch(rf"{prefix}\d{{4}}\.{market}", o.code), o.code
            assert o.volume_multiple == 10000 and o.price_tick == 0.0001 and o.product == und[:6]
            assert o.underlying == und and o.list_date < o.expire_date and o.list_date <= TODAY
            cp = "购" if o.option_type == "CALL" else "沽"
            assert o.name.endswith(f"{cp}{o.expire_date.month}月{round(o.strike * 1000)}")
            by_expiry[o.expire_date].append(o)
        assert any(e >= TODAY for e in by_expiry)
        assert any(TODAY - dt.timedelta(days=90) <= e < TODAY for e in by_expiry)
        assert len([e for e in by_expiry if e >= TODAY]) == 4
        for expiry, opts in by_expiry.items():
            fourth_wed = dt.date(
                expiry.year, expiry.month, 22 + (2 - dt.date(expiry.year, expiry.month, 22).weekday()) % 7
            )
            assert expiry == cal.first_on_or_after(fourth_wed)
            calls = sorted(o.strike for o in opts if o.option_type == "CALL")
            puts = sorted(o.strike for o in opts if o.option_type == "PUT")
            assert calls == puts and len(calls) >= 9
            for strike in calls:  # on the exchange's grid: 0.025 below 3, 0.05 to 5, 0.1 to 10
                step = 25 if strike < 3 else (50 if strike < 5 else 100)
                assert round(strike * 1000) % step == 0, strike
    # Ladders follow the underlying: every expiry alive today brackets today's close.
    engine = PriceEngine(cal, SEED)
    for und in OPTION_UNDERLYINGS:
        daily = engine.daily(uni.get(und))
        close = float(daily["close"][list(daily["time"]).index(day_start_ms(TODAY))])
        alive = [o for o in uni.options_of(und) if o.expire_date >= TODAY]
        for expiry in {o.expire_date for o in alive}:
            strikes = sorted(o.strike for o in alive if o.expire_date == expiry)
            assert strikes[0] < close < strikes[-1], (und, expiry, close)
            assert min(abs(k - close) for k in strikes) <= 0.1, (und, expiry, close)
    assert uni.get("10000001.SHO") is None or uni.get("10000001.SHO").kind == I.OPTION


# -- container API -------------------------------------------------------------------------------------------


def test_universe_api(uni):
    codes = [i.code for i in uni]
    assert codes == sorted(codes) and len(uni) == len(codes)
    assert "600519.SH" in uni and "999999.SH" not in uni and uni.get("999999.SH") is None
    assert [i.code for i in uni.by_kind(I.ETF)] == uni.codes(I.ETF)
    assert uni.codes(I.STOCK, "BJ") == [i.code for i in uni.by_kind(I.STOCK) if i.market == "BJ"]
    assert set(uni.codes(market="SHO")) == {i.code for i in uni.by_kind(I.OPTION) if i.market == "SHO"}
    assert uni.by_kind("nothing") == [] and uni.options_of("600519.SH") == []
    assert uni.today == TODAY
    with pytest.raises(ValueError):
        Universe([uni.get("600519.SH"), uni.get("600519.SH")])
