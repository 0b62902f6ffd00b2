"""``subscribe_whole_quote`` / ``unsubscribe_quote`` of the simulator: the first push is the full snapshot, later
pushes carry each 3-second tick's changes during sessions only, callbacks run on the pusher thread, errors
in them are logged, and unsubscribing stops pushes (and, with the last subscription, the pusher).

Time moves only when a test says so: each market runs a replay clock over a fake wall clock, and the fake
wall counts the pusher's readings of it, so "the pusher has seen the new time and pushed nothing" is a fact
the tests wait for, not a sleep.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import AFTER_CLOSE, MID_SESSION, SEED
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.sim.api import subscriptions
from qmt_bridge.sim.clock import CST, SimClock, fixed_clock

CODES = ["600519.SH", "000001.SZ", "510300.SH"]
#: A contract that expired in 2024: its snapshot (the last close) is the same at every tick.
EXPIRED = "IC2410.IF"
PUSHER = "sim-quote-push"
#: Generous bound for anything the pusher should do soon (it is never reached when things work).
TIMEOUT = 15.0
HOLIDAY = dt.datetime(2025, 10, 1, 10, 0, tzinfo=CST)  # National Day, a Wednesday
MIDDAY_BREAK = dt.datetime(2025, 11, 20, 11, 45, tzinfo=CST)


class FakeWall:
    """A wall clock that moves only when told, counting how often the pusher thread reads it."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._pusher_reads = 0
        self._cond = threading.Condition()

    def __call__(self) -> float:
        with self._cond:
            if threading.current_thread().name == PUSHER:
                self._pusher_reads += 1
                self._cond.notify_all()
            return self._now

    def advance(self, seconds: float) -> None:
        with self._cond:
            self._now += seconds

    def pusher_polls(self, reads: int = 8) -> None:
        """Wait until the pusher has read the clock ``reads`` more times.

        A round of the pusher reads the clock for the moment, once per pushed chunk, and before sleeping;
        eight readings therefore include a whole round that started after this call: any push it was going
        to make for the present moment has been delivered.
        """
        with self._cond:
            target = self._pusher_reads + reads
            assert self._cond.wait_for(lambda: self._pusher_reads >= target, TIMEOUT), "the pusher stalled"


class Recorder:
    """A callback recording each push and the thread it ran on; optionally raising after recording."""

    def __init__(self, raises: bool = False) -> None:
        self.pushes: list[dict[str, dict[str, Any]]] = []
        self.threads: list[threading.Thread] = []
        self._raises = raises
        self._cond = threading.Condition()

    def __call__(self, data: dict[str, dict[str, Any]]) -> None:
        with self._cond:
            self.pushes.append(data)
            self.threads.append(threading.current_thread())
            self._cond.notify_all()
        if self._raises:
            raise RuntimeError("boom in a callback")

    def wait(self, count: int) -> list[dict[str, dict[str, Any]]]:
        """The pushes so far, once there are at least ``count``."""
        with self._cond:
            arrived = self._cond.wait_for(lambda: len(self.pushes) >= count, TIMEOUT)
            assert arrived, f"{len(self.pushes)} pushes after {TIMEOUT}s, expected {count}"
            return list(self.pushes)


class Sim:
    """A fresh simulated market on a replay clock driven by a :class:`FakeWall`."""

    def __init__(self, moment: dt.datetime) -> None:
        self.wall = FakeWall()
        clock = SimClock("replay", replay_start=moment, speed=1.0, wall=self.wall)
        backend = SimBackend(seed=SEED, clock=clock)
        backend.start()
        self.xtdata = backend.xtdata
        self.seqs: list[int] = []

    def subscribe(self, codes: list[str], callback: Callable[[dict], Any]) -> int:
        seq = self.xtdata.subscribe_whole_quote(codes, callback)
        self.seqs.append(seq)
        return seq

    def close(self) -> None:
        for seq in self.seqs:
            self.xtdata.unsubscribe_quote(seq)


