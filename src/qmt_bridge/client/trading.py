"""Client methods for ``/api/trading/*``: orders, cancels and queries (the server needs ``--trading``).

Every method needs the API key (``QMTClient(api_key=...)``) or request signing (``client_id`` and
``secret_key``). Every order carries a ``client_order_id``; the client makes one when the caller gives none,
so that sending the same order again (after a timeout, say) returns the first order and places nothing. So
orders are retried like ``GET`` requests (connection errors, timeouts, 429/502/503/504): a retry of an order that
did reach the server answers that order, with ``"duplicate": true``.
Orders and their states: docs/trading.md.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["TradingMixin", "new_client_order_id", "trading_doc"]

STOCK_BUY, STOCK_SELL = 23, 24
LATEST_PRICE, FIX_PRICE = 5, 11


def new_client_order_id() -> str:
    """A fresh ``client_order_id``."""
    return "qc-" + uuid.uuid4().hex[:20]


_TRADING_RAISES = """
        Raises:
            AuthenticationError: No or a wrong API key (or signature).
            PermissionDeniedError: Trading is not enabled on the server{denied}.
            NotFoundError: ``account_id`` is not one of the server's accounts{more}.
            ServiceUnavailableError: The trader is not connected.
            APIConnectionError: The server cannot be reached.
