"""The trader manager over the real backend's loaders and the fake ``xtquant.xttrader``: real threads, a
real asyncio loop, nothing of ours mocked."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from qmt_bridge.backends.xtquant import XtquantBackend
from qmt_bridge.server.trading.events import TradeEvent, to_event
from qmt_bridge.server.trading.manager import (
    TraderCallTimeout,
    TraderManager,
    TraderUnavailable,
    new_session_id,
)

ACCOUNTS = ["1000001", "1000002"]
DELAYS = (0.02, 0.05)


class Harness:
    """A manager on the running loop; its events, and the thread each arrived on."""

    def __init__(self, **options: Any) -> None:
        self.events: list[TradeEvent] = []
        self.threads: set[str] = set()
        self.loop_errors: list[dict[str, Any]] = []
        options = {"call_timeout": 1.0, "reconnect_delays": DELAYS, **options}
        self.manager = TraderManager(
            XtquantBackend(),
            path=r"C:\QMT\userdata_mini",
            account_ids=ACCOUNTS,
            on_event=self._on_event,
            **options,
        )

    def _on_event(self, event: TradeEvent) -> None:
        self.events.append(event)
        self.threads.add(threading.current_thread().name)

    def connection_states(self) -> list[str]:
        return [e.data["state"] for e in self.events if e.kind == "connection"]

    def kinds(self, skip_connection: bool = True) -> list[str]:
        return [e.kind for e in self.events if not (skip_connection and e.kind == "connection")]

    async def until(self, predicate: Callable[[], Any], timeout: float = 3.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, (
                f"timed out; events: {[(e.kind, dict(e.data)) for e in self.events]}"
            )
            await asyncio.sleep(0.005)


def run(test: Callable[[Harness], Awaitable[None]], **options: Any) -> Harness:
    """Run ``test(harness)`` on a fresh loop with the manager started; stop it afterwards."""

    async def main() -> Harness:
        asyncio.get_running_loop().set_exception_handler(
            lambda _, context: harness.loop_errors.append(context)
        )
        harness = Harness(**options)
        await harness.manager.start()
        try:
            await test(harness)
        finally:
            await harness.manager.stop()
        return harness

    harness = asyncio.run(main())
    assert harness.loop_errors == []
    return harness


@pytest.fixture
def xt(fake_xttrader: ModuleType) -> Iterator[ModuleType]:
    yield fake_xttrader


def test_start_builds_connects_and_subscribes_off_the_loop(xt: ModuleType) -> None:
    async def test(h: Harness) -> None:
        loop = asyncio.get_running_loop()
        assert asyncio.get_event_loop_policy().get_event_loop() is loop  # the trader did not replace it
        state = h.manager.state
        assert state["connected"] and state["last_error"] is None and state["accounts"] == ACCOUNTS
        assert [name for name, _ in xt.CALLS] == [
            "XtQuantTrader",
            "register_callback",
            "start",
            "connect",
            "subscribe",
            "subscribe",
        ]
        assert [args[0].account_id for name, args in xt.CALLS if name == "subscribe"] == ACCOUNTS
        (trader,) = xt.TRADERS
        assert trader.session == state["session_id"] and 0 < trader.session < 2**31
        assert trader.constructed_on.startswith("qmt-trader-control")
        assert trader.constructed_on != threading.current_thread().name
        await h.until(lambda: h.events)
        assert h.events[0].kind == "connection" and dict(h.events[0].data) == {
            "state": "connected",
            "session_id": trader.session,
            "reason": None,
        }

    run(test)


def test_fill_events_arrive_on_the_loop_in_order(xt: ModuleType) -> None:
    async def test(h: Harness) -> None:
        account = h.manager.account("1000001")
        assert account is h.manager.account("1000001")
        order_id = await h.manager.call("order_stock", account, "600000.SH", 23, 1000, 11, 10.5, "s", "r")
        assert order_id > 0
        xt.fill(order_id, 400, 10.5)
        xt.fill(order_id, 600, 10.5)
        await h.until(lambda: len(h.kinds()) == 9)
        assert h.kinds() == ["order", *["order", "trade", "position", "asset"] * 2]
        orders = [e.data for e in h.events if e.kind == "order"]
        assert [o["order_status"] for o in orders] == [50, 55, 56]
        assert h.threads == {threading.current_thread().name}
        trade = next(e for e in h.events if e.kind == "trade")
        assert trade.account_id == "1000001" and trade.data["traded_volume"] == 400
        json.dumps(dict(trade.data))
        with pytest.raises(TypeError):
            trade.data["traded_volume"] = 1  # type: ignore[index]

    run(test)


def test_reject_is_an_order_error_then_status_57(xt: ModuleType) -> None:
    async def test(h: Harness) -> None:
        account = h.manager.account("1000002")
        order_id = await h.manager.call("order_stock", account, "600000.SH", 23, 100, 11, 10.5)
        xt.reject(order_id, "资金不足")
        await h.until(lambda: len(h.kinds()) == 3)
        assert h.kinds() == ["order", "order_error", "order"]
        error, junk = h.events[-2:]
        assert (error.data["order_id"], error.data["error_msg"]) == (order_id, "资金不足")
        assert (junk.data["order_status"], junk.data["status_msg"]) == (57, "资金不足")

    run(test)


def test_refused_at_start_then_connects_with_a_new_session(xt: ModuleType) -> None:
    xt.CONNECTED = False

    async def test(h: Harness) -> None:
        state = h.manager.state
        assert not state["connected"] and "connect() returned -1" in state["last_error"]
        refused = xt.CREATED[0].session
        assert str(refused) in state["last_error"]
        await h.until(lambda: len(xt.CREATED) >= 4)  # retrying...
        assert h.connection_states() == ["reconnecting"]  # ...but announced once
        xt.CONNECTED = True
        # the state flips before the "connected" event reaches the listeners (a hop to the loop): wait for both
        await h.until(lambda: h.manager.state["connected"] and "connected" in h.connection_states())
        state = h.manager.state
        assert state["session_id"] != refused and state["reconnects"] == 1 and state["last_error"] is None
        assert h.connection_states() == ["reconnecting", "connected"]
        assert all(trader.loop.is_closed() for trader in xt.CREATED[:-1])  # the refused ones were stopped

    run(test)


def test_disconnect_mid_session_reconnects_and_resubscribes(xt: ModuleType) -> None:
    async def test(h: Harness) -> None:
        first = h.manager.state["session_id"]
        old = xt.TRADERS[0]
        xt.disconnect()
        await h.until(lambda: h.connection_states().count("connected") == 2)
        assert h.connection_states() == ["connected", "disconnected", "reconnecting", "connected"]
        disconnected = next(e for e in h.events if e.data.get("state") == "disconnected")
        assert disconnected.data["session_id"] == first
        (new,) = xt.TRADERS
        assert new.session == h.manager.state["session_id"] != first
        assert new.subscribed == set(ACCOUNTS)
        await h.until(lambda: old.loop.is_closed())  # the old trader was stopped
        asset = await h.manager.call("query_stock_asset", h.manager.account("1000001"))
        assert asset.cash == 1_000_000

    run(test)


def test_a_hung_call_times_out_and_later_calls_do_not_queue_behind_it(xt: ModuleType) -> None:
    async def test(h: Harness) -> None:
        account = h.manager.account("1000001")
        xt.HANGS.add("query_stock_positions")
        hung = asyncio.ensure_future(h.manager.call("query_stock_positions", account, timeout=0.2))
        await asyncio.sleep(0.05)
        queued = asyncio.ensure_future(h.manager.call("query_stock_orders", account, False, timeout=2))
        with pytest.raises(TraderCallTimeout, match="query_stock_positions did not answer within 0.2 s"):
            await hung
        assert await queued == []  # moved to a fresh call thread when the stuck one was abandoned
        # Queued behind the stuck call it would time out (TraderCallTimeout): answering is the proof.
        asset = await h.manager.call("query_stock_asset", account)
        assert asset is not None
        assert h.manager.state["stuck_threads"] == 1
        assert [name for name, _ in xt.CALLS].count("query_stock_positions") == 1  # never retried

    run(test)


def test_a_hung_connect_is_abandoned_and_retried(xt: ModuleType) -> None:
    xt.HANGS.add("connect")

    async def test(h: Harness) -> None:
        assert "connect did not answer within 0.2 s" in h.manager.state["last_error"]
        xt.HANGS.discard("connect")
        await h.until(lambda: h.manager.state["connected"])
        assert len(xt.CREATED) == 2

    run(test, call_timeout=0.2)


def test_calls_while_disconnected_raise_unavailable(xt: ModuleType) -> None:
    async def test(h: Harness) -> None:
        account = h.manager.account("1000001")
        assert await h.manager.call("query_stock_orders", account) == []
        xt.disconnect(stay_down=True)
        await h.until(lambda: not h.manager.state["connected"])
        with pytest.raises(TraderUnavailable, match="connection lost"):
            await h.manager.call("query_stock_orders", account)
        assert h.manager.state["calls_in_flight"] == 0

    run(test)


def test_stop_is_idempotent_and_leaves_no_threads(xt: ModuleType) -> None:
    existing = {t.ident for t in threading.enumerate()}  # threads of other tests are not this one's to judge
    before = {t.ident for t in threading.enumerate() if not t.daemon}

    async def test(h: Harness) -> None:
        await h.manager.call("query_stock_asset", h.manager.account("1000001"))
        await h.manager.stop()
        await h.manager.stop()
        with pytest.raises(TraderUnavailable, match="stopped"):
            await h.manager.call("query_stock_asset", h.manager.account("1000001"))
        assert h.connection_states() == ["connected", "disconnected"]
        assert h.manager.state["connected"] is False

    run(test)
    ours = [
        t.name
        for t in threading.enumerate()
        if t.ident not in existing and t.name.startswith(("qmt-trader", "xttrader-push"))
    ]
    assert ours == []
    assert {t.ident for t in threading.enumerate() if not t.daemon} <= before
    assert xt.TRADERS == [] and all(trader.loop.is_closed() for trader in xt.CREATED)


def test_account_refuses_ids_it_does_not_trade(xt: ModuleType) -> None:
    manager = TraderManager(XtquantBackend(), path="x", account_ids=ACCOUNTS, on_event=lambda e: None)
    with pytest.raises(ValueError, match="unknown account '999'"):
        manager.account("999")


def test_session_ids_are_unique_positive_int32() -> None:
    ids = [new_session_id() for _ in range(999)]
    assert len(set(ids)) == len(ids)
    assert all(0 < i < 2**31 for i in ids)


def test_to_event_copies_catalog_attributes_as_plain_values() -> None:
    class NativeOrder:
        account_id = "1000001"
        account_type = 2
        order_id = np.int64(7)
        price = np.float64(10.5)
        status_msg = b"\xd7\xca\xbd\xf0\xb2\xbb\xd7\xe3"  # 资金不足 in GBK
        m_nOrderID = 7  # native-only names are not copied

        def order_status(self) -> int:  # methods are not data
            return 50

    event = to_event("order", NativeOrder())
    assert event.account_id == "1000001"
    assert dict(event.data) == {
        "account_type": 2,
        "account_id": "1000001",
        "order_id": 7,
        "price": 10.5,
        "status_msg": "资金不足",
    }
    assert type(event.data["order_id"]) is int
    assert to_event("asset", None).data == {}
    with pytest.raises(ValueError):
        to_event("connection", NativeOrder())
