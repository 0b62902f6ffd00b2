"""``SimBroker``: the simulated counter behind ``qmt_bridge.sim.xttrader``, one per market and state file.

It ties the parts together: :class:`.quotes.Quotes` (the market, from an xtdata-shaped object and a clock),
:class:`.state.State` over a :class:`.store.BrokerStore` (SQLite, written through after every operation),
:class:`.engine.Engine` (the order logic) and the listeners (traders) its events go to.

Threading: one lock guards everything; every public method takes it, so calls from any threads (the server's
runner, a trader's push thread, the matching thread) are serial. Events are handed to the listeners of the
account (``listener.push(name, obj)``: a trader puts it on its own push queue) while the lock is held, so
every listener sees every account's events in the order they happened. The broker never calls user code.

The matching thread wakes every ``match_interval`` seconds of wall time (0.1 s by default, fine for replay
speeds up to ~30x) and does work only when the clock has moved into a new 3-second snapshot: it expires
orders at the close, rolls the day at midnight, fills resting orders and places the child orders of smart
algorithm tasks (:mod:`.algo_desk`). Every public call also catches up with the clock first, so a broker
opened the next morning answers for the new day before anything else.

Accounts are stock accounts (``account_ids``) or credit accounts (``credit_account_ids``, 融资融券: same
orders, positions and pushes, plus the credit order types, debt and queries of :mod:`.credit_desk`, on the
terms of ``credit_terms``); an account keeps its type in the state file.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker.algo_desk import AlgoDesk
from qmt_bridge.sim.broker.credit import CreditLine, CreditTerms
from qmt_bridge.sim.broker.credit_desk import CreditDesk
from qmt_bridge.sim.broker.engine import Engine
from qmt_bridge.sim.broker.fees import FeeSchedule
from qmt_bridge.sim.broker.ledger import Account
from qmt_bridge.sim.broker.money import to_li, to_yuan
from qmt_bridge.sim.broker.quotes import Quotes
from qmt_bridge.sim.broker.sessions import local_date
from qmt_bridge.sim.broker.state import State
from qmt_bridge.sim.broker.store import BrokerStore
from qmt_bridge.sim.broker.transfer_desk import TransferDesk
from qmt_bridge.sim.broker.views import (
    account_info_view,
    account_status_view,
    asset_view,
    market_of,
    order_view,
    position_view,
    trade_view,
)
from qmt_bridge.sim.xttype import (
    XtAccountInfo,
    XtAccountStatus,
    XtAsset,
    XtOrder,
    XtPosition,
    XtTrade,
)

log = logging.getLogger("qmt_bridge.sim.broker")


class BrokerClosed(RuntimeError):
    """The broker was closed: no more calls."""


class Listener(Protocol):
    """What the broker delivers to (a trader)."""

    def push(self, name: str, arg: Any) -> None:
        """Queue the callback ``name(arg)``; must not block."""

    def disconnected(self) -> None:
        """The broker closed: queue ``on_disconnected``."""


class SimBroker(TransferDesk, AlgoDesk, CreditDesk):
    """A paper-trading counter over a simulated market.

    Args:
        market: an xtdata-shaped object (``get_full_tick``, ``get_instrument_detail``,
            ``get_instrument_type``, and ``get_ipo_info`` for new-share subscriptions, optional), usually
            :class:`qmt_bridge.sim.data_api.SimXtData`.
        clock: the simulated clock (``now()``); by default the market's own (``market.market.clock``).
        db_path: the SQLite file; None keeps the state in memory.
        account_ids: the stock accounts; those missing from the file are opened with ``starting_cash``.
        starting_cash: CNY of a new (or reset) account.
        fees: the fee rates (:class:`.fees.FeeSchedule`).
        credit_account_ids: the credit accounts (融资融券); those missing from the file are opened with
            ``starting_cash`` and the lines of ``credit_terms``. ``ValueError`` for an id in both lists or
            one the file holds as the other type.
        credit_terms: lines of new credit accounts, interest and fee rates (:class:`.credit.CreditTerms`).
        match_interval: wall seconds between two wake-ups of the matching thread.
        background: start the matching thread (tests may drive :meth:`match_now` instead).
    """

    def __init__(
        self,
        market: Any,
        clock: Any = None,
        *,
        db_path: str | Path | None = None,
        account_ids: Sequence[str] = ("SIM000001",),
        starting_cash: float = 1_000_000.0,
        fees: FeeSchedule | None = None,
        match_interval: float = 0.1,
        background: bool = True,
        credit_account_ids: Sequence[str] = (),
        credit_terms: CreditTerms | None = None,
    ) -> None:
        if clock is None:
            clock = market.market.clock
        if starting_cash < 0:
            raise ValueError("starting_cash must not be negative")
        self.market = market
        self.clock = clock
        self.fees = fees or FeeSchedule()
        self.credit_terms = credit_terms or CreditTerms()
        self.starting_cash = float(starting_cash)
        both = set(account_ids) & set(credit_account_ids)
        if both:
            raise ValueError(f"accounts both stock and credit: {sorted(both)}")
        self.match_interval = match_interval
        self._lock = threading.RLock()
        self._store = BrokerStore(db_path)
        self._state = State(self._store, local_date(clock.now()))
        kinds = dict.fromkeys(account_ids, xc.SECURITY_ACCOUNT) | dict.fromkeys(
            credit_account_ids, xc.CREDIT_ACCOUNT
        )
        for account_id, kind in kinds.items():
            found = self._state.accounts.get(account_id)
            if found is not None:
                if found.account_type != kind:
                    self._store.close()
                    raise ValueError(
                        f"account {account_id!r} is a {xc.ACCOUNT_TYPE_DICT[found.account_type]} account in "
                        f"{self._store.path or 'the state'}, not {xc.ACCOUNT_TYPE_DICT[kind]}"
                    )
                continue
            cash = to_li(starting_cash)
            account = self._state.accounts[account_id] = Account(account_id, cash, cash, account_type=kind)
            self._state.touch(account)
            if kind == xc.CREDIT_ACCOUNT:
                line = self._state.credit[account_id] = CreditLine(
                    account_id, *self.credit_terms.lines_for(cash)
                )
                self._state.touch(line)
        self._engine = Engine(
            Quotes(market, clock), self._state, self.fees, self._listening, self.credit_terms
        )
        self._open_algo_desk()
        self._subscribers: dict[str, list[Any]] = {}
        self._sessions: dict[int, Any] = {}
        self._closed = False
        self._stop = threading.Event()
        with self._lock:
            now = clock.now()
            self._engine.catch_up(now)
            self._algos_due(now)
            self._commit()
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._run, name="qmt-sim-broker-matching", daemon=True)
            self._thread.start()

    # --- plumbing -------------------------------------------------------------------------------------

    def _listening(self, account_id: str) -> bool:
        return bool(self._subscribers.get(account_id))

    def _begin(self) -> None:
        """Under the lock: refuse when closed, and catch up with the clock."""
        if self._closed:
            raise BrokerClosed("the simulated broker is closed")
        now = self.clock.now()
        self._engine.catch_up(now)
        self._algos_due(now)

    def _commit(self) -> None:
        """Under the lock: write what changed, then deliver the events."""
        try:
            self._state.flush()
        finally:
            events, self._engine.outbox = self._engine.outbox, []
            for account_id, name, arg, only in events:
                if only is not None:
                    only.push(name, arg)
                    continue
                for n, listener in enumerate(self._subscribers.get(account_id, ())):
                    listener.push(name, arg if n == 0 else copy.copy(arg))

    def _run(self) -> None:
        while not self._stop.wait(self.match_interval):
            try:
                with self._lock:
                    if self._closed:
                        return
                    now = self.clock.now()
                    self._engine.match(now)
                    self._algo_pass(now)
                    self._commit()
            except Exception:
                log.exception("the simulated broker's matching pass failed")

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def db_path(self) -> Path | None:
        """The SQLite file of the state, or None when it is kept in memory."""
        return self._store.path

    @property
    def account_ids(self) -> list[str]:
        with self._lock:
            return list(self._state.accounts)

    def has_account(self, account_id: str) -> bool:
        with self._lock:
            return account_id in self._state.accounts

    # --- sessions and subscriptions -------------------------------------------------------------------

    def connect(self, session_id: int, listener: Listener) -> bool:
        """Register a trader's session; False when closed or when another live trader uses the id."""
        with self._lock:
            if self._closed:
                return False
            current = self._sessions.get(session_id)
            if current is not None and current is not listener:
                return False
            self._sessions[session_id] = listener
            return True

    def disconnect(self, listener: Listener) -> None:
        """Forget a trader: its session and subscriptions."""
        with self._lock:
            for session_id in [s for s, lis in self._sessions.items() if lis is listener]:
                del self._sessions[session_id]
            for account_id, listeners in self._subscribers.items():
                self._subscribers[account_id] = [lis for lis in listeners if lis is not listener]

    def subscribe(self, listener: Listener, account_id: str) -> bool:
        """Deliver ``account_id``'s events to ``listener``; False for an account the broker does not have."""
        with self._lock:
            if self._closed or account_id not in self._state.accounts:
                return False
            listeners = self._subscribers.setdefault(account_id, [])
            if listener not in listeners:
                listeners.append(listener)
            return True

    def unsubscribe(self, listener: Listener, account_id: str) -> bool:
        with self._lock:
            listeners = self._subscribers.get(account_id, [])
            if listener not in listeners:
                return False
            listeners.remove(listener)
            return True

    # --- orders ---------------------------------------------------------------------------------------

    def place_order(
        self,
        account_id: str,
        stock_code: str,
        order_type: int,
        order_volume: int,
        price_type: int,
        price: float,
        strategy_name: str = "",
        order_remark: str = "",
        *,
        origin: Listener | None = None,
        seq: int = 0,
    ) -> int:
        """Place an order; its order id (> 0), also for an order the counter rejects (status 57, with
        ``on_order_error`` to ``origin``). ``KeyError`` for an unknown account."""
        with self._lock:
            self._begin()
            if account_id not in self._state.accounts:
                raise KeyError(f"unknown account {account_id!r}")
            order = self._engine.place(
                account_id,
                stock_code,
                order_type,
                order_volume,
                price_type,
                price,
                strategy_name,
                order_remark,
                origin,
                seq,
            )
            self._commit()
            return order.order_id

    def cancel_order(
        self, account_id: str, order_id: int, *, origin: Listener | None = None
    ) -> tuple[int, int, str]:
        """Cancel an order: ``(0, order_id, sysid)`` when the request is taken (the order then reports 51/52
        and 54/53, or ``on_cancel_error`` goes to ``origin`` when it is already final); ``(-1, order_id, '')``
        for an order id the account does not have today."""
        with self._lock:
            self._begin()
            order = self._engine.cancel(account_id, order_id, origin)
            self._commit()
            return (-1, order_id, "") if order is None else (0, order_id, order.sysid)

    def cancel_order_by_sysid(
        self, account_id: str, market: int, sysid: str, *, origin: Listener | None = None
    ) -> tuple[int, int, str]:
        """Cancel by contract number and market (0 SH, 1 SZ, 70 BJ), as :meth:`cancel_order`
        (``(-1, -1, sysid)`` when no order of the account has them)."""
        with self._lock:
            self._begin()
            for order in self._state.orders.values():
                if (
                    order.account_id == account_id
                    and order.sysid == sysid
                    and market_of(order.code) == market
                ):
                    self._engine.cancel(account_id, order.order_id, origin)
                    self._commit()
                    return 0, order.order_id, sysid
            self._commit()
            return -1, -1, sysid

    def match_now(self) -> None:
        """Run one matching pass at the clock's moment now (what the matching thread does)."""
        with self._lock:
            self._begin()
            now = self.clock.now()
            self._engine.match(now)
            self._algo_pass(now)
            self._commit()

    # --- queries --------------------------------------------------------------------------------------

    def _refresh_prices(self, account_id: str) -> None:
        held = self._state.holdings(account_id)
        prices = self._engine.quotes.last_prices(p.code for p in held if p.volume)
        for position in held:
            if position.code in prices:
                position.last_li = prices[position.code]

    def asset(self, account_id: str) -> XtAsset | None:
        """The account's ``XtAsset`` at last prices, or None for an unknown account."""
        with self._lock:
            self._begin()
            account = self._state.accounts.get(account_id)
            if account is None:
                return None
            self._refresh_prices(account_id)
            self._commit()
            return asset_view(account, self._state.holdings(account_id))

    def orders(self, account_id: str, cancelable_only: bool = False) -> list[XtOrder]:
        """Today's orders of the account (and open orders placed earlier for a later day), by order id."""
        with self._lock:
            self._begin()
            found = [o for o in self._state.orders.values() if o.account_id == account_id]
            if cancelable_only:
                found = [o for o in found if o.open]
            self._commit()
            return [order_view(o) for o in sorted(found, key=lambda o: o.order_id)]

    def order(self, account_id: str, order_id: int) -> XtOrder | None:
        with self._lock:
            self._begin()
            order = self._state.orders.get(order_id)
            self._commit()
            return order_view(order) if order is not None and order.account_id == account_id else None

    def trades(self, account_id: str) -> list[XtTrade]:
        """Today's fills of the account, in order."""
        with self._lock:
            self._begin()
            self._commit()
            return [trade_view(t) for t in self._state.trades.get(account_id, [])]

    def positions(self, account_id: str) -> list[XtPosition]:
        """The account's positions (those sold out today included, until the day rolls)."""
        with self._lock:
            self._begin()
            self._refresh_prices(account_id)
            self._commit()
            return [position_view(p) for p in self._state.holdings(account_id)]

    def position(self, account_id: str, stock_code: str) -> XtPosition | None:
        with self._lock:
            self._begin()
            self._refresh_prices(account_id)
            self._commit()
            found = self._state.find_position(account_id, stock_code)
            return position_view(found) if found is not None else None

    def account_infos(self) -> list[XtAccountInfo]:
        with self._lock:
            return [account_info_view(a) for a in self._state.accounts.values()]

    def account_statuses(self) -> list[XtAccountStatus]:
        with self._lock:
            return [account_status_view(a) for a in self._state.accounts.values()]

    # --- administration -------------------------------------------------------------------------------

    def reset_account(self, account_id: str, cash: float | None = None) -> float:
        """Clear an account's positions, orders, trades, transfers, smart algorithm tasks and, for a credit
        account, its compacts and 融券卖出资金 (its lines stay) (old days' too), give it a new bank link (:mod:`.transfers`) and set its cash to ``cash`` (default: its starting cash),
        which becomes its starting cash. Order ids keep increasing. Returns the cash (CNY). ``KeyError`` for an
        unknown account."""
        with self._lock:
            self._begin()
            account = self._state.accounts.get(account_id)
            if account is None:
                raise KeyError(f"unknown account {account_id!r}")
            if cash is not None and cash < 0:
                raise ValueError("cash must not be negative")
            self._engine.forget(account_id)
            self._store.clear_account(account_id)
            self._forget_algos(account_id)
            li = account.starting_cash if cash is None else to_li(cash)
            account.starting_cash = account.balance = li
            account.frozen = account.unsettled = 0
            self._state.touch(account, self._state.link(account_id), self._state.credit.get(account_id))
            if self._listening(account_id):
                self._engine.outbox.append((account_id, "on_stock_asset", asset_view(account, []), None))
            self._commit()
            return to_yuan(li)

    def close(self) -> None:
        """Stop the matching thread, tell every connected trader (``on_disconnected``) and close the file."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._stop.set()
            listeners = list(dict.fromkeys(self._sessions.values()))
            self._sessions.clear()
            self._subscribers.clear()
        for listener in listeners:
            listener.disconnected()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        with self._lock:
            self._store.close()
