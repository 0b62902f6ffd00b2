"""The trader's threads: :class:`Lane`, one daemon thread running calls in order, and :class:`CallSequence`, a run
of calls made on a lane in one job and stopped cleanly when its caller gives up.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from qmt_bridge.backends.base import BackendCallLost, BackendRestarting


class Lane:
    """One daemon thread running submitted calls in order: a single-worker executor that can be abandoned.

    Not ``concurrent.futures.ThreadPoolExecutor``: its workers are joined at interpreter exit, so one call
    stuck forever in xtquant would keep the server from exiting.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._cond = threading.Condition()
        self._queue: deque[_Job] = deque()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        """Queue ``function(*args)``; ``RuntimeError`` once the lane is closed."""
        future: Future[Any] = Future()
        self.adopt([(future, function, args)])
        return future

    def adopt(self, jobs: list[_Job]) -> None:
        """Queue jobs taken from another lane, in their order."""
        with self._cond:
            if self._closed:
                raise RuntimeError(f"lane {self.name} is closed")
            self._queue.extend(jobs)
            self._cond.notify()

    def close(self) -> list[_Job]:
        """Take no more work; return the jobs not started. The thread ends after its current call."""
        with self._cond:
            self._closed = True
            jobs = list(self._queue)
            self._queue.clear()
            self._cond.notify()
        return jobs

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if not self._queue:
                    return
                future, function, args = self._queue.popleft()
            if not future.set_running_or_notify_cancel():  # its caller gave up before it started
                continue
            try:
                result = function(*args)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)


_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]


#: What became of one call of a :class:`CallSequence`.
DONE, FAILED, UNKNOWN, NOT_SENT = "done", "failed", "unknown", "not_sent"


class CallSequence:
    r"""``function(*args)`` for each of ``calls``, in order, as one job of a lane (one thread hop for all).

    The caller watches :attr:`running_since`; when one call takes too long it :meth:`stop`\ s the run and
    gets, per call, its result (``done``), its exception (``failed``), ``unknown`` (the call that was running:
    it may or may not have taken effect; also a call whose backend process died under it) or ``not_sent``
    (never started: the run checks :meth:`stop` under a lock before each call, so none starts after it; also
    a call a restarting backend process refused).
    """

    def __init__(self, function: Callable[..., Any], calls: list[tuple[Any, ...]]) -> None:
        self.function = function
        self.calls = calls
        self.outcomes: list[tuple[str, Any]] = []
        #: ``time.monotonic()`` when the current call started (when the job was made, before the first).
        self.running_since = time.monotonic()
        self._lock = threading.Lock()
        self._stopped = False
        self._started = 0  # calls started

    def run(self) -> None:
        """On the lane's thread."""
        for args in self.calls:
            with self._lock:
                if self._stopped:
                    return
                self._started += 1
                self.running_since = time.monotonic()
            try:
                outcome = (DONE, self.function(*args))
            except BackendCallLost as exc:  # the backend process died with the call in it
                outcome = (UNKNOWN, exc)
            except BackendRestarting as exc:  # refused before it left: it never reached the counter
                outcome = (NOT_SENT, exc)
            except Exception as exc:
                outcome = (FAILED, exc)
            with self._lock:
                if self._stopped:
                    return
                self.outcomes.append(outcome)

    def stop(self) -> list[tuple[str, Any]]:
        """Stop the run; every call's outcome as far as known now."""
        with self._lock:
            self._stopped = True
            outcomes = list(self.outcomes)
            started = self._started
        outcomes += [(UNKNOWN, None)] * (started - len(outcomes))
        return outcomes + [(NOT_SENT, None)] * (len(self.calls) - len(outcomes))
