"""xttrader's smart algorithm calls (智能算法) on the simulated trader: ``get_smart_algo_param``,
``smart_algo_order_async``, ``query_smart_algo_task`` and ``cancel_smart_algo_task_async``. The simulated
counter runs TWAP and VWAP tasks as child orders of the account (:mod:`qmt_bridge.sim.broker.algo_desk`).

As xtquant's: ``start_time`` / ``end_time`` are ``'HH:MM:SS'`` of today (here the simulated clock's China
date); a bad one raises ``ValueError('错误的时间格式: ', time_str)`` and start >= end raises
``Exception('开始时间需小于截止时间')``, before anything else; ``algo_param`` (the caller's dict) gets
``m_nValidTimeStart`` / ``m_nValidTimeEnd`` (epoch seconds). The async calls answer a seq (> 0), later
``on_smart_algo_order_async_response(XtSmartAlgoOrderResponse)`` (``task_id`` 0 and ``error_msg`` when the
counter refused the task) or ``on_operate_smart_task_async_response(XtOperateSmartTaskResponse)``. A trader
that is not connected, or an account it has not subscribed, gets -1, ``[]`` or ``{}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qmt_bridge.sim.broker import BrokerClosed
from qmt_bridge.sim.broker.sessions import local_date
from qmt_bridge.sim.clock import CST
from qmt_bridge.sim.xttype import XtOperateSmartTaskResponse, XtSmartAlgoOrderResponse

NOT_USABLE = "资金账号不可用 (the trader is not connected, or has not subscribed the account)"


class AlgoCalls:
    """Mixed into :class:`qmt_bridge.sim.xttrader.XtQuantTrader`."""

    _broker: Any
    _seq: Any
    _connected: bool
    _dead: bool

    if TYPE_CHECKING:  # XtQuantTrader's

        def _account_id(self, account: Any, subscribed: bool = True) -> str | None: ...
        def _job(self, function: Callable[[], None]) -> None: ...
        def _respond(self, name: str, response: Any) -> None: ...
        def _query(self, account: Any, ask: Callable[[str], Any], failed: Any) -> Any: ...

    def get_smart_algo_param(self, algo_name_list: Any) -> Any:
        """``{algo_name: [param dict, ...]}`` for the names the simulator runs (TWAP, VWAP); others are left
        out. Each dict has xtquant's keys (key, name, dataType, valueRange, defaultValue, enumName, enumValue,
        unit, valueRangeByName, defaultValueByName); a ``%`` value is passed as a fraction."""
        if not self._connected or self._dead:
            return {}
        return self._broker.algo_params(algo_name_list)

    def _time_to_timestamp(self, time_str: str) -> int:
        """``'HH:MM:SS'`` of the simulated clock's China date, as epoch seconds."""
        try:
            time_obj = dt.datetime.strptime(time_str, "%H:%M:%S").time()
        except ValueError:
            raise ValueError("错误的时间格式: ", time_str) from None
        today = local_date(self._broker.clock.now())
        return int(dt.datetime.combine(today, time_obj, CST).timestamp())

    def smart_algo_order_async(
        self, account: Any, stock_code: str, order_type: int, order_volume: int, price_type: int, price: float,
        strategy_name: str, order_remark: str, algo_name: str, start_time: str, end_time: str, algo_param: dict,
    ) -> int:  # fmt: skip
        """Start a TWAP or VWAP task: a seq now, ``on_smart_algo_order_async_response`` later (the counter's
        refusals: :meth:`qmt_bridge.sim.broker.SimBroker.submit_algo`)."""
        start = self._time_to_timestamp(start_time)
        end = self._time_to_timestamp(end_time)
        if start >= end:
            raise Exception("开始时间需小于截止时间")
        algo_param["m_nValidTimeStart"] = start
        algo_param["m_nValidTimeEnd"] = end
        account_id = self._account_id(account)
        if account_id is None:
            return -1
        params = dict(algo_param)
        seq = next(self._seq)

        def submit() -> None:
            try:
                task_id, error = self._broker.submit_algo(
                    account_id, stock_code, order_type, order_volume, price_type, price, strategy_name,
                    order_remark, algo_name, start, end, params,
                )  # fmt: skip
            except BrokerClosed:
                task_id, error = 0, NOT_USABLE
            response = XtSmartAlgoOrderResponse(account_id, task_id, strategy_name, order_remark, error, seq)
            self._respond("on_smart_algo_order_async_response", response)

        self._job(submit)
        return seq

    def query_smart_algo_task(self, account: Any) -> Any:
        """The account's tasks (today's and those still running) as xtquant's dicts."""
        return self._query(account, self._broker.algo_tasks, [])

    def cancel_smart_algo_task_async(self, account: Any, task_id: int) -> int:
        """Cancel a running task (its open child orders too): a seq now,
        ``on_operate_smart_task_async_response`` later."""
        account_id = self._account_id(account)
        if account_id is None:
            return -1
        seq = next(self._seq)

        def cancel() -> None:
            try:
                success, reason, error = self._broker.cancel_algo_task(account_id, task_id)
            except BrokerClosed:
                success, reason, error = False, "", NOT_USABLE
            response = XtOperateSmartTaskResponse(seq, success, task_id, reason, error)
            self._respond("on_operate_smart_task_async_response", response)

        self._job(cancel)
        return seq
