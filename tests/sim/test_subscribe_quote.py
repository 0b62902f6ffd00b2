"""``subscribe_quote`` / ``subscribe_quote2`` / ``subscribe_l2thousand`` of the simulator, and the drop-in's
``run()``: xtquant's payload shapes (``shared/xtquant-api.md`` §1.4), pushes that agree with the REST data
(a completed bar's last push is the bar ``get_market_data_ex`` returns), sessions only, callbacks on the
pusher thread with their errors logged, unsubscribing that leaves nothing behind, and rounds that compute
only the subscribed codes.

One market serves the module. Its replay clock runs over a wall the tests set, advance or let run at a
speed; the per-code pusher's rounds are counted, so "the pusher has seen the new time and pushed nothing" is
a fact the tests wait for, not a sleep.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import AFTER_CLOSE, MID_SESSION, SEED
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.sim.api import quote_pushes, subscriptions
from qmt_bridge.sim.clock import CST, SimClock
from qmt_bridge.sim.market.bars import KLINE_FIELDS

CODE = "600519.SH"
PUSHER = "sim-code-push"
TIMEOUT = 30.0  # generous: on a loaded 2-core machine the first pushes of a round can be slow
DAY = MID_SESSION.date()
#: The keys of a K-line push item, in the catalog's order (§1.4).
BAR_KEYS = [
    "time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "amount",
    "settelementPrice",
    "openInterest",
    "dr",
    "totaldr",
    "preClose",
    "suspendFlag",
]
THOUSAND_KEYS = ["time", "askPrice", "askVolume", "bidPrice", "bidVolume", "price"]
INTRADAY = ["1m", "5m", "15m", "30m", "60m"]


def at(h: int, m: int, s: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(h, m, s), CST)


class Wall:
    """The market's wall clock (the replay runs at speed 1 over it): still unless a test sets it, advances
    it, or lets it run at a speed; it also counts the per-code pusher's finished rounds."""

    def __init__(self) -> None:
        self._base = 1_700_000_000.0
        self._running: tuple[float, float] | None = None  # (monotonic start, speed)
        self._rounds = 0
        self._cond = threading.Condition()

    def __call__(self) -> float:
        with self._cond:
            if self._running is None:
                return self._base
            started, speed = self._running
            return self._base + (time.monotonic() - started) * speed

    def set(self, clock: SimClock, moment: dt.datetime) -> None:
        with self._cond:
            self._running = None
            self._base += (moment - clock.now()).total_seconds()

    def advance(self, seconds: float) -> None:
        with self._cond:
            self._base += seconds

    def run(self, speed: float) -> None:
        with self._cond:
            self._running = (time.monotonic(), speed)

    def stop(self) -> None:
        with self._cond:
            self._base = self()
            self._running = None

    def round_done(self) -> None:
        with self._cond:
            self._rounds += 1
            self._cond.notify_all()

    def rounds(self, count: int = 2) -> None:
        """Wait until the pusher has finished ``count`` more rounds: the last began after this call, so any
        push for the present moment has been delivered."""
        with self._cond:
            target = self._rounds + count
            assert self._cond.wait_for(lambda: self._rounds >= target, TIMEOUT), "the pusher stalled"


class Recorder:
    """A callback recording each push and its thread; optionally raising after recording."""

    def __init__(self, raises: bool = False) -> None:
        self.pushes: list[dict[str, list[dict[str, Any]]]] = []
        self.threads: list[threading.Thread] = []
        self._raises = raises
        self._cond = threading.Condition()

    def __call__(self, data: dict[str, list[dict[str, Any]]]) -> None:
        with self._cond:
            self.pushes.append(data)
            self.threads.append(threading.current_thread())
            self._cond.notify_all()
        if self._raises:
            raise RuntimeError("boom in a callback")

    def wait(self, count: int) -> list[dict[str, list[dict[str, Any]]]]:
        with self._cond:
            arrived = self._cond.wait_for(lambda: len(self.pushes) >= count, TIMEOUT)
            assert arrived, f"{len(self.pushes)} pushes after {TIMEOUT}s, expected {count}"
            return list(self.pushes)

    def items(self, code: str = CODE) -> list[dict[str, Any]]:
        return [item for push in self.pushes for item in push[code]]


