"""xtquant's per-code pushes: ``subscribe_quote`` / ``subscribe_quote2`` (ticks and K-lines),
``subscribe_l2thousand`` and ``subscribe_l2thousand_queue``, served by one pusher thread of their own
(``sim-code-push``).

A callback receives ``{code: [item, ...]}`` as xtquant's does (``shared/xtquant-api.md`` §1.4):

- ``tick``: the snapshot of the moment (``get_full_tick``'s dict), when it changed; a round that comes
  late (a fast replay) also carries the ticks since the last round, oldest first, so none is skipped;
- K-line periods: the bars that changed since the last push, oldest first (:mod:`.live_bars`): the bar in
  progress as it changes (same ``time``), and when the period rolls over, the completed bar's final state
  (if no push carried it yet) and the next bar. A tick the pusher skips (a fast replay) therefore never
  loses a completed bar, and a completed bar's last push equals the bar ``get_market_data_ex`` returns.
  A bar of a week or longer is labelled, like ``get_market_data_ex``'s, by its last trading day so far:
  its ``time`` moves forward each day until the period ends, so merge those by period, not by ``time``;
- ``subscribe_l2thousand``: ``{'time', 'askPrice', 'askVolume', 'bidPrice', 'bidVolume', 'price'}`` of the
  moment's Level-2 snapshot (the row ``get_market_data_ex(period='l2thousand')`` has at each minute's end),
  from 09:30;
- ``subscribe_l2thousand_queue``: ``get_l2thousand_queue``'s dict of the moment, when it changed.

Pushes follow the simulated clock and each code's own trading hours
(:mod:`~qmt_bridge.sim.market.trading_hours`: a commodity future's night session, CFFEX's 09:25 auction): a
round per 3-second tick of a session, nothing outside sessions (a subscription made then gets its first push
when the code's next session begins; one made in a session gets the current tick or bar at once). A round
computes only what its due subscriptions need: one ``get_full_tick`` for the tick codes, each (code, period,
dividend type)'s bars of the day once, each Level-2 book once; it never touches the rest of the market.
``start_time``, ``end_time`` and ``count`` load history into xtquant's local cache for ``get_market_data``;
the simulator has all of it, so they are accepted and unused.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from qmt_bridge.sim.api.level2 import _queue_prices, _thousand_columns
from qmt_bridge.sim.api.live_bars import bar_dicts, day_bars
from qmt_bridge.sim.api.subscriptions import Moment, Moments, Pusher, copy_snapshot
from qmt_bridge.sim.clock import CST
from qmt_bridge.sim.market.bars import KLINE_PERIODS, day_start_ms
from qmt_bridge.sim.market.corporate import DIVIDEND_TYPES
from qmt_bridge.sim.market.level2 import Level2Day
from qmt_bridge.sim.market.trading_hours import STOCK_HOURS, Schedule, schedule_of, tick_time_ms

log = logging.getLogger("qmt_bridge.sim")

Callback = Callable[[dict[str, list[dict[str, Any]]]], Any]
#: The thousand-level book is pushed from the continuous session on, as get_market_data_ex serves it.
_BOOK_FROM_MS = (9 * 60 + 30) * 60_000
_THOUSAND_KEYS = ("time", "askPrice", "askVolume", "bidPrice", "bidVolume", "price")
#: The most ticks a late round catches up on (10 minutes of a session); older ones are not pushed.
MAX_CATCH_UP = 200


class _Quote:
    """One ``subscribe_quote2`` subscription and what its last push carried."""

    __slots__ = ("code", "period", "dividend_type", "callback", "moment", "last_time", "last")

    def __init__(self, code: str, period: str, dividend_type: str, callback: Callback | None) -> None:
        self.code = code
        self.period = period
        self.dividend_type = dividend_type
        self.callback = callback
        self.moment: Moment | None = None  # the moment of the last round that served it
        self.last_time: int | None = None  # K-lines: the time of the last pushed bar
        self.last: dict[str, Any] | None = None  # the last pushed item

    @property
    def key(self) -> tuple[Any, ...]:
        """What it needs computed; subscriptions with equal keys share one computation a round."""
        if self.period == "tick":
            return ("tick", self.code)
        return ("bars", self.code, self.period, self.dividend_type)

    def take(self, value: Any) -> list[dict[str, Any]]:
        """The items to push from this round's ``value`` (of :attr:`key`); remembers them as pushed."""
        if value is None:
            return []
        if self.period == "tick":
            last_time = self.last["time"] if self.last is not None else None
            fresh = [v for v in value if v is not None and (last_time is None or v["time"] > last_time)]
            if self.last is None:
                fresh = fresh[-1:]  # a new subscription starts from the current tick, not the ones it missed
            fresh = [v for v in fresh if v != self.last]
            if not fresh:
                return []
            self.last = fresh[-1]
            return [copy_snapshot(v) for v in fresh]
        bars, actions = value
        n = len(bars)
        if n == 0:
            return []
        times = bars["time"]
        start = n - 1 if self.last_time is None else int(np.searchsorted(times, self.last_time, side="left"))
        items = bar_dicts(bars, range(start, n), self.period, actions)
        if items and items[0]["time"] == self.last_time and items[0] == self.last:
            items = items[1:]  # the last pushed bar has not changed
        if not items:
            return []
        self.last_time, self.last = items[-1]["time"], items[-1]
        return [dict(item) for item in items]  # the callback's own: its changes must not fake a change


