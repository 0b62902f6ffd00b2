"""``/ws/realtime`` K-lines on the simulator replaying a session at speed, over a real uvicorn server: the
bars pushed live end equal to what ``/api/market/market_data_ex`` answers for those minutes afterwards."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator

import pytest
from websockets.sync.client import connect

from helpers import serve_in_thread
from qmt_bridge.sim.clock import CST, SimClock

CODE = "600519.SH"
START = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
SPEED = 60.0  # a simulated minute per second


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    backend = SimBackend(seed=7, clock=SimClock("replay", replay_start=START, speed=SPEED))
    settings = Settings(_env_file=None, backend="sim", sim_seed=7, quote_markets="BJ", predownload=False)
    with serve_in_thread(create_app(settings, backend=backend), name="uvicorn-replay") as url:
        yield url


def test_live_1m_bars_equal_the_rest_bars_afterwards(base: str) -> None:
    import urllib.request

    bars: dict[int, dict] = {}
    with connect(base.replace("http://", "ws://") + "/ws/realtime", open_timeout=10) as ws:
        ws.send(json.dumps({"stocks": [CODE], "period": "1m"}))
        deadline = time.monotonic() + 6  # about six simulated minutes
        while time.monotonic() < deadline:
            message = json.loads(ws.recv(timeout=5))
            if message["type"] in ("data", "snapshot"):
                for bar in message["data"][CODE]:
                    bars[bar["time"]] = bar  # the last state of each bar
    times = sorted(bars)
    assert len(times) >= 4, times
    completed = times[:-1]  # the newest may still be forming
    query = f"stocks={CODE}&period=1m&start_time=20251120&end_time=20251120&format=records"
    with urllib.request.urlopen(f"{base}/api/market/market_data_ex?{query}", timeout=10) as response:
        rows = {row["time"]: row for row in json.loads(response.read())["data"][CODE]}
    for moment in completed:
        rest = rows[moment]
        live = bars[moment]
        for field in ("open", "high", "low", "close", "volume", "amount"):
            assert live[field] == rest[field], (moment, field, live, rest)
    # Minutes follow each other without a gap.
    assert all(b - a == 60_000 for a, b in zip(completed, completed[1:], strict=False))


def test_l2_thousand_pushes_books_in_xtquants_shape(base: str) -> None:
    with connect(base.replace("http://", "ws://") + "/ws/l2_thousand", open_timeout=10) as ws:
        ws.send(json.dumps({"stocks": [CODE]}))
        deadline = time.monotonic() + 10
        while True:
            message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if message["type"] == "data":
                break
    assert message["stream"] == {"code": CODE, "period": "l2thousand"}
    [book] = message["data"][CODE]
    assert set(book) == {"time", "askPrice", "askVolume", "bidPrice", "bidVolume", "price"}
    assert len(book["askPrice"]) == len(book["askVolume"]) > 5 and book["askPrice"][0] > book["bidPrice"][0]


def test_l2_thousand_queue_pushes_the_single_order_queues(base: str) -> None:
    """``{"stocks": [...], "period": "l2thousandqueue"}`` on /ws/l2_thousand: xtquant's
    ``subscribe_l2thousand_queue`` pushes, one upstream subscription shared as any stream."""
    import urllib.request

    with connect(base.replace("http://", "ws://") + "/ws/l2_thousand", open_timeout=10) as ws:
        ws.send(json.dumps({"stocks": [CODE], "period": "l2thousandqueue"}))
        statuses, deadline = [], time.monotonic() + 10
        while True:
            message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if message["type"] == "status":
                statuses.append(message)
            if message["type"] == "data":
                break
        with urllib.request.urlopen(f"{base}/api/meta/realtime", timeout=10) as response:
            streams = json.loads(response.read())
    assert statuses[0]["status"] == "subscribed" and statuses[0]["period"] == "l2thousandqueue"
    assert message["stream"] == {"code": CODE, "period": "l2thousandqueue"}
    [queues] = message["data"][CODE]
    assert list(queues) == ["time", "bidGear", "bidPrice", "bidVolume", "askGear", "askPrice", "askVolume"]
    assert queues["bidGear"][:3] == [1, 2, 3] and queues["askPrice"][0] > queues["bidPrice"][0]
    assert all(isinstance(lots, list) and lots for lots in queues["bidVolume"])
    [stream] = [s for s in streams["streams"] if s["period"] == "l2thousandqueue"]
    assert stream["code"] == CODE and stream["subscribed"] and stream["subscribers"] == 1


def test_an_unknown_l2_period_is_an_error_naming_both(base: str) -> None:
    with connect(base.replace("http://", "ws://") + "/ws/l2_thousand", open_timeout=10) as ws:
        ws.send(json.dumps({"stocks": [CODE], "period": "l2quote"}))
        message = json.loads(ws.recv(timeout=10))
    assert message["type"] == "error"
    assert "l2thousand, l2thousandqueue" in message["error"]["message"]


@pytest.mark.parametrize(("queue", "keys"), [(False, {"price", "askVolume"}), (True, {"bidGear", "askGear"})])
def test_the_client_streams_books_or_queues(base: str, queue: bool, keys: set[str]) -> None:
    """``QMTClient.subscribe_l2_thousand(..., queue=...)``: the callback gets xtquant's shape of each."""
    import asyncio

    from qmt_bridge import QMTClient

    client = QMTClient(base_url=base)
    received: list[dict] = []

    async def main() -> None:
        done = asyncio.Event()

        def on_data(data: dict) -> None:
            received.append(data)
            done.set()

        task = asyncio.create_task(client.subscribe_l2_thousand([CODE], on_data, queue=queue))
        try:
            await asyncio.wait_for(done.wait(), 15)
        finally:
            task.cancel()

    asyncio.run(main())
    [item] = received[0][CODE]
    assert keys <= set(item) and "time" in item
