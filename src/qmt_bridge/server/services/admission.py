"""Admission of heavy requests: a bounded number at once, per server and per client address.

A heavy request (a bulk K-line/tick answer past ``settings.heavy_rows`` estimated rows) takes a slot for
as long as it is being answered. When the server's slots (``max_heavy_requests``) or the client's own
(``max_heavy_per_client``) are taken, it waits up to ``heavy_wait`` seconds for one, then is refused:
429 when the client holds its own limit, 503 when the server is busy with others' requests, both with
``Retry-After``. Light requests never come here, so they are never queued behind heavy ones.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter

from qmt_bridge.server.errors import BridgeError


class Busy(BridgeError):
    """A heavy request refused for want of a slot (429 or 503, with ``Retry-After``)."""

    def __init__(self, status: int, code: str, message: str, *, retry_after: float, limit: int) -> None:
        super().__init__(message, details={"limit": limit, "retry_after": retry_after}, code=code)
        self.status_code = status
        self.headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}


class Slot:
    """One admitted heavy request; :meth:`release` (idempotent) gives the slot back."""

    def __init__(self, admission: Admission, client: str) -> None:
        self._admission = admission
        self._client = client
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._admission._leave(self._client)


class Admission:
    """Slots of heavy requests. Used on the event loop only."""

    def __init__(self, per_server: int, per_client: int, wait: float) -> None:
        self.per_server = per_server
        self.per_client = per_client
        self.wait = wait
        self.running = 0
        self.by_client: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self._waiters: set[asyncio.Future[None]] = set()

    def _free(self, client: str) -> bool:
        return self.running < self.per_server and self.by_client[client] < self.per_client

    async def enter(self, client: str) -> Slot:
        """A slot for a heavy request of ``client`` (its address), waiting up to :attr:`wait` seconds;
        raises :class:`Busy` when none came free."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        while not self._free(client):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise self._refusal(client)
            woken: asyncio.Future[None] = loop.create_future()
            self._waiters.add(woken)
            try:
                await asyncio.wait_for(woken, remaining)
            except asyncio.TimeoutError:
                pass
            finally:
                self._waiters.discard(woken)
        self.running += 1
        self.by_client[client] += 1
        return Slot(self, client)

    def _refusal(self, client: str) -> Busy:
        retry = max(1.0, self.wait)
        if self.by_client[client] >= self.per_client:
            self.refused["client"] += 1
            return Busy(
                429, "too_many_requests",
                f"this client already has {self.by_client[client]} large data request(s) running (limit "
                f"{self.per_client}); wait for them, or ask for fewer codes or a shorter range at a time",
                retry_after=retry, limit=self.per_client,
            )  # fmt: skip
        self.refused["server"] += 1
        return Busy(
            503, "server_busy",
            f"the server is answering {self.running} large data request(s) (limit {self.per_server}) and "
            f"none finished within {self.wait:g} s; try again later",
            retry_after=retry, limit=self.per_server,
        )  # fmt: skip

    def _leave(self, client: str) -> None:
        self.running -= 1
        self.by_client[client] -= 1
        if self.by_client[client] <= 0:
            del self.by_client[client]
        for woken in self._waiters:  # each waiter looks again whether a slot it may take is free
            if not woken.done():
                woken.set_result(None)
