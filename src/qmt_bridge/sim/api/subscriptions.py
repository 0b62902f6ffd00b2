"""The pushes of the simulated ``xtdata``: the pusher threads they share, and xtquant's whole-market push
``subscribe_whole_quote`` over the simulator's 3-second snapshots.

Like xtquant, the first push of a whole-quote subscription is the full snapshot of its codes; later pushes
carry only the codes whose snapshot changed, once per 3-second tick of a session of any of its codes (a
future's night session too; nothing changes outside sessions). Callbacks run on a pusher thread, not the
caller's, as xtquant's run on its client's threads, and an exception in a callback is logged, never
propagated. The per-code pushes (``subscribe_quote``,
``subscribe_l2thousand``) run on a pusher of their own (:mod:`.quote_pushes`), so that a whole-market push
(seconds of CPU the first time of a day) never delays them; ``unsubscribe_quote`` ends either kind.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from qmt_bridge.sim.market.calendar import TradingCalendar
from qmt_bridge.sim.market.ticks import snapshot_moment
from qmt_bridge.sim.market.trading_hours import SCHEDULES, STOCK_HOURS, Schedule, schedule_of, tick_time_ms
from qmt_bridge.sim.timeparse import as_list

log = logging.getLogger("qmt_bridge.sim")

#: Wall seconds of work per ``get_full_tick`` call of a push. The simulator computes snapshots under a
#: lock; chunks of about this length let a caller's own ``get_full_tick`` in between instead of waiting
#: for the whole market (a code costs ~2 ms the first time of a day, ~0.03 ms later).
CHUNK_SECONDS = 0.03
#: The longest the pusher sleeps (wall seconds), so that a slow replay or a frozen clock is still polled.
MAX_WAIT = 3.0
#: The pusher rests at least this many times as long as its last round took (up to ``MAX_WAIT``): a fast
#: replay, where a new tick comes before a whole-market push is done, skips ticks instead of holding the CPU
#: (and the GIL) all the time.
REST_FACTOR = 4.0

#: A snapshot moment: (trading day, tick index) as :func:`snapshot_moment` gives it.
Moment = Any


class Moments:
    """The snapshot moments of one clock reading, one per trading hours (each computed once)."""

    def __init__(self, calendar: TradingCalendar, now: dt.datetime) -> None:
        self.calendar = calendar
        self.now = now
        self._of: dict[Schedule, Moment] = {}

    def of(self, hours: Schedule = STOCK_HOURS) -> Moment:
        """(trading day, tick index) of the reading under ``hours``."""
        if hours not in self._of:
            self._of[hours] = snapshot_moment(self.calendar, self.now, hours)
        return self._of[hours]

    def key(self, hours: tuple[Schedule, ...] = SCHEDULES) -> tuple[Moment, ...]:
        """The moments under each of ``hours``: it changes with the next tick of any of their sessions."""
        return tuple(self.of(h) for h in hours)

    def live(self, hours: Schedule = STOCK_HOURS) -> bool:
        """Whether the reading lies in a session of ``hours``: within one tick of its moment's tick
        (outside sessions the moment is the last tick before, minutes or days old)."""
        moment = self.of(hours)
        if moment is None:
            return False
        ago = self.now.timestamp() * 1000 - tick_time_ms(self.calendar, hours, moment[0], moment[1])
        return 0 <= ago < 3000


P = TypeVar("P", bound="Pusher")

#: Set while a callback runs on this thread: an ``unsubscribe_quote`` from inside a callback must not wait
#: for deliveries (its own, or another pusher's that may be waiting for it).
_in_callback = threading.local()

#: Set when a subscribe callback raises ``KeyboardInterrupt``: ``xtdata.run()`` returns (at once, or as soon
#: as it is called: the push may come before the script reaches ``run()``).
CALLBACK_INTERRUPT = threading.Event()


class Pusher:
    """One thread serving a set of subscriptions (``seq -> subscription``); it runs while there is at least
    one, and ends with the last.

    Every round reads the simulated clock's snapshot moment and hands the subscriptions to :meth:`_round`,
    then sleeps until the clock's next 3-second tick (at most ``MAX_WAIT``, at least ``REST_FACTOR`` times the
    round's duration). Subclasses say what a round pushes.
    """

    thread_name = "sim-push"
    label = "push"

    def __init__(self, api: Any) -> None:
        self._api = api
        self._subscriptions: dict[int, Any] = {}
        self._lock = threading.Lock()
        # Held while a callback runs, so that unsubscribe_quote returns only after any push in flight.
        self._delivering = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def subscription_count(self) -> int:
        return len(self._subscriptions)

    def add(self, seq: int, subscription: Any) -> None:
        with self._lock:
            self._subscriptions[seq] = subscription
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
                self._thread.start()
        self._wake.set()

    def remove(self, seq: int) -> None:
        """End subscription ``seq`` if it is this pusher's; returns after any push of it in flight (unless
        called from inside a callback, which must not wait for deliveries)."""
        with self._lock:
            held = self._subscriptions.pop(seq, None) is not None
        if not held:
            return
        self._wake.set()
        if not getattr(_in_callback, "active", False):
            with self._delivering:
                pass

    def close(self, timeout: float) -> None:
        """End every subscription and wait (at most ``timeout`` seconds each) for a push in flight and for
        the thread to end."""
        with self._lock:
            self._subscriptions.clear()
            thread = self._thread
        self._wake.set()
        if thread is None or thread is threading.current_thread() or getattr(_in_callback, "active", False):
            return
        if self._delivering.acquire(timeout=timeout):
            self._delivering.release()
        thread.join(timeout)

    # ------------------------------------------------------------------ the thread

    def _run(self) -> None:
        while True:
            try:
                self._loop()
                return
            except Exception:  # the subscriptions are still there: keep serving them after a rest
                log.exception("%s pusher error; retrying", self.label)
                self._wake.wait(MAX_WAIT)

    def _loop(self) -> None:
        market = self._api.market
        while True:
            # Cleared before reading the subscriptions: one added after this read wakes the wait below.
            self._wake.clear()
            with self._lock:
                active = list(self._subscriptions.items())
                if not active:
                    self._thread = None  # under the lock: an add() after this starts a new thread
                    self._idle()
                    return
            started = time.monotonic()
            now = market.now()
            self._round(active, Moments(market.calendar, now), now)
            took = time.monotonic() - started
            self._wake.wait(min(max(self._until_next_tick(), REST_FACTOR * took), MAX_WAIT))

    def _round(self, active: list[tuple[int, Any]], moments: Moments, now: dt.datetime) -> None:
        """Serve ``active`` subscriptions at the snapshot ``moments`` of the clock reading ``now``."""
        raise NotImplementedError

    def _idle(self) -> None:
        """Called by the thread as it ends (no subscription left): release what the rounds kept."""

    def _deliver(self, seq: int, callback: Callable[[Any], Any], data: Any) -> None:
        """Call ``callback(data)`` unless ``seq`` has ended; log what it raises. A ``KeyboardInterrupt``
        raised in a callback makes ``xtdata.run()`` return (:data:`CALLBACK_INTERRUPT`); it is not thrown
        into the main thread, where it could land in any line of the script (before ``run()``: a crash)."""
        with self._delivering:
            if seq not in self._subscriptions:
                return
            _in_callback.active = True
            try:
                callback(data)
            except KeyboardInterrupt:
                log.info("KeyboardInterrupt in a subscribe callback (subscription %d): run() returns", seq)
                CALLBACK_INTERRUPT.set()
            except BaseException:  # SystemExit too: a callback must not end the pushes of every subscription
                log.exception("subscribe callback error (subscription %d)", seq)
            finally:
                _in_callback.active = False

    def _full_ticks(self, codes: list[str], wanted: Callable[[], bool]) -> dict[str, dict[str, Any]]:
        """``get_full_tick(codes)`` in chunks of about ``CHUNK_SECONDS``; stops early when ``wanted()`` is
        false (the subscriptions that asked have ended)."""
        ticks: dict[str, dict[str, Any]] = {}
        i, size = 0, 16
        while i < len(codes):
            if not wanted():
                break
            started = time.monotonic()
            ticks.update(self._api.get_full_tick(codes[i : i + size]))
            i += size
            took = max(time.monotonic() - started, 1e-4)
            size = max(1, min(4 * size, int(size * CHUNK_SECONDS / took)))
        return ticks

    def _until_next_tick(self) -> float:
        """Wall seconds until the simulated clock reaches the next 3-second tick (at most ``MAX_WAIT``)."""
        clock = self._api.market.clock
        simulated = 3.0 - clock.now().timestamp() % 3.0 + 0.001
        speed = clock.speed if clock.mode == "replay" else 1.0
        return min(simulated / speed, MAX_WAIT)


# ---------------------------------------------------------------------- the whole-market push


class _WholeQuote:
    __slots__ = ("codes", "callback", "moment", "last", "hours")

    def __init__(self, codes: list[str], callback: Callable[[dict[str, Any]], Any] | None) -> None:
        self.codes = codes
        self.callback = callback
        #: The (trading day, tick) of the last push; None before the first.
        self.moment: Moment | None = None
        self.last: dict[str, dict[str, Any]] = {}
        #: The trading hours of its codes (known at its first round): a push follows their sessions.
        self.hours: tuple[Schedule, ...] | None = None


class _WholeQuotePusher(Pusher):
    """Pushes each whole-quote subscription its changed snapshots once per moment."""

    thread_name = "sim-quote-push"
    label = "whole-quote"

    def _round(self, active: list[tuple[int, _WholeQuote]], moments: Moments, now: dt.datetime) -> None:
        for seq, subscription in active:
            if subscription.hours is None:
                subscription.hours = self._hours_of(subscription.codes)
            moment = moments.key(subscription.hours)
            if subscription.moment != moment:
                try:
                    self._push(seq, subscription, moment)
                except Exception:  # one subscription's failure must not end the others' pushes
                    subscription.moment = moment  # tried again at the next tick, not at once
                    log.exception("whole-quote push failed (subscription %d)", seq)

    def _hours_of(self, codes: list[str]) -> tuple[Schedule, ...]:
        universe = self._api.market.universe
        found = {
            schedule_of(inst) for code in self._api._expand_markets(codes) if (inst := universe.get(code))
        }
        return tuple(h for h in SCHEDULES if h in found) or (STOCK_HOURS,)

    def _push(self, seq: int, subscription: _WholeQuote, moment: Moment) -> None:
        codes = self._api._expand_markets(subscription.codes)
        ticks = self._full_ticks(codes, lambda: seq in self._subscriptions)
        if seq not in self._subscriptions:
            return
        last = subscription.last
        changed = {code: tick for code, tick in ticks.items() if last.get(code) != tick}
        subscription.moment = moment
        last.update(changed)
        if not changed or subscription.callback is None:
            return
        # The callback gets its own copies: what it changes must not look like a change next tick.
        self._deliver(seq, subscription.callback, {code: copy_snapshot(t) for code, t in changed.items()})


def copy_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A callback's own copy of a snapshot (its book lists included)."""
    return {k: list(v) if isinstance(v, list) else v for k, v in snapshot.items()}


