"""Automatic pre-download (自动预下载): the reference data every query needs, fetched at start and every day.

One background asyncio task runs a round at start-up and then every ``predownload_interval_hours``. A round
runs each function of :data:`PREDOWNLOADS` in turn as a download job (:mod:`.downloads.jobs`, ``origin``
``predownload``), so it shows in ``GET /api/download/jobs`` beside the users' downloads, can be watched and
cancelled there, and runs as one call in the runner's background lane with the download timeout:
interactive requests never wait behind it (see :class:`~qmt_bridge.backends.runner.BackendRunner`). A user's
request for the same download while it runs joins it. A failure (or a timeout) is logged and recorded, and the
round goes on; the failed function is retried on its own with a growing delay (:class:`Backoff`: 30 s,
1 min, 2 min, … at most 10 min apart) until it succeeds or the next round starts, which runs it anyway. So a
server started before MiniQMT is logged in has its data minutes after the login, not a day later. The state
of the last round is served by ``GET /api/meta/predownload``.

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

from qmt_bridge.backends.base import BackendUnavailableError
from qmt_bridge.backends.runner import BackendCallFailed, BackendCallTimeout
from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.downloads.jobs import FINISHED, JobManager
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

#: What reading the holiday list may raise; anything else is a bug of ours and ends the round (logged).
#: BackendUnavailableError: a backend process being replaced (the item is retried like any failure).
DOWNLOAD_ERRORS = (BackendCallFailed, BackendCallTimeout, BackendUnavailableError, NotImplementedByBackend)


@dataclass(frozen=True)
class Backoff:
    """The delays between the attempts at one failed download: ``first_s``, doubling, at most ``max_s``."""

    first_s: float = 30.0
    max_s: float = 600.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failed attempt in a row (``failures >= 1``)."""
        # The exponent is capped so that a very long outage cannot overflow the float.
        return min(self.first_s * 2 ** min(failures - 1, 64), self.max_s)


