"""Automatic pre-download (自动预下载): the reference data every query needs, fetched at start and every day.

One background asyncio task runs a round at start-up and then every ``predownload_interval_hours``. A round
calls each function of :data:`PREDOWNLOADS` in turn, each as its own runner call with the download timeout,
so other requests get the backend between two downloads. A failure (or a 504) is logged and recorded, and
the round goes on. The state of the last round is served by ``GET /api/meta/predownload``.

Trading-calendar aware: a later round that falls on a weekend or on one of the backend's holidays
(``xtdata.get_holidays``, in the backend's own China-time day) is skipped, because nothing it fetches
changes then and MiniQMT is often logged out. The round at start always runs, so a fresh server has its
data whatever the day. When the holiday list cannot be read, only weekends are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from qmt_bridge.backends.runner import BackendCallFailed, BackendCallTimeout
from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.errors import NotImplementedByBackend

log = logging.getLogger("qmt_bridge.scheduler")

#: The seed's list, in its order: sectors, holidays, expired contracts, index weights, ETF lists, CB data.
PREDOWNLOADS = (
    "download_sector_data",
    "download_holiday_data",
    "download_history_contracts",
    "download_index_weight",
    "download_etf_info",
    "download_cb_data",
)


@dataclass
class ItemStatus:
    """The outcome of one function in the latest round."""

    status: str = "pending"  # pending | running | ok | failed
    started: str | None = None
    finished: str | None = None
    duration_s: float | None = None
    error: str | None = None


@dataclass
class PreDownloadStatus:
    """What ``GET /api/meta/predownload`` answers."""

    enabled: bool
    interval_hours: float
    rounds_completed: int = 0
    rounds_skipped: int = 0
    running: bool = False
    last_round_started: str | None = None
    last_round_finished: str | None = None
    next_round: str | None = None
    #: The latest skipped round: ``{"day": "YYYY-MM-DD", "reason": "weekend" | "holiday"}``.
    last_skipped: dict[str, str] | None = None
    items: dict[str, ItemStatus] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class PreDownloadScheduler:
    """Runs :data:`PREDOWNLOADS` at start and then every ``interval_hours`` on trading days (while the
    server runs)."""

    def __init__(self, context: BackendContext, *, enabled: bool, interval_hours: float) -> None:
        self.context = context
        self.interval_s = interval_hours * 3600
        self.status = PreDownloadStatus(
            enabled=enabled,
            interval_hours=interval_hours,
            items={name: ItemStatus() for name in PREDOWNLOADS},
        )
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.status.enabled and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="predownload")

    async def stop(self) -> None:
        """Cancel the task; a download running in the backend is abandoned like any timed-out call."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        first = True
        while True:
            try:
                today = self.context.backend.today()
                reason = None if first else await self.non_trading_day(today)
                if reason is None:
                    await self.run_round()
                else:
                    self._skip(today, reason)
            except Exception:  # a bug here must not end the daily refresh for the server's lifetime
                self.status.running = False
                log.exception("预下载失败 (pre-download failed): the round stopped early")
            first = False
            self.status.next_round = _now_iso(self.interval_s)
            await asyncio.sleep(self.interval_s)

    async def non_trading_day(self, day: dt.date) -> str | None:
        """``"weekend"`` or ``"holiday"`` when ``day`` is no trading day, else ``None``."""
        if day.weekday() >= 5:
            return "weekend"
        try:
            holidays = await self.context.xtdata("get_holidays")
        except (BackendCallFailed, BackendCallTimeout, NotImplementedByBackend) as exc:
            log.warning("pre-download: cannot read the holidays (%s); only weekends are skipped", exc)
            return None
        return "holiday" if day.strftime("%Y%m%d") in {str(h) for h in holidays or ()} else None

    def _skip(self, day: dt.date, reason: str) -> None:
        self.status.rounds_skipped += 1
        self.status.last_skipped = {"day": day.isoformat(), "reason": reason}
        log.info("预下载跳过 (pre-download skipped): %s is a %s", day.isoformat(), reason)

    async def run_round(self) -> None:
        """Call every function once, in order; never raises for a failed download."""
        status = self.status
        status.running, status.next_round = True, None
        status.last_round_started = _now_iso()
        for item in status.items.values():
            item.status, item.error = "pending", None
        failed: list[str] = []
        for name, item in status.items.items():
            item.status, item.started, item.finished, item.duration_s = "running", _now_iso(), None, None
            started = time.perf_counter()
            try:
                await self.context.download(name)
            except (BackendCallFailed, BackendCallTimeout, NotImplementedByBackend) as exc:
                item.status, item.error = "failed", str(exc)
                failed.append(name)
                log.warning("预下载失败 (pre-download failed): %s: %s", name, exc)
            else:
                item.status = "ok"
            item.finished = _now_iso()
            item.duration_s = round(time.perf_counter() - started, 3)
        status.running = False
        status.rounds_completed += 1
        status.last_round_finished = _now_iso()
        if failed:
            log.warning(
                "预下载完成 with failures (pre-download done): %d ok, failed: %s",
                len(PREDOWNLOADS) - len(failed),
                ", ".join(failed),
            )
        else:
            log.info("预下载完成 (pre-download done): %s", ", ".join(PREDOWNLOADS))


def _now_iso(offset_s: float = 0.0) -> str:
    moment = dt.datetime.now(dt.timezone.utc).astimezone() + dt.timedelta(seconds=offset_s)
    return moment.isoformat(timespec="seconds")
