"""A fake ``xtquant.xttrader``: ``XtQuantTrader`` with the catalog's methods, return codes and threading
(``shared/xtquant-api.md`` §2, gotchas 2–7 and 15), over an in-memory MiniQMT.

Not a simulator: there is no market. An order stays reported (status 50) until a test fills, rejects or
cancels it. What behaves like the real wheel, because a bridge depends on it:

* The constructor calls ``asyncio.set_event_loop(asyncio.new_event_loop())`` on the constructing thread
  (``trader.constructed_on`` records that thread's name; ``trader.loop`` is the new loop).
* ``start()`` starts one push worker thread (a single-worker executor, as xtquant's); every callback runs
  there, serially, and an exception raised by a callback is swallowed. Sync calls compute their answer on
  that worker too and block the caller on a future with no timeout, so a sync call made *from* a callback
  would deadlock in xtquant: here it raises ``RuntimeError`` instead, so that a test fails rather than hangs.
* ``connect()`` → 0, or -1 while MiniQMT is down, before ``start()``, after a disconnect (a connection is
  one-shot) or when another live trader uses the same session id. ``stop()`` before ``start()`` raises
  ``AttributeError``.
* Return codes: ``subscribe``/``unsubscribe`` 0/-1; ``order_stock`` an order id (> 0, increasing) or -1;
  ``*_async`` a seq (> 0) or -1 (``bank_transfer_*_async`` then push ``on_bank_transfer_async_response``
  with an ``XtBankTransferResponse(seq, success, msg)``); ``fund_transfer`` and ``bank_transfer_in``/``_out``
  ``(success, msg)``; ``cancel_order_stock`` 0 = request accepted (the order then becomes 54, or
  53 when partly filled, pushed as ``on_stock_order``; an order already final gets ``on_cancel_error``
  instead) or -1 for an id unknown in that account; single-object queries ``None`` when absent.
* A new order is status 50 with an ``order_sysid``, pushed as ``on_stock_order`` right after
  ``order_stock`` returns. Pushes go to the live traders that subscribed the order's account; async
  responses go to the trader that made the call, before the pushes the call causes.
* After a disconnect (see :func:`disconnect`) a trader is dead. The real wheel's behaviour then is not
  documented; this fake answers at once with the failure value: -1 for calls returning a code or an id
  (``connect``, ``subscribe``, ``order_stock``, cancels, ``*_async``), ``(False, msg)`` for the sync
  transfers, ``[]`` for the bank and shareholder-account queries, ``None`` for every other query.

The in-memory MiniQMT keeps, per account id (any string is a known account), the day's orders and trades,
a position per code built from fills and an asset that starts at ``INITIAL_CASH`` and moves by each
fill's amount (no fees, no frozen cash, bought shares not sellable the same day).

Transfers (银证转账, 资金划拨), per account too: one bound bank (``query_bank_info``: ``BANK_NO`` 'A' and
``BANK_ACCOUNT`` as in xttrader.md's examples, ``BANK_NAME``, ``MONEY_TYPE`` 'CNY') holding ``BANK_BALANCE``
when the book is created (``book.bank_balance``). ``bank_transfer_in`` moves money from it to the asset's
cash, ``bank_transfer_out`` the asset's cash to it (cash, ``fetch_balance`` and ``total_asset`` move; no
push). A transfer is refused, ``(False, msg)`` and nothing moves, when ``bank_no`` is not ``BANK_NO``, a
non-empty ``bank_account`` is not ``BANK_ACCOUNT``, the amount is not > 0, or it exceeds the bank balance
(in) or the cash (out). Each accepted one appends an ``XtBankTransferStream`` to ``book.bank_stream``: today's
``date``/``time`` (``time.strftime``, %Y%m%d / %H%M%S), ``transfer_no`` '00000001', '00000002', … across
accounts, ``transfer_direction`` '1' in / '2' out, ``balance`` the amount moved. ``query_bank_amount``
answers the bank balance (both ``balance`` and ``enable_balance``), or one object with ``success`` False for
another bank; ``query_bank_transfer_stream`` the lines with ``start_date <= date <= end_date`` (and the
``bank_no``/``bank_account`` given, if any). ``fund_transfer`` 510/511 with an amount > 0 succeeds and moves
nothing (the fake has one counter) and records nothing; any other direction is refused. ``query_secu_account``
answers ``book.secu_accounts`` (SH 'A…' and SZ '0…' from the account id's digits, both ``main``). Passwords
are not checked.

Test hooks (not part of xtquant):

* ``CONNECTED``: whether MiniQMT accepts connections (``connect()`` → -1 while False). Setting it does
  not affect live traders; :func:`disconnect` does.
* ``TRADERS``: the live traders (connected, not stopped, not disconnected); ``CREATED``: every trader
  constructed since :func:`reset`.
* ``CALLS``: ``(method name, args)`` of every trader method call, constructor (``'XtQuantTrader'``)
  included, in call order, across traders.
* ``HANGS``: method names whose sync calls never return until :func:`reset` (then they return the failure
  value), as a real sync call whose reply never comes blocks forever.
* ``RETURNS``: ``{method name: value}`` to answer instead; nothing else happens (the call is recorded).
* ``RAISES``: ``{method name: exception}`` to raise instead, as xtquant raises while building a request.
* ``IPO_DATA``: what ``query_ipo_data`` answers; per account (``_book(account)``), ``purchase_limit`` and
  ``position_statistics`` answer ``query_new_purchase_limit`` and ``query_position_statistics``.
* ``BANK_BALANCE``: the bound bank's balance of books created from now on (reset to 1,000,000.0); per
  account, ``bank_balance``, ``bank_stream`` (the transfer stream) and ``secu_accounts`` can be set.
* :func:`disconnect`: the connection to MiniQMT is lost: ``on_disconnected`` on every live trader's push
  thread, and they are dead.
* :func:`fill` (a fill: ``on_stock_order`` 55/56, ``on_stock_trade``, ``on_stock_position``,
  ``on_stock_asset``, in that order), :func:`reject` (``on_order_error``, then ``on_stock_order`` 57 with
  ``status_msg``), :func:`account_status` (``on_account_status``).
* Smart algorithm tasks: see ``_smart_algo`` (``TASKS``, ``SILENT``, ``finish_task``).
* :func:`reset`: forgets traders, calls, hooks and the ledger (banks, transfer numbers and algorithm tasks
  included); releases hung calls; ends push threads.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from xtquant import _smart_algo
from xtquant import xtconstant as xc
from xtquant._smart_algo import SmartAlgoCalls
from xtquant.xttype import (
    StockAccount,
    XtAccountInfo,
    XtAccountStatus,
    XtAsset,
    XtBankAmount,
    XtBankInfo,
    XtBankTransferResponse,
    XtBankTransferStream,
    XtCancelError,
    XtCancelOrderResponse,
    XtCreditDetail,
    XtOrder,
    XtOrderError,
    XtOrderResponse,
    XtPosition,
    XtSecuAccount,
    XtTrade,
)

CONNECTED = True
TRADERS: list[XtQuantTrader] = []
CREATED: list[XtQuantTrader] = []
CALLS: list[tuple[str, tuple[Any, ...]]] = []
HANGS: set[str] = set()
RETURNS: dict[str, Any] = {}
RAISES: dict[str, BaseException] = {}
INITIAL_CASH = 1_000_000.0
BANK_BALANCE = 1_000_000.0
BANK_NO = "A"
BANK_ACCOUNT = "0200205001003215076"
BANK_NAME = "测试银行"
MONEY_TYPE = "CNY"

FINAL = frozenset({xc.ORDER_PART_CANCEL, xc.ORDER_CANCELED, xc.ORDER_SUCCEEDED, xc.ORDER_JUNK})

_lock = threading.RLock()
_release = threading.Event()
_order_ids = itertools.count(1)
_seqs = itertools.count(1)
_trade_ids = itertools.count(1)
_transfer_nos = itertools.count(1)


class _Book:
    """One account's day at the fake MiniQMT."""

    def __init__(self, account_id: str, account_type: int) -> None:
        self.account_type = account_type
        self.orders: dict[int, XtOrder] = {}
        self.trades: list[XtTrade] = []
        self.positions: dict[str, XtPosition] = {}
        self.asset = XtAsset(account_type, account_id, INITIAL_CASH, 0.0, 0.0, INITIAL_CASH, INITIAL_CASH)
        #: query_new_purchase_limit's answer; query_position_statistics's objects (tests set them).
        self.purchase_limit: dict[str, int] = {"KCB": 0, "SH": 0, "SZ": 0}
        self.position_statistics: list[Any] = []
        #: the bound bank's balance; the bank transfer stream; query_secu_account's answer.
        self.bank_balance = BANK_BALANCE
        self.bank_stream: list[XtBankTransferStream] = []
        #: a credit account's answers to the five credit queries (tests set them); [] for other accounts.
        credit = account_type == xc.CREDIT_ACCOUNT
        self.credit_detail: list[Any] = [XtCreditDetail(account_type, account_id)] if credit else []
        self.compacts: list[Any] = []
        self.subjects: list[Any] = []
        self.slo_codes: list[Any] = []
        self.assures: list[Any] = []
        digits = "".join(ch for ch in account_id if ch.isdigit())[-9:].rjust(9, "0")
        self.secu_accounts: list[Any] = [
            XtSecuAccount(True, "", True, "SH", f"A{digits}"),
            XtSecuAccount(True, "", True, "SZ", f"0{digits}"),
        ]