class Sim:
    """The module's market and its subscriptions."""

    def __init__(self) -> None:
        self.wall = Wall()
        self.clock = SimClock("replay", replay_start=MID_SESSION, speed=1.0, wall=self.wall)
        backend = SimBackend(seed=SEED, clock=self.clock)
        backend.start()
        self.xtdata = backend.xtdata
        self.seqs: list[int] = []

    def at(self, moment: dt.datetime) -> Sim:
        self.wall.set(self.clock, moment)
        return self

    def subscribe(self, code: Any = CODE, period: str = "1m", callback: Any = None, **kwargs: Any) -> int:
        seq = self.xtdata.subscribe_quote2(code, period, callback=callback, **kwargs)
        self.seqs.append(seq)
        return seq

    def end(self) -> None:
        for seq in self.seqs:
            self.xtdata.unsubscribe_quote(seq)
        self.seqs.clear()

    def rest(self, period: str, code: str = CODE, **kwargs: Any) -> Any:
        return self.xtdata.get_market_data_ex([], [code], period=period, **kwargs)[code]


@pytest.fixture(scope="module")
def module_sim() -> Iterator[Sim]:
    """The market, with a pusher that polls every 10 ms and reports its rounds to the wall."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subscriptions, "MAX_WAIT", 0.01)
        sim = Sim()
        real = quote_pushes._CodePusher._until_next_tick

        def until_next_tick(pusher: Any) -> float:
            sim.wall.round_done()  # called once a round, after its pushes
            return real(pusher)

        patch.setattr(quote_pushes._CodePusher, "_until_next_tick", until_next_tick)
        yield sim


@pytest.fixture()
def sim(module_sim: Sim) -> Iterator[Sim]:
    yield module_sim.at(MID_SESSION)
    module_sim.end()


def code_pusher(sim: Sim) -> Any:
    return sim.xtdata.__dict__.get("_code_pusher")


def wait_no_pusher_thread(sim: Sim) -> None:
    """Until this market's per-code pusher thread has ended (other markets of the process may have theirs)."""
    deadline = time.monotonic() + TIMEOUT
    while (
        (pusher := code_pusher(sim)) is not None
        and (thread := pusher._thread) is not None
        and thread.is_alive()
    ):
        assert time.monotonic() < deadline, f"{PUSHER} still running after {TIMEOUT}s"
        time.sleep(0.01)


def same_bar(item: dict[str, Any], row: Any) -> None:
    """``item`` equals the REST ``row`` on every field both have, exactly."""
    for field in KLINE_FIELDS:
        assert item[field] == row[field], (field, item, row.to_dict())


# ---------------------------------------------------------------------- shapes


def test_payload_shapes_per_period(sim):
    periods = ["tick", *INTRADAY, "1d", "1w", "1mon"]
    recorders = {period: Recorder() for period in periods}
    for period, recorder in recorders.items():
        seq = sim.subscribe(CODE, period, recorder)
        assert isinstance(seq, int) and not isinstance(seq, bool) and seq > 0
    snapshot = sim.xtdata.get_full_tick([CODE])[CODE]
    for period, recorder in recorders.items():
        first = recorder.wait(1)[0]
        assert list(first) == [CODE] and isinstance(first[CODE], list) and len(first[CODE]) == 1
        item = first[CODE][0]
        assert recorder.threads[0] is not threading.current_thread() and recorder.threads[0].name == PUSHER
        if period == "tick":
            assert item == snapshot  # the clock stands still: the snapshot of the moment
            continue
        assert list(item) == BAR_KEYS, period
        assert all(type(item[k]) is int for k in ("time", "volume", "openInterest", "suspendFlag"))
        assert all(
            type(item[k]) is float
            for k in BAR_KEYS
            if k not in ("time", "volume", "openInterest", "suspendFlag")
        )
        same_bar(item, sim.rest(period, count=1).iloc[-1])  # the bar in progress, as REST has it now
    assert recorders["1d"].pushes[0][CODE][0]["close"] == snapshot["lastPrice"]


