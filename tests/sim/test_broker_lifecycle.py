"""Orders through ``XtQuantTrader``: their life to filled and to cancelled, the order and thread of the
pushes, async requests, return codes, callbacks that raise or call back in, stop and disconnect."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim import xttrader as xttrader_module
from qmt_bridge.sim.broker import SimBroker
from qmt_bridge.sim.broker.manual import ManualClock, ManualMarket
from qmt_bridge.sim.clock import CST
from qmt_bridge.sim.xttrader import XtQuantTrader, XtQuantTraderCallback
from qmt_bridge.sim.xttype import StockAccount, XtAsset

THU_10 = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
SH, SZ = "600000.SH", "000001.SZ"
ACCOUNT = StockAccount("SIM000001")
OTHER = StockAccount("SIM000002")


class Recorder(XtQuantTraderCallback):
    """Records every push as (name, object) with the thread it ran on."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def _add(self, name, obj=None):
        with self._lock:
            self.events.append((name, obj))
            self.threads.add(threading.current_thread().name)

    def on_disconnected(self):
        self._add("on_disconnected")

    def names(self):
        with self._lock:
            return [name for name, _ in self.events]

    def statuses(self):
        with self._lock:
            return [obj.order_status for name, obj in self.events if name == "on_stock_order"]

    def wait_for(self, name, count=1, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.names().count(name) >= count:
                return
            time.sleep(0.005)
        raise AssertionError(f"{name} x{count} not pushed: {self.names()}")


def _recording(name):
    def method(self, obj):
        self._add(name, obj)

    return method


for _name in dir(XtQuantTraderCallback):
    if _name.startswith("on_") and _name not in ("on_connected", "on_disconnected"):
        setattr(Recorder, _name, _recording(_name))


class Desk:
    def __init__(self) -> None:
        self.clock = ManualClock(THU_10)
        self.market = ManualMarket(self.clock)
        for code in (SH, SZ):
            self.market.add(code, code, pre_close=10.0)
            self.market.quote(code, 10.0, asks=[(10.00, 1)], bids=[(9.99, 1)])
        self.broker = SimBroker(
            self.market, self.clock, account_ids=("SIM000001", "SIM000002"), background=False
        )
        self.recorder = Recorder()
        self.trader = self.new_trader(1, self.recorder)

    def new_trader(self, session, callback):
        trader = XtQuantTrader("unused", session, callback, broker=self.broker)
        trader.start()
        assert trader.connect() == 0
        assert trader.subscribe(ACCOUNT) == 0
        return trader

    def next_snapshot(self):
        self.clock.advance(3)
        self.broker.match_now()


@pytest.fixture()
def desk():
    desk = Desk()
    yield desk
    desk.broker.close()


ORDER_PUSHES = ["on_stock_order", "on_stock_trade", "on_stock_position", "on_stock_asset"]


def test_life_to_filled_on_one_push_thread(desk):
    order_id = desk.trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 200, xc.FIX_PRICE, 10.00, "s1", "r1")
    desk.recorder.wait_for("on_stock_trade")
    desk.next_snapshot()
    desk.recorder.wait_for("on_stock_trade", 2)
    desk.recorder.wait_for("on_stock_asset", 2)
    assert desk.recorder.names() == ["on_stock_order", *ORDER_PUSHES, *ORDER_PUSHES]
    assert desk.recorder.statuses() == [xc.ORDER_REPORTED, xc.ORDER_PART_SUCC, xc.ORDER_SUCCEEDED]
    assert desk.recorder.threads == {"xttrader-push-1"}  # one thread, not the caller's
    order = desk.recorder.events[0][1]
    assert (order.order_id, order.strategy_name, order.order_remark) == (order_id, "s1", "r1")
    assert order.order_sysid and order.order_time == int(THU_10.timestamp())
    assert (order.direction, order.offset_flag) == (xc.DIRECTION_FLAG_BUY, xc.OFFSET_FLAG_OPEN)
    trades = [obj for name, obj in desk.recorder.events if name == "on_stock_trade"]
    assert [t.traded_volume for t in trades] == [100, 100]
    assert len({t.traded_id for t in trades}) == 2
    assert trades[1].traded_time == int(THU_10.timestamp()) + 3


