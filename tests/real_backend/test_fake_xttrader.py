"""The fake ``xtquant.xttrader`` (tests/fake_xtquant): the xtquant quirks the trader manager relies on, and
the real backend's trading loaders (``new_trader``, ``make_account``) over it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from qmt_bridge.backends.xtquant import XtquantBackend

PATH = r"C:\QMT\userdata_mini"


def wait_until(predicate: Callable[[], Any], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.005)


class Recorder:
    """Records every callback as ``(name, object, thread name)``."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any, str]] = []

    def __getattr__(self, name: str) -> Callable[..., None]:
        if not name.startswith("on_"):
            raise AttributeError(name)

        def record(*args: Any) -> None:
            self.seen.append((name, args[0] if args else None, threading.current_thread().name))

        return record

    def names(self) -> list[str]:
        return [name for name, _, _ in self.seen]


@pytest.fixture
def xt(fake_xttrader: ModuleType) -> ModuleType:
    return fake_xttrader


@pytest.fixture
def xttype(xt: ModuleType) -> ModuleType:
    import xtquant.xttype

    return xtquant.xttype


@pytest.fixture
def connected(xt: ModuleType, xttype: ModuleType) -> Iterator[tuple[Any, Recorder, Any]]:
    """A started, connected trader subscribed to account ``'1000001'``, with a recording callback."""
    result: list[Any] = []
    # Not on the test's thread: the constructor replaces the constructing thread's event loop.
    thread = threading.Thread(target=lambda: result.append(xt.XtQuantTrader(PATH, 7)), name="builder")
    thread.start()
    thread.join()
    trader, recorder = result[0], Recorder()
    trader.register_callback(recorder)
    trader.start()
    assert trader.connect() == 0
    account = xttype.StockAccount("1000001")
    assert trader.subscribe(account) == 0
    yield trader, recorder, account
    if trader.executor is not None:
        trader.stop()


def test_stock_account_quirks(xttype: ModuleType) -> None:
    assert xttype.StockAccount("1000001").account_type == 2
    assert xttype.StockAccount("1000001", "credit").account_type == 3
    assert isinstance(xttype.StockAccount(1000001), str)  # an error string, not an exception
    with pytest.raises(Exception, match="不支持的账号类型"):
        xttype.StockAccount("1000001", "MARGIN")


def test_backend_make_account_turns_both_quirks_into_value_error(xt: ModuleType) -> None:
    backend = XtquantBackend()
    account = backend.make_account("1000001")
    assert (account.account_id, account.account_type) == ("1000001", 2)
    with pytest.raises(ValueError, match="invalid account id 1000001: 资金账号必须为字符串类型"):
        backend.make_account(1000001)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'MARGIN' is not supported"):
        backend.make_account("1000001", "MARGIN")


def test_constructor_replaces_the_constructing_threads_event_loop(xt: ModuleType) -> None:
    seen: dict[str, Any] = {}

    def build() -> None:
        trader = XtquantBackend().new_trader(PATH, 11)
        seen["trader"] = trader
        seen["loop"] = asyncio.get_event_loop_policy().get_event_loop()

    thread = threading.Thread(target=build, name="builder")
    thread.start()
    thread.join()
    trader = seen["trader"]
    assert seen["loop"] is trader.loop
    assert trader.constructed_on == "builder"
    assert xt.CALLS == [("XtQuantTrader", (PATH, 11))]


def test_lifecycle_return_codes(xt: ModuleType) -> None:
    trader = xt.XtQuantTrader(PATH, 21)
    with pytest.raises(AttributeError):
        trader.stop()  # before start, as xtquant
    assert trader.connect() == -1  # not started
    trader.start()
    assert trader.connect() == 0
    assert xt.TRADERS == [trader]
    twin = xt.XtQuantTrader(PATH, 21)
    twin.start()
    assert twin.connect() == -1  # session id in use
    xt.CONNECTED = False
    other = xt.XtQuantTrader(PATH, 22)
    other.start()
    assert other.connect() == -1  # MiniQMT down
    for t in (trader, twin, other):
        t.stop()
    assert xt.TRADERS == []


def test_order_is_reported_then_pushed_on_the_push_thread(connected: Any, xt: ModuleType) -> None:
    trader, recorder, account = connected
    first = trader.order_stock(account, "600000.SH", 23, 1000, 11, 10.5, "s", "r")
    second = trader.order_stock(account, "000001.SZ", 23, 100, 11, 12.0)
    assert 0 < first < second
    wait_until(lambda: len(recorder.seen) == 2)
    (name, order, thread), _ = recorder.seen
    assert (name, order.order_id, order.order_status, order.order_volume) == (
        "on_stock_order",
        first,
        50,
        1000,
    )
    assert order.order_sysid and thread.startswith("xttrader-push-7")
    assert {t for _, _, t in recorder.seen} == {thread}  # one push thread
    assert trader.query_stock_order(account, first).order_status == 50
    assert trader.query_stock_order(account, 999) is None


