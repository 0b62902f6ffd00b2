"""Waiting for the callback that answers an xttrader ``*_async`` call, matched by its ``seq``.

Some trader calls answer only through a callback: ``smart_algo_order_async`` returns a ``seq`` and the task
id comes later in ``on_smart_algo_order_async_response`` (its ``seq`` attribute names the request);
``cancel_smart_algo_task_async`` likewise through ``on_operate_smart_task_async_response``. The callback may
come before the call has even returned its ``seq`` to us (the trader's push thread races the call's), so a
response nobody waits for yet is kept for a while and handed to the waiter that asks for it.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

#: Event kinds that answer an async call; they resolve waiters and are not trade events of an account.
RESPONSE_KINDS = frozenset({"algo_order_response", "algo_task_response"})
#: Responses that came before anyone asked for them: kept this long, at most this many.
EARLY_SECONDS = 60.0
EARLY_MAX = 256


class AsyncResponses:
    """Responses by ``(kind, seq)``, on the event loop (``resolve`` is called there, as ``on_event`` is)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._waiting: dict[tuple[str, int], asyncio.Future[Mapping[str, Any]]] = {}
        self._early: OrderedDict[tuple[str, int], tuple[float, Mapping[str, Any]]] = OrderedDict()

    def resolve(self, kind: str, data: Mapping[str, Any]) -> None:
        """A response came: to its waiter, or kept until one asks (a response without a ``seq`` is dropped)."""
        try:
            key = (kind, int(data["seq"]))
        except (KeyError, TypeError, ValueError):
            return
        waiter = self._waiting.pop(key, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(data)
            return
        self._early[key] = (self._clock(), data)
        self._early.move_to_end(key)
        self._trim()

    async def wait(self, kind: str, seq: int, timeout: float) -> Mapping[str, Any] | None:
        """The response of kind ``kind`` to ``seq``, or None when none came within ``timeout`` seconds."""
        key = (kind, seq)
        self._trim()
        early = self._early.pop(key, None)
        if early is not None:
            return early[1]
        waiter = self._waiting[key] = asyncio.get_running_loop().create_future()
        try:
            return await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            self._waiting.pop(key, None)

    def _trim(self) -> None:
        horizon = self._clock() - EARLY_SECONDS
        while self._early and (len(self._early) > EARLY_MAX or next(iter(self._early.values()))[0] < horizon):
            self._early.popitem(last=False)
