"""``/ws/trade`` and the trading client over a real uvicorn server: the seed's client example verbatim, the
events of an order's life, resume after a dropped connection and across a server restart (none missed,
none repeated), and who may connect."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from helpers import free_port, serve_frozen_sim, serve_in_thread, trading_app, wait_until
from qmt_bridge.client import QMTClient

KEY = "stream-key-42"
AUTH = {"X-API-Key": KEY}
MARKETABLE = {"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100}
#: 000001.SZ at conftest's MID_SESSION (seed 7, 2025-11-20 10:00; it follows its real price history): the last
#: price, at which a market buy fills (was 9.75), and the limit-down price, at which a buy rests (was 8.88).
#: From the simulator: ``SimBackend(seed=7, clock=fixed_clock(MID_SESSION)).xtdata``
#: ``.get_full_tick(["000001.SZ"])["000001.SZ"]["lastPrice"]`` and
#: ``.get_instrument_detail("000001.SZ")["DownStopPrice"]``.
LAST, LIMIT_DOWN = 11.20, 10.20
RESTING = {**MARKETABLE, "price_type": 11, "price": LIMIT_DOWN}


@contextmanager
def mid_session_server(data_dir: Path, port: int = 0) -> Iterator[str]:
    """:func:`helpers.trading_app` under uvicorn; a second server on the same ``data_dir`` (and ``port``) is a
    restart."""
    with serve_in_thread(trading_app(data_dir, KEY), name="uvicorn-trade", port=port) as url:
        yield url


def ws_url(url: str, query: str = "") -> str:
    return url.replace("http://", "ws://") + "/ws/trade" + (f"?{query}" if query else "")


def place(url: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(url + "/api/trading/order", headers=AUTH, json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def subscribed(ws: ClientConnection) -> dict[str, Any]:
    status = json.loads(ws.recv(timeout=10))
    assert status["type"] == "status" and status["status"] == "subscribed", status
    return status


def events_until(ws: ClientConnection, done: Any, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Events received until ``done(events)`` holds (heartbeats skipped)."""
    events: list[dict[str, Any]] = []
    while not done(events):
        message = json.loads(ws.recv(timeout=timeout))
        if message["type"] == "event":
            events.append(message)
    return events


def has_trade_of(order_id: int) -> Any:
    return lambda events: any(e["kind"] == "trade" and e["data"]["order_id"] == order_id for e in events)


def seqs(events: list[dict[str, Any]]) -> list[int]:
    return [e["seq"] for e in events]


def test_the_seeds_client_example_runs_verbatim(tmp_path: Path) -> None:
    """After the close the latest-price order waits for the next session, so the cancel finds it open."""
    with serve_frozen_sim(tmp_path, api_key=KEY, trading_enabled=True) as url:
        port = int(url.rsplit(":", 1)[1])
        client = QMTClient(host="127.0.0.1", port=port, api_key=KEY)
        # The seed, verbatim but for the host.
        order_id = client.place_order(
            stock_code="000001.SZ",
            order_type=23,  # 买入
            order_volume=100,
            price_type=5,  # 最新价
        )

        orders = client.query_orders()
        positions = client.query_positions()
        asset = client.query_asset()

        client.cancel_order(order_id)
        # What it did.
        assert order_id["status"] == "open" and order_id["order"]["price"] > 0
        assert [o["order_id"] for o in orders] == [order_id["order_id"]]
        assert positions == []
        assert asset["cash"] + asset["frozen_cash"] == 1_000_000.0 and asset["frozen_cash"] > 0
        wait_until(
            lambda: client.query_order_detail(order_id["order_id"])["normalized"]["state"] == "cancelled",
            "the order cancelled",
        )
        assert client.query_asset()["cash"] == 1_000_000.0


def test_an_orders_life_arrives_in_sequence(tmp_path: Path) -> None:
    with mid_session_server(tmp_path) as url, connect(ws_url(url), additional_headers=AUTH) as ws:
        floor = subscribed(ws)["last_seq"]
        placed = place(url, {**MARKETABLE, "client_order_id": "life-1"})
        events = events_until(
            ws,
            lambda ev: (
                has_trade_of(placed["order_id"])(ev)
                and any(e["kind"] == "position" for e in ev)
                and any(e["kind"] == "asset" for e in ev)
            ),
        )
        assert seqs(events) == list(range(floor + 1, floor + 1 + len(events)))
        orders = [e for e in events if e["kind"] == "order"]
        assert orders and all(e["data"]["client_order_id"] == "life-1" for e in orders)
        assert orders[-1]["data"]["normalized"]["state"] == "filled"
        trade = next(e for e in events if e["kind"] == "trade")
        assert (trade["data"]["traded_price"], trade["data"]["traded_volume"]) == (LAST, 100)
        assert trade["data"]["client_order_id"] == "life-1"
        assert all(e["account_id"] == "SIM000001" and e["at"] > 0 for e in events)
        resting = place(url, RESTING)
        httpx.post(
            url + "/api/trading/cancel", headers=AUTH, json={"order_id": resting["order_id"]}, timeout=10
        )
        events = events_until(
            ws,
            lambda ev: any(
                e["kind"] == "order" and e["data"]["normalized"]["state"] == "cancelled" for e in ev
            ),
        )
        assert {e["data"]["order_id"] for e in events if e["kind"] == "order"} == {resting["order_id"]}