def test_dividend_factors_and_adjusted_prices(sim):
    """``dr`` is the day's ex-rights factor, ``totaldr`` the product of all up to the bar; ``subscribe_quote2``
    adjusts prices like ``get_market_data_ex`` with the same ``dividend_type``."""
    factors = sim.xtdata.get_divid_factors(CODE)
    back = Recorder()
    sim.subscribe(CODE, "1d", back, dividend_type="back")
    item = back.wait(1)[0][CODE][0]
    assert item["totaldr"] == pytest.approx(float(factors["dr"].prod()))
    assert item["dr"] == (1.0 if "20251120" not in factors.index else float(factors.loc["20251120", "dr"]))
    same_bar(item, sim.rest("1d", count=1, dividend_type="back").iloc[-1])
    assert item["close"] != sim.xtdata.get_full_tick([CODE])[CODE]["lastPrice"]  # adjusted: not the traded


def test_l2thousand_pushes_the_rest_row_of_the_moment(sim):
    full, five = Recorder(), Recorder()
    sim.seqs.append(sim.xtdata.subscribe_l2thousand(CODE, None, full))
    sim.seqs.append(sim.xtdata.subscribe_l2thousand(CODE, gear_num=5, callback=five))
    item = full.wait(1)[0][CODE][0]
    assert list(item) == THOUSAND_KEYS
    row = sim.rest("l2thousand", count=1).iloc[-1]  # 10:00:00 is a minute's end: REST has its row
    assert row.name == "20251120100000" and item["time"] == row["time"]
    for key in THOUSAND_KEYS[1:]:
        assert item[key] == (row[key] if isinstance(row[key], list) else float(row[key])), key
    assert len(item["askPrice"]) > 100 and len(item["bidVolume"]) > 100
    small = five.wait(1)[0][CODE][0]
    assert all(small[key] == item[key][:5] for key in ("askPrice", "askVolume", "bidPrice", "bidVolume"))
    sim.wall.advance(3)
    assert full.wait(2)[1][CODE][0]["time"] == item["time"] + 3000


QUEUE_KEYS = ["time", "bidGear", "bidPrice", "bidVolume", "askGear", "askPrice", "askVolume"]


def test_l2thousand_queue_pushes_what_get_l2thousand_queue_answers(sim):
    """xtdata.py ``subscribe_l2thousand_queue``: pushes ``{code: [queue dict]}`` with the keys of its docstring's
    example; the levels chosen by ``gear_num`` or by ``price`` (a float, a list, or a ``(lo, hi)`` range)."""
    two, by_price, by_range = Recorder(), Recorder(), Recorder()
    sim.seqs.append(sim.xtdata.subscribe_l2thousand_queue(CODE, callback=two, gear_num=2))
    item = two.wait(1)[0][CODE][0]
    assert list(item) == QUEUE_KEYS
    assert item == sim.xtdata.get_l2thousand_queue(CODE, gear_num=2)
    assert item["bidGear"] == [1, 2] and item["askGear"] == [1, 2]
    assert len(item["bidVolume"]) == 2 and all(isinstance(lots, int) for lots in item["bidVolume"][0])
    best_bid, best_ask = item["bidPrice"][0], item["askPrice"][0]
    sim.seqs.append(
        sim.xtdata.subscribe_l2thousand_queue(CODE, callback=by_price, price=[best_bid, best_ask])
    )
    chosen = by_price.wait(1)[0][CODE][0]
    assert chosen["bidPrice"] == [best_bid] and chosen["askPrice"] == [best_ask]
    assert chosen["bidGear"] == [1] and chosen["askGear"] == [1]
    sim.seqs.append(
        sim.xtdata.subscribe_l2thousand_queue(CODE, callback=by_range, price=(best_bid, best_ask))
    )
    ranged = by_range.wait(1)[0][CODE][0]
    assert ranged["bidPrice"][0] == best_bid and ranged["askPrice"][0] == best_ask
    sim.wall.advance(3)
    assert two.wait(2)[1][CODE][0]["time"] == item["time"] + 3000


def test_l2thousand_queue_refuses_gear_and_price_together_as_xtquant():
    """xtdata.py ``subscribe_l2thousand_queue``: ``raise Exception('不能同时指定档位和价格')`` before subscribing."""
    from qmt_bridge.sim.api.quote_pushes import QuotePushAPI

    with pytest.raises(Exception, match="不能同时指定档位和价格"):
        QuotePushAPI.subscribe_l2thousand_queue(None, CODE, callback=print, gear_num=1, price=10.0)  # type: ignore[arg-type]


