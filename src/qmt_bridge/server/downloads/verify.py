"""What a history download left in the local cache, per code: rows, the days they cover, what is missing.

xtquant's downloads report success with zero rows, or with part of the range (``shared/research/landscape.md``,
pitfalls 3–5). After a chunk is downloaded the job reads it back with ``get_local_data`` and compares the
days present with the trading days the calendar has for the code's market, from its listing day on. A code
with no bar where the calendar expects some has *failed*; one whose bars start after the first expected day
or end before the last is *partial*, with the missing days named.

Daily and longer periods are read whole (a few thousand rows a code). Intraday periods are read on the first
and the last expected day only: a year of 1m bars is ~58,000 rows a code, and reading 300 codes of it back
cost minutes on the simulator (``bench/download.py``); so their ``rows`` is null, and a code with no bar on
either day has failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CST = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class Coverage:
    """The bars of one code in the local cache over the asked range."""

    rows: int | None  # None: intraday, only the first and last expected days were read
    first: str | None  # YYYYMMDD of the first bar
    last: str | None
    #: Trading days the calendar has in the range while the code was listed (None: not known).
    expected_days: int | None
    missing_before: str | None = None  # the first expected day, when the bars start later
    missing_after: str | None = None  # the last expected day, when the bars end earlier

    @property
    def failed(self) -> bool:
        empty = self.rows == 0 or (self.rows is None and self.first is None and self.last is None)
        return empty and bool(self.expected_days)

    @property
    def partial(self) -> bool:
        return not self.failed and (self.missing_before is not None or self.missing_after is not None)

    def problem(self) -> str | None:
        """Why the code's download is not complete, for people; None when it is."""
        if self.failed and self.rows is None:
            return "no bars in the local cache on the first or the last trading day of the range after the download"
        if self.failed:
            return f"no bars in the local cache after the download, though the calendar has {self.expected_days} trading day(s) in the range"
        parts = []
        if self.missing_before is not None:
            parts.append(
                f"from {self.missing_before} to before {self.first}"
                if self.first
                else f"{self.missing_before}"
            )
        if self.missing_after is not None:
            parts.append(
                f"after {self.last} to {self.missing_after}" if self.last else f"{self.missing_after}"
            )
        return "missing " + " and ".join(parts) if parts else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "first": self.first,
            "last": self.last,
            "expected_days": self.expected_days,
            "missing_before": self.missing_before,
            "missing_after": self.missing_after,
        }


def day_of_ms(ms: int) -> str:
    """YYYYMMDD, China time, of a time in ms since the epoch."""
    return dt.datetime.fromtimestamp(ms / 1000, CST).strftime("%Y%m%d")


def day_of(value: Any) -> str | None:
    """YYYYMMDD of a datetime or date (xtquant's download result), or of a ``YYYYMMDD...`` string."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y%m%d")
    text = str(value or "").replace("-", "")
    return text[:8] if len(text) >= 8 and text[:8].isdigit() else None


def bar_days(frame: Any) -> list[str]:
    """The China-time days (YYYYMMDD) of a ``get_local_data`` frame's ``time`` column (ms), in order."""
    if frame is None or len(frame) == 0 or "time" not in getattr(frame, "columns", ()):
        return []
    return [day_of_ms(int(ms)) for ms in frame["time"]]


def coverage(days: Sequence[str], trading_days: Sequence[str] | None, listed: str | None) -> Coverage:
    """Compare the days holding bars (``days``, in order, repeats allowed for intraday periods) with the
    market's trading days in the asked range (``trading_days``; None when unknown) from ``listed`` on."""
    first, last = (days[0], days[-1]) if days else (None, None)
    if trading_days is None:
        return Coverage(len(days), first, last, None)
    expected = [d for d in trading_days if listed is None or d >= listed]
    if not expected or not days:
        return Coverage(len(days), first, last, len(expected))
    before = expected[0] if first is not None and first > expected[0] else None
    after = expected[-1] if last is not None and last < expected[-1] else None
    return Coverage(len(days), first, last, len(expected), before, after)


def listed_day(detail: Mapping[str, Any] | None) -> str | None:
    """YYYYMMDD of an instrument's first trading day (``OpenDate``), or None when not known."""
    opened = str((detail or {}).get("OpenDate") or "")
    return opened if len(opened) == 8 and opened.isdigit() and opened != "19700101" else None


def expected_days(trading_days: Sequence[str] | None, listed: str | None) -> list[str] | None:
    """The trading days on which the code should have bars (None: not known)."""
    if trading_days is None:
        return None
    return [d for d in trading_days if listed is None or d >= listed]


def boundary_coverage(first_held: bool, last_held: bool, expected: Sequence[str] | None) -> Coverage:
    """Intraday: whether the first and the last expected day hold bars. Without a calendar, nothing can be
    judged."""
    if not expected:
        return Coverage(None, None, None, None if expected is None else 0)
    first = expected[0] if first_held else None
    last = expected[-1] if last_held else None
    return Coverage(
        None, first, last, len(expected),
        missing_before=None if first_held else expected[0],
        missing_after=None if last_held else expected[-1],
    )  # fmt: skip


def read_back(
    xtdata: Any,
    codes: Sequence[str],
    period: str,
    start: str,
    end: str,
    expected: Mapping[str, list[str] | None],
) -> tuple[dict[str, int | None], dict[str, Coverage]]:
    """On a backend worker: per code, the rows held (daily and longer; None intraday) and the coverage.

    ``expected``: per code, the trading days it should have bars on (see :func:`expected_days`)."""
    if period.endswith(("d", "w", "mon", "q", "y")):
        frames = xtdata.get_local_data(["time"], list(codes), period, start, end, -1) or {}
        days = {code: bar_days(frames.get(code)) for code in codes}
        rows = {code: len(days[code]) for code in codes}
        return rows, {code: coverage(days[code], expected.get(code), None) for code in codes}
    # One read per day for every code that has it as a boundary (they mostly share both).
    wanted = {code: expected.get(code) for code in codes}
    by_day: dict[str, list[str]] = {}
    for code, days in wanted.items():
        for day in dict.fromkeys((days[0], days[-1]) if days else ()):
            by_day.setdefault(day, []).append(code)
    held: dict[tuple[str, str], bool] = {}
    for day, group in by_day.items():
        frames = xtdata.get_local_data(["time"], group, period, f"{day}000000", f"{day}235959", -1) or {}
        for code in group:
            frame = frames.get(code)
            held[(code, day)] = frame is not None and len(frame) > 0
    covered = {}
    for code, days in wanted.items():
        if not days:
            covered[code] = boundary_coverage(False, False, days)
        else:
            covered[code] = boundary_coverage(held[(code, days[0])], held[(code, days[-1])], days)
    return dict.fromkeys(codes), covered
