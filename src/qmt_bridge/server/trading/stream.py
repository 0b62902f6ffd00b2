"""Fan-out of journaled trade events to ``/ws/trade`` connections, with resume from a sequence number.

Trade events are never conflated or dropped: each subscriber has a queue bounded at :data:`MAX_QUEUE`
events; a subscriber that lets it fill is cut off (``overflowed``) and its connection closed, and the
client resumes from the last sequence number it saw, replayed from the journal.

Resume without gap or repeat: a subscription is registered and its ``floor`` (the journal's last sequence
number) taken in one step on the event loop, where events are also journaled and published. Events up to
the floor come from the journal, in pages; events after it from the queue.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator

from qmt_bridge.server.trading.journal import Journal, JournalEvent

MAX_QUEUE = 10_000
REPLAY_PAGE = 500


class Subscription:
    """One connection's view of the event stream."""

    def __init__(self, stream: TradeStream, since: int | None, account_id: str | None, floor: int) -> None:
        self._stream = stream
        self.account_id = account_id
        self.since = floor if since is None else min(since, floor)
        self.floor = floor
        self.overflowed = False
        self._queue: deque[JournalEvent] = deque()
        self._wakeup = asyncio.Event()
        self._closed = False

    def wants(self, event: JournalEvent) -> bool:
        return self.account_id is None or event.account_id in (self.account_id, "")

    def offer(self, event: JournalEvent) -> None:
        if self._closed or not self.wants(event):
            return
        if len(self._queue) >= MAX_QUEUE:
            self.overflowed = True
            self.close()
            return
        self._queue.append(event)
        self._wakeup.set()

    @property
    def backlog(self) -> int:
        return len(self._queue)

    def close(self) -> None:
        self._closed = True
        self._wakeup.set()
        self._stream.discard(self)

    async def events(self) -> AsyncIterator[JournalEvent]:
        """Replayed events after ``since`` up to the floor, then live ones, until :meth:`close`."""
        after = self.since
        while after < self.floor and not self._closed:
            page = self._stream.journal.events_after(
                after, until=self.floor, account_id=self.account_id, limit=REPLAY_PAGE
            )
            if not page:
                break
            for event in page:
                yield event
            after = page[-1].seq
        while not self._closed:
            while self._queue:
                yield self._queue.popleft()
            if self._closed:
                break
            self._wakeup.clear()
            await self._wakeup.wait()


class TradeStream:
    """All live subscriptions; :meth:`publish` is called on the loop for each journaled event."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._subscriptions: set[Subscription] = set()

    def subscribe(self, since: int | None = None, account_id: str | None = None) -> Subscription:
        """A new subscription: events after ``since`` (None: only those from now on)."""
        subscription = Subscription(self, since, account_id, self.journal.last_seq())
        self._subscriptions.add(subscription)
        return subscription

    def discard(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    def publish(self, event: JournalEvent) -> None:
        for subscription in list(self._subscriptions):
            subscription.offer(event)

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)

    def close_all(self) -> None:
        for subscription in list(self._subscriptions):
            subscription.close()
