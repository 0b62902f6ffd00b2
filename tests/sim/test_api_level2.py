"""Level-2 in the simulator: get_l2_*, the get_market_data_ex hook, thousand queues, index-mirror data,
order rank and HK broker queues — consistency with bars and ticks, shapes, filters, truncation at "now"."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest

from qmt_bridge.sim.api.level2 import (
    L2_ORDER_SPEC,
    L2_QUOTE_SPEC,
    L2_TRANSACTION_SPEC,
    LEVEL2_PERIODS,
)
from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market.bars import day_start_ms
from qmt_bridge.sim.market.level2 import Level2Engine, build_level2_day
from qmt_bridge.sim.market.market import SimMarket

SEED = 7
DAY = dt.date(2025, 11, 20)
AFTER_CLOSE = dt.datetime(2025, 11, 20, 15, 30, tzinfo=CST)
TEN = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
TEN_MS = int(TEN.timestamp() * 1000)
BASE = day_start_ms(DAY)
H, M = 3_600_000, 60_000

#: liquid and illiquid names on every board, an ETF, a convertible bond
CODES = ["600519.SH", "000001.SZ", "300750.SZ", "688981.SH", "830685.BJ", "510300.SH", "127034.SZ"]
#: edge days of 2025-11-20 (seed 7): limit-up, one-price limit-up, limit-down, suspended
LIMIT_UP, ONE_PRICE, LIMIT_DOWN, SUSPENDED = "000069.SZ", "000989.SZ", "000065.SZ", "000117.SZ"


@pytest.fixture(scope="module")
def mid() -> SimXtData:
    """The same market frozen at 10:00 of the same day."""
    return SimXtData(SimMarket(seed=SEED, clock=fixed_clock(TEN)))


def _streams(xtdata, code):
    return (
        xtdata.get_l2_transaction(stock_code=code),
        xtdata.get_l2_order(stock_code=code),
        xtdata.get_l2_quote(stock_code=code),
    )


def _minute(bars_time: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Index of the 1m bar (labelled by its end) holding each time: (end - 1 min, end]."""
    return np.searchsorted(bars_time, times, side="left")


def _check_amounts(tr: np.ndarray, bars, j: np.ndarray, tick: float, near: float = 0.75) -> None:
    """Trade amounts: whole cents adding up exactly to each minute's, at a price inside the minute's range
    (to a float epsilon), mostly (a share ``near``) within a price tick a share of price x volume, all close
    to it."""
    volume, amount = tr["volume"], tr["amount"]
    cents = np.round(amount * 100.0).astype(np.int64)
    np.testing.assert_array_equal(cents / 100.0, amount)
    np.testing.assert_array_equal(
        np.bincount(j, weights=cents, minlength=241).astype(np.int64), np.round(bars["amount"] * 100.0)
    )
    eps = 1e-12 * amount
    assert (amount >= bars["low"][j] * volume - eps).all()
    assert (amount <= bars["high"][j] * volume + eps).all()
    at_price = tr["price"] * volume
    assert np.mean(np.abs(amount - at_price) <= tick * volume + 0.01) > near
    assert np.allclose(amount, at_price, rtol=0.01)


