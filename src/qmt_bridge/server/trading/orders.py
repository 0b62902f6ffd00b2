"""One translation table from xtquant's order states to a broker-neutral view (seed 002).

Every order leaves the server as xtquant's own fields (``order_id``, ``order_status``, ``traded_volume``,
``status_msg``, ...) plus ``client_order_id`` and a ``normalized`` object:

``state``
    ``pending`` (48/49: not yet at the exchange), ``open`` (50), ``partially_filled`` (55),
    ``cancel_pending`` (51/52), ``filled`` (56), ``cancelled`` (54, and 53: partly filled then cancelled),
    ``rejected`` (57, an ``on_order_error``, or ``order_stock`` returning -1: xtquant's three ways of
    saying no), ``unknown`` (255, or a call whose outcome nobody knows).
``status_name``
    xtquant's Chinese name of the status (已报, 部成, ...).
``filled_volume``, ``avg_price``, ``error_reason``, ``side`` (``buy``/``sell``; ``repay`` for a credit
    account's direct repayments)
``is_filled``, ``is_canceled``, ``is_completed`` (filled, cancelled or rejected), ``is_cancelable``
    (not completed and no cancel pending).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

STOCK_BUY, STOCK_SELL = 23, 24
DIRECT_CASH_REPAY = 32  # 直接还款: its order_volume is money (xtquant passes it on as the order amount)
ORDER_JUNK = 57
ORDER_UNKNOWN = 255

#: xtconstant's credit order types (a credit account's 23/24 are 担保品买入/卖出): type -> (the name
#: ``/api/credit/order`` also takes as ``credit_type``, xtquant's Chinese name, side). qmt-bridge 2.1.3's
#: four names (fin_buy, slo_sell, buy_back, sell_back) are among them.
CREDIT_ORDER_TYPES: dict[int, tuple[str, str, str]] = {
    23: ("collateral_buy", "担保品买入", "buy"),
    24: ("collateral_sell", "担保品卖出", "sell"),
    27: ("fin_buy", "融资买入", "buy"),
    28: ("slo_sell", "融券卖出", "sell"),
    29: ("buy_back", "买券还券", "buy"),
    30: ("direct_secu_repay", "直接还券", "repay"),
    31: ("sell_back", "卖券还款", "sell"),
    32: ("direct_cash_repay", "直接还款", "repay"),
}


class OrderStatus(NamedTuple):
    state: str
    name: str
    is_completed: bool
    is_cancelable: bool


#: xtconstant order status → what it means (``shared/xtquant-api.md`` §3).
ORDER_STATUSES: dict[int, OrderStatus] = {
    48: OrderStatus("pending", "未报", False, True),
    49: OrderStatus("pending", "待报", False, True),
    50: OrderStatus("open", "已报", False, True),
    51: OrderStatus("cancel_pending", "已报待撤", False, False),
    52: OrderStatus("cancel_pending", "部成待撤", False, False),
    53: OrderStatus("cancelled", "部撤", True, False),
    54: OrderStatus("cancelled", "已撤", True, False),
    55: OrderStatus("partially_filled", "部成", False, True),
    56: OrderStatus("filled", "已成", True, False),
    57: OrderStatus("rejected", "废单", True, False),
    255: OrderStatus("unknown", "未知", False, False),
}
_UNKNOWN = ORDER_STATUSES[ORDER_UNKNOWN]
REJECTED = OrderStatus("rejected", "废单", True, False)

#: The states an order can end in.
FINAL_STATES = frozenset({"filled", "cancelled", "rejected"})


def side_of(order_type: Any) -> str | None:
    """``buy``, ``sell``, ``repay`` (直接还券 / 直接还款: nothing traded) or None for other types."""
    entry = CREDIT_ORDER_TYPES.get(order_type)
    return entry[2] if entry is not None else None


def normalized(order: Mapping[str, Any], error: str | None = None) -> dict[str, Any]:
    """The broker-neutral view of one xtquant order (a dict of ``XtOrder``'s attributes).

    ``error``: a rejection reported apart from the order (``on_order_error``); it makes the order rejected
    whatever its status says, since the counter will not work it.
    """
    code = order.get("order_status")
    status = ORDER_STATUSES.get(code, _UNKNOWN) if isinstance(code, int) else _UNKNOWN
    if error is not None and status.state != "filled":
        status = REJECTED
    filled = int(order.get("traded_volume") or 0)
    volume = int(order.get("order_volume") or 0)
    reason = error or (order.get("status_msg") or None if status.state == "rejected" else None)
    return {
        "state": status.state,
        "status_name": status.name,
        "side": side_of(order.get("order_type")),
        "filled_volume": filled,
        "avg_price": float(order.get("traded_price") or 0.0) if filled else 0.0,
        "error_reason": reason,
        "is_filled": status.state == "filled" or (volume > 0 and filled >= volume),
        "is_canceled": status.state == "cancelled",
        "is_completed": status.is_completed,
        "is_cancelable": status.is_cancelable,
    }


def order_view(
    order: Mapping[str, Any], client_order_id: str | None = None, error: str | None = None
) -> dict:
    """xtquant's fields of one order, its ``client_order_id`` and its ``normalized`` view."""
    view = dict(order)
    view["client_order_id"] = client_order_id
    view["normalized"] = normalized(order, error)
    return view


def refused_order(
    request: Mapping[str, Any], account_id: str, reason: str, order_id: int = -1
) -> dict[str, Any]:
    """The view of an order the counter refused before reporting it (``order_stock`` → -1, or an
    ``on_order_error`` before any order event): the fields come from the request."""
    raw = {
        "account_id": account_id,
        "stock_code": request.get("stock_code"),
        "order_id": order_id,
        "order_sysid": "",
        "order_type": request.get("order_type"),
        "order_volume": request.get("order_volume"),
        "price_type": request.get("price_type"),
        "price": request.get("price"),
        "traded_volume": 0,
        "traded_price": 0.0,
        "order_status": ORDER_JUNK,
        "status_msg": reason,
        "strategy_name": request.get("strategy_name", ""),
        "order_remark": request.get("order_remark", ""),
    }
    return order_view(raw, request.get("client_order_id"), reason)
