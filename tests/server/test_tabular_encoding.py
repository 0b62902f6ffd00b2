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


def _mixed_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "time": np.array([1, 2, 3], dtype="int64"),
            "close": [1.5, np.nan, 2.5],
            "n": pd.array([1, 2, 3], dtype="Int64"),  # an extension array: through the Series
            "name": pd.array(["a", "b", "c"], dtype="string"),
            "cat": pd.Categorical(["x", "y", "x"]),
            "flag": [True, False, True],
        }
    )
    frame["close2"] = frame["close"] * 2  # a second float block
    return frame


@pytest.mark.parametrize(
    "frame",
    [
        _mixed_frame(),
        _mixed_frame().iloc[::2],  # a strided slice: columns that are not contiguous
        _mixed_frame().T.T.iloc[:, :3],  # object columns
        pd.DataFrame(np.arange(6).reshape(3, 2), columns=["a", "a"]),  # repeated names
        pd.DataFrame(np.asfortranarray(np.arange(6.0).reshape(3, 2)), columns=["f", "g"]),
    ],
    ids=["mixed", "strided", "object", "repeated", "fortran"],
)
def test_columns_read_without_a_series_are_the_series_values(frame: pd.DataFrame) -> None:
    from qmt_bridge.server.services.tabular import column_array

    for position in range(frame.shape[1]):
        fast, slow = column_array(frame, position), frame.iloc[:, position].to_numpy()
        assert dumps(fast) == dumps(slow), frame.columns[position]
        assert fast.dtype == slow.dtype and (fast.ndim, len(fast)) == (1, len(frame))
