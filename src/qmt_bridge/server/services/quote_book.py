"""The quote book: the latest snapshot of every code of some markets, kept current by xtquant's
whole-market push (``subscribe_whole_quote``), so that a snapshot request is a read on the event loop.

Why: ``get_full_tick`` is a call into the QMT client that waits for the one backend worker, behind any
history download; the push delivers the same snapshots as they change. Polling clients, the commonest
realtime use, then cost the backend nothing and never queue behind slow calls.

Lifecycle: subscribed on first use and released after ``idle`` seconds without a read, so a server nobody
asks for snapshots holds no subscription. It serves only once the first push, xtquant's full snapshot, has
arrived, and stops serving when the backend reports itself disconnected (a QMT client restart ends its
subscriptions), subscribing again once it is back. Until then, callers fall back to ``get_full_tick``.

A subscription can also die without the backend ever reporting a disconnect: xtquant's ``get_client()``
silently replaces a client that lost its connection (the old one's subscriptions end with it), and the
native client reconnects by itself within seconds. So at each check the book also compares the client
object with the one it subscribed on, and during trading hours (when the whole market pushes every ~3 s) a
push stream silent for ``silent_after`` seconds counts as dead: the book stops serving and subscribes again.

Pushes come from several native threads, so an older snapshot of a code can arrive after a newer one: it is
dropped (``time`` decides). Every snapshot served has the keys :data:`~qmt_bridge.xtnames.FULL_TICK_KEYS`,
as ``get_full_tick``'s answers are given them too, so an answer's shape does not change with its path.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from qmt_bridge.backends.base import BackendUnavailableError
from qmt_bridge.backends.runner import BackendCallFailed, BackendCallTimeout
from qmt_bridge.server.deps import BackendContext
from qmt_bridge.xtnames import FULL_TICK_KEYS

log = logging.getLogger("qmt_bridge.quotes")

#: Seconds without a read after which the subscription is released.
IDLE_RELEASE = 600.0
#: Seconds between checks of the backend's connection (and of idleness).
CHECK_EVERY = 10.0
#: Seconds without a push, in trading hours, after which the push stream counts as dead (pushes come every
#: ~3 s then). Doubled after each resubscription that silence follows again (a holiday), up to an hour.
SILENT_AFTER = 30.0
SILENT_AFTER_MAX = 3600.0

CST = dt.timezone(dt.timedelta(hours=8))
#: The stretches in which the whole market pushes continuously (a minute inside the sessions' edges).
_BUSY_HOURS = ((dt.time(9, 31), dt.time(11, 29)), (dt.time(13, 1), dt.time(14, 59)))


def in_trading_hours(moment: dt.datetime) -> bool:
    """Whether ``moment`` (China time) lies where SH/SZ/BJ push continuously: a weekday's sessions."""
    local = moment.astimezone(CST)
    clock = local.time()
    return local.weekday() < 5 and any(lo <= clock <= hi for lo, hi in _BUSY_HOURS)


def backend_now(backend: Any) -> dt.datetime:
    """The backend's moment: the simulator's clock, or the wall clock for xtquant."""
    clock = getattr(backend, "clock", None)
    return clock.now() if clock is not None else dt.datetime.now(CST)


async def probe_connection(ctx: BackendContext) -> tuple[bool | None, Any]:
    """Whether the backend is connected, and its client object (None if it has none). Connected is None
    when the backend is too busy to say (all workers held by long calls), which is no reason to drop a
    subscription that works. A new client object means xtquant replaced it: its subscriptions are gone."""
    backend = ctx.backend

    def is_connected() -> tuple[bool, Any]:  # on a worker; named for the timeout's message
        if not backend.is_connected():
            return False, None
        get_client = getattr(backend.xtdata, "get_client", None)
        return True, get_client() if get_client is not None else None

    try:
        return await ctx.run(is_connected)
    except BackendCallTimeout:
        return None, None
    except (BackendCallFailed, BackendUnavailableError):  # unavailable: a backend process being replaced
        return False, None


def market_of(code: str) -> str:
    """The market of a code (``SH`` of ``600519.SH``); a market name (``SH``) is its own."""
    return code[code.rfind(".") + 1 :]


def select(snapshots: dict[str, dict[str, Any]], wanted: frozenset[str]) -> dict[str, dict[str, Any]]:
    """The snapshots whose code, or whose code's market, is in ``wanted`` (codes and market names)."""
    # ``code.endswith((".SH", ...))`` is ``market_of(code) in wanted``, without a call per code (a
    # whole-market push holds ~6,000).
    suffixes = tuple(f".{name}" for name in wanted if "." not in name)
    return {code: s for code, s in snapshots.items() if code in wanted or code.endswith(suffixes)}


