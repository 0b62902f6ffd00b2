"""K-lines during a session end with the bar in progress, as a live chart shows them: today's daily bar
agrees with the snapshot (``get_full_tick``) of the moment, the intraday bar in progress holds what the
minute's ticks so far traded, and every period agrees with the 1m bars."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from qmt_bridge.sim.clock import CST, SimClock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market.market import SimMarket

DAY = dt.date(2025, 11, 20)
#: A Shanghai stock, a Shenzhen stock (closing call auction from 14:57), an ETF, an index, a convertible
#: bond, the main index future and the day's limit-up and suspended stocks (seed 7).
CODES = ["600519.SH", "000001.SZ", "510300.SH", "000300.SH", "127034.SZ", "IF00.IF", "000069.SZ", "000117.SZ"]
#: The snapshot's day totals and the daily bar's fields they must equal.
SNAPSHOT_TO_BAR = {"open": "open", "high": "high", "low": "low", "lastPrice": "close", "volume": "volume"}
MOMENTS = [
    (9, 30, 0),  # the opening auction's bar only
    (9, 30, 3),  # the first tick of the first continuous minute
    (10, 17, 44),
    (11, 0, 0),  # a minute has just ended: nothing in progress
    (11, 29, 57),  # the morning's last minute, one tick before its end
    (12, 10, 0),  # midday break
    (13, 0, 3),
    (14, 58, 30),  # closing call auction (Shenzhen)
    (14, 59, 57),
]


class Moment:
    """A settable clock: tests move it, the market follows."""

    def __init__(self) -> None:
        self.at = dt.datetime.combine(DAY, dt.time(9, 30), CST)

    def wall(self) -> float:
        return self.at.timestamp()


@pytest.fixture(scope="module")
def moment() -> Moment:
    return Moment()


@pytest.fixture(scope="module")
def xt(moment) -> SimXtData:
    return SimXtData(SimMarket(seed=7, clock=SimClock("live", wall=moment.wall)))


def _bars(xt: SimXtData, code: str, period: str, count: int = -1):
    """Bars of ``DAY`` (the last ``count`` of them with a count)."""
    start = "" if count > 0 else "20251120"
    return xt.get_market_data_ex([], [code], period=period, start_time=start, count=count)[code]


def _set(moment: Moment, h: int, m: int, s: int) -> dt.datetime:
    moment.at = dt.datetime.combine(DAY, dt.time(h, m, s), CST)
    return moment.at


@pytest.mark.parametrize("hms", MOMENTS, ids=lambda hms: "".join(f"{v:02d}" for v in hms))
def test_todays_daily_bar_is_the_snapshot_of_the_moment(xt, moment, hms):
    _set(moment, *hms)
    for code in CODES:
        snap = xt.get_full_tick([code])[code]
        bar = _bars(xt, code, "1d", count=1).iloc[-1]
        assert bar.name == "20251120", code
        for field, column in SNAPSHOT_TO_BAR.items():
            assert bar[column] == snap[field], (code, field)
        assert bar["amount"] == pytest.approx(snap["amount"], abs=0.005), code


@pytest.mark.parametrize("hms", MOMENTS, ids=lambda hms: "".join(f"{v:02d}" for v in hms))
def test_every_intraday_period_ends_with_the_bar_in_progress(xt, moment, hms):
    at = _set(moment, *hms)
    now_ms = int(at.timestamp() * 1000)
    for code in CODES:
        today = _bars(xt, code, "1m")
        snap = xt.get_full_tick([code])[code]
        # the bars so far add up to the day's snapshot: nothing traded is missing, nothing later is shown
        assert int(today["volume"].sum()) == snap["volume"], code
        assert today["close"].iloc[-1] == snap["lastPrice"], code
        assert today["high"].max() == snap["high"] and today["low"].min() == snap["low"], code
        last = int(today["time"].iloc[-1])
        in_progress = last > now_ms
        assert last - now_ms < 60_000, code  # at most the minute now running
        if hms in ((11, 0, 0), (12, 10, 0)) or code == "000117.SZ":  # ended minute, break, suspended
            assert not in_progress, code
        elif hms != (9, 30, 0):
            assert in_progress, code
        # every period is the 1m bars aggregated, the bar in progress included
        for period, n in (("5m", 5), ("30m", 30)):
            bars = _bars(xt, code, period)
            assert int(bars["time"].iloc[-1]) - now_ms <= n * 60_000, (code, period)  # 09:30 joins 09:35
            assert int(bars["volume"].sum()) == snap["volume"], (code, period)
            assert bars["close"].iloc[-1] == snap["lastPrice"], (code, period)


def test_the_minute_in_progress_grows_into_the_finished_bar(xt, moment):
    """Tick by tick through one minute: the bar in progress stays inside the finished one, its volume only
    grows, and after the minute's end the same label holds the finished bar."""
    _set(moment, 10, 18, 0)
    label = "20251120101800"
    for code in ("600519.SH", "000001.SZ", "IF00.IF"):
        _set(moment, 10, 18, 0)
        finished = _bars(xt, code, "1m").loc[label]
        volumes = []
        for second in range(3, 60, 3):
            _set(moment, 10, 17, second)
            bar = _bars(xt, code, "1m", count=1).iloc[-1]
            assert bar.name == label, code
            assert bar["open"] == finished["open"], code
            assert finished["low"] <= bar["low"] <= bar["high"] <= finished["high"], code
            assert bar["low"] <= bar["close"] <= bar["high"], code
            assert bar["volume"] <= finished["volume"] and bar["amount"] <= finished["amount"], code
            volumes.append(bar["volume"])
        assert volumes == sorted(volumes), code
        assert volumes[-1] < finished["volume"] or finished["volume"] == 0, code


def test_after_the_close_the_bars_are_the_finished_ones(xt, moment):
    _set(moment, 15, 30, 0)
    market = xt.market
    for code in CODES:
        inst = market.universe.get(code)
        finished = market.prices.minutes(inst, DAY)
        today = _bars(xt, code, "1m")
        assert len(today) == 241, code
        np.testing.assert_array_equal(today["volume"].to_numpy(), finished["volume"], err_msg=code)
        np.testing.assert_array_equal(today["close"].to_numpy(), finished["close"], err_msg=code)


def test_settlement_is_unknown_until_the_close_and_the_detail_gives_the_previous_one(xt, moment):
    """The daily bar's settelementPrice is 0 while the day trades (like the snapshot's settlementPrice);
    get_instrument_detail's SettlementPrice is xtquant's 前结算价格, the snapshot's lastSettlementPrice."""
    option = xt.get_stock_list_in_sector("上证期权")[0]
    for hms in ((10, 30, 0), (15, 30, 0)):
        _set(moment, *hms)
        for code in ("IF00.IF", "rb00.SF", option):
            snap = xt.get_full_tick([code])[code]
            bars = _bars(xt, code, "1d", count=2)
            assert xt.get_instrument_detail(code)["SettlementPrice"] == snap["lastSettlementPrice"], code
            assert bars["settelementPrice"].iloc[0] == snap["lastSettlementPrice"], code
            assert bars["settelementPrice"].iloc[-1] == snap["settlementPrice"], code
            assert (snap["settlementPrice"] > 0) == (hms == (15, 30, 0)), code
    assert xt.get_instrument_detail("600519.SH")["SettlementPrice"] == 0.0
