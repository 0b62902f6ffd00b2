"""``get_local_data(["time"], ...)`` of intraday periods (what reading a download back asks) comes from the
session grid without building prices: it must equal the ``time`` column of the full bars, request for
request: instruments of every kind, a suspended day, a listing day, counts, bounds, ``fill_data=False``, the
``downloaded`` local-cache mode, and a session in progress."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from conftest import AFTER_CLOSE, MID_SESSION, SEED
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.sim.clock import fixed_clock

PERIODS = ["1m", "5m", "15m", "30m", "60m", "1h"]
#: (start, end, count) as a script passes them.
REQUESTS = [
    ("20251120", "20251120235959", -1),
    ("20251114", "20251120", -1),
    ("", "", 100),
    ("20251117093000", "20251118110000", -1),
    ("20251101", "", 30),
    ("20251122", "20251123", -1),  # a weekend: nothing
]


def times(sim: SimBackend, fields: list[str], code: str, period: str, request: tuple, fill: bool = True):
    start, end, count = request
    frame = sim.xtdata.get_local_data(fields, [code], period, start, end, count, "front", fill)[code]
    return frame["time"].to_numpy(), list(frame.index)


def assert_same(sim: SimBackend, code: str, period: str, request: tuple, fill: bool = True) -> int:
    fast_times, fast_labels = times(sim, ["time"], code, period, request, fill)
    full_times, full_labels = times(sim, ["time", "close", "suspendFlag"], code, period, request, fill)
    assert fast_times.dtype == full_times.dtype
    np.testing.assert_array_equal(fast_times, full_times, err_msg=f"{code} {period} {request}")
    assert fast_labels == full_labels
    return len(fast_times)


@pytest.fixture(scope="module")
def sim() -> SimBackend:
    made = SimBackend(seed=SEED, clock=fixed_clock(AFTER_CLOSE))
    made.start()
    return made


def some_codes(sim: SimBackend) -> list[str]:
    """A stock suspended on a day of November 2025, one listed that month, and one of every other kind."""
    universe = sim.xtdata.market.universe
    stocks = sim.xtdata.get_stock_list_in_sector("沪深A股")
    suspended = next(
        code
        for code in stocks[:600]
        if (sim.xtdata.get_market_data_ex(["suspendFlag"], [code], "1d", "20251103", "20251120")[code] == 1)
        .any()
        .any()
    )
    listed = next(
        inst.code
        for inst in universe
        if inst.kind == "stock" and dt.date(2025, 11, 3) <= inst.list_date <= dt.date(2025, 11, 19)
    )
    future = sim.xtdata.get_stock_list_in_sector("中金所")[0]
    option = sim.xtdata.get_stock_list_in_sector("上证期权")[0]
    return ["600519.SH", "000001.SZ", "000300.SH", "510300.SH", suspended, listed, future, "IF00.IF", option]


def test_the_time_column_alone_equals_the_full_bars_time_column(sim: SimBackend) -> None:
    served = 0
    for code in some_codes(sim):
        for period in PERIODS:
            for request in REQUESTS:
                served += assert_same(sim, code, period, request)
    assert served > 10_000  # the comparisons were of bars, not of empty frames


def test_with_fill_data_false_too(sim: SimBackend) -> None:
    codes = some_codes(sim)
    for code in codes[4:6]:  # the suspended stock, the new listing
        assert assert_same(sim, code, "1m", ("20251103", "20251120", -1), fill=False) > 0


def test_in_the_downloaded_cache_mode_only_what_was_downloaded(tmp_path: Path) -> None:
    sim = SimBackend(seed=SEED, clock=fixed_clock(AFTER_CLOSE), data_dir=tmp_path, local_cache="downloaded")
    sim.start()
    try:
        assert assert_same(sim, "600519.SH", "1m", ("20251101", "20251120", -1)) == 0
        sim.xtdata.download_history_data2(["600519.SH"], "1m", "20251110", "20251112")
        sim.xtdata.download_history_data2(["600519.SH"], "1m", "20251118", "20251119")
        # five days of minutes (1m shares its downloads with no other period); the gap between them stays
        assert assert_same(sim, "600519.SH", "1m", ("20251101", "20251120", -1)) == 5 * 241
    finally:
        sim.stop()


def test_a_session_in_progress_ends_with_the_minutes_so_far() -> None:
    sim = SimBackend(seed=SEED, clock=fixed_clock(MID_SESSION))
    sim.start()
    try:
        for period in ("1m", "5m", "60m"):
            n = assert_same(sim, "600519.SH", period, ("20251119", "", -1))
            whole_days = {"1m": 241, "5m": 48, "60m": 4}[period]
            assert whole_days < n < 2 * whole_days  # yesterday's bars and this morning's so far
    finally:
        sim.stop()


def test_frames_share_their_labels_but_not_their_index(sim: SimBackend) -> None:
    """Frames with the same bar times reuse the labels; a script naming one frame's index (as many do)
    names that one only, not the others nor a later answer."""
    codes = ["600519.SH", "000001.SZ"]
    day = ("20251120", "20251120235959")
    first, second = (sim.xtdata.get_local_data(["time"], codes, "5m", *day)[c] for c in codes)
    assert list(first.index) == list(second.index) and len(first) == 48
    first.index.name = "datetime"
    assert second.index.name is None
    assert sim.xtdata.get_local_data(["time"], codes[:1], "5m", *day)[codes[0]].index.name is None


@pytest.mark.parametrize(
    "fields",
    [["time"], ["close", "open"], ["openInterest", "suspendFlag"], ["time", "time"], ["close", "volume"], []],
)
def test_one_dtype_frames_equal_the_dict_built_ones(sim: SimBackend, fields: list[str]) -> None:
    """Frames whose columns share a dtype are built as one block: the same frame (values, dtypes, column
    and index labels) as the constructor from a dict of columns gives, each frame with its own columns and
    values (a name or a value a script changes stays on its frame)."""
    import pandas as pd

    codes = ["600519.SH", "000001.SZ"]
    day = ("20251120", "20251120235959")
    frames = sim.xtdata.get_local_data(fields, codes, "5m", *day)
    first = frames[codes[0]]
    names = list(first.columns)
    columns = {name: first.iloc[:, names.index(name)].to_numpy() for name in dict.fromkeys(names)}
    expected = pd.DataFrame(columns, index=pd.Index(list(first.index), dtype=object))
    if len(first.columns) != len(columns):
        expected = expected[list(first.columns)]
    pd.testing.assert_frame_equal(first, expected, check_column_type=True, check_index_type=True)
    wanted = fields or ["time", "open", "high", "low", "close", "volume", "amount", "settelementPrice",
                        "openInterest", "preClose", "suspendFlag"]  # fmt: skip
    assert list(first.columns) == wanted
    if "suspendFlag" in wanted:
        assert first["suspendFlag"].dtype == np.int32
    second = frames[codes[1]]
    first.columns.name = "field"
    assert second.columns.name is None
    before = second.iloc[0, 0]
    first.iloc[0, 0] = -1
    assert second.iloc[0, 0] == before
    again = sim.xtdata.get_local_data(fields, codes[:1], "5m", *day)[codes[0]]
    assert again.columns.name is None and again.iloc[0, 0] != -1