def _check_consistency(xtdata, code: str) -> None:
    inst = xtdata.market.universe.get(code)
    bars = xtdata.market.prices.minutes(inst, DAY)
    ticks = xtdata.market.prices.ticks(inst, DAY)
    lot = 10 if inst.kind == "cb" else 100
    tr, od, q = _streams(xtdata, code)
    t = tr["time"]
    assert len(tr) > 100 and (np.diff(t) >= 0).all()
    assert ((t >= BASE + 9 * H + 25 * M) & (t <= BASE + 15 * H)).all()
    assert not ((t > BASE + 11 * H + 30 * M) & (t <= BASE + 13 * H)).any()  # nothing in the lunch break
    j = _minute(bars["time"], t)
    # volumes (shares) and amounts per minute equal the 1m bar's
    np.testing.assert_array_equal(np.bincount(j, weights=tr["volume"], minlength=241), bars["volume"] * lot)
    np.testing.assert_allclose(np.bincount(j, weights=tr["amount"], minlength=241), bars["amount"], atol=1e-3)
    _check_amounts(tr, bars, j, inst.price_tick)
    # prices inside the minute's range; the minute's last trade is its close
    assert ((tr["price"] >= bars["low"][j] - 1e-9) & (tr["price"] <= bars["high"][j] + 1e-9)).all()
    last_of_minute = np.r_[j[1:] != j[:-1], True]
    np.testing.assert_allclose(tr["price"][last_of_minute], bars["close"][j[last_of_minute]])
    traded = np.unique(j)
    np.testing.assert_array_equal(traded, np.flatnonzero(bars["volume"] > 0))
    # initiator flags: 0 only for call-auction trades (09:25:00 and 15:00:00 of stocks)
    auction = (t == BASE + 9 * H + 25 * M) | ((t == BASE + 15 * H) & (inst.kind == "stock"))
    assert set(np.unique(tr["tradeFlag"][~auction])) <= {1, 2}
    assert (tr["tradeFlag"][auction] == 0).all()
    assert (tr["tradeType"] == 1).all() and (np.diff(tr["tradeIndex"]) > 0).all()
    # every trade references a buy and a sell order of the order stream, placed no later than the trade
    assert (np.diff(od["entrustNo"]) > 0).all() and (np.diff(od["time"]) >= 0).all()
    pos_b = np.searchsorted(od["entrustNo"], tr["buyNo"])
    pos_s = np.searchsorted(od["entrustNo"], tr["sellNo"])
    assert (od["entrustNo"][pos_b] == tr["buyNo"]).all() and (od["entrustNo"][pos_s] == tr["sellNo"]).all()
    assert (od["entrustDirection"][pos_b] == 1).all() and (od["entrustDirection"][pos_s] == 2).all()
    assert (od["time"][pos_b] <= t).all() and (od["time"][pos_s] <= t).all()
    filled = np.bincount(np.r_[pos_b, pos_s], weights=np.r_[tr["volume"], tr["volume"]], minlength=len(od))
    assert (filled <= od["volume"]).all()
    # a buy is filled at or below its limit, a sell at or above
    assert (tr["price"] <= od["price"][pos_b] + 1e-9).all() and (
        tr["price"] >= od["price"][pos_s] - 1e-9
    ).all()
    # orders: on the tick grid, inside the day's limits, whole lots, limit orders buy/sell
    grid = od["price"] / inst.price_tick
    assert np.allclose(grid, np.round(grid))
    down, up = xtdata.market.prices.limits(inst, DAY)
    assert ((od["price"] >= down - 1e-9) & (od["price"] <= up + 1e-9)).all()
    assert (od["volume"] % lot == 0).all() and (od["volume"] > 0).all()
    assert (od["entrustType"] == 1).all() and set(np.unique(od["entrustDirection"])) == {1, 2}
    assert len(od) > len(np.unique(np.r_[tr["buyNo"], tr["sellNo"]]))  # some orders rest unfilled
    # snapshots: the tick grid; cumulative volume equals the ticks'; lastPrice is the last trade's
    np.testing.assert_array_equal(q["time"], ticks["time"])
    np.testing.assert_array_equal(q["volume"], ticks["volume"])
    assert (np.diff(q["volume"]) >= 0).all() and (np.diff(q["amount"]) >= -1e-6).all()
    k = np.searchsorted(t, q["time"], side="right") - 1
    has = k >= 0
    np.testing.assert_allclose(q["lastPrice"][has], tr["price"][k[has]])
    np.testing.assert_array_equal(q["transactionNum"], k + 1)
    ends = np.isin(q["time"], bars["time"][bars["volume"] > 0])  # a traded minute's end: equal to the tick
    np.testing.assert_allclose(q["lastPrice"][ends], ticks["lastPrice"][ends])
    np.testing.assert_array_equal(q["amount"][ends], ticks["amount"][ends])
    assert (q["high"][ends] <= ticks["high"][ends] + 1e-9).all() and (
        q["low"][ends] >= ticks["low"][ends] - 1e-9
    ).all()
    # a minute's high and low are traded when one of its 3-second intervals traded at least 3 lots
    lots = np.diff(np.r_[0, ticks["volume"]])
    busy = np.zeros(241, bool)
    busy[_minute(bars["time"], ticks["time"][lots >= 3])] = True
    busy[0] = False  # call-auction bars span open..close but trade at one price
    busy[240] &= inst.kind != "stock"
    hi = np.full(241, -np.inf)
    lo = np.full(241, np.inf)
    np.maximum.at(hi, j, tr["price"])
    np.minimum.at(lo, j, tr["price"])
    np.testing.assert_allclose(hi[busy], bars["high"][busy])
    np.testing.assert_allclose(lo[busy], bars["low"][busy])
    assert busy.any()
    # depth: levels 1-5 are the tick's book; asks ascending, bids descending, inside the limits
    np.testing.assert_allclose(q["askPrice"][:, :5], ticks["askPrice"])
    np.testing.assert_array_equal(q["bidVol"][:, :5], ticks["bidVol"])
    for prices, vols, sign in ((q["askPrice"], q["askVol"], 1), (q["bidPrice"], q["bidVol"], -1)):
        assert ((prices > 0) == (vols > 0)).all()
        both = (prices[:, 1:] > 0) & (prices[:, :-1] > 0)
        assert (np.sign(np.diff(prices, axis=1))[both] == sign).all()
        assert ((prices == 0) | ((prices >= down - 1e-9) & (prices <= up + 1e-9))).all()
    two = (q["askPrice"][:, 0] > 0) & (q["bidPrice"][:, 0] > 0)
    assert (q["askPrice"][two, 0] > q["bidPrice"][two, 0]).all()


