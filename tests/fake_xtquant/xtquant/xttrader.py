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
  ``*_async`` a seq (> 0) or -1; ``cancel_order_stock`` 0 = request accepted (the order then becomes 54, or
  53 when partly filled, pushed as ``on_stock_order``; an order already final gets ``on_cancel_error``
  instead) or -1 for an id unknown in that account; single-object queries ``None`` when absent.
* A new order is status 50 with an ``order_sysid``, pushed as ``on_stock_order`` right after
  ``order_stock`` returns. Pushes go to the live traders that subscribed the order's account; async
  responses go to the trader that made the call, before the pushes the call causes.
* After a disconnect (see :func:`disconnect`) a trader is dead. The real wheel's behaviour then is not
  documented; this fake answers at once with the failure value: -1 for calls returning a code or an id
  (``connect``, ``subscribe``, ``order_stock``, cancels, ``*_async``), ``None`` for every query.

The in-memory MiniQMT keeps, per account id (any string is a known account), the day's orders and trades,
a position per code built from fills and an asset that starts at ``INITIAL_CASH`` and moves by each
fill's amount (no fees, no frozen cash, bought shares not sellable the same day).

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
* ``IPO_DATA``: what ``query_ipo_data`` answers; per account (``_book(account)``), ``purchase_limit`` and
  ``position_statistics`` answer ``query_new_purchase_limit`` and ``query_position_statistics``.
* :func:`disconnect`: the connection to MiniQMT is lost: ``on_disconnected`` on every live trader's push
  thread, and they are dead.
* :func:`fill` (a fill: ``on_stock_order`` 55/56, ``on_stock_trade``, ``on_stock_position``,
  ``on_stock_asset``, in that order), :func:`reject` (``on_order_error``, then ``on_stock_order`` 57 with
  ``status_msg``), :func:`account_status` (``on_account_status``).
* :func:`reset`: forgets traders, calls, hooks and the ledger; releases hung calls; ends push threads.
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

from xtquant import xtconstant as xc
from xtquant.xttype import (
    StockAccount,
    XtAccountInfo,
    XtAccountStatus,
    XtAsset,
    XtCancelError,
    XtCancelOrderResponse,
    XtOrder,
    XtOrderError,
    XtOrderResponse,
    XtPosition,
    XtTrade,
)

CONNECTED = True
TRADERS: list[XtQuantTrader] = []
CREATED: list[XtQuantTrader] = []
CALLS: list[tuple[str, tuple[Any, ...]]] = []
HANGS: set[str] = set()
RETURNS: dict[str, Any] = {}
INITIAL_CASH = 1_000_000.0

FINAL = frozenset({xc.ORDER_PART_CANCEL, xc.ORDER_CANCELED, xc.ORDER_SUCCEEDED, xc.ORDER_JUNK})

_lock = threading.RLock()
_release = threading.Event()
_order_ids = itertools.count(1)
_seqs = itertools.count(1)
_trade_ids = itertools.count(1)


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
    global CONNECTED, INITIAL_CASH, _release, _order_ids, _seqs, _trade_ids
    _release.set()
    _release = threading.Event()
    with _lock:
        traders = list(CREATED)
        for hook in (TRADERS, CREATED, CALLS, _books, IPO_DATA):
            hook.clear()
        HANGS.clear()
        RETURNS.clear()
        CONNECTED = True
        INITIAL_CASH = 1_000_000.0
        _order_ids, _seqs, _trade_ids = itertools.count(1), itertools.count(1), itertools.count(1)
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


class XtQuantTrader:
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
        """Record the call; apply ``HANGS`` and ``RETURNS``; ``_PASS`` when the call should proceed."""
        _record(name, args)
        if name in HANGS:
            _release.wait()
            return failed
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

    def _query(self, name: str, args: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        def snapshot() -> Any:
            with _lock:
                found = compute()
                return [copy.copy(o) for o in found] if isinstance(found, list) else copy.copy(found)

        return self._sync(name, args, snapshot, None)

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