class _Thousand:
    """One ``subscribe_l2thousand`` subscription and its last push."""

    __slots__ = ("code", "gear_num", "callback", "moment", "last")

    def __init__(self, code: str, gear_num: int, callback: Callback | None) -> None:
        self.code = code
        self.gear_num = gear_num  # levels a side; 0 = all
        self.callback = callback
        self.moment: Moment | None = None
        self.last: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[Any, ...]:
        return ("l2thousand", self.code, self.gear_num)

    def take(self, value: Any) -> list[dict[str, Any]]:
        if value is None or value == self.last:
            return []
        self.last = value
        return [copy_snapshot(value)]


class _ThousandQueue(_Thousand):
    """One ``subscribe_l2thousand_queue`` subscription: the single-order queues of the chosen levels."""

    __slots__ = ("price",)

    def __init__(self, code: str, gear_num: int, price: Any, callback: Callback | None) -> None:
        super().__init__(code, gear_num, callback)
        self.price = price

    @property
    def key(self) -> tuple[Any, ...]:
        price = tuple(self.price) if isinstance(self.price, (list, tuple)) else self.price
        return ("l2thousandqueue", self.code, self.gear_num, price)


class _CodePusher(Pusher):
    """Serves every per-code subscription, once per moment, computing each key once."""

    thread_name = "sim-code-push"
    label = "per-code"

    def __init__(self, api: Any) -> None:
        super().__init__(api)
        # Level-2 days of the subscribed codes, kept here: the engine's small cache would rebuild them every
        # round when more codes are subscribed than it holds (~3 MB and ~30 ms a code-day).
        self._level2: dict[str, Level2Day] = {}

    def _round(self, active: list[tuple[int, Any]], moments: Moments, now: dt.datetime) -> None:
        universe = self._api.market.universe
        due = []
        for seq, subscription in active:
            inst = universe.get(subscription.code)
            hours = schedule_of(inst) if inst is not None else STOCK_HOURS  # a future's night, 09:00, 15:15
            moment = moments.of(hours)
            if subscription.moment == moment:
                continue
            if subscription.callback is None or (subscription.moment is None and not moments.live(hours)):
                subscription.moment = moment  # nothing to deliver, or wait for the next session
                continue
            due.append((seq, subscription, moment, hours))
        thousand = {s.code for _, s in active if isinstance(s, _Thousand)}
        for code in [code for code in self._level2 if code not in thousand]:
            del self._level2[code]
        if not due:
            return
        values = self._values([(s, moment, hours) for _, s, moment, hours in due])
        for seq, subscription, moment, _ in due:
            if seq not in self._subscriptions:
                continue
            try:
                items = subscription.take(values.get(subscription.key))
            except Exception:  # one subscription's failure must not end the others' pushes
                log.exception("per-code push failed (subscription %d)", seq)
                items = []
            subscription.moment = moment  # after a failure: tried again at the next tick, not at once
            if items:
                self._deliver(seq, subscription.callback, {subscription.code: items})

    def _idle(self) -> None:
        self._level2.clear()

    def _values(self, due: list[tuple[Any, Moment, Schedule]]) -> dict[tuple[Any, ...], Any]:
        """Each key of the ``due`` subscriptions (with their moments and hours) computed once (None where
        there is nothing to push or it failed)."""
        values: dict[tuple[Any, ...], Any] = {}
        ticking = [(s, moment, hours) for s, moment, hours in due if s.key[0] == "tick"]
        tick_codes = list(dict.fromkeys(s.code for s, _, _ in ticking))
        if tick_codes:
            try:
                ticks = self._full_ticks(tick_codes, lambda: bool(self._subscriptions))
                skipped = self._skipped_ticks(ticking)
            except Exception:
                log.exception("per-code push: snapshots of %d codes failed", len(tick_codes))
                ticks, skipped = {}, {}
            values.update((("tick", code), [*skipped.get(code, []), ticks.get(code)]) for code in tick_codes)
        for subscription, moment, _ in due:
            key = subscription.key
            if key in values:
                continue
            try:
                if key[0] == "bars":
                    values[key] = self._bars(subscription, moment[0])
                elif key[0] == "l2thousandqueue":
                    values[key] = self._api.get_l2thousand_queue(
                        subscription.code, subscription.gear_num or None, subscription.price
                    )
                else:
                    values[key] = self._thousand(subscription)
            except Exception:
                log.exception("per-code push: computing %s failed", key)
                values[key] = None
        return values

    def _skipped_ticks(self, due: list[tuple[_Quote, Moment, Schedule]]) -> dict[str, list[dict[str, Any]]]:
        """The snapshots of the session ticks between each tick subscription's last round and its moment
        now (same trading day), oldest first: a round that comes late (a fast replay, a busy machine) still
        pushes every tick, several in one callback as xtquant's lists allow. At most :data:`MAX_CATCH_UP`
        ticks back."""
        groups: dict[tuple[Any, Schedule], dict[str, int]] = {}
        for subscription, moment, hours in due:
            last = subscription.moment
            if moment is not None and last is not None and last[0] == moment[0] and last[1] < moment[1] - 1:
                since = groups.setdefault((moment, hours), {})
                since[subscription.code] = min(since.get(subscription.code, last[1]), last[1])
        out: dict[str, list[dict[str, Any]]] = {}
        market = self._api.market
        for ((day, index), hours), since in groups.items():
            known = [
                (code, last, inst) for code, last in since.items() if (inst := market.universe.get(code))
            ]
            first = max(min(since.values()) + 1, index - MAX_CATCH_UP)
            for tick in range(first, index):
                now_due = [(code, inst) for code, last, inst in known if last < tick]
                if not now_due:
                    continue
                at = dt.datetime.fromtimestamp(tick_time_ms(market.calendar, hours, day, tick) / 1000, CST)
                snaps = market.prices.snapshots([inst for _, inst in now_due], at)
                for (code, _), snap in zip(now_due, snaps, strict=True):
                    if snap is not None:
                        out.setdefault(code, []).append(snap)
        return out

    def _bars(self, subscription: _Quote, day: dt.date) -> Any:
        api = self._api
        inst = api.market.universe.get(subscription.code)
        if inst is None:
            return None
        actions = api._actions(inst)
        return day_bars(api, inst, subscription.period, subscription.dividend_type, day, actions), actions

    def _thousand(self, subscription: _Thousand) -> dict[str, Any] | None:
        api = self._api
        code = subscription.code
        l2 = self._level2.get(code)
        if l2 is None or l2.day != api.market.current_day():
            inst = api._l2_inst(code)
            l2 = api._l2_day(inst) if inst is not None else None  # None before 09:15
            if l2 is None:
                self._level2.pop(code, None)
                return None
            self._level2[code] = l2
        s = api._l2_snapshot_now(l2)
        if s < 0 or int(l2.s_time[s]) < day_start_ms(l2.day) + _BOOK_FROM_MS:
            return None
        row = _thousand_columns(l2, np.array([s]))
        item = {key: row[key][0] for key in _THOUSAND_KEYS}
        item["time"], item["price"] = int(item["time"]), float(item["price"])
        if subscription.gear_num:
            for key in ("askPrice", "askVolume", "bidPrice", "bidVolume"):
                item[key] = item[key][: subscription.gear_num]
        return item


