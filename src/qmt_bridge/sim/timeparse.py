"""xtquant's time arguments: ``''``, ``'YYYYMMDD'``, ``'YYYYMMDDhhmmss'`` or ms-epoch numbers."""

from __future__ import annotations

import datetime as dt

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
