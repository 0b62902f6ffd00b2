"""The simulator backend: ``qmt_bridge.sim`` behind the same contract as the real xtquant."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from qmt_bridge.sim.clock import CST, SimClock

log = logging.getLogger("qmt_bridge.sim")


class SimBackend:
    """A deterministic simulated market (see ``qmt_bridge.sim``)."""

    name = "sim"
    max_concurrency = 4
    #: Its "local cache" holds every bar it serves: history needs no download before a read.
    history_on_demand = False

    def __init__(
        self, seed: int = 20240101, clock: SimClock | None = None, data_dir: Path | None = None
    ) -> None:
        self.seed = seed
        self.clock = clock or SimClock()
        self.data_dir = data_dir
        self._xtdata: Any = None

    @classmethod
    def from_settings(cls, settings: Any) -> SimBackend:
        clock = SimClock("live")
        if settings.sim_clock == "replay":
            start = None
            if settings.sim_replay_date is not None:
                start = dt.datetime.combine(settings.sim_replay_date, dt.time(9, 15), CST)
            clock = SimClock("replay", replay_start=start, speed=settings.sim_replay_speed)
        return cls(seed=settings.sim_seed, clock=clock, data_dir=Path(settings.data_dir))

    @property
    def xtdata(self) -> Any:
        if self._xtdata is None:
            self.start()
        return self._xtdata

    def start(self) -> None:
        if self._xtdata is not None:
            return
        from qmt_bridge.backends.base import BackendStartError
        from qmt_bridge.sim.data_api import SimXtData
        from qmt_bridge.sim.market.calendar import calendar_for
        from qmt_bridge.sim.market.custom_sectors import CustomSectorsFileError
        from qmt_bridge.sim.market.market import SimMarket

        today = self.clock.today()
        calendar = calendar_for(today)
        if not calendar.first_covered <= today <= calendar.last_covered:
            raise BackendStartError(
                f"the simulator's clock is at {today}, outside its trading calendar "
                f"({calendar.first_covered}..{calendar.last_covered}); choose a replay date inside it "
                "(later years come with a qmt-bridge release that records their holidays)"
            )
        if calendar.provisional_from is not None and today >= calendar.provisional_from:
            log.warning(
                "this qmt-bridge has no announced holidays for %d: the simulator closes on estimated ones "
                "(statutory festivals and their usual bridges; a later release records the announced ones)",
                calendar.provisional_from.year,
            )
        try:
            market = SimMarket(seed=self.seed, clock=self.clock, data_dir=self.data_dir)
        except CustomSectorsFileError as exc:
            raise BackendStartError(str(exc)) from exc
        self._xtdata = SimXtData(market)

    def stop(self) -> None:
        """Nothing to release: the simulator lives in this process."""

    def version(self) -> str:
        from qmt_bridge._version import __version__

        return f"qmt_bridge.sim {__version__} (xtquant 250807 API)"

    def is_connected(self) -> bool:
        return self._xtdata is not None

    def today(self) -> dt.date:
        return self.clock.today()

    def holidays_estimated_from(self) -> dt.date | None:
        """1 January of the year after the recorded holidays: the simulator's calendar reaches one year
        further, on estimated holidays (``qmt_bridge.sim.market.calendar.provisional_calendar``)."""
        from qmt_bridge.sim.market.calendar import provisional_calendar

        return provisional_calendar().provisional_from
