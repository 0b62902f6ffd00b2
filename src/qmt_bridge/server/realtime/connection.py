"""One WebSocket client of the realtime endpoints: its outbox, its sender, its heartbeat.

The hub puts into the outbox (never waits); the sender task drains it, numbering messages with the
connection's ``seq``. A heartbeat goes out every :data:`~protocol.HEARTBEAT_SECONDS`; a client whose outbox
overflows, or that has not taken a message for ``slow_after`` seconds while some wait, is closed with
:data:`~protocol.CLOSE_SLOW_CONSUMER` (its subscriptions are released like any other client's).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Any

from starlette.websockets import WebSocket, WebSocketState

from qmt_bridge.server.realtime import frames, protocol
from qmt_bridge.server.realtime.outbox import Outbox
from qmt_bridge.server.responses import dumps

log = logging.getLogger("qmt_bridge.realtime")

#: Seconds a client may go without taking a waiting message before it is closed.
SLOW_AFTER = 60.0


class Subscriber:
    """A connected client: what the hub delivers to, and what its tasks send from."""

    def __init__(
        self,
        websocket: WebSocket,
        *,
        limit: int = 10_000,
        heartbeat: float = protocol.HEARTBEAT_SECONDS,
        slow_after: float = SLOW_AFTER,
        raw: bool = False,
        compact: bool = False,
    ) -> None:
        self.websocket = websocket
        #: qmt-bridge 2.1.3's format: payloads alone (see :mod:`.protocol`).
        self.raw = raw
        #: The ``compact`` format: whole-market snapshots as rows under ``fields`` (see :mod:`.protocol`).
        self.compact = compact
        self.outbox = Outbox(limit)
        self.heartbeat = heartbeat
        self.slow_after = slow_after
        self.seq = 0
        self.codes: set[tuple[str, str]] = set()
        self.closing: str | None = None
        self._progress = time.monotonic()
        self._tasks: list[asyncio.Task[None]] = []
        #: Pushes of streams whose snapshot is being fetched, by stream, in arrival order (see :meth:`hold`).
        self._held: dict[Hashable, OrderedDict[Hashable, bytes]] = {}

    # ------------------------------------------------------------------ what the hub calls (on the loop)

    def put_data(self, key: tuple[Hashable, Hashable], fragment: bytes) -> None:
        """A push under the conflation ``key``: ``(stream key, what conflates within the stream)``."""
        held = self._held.get(key[0])
        if held is not None:
            held[key] = fragment  # conflated as the outbox would
            return
        self.outbox.data(key, fragment)
        self._check_overflow()

    def hold(self, streams: Iterable[Hashable]) -> None:
        """Keep the pushes of ``streams`` back until :meth:`release`: a snapshot fetched after the upstream
        subscription began may be older than a push that arrives while it is fetched, and the client,
        applying messages in order, must not end with the older state (a completed bar overwritten by
        the forming one)."""
        for stream in streams:
            self._held.setdefault(stream, OrderedDict())

    def release(self, streams: Iterable[Hashable]) -> None:
        """Queue the held pushes of ``streams`` (after what was put meanwhile, such as the snapshot)."""
        for stream in streams:
            for key, fragment in self._held.pop(stream, {}).items():
                self.outbox.data(key, fragment)
        self._check_overflow()

    def merge_whole(self, prefix: bytes, snapshots: dict[str, Any], encoded: bytes) -> None:
        self.outbox.merge(("whole",), prefix, snapshots, encoded)
        self._check_overflow()

    def put_control(self, body: dict[str, Any]) -> None:
        self.outbox.control(body)
        self._check_overflow()

    def put_control_fragment(self, fragment: bytes) -> None:
        """A control message encoded once for many clients (see :meth:`.Outbox.control_fragment`)."""
        self.outbox.control_fragment(fragment)
        self._check_overflow()

    def _check_overflow(self) -> None:
        if self.outbox.overflowing and self.closing is None:
            self._close_soon(f"the client read too slowly: over {self.outbox.limit} messages waiting")

    # ------------------------------------------------------------------ tasks

    def start(self) -> None:
        self._progress = time.monotonic()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._send_forever()), loop.create_task(self._beat_forever())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _send_forever(self) -> None:
        if self.raw:
            await self._send_raw_forever()
            return
        write = frames.text_writer(self.websocket)
        while True:
            await self.outbox.wait()
            while (parts := self.outbox.pop(self.seq + 1)) is not None:
                self.seq += 1
                if not await write(parts):
                    return
                self._progress = time.monotonic()
            self._progress = time.monotonic()

    async def _send_raw_forever(self) -> None:
        """2.1.3's format: snapshots and pushes as xtquant's payloads; other control messages are not sent
        (its client hands every message to the callback), except an error, which closes the connection."""
        write = frames.text_writer(self.websocket)
        while True:
            await self.outbox.wait()
            while (item := self.outbox.pop_raw()) is not None:
                if isinstance(item, dict):
                    if item.get("type") == "error":
                        reason = protocol.close_reason(str(item["error"]["message"]))
                        asyncio.get_running_loop().create_task(self._close(protocol.CLOSE_BAD_AUTH, reason))
                        return
                    if item.get("type") != "snapshot":
                        continue
                    item = dumps(item["data"])
                if not await write((item,)):
                    return
                self._progress = time.monotonic()
            self._progress = time.monotonic()

    async def _beat_forever(self) -> None:
        step = min(self.heartbeat, self.slow_after / 4)
        next_beat = time.monotonic() + self.heartbeat
        while True:
            await asyncio.sleep(step)
            now = time.monotonic()
            if len(self.outbox) and now - self._progress > self.slow_after:
                self._close_soon(f"the client took no message for {self.slow_after:g} s")
                return
            if now >= next_beat and not self.raw:
                self.put_control({"type": "heartbeat", "time": int(time.time() * 1000)})
                next_beat = now + self.heartbeat

    def _close_soon(self, reason: str) -> None:
        self.closing = reason
        log.warning("realtime: closing a slow client: %s", reason)
        asyncio.get_running_loop().create_task(self._close(protocol.CLOSE_SLOW_CONSUMER, "slow consumer"))

    async def _close(self, code: int, reason: str) -> None:
        for task in self._tasks:
            task.cancel()
        if self.websocket.application_state != WebSocketState.DISCONNECTED:
            # The client may not read at all: do not wait for the close frame to go out.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.websocket.close(code=code, reason=reason), timeout=2.0)
