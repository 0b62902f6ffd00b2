"""The SSE trading calendar (holidays included), from the maintained ``exchange_calendars`` package.

SZSE, BSE and CFFEX share the SSE calendar; commodity futures exchanges close on the same days. The
calendar covers 2005 to the last year whose holidays the package records; beyond that xtquant itself
raises (its holiday file is finite too), and so does :meth:`TradingCalendar.check_covered`.

A simulated market whose clock has passed the recorded years uses :func:`calendar_for`'s *provisional*
calendar: one more year, because the State Council announces a year's holidays only weeks before it starts
and the package records them in a later release. Without it a simulator installed in November would stop on
31 December. Only such a market builds its prices on it, so the history a seed gives does not change with
the wall clock (the price paths depend on the calendar's length); the forward-looking calls
(``get_trading_calendar``, ``get_holidays``) reach into it from any date, as a MiniQMT that has downloaded the
next year's announced holidays does. The provisional year closes on an estimate of its
holidays (:func:`estimated_holidays`): the statutory festivals, whose dates astronomy fixes, extended as
the exchanges have extended them every year; every other weekday trades.
"""

from __future__ import annotations

import bisect
import datetime as dt
import warnings
from functools import lru_cache

FIRST_DAY = dt.date(2005, 1, 4)


class CalendarRangeError(ValueError):
    """A date lies outside the years the calendar has holiday data for."""


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th ``weekday`` (0 = Monday) of a month, e.g. ``(y, m, 4, 3)``: the third Friday."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


class TradingCalendar:
    """Sorted trading days with O(log n) lookups.

    Args:
        sessions: trading days in ascending order.
        last_covered: the last calendar day the calendar answers for.
        provisional_from: the first day whose holidays are not recorded but estimated; ``None`` when all
            are recorded.
    """

    def __init__(
        self, sessions: list[dt.date], last_covered: dt.date, provisional_from: dt.date | None = None
    ) -> None:
        self.sessions = sessions
        self.first_covered = FIRST_DAY
        self.last_covered = last_covered
        self.provisional_from = provisional_from
        self._index = {d: i for i, d in enumerate(sessions)}
        self._holidays: list[dt.date] | None = None

    def is_trading_day(self, day: dt.date) -> bool:
        return day in self._index

    def index_of(self, day: dt.date) -> int:
        """Position of a trading day in :attr:`sessions` (KeyError if not a trading day)."""
        return self._index[day]

    def between(self, start: dt.date | None, end: dt.date | None) -> list[dt.date]:
        """Trading days in the closed range ``[start, end]``; ``None`` means unbounded."""
        lo = 0 if start is None else bisect.bisect_left(self.sessions, start)
        hi = len(self.sessions) if end is None else bisect.bisect_right(self.sessions, end)
        return self.sessions[lo:hi]

    def last_on_or_before(self, day: dt.date) -> dt.date | None:
        i = bisect.bisect_right(self.sessions, day)
        return self.sessions[i - 1] if i else None

    def first_on_or_after(self, day: dt.date) -> dt.date | None:
        i = bisect.bisect_left(self.sessions, day)
        return self.sessions[i] if i < len(self.sessions) else None

    def on_or_after(self, day: dt.date) -> dt.date:
        """``day`` if it is a trading day, else the next one; past the calendar's end, the next weekday (the
        listing and expiry rules of contracts that reach beyond the recorded years)."""
        found = self.first_on_or_after(day)
        if found is not None:
            return found
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        return day

    def prev_day(self, day: dt.date) -> dt.date | None:
        """The trading day strictly before ``day``."""
        return self.last_on_or_before(day - dt.timedelta(days=1))

    def next_day(self, day: dt.date) -> dt.date | None:
        """The trading day strictly after ``day``."""
        return self.first_on_or_after(day + dt.timedelta(days=1))

    def holidays(self) -> list[dt.date]:
        """Weekdays on which the exchange is closed (what xtquant's ``get_holidays`` lists)."""
        if self._holidays is None:
            out = []
            day = self.first_covered
            one = dt.timedelta(days=1)
            while day <= self.last_covered:
                if day.weekday() < 5 and day not in self._index:
                    out.append(day)
                day += one
            self._holidays = out
        return list(self._holidays)

    def check_covered(self, day: dt.date) -> None:
        if day > self.last_covered or day < self.first_covered:
            raise CalendarRangeError(
                f"{day:%Y%m%d} is outside the trading calendar "
                f"({self.first_covered:%Y%m%d}..{self.last_covered:%Y%m%d})"
            )


