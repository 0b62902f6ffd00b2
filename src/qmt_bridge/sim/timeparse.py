"""xtquant's argument conventions: time arguments (``''``, ``'YYYYMMDD'``, ``'YYYYMMDDhhmmss'`` or ms-epoch
numbers), code lists given as one string or many, and the time labels of returned frames."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

from qmt_bridge.sim.clock import CST


def parse_bound(value: object, *, end: bool) -> dt.datetime | None:
    """The moment a ``start_time``/``end_time`` argument stands for; ``None`` when unbounded.

    An 8-digit end date covers the whole day (closed range, as xtquant's ``[start, end]``).
    """
    if value is None or value == "" or value == -1:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=CST)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value / 1000, CST)
    text = str(value).strip()
    # Digits sliced, not strptime: a download's read-back parses two bounds a call, thousands of calls.
    if len(text) in (8, 14) and text.isascii() and text.isdigit():
        parts = [int(text[:4]), int(text[4:6]), int(text[6:8])]
        if len(text) == 14:
            parts += [int(text[8:10]), int(text[10:12]), int(text[12:14])]
        try:
            moment = dt.datetime(*parts, tzinfo=CST)  # type: ignore[misc]
        except ValueError as exc:
            raise ValueError(f"time {value!r} is not a valid date or time: {exc}") from None
        if len(text) == 8 and end:
            return moment + dt.timedelta(days=1, milliseconds=-1)
        return moment
    raise ValueError(f"time {value!r} is not YYYYMMDD or YYYYMMDDhhmmss")


def to_ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def as_list(value: Iterable[str] | str | None) -> list[str]:
    """A code-list argument as a list: xtquant also takes one code as a plain string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return list(value)


def time_labels(times: np.ndarray, intraday: bool = True) -> list[str]:
    """Index labels of ms times in China time: ``YYYYMMDDhhmmss``, or ``YYYYMMDD`` for daily data."""
    # Digits by integer arithmetic, not strftime: strftime formats element by element in Python (~200 ms
    # for a year of 1m bars, seven times this).
    seconds = np.asarray(times, dtype=np.int64) // 1000 + 8 * 3600
    days, clock = np.divmod(seconds, 86_400)
    labels = civil_days(days)
    if intraday:
        hours, rest = np.divmod(clock, 3600)
        labels = labels * 1_000_000 + hours * 10_000 + (rest // 60) * 100 + rest % 60
    return labels.astype(str).tolist()


def civil_days(days: np.ndarray) -> np.ndarray:
    """YYYYMMDD integers of days since 1970-01-01 (the proleptic Gregorian calendar, H. Hinnant's
    ``civil_from_days``)."""
    shifted = days + 719_468
    era = np.floor_divide(shifted, 146_097)
    day_of_era = shifted - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_index + 2) // 5 + 1
    month = np.where(month_index < 10, month_index + 3, month_index - 9)
    year = year_of_era + era * 400 + (month <= 2)
    return year * 10_000 + month * 100 + day
