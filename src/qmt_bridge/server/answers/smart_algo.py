"""The 200 answers of ``/api/trading/smart_algo/*`` (``routers/smart_algo.py``).

A request record is the bridge's (the journal's); tasks and parameters keep xttrader's keys
(``doc/xttrader.md``: get_smart_algo_param, query_smart_algo_task).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from qmt_bridge.server.answers import documented

_REQUEST = {
    "stock_code": "000001.SZ",
    "order_type": 23,
    "order_volume": 10000,
    "price_type": 11,
    "price": 11.65,
    "algo_name": "VWAP",
    "start_time": "10:25:00",
    "end_time": "14:50:00",
    "algo_param": {"m_dLimitOverRate": 0.25},
    "strategy_name": "smart_algo_demo",
    "order_remark": "",
    "account_id": "SIM000001",
}
_RECORD = {
    "request_id": 1,
    "client_task_id": "vwap-20251120-1",
    "account_id": "SIM000001",
    "state": "accepted",
    "task_id": 1,
    "msg": "",
    "date": "20251120",
    "at": "2026-12-05T10:20:00+08:00",
    "request": _REQUEST,
}
_TASK = {
    "task_id": 1,
    "task_status": 1001,
    "task_msg": "运行中",
    "start_time": 1763605500,
    "end_time": 1763621400,
    "cancel_time": 0,
    "order_num": 10000,
    "business_num": "2300",
    "group_id": "",
    "algo_id": "1",
    "account_id": "SIM000001",
    "account_type": 2,
    "strategy_name": "smart_algo_demo",
    "order_remark": "",
    "order_id_list": [12, 13, 14],
    "status": "running",
    "client_task_id": "vwap-20251120-1",
}


class AlgoRequestRecord(BaseModel):
    """One smart algorithm request sent through this server."""

    model_config = ConfigDict(extra="forbid")

    request_id: int = Field(..., description="the server's number of the request")
    client_task_id: str
    account_id: str
    state: str = Field(
        ...,
        description="accepted (task_id is the counter's task); refused (msg says why); unknown (no answer in "
        "time: the task may be running, check the tasks; it is never sent again); not_sent (the trader was "
        "not connected); pending (being sent)",
    )
    task_id: int | None = Field(..., description="the counter's task id once accepted")
    msg: str = Field(..., description="the counter's message, or why the outcome is unknown")
    date: str = Field(..., description="YYYYMMDD: the counter's day when it was asked")
    at: str = Field(..., description="ISO 8601, China time: when the server sent it (the host's clock)")
    request: dict[str, Any] = Field(..., description="what was asked (the body, account resolved)")
    duplicate: bool | None = Field(
        None, description="true when the client_task_id was sent before: this is the first request's record"
    )


class AlgoRequestAnswer(BaseModel):
    """A task request the counter accepted (or, with 202, one whose outcome is unknown)."""

    model_config = documented({"data": _RECORD})

    data: AlgoRequestRecord


class AlgoRequestsAnswer(BaseModel):
    """The task requests sent through this server, newest first."""

    model_config = documented({"data": [_RECORD]})

    data: list[AlgoRequestRecord]


class AlgoTask(BaseModel):
    """A task as the counter has it (xttrader.query_smart_algo_task), with its status's name and the
    client_task_id of the request that started it."""

    model_config = ConfigDict(extra="allow")

    task_id: int | None = None
    task_status: int | str | None = Field(
        None, description="1001 running, 1002 cancelled, 1003 finished, 1004 paused"
    )
    task_msg: str | None = None
    start_time: int | None = Field(None, description="epoch seconds")
    end_time: int | None = Field(None, description="epoch seconds")
    order_num: int | None = Field(None, description="the task's volume")
    business_num: str | int | float | None = Field(None, description="the volume filled so far")
    order_id_list: list[Any] | None = Field(None, description="the child orders' ids")
    status: str = Field(..., description="running, cancelled, finished, paused or unknown")
    client_task_id: str | None = Field(..., description="null for a task not started through this server")


class AlgoTasksAnswer(BaseModel):
    """The account's smart algorithm tasks."""

    model_config = documented({"data": [_TASK]})

    data: list[AlgoTask]


class AlgoCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: str
    task_id: int
    success: bool
    operate_reason: str = Field(..., description="the counter's note")


class AlgoCancelAnswer(BaseModel):
    """The counter took the cancel: the task stops and its open child orders are cancelled."""

    model_config = documented(
        {"data": {"account_id": "SIM000001", "task_id": 1, "success": True, "operate_reason": "撤销成功"}}
    )

    data: AlgoCancel


class AlgoParamsAnswer(BaseModel):
    """Each known algorithm's parameters (xttrader.get_smart_algo_param); unknown names are left out."""

    model_config = documented(
        {
            "data": {
                "VWAP": [
                    {
                        "key": "m_dLimitOverRate",
                        "name": "量比",
                        "dataType": "double",
                        "valueRange": "0-100",
                        "defaultValue": "20",
                        "unit": "%",
                    }
                ]
            }
        }
    )

    data: dict[str, list[dict[str, Any]]]
