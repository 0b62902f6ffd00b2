"""Bulk K-line/tick answers as an Apache Arrow IPC stream (``format=arrow``), when pyarrow is installed.

The stream holds one table: a ``code`` column and the fields, the rows of each code together, in the order
the codes were asked. Its schema metadata ``qmt_bridge`` is JSON: ``head`` (what the JSON answer has
before ``data``: period, dividend_type, ...), ``codes`` (every code asked; those without a row are the
JSON answer's ``no_data``) and ``download``. A heavy answer sends one record batch per chunk, as it is
read; the schema comes from the first chunk with rows (chunks before it have no rows to send).

Why: turning JSON records into DataFrames costs the client as much as pandas' own ``DataFrame(records)``,
and the JSON is 2-3x the bytes; an Arrow table is columns in their binary form on both sides.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from qmt_bridge.server.responses import dumps

MEDIA_TYPE = "application/vnd.apache.arrow.stream"
METADATA_KEY = b"qmt_bridge"
#: The end-of-stream marker of the IPC stream format (continuation token, then a zero length).
END_OF_STREAM = b"\xff\xff\xff\xff\x00\x00\x00\x00"

try:
    import pyarrow as pa
except ImportError:  # an optional dependency: format=arrow answers 501 without it
    pa = None


def available() -> bool:
    """Whether pyarrow can be used (``pip install "qmt-bridge[arrow]"``)."""
    return pa is not None


class ArrowEncoder:
    """Chunks of ``{code: DataFrame}`` as consecutive pieces of one IPC stream: the schema message before
    the first batch, then a record batch per call, then :meth:`end`. Runs in worker threads, one call at a
    time."""

    def __init__(self, head: dict[str, Any], codes: list[str], download: dict[str, Any]) -> None:
        self.metadata = {METADATA_KEY: dumps({"head": head, "codes": codes, "download": download})}
        self.schema: Any = None
        self.columns: list[str] = []  # of the frames seen, for a stream without a row

    def encode(self, frames: dict[str, pd.DataFrame]) -> bytes:
        """The pieces for ``frames`` (nothing while no chunk has had a row)."""
        for frame in frames.values():
            self.columns += [str(c) for c in frame.columns if str(c) not in self.columns]
        parts = [_with_code(code, frame) for code, frame in frames.items() if len(frame)]
        if not parts:
            return b""
        table = pd.concat(parts, ignore_index=True)
        out = b""
        if self.schema is None:
            self.schema = pa.Schema.from_pandas(table, preserve_index=False).with_metadata(self.metadata)
            out = self.schema.serialize().to_pybytes()
        rows = pa.Table.from_pandas(
            table.reindex(columns=self.schema.names), schema=self.schema, preserve_index=False
        )
        return out + b"".join(batch.serialize().to_pybytes() for batch in rows.to_batches())

    def end(self) -> bytes:
        """The end of the stream; the schema first when no chunk had a row (``code``, ``time`` and the
        frames' columns, as empty columns)."""
        out = b""
        if self.schema is None:
            names = ["code", "time", *(f for f in self.columns if f not in ("code", "time"))]
            types = [pa.string(), pa.int64(), *([pa.float64()] * (len(names) - 2))]
            self.schema = pa.schema(list(zip(names, types, strict=True)), metadata=self.metadata)
            out = self.schema.serialize().to_pybytes()
        return out + END_OF_STREAM


def _with_code(code: str, frame: pd.DataFrame) -> pd.DataFrame:
    return frame.reset_index(drop=True).assign(code=code)[["code", *frame.columns]]
