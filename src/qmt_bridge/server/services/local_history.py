"""History on demand: the backend's local cache holds a requested range before the range is read.

On a real MiniQMT, ``get_market_data_ex`` and ``get_market_data`` read a local cache that only
``download_history_data*`` fills (``xtdata.py`` reads local files; ``doc/xtdata.md`` asks for a download
first): on a fresh client they answer empty or partial frames, with no error. So before a history read the
server downloads what the cache may lack, and remembers what it downloaded, so that a range is fetched once
per server rather than once per request.

What counts as held (:class:`LocalHistory`): a download of ``[start, end]`` for a (code, period) holds every
range that starts no earlier and ends no later. A download up to now holds "up to now" until new bars can
have formed: for :data:`FRESH_SECONDS` during trading hours, and until the next morning's auction outside
them. A request by ``count`` stands for the range that many bars back from today (generously counted),
so that it downloads a bounded range rather than the whole history.

Modes (the endpoints' ``download`` parameter): ``auto`` downloads what is not known to be held; ``always``
downloads the range again; ``never`` reads the cache as it is. A backend whose history is always complete
(the simulator: ``history_on_demand = False``) downloads only with ``always``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from qmt_bridge.backends.base import BackendUnavailableError
from qmt_bridge.backends.runner import BackendCallFailed, BackendCallTimeout

if TYPE_CHECKING:  # deps imports this module
    from qmt_bridge.server.deps import BackendContext

CST = dt.timezone(dt.timedelta(hours=8))

#: Seconds a download up to now holds "up to now" during trading hours (bars keep forming).
FRESH_SECONDS = 60.0

#: Calendar days that ``count`` bars of a period span at most, per bar (generous: holidays, half days).
_DAYS_PER_BAR = {"1d": 1.5, "1w": 7.5, "1mon": 31.5, "1q": 93.0, "1hy": 184.0, "1y": 367.0}
_BARS_PER_DAY = {"1m": 240, "5m": 48, "15m": 16, "30m": 8, "60m": 4, "1h": 4, "tick": 4800}
#: Periods whose history a download fills; others (Level-2, special periods) are read as they are.
ON_DEMAND_PERIODS = frozenset({*_DAYS_PER_BAR, *_BARS_PER_DAY})


class DownloadMode(str, Enum):
    """What a history endpoint does about the local cache before it reads."""

    auto = "auto"
    always = "always"
    never = "never"


@dataclass
class _Held:
    """One download of a (code, period): its range (``''`` = open on that side) and when it finished."""

    start: str
    end: str
    finished: dt.datetime
    finished_monotonic: float


@dataclass
class DownloadReport:
    """What was downloaded for one answer (its ``download`` object)."""

    mode: str
    downloaded: list[str] = field(default_factory=list)
    seconds: float | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "downloaded": self.downloaded,
            "seconds": self.seconds,
            "error": self.error,
        }


class LocalHistory:
    """What this server has downloaded into the backend's local cache, by (code, period)."""

    def __init__(self, now: Callable[[], dt.datetime] | None = None) -> None:
        self._now = now or (lambda: dt.datetime.now(CST))
        self._held: dict[tuple[str, str], list[_Held]] = {}

    def wanted_range(self, period: str, start: str, end: str, count: int) -> tuple[str, str]:
        """The range a request reads: its own, or for ``count`` bars back from today a start that surely
        reaches them."""
        if start or count is None or count <= 0:
            return start, end
        per_bar = _DAYS_PER_BAR.get(period)
        days = count * per_bar if per_bar else count / _BARS_PER_DAY.get(period, 1) * 1.5
        anchor = dt.datetime.strptime(end[:8], "%Y%m%d").date() if end else self._now().date()
        first = anchor - dt.timedelta(days=int(days) + 10)
        return first.strftime("%Y%m%d"), end

    def missing(self, codes: list[str], period: str, start: str, end: str) -> list[str]:
        """The codes whose ``[start, end]`` of ``period`` is not known to be in the local cache."""
        return [
            code
            for code in codes
            if not any(self._holds(h, start, end) for h in self._held.get((code, period), ()))
        ]

    def record(self, codes: list[str], period: str, start: str, end: str) -> None:
        """``[start, end]`` of ``period`` was downloaded for ``codes`` just now."""
        held = _Held(start, end, self._now(), time.monotonic())
        for code in codes:
            # Without forgetting what the new download covers, a daily pre-download would add a record per
            # code and day for as long as the server runs (and every lookup would read them all).
            records = self._held.setdefault((code, period), [])
            records[:] = [old for old in records if not _covers(held, old)]
            records.append(held)

    def _holds(self, held: _Held, start: str, end: str) -> bool:
        if held.start and (not start or _pad(start, "0") < _pad(held.start, "0")):
            return False
        now = self._now()
        wanted_end = min(_pad(end, "9"), _label(now)) if end else _label(now)
        if held.end:
            return _pad(held.end, "9") >= wanted_end
        if wanted_end <= _label(held.finished):
            return True
        # Held up to when it finished: later bars may have formed since, unless the market has been quiet.
        if time.monotonic() - held.finished_monotonic < FRESH_SECONDS:
            return True
        return _quiet_between(held.finished, now)


