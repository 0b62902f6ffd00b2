"""Smart algorithm orders (智能算法: TWAP, VWAP, ...): ``/api/trading/smart_algo/*``.

Like the trading methods they need the API key or request signing, and they return what the server's answer
holds under ``data``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from qmt_bridge.client.base import ClientMixin
from qmt_bridge.client.trading import new_client_order_id, trading_doc

__all__ = ["SmartAlgoMixin"]


class SmartAlgoMixin(ClientMixin):
    """``/api/trading/smart_algo/*``."""

    def smart_algo_params(self, algos: Iterable[str] = ("TWAP", "VWAP")) -> dict[str, list[dict[str, Any]]]:
        return self._request("GET", "/api/trading/smart_algo/params", params={"algos": ",".join(algos)})[
            "data"
        ]

    smart_algo_params.__doc__ = trading_doc(
        """The parameters of the named algorithms (xttrader.get_smart_algo_param).

        Args:
            algos: Algorithm names, e.g. ``("VWAP",)``; at most 20.

        Returns:
            ``{algo_name: [param, ...]}``, each param with ``key`` (the key for ``algo_param``), ``name``,
            ``valueRange``, ``defaultValue``, ``unit`` ...; names the counter does not know are left out."""
    )

    def smart_algo_order(
        self,
        stock_code: str,
        order_type: int,
        order_volume: int,
        algo_name: str,
        start_time: str,
        end_time: str,
        price: float = 0.0,
        price_type: int = 11,
        algo_param: Mapping[str, Any] | None = None,
        strategy_name: str = "",
        order_remark: str = "",
        account_id: str = "",
        client_task_id: str | None = None,
    ) -> dict[str, Any]:
        return self._request(
            "POST",
            "/api/trading/smart_algo/order",
            json={
                "stock_code": stock_code,
                "order_type": order_type,
                "order_volume": order_volume,
                "price_type": price_type,
                "price": price,
                "algo_name": algo_name,
                "start_time": start_time,
                "end_time": end_time,
                "algo_param": dict(algo_param or {}),
                "strategy_name": strategy_name,
                "order_remark": order_remark,
                "account_id": account_id,
                "client_task_id": client_task_id or new_client_order_id(),
            },
            idempotent=True,  # the client_task_id makes a repeat return the first task, never a second one
        )["data"]

    smart_algo_order.__doc__ = trading_doc(
        """Start a smart algorithm task (xttrader.smart_algo_order_async): the counter trades ``order_volume``
        as child orders between ``start_time`` and ``end_time`` today.

        Args:
            stock_code: e.g. ``"600000.SH"``.
            order_type: 23 buy (``xtconstant.STOCK_BUY``), 24 sell.
            order_volume: The whole task's volume (shares, or 张 for bonds), in lots.
            algo_name: e.g. ``"TWAP"``, ``"VWAP"`` (:meth:`smart_algo_params`).
            start_time: ``"HH:MM:SS"`` today, China time.
            end_time: ``"HH:MM:SS"``, after ``start_time``.
            price: The limit price, for ``price_type`` 11.
            price_type: 11 limit (no child beyond ``price``), 12 market.
            algo_param: The algorithm's parameters by key, e.g. ``{"m_dLimitOverRate": 0.25}``.
            strategy_name: Given to every child order.
            order_remark: Given to every child order.
            account_id: Empty for the server's first account.
            client_task_id: Your id of the task: sending it again returns the first request's record and
                starts nothing (also after a server restart). Made here when omitted, so that the client's own
                retries after a lost answer are safe.

        Returns:
            The request's record: ``state`` ``"accepted"`` with the counter's ``task_id``, or ``"unknown"``
            (HTTP 202: the counter did not answer in time; the task may be running, see
            :meth:`query_smart_algo_tasks`; it is never sent again), ``client_task_id``, ``request``, ...""",
        denied=", or the kill switch or a risk limit refuses it",
        more=".\n            BadRequestError: The whole volume is not a valid order (lots, price band)"
        ".\n            UnprocessableEntityError: A malformed body (times, types, end not after start)"
        ".\n            ConflictError: The counter refused the task (``code`` ``algo_refused``, its message in"
        " ``message``), or ``client_task_id`` was used for another task (``client_task_id_reused``)"
        ".\n            GatewayTimeoutError: The trader call did not answer (outcome unknown)",
    )

    def query_smart_algo_tasks(self, account_id: str = "") -> list[dict[str, Any]]:
        return self._request("GET", "/api/trading/smart_algo/tasks", params={"account_id": account_id})[
            "data"
        ]

    query_smart_algo_tasks.__doc__ = trading_doc(
        """The account's tasks as the counter has them (xttrader.query_smart_algo_task).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            A list of tasks: ``task_id``, ``status`` (running, cancelled, finished, paused), ``task_status``
            (1001-1004), ``order_num``, ``business_num`` (filled), ``order_id_list`` (the child orders),
            ``client_task_id`` (None for a task started elsewhere) ..."""
    )

    def cancel_smart_algo_task(self, task_id: int, account_id: str = "") -> dict[str, Any]:
        return self._request(
            "POST", "/api/trading/smart_algo/cancel", json={"task_id": task_id, "account_id": account_id}
        )["data"]

    cancel_smart_algo_task.__doc__ = trading_doc(
        """Stop a task (xttrader.cancel_smart_algo_task_async); its open child orders are cancelled.

        Args:
            task_id: The counter's task id.
            account_id: Empty for the server's first account.

        Returns:
            ``{"account_id", "task_id", "success": True, "operate_reason"}``.""",
        ".\n            ConflictError: The counter refused (the task has ended, or is unknown: ``code``"
        " ``algo_cancel_refused``)"
        ".\n            GatewayTimeoutError: The counter did not answer in time",
    )

    def query_smart_algo_requests(
        self, start_date: str = "", end_date: str = "", account_id: str = ""
    ) -> list[dict[str, Any]]:
        return self._request(
            "GET",
            "/api/trading/smart_algo/requests",
            params={"start_date": start_date, "end_date": end_date, "account_id": account_id},
        )["data"]

    query_smart_algo_requests.__doc__ = trading_doc(
        """Every task request sent through this server over a range of days, newest first, with its outcome.

        Args:
            start_date: ``YYYYMMDD``; empty for 30 days before ``end_date``.
            end_date: ``YYYYMMDD``, inclusive; empty for the counter's today.
            account_id: Empty for the server's first account.

        Returns:
            A list of request records (``state`` accepted, refused, unknown or not_sent; ``task_id``;
            ``client_task_id``; ``request``).""",
        ".\n            BadRequestError: A malformed or reversed range of days",
    )
