"""``QMTClient.subscribe_realtime`` and friends against a real uvicorn server on the fake xtquant: the seed's
pattern, reconnecting after a server restart, and resuming K-lines without a gap or a duplicate."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pytest
import websockets  # noqa: F401  (the client's streams need it: a dev dependency, never a reason to skip)

from helpers import FAKE_NOW, free_port, serve_in_thread, wait_until

CODE = "600000.SH"


@contextmanager
def serve_on(port: int, **overrides: Any) -> Iterator[Any]:
    """The app on the fake xtquant under uvicorn on ``port`` (a test restarts the server there)."""
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.server.services.local_history import LocalHistory

    app = create_app(Settings(_env_file=None, backend="xtquant", predownload=False, **overrides))
    with serve_in_thread(app, name="uvicorn-ws-client", port=port):
        app.state.context.local_history = LocalHistory(now=lambda: FAKE_NOW)
        yield app


class Runner:
    """``client.subscribe_*`` in a thread's event loop, collecting what the callback gets."""

    def __init__(self, coroutine_factory: Any) -> None:
        self.received: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []
        self.loop = asyncio.new_event_loop()
        self.task = self.loop.create_task(coroutine_factory(self.received.append, self.statuses.append))
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.loop.run_until_complete(self.task)
        except BaseException:  # cancelled at the end of the test
            pass

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(timeout=10)


def merge(bars: list[dict[str, Any]], data: dict[str, Any]) -> None:
    """The seed's rule: an equal time updates the last bar, a later time appends."""
    for bar in data.get(CODE, []):
        if bars and bar["time"] == bars[-1]["time"]:
            bars[-1] = bar
        elif not bars or bar["time"] > bars[-1]["time"]:
            bars.append(bar)


def test_the_seeds_realtime_kline_pattern_survives_a_server_restart(fake_xtdata: ModuleType) -> None:
    from qmt_bridge import QMTClient

    port = free_port()
    client = QMTClient(base_url=f"http://127.0.0.1:{port}")
    monday = fake_xtdata._ms("20251124")
    with serve_on(port):
        history = client.get_history_ex([CODE], period="1d", count=3, fields="time,close")
        runner = Runner(lambda cb, st: client.subscribe_realtime([CODE], cb, period="1d", on_status=st))
        wait_until(lambda: any(s.get("status") == "subscribed" for s in runner.statuses), "subscribed")
        fake_xtdata.push_quote(CODE, "1d", [fake_xtdata.kline_item(CODE, "20251121", close=11.3)])
        fake_xtdata.push_quote(
            CODE, "1d", [fake_xtdata.kline_item(CODE, "20251121", time=monday, close=11.2)]
        )
        wait_until(lambda: len(runner.received) >= 3, "the snapshot and two pushes")
    # The server is gone and the client keeps trying; a new server on the same port: it reconnects alone.
    try:
        with serve_on(port):
            fake_xtdata.CALLS.clear()
            wait_until(lambda: len(fake_xtdata.QUOTE_SUBSCRIPTIONS) == 1, "the client's resubscription", 20)
            wait_until(lambda: len(runner.received) >= 4, "the resumed snapshot")
            fake_xtdata.push_quote(
                CODE, "1d", [fake_xtdata.kline_item(CODE, "20251121", time=monday, close=11.4)]
            )
            wait_until(lambda: len(runner.received) >= 5, "a push after the restart")
    finally:
        runner.stop()
    # The client said which bar it held complete (Friday's, since Monday's had begun): the server read
    # the bars from then on, and sent those after it (none in the fake's data).
    starts = [kwargs["start_time"] for _, kwargs in fake_xtdata.calls_to("get_market_data_ex")]
    assert starts == ["20251121000000"]
    assert runner.received[3] == {CODE: []}
    bars = [{"time": t, "close": c} for t, c in zip(*_columns(history[CODE]), strict=True)]
    for data in runner.received:
        merge(bars, data)
    times = [bar["time"] for bar in bars]
    assert times == sorted(set(times)), "a duplicate or out-of-order bar"
    assert times[-4:] == [fake_xtdata._ms(d) for d in ("20251119", "20251120", "20251121")] + [monday]
    assert [bars[-2]["close"], bars[-1]["close"]] == [11.3, 11.4]