@pytest.mark.parametrize("code", CODES)
def test_streams_are_consistent_with_bars_and_ticks(xtdata, code):
    _check_consistency(xtdata, code)


@pytest.mark.parametrize("code", [LIMIT_UP, ONE_PRICE, LIMIT_DOWN])
def test_limit_days_are_consistent(xtdata, code):
    _check_consistency(xtdata, code)


def test_limit_up_day_trades_at_the_limit(xtdata):
    tr = xtdata.get_l2_transaction(stock_code=ONE_PRICE)
    up = xtdata.market.prices.limits(xtdata.market.universe.get(ONE_PRICE), DAY)[1]
    assert np.allclose(tr["price"], up)
    od = xtdata.get_l2_order(stock_code=ONE_PRICE)
    assert (od["price"] <= up + 1e-9).all()
    q = xtdata.get_l2_quote(stock_code=ONE_PRICE)
    assert (q["askVol"][q["time"] >= BASE + 9 * H + 30 * M] == 0).all()  # no asks at limit-up


def test_suspended_day_has_no_trades(xtdata):
    assert len(xtdata.get_l2_transaction(stock_code=SUSPENDED)) == 0
    assert len(xtdata.get_l2_order(stock_code=SUSPENDED)) == 0
    q = xtdata.get_l2_quote(stock_code=SUSPENDED)
    assert len(q) == 5102 and (q["volume"] == 0).all() and (q["bidVol"] == 0).all()
    assert len(set(q["lastPrice"].tolist())) == 1


def _crossing_violations(tr: np.ndarray, od: np.ndarray, sample: np.ndarray) -> int:
    """Resting orders crossed while alive: a trade after a resting buy's placement and before its last fill
    below its price (or at its price, buy-initiated); symmetric for sells."""
    aggressor = np.r_[tr["buyNo"][tr["tradeFlag"] == 1], tr["sellNo"][tr["tradeFlag"] == 2]]
    auction = np.r_[tr["buyNo"][tr["tradeFlag"] == 0], tr["sellNo"][tr["tradeFlag"] == 0]]
    bad = 0
    for i in sample:
        no, price, side, placed = od["entrustNo"][i], od["price"][i], od["entrustDirection"][i], od["time"][i]
        if no in aggressor or no in auction:
            continue
        mine = (tr["buyNo"] == no) | (tr["sellNo"] == no)
        end = tr["time"][mine].max() if mine.any() else np.iinfo(np.int64).max
        alive = (tr["time"] > placed) & (tr["time"] < end)
        p, f = tr["price"][alive], tr["tradeFlag"][alive]
        if side == 1:
            bad += int(((p < price - 1e-9) | ((np.abs(p - price) < 1e-9) & (f != 2))).sum())
        else:
            bad += int(((p > price + 1e-9) | ((np.abs(p - price) < 1e-9) & (f != 1))).sum())
    return bad


@pytest.mark.parametrize("code", ["600519.SH", "000001.SZ", LIMIT_DOWN])
def test_replayed_book_is_never_crossed(xtdata, code):
    tr = xtdata.get_l2_transaction(stock_code=code)
    od = xtdata.get_l2_order(stock_code=code)
    sample = np.random.default_rng(0).choice(len(od), 400, replace=False)
    assert _crossing_violations(tr, od, sample) == 0


def test_other_days_are_consistent(xtdata):
    """The generator on earlier days (through the engine, as the API only serves the current day)."""
    market = xtdata.market
    engine = Level2Engine(market.prices, SEED)
    days = (dt.date(2021, 3, 9), dt.date(2024, 11, 27), dt.date(2025, 11, 14), dt.date(2025, 11, 19))
    # stocks, ETFs and convertible bonds (a CB lot moved by a tick is one cent: amounts must be exact)
    codes = ("600519.SH", "000001.SZ", "300750.SZ", "510300.SH", "159915.SZ", "127034.SZ", "113521.SH")
    for day in days:
        for code in codes:
            inst = market.universe.get(code)
            l2 = engine.day(inst, day)
            if l2 is None:  # not listed yet
                continue
            bars = market.prices.minutes(inst, day)
            tr = l2.trade_columns()
            j = _minute(bars["time"], tr["time"])
            lot = 10 if inst.kind == "cb" else 100
            np.testing.assert_array_equal(
                np.bincount(j, weights=tr["volume"], minlength=241), bars["volume"] * lot
            )
            assert ((tr["price"] >= bars["low"][j] - 1e-9) & (tr["price"] <= bars["high"][j] + 1e-9)).all()
            # convertible bonds: fewer trades within a tick a bond of price x volume (~64% on 2021-03-09)
            _check_amounts(tr, bars, j, inst.price_tick, near=0.6 if inst.kind == "cb" else 0.75)
            assert (day_start_ms(day) <= tr["time"]).all() and (tr["time"] < day_start_ms(day) + 24 * H).all()