def test_refusals_return_minus_one(sim, caplog):
    caplog.set_level(logging.WARNING, logger="qmt_bridge.sim")
    received = Recorder()
    xt = sim.xtdata
    assert xt.subscribe_quote([CODE], "1m", callback=received) == -1  # xtquant: one code, not a list
    assert xt.subscribe_quote("NOSUCH.SH", "1m", callback=received) == -1
    assert xt.subscribe_quote(CODE, "7m", callback=received) == -1
    assert xt.subscribe_quote(CODE, "l2quote", callback=received) == -1
    assert xt.subscribe_quote2(CODE, "1m", dividend_type="sideways", callback=received) == -1
    assert xt.subscribe_l2thousand("000300.SH", callback=received) == -1  # an index: no Level-2
    assert xt.subscribe_l2thousand("NOSUCH.SH", callback=received) == -1
    assert xt.subscribe_l2thousand(CODE, gear_num=-1, callback=received) == -1
    assert xt.subscribe_l2thousand_queue("000300.SH", callback=received) == -1
    assert xt.subscribe_l2thousand_queue(CODE, callback=received, gear_num=-1) == -1
    warnings = [r.getMessage() for r in caplog.records if r.name == "qmt_bridge.sim"]
    assert len(warnings) == 10 and all("returning -1" in message for message in warnings)
    assert code_pusher(sim) is None or code_pusher(sim).subscription_count() == 0
    sim.wall.advance(3)
    assert received.pushes == []


# ---------------------------------------------------------------------- a replayed stretch of a session


@pytest.fixture(scope="module")
def replayed(module_sim: Sim) -> Iterator[tuple[Sim, dict[str, Recorder]]]:
    """10:00 to past 10:10 at 300x, with 1m, 5m, 1d and tick subscriptions; then the clock stops and the
    pusher finishes its rounds at the stopped moment before the subscriptions end."""
    sim = module_sim.at(at(10, 0))
    recorders = {period: Recorder() for period in ("1m", "5m", "1d", "tick")}
    for period, recorder in recorders.items():
        sim.subscribe(CODE, period, recorder)
    for recorder in recorders.values():
        recorder.wait(1)  # at 10:00:00 itself
    sim.wall.run(300)
    deadline = time.monotonic() + TIMEOUT
    while sim.clock.now() < at(10, 10, 5):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    sim.wall.stop()
    sim.wall.rounds()
    sim.end()
    yield sim, recorders


def test_live_1m_bars_equal_the_rest_bars_bar_for_bar(replayed):
    sim, recorders = replayed
    items = recorders["1m"].items()
    last: dict[int, dict[str, Any]] = {}
    for item in items:
        last[item["time"]] = item
    rest = sim.rest("1m", start_time="20251120100000")
    assert sorted(last) == rest["time"].tolist()  # every bar from 10:00 on, none missing, none extra
    assert len(last) >= 11
    for (_, row), item in zip(rest.iterrows(), (last[t] for t in sorted(last)), strict=True):
        same_bar(item, row)


def test_the_forming_bar_keeps_its_time_until_it_completes(replayed):
    _, recorders = replayed
    for period in ("1m", "5m"):
        items = recorders[period].items()
        times = [item["time"] for item in items]
        assert times == sorted(times), period  # never back to an earlier bar
        runs: dict[int, list[dict[str, Any]]] = {}
        for item in items:
            runs.setdefault(item["time"], []).append(item)
        assert max(len(run) for run in runs.values()) >= 5, period  # pushed again and again as it forms
        for run in runs.values():
            volumes = [item["volume"] for item in run]
            assert volumes == sorted(volumes)
            assert [item["high"] for item in run] == sorted(item["high"] for item in run)
            assert all(a != b for a, b in zip(run, run[1:], strict=False)), "a push that changed nothing"


