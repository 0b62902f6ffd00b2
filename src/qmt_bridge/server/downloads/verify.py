"""What a history download left in the local cache, per code: rows, the days they cover, what is missing.

xtquant's downloads report success with zero rows, or with part of the range (``shared/research/landscape.md``,
pitfalls 3–5). After a chunk is downloaded the job reads it back with ``get_local_data`` over the asked range
and compares the days present with the trading days the calendar has for the code's market, from its listing
day on. A code with no bar where the calendar expects some has *failed*; one whose bars start after the
first expected day or end before the last is *partial*, with the missing days named.
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

    rows: int
    first: str | None  # YYYYMMDD of the first bar
    last: str | None
    #: Trading days the calendar has in the range while the code was listed (None: not known).
    expected_days: int | None
    missing_before: str | None = None  # the first expected day, when the bars start later
    missing_after: str | None = None  # the last expected day, when the bars end earlier

    @property
    def failed(self) -> bool:
        return self.rows == 0 and bool(self.expected_days)

    @property
    def partial(self) -> bool:
        return self.rows > 0 and (self.missing_before is not None or self.missing_after is not None)

    def problem(self) -> str | None:
        """Why the code's download is not complete, for people; None when it is."""
        if self.failed:
            return f"no bars in the local cache after the download, though the calendar has {self.expected_days} trading day(s) in the range"
        parts = []
        if self.missing_before is not None:
            parts.append(f"from {self.missing_before} to before {self.first}")
        if self.missing_after is not None:
            parts.append(f"after {self.last} to {self.missing_after}")
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