def test_dtypes_and_field_selection(xtdata):
    q = xtdata.get_l2_quote(stock_code="000001.SZ")
    assert q.dtype.names == tuple(s[0] for s in L2_QUOTE_SPEC)
    assert (
        q.dtype["time"] == np.int64 and q.dtype["lastPrice"] == np.float64 and q.dtype["volume"] == np.int64
    )
    assert q.dtype["askPrice"].shape == (10,) and q.dtype["bidVol"].shape == (10,)
    assert q.dtype["bidVol"].base == np.int32 and q.dtype["stockStatus"] == np.int32
    o = xtdata.get_l2_order(stock_code="000001.SZ")
    assert o.dtype.names == tuple(s[0] for s in L2_ORDER_SPEC) and o.dtype["entrustNo"] == np.int64
    tr = xtdata.get_l2_transaction(stock_code="000001.SZ")
    assert tr.dtype.names == tuple(s[0] for s in L2_TRANSACTION_SPEC)
    assert tr.dtype["buyNo"] == np.int64 and tr.dtype["tradeFlag"] == np.int32
    picked = xtdata.get_l2_transaction(["price", "time", "nosuchfield"], "000001.SZ")
    assert picked.dtype.names == ("price", "time")
    np.testing.assert_array_equal(picked["time"], tr["time"])
    depth = xtdata.get_l2_quote(["bidPrice"], "000001.SZ", count=3)
    assert depth.dtype.names == ("bidPrice",) and depth["bidPrice"].shape == (3, 10)


def test_count_and_time_filters(xtdata):
    code = "600519.SH"
    full = xtdata.get_l2_transaction(stock_code=code)
    np.testing.assert_array_equal(xtdata.get_l2_transaction(stock_code=code, count=5), full[-5:])
    window = xtdata.get_l2_transaction(
        stock_code=code, start_time="20251120100000", end_time="20251120100100"
    )
    t = full["time"]
    expected = full[(t >= BASE + 10 * H) & (t <= BASE + 10 * H + M)]
    np.testing.assert_array_equal(window, expected)
    assert len(window) > 0
    # closed range: a snapshot exactly at both bounds is included
    q = xtdata.get_l2_quote(stock_code=code, start_time="20251120100000", end_time="20251120100003")
    np.testing.assert_array_equal(q["time"], [BASE + 10 * H, BASE + 10 * H + 3000])
    last3 = xtdata.get_l2_order(stock_code=code, end_time="20251120100000", count=3)
    assert len(last3) == 3 and (last3["time"] <= BASE + 10 * H).all()
    assert len(xtdata.get_l2_order(stock_code=code, start_time="20251120", end_time="20251120")) == len(
        xtdata.get_l2_order(stock_code=code)
    )
    assert len(xtdata.get_l2_transaction(stock_code=code, count=0)) == 0
    assert len(xtdata.get_l2_transaction(stock_code=code, start_time="20251119", end_time="20251119")) == 0
    assert len(xtdata.get_l2_transaction(stock_code=code, start_time="20251121")) == 0
    since = dt.datetime(2025, 11, 20, 14, 59, 50, tzinfo=CST)
    assert (
        xtdata.get_l2_transaction(stock_code=code, start_time=since)["time"] >= BASE + 15 * H - 10_000
    ).all()


@pytest.mark.parametrize("code", ["", "999999.SH", "000300.SH", "IF2512.IF", "00700.HK"])
def test_unknown_codes_and_other_kinds_give_none(xtdata, code):
    assert xtdata.get_l2_quote(stock_code=code) is None
    assert xtdata.get_l2_order(stock_code=code) is None
    assert xtdata.get_l2_transaction(stock_code=code) is None
    assert xtdata.get_l2thousand_queue(code) is None


