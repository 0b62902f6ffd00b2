"""Checks of an order at the edge, before anything is journaled or sent: a bad order gets a 4xx, nothing else.

The server checks what it can know without the account: the code exists and trades on a stock account, the
order and price types, lots for buys by board, the price tick and the day's limit band for limit orders. What
needs the account (cash, sellable volume) is the counter's business: it rejects such an order (status 57 with
a reason), which the answer reports. One exception: a sell of an odd lot is checked against the sellable
position here, since an odd lot is allowed only when it sells the whole of it.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from qmt_bridge.repo_products import FACE_YUAN, MAX_ZHANG, MIN_ZHANG, REPO_BY_CODE, STEP_ZHANG, is_repo
from qmt_bridge.server.errors import InvalidParameter, NotFound
from qmt_bridge.server.trading.orders import CREDIT_ORDER_TYPES, STOCK_BUY, STOCK_SELL, side_of
from qmt_bridge.subscription_units import unit_of

LATEST_PRICE, FIX_PRICE = 5, 11
#: xtconstant price types → (what it is, the exchanges that take it).
PRICE_TYPES: dict[int, tuple[str, frozenset[str]]] = {
    LATEST_PRICE: ("latest price (a limit order at the last trade price)", frozenset({"SH", "SZ", "BJ"})),
    FIX_PRICE: ("limit price", frozenset({"SH", "SZ", "BJ"})),
    42: ("SSE/BSE best five, rest cancelled", frozenset({"SH", "BJ"})),
    43: ("SSE/BSE best five, rest as limit", frozenset({"SH", "BJ"})),
    44: ("counterparty best price", frozenset({"SH", "SZ", "BJ"})),
    45: ("own-side best price", frozenset({"SH", "SZ", "BJ"})),
    46: ("SZSE immediate or cancel", frozenset({"SZ"})),
    47: ("SZSE best five, rest cancelled", frozenset({"SZ"})),
    48: ("SZSE fill or kill", frozenset({"SZ"})),
}
ORDER_TYPES = {STOCK_BUY: "buy (STOCK_BUY)", STOCK_SELL: "sell (STOCK_SELL)"}
SLO_SELL = 28  # 融券卖出


@dataclass(frozen=True)
class Tradable:
    """What the edge learned about the code of an order."""

    code: str
    name: str
    kind: str  # "stock", "fund", "bond", "repo", or "ipo" (a subscription code on its subscription day)
    price_tick: float
    up_limit: float
    down_limit: float
    last_price: float

    @property
    def market(self) -> str:
        return self.code.rsplit(".", 1)[1]

    def lot(self) -> tuple[int, int]:
        """``(minimum, step)`` of an order's volume: bonds 10 张; STAR 200 then 1; BSE 100 then 1; else 100;
        a subscription (``kind`` ``ipo``) whole units of its board."""
        symbol = self.code.split(".")[0]
        if self.kind == "ipo":
            unit = unit_of(self.code)
            return unit, unit
        if self.kind in ("bond", "repo"):
            return 10, 10
        if self.market == "SH" and symbol.startswith(("688", "689")):
            return 200, 1
        if self.market == "BJ":
            return 100, 1
        return 100, 100


def check_order_types(order_type: int, price_type: int, market: str, account_type: str = "STOCK") -> None:
    """The order type is one the account takes (a stock account: 23/24; a credit account: xtconstant's
    credit types 23/24/27-32), and the price type one the code's exchange takes."""
    if account_type == "CREDIT":
        if order_type not in CREDIT_ORDER_TYPES:
            known = ", ".join(f"{k} {name} ({cn})" for k, (name, cn, _) in CREDIT_ORDER_TYPES.items())
            raise InvalidParameter(
                "order_type",
                f"{order_type} is not an order type of a credit account; use {known}",
                value=order_type,
                code="invalid_order_type",
            )
    elif order_type not in ORDER_TYPES:
        known = ", ".join(f"{k} {v}" for k, v in ORDER_TYPES.items())
        credit = CREDIT_ORDER_TYPES.get(order_type)
        what = (
            f"{order_type} ({credit[1]}) is a credit order type"
            if credit
            else f"{order_type} is not a stock order type"
        )
        raise InvalidParameter(
            "order_type",
            f"{what}, and this is a stock account; use {known} (credit orders need a credit account: "
            "--account-id ID:CREDIT, /api/credit/order)",
            value=order_type,
            code="invalid_order_type",
        )
    entry = PRICE_TYPES.get(price_type)
    if entry is None:
        known = ", ".join(f"{k} ({v[0]})" for k, v in PRICE_TYPES.items())
        raise InvalidParameter(
            "price_type", f"{price_type} is not a price type for stocks; one of {known}", value=price_type
        )
    if market not in entry[1]:
        raise InvalidParameter(
            "price_type",
            f"{price_type} ({entry[0]}) is not accepted on {market}; it is for {', '.join(sorted(entry[1]))}",
            value=price_type,
            code="price_type_not_for_market",
        )