def test_5m_and_1d_forming_bars(replayed):
    sim, recorders = replayed
    five = recorders["5m"].items()
    rest = sim.rest("5m", start_time="20251120100000")
    by_time = {item["time"]: item for item in five}
    assert sorted(by_time) == rest["time"].tolist()  # 10:00 (in progress at first), 10:05, 10:10, 10:15
    for _, row in rest.iterrows():
        same_bar(by_time[row["time"]], row)
    daily = recorders["1d"].items()
    assert {item["time"] for item in daily} == {int(sim.rest("1d", count=1)["time"].iloc[-1])}
    assert [item["volume"] for item in daily] == sorted(item["volume"] for item in daily)
    same_bar(daily[-1], sim.rest("1d", count=1).iloc[-1])


def test_tick_pushes_are_the_ticks_of_the_day(replayed):
    sim, recorders = replayed
    items = recorders["tick"].items()
    times = [item["time"] for item in items]
    assert len(times) > 60 and times == sorted(set(times))  # one push per snapshot, in order
    ticks = sim.rest("tick", start_time="20251120100000").set_index("time")
    for item in items:
        row = ticks.loc[item["time"]]
        for field in ("lastPrice", "open", "high", "low", "volume", "amount", "askPrice", "bidVol"):
            assert item[field] == row[field], field


# ---------------------------------------------------------------------- the clock, by hand


def test_each_changed_tick_is_pushed_once(sim):
    tick, minute = Recorder(), Recorder()
    sim.subscribe(CODE, "tick", tick)
    sim.subscribe(CODE, "1m", minute)
    tick.wait(1)
    minute.wait(1)
    sim.wall.advance(1)  # 10:00:01: still the tick of 10:00:00
    sim.wall.rounds()
    assert len(tick.pushes) == 1 and len(minute.pushes) == 1
    sim.wall.advance(2)  # 10:00:03: the next tick, and a new 1m bar (10:01) forms
    second = tick.wait(2)[1][CODE][0]
    assert (
        second == sim.xtdata.get_full_tick([CODE])[CODE]
        and second["time"] == tick.pushes[0][CODE][0]["time"] + 3000
    )
    bar = minute.wait(2)[1][CODE]
    assert [item["time"] for item in bar] == [minute.pushes[0][CODE][0]["time"] + 60_000]
    sim.wall.rounds()
    assert len(tick.pushes) == 2 and len(minute.pushes) == 2


def test_ticks_a_late_round_skipped_come_in_its_push_oldest_first(sim):
    """The clock jumps 15 s (five ticks) between two rounds, as in a fast replay: the next push carries the
    four ticks in between and the current one, in order, each equal to the tick record of its time, as
    xtquant's ``{code: [tick, ...]}`` lists allow. A new subscription starts from the current tick only."""
    tick = Recorder()
    sim.subscribe(CODE, "tick", tick)
    first = tick.wait(1)[0][CODE]
    assert len(first) == 1
    start = first[0]["time"]
    sim.wall.advance(15)
    pushed = tick.wait(2)[1][CODE]
    assert [item["time"] for item in pushed] == [start + 3000 * k for k in range(1, 6)]
    records = sim.rest("tick", start_time=_label(start + 3000), end_time=_label(start + 15000))
    assert records["time"].tolist() == [item["time"] for item in pushed]
    assert records["lastPrice"].tolist() == [item["lastPrice"] for item in pushed]
    assert records["askPrice"].tolist() == [item["askPrice"] for item in pushed]
    assert pushed[-1] == sim.xtdata.get_full_tick([CODE])[CODE]
    sim.wall.rounds()
    assert len(tick.pushes) == 2


def _label(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, CST).strftime("%Y%m%d%H%M%S")


def test_a_skipped_tick_still_pushes_the_completed_bar(sim):
    """The pusher misses 10:01:00 (the 10:01 bar's last tick): the next push carries the completed 10:01 bar
    and the 10:02 bar in progress."""
    minute = Recorder()
    sim.at(at(10, 0, 54))
    sim.subscribe(CODE, "1m", minute)
    assert minute.wait(1)[0][CODE][0]["time"] == int(at(10, 1).timestamp() * 1000)
    sim.wall.advance(9)  # 10:01:03
    pushed = minute.wait(2)[1][CODE]
    assert [item["time"] for item in pushed] == [int(at(10, m).timestamp() * 1000) for m in (1, 2)]
    same_bar(pushed[0], sim.rest("1m", count=2).iloc[0])
    same_bar(pushed[1], sim.rest("1m", count=1).iloc[-1])