def test_mid_session_stops_at_now(xtdata, mid):
    for code in ("600519.SH", "000001.SZ"):
        for name in ("get_l2_transaction", "get_l2_order", "get_l2_quote"):
            part = getattr(mid, name)(stock_code=code)
            full = getattr(xtdata, name)(stock_code=code)
            assert len(part) > 0 and (part["time"] <= TEN_MS).all()
            np.testing.assert_array_equal(part, full[full["time"] <= TEN_MS])  # the same day, cut at now
        frame = mid._level2_frame(mid.market.universe.get(code), "l2thousand", [], "", "", -1)
        assert frame["time"].max() == TEN_MS and len(frame) == 31  # 09:30 ... 10:00
    q = mid.get_l2_quote(stock_code="000001.SZ", count=1)
    assert q["time"][0] == TEN_MS
    assert mid.get_fullspeed_orderbook(["000001.SZ"])["000001.SZ"]["time"] == TEN_MS
    assert mid.get_transactioncount(["000001.SZ"])["000001.SZ"]["time"] == TEN_MS
    assert mid.get_l2thousand_queue("000001.SZ")["time"] == TEN_MS
    assert mid.get_order_rank("000001.SZ", "20251120100100", "buy", 10.0, 100, 100) == {"pricerank": -1}


def test_before_the_session_is_empty():
    early = SimXtData(SimMarket(seed=SEED, clock=fixed_clock(dt.datetime(2025, 11, 20, 8, 0, tzinfo=CST))))
    tr = early.get_l2_transaction(stock_code="000001.SZ")
    assert tr is not None and len(tr) == 0 and tr.dtype.names == tuple(s[0] for s in L2_TRANSACTION_SPEC)
    assert len(early.get_l2_quote(stock_code="000001.SZ")) == 0
    assert early.get_l2thousand_queue("000001.SZ") is None
    assert early.get_transactioncount(["000001.SZ"]) == {}
    assert early.get_broker_queue_data(["00700.HK"]) == {"00700.HK": []}
    assert early._level2_frame(early.market.universe.get("000001.SZ"), "l2order", [], "", "", -1).empty
    # during the opening auction: orders but no trades yet; snapshots carry the indicative price
    auction = SimXtData(SimMarket(seed=SEED, clock=fixed_clock(dt.datetime(2025, 11, 20, 9, 20, tzinfo=CST))))
    assert len(auction.get_l2_transaction(stock_code="000001.SZ")) == 0
    assert len(auction.get_l2_order(stock_code="000001.SZ")) > 0
    q = auction.get_l2_quote(stock_code="000001.SZ")
    assert len(q) == 101 and (q["volume"] == 0).all() and (q["lastPrice"] > 0).all()


def test_weekend_serves_the_last_trading_day(xtdata):
    saturday = SimXtData(
        SimMarket(seed=SEED, clock=fixed_clock(dt.datetime(2025, 11, 22, 11, 0, tzinfo=CST)))
    )
    tr = saturday.get_l2_transaction(stock_code="600519.SH", count=1)
    assert tr["time"][0] == day_start_ms(dt.date(2025, 11, 21)) + 15 * H


def test_deterministic(xtdata):
    other = SimXtData(SimMarket(seed=SEED, clock=fixed_clock(AFTER_CLOSE)))
    for name in ("get_l2_transaction", "get_l2_order", "get_l2_quote"):
        np.testing.assert_array_equal(
            getattr(other, name)(stock_code="300750.SZ"), getattr(xtdata, name)(stock_code="300750.SZ")
        )
    assert other.get_l2thousand_queue("300750.SZ") == xtdata.get_l2thousand_queue("300750.SZ")
    assert other.get_transactioncount(["300750.SZ"]) == xtdata.get_transactioncount(["300750.SZ"])
    assert other.get_broker_queue_data(["00700.HK"], count=3) == xtdata.get_broker_queue_data(
        ["00700.HK"], count=3
    )
    seed8 = SimXtData(SimMarket(seed=8, clock=fixed_clock(AFTER_CLOSE)))
    assert not np.array_equal(seed8.get_l2_transaction(stock_code="300750.SZ")["price"][:50],
                              xtdata.get_l2_transaction(stock_code="300750.SZ")["price"][:50])  # fmt: skip


