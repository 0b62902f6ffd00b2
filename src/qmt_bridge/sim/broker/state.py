"""The counter's state in memory, loaded from and written through to a :class:`.store.BrokerStore`.

Holds the accounts, positions, the *current* orders (open ones and today's) and today's trades, with the
indexes the matching needs (open orders by code), and the credit accounts' lines and compacts (open ones
and today's closed ones), and the reverse repos still lent (:mod:`.repo`). Whatever an operation changes is marked dirty and written
in one transaction by :meth:`State.flush`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from qmt_bridge.sim.broker.credit import Compact, CreditLine
from qmt_bridge.sim.broker.ipo import Subscription
from qmt_bridge.sim.broker.ledger import Account, Order, Position, Trade
from qmt_bridge.sim.broker.repo import RepoLoan
from qmt_bridge.sim.broker.store import BrokerStore
from qmt_bridge.sim.broker.transfers import BankLink, new_link


class State:
    """Accounts, positions, current orders and today's trades (see the module docstring)."""

    def __init__(self, store: BrokerStore, today: dt.date) -> None:
        self.store = store
        meta = store.meta()
        self.day = dt.date.fromisoformat(meta["day"]) if "day" in meta else today
        self._meta_dirty = "day" not in meta  # a new file learns its day at the first flush
        self.next_order_id, self.next_trade_id = store.next_ids()
        self.accounts: dict[str, Account] = {a.account_id: a for a in store.accounts()}
        #: account id -> code -> position
        self.positions: dict[str, dict[str, Position]] = {}
        for position in store.positions():
            self.positions.setdefault(position.account_id, {})[position.code] = position
        self.orders: dict[int, Order] = {}
        self.open_by_code: dict[str, dict[int, Order]] = {}
        for order in store.current_orders(self.day):
            self._index(order)
        self.trades: dict[str, list[Trade]] = {}
        for trade in store.trades_of(self.day):
            self.trades.setdefault(trade.account_id, []).append(trade)
        self.links: dict[str, BankLink] = {link.account_id: link for link in store.bank_links()}
        #: New-share subscriptions by order id (all of them: a few a day at most).
        self.subscriptions: dict[int, Subscription] = {s.order_id: s for s in store.subscriptions()}
        self.next_transfer_no = store.next_transfer_no()
        #: Credit accounts' lines, by account id; their compacts by compact id.
        self.credit: dict[str, CreditLine] = {line.account_id: line for line in store.credit_lines()}
        self.compacts: dict[str, Compact] = {c.compact_id: c for c in store.compacts(self.day)}
        #: Reverse repos whose money is still lent, by loan id (:mod:`.repo`).
        self.repo_loans: dict[str, RepoLoan] = {x.loan_id: x for x in store.repo_loans()}
        self._dirty: dict[int, Any] = {}
        self._dropped: list[tuple[str, str]] = []

    # --- changes ------------------------------------------------------------------------------------

    def touch(self, *records: Any) -> None:
        """Mark ``records`` as changed (written at the next :meth:`flush`)."""
        for record in records:
            if record is not None:
                self._dirty[id(record)] = record

    def new_order_id(self) -> int:
        # Not a meta write per order: the ids in use are in the orders and trades rows themselves.
        order_id = self.next_order_id
        self.next_order_id += 1
        return order_id

    def new_trade_id(self) -> str:
        trade_id = self.next_trade_id
        self.next_trade_id += 1
        return f"{trade_id:012d}"

    def add_order(self, order: Order) -> None:
        self._index(order)
        self.touch(order)

    def _index(self, order: Order) -> None:
        self.orders[order.order_id] = order
        if order.open:
            self.open_by_code.setdefault(order.code, {})[order.order_id] = order

    def closed(self, order: Order) -> None:
        """``order`` reached a final status: out of the open index."""
        orders = self.open_by_code.get(order.code)
        if orders is not None:
            orders.pop(order.order_id, None)
            if not orders:
                del self.open_by_code[order.code]
        self.touch(order)

    def add_trade(self, trade: Trade) -> None:
        self.trades.setdefault(trade.account_id, []).append(trade)
        self.touch(trade)

    def position(self, account_id: str, code: str, name: str = "") -> Position:
        """The position of ``code`` in ``account_id``, created empty when there is none."""
        held = self.positions.setdefault(account_id, {})
        position = held.get(code)
        if position is None:
            account = self.accounts.get(account_id)
            position = held[code] = Position(account_id, code, name)
            if account is not None:
                position.account_type = account.account_type
        return position

    def find_position(self, account_id: str, code: str) -> Position | None:
        return self.positions.get(account_id, {}).get(code)

    def holdings(self, account_id: str) -> list[Position]:
        return list(self.positions.get(account_id, {}).values())

    def drop_position(self, position: Position) -> None:
        self.positions.get(position.account_id, {}).pop(position.code, None)
        self._dirty.pop(id(position), None)
        self._dropped.append((position.account_id, position.code))

    def link(self, account_id: str) -> BankLink:
        """The account's bound bank (and ordinary counter), opened when there is none yet."""
        link = self.links.get(account_id)
        if link is None:
            link = self.links[account_id] = new_link(account_id)
            self.touch(link)
        return link

    def add_subscription(self, subscription: Subscription) -> None:
        self.subscriptions[subscription.order_id] = subscription
        self.touch(subscription)

    def compacts_of(self, account_id: str) -> list[Compact]:
        """The account's compacts (open, and closed today), oldest first."""
        found = [c for c in self.compacts.values() if c.account_id == account_id]
        return sorted(found, key=lambda c: (c.open_date, c.compact_id))

    def add_compact(self, compact: Compact) -> None:
        self.compacts[compact.compact_id] = compact
        self.touch(compact)

    def drop_closed_compacts(self) -> None:
        """A new day: closed compacts leave the lists (their rows stay in the file)."""
        self.compacts = {k: c for k, c in self.compacts.items() if c.open}

    def add_repo_loan(self, loan: RepoLoan) -> None:
        self.repo_loans[loan.loan_id] = loan
        self.touch(loan)

    def returned(self, loan: RepoLoan) -> None:
        """A reverse repo's money came back: the loan leaves the list (its row stays in the file)."""
        loan.returned = True
        self.repo_loans.pop(loan.loan_id, None)
        self.touch(loan)

    def new_transfer_no(self) -> int:
        number = self.next_transfer_no
        self.next_transfer_no += 1
        return number

    def set_day(self, day: dt.date) -> None:
        self.day = day
        self._meta_dirty = True

    def open_orders(self) -> Iterable[Order]:
        for orders in self.open_by_code.values():
            yield from orders.values()

    def forget_account(self, account_id: str) -> None:
        """Drop an account's positions, orders, trades, compacts, repos and bank link from memory (the store is cleared separately;
        the id high-water marks are written with the next flush, so ids are never reused)."""
        self._meta_dirty = True
        self.positions.pop(account_id, None)
        self.links.pop(account_id, None)
        self.subscriptions = {k: s for k, s in self.subscriptions.items() if s.account_id != account_id}
        for order in [o for o in self.orders.values() if o.account_id == account_id]:
            del self.orders[order.order_id]
            self.closed(order)
            self._dirty.pop(id(order), None)
        self.trades.pop(account_id, None)
        self.compacts = {k: c for k, c in self.compacts.items() if c.account_id != account_id}
        self.repo_loans = {k: x for k, x in self.repo_loans.items() if x.account_id != account_id}
        self._dirty = {k: r for k, r in self._dirty.items() if getattr(r, "account_id", None) != account_id}

    # --- writing --------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write what changed since the last flush, in one transaction."""
        if not self._dirty and not self._dropped and not self._meta_dirty:
            return
        meta = None
        if self._meta_dirty:
            meta = {
                "next_order_id": str(self.next_order_id),
                "next_trade_id": str(self.next_trade_id),
                "next_transfer_no": str(self.next_transfer_no),
                "day": self.day.isoformat(),
            }
        records, dropped = list(self._dirty.values()), self._dropped
        self._dirty, self._dropped, self._meta_dirty = {}, [], False
        self.store.write(records, dropped, meta)
