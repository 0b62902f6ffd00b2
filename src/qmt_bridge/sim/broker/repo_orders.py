"""Reverse repo orders on a stock account: their checks, their fills and the return of their money, by the
rules of :mod:`.repo`.

- :func:`accept_repo`: a repo code's order after the order type's check (:func:`.acceptance.accept`): a buy
  is refused; a sell is checked (price type, volume, rate, cash) and freezes the amount and its commission.
- :meth:`RepoDesk.fill`: a fill pays the amount and the commission, opens a :class:`.repo.RepoLoan` and adds
  the 张 to the account's position in the code, valued at face (``Position.face_li``, so total assets do
  not change), which shows while the money is lent, as counters list a running repo among the holdings.
- :meth:`RepoDesk.returns`: when the counter's day rolls into a loan's due day, its amount and interest
  come back as available cash (withdrawable from the next day: they count as the day's unsettled cash), the
  position shrinks and, once empty, goes.
"""

from __future__ import annotations

import datetime as dt

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import rejections as why
from qmt_bridge.sim.broker.ledger import Account, Order, Position, refreeze, required_frozen
from qmt_bridge.sim.broker.money import to_yuan
from qmt_bridge.sim.broker.quotes import Book, Quotes
from qmt_bridge.sim.broker.rejections import Rejection
from qmt_bridge.sim.broker.repo import FACE_LI, RepoLoan, commission, interest, product_of, schedule
from qmt_bridge.sim.broker.rules import GIVEN, LATEST, book_and_limit, check_volume, price_rule
from qmt_bridge.sim.broker.securities import Security
from qmt_bridge.sim.broker.state import State


def accept_repo(
    order: Order, account: Account, sec: Security, quotes: Quotes, in_session: bool
) -> Book | None:
    """Check a stock account's order of the repo code ``sec`` and freeze its cash, or :class:`Rejection`."""
    product = product_of(order.code)
    if product is None:  # a repurchase code the counter has no terms for
        raise Rejection(why.SECURITY, f"不支持的回购品种: {order.code}")
    if order.order_type != xc.STOCK_SELL:
        raise Rejection(
            why.ORDER_TYPE,
            f"逆回购只能融出资金: 请以卖出 (STOCK_SELL 24) 委托 {order.code} ({product.name}); "
            "买入 (融资回购/正回购) 普通股票账户不能委托",
        )
    order.name, order.is_stock, order.book_unit, order.t0 = sec.name, False, sec.book_unit, False
    order.repo_days = product.days
    quotes.check_listed(order.code)
    rule = price_rule(order.price_type, sec)
    if rule.source not in (GIVEN, LATEST):
        raise Rejection(
            why.PRICE_TYPE,
            f"逆回购只接受限价委托 (FIX_PRICE 11 / LATEST_PRICE 5): price_type={order.price_type} ({order.code})",
        )
    order.remainder = rule.remainder
    check_volume(sec, order.volume, is_buy=True, is_market=False, side="逆回购")
    book, _ = book_and_limit(order, sec, quotes, rule, in_session)
    if rule.source != GIVEN:
        if book is None or not book.last_li:
            raise Rejection(why.QUOTE, f"没有最新价, 无法按最新价委托: {order.code}")
        order.limit_li = book.last_li
        order.price = to_yuan(order.limit_li)
    amount = order.volume * FACE_LI
    order.fee_cap = commission(product.days, amount)
    need = required_frozen(order)
    if need > account.available:
        raise Rejection(
            why.CASH,
            f"可用资金不足: 逆回购需要{to_yuan(need):.2f}元 (金额{to_yuan(amount):.2f}元 + 手续费"
            f"{to_yuan(order.fee_cap):.2f}元), 可用{to_yuan(account.available):.2f}元",
        )
    refreeze(account, order)
    return book


class RepoDesk:
    """The fills and returns of reverse repos over a :class:`.state.State` (no locking: the engine's)."""

    def __init__(self, state: State) -> None:
        self.state = state

    def fill(
        self,
        account: Account,
        position: Position,
        order: Order,
        rate_li: int,
        volume: int,
        loan_id: str,
        day: dt.date,
    ) -> int:
        """Book a fill of ``volume`` 张 at the rate ``rate_li``: the order's totals (its ``traded_amount`` is
        rate x 张, so ``XtOrder.traded_price`` is the mean rate), the cash, the position and a new loan.
        Returns the fill's commission (li)."""
        before = order.fees
        order.traded_volume += volume
        order.traded_amount += rate_li * volume
        order.commission = commission(order.repo_days, order.traded_volume * FACE_LI)
        order.status = xc.ORDER_SUCCEEDED if order.unfilled == 0 else xc.ORDER_PART_SUCC
        paid = order.fees - before
        amount = volume * FACE_LI
        account.balance -= amount + paid
        position.face_li = FACE_LI
        position.volume += volume
        position.cost += amount + paid
        position.open_cost += amount
        position.last_li = rate_li
        refreeze(account, order)
        dates = schedule(day, order.repo_days)
        loan = RepoLoan(
            loan_id=loan_id,
            account_id=order.account_id,
            code=order.code,
            name=order.name,
            order_id=order.order_id,
            volume=volume,
            amount=amount,
            rate_li=rate_li,
            term=order.repo_days,
            trade_day=day,
            first_settle=dates.first_settle,
            due_day=dates.due_day,
            settle_day=dates.settle_day,
            days=dates.days,
            interest=interest(amount, rate_li, dates.days),
            fee=paid,
        )
        self.state.add_repo_loan(loan)
        return paid

    def returns(self, today: dt.date) -> list[tuple[str, Position | None]]:
        """Return every loan due by ``today`` (module docstring): (account id, its position) per loan."""
        state = self.state
        out: list[tuple[str, Position | None]] = []
        due = [loan for loan in state.repo_loans.values() if loan.due_day <= today]
        for loan in sorted(due, key=lambda x: (x.due_day, x.loan_id)):
            account = state.accounts.get(loan.account_id)
            if account is not None:
                back = loan.amount + loan.interest
                account.balance += back
                account.unsettled += back
            position = state.find_position(loan.account_id, loan.code)
            if position is not None:
                volume = min(loan.volume, position.volume)
                if position.volume:
                    position.cost -= position.cost * volume // position.volume
                    position.open_cost -= position.open_cost * volume // position.volume
                position.volume -= volume
                position.yesterday = min(position.yesterday, position.volume)
                position.sellable = min(position.sellable, position.volume)
                if position.volume == 0:
                    position.cost = position.open_cost = 0
            state.returned(loan)
            state.touch(account, position)
            out.append((loan.account_id, position))
        return out