def test_the_close_completes_the_bars_and_then_nothing_is_pushed(sim):
    minute, daily = Recorder(), Recorder()
    sim.at(at(14, 59, 54))
    sim.subscribe(CODE, "1m", minute)
    sim.subscribe(CODE, "1d", daily)
    minute.wait(1)
    daily.wait(1)
    sim.wall.advance(6)  # 15:00:00, the last tick
    minute.wait(2)
    daily.wait(2)
    sim.wall.rounds()
    same_bar(minute.items()[-1], sim.rest("1m", count=1).iloc[-1])
    same_bar(daily.items()[-1], sim.rest("1d", count=1).iloc[-1])
    counts = (len(minute.pushes), len(daily.pushes))
    for _ in range(3):
        sim.wall.advance(7 * 60)
        sim.wall.rounds()
    assert (len(minute.pushes), len(daily.pushes)) == counts


@pytest.mark.parametrize(
    "moment", [AFTER_CLOSE, at(11, 45), at(8, 0)], ids=["after-close", "midday", "pre-open"]
)
def test_nothing_is_pushed_outside_sessions(sim, moment):
    sim.at(moment)
    recorders = [Recorder() for _ in range(3)]
    sim.subscribe(CODE, "tick", recorders[0])
    sim.subscribe(CODE, "1m", recorders[1])
    sim.seqs.append(sim.xtdata.subscribe_l2thousand(CODE, callback=recorders[2]))
    for _ in range(3):
        sim.wall.advance(7 * 60)
        sim.wall.rounds()
    assert all(recorder.pushes == [] for recorder in recorders)


def test_the_first_push_comes_when_the_session_resumes(sim):
    tick, minute = Recorder(), Recorder()
    sim.at(at(12, 59, 58))
    sim.subscribe(CODE, "tick", tick)
    sim.subscribe(CODE, "1m", minute)
    sim.wall.rounds()
    assert tick.pushes == [] and minute.pushes == []
    sim.wall.advance(5)  # 13:00:03
    assert tick.wait(1)[0][CODE][0]["timetag"] == "20251120 13:00:03.000"
    assert minute.wait(1)[0][CODE][0]["time"] == int(at(13, 1).timestamp() * 1000)


# ---------------------------------------------------------------------- callbacks and unsubscribing


def test_a_raising_callback_is_logged_and_pushes_go_on(sim, caplog):
    caplog.set_level(logging.ERROR, logger="qmt_bridge.sim")
    failing, other = Recorder(raises=True), Recorder()
    seq = sim.subscribe(CODE, "1m", failing)
    sim.subscribe(CODE, "1m", other)
    # Both first pushes before the clock moves: other's may come a round after failing's, and if it came
    # only after the move, it would be other's one push at that moment (the flake this wait removed).
    failing.wait(1)
    other.wait(1)
    sim.wall.advance(3)
    failing.wait(2)
    other.wait(2)
    errors = [r for r in caplog.records if "subscribe callback error" in r.getMessage()]
    assert len(errors) == 2 and all(f"subscription {seq})" in r.getMessage() for r in errors)
    assert errors[0].exc_info and isinstance(errors[0].exc_info[1], RuntimeError)


def test_a_callback_changing_its_data_does_not_fake_a_change(sim):
    """Each push is the callback's own data: changing it neither reaches another subscription of the same
    code nor makes the unchanged 10:00 bar look changed at the next tick."""
    seen: list[list[int]] = []

    def scribble(data: dict[str, Any]) -> None:
        seen.append([item["time"] for item in data[CODE]])
        for item in data[CODE]:
            item["close"] = -1.0
            if "askPrice" in item:
                item["askPrice"].append(0.0)

    minute, tick = Recorder(), Recorder()
    sim.subscribe(CODE, "1m", scribble)
    sim.subscribe(CODE, "tick", scribble)
    sim.subscribe(CODE, "1m", minute)
    sim.subscribe(CODE, "tick", tick)
    minute.wait(1)
    assert tick.wait(1)[0][CODE][0] == sim.xtdata.get_full_tick([CODE])[CODE]
    sim.wall.rounds()  # every first push (scribble's two included) before the clock moves
    assert minute.pushes[0][CODE][0]["close"] > 0
    sim.wall.advance(3)
    minute.wait(2)
    tick.wait(2)
    sim.wall.rounds()
    ten, ten_one = (int(at(10, m).timestamp() * 1000) for m in (0, 1))
    assert seen[0] == [ten] and [ten_one] in seen[2:] and [ten, ten_one] not in seen


