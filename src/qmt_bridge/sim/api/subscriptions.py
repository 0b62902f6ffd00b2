"""xtquant's whole-market push, ``subscribe_whole_quote``, over the simulator's 3-second snapshots.

Like xtquant, the first push of a subscription is the full snapshot of its codes; later pushes carry only
the codes whose snapshot changed, once per 3-second tick of a session (nothing changes outside sessions).
Callbacks run on one pusher thread, not the caller's, as xtquant's run on its client's threads, and an
exception in a callback is logged, never propagated.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from qmt_bridge.sim.market.intraday import snapshot_moment
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


class _WholeQuote:
    __slots__ = ("codes", "callback", "moment", "last")

    def __init__(self, codes: list[str], callback: Callable[[dict[str, Any]], Any] | None) -> None:
        self.codes = codes
        self.callback = callback
        #: The (trading day, tick) of the last push; None before the first.
        self.moment: tuple[Any, int] | None = None
        self.last: dict[str, dict[str, Any]] = {}


class SubscriptionAPI:
    """``subscribe_whole_quote`` and ``unsubscribe_quote`` of the simulated ``xtdata``."""

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
        return self._pusher().add(_WholeQuote(codes, callback))

    def unsubscribe_quote(self, seq: int) -> None:
        """End a subscription; an unknown number is ignored. No push starts after this returns."""
        self._pusher().remove(seq)

    def _pusher(self) -> _Pusher:
        # Created on first use: SimXtData's constructor stays the market's business.
        pusher = self.__dict__.get("_quote_pusher")
        if pusher is None:
            pusher = self.__dict__.setdefault("_quote_pusher", _Pusher(self))
        return pusher


class _Pusher:
    """One thread serving every subscription; it runs while there is at least one."""

    def __init__(self, api: SubscriptionAPI) -> None:
        self._api = api
        self._subscriptions: dict[int, _WholeQuote] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        # Held while a callback runs, so that unsubscribe_quote returns only after any push in flight.
        self._delivering = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, subscription: _WholeQuote) -> int:
        with self._lock:
            seq = next(self._numbers)
            self._subscriptions[seq] = subscription
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sim-quote-push", daemon=True)
                self._thread.start()
        self._wake.set()
        return seq

    def remove(self, seq: int) -> None:
        with self._lock:
            self._subscriptions.pop(seq, None)
        self._wake.set()
        if threading.current_thread() is not self._thread:
            with self._delivering:
                pass

    def _run(self) -> None:
        while True:
            try:
                self._loop()
                return
            except Exception:  # the subscriptions are still there: keep serving them after a rest
                log.exception("whole-quote pusher error; retrying")
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
                    return
            started = time.monotonic()
            moment = snapshot_moment(market.calendar, market.now())
            for seq, subscription in active:
                if subscription.moment != moment:
                    try:
                        self._push(seq, subscription, moment)
                    except Exception:  # one subscription's failure must not end the others' pushes
                        subscription.moment = moment  # tried again at the next tick, not at once
                        log.exception("whole-quote push failed (subscription %d)", seq)
            took = time.monotonic() - started
            self._wake.wait(min(max(self._until_next_tick(), REST_FACTOR * took), MAX_WAIT))

    def _push(self, seq: int, subscription: _WholeQuote, moment: tuple[Any, int] | None) -> None:
        codes = self._api._expand_markets(subscription.codes)
        ticks: dict[str, dict[str, Any]] = {}
        i, size = 0, 16
        while i < len(codes):
            if seq not in self._subscriptions:
                return
            started = time.monotonic()
            ticks.update(self._api.get_full_tick(codes[i : i + size]))
            i += size
            took = max(time.monotonic() - started, 1e-4)
            size = max(1, min(4 * size, int(size * CHUNK_SECONDS / took)))
        last = subscription.last
        changed = {code: tick for code, tick in ticks.items() if last.get(code) != tick}
        subscription.moment = moment
        last.update(changed)
        if not changed or subscription.callback is None:
            return
        # The callback gets its own copies: what it changes must not look like a change next tick.
        pushed = {
            code: {k: list(v) if isinstance(v, list) else v for k, v in t.items()}
            for code, t in changed.items()
        }
        with self._delivering:
            if seq not in self._subscriptions:
                return
            try:
                subscription.callback(pushed)
            except Exception:
                log.exception("subscribe callback error (subscription %d)", seq)

    def _until_next_tick(self) -> float:
        """Wall seconds until the simulated clock reaches the next 3-second tick (at most ``MAX_WAIT``)."""
        clock = self._api.market.clock
        simulated = 3.0 - clock.now().timestamp() % 3.0 + 0.001
        speed = clock.speed if clock.mode == "replay" else 1.0
        return min(simulated / speed, MAX_WAIT)