def test_life_to_cancelled(desk):
    order_id = desk.trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 9.90)
    assert desk.trader.cancel_order_stock(ACCOUNT, order_id) == 0
    desk.recorder.wait_for("on_stock_asset", 2)
    assert desk.recorder.statuses() == [xc.ORDER_REPORTED, xc.ORDER_REPORTED_CANCEL, xc.ORDER_CANCELED]
    assert desk.recorder.names() == [
        "on_stock_order",
        "on_stock_asset",  # cash frozen
        "on_stock_order",
        "on_stock_order",
        "on_stock_asset",  # cash released
    ]
    assert desk.recorder.events[-1][1].frozen_cash == 0.0
    assert desk.trader.query_stock_order(ACCOUNT, order_id).status_msg == "用户撤单"


def test_cancel_after_a_part_fill(desk):
    order_id = desk.trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 300, xc.FIX_PRICE, 10.00)
    assert desk.trader.cancel_order_stock(ACCOUNT, order_id) == 0
    desk.recorder.wait_for("on_stock_order", 4)
    assert desk.recorder.statuses() == [
        xc.ORDER_REPORTED,
        xc.ORDER_PART_SUCC,
        xc.ORDER_PARTSUCC_CANCEL,
        xc.ORDER_PART_CANCEL,
    ]
    order = desk.trader.query_stock_order(ACCOUNT, order_id)
    assert (order.traded_volume, order.order_volume) == (100, 300)


def test_cancel_return_codes(desk):
    filled = desk.trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 10.00)
    assert desk.trader.cancel_order_stock(ACCOUNT, 999_999) == -1  # unknown
    assert desk.trader.cancel_order_stock(ACCOUNT, filled) == 0  # known but final: 0, then the error
    desk.recorder.wait_for("on_cancel_error")
    error = dict(desk.recorder.events)["on_cancel_error"]
    assert (error.order_id, error.market, error.error_id) == (filled, xc.SH_MARKET, 1010)
    assert "已成" in error.error_msg
    other = desk.new_trader(2, Recorder())
    assert other.subscribe(OTHER) == 0
    assert other.cancel_order_stock(OTHER, filled) == -1  # another account's order


def test_cancel_by_sysid(desk):
    first = desk.trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 9.90)
    second = desk.trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 9.90)
    sysid1 = desk.trader.query_stock_order(ACCOUNT, first).order_sysid
    sysid2 = desk.trader.query_stock_order(ACCOUNT, second).order_sysid
    assert desk.trader.cancel_order_stock_sysid(ACCOUNT, "XX", sysid1) == -1  # unknown market string
    assert desk.trader.cancel_order_stock_sysid(ACCOUNT, xc.SZ_MARKET, sysid1) == -1  # wrong market
    assert desk.trader.cancel_order_stock_sysid(ACCOUNT, "SH", "nope") == -1
    assert desk.trader.cancel_order_stock_sysid(ACCOUNT, "SH", sysid1) == 0
    assert desk.trader.cancel_order_stock_sysid(ACCOUNT, xc.SH_MARKET, sysid2) == 0
    statuses = [desk.trader.query_stock_order(ACCOUNT, i).order_status for i in (first, second)]
    assert statuses == [xc.ORDER_CANCELED, xc.ORDER_CANCELED]


def test_async_order_response_comes_before_its_pushes(desk):
    seq = desk.trader.order_stock_async(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 10.00, "s", "r")
    assert seq > 0
    desk.recorder.wait_for("on_stock_asset")
    assert desk.recorder.names() == ["on_order_stock_async_response", "on_stock_order", *ORDER_PUSHES]
    response = desk.recorder.events[0][1]
    assert (response.seq, response.strategy_name, response.order_remark) == (seq, "s", "r")
    assert response.order_id == desk.recorder.events[1][1].order_id > 0


def test_async_rejection_response_then_order_error(desk):
    seq = desk.trader.order_stock_async(ACCOUNT, SH, xc.STOCK_BUY, 150, xc.FIX_PRICE, 10.00)
    desk.recorder.wait_for("on_stock_order")
    assert desk.recorder.names() == ["on_order_stock_async_response", "on_order_error", "on_stock_order"]
    response, error, order = (obj for _, obj in desk.recorder.events)
    assert response.order_id == error.order_id == order.order_id
    assert (error.seq, order.order_status) == (seq, xc.ORDER_JUNK)


