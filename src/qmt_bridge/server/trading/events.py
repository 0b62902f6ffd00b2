"""Trade events: xtquant's callback objects turned into immutable plain data, on the callback thread.

xtquant hands callbacks native objects that belong to its push thread; the server must not keep them or
read them on the event loop. :func:`to_event` copies the attributes the catalog names
(``shared/xtquant-api.md`` §2.6) into a read-only mapping of JSON-able values, and the
:class:`TradeEvent` is what crosses to the loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

log = logging.getLogger("qmt_bridge.trading")

_ACCOUNT = ("account_type", "account_id")

#: The attributes read for each kind of event, in catalog order (names absent on an object are skipped).
FIELDS: dict[str, tuple[str, ...]] = {
    "order": (
        *_ACCOUNT,
        "stock_code",
        "order_id",
        "order_sysid",
        "order_time",
        "order_type",
        "order_volume",
        "price_type",
        "price",
        "traded_volume",
        "traded_price",
        "order_status",
        "status_msg",
        "strategy_name",
        "order_remark",
        "direction",
        "offset_flag",
        "instrument_name",
        "secu_account",
    ),
    "trade": (
        *_ACCOUNT,
        "stock_code",
        "order_type",
        "traded_id",
        "traded_time",
        "traded_price",
        "traded_volume",
        "traded_amount",
        "order_id",
        "order_sysid",
        "strategy_name",
        "order_remark",
        "direction",
        "offset_flag",
        "commission",
        "instrument_name",
        "secu_account",
    ),
    "position": (
        *_ACCOUNT,
        "stock_code",
        "volume",
        "can_use_volume",
        "open_price",
        "market_value",
        "frozen_volume",
        "on_road_volume",
        "yesterday_volume",
        "avg_price",
        "direction",
        "instrument_name",
        "last_price",
        "profit_rate",
        "secu_account",
        "float_profit",
        "open_date",
        "position_profit",
    ),
    "asset": (*_ACCOUNT, "cash", "frozen_cash", "market_value", "total_asset", "fetch_balance"),
    "order_error": (*_ACCOUNT, "order_id", "error_id", "error_msg", "strategy_name", "order_remark", "seq"),
    "cancel_error": (*_ACCOUNT, "order_id", "market", "order_sysid", "error_id", "error_msg"),
    "order_response": (*_ACCOUNT, "order_id", "strategy_name", "order_remark", "error_msg", "seq"),
    "cancel_response": (*_ACCOUNT, "cancel_result", "order_id", "order_sysid", "seq", "error_msg"),
    # XtAccountStatus; the XtAccountInfo names too, so that query_account_infos results convert as well.
    "account_status": (
        *_ACCOUNT,
        "status",
        "broker_type",
        "platform_id",
        "account_classification",
        "login_status",
    ),
    "connection": ("state", "session_id", "reason"),
    # Answers of async calls the server waits for (``responses.AsyncResponses``), not account events.
    "algo_order_response": (*_ACCOUNT, "task_id", "strategy_name", "order_remark", "error_msg", "seq"),
    "algo_task_response": ("seq", "success", "task_id", "operate_reason", "error_msg"),
}

KINDS = frozenset(FIELDS)


@dataclass(frozen=True)
class TradeEvent:
    """One event from the trader, safe to hand to the event loop.

    ``kind`` is one of :data:`KINDS`; ``account_id`` is ``""`` for ``"connection"`` events; ``data`` is a
    read-only mapping of the xt object's attributes under xtquant's names, every value JSON-able (str,
    int, float, bool, None, or lists/dicts of those). For ``"connection"`` it is ``{"state":
    "connected" | "disconnected" | "reconnecting", "session_id": int | None, "reason": str | None}``.
    """

    kind: str
    account_id: str
    data: Mapping[str, Any]


_MISSING = object()


def to_event(kind: str, xt_object: Any) -> TradeEvent:
    """The event of kind ``kind`` for an xtquant object (a native push object, a query result or a
    stand-in with the same attribute names). ``ValueError`` for an unknown kind."""
    fields = FIELDS.get(kind)
    if fields is None or kind == "connection":
        raise ValueError(f"unknown trade event kind {kind!r}")
    data = _attributes(xt_object, fields) if xt_object is not None else {}
    account_id = data.get("account_id")
    return TradeEvent(kind, "" if account_id is None else str(account_id), MappingProxyType(data))


def plain_attributes(xt_object: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """A JSON-able dict of an xtquant result: a mapping's items (xtquant answers some calls with dicts), or
    else the attributes ``names`` of an object (names it lacks are skipped)."""
    if isinstance(xt_object, Mapping):
        return {str(key): _plain(value) for key, value in xt_object.items()}
    return _attributes(xt_object, names)


def _attributes(xt_object: Any, names: tuple[str, ...]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in names:
        value = getattr(xt_object, name, _MISSING)
        if value is not _MISSING and not callable(value):
            data[name] = _plain(value)
    return data


def connection_event(state: str, session_id: int | None, reason: str | None = None) -> TradeEvent:
    """A ``"connection"`` event: the trader connected, lost its connection, or is trying again."""
    return TradeEvent(
        "connection", "", MappingProxyType({"state": state, "session_id": session_id, "reason": reason})
    )


class TraderCallback:
    """xtquant's callback protocol (every method of ``XtQuantTraderCallback``), for one trader.

    Runs on the trader's push thread: each push becomes a :class:`TradeEvent` there and goes to ``post``;
    ``on_disconnected`` calls ``lost``. Never raises into xtquant (it would swallow the error anyway).
    Pushes with no event kind (bank, CTP, securities-lending responses) are ignored.
    """

    def __init__(self, post: Callable[[TradeEvent], None], lost: Callable[[], None]) -> None:
        self._post = post
        self._lost = lost

    def _forward(self, kind: str, xt_object: Any) -> None:
        try:
            self._post(to_event(kind, xt_object))
        except Exception:
            log.warning("could not forward a %s push from the trader", kind, exc_info=True)

    def on_disconnected(self) -> None:
        try:
            self._lost()
        except Exception:
            log.warning("could not report the trader's disconnection", exc_info=True)

    def on_connected(self) -> None:
        """Never fired by xtquant (gotcha 4): ``connect() == 0`` is what counts."""

    def on_stock_order(self, order: Any) -> None:
        self._forward("order", order)

    def on_stock_trade(self, trade: Any) -> None:
        self._forward("trade", trade)

    def on_stock_position(self, position: Any) -> None:
        self._forward("position", position)

    def on_stock_asset(self, asset: Any) -> None:
        self._forward("asset", asset)

    def on_order_error(self, order_error: Any) -> None:
        self._forward("order_error", order_error)

    def on_cancel_error(self, cancel_error: Any) -> None:
        self._forward("cancel_error", cancel_error)

    def on_order_stock_async_response(self, response: Any) -> None:
        self._forward("order_response", response)

    def on_cancel_order_stock_async_response(self, response: Any) -> None:
        self._forward("cancel_response", response)

    def on_account_status(self, status: Any) -> None:
        self._forward("account_status", status)

    def on_smt_appointment_async_response(self, response: Any) -> None:
        pass

    def on_bank_transfer_async_response(self, response: Any) -> None:
        pass

    def on_ctp_internal_transfer_async_response(self, response: Any) -> None:
        pass

    def on_smart_algo_order_async_response(self, response: Any) -> None:
        self._forward("algo_order_response", response)

    def on_operate_smart_task_async_response(self, response: Any) -> None:
        self._forward("algo_task_response", response)


def _plain(value: Any) -> Any:
    """A JSON-able copy: scalars as they are (numpy scalars unwrapped), containers copied, else ``str``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return value.decode("gb18030", errors="replace")  # xtquant's native strings are GBK
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item):
        try:
            return _plain(item())
        except (TypeError, ValueError):
            pass
    return str(value)