"""


def trading_doc(text: str, more: str = "", denied: str = "") -> str:
    """The docstring of a method of the trading, transfer or smart-algorithm routes: ``text``, then the errors
    every such call can raise; ``denied`` continues the PermissionDeniedError line, ``more`` the NotFoundError
    line (further errors as ``".\n            XError: ..."``)."""
    return text.rstrip() + "\n" + _TRADING_RAISES.format(denied=denied, more=more)


def _order_body(
    stock_code: str,
    order_type: int,
    order_volume: int,
    price_type: int = LATEST_PRICE,
    price: float = 0.0,
    strategy_name: str = "",
    order_remark: str = "",
    account_id: str = "",
    client_order_id: str | None = None,
) -> dict[str, Any]:
    return {
        "stock_code": stock_code,
        "order_type": order_type,
        "order_volume": order_volume,
        "price_type": price_type,
        "price": price,
        "strategy_name": strategy_name,
        "order_remark": order_remark,
        "account_id": account_id,
        "client_order_id": client_order_id or new_client_order_id(),
    }


#: The keys an order of :meth:`TradingMixin.batch_order` may have.
ORDER_FIELDS = frozenset(inspect.signature(_order_body).parameters)


class TradingMixin(ClientMixin):
    """Trading: ``/api/trading/*``."""

    def place_order(
        self,
        stock_code: str,
        order_type: int,
        order_volume: int,
        price_type: int = LATEST_PRICE,
        price: float = 0.0,
        strategy_name: str = "",
        order_remark: str = "",
        account_id: str = "",
        *,
        client_order_id: str | None = None,
    ) -> dict[str, Any]:
        """Place one order (``POST /api/trading/order``).

        Args:
            stock_code: e.g. ``"000001.SZ"``.
            order_type: 23 buy, 24 sell.
            order_volume: Shares (stocks, funds) or 张 (bonds); buys in lots (100; STAR 200 then 1; bonds 10).
            price_type: 5 latest price (default: a limit order at the last trade price), 11 limit; market
                types 42–48 as xtquant's.
            price: The limit price (``price_type=11``).
            strategy_name: Free text kept with the order.
            order_remark: Free text kept with the order.
            account_id: Empty for the server's first account.
            client_order_id: Your id of the order; one is made when omitted. Sending an order again with the
                same id returns the first one and places nothing.

        Returns:
            ``{"order_id", "client_order_id", "status", "error", "order"}``: ``status`` is the order's state
            (``open``, ``filled``, ``rejected`` with ``error`` ...; ``unknown`` when the trader did not answer
            in time: check :meth:`query_orders` before placing it again); ``order`` has xtquant's fields and
            ``normalized``. Pass it, or its ``order_id``, to :meth:`cancel_order`.

        Raises:
            BadRequestError: A bad order (lot, price tick or limits, unknown code...): nothing was placed.
            ConflictError: ``client_order_id`` was used for a different order.
            PermissionDeniedError: Trading is off, or a risk limit or the kill switch refused it.
        """
        return self._request(
            "POST",
            "/api/trading/order",
            json=_order_body(
                stock_code,
                order_type,
                order_volume,
                price_type,
                price,
                strategy_name,
                order_remark,
                account_id,
                client_order_id,
            ),
            idempotent=True,
        )

    def batch_order(self, orders: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Place up to 1,000 orders (``POST /api/trading/batch_order``): all pass the server's checks or none
        is placed.

        Args:
            orders: Dicts with :meth:`place_order`'s argument names (``stock_code``, ``order_type`` and
                ``order_volume`` required); each gets a ``client_order_id`` when it has none.

        Returns:
            One answer per order, in order, as :meth:`place_order` returns it, plus its ``http_status``.

        Raises:
            ValueError: An order has a key :meth:`place_order` does not take, or lacks a required one
                (nothing is sent).
            BadRequestError: An order failed the server's checks; the message names its index. Nothing was
                placed.
            PermissionDeniedError: Trading is off, or a risk limit or the kill switch refused an order.
        """
        for index, order in enumerate(orders):
            unknown = set(order) - ORDER_FIELDS
            missing = {"stock_code", "order_type", "order_volume"} - set(order)
            if unknown or missing:
                problem = f"unknown key(s) {sorted(unknown)}" if unknown else f"missing {sorted(missing)}"
                raise ValueError(f"orders[{index}]: {problem}")
        return self._request(
            "POST",
            "/api/trading/batch_order",
            json=[_order_body(**order) for order in orders],
            idempotent=True,
        )["data"]

    def cancel_order(self, order: int | Mapping[str, Any], account_id: str = "") -> dict[str, Any]:
        """Ask the counter to cancel an order (``POST /api/trading/cancel``).

        Args:
            order: The order id, or what :meth:`place_order` returned.
            account_id: Empty for the server's first account (or the account of ``order``).

        Returns:
            ``{"order_id", "cancel_result": 0, "status": "cancel_requested", "order"}``: the request was
            accepted; the order's final state follows (``/ws/trade`` or :meth:`query_order_detail`).

        Raises:
            ValueError: ``order`` holds no order id (an order the counter rejected has none).
            NotFoundError: No such order today.
            ConflictError: It is filled, cancelled or rejected already, or the counter refused the cancel.
        """
        if isinstance(order, Mapping):
            order_id = order.get("order_id")
            account_id = account_id or (order.get("order") or {}).get("account_id") or ""
        else:
            order_id = order
        if isinstance(order_id, bool) or not isinstance(order_id, int) or order_id <= 0:
            raise ValueError(f"no order id to cancel in {order!r}")
        return self._request(
            "POST", "/api/trading/cancel", json={"order_id": order_id, "account_id": account_id}
        )

    def place_order_async(
        self,
        stock_code: str,
        order_type: int,
        order_volume: int,
        price_type: int = LATEST_PRICE,
        price: float = 0.0,
        strategy_name: str = "",
        order_remark: str = "",
        account_id: str = "",
        *,
        client_order_id: str | None = None,
    ) -> dict[str, Any]:
        """Place an order without waiting for the counter (``POST /api/trading/order_async``).

        Arguments as :meth:`place_order`. The order is checked at once (the same errors as
        :meth:`place_order`, nothing placed), then placed by the server in the background.

        Returns:
            ``{"seq", "client_order_id", "status": "async_submitted"}``. The outcome comes on the trade
            stream (:meth:`subscribe_trades`) as an ``order_response`` event with that ``seq``
            (``order_id``, or -1 and ``error_msg``), beside the order's own events.

        Raises:
            BadRequestError: A bad order (lot, price tick or limits, unknown code...): nothing was placed.
            ConflictError: ``client_order_id`` was used for a different order.
            PermissionDeniedError: Trading is off, or a risk limit or the kill switch refused it.
        """
        return self._request(
            "POST",
            "/api/trading/order_async",
            json=_order_body(
                stock_code,
                order_type,
                order_volume,
                price_type,
                price,
                strategy_name,
                order_remark,
                account_id,
                client_order_id,
            ),
            idempotent=True,
        )

    def cancel_order_async(self, order_id: int, account_id: str = "") -> dict[str, Any]:
        """Ask for a cancel without waiting (``POST /api/trading/cancel_async``).

        Returns:
            ``{"seq", "order_id", "status": "async_submitted"}``; the outcome comes on the trade stream as a
            ``cancel_response`` event with that ``seq`` (``cancel_result`` 0 requested, -1 with
            ``error_msg``: unknown order, already filled ...).

        Raises:
            NotFoundError: ``account_id`` is not one of the server's accounts.
        """
        return self._request(
            "POST", "/api/trading/cancel_async", json={"order_id": order_id, "account_id": account_id}
        )

    def batch_cancel(self, cancel_requests: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Cancel up to 1,000 orders (``POST /api/trading/batch_cancel``).

        Args:
            cancel_requests: ``{"order_id": ..., "account_id": ...}`` each (``account_id`` optional).

        Returns:
            One result per request, in order, with ``http_status``: 200 and ``cancel_result`` 0 (requested),
            or the status :meth:`cancel_order` would have raised (404 unknown, 409 not cancelable) with
            ``error`` (``code``, ``message``).

        Raises:
            UnprocessableEntityError: No cancel, more than 1,000, or a malformed one: nothing was cancelled.
        """
        return self._request(
            "POST",
            "/api/trading/batch_cancel",
            json=[
                {"order_id": r["order_id"], "account_id": r.get("account_id", "")} for r in cancel_requests
            ],
        )["data"]

    def cancel_all_orders(self, account_id: str = "") -> list[dict[str, Any]]:
        """Cancel every cancelable order (``POST /api/trading/cancel_all``).

        Args:
            account_id: One account; empty for every configured account.

        Returns:
            One result per order it tried: ``order_id``, ``account_id`` and ``cancel_result`` (0 accepted),
            or ``error`` where the counter refused.

        Raises:
            NotFoundError: ``account_id`` is not one of the server's accounts.
        """
        return self._request("POST", "/api/trading/cancel_all", json={"account_id": account_id})["data"]

    def query_orders(self, account_id: str = "", cancelable_only: bool = False) -> list[dict[str, Any]]:
        """Today's orders (``GET /api/trading/orders``).

        Args:
            account_id: Empty for the server's first account.
            cancelable_only: Only the orders that can still be cancelled.

        Returns:
            xtquant's order fields, plus ``client_order_id`` and ``normalized`` (state, side, filled volume,
            average price ...).

        Raises:
            NotFoundError: ``account_id`` is not one of the server's accounts.
        """
        params = {"account_id": account_id, "cancelable_only": cancelable_only}
        return self._request("GET", "/api/trading/orders", params=params)["data"]

    def query_order_detail(self, order_id: int, account_id: str = "") -> dict[str, Any]:
        """One order of today (``GET /api/trading/order_detail``).

        Args:
            order_id: The counter's order id.
            account_id: Empty for the server's first account.

        Returns:
            The order as :meth:`query_orders` gives each.

        Raises:
            NotFoundError: No order with that id today, or an unknown account.
        """
        params = {"order_id": order_id, "account_id": account_id}
        return self._request("GET", "/api/trading/order_detail", params=params)["data"]

    def query_trades(self, account_id: str = "") -> list[dict[str, Any]]:
        """Today's fills (``GET /api/trading/trades``).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            xtquant's trade fields (``traded_price``, ``traded_volume``, ``traded_amount`` ...), each with the
            ``client_order_id`` of its order.

        Raises:
            NotFoundError: ``account_id`` is not one of the server's accounts.
        """
        return self._request("GET", "/api/trading/trades", params={"account_id": account_id})["data"]

    def query_positions(self, account_id: str = "") -> list[dict[str, Any]]:
        """Positions (``GET /api/trading/positions``).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            xtquant's position fields: ``volume`` held, ``can_use_volume`` sellable today (T+1),
            ``avg_price``, ``market_value`` ...

        Raises:
            NotFoundError: ``account_id`` is not one of the server's accounts.
        """
        return self._request("GET", "/api/trading/positions", params={"account_id": account_id})["data"]

    def query_asset(self, account_id: str = "") -> dict[str, Any]:
        """Cash and totals (``GET /api/trading/asset``).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            ``cash`` (available), ``frozen_cash``, ``market_value``, ``total_asset``, ``fetch_balance``.

        Raises:
            NotFoundError: ``account_id`` is not one of the server's accounts.
        """
        return self._request("GET", "/api/trading/asset", params={"account_id": account_id})["data"]

    def query_accounts(self) -> list[dict[str, Any]]:
        """The server's accounts in order (``GET /api/trading/accounts``).

        Returns:
            One dict per account: ``index`` (0 is the default), ``account_id`` and what the counter says of it.

        Raises:
            PermissionDeniedError: Trading is not enabled on the server.
        """
        return self._request("GET", "/api/trading/accounts")["data"]

    def trading_status(self) -> dict[str, Any]:
        """The trader connection, risk limits, kill switch and event stream (``GET /api/trading/status``).

        Returns:
            ``backend``, ``accounts``, ``trader`` (the connection: state, session, reconnects), ``limits``
            (risk limits and the kill switch) and ``events`` (``last_seq``, ``subscribers``).

        Raises:
            PermissionDeniedError: Trading is not enabled on the server.
        """
        return self._request("GET", "/api/trading/status")

    def set_kill_switch(self, engaged: bool, reason: str = "") -> dict[str, Any]:
        """Engage or release the kill switch (``POST /api/trading/kill_switch``).

        Args:
            engaged: True cancels every open order and refuses new ones until released (also after a
                restart); False releases it.
            reason: Kept with the switch and shown in :meth:`trading_status`.

        Returns:
            ``{"engaged": True, "engaged_at", "reason", "cancelled": [...]}`` or ``{"engaged": False}``.

        Raises:
            PermissionDeniedError: Trading is not enabled on the server.
        """
        return self._request("POST", "/api/trading/kill_switch", json={"engaged": engaged, "reason": reason})

    def reset_sim_account(self, account_id: str = "", cash: float | None = None) -> dict[str, Any]:
        """Simulator only: clear a paper account and restore its cash (``POST /api/trading/sim/reset``).

        Args:
            account_id: Empty for the server's first account.
            cash: The new cash; None for the configured starting cash.

        Returns:
            ``{"account_id", "cash"}``.

        Raises:
            ConflictError: The server runs on xtquant, not the simulator.
        """
        return self._request("POST", "/api/trading/sim/reset", json={"account_id": account_id, "cash": cash})
