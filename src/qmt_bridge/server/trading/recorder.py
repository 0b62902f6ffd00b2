"""Trader events into the journal and out to ``/ws/trade``, each with the ``client_order_id`` of its order.

An order's first events can arrive before ``order_stock`` has returned its order id (the simulator and
MiniQMT both push while the call is in flight), and until then the journal cannot say which
``client_order_id`` they belong to. So while an order call is in flight (:meth:`EventRecorder.call_started`)
events are held, at most :data:`HOLD_SECONDS`, and released in their order once the call's outcome is
journaled (:meth:`EventRecorder.call_finished`).

The recorder also remembers the latest state of each order it has seen, and rejections reported apart from
the order (``on_order_error``), for the answers of the order endpoints.
"""

from __future__ import annotations

import asyncio
from typing import Any

from qmt_bridge.server.trading.events import TradeEvent
from qmt_bridge.server.trading.journal import Journal
from qmt_bridge.server.trading.orders import order_view
from qmt_bridge.server.trading.stream import TradeStream

HOLD_SECONDS = 0.5

#: Event kinds that concern one order (their data has ``order_id``).
ORDER_KINDS = ("order", "order_error", "trade", "cancel_error", "order_response")

OrderKey = tuple[str, int]  # (account_id, order_id)


class EventRecorder:
    """Journals and publishes trader events, on the event loop."""

    def __init__(self, journal: Journal, stream: TradeStream) -> None:
        self.journal = journal
        self.stream = stream
        #: Latest xtquant fields of each order seen in events.
        self.orders: dict[OrderKey, dict[str, Any]] = {}
        #: Rejections reported apart from the order (on_order_error): message by order.
        self.errors: dict[OrderKey, str] = {}
        #: client_order_id by order, as the service learns them (else looked up in the journal).
        self.client_order_ids: dict[OrderKey, str] = {}
        self._seen: dict[OrderKey, asyncio.Event] = {}
        self._calls_in_flight = 0
        self._held: list[TradeEvent] = []
        self._hold_timer: asyncio.TimerHandle | None = None

    def call_started(self) -> None:
        """An order call is going out: hold events until :meth:`call_finished`."""
        self._calls_in_flight += 1

    def call_finished(self) -> None:
        """The call's outcome is journaled: release the held events."""
        self._calls_in_flight -= 1
        self._release()

    async def wait_for_order(self, key: OrderKey, timeout: float) -> None:
        """Wait (at most ``timeout``) until the first order or order_error event of ``key`` was recorded."""
        if key in self.orders or key in self.errors:
            return
        seen = self._seen.setdefault(key, asyncio.Event())
        try:
            await asyncio.wait_for(seen.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            self._seen.pop(key, None)

    def on_event(self, event: TradeEvent) -> None:
        """A trader event, on the loop: held while an order call is in flight, else recorded."""
        if self._calls_in_flight:
            self._held.append(event)
            if self._hold_timer is None:
                self._hold_timer = asyncio.get_running_loop().call_later(HOLD_SECONDS, self._release)
            return
        self._record(event)

    def _release(self) -> None:
        if self._hold_timer is not None:
            self._hold_timer.cancel()
            self._hold_timer = None
        held, self._held = self._held, []
        with self.journal.transaction():
            for event in held:
                self._record(event)

    def _client_order_id(self, key: OrderKey) -> str | None:
        coid = self.client_order_ids.get(key)
        if coid is None:
            coid = self.journal.client_order_ids(key[0], [key[1]]).get(key[1])
            if coid is not None:
                self.client_order_ids[key] = coid
        return coid

    def _record(self, event: TradeEvent) -> None:
        data = dict(event.data)
        account = event.account_id
        if event.kind in ORDER_KINDS:
            order_id = int(data.get("order_id") or 0)
            key = (account, order_id)
            if event.kind == "order_error" and order_id > 0:
                self.errors[key] = str(data.get("error_msg") or "rejected")
            coid = self._client_order_id(key) if order_id > 0 else None
            if event.kind == "order":
                self.orders[key] = data
                data = order_view(data, coid, self.errors.get(key))
            elif coid is not None or "client_order_id" not in data:
                data["client_order_id"] = coid
            if event.kind in ("order", "order_error") and (seen := self._seen.get(key)) is not None:
                seen.set()
        self.stream.publish(self.journal.append_event(event.kind, account, data))
