"""Order handling of the simulated counter: accept or reject, match, cancel, expire, roll the day.

:class:`Engine` works on a :class:`.state.State` with no locking and no threads of its own: the broker calls
it under its lock. What happens is reported as events in :attr:`Engine.outbox`, each an xtquant object built
at the moment of the change (so a later change cannot alter it), to be delivered by the broker.

Order life (``shared/xtquant-api.md`` §5.15): accepted orders are reported (50) at once, then part-filled (55)
and filled (56); a cancel reports 51 (52 when partly filled) then 54 (53); a refused order is 57 with the
reason in ``status_msg``, plus ``on_order_error`` to the caller. Each fill pushes ``on_stock_order`` (its new
status), ``on_stock_trade``, ``on_stock_position`` and ``on_stock_asset``, in that order. Cash or shares
that an order freezes or releases without a fill push position (sells) and asset.

Price types (rules in :mod:`.rules`): FIX_PRICE rests at its limit; LATEST_PRICE is a limit at the last
price when placed; MARKET_PEER_PRICE_FIRST / MARKET_MINE_PRICE_FIRST are limits at the best counterparty /
own quote when placed (cancelled when that side is empty); the best-5 types walk up to five levels and
cancel the rest (42, 46, 47), rest it as a limit at the last fill price (43, cancelled if nothing filled), or
fill all or nothing (48). Market-type buys freeze cash at the up-limit price.

Credit accounts (``account_type`` 3): their orders are checked and booked by :mod:`.credit_orders` (debt,
repayments, 融券卖出资金); 直接还券 (30) and 直接还款 (32) are done (56) when placed, with no fill. Each
rolled day charges the compacts' interest and fees (:meth:`.credit_orders.CreditOrders.roll`).

Reverse repos (a stock account's sell of a repo code, :mod:`.repo`): accepted by
:func:`.repo_orders.accept_repo`, matched like any sell (against bids at or above their rate), booked by
:class:`.repo_orders.RepoDesk`; a rolled day returns the repos due that day (position and asset pushed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import ipo
from qmt_bridge.sim.broker import rejections as why
from qmt_bridge.sim.broker.acceptance import accept
from qmt_bridge.sim.broker.credit import CreditTerms
from qmt_bridge.sim.broker.credit_orders import CreditOrders
from qmt_bridge.sim.broker.fees import FeeSchedule
from qmt_bridge.sim.broker.ledger import (
    FACE_LI,
    Order,
    Position,
    Trade,
    fill,
    refreeze,
    release_shares,
    roll_position,
)
from qmt_bridge.sim.broker.matching import crosses, fill_size, take, total
from qmt_bridge.sim.broker.money import LI_PER_YUAN, fen_half_up, to_li, to_yuan
from qmt_bridge.sim.broker.quotes import ASK, BID, THROUGH, Book, Liquidity, Quotes
from qmt_bridge.sim.broker.rejections import Rejection
from qmt_bridge.sim.broker.repo_orders import RepoDesk
from qmt_bridge.sim.broker.rules import (
    DAY,
    FOK,
    IOC,
    TO_LIMIT,
    check_band,
)
from qmt_bridge.sim.broker.sessions import close_of, in_continuous_session, local_date, trading_day_for
from qmt_bridge.sim.broker.state import State
from qmt_bridge.sim.broker.views import (
    asset_view,
    cancel_error_view,
    order_error_view,
    order_view,
    position_view,
    trade_view,
)

#: (account id, callback name, argument, the one listener it is for or None for every subscriber)
Event = tuple[str, str, Any, Any]

EXPIRED = "收市未成交, 委托已失效(当日有效)"
CANCELLED_BY_USER = "用户撤单"
_STATUS_NAMES = {
    xc.ORDER_PART_CANCEL: "部撤",
    xc.ORDER_CANCELED: "已撤",
    xc.ORDER_SUCCEEDED: "已成",
    xc.ORDER_JUNK: "废单",
}
_SYSID_BASE = 100_000_000  # contract numbers look unlike order ids, so that mixing them up shows


class Engine:
    """See the module docstring. ``listening(account_id)`` says whether anyone wants that account's
    events (objects are built only then)."""

    def __init__(
        self,
        quotes: Quotes,
        state: State,
        schedule: FeeSchedule,
        listening: Callable[[str], bool],
        terms: CreditTerms | None = None,
    ) -> None:
        self.quotes = quotes
        self.state = state
        self.schedule = schedule
        self.listening = listening
        self.credit = CreditOrders(state, quotes, schedule, terms or CreditTerms())
        self.repos = RepoDesk(state)
        self.liquidity = Liquidity()
        self.outbox: list[Event] = []
        self._earliest_day: dt.date | None = None
        #: (day, subscription code -> the issue's get_ipo_info row): today's issues, read once a day.
        self._issues: tuple[dt.date | None, dict[str, dict[str, Any]]] = (None, {})
        #: The lottery's rate per unit; None: each issue's 中签率 (:mod:`.ipo`).
        self.ipo_win_rate: float | None = None
        self._last_bucket: int | None = None
        self._recompute_earliest()

    # --- events -------------------------------------------------------------------------------------

    def _emit(self, account_id: str, name: str, build: Callable[[], Any], only: Any = None) -> None:
        if only is not None or self.listening(account_id):
            self.outbox.append((account_id, name, build(), only))

    def _emit_order(self, order: Order) -> None:
        self._emit(order.account_id, "on_stock_order", lambda: order_view(order))

    def _emit_holdings(self, account_id: str, position: Position | None = None) -> None:
        if position is not None:
            self._emit(account_id, "on_stock_position", lambda: position_view(position))
        account = self.state.accounts[account_id]
        self._emit(account_id, "on_stock_asset", lambda: asset_view(account, self.state.holdings(account_id)))

    # --- time -----------------------------------------------------------------------------------------

    def catch_up(self, now: dt.datetime) -> None:
        """Expire orders whose trading day has closed, and roll into a new calendar day."""
        if self._earliest_day is not None and now >= close_of(self._earliest_day):
            for order in [o for o in self.state.open_orders() if now >= close_of(o.trading_day)]:
                self._end(order, EXPIRED)
            self._recompute_earliest()
        today = local_date(now)
        if today > self.state.day:
            self._roll(today)

    def _recompute_earliest(self) -> None:
        self._earliest_day = min((o.trading_day for o in self.state.open_orders()), default=None)

    def _roll(self, today: dt.date) -> None:
        state = self.state
        for account_id in list(state.positions):
            for position in state.holdings(account_id):
                if position.volume == 0 and position.frozen == 0:
                    state.drop_position(position)
                else:
                    roll_position(position)
                    state.touch(position)
        for sub in state.subscriptions.values():  # allotted shares are not sellable before they list
            if sub.state == ipo.ALLOTTED and today < sub.listed_day:
                held = state.find_position(sub.account_id, sub.code)
                if held is not None:
                    held.sellable = 0
        for account in state.accounts.values():
            account.unsettled = 0
            state.touch(account)
        for order in [o for o in state.orders.values() if not o.open and o.created_day < today]:
            del state.orders[order.order_id]
        state.trades.clear()
        self.credit.roll(state.day, today)
        state.set_day(today)
        self._settle_subscriptions(today)
        self._return_repos(today)

    def _return_repos(self, today: dt.date) -> None:
        """Reverse repos due by ``today`` pay back their amount and interest (:mod:`.repo_orders`); an
        emptied repo position is shown once more (volume 0), then goes."""
        for account_id, position in self.repos.returns(today):
            self._emit_holdings(account_id, position)
            if position is not None and position.volume == 0:
                self.state.drop_position(position)

    # --- placing --------------------------------------------------------------------------------------

    def place(
        self,
        account_id: str,
        code: str,
        order_type: int,
        volume: float,
        price_type: int,
        price: float,
        strategy_name: str = "",
        order_remark: str = "",
        origin: Any = None,
        seq: int = 0,
    ) -> Order:
        """Take an order: a rejected one (57) or a reported one (50) that may fill at once. ``volume`` is
        shares, or CNY for a credit account's 直接还款 (32)."""
        now = self.quotes.now()
        self.catch_up(now)
        state = self.state
        account = state.accounts[account_id]
        in_session = in_continuous_session(now)
        credit = account.account_type == xc.CREDIT_ACCOUNT
        order = Order(
            order_id=state.new_order_id(),
            account_id=account_id,
            code=code,
            name="",
            order_type=order_type,
            volume=int(volume),
            price_type=price_type,
            price=float(price),
            limit_li=0,
            freeze_li=0,
            remainder=DAY,
            trading_day=trading_day_for(now),
            created_day=local_date(now),
            order_time=int(now.timestamp()),
            is_stock=True,
            book_unit=100,
            t0=False,
            strategy_name=strategy_name,
            order_remark=order_remark,
            account_type=account.account_type,
        )
        if credit and order_type == xc.CREDIT_DIRECT_CASH_REPAY:
            order.credit_li = fen_half_up(volume * LI_PER_YUAN)
        try:
            issue = self._issue(code, order.created_day)
            if issue is not None:
                return self._subscribe(order, issue, in_session)
            position = state.find_position(account_id, code)
            if credit:
                book = self.credit.accept(order, account, position, in_session)
            else:
                book = accept(order, account, position, self.quotes, self.schedule, in_session)
            state.touch(account, position)
        except Rejection as rejection:
            order.status, order.status_msg = xc.ORDER_JUNK, rejection.message
            error_id = rejection.error_id
            state.add_order(order)
            state.closed(order)
            self._emit(account_id, "on_order_error", lambda: order_error_view(order, error_id, seq), origin)
            self._emit_order(order)
            return order
        order.sysid = str(_SYSID_BASE + order.order_id)
        state.add_order(order)
        if isinstance(book, str):  # DONE_AT_ONCE: a credit repayment done when placed
            state.closed(order)
            self._emit_order(order)
            self._emit_holdings(account_id, state.find_position(account_id, code))
            return order
        if self._earliest_day is None or order.trading_day < self._earliest_day:
            self._earliest_day = order.trading_day
        self._emit_order(order)
        if in_session:
            self._meet_book(order, book, now)
        else:
            order.waiting = True
        if order.open and order.traded_volume == 0:
            self._emit_holdings(
                account_id, state.find_position(account_id, code) if order.holds_shares else None
            )
        return order

    # --- new-share subscription (see :mod:`.ipo`) ------------------------------------------------------

    def _issue(self, code: str, day: dt.date) -> dict[str, Any] | None:
        """The issue whose subscription code ``code`` is, on its subscription day ``day``; None else."""
        if self._issues[0] != day:
            ahead = (day + dt.timedelta(days=40)).strftime("%Y%m%d")
            # Optional: a market without it (a hand-set one) has no issues.
            get_ipo_info = getattr(self.quotes.market, "get_ipo_info", None)
            rows = (get_ipo_info(day.strftime("%Y%m%d"), ahead) or []) if get_ipo_info is not None else []
            found = {
                f"{r['onlineSubCode']}.{r['market']}": r
                for r in rows
                if r.get("startDate") == f"{day:%Y%m%d}"
            }
            self._issues = (day, found)
        return self._issues[1].get(code)

    def _subscribe(self, order: Order, issue: dict[str, Any], in_session: bool) -> Order:
        """A subscription order: checked, then done at once (已成), nothing frozen but a BSE subscription's
        amount; or :class:`Rejection`."""
        state = self.state
        subscribed = any(
            s.account_id == order.account_id and s.sub_code == order.code and s.day == order.created_day
            for s in state.subscriptions.values()
        )
        holdings = state.holdings(order.account_id)
        prices = self.quotes.last_prices(p.code for p in holdings if p.volume)
        for position in holdings:  # the quota at today's prices, as query_new_purchase_limit reports it
            position.last_li = prices.get(position.code, position.last_li)
        held = [position_view(p) for p in holdings]
        account = state.accounts.get(order.account_id)
        available = account.available if account is not None else 0
        unit = ipo.check(order, issue, held, subscribed, in_session, available)
        order.name = str(issue["codeName"])
        order.sysid = str(_SYSID_BASE + order.order_id)
        order.status, order.traded_volume = xc.ORDER_SUCCEEDED, order.volume
        order.traded_amount = order.volume * to_li(float(issue["publishPrice"]))
        sub = ipo.subscription(order, issue, unit, self.ipo_win_rate)
        frozen = ""
        if sub.prepaid_li and account is not None:  # BSE: paid in full now, settled on the announcement day
            account.frozen += sub.prepaid_li
            state.touch(account)
            frozen = f"已冻结申购资金{to_yuan(sub.prepaid_li):.2f}元, "
        order.status_msg = f"新股申购已受理, {frozen}{issue.get('declareDate') or ''}公布中签结果"
        state.add_order(order)
        state.closed(order)
        state.add_subscription(sub)
        self._emit_order(order)
        return order

    def _settle_subscriptions(self, today: dt.date) -> None:
        """Draw and pay the subscriptions whose payment day has come (the counter's day rolled into it); a
        prepaid (BSE) one on its announcement day, its frozen money released first."""
        state = self.state
        for sub in [
            s for s in state.subscriptions.values() if s.state == ipo.PENDING and s.settle_day <= today
        ]:
            sub.allotted = ipo.draw(sub)
            account = state.accounts.get(sub.account_id)
            amount = sub.allotted * sub.price_li
            if account is not None and sub.prepaid_li:  # its money was frozen for it: released, then paid
                account.frozen -= sub.prepaid_li
                state.touch(account)
            if not sub.allotted or account is None:
                sub.state = ipo.NOT_ALLOTTED
            elif amount > account.available:
                sub.state = ipo.FORFEITED
            else:
                sub.state = ipo.ALLOTTED
                account.balance -= amount
                position = state.position(sub.account_id, sub.code, sub.name)
                position.volume += sub.allotted
                position.cost += amount
                position.open_cost += amount
                position.last_li = position.last_li or sub.price_li
                state.touch(account, position)
                self._emit_holdings(sub.account_id, position)
            state.touch(sub)

    # --- matching -------------------------------------------------------------------------------------

    def _meet_book(self, order: Order, book: Book | None, now: dt.datetime) -> None:
        """An order's first meeting with the book: it takes what crosses at the displayed prices, then its
        price type decides the rest."""
        if book is None:
            book = self.quotes.book(order.code, order.book_unit)
        if book is None:
            return  # no quote yet: it rests
        order.seen_ms = book.time_ms
        if (
            order.price_type in (xc.MARKET_PEER_PRICE_FIRST, xc.MARKET_MINE_PRICE_FIRST)
            and not order.limit_li
        ):
            self._end(order, "无对手方或本方挂单, 市价委托撤销")
            return
        side = ASK if order.is_buy else BID
        limit = order.limit_li or None
        pieces = take(
            self.liquidity.remaining(book, side),
            order.unfilled,
            is_buy=order.is_buy,
            limit_li=limit,
            unit=order.book_unit,
        )
        if order.remainder == FOK and total(pieces) < order.unfilled:
            self._end(order, "全额成交或撤销: 可成交数量不足, 委托撤销")
            return
        for price, shares in pieces:
            self.liquidity.take(book, side, price, shares)
            self._fill(order, price, shares, now)
        if not order.open:
            return
        if order.remainder == IOC:
            self._end(
                order, "即时成交剩余撤销" if order.traded_volume else "无可成交对手盘, 即时成交剩余撤销"
            )
        elif order.remainder == TO_LIMIT:
            if not pieces:
                self._end(order, "最优五档无成交, 委托撤销")
                return
            order.limit_li = pieces[-1][0]
            order.remainder = DAY
            if order.is_buy:
                order.freeze_li = order.limit_li
                refreeze(self.state.accounts[order.account_id], order)
                self._emit_holdings(order.account_id)
            self.state.touch(order)

    def match(self, now: dt.datetime) -> None:
        """One pass of the matching thread: expire and roll, then, in continuous trading and once per 3-second
        snapshot, meet the book for the orders that wait for the open and fill resting orders it crosses."""
        self.catch_up(now)
        if not in_continuous_session(now):
            return
        bucket = int(now.timestamp()) // 3
        if bucket == self._last_bucket:
            return
        self._last_bucket = bucket
        today = local_date(now)
        units = {}
        for code, orders in self.state.open_by_code.items():
            for order in orders.values():
                if order.trading_day == today:
                    units[code] = order.book_unit
                    break
        for code, book in self.quotes.books(units).items():
            orders = [o for o in self.state.open_by_code.get(code, {}).values() if o.trading_day == today]
            orders.sort(key=_priority)
            for order in orders:
                if not order.open:
                    continue
                if order.waiting:
                    self._activate(order, book, now)
                elif book.time_ms > order.seen_ms:
                    self._rest_match(order, book, now)

    def _activate(self, order: Order, book: Book, now: dt.datetime) -> None:
        """An order placed outside continuous trading meets its first session: the checks that need its
        day's price band and status, then the book."""
        order.waiting = False
        try:
            self.quotes.check_listed(order.code)
            if book.suspended:
                raise Rejection(why.SECURITY, f"证券停牌: {order.code}")
            limits = self.quotes.limits(order.code)
            check_band(order.limit_li, limits.down_li, limits.up_li)
        except Rejection as rejection:
            self._junk(order, rejection)
            return
        self._meet_book(order, book, now)

    def _rest_match(self, order: Order, book: Book, now: dt.datetime) -> None:
        """A resting limit order against a later snapshot: it fills at its own price, capped by the crossing
        levels' volume or, when only the last price crossed, by the volume traded since."""
        order.seen_ms = book.time_ms
        side = ASK if order.is_buy else BID
        pieces = take(
            self.liquidity.remaining(book, side),
            order.unfilled,
            is_buy=order.is_buy,
            limit_li=order.limit_li,
            unit=order.book_unit,
        )
        if pieces:
            for price, shares in pieces:
                self.liquidity.take(book, side, price, shares)
            self._fill(order, order.limit_li, total(pieces), now)
        elif book.last_li and crosses(book.last_li, order.limit_li, order.is_buy):
            piece = fill_size(self.liquidity.through(book), order.unfilled, order.book_unit)
            if piece:
                self.liquidity.take(book, THROUGH, 0, piece)
                self._fill(order, order.limit_li, piece, now)

    def _fill(self, order: Order, price_li: int, volume: int, now: dt.datetime) -> None:
        state = self.state
        account = state.accounts[order.account_id]
        position = None
        if order.order_type != xc.CREDIT_SLO_SELL:  # a short sale's shares are lent, not held
            position = state.position(order.account_id, order.code, order.name)
        traded_id = state.new_trade_id()
        if order.repo_days:
            assert position is not None
            fees = self.repos.fill(account, position, order, price_li, volume, traded_id, local_date(now))
        elif order.account_type == xc.CREDIT_ACCOUNT:
            fees = self.credit.fill(account, position, order, price_li, volume)
        else:
            assert position is not None
            fees = fill(account, position, order, price_li, volume, self.schedule)
        trade = Trade(
            traded_id=traded_id,
            order_id=order.order_id,
            account_id=order.account_id,
            code=order.code,
            name=order.name,
            order_type=order.order_type,
            price_li=price_li,
            volume=volume,
            amount=volume * FACE_LI if order.repo_days else price_li * volume,  # a repo: the amount lent
            fees=fees,
            traded_time=int(now.timestamp()),
            sysid=order.sysid,
            strategy_name=order.strategy_name,
            order_remark=order.order_remark,
            day=local_date(now),
            account_type=order.account_type,
        )
        state.add_trade(trade)
        state.touch(account, position, order)
        if not order.open:
            state.closed(order)
            if order.account_type == xc.CREDIT_ACCOUNT:
                self.credit.done(order)
        self._emit_order(order)
        self._emit(order.account_id, "on_stock_trade", lambda: trade_view(trade))
        self._emit_holdings(order.account_id, position)

    # --- ending ---------------------------------------------------------------------------------------

    def _end(self, order: Order, message: str) -> None:
        """Cancel what is left of ``order`` (54, or 53 after fills) and release what it froze."""
        order.status = xc.ORDER_PART_CANCEL if order.traded_volume else xc.ORDER_CANCELED
        order.status_msg = message
        self._release(order)

    def _junk(self, order: Order, rejection: Rejection) -> None:
        """Refuse an order already reported (its day's checks failed at the open)."""
        order.status, order.status_msg = xc.ORDER_JUNK, rejection.message
        self._emit(order.account_id, "on_order_error", lambda: order_error_view(order, rejection.error_id))
        self._release(order)

    def _release(self, order: Order) -> None:
        state = self.state
        account = state.accounts[order.account_id]
        position = state.find_position(order.account_id, order.code)
        release_shares(position, order)
        refreeze(account, order)
        state.closed(order)
        if order.account_type == xc.CREDIT_ACCOUNT:
            self.credit.done(order)
        state.touch(account, position)
        self._emit_order(order)
        self._emit_holdings(order.account_id, position if order.holds_shares else None)

    def cancel(self, account_id: str, order_id: int, origin: Any = None) -> Order | None:
        """Cancel an order of ``account_id``: None when it has no such order (xtquant's -1). An order that
        can no longer be cancelled gets ``on_cancel_error`` (to ``origin``) instead."""
        self.catch_up(self.quotes.now())
        order = self.state.orders.get(order_id)
        if order is None or order.account_id != account_id:
            return None
        if not order.open:
            message = f"委托已{_STATUS_NAMES.get(order.status, '结束')}, 不能撤单: order_id={order_id}"
            self._emit(
                account_id, "on_cancel_error", lambda: cancel_error_view(order, why.CANCEL, message), origin
            )
            return order
        order.status = xc.ORDER_PARTSUCC_CANCEL if order.traded_volume else xc.ORDER_REPORTED_CANCEL
        self._emit_order(order)
        self._end(order, CANCELLED_BY_USER)
        return order

    def forget(self, account_id: str) -> None:
        """After an account reset: its orders are gone from the open index."""
        self.state.forget_account(account_id)
        self.credit.forget(account_id)
        self._recompute_earliest()


def _priority(order: Order) -> tuple[bool, int, int]:
    """Waiting orders first (in order of arrival), then price priority, then time priority."""
    price = -order.limit_li if order.is_buy else order.limit_li
    return (not order.waiting, price if not order.waiting else 0, order.order_id)
