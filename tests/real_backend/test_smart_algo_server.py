"""Smart algorithm orders (``/api/trading/smart_algo/*``) of a real uvicorn server on the xtquant backend, over
the fake ``xtquant.xttrader`` (its ``_smart_algo`` part: tasks are only recorded, ``SILENT`` calls never
answer). What reaches the counter, the journal's record, repeats, refusals, unknown outcomes and restarts;
``tests/server/test_smart_algo.py`` runs the same endpoints on the simulator, which executes the tasks.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from helpers import XT_ACCOUNT, assert_error
from helpers import trader_calls as calls
from helpers import xtquant_trading_server as trading_server

CODE = "600000.SH"
TASK = {
    "stock_code": CODE,
    "order_type": 23,
    "order_volume": 3000,
    "price_type": 11,
    "price": 11.5,
    "algo_name": "VWAP",
    "start_time": "10:00:00",
    "end_time": "14:00:00",
    "algo_param": {"m_dLimitOverRate": 0.25},
    "strategy_name": "s1",
    "order_remark": "r1",
}


@pytest.fixture
def xt(fake_xtdata: ModuleType, fake_xttrader: ModuleType) -> ModuleType:
    return fake_xttrader


@pytest.fixture
def algos(xt: ModuleType) -> ModuleType:
    import xtquant._smart_algo as module

    return module


@pytest.fixture
def http(xt: ModuleType, tmp_path: Path) -> Iterator[httpx.Client]:
    with trading_server(tmp_path) as client:
        yield client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()["data"]


def test_params_of_the_named_algorithms(http: httpx.Client, xt: ModuleType) -> None:
    params = ok(http.get("/api/trading/smart_algo/params", params={"algos": "VWAP,NOPE"}))
    assert list(params) == ["VWAP"] and params["VWAP"][0]["key"] == "m_dLimitOverRate"
    assert calls(xt, "get_smart_algo_param")[-1] == (["VWAP", "NOPE"],)
    assert_error(http.get("/api/trading/smart_algo/params", params={"algos": " , "}), 400, param="algos")
    too_many = ",".join(f"A{i}" for i in range(21))
    assert_error(http.get("/api/trading/smart_algo/params", params={"algos": too_many}), 400, param="algos")
    assert (
        http.get("/api/trading/smart_algo/params", params={"algos": too_many.rsplit(",", 1)[0]}).status_code
        == 200
    )


def test_a_task_is_sent_once_recorded_and_listed_with_its_client_id(
    http: httpx.Client, xt: ModuleType
) -> None:
    record = ok(http.post("/api/trading/smart_algo/order", json={**TASK, "client_task_id": "t-1"}))
    assert (record["state"], record["task_id"], record["client_task_id"], record["msg"]) == (
        "accepted",
        1,
        "t-1",
        "",
    )
    assert record["request"]["account_id"] == XT_ACCOUNT and record["request"]["algo_name"] == "VWAP"
    [args] = calls(xt, "smart_algo_order_async")
    assert args[0].account_id == XT_ACCOUNT
    assert args[1:11] == (CODE, 23, 3000, 11, 11.5, "s1", "r1", "VWAP", "10:00:00", "14:00:00")
    assert args[11]["m_dLimitOverRate"] == 0.25 and "m_nValidTimeStart" in args[11]
    [task] = ok(http.get("/api/trading/smart_algo/tasks"))
    assert (task["task_id"], task["status"], task["task_status"], task["client_task_id"]) == (
        1,
        "running",
        1001,
        "t-1",
    )
    assert (task["order_num"], task["strategy_name"]) == (3000, "s1")

    # The same id again: the first record, nothing sent; another task under it: 409.
    again = ok(http.post("/api/trading/smart_algo/order", json={**TASK, "client_task_id": "t-1"}))
    assert again["duplicate"] is True and again["request_id"] == record["request_id"]
    other = http.post(
        "/api/trading/smart_algo/order", json={**TASK, "order_volume": 3100, "client_task_id": "t-1"}
    )
    assert_error(other, 409, "client_task_id_reused")
    assert len(calls(xt, "smart_algo_order_async")) == 1

    [listed] = ok(http.get("/api/trading/smart_algo/requests"))
    assert listed == record


def test_the_counter_refuses_an_unknown_algorithm_409_and_the_refusal_is_recorded(http: httpx.Client) -> None:
    error = assert_error(
        http.post("/api/trading/smart_algo/order", json={**TASK, "algo_name": "ICEBERG"}), 409, "algo_refused"
    )
    assert "ICEBERG" in error["message"]
    [record] = ok(http.get("/api/trading/smart_algo/requests"))
    assert record["state"] == "refused" and "ICEBERG" in record["msg"] and record["task_id"] is None
    assert error["details"]["request_id"] == record["request_id"]


def test_seq_minus_one_is_refused_and_nothing_is_pending(http: httpx.Client, xt: ModuleType) -> None:
    xt.RETURNS["smart_algo_order_async"] = -1
    assert_error(http.post("/api/trading/smart_algo/order", json=TASK), 409, "algo_refused")
    [record] = ok(http.get("/api/trading/smart_algo/requests"))
    assert record["state"] == "refused" and "-1" in record["msg"]


def test_no_answer_is_unknown_never_sent_again_and_survives_a_restart(
    xt: ModuleType, algos: ModuleType, tmp_path: Path
) -> None:
    algos.SILENT.add("smart_algo_order_async")
    body = {**TASK, "client_task_id": "silent-1"}
    with trading_server(tmp_path) as http:
        record = ok(http.post("/api/trading/smart_algo/order", json=body), 202)
        assert record["state"] == "unknown" and "not sent again" in record["msg"]
        repeat = ok(http.post("/api/trading/smart_algo/order", json=body), 202)
        assert repeat["duplicate"] is True and repeat["state"] == "unknown"
    assert len(calls(xt, "smart_algo_order_async")) == 1
    with trading_server(tmp_path) as http:  # a restart keeps the record, and still sends nothing
        [kept] = ok(http.get("/api/trading/smart_algo/requests"))
        assert (kept["client_task_id"], kept["state"]) == ("silent-1", "unknown")
        assert ok(http.post("/api/trading/smart_algo/order", json=body), 202)["duplicate"] is True
    assert len(calls(xt, "smart_algo_order_async")) == 1


def test_a_call_that_raises_is_502_and_unknown(http: httpx.Client, xt: ModuleType) -> None:
    xt.RAISES["smart_algo_order_async"] = RuntimeError("native error")
    error = assert_error(http.post("/api/trading/smart_algo/order", json=TASK), 502, "trader_error")
    assert "native error" in error["message"]
    [record] = ok(http.get("/api/trading/smart_algo/requests"))
    assert record["state"] == "unknown"


def test_cancel_a_running_task_once(http: httpx.Client, tmp_path: Path) -> None:
    task_id = ok(http.post("/api/trading/smart_algo/order", json=TASK))["task_id"]
    done = ok(http.post("/api/trading/smart_algo/cancel", json={"task_id": task_id}))
    assert done == {
        "account_id": XT_ACCOUNT,
        "task_id": task_id,
        "success": True,
        "operate_reason": "撤销成功",
    }
    [task] = ok(http.get("/api/trading/smart_algo/tasks"))
    assert task["status"] == "cancelled" and task["cancel_time"] > 0
    error = assert_error(
        http.post("/api/trading/smart_algo/cancel", json={"task_id": task_id}), 409, "algo_cancel_refused"
    )
    assert "已结束" in error["message"]
    assert_error(
        http.post("/api/trading/smart_algo/cancel", json={"task_id": 99}), 409, "algo_cancel_refused"
    )
    with sqlite3.connect(tmp_path / "trading_journal.sqlite3") as db:  # every cancel asked, for the record
        logged = db.execute("SELECT request, answer FROM requests WHERE kind = 'algo_cancel'").fetchall()
    assert [(json.loads(r)["task_id"], json.loads(a)["success"]) for r, a in logged] == [
        (task_id, True),
        (task_id, False),
        (99, False),
    ]


def test_a_cancel_without_answer_is_504(http: httpx.Client, algos: ModuleType) -> None:
    task_id = ok(http.post("/api/trading/smart_algo/order", json=TASK))["task_id"]
    algos.SILENT.add("cancel_smart_algo_task_async")
    error = assert_error(
        http.post("/api/trading/smart_algo/cancel", json={"task_id": task_id}), 504, "trader_timeout"
    )
    assert error["details"]["task_id"] == task_id


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"end_time": "10:00:00"}, "end_time"),  # not after start_time
        ({"start_time": "9:30:00"}, "start_time"),
        ({"start_time": "24:00:00"}, "start_time"),
        ({"price_type": 5}, "price_type"),
        ({"order_type": 25}, "order_type"),
        ({"order_volume": 0}, "order_volume"),
        ({"algo_name": ""}, "algo_name"),
        ({"client_task_id": "has space"}, "client_task_id"),
        ({"algo_param": {"m_x": [1]}}, "algo_param"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_bodies_are_422_and_send_nothing(
    http: httpx.Client, xt: ModuleType, change: dict, param: str
) -> None:
    error = assert_error(http.post("/api/trading/smart_algo/order", json={**TASK, **change}), 422)
    assert param in str(error["details"])
    assert (
        calls(xt, "smart_algo_order_async") == [] and ok(http.get("/api/trading/smart_algo/requests")) == []
    )


def test_the_end_one_second_after_the_start_is_taken(http: httpx.Client) -> None:
    body = {**TASK, "start_time": "10:00:00", "end_time": "10:00:01"}
    assert ok(http.post("/api/trading/smart_algo/order", json=body))["state"] == "accepted"


def test_the_whole_volume_is_checked_as_one_order(http: httpx.Client, xt: ModuleType) -> None:
    assert_error(http.post("/api/trading/smart_algo/order", json={**TASK, "order_volume": 3050}), 400)
    assert_error(http.post("/api/trading/smart_algo/order", json={**TASK, "stock_code": "999999.SH"}), 404)
    assert_error(http.post("/api/trading/smart_algo/order", json={**TASK, "price_type": 11, "price": 0}), 400)
    assert calls(xt, "smart_algo_order_async") == []


def test_the_kill_switch_refuses_tasks(http: httpx.Client, xt: ModuleType) -> None:
    assert http.post("/api/trading/kill_switch", json={"engaged": True, "reason": "test"}).status_code == 200
    assert_error(http.post("/api/trading/smart_algo/order", json=TASK), 403)
    assert calls(xt, "smart_algo_order_async") == []


def test_the_key_is_needed(http: httpx.Client) -> None:
    bare = httpx.post(f"{http.base_url}/api/trading/smart_algo/order", json=TASK)
    assert bare.status_code == 401
    assert httpx.get(f"{http.base_url}/api/trading/smart_algo/tasks").status_code == 401


def test_an_unknown_request_is_settled_by_the_task_that_matches_it_alone(
    http: httpx.Client, algos: ModuleType
) -> None:
    algos.SILENT.add("smart_algo_order_async")
    body = {**TASK, "client_task_id": "lost-1"}
    assert ok(http.post("/api/trading/smart_algo/order", json=body), 202)["state"] == "unknown"
    # A second unknown request with another volume: each is settled by its own task, never by the other.
    other = ok(http.post("/api/trading/smart_algo/order", json={**TASK, "order_volume": 3100}), 202)
    tasks = {t["order_num"]: t for t in ok(http.get("/api/trading/smart_algo/tasks"))}
    assert (
        tasks[3000]["client_task_id"] == "lost-1" and tasks[3100]["client_task_id"] == other["client_task_id"]
    )
    records = {r["client_task_id"]: r for r in ok(http.get("/api/trading/smart_algo/requests"))}
    settled = records["lost-1"]
    assert (settled["state"], settled["task_id"]) == ("accepted", tasks[3000]["task_id"])
    assert "reconciled" in settled["msg"]
    # The same id again is now the accepted task, still sent once.
    again = ok(http.post("/api/trading/smart_algo/order", json=body))
    assert again["duplicate"] is True and again["task_id"] == tasks[3000]["task_id"]


def test_requests_that_look_alike_stay_unknown(http: httpx.Client, algos: ModuleType) -> None:
    algos.SILENT.add("smart_algo_order_async")
    for client_task_id in ("twin-1", "twin-2"):
        body = {**TASK, "client_task_id": client_task_id}
        assert ok(http.post("/api/trading/smart_algo/order", json=body), 202)["state"] == "unknown"
    assert [t["client_task_id"] for t in ok(http.get("/api/trading/smart_algo/tasks"))] == [None, None]
    assert {r["state"] for r in ok(http.get("/api/trading/smart_algo/requests"))} == {"unknown"}


def test_a_window_of_another_length_is_not_a_match(http: httpx.Client, algos: ModuleType) -> None:
    algos.SILENT.add("smart_algo_order_async")
    ok(http.post("/api/trading/smart_algo/order", json={**TASK, "client_task_id": "w-1"}), 202)
    algos.TASKS[1]["end_time"] += 1  # the counter's task runs one second longer than asked
    assert [t["client_task_id"] for t in ok(http.get("/api/trading/smart_algo/tasks"))] == [None]
    assert [r["state"] for r in ok(http.get("/api/trading/smart_algo/requests"))] == ["unknown"]
