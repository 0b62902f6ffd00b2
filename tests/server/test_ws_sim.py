"""The WebSocket streams on the simulator over a real uvicorn server: the whole-market push (shared with the
quote book) and what a subscriber hears when the market is closed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import connect

from helpers import serve_frozen_sim


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_frozen_sim(tmp_path_factory.mktemp("ws"), name="uvicorn-ws-sim", predownload=False) as base:
        yield base.replace("http://", "ws://")


def messages(ws: Any, until: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Messages up to and including the first status ``until``."""
    out = []
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        out.append(message)
        if message["type"] == "status" and message["status"] == until:
            return out


def test_whole_quote_sends_every_code_of_the_market_first(url: str) -> None:
    with connect(url + "/ws/whole_quote", open_timeout=10) as ws:
        ws.send(json.dumps({"codes": ["BJ"]}))
        got = messages(ws, "subscribed")
        [snapshot] = [m for m in got if m["type"] == "snapshot"]
        codes = list(snapshot["data"])
        assert len(codes) > 100 and all(code.endswith(".BJ") for code in codes)
        tick = snapshot["data"][codes[0]]
        assert tick["lastPrice"] > 0 and len(tick["askPrice"]) == 5
        assert got[-1]["codes"] == ["BJ"]


def test_a_closed_market_is_said_with_the_next_open(url: str) -> None:
    """The frozen clock is Thursday 2025-11-20 15:30: nothing is pushed until Friday 09:30."""
    with connect(url + "/ws/whole_quote", open_timeout=10) as ws:
        ws.send(json.dumps({"codes": ["BJ"]}))
        closed = messages(ws, "market_closed")[-1]
        assert closed["next_open"] == "2025-11-21T09:30:00+08:00"
        assert "closed" in closed["message"]


def test_whole_quote_of_a_market_outside_the_quote_book_is_refused_by_name(url: str) -> None:
    with connect(url + "/ws/whole_quote", open_timeout=10) as ws:
        ws.send(json.dumps({"codes": ["SH", "XX"]}))
        error = json.loads(ws.recv(timeout=10))
        assert error["type"] == "error" and error["error"]["code"] == "invalid_parameter"
        assert "SH" in error["error"]["message"] and "XX" in error["error"]["message"]
        assert "--quote-markets" in error["error"]["message"]


def test_the_ws_paths_of_the_seed_are_open(url: str) -> None:
    """The three market streams no longer answer 501: a handshake is accepted and a ping answered."""
    for path in ("/ws/realtime", "/ws/whole_quote", "/ws/l2_thousand"):
        with connect(url + path, open_timeout=10) as ws:
            ws.send(json.dumps({"type": "ping"}))
            assert json.loads(ws.recv(timeout=10))["type"] == "pong"


def test_the_server_declines_per_message_compression(url: str) -> None:
    """Compressing each whole-market push per client cost ~45 ms of the event loop per client
    (bench/ws_fanout.py): the server does not accept permessage-deflate, though clients offer it."""
    with connect(url + "/ws/whole_quote", open_timeout=10, compression="deflate") as ws:
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
