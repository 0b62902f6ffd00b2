"""Optional conversion of tabular responses to pandas DataFrames.

pandas is imported lazily, on the first conversion, and only if the client wants DataFrames. Without pandas
(or with ``use_pandas=False``) every helper returns the decoded JSON unchanged, so the client keeps working
with the standard library alone.

Tabular endpoints are always requested with ``format=columns``: one ``{field: [values, ...]}`` mapping per
code. ``time`` is milliseconds since the epoch, as in xtquant; the DataFrame index is that instant as a naive
Asia/Shanghai timestamp (UTC+8, no daylight saving), and ``time`` stays a column too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["load_pandas", "pandas_available", "records_to_frame", "shanghai_index", "to_frame", "to_frames"]

_SHANGHAI_OFFSET_HOURS = 8
_UNSET: Any = object()
_pandas: Any = _UNSET


def load_pandas() -> Any | None:
    """Import pandas once.

    Returns:
        The ``pandas`` module, or ``None`` when it cannot be imported.
    """
    global _pandas
    if _pandas is _UNSET:
        try:
            import pandas
        except ImportError:
            _pandas = None
        else:
            _pandas = pandas
    return _pandas


def pandas_available() -> bool:
    """Whether pandas can be imported (the import happens at most once)."""
    return load_pandas() is not None


def _with_time_index(pd: Any, frame: Any) -> Any:
    if "time" in frame.columns:
        index = pd.to_datetime(frame["time"], unit="ms") + pd.Timedelta(hours=_SHANGHAI_OFFSET_HOURS)
        frame.index = pd.DatetimeIndex(index, name="datetime")
    return frame


def shanghai_index(pd: Any, times: Any) -> Any:
    """Integer ms since the epoch (a numpy array) as the frames' index: naive Shanghai time, ``datetime``."""
    shifted = times.astype("int64") + _SHANGHAI_OFFSET_HOURS * 3_600_000
    return pd.DatetimeIndex(shifted.astype("datetime64[ms]"), name="datetime")


def _column_array(np: Any, values: Any) -> Any:
    """A 1-D numpy array for one column; nulls in numbers become NaN, per-row lists stay lists."""
    array = np.asarray(values)
    if array.ndim != 1:  # tick books: one list per row
        array = np.empty(len(values), dtype=object)
        array[:] = list(values)
        return array
    if array.dtype == object:
        try:
            return np.array(values, dtype="float64")
        except (TypeError, ValueError):
            return array
    return array


def _columns_to_frame(pd: Any, columns: Mapping[str, Any]) -> Any:
    # Building from numpy arrays (and the index from int64 ms) is ~3x faster than DataFrame(dict of lists).
    import numpy as np

    arrays = {name: _column_array(np, values) for name, values in columns.items()}
    lengths = {len(a) for a in arrays.values()}
    if len(lengths) > 1:  # ragged columns (never sent by the server): pad with NaN rather than fail
        return _with_time_index(
            pd, pd.DataFrame({name: pd.Series(values) for name, values in columns.items()})
        )
    index = None
    times = arrays.get("time")
    if times is not None and times.dtype.kind in "iu":
        index = shanghai_index(pd, times)
    frame = pd.DataFrame(arrays, index=index, copy=False)
    return frame if index is not None else _with_time_index(pd, frame)


def to_frame(columns: Any, *, pandas: bool) -> Any:
    """Convert one code's ``{field: [values]}`` mapping to a DataFrame.

    A list of row objects (the ``records`` format) is accepted too.

    Args:
        columns: The columns mapping (or a list of records) for one code; ``None`` means no data.
        pandas: Whether to build a DataFrame. When false, or when pandas is missing, ``columns`` is
            returned unchanged.

    Returns:
        A DataFrame indexed by Shanghai time when ``time`` is present, or ``columns`` unchanged.
    """
    pd = load_pandas() if pandas else None
    if pd is None:
        return columns
    if columns is None:
        return pd.DataFrame()
    if isinstance(columns, list):
        return records_to_frame(columns, pandas=True)
    return _columns_to_frame(pd, columns)


def to_frames(data: Mapping[str, Any] | None, *, pandas: bool) -> dict[str, Any]:
    """Convert ``{code: columns}`` to ``{code: DataFrame}``.

    Args:
        data: Per-code columns mappings as returned by the server.
        pandas: Whether to build DataFrames (see :func:`to_frame`).

    Returns:
        A new dict with the same keys; values are DataFrames or the columns mappings unchanged.
    """
    pd = load_pandas() if pandas else None
    if pd is not None and data:
        joined = _joined_frames(pd, data)
        if joined is not None:
            return joined
    return {code: to_frame(columns, pandas=pandas) for code, columns in (data or {}).items()}


#: From this many codes on, columns alike are built as one frame and split (:func:`_joined_frames`).
JOIN_FROM = 8


def _joined_frames(pd: Any, data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The frames of many codes whose columns are alike (same names and dtypes, a ``time`` column of ints)
    built as one frame and split back by rows: building a DataFrame costs ~0.6 ms whatever its size, so 500
    codes of a year of daily bars spent more there than in the request. None when the codes are few or not
    alike (then each is built alone, with the same result). A code without rows is built alone."""
    if len(data) < JOIN_FROM:
        return None
    import numpy as np

    arrays: dict[str, dict[str, Any] | None] = {}
    shape: tuple[tuple[str, Any], ...] | None = None
    for code, columns in data.items():
        if not isinstance(columns, Mapping):
            return None
        own = {name: _column_array(np, values) for name, values in columns.items()}
        lengths = {len(a) for a in own.values()}
        if len(lengths) != 1:
            return None
        if not lengths.pop():
            arrays[code] = None
            continue
        signature = tuple((name, a.dtype) for name, a in own.items())
        if shape is None:
            shape = signature
        elif signature != shape:
            return None
        arrays[code] = own
    if shape is None or dict(shape).get("time", np.dtype(object)).kind not in "iu":
        return None
    present = [own for own in arrays.values() if own is not None]
    joined = {name: np.concatenate([own[name] for own in present]) for name, _ in shape}
    # copy(): one consolidation of the columns into blocks, so that each code's copy below is cheap.
    frame = pd.DataFrame(joined, index=shanghai_index(pd, joined["time"]), copy=False).copy()
    out: dict[str, Any] = {}
    start = 0
    for code, own in arrays.items():
        if own is None:
            out[code] = to_frame(data[code], pandas=True)
            continue
        stop = start + len(own["time"])
        out[code] = frame.iloc[start:stop].copy()  # a frame of its own (not a view), as when built alone
        start = stop
    return out


def records_to_frame(records: list[Any] | None, *, pandas: bool) -> Any:
    """Convert a list of row objects to a DataFrame.

    Args:
        records: Row objects, all with the same keys.
        pandas: Whether to build a DataFrame. When false, or when pandas is missing, ``records`` is
            returned unchanged.

    Returns:
        A DataFrame (indexed by Shanghai time when rows carry ``time``), or ``records`` unchanged.
    """
    pd = load_pandas() if pandas else None
    if pd is None:
        return records
    return _with_time_index(pd, pd.DataFrame.from_records(records or []))
