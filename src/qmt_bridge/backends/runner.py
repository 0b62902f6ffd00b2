"""The one path every backend call takes: worker threads with a per-call timeout, in two lanes."""

from __future__ import annotations

import asyncio
import collections
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from qmt_bridge.backends.base import BackendUnavailableError

T = TypeVar("T")

log = logging.getLogger("qmt_bridge.runner")


_running = threading.local()


def current_call_limit() -> float | None:
    """The timeout of the runner call running on this thread (None off the runner's workers): how long a
    backend in another process may take before it counts as hung (``isolation.supervisor``)."""
    return getattr(_running, "limit", None)


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
    """Runs blocking xtquant calls off the event loop, interactive calls first.

    Interactive calls (the default) are taken in FIFO order by ``concurrency`` worker threads, so at most
    that many run at once (xtquant is not thread-safe; the real backend uses 1). Background calls
    (``call(..., background=True)``: the pre-download, history downloads) never delay them by more than one
    call:

    * With ``background_lane`` (the default) they have a queue and a worker thread of their own, so they
      run one at a time *beside* the interactive calls: on the real backend, one background call may run
      while the one interactive call runs. Why that is safe enough: xtquant's long downloads are requests to
      the MiniQMT service, not work in the Python client. ``download_history_data2`` (which
      ``download_sector_data`` and, on a current MiniQMT, ``download_etf_info`` go through) sends
      ``supply_history_data2`` with a progress callback and then waits in a Python loop
      (``while not done and client.is_connected(): time.sleep(0.1)``), holding neither the GIL nor a native
      call between its ``is_connected()`` checks; the native client (8 network and 8 dispatcher threads,
      ``xtdata.ini``) answers other threads meanwhile, as it delivers pushes from its own threads during any
      call. The other reference-data downloads are single requests to the service
      (``requestTimeoutSecond=150``). Whether the compiled client serialises two requests from two threads
      internally cannot be read from the wheel; at worst the interactive call waits inside the client as it
      would have waited in the queue. Background calls stay serialised among themselves, so MiniQMT sees at
      most one of them beside one interactive call.
    * Without it they wait in the interactive workers' queue, but a worker takes one only when no
      interactive call is waiting (a priority, not FIFO), and only one at a time: an interactive call then
      waits at most for the background call running when it arrived.

    ``timeout`` bounds a call's own running time, counted from when a worker starts it, so that a small call
    queued behind large ones is not blamed for their time; it also bounds the wait for a worker, so that
    calls do not pile up behind a hung one. Either raises :class:`BackendCallTimeout`. A call still queued
    when its caller gave up is dropped, and a running one is abandoned, not killed, so a hung native call
    costs one worker rather than the server.

    Why not ``loop.run_in_executor`` + ``asyncio.wait_for``: for the small calls that dominate (one
    snapshot, one instrument) that pair costs several times the call itself; a plain queue and one
    ``call_soon_threadsafe`` per result is the cheapest hop between the loop and a thread.
    """

    def __init__(self, concurrency: int, timeout: float, *, background_lane: bool = True) -> None:
        self.concurrency = concurrency
        self.timeout = timeout
        self.background_lane = background_lane
        # Interactive calls, None to stop a worker and, without the lane, _WAKE.
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = False
        #: The call each worker thread is running, by thread id (for :meth:`in_flight`).
        self._calls_running: dict[int, _Call] = {}
        if background_lane:
            self._background: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
            serve_interactive: Callable[..., None] = self._serve
            background_workers = 1
        else:
            # Background calls waiting for an idle interactive worker; deque appends and pops are atomic.
            self._deferred: collections.deque[_Call] = collections.deque()
            self._background_running = threading.Lock()
            serve_interactive = self._serve_interactive_then_background
            background_workers = 0
        # Daemon threads: a hung native call must not keep the process alive at exit.
        self._workers = [
            threading.Thread(target=serve_interactive, args=(self._queue,), name=f"backend-{i}", daemon=True)
            for i in range(concurrency)
        ]
        self._background_workers = [
            threading.Thread(
                target=self._serve, args=(self._background,), name=f"backend-background-{i}", daemon=True
            )
            for i in range(background_workers)
        ]
        for worker in self._workers + self._background_workers:
            worker.start()

    async def call(
        self,
        fn: Callable[..., T],
        *args: Any,
        timeout: float | None = None,
        background: bool = False,
        **kwargs: Any,
    ) -> T:
        """Run ``fn(*args, **kwargs)`` on a worker; ``background`` puts it behind every interactive call."""
        limit = self.timeout if timeout is None else timeout
        name = getattr(fn, "__name__", repr(fn))
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        call = _Call(loop, future, name, fn, args, kwargs, limit)
        self._submit(call, background)
        # One timer per call, moved on (by the loop, when it fires) if a worker has started the call
        # meanwhile: no second wake-up of the loop per call.
        call.expiry = loop.call_later(limit, _expire, call, limit)
        try:
            return await future
        finally:
            call.expiry.cancel()

    def in_flight(self) -> list[dict[str, Any]]:
        """The calls running now: their name and for how many seconds (a hung one shows here)."""
        now = time.monotonic()
        return [
            {"call": call.name, "seconds": round(now - call.started, 3)}
            for call in list(self._calls_running.values())
            if call.started is not None
        ]

    def shutdown(self) -> None:
        """Stop the workers of both lanes; queued calls are dropped (running ones finish on their own)."""
        self._closed = True
        for _ in self._workers:
            self._queue.put(None)
        for _ in self._background_workers:
            self._background.put(None)

    def _submit(self, call: _Call, background: bool) -> None:
        if not background:
            self._queue.put(call)
        elif self.background_lane:
            self._background.put(call)
        else:
            # Deferred first, then the wake-up: a worker that wakes always finds the call.
            self._deferred.append(call)
            self._queue.put(_WAKE)

    def _serve(self, calls: queue.SimpleQueue[Any]) -> None:
        """Run the calls of one queue until None (no _WAKE is queued while the lane is on)."""
        while (call := calls.get()) is not None:
            self._run(call)

    def _serve_interactive_then_background(self, calls: queue.SimpleQueue[Any]) -> None:
        """Without the lane: every waiting interactive call first, then one background call at a time."""
        while True:
            try:
                call = calls.get_nowait()
            except queue.Empty:
                if self._run_deferred():
                    continue
                call = calls.get()
            if call is None:
                return
            if call is not _WAKE:
                self._run(call)

    def _run_deferred(self) -> bool:
        """Run the oldest background call unless another worker is running one; True when one ran."""
        # A worker that finds the lock taken goes back to waiting: the holder looks again when it is done.
        if not self._deferred or not self._background_running.acquire(blocking=False):
            return False
        try:
            try:
                call = self._deferred.popleft()
            except IndexError:
                return False
            self._run(call)
            return True
        finally:
            self._background_running.release()

    def _run(self, call: _Call) -> None:
        # The caller timed out or went away while the call was queued: it must not run later. (Reading
        # done() from this thread is a plain attribute read; at worst a call given up a moment ago runs.)
        if self._closed or call.future.done():
            return
        call.started = time.monotonic()
        _running.limit = call.limit
        worker = threading.get_ident()
        self._calls_running[worker] = call
        try:
            outcome: Any = call.fn(*call.args, **call.kwargs)
            settle = _resolve
        except BackendUnavailableError as exc:  # a backend process being replaced: 503, not a failure
            outcome, settle = exc, _reject
        except Exception as exc:  # wrapped so the server can tell backend failures from its own bugs
            failure = BackendCallFailed(call.name, exc)
            failure.__cause__ = exc
            outcome, settle = failure, _reject
        finally:
            _running.limit = None
            self._calls_running.pop(worker, None)
        try:
            call.loop.call_soon_threadsafe(settle, call.future, outcome)
        except RuntimeError:  # the loop closed while the call ran (server shutting down)
            log.debug("dropped the result of %s: event loop closed", call.name)


#: Put on the interactive queue with each deferred background call, to wake an idle worker for it.
_WAKE = object()


class _Call:
    """One queued call, the loop future its result goes to, and its timeout's timer."""

    __slots__ = ("loop", "future", "name", "fn", "args", "kwargs", "limit", "started", "expiry")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
        name: str,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        limit: float,
    ) -> None:
        self.loop = loop
        self.future = future
        self.name = name
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.limit = limit
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
