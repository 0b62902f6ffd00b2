"""Smart algorithm orders (智能算法: TWAP, VWAP, ...): a task the counter executes as child orders over a time
window, through xttrader's ``smart_algo_order_async`` and its companions.

A task is handled as an order is: checked first as one order of its whole volume (the code, lots, the limit
price in the day's band, the sellable volume, the risk limits and the kill switch: the same 4xx as ``/order``),
written to the journal as ``pending`` (:mod:`.algo_records`), then sent; the counter's answer comes through
``on_smart_algo_order_async_response`` (matched by ``seq``, :mod:`.responses`): ``accepted`` with the task id,
or ``refused`` with the counter's message (409). No answer in time is ``unknown`` (504): the task may be
running, so it is never sent again, and the same ``client_task_id`` keeps answering ``unknown``. The child
orders are ordinary orders of the account: they stream on ``/ws/trade`` and show in ``/api/trading/orders``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Mapping
from typing import Any

import orjson

from qmt_bridge.server.errors import Conflict
from qmt_bridge.server.trading import journal as jr
from qmt_bridge.server.trading.algo_records import ACCEPTED, REFUSED
from qmt_bridge.server.trading.counter_errors import recorded_call
from qmt_bridge.server.trading.events import plain_attributes
from qmt_bridge.server.trading.service import (
    CounterRefused,
    OutcomeUnknown,
    TradingService,
    new_client_order_id,
)
from qmt_bridge.server.trading.validation import FIX_PRICE

MARKET = 12
#: The market order type each exchange's checks use for a market task: best five, rest cancelled.
MARKET_CHECKED_AS = {"SH": 42, "BJ": 42, "SZ": 47}
#: xtconstant's OCS_TASK_STATUS_*.
TASK_STATUSES = {1001: "running", 1002: "cancelled", 1003: "finished", 1004: "paused"}
TASK_FIELDS = (
    "task_id", "task_status", "task_msg", "start_time", "end_time", "cancel_time", "order_num", "business_num",
    "group_id", "algo_id", "account_id", "account_type", "strategy_name", "order_remark", "order_id_list",
)  # fmt: skip
#: The fields of a request that decide whether a repeat under one client_task_id is the same task.
REQUEST_FIELDS = (
    "account_id", "stock_code", "order_type", "order_volume", "price_type", "price", "algo_name", "start_time",
    "end_time", "algo_param", "strategy_name", "order_remark",
)  # fmt: skip


async def params(service: TradingService, names: list[str]) -> dict[str, Any]:
    """``get_smart_algo_param``: each known algorithm's parameters (the counter leaves unknown names out)."""
    found = await service.call("get_smart_algo_param", list(names))
    return {
        str(name): [plain_attributes(p, ()) for p in items or []] for name, items in (found or {}).items()
    }