def _columns(frame: Any) -> tuple[list[int], list[float]]:
    """(times, closes) of what get_history_ex returned (a DataFrame, or columns without pandas)."""
    if isinstance(frame, dict):
        return list(frame["time"]), list(frame["close"])
    return [int(t) for t in frame["time"]], [float(c) for c in frame["close"]]


def test_a_refused_key_raises_permission_error(fake_xtdata: ModuleType) -> None:
    from qmt_bridge import QMTClient

    port = free_port()
    with serve_on(port, api_key="right-key", require_auth_for_data=True):
        client = QMTClient(base_url=f"http://127.0.0.1:{port}", api_key="wrong-key")

        async def main() -> None:
            await client.subscribe_realtime([CODE], lambda data: None)

        with pytest.raises(PermissionError):
            asyncio.run(asyncio.wait_for(main(), timeout=10))


def test_the_blocking_iterator_yields_the_snapshot_then_pushes(fake_xtdata: ModuleType) -> None:
    from qmt_bridge import QMTClient

    port = free_port()
    with serve_on(port):
        client = QMTClient(base_url=f"http://127.0.0.1:{port}")
        stream = client.iter_realtime([CODE], "1m")
        first = next(stream)
        assert list(first) == [CODE] and first[CODE][0]["time"] == fake_xtdata._ms("20251121093200")
        wait_until(lambda: len(fake_xtdata.QUOTE_SUBSCRIPTIONS) == 1, "the subscription")
        time.sleep(0.2)  # the subscribed status is handled before the push
        fake_xtdata.push_quote(CODE, "1m", [fake_xtdata.kline_item(CODE, "20251121093200", close=11.51)])
        assert next(stream)[CODE][0]["close"] == 11.51
        stream.close()
        wait_until(lambda: fake_xtdata.QUOTE_SUBSCRIPTIONS == {}, "the subscription's release")


def test_subscribe_whole_quote_hands_the_callback_xtquants_dicts(fake_xtdata: ModuleType) -> None:
    """The client asks for rows (the compact format) and gives its callback ``{code: tick}`` as xtquant's
    ``subscribe_whole_quote`` does: the snapshot of every code, then the codes a push changed."""
    from qmt_bridge import QMTClient
    from qmt_bridge.xtnames import FULL_TICK_KEYS

    port = free_port()
    with serve_on(port) as app:
        client = QMTClient(base_url=f"http://127.0.0.1:{port}")
        runner = Runner(lambda cb, st: client.subscribe_whole_quote(["SH"], cb, on_status=st))
        try:
            wait_until(lambda: any(s.get("status") == "subscribed" for s in runner.statuses), "subscribed")
            assert [subscriber.compact for subscriber in app.state.hub.whole] == [True]  # rows on the wire
            snapshot = runner.received[0]
            assert CODE in snapshot and all(list(tick) == list(FULL_TICK_KEYS) for tick in snapshot.values())
            assert (
                snapshot[CODE]["lastPrice"]
                == fake_xtdata.get_full_tick.__wrapped__([CODE])[CODE]["lastPrice"]
            )
            tick = {**fake_xtdata.get_full_tick.__wrapped__([CODE])[CODE], "lastPrice": 11.77}
            tick["time"] += 6000
            fake_xtdata.push({CODE: tick})
            wait_until(
                lambda: any(d.get(CODE, {}).get("lastPrice") == 11.77 for d in runner.received[1:]),
                "the push",
            )
            pushed = next(d for d in runner.received[1:] if d.get(CODE, {}).get("lastPrice") == 11.77)
            assert pushed[CODE]["time"] == tick["time"] and set(pushed[CODE]) == set(FULL_TICK_KEYS)
        finally:
            runner.stop()