def as_full_tick(snapshot: dict[str, Any]) -> dict[str, Any]:
    """``snapshot`` with exactly :data:`FULL_TICK_KEYS` (None for one the source did not give)."""
    return {key: snapshot.get(key) for key in FULL_TICK_KEYS}


def as_rows(snapshots: dict[str, dict[str, Any]]) -> dict[str, list[Any]]:
    """Snapshots made by :func:`as_full_tick` as rows of their values in :data:`FULL_TICK_KEYS` order (the
    ``compact`` WebSocket format: about half the bytes of the dicts, whose keys repeat for every code)."""
    return {code: list(snapshot.values()) for code, snapshot in snapshots.items()}


class QuoteBook:
    """Snapshots by code for ``markets`` (e.g. ``["SH", "SZ", "BJ"]``), from the backend's push.

    All state is read and written on the event loop; the backend's callback thread only schedules
    :meth:`_apply` with the pushed dict.
    """

    def __init__(
        self,
        ctx: BackendContext,
        markets: list[str],
        *,
        idle: float = IDLE_RELEASE,
        check_every: float = CHECK_EVERY,
        silent_after: float = SILENT_AFTER,
        trading_hours: Callable[[], bool] | None = None,
    ) -> None:
        self.ctx = ctx
        self.markets = markets
        self._suffixes = {f".{market}" for market in markets}
        self.idle = idle
        self.check_every = check_every
        self.silent_after_base = self.silent_after = silent_after
        self._trading_hours = trading_hours or (lambda: in_trading_hours(backend_now(ctx.backend)))
        self._ticks: dict[str, dict[str, Any]] = {}
        self._ready = False
        self._seq: int | None = None
        #: Incremented per subscription: a push of an earlier one, still in flight, is ignored.
        self._generation = 0
        self._last_read = 0.0
        self._last_push: float | None = None
        #: ``time.monotonic()`` of the last push (or of the subscription, before its first push).
        self._last_push_monotonic = 0.0
        #: Whether the last check found the market in trading hours, when silence means a dead stream.
        self._busy = False
        #: The client object the subscription was made on (kept, so that its id cannot be reused).
        self._client: Any = None
        self._pushes = 0
        self._subscription_pushes = 0
        self._resubscriptions: dict[str, int] = {"reconnect": 0, "silence": 0}
        #: Called on the loop with the snapshots each push brought and when xtquant's callback delivered it
        #: (``time.time()``): the realtime hub's whole-market stream.
        self._listeners: list[Callable[[dict[str, dict[str, Any]], float], None]] = []
        self._task: asyncio.Task[None] | None = None
        #: A subscribe_whole_quote call in flight; stop() waits for it so that its subscription is released.
        self._subscribing: asyncio.Future[Any] | None = None
        #: Subscriptions the backend holds that the book does not use: given after the book stopped waiting
        #: for them (a timeout), or whose unsubscribe did not get through. Released at every check.
        self._strays: list[int] = []
        self._stopped = False
        #: Set when the keeper failed unexpectedly: the book stays off rather than retrying per request.
        self._broken = False
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Set by :meth:`poke` to end the keeper's wait for its next check.
        self._poked: asyncio.Event | None = None

    def poke(self) -> None:
        """On the loop: the backend's process was replaced (or is being): check now, not at the next round."""
        if self._poked is not None:
            self._poked.set()

    def lookup(self, codes: Iterable[str]) -> dict[str, dict[str, Any]] | None:
        """``{code: snapshot}`` when the book holds every one of ``codes``; else None (ask the backend).

        A call for a code of the book's markets counts as use: the first starts the subscription, and such
        reads keep it alive. Others (futures, market names) leave it alone.
        """
        codes = list(codes)
        if not any(code[code.rfind(".") :] in self._suffixes for code in codes):
            return None
        self._last_read = time.monotonic()
        if self._task is None and not self._broken and not self._stopped:
            self._start()
        if not self._ready or self._silent():
            return None
        ticks = self._ticks
        try:
            return {code: ticks[code] for code in codes}
        except KeyError:
            return None

    def holds(self, code: str) -> bool:
        """Whether the book has a snapshot of ``code`` (then MiniQMT knows the code). Not a use."""
        return self._ready and code in self._ticks

    def listen(self, listener: Callable[[dict[str, dict[str, Any]], float], None]) -> None:
        """Call ``listener(snapshots, received)`` on the loop for each push from now on (``received``: when
        xtquant's callback delivered it); while anyone listens the subscription is held (as if read)."""
        if listener not in self._listeners:
            self._listeners.append(listener)
        self._last_read = time.monotonic()
        if self._task is None and not self._broken and not self._stopped:
            self._start()

    def unlisten(self, listener: Callable[[dict[str, dict[str, Any]], float], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    @property
    def serving(self) -> bool:
        """Snapshots are read from the book now: ready, and not silent in trading hours."""
        return self._ready and not self._silent()

    @property
    def pushes(self) -> int:
        """Pushes applied so far: the book's snapshots change only when this does."""
        return self._pushes

    def snapshots(self, wanted: frozenset[str]) -> dict[str, dict[str, Any]] | None:
        """Every snapshot held whose code, or market, is in ``wanted``; None while not serving."""
        if not self.serving:
            return None
        return select(self._ticks, wanted)

    def status(self) -> dict[str, Any]:
        """What ``GET /api/meta/quote_book`` answers. ``serving``: snapshots are read from the book now
        (ready, and not silent in trading hours); ``stale``: it holds snapshots but stopped serving them
        because the push stream went silent."""
        silent = self._ready and self._silent()
        age = None if self._last_push is None else round(time.monotonic() - self._last_push_monotonic, 3)
        return {
            "markets": self.markets,
            "subscribed": self._seq is not None,
            "ready": self._ready,
            "serving": self._ready and not silent,
            "stale": silent,
            "codes": len(self._ticks),
            "pushes": self._pushes,
            "last_push": None if self._last_push is None else int(self._last_push * 1000),
            "last_push_age_seconds": age,
            "silent_after_seconds": self.silent_after,
            "resubscriptions": dict(self._resubscriptions),
            "idle_release_seconds": self.idle,
        }

    def _silent(self) -> bool:
        """In trading hours (as of the last check) and no push for ``silent_after`` seconds since the last.

        Not before the first push: computing the whole market's first snapshot can take longer than the
        bound (the simulator's, on a loaded machine), and renewing the subscription would start it over."""
        return (
            self._busy
            and self._subscription_pushes > 0
            and time.monotonic() - self._last_push_monotonic > self.silent_after
        )

    async def stop(self) -> None:
        """Release the subscription (the server is stopping)."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._subscribing is not None:  # its subscription, if any, is among the strays once it returns
            try:
                await self._subscribing
            except (BackendCallTimeout, BackendCallFailed, BackendUnavailableError):
                pass
        await self._release()
        if self._strays:
            log.warning("quote book: could not release subscription(s) %s at stop", self._strays)

    # ------------------------------------------------------------------ the keeper task

    def _start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._poked = asyncio.Event()
        self._task = self._loop.create_task(self._keep(), name="quote-book")

    async def _keep(self) -> None:
        try:
            while self._listeners or time.monotonic() - self._last_read < self.idle:
                await self._release_strays()
                self._busy = self._trading_hours()
                connected, client = await self._connected()
                if connected and self._seq is not None and client is not self._client:
                    log.warning("quote book: xtquant replaced its client (a reconnect); subscribing again")
                    await self._resubscribe("reconnect")
                elif connected and self._seq is not None and self._silent():
                    log.warning(
                        "quote book: no push for %.0f s in trading hours; subscribing again",
                        time.monotonic() - self._last_push_monotonic,
                    )
                    await self._resubscribe("silence")
                    self.silent_after = min(self.silent_after * 2, SILENT_AFTER_MAX)
                elif connected and self._seq is None:
                    await self._subscribe(client)
                elif connected is False and self._seq is not None:
                    log.warning("quote book: the backend is disconnected; serving snapshots from the backend")
                    await self._release()
                await self._pause()
            log.info("quote book: no snapshot read for %g s; released the subscription", self.idle)
            await self._release()
        except Exception:
            log.exception("quote book failed; snapshots are served from the backend from now on")
            self._broken = True
            await self._release()
        finally:
            self._task = None

    async def _pause(self) -> None:
        """Until the next check: ``check_every`` seconds, or less when poked."""
        assert self._poked is not None
        try:
            await asyncio.wait_for(self._poked.wait(), self.check_every)
        except asyncio.TimeoutError:
            pass
        self._poked.clear()

    async def _connected(self) -> tuple[bool | None, Any]:
        connected, client = await probe_connection(self.ctx)
        return connected, (self._client if connected is None else client)

    async def _resubscribe(self, cause: str) -> None:
        """End the subscription (its pushes are ignored from now on) and make a new one."""
        self._resubscriptions[cause] += 1
        await self._release()
        connected, client = await self._connected()
        if connected:
            await self._subscribe(client)

    async def _subscribe(self, client: Any) -> None:
        subscribe = getattr(self.ctx.backend.xtdata, "subscribe_whole_quote", None)
        if subscribe is None:
            return
        self._client = client
        self._last_push_monotonic = time.monotonic()
        self._subscription_pushes = 0
        self._generation += 1
        generation, loop = self._generation, self._loop
        assert loop is not None

        def on_push(datas: dict[str, dict[str, Any]]) -> None:  # on a backend thread
            received = time.time()
            # Reshaped here, not on the loop: a first push holds every code of the markets (~12,000). A
            # snapshot that has exactly the keys, in order (the simulator's), is taken as it is: xtquant
            # hands each push fresh dicts, and a copy of 6,000 a push is ~12 ms and as many objects.
            snapshots = {
                code: snapshot if tuple(snapshot) == FULL_TICK_KEYS else as_full_tick(snapshot)
                for code, snapshot in datas.items()
            }
            try:
                loop.call_soon_threadsafe(self._apply, generation, snapshots, received)
            except RuntimeError:  # the loop closed: the server is gone
                pass

        strays = self._strays
        unsubscribe = getattr(self.ctx.backend.xtdata, "unsubscribe_quote", None)

        def subscribe_whole_quote() -> Any:  # on a worker; named for the timeout's message
            seq = subscribe(self.markets, on_push)
            if isinstance(seq, int) and seq >= 0:
                # A stray until the book adopts it: if the caller timed out meanwhile, the next check
                # releases it rather than leaving a whole-market subscription nobody reads.
                strays.append(seq)
                if self._stopped and unsubscribe is not None:  # no next check will come
                    unsubscribe(seq)
            return seq

        # Shielded: if the server stops meanwhile, the call still completes and stop() releases it.
        self._subscribing = asyncio.ensure_future(self.ctx.run(subscribe_whole_quote))
        try:
            seq = await asyncio.shield(self._subscribing)
        except (BackendCallTimeout, BackendCallFailed, BackendUnavailableError) as exc:
            seq, problem = None, f"failed: {exc}"
        else:
            problem = "" if isinstance(seq, int) and seq >= 0 else f"refused ({seq!r})"
        finally:
            if self._subscribing.done():
                self._subscribing = None
        if problem:
            self._forget()  # a first push may have come before the failure: it must not be served
            log.warning("quote book: subscribe_whole_quote(%s) %s", self.markets, problem)
            return
        strays.remove(seq)
        self._seq = seq
        self._ready = bool(self._ticks)  # its first push may have come before the call returned
        log.info("quote book: subscribed to the whole-market push of %s", ",".join(self.markets))

    def _apply(
        self, generation: int, datas: dict[str, dict[str, Any]], received: float | None = None
    ) -> None:
        """On the loop: take the pushed snapshots (already in FULL_TICK_KEYS) of a current subscription."""
        if generation != self._generation:
            return
        ticks = self._ticks
        # Pushes race each other across native threads: an older snapshot never replaces a newer one.
        taken = {
            code: snapshot
            for code, snapshot in datas.items()
            if (held := ticks.get(code)) is None or (snapshot["time"] or 0) >= (held["time"] or 0)
        }
        ticks.update(taken)
        for listener in list(self._listeners):
            try:
                listener(taken, time.time() if received is None else received)
            except Exception:  # a listener's bug must not stop the book
                log.exception("quote book: a listener failed")
        self._ready = self._seq is not None  # serving starts once the subscription is confirmed too
        self._pushes += 1
        self._last_push = time.time()
        self._last_push_monotonic = time.monotonic()
        self._subscription_pushes += 1
        if self._subscription_pushes == 2:  # pushes beyond the first (full) one: the stream lives
            self.silent_after = self.silent_after_base

    def _forget(self) -> None:
        """Stop serving: no snapshots, and pushes of the subscription so far are ignored."""
        self._generation += 1
        self._ready = False
        self._ticks = {}

    async def _release(self) -> None:
        """Stop serving and end the subscription."""
        seq, self._seq = self._seq, None
        self._forget()
        if seq is not None:
            self._strays.append(seq)
        await self._release_strays()

    async def _release_strays(self) -> None:
        """Unsubscribe every stray; one that times out stays for the next try."""
        unsubscribe = getattr(self.ctx.backend.xtdata, "unsubscribe_quote", None)
        for seq in list(self._strays):
            if unsubscribe is not None:
                try:
                    await self.ctx.run(unsubscribe, seq)
                except BackendCallTimeout:
                    continue
                except (
                    BackendCallFailed,
                    BackendUnavailableError,
                ) as exc:  # refused, or gone with its process
                    log.warning("quote book: unsubscribe_quote(%d) failed: %s", seq, exc)
            self._strays.remove(seq)
