"""A futures night session over the realtime WebSocket (real uvicorn, simulator frozen on Friday 2025-11-14 at
21:30): a future's subscriber is told nothing is closed, since its session runs, while a stock's hears that
the market is closed until Monday 09:30. And the server's reading of ``get_trading_period`` answers
(``services.market_status.session_spans``), night sessions included, on which that rests."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import connect

from conftest import SEED
from helpers import serve_frozen_sim
from qmt_bridge.server.services.market_status import in_spans, next_begin, session_spans
from qmt_bridge.sim.clock import CST
from qmt_bridge.sim.market.market import SimMarket

FRIDAY, SATURDAY, MONDAY = dt.date(2025, 11, 14), dt.date(2025, 11, 15), dt.date(2025, 11, 17)
GOLD = {  # get_trading_period of a gold contract (the simulator's, as xtdata.py's docstring writes hours)
    "tradings": [
        {"status": 2, "time": [-1, [205500, 0], [205900, 0]]},
        {"status": 3, "time": [-1, [210000, 0], [263000, 0]]},
        {"status": 3, "time": [0, [90000, 0], [101500, 0]]},
        {"status": 3, "time": [0, [103000, 0], [113000, 0]]},
        {"status": 3, "time": [0, [133000, 0], [150000, 0]]},
    ]
}


def at(day: dt.date, h: int, m: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(h, m), CST)


# ------------------------------------------------------------------------------------------ spans


def test_a_night_belongs_to_the_trading_day_after_it() -> None:
    days = [dt.date(2025, 11, 13), FRIDAY, MONDAY]
    spans = session_spans(GOLD, days)
    assert (at(FRIDAY, 20, 55), at(FRIDAY, 20, 59)) in spans
    assert (at(FRIDAY, 21, 0), at(SATURDAY, 2, 30)) in spans  # 263000: the next natural day's 02:30
    assert (at(MONDAY, 9, 0), at(MONDAY, 10, 15)) in spans
    assert not any(begin.date() == dt.date(2025, 11, 12) for begin, _ in spans)  # before the first day
    assert in_spans(spans, at(SATURDAY, 1, 0)) and not in_spans(spans, at(SATURDAY, 3, 0))
    assert in_spans(spans, at(MONDAY, 10, 15)) and not in_spans(spans, at(MONDAY, 10, 20))
    assert next_begin(spans, at(SATURDAY, 3, 0)) == at(MONDAY, 9, 0)
    assert next_begin(spans, at(MONDAY, 15, 1)) is None


def test_no_night_before_a_holiday() -> None:
    """2025-09-30 (Tuesday) was the last trading day before National Day; 10-09 (Thursday) opened at 09:00."""
    spans = session_spans(GOLD, [dt.date(2025, 9, 29), dt.date(2025, 9, 30), dt.date(2025, 10, 9)])
    assert not any(begin.date() == dt.date(2025, 9, 30) and begin.hour >= 20 for begin, _ in spans)
    assert next_begin(spans, at(dt.date(2025, 9, 30), 15, 30)) == at(dt.date(2025, 10, 9), 9, 0)
    # one weekday off (Tuesday -> Thursday) is a holiday too
    spans = session_spans(GOLD, [dt.date(2024, 12, 31), dt.date(2025, 1, 2)])
    assert not any(begin.date() == dt.date(2024, 12, 31) and begin.hour >= 20 for begin, _ in spans)
    assert at(dt.date(2025, 1, 2), 9, 0) in [begin for begin, _ in spans]


def test_negative_hours_are_the_evening_before() -> None:
    """xtdata.py: ``-45500`` is the previous natural day's 20:55."""
    answer = {"tradings": [{"status": 2, "time": [0, [-45500, 0], [-45900, 0]]}]}
    assert session_spans(answer, [MONDAY]) == [
        (at(dt.date(2025, 11, 16), 20, 55), at(dt.date(2025, 11, 16), 20, 59))
    ]


# ------------------------------------------------------------------------------------------ over the socket


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_frozen_sim(
        tmp_path_factory.mktemp("ws-night"),
        name="uvicorn-ws-night",
        moment=at(FRIDAY, 21, 30),
        predownload=False,
    ) as base:
        yield base.replace("http://", "ws://")


@pytest.fixture(scope="module")
def rebar() -> str:
    universe = SimMarket(seed=SEED).universe
    for inst in universe.by_kind("future"):
        if (
            inst.product == "rb"
            and not inst.code.startswith("rb00")
            and inst.list_date < FRIDAY < inst.expire_date
        ):
            return inst.code
    raise AssertionError("no rebar contract")


def until_pong(ws: Any, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Everything the server says until it answers a ping sent now (it answers in order)."""
    ws.send(json.dumps({"type": "ping"}))
    out = []
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message["type"] == "pong":
            return out
        out.append(message)


def statuses(messages: list[dict[str, Any]]) -> list[str]:
    return [m["status"] for m in messages if m["type"] == "status"]


def test_a_future_in_its_night_session_is_not_closed(url: str, rebar: str) -> None:
    with connect(url + "/ws/realtime", open_timeout=10) as ws:
        ws.send(json.dumps({"stocks": [rebar], "period": "tick"}))
        said = until_pong(ws)
        assert "subscribed" in statuses(said) and "market_closed" not in statuses(said)
        [snapshot] = [m for m in said if m["type"] == "snapshot"]
        tick = snapshot["data"][rebar][0]
        assert tick["time"] == int(at(FRIDAY, 21, 30).timestamp() * 1000)  # the night's tick, for Monday


def test_a_stock_at_night_hears_the_market_is_closed(url: str, rebar: str) -> None:
    with connect(url + "/ws/realtime", open_timeout=10) as ws:
        ws.send(json.dumps({"stocks": ["600519.SH"], "period": "tick"}))
        said = until_pong(ws)
        [closed] = [m for m in said if m["type"] == "status" and m["status"] == "market_closed"]
        assert closed["next_open"] == "2025-11-17T09:30:00+08:00"
        # a stock and a future together: the future's session runs, so nothing is closed
        ws.send(json.dumps({"stocks": ["000001.SZ", rebar], "period": "1m"}))
        assert "market_closed" not in statuses(until_pong(ws))
