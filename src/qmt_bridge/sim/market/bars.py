"""Column containers for K-lines and ticks, CST time helpers and K-line period aggregation.

A :class:`Bars` holds equal-length numpy columns named exactly like xtquant's fields, so the xtdata layer can
turn it into DataFrames or structured arrays without renaming. Times are int ms since the Unix epoch; trading
days are China Standard Time (UTC+8) days: a daily bar is stamped 00:00 CST of its day, a 1m bar by its end
minute (``09:31`` covers 09:30-09:31; ``09:30`` is the opening call auction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from qmt_bridge.xtnames import KLINE_FIELDS, KLINE_PERIODS

if TYPE_CHECKING:
    from qmt_bridge.sim.market.trading_hours import Schedule

INTRADAY_PERIODS = ("1m", "5m", "15m", "30m", "60m", "1h")

KLINE_DTYPES = {
    "time": np.int64,
    "open": np.float64,
    "high": np.float64,
    "low": np.float64,
    "close": np.float64,
    "volume": np.int64,
    "amount": np.float64,
    "settelementPrice": np.float64,
    "openInterest": np.int64,
    "preClose": np.float64,
    "suspendFlag": np.int64,
}
BOOK_LEVELS = 5

DAY_MS = 86_400_000
MINUTE_MS = 60_000
CST_OFFSET_MS = 8 * 3_600_000
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()

# A-shares' continuous sessions as (open, close) minute-of-day in CST (``trading_hours.STOCK_HOURS``'s; other
# products' hours: :mod:`.trading_hours`). The 09:30 bar (the opening auction) folds into the first bar of the morning; a bar
# labelled ``close`` ends the session.
STOCK_SESSIONS = ((9 * 60 + 30, 11 * 60 + 30), (13 * 60, 15 * 60))
_INTRADAY_MINUTES = {"1m": 1, "5m": 5, "15m": 15, "30m": 30, "60m": 60, "1h": 60}


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01 (the CST day count used to compare bar times with dates)."""
    return day.toordinal() - _EPOCH_ORDINAL


def day_start_ms(day: dt.date) -> int:
    """ms epoch of 00:00 CST of ``day`` (the ``time`` of that day's daily bar)."""
    return day_number(day) * DAY_MS - CST_OFFSET_MS


def ms_day_numbers(times: np.ndarray) -> np.ndarray:
    """CST day number of each ms timestamp."""
    return (np.asarray(times, dtype=np.int64) + CST_OFFSET_MS) // DAY_MS


