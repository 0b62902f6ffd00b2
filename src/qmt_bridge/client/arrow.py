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

__all__ = ["MEDIA_TYPE", "ArrowPayload", "pyarrow_available", "to_frames"]

MEDIA_TYPE = "application/vnd.apache.arrow.stream"
_SHANGHAI_OFFSET_MS = 8 * 3_600_000
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
    import pandas as pd

    pa = _load()
    table = pa.ipc.open_stream(payload.data).read_all()
    codes = json.loads(table.schema.metadata[b"qmt_bridge"])["codes"]
    whole = table.to_pandas()
    fields = [name for name in whole.columns if name != "code"]
    out: dict[str, Any] = {}
    groups = dict(tuple(whole.groupby("code", sort=False))) if len(whole) else {}
    for code in codes:
        part = groups.get(code)
        frame = whole.iloc[0:0][fields] if part is None else part[fields]
        out[code] = _indexed(pd, frame.reset_index(drop=True))
    return out


def _indexed(pd: Any, frame: Any) -> Any:
    if "time" in frame.columns and frame["time"].dtype.kind in "iu":
        moments = (frame["time"].to_numpy(dtype="int64") + _SHANGHAI_OFFSET_MS).astype("datetime64[ms]")
        frame.index = pd.DatetimeIndex(moments, name="datetime")
    return frame
