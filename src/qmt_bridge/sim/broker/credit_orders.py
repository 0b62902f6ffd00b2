"""A credit account's orders on the simulated counter: checks, fills that create or repay debt, day rolls.

:class:`CreditOrders` is the :class:`.engine.Engine`'s part for credit accounts (called under the broker's
lock; debt records and rules in :mod:`.credit`, the numbers in :mod:`.credit_margin`, the lists in
:mod:`.credit_universe`). Order types (xtconstant) and what the counter checks, in this order after the code
itself (known, tradable), then the ordinary checks of :mod:`.acceptance` (price type, lots, price band):

- 23 担保品买入: the code is collateral; cash as an ordinary buy. 24 担保品卖出: an ordinary sell.
- 27 融资买入: a subject with financing status normal; 融资可用额度 >= amount (at the freeze price) + fee
  bound; 可用保证金 >= amount x fin_ratio. No cash is frozen: the broker pays each fill (amount + fees), which
  becomes the order's financing compact.
- 28 融券卖出: a subject with lending status normal; a limit order (FIX_PRICE or LATEST_PRICE) at or above
  the last price (the exchanges' 提价规则); 可融券 >= volume; 融券可用额度 >= volume x price; 可用保证金 >=
  volume x price x slo_ratio. Lots as for a buy. Each fill lends the shares (the order's lending compact) and
  holds the net proceeds as 融券卖出资金.
- 29 买券还券: the account owes shares of the code. A buy paid from 融券卖出资金 first, then the available
  cash; the shares bought repay the code's lending compacts, oldest first, and what exceeds the debt stays in
  the position (as collateral).
- 30 直接还券: held shares (volume less those frozen by sells; bought today included) repay the code's
  lending compacts at once, at most what is owed. Done (56) when placed, no fill, no trade.
- 31 卖券还款: the account has financing debt. An ordinary sell whose net proceeds repay it (interest first,
  then principal, oldest compact first); what exceeds the debt stays as cash.
- 32 直接还款: ``order_volume`` is the amount in CNY (xtquant sends it as ``m_dOrderAmount`` too, unrounded;
  ``XtOrder.order_volume`` shows its whole part), ``price`` and ``stock_code`` are ignored. Available cash
  repays unpaid interest and fees, then financing principal, oldest first, at most what is owed. Done (56)
  when placed.
- 40-45 (专项头寸): refused, the simulated counter has ordinary positions only. Any other type: refused.

Accepted any time an ordinary order is (30 and 32 also outside trading hours: they touch no exchange).
"""

from __future__ import annotations

import datetime as dt

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import credit as cr
from qmt_bridge.sim.broker import rejections as why
from qmt_bridge.sim.broker.acceptance import CREDIT_TYPE_NAMES, check_and_freeze
from qmt_bridge.sim.broker.credit_margin import CreditNumbers, fin_order_cost, measure
from qmt_bridge.sim.broker.credit_universe import CreditUniverse, pool_of
from qmt_bridge.sim.broker.fees import FeeSchedule
from qmt_bridge.sim.broker.ledger import Account, Order, Position, fill, fill_short
from qmt_bridge.sim.broker.money import to_yuan
from qmt_bridge.sim.broker.quotes import Book, Quotes
from qmt_bridge.sim.broker.rejections import Rejection
from qmt_bridge.sim.broker.sessions import local_date
from qmt_bridge.sim.broker.state import State

#: ``accept``'s answer for an order done when placed (30, 32).
DONE_AT_ONCE = "done"
_ORDINARY = frozenset({xc.CREDIT_BUY, xc.CREDIT_SELL, *range(27, 33)})
_SPECIAL = frozenset(range(40, 46))


def _yuan(li: int) -> str:
    return f"{to_yuan(li):.2f}"


