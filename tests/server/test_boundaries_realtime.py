"""The realtime hub's bounds and reference counts at their boundaries, on the simulator.

Already covered elsewhere: the outbox bound (limit 3: 3 waiting fine, the 4th overflows; conflated data does
not count) in test_realtime_outbox.py, the subscriber closed with 4008 at limit+1 in
test_realtime_slow_client.py, the message size bound; upstream sharing and the codes-per-connection limit on
the fake xtquant in tests/real_backend/test_ws_realtime.py.

Here, on the simulator (frozen Thursday 2025-11-20 15:30: no pushes come, so nothing moves a clock by
itself):

- refcounts: one upstream subscription for any number of subscribers, released exactly when the last one
  leaves (not before, not by a second detach of the same one), a refused subscription holding nothing;
- ``max_single_tick_subscriptions``: tick streams up to the limit are single subscriptions, the next comes
  from the whole-market push; a code already single stays single; codes outside the quote book never move;
- ``MAX_CODES_PER_CONNECTION``: at the limit and one past (codes counted once whatever their periods and
  repeats; freed by an unsubscribe), and the real 2000 / 2001;
- the time bounds with a controlled monotonic clock: a client that takes nothing for exactly ``slow_after``
  seconds stays and a microsecond more is closed; the heartbeat at exactly its period; a silent stream
  renewed only past ``silent_after``, the bound doubling up to 3600 s.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketState

from conftest import AFTER_CLOSE, SEED
from qmt_bridge.server.realtime import connection as connection_module
from qmt_bridge.server.realtime import hub as hub_module
from qmt_bridge.server.realtime import protocol
from qmt_bridge.server.realtime.connection import Subscriber
from qmt_bridge.server.realtime.hub import SILENT_AFTER_MAX, RealtimeHub, SubscribeRefused

#: Codes of the simulator's BJ market (the quote book's market here) and of SH (outside it).
BJ = ["430015.BJ", "430047.BJ", "430054.BJ", "430056.BJ", "430108.BJ", "430117.BJ"]
SH = "600000.SH"
SINGLE_TICK_LIMIT = 2


@contextmanager
def _app_at(data_dir: Path, moment: Any) -> Iterator[SimpleNamespace]:
    """The app on a simulator of its own (its subscriptions are its test's only), frozen at ``moment``."""
    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.sim.clock import fixed_clock

    settings = Settings(
        _env_file=None,
        backend="sim",
        sim_seed=SEED,
        data_dir=str(data_dir),
        quote_markets="BJ",
        predownload=False,
        max_single_tick_subscriptions=SINGLE_TICK_LIMIT,
    )
    backend = SimBackend(seed=SEED, clock=fixed_clock(moment), data_dir=data_dir)
    app = create_app(settings, backend=backend)
    with TestClient(app) as client:
        yield SimpleNamespace(client=client, app=app, hub=app.state.hub, backend=backend)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The app on a simulator of its own (its subscriptions are this module's only), frozen after the close."""
    with _app_at(tmp_path_factory.mktemp("realtime"), AFTER_CLOSE) as app:
        yield app


def upstream(served: SimpleNamespace, code: str | None = None) -> list[int]:
    """The simulator's per-code subscription numbers (of ``code``), whole-market ones left out."""
    rows = served.backend.xtdata.get_current_connect_sub_info()
    return sorted(
        r["subId"] for r in rows if r["metaId"] != 2999 and (code is None or r["stockCode"] == code)
    )


class Sink:
    """A stand-in WebSocket for subscribers the tests attach by hand."""

    application_state = WebSocketState.CONNECTED
    scope: dict[str, Any] = {}  # no frame writer offered: messages go through send_text


def subscriber() -> Subscriber:
    return Subscriber(Sink())  # type: ignore[arg-type]


def call(served: SimpleNamespace, fn: Any, *args: Any) -> Any:
    """Run a coroutine function on the app's event loop."""
    return served.client.portal.call(fn, *args)


# --- reference counts ---------------------------------------------------------------------------------


def test_one_upstream_for_three_subscribers_released_exactly_when_the_last_leaves(
    served: SimpleNamespace,
) -> None:
    """3 subscribers of (430015.BJ, 1m): one upstream subscription. 3 → 2 → 1 keep it (the same one: its
    number does not change), a second detach of a subscriber already gone changes nothing, 1 → 0 ends it and
    forgets the stream."""
    hub, key = served.hub, (BJ[0], "1m")
    a, b, c = subscriber(), subscriber(), subscriber()
    for s in (a, b, c):
        call(served, hub.attach, s, key)
    [seq] = upstream(served, BJ[0])
    assert len(hub.streams[key].subscribers) == 3
    call(served, hub.detach, a, key)
    call(served, hub.detach, a, key)  # again: a is not a subscriber any more
    assert upstream(served, BJ[0]) == [seq] and hub.streams[key].subscribers == {b, c}
    call(served, hub.detach, b, key)
    assert upstream(served, BJ[0]) == [seq] and hub.streams[key].subscribers == {c}
    assert hub.streams[key].seq == seq
    call(served, hub.detach, c, key)
    assert upstream(served, BJ[0]) == [] and key not in hub.streams
    # The next subscriber starts a new upstream subscription.
    call(served, hub.attach, a, key)
    [again] = upstream(served, BJ[0])
    assert again != seq
    call(served, hub.detach, a, key)
    assert upstream(served, BJ[0]) == []


def test_a_subscriber_attached_twice_holds_one_reference(served: SimpleNamespace) -> None:
    """The same connection subscribing twice is one holder: its one detach releases the stream."""
    hub, key = served.hub, (BJ[1], "5m")
    a = subscriber()
    call(served, hub.attach, a, key)
    call(served, hub.attach, a, key)
    assert len(upstream(served, BJ[1])) == 1 and hub.streams[key].subscribers == {a}
    call(served, hub.detach, a, key)
    assert upstream(served, BJ[1]) == [] and key not in hub.streams


def test_periods_are_separate_streams_and_detach_all_releases_only_the_leavers(
    served: SimpleNamespace,
) -> None:
    """a holds 1m and 5m of a code, b holds its 1m: two upstream subscriptions. a leaving entirely ends the
    5m one (its last holder) and keeps the 1m one (b still holds it)."""
    hub, code = served.hub, BJ[2]
    a, b = subscriber(), subscriber()
    call(served, hub.attach, a, (code, "1m"))
    call(served, hub.attach, a, (code, "5m"))
    call(served, hub.attach, b, (code, "1m"))
    assert len(upstream(served, code)) == 2
    kept = hub.streams[(code, "1m")].seq
    call(served, hub.detach_all, a)
    assert upstream(served, code) == [kept] and (code, "5m") not in hub.streams
    call(served, hub.detach_all, b)
    assert upstream(served, code) == [] and not [k for k in hub.streams if k[0] == code]


def test_a_refused_subscription_holds_nothing_and_leaves_the_others_alone(served: SimpleNamespace) -> None:
    """subscribe_quote answers -1 for an unknown code: SubscribeRefused, no stream kept, nobody held."""
    hub = served.hub
    a, b = subscriber(), subscriber()
    call(served, hub.attach, a, (BJ[3], "1m"))
    with pytest.raises(SubscribeRefused, match="refused"):
        call(served, hub.attach, b, ("999999.BJ", "1m"))
    assert ("999999.BJ", "1m") not in hub.streams
    assert hub.streams[(BJ[3], "1m")].subscribers == {a} and len(upstream(served, BJ[3])) == 1
    call(served, hub.detach_all, a)
    call(served, hub.detach_all, b)  # holds nothing: a no-op
    assert upstream(served, BJ[3]) == []


# --- over the WebSocket: single tick subscriptions and codes per connection -----------------------------


def until_status(ws: Any, state: str, limit: int = 50) -> list[dict[str, Any]]:
    """Messages up to the first status ``state`` (an ``error`` first fails)."""
    seen = []
    for _ in range(limit):
        message = ws.receive_json()
        seen.append(message)
        assert message["type"] != "error", message
        if message["type"] == "status" and message["status"] == state:
            return seen
    raise AssertionError(f"no {state} status in {seen}")


def next_error(ws: Any) -> dict[str, Any]:
    for _ in range(50):
        message = ws.receive_json()
        if message["type"] == "error":
            return message["error"]
    raise AssertionError("no error message")


def leave(ws: Any, codes: list[str], period: str) -> None:
    """Unsubscribe before closing: Starlette's TestClient cancels the connection's task right after its
    close, which can cut the server's own clean-up short (uvicorn does not; tests/real_backend covers the
    release on disconnect over uvicorn)."""
    ws.send_json({"action": "unsubscribe", "stocks": codes, "period": period})
    until_status(ws, "unsubscribed")


def realtime_status(served: SimpleNamespace) -> dict[str, Any]:
    return served.client.get("/api/meta/realtime").json()


def tick_streams(served: SimpleNamespace) -> dict[str, int]:
    return {s["code"]: s["subscribers"] for s in realtime_status(served)["streams"] if s["period"] == "tick"}


def test_tick_streams_are_single_up_to_the_limit_then_from_the_whole_market_push(
    served: SimpleNamespace,
) -> None:
    """max_single_tick_subscriptions=2. Three BJ codes in one message: the 1st and 2nd are single
    subscriptions (0 and 1 held before each: under 2), the 3rd comes from the quote book's push (2 held).
    Then, with 2 singles held: a second client's tick of the 1st code joins its single stream; an SH code
    (not in the book) is single anyway; a 4th BJ code comes from the book. The 1st code's single stream
    outlives the first client's unsubscribe (the second still holds it) and ends with the second's."""
    first, second, third, fourth = BJ[0], BJ[1], BJ[2], BJ[3]
    with served.client.websocket_connect("/ws/realtime") as ws:
        ws.send_json({"stocks": [first, second, third], "period": "tick"})
        until_status(ws, "subscribed")
        assert tick_streams(served) == {first: 1, second: 1}
        assert realtime_status(served)["ticks_from_whole_quote"] == {third: 1}
        with served.client.websocket_connect("/ws/realtime") as other:
            other.send_json({"stocks": [first, SH, fourth], "period": "tick"})
            until_status(other, "subscribed")
            assert tick_streams(served) == {first: 2, second: 1, SH: 1}
            assert realtime_status(served)["ticks_from_whole_quote"] == {third: 1, fourth: 1}
            [shared] = upstream(served, first)
            leave(ws, [first, second, third], "tick")
            assert tick_streams(served) == {first: 1, SH: 1} and upstream(served, first) == [shared]
            assert realtime_status(served)["ticks_from_whole_quote"] == {fourth: 1}
            leave(other, [first, SH, fourth], "tick")
    assert tick_streams(served) == {} and upstream(served) == []
    assert realtime_status(served)["ticks_from_whole_quote"] == {}


def test_a_code_below_the_limit_again_is_single_and_one_from_the_book_stays_there(
    served: SimpleNamespace,
) -> None:
    """With 2 singles held, a 3rd code comes from the book. When one single ends (1 held, under the limit)
    a new code is single again, but the code already served from the book stays on the book."""
    with served.client.websocket_connect("/ws/realtime") as ws:
        ws.send_json({"stocks": [BJ[0], BJ[1], BJ[2]], "period": "tick"})
        until_status(ws, "subscribed")
        ws.send_json({"action": "unsubscribe", "stocks": [BJ[0]], "period": "tick"})
        until_status(ws, "unsubscribed")
        assert tick_streams(served) == {BJ[1]: 1}
        ws.send_json({"stocks": [BJ[2], BJ[4]], "period": "tick"})
        until_status(ws, "subscribed")
        assert tick_streams(served) == {BJ[1]: 1, BJ[4]: 1}
        assert realtime_status(served)["ticks_from_whole_quote"] == {BJ[2]: 1}
        leave(ws, [BJ[1], BJ[2], BJ[4]], "tick")
    assert tick_streams(served) == {} and upstream(served) == []


def test_codes_per_connection_at_the_limit_and_one_past(
    served: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MAX_CODES_PER_CONNECTION=3 (1m streams). 4 codes: too_many_codes, nothing subscribed. 3 codes, one
    of them repeated: fine (a repeat counts once). A held code in another period: fine (codes, not streams,
    are counted). A 4th code: too_many_codes. After unsubscribing one code: the 4th fits."""
    monkeypatch.setattr(protocol, "MAX_CODES_PER_CONNECTION", 3)
    a, b, c, d = BJ[0], BJ[1], BJ[2], BJ[3]
    with served.client.websocket_connect("/ws/realtime") as ws:
        ws.send_json({"stocks": [a, b, c, d], "period": "1m"})
        error = next_error(ws)
        assert error["code"] == "too_many_codes" and error["details"] == {"limit": 3}
        assert upstream(served) == []
        ws.send_json({"stocks": [a, a, b, c], "period": "1m"})
        assert until_status(ws, "subscribed")[-1]["stocks"] == [a, b, c]
        ws.send_json({"stocks": [a], "period": "5m"})
        until_status(ws, "subscribed")
        ws.send_json({"stocks": [c, d], "period": "1m"})
        assert next_error(ws)["code"] == "too_many_codes"
        assert upstream(served, d) == []
        ws.send_json({"action": "unsubscribe", "stocks": [c], "period": "1m"})
        until_status(ws, "unsubscribed")
        ws.send_json({"stocks": [d], "period": "1m"})
        until_status(ws, "subscribed")
        assert len(upstream(served)) == 4  # a 1m, a 5m, b 1m, d 1m
        leave(ws, [a, b, d], "1m")
        leave(ws, [a], "5m")
    assert upstream(served) == []


def test_the_real_limit_2001_codes_are_too_many_and_2000_pass_the_count(served: SimpleNamespace) -> None:
    """With the shipped limit of 2000: 2001 distinct codes are refused by count; 2000 pass the count and
    are then judged one by one (here unknown codes: unknown_code, so nothing is subscribed)."""
    assert protocol.MAX_CODES_PER_CONNECTION == 2000
    codes = [f"1{i:05d}.BJ" for i in range(2001)]
    with served.client.websocket_connect("/ws/realtime") as ws:
        ws.send_text(json.dumps({"stocks": codes, "period": "1m"}))
        assert next_error(ws)["code"] == "too_many_codes"
        ws.send_text(json.dumps({"stocks": codes[:2000], "period": "1m"}))
        assert next_error(ws)["code"] == "unknown_code"
    assert upstream(served) == []


# --- time bounds with a controlled clock --------------------------------------------------------------


#: A step past a time bound that floats represent exactly next to the whole seconds used here.
EPS = 2**-10


class FakeClock:
    """time.monotonic / time.time of a module, moved by hand."""

    def __init__(self, start: float = 1024.0) -> None:
        self.now = start

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return time.time()


class RecordingSocket:
    """Sends complete at once (``stuck_after`` None) or block from the given message on."""

    application_state = WebSocketState.CONNECTED
    scope: dict[str, Any] = {}  # no frame writer offered: messages go through send_text

    def __init__(self, stuck_after: int | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self.stuck_after = stuck_after
        self._never = asyncio.Event()

    async def send_text(self, text: str) -> None:
        self.sent.append(json.loads(text))
        if self.stuck_after is not None and len(self.sent) > self.stuck_after:
            await self._never.wait()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = (code, reason)


async def _until(predicate: Any, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


def test_a_client_idle_for_exactly_slow_after_stays_and_a_moment_more_is_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """slow_after 0.25 s (the beat checks every 0.0625 s of real time). The socket takes one message and
    then blocks, with two still waiting; its last progress is at t0 = 1024. At t0 + 0.25 (idle exactly
    slow_after; binary fractions, so the difference is exact) it stays through several beats; at
    t0 + 0.25 + 2**-20 it is closed with 4008."""
    clock = FakeClock()
    monkeypatch.setattr(connection_module, "time", clock)

    async def run() -> RecordingSocket:
        socket = RecordingSocket(stuck_after=1)
        sub = Subscriber(socket, heartbeat=1e9, slow_after=0.25)  # type: ignore[arg-type]
        for i in range(3):
            sub.put_data((("A.SH", "1m"), (i,)), b'"type":"data","n":%d' % i)
        sub.start()
        assert await _until(lambda: len(socket.sent) == 2)  # one sent, the second stuck in its send
        clock.now = 1024.0 + 0.25
        await asyncio.sleep(0.3)
        assert socket.closed is None and sub.closing is None
        clock.now = 1024.0 + 0.25 + 2**-20
        assert await _until(lambda: socket.closed is not None)
        await sub.stop()
        return socket

    assert asyncio.run(run()).closed == (protocol.CLOSE_SLOW_CONSUMER, "slow consumer")


def test_the_heartbeat_goes_out_at_exactly_its_period(monkeypatch: pytest.MonkeyPatch) -> None:
    """heartbeat 5 s on the controlled clock from t0 = 1024 (the beat checks every 0.0625 s of real time,
    slow_after / 4): none at t0 + 5 - 2**-20, one at exactly t0 + 5, and only one."""
    clock = FakeClock()
    monkeypatch.setattr(connection_module, "time", clock)

    async def run() -> list[dict[str, Any]]:
        socket = RecordingSocket()
        sub = Subscriber(socket, heartbeat=5.0, slow_after=0.25)  # type: ignore[arg-type]
        sub.start()
        await asyncio.sleep(0.1)  # the beat task has started and set its first beat at t0 + 5
        clock.now = 1024.0 + 5.0 - 2**-20
        await asyncio.sleep(0.25)
        assert socket.sent == []
        clock.now = 1024.0 + 5.0
        assert await _until(lambda: len(socket.sent) == 1)
        await asyncio.sleep(0.1)  # no second one at the same moment
        await sub.stop()
        return socket.sent

    sent = asyncio.run(run())
    assert [m["type"] for m in sent] == ["heartbeat"] and sent[0]["seq"] == 1


def test_a_silent_stream_is_renewed_only_past_its_bound_which_doubles_up_to_an_hour(
    served: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hub of its own on the app's backend, in trading hours by decree, on a controlled clock; the frozen
    simulator pushes nothing, so the stream stays silent. silent_after 120: at t0 + 120 it is not renewed,
    at t0 + 120 + EPS it is (a new upstream subscription) and the bound becomes 240; 240 s after that
    renewal nothing, EPS more renews and the bound is 480. From 2400 the doubling stops at 3600 (not 4800),
    and stays there. EPS = 2**-10 s and t0 = 1024 keep every difference exact in binary."""
    clock = FakeClock()
    monkeypatch.setattr(hub_module, "time", clock)
    hub = RealtimeHub(served.app.state.context, check_every=1e9, trading_hours=lambda: True)
    key, sub = (BJ[5], "1m"), subscriber()
    call(served, hub.attach, sub, key)
    stream = hub.streams[key]
    first = stream.seq
    try:
        clock.now += 120.0
        call(served, hub.check)
        assert (hub.resubscriptions, stream.seq, stream.silent_after) == (
            {"reconnect": 0, "silence": 0},
            first,
            120.0,
        )
        clock.now += EPS
        call(served, hub.check)
        assert hub.resubscriptions == {"reconnect": 0, "silence": 1} and stream.silent_after == 240.0
        second = stream.seq
        assert second != first and upstream(served, BJ[5]) == [second]
        clock.now += 240.0
        call(served, hub.check)
        assert hub.resubscriptions["silence"] == 1 and stream.seq == second
        clock.now += EPS
        call(served, hub.check)
        assert hub.resubscriptions["silence"] == 2 and stream.silent_after == 480.0
        stream.silent_after = 2400.0
        clock.now += 2400.0 + EPS
        call(served, hub.check)
        assert hub.resubscriptions["silence"] == 3 and stream.silent_after == SILENT_AFTER_MAX == 3600.0
        clock.now += 3600.0 + EPS
        call(served, hub.check)
        assert hub.resubscriptions["silence"] == 4 and stream.silent_after == 3600.0
        assert len(upstream(served, BJ[5])) == 1  # each renewal ended the old subscription
    finally:
        call(served, hub.detach_all, sub)
        call(served, hub.stop)
    assert upstream(served, BJ[5]) == []


# --- a futures night session ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served_at_night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The app on a simulator frozen on Friday 2025-11-14 at 21:30: in rebar's night session, after the
    A-share close."""
    import datetime as dt

    from qmt_bridge.sim.clock import CST

    night = dt.datetime(2025, 11, 14, 21, 30, tzinfo=CST)
    with _app_at(tmp_path_factory.mktemp("realtime-night"), night) as app:
        app.rebar = next(
            i.code
            for i in app.backend.xtdata.market.universe.by_kind("future")
            if i.product == "rb" and not i.code.startswith("rb00") and i.expire_date > night.date()
        )
        yield app


def test_a_silent_future_is_renewed_in_its_night_session_and_a_stock_is_not(
    served_at_night: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Friday 21:30 (frozen: after its first push nothing more comes): rebar's 1m stream, silent past its
    bound inside its night session, is subscribed again; a stock's, silent as long, is left alone (its market is closed).
    At 23:30, after the night's end, rebar's is left alone too. The hours come from the backend's
    ``get_trading_period``; the hub's own trading-hours check (A-shares) is not overridden."""
    import datetime as dt

    from qmt_bridge.sim.clock import CST

    served = served_at_night
    clock = FakeClock()
    monkeypatch.setattr(hub_module, "time", clock)
    hub = RealtimeHub(served.app.state.context, check_every=1e9)
    future, stock = (served.rebar, "1m"), ("600519.SH", "1m")
    for key in (future, stock):
        call(served, hub.attach, subscriber(), key)
    first = {key: hub.streams[key].seq for key in (future, stock)}
    try:
        # In its session the future gets its current bar pushed once (the frozen clock moves no further):
        # wait for it, so that the silence is counted from it and not from a push that lands later.
        deadline = time.monotonic() + 10
        while hub.streams[future].pushes < 1:
            assert time.monotonic() < deadline, "the future's first push never came"
            time.sleep(0.01)
        clock.now += 120.0 + EPS
        call(served, hub.check)
        assert hub.resubscriptions["silence"] == 1
        assert hub.streams[future].seq != first[future] and hub.streams[stock].seq == first[stock]
        renewed = hub.streams[future].seq
        deadline = time.monotonic() + 10
        while hub.streams[future].pushes < 2:  # the renewed subscription's first push, as above
            assert time.monotonic() < deadline, "the renewed stream's first push never came"
            time.sleep(0.01)
        late = dt.datetime(2025, 11, 14, 23, 30, tzinfo=CST)
        monkeypatch.setattr(hub_module, "backend_now", lambda backend: late)  # the clock, moved past 23:00
        clock.now += 240.0 + EPS
        call(served, hub.check)
        assert hub.resubscriptions["silence"] == 1 and hub.streams[future].seq == renewed
    finally:
        for key in (future, stock):
            for sub in list(hub.streams[key].subscribers) if key in hub.streams else []:
                call(served, hub.detach, sub, key)
