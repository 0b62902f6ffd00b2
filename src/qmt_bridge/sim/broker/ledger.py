"""The counter's books: accounts, positions, orders and trades, and the arithmetic of freezing and filling.

Money is in li (:mod:`.money`), volumes in shares (bonds: 张). Invariants the functions here keep (the
property tests check them): an account's ``balance`` (its cash) and ``available`` (balance minus frozen) never
go negative; a position's volumes never go negative and ``frozen`` never exceeds ``sellable``; an order's
fills add up to at most its volume.

- A buy freezes ``freeze price x unfilled volume`` plus what its fees can still cost (an upper bound fixed
  at acceptance, less what it has paid). It fills at or below its freeze price, so its frozen cash always
  covers the next fill.
- A sell freezes its shares, and cash only when its fees might exceed its proceeds
  (:meth:`.fees.FeeSchedule.sell_shortfall`, normally 0).
- Credit accounts (:mod:`.credit`): a financing buy (融资买入 27) freezes no cash (the broker pays its fills);
  a short sale (融券卖出 28) holds no shares (they are lent) and its fills go through :func:`fill_short`.
- A reverse repo (:mod:`.repo`, a sell of a repo code: ``Order.repo_days``) freezes its amount (100 CNY
  a 张) and commission like a buy; its fills lend the cash, shown as a position valued at face
  (``Position.face_li``) until the money returns (:mod:`.repo_orders`).
- Sell proceeds are available for buying at once but withdrawable (``fetch_balance``) only from the next
  day. Cost prices include fees (``cost``), open prices do not (``open_cost``); a sell takes its share of
  both, so it leaves the average prices unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker.fees import FeeSchedule
from qmt_bridge.sim.broker.money import LI_PER_YUAN

#: li of face value per 张 of a reverse repo (100 CNY; :mod:`.repo`).
FACE_LI = 100 * LI_PER_YUAN
TERMINAL = frozenset({xc.ORDER_PART_CANCEL, xc.ORDER_CANCELED, xc.ORDER_SUCCEEDED, xc.ORDER_JUNK})
#: Order types that buy: 担保品买入 / 买入 23, 融资买入 27, 买券还券 29.
BUY_TYPES = frozenset({xc.STOCK_BUY, xc.CREDIT_FIN_BUY, xc.CREDIT_BUY_SECU_REPAY})


@dataclass(slots=True)
class Account:
    account_id: str
    starting_cash: int
    balance: int
    frozen: int = 0
    unsettled: int = 0  # today's net sell proceeds: not withdrawable before the next day
    account_type: int = xc.SECURITY_ACCOUNT  # or CREDIT_ACCOUNT

    @property
    def available(self) -> int:
        return self.balance - self.frozen

    @property
    def withdrawable(self) -> int:
        return max(0, self.available - self.unsettled)


@dataclass(slots=True)
class Position:
    account_id: str
    code: str
    name: str = ""
    volume: int = 0
    sellable: int = 0  # sellable today before open sells: yesterday's volume less today's sells (+ T+0 buys)
    frozen: int = 0  # held by open sells
    yesterday: int = 0
    cost: int = 0  # li, fees included
    open_cost: int = 0  # li, fees excluded
    last_li: int = 0
    account_type: int = xc.SECURITY_ACCOUNT
    face_li: int = 0  # reverse repos (.repo): valued at this face per 张, never sellable; 0 otherwise

    @property
    def can_use(self) -> int:
        return 0 if self.face_li else self.sellable - self.frozen


@dataclass(slots=True)
class Order:
    order_id: int
    account_id: str
    code: str
    name: str
    order_type: int
    volume: int
    price_type: int
    price: float  # what XtOrder.price reports
    limit_li: int  # working limit; 0 for a market order that walks the book
    freeze_li: int  # the price a buy's cash is frozen at
    remainder: str  # rules.DAY / IOC / FOK / TO_LIMIT
    trading_day: dt.date
    created_day: dt.date
    order_time: int
    is_stock: bool
    book_unit: int
    t0: bool
    strategy_name: str = ""
    order_remark: str = ""
    sysid: str = ""
    status: int = xc.ORDER_REPORTED
    status_msg: str = ""
    traded_volume: int = 0
    traded_amount: int = 0
    commission: int = 0
    stamp_duty: int = 0
    transfer_fee: int = 0
    frozen: int = 0  # cash frozen, li
    fee_cap: int = 0  # buys: most the fees can cost
    reserve: int = 0  # sells: cash held against fees exceeding proceeds
    seen_ms: int = 0  # time of the last snapshot the order met
    waiting: bool = False  # placed outside continuous trading, has not met the book yet
    account_type: int = xc.SECURITY_ACCOUNT
    credit_li: int = 0  # 买券还券: cash taken from 融券卖出资金; 直接还款: the amount to repay
    repo_days: int = 0  # a reverse repo (.repo): the product's term; 0 for any other order

    @property
    def is_buy(self) -> bool:
        return self.order_type in BUY_TYPES

    @property
    def holds_shares(self) -> bool:
        """A sell of held shares (not a short sale, whose shares are lent)."""
        return not self.is_buy and self.order_type != xc.CREDIT_SLO_SELL and not self.repo_days

    @property
    def open(self) -> bool:
        return self.status not in TERMINAL

    @property
    def unfilled(self) -> int:
        return self.volume - self.traded_volume

    @property
    def fees(self) -> int:
        return self.commission + self.stamp_duty + self.transfer_fee


@dataclass(slots=True)
class Trade:
    traded_id: str
    order_id: int
    account_id: str
    code: str
    name: str
    order_type: int
    price_li: int
    volume: int
    amount: int
    fees: int
    traded_time: int
    sysid: str
    strategy_name: str
    order_remark: str
    day: dt.date
    account_type: int = xc.SECURITY_ACCOUNT


def required_frozen(order: Order) -> int:
    """The cash ``order`` must hold frozen in its current state."""
    if not order.open or order.order_type == xc.CREDIT_FIN_BUY:
        return 0
    if order.repo_days:  # a reverse repo lends its amount: frozen like a buy's, at face
        return FACE_LI * order.unfilled + max(0, order.fee_cap - order.fees)
    if order.is_buy:
        return order.freeze_li * order.unfilled + max(0, order.fee_cap - order.fees)
    net = order.traded_amount - order.fees
    return max(0, order.reserve + min(net, 0))


def refreeze(account: Account, order: Order) -> None:
    """Bring ``order``'s frozen cash (and its account's) to :func:`required_frozen`."""
    need = required_frozen(order)
    account.frozen += need - order.frozen
    order.frozen = need


def release_shares(position: Position | None, order: Order) -> None:
    """A sell that ends gives back the shares it still held."""
    if position is not None and order.holds_shares:
        position.frozen -= order.unfilled


def fill(
    account: Account, position: Position, order: Order, price_li: int, volume: int, schedule: FeeSchedule
) -> int:
    """Book a fill of ``volume`` at ``price_li``: cash, position, the order's traded totals, fees and
    status (55 or 56) and its frozen cash. Returns the fill's fees (li)."""
    amount = price_li * volume
    paid = _book(order, price_li, volume, schedule)
    if order.is_buy:
        account.balance -= amount + paid
        position.volume += volume
        if order.t0:
            position.sellable += volume
        position.cost += amount + paid
        position.open_cost += amount
    else:
        net = amount - paid
        account.balance += net
        account.unsettled = max(0, account.unsettled + net)
        share_cost = position.cost * volume // position.volume
        share_open = position.open_cost * volume // position.volume
        position.cost -= share_cost
        position.open_cost -= share_open
        position.volume -= volume
        position.sellable -= volume
        position.frozen -= volume
        if position.volume == 0:
            position.cost = position.open_cost = 0
    position.last_li = price_li
    refreeze(account, order)
    return paid