def test_level2_frames(xtdata):
    inst = xtdata.market.universe.get("000001.SZ")
    assert set(LEVEL2_PERIODS) == {
        "l2quote",
        "l2order",
        "l2transaction",
        "l2quoteaux",
        "l2orderqueue",
        "l2thousand",
    }
    for period in LEVEL2_PERIODS:
        frame = xtdata._level2_frame(inst, period, [], "", "", -1)
        assert len(frame) > 0 and "time" in frame.columns
        assert frame.index[0].startswith("20251120") and len(frame.index[0]) == 14
        assert list(frame.index) == list(
            pd.to_datetime(frame["time"] + 8 * H, unit="ms").dt.strftime("%Y%m%d%H%M%S")
        )
    quote = xtdata._level2_frame(inst, "l2quote", ["lastPrice", "askPrice"], "", "", 2)
    assert list(quote.columns) == ["lastPrice", "askPrice"] and len(quote) == 2
    assert isinstance(quote["askPrice"].iloc[0], list) and len(quote["askPrice"].iloc[0]) == 10
    arr = xtdata.get_l2_quote(stock_code="000001.SZ", count=2)
    assert quote["askPrice"].iloc[-1] == arr["askPrice"][-1].tolist()
    tr = xtdata._level2_frame(inst, "l2transaction", [], "20251120093000", "20251120093010", -1)
    np.testing.assert_array_equal(
        tr["buyNo"].to_numpy(),
        xtdata.get_l2_transaction(["buyNo"], "000001.SZ", "20251120093000", "20251120093010")["buyNo"],
    )
    assert xtdata._level2_frame(inst, "l2order", ["nosuch"], "", "", -1).columns.tolist() == []
    assert xtdata._level2_frame(None, "l2order", [], "", "", -1).empty
    assert xtdata._level2_frame(xtdata.market.universe.get("000300.SH"), "l2quote", [], "", "", -1).empty
    with pytest.raises(ValueError):
        xtdata._level2_frame(inst, "tick", [], "", "", -1)


def test_quoteaux_and_orderqueue_frames(xtdata):
    inst = xtdata.market.universe.get("000001.SZ")
    aux = xtdata._level2_frame(inst, "l2quoteaux", [], "", "", -1)
    q = xtdata.get_l2_quote(stock_code="000001.SZ")
    assert (aux["totalBidQuantity"] >= q["bidVol"].sum(axis=1)).all()
    live = q["bidVol"][:, 0] > 0
    assert (aux["avgBidPrice"][live] <= q["bidPrice"][live, 0] + 1e-9).all()
    assert (aux["avgOffPrice"][q["askVol"][:, 0] > 0] >= q["askPrice"][q["askVol"][:, 0] > 0, 0] - 1e-9).all()
    assert (
        aux["withdrawBidQuantity"].is_monotonic_increasing
        and aux["withdrawOffAmount"].is_monotonic_increasing
    )
    oq = xtdata._level2_frame(inst, "l2orderqueue", [], "20251120100000", "20251120100100", -1)
    assert len(oq) == 21
    sub = q[(q["time"] >= BASE + 10 * H) & (q["time"] <= BASE + 10 * H + M)]
    np.testing.assert_allclose(oq["bidLevelPrice"], sub["bidPrice"][:, 0])
    for row, level in zip(oq.itertuples(), sub, strict=True):
        assert 0 < len(row.bidLevelVolume) <= 50 and len(row.bidLevelVolume) <= row.bidLevelNumber
        assert all(v > 0 for v in row.bidLevelVolume)
        if row.bidLevelNumber <= 50:
            assert sum(row.bidLevelVolume) == level["bidVol"][0]
        else:
            assert sum(row.bidLevelVolume) < level["bidVol"][0]


def test_thousand_frame(xtdata):
    inst = xtdata.market.universe.get("600519.SH")
    frame = xtdata._level2_frame(inst, "l2thousand", [], "", "", -1)
    assert len(frame) == 241 and frame.index[0] == "20251120093000" and frame.index[-1] == "20251120150000"
    np.testing.assert_array_equal(frame["time"], xtdata.market.prices.minutes(inst, DAY)["time"])
    quote = xtdata.get_l2_quote(stock_code="600519.SH")
    at = np.searchsorted(quote["time"], frame["time"].to_numpy())
    np.testing.assert_allclose(frame["price"], quote["lastPrice"][at])
    down, up = xtdata.market.prices.limits(inst, DAY)
    for r, row in enumerate(frame.itertuples()):
        bids, asks = np.array(row.bidPrice), np.array(row.offPrice)
        assert 10 < len(bids) <= 1000 and 10 < len(asks) <= 1000
        assert (np.diff(bids) < 0).all() and (np.diff(asks) > 0).all() and bids[0] < asks[0]
        assert bids[-1] >= down - 1e-9 and asks[-1] <= up + 1e-9
        assert min(row.bidVolume) > 0 and min(row.offVolume) > 0
        np.testing.assert_allclose(bids[:10], quote["bidPrice"][at[r]])
        np.testing.assert_array_equal(row.offVolume[:10], quote["askVol"][at[r]])
        assert row.askPrice == row.offPrice and row.askVolume == row.offVolume
    picked = xtdata._level2_frame(inst, "l2thousand", ["price", "askPrice"], "", "", 3)
    assert list(picked.columns) == ["price", "askPrice"] and len(picked) == 3