#: query_ipo_data's answer (tests set it): {code: {name, type, maxPurchaseNum, ...}}.
IPO_DATA: dict[str, dict[str, Any]] = {}


_books: dict[str, _Book] = {}


def _book(account: Any) -> _Book:
    with _lock:
        book = _books.get(account.account_id)
        if book is None:
            book = _books[account.account_id] = _Book(account.account_id, account.account_type)
        return book


def reset() -> None:
    """Forget everything; release hung calls; stop the push threads of every trader created."""
    global CONNECTED, INITIAL_CASH, BANK_BALANCE, _release, _order_ids, _seqs, _trade_ids, _transfer_nos
    _release.set()
    _release = threading.Event()
    with _lock:
        traders = list(CREATED)
        for hook in (TRADERS, CREATED, CALLS, _books, IPO_DATA):
            hook.clear()
        HANGS.clear()
        RETURNS.clear()
        RAISES.clear()
        CONNECTED = True
        INITIAL_CASH = BANK_BALANCE = 1_000_000.0
        _order_ids, _seqs, _trade_ids = itertools.count(1), itertools.count(1), itertools.count(1)
        _transfer_nos = itertools.count(1)
    _smart_algo.reset()
    for trader in traders:
        trader._dead = True
        if trader.executor is not None:
            trader.executor.shutdown(wait=False, cancel_futures=True)
        if not trader.loop.is_closed():
            trader.loop.close()