def test_a_dropped_connection_resumes_without_gap_or_repeat(tmp_path: Path) -> None:
    with mid_session_server(tmp_path) as url:
        with connect(ws_url(url), additional_headers=AUTH) as ws:
            subscribed(ws)
            first = place(url, MARKETABLE)
            seen = events_until(ws, has_trade_of(first["order_id"]))
        last = seen[-1]["seq"]
        missed = place(url, MARKETABLE)  # while nobody listens
        with connect(ws_url(url, f"since={last}"), additional_headers=AUTH) as ws:
            status = subscribed(ws)
            assert status["since"] == last and status["last_seq"] > last
            resumed = events_until(ws, has_trade_of(missed["order_id"]))
        assert seqs(resumed)[0] == last + 1
        assert seqs(resumed) == list(range(last + 1, last + 1 + len(resumed)))


def test_a_resumed_stream_carries_on_across_a_server_restart(tmp_path: Path) -> None:
    """The client library reconnects by itself and resumes from the last seq it handed over."""
    port = free_port()
    received: list[dict[str, Any]] = []
    statuses: list[dict[str, Any]] = []
    stop = threading.Event()
    client = QMTClient(host="127.0.0.1", port=port, api_key=KEY)

    async def listen() -> None:
        task = asyncio.create_task(
            client.subscribe_trades(received.append, since=0, on_status=statuses.append)
        )
        while not stop.is_set():
            await asyncio.sleep(0.02)
        task.cancel()

    listener = threading.Thread(target=asyncio.run, args=(listen(),), daemon=True)
    try:
        with mid_session_server(tmp_path, port=port) as url:
            listener.start()
            before = place(url, MARKETABLE)
            wait_until(lambda: has_trade_of(before["order_id"])(received), "the first order's trade")
        with mid_session_server(tmp_path, port=port) as url:
            after = place(url, MARKETABLE)
            wait_until(lambda: has_trade_of(after["order_id"])(received), "the trade after the restart", 20)
            journal_last = httpx.get(url + "/api/trading/status", headers=AUTH).json()["events"]["last_seq"]
            wait_until(lambda: received[-1]["seq"] == journal_last, "every event of the journal")
    finally:
        stop.set()
        listener.join(timeout=10)
    assert seqs(received) == list(range(1, len(received) + 1))
    assert len([s for s in statuses if s.get("status") == "subscribed"]) >= 2


def test_since_past_the_journal_restarts_from_its_end(tmp_path: Path) -> None:
    """A client that remembers more than the server has (a new data directory) is told where it starts."""
    with (
        mid_session_server(tmp_path) as url,
        connect(ws_url(url, "since=1000"), additional_headers=AUTH) as ws,
    ):
        status = subscribed(ws)
        assert status["since"] == status["last_seq"] < 1000