@pytest.fixture(autouse=True)
def _fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pusher polls the (fake, mostly still) clock every 50 ms instead of every 3 s."""
    monkeypatch.setattr(subscriptions, "MAX_WAIT", 0.05)


@pytest.fixture()
def sim_at() -> Iterator[Callable[[dt.datetime], Sim]]:
    """Markets at given moments; their subscriptions end with the test."""
    made: list[Sim] = []

    def make(moment: dt.datetime) -> Sim:
        made.append(Sim(moment))
        return made[-1]

    yield make
    for sim in made:
        sim.close()


def wait_gone(thread: threading.Thread) -> None:
    """Wait (bounded) until ``thread`` is no longer among the running threads."""
    deadline = time.monotonic() + TIMEOUT
    while thread in threading.enumerate():
        assert time.monotonic() < deadline, f"{thread.name} still running after {TIMEOUT}s"
        time.sleep(0.01)


def test_first_push_is_the_full_snapshot_on_the_pusher_thread(sim_at):
    sim = sim_at(MID_SESSION)
    received = Recorder()
    seq = sim.subscribe([*CODES, "NOSUCH.SH"], received)
    assert isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1
    first = received.wait(1)[0]
    # the clock has not moved: the same moment; an unknown code has no snapshot in either
    assert first == sim.xtdata.get_full_tick([*CODES, "NOSUCH.SH"])
    assert set(first) == set(CODES)
    assert received.threads[0] is not threading.current_thread()
    assert received.threads[0].name == PUSHER


def test_a_market_name_expands_to_its_codes(sim_at):
    sim = sim_at(AFTER_CLOSE)
    received = Recorder()
    sim.subscribe(["BJ"], received)
    first = received.wait(1)[0]
    expected = sim.xtdata.get_full_tick(["BJ"])
    assert len(expected) > 50 and all(code.endswith(".BJ") for code in expected)
    assert set(first) == set(expected)
    assert first == expected


def test_each_tick_of_a_session_pushes_its_changes(sim_at):
    codes = [*CODES, EXPIRED]
    sim = sim_at(MID_SESSION)
    received = Recorder()
    sim.subscribe(codes, received)
    first = received.wait(1)[0]
    assert set(first) == set(codes)

    sim.wall.advance(3)  # 10:00:03, the next tick
    second = received.wait(2)[1]
    now = sim.xtdata.get_full_tick(codes)
    assert set(second) == set(CODES)  # the expired contract did not change: not pushed again
    assert now[EXPIRED] == first[EXPIRED]
    for code in CODES:
        assert second[code] == now[code]
        assert second[code]["time"] > first[code]["time"]

    sim.wall.advance(1)  # 10:00:04, still the tick of 10:00:03
    sim.wall.pusher_polls()
    assert len(received.pushes) == 2

    sim.wall.advance(2)  # 10:00:06, the next tick again
    assert received.wait(3)[2] == sim.xtdata.get_full_tick(CODES)


@pytest.mark.parametrize(
    "moment", [AFTER_CLOSE, MIDDAY_BREAK, HOLIDAY], ids=["after-close", "midday", "holiday"]
)
def test_nothing_is_pushed_outside_sessions(sim_at, moment):
    sim = sim_at(moment)
    received = Recorder()
    sim.subscribe(CODES, received)
    first = received.wait(1)[0]
    assert set(first) == set(CODES)
    for _ in range(3):
        sim.wall.advance(7 * 60)
        sim.wall.pusher_polls()
    assert len(received.pushes) == 1


def test_unsubscribe_stops_pushes_and_the_last_one_ends_the_pusher(sim_at):
    sim = sim_at(MID_SESSION)
    gone, kept = Recorder(), Recorder()
    seq_gone = sim.subscribe(CODES, gone)
    seq_kept = sim.subscribe(CODES[:1], kept)
    assert seq_kept != seq_gone
    gone.wait(1)
    kept.wait(1)

    sim.xtdata.unsubscribe_quote(seq_gone)
    sim.wall.advance(3)
    kept.wait(2)  # the pusher saw the new tick...
    sim.wall.pusher_polls()
    assert len(gone.pushes) == 1  # ...and pushed nothing to the ended subscription

    sim.xtdata.unsubscribe_quote(987654)  # unknown: ignored
    sim.xtdata.unsubscribe_quote(seq_gone)  # already ended: ignored
    pusher = kept.threads[0]
    sim.xtdata.unsubscribe_quote(seq_kept)
    sim.wall.advance(3)
    wait_gone(pusher)
    assert len(kept.pushes) == 2 and len(gone.pushes) == 1

    again = Recorder()  # a later subscription starts a new pusher, with a new number
    seq_again = sim.subscribe(CODES, again)
    assert seq_again not in (seq_gone, seq_kept)
    assert again.wait(1)[0] == sim.xtdata.get_full_tick(CODES)
    assert again.threads[0] is not pusher and again.threads[0].name == PUSHER


def test_unsubscribe_returns_only_after_a_push_in_flight(sim_at):
    sim = sim_at(MID_SESSION)
    entered, release, returned = threading.Event(), threading.Event(), threading.Event()
    calls: list[threading.Thread] = []

    def slow(data: dict) -> None:
        calls.append(threading.current_thread())
        entered.set()
        release.wait(TIMEOUT)

    seq = sim.subscribe(CODES, slow)
    assert entered.wait(TIMEOUT)
    unsubscriber = threading.Thread(target=lambda: (sim.xtdata.unsubscribe_quote(seq), returned.set()))
    unsubscriber.start()
    try:
        assert not returned.wait(0.3), "unsubscribe_quote returned while its callback was still running"
    finally:
        release.set()
    assert returned.wait(TIMEOUT)
    unsubscriber.join(TIMEOUT)
    sim.wall.advance(3)
    wait_gone(calls[0])
    assert len(calls) == 1


def test_a_callback_may_unsubscribe_itself(sim_at):
    sim = sim_at(MID_SESSION)
    received = Recorder()
    numbered = threading.Event()
    seqs: list[int] = []

    def once(data: dict) -> None:
        received(data)
        assert numbered.wait(TIMEOUT)
        sim.xtdata.unsubscribe_quote(seqs[0])  # on the pusher thread: must not wait for itself

    seqs.append(sim.subscribe(CODES, once))
    numbered.set()
    received.wait(1)
    wait_gone(received.threads[0])
    sim.wall.advance(3)
    assert len(received.pushes) == 1


def test_a_raising_callback_is_logged_and_pushes_go_on(sim_at, caplog):
    caplog.set_level(logging.ERROR, logger="qmt_bridge.sim")
    sim = sim_at(MID_SESSION)
    failing, other = Recorder(raises=True), Recorder()
    seq = sim.subscribe(CODES, failing)
    sim.subscribe(CODES[1:], other)
    failing.wait(1)
    other.wait(1)

    sim.wall.advance(3)
    failing.wait(2)  # the failing subscription itself goes on...
    other.wait(2)  # ...and so do the others
    sim.wall.pusher_polls()
    errors = [
        r
        for r in caplog.records
        if r.name == "qmt_bridge.sim" and "subscribe callback error" in r.getMessage()
    ]
    assert len(errors) == 2
    assert all(r.levelno == logging.ERROR and str(seq) in r.getMessage() for r in errors)
    assert errors[0].exc_info and isinstance(errors[0].exc_info[1], RuntimeError)


def test_subscriptions_receive_only_their_own_codes(sim_at):
    sim = sim_at(MID_SESSION)
    mine, yours = Recorder(), Recorder()
    sim.subscribe(CODES[:2], mine)
    sim.subscribe(CODES[2:], yours)
    assert set(mine.wait(1)[0]) == set(CODES[:2])
    assert set(yours.wait(1)[0]) == set(CODES[2:])
    sim.wall.advance(3)
    assert set(mine.wait(2)[1]) <= set(CODES[:2])
    assert set(yours.wait(2)[1]) <= set(CODES[2:])
    for pushes in (mine.pushes, yours.pushes):
        assert all(pushes)


def test_the_dropin_module_exposes_subscriptions():
    from qmt_bridge.sim import xtdata

    xtdata.configure(seed=SEED, clock=fixed_clock(AFTER_CLOSE))
    try:
        assert callable(xtdata.subscribe_whole_quote) and callable(xtdata.unsubscribe_quote)
        received = Recorder()
        seq = xtdata.subscribe_whole_quote(["600519.SH"], received)
        try:
            assert received.wait(1)[0] == xtdata.get_full_tick(["600519.SH"])
        finally:
            xtdata.unsubscribe_quote(seq)
        wait_gone(received.threads[0])
    finally:
        xtdata.configure()  # back to the defaults for whoever imports it next


def test_codes_that_are_not_strings_are_refused_in_the_callers_thread(sim_at):
    sim = sim_at(MID_SESSION)
    with pytest.raises(TypeError, match="code_list"):
        sim.xtdata.subscribe_whole_quote(["600519.SH", 600519], Recorder())
    recorder = Recorder()
    sim.subscribe(["600519.SH"], recorder)
    assert list(recorder.wait(1)[0]) == ["600519.SH"]


def test_a_failing_push_is_logged_and_other_subscriptions_go_on(sim_at, caplog, monkeypatch):
    sim = sim_at(MID_SESSION)
    broken, healthy = Recorder(), Recorder()
    real = sim.xtdata.get_full_tick

    def get_full_tick(codes):
        if "000001.SZ" in codes:
            raise RuntimeError("snapshot failed")
        return real(codes)

    monkeypatch.setattr(sim.xtdata, "get_full_tick", get_full_tick)
    with caplog.at_level(logging.ERROR, logger="qmt_bridge.sim"):
        sim.subscribe(["000001.SZ"], broken)
        sim.subscribe(["600519.SH"], healthy)
        healthy.wait(1)
        sim.wall.advance(3)
        healthy.wait(2)
    assert broken.pushes == []
    assert "whole-quote push failed" in caplog.text


def test_a_callback_changing_its_data_does_not_fake_a_change(sim_at):
    """Each push is the callback's own data: changing it does not make an unchanged code look changed."""
    sim = sim_at(MID_SESSION)
    pushes: list[dict] = []
    arrived = threading.Event()

    def annotate(data):
        for snapshot in data.values():
            snapshot["mine"] = 1
            snapshot["askPrice"].append(0.0)
        pushes.append(data)
        arrived.set()

    sim.subscribe([EXPIRED, "600519.SH"], annotate)
    assert arrived.wait(TIMEOUT)
    arrived.clear()
    sim.wall.advance(3)
    assert arrived.wait(TIMEOUT)
    assert list(pushes[1]) == ["600519.SH"]
