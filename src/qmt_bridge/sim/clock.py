"""The simulator's clock: wall time in Asia/Shanghai (``live``) or a replayed trading day (``replay``).

Every time-dependent answer of the simulator (the latest bar, the snapshot, which days are history)
asks the clock, so a replayed day makes realtime work at any hour of any day.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

CST = dt.timezone(dt.timedelta(hours=8), "CST")


class SimClock:
    """A clock for the simulated market.

    Args:
        mode: ``"live"`` follows the wall clock in China Standard Time; ``"replay"`` starts at
            ``replay_start`` and runs ``speed`` times faster than the wall clock.
        replay_start: the CST moment replay starts from (default 09:15 of the last weekday before today).
        speed: replay speed factor (1.0 = real time).
        wall: the wall-clock function (seconds since epoch); injectable for tests.
    """

    def __init__(
        self,
        mode: str = "live",
        replay_start: dt.datetime | None = None,
        speed: float = 1.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if mode not in ("live", "replay"):
            raise ValueError(f"unknown clock mode {mode!r}; use 'live' or 'replay'")
        if speed <= 0:
            raise ValueError("replay speed must be positive")
        self.mode = mode
        self.speed = speed
        self._wall = wall
        self._started_at = wall()
        if replay_start is None:
            replay_start = dt.datetime.combine(last_weekday_before(self._started_at), dt.time(9, 15), CST)
        elif replay_start.tzinfo is None:
            replay_start = replay_start.replace(tzinfo=CST)
        self.replay_start = replay_start

    def now(self) -> dt.datetime:
        """The current simulated moment, timezone-aware in CST."""
        if self.mode == "live":
            return dt.datetime.fromtimestamp(self._wall(), CST)
        elapsed = (self._wall() - self._started_at) * self.speed
        return self.replay_start + dt.timedelta(seconds=elapsed)

    def today(self) -> dt.date:
        return self.now().date()


def last_weekday_before(wall: float) -> dt.date:
    """The last weekday before the China-time date of wall-clock reading ``wall`` (a replay's default day)."""
    day = dt.datetime.fromtimestamp(wall, CST).date() - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def fixed_clock(moment: dt.datetime) -> SimClock:
    """A clock frozen at ``moment`` (CST if naive): replay at speed ~0 for deterministic tests."""
    return SimClock("replay", replay_start=moment, speed=1e-12)