@dataclass
class ItemStatus:
    """The outcome of one function in the latest round, retries included."""

    status: str = "pending"  # pending | running | ok | failed
    started: str | None = None
    finished: str | None = None
    duration_s: float | None = None
    #: Why the latest attempt failed; None once one succeeds.
    error: str | None = None
    #: Attempts in this round: 1 for the round's own, one more per retry.
    attempts: int = 0
    #: When the next retry starts, while one is pending.
    next_retry: str | None = None
    #: The latest failure in this round, kept after a retry succeeds.
    last_error: str | None = None
    #: The download job of the latest attempt (``GET /api/download/jobs/{job_id}``).
    job_id: str | None = None


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
    server runs), retrying failed ones with ``backoff`` in between."""

    #: The retry delays unless the constructor is given others (tests shorten them).
    backoff = Backoff()

    def __init__(
        self,
        context: BackendContext,
        jobs: JobManager,
        *,
        enabled: bool,
        interval_hours: float,
        backoff: Backoff | None = None,
    ) -> None:
        self.context = context
        self.jobs = jobs
        self.interval_s = interval_hours * 3600
        if backoff is not None:
            self.backoff = backoff
        self.status = PreDownloadStatus(
            enabled=enabled,
            interval_hours=interval_hours,
            items={name: ItemStatus() for name in PREDOWNLOADS},
        )
        self._task: asyncio.Task[None] | None = None
        #: The pending retry of each failed function of the current round.
        self._retries: dict[str, asyncio.Task[None]] = {}

    def start(self) -> None:
        if self.status.enabled and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="predownload")

    async def stop(self) -> None:
        """Cancel the task and the pending retries; a download running in the backend is abandoned like any
        timed-out call."""
        await self._cancel_retries()
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
            get_holidays = self.context.xtdata_function("get_holidays")
            holidays = await self.context.runner.call(get_holidays, background=True)
        except DOWNLOAD_ERRORS as exc:
            log.warning("pre-download: cannot read the holidays (%s); only weekends are skipped", exc)
            return None
        return "holiday" if day.strftime("%Y%m%d") in {str(h) for h in holidays or ()} else None

    def _skip(self, day: dt.date, reason: str) -> None:
        self.status.rounds_skipped += 1
        self.status.last_skipped = {"day": day.isoformat(), "reason": reason}
        log.info("预下载跳过 (pre-download skipped): %s is a %s", day.isoformat(), reason)

    async def run_round(self) -> None:
        """Call every function once, in order; never raises for a failed download. A failed one is retried
        by a task of its own; the retries of the previous round end here (this round runs them again)."""
        await self._cancel_retries()
        status = self.status
        status.running, status.next_round = True, None
        status.last_round_started = _now_iso()
        for item in status.items.values():
            item.status, item.error, item.last_error, item.attempts, item.job_id = (
                "pending",
                None,
                None,
                0,
                None,
            )
        failed = []
        for name in status.items:
            if not await self._attempt(name):
                failed.append(name)
                self._retries[name] = asyncio.get_running_loop().create_task(
                    self._retry_until_ok(name, self._plan_retry(name)), name=f"predownload-retry-{name}"
                )
        status.running = False
        status.rounds_completed += 1
        status.last_round_finished = _now_iso()
        if failed:
            log.warning(
                "预下载完成 with failures (pre-download done): %d ok, failed: %s (retried)",
                len(PREDOWNLOADS) - len(failed),
                ", ".join(failed),
            )
        else:
            log.info("预下载完成 (pre-download done): %s", ", ".join(PREDOWNLOADS))

    async def _attempt(self, name: str) -> bool:
        """Run ``name`` once as a download job and record the outcome in its item; True when it succeeded."""
        item = self.status.items[name]
        item.status, item.started, item.finished, item.duration_s = "running", _now_iso(), None, None
        item.attempts += 1
        started = time.perf_counter()
        job, _ = self.jobs.submit(name, {}, [], origin="predownload")
        item.job_id = job.id
        await job.done.wait()
        if job.state != FINISHED:
            error = job.error or f"the download job ended {job.state}"
            item.status, item.error, item.last_error = "failed", error, error
            log.warning("预下载失败 (pre-download failed): %s (attempt %d): %s", name, item.attempts, error)
        else:
            item.status, item.error = "ok", None
            if item.attempts > 1:
                log.info(
                    "预下载重试成功 (pre-download retry succeeded): %s at attempt %d", name, item.attempts
                )
        item.finished = _now_iso()
        item.duration_s = round(time.perf_counter() - started, 3)
        return item.status == "ok"

    def _plan_retry(self, name: str) -> float:
        """The delay before the next retry of ``name``, now shown in its item."""
        item = self.status.items[name]
        delay = self.backoff.delay(item.attempts)
        item.next_retry = _now_iso(delay)
        log.info("pre-download: %s is retried in %g s", name, delay)
        return delay

    async def _retry_until_ok(self, name: str, delay: float) -> None:
        """Attempt ``name`` again after each backoff delay until it succeeds (or the task is cancelled)."""
        try:
            while True:
                await asyncio.sleep(delay)
                self.status.items[name].next_retry = None
                if await self._attempt(name):
                    return
                delay = self._plan_retry(name)
        except Exception:  # a bug here must end this retry only, and be seen
            log.exception("预下载失败 (pre-download failed): the retries of %s stopped", name)

    async def _cancel_retries(self) -> None:
        retries, self._retries = list(self._retries.values()), {}
        for task in retries:
            task.cancel()
        for task in retries:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for item in self.status.items.values():
            item.next_retry = None


def _now_iso(offset_s: float = 0.0) -> str:
    moment = dt.datetime.now(dt.timezone.utc).astimezone() + dt.timedelta(seconds=offset_s)
    return moment.isoformat(timespec="seconds")
