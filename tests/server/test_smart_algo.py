"""Smart algorithm orders over HTTP on the simulator, which executes them (``sim/broker/algo_desk.py``): a
TWAP task replayed at speed trades its whole volume as child orders of the account, spread over its window;
the simulated counter's refusals come back as 409 with its message. What the server itself does (journal,
repeats, unknown outcomes) is tested over the fake xttrader in ``tests/real_backend/test_smart_algo_server.py``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import SEED
from helpers import assert_error, trading_app, wait_until
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.server.app import create_app
from qmt_bridge.server.config import Settings
from qmt_bridge.sim.clock import CST, SimClock

KEY = "smart-algo-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
CODE = "000001.SZ"
#: Replayed 300 times faster than the wall clock: a five-minute window takes one second.
SPEED = 300.0
REPLAY_START = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


@pytest.fixture
def frozen(tmp_path: Path) -> Iterator[TestClient]:
    """The simulator frozen at 10:00 of a trading day (helpers.trading_app)."""
    with TestClient(trading_app(tmp_path, KEY), headers=AUTH) as client:
        yield client


@pytest.fixture
def replayed(tmp_path: Path) -> Iterator[TestClient]:
    """The simulator replaying that day from 10:00 at :data:`SPEED` (``client.clock`` is its clock)."""
    settings = Settings(
        _env_file=None, backend="sim", sim_seed=SEED, data_dir=str(tmp_path), api_key=KEY, trading_enabled=True,
        quote_markets="BJ", predownload=False,
    )  # fmt: skip
    clock = SimClock("replay", replay_start=REPLAY_START, speed=SPEED)
    backend = SimBackend(seed=SEED, clock=clock, data_dir=tmp_path)
    with TestClient(create_app(settings, backend=backend), headers=AUTH) as client:
        client.clock = clock  # type: ignore[attr-defined]
        yield client


def window(client: TestClient, starts_in: float, minutes: float) -> tuple[dt.datetime, dt.datetime]:
    """A window of ``minutes`` starting ``starts_in`` simulated seconds from the replay's now."""
    start = client.clock.now() + dt.timedelta(seconds=starts_in)  # type: ignore[attr-defined]
    return start, start + dt.timedelta(minutes=minutes)


def test_a_twap_task_trades_its_volume_as_child_orders_over_its_window(replayed: TestClient) -> None:
    start, end = window(replayed, 30, 5)
    body = {
        "stock_code": CODE, "order_type": 23, "order_volume": 1000, "price_type": 12, "algo_name": "TWAP",
        "start_time": f"{start:%H:%M:%S}", "end_time": f"{end:%H:%M:%S}", "strategy_name": "twap-test",
        "client_task_id": "twap-1",
    }  # fmt: skip
    record = ok(replayed.post("/api/trading/smart_algo/order", json=body))
    assert record["state"] == "accepted" and record["task_id"] > 0

    def task() -> dict[str, Any]:
        [found] = ok(replayed.get("/api/trading/smart_algo/tasks"))
        return found

    wait_until(lambda: task()["status"] == "finished", "the task to finish", timeout=20)
    done = task()
    assert done["business_num"] == "1000" and done["client_task_id"] == "twap-1"
    children = [o for o in ok(replayed.get("/api/trading/orders")) if o["order_id"] in done["order_id_list"]]
    assert len(children) >= 2, children  # spread over the window, not one order
    assert {o["strategy_name"] for o in children} == {"twap-test"}
    assert sum(o["traded_volume"] for o in children) == 1000
    times = sorted(o["order_time"] for o in children)
    first, last = int(start.replace(microsecond=0).timestamp()), int(end.timestamp())
    assert first <= times[0] and times[-1] <= last and times[-1] - times[0] >= 120
    [position] = [p for p in ok(replayed.get("/api/trading/positions")) if p["stock_code"] == CODE]
    assert position["volume"] == 1000


def test_a_cancelled_task_stops_and_keeps_what_it_traded(replayed: TestClient) -> None:
    start, end = window(replayed, 0, 60)
    body = {
        "stock_code": CODE, "order_type": 23, "order_volume": 5000, "price_type": 12, "algo_name": "TWAP",
        "start_time": f"{start:%H:%M:%S}", "end_time": f"{end:%H:%M:%S}",
    }  # fmt: skip
    task_id = ok(replayed.post("/api/trading/smart_algo/order", json=body))["task_id"]
    wait_until(lambda: ok(replayed.get("/api/trading/smart_algo/tasks"))[0]["order_id_list"], "a child order")
    assert ok(replayed.post("/api/trading/smart_algo/cancel", json={"task_id": task_id}))["success"] is True
    [stopped] = ok(replayed.get("/api/trading/smart_algo/tasks"))
    filled = int(stopped["business_num"])
    assert stopped["status"] == "cancelled" and 0 < filled < 5000
    time.sleep(0.5)  # ~2.5 simulated minutes: nothing more is ordered
    [later] = ok(replayed.get("/api/trading/smart_algo/tasks"))
    assert later["order_id_list"] == stopped["order_id_list"] and int(later["business_num"]) == filled
    assert_error(
        replayed.post("/api/trading/smart_algo/cancel", json={"task_id": task_id}), 409, "algo_cancel_refused"
    )


def test_the_simulated_counter_refuses_a_window_already_over(frozen: TestClient) -> None:
    body = {"stock_code": CODE, "order_type": 23, "order_volume": 100, "price_type": 12, "algo_name": "VWAP",
            "start_time": "09:30:00", "end_time": "09:59:59"}  # fmt: skip
    error = assert_error(frozen.post("/api/trading/smart_algo/order", json=body), 409, "algo_refused")
    assert "截止时间已过" in error["message"]
    body["end_time"] = "10:00:01"  # one second left: taken
    assert ok(frozen.post("/api/trading/smart_algo/order", json=body))["state"] == "accepted"


def test_the_parameters_and_an_unknown_algorithm(frozen: TestClient) -> None:
    params = ok(frozen.get("/api/trading/smart_algo/params", params={"algos": "VWAP,ICEBERG"}))
    assert list(params) == ["VWAP"]
    assert {p["key"] for p in params["VWAP"]} >= {"m_dLimitOverRate", "m_dMaxAmountPerOrder"}
    body = {"stock_code": CODE, "order_type": 23, "order_volume": 100, "price_type": 12, "algo_name": "ICEBERG",
            "start_time": "10:00:00", "end_time": "11:00:00"}  # fmt: skip
    error = assert_error(frozen.post("/api/trading/smart_algo/order", json=body), 409, "algo_refused")
    assert "不支持的算法" in error["message"]