def disconnect(stay_down: bool = False) -> None:
    """Lose the connection: every live trader gets ``on_disconnected`` and is dead. With ``stay_down``,
    MiniQMT also refuses new connections (``CONNECTED = False``)."""
    global CONNECTED
    with _lock:
        victims = list(TRADERS)
        TRADERS.clear()
        if stay_down:
            CONNECTED = False
        for trader in victims:
            trader._dead = True
    for trader in victims:
        trader._push(("on_disconnected",))


def fill(order_id: int, volume: int, price: float) -> None:
    """Fill ``volume`` shares of an order at ``price``; pushes order (55/56), trade, position, asset."""
    with _lock:
        book, order = _find(order_id)
        if volume <= 0 or order.traded_volume + volume > order.order_volume:
            raise ValueError(f"cannot fill {volume} of order {order_id} ({order.traded_volume} filled)")
        amount = volume * price
        order.traded_price = (order.traded_price * order.traded_volume + amount) / (
            order.traded_volume + volume
        )
        order.traded_volume += volume
        done = order.traded_volume == order.order_volume
        order.order_status = xc.ORDER_SUCCEEDED if done else xc.ORDER_PART_SUCC
        trade = XtTrade(
            book.account_type,
            order.account_id,
            order.stock_code,
            order.order_type,
            str(next(_trade_ids)),
            int(time.time()),
            price,
            volume,
            amount,
            order.order_id,
            order.order_sysid,
            order.strategy_name,
            order.order_remark,
            order.direction,
            order.offset_flag,
            0.0,
        )
        book.trades.append(trade)
        buy = order.order_type == xc.STOCK_BUY
        position = book.positions.get(order.stock_code)
        if position is None:
            position = book.positions[order.stock_code] = XtPosition(
                book.account_type, order.account_id, order.stock_code, direction=xc.DIRECTION_FLAG_LONG
            )
        if buy:
            cost = position.avg_price * position.volume + amount
            position.volume += volume
            position.avg_price = position.open_price = cost / position.volume
        else:
            position.volume = max(position.volume - volume, 0)
            position.can_use_volume = max(position.can_use_volume - volume, 0)
        position.last_price = price
        position.market_value = position.volume * price
        position.float_profit = (price - position.avg_price) * position.volume
        position.profit_rate = price / position.avg_price - 1 if position.avg_price else 0.0
        asset = book.asset
        asset.cash += -amount if buy else amount
        asset.fetch_balance = asset.cash
        asset.market_value = sum(p.market_value for p in book.positions.values())
        asset.total_asset = asset.cash + asset.market_value
        _notify(
            order.account_id,
            ("on_stock_order", order),
            ("on_stock_trade", trade),
            ("on_stock_position", position),
            ("on_stock_asset", asset),
        )