def test_async_cancels(desk):
    order_id = desk.trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 9.90)
    sysid = desk.trader.query_stock_order(ACCOUNT, order_id).order_sysid
    desk.recorder.wait_for("on_stock_asset")
    desk.recorder.events.clear()
    seq = desk.trader.cancel_order_stock_async(ACCOUNT, order_id)
    desk.recorder.wait_for("on_stock_asset")
    assert desk.recorder.names()[:3] == [
        "on_cancel_order_stock_async_response",
        "on_stock_order",
        "on_stock_order",
    ]
    response = desk.recorder.events[0][1]
    assert (response.seq, response.cancel_result, response.order_id, response.order_sysid) == (
        seq,
        0,
        order_id,
        sysid,
    )
    desk.recorder.events.clear()
    seq = desk.trader.cancel_order_stock_sysid_async(ACCOUNT, "SH", sysid)  # now final: response, then error
    desk.recorder.wait_for("on_cancel_error")
    assert desk.recorder.names() == ["on_cancel_order_stock_async_response", "on_cancel_error"]
    seq = desk.trader.cancel_order_stock_async(ACCOUNT, 424242)
    desk.recorder.wait_for("on_cancel_order_stock_async_response", 2)
    assert desk.recorder.events[-1][1].cancel_result == -1


def test_a_raising_callback_does_not_stop_the_pushes(desk, caplog):
    class Raising(Recorder):
        def on_stock_order(self, order):
            self._add("on_stock_order", order)
            raise RuntimeError("user bug")

    recorder = Raising()
    desk.trader.register_callback(recorder)
    desk.trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 10.00)
    recorder.wait_for("on_stock_asset")
    assert recorder.names() == ["on_stock_order", *ORDER_PUSHES]
    assert "user bug" in caplog.text


def test_sync_calls_inside_a_callback_do_not_hang(desk):
    answers = []

    class Reentrant(Recorder):
        def on_stock_trade(self, trade):
            answers.append(desk.trader.query_stock_asset(ACCOUNT))
            answers.append(desk.trader.order_stock(ACCOUNT, SZ, xc.STOCK_BUY, 100, xc.FIX_PRICE, 9.90))
            answers.append(desk.trader.cancel_order_stock(ACCOUNT, answers[-1]))
            self._add("on_stock_trade", trade)

    recorder = Reentrant()
    desk.trader.register_callback(recorder)
    desk.trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 10.00)
    recorder.wait_for("on_stock_trade")
    assert isinstance(answers[0], XtAsset) and answers[1] > 0 and answers[2] == 0


def test_return_codes_of_calls_the_counter_cannot_take(desk):
    trader = desk.trader
    assert trader.subscribe(StockAccount("NOPE")) == -1
    assert trader.order_stock(OTHER, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 10.0) == -1  # not subscribed
    assert trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100.5, xc.FIX_PRICE, 10.0) == -1
    assert trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, "100", xc.FIX_PRICE, 10.0) == -1
    assert trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, "10") == -1
    assert trader.order_stock(ACCOUNT, 600000, xc.STOCK_BUY, 100, xc.FIX_PRICE, 10.0) == -1
    assert trader.order_stock_async(OTHER, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 10.0) == -1
    assert trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100.0, xc.FIX_PRICE, 10) > 0  # whole numbers do
    assert trader.unsubscribe(OTHER) == -1
    assert trader.unsubscribe(ACCOUNT) == 0
    assert trader.query_stock_asset(ACCOUNT) is None and trader.query_stock_orders(ACCOUNT) == []


