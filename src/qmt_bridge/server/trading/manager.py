"""The server's one trader: an ``XtQuantTrader`` (or the simulator's) kept connected, called off the loop.

xtquant's trader is hostile to an asyncio server (``shared/xtquant-api.md`` §5, gotchas 2–7): its
constructor replaces the constructing thread's event loop, its sync calls block with no timeout, its
callbacks run on a native push thread, and a connection is one-shot. So:

- A *control lane* (one daemon thread of ours) constructs, starts, connects, subscribes and stops traders;
  a *call lane* (another) runs ``trader.<method>(*args)`` for :meth:`TraderManager.call` (and runs of them
  for :meth:`TraderManager.call_sequence`). Neither is the loop's thread. Every step is bounded by a
  timeout.
- A lane whose call does not answer in time is abandoned: it gets no more work, the calls queued behind it
  move to a fresh lane, and its thread (a daemon) ends whenever the stuck call returns, if ever. The caller
  gets :class:`TraderCallTimeout`: the call may or may not have taken effect, and it is never retried.
- Callbacks turn xt objects into :class:`~qmt_bridge.server.trading.events.TradeEvent` on the push thread
  and hand them to the loop with ``call_soon_threadsafe``, in arrival order.
- After ``on_disconnected`` (or a failed attempt) the manager builds a NEW trader with a NEW session id,
  after the backoff delays, until :meth:`TraderManager.stop`. Connection changes are ``"connection"``
  events.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from qmt_bridge.server.trading.events import TradeEvent, TraderCallback, connection_event
from qmt_bridge.server.trading.lanes import CallSequence, Lane

log = logging.getLogger("qmt_bridge.trading")

_session_counter = itertools.count()


class TraderError(RuntimeError):
    """Base of the trader manager's errors."""


class TraderUnavailable(TraderError):
    """The trader is not connected (or the manager is stopped); the message says why."""


class TraderCallTimeout(TraderError):
    """A trader call did not answer within its timeout. Its outcome is unknown (an order may have been
    placed): it is not retried."""


def new_session_id() -> int:
    """A session id for a new trader: positive, < 2**31, unique within this process and unlikely to collide
    with another process's (seconds, a per-process counter and the pid)."""
    return (int(time.time()) % 1_000_000) * 1000 + (next(_session_counter) + os.getpid()) % 1000 + 1


