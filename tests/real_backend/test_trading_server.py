"""The trading endpoints of a real uvicorn server on the xtquant backend, over the fake ``xtquant.xttrader``.

Everything goes over the wire: HTTP with httpx, ``/ws/trade`` with a real WebSocket. The fake's hooks
(``CALLS``, ``RETURNS``, ``HANGS``, ``fill``, ``reject``, ``disconnect``) stand for MiniQMT's counter:
what reached it, what it answered and what it pushed. The trader manager's reconnect delays are the
product's own (the first retry after 1 s).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from helpers import (
    XT_ACCOUNT,
    XT_CALL_TIMEOUT,
    XT_KEY,
    assert_error,
    free_port,
    wait_until,
)
from helpers import trader_calls as calls
from helpers import (
    xtquant_trading_server as trading_server,
)
from helpers import (
    xtquant_trading_settings as trading_settings,
)

ACCOUNT = XT_ACCOUNT
KEY = XT_KEY
AUTH = {"X-API-Key": KEY}
CALL_TIMEOUT = XT_CALL_TIMEOUT
#: 600000.SH in the fake: pre-close 11.58, so today's band is 10.42 … 12.74 (tick 0.01).
CODE = "600000.SH"
ORDER = {"stock_code": CODE, "order_type": 23, "order_volume": 300, "price_type": 11, "price": 11.5}
FAKE_ROOT = Path(__file__).resolve().parent.parent / "fake_xtquant"


# --------------------------------------------------------------------------------------------------
# Servers, clients, streams
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def xt(fake_xtdata: ModuleType, fake_xttrader: ModuleType) -> ModuleType:
    """The fake xttrader (and the fake xtdata the edge checks read), both reset before and after."""
    return fake_xttrader


@pytest.fixture
def http(xt: ModuleType, tmp_path: Path) -> Iterator[httpx.Client]:
    with trading_server(tmp_path) as client:
        yield client


class Stream:
    """A ``/ws/trade`` connection: ``events`` are every event received, in order (heartbeats skipped)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self.status = self._next(10)
        assert self.status["type"] == "status" and self.status["status"] == "subscribed", self.status

    def _next(self, timeout: float) -> dict[str, Any]:
        return json.loads(self.ws.recv(timeout=timeout))

    def until(
        self, done: Callable[[list[dict[str, Any]]], bool], what: str, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Receive until ``done(self.events)``; the events received by this call."""
        start = len(self.events)
        deadline = time.monotonic() + timeout
        while not done(self.events):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}; got {self.events[start:]}")
            try:
                message = self._next(left)
            except TimeoutError:
                raise AssertionError(f"timed out waiting for {what}; got {self.events[start:]}") from None
            if message["type"] == "event":
                self.events.append(message)
            else:
                assert message["type"] == "heartbeat", message
        return self.events[start:]

    def count(self, n: int, what: str, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The next ``n`` events."""
        target = len(self.events) + n
        return self.until(lambda events: len(events) >= target, what, timeout)


@contextmanager
def stream(http: httpx.Client, query: str = "") -> Iterator[Stream]:
    url = str(http.base_url).rstrip("/").replace("http://", "ws://") + "/ws/trade"
    with connect(url + (f"?{query}" if query else ""), additional_headers=AUTH, open_timeout=5) as ws:
        yield Stream(ws)


def connection_events(events: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    return [(e["data"]["state"], e["data"]["session_id"]) for e in events if e["kind"] == "connection"]


def trader(http: httpx.Client) -> dict[str, Any]:
    answer = http.get("/api/trading/status")
    assert answer.status_code == 200, answer.text
    return answer.json()["trader"]


def place(http: httpx.Client, expect: int = 200, **fields: Any) -> dict[str, Any]:
    answer = http.post("/api/trading/order", json={**ORDER, **fields})
    assert answer.status_code == expect, answer.text
    return answer.json()


def fake_order(xt: ModuleType, order_id: int) -> Any:
    """The fake counter's own record of an order."""
    return xt._books[ACCOUNT].orders[order_id]


# --------------------------------------------------------------------------------------------------
# 1. Start-up
# --------------------------------------------------------------------------------------------------


def test_start_up_connects_the_trader_off_the_loop_and_subscribes_the_account(
    xt: ModuleType, http: httpx.Client, tmp_path: Path
) -> None:
    status = http.get("/api/trading/status").json()
    assert status["backend"] == "xtquant" and status["accounts"] == [ACCOUNT]
    state = status["trader"]
    (live,) = xt.TRADERS
    assert state["connected"] is True and state["session_id"] == live.session
    assert 0 < live.session < 2**31
    assert state["reconnects"] == 0 and state["last_error"] is None and state["accounts"] == [ACCOUNT]
    assert state["connected_since"] is not None
    assert live.constructed_on.startswith("qmt-trader-control")
    # Without --mini-qmt-path the trader's path is the data directory.
    assert xt.CALLS[0] == ("XtQuantTrader", (str(tmp_path.resolve()), live.session))
    assert [name for name, _ in xt.CALLS] == [
        "XtQuantTrader",
        "register_callback",
        "start",
        "connect",
        "subscribe",
    ]
    (account,) = calls(xt, "subscribe")[0]
    assert (account.account_id, account.account_type) == (ACCOUNT, 2)
    assert live.subscribed == {ACCOUNT}
    health = http.get("/api/meta/health").json()
    assert health["trading"] == {"connected": True, "reconnects": 0}
    # The connection is the journal's first event.
    with stream(http, "since=0") as events:
        (connected,) = events.count(1, "the connected event")
    assert connected["seq"] == 1 and connected["kind"] == "connection" and connected["account_id"] == ""
    assert connected["data"] == {"state": "connected", "session_id": live.session, "reason": None}


def test_without_an_account_id_on_xtquant_the_app_refuses_to_start(xt: ModuleType, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from qmt_bridge.backends.base import BackendStartError
    from qmt_bridge.server.app import create_app

    settings = trading_settings(tmp_path, trading_account_id="")
    with pytest.raises(BackendStartError, match="--account-id") as info:
        with TestClient(create_app(settings)):
            pass
    assert "QMT_BRIDGE_TRADING_ACCOUNT_ID" in str(info.value)
    assert xt.CREATED == []  # no trader was built


def test_qmt_server_without_an_account_id_exits_with_one_clear_line(tmp_path: Path) -> None:
    """As ``--backend xtquant`` without xtquant: a non-zero exit and one line naming the fix, no traceback."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(FAKE_ROOT), os.environ.get("PYTHONPATH", "")]),
        "PYTHONIOENCODING": "utf-8",
        "QMT_BRIDGE_PREDOWNLOAD": "false",
    }
    env.pop("QMT_BRIDGE_TRADING_ACCOUNT_ID", None)
    command = [sys.executable, "-m", "qmt_bridge.server.cli", "--backend", "xtquant", "--trading"]
    command += ["--api-key", KEY, "--host", "127.0.0.1", "--port", str(free_port())]
    command += ["--data-dir", str(tmp_path / "data")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert result.returncode != 0
    assert "--account-id" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("qmt-server: trading with xtquant needs the account to trade"), last
    assert "--account-id" in last


# --------------------------------------------------------------------------------------------------
# 2. An order, its fills, the stream
# --------------------------------------------------------------------------------------------------


def test_an_order_reaches_order_stock_and_its_fills_stream_in_sequence(
    xt: ModuleType, http: httpx.Client
) -> None:
    with stream(http) as events:
        floor = events.status["last_seq"]
        placed = place(http, strategy_name="strat-a", order_remark="remark-1", client_order_id="coid-fill-1")
        (args,) = calls(xt, "order_stock")
        account, *rest = args
        assert (account.account_id, account.account_type) == (ACCOUNT, 2)
        assert rest == [CODE, 23, 300, 11, 11.5, "strat-a", "remark-1"]
        assert isinstance(rest[2], int) and isinstance(rest[4], float)
        order_id = placed["order_id"]
        counter = fake_order(xt, order_id)
        assert order_id == counter.order_id > 0 and counter.order_remark == "remark-1"
        assert placed["client_order_id"] == "coid-fill-1" and placed["status"] == "open"
        assert placed["error"] is None
        order = placed["order"]
        assert (order["order_id"], order["order_status"], order["order_sysid"]) == (
            order_id,
            50,
            counter.order_sysid,
        )
        assert (order["stock_code"], order["order_volume"], order["price"]) == (CODE, 300, 11.5)
        assert order["client_order_id"] == "coid-fill-1" and order["normalized"]["side"] == "buy"

        xt.fill(order_id, 100, 11.5)
        xt.fill(order_id, 200, 11.49)
        got = events.count(9, "the order and two fills")
    assert [e["seq"] for e in got] == list(range(floor + 1, floor + 10))
    assert [e["kind"] for e in got] == ["order", *["order", "trade", "position", "asset"] * 2]
    assert all(e["account_id"] == ACCOUNT and e["at"] > 0 for e in got)
    orders = [e["data"] for e in got if e["kind"] == "order"]
    assert [o["order_status"] for o in orders] == [50, 55, 56]
    assert [o["normalized"]["state"] for o in orders] == ["open", "partially_filled", "filled"]
    assert [o["traded_volume"] for o in orders] == [0, 100, 300]
    trades = [e["data"] for e in got if e["kind"] == "trade"]
    assert [(t["traded_volume"], t["traded_price"]) for t in trades] == [(100, 11.5), (200, 11.49)]
    for event in got:
        if event["kind"] in ("order", "trade"):
            assert event["data"]["order_id"] == order_id
            assert event["data"]["client_order_id"] == "coid-fill-1"
    position = [e["data"] for e in got if e["kind"] == "position"][-1]
    assert (position["stock_code"], position["volume"]) == (CODE, 300)
    listed = http.get("/api/trading/trades").json()["data"]
    assert [(t["order_id"], t["client_order_id"]) for t in listed] == [(order_id, "coid-fill-1")] * 2


# --------------------------------------------------------------------------------------------------
# 3. Refusals: order_stock → -1, on_order_error
# --------------------------------------------------------------------------------------------------


def test_order_stock_returning_minus_one_is_rejected_and_nothing_stays_pending(
    xt: ModuleType, http: httpx.Client
) -> None:
    xt.RETURNS["order_stock"] = -1
    answer = place(http, client_order_id="coid-refused")
    assert answer["order_id"] == -1 and answer["client_order_id"] == "coid-refused"
    assert answer["status"] == "rejected"
    assert answer["error"] == "the counter refused the order (order_stock returned -1)"
    assert answer["order"]["normalized"]["state"] == "rejected"
    assert answer["order"]["normalized"]["error_reason"] == answer["error"]
    assert len(calls(xt, "order_stock")) == 1
    # Journaled as final, not pending: the same id answers at once, 200, and sends nothing.
    again = place(http, client_order_id="coid-refused")
    assert again["duplicate"] is True and again["status"] == "rejected" and again["order_id"] == -1
    assert len(calls(xt, "order_stock")) == 1
    assert trader(http)["calls_in_flight"] == 0


def test_a_counter_rejection_streams_an_order_error_then_the_junk_order(
    xt: ModuleType, http: httpx.Client
) -> None:
    with stream(http) as events:
        placed = place(http, client_order_id="coid-junk")
        order_id = placed["order_id"]
        events.count(1, "the new order")
        xt.reject(order_id, "资金不足")
        error, junk = events.count(2, "the rejection")
    assert error["kind"] == "order_error" and error["seq"] + 1 == junk["seq"]
    assert error["data"]["order_id"] == order_id and error["data"]["error_msg"] == "资金不足"
    assert error["data"]["client_order_id"] == "coid-junk" and error["account_id"] == ACCOUNT
    assert junk["kind"] == "order" and junk["data"]["order_status"] == 57
    assert junk["data"]["normalized"]["state"] == "rejected"
    assert junk["data"]["normalized"]["error_reason"] == "资金不足"
    detail = http.get("/api/trading/order_detail", params={"order_id": order_id}).json()["data"]
    assert detail["client_order_id"] == "coid-junk" and detail["normalized"]["state"] == "rejected"


# --------------------------------------------------------------------------------------------------
# 4. A hung order_stock
# --------------------------------------------------------------------------------------------------


def test_a_batch_behind_a_hung_call_is_unknown_for_that_order_and_not_sent_after_it(
    xt: ModuleType, http: httpx.Client
) -> None:
    """The batch's orders go to the trader in one run; the first hangs: it is unknown, the others never
    reached the trader (503 ``not_sent``), are forgotten, and go through when sent again."""
    xt.HANGS.add("order_stock")
    batch = [{**ORDER, "client_order_id": f"coid-b{i}"} for i in range(3)]
    answer = http.post("/api/trading/batch_order", json=batch)
    assert answer.status_code == 200, answer.text
    results = answer.json()["data"]
    assert [(r["http_status"], r["status"]) for r in results] == [
        (202, "unknown"),
        (503, "not_sent"),
        (503, "not_sent"),
    ]
    assert len(calls(xt, "order_stock")) == 1
    xt.HANGS.discard("order_stock")
    again = http.post("/api/trading/batch_order", json=batch)
    assert [(r["http_status"], r["status"]) for r in again.json()["data"]] == [
        (202, "unknown"),
        (200, "open"),
        (200, "open"),
    ]
    assert len(calls(xt, "order_stock")) == 3


def test_a_hung_order_is_unknown_never_placed_twice_and_the_server_stays_responsive(
    xt: ModuleType, http: httpx.Client
) -> None:
    xt.HANGS.add("order_stock")
    answers: list[httpx.Response] = []
    sender = threading.Thread(
        target=lambda: answers.append(
            http.post("/api/trading/order", json={**ORDER, "client_order_id": "coid-hung"})
        )
    )
    started = time.monotonic()
    sender.start()
    wait_until(lambda: calls(xt, "order_stock"), "order_stock to be called", 5)
    # Meanwhile the server answers what does not need the stuck call.
    status = trader(http)
    health = http.get("/api/meta/health")
    assert sender.is_alive()  # answered while the order call still hangs
    assert health.status_code == 200 and status["connected"] and status["calls_in_flight"] == 1
    sender.join(timeout=10)
    assert not sender.is_alive()
    (answer,) = answers
    assert CALL_TIMEOUT <= time.monotonic() - started < CALL_TIMEOUT + 2
    assert answer.status_code == 202, answer.text
    hung = answer.json()
    assert hung["status"] == "unknown" and hung["order_id"] is None and hung["order"] is None
    assert hung["client_order_id"] == "coid-hung" and "will not be retried" in hung["error"]

    # The same client_order_id is not placed again, and still says unknown.
    repeat = http.post("/api/trading/order", json={**ORDER, "client_order_id": "coid-hung"})
    assert repeat.status_code == 202, repeat.text
    assert repeat.json()["status"] == "unknown" and repeat.json()["duplicate"] is True
    assert len(calls(xt, "order_stock")) == 1

    # Other trader calls do not queue behind the stuck one.
    before = time.monotonic()
    asset = http.get("/api/trading/asset")
    assert asset.status_code == 200 and asset.json()["data"]["cash"] == xt.INITIAL_CASH
    assert time.monotonic() - before < CALL_TIMEOUT
    state = trader(http)
    assert state["stuck_threads"] == 1 and state["calls_in_flight"] == 0 and state["connected"]

    # Once the counter answers again, a new order goes through.
    xt.HANGS.discard("order_stock")
    fresh = place(http, client_order_id="coid-after-hang")
    assert fresh["status"] == "open" and fresh["order_id"] > 0
    assert len(calls(xt, "order_stock")) == 2
    again = http.post("/api/trading/order", json={**ORDER, "client_order_id": "coid-hung"})
    assert again.status_code == 202 and again.json()["status"] == "unknown"
    assert len(calls(xt, "order_stock")) == 2


# --------------------------------------------------------------------------------------------------
# 5. Disconnects
# --------------------------------------------------------------------------------------------------


def test_a_disconnect_is_streamed_and_the_trader_reconnects_with_a_new_session(
    xt: ModuleType, http: httpx.Client
) -> None:
    first = trader(http)["session_id"]
    old = xt.TRADERS[0]
    with stream(http) as events:
        xt.disconnect()
        got = events.until(
            lambda ev: any(e["kind"] == "connection" and e["data"]["state"] == "connected" for e in ev),
            "the reconnection",
            timeout=8,
        )
    lost = got[0]
    assert lost["kind"] == "connection" and lost["data"]["state"] == "disconnected"
    assert lost["data"]["session_id"] == first and "on_disconnected" in lost["data"]["reason"]
    states = connection_events(got)
    assert [s for s, _ in states] == ["disconnected", "reconnecting", "connected"]
    second = states[-1][1]
    assert second != first
    state = trader(http)
    assert state["connected"] and state["session_id"] == second and state["reconnects"] == 1
    assert state["last_error"] is None
    (live,) = xt.TRADERS
    assert live.session == second and live.subscribed == {ACCOUNT}
    wait_until(lambda: old.loop.is_closed(), "the dead trader to be stopped", 5)
    placed = place(http, client_order_id="coid-after-reconnect")
    assert placed["status"] == "open" and fake_order(xt, placed["order_id"]).order_remark == ""


def test_while_miniqmt_stays_down_orders_get_503_and_the_server_stays_up(
    xt: ModuleType, http: httpx.Client
) -> None:
    first = trader(http)["session_id"]
    with stream(http) as events:
        xt.disconnect(stay_down=True)
        events.until(lambda ev: connection_events(ev)[:1] == [("disconnected", first)], "the disconnect")
        down = http.post("/api/trading/order", json={**ORDER, "client_order_id": "coid-while-down"})
        error = assert_error(down, 503, "trading_unavailable")
        assert "not connected" in error["message"] and "nothing was placed" in error["message"]
        assert calls(xt, "order_stock") == []
        assert_error(http.get("/api/trading/orders"), 503, "trading_unavailable")
        # A reconnection attempt is refused (connect() → -1) and the state says so.
        wait_until(
            lambda: "connect() returned -1" in (trader(http)["last_error"] or ""), "a refused retry", 5
        )
        state = trader(http)
        assert state["connected"] is False and state["session_id"] is None and state["reconnects"] == 0
        assert len(xt.CREATED) >= 2 and xt.TRADERS == []
        health = http.get("/api/meta/health")
        assert health.status_code == 200 and health.json()["trading"]["connected"] is False
        assert_error(
            http.post("/api/trading/order", json={**ORDER, "client_order_id": "coid-while-down"}),
            503,
            "trading_unavailable",
        )
        # MiniQMT comes back: the next retry connects with a new session.
        xt.CONNECTED = True
        events.until(
            lambda ev: any(s == "connected" for s, _ in connection_events(ev)), "the reconnection", timeout=8
        )
    states = connection_events(events.events)
    assert states[0] == ("disconnected", first) and states[-1][0] == "connected"
    assert {s for s, _ in states[1:-1]} == {"reconnecting"}
    state = trader(http)
    assert state["connected"] and state["session_id"] == states[-1][1] != first
    assert state["reconnects"] == 1
    # The id refused while down was not kept: it is placed now.
    placed = place(http, client_order_id="coid-while-down")
    assert placed["status"] == "open" and len(calls(xt, "order_stock")) == 1


# --------------------------------------------------------------------------------------------------
# 6. Restart
# --------------------------------------------------------------------------------------------------


def test_a_restart_keeps_client_order_ids_and_resumes_the_stream_exactly(
    xt: ModuleType, tmp_path: Path
) -> None:
    with trading_server(tmp_path) as http, stream(http) as events:
        first_session = trader(http)["session_id"]
        placed = place(http, client_order_id="coid-before-restart")
        order_id = placed["order_id"]
        (new,) = events.count(1, "the new order")
        since = new["seq"]
        xt.fill(order_id, 300, 11.5)
        seen_after = events.count(4, "the fill")
    assert [e["kind"] for e in seen_after] == ["order", "trade", "position", "asset"]

    with trading_server(tmp_path) as http:
        listed = http.get("/api/trading/orders").json()["data"]
        assert [(o["order_id"], o["client_order_id"]) for o in listed] == [(order_id, "coid-before-restart")]
        assert listed[0]["normalized"]["state"] == "filled"
        trades = http.get("/api/trading/trades").json()["data"]
        assert [t["client_order_id"] for t in trades] == ["coid-before-restart"]
        last = http.get("/api/trading/status").json()["events"]["last_seq"]
        session = trader(http)["session_id"]
        with stream(http, f"since={since}") as events:
            assert events.status["since"] == since and events.status["last_seq"] == last
            replayed = events.until(lambda ev: ev and ev[-1]["seq"] >= last, "the replay")
            assert [e["seq"] for e in replayed] == list(range(since + 1, last + 1))
            # What was streamed before the restart comes again, identical; then the first trader's stop
            # and the new one's connection.
            assert replayed[: len(seen_after)] == seen_after
            rest = replayed[len(seen_after) :]
            assert [e["kind"] for e in rest] == ["connection", "connection"]
            assert connection_events(rest) == [("disconnected", first_session), ("connected", session)]
            assert rest[0]["data"]["reason"] == "stopped" and session != first_session
            # Then live ones, numbered on.
            again = place(http, client_order_id="coid-after-restart")
            (live,) = events.count(1, "the live order")
        assert live["seq"] == last + 1 and live["data"]["order_id"] == again["order_id"]
        assert live["data"]["client_order_id"] == "coid-after-restart"
        # The id used before the restart is still known: placing it again places nothing.
        repeat = place(http, client_order_id="coid-before-restart")
        assert repeat["duplicate"] is True and repeat["order_id"] == order_id
        assert len(calls(xt, "order_stock")) == 2


# --------------------------------------------------------------------------------------------------
# 7. Cancel
# --------------------------------------------------------------------------------------------------


def test_cancel_reaches_cancel_order_stock_and_an_unknown_order_is_404(
    xt: ModuleType, http: httpx.Client
) -> None:
    with stream(http) as events:
        placed = place(http, client_order_id="coid-cancel")
        order_id = placed["order_id"]
        events.count(1, "the new order")
        answer = http.post("/api/trading/cancel", json={"order_id": order_id})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["order_id"], body["account_id"], body["cancel_result"]) == (order_id, ACCOUNT, 0)
        assert body["status"] == "cancel_requested" and body["order"]["client_order_id"] == "coid-cancel"
        ((account, cancelled_id),) = calls(xt, "cancel_order_stock")
        assert (account.account_id, account.account_type, cancelled_id) == (ACCOUNT, 2, order_id)
        (update,) = events.count(1, "the cancelled order")
    assert update["kind"] == "order" and update["data"]["order_status"] == 54
    assert update["data"]["normalized"]["state"] == "cancelled"
    assert update["data"]["client_order_id"] == "coid-cancel"

    unknown = http.post("/api/trading/cancel", json={"order_id": 999_999})
    error = assert_error(unknown, 404, "order_not_found")
    assert "999999" in error["message"]
    # Nothing was sent to the counter for it, nor for the order already cancelled.
    assert_error(http.post("/api/trading/cancel", json={"order_id": order_id}), 409, "order_not_cancelable")
    assert len(calls(xt, "cancel_order_stock")) == 1


def test_cancel_all_reports_a_refused_cancel_with_the_one_error_shape(
    xt: ModuleType, http: httpx.Client
) -> None:
    first = place(http, client_order_id="coid-all-1")["order_id"]
    second = place(http, client_order_id="coid-all-2")["order_id"]
    xt.RETURNS["cancel_order_stock"] = -1  # the counter refuses every cancel
    answer = http.post("/api/trading/cancel_all", json={})
    assert answer.status_code == 200, answer.text
    results = sorted(answer.json()["data"], key=lambda r: r["order_id"])
    assert [r["order_id"] for r in results] == [first, second]
    for result in results:
        assert set(result) == {"order_id", "account_id", "error"} and result["account_id"] == ACCOUNT
        assert set(result["error"]) == {"code", "message"} and result["error"]["code"] == "counter_refused"
    del xt.RETURNS["cancel_order_stock"]
    done = http.post("/api/trading/cancel_all", json={}).json()["data"]
    assert sorted((r["order_id"], r["cancel_result"]) for r in done) == [(first, 0), (second, 0)]


def test_the_further_queries_reach_xttrader_and_come_back_plain(xt: ModuleType, http: httpx.Client) -> None:
    """IPO, quota, ordinary-counter and statistics calls go to the trader with the account object; dicts
    and lists come back as they are, objects as their attributes."""
    from xtquant.xttype import XtPositionStatistics

    book = xt._book(SimpleNamespace(account_id=ACCOUNT, account_type=2))
    book.purchase_limit = {"KCB": 3500, "SH": 4000, "SZ": 7000}
    book.position_statistics = [XtPositionStatistics(ACCOUNT, "CFFEX", "IF2512", 48, 2, 1, 1, 2, -120.5)]
    ipo = {"754810.SH": {"name": "丰山发债", "type": "BOND", "maxPurchaseNum": 10000, "minPurchaseNum": 10,
                         "purchaseDate": "20220627", "issuePrice": 100.0}}  # fmt: skip
    xt.IPO_DATA.update(ipo)
    assert http.get("/api/trading/new_purchase_limit").json() == {"data": book.purchase_limit}
    assert http.get("/api/trading/ipo_data").json() == {"data": ipo}
    [statistics] = http.get("/api/trading/position_statistics").json()["data"]
    assert statistics["instrument_id"] == "IF2512" and statistics["float_profit"] == -120.5
    fund = http.get("/api/trading/com_fund").json()["data"]
    assert fund["enableBalance"] == xt.INITIAL_CASH and fund["success"] is True
    assert http.get("/api/trading/com_position").json() == {"data": []}
    for name in (
        "query_new_purchase_limit",
        "query_position_statistics",
        "query_com_fund",
        "query_com_position",
    ):
        (account,) = calls(xt, name)[0]
        assert (account.account_id, account.account_type) == (ACCOUNT, 2)
    assert calls(xt, "query_ipo_data") == [()]
    xt.RETURNS["query_account_status"] = [xt.XtAccountStatus(2, ACCOUNT, 1)]  # waiting for login
    status = http.get("/api/trading/account_status").json()["data"]
    assert (status["status"], status["connected"], status["trader_connected"]) == (1, False, True)


def test_an_async_order_goes_through_order_stock_and_answers_on_the_stream(
    xt: ModuleType, http: httpx.Client
) -> None:
    with stream(http) as events:
        answer = http.post("/api/trading/order_async", json=ORDER).json()
        assert answer["status"] == "async_submitted"
        found = events.until(
            lambda evs: any(e["kind"] == "order_response" for e in evs), "the order_response event"
        )
    [response] = [e["data"] for e in found if e["kind"] == "order_response"]
    [(account, code, order_type, volume, *_)] = calls(xt, "order_stock")
    assert (code, order_type, volume) == (CODE, 23, 300) and calls(xt, "order_stock_async") == []
    assert (response["seq"], response["client_order_id"]) == (answer["seq"], answer["client_order_id"])
    assert response["order_id"] == fake_order(xt, response["order_id"]).order_id