def reject(order_id: int, error_msg: str) -> None:
    """The counter rejects an order: ``on_order_error``, then ``on_stock_order`` with status 57."""
    with _lock:
        _, order = _find(order_id)
        order.order_status = xc.ORDER_JUNK
        order.status_msg = error_msg
        error = XtOrderError(
            order.account_type,
            order.account_id,
            order_id,
            -1,
            error_msg,
            order.strategy_name,
            order.order_remark,
        )
        _notify(order.account_id, ("on_order_error", error), ("on_stock_order", order))


def account_status(account_id: str, status: int) -> None:
    """Push ``on_account_status`` for an account (e.g. ``xtconstant.ACCOUNT_STATUS_FAIL``)."""
    with _lock:
        _notify(account_id, ("on_account_status", XtAccountStatus(xc.SECURITY_ACCOUNT, account_id, status)))


def _find(order_id: int) -> tuple[_Book, XtOrder]:
    for book in _books.values():
        order = book.orders.get(order_id)
        if order is not None:
            if order.order_status in FINAL:
                raise ValueError(f"order {order_id} is final (status {order.order_status})")
            return book, order
    raise ValueError(f"no order {order_id}")


def _notify(account_id: str, *pushes: tuple[str, Any]) -> None:
    """Push copies (each push is its own object, as native ones are) to the live subscribers."""
    with _lock:
        for trader in TRADERS:
            if account_id in trader.subscribed:
                trader._push(*[(name, copy.copy(obj)) for name, obj in pushes])


def _market(stock_code: str) -> int:
    suffix = stock_code.rpartition(".")[2].upper()
    return {"SH": xc.SH_MARKET, "SZ": xc.SZ_MARKET, "BJ": xc.MARKET_ENUM_BEIJING}.get(suffix, -1)


class XtQuantTraderCallback:
    """xtquant's callback base: every callback a no-op."""

    def on_connected(self) -> None: ...
    def on_disconnected(self) -> None: ...
    def on_account_status(self, status: Any) -> None: ...
    def on_stock_asset(self, asset: Any) -> None: ...
    def on_stock_order(self, order: Any) -> None: ...
    def on_stock_trade(self, trade: Any) -> None: ...
    def on_stock_position(self, position: Any) -> None: ...
    def on_order_error(self, order_error: Any) -> None: ...
    def on_cancel_error(self, cancel_error: Any) -> None: ...
    def on_order_stock_async_response(self, response: Any) -> None: ...
    def on_cancel_order_stock_async_response(self, response: Any) -> None: ...
    def on_smt_appointment_async_response(self, response: Any) -> None: ...
    def on_bank_transfer_async_response(self, response: Any) -> None: ...
    def on_ctp_internal_transfer_async_response(self, response: Any) -> None: ...
    def on_smart_algo_order_async_response(self, response: Any) -> None: ...
    def on_operate_smart_task_async_response(self, response: Any) -> None: ...


