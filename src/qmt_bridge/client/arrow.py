"""Bulk K-line answers as Apache Arrow, when pyarrow is installed beside pandas.

The bulk endpoints (``market_data_ex``, ``market_data``, ``local_data``) answer ``format=arrow`` with an
Arrow IPC stream: one table, a ``code`` column and the fields, each code's rows together; its schema
metadata ``qmt_bridge`` lists every code asked. Turning it into DataFrames costs a fraction of decoding
the JSON. Without pyarrow (or with a server that cannot write Arrow) the client uses JSON, as before;
pyarrow is imported lazily and never required.
"""

from __future__ import annotations

import json
from typing import Any

from qmt_bridge.client import frames

__all__ = ["MEDIA_TYPE", "ArrowPayload", "pyarrow_available", "to_frames"]

MEDIA_TYPE = "application/vnd.apache.arrow.stream"
_UNSET: Any = object()
_pyarrow: Any = _UNSET


class ArrowPayload:
    """The body of an Arrow answer, undecoded."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


def _load() -> Any | None:
    global _pyarrow
    if _pyarrow is _UNSET:
        try:
            import pyarrow
        except ImportError:
            _pyarrow = None
        else:
            _pyarrow = pyarrow
    return _pyarrow


def pyarrow_available() -> bool:
    """Whether pyarrow can be imported (the import happens at most once)."""
    return _load() is not None


def to_frames(payload: ArrowPayload) -> dict[str, Any]:
    """``{code: DataFrame}`` of an Arrow answer, in the order the codes were asked, each indexed by
    Shanghai time as the JSON path's frames are (``time`` stays a column); a code without rows gets an
    empty frame with the fields as columns."""
    import numpy as np
    import pandas as pd

    pa = _load()
    reader = pa.ipc.open_stream(payload.data)
    batches = list(reader)
    schema = reader.schema
    codes = json.loads(schema.metadata[b"qmt_bridge"])["codes"]
    # Each batch holds whole codes, one after the other: where each code's rows start and stop.
    spans: dict[str, tuple[int, int]] = {}
    offset = 0
    for batch in batches:
        column = batch.column(0)
        names = column.dictionary.to_pylist()
        indices = column.indices.to_numpy()
        starts = np.flatnonzero(np.diff(indices, prepend=-1))
        stops = [*starts[1:], len(indices)]
        for start, stop in zip(starts, stops, strict=True):
            spans[names[indices[start]]] = (offset + int(start), offset + int(stop))
        offset += len(indices)
    fields = pa.Table.from_batches(batches, schema=schema).drop_columns(["code"]).to_pandas()
    out: dict[str, Any] = {}
    for code in codes:
        start, stop = spans.get(code, (0, 0))
        out[code] = _indexed(pd, fields.iloc[start:stop].reset_index(drop=True))
    return out


def _indexed(pd: Any, frame: Any) -> Any:
    if "time" in frame.columns and frame["time"].dtype.kind in "iu":
        frame.index = frames.shanghai_index(pd, frame["time"].to_numpy())
    return frame
