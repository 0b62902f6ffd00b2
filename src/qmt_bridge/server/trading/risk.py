"""Optional risk limits of the settings, and the kill switch.

Limits (all off by default): ``max_order_value`` (CNY), ``max_orders_per_day`` (per account, counting every
order sent to the trader that day, whatever became of it) and ``allowed_codes``. The kill switch, once
engaged, refuses every new order until it is released; it is kept in the journal, so a restart does not
release it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from qmt_bridge.repo_products import FACE_YUAN
from qmt_bridge.server.errors import BridgeError
from qmt_bridge.server.trading.journal import Journal
from qmt_bridge.server.trading.orders import DIRECT_CASH_REPAY, side_of
from qmt_bridge.server.trading.validation import FIX_PRICE, LATEST_PRICE, Tradable

KILL_SWITCH_FLAG = "kill_switch"


class OrderRefused(BridgeError):
    """An order the server's own rules refuse (403): a risk limit, or the kill switch."""

    status_code = 403
    code = "order_refused"


class RiskLimits:
    """The limits of the settings, checked for each order before it is journaled."""

    def __init__(self, settings: Any, journal: Journal) -> None:
        self.max_order_value: float | None = settings.max_order_value
        self.max_orders_per_day: int | None = settings.max_orders_per_day
        codes = [c.strip().upper() for c in settings.allowed_codes.split(",") if c.strip()]
        self.allowed_codes: frozenset[str] | None = frozenset(codes) if codes else None
        self._journal = journal

    def describe(self) -> dict[str, Any]:
        return {
            "max_order_value": self.max_order_value,
            "max_orders_per_day": self.max_orders_per_day,
            "allowed_codes": sorted(self.allowed_codes) if self.allowed_codes is not None else None,
            "kill_switch": self.kill_switch(),
        }

    def kill_switch(self) -> dict[str, Any] | None:
        """``{"engaged_at", "reason"}`` while engaged, else None."""
        value = self._journal.get_flag(KILL_SWITCH_FLAG)
        return value if isinstance(value, dict) else None

    def engage(self, reason: str, at: dt.datetime) -> dict[str, Any]:
        state = {"engaged_at": at.isoformat(timespec="seconds"), "reason": reason}
        self._journal.set_flag(KILL_SWITCH_FLAG, state)
        return state

    def release(self) -> None:
        self._journal.set_flag(KILL_SWITCH_FLAG, None)

    def check(
        self,
        account_id: str,
        tradable: Tradable,
        order_type: int,
        volume: int,
        price_type: int,
        price: float,
        trading_day: dt.date,
        ahead: int = 0,
    ) -> None:
        """Raise :class:`OrderRefused` naming the limit an order breaks.

        ``ahead``: orders of the same account checked before this one and not journaled yet (earlier orders
        of a batch), counted against the daily limit as if placed.
        """
        switch = self.kill_switch()
        if switch is not None:
            raise OrderRefused(
                f"the kill switch is engaged since {switch['engaged_at']} ({switch['reason']}): no new orders "
                "until it is released (POST /api/trading/kill_switch with engaged=false)",
                code="kill_switch_engaged",
                details=switch,
            )
        if self.allowed_codes is not None and tradable.code not in self.allowed_codes:
            raise OrderRefused(
                f"{tradable.code} is not among the allowed codes of this server (QMT_BRIDGE_ALLOWED_CODES)",
                code="code_not_allowed",
                details={"stock_code": tradable.code},
            )
        if self.max_order_value is not None:
            value = estimated_value(tradable, order_type, volume, price_type, price)
            # In thousandths of a yuan (prices are on that grid): 8.88 x 100 is 888.0000000000001 in floats,
            # and an order worth exactly the limit must pass.
            if round(value * 1000) > round(self.max_order_value * 1000):
                raise OrderRefused(
                    f"the order is worth about {value:,.2f} CNY, over the limit of {self.max_order_value:,.2f} "
                    "per order (QMT_BRIDGE_MAX_ORDER_VALUE)",
                    code="order_value_over_limit",
                    details={"value": round(value, 2), "limit": self.max_order_value},
                )
        if self.max_orders_per_day is not None:
            placed = self._journal.orders_on(account_id, trading_day) + ahead
            if placed >= self.max_orders_per_day:
                raise OrderRefused(
                    f"account {account_id} has placed {placed} orders today, the limit per day "
                    "(QMT_BRIDGE_MAX_ORDERS_PER_DAY)",
                    code="orders_per_day_over_limit",
                    details={"placed": placed, "limit": self.max_orders_per_day},
                )


def estimated_value(tradable: Tradable, order_type: int, volume: int, price_type: int, price: float) -> float:
    """What an order may cost or bring: its limit price, else the latest price; a market buy may pay up to
    the limit-up price, so it is valued there; a reverse repo, the cash it lends; 直接还款, the money repaid."""
    if tradable.kind == "repo":  # its price is a rate: the money lent is the face value
        return float(volume * FACE_YUAN)
    if order_type == DIRECT_CASH_REPAY:  # 直接还款: the volume is the money
        return float(volume)
    if price_type == FIX_PRICE:
        unit = price
    elif price_type == LATEST_PRICE or side_of(order_type) != "buy":
        unit = tradable.last_price
    else:
        unit = tradable.up_limit or tradable.last_price
    return unit * volume