def test_fill_pushes_order_trade_position_asset(connected: Any, xt: ModuleType) -> None:
    trader, recorder, account = connected
    order_id = trader.order_stock(account, "600000.SH", 23, 1000, 11, 10.0)
    xt.fill(order_id, 400, 10.0)
    xt.fill(order_id, 600, 11.0)
    wait_until(lambda: len(recorder.seen) == 9)
    assert recorder.names()[1:5] == [
        "on_stock_order",
        "on_stock_trade",
        "on_stock_position",
        "on_stock_asset",
    ]
    statuses = [obj.order_status for name, obj, _ in recorder.seen if name == "on_stock_order"]
    assert statuses == [50, 55, 56]
    position = trader.query_stock_position(account, "600000.SH")
    assert (position.volume, position.can_use_volume, position.avg_price) == (1000, 0, pytest.approx(10.6))
    assert trader.query_stock_asset(account).cash == pytest.approx(1_000_000 - 10_600)
    assert [t.traded_volume for t in trader.query_stock_trades(account)] == [400, 600]
    assert trader.query_stock_orders(account, True) == []


def test_cancel_and_reject(connected: Any, xt: ModuleType) -> None:
    trader, recorder, account = connected
    whole = trader.order_stock(account, "600000.SH", 23, 1000, 11, 10.0)
    part = trader.order_stock(account, "600000.SH", 23, 1000, 11, 10.0)
    junk = trader.order_stock(account, "600000.SH", 23, 1000, 11, 10.0)
    xt.fill(part, 100, 10.0)
    assert trader.cancel_order_stock(account, 999) == -1
    assert trader.cancel_order_stock(account, whole) == 0
    assert trader.cancel_order_stock(account, part) == 0
    xt.reject(junk, "资金不足")
    assert trader.cancel_order_stock(account, whole) == 0  # already final: on_cancel_error follows
    wait_until(lambda: "on_cancel_error" in recorder.names())
    final = {obj.order_id: obj.order_status for name, obj, _ in recorder.seen if name == "on_stock_order"}
    assert final == {whole: 54, part: 53, junk: 57}
    error_at = recorder.names().index("on_order_error")
    assert recorder.seen[error_at + 1][1].status_msg == "资金不足"
    assert recorder.seen[error_at][1].error_msg == "资金不足"


def test_async_order_response_comes_before_the_order_push(connected: Any, xt: ModuleType) -> None:
    trader, recorder, account = connected
    seq = trader.order_stock_async(account, "600000.SH", 23, 100, 11, 10.0)
    assert seq > 0
    wait_until(lambda: len(recorder.seen) == 2)
    (first, response, _), (second, order, _) = recorder.seen
    assert (first, response.seq, second) == ("on_order_stock_async_response", seq, "on_stock_order")
    assert response.order_id == order.order_id > 0


def test_callback_exceptions_are_swallowed_and_sync_calls_inside_them_refused(connected: Any, xt: ModuleType):
    trader, recorder, account = connected
    problems: list[BaseException] = []

    class Hostile(Recorder):
        def on_stock_order(self, order: Any) -> None:
            try:
                trader.query_stock_asset(account)  # deadlocks in xtquant
            except RuntimeError as exc:
                problems.append(exc)
            raise ValueError("callback bug")

    hostile = Hostile()
    trader.register_callback(hostile)
    order_id = trader.order_stock(account, "600000.SH", 23, 100, 11, 10.0)
    xt.fill(order_id, 100, 10.0)
    wait_until(lambda: "on_stock_asset" in hostile.names())
    assert len(problems) == 2 and "deadlock" in str(problems[0])


def test_disconnect_kills_the_trader(connected: Any, xt: ModuleType) -> None:
    trader, recorder, account = connected
    xt.disconnect()
    wait_until(lambda: recorder.names() == ["on_disconnected"])
    assert recorder.seen[0][2].startswith("xttrader-push-")
    assert xt.TRADERS == []
    assert trader.order_stock(account, "600000.SH", 23, 100, 11, 10.0) == -1
    assert trader.order_stock_async(account, "600000.SH", 23, 100, 11, 10.0) == -1
    assert trader.query_stock_asset(account) is None
    assert trader.query_stock_orders(account) is None
    assert trader.connect() == -1  # one-shot


def test_hangs_until_reset_and_returns(connected: Any, xt: ModuleType) -> None:
    trader, _, account = connected
    xt.RETURNS["order_stock"] = -1
    assert trader.order_stock(account, "600000.SH", 23, 100, 11, 10.0) == -1
    assert trader.query_stock_orders(account) == []
    xt.HANGS.add("query_stock_asset")
    answers: list[Any] = []
    thread = threading.Thread(target=lambda: answers.append(trader.query_stock_asset(account)), daemon=True)
    thread.start()
    thread.join(0.2)
    assert thread.is_alive()
    xt.reset()
    thread.join(1)
    assert answers == [None]
    assert ("query_stock_asset", (account,)) not in xt.CALLS  # reset forgot it
