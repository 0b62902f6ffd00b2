"""The fake trader's smart algorithm calls (``get_smart_algo_param``, ``smart_algo_order_async``,
``query_smart_algo_task``, ``cancel_smart_algo_task_async``), mixed into ``xttrader.XtQuantTrader``.

As the wheel: the times are ``'HH:MM:SS'`` of today (the machine's date, as ``xttrader._time_to_timestamp``
uses ``datetime.now()``); a bad one raises ``ValueError('错误的时间格式: ', time)``, start >= end raises
``Exception('开始时间需小于截止时间')``, both before a seq is taken; ``algo_param`` gets
``m_nValidTimeStart`` / ``m_nValidTimeEnd``. The seq's answer is ``on_smart_algo_order_async_response``.
The fake knows the algorithms in :data:`ALGOS`; another name is answered with ``task_id`` 0 and an
``error_msg``. A task is only recorded (status 1001 running): nothing is ordered. Test hooks:

* ``TASKS``: ``{task_id: task dict}`` (the keys of ``query_smart_algo_task``), across accounts;
  :func:`finish_task` ends one (1003) with a filled volume.
* ``SILENT``: method names whose async answer never comes (the seq is returned, no callback follows).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from xtquant.xttype import XtOperateSmartTaskResponse, XtSmartAlgoOrderResponse

RUNNING, CANCELED, FINISHED = 1001, 1002, 1003
ALGOS: dict[str, list[dict[str, Any]]] = {
    name: [
        {
            "key": "m_dLimitOverRate",
            "name": "量比",
            "dataType": "double",
            "valueRange": "0-100",
            "defaultValue": "20",
            "unit": "%",
        },
        {
            "key": "m_dMaxAmountPerOrder",
            "name": "委托最大金额",
            "dataType": "double",
            "valueRange": "0-",
            "defaultValue": "0",
            "unit": "元",
        },
    ]  # fmt: skip
    for name in ("TWAP", "VWAP")
}
TASKS: dict[int, dict[str, Any]] = {}
SILENT: set[str] = set()
_task_ids = itertools.count(1)


def reset() -> None:
    global _task_ids
    TASKS.clear()
    SILENT.clear()
    _task_ids = itertools.count(1)


def finish_task(task_id: int, business_num: int) -> None:
    """End a running task as the counter does at its end time."""
    TASKS[task_id].update(task_status=FINISHED, business_num=str(business_num), task_msg="任务完成")


def _timestamp(text: str) -> int:
    try:
        clock = dt.datetime.strptime(text, "%H:%M:%S").time()
    except ValueError:
        raise ValueError("错误的时间格式: ", text) from None
    return int(dt.datetime.combine(dt.date.today(), clock).timestamp())


class SmartAlgoCalls:
    """Mixed into the fake ``XtQuantTrader`` (uses its ``_query``, ``_async`` and ``_deliver``)."""

    def get_smart_algo_param(self, algo_name_list: list[str]) -> Any:
        def known() -> dict[str, Any]:
            return {name: [dict(p) for p in ALGOS[name]] for name in algo_name_list if name in ALGOS}

        return self._query("get_smart_algo_param", (algo_name_list,), known, {})  # type: ignore[attr-defined]

    def smart_algo_order_async(
        self, account: Any, stock_code: str, order_type: int, order_volume: int, price_type: int, price: float,
        strategy_name: str, order_remark: str, algo_name: str, start_time: str, end_time: str, algo_param: dict,
    ) -> int:  # fmt: skip
        start, end = _timestamp(start_time), _timestamp(end_time)
        if start >= end:
            raise Exception("开始时间需小于截止时间")
        algo_param["m_nValidTimeStart"], algo_param["m_nValidTimeEnd"] = start, end
        args = (account, stock_code, order_type, order_volume, price_type, price, strategy_name, order_remark,
                algo_name, start_time, end_time, dict(algo_param))  # fmt: skip

        def order(seq: int) -> None:
            task_id, error = 0, ""
            if algo_name not in ALGOS:
                error = f"未知的算法 {algo_name}"
            else:
                task_id = next(_task_ids)
                TASKS[task_id] = {
                    "task_id": task_id, "task_status": RUNNING, "task_msg": "运行中", "start_time": start,
                    "end_time": end, "cancel_time": 0, "order_num": order_volume, "business_num": "0",
                    "group_id": "", "algo_id": str(task_id), "account_id": account.account_id,
                    "account_type": account.account_type, "strategy_name": strategy_name,
                    "order_remark": order_remark, "order_id_list": [],
                }  # fmt: skip
            if "smart_algo_order_async" not in SILENT:
                response = XtSmartAlgoOrderResponse(
                    account.account_id, task_id, strategy_name, order_remark, error, seq
                )
                self._deliver("on_smart_algo_order_async_response", response)  # type: ignore[attr-defined]

        return self._async("smart_algo_order_async", args, order)  # type: ignore[attr-defined]

    def query_smart_algo_task(self, account: Any) -> Any:
        def tasks() -> list[dict[str, Any]]:
            return [dict(t) for t in TASKS.values() if t["account_id"] == account.account_id]

        return self._query("query_smart_algo_task", (account,), tasks, [])  # type: ignore[attr-defined]

    def cancel_smart_algo_task_async(self, account: Any, task_id: int) -> int:
        def cancel(seq: int) -> None:
            task = TASKS.get(task_id)
            if task is None or task["account_id"] != account.account_id:
                response = XtOperateSmartTaskResponse(seq, False, task_id, "", f"任务{task_id}不存在")
            elif task["task_status"] != RUNNING:
                response = XtOperateSmartTaskResponse(seq, False, task_id, "", f"任务{task_id}已结束")
            else:
                task.update(
                    task_status=CANCELED, cancel_time=int(dt.datetime.now().timestamp()), task_msg="已撤销"
                )
                response = XtOperateSmartTaskResponse(seq, True, task_id, "撤销成功", "")
            if "cancel_smart_algo_task_async" not in SILENT:
                self._deliver("on_operate_smart_task_async_response", response)  # type: ignore[attr-defined]

        return self._async("cancel_smart_algo_task_async", (account, task_id), cancel)  # type: ignore[attr-defined]