class QuotePushAPI:
    """``subscribe_quote``, ``subscribe_quote2`` and ``subscribe_l2thousand`` of the simulated ``xtdata``;
    ``unsubscribe_quote`` (:class:`~.subscriptions.SubscriptionAPI`) ends them."""

    market: Any
    _subscribe: Callable[..., int]
    _l2_inst: Callable[[str], Any]

    def subscribe_quote(
        self,
        stock_code: str,
        period: str = "1d",
        start_time: Any = "",
        end_time: Any = "",
        count: int = 0,
        callback: Callback | None = None,
    ) -> int:
        """Push ``{stock_code: [item, ...]}`` to ``callback`` as ``stock_code``'s ``period`` data changes
        (``tick``: snapshots; K-line periods: the bar in progress, then the next). Returns the subscription
        number (> 0) for ``unsubscribe_quote``, or -1 for an unknown code, a period the simulator cannot
        push, or anything but one code as a str (xtquant takes one code)."""
        return self.subscribe_quote2(stock_code, period, start_time, end_time, count, None, callback)

    def subscribe_quote2(
        self,
        stock_code: str,
        period: str = "1d",
        start_time: Any = "",
        end_time: Any = "",
        count: int = 0,
        dividend_type: str | None = None,
        callback: Callback | None = None,
    ) -> int:
        """:meth:`subscribe_quote` with K-line prices adjusted per ``dividend_type`` (None = ``'none'``, one
        of ``front``, ``back``, ``front_ratio``, ``back_ratio``; another gives -1)."""
        adjustment = "none" if dividend_type is None else dividend_type
        if not isinstance(stock_code, str):
            problem = f"stock_code must be one code as a str, got {stock_code!r}"
        elif self.market.universe.get(stock_code) is None:
            problem = f"unknown stock code {stock_code!r}"
        elif period != "tick" and period not in KLINE_PERIODS:
            problem = f"the simulator cannot push period {period!r}"
        elif adjustment not in DIVIDEND_TYPES:
            problem = f"unknown dividend_type {dividend_type!r}"
        else:
            return self._subscribe(
                "_code_pusher", _CodePusher, _Quote(stock_code, period, adjustment, callback)
            )
        log.warning("subscribe_quote: %s; returning -1", problem)
        return -1

    def subscribe_l2thousand(
        self, stock_code: str, gear_num: int | None = None, callback: Callback | None = None
    ) -> int:
        """Push the thousand-level book ``{stock_code: [{'time', 'askPrice', 'askVolume', 'bidPrice',
        'bidVolume', 'price'}]}`` once per 3-second tick of a session in which it changed (volumes in lots;
        ``gear_num`` levels a side, None for all). Returns the subscription number, or -1 for a code without
        Level-2 data or a bad ``gear_num``."""
        problem = self._thousand_problem(stock_code, gear_num)
        if problem is None:
            return self._subscribe(
                "_code_pusher", _CodePusher, _Thousand(stock_code, gear_num or 0, callback)
            )
        log.warning("subscribe_l2thousand: %s; returning -1", problem)
        return -1

    def subscribe_l2thousand_queue(
        self,
        stock_code: str,
        callback: Callback | None = None,
        gear_num: int | None = None,
        price: Any = None,
    ) -> int:
        """Push the single-order queues of the thousand-level book, ``{stock_code: [{'time', 'bidGear',
        'bidPrice', 'bidVolume', 'askGear', 'askPrice', 'askVolume'}]}`` (as ``get_l2thousand_queue``),
        once per 3-second tick in which they changed. ``gear_num`` (the first n levels a side) and ``price``
        (a float, a list of floats or a ``(lo, hi)`` range in 0.01 steps) choose the levels; as in xtquant
        (xtdata.py, ``subscribe_l2thousand_queue``) giving both raises ``Exception('不能同时指定档位和价格')``.
        Returns the subscription number, or -1 for a code without Level-2 data or a bad ``gear_num``."""
        if gear_num is not None and price is not None:
            raise Exception("不能同时指定档位和价格")
        _queue_prices(price)  # raises for a price xtquant cannot convert, before subscribing
        problem = self._thousand_problem(stock_code, gear_num)
        if problem is None:
            subscription = _ThousandQueue(stock_code, gear_num or 0, price, callback)
            return self._subscribe("_code_pusher", _CodePusher, subscription)
        log.warning("subscribe_l2thousand_queue: %s; returning -1", problem)
        return -1

    def _thousand_problem(self, stock_code: Any, gear_num: Any) -> str | None:
        """Why a thousand-level subscription cannot be made (None when it can)."""
        if not isinstance(stock_code, str) or self._l2_inst(stock_code) is None:
            return f"no Level-2 data for {stock_code!r}"
        if gear_num is not None and (
            isinstance(gear_num, bool) or not isinstance(gear_num, int) or gear_num < 0
        ):
            return f"gear_num must be None or a number of levels, got {gear_num!r}"
        return None
