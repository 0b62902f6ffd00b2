"""``SimMarket``: one simulated market, assembled from calendar, universe, sectors and prices.

It also owns "now": which trading day is current, how much of it has happened, and therefore which bars
are history. Everything here is deterministic for a given (seed, clock reading).

The universe (and the sectors over it) describes the clock's date: :func:`build_universe` keeps only what is
listed by then and clips ongoing ST periods to it. ``universe`` and ``sectors`` therefore rebuild themselves when
the clock's date moves on, so a server left running over a weekend sees Monday's listings, ST changes and
futures contracts exactly as a server started on Monday would (the universe of a later day agrees about the
past, see :mod:`.universe`).
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from qmt_bridge.sim.clock import SimClock
from qmt_bridge.sim.market.calendar import TradingCalendar, calendar_for
from qmt_bridge.sim.market.custom_sectors import CustomSectorStore
from qmt_bridge.sim.market.instruments import Instrument
from qmt_bridge.sim.market.prices import PriceEngine
from qmt_bridge.sim.market.sectors import Sectors
from qmt_bridge.sim.market.trading_hours import STOCK_HOURS, Schedule, night_held, tick_time_ms
from qmt_bridge.sim.market.universe import Universe, build_universe

#: Intraday K-line history the simulator keeps "locally" (like MiniQMT's cache), in trading days.
INTRADAY_HISTORY_DAYS = 500
#: Tick history, in trading days.
TICK_HISTORY_DAYS = 5


class SimMarket:
    """The simulated market as of its clock."""

    def __init__(
        self, seed: int = 20240101, clock: SimClock | None = None, data_dir: Path | None = None
    ) -> None:
        self.seed = seed
        self.clock = clock or SimClock()
        self.data_dir = data_dir
        self.calendar: TradingCalendar = calendar_for(self.clock.today())
        self._rebuild_lock = threading.Lock()
        self._state: tuple[dt.date, Universe, Sectors] = self._build(self.clock.today())
        self.prices = PriceEngine(
            self.calendar, seed, instrument_lookup=self._lookup, universe_lookup=lambda: self.universe
        )
        self.custom_sectors = CustomSectorStore(data_dir / "sim" if data_dir is not None else None)

    @property
    def universe(self) -> Universe:
        """The instruments as of the clock's date (rebuilt when the date moves on)."""
        return self._current()[1]

    @property
    def sectors(self) -> Sectors:
        """The system sectors over :attr:`universe`; without a day they answer for :meth:`current_day`."""
        return self._current()[2]

    def _build(self, today: dt.date) -> tuple[dt.date, Universe, Sectors]:
        calendar = calendar_for(today)
        if calendar is not self.calendar:
            # The clock passed the recorded holiday years (at most once per process): prices are rebuilt on
            # the provisional calendar, whose length their paths depend on.
            self.calendar = calendar
            self.prices = PriceEngine(
                calendar, self.seed, instrument_lookup=self._lookup, universe_lookup=lambda: self.universe
            )
        universe = build_universe(self.seed, today)
        return today, universe, Sectors(universe, self.calendar, self.seed, today=self.current_day)

    def _current(self) -> tuple[dt.date, Universe, Sectors]:
        state = self._state
        today = self.clock.today()
        if state[0] == today:
            return state
        with self._rebuild_lock:  # one rebuild (a fraction of a second); concurrent callers wait for it
            state = self._state
            if state[0] != today:
                state = self._build(today)
                self._state = state  # one assignment: readers never see a universe with another's sectors
        return state

    def _lookup(self, code: str) -> Instrument | None:
        return self.universe.get(code)

    def now(self) -> dt.datetime:
        return self.clock.now()

    def current_day(self, hours: Schedule = STOCK_HOURS) -> dt.date:
        """The trading day whose data is the newest: today if it is a trading day, else the last one; for
        ``hours`` with a night session, the next trading day once its night session's auction has begun
        (Friday evening's 21:00 trades for Monday)."""
        today = self.clock.today()
        if hours.night is not None:
            upcoming = self.calendar.first_on_or_after(today + dt.timedelta(days=1))
            if upcoming is not None and night_held(self.calendar, upcoming):
                if self._ms() >= self._tick_ms(upcoming, hours, 0):
                    return upcoming
        day = self.calendar.last_on_or_before(today)
        if day is None:
            raise RuntimeError("the clock is before the first day of the trading calendar")
        return day

    def day_started(self, day: dt.date, hours: Schedule = STOCK_HOURS) -> bool:
        """Whether continuous trading (a stock's 09:30 open; a night session's 21:00 the evening before)
        has begun on trading day ``day`` as of now."""
        grid = hours.grid(night_held(self.calendar, day))
        return self._ms() >= self._tick_ms(day, hours, grid.continuous_tick)

    def last_complete_day(self, hours: Schedule = STOCK_HOURS) -> dt.date | None:
        """The newest trading day that has fully closed (a stock's 15:00)."""
        day = self.current_day(hours)
        if self._ms() < self._tick_ms(day, hours, -1):
            return self.calendar.prev_day(day)
        return day

    def history_days(
        self, start: dt.date | None, end: dt.date | None, hours: Schedule = STOCK_HOURS
    ) -> list[dt.date]:
        """Trading days in ``[start, end]`` that have begun as of now (under trading ``hours``)."""
        cur = self.current_day(hours)
        end = cur if end is None or end > cur else end
        days = self.calendar.between(start, end)
        if days and days[-1] == cur and not self.day_started(cur, hours):
            days = days[:-1]
        return days

    def _ms(self) -> int:
        return int(self.now().timestamp() * 1000)

    def _tick_ms(self, day: dt.date, hours: Schedule, index: int) -> int:
        return tick_time_ms(self.calendar, hours, day, index)

    def intraday_window_start(self, ticks: bool = False) -> dt.date:
        """First trading day whose intraday (or tick) data the simulator serves."""
        keep = TICK_HISTORY_DAYS if ticks else INTRADAY_HISTORY_DAYS
        cur = self.current_day()
        idx = self.calendar.index_of(cur)
        return self.calendar.sessions[max(0, idx - keep + 1)]
