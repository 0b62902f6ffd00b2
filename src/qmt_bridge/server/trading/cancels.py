"""Cancels of orders, one or all of an account's: the cancel half of :class:`TradingService`.

The server checks that the order can still be cancelled (409 otherwise) and logs every request with its
answer; the counter's ``cancel_order_stock`` result 0 means the request was taken, the order's final state
comes as an event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmt_bridge.server.errors import BridgeError, Conflict
from qmt_bridge.server.trading.counter_errors import CounterRefused

if TYPE_CHECKING:
    from qmt_bridge.server.trading.journal import Journal


class Cancels:
    """Mixed into :class:`~qmt_bridge.server.trading.service.TradingService`."""

    account_ids: list[str]
    journal: Journal

    if TYPE_CHECKING:  # TradingService's

        def account_id(self, requested: str | None) -> str: ...
        def trader_account(self, account_id: str) -> Any: ...
        async def call(self, method: str, *args: Any) -> Any: ...
        async def order(self, order_id: int, account_id: str | None) -> dict[str, Any]: ...
        async def orders(
            self, account_id: str | None, cancelable_only: bool = False
        ) -> list[dict[str, Any]]: ...

    async def cancel(self, order_id: int, account_id: str | None) -> dict[str, Any]:
        """Ask the counter to cancel an order: 404 unknown, 409 when it cannot be cancelled any more.

        ``cancel_result`` 0 means the request was accepted, not that the order is cancelled: the final state
        comes as an order event (``cancelled``) or a ``cancel_error`` event.
        """
        account = self.account_id(account_id)
        order = await self.order(order_id, account)
        if not order["normalized"]["is_cancelable"]:
            raise Conflict(
                "order_id",
                f"order {order_id} is {order['normalized']['state']} ({order['normalized']['status_name']}): "
                "it cannot be cancelled",
                value=order_id,
                code="order_not_cancelable",
            )
        result = await self.call("cancel_order_stock", self.trader_account(account), order_id)
        answer = {
            "order_id": order_id,
            "account_id": account,
            "cancel_result": result,
            "status": "cancel_requested" if result == 0 else "cancel_refused",
            "order": order,
        }
        self.journal.log_request("cancel", account, {"order_id": order_id}, answer)
        if result != 0:
            raise CounterRefused(
                f"the counter refused to cancel order {order_id} (cancel_order_stock returned {result})",
                details={"order_id": order_id, "cancel_result": result},
            )
        return answer

    async def cancel_all(self, account_id: str | None = None) -> list[dict[str, Any]]:
        """Cancel every cancelable order of one account (or of all when None); one result per order."""
        accounts = [self.account_id(account_id)] if account_id else self.account_ids
        results = []
        for account in accounts:
            for order in await self.orders(account, cancelable_only=True):
                try:
                    await self.cancel(order["order_id"], account)
                    results.append({"order_id": order["order_id"], "account_id": account, "cancel_result": 0})
                except BridgeError as exc:  # the error as /cancel and batch_cancel give it
                    error = {"code": exc.code, "message": exc.message}
                    results.append({"order_id": order["order_id"], "account_id": account, "error": error})
        return results
