"""Settling orders whose outcome is unknown, from the counter's own list, once the trader is connected again.

An order is ``unknown`` when its call was cut off: it timed out, the server stopped, or the backend process
died with the call in it. It is never sent again. When the trader (re)connects, the counter's orders of the
day are read (``query_stock_orders``); an unknown order and a counter order that this server has not placed
otherwise are the same order when they match each other alone: same code, side, volume, price, strategy name
and remark. The journal then records it as placed, with its order id, and ``/ws/trade`` gets the order as the
counter has it (its ``client_order_id`` set). An ambiguous match (two such orders alike) stays unknown: a
wrong match would be worse than none, and the order list says the rest.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

from qmt_bridge.server.trading import journal as jr
from qmt_bridge.server.trading.events import to_event

if TYPE_CHECKING:
    from qmt_bridge.server.trading.service import TradingService

log = logging.getLogger("qmt_bridge.trading")


async def reconcile_unknown_orders(service: TradingService) -> int:
    """Settle today's unknown orders of every account (see the module's docstring); how many were settled.
    Errors are logged, not raised: a later reconnect tries again."""
    settled = 0
    day = service.trading_day()
    for account in service.account_ids:
        unknown = service.journal.unknown_orders(account, day)
        if not unknown:
            continue
        try:
            found = await service.call("query_stock_orders", service.trader_account(account), False)
        except Exception as exc:
            log.warning("could not read the orders of %s to settle unknown orders: %s", account, exc)
            continue
        settled += _settle(service, account, unknown, list(found or []))
    return settled


def _settle(service: TradingService, account: str, unknown: list[jr.JournalOrder], orders: list[Any]) -> int:
    ids = [int(getattr(o, "order_id", 0) or 0) for o in orders]
    claimed = service.journal.client_order_ids(account, [i for i in ids if i > 0])
    free = [o for o, i in zip(orders, ids, strict=True) if i > 0 and i not in claimed]
    counter_counts = Counter(_order_signature(o) for o in free)
    order_of = {_order_signature(o): o for o in free}
    wanted = [(record, _request_signature(record.request)) for record in unknown]
    request_counts = Counter(signature for _, signature in wanted)
    settled = 0
    for record, signature in wanted:
        if request_counts[signature] != 1 or counter_counts[signature] != 1:
            continue
        order = order_of[signature]
        order_id = int(order.order_id)
        answer = {
            "order_id": order_id,
            "client_order_id": record.client_order_id,
            "status": "submitted",
            "reconciled": f"the counter's order {order_id} matches this order (its call had been cut off)",
        }
        service.journal.finish_order(record.client_order_id, jr.PLACED, order_id, answer)
        service.events.client_order_ids[(account, order_id)] = record.client_order_id
        service.events.on_event(to_event("order", order))
        log.warning(
            "order %s, unknown until now, is the counter's order %s", record.client_order_id, order_id
        )
        settled += 1
    return settled


def _request_signature(request: dict[str, Any]) -> tuple[Any, ...]:
    return (
        str(request["stock_code"]),
        int(request["order_type"]),
        int(request["order_volume"]),
        round(float(request.get("price") or 0), 3),
        str(request.get("strategy_name") or ""),
        str(request.get("order_remark") or ""),
    )


def _order_signature(order: Any) -> tuple[Any, ...]:
    return (
        str(getattr(order, "stock_code", "")),
        int(getattr(order, "order_type", 0) or 0),
        int(getattr(order, "order_volume", 0) or 0),
        round(float(getattr(order, "price", 0) or 0), 3),
        str(getattr(order, "strategy_name", "") or ""),
        str(getattr(order, "order_remark", "") or ""),
    )