class CreditOrders:
    """See the module docstring."""

    def __init__(self, state: State, quotes: Quotes, schedule: FeeSchedule, terms: cr.CreditTerms) -> None:
        self.state = state
        self.quotes = quotes
        self.schedule = schedule
        self.terms = terms
        self.universe = CreditUniverse(quotes.market, quotes.clock)

    # --- numbers ----------------------------------------------------------------------------------------

    def _kind(self, code: str) -> str | None:
        try:
            return self.quotes.security(code).kind
        except Rejection:
            return None

    def numbers(self, account_id: str) -> CreditNumbers:
        """The account's numbers at last prices (held positions' ``last_li`` refreshed)."""
        state = self.state
        held = state.holdings(account_id)
        compacts = [c for c in state.compacts_of(account_id) if c.open]
        codes = {p.code for p in held if p.volume} | {c.code for c in compacts}
        prices = self.quotes.last_prices(codes)
        for position in held:
            position.last_li = prices.get(position.code, position.last_li)
        orders = [o for o in state.orders.values() if o.account_id == account_id and o.open]
        return measure(
            state.accounts[account_id],
            state.credit[account_id],
            held,
            compacts,
            orders,
            lambda code: prices.get(code, 0),
            self.universe.assure_ratio,
            self._kind,
        )

    def lendable(self, code: str) -> int:
        """可融券: the counter's pool of ``code`` less what every account has borrowed or is shorting."""
        lent = sum(
            c.real_vol for c in self.state.compacts.values() if c.open and c.kind == cr.SLO and c.code == code
        )
        lent += sum(
            o.unfilled
            for o in self.state.open_by_code.get(code, {}).values()
            if o.order_type == xc.CREDIT_SLO_SELL
        )
        return max(0, pool_of(code) - lent)

    def _owed_shares(self, account_id: str, code: str) -> int:
        return sum(
            c.real_vol
            for c in self.state.compacts_of(account_id)
            if c.open and c.kind == cr.SLO and c.code == code
        )

    # --- acceptance -----------------------------------------------------------------------------------

    def accept(
        self, order: Order, account: Account, position: Position | None, in_session: bool
    ) -> Book | None | str:
        """Check a credit account's order and freeze what it needs (the book it met, as
        :func:`.acceptance.check_and_freeze`), or do it at once (:data:`DONE_AT_ONCE`); :class:`Rejection`."""
        kind = order.order_type
        if kind in _SPECIAL:
            raise Rejection(
                why.CREDIT_SUBJECT,
                f"模拟柜台不支持专项头寸委托: order_type={kind} ({CREDIT_TYPE_NAMES[kind]}), 请使用普通头寸委托类型 27-32",
            )
        if kind not in _ORDINARY:
            raise Rejection(
                why.ORDER_TYPE,
                f"信用账户不支持的委托类型: order_type={kind} (信用账户接受 23/24 担保品买卖, 27-32 融资融券)",
            )
        if kind == xc.CREDIT_DIRECT_CASH_REPAY:
            self._direct_repay(order, account)
            return DONE_AT_ONCE
        sec = self.quotes.security(order.code)
        code = order.code
        if kind == xc.CREDIT_DIRECT_SECU_REPAY:
            order.name = sec.name
            self._direct_return(order, account, position)
            return DONE_AT_ONCE
        args = (order, account, position, self.quotes, self.schedule, in_session)
        if kind == xc.CREDIT_BUY:
            if self.universe.assure_ratio(code) is None:
                raise Rejection(why.CREDIT_SUBJECT, f"非担保品证券, 信用账户不能买入: {code}")
            return check_and_freeze(*args)
        if kind in (xc.CREDIT_SELL, xc.CREDIT_SELL_SECU_REPAY):
            if kind == xc.CREDIT_SELL_SECU_REPAY and not self._fin_owed(order.account_id):
                raise Rejection(why.DEBT, "没有融资负债, 不能卖券还款 (请用担保品卖出 24)")
            return check_and_freeze(*args)
        if kind == xc.CREDIT_FIN_BUY:
            subject = self.universe.subject(code)
            if subject is None or subject.fin_status != cr.STATUS_NORMAL:
                raise Rejection(why.CREDIT_SUBJECT, f"非融资标的证券, 不能融资买入: {code}")
            return check_and_freeze(*args, funds=lambda o, _: self._check_fin(o, subject.fin_ratio))
        if kind == xc.CREDIT_SLO_SELL:
            subject = self.universe.subject(code)
            if subject is None or subject.slo_status != cr.STATUS_NORMAL:
                raise Rejection(why.CREDIT_SUBJECT, f"非融券标的证券, 不能融券卖出: {code}")
            if order.price_type not in (xc.FIX_PRICE, xc.LATEST_PRICE):
                raise Rejection(
                    why.PRICE_TYPE, f"融券卖出只接受限价委托 (FIX_PRICE 11 / LATEST_PRICE 5): {code}"
                )
            return check_and_freeze(
                *args, short=True, funds=lambda o, _: self._check_slo(o, subject.slo_ratio)
            )
        # 买券还券
        if not self._owed_shares(order.account_id, code):
            raise Rejection(why.DEBT, f"没有需要归还的融券负债, 不能买券还券: {code}")
        return check_and_freeze(*args, funds=self._take_slo_cash)

    def _fin_owed(self, account_id: str) -> int:
        return sum(
            c.real_balance + c.real_fare
            for c in self.state.compacts_of(account_id)
            if c.open and c.kind == cr.FIN
        )

    def _check_fin(self, order: Order, fin_ratio: float) -> None:
        numbers = self.numbers(order.account_id)
        cost = fin_order_cost(order)
        if cost > numbers.fin_enable:
            raise Rejection(
                why.CREDIT_QUOTA, f"融资可用额度不足: 需要{_yuan(cost)}元, 可用{_yuan(numbers.fin_enable)}元"
            )
        margin = round(order.freeze_li * order.volume * fin_ratio)
        if margin > numbers.enable_bail:
            raise Rejection(
                why.MARGIN, f"可用保证金不足: 需要{_yuan(margin)}元, 可用{_yuan(numbers.enable_bail)}元"
            )

    def _check_slo(self, order: Order, slo_ratio: float) -> None:
        last = self.quotes.last_prices([order.code]).get(order.code, 0)
        if last and order.limit_li < last:
            raise Rejection(
                why.PRICE, f"融券卖出价格{to_yuan(order.limit_li)}低于最新成交价{to_yuan(last)} (提价规则)"
            )
        lendable = self.lendable(order.code)
        if order.volume > lendable:
            raise Rejection(
                why.LENDABLE, f"可融券数量不足: 委托{order.volume}股, 可融{lendable}股 ({order.code})"
            )
        numbers = self.numbers(order.account_id)
        amount = order.limit_li * order.volume
        if amount > numbers.slo_enable:
            raise Rejection(
                why.CREDIT_QUOTA,
                f"融券可用额度不足: 需要{_yuan(amount)}元, 可用{_yuan(numbers.slo_enable)}元",
            )
        margin = round(amount * slo_ratio)
        if margin > numbers.enable_bail:
            raise Rejection(
                why.MARGIN, f"可用保证金不足: 需要{_yuan(margin)}元, 可用{_yuan(numbers.enable_bail)}元"
            )

    def _take_slo_cash(self, order: Order, need: int) -> None:
        """买券还券: its cash from 融券卖出资金 first (taken now, the unspent part given back when it ends)."""
        account = self.state.accounts[order.account_id]
        line = self.state.credit[order.account_id]
        take = min(need, line.slo_cash)
        if need - take > account.available:
            raise Rejection(
                why.CASH,
                f"可用资金不足: 需要{_yuan(need)}元, 融券卖出资金{_yuan(line.slo_cash)}元, "
                f"可用{_yuan(account.available)}元",
            )
        line.slo_cash -= take
        account.frozen -= take  # the held proceeds become the order's frozen cash (refrozen next)
        order.credit_li = take
        self.state.touch(line)

    # --- orders done when placed ----------------------------------------------------------------------

    def _direct_return(self, order: Order, account: Account, position: Position | None) -> None:
        owed = self._owed_shares(order.account_id, order.code)
        if not owed:
            raise Rejection(why.DEBT, f"没有需要归还的融券负债, 不能直接还券: {order.code}")
        if order.volume <= 0:
            raise Rejection(why.VOLUME, f"还券数量必须大于0: {order.volume}")
        if order.volume > owed:
            raise Rejection(
                why.DEBT, f"还券数量超过融券负债: 委托{order.volume}股, 应还{owed}股 ({order.code})"
            )
        usable = position.volume - position.frozen if position is not None else 0
        if order.volume > usable:
            raise Rejection(why.POSITION, f"可用股份不足: 委托{order.volume}, 可用{usable} ({order.code})")
        assert position is not None
        self._repay_shares(account, position, order.volume, order.volume)
        order.status, order.traded_volume = xc.ORDER_SUCCEEDED, order.volume
        order.status_msg = f"直接还券{order.volume}股"

    def _direct_repay(self, order: Order, account: Account) -> None:
        amount = order.credit_li
        if amount <= 0:
            raise Rejection(why.VOLUME, f"还款金额必须大于0: {to_yuan(amount)}")
        compacts = self.state.compacts_of(order.account_id)
        owed = sum(
            c.real_balance + c.real_fare for c in compacts if c.open and (c.kind == cr.FIN or c.real_vol == 0)
        )
        if not owed:
            raise Rejection(why.DEBT, "没有需要归还的融资负债或息费, 不能直接还款")
        pay = min(amount, owed)
        if pay > account.available:
            raise Rejection(why.CASH, f"可用资金不足: 需要{_yuan(pay)}元, 可用{_yuan(account.available)}元")
        fees, principal, changed = cr.repay_cash(compacts, pay, slo_fees=True)
        account.balance -= fees + principal
        self._settle(order.account_id, changed)
        order.status, order.traded_volume = xc.ORDER_SUCCEEDED, order.volume
        order.status_msg = f"直接还款{_yuan(pay)}元: 偿还息费{_yuan(fees)}元, 偿还本金{_yuan(principal)}元"

    # --- fills ----------------------------------------------------------------------------------------

    def fill(
        self, account: Account, position: Position | None, order: Order, price_li: int, volume: int
    ) -> int:
        """Book a credit account's fill (the ledger's, plus its debt); the fill's fees (li)."""
        kind, amount, state = order.order_type, price_li * volume, self.state
        line = state.credit[order.account_id]
        if kind == xc.CREDIT_SLO_SELL:
            paid = fill_short(account, order, price_li, volume, self.schedule)
            held = max(0, amount - paid)
            line.slo_cash += held
            account.frozen += held
            cr.add_slo(self._compact(order, cr.SLO), volume, amount)
            state.touch(line)
            return paid
        assert position is not None
        paid = fill(account, position, order, price_li, volume, self.schedule)
        if kind == xc.CREDIT_FIN_BUY:
            account.balance += amount + paid  # the broker pays
            cr.add_fin(self._compact(order, cr.FIN), volume, amount + paid)
        elif kind == xc.CREDIT_BUY_SECU_REPAY:
            owed = self._owed_shares(order.account_id, order.code)
            returned = min(owed, volume)
            if returned:  # the shares just bought leave the position with their share of its cost
                position.cost -= (amount + paid) * returned // volume
                position.open_cost -= amount * returned // volume
                if order.t0:
                    position.sellable -= returned
                self._repay_shares(account, position, returned, 0)
        elif kind == xc.CREDIT_SELL_SECU_REPAY:
            net = amount - paid
            compacts = state.compacts_of(order.account_id)
            fees, principal, changed = cr.repay_cash(
                compacts, min(max(net, 0), self._fin_owed(order.account_id)), slo_fees=False
            )
            account.balance -= fees + principal
            account.unsettled = max(0, account.unsettled - fees - principal)
            self._settle(order.account_id, changed)
        return paid

    def _compact(self, order: Order, kind: int) -> cr.Compact:
        compact = self.state.compacts.get(order.sysid)
        if compact is None:
            today = local_date(self.quotes.now())
            compact = cr.Compact(
                compact_id=order.sysid,
                account_id=order.account_id,
                kind=kind,
                code=order.code,
                order_id=order.order_id,
                open_date=today,
                end_date=today + dt.timedelta(days=self.terms.term_days),
            )
            self.state.add_compact(compact)
        self.state.touch(compact)
        return compact

    def _repay_shares(self, account: Account, position: Position, shares: int, costed: int) -> None:
        """``shares`` of ``position`` repay its code's lending compacts; ``costed`` of them take their share
        of the position's cost (those the caller has not taken out already). The compacts' fees are charged."""
        returned, changed = cr.return_shares(
            self.state.compacts_of(account.account_id), position.code, shares
        )
        if costed and position.volume:
            position.cost -= position.cost * costed // position.volume
            position.open_cost -= position.open_cost * costed // position.volume
        not_sellable = position.volume - position.sellable
        position.sellable -= max(0, returned - not_sellable)  # today's purchases go first
        position.volume -= returned
        if position.volume == 0:
            position.cost = position.open_cost = 0
        line = self.state.credit[account.account_id]
        for compact in changed:
            from_held = cr.pay_fees(compact, line.slo_cash)
            line.slo_cash -= from_held
            account.frozen -= from_held
            account.balance -= from_held
            from_cash = cr.pay_fees(compact, max(0, account.available))
            account.balance -= from_cash
        self.state.touch(account, position, line)
        self._settle(account.account_id, changed)

    def _settle(self, account_id: str, changed: list[cr.Compact]) -> None:
        """Close the compacts paid off; release the 融券卖出资金 when no lending debt is left."""
        today = local_date(self.quotes.now())
        for compact in changed:
            cr.close_if_done(compact, today)
            self.state.touch(compact)
        self._release_slo_cash(account_id)

    def _release_slo_cash(self, account_id: str) -> None:
        line = self.state.credit[account_id]
        if not line.slo_cash and not line.slo_used:
            return
        if any(c.open and c.kind == cr.SLO for c in self.state.compacts_of(account_id)):
            return
        busy = (xc.CREDIT_SLO_SELL, xc.CREDIT_BUY_SECU_REPAY)
        if any(
            o.open and o.account_id == account_id and o.order_type in busy for o in self.state.orders.values()
        ):
            return
        account = self.state.accounts[account_id]
        account.frozen -= line.slo_cash
        line.slo_cash = line.slo_used = 0
        self.state.touch(account, line)

    def done(self, order: Order) -> None:
        """A credit order reached its final status: a 买券还券 gives back the 融券卖出资金 it did not spend."""
        if order.order_type == xc.CREDIT_BUY_SECU_REPAY and order.credit_li:
            account = self.state.accounts[order.account_id]
            line = self.state.credit[order.account_id]
            spent = min(order.credit_li, order.traded_amount + order.fees)
            back = order.credit_li - spent
            line.slo_cash += back
            line.slo_used += spent
            account.frozen += back
            order.credit_li = 0
            self.state.touch(account, line, order)
        if order.order_type in (xc.CREDIT_SLO_SELL, xc.CREDIT_BUY_SECU_REPAY):
            self._release_slo_cash(order.account_id)

    # --- days -----------------------------------------------------------------------------------------

    def roll(self, previous: dt.date, today: dt.date) -> None:
        """The counter's day rolls from ``previous`` to ``today``: every open compact is charged the calendar
        days between; compacts closed before today leave the lists."""
        days = (today - previous).days
        for compact in cr.accrue(self.state.compacts.values(), days, self.terms):
            self.state.touch(compact)
        self.state.drop_closed_compacts()

    def forget(self, account_id: str) -> None:
        """After an account reset: no 融券卖出资金 held (the compacts went with the account's records)."""
        line = self.state.credit.get(account_id)
        if line is not None:
            line.slo_cash = line.slo_used = 0
            self.state.touch(line)