def test_thousand_queue(xtdata):
    code = "000001.SZ"
    q = xtdata.get_l2_quote(stock_code=code, count=1)[0]
    book = xtdata.get_l2thousand_queue(code, gear_num=3)
    assert set(book) == {"time", "bidGear", "bidPrice", "bidVolume", "askGear", "askPrice", "askVolume"}
    assert book["time"] == q["time"] and book["bidGear"] == [1, 2, 3] and book["askGear"] == [1, 2, 3]
    np.testing.assert_allclose(book["bidPrice"], q["bidPrice"][:3])
    for side, vols in (("bid", q["bidVol"]), ("ask", q["askVol"])):
        for g, queue in enumerate(book[f"{side}Volume"]):
            assert 0 < len(queue) <= 50 and all(v > 0 for v in queue) and sum(queue) <= vols[g]
    everything = xtdata.get_l2thousand_queue(code)
    assert len(everything["bidGear"]) > 10 and everything["bidGear"][:3] == [1, 2, 3]
    assert everything["bidVolume"][:3] == book["bidVolume"]  # a level's queue does not depend on the query
    one = xtdata.get_l2thousand_queue(code, price=float(q["bidPrice"][1]))
    assert one["bidGear"] == [2] and one["askGear"] == [] and one["bidVolume"] == [book["bidVolume"][1]]
    lo, hi = float(q["bidPrice"][2]), float(q["askPrice"][2])
    ranged = xtdata.get_l2thousand_queue(code, price=(lo, hi))
    assert ranged["bidGear"] == [1, 2, 3] and ranged["askGear"] == [1, 2, 3]
    listed = xtdata.get_l2thousand_queue(code, price=[float(q["askPrice"][0]), float(q["askPrice"][4])])
    assert listed["askGear"] == [1, 5] and listed["bidGear"] == []
    both = xtdata.get_l2thousand_queue(code, gear_num=2, price=(lo, hi))  # allowed by get_ (not subscribe_)
    assert both["bidGear"] == [1, 2] and both["askGear"] == [1, 2]
    with pytest.raises(TypeError):
        xtdata.get_l2thousand_queue(code, price=11)  # xtquant iterates a non-float, non-tuple price
    with pytest.raises(ValueError):
        xtdata.get_l2thousand_queue(code, price=(11.0, 11.1, 11.2))
    assert xtdata.get_l2thousand_queue("000300.SH") is None


def test_transaction_count(xtdata):
    code = "000001.SZ"
    stats = xtdata.get_transactioncount([code, "SZ", "999999.SZ"])
    assert list(stats) == [code]
    s = stats[code]
    assert len(s) > 100 and s["time"] == BASE + 15 * H
    for key in (
        "ddx",
        "ddy",
        "ddz",
        "netOrder",
        "netWithdraw",
        "withdrawBid",
        "withdrawOff",
        "transactionNumber",
    ):
        assert key in s
    tr = xtdata.get_l2_transaction(stock_code=code)
    flag = tr["tradeFlag"]
    assert (
        s["bidTotalVolume"] == tr["volume"][flag == 1].sum()
        and s["offTotalVolume"] == tr["volume"][flag == 2].sum()
    )
    assert (
        s["unactiveOffTotalVolume"] == s["bidTotalVolume"]
        and s["unactiveBidTotalVolume"] == s["offTotalVolume"]
    )
    assert s["bidTotalAmount"] == pytest.approx(tr["amount"][flag == 1].sum())
    assert s["bidNumber"] == len(np.unique(tr["buyNo"][flag == 1]))
    for prefix in ("bid", "off", "unactiveBid", "unactiveOff"):
        for what in ("Amount", "Volume"):
            parts = sum(s[f"{prefix}{c}{what}"] for c in ("Most", "Big", "Medium", "Small"))
            assert parts == pytest.approx(s[f"{prefix}Total{what}"])
    assert s["netInflowBigAmount"] == pytest.approx(s["bidBigAmount"] - s["offBigAmount"])
    last = tr[tr["time"] > BASE + 15 * H - 3000]  # the closing auction only: no active side
    assert s["transactionNumber"] == len(last) and s["bidTotalVolumeDx"] == 0
    assert s["withdrawBid"] > 0 and s["netWithdraw"] == s["withdrawBid"] - s["withdrawOff"]