class XtQuantTrader(SmartAlgoCalls):
    """A trader session with the fake MiniQMT at ``path`` (see the module docstring)."""

    def __init__(self, path: str, session: int, callback: Any = None) -> None:
        _record("XtQuantTrader", (path, session))
        path.encode("gb18030")  # as xtquant does: a non-str path fails here
        self.path = path
        self.session = session
        self.callback = callback
        self.constructed_on = threading.current_thread().name
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.executor: ThreadPoolExecutor | None = None
        self.connected = False
        self.subscribed: set[str] = set()
        self._dead = False
        self._push_thread: threading.Thread | None = None
        with _lock:
            CREATED.append(self)

    # --- lifecycle --------------------------------------------------------------------------------

    def register_callback(self, callback: Any) -> None:
        _record("register_callback", (callback,))
        self.callback = callback

    def start(self) -> None:
        _record("start", ())
        if self.executor is None:
            self.executor = ThreadPoolExecutor(
                1, thread_name_prefix=f"xttrader-push-{self.session}", initializer=self._mark_push_thread
            )

    def connect(self) -> int:
        if (answer := self._intercept("connect", (), -1)) is not _PASS:
            return answer
        with _lock:
            busy = any(t.session == self.session for t in TRADERS if t is not self)
            if self.executor is None or self._dead or not CONNECTED or busy:
                return -1
            if self not in TRADERS:
                TRADERS.append(self)
            self.connected = True
        return 0

    def stop(self) -> None:
        _record("stop", ())
        if "stop" in HANGS:
            _release.wait()
        self.executor.shutdown(wait=True)  # type: ignore[union-attr]  # AttributeError before start, as xtquant
        with _lock:
            self._dead = True
            if self in TRADERS:
                TRADERS.remove(self)
        if not self.loop.is_closed():
            self.loop.close()

    def subscribe(self, account: Any) -> int:
        def subscribe() -> int:
            if not isinstance(account, StockAccount):
                return -1
            _book(account)
            self.subscribed.add(account.account_id)
            return 0

        return self._sync("subscribe", (account,), subscribe, -1)

    def unsubscribe(self, account: Any) -> int:
        return self._sync(
            "unsubscribe", (account,), lambda: self.subscribed.discard(account.account_id) or 0, -1
        )

    # --- orders and cancels -----------------------------------------------------------------------

    def order_stock(
        self,
        account: Any,
        stock_code: str,
        order_type: int,
        order_volume: int,
        price_type: int,
        price: float,
        strategy_name: str = "",
        order_remark: str = "",
    ) -> int:
        args = (account, stock_code, order_type, order_volume, price_type, price, strategy_name, order_remark)

        def order() -> int:
            placed = _place(*args)
            _notify(account.account_id, ("on_stock_order", placed))
            return int(placed.order_id)

        return self._sync("order_stock", args, order, -1)

    def order_stock_async(
        self,
        account: Any,
        stock_code: str,
        order_type: int,
        order_volume: int,
        price_type: int,
        price: float,
        strategy_name: str = "",
        order_remark: str = "",
    ) -> int:
        args = (account, stock_code, order_type, order_volume, price_type, price, strategy_name, order_remark)

        def order(seq: int) -> None:
            placed = _place(*args)
            response = XtOrderResponse(
                account.account_type,
                account.account_id,
                placed.order_id,
                strategy_name,
                order_remark,
                "",
                seq,
            )
            self._deliver("on_order_stock_async_response", response)
            _notify(account.account_id, ("on_stock_order", placed))

        return self._async("order_stock_async", args, order)

    def cancel_order_stock(self, account: Any, order_id: int) -> int:
        def cancel() -> int:
            result, push = _cancel(account, order_id)
            if push is not None:
                _notify(account.account_id, push)
            return result

        return self._sync("cancel_order_stock", (account, order_id), cancel, -1)

    def cancel_order_stock_async(self, account: Any, order_id: int) -> int:
        def cancel(seq: int) -> None:
            result, push = _cancel(account, order_id)
            order = _book(account).orders.get(order_id)
            response = XtCancelOrderResponse(
                account.account_type,
                account.account_id,
                result,
                order_id,
                order.order_sysid if order is not None else "",
                seq,
                "" if result == 0 else "unknown order",
            )
            self._deliver("on_cancel_order_stock_async_response", response)
            if push is not None:
                _notify(account.account_id, push)

        return self._async("cancel_order_stock_async", (account, order_id), cancel)

    # --- transfers --------------------------------------------------------------------------------

    def fund_transfer(self, account: Any, transfer_direction: int, price: float) -> Any:
        args = (account, transfer_direction, price)
        return self._sync(
            "fund_transfer", args, lambda: _fund_transfer(transfer_direction, price), (False, NOT_CONNECTED)
        )

    def bank_transfer_in(
        self,
        account: Any,
        bank_no: str,
        bank_account: str,
        balance: float,
        bank_pwd: str = "",
        fund_pwd: str = "",
    ) -> Any:
        args = (account, bank_no, bank_account, balance, bank_pwd, fund_pwd)
        return self._bank_sync("bank_transfer_in", args, _BANK_IN)

    def bank_transfer_out(
        self,
        account: Any,
        bank_no: str,
        bank_account: str,
        balance: float,
        bank_pwd: str = "",
        fund_pwd: str = "",
    ) -> Any:
        args = (account, bank_no, bank_account, balance, bank_pwd, fund_pwd)
        return self._bank_sync("bank_transfer_out", args, _BANK_OUT)

    def bank_transfer_in_async(
        self,
        account: Any,
        bank_no: str,
        bank_account: str,
        balance: float,
        bank_pwd: str = "",
        fund_pwd: str = "",
    ) -> Any:
        args = (account, bank_no, bank_account, balance, bank_pwd, fund_pwd)
        return self._bank_async("bank_transfer_in_async", args, _BANK_IN)

    def bank_transfer_out_async(
        self,
        account: Any,
        bank_no: str,
        bank_account: str,
        balance: float,
        bank_pwd: str = "",
        fund_pwd: str = "",
    ) -> Any:
        args = (account, bank_no, bank_account, balance, bank_pwd, fund_pwd)
        return self._bank_async("bank_transfer_out_async", args, _BANK_OUT)

    def query_bank_info(self, account: Any) -> Any:
        def banks() -> list[XtBankInfo]:
            return [XtBankInfo(True, "", MONEY_TYPE, BANK_NO, BANK_ACCOUNT, BANK_NAME)]

        return self._query("query_bank_info", (account,), banks, [])

    def query_bank_amount(self, account: Any, bank_no: str, bank_account: str, bank_pwd: str) -> Any:
        def amount() -> list[XtBankAmount]:
            if (refusal := _wrong_bank(bank_no, bank_account)) is not None:
                return [XtBankAmount(False, refusal, account.account_id, str(bank_account), MONEY_TYPE)]
            held = _book(account).bank_balance
            return [XtBankAmount(True, "", account.account_id, BANK_ACCOUNT, MONEY_TYPE, held, held)]

        return self._query("query_bank_amount", (account, bank_no, bank_account, bank_pwd), amount, [])

    def query_bank_transfer_stream(
        self, account: Any, start_date: str, end_date: str, bank_no: str = "", bank_account: str = ""
    ) -> Any:
        def stream() -> list[XtBankTransferStream]:
            return [
                line
                for line in _book(account).bank_stream
                if str(start_date) <= line.date <= str(end_date)
                and (not bank_no or line.bank_no == str(bank_no))
                and (not bank_account or line.bank_account == str(bank_account))
            ]

        args = (account, start_date, end_date, bank_no, bank_account)
        return self._query("query_bank_transfer_stream", args, stream, [])

    def query_secu_account(self, account: Any) -> Any:
        return self._query("query_secu_account", (account,), lambda: list(_book(account).secu_accounts), [])

    # --- queries ----------------------------------------------------------------------------------

    def query_stock_asset(self, account: Any) -> Any:
        return self._query("query_stock_asset", (account,), lambda: _book(account).asset)

    def query_stock_order(self, account: Any, order_id: int) -> Any:
        return self._query(
            "query_stock_order", (account, order_id), lambda: _book(account).orders.get(order_id)
        )

    def query_stock_orders(self, account: Any, cancelable_only: bool = False) -> Any:
        def orders() -> list[XtOrder]:
            found = _book(account).orders.values()
            return [o for o in found if not cancelable_only or o.order_status not in FINAL]

        return self._query("query_stock_orders", (account, cancelable_only), orders)

    def query_stock_trades(self, account: Any) -> Any:
        return self._query("query_stock_trades", (account,), lambda: _book(account).trades)

    def query_stock_position(self, account: Any, stock_code: str) -> Any:
        return self._query(
            "query_stock_position", (account, stock_code), lambda: _book(account).positions.get(stock_code)
        )

    def query_stock_positions(self, account: Any) -> Any:
        return self._query(
            "query_stock_positions", (account,), lambda: list(_book(account).positions.values())
        )

    def query_account_infos(self) -> Any:
        return self._query(
            "query_account_infos", (), lambda: [XtAccountInfo(b.account_type, a) for a, b in _books.items()]
        )

    query_account_info = query_account_infos

    def query_account_status(self) -> Any:
        return self._query(
            "query_account_status",
            (),
            lambda: [XtAccountStatus(b.account_type, a) for a, b in _books.items()],
        )

    def query_position_statistics(self, account: Any) -> Any:
        return self._query(
            "query_position_statistics", (account,), lambda: list(_book(account).position_statistics)
        )

    def query_new_purchase_limit(self, account: Any) -> Any:
        return self._query(
            "query_new_purchase_limit", (account,), lambda: dict(_book(account).purchase_limit)
        )

    def query_ipo_data(self) -> Any:
        return self._query("query_ipo_data", (), lambda: {code: dict(i) for code, i in IPO_DATA.items()})

    # --- credit queries (each answers a list; a stock account's are empty) ---------------------------

    def query_credit_detail(self, account: Any) -> Any:
        return self._query("query_credit_detail", (account,), lambda: list(_book(account).credit_detail), [])

    def query_stk_compacts(self, account: Any) -> Any:
        return self._query("query_stk_compacts", (account,), lambda: list(_book(account).compacts), [])

    def query_credit_subjects(self, account: Any) -> Any:
        return self._query("query_credit_subjects", (account,), lambda: list(_book(account).subjects), [])

    def query_credit_slo_code(self, account: Any) -> Any:
        return self._query("query_credit_slo_code", (account,), lambda: list(_book(account).slo_codes), [])

    def query_credit_assure(self, account: Any) -> Any:
        return self._query("query_credit_assure", (account,), lambda: list(_book(account).assures), [])

    def query_com_fund(self, account: Any) -> Any:
        def fund() -> dict[str, Any]:
            asset = _book(account).asset
            return {"success": True, "error": "", "currentBalance": asset.cash + asset.frozen_cash,
                    "enableBalance": asset.cash, "fetchBalance": asset.fetch_balance, "interest": 0.0,
                    "assetBalance": asset.total_asset, "fetchCash": asset.fetch_balance,
                    "marketValue": asset.market_value, "debt": 0.0}  # fmt: skip

        return self._query("query_com_fund", (account,), fund)

    def query_com_position(self, account: Any) -> Any:
        def held() -> list[dict[str, Any]]:
            return [
                {
                    "success": True,
                    "error": "",
                    "stockCode": p.stock_code,
                    "totalAmt": float(p.volume),
                    "enableAmount": float(p.can_use_volume),
                    "costPrice": p.avg_price,
                    "marketValue": p.market_value,
                }  # fmt: skip
                for p in _book(account).positions.values()
            ]

        return self._query("query_com_position", (account,), held)

    # --- machinery --------------------------------------------------------------------------------

    def _mark_push_thread(self) -> None:
        self._push_thread = threading.current_thread()

    def _intercept(self, name: str, args: tuple[Any, ...], failed: Any) -> Any:
        """Record the call; apply ``HANGS``, ``RAISES`` and ``RETURNS``; ``_PASS`` when the call should proceed."""
        _record(name, args)
        if name in HANGS:
            _release.wait()
            return failed
        if name in RAISES:
            raise RAISES[name]
        if name in RETURNS:
            return RETURNS[name]
        return _PASS

    def _usable(self) -> bool:
        return self.connected and not self._dead and self.executor is not None

    def _sync(self, name: str, args: tuple[Any, ...], compute: Callable[[], Any], failed: Any) -> Any:
        if (answer := self._intercept(name, args, failed)) is not _PASS:
            return answer
        if not self._usable():
            return failed
        if threading.current_thread() is self._push_thread:
            raise RuntimeError(f"sync {name} on the push thread: xtquant would deadlock here (use *_async)")
        try:
            future = self.executor.submit(compute)  # type: ignore[union-attr]
        except RuntimeError:  # shut down by stop() or reset()
            return failed
        return future.result()

    def _query(self, name: str, args: tuple[Any, ...], compute: Callable[[], Any], failed: Any = None) -> Any:
        def snapshot() -> Any:
            with _lock:
                found = compute()
                return [copy.copy(o) for o in found] if isinstance(found, list) else copy.copy(found)

        return self._sync(name, args, snapshot, failed)

    def _bank_sync(self, name: str, args: tuple[Any, ...], direction: int) -> Any:
        account, bank_no, bank_account, balance = args[:4]
        amount = float(balance)  # as xtquant builds its request: a non-number raises here

        def transfer() -> tuple[bool, str]:
            return _bank_transfer(account, direction, str(bank_no), str(bank_account), amount)

        return self._sync(name, args, transfer, (False, NOT_CONNECTED))

    def _bank_async(self, name: str, args: tuple[Any, ...], direction: int) -> int:
        account, bank_no, bank_account, balance = args[:4]
        amount = float(balance)

        def transfer(seq: int) -> None:
            success, msg = _bank_transfer(account, direction, str(bank_no), str(bank_account), amount)
            self._deliver("on_bank_transfer_async_response", XtBankTransferResponse(seq, success, msg))

        return self._async(name, args, transfer)

    def _async(self, name: str, args: tuple[Any, ...], work: Callable[[int], None]) -> int:
        if (answer := self._intercept(name, args, -1)) is not _PASS:
            return answer
        if not self._usable():
            return -1
        seq = next(_seqs)
        try:
            self.executor.submit(work, seq)  # type: ignore[union-attr]
        except RuntimeError:
            return -1
        return seq

    def _deliver(self, name: str, *args: Any) -> None:
        """Call one callback, on the push thread, swallowing its exceptions as xtquant does."""
        callback = self.callback
        if callback is None:
            return
        try:
            getattr(callback, name)(*args)
        except Exception:
            pass

    def _push(self, *pushes: tuple[Any, ...]) -> None:
        def run() -> None:
            for name, *args in pushes:
                self._deliver(name, *args)

        try:
            self.executor.submit(run)  # type: ignore[union-attr]
        except (AttributeError, RuntimeError):  # not started, or already stopped
            pass


