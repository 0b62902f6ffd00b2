"""The counter's checks of a new order, in the order a counter makes them, and what it freezes.

:func:`accept` fills in what the order's security and price type decide (name, kind, working limit, the
price its cash is frozen at, the fee bound or sell reserve) and freezes cash (buys) or shares (sells); or it
raises :class:`.rejections.Rejection`, changing nothing, and the order becomes a rejected one (57).

Checks: order type (STOCK_BUY / STOCK_SELL only on a stock account; a credit type is refused as such; a
credit account's orders are checked by :mod:`.credit_orders`, which uses :func:`check_and_freeze`) -> the code (known, tradable on a stock account, listed
and not suspended; a reverse repo code goes to :func:`.repo_orders.accept_repo`) -> price type (for the exchange; market types only in continuous trading) -> volume
(size, lots, sellable volume) -> price (tick grid; price band when the order is for the day whose limits are
known, else at its day's open) -> cash (buys: price x volume + fee bound; sells: the fee shortfall reserve).
"""

from __future__ import annotations

from collections.abc import Callable

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import rejections as why
from qmt_bridge.sim.broker.fees import FeeSchedule
from qmt_bridge.sim.broker.ledger import Account, Order, Position, refreeze, required_frozen
from qmt_bridge.sim.broker.money import to_yuan
from qmt_bridge.sim.broker.quotes import Book, Quotes
from qmt_bridge.sim.broker.rejections import Rejection
from qmt_bridge.sim.broker.repo_orders import accept_repo
from qmt_bridge.sim.broker.rules import (
    GIVEN,
    LATEST,
    MARKET,
    PEER,
    book_and_limit,
    check_volume,
    price_rule,
)
from qmt_bridge.sim.broker.securities import REPO

#: xtquant's credit order types (a stock account refuses them), with their names.
CREDIT_TYPE_NAMES = {
    xc.CREDIT_FIN_BUY: "融资买入",
    xc.CREDIT_SLO_SELL: "融券卖出",
    xc.CREDIT_BUY_SECU_REPAY: "买券还券",
    xc.CREDIT_DIRECT_SECU_REPAY: "直接还券",
    xc.CREDIT_SELL_SECU_REPAY: "卖券还款",
    xc.CREDIT_DIRECT_CASH_REPAY: "直接还款",
    xc.CREDIT_FIN_BUY_SPECIAL: "专项融资买入",
    xc.CREDIT_SLO_SELL_SPECIAL: "专项融券卖出",
    xc.CREDIT_BUY_SECU_REPAY_SPECIAL: "专项买券还券",
    xc.CREDIT_DIRECT_SECU_REPAY_SPECIAL: "专项直接还券",
    xc.CREDIT_SELL_SECU_REPAY_SPECIAL: "专项卖券还款",
    xc.CREDIT_DIRECT_CASH_REPAY_SPECIAL: "专项直接还款",
}


def accept(
    order: Order,
    account: Account,
    position: Position | None,
    quotes: Quotes,
    schedule: FeeSchedule,
    in_session: bool,
) -> Book | None:
    """Check a stock account's ``order`` and freeze what it needs; :class:`Rejection` when the counter
    refuses it."""
    name = CREDIT_TYPE_NAMES.get(order.order_type)
    if name is not None:
        raise Rejection(
            why.ORDER_TYPE,
            f"不支持的委托类型: order_type={order.order_type} ({name}) 是信用交易委托类型, 普通股票账户不能使用, "
            "请使用信用账户 (CREDIT)",
        )
    if order.order_type not in (xc.STOCK_BUY, xc.STOCK_SELL):
        raise Rejection(
            why.ORDER_TYPE,
            f"不支持的委托类型: order_type={order.order_type} (普通股票账户只接受 STOCK_BUY 23 / STOCK_SELL 24)",
        )
    sec = quotes.security(order.code)
    if sec.kind == REPO:  # a reverse repo: lent by a sell, by its own rules
        return accept_repo(order, account, sec, quotes, in_session)
    return check_and_freeze(order, account, position, quotes, schedule, in_session)


def check_and_freeze(
    order: Order,
    account: Account,
    position: Position | None,
    quotes: Quotes,
    schedule: FeeSchedule,
    in_session: bool,
    *,
    short: bool = False,
    funds: Callable[[Order, int], None] | None = None,
) -> Book | None:
    """The checks after the order type's (module docstring), and the freeze. ``short``: a short sale (lot
    rules without a position, nothing held). ``funds(order, need)``: replaces the buy's cash check (and the
    short sale's fee reserve check), called once the working price is known, ``need`` the cash the order
    will freeze; it raises :class:`Rejection` or arranges the money."""
    sec = quotes.security(order.code)
    order.name, order.is_stock, order.book_unit, order.t0 = sec.name, sec.is_stock, sec.book_unit, sec.t0
    quotes.check_listed(order.code)
    rule = price_rule(order.price_type, sec)
    order.remainder = rule.remainder
    if rule.is_market and not in_session:
        raise Rejection(why.SESSION, "非连续竞价时段不接受市价委托")
    check_volume(
        sec,
        order.volume,
        is_buy=order.is_buy or short,
        is_market=rule.is_market,
        can_use=position.can_use if position is not None else 0,
        side="融券卖出" if short else None,
    )
    book, limits = book_and_limit(order, sec, quotes, rule, in_session)  # a limit order's price checked
    if rule.source == LATEST:
        if book is None or not book.last_li:
            raise Rejection(why.QUOTE, f"没有最新价, 无法按最新价委托: {order.code}")
        order.limit_li = book.last_li
    elif rule.source not in (MARKET, GIVEN):
        assert book is not None
        peer = book.asks if order.is_buy else book.bids
        own = book.bids if order.is_buy else book.asks
        levels = peer if rule.source == PEER else own
        # 0 when that side is empty: nothing to price at, the order is cancelled when it meets the book
        order.limit_li = levels[0][0] if levels else 0
    if rule.source != GIVEN and order.limit_li:
        order.price = to_yuan(order.limit_li)
    if order.is_buy:
        highest_ask = max((p for p, _ in book.asks[:5]), default=0) if book is not None else 0
        order.freeze_li = order.limit_li or limits.up_li or highest_ask
        order.fee_cap = schedule.buy_fee_cap(order.freeze_li * order.volume, is_stock=sec.is_stock)
        need = required_frozen(order)
        if funds is not None:
            funds(order, need)
        elif need > account.available:
            raise Rejection(
                why.CASH,
                f"可用资金不足: 需要{to_yuan(need):.2f}元, 可用{to_yuan(account.available):.2f}元",
            )
    elif short:
        if funds is not None:
            funds(order, 0)
    else:
        assert position is not None  # check_volume refused a sell without sellable shares
        floor = order.limit_li or limits.down_li or sec.tick_li
        order.reserve = schedule.sell_shortfall(
            min(order.volume, sec.book_unit) * floor, is_stock=sec.is_stock
        )
        if order.reserve > account.available:
            raise Rejection(
                why.CASH,
                f"可用资金不足以支付卖出费用: 需要{to_yuan(order.reserve):.2f}元, "
                f"可用{to_yuan(account.available):.2f}元",
            )
        position.frozen += order.volume
    refreeze(account, order)
    return book
