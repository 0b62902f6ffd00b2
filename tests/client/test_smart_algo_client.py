"""The client's smart algorithm methods (``client/smart_algo.py``) end to end against a server on the simulator
(frozen at 10:00 of a trading day), and the safety of their retries: a task request carries a
``client_task_id`` (made by the client when omitted), so a retry after a lost answer starts no second task;
a cancel is never retried."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import LosesTheFirstAnswer, serve_in_thread, trading_app
from helpers import scripted_client as scripted
from qmt_bridge.client import QMTClient
from qmt_bridge.client.errors import APIConnectionError, ConflictError

TASK = {"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100, "algo_name": "VWAP",
        "start_time": "10:00:00", "end_time": "11:30:00", "price_type": 12}  # fmt: skip


def test_the_methods_against_a_real_server(tmp_path: Path) -> None:
    with serve_in_thread(trading_app(tmp_path, "k")) as url:
        client = QMTClient(base_url=url, api_key="k")
        assert set(client.smart_algo_params()) == {"TWAP", "VWAP"}
        assert list(client.smart_algo_params(["VWAP"])) == ["VWAP"]
        record = client.smart_algo_order(**TASK, strategy_name="by-client", client_task_id="c-1")
        assert (record["state"], record["client_task_id"]) == ("accepted", "c-1")
        [task] = client.query_smart_algo_tasks()
        assert (task["task_id"], task["status"], task["client_task_id"]) == (
            record["task_id"],
            "running",
            "c-1",
        )
        assert client.query_smart_algo_requests() == [record]
        assert client.cancel_smart_algo_task(record["task_id"])["success"] is True
        with pytest.raises(ConflictError) as refused:
            client.cancel_smart_algo_task(record["task_id"])
        assert refused.value.code == "algo_cancel_refused"


def test_a_task_whose_answer_was_lost_is_retried_into_the_same_task(tmp_path: Path) -> None:
    with serve_in_thread(trading_app(tmp_path, "k")) as url:
        opener = LosesTheFirstAnswer()
        client = QMTClient(base_url=url, api_key="k", opener=opener)
        client._sleep = lambda _seconds: None  # type: ignore[method-assign]
        record = client.smart_algo_order(**TASK)  # no client_task_id given: the client made one
        assert opener.sent == 2 and record["duplicate"] is True and record["client_task_id"].startswith("qc-")
        assert len(QMTClient(base_url=url, api_key="k").query_smart_algo_tasks()) == 1


def test_a_cancel_is_never_retried() -> None:
    client, opener = scripted(ConnectionResetError(104, "reset"))
    with pytest.raises(APIConnectionError):
        client.cancel_smart_algo_task(3)
    assert len(opener.requests) == 1 and opener.bodies() == [{"task_id": 3, "account_id": ""}]