# ---------------------------------------------------------------------- the API


class SubscriptionAPI:
    """``subscribe_whole_quote`` and ``unsubscribe_quote`` of the simulated ``xtdata``, and the pushers."""

    market: Any
    get_full_tick: Callable[[list[str]], dict[str, dict[str, Any]]]
    _expand_markets: Callable[[list[str]], list[str]]

    def subscribe_whole_quote(
        self, code_list: list[str] | str, callback: Callable[[dict[str, Any]], Any] | None = None
    ) -> int:
        """Push ``{code: snapshot}`` to ``callback``: first the full snapshot of ``code_list`` (markets such
        as ``'SH'`` or codes), then each tick's changes. Returns the subscription number for
        :meth:`unsubscribe_quote`."""
        codes = as_list(code_list)
        if not all(isinstance(code, str) for code in codes):
            raise TypeError(f"code_list must hold market or stock codes as str, got {code_list!r}")
        return self._subscribe("_quote_pusher", _WholeQuotePusher, _WholeQuote(codes, callback))

    def unsubscribe_quote(self, seq: int) -> None:
        """End a subscription of any kind; an unknown number is ignored. No push of it starts after this
        returns, and a push in flight has ended (unless called from inside a callback)."""
        for pusher in self._pushers():
            pusher.remove(seq)

    def _subscribe(self, slot: str, kind: type[Pusher], subscription: Any) -> int:
        """Number ``subscription`` and hand it to the pusher in ``slot`` (one of type ``kind``)."""
        # One numbering for every kind, so that unsubscribe_quote needs no more than the number.
        numbers = self.__dict__.get("_subscription_numbers")
        if numbers is None:
            numbers = self.__dict__.setdefault("_subscription_numbers", itertools.count(1))
        seq = next(numbers)
        self._pusher_in(slot, kind).add(seq, subscription)
        return seq

    def _pusher_in(self, slot: str, kind: type[P]) -> P:
        # Created on first use: SimXtData's constructor stays the market's business.
        pusher = self.__dict__.get(slot)
        if pusher is None:
            pusher = self.__dict__.setdefault(slot, kind(self))
        return pusher

    def get_current_connect_sub_info(self) -> list[dict[str, Any]]:
        """This client's subscriptions as xtquant lists them (xtdata.py's docstring: ``[{'subId': 1,
        'stockCode': '000001.SZ', 'period': 60000, 'metaId': 3001, 'isSub': True}]``): a row per code and
        period; a whole-market subscription has one per market or code it names (metaId 2999)."""
        rows = []
        for pusher in self._pushers():
            with pusher._lock:
                held = list(pusher._subscriptions.items())
            for seq, subscription in held:
                for code, meta_id, period in _described(subscription):
                    rows.append(
                        {"subId": seq, "stockCode": code, "period": period, "metaId": meta_id, "isSub": True}
                    )
        return sorted(rows, key=lambda row: (row["subId"], row["stockCode"]))

    def get_all_sub_info(self) -> list[dict[str, Any]]:
        """Every connection's subscriptions (xtdata.py: ``[{'addr', 'stockCode', 'period', 'metaId'}]``): the
        simulator's client has one connection, in process."""
        return [
            {"addr": "in-process", "stockCode": r["stockCode"], "period": r["period"], "metaId": r["metaId"]}
            for r in self.get_current_connect_sub_info()
        ]

    def _pushers(self) -> list[Pusher]:
        return [value for value in list(self.__dict__.values()) if isinstance(value, Pusher)]

    def _end_subscriptions(self, timeout: float = 5.0) -> None:
        """End every subscription (the drop-in module's rebuild and exit)."""
        for pusher in self._pushers():
            pusher.close(timeout)


#: Periods in ms as xtquant's subscription lists give them (metaInfo.json 3001 for K-lines).
_PERIOD_MS = {
    "1m": 60_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000, "60m": 3_600_000, "1h": 3_600_000,
    "1d": 86_400_000, "1w": 604_800_000, "1mon": 2_592_000_000, "1q": 7_776_000_000,
    "1hy": 15_552_000_000, "1y": 31_536_000_000,
}  # fmt: skip


def _described(subscription: Any) -> list[tuple[str, int, int]]:
    """``(code, metaId, period ms)`` of a subscription: metaInfo.json's 3000 (L1 ticks), 3001 (K-lines),
    1803 (thousand-level book) and 2999 (the whole market's L1)."""
    codes = getattr(subscription, "codes", None)
    if codes is not None:
        return [(code, 2999, 0) for code in codes]
    period = getattr(subscription, "period", None)
    if period is None:
        return [(subscription.code, 1803, 0)]
    if period == "tick":
        return [(subscription.code, 3000, 0)]
    return [(subscription.code, 3001, _PERIOD_MS.get(period, 0))]
