"""Futures' own trading hours in the simulator: commodity day sessions (09:00-10:15, 10:30-11:30, 13:30-15:00),
night sessions from 21:00 of the previous trading day (to 23:00, 01:00 or 02:30 by product, none before a
holiday), CFFEX's 09:25 auction and bond futures' 15:15 close: the 1m bars, ticks, snapshots, K-line
aggregation, the trading day a night belongs to, xtquant's ``get_trading_period`` and the pushes.

Dates are 2025's (real holidays): Friday 2025-11-14's night trades for Monday 2025-11-17; 2025-09-30 is the eve
of National Day (no night), so Thursday 2025-10-09 opens at 09:00.
"""

from __future__ import annotations

import datetime as dt
import threading

import numpy as np
import pytest

from conftest import SEED
from qmt_bridge.sim.clock import CST, SimClock, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market import trading_hours as th
from qmt_bridge.sim.market.bars import aggregate
from qmt_bridge.sim.market.market import SimMarket

FRIDAY, MONDAY = dt.date(2025, 11, 14), dt.date(2025, 11, 17)
HOLIDAY_EVE, AFTER_HOLIDAY = dt.date(2025, 9, 30), dt.date(2025, 10, 9)


def at(day: dt.date, h: int, m: int, s: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(h, m, s), CST)


def ms(day: dt.date, h: int, m: int, s: int = 0) -> int:
    return int(at(day, h, m, s).timestamp() * 1000)


def hm(t: int) -> str:
    return dt.datetime.fromtimestamp(t / 1000, CST).strftime("%m-%d %H:%M:%S")


@pytest.fixture(scope="module")
def market() -> SimMarket:
    return SimMarket(seed=SEED, clock=fixed_clock(at(MONDAY, 16, 0)))


def contract(market: SimMarket, product: str, day: dt.date = MONDAY):
    """A listed (not continuous) contract of ``product`` trading on ``day``."""
    for inst in market.universe.by_kind("future"):
        if inst.product == product and not inst.code[len(product) :].startswith("00"):
            if inst.list_date < HOLIDAY_EVE and inst.expire_date > MONDAY + dt.timedelta(days=10):
                return inst
    raise AssertionError(f"no {product} contract")


# ------------------------------------------------------------------------------------------ hours


@pytest.mark.parametrize(
    ("product", "hours"),
    [
        ("rb", th.NIGHT_2300_HOURS),
        ("m", th.NIGHT_2300_HOURS),
        ("CF", th.NIGHT_2300_HOURS),
        ("cu", th.NIGHT_0100_HOURS),
        ("au", th.NIGHT_0230_HOURS),
        ("sc", th.NIGHT_0230_HOURS),
        ("AP", th.COMMODITY_HOURS),
        ("si", th.COMMODITY_HOURS),
        ("IF", th.CFFEX_INDEX_HOURS),
        ("T", th.CFFEX_BOND_HOURS),
    ],
)
def test_products_have_their_exchanges_hours(market, product, hours):
    assert th.schedule_of(contract(market, product)) is hours


def test_stocks_and_etf_options_keep_a_share_hours(market):
    for code in ("600519.SH", "000001.SZ", "510300.SH", "000300.SH"):
        assert th.schedule_of(market.universe.get(code)) is th.STOCK_HOURS
    etf_option = next(o for o in market.universe.by_kind("option") if o.market == "SHO")
    assert th.schedule_of(etf_option) is th.STOCK_HOURS
    index_option = next(o for o in market.universe.by_kind("option") if o.market == "IF")
    assert th.schedule_of(index_option) is th.CFFEX_INDEX_HOURS