def tradable_from(
    code: str, detail: dict[str, Any] | None, flags: dict[str, Any], tick: dict[str, Any]
) -> Tradable:
    """The :class:`Tradable` of ``code`` from xtdata's answers, or a 4xx saying why it cannot be traded."""
    if detail is None:
        raise NotFound("stock_code", f"unknown code {code}", value=code, code="unknown_code")
    if is_repo(code):  # by the exchanges' codes: xtquant's type flags for repos are not documented
        kind = "repo"
    elif flags.get("stock") or flags.get("a_share"):
        kind = "stock"
    elif flags.get("etf") or flags.get("fund"):
        kind = "fund"
    elif flags.get("bond") or flags.get("convertible_bond"):
        kind = "bond"
    else:
        what = ", ".join(sorted(k for k, v in flags.items() if v)) or "of an unknown type"
        raise InvalidParameter(
            "stock_code",
            f"{code} ({detail.get('InstrumentName', '')}) is {what}: not tradable on a stock account",
            value=code,
            code="not_tradable",
        )
    return Tradable(
        code=code,
        name=str(detail.get("InstrumentName", "")),
        kind=kind,
        price_tick=float(detail.get("PriceTick") or 0.01),
        up_limit=float(detail.get("UpStopPrice") or 0.0),
        down_limit=float(detail.get("DownStopPrice") or 0.0),
        last_price=float(tick.get("lastPrice") or 0.0),
    )


def subscription_tradable(code: str, issue: dict[str, Any]) -> Tradable:
    """A subscription code on its subscription day (its ``get_ipo_info`` row): bought at the issue price only."""
    price = float(issue.get("publishPrice") or 0.0)
    return Tradable(code, str(issue.get("codeName", "")), "ipo", 0.01, price, price, price)


def check_subscription(tradable: Tradable, order_type: int, price_type: int) -> None:
    """A subscription is a buy at the issue price (FIX_PRICE); its band is that one price."""
    if order_type != STOCK_BUY or price_type != FIX_PRICE:
        raise InvalidParameter(
            "stock_code",
            f"{tradable.code} is the subscription code of {tradable.name} today: a subscription is a buy "
            f"(order_type {STOCK_BUY}) at the issue price {tradable.up_limit} (price_type {FIX_PRICE})",
            value=tradable.code,
            code="invalid_subscription",
        )


def check_repo(tradable: Tradable, order_type: int, price_type: int) -> None:
    """A reverse repo (国债逆回购) lends cash: a sell (24) at a limit rate (11, or 5: the last rate); its lots
    are :func:`check_volume`'s."""
    name = REPO_BY_CODE[tradable.code].name
    if order_type != STOCK_SELL:
        raise InvalidParameter(
            "order_type",
            f"{tradable.code} ({name}) is a reverse repo: it lends cash, so it is a sell (order_type "
            f"{STOCK_SELL}) of the code, without holding it",
            value=order_type,
            code="invalid_order_type",
        )
    if price_type not in (FIX_PRICE, LATEST_PRICE):
        raise InvalidParameter(
            "price_type",
            f"a reverse repo is a limit order at a rate: price_type {FIX_PRICE} (the rate in percent as price) "
            f"or {LATEST_PRICE} (the last rate); got {price_type}",
            value=price_type,
            code="price_type_not_for_market",
        )