async def ensure_local(
    ctx: BackendContext, codes: list[str], period: str, start: str, end: str, count: int, mode: DownloadMode
) -> DownloadReport:
    """Download into the backend's local cache what a read of ``[start, end]`` (or the last ``count`` bars)
    of ``period`` needs, per ``mode``. A failed download in ``auto`` mode is reported, not raised: the read
    then answers what the cache holds. In ``always`` mode it raises."""
    report = DownloadReport(mode=mode.value)
    history = ctx.local_history
    on_demand = ctx.backend.history_on_demand
    if mode is DownloadMode.never or (
        mode is DownloadMode.auto and (not on_demand or period not in ON_DEMAND_PERIODS)
    ):
        return report
    if count == 0:  # no bar is asked for
        return report
    lo, hi = history.wanted_range(period, start, end, count)
    todo = list(codes) if mode is DownloadMode.always else history.missing(codes, period, lo, hi)
    if not todo:
        return report
    started = time.perf_counter()
    try:
        # On the background lane: a download that never completes (xtquant's loop can wait for hours) then
        # holds only that lane, and the read and every other request still get the interactive worker.
        await ctx.download_stocks("download_history_data2", todo, period, lo, hi, background=True)
    except (BackendCallFailed, BackendCallTimeout, BackendUnavailableError) as exc:
        if mode is DownloadMode.always:
            raise
        report.error = str(exc)
    else:
        history.record(todo, period, lo, hi)
        report.downloaded = todo
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _covers(new: _Held, old: _Held) -> bool:
    """Whether ``new`` (finished later) holds everything ``old`` holds: it starts no later and ends no
    earlier (open ends: both up to when they finished, and ``new`` finished later)."""
    starts_before = not new.start or (bool(old.start) and _pad(new.start, "0") <= _pad(old.start, "0"))
    if not new.end:
        ends_after = not old.end or _pad(old.end, "9") <= _label(new.finished)
    else:
        ends_after = bool(old.end) and _pad(old.end, "9") <= _pad(new.end, "9")
    return starts_before and ends_after


def _pad(label: str, fill: str) -> str:
    return label.ljust(14, fill)


def _label(moment: dt.datetime) -> str:
    return moment.astimezone(CST).strftime("%Y%m%d%H%M%S")


#: No bar forms from the close (and after-hours trading) to the next morning's auction.
_QUIET_FROM, _QUIET_UNTIL = dt.time(15, 35), dt.time(9, 10)


def _quiet_between(earlier: dt.datetime, later: dt.datetime) -> bool:
    """Whether no trading session can have run between two moments (China time): both lie in the same
    stretch from one weekday's close to the next weekday's morning auction. Holidays are not known here,
    so they count as trading days (a download too many, never one too few)."""
    start = _quiet_start(earlier.astimezone(CST))
    return start is not None and start == _quiet_start(later.astimezone(CST))


def _quiet_start(moment: dt.datetime) -> dt.date | None:
    """The weekday whose close began the quiet stretch ``moment`` lies in; None during trading hours."""
    day, clock = moment.date(), moment.time()
    if day.weekday() < 5 and clock >= _QUIET_FROM:
        return day
    if day.weekday() < 5 and clock >= _QUIET_UNTIL:
        return None
    back = day - dt.timedelta(days=1)
    while back.weekday() >= 5:
        back -= dt.timedelta(days=1)
    return back