def test_a_night_is_held_after_a_plain_weekday_or_weekend_only(market):
    cal = market.calendar
    assert th.night_held(cal, MONDAY)  # Friday's night
    assert th.night_held(cal, dt.date(2025, 11, 18))  # Monday's night
    assert not th.night_held(cal, AFTER_HOLIDAY)  # the day after National Day: none on 09-30's evening
    assert th.night_held(cal, dt.date(2025, 10, 10))
    assert not th.night_held(cal, cal.next_day(dt.date(2025, 1, 27)))  # Spring Festival
    # the shortest holidays: one weekday (New Year's Day, a Wednesday), a Friday, a Monday
    assert not th.night_held(cal, dt.date(2025, 1, 2))  # Tuesday -> Thursday
    assert not th.night_held(cal, dt.date(2025, 4, 7))  # Thursday -> Monday
    assert not th.night_held(cal, dt.date(2025, 6, 3))  # Friday -> Tuesday
    assert not th.night_held(cal, cal.sessions[0])  # nothing before the calendar's first day


@pytest.mark.parametrize(
    ("hours", "night", "minutes", "first", "last", "ticks"),
    [
        (th.STOCK_HOURS, False, 241, "09:30", "15:00", 5102),
        (th.CFFEX_INDEX_HOURS, False, 241, "09:30", "15:00", 4902),
        (th.CFFEX_BOND_HOURS, False, 256, "09:30", "15:15", 5202),
        (th.COMMODITY_HOURS, False, 226, "09:00", "15:00", 4603),
        (th.NIGHT_2300_HOURS, False, 226, "09:00", "15:00", 4603),
        (th.NIGHT_2300_HOURS, True, 1 + 120 + 225, "21:00", "15:00", 100 + 2401 + 1501 + 1201 + 1801),
        (th.NIGHT_0100_HOURS, True, 1 + 240 + 225, "21:00", "15:00", 100 + 4801 + 1501 + 1201 + 1801),
        (th.NIGHT_0230_HOURS, True, 1 + 330 + 225, "21:00", "15:00", 100 + 6601 + 1501 + 1201 + 1801),
    ],
)
def test_grid_sizes(hours, night, minutes, first, last, ticks):
    grid = hours.grid(night)
    assert (grid.minutes, grid.ticks) == (minutes, ticks)
    labels = [f"{m // 60 % 24:02d}:{m % 60:02d}" for m in grid.minute_of_day]
    assert (labels[0], labels[-1]) == (first, last)
    assert grid.minute_night.sum() == (grid.minutes - 225 if night else 0)  # the auction bar is the night's


# ------------------------------------------------------------------------------------------ bars and ticks