def test_unsubscribe_stops_pushes_and_waits_for_one_in_flight(sim):
    entered, release, returned = threading.Event(), threading.Event(), threading.Event()
    calls: list[dict[str, Any]] = []

    def slow(data: dict[str, Any]) -> None:
        calls.append(data)
        entered.set()
        release.wait(TIMEOUT)

    kept = Recorder()
    seq = sim.subscribe(CODE, "tick", slow)
    sim.subscribe(CODE, "1m", kept)
    assert entered.wait(TIMEOUT)
    unsubscriber = threading.Thread(target=lambda: (sim.xtdata.unsubscribe_quote(seq), returned.set()))
    unsubscriber.start()
    try:
        assert not returned.wait(0.3), "unsubscribe_quote returned while its callback was still running"
    finally:
        release.set()
    assert returned.wait(TIMEOUT)
    unsubscriber.join(TIMEOUT)
    kept.wait(1)  # its first push before the clock moves (see test_a_raising_callback_...)
    sim.wall.advance(3)
    kept.wait(2)
    sim.wall.rounds()
    assert len(calls) == 1


def test_200_cycles_leave_no_subscription_and_no_thread(sim):
    received = Recorder()
    for i in range(200):
        if i % 3 == 2:
            seq = sim.xtdata.subscribe_l2thousand(CODE, callback=received)
        else:
            seq = sim.xtdata.subscribe_quote(CODE, ("tick", "1m")[i % 3], callback=received)
        assert seq > 0
        if i % 50 == 0:
            received.wait(len(received.pushes) + 1)
        sim.xtdata.unsubscribe_quote(seq)
    assert code_pusher(sim).subscription_count() == 0
    wait_no_pusher_thread(sim)
    assert code_pusher(sim)._level2 == {}


def test_whole_quote_and_code_subscriptions_share_numbers_and_unsubscribe(sim):
    whole, single, kept = Recorder(), Recorder(), Recorder()
    seq_whole = sim.xtdata.subscribe_whole_quote([CODE], whole)
    seq_single = sim.xtdata.subscribe_quote(CODE, "tick", callback=single)
    sim.subscribe(CODE, "1m", kept)  # keeps the pusher's rounds going
    assert seq_whole != seq_single
    whole.wait(1)
    single.wait(1)
    kept.wait(1)
    sim.xtdata.unsubscribe_quote(seq_whole)
    sim.xtdata.unsubscribe_quote(seq_single)
    sim.wall.advance(3)
    kept.wait(2)
    sim.wall.rounds()
    assert len(whole.pushes) == 1 and len(single.pushes) == 1


# ---------------------------------------------------------------------- cost


def test_many_codes_compute_only_the_subscribed_codes(sim, monkeypatch):
    xt = sim.xtdata
    codes = xt.get_stock_list_in_sector("沪深300")
    assert len(codes) == 300
    prices = xt.market.prices
    seen: set[str] = set()
    for name in ("snapshots", "minutes_until"):
        real = getattr(prices, name)

        def counted(first: Any, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            insts = first if isinstance(first, list) else [first]
            seen.update(inst.code for inst in insts)
            return _real(first, *args, **kwargs)

        monkeypatch.setattr(prices, name, counted)
    recorder = Recorder()
    for code in codes:
        sim.subscribe(code, "tick", recorder)
        sim.subscribe(code, "1m", recorder)
    recorder.wait(2 * len(codes))  # the first push of each subscription
    assert {code for push in recorder.pushes for code in push} == set(codes)
    sim.wall.advance(3)
    started = time.monotonic()
    sim.wall.rounds(2)  # a round already under way when the clock moved does not count
    took = time.monotonic() - started
    assert len(recorder.pushes) > 3 * len(codes)  # the next tick (suspended codes have nothing new)
    assert seen == set(codes)  # the rest of the market (~5,000 codes) is never computed
    print(f"a push round of {len(codes)} codes (tick + 1m): {took * 1000:.0f} ms")


# ---------------------------------------------------------------------- the drop-in and run()


#: The start of the scripts below: the drop-in on a replayed morning, a list of pushes.
SCRIPT_HEAD = """
import datetime as dt

from qmt_bridge.sim import xtdata
from qmt_bridge.sim.clock import CST, SimClock

start = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
xtdata.configure(seed=7, clock=SimClock("replay", replay_start=start, speed=60))
pushes = []
"""


def run_script(tmp_path, body: str) -> subprocess.CompletedProcess:
    """SCRIPT_HEAD and ``body`` run as a script of their own (a process of their own, as a user's)."""
    script = tmp_path / "script.py"
    script.write_text(SCRIPT_HEAD + textwrap.dedent(body))
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=90)


