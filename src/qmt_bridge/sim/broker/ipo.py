"""New-share subscription (新股申购) on the simulated counter: a buy of an issue's subscription code.

The rules of A-share online subscription, for the issues of the simulated market (``get_ipo_info``):

- On the issue's subscription day (``startDate``), in continuous trading, a buy (``STOCK_BUY``) of its
  ``onlineSubCode`` at its issue price (``FIX_PRICE``, ``publishPrice``): a whole number of units (SH main
  board 1,000 shares, 科创板 and SZ 500, BSE 100), at least ``onlineSubMinQty``, at most ``onlineSubMaxQty``
  and the account's quota for the board (``query_new_purchase_limit``); one subscription per issue and account.
  Nothing is frozen (SH and SZ subscriptions are not prepaid); the order is done at once (已成 56, no trade).
- The Beijing exchange (北交所) differs: no market-value quota, and the subscription is paid in full when made
  (全额预缴): its amount is frozen, refused without the available cash. On the announcement day the allotted
  shares are paid from it and the rest is released (nothing to forfeit). Its allotment is 比例配售 on the
  exchange; the simulator draws it per unit, as elsewhere.
- The lottery is drawn for the announcement day (``declareDate``): each unit wins with the issue's
  中签率 (``lwr``, percent), from a hash of the issue and the account, so the same subscription always draws
  the same result; ``win_rate`` overrides the rate (tests, or a sim that wants wins to happen).
- On the payment day (``paymentDate``), when the counter's day reaches it, the allotted shares are paid at the
  issue price from the account's cash and become a position of the listed code (``securityCode``), not
  sellable (``can_use_volume`` 0) before its listing day (``listedDate``); without the cash, the allotment is
  forfeited (弃购).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import rejections as why
from qmt_bridge.sim.broker.counter_queries import new_purchase_limit
from qmt_bridge.sim.broker.ledger import Order
from qmt_bridge.sim.broker.money import to_li, to_yuan
from qmt_bridge.sim.broker.rejections import Rejection
from qmt_bridge.subscription_units import board_of, prepaid, unit_of

PENDING, ALLOTTED, NOT_ALLOTTED, FORFEITED = "pending", "allotted", "not_allotted", "forfeited"


@dataclass(slots=True)
class Subscription:
    """One account's subscription to one issue, kept in the counter's file."""

    order_id: int
    account_id: str
    sub_code: str  # the subscription code, e.g. 732xxx.SH
    code: str  # the listed code, e.g. 603xxx.SH
    name: str
    volume: int
    price_li: int
    day: dt.date  # the subscription day
    result_day: dt.date  # the announcement day: the lottery's
    payment_day: dt.date
    listed_day: dt.date  # sellable from this day
    win_rate: float  # per unit
    unit: int
    state: str = PENDING
    allotted: int = 0

    @property
    def prepaid_li(self) -> int:
        """What the subscription froze when made (BSE: the whole amount), 0 elsewhere."""
        return self.volume * self.price_li if prepaid(self.sub_code) else 0

    @property
    def settle_day(self) -> dt.date:
        """When it is drawn and paid: the payment day, or for a prepaid one the announcement day."""
        return self.result_day if prepaid(self.sub_code) else self.payment_day


def check(
    order: Order,
    row: dict[str, Any],
    positions: list[Any],
    subscribed: bool,
    in_session: bool,
    available_li: int,
) -> int:
    """The subscription's unit when ``order`` may subscribe to ``row``'s issue; :class:`Rejection` else.
    ``available_li``: the account's available cash, which a prepaid (BSE) subscription must cover."""
    unit = unit_of(order.code)
    if order.order_type != xc.STOCK_BUY:
        raise Rejection(why.ORDER_TYPE, f"新股申购只能买入 (STOCK_BUY 23): {order.code}")
    if not in_session:
        raise Rejection(why.SESSION, "非申购时间: 新股申购在连续竞价时段 (09:30-11:30, 13:00-15:00)")
    price_li = to_li(float(row["publishPrice"]))
    if order.price_type != xc.FIX_PRICE or to_li(order.price) != price_li:
        raise Rejection(why.PRICE, f"申购价格必须为发行价 {row['publishPrice']:.2f} (FIX_PRICE 11)")
    low, high = int(row["onlineSubMinQty"]), int(row["onlineSubMaxQty"])
    if order.volume % unit or order.volume < low or order.volume > high:
        raise Rejection(
            why.VOLUME, f"申购数量须为{unit}股的整数倍, 不少于{low}股, 不超过{high}股: {order.volume}"
        )
    if prepaid(order.code):
        need = order.volume * price_li
        if need > available_li:
            raise Rejection(
                why.CASH,
                f"资金不足: 北交所新股申购须全额预缴{to_yuan(need):.2f}元, 可用{to_yuan(available_li):.2f}元",
            )
    else:
        quota = new_purchase_limit(positions).get(board_of(order.code), 0)
        if order.volume > quota:
            raise Rejection(why.VOLUME, f"超过新股申购额度: 申购{order.volume}股, 额度{quota}股")
    if subscribed:
        raise Rejection(why.VOLUME, f"重复申购: {order.code} 今日已申购")
    return unit


def subscription(order: Order, row: dict[str, Any], unit: int, win_rate: float | None) -> Subscription:
    day = dt.datetime.strptime(str(row["startDate"]), "%Y%m%d").date()
    result = dt.datetime.strptime(str(row.get("declareDate") or row["startDate"]), "%Y%m%d").date()
    payment = dt.datetime.strptime(
        str(row.get("paymentDate") or row.get("declareDate") or row["startDate"]), "%Y%m%d"
    ).date()
    listed = dt.datetime.strptime(str(row.get("listedDate") or row["startDate"]), "%Y%m%d").date()
    rate = float(row.get("lwr") or 0.0) / 100 if win_rate is None else win_rate
    return Subscription(
        order.order_id, order.account_id, order.code, str(row["securityCode"]), str(row["codeName"]),
        order.volume, to_li(float(row["publishPrice"])), day, result, payment, listed, rate, unit,
    )  # fmt: skip


def draw(sub: Subscription) -> int:
    """Shares allotted: each unit wins with ``win_rate``, by a hash of the issue, account and unit."""
    won = 0
    for number in range(sub.volume // sub.unit):
        digest = hashlib.sha256(f"{sub.code}|{sub.account_id}|{sub.day}|{number}".encode()).digest()
        if int.from_bytes(digest[:8], "big") / 2**64 < sub.win_rate:
            won += 1
    return won * sub.unit
