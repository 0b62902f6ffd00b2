"""xtquant's argument conventions: time arguments (``''``, ``'YYYYMMDD'``, ``'YYYYMMDDhhmmss'`` or ms-epoch
numbers), code lists given as one string or many, and the time labels of returned frames."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

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
    if len(text) == 8:
        day = dt.datetime.strptime(text, "%Y%m%d").replace(tzinfo=CST)
        return day + dt.timedelta(days=1, milliseconds=-1) if end else day
    if len(text) == 14:
        return dt.datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=CST)
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
    stamps = pd.to_datetime(np.asarray(times, dtype=np.int64), unit="ms") + pd.Timedelta(hours=8)
    return list(stamps.strftime("%Y%m%d%H%M%S" if intraday else "%Y%m%d"))