def test_a_monday_opens_with_fridays_night(market):
    rb = contract(market, "rb")
    minutes = market.prices.minutes(rb, MONDAY)
    t = minutes["time"]
    assert len(minutes) == 346 and (np.diff(t) > 0).all()
    assert (hm(t[0]), hm(t[1]), hm(t[120]), hm(t[121]), hm(t[-1])) == (
        "11-14 21:00:00",  # the night auction's bar
        "11-14 21:01:00",
        "11-14 23:00:00",
        "11-17 09:01:00",
        "11-17 15:00:00",
    )
    day = market.prices.kline(rb, "1d", MONDAY, MONDAY)
    assert minutes["volume"].sum() == day["volume"][0] and minutes["open"][0] == day["open"][0]
    assert minutes["close"][-1] == day["close"][0]
    assert minutes["high"].max() == day["high"][0] and minutes["low"].min() == day["low"][0]
    # no minute between the sessions
    clock = (t // 1000 + 8 * 3600) % 86400 // 60
    assert not ((clock > 23 * 60) | (clock < 9 * 60 + 1)).any()
    assert not ((clock > 10 * 60 + 15) & (clock <= 10 * 60 + 30)).any()
    assert not ((clock > 11 * 60 + 30) & (clock <= 13 * 60 + 30)).any()


def test_no_night_after_a_holiday_and_a_day_only_product(market):
    rb, ap = contract(market, "rb"), contract(market, "AP")
    for inst, day in ((rb, AFTER_HOLIDAY), (ap, MONDAY)):
        minutes = market.prices.minutes(inst, day)
        assert len(minutes) == 226
        assert (hm(minutes["time"][0]), hm(minutes["time"][-1])) == (
            f"{day:%m-%d} 09:00:00",
            f"{day:%m-%d} 15:00:00",
        )
        ticks = market.prices.ticks(inst, day)
        assert hm(ticks["time"][0]) == f"{day:%m-%d} 08:55:00"


def test_bond_futures_close_at_1515(market):
    t = contract(market, "T")
    minutes = market.prices.minutes(t, MONDAY)
    assert len(minutes) == 256 and hm(minutes["time"][-1]) == "11-17 15:15:00"
    ticks = market.prices.ticks(t, MONDAY)
    assert hm(ticks["time"][0]) == "11-17 09:25:00" and hm(ticks["time"][-1]) == "11-17 15:15:00"


@pytest.mark.parametrize("product", ["rb", "cu", "au", "AP", "T"])
def test_ticks_agree_with_the_minutes(market, product):
    inst = contract(market, product)
    minutes, ticks = market.prices.minutes(inst, MONDAY), market.prices.ticks(inst, MONDAY)
    t = ticks["time"]
    assert (np.diff(t) > 0).all() and t[-1] == minutes["time"][-1]
    ends = np.flatnonzero(np.isin(t, minutes["time"][1:]))
    assert len(ends) == len(minutes) - 1  # one tick ends each continuous minute
    np.testing.assert_array_equal(ticks["lastPrice"][ends], minutes["close"][1:])
    np.testing.assert_array_equal(ticks["volume"][ends], np.cumsum(minutes["volume"])[1:])
    np.testing.assert_array_equal(ticks["high"][ends], np.maximum.accumulate(minutes["high"])[1:])
    assert (np.diff(ticks["volume"]) >= 0).all()
    # 3 seconds apart inside the sessions; the auction's ticks show no trade before it matches
    status = ticks["stockStatus"]
    assert (status[:80] == 2).all() and (ticks["volume"][:80] == 0).all()
    assert (ticks["volume"][80:100] == minutes["volume"][0]).all()
    assert status[100] == 3


def test_breaks_and_the_nights_end_show_closed(market):
    rb = contract(market, "rb")
    ticks = market.prices.ticks(rb, MONDAY)
    t, status = ticks["time"], ticks["stockStatus"]
    for day, (h, m) in ((FRIDAY, (23, 0)), (MONDAY, (10, 15)), (MONDAY, (11, 30)), (MONDAY, (15, 0))):
        i = int(np.flatnonzero(t == ms(day, h, m))[0])
        assert status[i] == 0, (day, h, m)
        assert status[i - 1] == 3
    resume = int(np.flatnonzero(t == ms(MONDAY, 9, 0))[0])  # the day session carries on from the night
    assert status[resume] == 3 and ticks["volume"][resume] == ticks["volume"][resume - 1]


# ------------------------------------------------------------------------------------------ snapshots


@pytest.mark.parametrize(
    ("moment", "trading_day", "tick_time"),
    [
        (at(FRIDAY, 20, 54, 59), FRIDAY, ms(FRIDAY, 15, 0)),
        (at(FRIDAY, 20, 55), MONDAY, ms(FRIDAY, 20, 55)),  # the night's auction trades for Monday
        (at(FRIDAY, 22, 0, 1), MONDAY, ms(FRIDAY, 22, 0)),
        (at(FRIDAY, 23, 30), MONDAY, ms(FRIDAY, 23, 0)),
        (at(dt.date(2025, 11, 15), 12, 0), MONDAY, ms(FRIDAY, 23, 0)),  # the weekend keeps the night's end
        (at(MONDAY, 8, 59), MONDAY, ms(FRIDAY, 23, 0)),
        (at(MONDAY, 10, 20), MONDAY, ms(MONDAY, 10, 15)),
        (at(MONDAY, 15, 30), MONDAY, ms(MONDAY, 15, 0)),
        (at(HOLIDAY_EVE, 22, 0), HOLIDAY_EVE, ms(HOLIDAY_EVE, 15, 0)),  # no night before a holiday
        (at(AFTER_HOLIDAY, 8, 56), AFTER_HOLIDAY, ms(AFTER_HOLIDAY, 8, 56)),
    ],
)
def test_the_snapshot_of_a_moment_follows_the_night(market, moment, trading_day, tick_time):
    rb = contract(market, "rb")
    snap = market.prices.snapshot(rb, moment)
    assert snap["time"] == tick_time, hm(snap["time"])
    ticks = market.prices.ticks(rb, trading_day)
    assert snap["lastPrice"] == ticks["lastPrice"][ticks["time"] == tick_time][0]
    assert snap["volume"] == ticks["volume"][ticks["time"] == tick_time][0]


def test_a_stock_sleeps_through_the_night(market):
    moutai = market.universe.get("600519.SH")
    snap = market.prices.snapshot(moutai, at(FRIDAY, 22, 0))
    assert snap["time"] == ms(FRIDAY, 15, 0)


# ------------------------------------------------------------------------------------------ through xtdata


@pytest.mark.parametrize("hour", [(22, 0), (12, 0)])
def test_xtdata_serves_the_nights_trading_day(market, hour):
    """In Friday's night (and the weekend after it) a future's daily bar is Monday's, forming, and agrees
    with its snapshot; a stock's is still Friday's."""
    evening = at(FRIDAY if hour == (22, 0) else dt.date(2025, 11, 15), *hour)
    xt = SimXtData(SimMarket(seed=SEED, clock=fixed_clock(evening)))
    for rb in (contract(market, "rb").code, "rb00.SF"):  # a contract, and the continuous one spliced
        daily = xt.get_market_data_ex(["time", "close", "volume"], [rb, "600519.SH"], period="1d", count=2)
        tick = xt.get_full_tick([rb])[rb]
        assert list(daily[rb].index) == ["20251114", "20251117"], rb
        assert (
            daily[rb]["volume"].iloc[-1] == tick["volume"]
            and daily[rb]["close"].iloc[-1] == tick["lastPrice"]
        )
        assert list(daily["600519.SH"].index)[-1] == "20251114"
    rb = contract(market, "rb").code
    minutes = xt.get_market_data_ex(["time", "volume"], [rb], period="1m", count=3)[rb]
    assert minutes.index[-1] <= f"{evening:%Y%m%d%H%M%S}" and minutes.index[-1].startswith("20251114")
    assert int(minutes["time"].iloc[-1]) <= int(evening.timestamp() * 1000) + 60_000


def test_market_days_per_hours(market):
    m = SimMarket(seed=SEED, clock=fixed_clock(at(FRIDAY, 21, 30)))
    night = th.NIGHT_2300_HOURS
    assert m.current_day() == FRIDAY and m.current_day(night) == MONDAY
    assert m.last_complete_day() == FRIDAY and m.last_complete_day(night) == FRIDAY
    assert m.history_days(MONDAY, None) == [] and m.history_days(FRIDAY, None, night) == [FRIDAY, MONDAY]
    m = SimMarket(seed=SEED, clock=fixed_clock(at(FRIDAY, 20, 57)))  # the auction: not yet trading
    assert m.current_day(night) == MONDAY and not m.day_started(MONDAY, night)
    assert m.history_days(FRIDAY, None, night) == [FRIDAY]


def test_k_lines_group_inside_each_session(market):
    cu = contract(market, "cu")
    minutes = market.prices.minutes(cu, MONDAY)
    hours = th.schedule_of(cu)
    labels = [hm(t)[6:11] for t in aggregate(minutes, "60m", hours)["time"]]
    assert labels == ["22:00", "23:00", "00:00", "01:00", "10:00", "10:15", "11:30", "14:30", "15:00"]
    labels = [hm(t)[6:11] for t in aggregate(minutes, "30m", hours)["time"]]
    assert labels[:8] == ["21:30", "22:00", "22:30", "23:00", "23:30", "00:00", "00:30", "01:00"]
    assert labels[8:] == ["09:30", "10:00", "10:15", "11:00", "11:30", "14:00", "14:30", "15:00"]
    # 00:00 and 01:00 are Saturday's clock but Friday night's bars
    times = aggregate(minutes, "60m", hours)["time"]
    assert (hm(times[2]), hm(times[3])) == ("11-15 00:00:00", "11-15 01:00:00")
    whole = aggregate(minutes, "1d", hours)
    assert len(whole) == 1 and hm(whole["time"][0]) == "11-17 00:00:00"
    assert whole["volume"][0] == minutes["volume"].sum()
    # every period adds up to the day
    day = market.prices.kline(cu, "1d", MONDAY, MONDAY)
    for period in ("5m", "15m", "30m", "60m"):
        assert aggregate(aggregate(minutes, period, hours), "1d", hours)["amount"][0] == day["amount"][0]
    # the K-line endpoint groups the same way
    assert (market.prices.kline(cu, "60m", MONDAY, MONDAY)["time"] == times).all()


# ------------------------------------------------------------------------------------------ trading periods


@pytest.mark.parametrize(
    ("product", "expected"),
    [
        (
            "au",
            [
                (2, [-1, [205500, 0], [205900, 0]]),
                (3, [-1, [210000, 0], [263000, 0]]),  # xtdata.py: 263000 is the next natural day's 02:30
                (3, [0, [90000, 0], [101500, 0]]),
                (3, [0, [103000, 0], [113000, 0]]),
                (3, [0, [133000, 0], [150000, 0]]),
            ],
        ),
        (
            "cu",
            [
                (2, [-1, [205500, 0], [205900, 0]]),
                (3, [-1, [210000, 0], [250000, 0]]),
                (3, [0, [90000, 0], [101500, 0]]),
                (3, [0, [103000, 0], [113000, 0]]),
                (3, [0, [133000, 0], [150000, 0]]),
            ],
        ),
        (
            "AP",
            [
                (2, [0, [85500, 0], [85900, 0]]),
                (3, [0, [90000, 0], [101500, 0]]),
                (3, [0, [103000, 0], [113000, 0]]),
                (3, [0, [133000, 0], [150000, 0]]),
            ],
        ),
        (
            "T",
            [
                (2, [0, [92500, 0], [92900, 0]]),
                (3, [0, [93000, 0], [113000, 0]]),
                (3, [0, [130000, 0], [151500, 0]]),
            ],
        ),
    ],
)
def test_trading_periods_per_product(market, product, expected):
    xt = SimXtData(market)
    code = contract(market, product).code
    answer = xt.get_trading_period(code)
    assert [(p["status"], p["time"]) for p in answer["tradings"]] == expected
    assert answer["product"] == product
    kline = xt.get_kline_trading_period(code)["tradings"]
    auction, *continuous = kline
    assert auction == {
        "type": "auction",
        "source": expected[0][1],
        "bartime": [expected[1][1][0], expected[1][1][1][0]],
    }
    assert [c["bartime"] for c in continuous] == [[t[0], t[1][0], t[2][0]] for _, t in expected[1:]]


def test_a_stocks_periods_are_unchanged(market):
    xt = SimXtData(market)
    assert [p["time"] for p in xt.get_trading_period("600519.SH")["tradings"]] == [
        [0, [91500, 0], [92500, 0]],
        [0, [93000, 0], [113000, 0]],
        [0, [130000, 0], [145700, 0]],
        [0, [145700, 0], [150000, 0]],
    ]
    assert xt.get_kline_trading_period("600519.SH")["tradings"][0]["bartime"] == [0, 93000]


# ------------------------------------------------------------------------------------------ pushes


def test_pushes_run_through_the_night_for_futures_only(market):
    """A replay from Friday 21:00:00: a future's tick subscription is pushed the night's ticks, a stock's
    nothing (its session is over), and the whole-market push carries futures only."""
    clock = SimClock("replay", replay_start=at(FRIDAY, 21, 0, 0), speed=3.0)
    xt = SimXtData(SimMarket(seed=SEED, clock=clock))
    rb = contract(market, "rb").code
    got: dict[str, list] = {rb: [], "600519.SH": [], "whole": []}
    enough = threading.Event()

    def on_future(data):
        got[rb].extend(data[rb])
        if len(got[rb]) >= 3:
            enough.set()

    whole_twice = threading.Event()

    def on_whole(data):
        got["whole"].append(data)
        if len(got["whole"]) >= 2:
            whole_twice.set()

    seqs = [
        xt.subscribe_quote(rb, "tick", callback=on_future),
        xt.subscribe_quote("600519.SH", "tick", callback=lambda d: got["600519.SH"].append(d)),
        xt.subscribe_whole_quote(["SF", "600519.SH"], callback=on_whole),
    ]
    try:
        assert enough.wait(30), got[rb]
        assert whole_twice.wait(30)
    finally:
        for seq in seqs:
            xt.unsubscribe_quote(seq)
    times = [tick["time"] for tick in got[rb]]
    assert times == sorted(set(times)) and all(ms(FRIDAY, 21, 0) <= t < ms(FRIDAY, 21, 5) for t in times)
    assert got["600519.SH"] == []
    assert "600519.SH" in got["whole"][0]  # the first push is the full snapshot
    later = [set(push) for push in got["whole"][1:]]
    assert later and all(code.endswith(".SF") for codes in later for code in codes)


def test_a_futures_markets_trading_day_turns_at_its_night(market):
    """From 21:00 SHFE, DCE, CZCE and INE trade for the next trading day: their last trade date, and a
    future's detail (TradingDay, pre-close and pre-settlement, limits) move to Monday on Friday evening."""
    xt = SimXtData(SimMarket(seed=SEED, clock=fixed_clock(at(FRIDAY, 21, 30))))
    day = {m: xt.get_market_last_trade_date(m) for m in ("SH", "SF", "DF", "ZF", "INE", "GF", "IF")}
    assert day == {
        "SH": ms(FRIDAY, 0, 0),
        "SF": ms(MONDAY, 0, 0),
        "DF": ms(MONDAY, 0, 0),
        "ZF": ms(MONDAY, 0, 0),
        "INE": ms(MONDAY, 0, 0),
        "GF": ms(FRIDAY, 0, 0),  # GFEX has no night session
        "IF": ms(FRIDAY, 0, 0),
    }
    rb = contract(market, "rb")
    detail = xt.get_instrument_detail(rb.code)
    friday = market.prices.kline(rb, "1d", FRIDAY, FRIDAY)
    assert detail["TradingDay"] == "20251117"
    assert (
        detail["PreClose"] == friday["close"][0]
        and detail["SettlementPrice"] == friday["settelementPrice"][0]
    )
    down, up = market.prices.limits(rb, MONDAY)
    assert (detail["DownStopPrice"], detail["UpStopPrice"]) == (down, up)
    assert xt.get_instrument_detail("600519.SH")["TradingDay"] == "20251114"
    before = SimXtData(SimMarket(seed=SEED, clock=fixed_clock(at(FRIDAY, 20, 54))))
    assert before.get_instrument_detail(rb.code)["TradingDay"] == "20251114"
    assert before.get_market_last_trade_date("SF") == ms(FRIDAY, 0, 0)


@pytest.mark.parametrize(
    ("product", "period", "count"), [("AP", "1m", 5000), ("rb", "5m", 1200), ("T", "1m", 3000)]
)
def test_a_count_of_bars_is_met_whatever_the_hours(market, product, period, count):
    """A commodity day has 226 1m bars (45 5m bars), fewer than a stock's 241: a request by count still gets
    ``count`` bars, ending with the last."""
    xt = SimXtData(market)
    code = contract(market, product).code
    frame = xt.get_market_data_ex(["time", "close"], [code], period=period, count=count)[code]
    assert len(frame) == count
    assert frame["time"].iloc[-1] == ms(MONDAY, 15, 15 if product == "T" else 0)


def test_each_markets_own_periods(market):
    """``get_all_trading_periods`` (no code): SHFE's night from 20:55, GFEX's day from 08:55 (no night),
    CFFEX's auction from 09:25."""
    periods = {p["market"]: p["tradings"] for p in SimXtData(market).get_all_trading_periods()}
    assert periods["SF"][0]["time"] == [-1, [205500, 0], [205900, 0]]
    assert periods["GF"][0]["time"] == [0, [85500, 0], [85900, 0]]
    assert all(p["time"][0] == 0 for p in periods["GF"])
    assert periods["IF"][0]["time"] == [0, [92500, 0], [92900, 0]]
    assert periods["SH"][0]["time"] == [0, [91500, 0], [92500, 0]]