def test_fullspeed_orderbook(xtdata):
    book = xtdata.get_fullspeed_orderbook(["600519.SH", "SH", "000300.SH"])
    assert list(book) == ["600519.SH"]
    b = book["600519.SH"]
    assert set(b) == {"time", "price", "bidPrice", "bidVolume", "askPrice", "askVolume"}
    assert all(len(b[k]) == 20 for k in ("bidPrice", "bidVolume", "askPrice", "askVolume"))
    q = xtdata.get_l2_quote(stock_code="600519.SH", count=1)[0]
    assert b["price"] == q["lastPrice"] and b["time"] == q["time"]
    np.testing.assert_allclose(b["bidPrice"][:10], q["bidPrice"])
    np.testing.assert_array_equal(b["askVolume"][:10], q["askVol"])


def test_order_rank(xtdata):
    code = "600519.SH"
    q = xtdata.get_l2_quote(stock_code=code, end_time="20251120100000", count=1)[0]
    tr = xtdata.get_l2_transaction(stock_code=code, start_time="20251120100001")
    for gear in (0, 4):
        x = float(q["bidPrice"][gear])
        hit = tr["volume"][(np.abs(tr["price"] - x) < 1e-9) & (tr["tradeFlag"] == 2)].sum()
        expected = max(0, int(q["bidVol"][gear]) * 100 - int(hit))
        rank = xtdata.get_order_rank(code, "20251120100000", "buy", x, 100, 100)
        assert rank == {"pricerank": expected}
    x = float(q["askPrice"][2])
    hit = tr["volume"][(np.abs(tr["price"] - x) < 1e-9) & (tr["tradeFlag"] == 1)].sum()
    when = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
    assert xtdata.get_order_rank(code, when, "sell", x, 100, 100)["pricerank"] == max(
        0, int(q["askVol"][2]) * 100 - int(hit)
    )
    assert xtdata.get_order_rank(code, "20251120100000", "buy", x, 100, 100) == {"pricerank": 0}  # marketable
    assert xtdata.get_order_rank(code, "20251120100000", "buy", float(q["bidPrice"][0]), 300, 100) == {
        "pricerank": 0
    }
    assert xtdata.get_order_rank("999999.SH", "20251120100000", "buy", 10.0, 100, 100) == {"pricerank": -1}
    assert xtdata.get_order_rank(code, "20251119100000", "buy", 10.0, 100, 100) == {"pricerank": -1}
    assert xtdata.get_order_rank(code, "20251120100000", "hold", 10.0, 100, 100) == {"pricerank": -1}


def test_hk_broker_dict(xtdata):
    brokers = xtdata.get_hk_broker_dict()
    names = set(brokers.values())
    assert len(names) >= 50 and len(brokers) > len(names)
    assert {"高盛(亚洲)证券", "摩根士丹利香港证券", "中银国际证券"} <= names
    assert all(isinstance(k, int) and 1000 <= k <= 9999 for k in brokers)


def test_hk_broker_queues(xtdata):
    data = xtdata.get_broker_queue_data(["00700.HK", "600519.SH", "nosuch.HK"], count=5)
    assert data["600519.SH"] == [] and data["nosuch.HK"] == []
    items = data["00700.HK"]
    assert len(items) == 5 and items[-1]["time"] == BASE + 15 * H
    ticks = xtdata.market.prices.ticks(xtdata.market.universe.get("00700.HK"), DAY)
    brokers = xtdata.get_hk_broker_dict()
    for item in items:
        assert set(item) == {"time", "bidbrokerqueues", "askbrokerqueues"}
        r = int(np.searchsorted(ticks["time"], item["time"]))
        for side, col in (("bid", "bidPrice"), ("ask", "askPrice")):
            levels = item[f"{side}brokerqueues"]
            assert [lv["gear"] for lv in levels] == [1, 2, 3, 4, 5]
            assert [lv["price"] for lv in levels] == ticks[col][r].tolist()
            assert sum(len(lv["brokers"]) for lv in levels) <= 40
            assert all(b in brokers for lv in levels for b in lv["brokers"])
    named = xtdata.get_broker_queue_data(["00700.HK"], count=5, show_broker_name=True)["00700.HK"]
    first = items[0]["bidbrokerqueues"][0]["brokers"][0]
    assert named[0]["bidbrokerqueues"][0]["brokers"][0] == (first, brokers[first])
    window = xtdata.get_broker_queue_data("00700.HK", start_time="20251120093000", end_time="20251120093100")
    assert [i["time"] for i in window["00700.HK"]] == list(
        range(BASE + 9 * H + 30 * M, BASE + 9 * H + 31 * M + 1, 3000)
    )


def test_generation_speed(xtdata):
    market = xtdata.market
    inst = market.universe.get("000001.SZ")
    market.prices.minutes(inst, DAY)
    start = time.perf_counter()
    build_level2_day(market.prices, inst, DAY, SEED)
    assert time.perf_counter() - start < 0.3  # ~20 ms typical; generous for slow CI machines