@lru_cache(maxsize=1)
def sse_calendar() -> TradingCalendar:
    """The SSE calendar, built once per process."""
    with warnings.catch_warnings():
        # exchange_calendars trips pandas deprecation warnings that are not ours to fix.
        warnings.simplefilter("ignore")
        return _build_sse_calendar()


#: 初一 (Spring Festival), 清明, 端午 and 中秋: lunar dates and a solar term, known long before a year's
#: arrangement is announced. Recorded years are here to check the estimate against what was announced.
FESTIVALS = {
    2025: {
        "spring": dt.date(2025, 1, 29),
        "qingming": dt.date(2025, 4, 4),
        "dragon_boat": dt.date(2025, 5, 31),
        "mid_autumn": dt.date(2025, 10, 6),
    },
    2026: {
        "spring": dt.date(2026, 2, 17),
        "qingming": dt.date(2026, 4, 5),
        "dragon_boat": dt.date(2026, 6, 19),
        "mid_autumn": dt.date(2026, 9, 25),
    },
    2027: {
        "spring": dt.date(2027, 2, 6),
        "qingming": dt.date(2027, 4, 5),
        "dragon_boat": dt.date(2027, 6, 9),
        "mid_autumn": dt.date(2027, 9, 15),
    },
}


def estimated_holidays(year: int) -> list[dt.date]:
    """Weekdays of ``year`` the exchanges will most likely close, before the arrangement is announced.

    New Year's Day, 清明, 端午 and 中秋 close their day, with the Monday after one on a weekend and the
    bridge day next to one on a Tuesday or Thursday; Spring Festival closes from its eve to 初七, Labour Day
    five days from 1 May (from the Saturday before when 1 May is a Sunday or Monday) and National Day 1-7
    October, as the announced arrangements have since 2019. Festivals of a year missing from
    :data:`FESTIVALS` are left out (their days trade).
    """
    one = dt.timedelta(days=1)

    def single(day: dt.date) -> set[dt.date]:
        extra = {5: [2 * one], 6: [one], 1: [-one], 3: [one]}.get(day.weekday(), [])
        return {day, *(day + shift for shift in extra)}

    closed = single(dt.date(year, 1, 1))
    labour = dt.date(year, 5, 1)
    labour -= {6: 1, 0: 2}.get(labour.weekday(), 0) * one
    closed |= {labour + i * one for i in range(5)} | {dt.date(year, 10, d) for d in range(1, 8)}
    festivals = FESTIVALS.get(year, {})
    if "spring" in festivals:
        closed |= {festivals["spring"] + i * one for i in range(-1, 7)}
    for name in ("qingming", "dragon_boat", "mid_autumn"):
        if name in festivals:
            closed |= single(festivals[name])
    return sorted(d for d in closed if d.year == year and d.weekday() < 5)


@lru_cache(maxsize=1)
def provisional_calendar() -> TradingCalendar:
    """:func:`sse_calendar` and one more year, which trades every weekday but its
    :func:`estimated_holidays`."""
    recorded = sse_calendar()
    year = recorded.last_covered.year + 1
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    closed = set(estimated_holidays(year))
    extra = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    sessions = recorded.sessions + [d for d in extra if d.weekday() < 5 and d not in closed]
    return TradingCalendar(sessions, last, provisional_from=first)


def calendar_for(day: dt.date) -> TradingCalendar:
    """The calendar of a simulated market whose clock is at ``day``: the recorded one, or the provisional
    one once ``day`` is past the recorded years."""
    recorded = sse_calendar()
    return recorded if day <= recorded.last_covered else provisional_calendar()


def _build_sse_calendar() -> TradingCalendar:
    import exchange_calendars as xcals

    # The package refuses to build past its last recorded holiday year; ask for as far as it allows.
    probe = xcals.get_calendar("XSHG")
    last_year = probe.last_session.year
    for year in range(last_year + 2, last_year - 1, -1):
        try:
            cal = xcals.get_calendar("XSHG", start=FIRST_DAY.isoformat(), end=f"{year}-12-31")
            break
        except ValueError:
            continue
    sessions = [ts.date() for ts in cal.sessions]
    return TradingCalendar(sessions, dt.date(sessions[-1].year, 12, 31))
