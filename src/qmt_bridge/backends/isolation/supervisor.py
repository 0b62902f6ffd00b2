"""The server's side of the backend process: start it, call into it, notice when it dies or hangs, replace it.

- **Calls** block the calling thread (a runner worker, a trader lane) until the answer comes. A call may
  take its runner timeout (``runner.current_call_limit``, else ``default_timeout``) plus ``hang_grace``;
  past that the process counts as hung in that call and is killed. So a call slow within its timeout is left
  alone, and one past it (the runner has answered its caller 504) is given the grace before the kill.
- **Death** (a crash, a kill) is noticed at once: the reader thread sees the pipe close. Every call in
  flight then fails with :class:`BackendCallLost` (its outcome is unknown), traders built in that process
  get ``on_disconnected``, and a new process starts after a backoff. More than ``max_restarts_per_hour``
  deaths within an hour leave the backend down: calls fail with :class:`BackendRestarting` saying so.
- **Pushes and trader callbacks** come back as messages and run, in arrival order, on one dispatcher
  thread, so a slow callback never delays the answers of calls.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait as wait_for_exit
from typing import Any

from qmt_bridge.backends.base import BackendCallLost, BackendRestarting, BackendStartError
from qmt_bridge.backends.isolation import child
from qmt_bridge.backends.isolation.restarts import RESTART_DELAYS, RestartLog
from qmt_bridge.backends.isolation.wire import CallbackRef, Channel, RemoteError, UndecodableMessage
from qmt_bridge.backends.runner import current_call_limit

log = logging.getLogger("qmt_bridge.supervisor")

#: Seconds a new process may take to start its backend (xtquant connects to MiniQMT).
START_TIMEOUT = 120.0
#: Seconds a stopping process may take to stop its backend before it is killed.
STOP_TIMEOUT = 10.0


class _Pending:
    """A call sent to the process, waiting for its answer."""

    __slots__ = ("name", "generation", "started", "done", "value", "error", "callbacks")

    def __init__(self, name: str, generation: int, callbacks: list[int]) -> None:
        self.name = name
        self.generation = generation
        self.started = time.monotonic()
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None
        self.callbacks = callbacks


class Supervisor:
    """One backend process at a time, replaced when it dies or hangs (see the module's docstring).

    ``backend`` is an unstarted backend object; each process gets a copy (pickled) and starts it.
    """

    def __init__(
        self,
        backend: Any,
        *,
        default_timeout: float,
        hang_grace: float,
        max_restarts_per_hour: int,
        restart_delays: Sequence[float] = RESTART_DELAYS,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self._backend = backend
        self.default_timeout = default_timeout
        self.hang_grace = hang_grace
        self.restarts = RestartLog(max_restarts_per_hour, restart_delays)
        self.start_timeout = start_timeout
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self.state = "stopped"  # running | restarting | down | stopped
        self.generation = 0
        self.info: dict[str, Any] = {}
        self._process: Any = None
        self._channel: Channel | None = None
        self._started_at: float | None = None
        self._numbers = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._callbacks: dict[int, Callable[..., Any]] = {}
        #: A subscription's id as the server knows it -> (generation, the process's own id, its callbacks).
        #: Ids are never reused across processes: an id of a dead process must not end another's
        #: subscription that happens to have the same number there.
        self._subscriptions: dict[int, tuple[int, int, list[int]]] = {}
        #: (generation, trader number) -> the server's callback object of that trader.
        self._trader_callbacks: dict[tuple[int, int], Any] = {}
        self._kill_cause: tuple[str, str | None] | None = None
        self._stopping = threading.Event()
        self._events: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._dispatcher: threading.Thread | None = None
        #: Called (on a supervisor thread) with the new state whenever it changes.
        self.listeners: list[Callable[[str], None]] = []

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the first process and wait until its backend is ready; raise what its start raised."""
        if self.state != "stopped":
            return
        self._stopping.clear()
        if self._dispatcher is None:
            self._dispatcher = threading.Thread(target=self._dispatch, name="backend-events", daemon=True)
            self._dispatcher.start()
        self._spawn()

    def stop(self) -> None:
        """Stop the process (its backend stops first, within :data:`STOP_TIMEOUT`). Idempotent."""
        self._stopping.set()
        with self._lock:
            process, channel = self._process, self._channel
            self.state = "stopped"
        if process is not None and channel is not None:
            try:
                channel.send(("stop",))
            except OSError:
                pass
            # Wait for its exit, not for its reaping: the reader thread joins the process, and two threads
            # joining one process race in waitpid (the loser sees it alive and would kill a reaped pid).
            if not wait_for_exit([process.sentinel], STOP_TIMEOUT):
                log.warning("the backend process did not stop within %g s; killing it", STOP_TIMEOUT)
                process.kill()
                wait_for_exit([process.sentinel], 5)
        if self._dispatcher is not None:
            self._events.put(None)
            self._dispatcher = None

    def _spawn(self) -> None:
        parent_end, child_end = self._context.Pipe(duplex=True)
        level = logging.getLogger("qmt_bridge").getEffectiveLevel()
        process = self._context.Process(
            target=child.serve, args=(child_end, self._backend, level), name="qmt-bridge-backend", daemon=True
        )
        process.start()
        child_end.close()
        channel = Channel(parent_end)
        try:
            if not parent_end.poll(self.start_timeout):
                raise BackendStartError(
                    f"the backend process did not get ready within {self.start_timeout:g} s"
                )
            message = channel.receive()
        except (EOFError, OSError):
            process.join(5)
            raise BackendStartError(
                f"the backend process exited (exit code {process.exitcode}) before its backend was ready"
            ) from None
        except BaseException:
            process.kill()
            process.join(5)
            raise
        if message[0] == "failed":
            process.join(5)
            raise message[1]
        with self._lock:
            stopped = self._stopping.is_set()  # stop() came while this process started (a restart)
            if not stopped:
                self.generation += 1
                generation = self.generation
                self._process, self._channel, self.info = process, channel, message[1]
                self._started_at = time.time()
                self.state = "running"
        if stopped:
            try:
                channel.send(("stop",))
            except OSError:
                pass
            if not wait_for_exit([process.sentinel], STOP_TIMEOUT):
                process.kill()
            process.join(5)
            channel.close()
            return
        log.info("backend process %s ready (pid %s)", generation, process.pid)
        threading.Thread(
            target=self._read,
            args=(generation, channel, process),
            name=f"backend-reader-{generation}",
            daemon=True,
        ).start()
        self._announce("running")

    # ------------------------------------------------------------------ calls

    def call(
        self,
        target: Any,
        name: str,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        *,
        generation: int | None = None,
    ) -> Any:
        """``<target>.<name>(*args, **kwargs)`` in the backend process; blocks until it answers.

        Callables among the arguments become callbacks run here. ``generation``: the process the call
        belongs to (a trader's); :class:`BackendRestarting` if that one is gone.
        """
        if target == "xtdata" and name == "unsubscribe_quote" and args:
            own = self._own_subscription(args[0])
            if own is None:  # ended with its process, or never made: nothing to end
                return None
            args = (own, *args[1:])
        args, kwargs, numbers = self._with_refs(args, kwargs or {})
        with self._lock:
            if self.state != "running" or (generation is not None and generation != self.generation):
                self._drop_callbacks(numbers)
                raise BackendRestarting(self._unavailable_reason(generation))
            number = next(self._numbers)
            pending = self._pending[number] = _Pending(name, self.generation, numbers)
            channel = self._channel
        assert channel is not None
        try:
            channel.send(("call", number, target, name, args, kwargs), number)
        except OSError:
            self._forget(number)
            raise BackendRestarting(f"{name} was not sent: the backend process is gone") from None
        except Exception as exc:  # an argument that does not pickle
            self._forget(number)
            raise TypeError(f"{name} cannot be sent to the backend process: {exc}") from None
        allowed = (current_call_limit() or self.default_timeout) + self.hang_grace
        if not pending.done.wait(allowed):
            self._hung(pending.generation, name, allowed)
            if not pending.done.wait(STOP_TIMEOUT):
                self._forget(number)
                raise BackendCallLost(f"{name} did not answer within {allowed:g} s; its outcome is unknown")
        if pending.error is not None:
            self._after_callbacks(self._release(pending.callbacks))
            raise pending.error
        value, released = self._adopt(target, name, pending)
        self._after_callbacks(released)
        return value

    def _own_subscription(self, public: Any) -> int | None:
        """The process's id of subscription ``public`` (ending it here), None when its process is gone."""
        with self._lock:
            found = self._subscriptions.pop(public, None) if isinstance(public, int) else None
            if found is None:
                return None
            subscription_generation, own, callbacks = found
            self._release(callbacks)
            return own if subscription_generation == self.generation else None

    def plant(self, message: Any) -> None:
        """Send a control message (a fault) to the running process."""
        with self._lock:
            channel = self._channel
        if channel is None:
            raise BackendRestarting("no backend process is running")
        channel.send(message)

    def register_trader(self, generation: int, number: int, callback: Any) -> None:
        with self._lock:
            self._trader_callbacks[(generation, number)] = callback

    def _with_refs(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any], list[int]]:
        numbers: list[int] = []

        def ref(value: Any) -> Any:
            if not callable(value):
                return value
            number = next(self._numbers)
            with self._lock:
                self._callbacks[number] = value
            numbers.append(number)
            return CallbackRef(number)

        return tuple(ref(a) for a in args), {k: ref(v) for k, v in kwargs.items()}, numbers

    def _adopt(self, target: Any, name: str, pending: _Pending) -> tuple[Any, threading.Event | None]:
        """The answer (a subscription's id made unique across processes); a subscription keeps its
        callbacks until it is ended, any other call drops them (the event: set once they are dropped)."""
        value = pending.value
        if target == "xtdata" and name.startswith("subscribe") and isinstance(value, int) and value >= 0:
            with self._lock:
                public = next(self._numbers)
                self._subscriptions[public] = (pending.generation, value, pending.callbacks)
            return public, None
        return value, self._release(pending.callbacks)

    def _release(self, numbers: list[int]) -> threading.Event | None:
        """Drop the callbacks of an answered call once the dispatcher has run what the process sent before
        the answer (a download's progress reports): dropped at once, those would be lost. The event is set
        when that is done."""
        if not numbers:
            return None
        done = threading.Event()
        self._events.put(("drop", numbers, done))
        return done

    def _after_callbacks(self, released: threading.Event | None) -> None:
        """Wait until the callbacks a call made have run, as in xtquant, where a download's progress callback
        is called before the download returns (not on the dispatcher itself: a callback calling the
        backend would wait for itself)."""
        if released is not None and threading.current_thread() is not self._dispatcher:
            released.wait(STOP_TIMEOUT)

    def _drop_callbacks(self, numbers: list[int]) -> None:
        for number in numbers:
            self._callbacks.pop(number, None)

    def _forget(self, number: int) -> None:
        with self._lock:
            pending = self._pending.pop(number, None)
            if pending is not None:
                self._drop_callbacks(pending.callbacks)

    # ------------------------------------------------------------------ the reader and the dispatcher

    def _read(self, generation: int, channel: Channel, process: Any) -> None:
        while True:
            try:
                message = channel.receive()
            except (EOFError, OSError):
                break
            except UndecodableMessage as exc:  # e.g. an answer of a class this process cannot build
                log.error("a message from the backend process could not be read: %s", exc)
                if exc.number:
                    message = ("error", exc.number, RemoteError(f"the answer could not be read here: {exc}"))
                else:
                    continue
            kind = message[0]
            if kind in ("result", "error"):
                with self._lock:
                    pending = self._pending.pop(message[1], None)
                if pending is not None:
                    if kind == "result":
                        pending.value = message[2]
                    else:
                        pending.error = message[2]
                    pending.done.set()
            elif kind == "push":
                self._events.put(("push", message[1], message[2]))
            elif kind == "trader":
                self._events.put(("trader", (generation, message[1]), message[2], message[3]))
            elif kind == "stopped":
                break
        channel.close()
        process.join(STOP_TIMEOUT)
        self._ended(generation, process)

    def _dispatch(self) -> None:
        while (event := self._events.get()) is not None:
            kind = event[0]
            try:
                if kind == "push":
                    callback = self._callbacks.get(event[1])
                    if callback is not None:
                        callback(*event[2])
                elif kind == "trader":
                    target = self._trader_callbacks.get(event[1])
                    if target is not None:
                        getattr(target, event[2])(*event[3])
                elif kind == "lost":
                    for trader in event[1]:
                        trader.on_disconnected()
                elif kind == "drop":
                    with self._lock:
                        self._drop_callbacks(event[1])
                    event[2].set()
            except Exception:
                log.exception("a backend callback (%s) raised", kind)

    # ------------------------------------------------------------------ death, hangs, restarts

    def _hung(self, generation: int, name: str, allowed: float) -> None:
        with self._lock:
            if generation != self.generation or self._process is None or self._kill_cause is not None:
                return
            self._kill_cause = ("hang", name)
            process = self._process
        log.error("backend call %s did not answer within %g s: killing the backend process", name, allowed)
        process.kill()

    def _ended(self, generation: int, process: Any) -> None:
        """On the reader thread: the process of ``generation`` is gone."""
        exit_code = process.exitcode
        with self._lock:
            if generation != self.generation:
                return
            kind, hung_call = self._kill_cause or ("crash", None)
            self._kill_cause = None
            lost = [p for p in self._pending.values() if p.generation == generation]
            self._pending = {n: p for n, p in self._pending.items() if p.generation != generation}
            traders = [cb for (g, _), cb in self._trader_callbacks.items() if g == generation]
            self._trader_callbacks = {k: v for k, v in self._trader_callbacks.items() if k[0] != generation}
            # The process's subscriptions and lost calls end with it: forget their callbacks.
            for subscription_generation, _, numbers in self._subscriptions.values():
                if subscription_generation == generation:
                    self._drop_callbacks(numbers)
            for pending in lost:
                self._drop_callbacks(pending.callbacks)
            self._subscriptions = {k: v for k, v in self._subscriptions.items() if v[0] != generation}
            self._process = self._channel = None
            self._started_at = None
            if self._stopping.is_set():
                self.state = "stopped"
            else:
                down = self.restarts.record(kind, exit_code, hung_call, [p.name for p in lost])
                self.state = "down" if down else "restarting"
        if kind == "hang":
            what = f"was killed after {hung_call} hung"
        else:
            what = f"exited with code {exit_code}"
        for pending in lost:
            pending.error = BackendCallLost(
                f"the backend process {what} while {pending.name} ran: its outcome is unknown; "
                "a new process is starting, try again in a few seconds"
            )
            pending.done.set()
        if traders:
            self._events.put(("lost", traders))
        if self.state == "stopped":
            return
        log.error("the backend process %s; %s", what, self.restarts.down_reason or "starting a new one")
        self._announce(self.state)
        if self.state == "restarting":
            threading.Thread(target=self._restart, name="backend-restart", daemon=True).start()

    def _restart(self) -> None:
        """On a thread of its own: start a new process after the backoff, again until one starts or the cap
        is reached."""
        attempt = self.restarts.last_hour() - 1
        while not self._stopping.wait(self.restarts.delay(attempt)):
            try:
                self._spawn()
                return
            except Exception as exc:
                attempt += 1
                log.error("the backend process could not start again: %s", exc)
                with self._lock:
                    if self.restarts.record("start_failed", None, None, [], error=str(exc)):
                        self.state = "down"
                if self.state == "down":
                    log.error("%s", self.restarts.down_reason)
                    self._announce("down")
                    return

    def _announce(self, state: str) -> None:
        for listener in list(self.listeners):
            try:
                listener(state)
            except Exception:
                log.exception("a backend state listener raised")

    def _unavailable_reason(self, generation: int | None) -> str:
        if self.state == "down":
            return f"the backend is down: {self.restarts.down_reason}"
        if self.state == "stopped":
            return "the backend is stopped"
        if generation is not None and generation != self.generation:
            return "this object belonged to a backend process that has ended; a new one is in use"
        return "the backend process is restarting; try again in a few seconds"

    # ------------------------------------------------------------------ status

    def status(self) -> dict[str, Any]:
        """What ``GET /api/meta/backend`` shows of the process."""
        now, monotonic = time.time(), time.monotonic()
        with self._lock:
            in_flight = [
                {"call": p.name, "seconds": round(monotonic - p.started, 3)}
                for p in self._pending.values()
                if p.generation == self.generation
            ]
            return {
                "isolation": "process",
                "state": self.state,
                "pid": self._process.pid if self._process is not None else None,
                "generation": self.generation,
                "uptime_seconds": round(now - self._started_at, 3) if self._started_at else None,
                "restarts": [dict(r) for r in self.restarts.history],
                "restarts_last_hour": self.restarts.last_hour(),
                "max_restarts_per_hour": self.restarts.max_per_hour,
                "reason": self._unavailable_reason(None) if self.state != "running" else None,
                "calls_in_flight": in_flight,
            }