class TraderManager:
    """Runs the backend's trader for the server's configured accounts (see the module docstring).

    ``backend`` provides ``new_trader(path, session_id)`` and ``make_account(account_id[, account_type])``;
    ``account_types`` maps account ids to ``STOCK`` (the default) or ``CREDIT``; ``on_event``
    is called on the event loop with every :class:`TradeEvent`, in order, none dropped.
    """

    def __init__(
        self,
        backend: Any,
        *,
        path: str,
        account_ids: Sequence[str],
        on_event: Callable[[TradeEvent], None],
        call_timeout: float = 10.0,
        reconnect_delays: Sequence[float] = (1, 2, 5, 10, 30, 60),
        account_types: Mapping[str, str] | None = None,
    ) -> None:
        if not account_ids:
            raise ValueError("the trader manager needs at least one account id")
        if not reconnect_delays:
            raise ValueError("reconnect_delays must not be empty")
        self._backend = backend
        self._path = path
        self._account_ids = list(dict.fromkeys(account_ids))
        self._account_types = dict(account_types or {})
        self._on_event = on_event
        self._call_timeout = call_timeout
        self._delays = [float(d) for d in reconnect_delays]
        self._accounts: dict[str, Any] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._control: Lane | None = None
        self._calls: Lane | None = None
        self._abandoned: list[Lane] = []
        self._traders: list[Any] = []  # built and not yet stopped (any thread may append: under the lock)
        self._traders_lock = threading.Lock()
        self._trader: Any = None
        self._generation = 0
        self._generations = itertools.count(1)
        self._session_id: int | None = None
        self._connected_since: float | None = None
        self._reconnects = 0
        self._last_error: str | None = "not started"
        self._last_reason: str | None = None  # last_error without the session id: what a retry repeats
        self._announced: str | None = None
        self._in_flight = 0
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # --- public -----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (one attempt, awaited), then keep the connection in the background. Never raises for a
        refused connection: :attr:`state` says why and reconnection keeps trying."""
        if self._loop is not None or self._stopping:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._control = Lane("qmt-trader-control")
        self._calls = Lane("qmt-trader-calls")
        self._last_error = None
        await self._attempt()
        self._task = self._loop.create_task(self._supervise(), name="qmt-trader-supervisor")

    async def stop(self) -> None:
        """Stop reconnecting, stop every trader built (off the loop, bounded), end the lanes. Idempotent."""
        if self._stopping:
            return
        self._stopping = True
        if self._loop is None:
            return
        assert self._wake is not None and self._control is not None and self._calls is not None
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._trader is not None:
            self._emit(connection_event("disconnected", self._session_id, "stopped"))
        self._trader = None
        self._connected_since = None
        self._last_error = "stopped"
        try:
            await self._on_control(self._stop_all_traders, label="stop")
        except TraderCallTimeout:
            log.warning(
                "stopping the trader did not finish within %g s; its thread is abandoned", self._call_timeout
            )
        except Exception:
            log.warning("stopping the trader failed", exc_info=True)
        for lane in (self._control, self._calls):
            for future, _, _ in lane.close():
                if future.set_running_or_notify_cancel():
                    future.set_exception(TraderUnavailable("the trader manager is stopped"))
        # Abandoned lanes are not waited for: their call may never return (they are daemon threads).
        deadline = time.monotonic() + 1.0
        for lane in (self._control, self._calls):
            while lane.alive and time.monotonic() < deadline:
                await asyncio.sleep(0.01)

    async def call(self, method: str, *args: Any, timeout: float | None = None) -> Any:
        """``trader.<method>(*args)`` on the call lane, awaited for at most ``timeout`` seconds (default:
        the manager's ``call_timeout``).

        Raises :class:`TraderUnavailable` when not connected and :class:`TraderCallTimeout` when the call
        does not answer in time (its outcome is unknown: never retried). The call's own exception, if it
        raises, propagates. Accounts are passed as objects from :meth:`account`.
        """
        trader = self._trader
        if trader is None or self._calls is None:
            raise TraderUnavailable(self._why_unavailable())
        function = getattr(trader, method)
        self._in_flight += 1
        try:
            return await self._on_lane("_calls", function, *args, timeout=timeout, label=method)
        finally:
            self._in_flight -= 1

    async def call_sequence(
        self, method: str, calls: list[tuple[Any, ...]], *, timeout: float | None = None
    ) -> list[tuple[str, Any]]:
        """``trader.<method>(*args)`` for each of ``calls``, in order, in one job of the call lane.

        Each call may take ``timeout`` seconds (default: the manager's ``call_timeout``); when one takes
        longer (or the run waits that long behind another call), the run stops there and the lane is
        abandoned as for :meth:`call`. Returns one outcome per call (see
        :class:`~qmt_bridge.server.trading.lanes.CallSequence`: done, failed, unknown, not sent).
        :class:`TraderUnavailable` when not connected: nothing was sent.
        """
        trader = self._trader
        lane = self._calls
        if trader is None or lane is None:
            raise TraderUnavailable(self._why_unavailable())
        timeout = self._call_timeout if timeout is None else timeout
        run = CallSequence(getattr(trader, method), calls)
        try:
            job = asyncio.wrap_future(lane.submit(run.run))
        except RuntimeError:
            raise TraderUnavailable("the trader manager is stopped") from None
        poll = max(0.01, min(timeout / 4, 0.25))
        self._in_flight += 1
        try:
            while True:
                done, _ = await asyncio.wait({job}, timeout=poll)
                if done:
                    return run.stop()
                if time.monotonic() - run.running_since > timeout:
                    outcomes = run.stop()
                    self._abandon("_calls", lane)
                    return outcomes
        finally:
            self._in_flight -= 1

    def account(self, account_id: str) -> Any:
        """The backend's account object for a configured account id, cached. ``ValueError`` for an id
        this manager does not trade, or one the backend refuses."""
        if account_id not in self._account_ids:
            raise ValueError(
                f"unknown account {account_id!r}: this trader has {', '.join(self._account_ids)}"
            )
        account = self._accounts.get(account_id)
        if account is None:
            account = self._accounts[account_id] = self._make_account(account_id)
        return account

    @property
    def connected(self) -> bool:
        return self._trader is not None

    @property
    def state(self) -> dict[str, Any]:
        """The connection as plain data, for ``/api/meta/health`` and ``/api/trading/status``."""
        since = self._connected_since
        return {
            "connected": self._trader is not None,
            "session_id": self._session_id if self._trader is not None else None,
            "connected_since": None
            if since is None
            else dt.datetime.fromtimestamp(since, dt.timezone.utc).isoformat(),
            "reconnects": self._reconnects,
            "last_error": self._last_error,
            "accounts": list(self._account_ids),
            "calls_in_flight": self._in_flight,
            "stuck_threads": sum(1 for lane in self._abandoned if lane.alive),
        }

    # --- connecting -------------------------------------------------------------------------------

    async def _supervise(self) -> None:
        """Wait while connected; when not, back off and try again, until stopped."""
        assert self._wake is not None
        failures = 0
        while not self._stopping:
            if self._trader is not None:
                failures = 0
                await self._wake.wait()
                self._wake.clear()
                continue
            delay = self._delays[min(failures, len(self._delays) - 1)]
            reason = self._last_reason or "not connected"
            if reason != self._announced:  # once per outage, and when the reason changes: not every retry
                self._announced = reason
                self._emit(
                    connection_event("reconnecting", None, f"{self._last_error}; retrying in {delay:g} s")
                )
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            if self._stopping:
                break
            if await self._attempt():
                self._reconnects += 1
            else:
                failures += 1

    async def _attempt(self) -> bool:
        """Build, start, connect and subscribe a new trader; True when it is the live one."""
        session_id = new_session_id()
        generation = next(self._generations)
        trader: Any = None
        try:
            await self._on_control(self._make_accounts, label="make_account")
            callback = TraderCallback(self._post, functools.partial(self._post_lost, generation))
            trader = await self._on_control(self._build, session_id, callback, label="new_trader")
            code = await self._on_control(trader.connect, label="connect")
            if code != 0:
                raise TraderUnavailable(f"connect() returned {code!r}")
            for account_id in self._account_ids:
                code = await self._on_control(trader.subscribe, self._accounts[account_id], label="subscribe")
                if code != 0:
                    raise TraderUnavailable(f"subscribe({account_id}) returned {code!r}")
        except Exception as exc:
            reason = _describe(exc)
            self._last_error = f"session {session_id}: {reason}"
            # A long outage retries every minute: log each new reason once, repeats at debug level.
            log.log(
                logging.DEBUG if reason == self._last_reason else logging.WARNING,
                "trader connection failed: %s",
                self._last_error,
            )
            self._last_reason = reason
            if trader is not None:
                self._retire(trader)
            return False
        if self._stopping:
            self._retire(trader)
            return False
        self._trader, self._generation, self._session_id = trader, generation, session_id
        self._connected_since = time.time()
        self._last_error = self._last_reason = self._announced = None
        log.info("trader connected (session %s, accounts %s)", session_id, ", ".join(self._account_ids))
        self._emit(connection_event("connected", session_id, None))
        return True

    def _lost(self, generation: int) -> None:
        """On the loop: the trader of ``generation`` reported ``on_disconnected``."""
        if generation != self._generation or self._trader is None or self._stopping:
            return
        trader, self._trader = self._trader, None
        self._connected_since = None
        self._last_reason = "connection lost (on_disconnected)"
        self._last_error = f"session {self._session_id}: {self._last_reason}"
        log.warning("trader disconnected: %s", self._last_error)
        self._emit(connection_event("disconnected", self._session_id, self._last_reason))
        self._retire(trader)
        if self._wake is not None:
            self._wake.set()

    # --- on the control lane ----------------------------------------------------------------------

    def _make_accounts(self) -> None:
        for account_id in self._account_ids:
            if account_id not in self._accounts:
                self._accounts[account_id] = self._make_account(account_id)

    def _make_account(self, account_id: str) -> Any:
        return self._backend.make_account(account_id, self.account_type(account_id))

    def account_type(self, account_id: str) -> str:
        """``STOCK`` or ``CREDIT``: the type the account was configured with."""
        return self._account_types.get(account_id, "STOCK")

    def _build(self, session_id: int, callback: TraderCallback) -> Any:
        trader = self._backend.new_trader(self._path, session_id)
        with self._traders_lock:
            self._traders.append(trader)
        trader.register_callback(callback)  # before start and before any *_async call (gotcha 4)
        trader.start()
        return trader

    def _stop_trader(self, trader: Any) -> None:
        with self._traders_lock:
            if trader not in self._traders:
                return
            self._traders.remove(trader)
        try:
            trader.stop()
        except Exception:
            log.warning("stopping an old trader failed", exc_info=True)

    def _stop_all_traders(self) -> None:
        with self._traders_lock:
            traders = list(self._traders)
        for trader in traders:
            self._stop_trader(trader)

    def _retire(self, trader: Any) -> None:
        """Stop a trader on the control lane, without waiting (the next build queues behind it)."""
        if self._control is not None:
            try:
                self._control.submit(self._stop_trader, trader)
            except RuntimeError:  # lane closed: stop() takes care of it
                pass

    # --- lanes and the loop -----------------------------------------------------------------------

    async def _on_control(self, function: Callable[..., Any], *args: Any, label: str) -> Any:
        return await self._on_lane("_control", function, *args, timeout=None, label=label)

    async def _on_lane(
        self, lane_attr: str, function: Callable[..., Any], *args: Any, timeout: float | None, label: str
    ) -> Any:
        lane: Lane = getattr(self, lane_attr)
        timeout = self._call_timeout if timeout is None else timeout
        try:
            future = lane.submit(function, *args)
        except RuntimeError:
            raise TraderUnavailable("the trader manager is stopped") from None
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except asyncio.TimeoutError:
            self._abandon(lane_attr, lane)
            raise TraderCallTimeout(f"{label} did not answer within {timeout:g} s") from None

    def _abandon(self, lane_attr: str, lane: Lane) -> None:
        """Give up on a lane stuck in a call: its queued calls move to a fresh lane."""
        if getattr(self, lane_attr) is not lane or self._stopping:
            return
        fresh = Lane(lane.name)
        fresh.adopt(lane.close())
        setattr(self, lane_attr, fresh)
        self._abandoned = [old for old in self._abandoned if old.alive] + [lane]
        log.warning("%s: a trader call did not answer; its thread is abandoned", lane.name)

    def _post(self, event: TradeEvent) -> None:
        """From the push thread: hand an event to the loop, behind those handed over before."""
        self._threadsafe(self._on_event, event)

    def _post_lost(self, generation: int) -> None:
        """From the push thread: the trader of ``generation`` lost its connection."""
        self._threadsafe(self._lost, generation)

    def _threadsafe(self, function: Callable[..., Any], *args: Any) -> None:
        loop = self._loop
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(function, *args)
        except RuntimeError:  # the loop is closed: nobody is left to tell
            pass

    def _emit(self, event: TradeEvent) -> None:
        """From the loop: queue an event behind those already handed over, so order holds."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon(self._on_event, event)

    def _why_unavailable(self) -> str:
        if self._stopping:
            return "the trader manager is stopped"
        if self._loop is None:
            return "the trader manager is not started"
        return self._last_error or "not connected"


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, TraderError) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