def test_an_xtquant_style_script_runs_until_interrupted(tmp_path):
    done = run_script(
        tmp_path,
        """
        def on_data(datas):
            pushes.append(datas)
            print(len(pushes), datas["600519.SH"][-1]["time"], flush=True)
            if len(pushes) == 5:
                raise KeyboardInterrupt

        seq = xtdata.subscribe_quote("600519.SH", period="1m", callback=on_data)
        assert seq > 0
        xtdata.run()
        xtdata.unsubscribe_quote(seq)
        print("run returned", flush=True)
        """,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "run returned"
    assert [line.split()[0] for line in lines[:5]] == ["1", "2", "3", "4", "5"]


def test_the_dropin_module_has_the_subscribe_functions_and_run():
    from qmt_bridge.sim import xtdata
    from qmt_bridge.sim.data_api import SimXtData

    for name in ("subscribe_quote", "subscribe_quote2", "subscribe_l2thousand", "unsubscribe_quote"):
        assert callable(getattr(SimXtData, name)), name  # module functions through xtdata.__getattr__
    assert callable(xtdata.run)


def test_sub_info_lists_each_subscription_until_it_ends(sim):
    """xtdata.py ``get_current_connect_sub_info``: ``[{'subId', 'stockCode', 'period' (ms), 'metaId',
    'isSub'}]`` (metaInfo.json: 3000 L1 ticks, 3001 K-lines, 1803 the thousand-level book)."""
    minute = sim.subscribe(CODE, "1m", Recorder())
    tick = sim.subscribe("000001.SZ", "tick", Recorder())
    book = sim.xtdata.subscribe_l2thousand(CODE, callback=Recorder())
    sim.seqs.append(book)
    rows = sim.xtdata.get_current_connect_sub_info()
    assert rows == [
        {"subId": minute, "stockCode": CODE, "period": 60_000, "metaId": 3001, "isSub": True},
        {"subId": tick, "stockCode": "000001.SZ", "period": 0, "metaId": 3000, "isSub": True},
        {"subId": book, "stockCode": CODE, "period": 0, "metaId": 1803, "isSub": True},
    ]
    assert [r["addr"] for r in sim.xtdata.get_all_sub_info()] == ["in-process"] * 3
    sim.xtdata.unsubscribe_quote(minute)
    assert [r["subId"] for r in sim.xtdata.get_current_connect_sub_info()] == [tick, book]


def test_a_callback_interrupt_before_run_makes_run_return_instead_of_crashing_the_script(tmp_path):
    """The push that raises may come before the script reaches ``run()``: the script must not die with a
    KeyboardInterrupt thrown into whatever line it is on; ``run()`` returns as soon as it is called."""
    done = run_script(
        tmp_path,
        """
        import time

        def on_data(datas):
            pushes.append(datas)
            raise KeyboardInterrupt

        seq = xtdata.subscribe_quote("600519.SH", period="tick", callback=on_data)
        deadline = time.monotonic() + 30
        while not pushes and time.monotonic() < deadline:
            time.sleep(0.01)  # the script is busy elsewhere when the push raises
        time.sleep(0.3)
        print("pushed", len(pushes) > 0, flush=True)
        began = time.monotonic()
        xtdata.run()
        print("run returned", time.monotonic() - began < 1, flush=True)
        xtdata.unsubscribe_quote(seq)
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["pushed True", "run returned True"], done.stdout + done.stderr