def test_queries(desk):
    trader = desk.trader
    done = trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 10.00)
    open_id = trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 9.90)
    assert [o.order_id for o in trader.query_stock_orders(ACCOUNT)] == [done, open_id]
    assert [o.order_id for o in trader.query_stock_orders(ACCOUNT, cancelable_only=True)] == [open_id]
    assert trader.query_stock_order(ACCOUNT, 999_999) is None
    assert [t.order_id for t in trader.query_stock_trades(ACCOUNT)] == [done]
    assert trader.query_stock_position(ACCOUNT, SZ) is None
    position = trader.query_stock_position(ACCOUNT, SH)
    assert (position.volume, position.can_use_volume, position.last_price) == (100, 0, 10.0)
    assert [p.stock_code for p in trader.query_stock_positions(ACCOUNT)] == [SH]
    asset = trader.query_stock_asset(ACCOUNT)
    assert asset.total_asset == pytest.approx(asset.cash + asset.frozen_cash + asset.market_value)
    infos = trader.query_account_infos()
    assert [(i.account_id, i.account_type) for i in infos] == [("SIM000001", 2), ("SIM000002", 2)]
    assert trader.query_account_info == trader.query_account_infos
    assert [s.status for s in trader.query_account_status()] == [xc.ACCOUNT_STATUS_OK] * 2


def test_async_queries_call_back_on_the_push_thread(desk):
    got = {}
    done = threading.Event()

    def keep(name):
        def callback(result):
            got[name] = (result, threading.current_thread().name)
            if len(got) == 6:
                done.set()

        return callback

    trader = desk.trader
    assert trader.query_stock_asset_async(ACCOUNT, keep("asset")) is None
    assert trader.query_stock_orders_async(ACCOUNT, keep("orders"), cancelable_only=True) > 0
    assert trader.query_stock_trades_async(ACCOUNT, keep("trades")) > 0
    assert trader.query_stock_positions_async(ACCOUNT, keep("positions")) > 0
    assert trader.query_account_infos_async(keep("infos")) > 0
    assert trader.query_account_status_async(keep("status")) > 0
    assert done.wait(5)
    assert isinstance(got["asset"][0], XtAsset) and got["orders"][0] == []
    assert {thread for _, thread in got.values()} == {"xttrader-push-1"}


def test_connect_start_stop(desk):
    fresh = XtQuantTrader("unused", 7, broker=desk.broker)
    assert fresh.connect() == -1  # not started
    with pytest.raises(AttributeError):
        fresh.stop()
    busy = XtQuantTrader("unused", 1, broker=desk.broker)  # session 1 is desk.trader's
    busy.start()
    assert busy.connect() == -1
    pushes = desk.trader._pushes._thread
    desk.trader.stop()
    assert not pushes.is_alive()
    assert busy.connect() == 0  # the session id is free again
    assert desk.trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 10.0) == -1
    busy.stop()


def test_stopped_traders_get_no_pushes_and_orders_stay(desk):
    order_id = desk.trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 9.90)
    desk.trader.stop()
    count = len(desk.recorder.events)
    desk.market.quote(SH, 9.90, asks=[(9.90, 1)])
    desk.next_snapshot()
    assert len(desk.recorder.events) == count
    watcher = desk.new_trader(3, Recorder())
    assert watcher.query_stock_order(ACCOUNT, order_id).order_status == xc.ORDER_SUCCEEDED


def test_every_subscriber_sees_the_account_pushes(desk):
    second = Recorder()
    desk.new_trader(2, second)
    desk.trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 150, xc.FIX_PRICE, 10.00)  # rejected
    desk.recorder.wait_for("on_stock_order")
    second.wait_for("on_stock_order")
    assert desk.recorder.names() == ["on_order_error", "on_stock_order"]
    assert second.names() == ["on_stock_order"]  # the order error goes to the caller only


def test_broker_close_disconnects_traders(desk):
    desk.broker.close()
    desk.recorder.wait_for("on_disconnected")
    assert desk.trader.order_stock(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 10.0) == -1
    assert desk.trader.query_stock_asset(ACCOUNT) is None
    assert desk.trader.query_stock_positions(ACCOUNT) == []
    assert desk.trader.connect() == -1  # one-shot, as xtquant's


def test_run_forever_returns_on_keyboard_interrupt(desk, monkeypatch):
    def interrupted(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(xttrader_module.time, "sleep", interrupted)
    desk.trader.run_forever()  # returns instead of propagating
    desk.trader.set_timeout(10)
    desk.trader.set_relaxed_response_order_enabled(True)