def check_price(tradable: Tradable, price_type: int, price: float) -> None:
    """A limit order's price: positive, on the tick, inside the day's band (both ends allowed)."""
    if price_type != FIX_PRICE:
        return
    if not math.isfinite(price) or price <= 0:
        raise InvalidParameter("price", f"a limit order needs a price > 0, got {price}", value=price)
    ticks = price / tradable.price_tick
    if abs(ticks - round(ticks)) > 1e-6:
        raise InvalidParameter(
            "price",
            f"{price} is not a multiple of {tradable.code}'s price tick {tradable.price_tick}",
            value=price,
            code="price_off_tick",
        )
    # Half a tick of tolerance: the limits are themselves on the tick, so this only absorbs float noise.
    slack = tradable.price_tick / 2
    if tradable.up_limit > 0 and price > tradable.up_limit + slack:
        raise InvalidParameter(
            "price",
            f"{price} is above {tradable.code}'s limit-up price {tradable.up_limit} today",
            value=price,
            code="price_outside_limits",
        )
    if tradable.down_limit > 0 and price < tradable.down_limit - slack:
        raise InvalidParameter(
            "price",
            f"{price} is below {tradable.code}'s limit-down price {tradable.down_limit} today",
            value=price,
            code="price_outside_limits",
        )


async def check_volume(
    tradable: Tradable, order_type: int, volume: int, sellable: Callable[[], Awaitable[int]]
) -> None:
    """Buys (and 融券卖出: borrowed shares are sold in round lots) in lots by board; a sell off the lot only
    when it sells the whole sellable position; a direct repayment (直接还券 / 直接还款) any positive volume; a
    reverse repo, lent without holding it, in 张 of 100 CNY: at least 10, in tens, at most 100,000
    (``qmt_bridge.repo_products``).

    ``sellable``: asks the counter for the sellable volume of the code (called only for odd-lot sells).
    """
    if volume <= 0:
        raise InvalidParameter("order_volume", f"must be > 0, got {volume}", value=volume)
    if tradable.kind == "repo":
        if not MIN_ZHANG <= volume <= MAX_ZHANG or volume % STEP_ZHANG:
            raise InvalidParameter(
                "order_volume",
                f"a reverse repo is in 张 of {FACE_YUAN} CNY: at least {MIN_ZHANG}, in steps of {STEP_ZHANG}, "
                f"at most {MAX_ZHANG:,}; got {volume}",
                value=volume,
                code="invalid_lot",
            )
        return
    side = side_of(order_type)
    if side == "repay":
        return
    minimum, step = tradable.lot()
    unit = "张" if tradable.kind == "bond" else "shares"
    if side == "buy" or order_type == SLO_SELL:
        if volume < minimum or (volume - minimum) % step:
            rule = f"multiples of {step}" if minimum == step else f"at least {minimum}, then steps of {step}"
            raise InvalidParameter(
                "order_volume",
                f"{'a buy' if side == 'buy' else 'a short sale (融券卖出)'} of {tradable.code} is in {rule} "
                f"{unit}; got {volume}",
                value=volume,
                code="invalid_lot",
            )
        return
    if volume >= minimum and (volume - minimum) % step == 0:
        return
    available = await sellable()
    if volume != available:
        rule = f"multiples of {step}" if minimum == step else f"at least {minimum}, then steps of {step}"
        raise InvalidParameter(
            "order_volume",
            f"a sell of {tradable.code} is in {rule} {unit} unless it sells the whole sellable "
            f"position ({available}); got {volume}",
            value=volume,
            code="invalid_lot",
        )
