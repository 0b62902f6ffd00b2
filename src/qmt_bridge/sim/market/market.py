"""``SimMarket``: one simulated market, assembled from calendar, universe, sectors and prices.

It also owns "now": which trading day is current, how much of it has happened, and therefore which bars
are history. Everything here is deterministic for a given (seed, clock reading).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from qmt_bridge.sim.clock import SimClock
from qmt_bridge.sim.market.calendar import TradingCalendar, sse_calendar
from qmt_bridge.sim.market.custom_sectors import CustomSectorStore
from qmt_bridge.sim.market.prices import PriceEngine
from qmt_bridge.sim.market.sectors import Sectors
from qmt_bridge.sim.market.universe import Universe, build_universe

SESSION_OPEN = dt.time(9, 30)
SESSION_CLOSE = dt.time(15, 0)

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
        self.calendar: TradingCalendar = sse_calendar()
        self.universe: Universe = build_universe(seed, self.clock.today())
        self.sectors = Sectors(self.universe, self.calendar, seed)
        self.prices = PriceEngine(self.calendar, seed, instrument_lookup=self.universe.get)
        self.custom_sectors = CustomSectorStore(data_dir / "sim" if data_dir is not None else None)

    def now(self) -> dt.datetime:
        return self.clock.now()

    def current_day(self) -> dt.date:
        """The trading day whose data is the newest: today if it is a trading day, else the last one."""
        today = self.clock.today()
        day = self.calendar.last_on_or_before(today)
        if day is None:
            raise RuntimeError("the clock is before the first day of the trading calendar")
        return day

    def day_started(self, day: dt.date) -> bool:
        """Whether trading (the 09:30 open) has begun on ``day`` as of now."""
        now = self.now()
        return day < now.date() or (day == now.date() and now.time() >= SESSION_OPEN)

    def last_complete_day(self) -> dt.date | None:
        """The newest trading day that has fully closed."""
        now = self.now()
        day = self.current_day()
        if day == now.date() and now.time() < SESSION_CLOSE:
            return self.calendar.prev_day(day)
        return day

    def history_days(self, start: dt.date | None, end: dt.date | None) -> list[dt.date]:
        """Trading days in ``[start, end]`` that have begun as of now."""
        cur = self.current_day()
        end = cur if end is None or end > cur else end
        days = self.calendar.between(start, end)
        if days and days[-1] == cur and not self.day_started(cur):
            days = days[:-1]
        return days

    def intraday_window_start(self, ticks: bool = False) -> dt.date:
        """First trading day whose intraday (or tick) data the simulator serves."""
        keep = TICK_HISTORY_DAYS if ticks else INTRADAY_HISTORY_DAYS
        cur = self.current_day()
        idx = self.calendar.index_of(cur)
        return self.calendar.sessions[max(0, idx - keep + 1)]