def _book(order: Order, price_li: int, volume: int, schedule: FeeSchedule) -> int:
    """The order's traded totals, fees and status (55 or 56) after a fill; the fill's fees."""
    before = order.fees
    order.traded_volume += volume
    order.traded_amount += price_li * volume
    fees = schedule.for_amount(order.traded_amount, is_stock=order.is_stock, is_sell=not order.is_buy)
    order.commission, order.stamp_duty, order.transfer_fee = (
        fees.commission,
        fees.stamp_duty,
        fees.transfer_fee,
    )
    order.status = xc.ORDER_SUCCEEDED if order.unfilled == 0 else xc.ORDER_PART_SUCC
    return fees.total - before


def fill_short(account: Account, order: Order, price_li: int, volume: int, schedule: FeeSchedule) -> int:
    """Book a short sale's fill (融券卖出): no position moves; the net proceeds enter the balance, and the
    caller holds them as 融券卖出资金 (:mod:`.credit_orders`). Returns the fill's fees (li)."""
    paid = _book(order, price_li, volume, schedule)
    account.balance += price_li * volume - paid
    refreeze(account, order)
    return paid


def roll_position(position: Position) -> None:
    """A new day: everything held is yesterday's and sellable (less what open night sells hold)."""
    position.yesterday = position.volume
    position.sellable = position.volume