async def submit(
    service: TradingService, request: Mapping[str, Any], client_id: str | None = None
) -> tuple[int, dict[str, Any]]:
    """Start one task; ``(http_status, record)``: 200 accepted (or a repeat), 202 when the outcome is unknown."""
    account = service.account_id(request.get("account_id"))
    asked = {**{name: request.get(name) for name in REQUEST_FIELDS}, "account_id": account}
    client_task_id = request.get("client_task_id") or new_client_order_id()
    records = service.algos
    async with service.order_lock:
        known = records.find(client_task_id)
        if known is not None:
            return _repeat(known, asked)
        await service.check(_as_order(asked))
        trader_account = service.trader_account(account)
        day = service.ctx.backend.today().strftime("%Y%m%d")
        request_id = records.begin(client_task_id, account, day, asked, client_id)
        seq = await recorded_call(
            service.call,
            "smart_algo_order_async",
            (
                trader_account,
                asked["stock_code"],
                asked["order_type"],
                asked["order_volume"],
                asked["price_type"],
                asked["price"],
                asked["strategy_name"],
                asked["order_remark"],
                asked["algo_name"],
                asked["start_time"],
                asked["end_time"],
                dict(asked["algo_param"]),  # xttrader writes the window into it
            ),
            record=lambda state, message: records.finish(request_id, state, message),
            details={"request_id": request_id, "client_task_id": client_task_id},
            look="the task's outcome is unknown: check /api/trading/smart_algo/tasks",
        )
    if not isinstance(seq, int) or seq <= 0:
        records.finish(
            request_id, REFUSED, f"smart_algo_order_async answered {seq!r}: the request was not sent"
        )
        raise _refused(records.one(request_id))
    response = await service.responses.wait("algo_order_response", seq, service.call_timeout)
    if response is None:
        message = (
            f"the counter did not answer the task request (seq {seq}) within {service.call_timeout:g} s; "
            "it may be running: check /api/trading/smart_algo/tasks, it is not sent again"
        )
        records.finish(request_id, jr.UNKNOWN, message)
        return 202, _answer(records.one(request_id))
    task_id = int(response.get("task_id") or 0)
    error = str(response.get("error_msg") or "")
    if task_id <= 0 or error:
        records.finish(request_id, REFUSED, error or f"no task id in the counter's answer {dict(response)!r}")
        raise _refused(records.one(request_id))
    records.finish(request_id, ACCEPTED, "", task_id)
    return 200, _answer(records.one(request_id))


async def tasks(service: TradingService, account_id: str | None) -> list[dict[str, Any]]:
    """``query_smart_algo_task``: the account's tasks as the counter has them, each with its ``status`` name
    and the ``client_task_id`` of the request that started it (None for tasks started elsewhere)."""
    account = service.account_id(account_id)
    found = await service.call("query_smart_algo_task", service.trader_account(account))
    views = []
    for item in found or []:
        task = plain_attributes(item, TASK_FIELDS)
        status = task.get("task_status")
        task["status"] = (
            TASK_STATUSES.get(int(status), "unknown") if str(status).lstrip("-").isdigit() else "unknown"
        )
        views.append(task)
    ids = service.algos.client_task_ids(account)
    _reconcile(service, account, views, ids)
    for task in views:
        task["client_task_id"] = ids.get(int(task.get("task_id") or 0))
    return views


def _reconcile(
    service: TradingService, account: str, views: list[dict[str, Any]], ids: dict[int, str]
) -> None:
    """Settle ``unknown`` requests of today from the counter's tasks: a request and a task that match each
    other alone (volume, strategy name, remark, the window's length) are the same, and the record becomes
    ``accepted`` with its task id (added to ``ids``, task id -> client_task_id). Ambiguous ones stay unknown:
    a wrong match would be worse than none."""
    day = service.ctx.backend.today().strftime("%Y%m%d")
    unknown = [r for r in service.algos.of_account(account, day, day) if r["state"] == jr.UNKNOWN]
    free = [t for t in views if int(t.get("task_id") or 0) > 0 and int(t["task_id"]) not in ids]
    task_of = {_task_signature(t): int(t["task_id"]) for t in free}
    task_counts = Counter(_task_signature(t) for t in free)
    wanted = [(record, _request_signature(record)) for record in unknown]
    request_counts = Counter(signature for _, signature in wanted)
    for record, signature in wanted:
        if request_counts[signature] == 1 and task_counts[signature] == 1:
            task_id = task_of[signature]
            service.algos.finish(
                record["request_id"],
                ACCEPTED,
                f"reconciled: the counter's task {task_id} matches this request (its answer had not come)",
                task_id,
            )
            ids[task_id] = record["client_task_id"]


def _request_signature(record: dict[str, Any]) -> tuple[Any, ...]:
    """What a request and its task both show: the volume, the names, and the window's length (the task's
    moments are epoch seconds at the counter machine's local time, which the length does not depend on)."""
    asked = record["request"]
    start, end = (dt.time.fromisoformat(asked[name]) for name in ("start_time", "end_time"))
    length = (end.hour - start.hour) * 3600 + (end.minute - start.minute) * 60 + end.second - start.second
    return int(asked["order_volume"]), str(asked["strategy_name"]), str(asked["order_remark"]), length


