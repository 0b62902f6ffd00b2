"""The server over a backend in a supervised child process (``backend_isolation=process``), over the wire.

The simulator runs in the child, on a replayed session, with faults planted by the test hook
(``ProcessBackend.inject_fault``): a native-like crash, a hang, a death in the middle of a push. What a user
sees: 503 with the reason while the process is replaced, the next request answered by the new process,
streams renewed and their clients told, orders cut off by a crash never sent twice and settled from the
counter once the trader is back.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

from helpers import serve_in_thread, wait_until
from qmt_bridge.backends.isolation import ProcessBackend
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.server.answers.meta import BackendStatusAnswer, HealthAnswer
from qmt_bridge.server.app import create_app
from qmt_bridge.server.config import Settings
from qmt_bridge.sim.clock import CST, SimClock

KEY = "isolation-key"
SEED = 7
#: Thursday 2025-11-20, in the morning session.
SESSION = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
#: A code of the quote book's market (the tests' servers keep a book of BJ only).
BJ = "430047.BJ"


@contextmanager
def isolated_server(
    data_dir: Path, *, timeout: float = 10.0, grace: float = 1.0, cap: int = 5, **settings: Any
) -> Iterator[tuple[httpx.Client, ProcessBackend]]:
    """A uvicorn server with trading on, over the simulator in a child process; yields a client with the key
    and the backend (for its fault hook)."""
    clock = SimClock("replay", replay_start=SESSION, speed=10.0)
    backend = ProcessBackend(
        SimBackend(seed=SEED, clock=clock, data_dir=data_dir),
        default_timeout=timeout,
        hang_grace=grace,
        max_restarts_per_hour=cap,
        restart_delays=(0.1,),
    )
    values: dict[str, Any] = {
        "backend": "sim",
        "backend_isolation": "process",
        "sim_seed": SEED,
        "data_dir": str(data_dir),
        "api_key": KEY,
        "trading_enabled": True,
        "quote_markets": "BJ",
        "predownload": False,
        "backend_timeout": timeout,
        **settings,
    }
    config = Settings(_env_file=None, **values)
    with (
        serve_in_thread(create_app(config, backend=backend), name="uvicorn-isolated") as url,
        httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=30) as http,
    ):
        yield http, backend
    assert backend.supervisor.state == "stopped"


def process(http: httpx.Client) -> dict[str, Any]:
    answer = http.get("/api/meta/backend")
    assert answer.status_code == 200, answer.text
    return answer.json()


def replaced(http: httpx.Client, old_pid: int) -> bool:
    status = process(http)
    return status["state"] == "running" and status["pid"] not in (None, old_pid)


def trader_connected(http: httpx.Client) -> bool:
    return bool(http.get("/api/trading/status").json()["trader"]["connected"])


def back_after_a_crash(http: httpx.Client, backend: Any, generation: int) -> bool:
    """A new backend process runs (generation ``generation`` or later) and the trader is connected to it.
    Right after a crash the trader may still read as connected until its disconnection is handled."""
    state = backend.status()
    return state["state"] == "running" and state["generation"] >= generation and trader_connected(http)


def test_a_crash_answers_503_and_the_next_request_is_answered_by_a_new_process(tmp_path: Path) -> None:
    with isolated_server(tmp_path) as (http, backend):
        first = process(http)
        assert first["isolation"] == "process" and first["state"] == "running" and first["generation"] == 1
        health = http.get("/api/meta/health").json()["backend_process"]
        assert (
            health["pid"] == first["pid"]
            and health["restarts_last_hour"] == 0
            and health["uptime_seconds"] > 0
        )
        assert http.get("/api/meta/markets").status_code == 200
        assert http.get("/api/market/full_tick", params={"stocks": BJ}).status_code == 200  # starts the book
        wait_until(lambda: http.get("/api/meta/quote_book").json()["serving"], "the quote book serving", 60)

        backend.inject_fault("crash", "get_markets")
        crashed = http.get("/api/meta/markets")
        assert crashed.status_code == 503, crashed.text
        error = crashed.json()["error"]
        assert error["code"] == "backend_unavailable"
        assert "exited with code 3" in error["message"] and "get_markets" in error["message"]
        health = http.get("/api/meta/health").json()
        assert health["status"] == "ok" and health["backend_state"] in ("restarting", "running")
        assert health["backend_process"]["restarts_last_hour"] == 1

        wait_until(lambda: replaced(http, first["pid"]), "a new backend process", timeout=30)
        again = http.get("/api/meta/markets")
        assert again.status_code == 200 and again.json() == http.get("/api/meta/markets").json()
        status = process(http)
        BackendStatusAnswer.model_validate(status)  # the documented shape, with a restart in it
        HealthAnswer.model_validate(http.get("/api/meta/health").json())
        assert status["generation"] == 2 and status["restarts_last_hour"] == 1
        [restart] = status["restarts"]
        assert restart["cause"] == "crash" and restart["exit_code"] == 3
        assert restart["calls_lost"] == ["get_markets"] and restart["hung_call"] is None

        def book_refilled() -> bool:  # the new process holds the book's whole-market subscription, pushing
            held = http.get("/api/meta/sub_info").json()["current_connection"]
            book = http.get("/api/meta/quote_book").json()
            return any(row["stockCode"] == "BJ" and row["metaId"] == 2999 for row in held) and book["serving"]

        wait_until(book_refilled, "the quote book subscribed again on the new process", timeout=60)
        tick = http.get("/api/market/full_tick", params={"stocks": BJ})
        assert tick.status_code == 200 and tick.json()["data"][BJ]["lastPrice"] > 0


def test_a_hung_call_times_out_other_requests_go_on_and_the_process_is_replaced(tmp_path: Path) -> None:
    with isolated_server(tmp_path, timeout=2.0, grace=2.0) as (http, backend):
        old_pid = process(http)["pid"]
        backend.inject_fault("hang", "get_markets")
        answers: list[httpx.Response] = []
        hung = threading.Thread(target=lambda: answers.append(http.get("/api/meta/markets")))
        hung.start()

        def hanging() -> bool:
            return any(c["call"] == "get_markets" for c in process(http)["calls_in_flight"])

        wait_until(hanging, "the hung call in flight")
        periods = http.get("/api/meta/period_list")
        health = http.get("/api/meta/health")
        assert hanging(), "the hang must outlive the other requests for this test to say anything"
        assert periods.status_code == 200 and "1d" in periods.text
        assert health.status_code == 200 and health.json()["backend_state"] == "running"

        hung.join(30)
        assert answers and answers[0].status_code == 504, answers and answers[0].text
        assert answers[0].json()["error"]["code"] == "backend_timeout"
        wait_until(lambda: replaced(http, old_pid), "a new backend process after the hang", timeout=30)
        [restart] = process(http)["restarts"]
        assert restart["cause"] == "hang" and restart["hung_call"] == "get_markets"
        assert http.get("/api/meta/markets").status_code == 200


def test_realtime_streams_are_renewed_and_their_clients_told_after_a_death_mid_push(tmp_path: Path) -> None:
    with isolated_server(tmp_path) as (http, backend):
        old_pid = process(http)["pid"]
        url = str(http.base_url).rstrip("/").replace("http://", "ws://") + "/ws/realtime"
        with connect(url, additional_headers={"X-API-Key": KEY}, open_timeout=10) as ws:
            ws.send(json.dumps({"stocks": ["600519.SH"], "period": "tick"}))

            def next_messages(until: Any, what: str, timeout: float = 30.0) -> list[dict[str, Any]]:
                got: list[dict[str, Any]] = []
                deadline = time.monotonic() + timeout
                while not until(got):
                    left = deadline - time.monotonic()
                    assert left > 0, f"timed out waiting for {what}; got {got}"
                    got.append(json.loads(ws.recv(timeout=left)))
                return got

            def data_of_the_stream(got: list[dict[str, Any]]) -> bool:
                return any(m["type"] == "data" and "600519.SH" in m["data"] for m in got)

            next_messages(data_of_the_stream, "a first push")
            backend.inject_fault("die_mid_push", after=1)
            next_messages(
                lambda got: any(m.get("status") == "resubscribed" for m in got), "the resubscribed status"
            )
            assert replaced(http, old_pid)
            next_messages(data_of_the_stream, "a push from the new process")
        [restart] = process(http)["restarts"]
        assert restart["cause"] == "crash" and restart["exit_code"] == 3
        realtime = http.get("/api/meta/realtime").json()
        assert realtime["resubscriptions"]["reconnect"] >= 1


def test_orders_cut_off_by_a_crash_are_never_sent_again_and_settled_from_the_counter(tmp_path: Path) -> None:
    with isolated_server(tmp_path) as (http, backend):
        wait_until(lambda: trader_connected(http), "the trader connected", timeout=30)
        tick = http.get("/api/market/full_tick", params={"stocks": "600519.SH"}).json()
        price = round(tick["data"]["600519.SH"]["lastPrice"] * 0.97, 2)  # passive: it rests on the book
        order = {
            "stock_code": "600519.SH",
            "order_type": 23,
            "order_volume": 100,
            "price_type": 11,
            "price": price,
        }

        # The process dies before order_stock runs: the counter never saw it.
        backend.inject_fault("crash", "order_stock")
        # (Another volume: two unknown orders alike would be ambiguous, and neither would be settled.)
        never_sent = {**order, "order_volume": 200, "client_order_id": "coid-never-sent"}
        lost = http.post("/api/trading/order", json=never_sent)
        assert lost.status_code == 202, lost.text
        assert lost.json()["status"] == "unknown" and "exited with code 3" in lost.json()["error"]
        wait_until(
            lambda: back_after_a_crash(http, backend, 2), "the trader back after the first crash", timeout=30
        )

        # The process dies after order_stock ran: the counter has the order, its answer is lost.
        backend.inject_fault("crash_after", "order_stock")
        cut = http.post("/api/trading/order", json={**order, "client_order_id": "coid-cut-off"})
        assert cut.status_code == 202, cut.text
        assert cut.json()["status"] == "unknown"
        wait_until(
            lambda: back_after_a_crash(http, backend, 3), "the trader back after the second crash", timeout=30
        )

        def settled() -> bool:
            again = http.post("/api/trading/order", json={**order, "client_order_id": "coid-cut-off"})
            return (
                again.status_code == 200 and again.json()["order_id"] == again.json()["order"]["order_id"] > 0
            )

        wait_until(settled, "the cut-off order settled from the counter", timeout=30)
        answer = http.post("/api/trading/order", json={**order, "client_order_id": "coid-cut-off"}).json()
        assert answer["duplicate"] is True and "matches this order" in answer["reconciled"]
        orders = http.get("/api/trading/orders").json()["data"]
        mine = [o for o in orders if o["client_order_id"] == "coid-cut-off"]
        assert len(mine) == 1 and mine[0]["order_volume"] == 100
        assert len(orders) == 1, "nothing was sent twice, and the order never sent is not on the counter"

        never = http.post("/api/trading/order", json=never_sent)
        assert never.status_code == 202 and never.json()["status"] == "unknown"  # never resent

        ws_url = str(http.base_url).rstrip("/").replace("http://", "ws://") + "/ws/trade?since=0"
        with connect(ws_url, additional_headers={"X-API-Key": KEY}, open_timeout=10) as ws:
            # The counter may have pushed the order before its process died, when nobody could tell whose
            # it was (client_order_id null); the settling publishes it again, with its client_order_id.
            events: list[dict[str, Any]] = []

            def settled_event() -> bool:
                return any(
                    e["kind"] == "order" and e["data"]["client_order_id"] == "coid-cut-off" for e in events
                )

            deadline = time.monotonic() + 10
            while not settled_event():
                assert time.monotonic() < deadline, events
                message = json.loads(ws.recv(timeout=10))
                if message["type"] == "event":
                    events.append(message)
            [settled] = [e for e in events if e["kind"] == "order" and e["data"]["client_order_id"]]
            assert settled["data"]["order_id"] == mine[0]["order_id"]
        assert [r["calls_lost"] for r in process(http)["restarts"]] == [["order_stock"], ["order_stock"]]


def test_past_the_restart_cap_the_backend_stays_down_and_says_so(tmp_path: Path) -> None:
    with isolated_server(tmp_path, cap=1, trading_enabled=False) as (http, backend):
        old_pid = process(http)["pid"]
        backend.inject_fault("crash", "get_markets")
        assert http.get("/api/meta/markets").status_code == 503
        wait_until(lambda: replaced(http, old_pid), "the one restart the cap allows", timeout=30)

        backend.inject_fault("crash", "get_markets")
        assert http.get("/api/meta/markets").status_code == 503
        wait_until(lambda: process(http)["state"] == "down", "the backend down")
        down = http.get("/api/meta/period_list")
        assert down.status_code == 503 and "stays down" in down.json()["error"]["message"]
        status = process(http)
        assert (
            status["pid"] is None and status["restarts_last_hour"] == 2 and "stays down" in status["reason"]
        )
        assert http.get("/api/meta/health").json()["backend_state"] == "down"


def test_the_xtquant_backend_in_its_process_serves_data_and_trading(
    fake_on_path: Path, tmp_path: Path
) -> None:
    """What a Windows box runs by default (xtquant, isolation auto = process), on the fake xtquant: data,
    the trader with xtquant's objects as records, /ws/trade with the order's client_order_id. The server's
    process never imports xtquant."""
    import sys

    from helpers import XT_KEY, xtquant_trading_server

    order = {
        "stock_code": "600000.SH",
        "order_type": 23,
        "order_volume": 300,
        "price_type": 11,
        "price": 11.5,
    }
    with xtquant_trading_server(tmp_path, backend_isolation="auto", trading_call_timeout=10.0) as http:
        status = process(http)
        assert (status["backend"], status["isolation"], status["state"]) == ("xtquant", "process", "running")
        asked = {"stocks": "600000.SH", "period": "1d", "start_time": "20251117", "end_time": "20251121"}
        bars = http.get("/api/market/market_data_ex", params=asked)  # downloaded first, in the process
        assert bars.status_code == 200, bars.text
        body = bars.json()
        assert len(body["data"]["600000.SH"]) == 5 and body["download"]["downloaded"] == ["600000.SH"]
        wait_until(lambda: trader_connected(http), "the trader connected in the backend process", timeout=30)

        placed = http.post("/api/trading/order", json={**order, "client_order_id": "coid-xt-process"})
        assert placed.status_code == 200, placed.text
        assert placed.json()["order_id"] > 0
        orders = http.get("/api/trading/orders").json()["data"]
        assert [o["client_order_id"] for o in orders] == ["coid-xt-process"]
        assert orders[0]["order_volume"] == 300 and orders[0]["normalized"]["side"] == "buy"
        asset = http.get("/api/trading/asset")
        assert asset.status_code == 200 and asset.json()["data"]["account_id"] == "12345678"

        url = str(http.base_url).rstrip("/").replace("http://", "ws://") + "/ws/trade?since=0"
        with connect(url, additional_headers={"X-API-Key": XT_KEY}, open_timeout=10) as ws:
            deadline = time.monotonic() + 10
            while True:
                assert time.monotonic() < deadline, "no order event"
                message = json.loads(ws.recv(timeout=10))
                if message["type"] == "event" and message["kind"] == "order":
                    assert message["data"]["client_order_id"] == "coid-xt-process"
                    break
    assert "xtquant" not in sys.modules