def test_the_key_can_come_in_the_first_message(tmp_path: Path) -> None:
    with mid_session_server(tmp_path) as url, connect(ws_url(url)) as ws:
        ws.send(json.dumps({"api_key": KEY, "since": 0}))
        assert subscribed(ws)["since"] == 0
        replayed = json.loads(ws.recv(timeout=10))  # the trader's connection at start
        assert (replayed["seq"], replayed["kind"], replayed["data"]["state"]) == (
            1,
            "connection",
            "connected",
        )
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "pong"}


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": KEY[:-1]}, {"X-API-Key": KEY + "x"}])
def test_a_missing_or_near_miss_key_is_closed_with_1008(tmp_path: Path, headers: dict[str, str]) -> None:
    with mid_session_server(tmp_path) as url, connect(ws_url(url), additional_headers=headers) as ws:
        if not headers:
            ws.send(json.dumps({"api_key": KEY[:-1]}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_bad_start_parameters_are_refused(tmp_path: Path) -> None:
    with mid_session_server(tmp_path) as url:
        for query in ("since=-1", "since=abc", "account_id=NOPE"):
            with connect(ws_url(url, query), additional_headers=AUTH) as ws:
                error = json.loads(ws.recv(timeout=10))
                assert error["type"] == "error" and error["code"] == "invalid_request", query
                with pytest.raises(ConnectionClosed) as closed:
                    ws.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


def test_a_server_without_trading_closes_with_4403(tmp_path: Path) -> None:
    with serve_frozen_sim(tmp_path, api_key=KEY) as url, connect(ws_url(url), additional_headers=AUTH) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


def test_signed_trading_end_to_end_and_a_replay_is_refused(tmp_path: Path) -> None:
    """A server that accepts only signed trading requests: the signing client trades; the API key alone,
    a replay of a signed order and the same order signed with a near-miss secret are refused."""
    from qmt_bridge.signing import signed_headers

    secret = "bot1-secret-0123456789"
    app = trading_app(tmp_path, KEY, signing_clients={"bot1": secret}, require_signature=True)
    with serve_in_thread(app, name="uvicorn-signed") as url:
        port = int(url.rsplit(":", 1)[1])
        signer = QMTClient(host="127.0.0.1", port=port, client_id="bot1", secret_key=secret)
        placed = signer.place_order("000001.SZ", 23, 100, client_order_id="signed-1")
        assert placed["status"] in ("open", "filled") and placed["order_id"] > 0
        refused = httpx.get(url + "/api/trading/orders", headers=AUTH)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "missing_signature"

        body = json.dumps({**MARKETABLE, "client_order_id": "signed-2"}).encode()
        headers = signed_headers("bot1", secret, "POST", "/api/trading/order", None, body)
        headers["Content-Type"] = "application/json"
        first = httpx.post(url + "/api/trading/order", headers=headers, content=body)
        assert first.status_code == 200, first.text
        replay = httpx.post(url + "/api/trading/order", headers=headers, content=body)
        assert replay.status_code == 401 and replay.json()["error"]["code"] == "replayed_nonce"
        near = signed_headers("bot1", secret[:-1] + "X", "POST", "/api/trading/order", None, body)
        forged = httpx.post(
            url + "/api/trading/order", headers={**near, "Content-Type": "application/json"}, content=body
        )
        assert forged.status_code == 401 and forged.json()["error"]["code"] == "invalid_signature"
        assert secret not in forged.text
        ids = [o["client_order_id"] for o in signer.query_orders()]
        assert ids == ["signed-1", "signed-2"]


# ---------------------------------------------------------------------- the key in the URL (qmt-bridge 2.1.3)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("websockets.client"):  # the test's own client, not the server
            self.lines.append(record.getMessage())


@contextmanager
def _all_logs() -> Iterator[_Records]:
    handler = _Records()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    loggers = [logging.getLogger(n) for n in ("uvicorn", "uvicorn.error", "uvicorn.access", "qmt_bridge")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for logger in loggers:
            logger.removeHandler(handler)


def test_a_key_in_the_url_is_refused_by_default(tmp_path: Path) -> None:
    """qmt-bridge 2.1.3's client sends ``/ws/trade?api_key=...``: refused at once (1008) unless allowed, even
    when the key is right, and the key is in no log line."""
    app = trading_app(tmp_path, KEY)
    # The handler goes on after the start: uvicorn's logging setup replaces its loggers' handlers.
    with serve_in_thread(app, name="uvicorn-trade-log", log_level="info") as url, _all_logs() as logs:
        with connect(ws_url(url, f"api_key={KEY}"), open_timeout=10) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert "API key in the URL refused" in closed.value.rcvd.reason
    assert any("WebSocket /ws/trade" in line for line in logs.lines), logs.lines  # the handshake was logged
    assert not [line for line in logs.lines if KEY in line]


def test_a_key_in_the_url_is_accepted_when_allowed(tmp_path: Path) -> None:
    allowed = trading_app(tmp_path, KEY, allow_api_key_in_url=True)
    with _all_logs() as logs, serve_in_thread(allowed, name="uvicorn-trade-url") as url:
        with connect(ws_url(url, f"api_key={KEY}"), open_timeout=10) as ws:
            # No first message needed, as 2.1.3's client sends none; its messages: {"type": kind, "data"}.
            order = place(url, MARKETABLE)
            received: list[dict[str, Any]] = []
            while not any(
                m["type"] == "trade" and m["data"]["order_id"] == order["order_id"] for m in received
            ):
                received.append(json.loads(ws.recv(timeout=10)))
            assert all(set(m) == {"type", "data"} for m in received), received
            assert {m["type"] for m in received} <= {"order", "trade", "position", "asset", "connection"}
        with connect(ws_url(url, f"api_key={KEY}&format=envelope"), open_timeout=10) as ws:
            subscribed(ws)  # ours, when asked
        with connect(ws_url(url, f"api_key={KEY}x"), open_timeout=10) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert logs.lines and not [line for line in logs.lines if KEY in line]
