"""The account's orders, trades, positions, asset and accounts: the queries of :class:`TradingService`.

Each is a trader call for a configured account (404 for others), xtquant's objects made plain data under
xtquant's names (``events.to_event``); orders and trades carry the ``client_order_id`` the journal knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from qmt_bridge.server.errors import NotFound
from qmt_bridge.server.trading.events import to_event
from qmt_bridge.server.trading.orders import order_view

if TYPE_CHECKING:
    from qmt_bridge.server.trading.journal import Journal
    from qmt_bridge.server.trading.recorder import EventRecorder


class AccountQueries:
    """Mixed into :class:`~qmt_bridge.server.trading.service.TradingService`."""

    account_ids: list[str]
    journal: Journal
    events: EventRecorder

    if TYPE_CHECKING:  # TradingService's

        def account_id(self, requested: str | None) -> str: ...
        def trader_account(self, account_id: str) -> Any: ...
        async def call(self, method: str, *args: Any) -> Any: ...

    async def orders(self, account_id: str | None, cancelable_only: bool = False) -> list[dict[str, Any]]:
        account = self.account_id(account_id)
        found = await self.call("query_stock_orders", self.trader_account(account), cancelable_only)
        raws = [to_event("order", o).data for o in found or []]
        return self._views(account, raws)

    async def order(self, order_id: int, account_id: str | None) -> dict[str, Any]:
        account = self.account_id(account_id)
        found = await self.call("query_stock_order", self.trader_account(account), order_id)
        if found is None:
            raise NotFound(
                "order_id",
                f"no order {order_id} today in account {account}",
                value=order_id,
                code="order_not_found",
            )
        return self._views(account, [to_event("order", found).data])[0]

    def _views(self, account: str, raws: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        ids = [int(r.get("order_id") or 0) for r in raws]
        coids = self.journal.client_order_ids(account, ids)
        return [
            order_view(raw, coids.get(order_id), self.events.errors.get((account, order_id)))
            for raw, order_id in zip(raws, ids, strict=True)
        ]

    async def trades(self, account_id: str | None) -> list[dict[str, Any]]:
        account = self.account_id(account_id)
        found = await self.call("query_stock_trades", self.trader_account(account))
        trades = [dict(to_event("trade", t).data) for t in found or []]
        coids = self.journal.client_order_ids(account, [int(t.get("order_id") or 0) for t in trades])
        for trade in trades:
            trade["client_order_id"] = coids.get(int(trade.get("order_id") or 0))
        return trades

    async def positions(self, account_id: str | None) -> list[dict[str, Any]]:
        account = self.account_id(account_id)
        found = await self.call("query_stock_positions", self.trader_account(account))
        return [dict(to_event("position", p).data) for p in found or []]

    async def asset(self, account_id: str | None) -> dict[str, Any] | None:
        account = self.account_id(account_id)
        found = await self.call("query_stock_asset", self.trader_account(account))
        return dict(to_event("asset", found).data) if found is not None else None

    async def accounts(self) -> list[dict[str, Any]]:
        infos = await self.call("query_account_infos")
        by_id = {
            str(getattr(i, "account_id", "")): dict(to_event("account_status", i).data) for i in infos or []
        }
        return [
            {"index": index, "account_id": account, **by_id.get(account, {"account_id": account})}
            for index, account in enumerate(self.account_ids)
        ]
