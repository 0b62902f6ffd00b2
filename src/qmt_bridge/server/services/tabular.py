"""Tabular payloads: ``format=records`` (a list of row objects) or ``format=columns`` (field → array)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from qmt_bridge.server.params import TableFormat


def frame_payload(frame: pd.DataFrame, fmt: TableFormat) -> Any:
    """One DataFrame as records or columns; NaN becomes null on the wire (orjson)."""
    if fmt is TableFormat.columns:
        return {str(col): frame[col].to_numpy() for col in frame.columns}
    return frame.to_dict("records")


def frames_payload(frames: dict[str, pd.DataFrame], fmt: TableFormat) -> dict[str, Any]:
    return {code: frame_payload(frame, fmt) for code, frame in frames.items()}


def structured_frame(array: Any) -> pd.DataFrame:
    """A numpy structured array (xtquant's Level-2 and tick shape) as a DataFrame; sub-array fields
    (depth levels) become one list per row."""
    if array is None:
        return pd.DataFrame()
    if isinstance(array, pd.DataFrame):
        return array
    names = array.dtype.names or ()
    columns: dict[str, Any] = {}
    for name in names:
        column = array[name]
        columns[name] = column.tolist() if column.ndim > 1 else column
    return pd.DataFrame(columns)
