"""The one path every backend call takes: a few worker threads with a per-call timeout."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger("qmt_bridge.runner")


class BackendCallTimeout(TimeoutError):
    """A backend call did not finish within its timeout, or (``queued``) did not get a worker within it."""

    def __init__(self, name: str, timeout: float, *, queued: bool = False) -> None:
        if queued:
            message = (
                f"backend call {name} waited {timeout:g} s for a free backend worker "
                "(all busy with earlier calls) and was not run"
            )
        else:
            message = f"backend call {name} did not answer within {timeout:g} s"
        super().__init__(message)
        self.name = name
        self.timeout = timeout
        self.queued = queued


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
    not thread-safe; the real backend uses 1). ``timeout`` bounds a call's own running time, counted from
    when a worker starts it, so that a small call queued behind large ones is not blamed for their time; it
    also bounds the wait for a worker, so that calls do not pile up behind a hung one. Either raises
    :class:`BackendCallTimeout`. A call still queued when its caller gave up is dropped, and a running one
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
        call = _Call(loop, future, name, fn, args, kwargs)
        self._queue.put(call)
        # One timer per call, moved on (by the loop, when it fires) if a worker has started the call
        # meanwhile: no second wake-up of the loop per call.
        call.expiry = loop.call_later(limit, _expire, call, limit)
        try:
            return await future
        finally:
            call.expiry.cancel()

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
            call.started = time.monotonic()
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
    """One queued call, the loop future its result goes to, and its timeout's timer."""

    __slots__ = ("loop", "future", "name", "fn", "args", "kwargs", "started", "expiry")

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
        #: ``time.monotonic()`` when a worker started the call (written by the worker); None while queued.
        self.started: float | None = None
        self.expiry: asyncio.TimerHandle | None = None


def _resolve(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _reject(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


def _expire(call: _Call, limit: float) -> None:
    if call.future.done():
        return
    started = call.started
    if started is None:
        call.future.set_exception(BackendCallTimeout(call.name, limit, queued=True))
        return
    remaining = started + limit - time.monotonic()
    if remaining > 0:
        call.expiry = call.loop.call_later(remaining, _expire, call, limit)
    else:
        call.future.set_exception(BackendCallTimeout(call.name, limit))
