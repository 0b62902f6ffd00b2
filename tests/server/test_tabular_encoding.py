"""``encode_frames`` writes the very bytes of ``dumps(frames_payload(...))``, faster for numeric records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qmt_bridge.server.params import TableFormat
from qmt_bridge.server.responses import dumps
from qmt_bridge.server.services.tabular import encode_frames, encode_records, frames_payload

FRAMES = {
    "numeric": pd.DataFrame(
        {
            "time": np.array([1763602200000, 1763602260000, 1763602320000]),
            "close": [11.57, np.nan, np.inf],
            "volume": np.array([0, 2**40, -1], dtype="int64"),
            "suspendFlag": np.array([0, 1, 0], dtype="int32"),
            "flag": [True, False, True],
            "tiny": [1e-300, 0.1 + 0.2, -0.0],
        }
    ),
    "empty": pd.DataFrame({"time": pd.Series(dtype="int64"), "close": pd.Series(dtype="float64")}),
    "no_columns": pd.DataFrame(index=[0, 1]),
    "lists": pd.DataFrame({"time": [1, 2], "askPrice": [[1.0, 1.1], [1.2, 1.3]]}),
    "text": pd.DataFrame({"time": [1, 2], "name": ["a,b", '"q"']}),
    "float32": pd.DataFrame({"time": [1], "x": np.array([0.1], dtype="float32")}),
    "percent": pd.DataFrame({"time": [1], "rate%": [2.5], "100%s": [1.0]}),
    "int_labels": pd.DataFrame({0: [1.5], 1: [2]}),
}


@pytest.mark.parametrize("name", list(FRAMES))
def test_records_of_every_kind_of_frame_are_the_plain_encoding(name: str) -> None:
    frame = FRAMES[name]
    assert encode_records(frame) == dumps(frame.to_dict("records"))


@pytest.mark.parametrize("fmt", list(TableFormat))
def test_frames_of_several_codes_are_the_plain_encoding(fmt: TableFormat) -> None:
    frames = {"600519.SH": FRAMES["numeric"], "000001.SZ": FRAMES["empty"], "000002.SZ": FRAMES["lists"]}
    assert encode_frames(frames, fmt) == dumps(frames_payload(frames, fmt))
    assert encode_frames({}, fmt) == b"{}"
