"""Options and futures functions of the simulated xtdata (qmt_bridge.sim.api.derivatives).

The ``xtdata`` fixture is the simulator frozen at Thursday 2025-11-20 15:30 CST, seed 7.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from qmt_bridge.sim.api.derivatives import OPTION_DETAIL_KEYS
from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market.bars import day_start_ms
from qmt_bridge.sim.market.derivatives import (
    HIS_OPTION_COLUMNS,
    OPTION_HISTORY_FIELDS,
    history_main_contract_frame,
    option_history_contract_frame,
    sse_option_margin,
)
from qmt_bridge.sim.market.market import SimMarket
from qmt_bridge.sim.market.universe import OPTION_UNDERLYINGS, strike_step_milli, trading_days_after

TODAY = dt.date(2025, 11, 20)
ETF_UNDERLYINGS = sorted(OPTION_UNDERLYINGS)


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y%m%d").date()


def _ms_to_date(ms: int) -> dt.date:
    return dt.datetime.fromtimestamp(ms / 1000, CST).date()


def _fourth_wednesday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(2 - first.weekday()) % 7 + 21)


# ---------------------------------------------------------------------------------------------- details


def test_option_detail_fields_call_and_put(xtdata):
    codes = xtdata.get_option_list("510050.SH", "202512")
    details = [xtdata.get_option_detail_data(c) for c in codes]
    assert {d["optType"] for d in details} == {"CALL", "PUT"}
    for code, d in zip(codes, details, strict=True):
        assert tuple(d) == OPTION_DETAIL_KEYS
        inst = xtdata.market.universe.get(code)
        assert d["ExchangeID"] == "SHO" and d["InstrumentID"] == code.split(".")[0]
        assert d["optType"] == inst.option_type
        assert ("购" in d["InstrumentName"]) == (d["optType"] == "CALL")
        assert d["ProductType"] == (0 if d["optType"] == "CALL" else 1)
        for key in ("OpenDate", "CreateDate", "ExpireDate", "EndDelivDate"):
            assert isinstance(d[key], str) and re.fullmatch(r"\d{8}", d[key])
        assert d["ExpireDate"] == d["EndDelivDate"] == "20251224"
        assert d["OptUndlCode"] == d["OptUndlUniCode"] == "510050" and d["OptUndlMarket"] == "SH"
        assert d["OptUndlCodeFull"] == d["ProductCode"] == "510050.SH"
        assert d["OptExercisePrice"] == inst.strike
        assert d["InstrumentName"].endswith(str(round(inst.strike * 1000)))
        assert d["OptUnit"] == d["VolumeMultiple"] == 10000
        assert d["PriceTick"] == 0.0001
        assert 0.0001 <= d["DownStopPrice"] <= d["SettlementPrice"] < d["UpStopPrice"]
        assert 0.05 < d["OptUndlHistoryRate"] < 1.0
        assert 0 < d["OptUndlRiskFreeRate"] < 0.1
        assert d["MarginUnit"] > 0 and d["OptEstimatedMargin"] > 0
        assert d["LongMarginRatio"] == 12.0 and d["ShortMarginRatio"] == 7.0
    # the short call margin grows as the strike falls deeper in the money; puts the other way round
    by_strike = sorted(details, key=lambda d: d["OptExercisePrice"])
    calls = [d["MarginUnit"] for d in by_strike if d["optType"] == "CALL"]
    puts = [d["MarginUnit"] for d in by_strike if d["optType"] == "PUT"]
    assert calls == sorted(calls, reverse=True) or len(set(calls)) == 1
    assert puts == sorted(puts)


def test_option_margin_formula():
    # SSE: call [settle + max(12% S - OTM, 7% S)] x unit; put min[settle + max(12% S - OTM, 7% K), K] x unit
    assert sse_option_margin(True, 0.322, 3.2, 3.0, 10000) == pytest.approx((0.322 + 0.384) * 10000)
    assert sse_option_margin(True, 0.01, 2.5, 3.0, 10000) == pytest.approx((0.01 + 0.175) * 10000)
    assert sse_option_margin(False, 0.05, 3.0, 2.8, 10000) == pytest.approx((0.05 + 0.196) * 10000)


def test_option_detail_unknown_and_non_options(xtdata):
    assert xtdata.get_option_detail_data("99999999.SHO") is None
    assert xtdata.get_option_detail_data("600000.SH") == {}
    assert xtdata.get_option_detail_data("510050.SH") == {}
    assert xtdata.get_option_detail_data(xtdata.get_main_contract("IF00.IF")) == {}


# ---------------------------------------------------------------------------------------------- chains


def test_option_undl_data(xtdata):
    everything = xtdata.get_option_undl_data("")
    assert sorted(everything) == sorted([*ETF_UNDERLYINGS, "000016.SH", "000300.SH", "000852.SH"])
    universe = xtdata.market.universe
    for undl, codes in everything.items():
        assert codes == xtdata.get_option_undl_data(undl)
        assert codes == sorted(codes)
        assert all(universe.get(c).listed_on(TODAY) and universe.get(c).underlying == undl for c in codes)
        live = [o.code for o in universe.options_of(undl) if o.listed_on(TODAY)]
        assert sorted(live) == codes
    assert xtdata.get_option_undl_data("600000.SH") == []
    assert xtdata.get_option_undl_data("000905.SH") == []  # CFFEX lists no 中证500 options
    assert xtdata.get_option_undl_data("nonsense") == []


def test_option_list_month_and_type(xtdata):
    december = xtdata.get_option_list("510050.SH", "202512")
    # quarterly month: at least 13 strikes x CALL/PUT (more are listed as the underlying moves)
    assert len(december) >= 26 and len(december) % 2 == 0
    assert december == sorted(december)
    details = [xtdata.get_option_detail_data(c) for c in december]
    assert all(d["ExpireDate"].startswith("202512") for d in details)
    calls = xtdata.get_option_list("510050.SH", "202512", "C")
    assert calls == xtdata.get_option_list("510050.SH", "202512", "CALL")
    assert calls == xtdata.get_option_list("510050.SH", "202512", "call")
    puts = xtdata.get_option_list("510050.SH", "202512", "P")
    assert puts == xtdata.get_option_list("510050.SH", "202512", "PUT")
    assert len(calls) == len(puts) == len(december) // 2 and sorted(calls + puts) == december
    assert all(xtdata.get_option_detail_data(c)["optType"] == "CALL" for c in calls)
    assert len(xtdata.get_option_list("510050.SH", "202511")) >= 18  # monthly: at least 9 strikes
    # listed months on 2025-11-20: current, next and the next two quarter months (Jan 2026 comes later)
    assert xtdata.get_option_list("510050.SH", "202601") == []
    assert len(xtdata.get_option_list("510050.SH", "202606")) >= 26
    assert xtdata.get_option_list("510050.SH", "202512", "X") == []
    # SZSE underlyings map to SZO
    assert all(c.endswith(".SZO") for c in xtdata.get_option_list("159919.SZ", "202512"))


def test_option_list_by_day_and_availability(xtdata):
    universe = xtdata.market.universe
    all_ = xtdata.get_option_list("510300.SH", "")
    assert sorted(o.code for o in universe.options_of("510300.SH")) == all_
    on_day = xtdata.get_option_list("510300.SH", "20251120")
    assert on_day == all_  # everything in the universe is listed by today, expired ones included
    live = xtdata.get_option_list("510300.SH", "20251120", isavailavle=True)
    assert set(live) < set(on_day)
    assert all(universe.get(c).expire_date >= TODAY for c in live)
    expired = set(on_day) - set(live)
    assert expired and all(universe.get(c).expire_date < TODAY for c in expired)
    # an earlier day: nothing listed after it; isavailavle drops what had expired by then
    past = xtdata.get_option_list("510300.SH", "20250905")
    assert past and all(universe.get(c).list_date <= dt.date(2025, 9, 5) for c in past)
    assert set(past) < set(on_day)
    past_live = xtdata.get_option_list("510300.SH", "20250905", "P", True)
    assert all(universe.get(c).expire_date >= dt.date(2025, 9, 5) for c in past_live)
    assert all(universe.get(c).option_type == "PUT" for c in past_live)
    # isavailavle only applies to an 8-character dedate (as in the wheel)
    assert xtdata.get_option_list("510300.SH", "202510", isavailavle=True) == xtdata.get_option_list(
        "510300.SH", "202510"
    )


def test_option_list_index_and_unknown_underlyings(xtdata):
    assert xtdata.get_option_list("000905.SH", "202512") == []  # market IF, but no 中证500 options
    assert xtdata.get_option_list("600000.SH", "202512") == []
    assert xtdata.get_option_list("rb00.SF", "202512") == []
    assert xtdata.get_option_list("510050", "202512") == []


def test_option_expiries_follow_the_sse_calendar(xtdata):
    cal = xtdata.market.calendar
    expiries = {o.expire_date for u in ETF_UNDERLYINGS for o in xtdata.market.universe.options_of(u)}
    assert len(expiries) >= 6
    for expiry in expiries:
        raw = _fourth_wednesday(expiry.year, expiry.month)
        assert expiry == cal.first_on_or_after(raw), expiry


def test_option_expiry_moves_past_a_holiday():
    # January 2023: the 4th Wednesday (25th) fell in the Spring Festival holiday; SSE expired on the 30th.
    market = SimMarket(seed=7, clock=fixed_clock(dt.datetime(2023, 1, 10, 15, 30, tzinfo=CST)))
    api = SimXtData(market)
    codes = api.get_option_list("510050.SH", "202301")
    assert codes
    assert {api.get_option_detail_data(c)["ExpireDate"] for c in codes} == {"20230130"}


def test_listed_strikes_bracket_the_underlying(xtdata):
    market = xtdata.market
    for undl in ETF_UNDERLYINGS:
        inst = market.universe.get(undl)
        daily = market.prices.daily(inst)
        closes = dict(zip(daily["time"].tolist(), daily["close"].tolist(), strict=True))
        chains: dict[dt.date, list] = {}
        for o in market.universe.options_of(undl):
            chains.setdefault(o.expire_date, []).append(o)
        for chain in chains.values():
            listed = chain[0].list_date
            close = closes[day_start_ms(market.calendar.prev_day(listed))]
            atm = min({o.strike for o in chain}, key=lambda k: abs(k - close))
            step = strike_step_milli(int(round(atm * 1000))) / 1000
            assert abs(atm - close) <= step, (undl, listed, close, atm)


# ---------------------------------------------------------------------------------------------- history


def test_his_option_list_on_a_past_day(xtdata):
    day = "20250905"
    frame = xtdata.get_his_option_list("510050.SH", day)
    assert isinstance(frame, pd.DataFrame)
    assert tuple(frame.columns) == HIS_OPTION_COLUMNS
    assert tuple(frame.columns[:13]) == OPTION_HISTORY_FIELDS
    assert list(frame.index) == list(range(len(frame)))
    assert (frame["上市日"] <= 20250905).all() and (frame["到期日"] >= 20250905).all()
    assert set(frame["标的完整代码"]) == {"510050.SH"} and set(frame["期货品种"]) == {"510050"}
    assert set(frame["方向"]) == {"CALL", "PUT"}
    assert (frame["期权完整代码"] == frame["期权编码"] + "." + frame["期权市场"]).all()
    assert (frame["到期月"] == frame["到期日"] // 100).all()
    assert set(frame["合约类型"]) == {2, 3, 4, 5}  # 当月 / 下月 / 下季 / 隔季
    # options that have expired since are in the list, but are not listed any more today
    expired_since = frame.loc[frame["到期日"] < 20251120, "期权完整代码"]
    assert len(expired_since) > 0
    live_today = set(xtdata.get_option_undl_data("510050.SH"))
    assert not live_today & set(expired_since)
    # same set as the day filter of get_option_list with isavailavle
    assert sorted(frame["期权完整代码"]) == xtdata.get_option_list("510050.SH", day, "", True)


def test_his_option_list_missing_days(xtdata):
    assert xtdata.get_his_option_list("510050.SH", "") is None
    assert xtdata.get_his_option_list("510050.SH", "20250906") is None  # Saturday
    assert xtdata.get_his_option_list("510050.SH", "20240105") is None  # before the kept history
    assert xtdata.get_his_option_list("000905.SH", "20251120") is None
    assert xtdata.get_his_option_list("600000.SH", "20251120") is None


def test_his_option_list_batch(xtdata):
    batch = xtdata.get_his_option_list_batch("159915.SZ", "20251001", "20251120")
    cal = xtdata.market.calendar
    assert list(batch) == [d.strftime("%Y%m%d") for d in cal.between(dt.date(2025, 10, 1), TODAY)]
    for key, frame in batch.items():
        assert tuple(frame.columns) == HIS_OPTION_COLUMNS
        assert set(frame["期权市场"]) == {"SZO"}
        n = int(key)
        assert ((frame["上市日"] <= n) & (frame["到期日"] >= n)).all()
    # an open range is bounded by the kept history (options expired in the last 400 days): it starts the day
    # after the oldest expiry it knows, in the weeks after 2024-10-16 (400 days before 2025-11-20)
    everything = xtdata.get_his_option_list_batch("159915.SZ")
    assert 220 < len(everything) < 270
    assert "20241016" < min(everything) < "20241201" and max(everything) == "20251120"
    assert xtdata.get_his_option_list_batch("nonsense") == {}


def test_option_history_contract_frame(xtdata):
    market = xtdata.market
    frame = option_history_contract_frame(market.universe, market.calendar, "SHO", TODAY)
    assert tuple(frame.columns) == ("time", *OPTION_HISTORY_FIELDS)
    last = frame.loc[frame["time"] == day_start_ms(TODAY)]
    assert sorted(last["期权编码"] + ".SHO") == sorted(
        c for u in ETF_UNDERLYINGS if u.endswith(".SH") for c in xtdata.get_option_undl_data(u)
    )


# ---------------------------------------------------------------------------------------------- futures


@pytest.mark.parametrize(
    ("code", "min_changes"), [("IF00.IF", 10), ("rb00.SF", 3), ("AP00.ZF", 3), ("T00.IF", 3)]
)
def test_main_contract_rolls(xtdata, code, min_changes):
    market = xtdata.market
    cal = market.calendar
    series = xtdata.get_main_contract(code, "20241120", "20251120")
    assert isinstance(series, pd.Series)
    assert len(series) >= min_changes + 1
    market_suffix = code.split(".")[1]
    previous = None
    for stamp, contract in series.items():
        day = _ms_to_date(int(stamp))
        assert int(stamp) == day_start_ms(day) and cal.is_trading_day(day)
        assert contract.endswith("." + market_suffix)
        inst = market.universe.get(contract)
        assert inst.listed_on(day)
        assert trading_days_after(cal, day, inst.expire_date) >= 5
        if previous is not None:
            assert contract != previous.code
            assert inst.expire_date > previous.expire_date
        previous = inst
    # every day: the single-date form agrees with the series, and the main is listed with >= 5 days left
    stamps = series.index.tolist()
    for day in cal.between(_ms_to_date(stamps[0]), TODAY)[::7]:
        main = xtdata.get_main_contract(code, day.strftime("%Y%m%d"))
        expected = series[[s for s in stamps if s <= day_start_ms(day)][-1]]
        assert main == expected
        inst = market.universe.get(main)
        assert inst.listed_on(day) and trading_days_after(cal, day, inst.expire_date) >= 5
    assert xtdata.get_main_contract(code) == series.iloc[-1]


def test_main_contract_shapes_and_edges(xtdata):
    assert xtdata.get_main_contract("IF00.IF") == "IF2512.IF"
    assert xtdata.get_main_contract("IF00.IF", "20251122") == "IF2512.IF"  # weekend: the day before
    assert xtdata.get_main_contract("IF00.IF", "20200102") == ""  # before the kept history
    assert xtdata.get_main_contract("IF00.IF", "20200102", "20200110") == ""
    assert xtdata.get_main_contract("IF00.IF", "", "20251120") is None  # the wheel falls through
    assert xtdata.get_main_contract("XX00.IF") == ""
    assert xtdata.get_main_contract("XX00.IF", "20250601") == ""
    assert xtdata.get_main_contract("IF.IF") == ""  # only continuous codes, like the wheel's docs
    one_day = xtdata.get_main_contract("IF00.IF", "20251117", "20251117")
    assert list(one_day) == ["IF2512.IF"] and one_day.index.dtype == "int64"
    # the native call also answers the second-main code
    assert xtdata.get_main_contract("IF001.IF") == xtdata.get_sec_main_contract("IF00.IF")


def test_sec_main_contract(xtdata):
    market = xtdata.market
    for code in ("IF00.IF", "rb00.SF", "au00.SF", "m00.DF"):
        main, sec = xtdata.get_main_contract(code), xtdata.get_sec_main_contract(code)
        assert sec and sec != main
        assert market.universe.get(sec).expire_date > market.universe.get(main).expire_date
        series = xtdata.get_sec_main_contract(code, "20250101", "20251120")
        mains = xtdata.get_main_contract(code, "20250101", "20251120")
        assert isinstance(series, pd.Series) and len(series) >= 2
        # on every day the second main differs from the main
        for day in market.calendar.between(dt.date(2025, 1, 2), TODAY):
            t = day_start_ms(day)
            m = mains[mains.index <= t].iloc[-1]
            s = series[series.index <= t].iloc[-1]
            assert m != s, (code, day)
    assert xtdata.get_sec_main_contract("IF.IF") is None  # no '00': the wheel returns None
    assert xtdata.get_sec_main_contract("XX00.IF") == ""
    # the wheel reads the single-day second main strictly before the day (``<``): the previous day's
    series = xtdata.get_sec_main_contract("IF00.IF", "20251001", "20251120")
    monday = dt.date(2025, 11, 17)
    before = series[series.index < day_start_ms(monday)].iloc[-1]
    assert xtdata.get_sec_main_contract("IF00.IF", "20251117") == before


def test_history_main_contract_frame(xtdata):
    market = xtdata.market
    frame = history_main_contract_frame(market.universe, market.calendar, "AP00.ZF", TODAY)
    assert list(frame.columns) == [
        "time",
        "合约在交易所的代码",
        "期货统一规则代码",
        "次主力合约代码",
        "次主力统一规则编码",
        "stock",
    ]
    last = frame.iloc[-1]
    assert _ms_to_date(int(last["time"])) == TODAY
    assert last["合约在交易所的代码"] + ".ZF" == xtdata.get_main_contract("AP00.ZF")
    assert re.fullmatch(r"AP\d{3}", last["合约在交易所的代码"])
    assert re.fullmatch(r"AP\d{4}", last["期货统一规则代码"])
    assert last["期货统一规则代码"][-3:] == last["合约在交易所的代码"][-3:]


def test_trading_contract_list(xtdata):
    market = xtdata.market
    today = xtdata.get_trading_contract_list("IF00.IF")
    assert today == ["IF2511.IF", "IF2512.IF", "IF2603.IF", "IF2606.IF"]  # current, next, two quarters
    assert xtdata.get_trading_contract_list("IF.IF") == today
    assert xtdata.get_trading_contract_list("IF00.CFFEX") == [c.replace(".IF", ".CFFEX") for c in today]
    assert xtdata.get_main_contract("IF00.IF") in today
    past = xtdata.get_trading_contract_list("rb00.SF", "20250102")
    assert len(past) == 12
    assert all(market.universe.get(c).listed_on(dt.date(2025, 1, 2)) for c in past)
    assert xtdata.get_trading_contract_list("AP00.ZF", "20251120") == [
        o.code for o in market.universe.futures_of("AP", TODAY)
    ]
    assert xtdata.get_trading_contract_list("IF") == []
    assert xtdata.get_trading_contract_list("XX00.IF") == []
    assert xtdata.get_trading_contract_list("IF00.SF") == []


@pytest.mark.parametrize(
    ("moment", "lists_if2611"),
    [
        (dt.datetime(2026, 11, 20, 10, 0, tzinfo=CST), True),  # Friday: IF2611's last trading day
        (
            dt.datetime(2026, 11, 21, 10, 0, tzinfo=CST),
            True,
        ),  # Saturday: the last trading day is still Friday
        (dt.datetime(2026, 11, 23, 10, 0, tzinfo=CST), False),  # Monday
    ],
)
def test_trading_contract_list_without_date_is_the_last_trading_days(moment, lists_if2611):
    """No date: the wheel takes get_market_last_trade_date(market), so over a weekend the list is still
    Friday's, with the contract that expired on Friday."""
    xt = SimXtData(SimMarket(seed=20240101, clock=fixed_clock(moment)))
    contracts = xt.get_trading_contract_list("IF.CFFEX")
    assert ("IF2611.CFFEX" in contracts) is lists_if2611, contracts
    assert "IF2612.CFFEX" in contracts
