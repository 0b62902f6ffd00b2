"""What waits to be sent to one WebSocket client: bounded, in arrival order, quotes conflated.

A slow client must neither slow the others nor make the server's memory grow. Each client has an outbox
its own sender task drains; the hub only puts into it, never waits. What is put:

- control messages (status, error, snapshot, heartbeat, pong): kept, in order;
- stream data under a *conflation key*: a newer value with the same key replaces the waiting one in its
  place. Ticks of a code share one key (the newest snapshot is what counts); K-line pushes are keyed by
  their bars' times, so a forming bar's updates conflate but a completed bar is never replaced by the next
  one; whole-market pushes merge per code.

Past ``limit`` waiting entries the outbox is *overflowing*: the connection closes it with
``CLOSE_SLOW_CONSUMER`` rather than queue without bound.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from qmt_bridge.server.responses import dumps

#: Where a data fragment's payload starts (the last member of every fragment the hub builds).
_DATA_MEMBER = b'"data":'


class _Merged:
    """Whole-market snapshots by code waiting under one key (merged: the newest per code)."""

    __slots__ = ("prefix", "snapshots", "encoded")

    def __init__(self, prefix: bytes, snapshots: dict[str, Any], encoded: bytes) -> None:
        self.prefix = prefix
        self.snapshots = snapshots
        self.encoded: bytes | None = encoded


class Outbox:
    """Messages for one client. Not thread-safe: used on the event loop only."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._controls = itertools.count()
        self._ready = asyncio.Event()
        #: Data values replaced before they were sent (conflated).
        self.conflated = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def overflowing(self) -> bool:
        return len(self._items) > self.limit

    def control(self, body: dict[str, Any]) -> None:
        """A message that is never conflated (its ``seq`` is added when sent)."""
        self._items[("control", next(self._controls))] = body
        self._ready.set()

    def control_fragment(self, fragment: bytes) -> None:
        """A control message already encoded as its members (``b'"type":"snapshot",...,"data":...'``,
        without braces and ``seq``; ``data`` last): kept and in order, as :meth:`control`."""
        self._items[("control", next(self._controls))] = fragment
        self._ready.set()

    def data(self, key: Hashable, fragment: bytes) -> None:
        """Encoded message members (``b'"type":"data",...'``, without braces and ``seq``) under ``key``."""
        if key in self._items:
            self.conflated += 1
        self._items[key] = fragment
        self._ready.set()

    def merge(self, key: Hashable, prefix: bytes, snapshots: dict[str, Any], encoded: bytes) -> None:
        """Whole-market snapshots: ``prefix`` holds the members before ``"data":``; ``encoded`` is
        ``snapshots`` encoded (shared by every client whose filter gave the same snapshots)."""
        waiting = self._items.get(key)
        if isinstance(waiting, _Merged):
            self.conflated += len(waiting.snapshots.keys() & snapshots.keys())
            waiting.snapshots = {**waiting.snapshots, **snapshots}
            waiting.encoded = None
            waiting.prefix = prefix  # the newest push's ``pushed``, as a replaced tick has
        else:
            self._items[key] = _Merged(prefix, snapshots, encoded)
        self._ready.set()

    async def wait(self) -> None:
        """Until something is waiting."""
        while not self._items:
            self._ready.clear()
            await self._ready.wait()

    def pop(self, seq: int) -> list[bytes | memoryview] | None:
        """The oldest waiting message, encoded with ``seq``, as parts to be joined (a whole-market body is
        megabytes shared by every client: it is not copied here); None when empty."""
        if not self._items:
            return None
        _, value = self._items.popitem(last=False)
        head = b'{"seq":%d,' % seq
        if isinstance(value, dict):
            return [head, memoryview(dumps(value))[1:]]  # a view: a whole-market snapshot is megabytes
        if isinstance(value, _Merged):
            encoded = value.encoded if value.encoded is not None else dumps(value.snapshots)
            return [head, value.prefix, b',"data":', encoded, b"}"]
        return [head, value, b"}"]

    def pop_raw(self) -> bytes | dict[str, Any] | None:
        """The oldest waiting entry for a raw client: a push as xtquant's payload alone (bytes), a control
        message as it is (dict); None when empty."""
        if not self._items:
            return None
        _, value = self._items.popitem(last=False)
        if isinstance(value, dict):
            return value
        if isinstance(value, _Merged):
            return value.encoded if value.encoded is not None else dumps(value.snapshots)
        return value[value.index(_DATA_MEMBER) + len(_DATA_MEMBER) :]
