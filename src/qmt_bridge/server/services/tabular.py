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