_PASS = object()
NOT_CONNECTED = "交易连接不可用 (the trader is not connected)"
_BANK_IN, _BANK_OUT = 501, 502  # xttrader's BankTransferReq directions (hard-coded there, not constants)


def _record(name: str, args: tuple[Any, ...]) -> None:
    with _lock:
        CALLS.append((name, args))


def _place(
    account: Any,
    stock_code: str,
    order_type: int,
    order_volume: Any,
    price_type: int,
    price: float,
    strategy_name: str,
    order_remark: str,
) -> XtOrder:
    with _lock:
        book = _book(account)
        order_id = next(_order_ids)
        order = XtOrder(
            account.account_type,
            account.account_id,
            stock_code,
            order_id,
            f"{order_id:08d}",
            int(time.time()),
            order_type,
            int(order_volume),
            price_type,
            float(price),
            0,
            0.0,
            xc.ORDER_REPORTED,
            "",
            strategy_name,
            order_remark,
            xc.DIRECTION_FLAG_LONG,
            xc.OFFSET_FLAG_CLOSE if order_type == xc.STOCK_SELL else xc.OFFSET_FLAG_OPEN,
        )
        book.orders[order_id] = order
        return order


def _cancel(account: Any, order_id: int) -> tuple[int, tuple[str, Any] | None]:
    """(result code, the push it causes) for a cancel request."""
    with _lock:
        order = _book(account).orders.get(order_id)
        if order is None:
            return -1, None
        if order.order_status in FINAL:
            error = XtCancelError(
                order.account_type,
                order.account_id,
                order_id,
                _market(order.stock_code),
                order.order_sysid,
                -1,
                f"order {order_id} is already final (status {order.order_status})",
            )
            return 0, ("on_cancel_error", error)
        order.order_status = xc.ORDER_PART_CANCEL if order.traded_volume else xc.ORDER_CANCELED
        return 0, ("on_stock_order", order)


