"""DataFrame conversion of tabular responses (pandas is a dev dependency)."""

from __future__ import annotations

import pandas as pd

from qmt_bridge.client import frames

# 2024-01-02 00:00 in Shanghai == 2024-01-01 16:00 UTC.
JAN2_MS = 1704124800000
DAY_MS = 86_400_000


def test_columns_become_frame_indexed_by_shanghai_time() -> None:
    columns = {"time": [JAN2_MS, JAN2_MS + DAY_MS], "open": [1.0, 2.0], "close": [1.5, None]}
    frame = frames.to_frame(columns, pandas=True)
    assert list(frame.index) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]
    assert frame.index.tz is None and frame.index.name == "datetime"
    assert list(frame.columns) == ["time", "open", "close"]
    assert frame["time"].tolist() == columns["time"]
    assert pd.isna(frame["close"].iloc[1])


def test_intraday_time_keeps_clock_time() -> None:
    ms = JAN2_MS + (9 * 60 + 31) * 60_000  # 09:31 Shanghai
    frame = frames.to_frame({"time": [ms], "close": [1.0]}, pandas=True)
    assert frame.index[0] == pd.Timestamp("2024-01-02 09:31")


def test_records_become_frame_too() -> None:
    frame = frames.to_frame([{"time": JAN2_MS, "close": 1.0}], pandas=True)
    assert frame.index[0] == pd.Timestamp("2024-01-02")
    assert frame["close"].tolist() == [1.0]


def test_frame_without_time_keeps_default_index() -> None:
    frame = frames.records_to_frame([{"sector": "沪深A股", "category": "市场"}], pandas=True)
    assert list(frame.index) == [0]
    assert frame.loc[0, "sector"] == "沪深A股"


def test_none_and_empty_give_empty_frames() -> None:
    assert frames.to_frame(None, pandas=True).empty
    assert frames.to_frame({}, pandas=True).empty
    assert frames.records_to_frame([], pandas=True).empty


def test_to_frames_keeps_codes() -> None:
    result = frames.to_frames({"A.SH": {"time": [JAN2_MS], "close": [1.0]}, "B.SZ": None}, pandas=True)
    assert set(result) == {"A.SH", "B.SZ"}
    assert result["A.SH"]["close"].iloc[0] == 1.0
    assert result["B.SZ"].empty


def test_pandas_false_returns_input_unchanged() -> None:
    columns = {"time": [JAN2_MS], "close": [1.0]}
    assert frames.to_frame(columns, pandas=False) is columns
    assert frames.to_frames({"A.SH": columns}, pandas=False) == {"A.SH": columns}
    records = [{"a": 1}]
    assert frames.records_to_frame(records, pandas=False) is records


def test_ragged_columns_are_padded_not_fatal():
    frame = frames.to_frame({"time": [1_700_000_000_000, 1_700_000_060_000], "close": [1.0]}, pandas=True)
    assert isinstance(frame, pd.DataFrame) and len(frame) == 2
    assert frame["close"].iloc[0] == 1.0 and pd.isna(frame["close"].iloc[1])


def _columns(first_ms: int, rows: int, volume: list | None = None) -> dict:
    return {
        "time": [first_ms + i * 86_400_000 for i in range(rows)],
        "close": [10.0 + i for i in range(rows)],
        "volume": volume if volume is not None else [100 * (i + 1) for i in range(rows)],
    }


def test_many_codes_alike_are_built_as_one_frame_and_split_into_frames_of_their_own() -> None:
    import warnings

    data = {f"60000{i}.SH": _columns(1_700_000_000_000 + i, rows=3 + i) for i in range(frames.JOIN_FROM)}
    data["000001.SZ"] = {"time": [], "close": [], "volume": []}  # no rows: built alone
    joined = frames.to_frames(data, pandas=True)
    assert list(joined) == list(data)
    for code, columns in data.items():
        pd.testing.assert_frame_equal(joined[code], frames.to_frame(columns, pandas=True))
    first, second = joined["600000.SH"], joined["600001.SH"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no SettingWithCopyWarning: each frame is its own
        first.iloc[0, first.columns.get_loc("close")] = -1.0
    assert first["close"].iloc[0] == -1.0 and second["close"].iloc[0] == 10.0


def test_codes_not_alike_or_few_are_built_one_by_one() -> None:
    alike = {f"60000{i}.SH": _columns(1_700_000_000_000, rows=2) for i in range(frames.JOIN_FROM)}
    assert frames._joined_frames(pd, alike) is not None
    assert frames._joined_frames(pd, dict(list(alike.items())[:-1])) is None  # one fewer than JOIN_FROM
    unlike = {**alike, "600009.SH": _columns(1_700_000_000_000, rows=2, volume=[None, 5])}  # float volume
    assert frames._joined_frames(pd, unlike) is None
    built = frames.to_frames(unlike, pandas=True)
    assert built["600009.SH"]["volume"].isna().iloc[0] and built["600000.SH"]["volume"].dtype.kind == "i"
