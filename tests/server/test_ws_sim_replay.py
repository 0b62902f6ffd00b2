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