def _wrong_bank(bank_no: Any, bank_account: Any) -> str | None:
    """Why ``bank_no``/``bank_account`` is not the bound bank (an empty ``bank_account`` matches)."""
    if str(bank_no) != BANK_NO or (bank_account and str(bank_account) != BANK_ACCOUNT):
        return f"银行账号不存在 (no bound bank {bank_no!r} {bank_account!r}; the fake's is {BANK_NO!r})"
    return None


def _bank_transfer(
    account: Any, direction: int, bank_no: str, bank_account: str, amount: float
) -> tuple[bool, str]:
    """Move ``amount`` between the account's bound bank and its cash; a stream line when it moves."""
    with _lock:
        if (refusal := _wrong_bank(bank_no, bank_account)) is not None:
            return False, refusal
        if not amount > 0:
            return False, f"转账金额必须大于0 (the amount must be positive): {amount!r}"
        book = _book(account)
        asset = book.asset
        if direction == _BANK_IN:
            if amount > book.bank_balance:
                return False, f"银行可用余额不足 (the bank holds {book.bank_balance:.2f})"
            book.bank_balance -= amount
            asset.cash += amount
        else:
            if amount > asset.cash:
                return False, f"可用资金不足 (the cash is {asset.cash:.2f})"
            asset.cash -= amount
            book.bank_balance += amount
        asset.fetch_balance = asset.cash
        asset.total_asset = asset.cash + asset.market_value
        book.bank_stream.append(
            XtBankTransferStream(
                True,
                "",
                time.strftime("%Y%m%d"),
                time.strftime("%H%M%S"),
                f"{next(_transfer_nos):08d}",
                "1" if direction == _BANK_IN else "2",
                BANK_NO,
                BANK_NAME,
                BANK_ACCOUNT,
                MONEY_TYPE,
                account.account_id,
                amount,
                "银行转证券" if direction == _BANK_IN else "证券转银行",
            )
        )
        return True, "转账成功"


def _fund_transfer(transfer_direction: Any, price: Any) -> tuple[bool, str]:
    """510/511 with a positive amount: accepted, nothing moves (the fake has one counter)."""
    if transfer_direction not in (xc.FUNDS_TRANSFER_NORMAL_TO_SPEED, xc.FUNDS_TRANSFER_SPEED_TO_NORMAL):
        return (
            False,
            f"划拨方向错误 (transfer_direction {transfer_direction!r}: the fake accepts 510 and 511)",
        )
    if not float(price) > 0:
        return False, f"划拨金额必须大于0 (the amount must be positive): {price!r}"
    return True, "划拨成功"
