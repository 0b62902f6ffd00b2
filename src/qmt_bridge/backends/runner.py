"""The one path every backend call takes: a few worker threads with a per-call timeout."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger("qmt_bridge.runner")


class BackendCallTimeout(TimeoutError):
    """A backend call did not finish within its timeout."""

    def __init__(self, name: str, timeout: float) -> None:
        super().__init__(f"backend call {name} did not answer within {timeout:g} s")
        self.name = name
        self.timeout = timeout


class BackendCallFailed(RuntimeError):
    """A backend call raised; the original exception is ``__cause__``."""

    def __init__(self, name: str, error: BaseException) -> None:
        # An OSError's text names files on the server; clients get the reason, the log gets the rest.
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        super().__init__(f"{name} failed: {type(error).__name__}: {reason}")
        self.name = name
        self.error = error


class BackendRunner:
    """Runs blocking xtquant calls off the event loop.

    ``concurrency`` worker threads take calls from one queue, so at most that many run at once (xtquant is
    not thread-safe; the real backend uses 1). A call that exceeds ``timeout`` raises
    :class:`BackendCallTimeout`; a call still queued when its caller gave up is dropped, and a running one
    is abandoned, not killed, so a hung native call costs one worker rather than the server.

    Why not ``loop.run_in_executor`` + ``asyncio.wait_for``: for the small calls that dominate (one
    snapshot, one instrument) that pair costs several times the call itself; a plain queue and one
    ``call_soon_threadsafe`` per result is the cheapest hop between the loop and a thread.
    """

    def __init__(self, concurrency: int, timeout: float) -> None:
        self.concurrency = concurrency
        self.timeout = timeout
        self._queue: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._closed = False
        # Daemon threads: a hung native call must not keep the process alive at exit.
        self._workers = [
            threading.Thread(target=self._work, name=f"backend-{i}", daemon=True) for i in range(concurrency)
        ]
        for worker in self._workers:
            worker.start()

    async def call(self, fn: Callable[..., T], *args: Any, timeout: float | None = None, **kwargs: Any) -> T:
        limit = self.timeout if timeout is None else timeout
        name = getattr(fn, "__name__", repr(fn))
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Call(loop, future, name, fn, args, kwargs))
        expiry = loop.call_later(limit, _expire, future, name, limit)
        try:
            return await future
        finally:
            expiry.cancel()

    def shutdown(self) -> None:
        """Stop the workers; calls still queued are dropped (a call already running finishes on its own)."""
        self._closed = True
        for _ in self._workers:
            self._queue.put(None)

    def _work(self) -> None:
        while (call := self._queue.get()) is not None:
            # The caller timed out or went away while the call was queued: it must not run later. (Reading
            # done() from this thread is a plain attribute read; at worst a call given up a moment ago runs.)
            if self._closed or call.future.done():
                continue
            try:
                outcome: Any = call.fn(*call.args, **call.kwargs)
                settle = _resolve
            except Exception as exc:  # wrapped so the server can tell backend failures from its own bugs
                failure = BackendCallFailed(call.name, exc)
                failure.__cause__ = exc
                outcome, settle = failure, _reject
            try:
                call.loop.call_soon_threadsafe(settle, call.future, outcome)
            except RuntimeError:  # the loop closed while the call ran (server shutting down)
                log.debug("dropped the result of %s: event loop closed", call.name)


class _Call:
    __slots__ = ("loop", "future", "name", "fn", "args", "kwargs")

    """One queued call and the loop future its result goes to."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
        name: str,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        self.loop = loop
        self.future = future
        self.name = name
        self.fn = fn
        self.args = args
        self.kwargs = kwargs


def _resolve(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _reject(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


def _expire(future: asyncio.Future[Any], name: str, limit: float) -> None:
    if not future.done():
        future.set_exception(BackendCallTimeout(name, limit))