def ms_to_date(ms: int) -> dt.date:
    """The CST calendar date of one ms timestamp."""
    return dt.date.fromordinal(int((ms + CST_OFFSET_MS) // DAY_MS) + _EPOCH_ORDINAL)


class Bars:
    """Columns of equal length as numpy arrays, keyed by xtquant field name.

    Immutable by convention: arrays handed out by the price engine are read-only views; copy before editing.
    Depth columns of ticks (``askPrice`` ...) are 2-D ``(n, 5)``; every operation works along axis 0.
    """

    __slots__ = ("columns",)

    def __init__(self, columns: Mapping[str, np.ndarray]) -> None:
        cols = {name: np.asarray(values) for name, values in columns.items()}
        lengths = {len(values) for values in cols.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns differ in length: { {k: len(v) for k, v in cols.items()} }")
        self.columns: dict[str, np.ndarray] = cols

    @classmethod
    def empty(cls, fields: Sequence[str] = KLINE_FIELDS) -> Bars:
        """Zero-length bars with the K-line dtypes (float64 for unknown fields)."""
        return cls({f: np.empty(0, dtype=KLINE_DTYPES.get(f, np.float64)) for f in fields})

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.columns)

    def __len__(self) -> int:
        for values in self.columns.values():
            return len(values)
        return 0

    def __getitem__(self, field: str) -> np.ndarray:
        return self.columns[field]

    def __contains__(self, field: object) -> bool:
        return field in self.columns

    def __repr__(self) -> str:
        return f"Bars(n={len(self)}, fields={list(self.columns)})"

    def take(self, mask_or_index: np.ndarray | slice | Sequence[int]) -> Bars:
        """Rows selected by a boolean mask, an index array or a slice."""
        sel = mask_or_index if isinstance(mask_or_index, slice) else np.asarray(mask_or_index)
        return Bars({name: values[sel] for name, values in self.columns.items()})

    def tail(self, n: int) -> Bars:
        """The last ``n`` rows (all of them if fewer)."""
        if n <= 0:
            return self.take(slice(0, 0))
        return self.take(slice(max(len(self) - n, 0), None))

    def between(self, start_ms: int | None, end_ms: int | None) -> Bars:
        """Rows with ``start_ms <= time <= end_ms`` (times must be ascending); ``None`` is unbounded."""
        times = self.columns["time"]
        lo = 0 if start_ms is None else int(np.searchsorted(times, start_ms, side="left"))
        hi = len(times) if end_ms is None else int(np.searchsorted(times, end_ms, side="right"))
        return self.take(slice(lo, hi))

    def row(self, i: int) -> dict:
        """One row as plain Python values (depth arrays as lists)."""
        return {name: values[i].tolist() for name, values in self.columns.items()}

    def readonly(self) -> Bars:
        """Mark every column read-only (in place) and return self."""
        for values in self.columns.values():
            values.flags.writeable = False
        return self

    @staticmethod
    def concat(parts: Sequence[Bars]) -> Bars:
        """Rows of all parts in order; the fields are those of the first part."""
        parts = list(parts)
        if not parts:
            return Bars.empty()
        if len(parts) == 1:
            return parts[0]
        fields = parts[0].fields
        return Bars({f: np.concatenate([p.columns[f] for p in parts]) for f in fields})


def _session_labels(
    times: np.ndarray, n: int, hours: Schedule | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(anchor day number, end-of-bar minute after the anchor's midnight, night flag) of each 1m bar when
    grouped into ``n``-minute bars under trading ``hours`` (A-share hours by default).

    Bars group inside each continuous span from its open, the last one of a span ending at its close
    (commodities' 10:15); the auction bar at the open joins the first bar. A night session's minutes after
    midnight count on from the evening before (01:00 is minute 1500 of that evening), so that its bars
    (e.g. 00:00-01:00) are labelled across midnight correctly."""
    minute = ((times + CST_OFFSET_MS) % DAY_MS) // MINUTE_MS
    days = ms_day_numbers(times)
    night = np.zeros(len(times), bool)
    spans = STOCK_SESSIONS if hours is None else hours.day
    if hours is not None and hours.night is not None:
        open_, close = hours.night
        after_midnight = minute <= close - 1440
        minute = np.where(after_midnight, minute + 1440, minute)
        days = np.where(after_midnight, days - 1, days)
        night = (minute >= open_) & (minute <= close)
        spans = (*spans, hours.night)
    label = (minute + n - 1) // n * n  # outside the known sessions: plain ceiling to the n-minute grid
    for open_, close in spans:
        inside = (minute >= open_) & (minute <= close)
        offset = np.maximum(minute - open_, 1)  # the auction bar at the open joins the first bar
        label = np.where(inside, np.minimum(open_ + ((offset - 1) // n + 1) * n, close), label)
    return days, label, night


def _period_keys(times: np.ndarray, period: str) -> np.ndarray:
    """A group id per daily bar for weekly and longer periods (equal ids are adjacent when sorted)."""
    days = ms_day_numbers(times)
    if period == "1w":
        return (days + 3) // 7  # 1970-01-01 was a Thursday: this counts Monday-based weeks
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    years = months // 12
    months = months % 12
    if period == "1mon":
        return years * 12 + months
    if period == "1q":
        return years * 4 + months // 3
    if period == "1hy":
        return years * 2 + months // 6
    return years


def _reduce(bars: Bars, keys: np.ndarray, label_times: np.ndarray | None) -> Bars:
    """Aggregate runs of equal ``keys``; ``label_times`` (per input row) stamps each group, else last time."""
    n = len(bars)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], n] - 1
    c = bars.columns
    out: dict[str, np.ndarray] = {}
    for field in bars.fields:
        values = c[field]
        if field == "time":
            out[field] = (label_times if label_times is not None else values)[ends]
        elif field == "open" or field == "preClose":
            out[field] = values[starts]
        elif field == "high":
            out[field] = np.maximum.reduceat(values, starts)
        elif field == "low":
            out[field] = np.minimum.reduceat(values, starts)
        elif field == "volume":
            out[field] = np.add.reduceat(values, starts)
        elif field == "amount":
            out[field] = _sum_cents(values, starts)
        elif field == "suspendFlag":
            all_suspended = np.minimum.reduceat((values == 1).astype(np.int64), starts) == 1
            any_resumed = np.minimum.reduceat(values, starts) < 0
            out[field] = np.where(all_suspended, 1, np.where(any_resumed, -1, 0)).astype(values.dtype)
        else:  # close, settelementPrice, openInterest and anything else: the last value
            out[field] = values[ends]
    return Bars(out)


def sum_cents(amounts: np.ndarray) -> float:
    """The exact total of amounts in whole cents (see :func:`_sum_cents`)."""
    return (
        float(_sum_cents(np.asarray(amounts, dtype=np.float64), np.zeros(1, dtype=np.int64))[0])
        if len(amounts)
        else 0.0
    )


def _sum_cents(amounts: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sums of runs of amounts in whole cents (from ``starts``), added as integers and divided once: each
    sum is the double nearest its exact value (whole yuan exactly), whatever the grouping.

    Amounts that are not finite or not whole cents are added as floats."""
    cents = np.rint(amounts * 100.0)
    if not (np.isfinite(cents).all() and np.array_equal(cents / 100.0, amounts)):
        return np.add.reduceat(amounts, starts)
    total = np.add.reduceat(cents.astype(np.int64), starts)
    yuan, rest = np.divmod(total, 100)
    return np.where(rest == 0, yuan, total / 100.0)  # yuan: exact beyond 2**53 cents too


def is_intraday(bars: Bars) -> bool:
    """Whether the bars are intraday (some time is not 00:00 CST)."""
    times = bars.columns["time"]
    return bool(np.any((times + CST_OFFSET_MS) % DAY_MS != 0))


def aggregate(bars: Bars, period: str, hours: Schedule | None = None) -> Bars:
    """Aggregate 1m bars (to ``1m``...``1d`` and longer) or daily bars (to ``1d``...``1y``) into ``period``.

    Intraday bars become n-minute bars labelled by their end time inside the continuous sessions of trading
    ``hours`` (:mod:`.trading_hours`; A-share hours when None), with the auction bar at the open folded into
    the first bar (48/16/8/4 bars a day of a stock for 5m/15m/30m/60m); a night session's minutes belong to
    the trading day whose day session follows them. Daily or longer bars are labelled by the last trading
    day of the period that has data. open = first open, close = last close, high = max, low = min, volume
    and amount = sums, preClose = first preClose, settelementPrice and openInterest = last; suspendFlag = 1
    if every component is suspended, else -1 if any resumed, else 0. Input must be sorted by time. Exact:
    every output value is one of the inputs or a sum of integers (amounts in whole cents are added as
    integer cents, so 1m bars add up to exactly the same amount in every period).
    """
    if period not in KLINE_PERIODS:
        raise ValueError(f"unknown K-line period {period!r}; expected one of {KLINE_PERIODS}")
    if len(bars) == 0:
        return bars
    times = bars.columns["time"]
    intraday = is_intraday(bars)
    if period in _INTRADAY_MINUTES:
        if not intraday:
            raise ValueError(f"cannot build {period!r} bars from daily bars")
        n = _INTRADAY_MINUTES[period]
        if n == 1:
            return bars
        days, labels, _ = _session_labels(times, n, hours)
        keys = days * 2880 + labels
        return _reduce(bars, keys, days * DAY_MS - CST_OFFSET_MS + labels * MINUTE_MS)
    if intraday:
        days = _trading_days(times, hours)
        bars = _reduce(bars, days, days * DAY_MS - CST_OFFSET_MS)
        times = bars.columns["time"]
    if period == "1d":
        return bars
    return _reduce(bars, _period_keys(times, period), None)


def _trading_days(times: np.ndarray, hours: Schedule | None) -> np.ndarray:
    """The day number of the trading day of each 1m bar: its own day, or for a night session's minutes that
    of the day-session minutes after them (a night still in progress: the day after its evening)."""
    if hours is None or hours.night is None:
        return ms_day_numbers(times)
    days, _, night = _session_labels(times, 1, hours)
    following = np.where(night, np.iinfo(np.int64).max, days)
    following = np.minimum.accumulate(following[::-1])[::-1]
    return np.where(night, np.where(following == np.iinfo(np.int64).max, days + 1, following), days)