def _task_signature(task: dict[str, Any]) -> tuple[Any, ...]:
    length = int(task.get("end_time") or 0) - int(task.get("start_time") or 0)
    return (
        int(task.get("order_num") or 0),
        str(task.get("strategy_name") or ""),
        str(task.get("order_remark") or ""),
        length,
    )


async def cancel(service: TradingService, account_id: str | None, task_id: int) -> dict[str, Any]:
    """``cancel_smart_algo_task_async``: the counter's answer (``success``, ``operate_reason``); 409 with its
    message when it refuses, 504 when it does not answer in time."""
    account = service.account_id(account_id)
    seq = await service.call("cancel_smart_algo_task_async", service.trader_account(account), task_id)
    if not isinstance(seq, int) or seq <= 0:
        raise CounterRefused(
            f"cancel_smart_algo_task_async answered {seq!r}: the request was not sent",
            details={"task_id": task_id},
            code="algo_cancel_refused",
        )
    response = await service.responses.wait("algo_task_response", seq, service.call_timeout)
    if response is None:
        raise OutcomeUnknown(
            f"the counter did not answer the cancel of task {task_id} within {service.call_timeout:g} s; "
            "see /api/trading/smart_algo/tasks",
            details={"task_id": task_id},
        )
    service.journal.log_request("algo_cancel", account, {"task_id": task_id}, dict(response))
    if not response.get("success"):
        message = str(response.get("error_msg") or response.get("operate_reason") or "")
        raise CounterRefused(
            f"the counter refused to cancel task {task_id}: {message}",
            details={"task_id": task_id, "msg": message},
            code="algo_cancel_refused",
        )
    return {
        "account_id": account,
        "task_id": task_id,
        "success": True,
        "operate_reason": str(response.get("operate_reason") or ""),
    }


def requests(
    service: TradingService, account_id: str | None, start_date: str, end_date: str
) -> list[dict[str, Any]]:
    """The task requests sent through this server from ``start_date`` to ``end_date`` (YYYYMMDD, the counter's
    days, inclusive), newest first: every one, refused and unknown ones too."""
    account = service.account_id(account_id)
    return [_answer(row) for row in service.algos.of_account(account, start_date, end_date)]


def _as_order(asked: Mapping[str, Any]) -> dict[str, Any]:
    """The task as one order of its whole volume, for the order checks."""
    market = str(asked["stock_code"]).rsplit(".", 1)[-1].upper()
    market_type = MARKET_CHECKED_AS.get(market, FIX_PRICE)
    return {
        "account_id": asked["account_id"],
        "stock_code": asked["stock_code"],
        "order_type": asked["order_type"],
        "order_volume": asked["order_volume"],
        "price_type": market_type if asked["price_type"] == MARKET else FIX_PRICE,
        "price": asked["price"],
    }


def _repeat(known: dict[str, Any], asked: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    if _fingerprint(known["request"]) != _fingerprint(asked):
        raise Conflict(
            "client_task_id",
            f"client_task_id {known['client_task_id']!r} was used for a different task request",
            value=known["client_task_id"],
            code="client_task_id_reused",
        )
    answer = {**_answer(known), "duplicate": True}
    return (202 if known["state"] in (jr.UNKNOWN, jr.PENDING) else 200), answer


def _fingerprint(request: Mapping[str, Any]) -> str:
    body = {name: request.get(name) for name in REQUEST_FIELDS}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _answer(record: dict[str, Any] | None) -> dict[str, Any]:
    assert record is not None  # the row was written just before
    return dict(record)


def _refused(record: dict[str, Any] | None) -> CounterRefused:
    assert record is not None
    return CounterRefused(
        f"the counter refused the task: {record['msg']}",
        details={
            "request_id": record["request_id"],
            "client_task_id": record["client_task_id"],
            "msg": record["msg"],
        },
        code="algo_refused",
    )
