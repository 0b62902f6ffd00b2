"""A trader's push thread: xtquant delivers every push of a trader serially on one worker thread.

:class:`PushThread` runs, in order, the callbacks queued with :meth:`PushThread.call` (``callback.<name>(*args)``
on the trader's current callback object) and the jobs queued with :meth:`PushThread.job` (async requests and
async query callbacks). An exception raised by a callback or job is logged and does not stop the thread.
Queueing never blocks, so the broker may queue while it holds its lock.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("qmt_bridge.sim.xttrader")

_STOP = object()


class PushThread:
    """See the module docstring. ``callback()`` returns the object whose methods the pushes call."""

    def __init__(self, name: str, callback: Callable[[], Any]) -> None:
        self.name = name
        self._callback = callback
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def call(self, name: str, *args: Any) -> None:
        """Queue ``callback.<name>(*args)``."""
        self._queue.put((name, args))

    def job(self, function: Callable[[], None]) -> None:
        """Queue ``function()``."""
        self._queue.put(function)

    def deliver(self, name: str, *args: Any) -> None:
        """Call ``callback.<name>(*args)`` now, logging what it raises (for jobs running on the thread)."""
        callback = self._callback()
        method = getattr(callback, name, None) if callback is not None else None
        if method is None:
            return
        try:
            method(*args)
        except Exception:
            log.exception("callback %s on %s raised", name, self.name)

    def stop(self) -> None:
        """End the thread after what is already queued (waits for it unless called from the thread)."""
        self._queue.put(_STOP)
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if callable(item):
                try:
                    item()
                except Exception:
                    log.exception("a queued request on %s failed", self.name)
            else:
                self.deliver(item[0], *item[1])
