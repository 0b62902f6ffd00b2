"""Drop-in for ``xtquant.xttrader``: ``XtQuantTrader`` and ``XtQuantTraderCallback`` over the simulated broker.

    from qmt_bridge.sim.xttrader import XtQuantTrader, XtQuantTraderCallback
    from qmt_bridge.sim.xttype import StockAccount
    from qmt_bridge.sim import xtconstant

    trader = XtQuantTrader(r"C:\\miniQMT\\userdata_mini", 123456)
    trader.register_callback(MyCallback())
    trader.start()
    assert trader.connect() == 0
    trader.subscribe(StockAccount("SIM000001"))
    trader.order_stock(StockAccount("SIM000001"), "600000.SH", xtconstant.STOCK_BUY, 100, xtconstant.FIX_PRICE, 10.0)

Stand-alone (as above) a trader attaches to a process-wide default broker over the default simulated market
of :mod:`qmt_bridge.sim.xtdata` (its clock; :func:`qmt_bridge.sim.xtdata.configure` it before the first
trader), with account ``SIM000001`` holding 1,000,000 CNY; the state is kept in
``<path>/qmt_bridge_sim_broker.sqlite3`` when ``path`` is an existing directory, else in memory. The server
builds traders over its backend's broker instead (``SimBackend.new_trader``).

Behaviour as xtquant's (``shared/xtquant-api.md`` §2, §5), with these differences:

- Every push (``on_stock_*``, errors, async responses, async query callbacks) runs serially on ONE push
  thread per trader, started by :meth:`XtQuantTrader.start`. An exception raised by a callback is logged and
  never stops later pushes. Sync calls run on the caller's thread, so calling them from inside a callback
  works (xtquant would deadlock).
- An async order's ``on_order_stock_async_response`` comes before the ``on_order_error`` and
  ``on_stock_order`` pushes the order causes; likewise for async cancels.
- The constructor does not replace the calling thread's asyncio event loop (xtquant's does).
- ``stop()`` ends the push thread and the trader's subscriptions; orders stay with the broker. When the
  broker closes, ``on_disconnected`` is pushed and the trader is dead (-1 / None from then on).
- ``run_forever()`` returns on KeyboardInterrupt.
- Credit accounts (``StockAccount(id, 'CREDIT')``, 融资融券) trade with xtconstant's credit order types and
  answer the credit queries (:mod:`qmt_bridge.sim.trader_credit`, rules in :mod:`qmt_bridge.sim.broker.credit`
  and its siblings); an account is usable only with its own type (a credit account's id with type 'STOCK'
  fails, as on a real client).
- Smart algorithm orders run TWAP and VWAP only, as child orders of the account on the simulated counter
  (:mod:`qmt_bridge.sim.trader_algos`, :mod:`qmt_bridge.sim.broker.algo_desk`).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from typing import Any

from qmt_bridge.sim import xtconstant
from qmt_bridge.sim.broker import BrokerClosed, SimBroker
from qmt_bridge.sim.broker import counter_queries as counter
from qmt_bridge.sim.broker.defaults import STATE_FILE, default_broker
from qmt_bridge.sim.broker.pushes import PushThread
from qmt_bridge.sim.broker.sessions import local_date
from qmt_bridge.sim.trader_algos import AlgoCalls
from qmt_bridge.sim.trader_credit import CreditCalls
from qmt_bridge.sim.trader_transfers import TransferCalls
from qmt_bridge.sim.xttype import XtCancelOrderResponse, XtOrderResponse

__all__ = ["STATE_FILE", "XtQuantTrader", "XtQuantTraderCallback", "default_broker"]

_RUN_POLL_SECONDS = 0.2


class XtQuantTraderCallback:
    """Override the pushes you need; every one defaults to doing nothing."""

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


# --- the trader ----------------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_volume(value: Any, order_type: Any = None) -> float | None:
    """xtquant applies ``int(order_volume)``; the simulator takes ints and whole floats only, except for
    直接还款 (32), whose ``order_volume`` is an amount of CNY (any finite number)."""
    if _is_int(value):
        return int(value)
    if isinstance(value, float) and math.isfinite(value):
        if order_type == xtconstant.CREDIT_DIRECT_CASH_REPAY:
            return value
        if value.is_integer():
            return int(value)
    return None


class XtQuantTrader(TransferCalls, AlgoCalls, CreditCalls):
    """xtquant's trader over a :class:`~qmt_bridge.sim.broker.SimBroker` (see the module docstring).

    Args:
        path: MiniQMT's ``userdata_mini`` path; here it only chooses the default broker's state file.
        session: the session id (int), unique among the traders connected to one broker at a time.
        callback: an :class:`XtQuantTraderCallback` (or :meth:`register_callback` later).
        broker: the broker to trade with (keyword, not in xtquant); default :func:`default_broker`.
    """

    def __init__(
        self, path: str, session: int, callback: Any = None, *, broker: SimBroker | None = None
    ) -> None:
        self.path = path
        self.session_id = session
        self.callback = callback
        self._broker = broker if broker is not None else default_broker(path)
        self._pushes: PushThread | None = None
        self._connected = False
        self._dead = False
        self._accounts: dict[str, int] = {}  # subscribed account id -> its type
        self._seq = itertools.count(1)

    # --- lifecycle ------------------------------------------------------------------------------------

    def register_callback(self, callback: Any) -> None:
        self.callback = callback

    def start(self) -> None:
        """Start the push thread (xtquant: the native client and its executors)."""
        if self._pushes is None:
            self._pushes = PushThread(f"xttrader-push-{self.session_id}", lambda: self.callback)

    def connect(self) -> int:
        """0 when connected; -1 before :meth:`start`, after a disconnect or with a session id in use."""
        if self._pushes is None or self._dead:
            return -1
        if not self._broker.connect(self.session_id, self):
            return -1
        self._connected = True
        return 0

    def stop(self) -> None:
        """Leave the broker and end the push thread (after the pushes already queued)."""
        if self._pushes is None:
            raise AttributeError(
                "'XtQuantTrader' object has no attribute 'async_client' (stop() before start())"
            )
        self._broker.disconnect(self)
        self._connected = False
        self._accounts.clear()
        self._pushes.stop()

    def run_forever(self) -> None:
        """Block like xtquant's (a sleep loop); returns on KeyboardInterrupt."""
        try:
            while True:
                time.sleep(_RUN_POLL_SECONDS)
        except KeyboardInterrupt:
            return

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def set_timeout(self, timeout: int = 0) -> None:
        """Accepted; the simulator's calls do not wait on a reply."""

    def set_relaxed_response_order_enabled(self, enabled: bool) -> None:
        """Accepted; sync calls never go through the push thread here."""

    # --- the broker's listener side ---------------------------------------------------------------------

    def push(self, name: str, arg: Any) -> None:
        if self._pushes is not None:
            self._pushes.call(name, arg)

    def disconnected(self) -> None:
        self._dead = True
        self._connected = False
        self._accounts.clear()
        if self._pushes is not None:
            self._pushes.call("on_disconnected")

    def _job(self, function: Callable[[], None]) -> None:
        assert self._pushes is not None  # connected traders have started
        self._pushes.job(function)

    def _respond(self, name: str, response: Any) -> None:
        assert self._pushes is not None
        self._pushes.deliver(name, response)

    # --- checks ---------------------------------------------------------------------------------------

    def _account_id(self, account: Any, subscribed: bool = True) -> str | None:
        """The id of a usable stock or credit account, or None (xtquant's -1 / None answers)."""
        if not self._connected or self._dead:
            return None
        account_id = getattr(account, "account_id", None)
        kind = getattr(account, "account_type", None)
        if not isinstance(account_id, str) or kind not in (
            xtconstant.SECURITY_ACCOUNT,
            xtconstant.CREDIT_ACCOUNT,
        ):
            return None
        if subscribed and self._accounts.get(account_id) != kind:
            return None
        return account_id

    # --- subscriptions ----------------------------------------------------------------------------------

    def subscribe(self, account: Any) -> int:
        """0 when the broker has the account, else -1."""
        account_id = self._account_id(account, subscribed=False)
        if account_id is None:
            return -1
        try:
            if self._broker.account_type(account_id) != account.account_type:
                return -1
        except BrokerClosed:
            return -1
        if not self._broker.subscribe(self, account_id):
            return -1
        self._accounts[account_id] = account.account_type
        return 0

    def unsubscribe(self, account: Any) -> int:
        account_id = self._account_id(account, subscribed=False)
        if account_id is None or self._accounts.get(account_id) != account.account_type:
            return -1
        del self._accounts[account_id]
        self._broker.unsubscribe(self, account_id)
        return 0

    # --- orders ---------------------------------------------------------------------------------------

    def _order_args(self, account: Any, *args: Any) -> tuple[Any, ...] | None:
        account_id = self._account_id(account)
        stock_code, order_type, order_volume, price_type, price, strategy_name, order_remark = args
        volume = _as_volume(order_volume, order_type)
        if (
            account_id is None
            or volume is None
            or not isinstance(stock_code, str)
            or not _is_int(order_type)
            or not _is_int(price_type)
            or not isinstance(price, (int, float))
            or isinstance(price, bool)
            or not isinstance(strategy_name, str)
            or not isinstance(order_remark, str)
        ):
            return None
        return (
            account_id,
            stock_code,
            order_type,
            volume,
            price_type,
            float(price),
            strategy_name,
            order_remark,
        )

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
        """The order id (> 0; a rejected order has one too, reported with status 57), or -1 for a call the
        counter cannot take (not connected, account not subscribed, arguments of the wrong type)."""
        args = self._order_args(
            account, stock_code, order_type, order_volume, price_type, price, strategy_name, order_remark
        )
        if args is None:
            return -1
        try:
            return self._broker.place_order(*args, origin=self)
        except (BrokerClosed, KeyError):
            return -1

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
        """A seq (> 0) now, ``on_order_stock_async_response`` later; -1 as :meth:`order_stock`."""
        args = self._order_args(
            account, stock_code, order_type, order_volume, price_type, price, strategy_name, order_remark
        )
        if args is None:
            return -1
        seq = next(self._seq)

        def place() -> None:
            error = ""
            try:
                order_id = self._broker.place_order(*args, origin=self, seq=seq)
            except (BrokerClosed, KeyError) as exc:
                order_id, error = -1, str(exc)
            response = XtOrderResponse(
                self._accounts.get(args[0], xtconstant.SECURITY_ACCOUNT),
                args[0],
                order_id,
                strategy_name,
                order_remark,
                error,
                seq,
            )
            self._respond("on_order_stock_async_response", response)

        self._job(place)
        return seq

    def cancel_order_stock(self, account: Any, order_id: int) -> int:
        """0 = cancel request taken (the order then reports 54/53, or ``on_cancel_error`` comes), -1 for an
        order id the account does not have."""
        account_id = self._account_id(account)
        if account_id is None or not _is_int(order_id):
            return -1
        return self._cancel(lambda: self._broker.cancel_order(account_id, order_id, origin=self))[0]

    def cancel_order_stock_async(self, account: Any, order_id: int) -> int:
        """A seq now, ``on_cancel_order_stock_async_response`` later (``on_cancel_error`` after it)."""
        account_id = self._account_id(account)
        if account_id is None or not _is_int(order_id):
            return -1
        return self._cancel_async(
            account_id, lambda: self._broker.cancel_order(account_id, order_id, origin=self)
        )

    @staticmethod
    def _market(market: Any) -> int | None:
        if isinstance(market, str):
            return xtconstant.MARKET_STR_TO_ENUM_MAPPING.get(market)
        return int(market) if _is_int(market) else None

    def cancel_order_stock_sysid(self, account: Any, market: Any, sysid: str) -> int:
        """Cancel by contract number; ``market`` an int (0 SH, 1 SZ, 70 BJ) or ``'SH'``/``'SZ'``/``'BJ'``."""
        account_id, market_no = self._account_id(account), self._market(market)
        if account_id is None or market_no is None:
            return -1
        return self._cancel(
            lambda: self._broker.cancel_order_by_sysid(account_id, market_no, str(sysid), origin=self)
        )[0]

    def cancel_order_stock_sysid_async(self, account: Any, market: Any, sysid: str) -> int:
        account_id, market_no = self._account_id(account), self._market(market)
        if account_id is None or market_no is None:
            return -1
        return self._cancel_async(
            account_id,
            lambda: self._broker.cancel_order_by_sysid(account_id, market_no, str(sysid), origin=self),
        )

    @staticmethod
    def _cancel(cancel: Callable[[], tuple[int, int, str]]) -> tuple[int, int, str]:
        try:
            return cancel()
        except BrokerClosed:
            return -1, -1, ""

    def _cancel_async(self, account_id: str, cancel: Callable[[], tuple[int, int, str]]) -> int:
        seq = next(self._seq)

        def run() -> None:
            result, order_id, sysid = self._cancel(cancel)
            error = "" if result == 0 else "撤单失败: 委托不存在"
            response = XtCancelOrderResponse(
                self._accounts.get(account_id, xtconstant.SECURITY_ACCOUNT),
                account_id,
                result,
                order_id,
                sysid,
                seq,
                error,
            )
            self._respond("on_cancel_order_stock_async_response", response)

        self._job(run)
        return seq

    # --- queries --------------------------------------------------------------------------------------

    def _query(self, account: Any, ask: Callable[[str], Any], failed: Any) -> Any:
        account_id = self._account_id(account)
        if account_id is None:
            return failed
        try:
            return ask(account_id)
        except BrokerClosed:
            return failed

    def _query_async(self, compute: Callable[[], Any], callback: Callable[[Any], Any]) -> int:
        if self._pushes is None:
            return -1
        seq = next(self._seq)
        self._pushes.job(lambda: callback(compute()))
        return seq

    def query_stock_asset(self, account: Any) -> Any:
        return self._query(account, self._broker.asset, None)

    def query_stock_order(self, account: Any, order_id: int) -> Any:
        return self._query(account, lambda a: self._broker.order(a, order_id), None)

    def query_stock_orders(self, account: Any, cancelable_only: bool = False) -> Any:
        return self._query(account, lambda a: self._broker.orders(a, cancelable_only), [])

    def query_stock_trades(self, account: Any) -> Any:
        return self._query(account, self._broker.trades, [])

    def query_stock_position(self, account: Any, stock_code: str) -> Any:
        return self._query(account, lambda a: self._broker.position(a, stock_code), None)

    def query_stock_positions(self, account: Any) -> Any:
        return self._query(account, self._broker.positions, [])

    def query_position_statistics(self, account: Any) -> Any:
        """Futures position statistics: the simulator has stock accounts only, so always empty."""
        return self._query(account, lambda _: [], None)

    def query_new_purchase_limit(self, account: Any) -> Any:
        """``{'KCB': n, 'SH': n, 'SZ': n}`` shares (see :mod:`.broker.counter_queries` for the rule)."""
        return self._query(account, lambda a: counter.new_purchase_limit(self._broker.positions(a)), {})

    def query_ipo_data(self) -> Any:
        """Today's new issues: ``{code: {name, type, maxPurchaseNum, minPurchaseNum, purchaseDate, issuePrice}}``."""
        if not self._connected or self._dead:
            return {}
        return counter.ipo_data(self._broker.market, local_date(self._broker.clock.now()))

    def query_com_fund(self, account: Any) -> Any:
        """The ordinary counter's (普通柜台) money: what ``fund_transfer`` 511 moved there."""
        return self._query(account, lambda a: counter.com_fund(self._broker.counter_balance(a)), {})

    def query_com_position(self, account: Any) -> Any:
        """The account's positions as the ordinary counter shows them (one set of shares for both counters)."""
        return self._query(account, lambda a: counter.com_position(self._broker.positions(a)), [])

    def query_account_infos(self) -> Any:
        if not self._connected or self._dead:
            return []
        try:
            return self._broker.account_infos()
        except BrokerClosed:
            return []

    query_account_info = query_account_infos

    def query_account_status(self) -> Any:
        if not self._connected or self._dead:
            return []
        try:
            return self._broker.account_statuses()
        except BrokerClosed:
            return []

    def query_stock_asset_async(self, account: Any, callback: Callable[[Any], Any]) -> None:
        """xtquant's returns None (not a seq); ``callback(XtAsset or None)`` runs on the push thread."""
        self._query_async(lambda: self.query_stock_asset(account), callback)

    def query_stock_orders_async(
        self, account: Any, callback: Callable[[Any], Any], cancelable_only: bool = False
    ) -> int:
        return self._query_async(lambda: self.query_stock_orders(account, cancelable_only), callback)

    def query_stock_trades_async(self, account: Any, callback: Callable[[Any], Any]) -> int:
        return self._query_async(lambda: self.query_stock_trades(account), callback)

    def query_stock_positions_async(self, account: Any, callback: Callable[[Any], Any]) -> int:
        return self._query_async(lambda: self.query_stock_positions(account), callback)

    def query_account_infos_async(self, callback: Callable[[Any], Any]) -> int:
        return self._query_async(self.query_account_infos, callback)

    def query_account_status_async(self, callback: Callable[[Any], Any]) -> int:
        return self._query_async(self.query_account_status, callback)
