"""Answer shapes of the simulated ``xtdata`` where they differ by period, checked against the wheel
(``xtquant/xtdata.py`` and ``xtquant/config/metaInfo.json`` of xtquant 250807)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import MID_SESSION
from qmt_bridge.sim.clock import fixed_clock

CODE = "600519.SH"
LEVEL2 = ["l2quote", "l2order", "l2transaction", "l2quoteaux", "l2orderqueue", "l2thousand"]


@pytest.fixture(scope="module")
def xt():
    from qmt_bridge.sim import xtdata

    xtdata.configure(seed=7, clock=fixed_clock(MID_SESSION))
    yield xtdata
    xtdata.configure()


def test_tick_records_carry_the_five_level_book(xt):
    """xtdata.py ``get_market_data`` docstring: tick fields include ``askPrice1..5``, ``bidVol1..5``;
    metaInfo.json 3000 types the book ``vdouble`` (prices) and ``vint`` (volumes), and ``openInt``,
    ``transactionNum``, ``stockStatus`` ``int``."""
    ticks = xt.get_market_data([], [CODE], period="tick", count=3)[CODE]
    assert isinstance(ticks, np.ndarray) and len(ticks) == 3
    dtype = ticks.dtype
    assert dtype["askPrice"].shape == (5,) and dtype["askPrice"].base == np.float64
    assert dtype["bidPrice"].shape == (5,) and dtype["bidPrice"].base == np.float64
    assert dtype["askVol"].shape == (5,) and dtype["askVol"].base == np.int32
    assert dtype["bidVol"].shape == (5,) and dtype["bidVol"].base == np.int32
    for name in ("openInt", "transactionNum", "stockStatus"):
        assert dtype[name] == np.int32, name
    assert dtype["volume"] == np.int64 and dtype["pvolume"] == np.int64  # "long"
    records = xt.get_market_data_ex([], [CODE], period="tick", count=3)[CODE]
    last = records.iloc[-1]
    assert ticks["askPrice"][-1].tolist() == last["askPrice"]
    assert ticks["bidVol"][-1].tolist() == last["bidVol"]
    assert ticks["askPrice"][-1][0] > ticks["bidPrice"][-1][0] > 0  # a live book: ask above bid
    assert ticks["time"].tolist() == records["time"].tolist()


@pytest.mark.parametrize("period", LEVEL2)
def test_level2_periods_answer_arrays_per_code_not_kline_frames(xt, period):
    """xtdata.py ``get_market_data``: for a period outside the K-line set it returns ``get_market_data_ori``,
    ``{stock: np.ndarray}`` (docstring: "period为'tick'时：{stock1 : value1, ...} np.ndarray")."""
    answer = xt.get_market_data([], [CODE], period=period, count=2)
    assert list(answer) == [CODE]
    array = answer[CODE]
    assert isinstance(array, np.ndarray) and array.dtype.names and "time" in array.dtype.names
    assert "close" not in array.dtype.names  # not a K-line shape
    frame = xt.get_market_data_ex([], [CODE], period=period, count=2)[CODE]
    assert len(array) == len(frame) == 2
    assert list(array.dtype.names) == list(frame.columns)


def test_lists_of_different_lengths_are_zero_padded(xt):
    """The thousand-level book has as many levels as there are orders: the array is as wide as the widest
    row, the rest zero (xtquant pads the L1 book with zeros too)."""
    frame = xt.get_market_data_ex([], [CODE], period="l2thousand", count=2)[CODE]
    array = xt.get_market_data([], [CODE], period="l2thousand", count=2)[CODE]
    widths = [len(levels) for levels in frame["bidPrice"]]
    assert array.dtype["bidPrice"].shape == (max(widths),)
    for row, levels in zip(array["bidPrice"], frame["bidPrice"], strict=True):
        assert row[: len(levels)].tolist() == levels
        assert not row[len(levels) :].any()


@pytest.mark.parametrize(
    ("pair", "period"), [((3001, 86400000), "1d"), ((3001, 60000), "1m"), ((3001, 300000), "5m")]
)
def test_a_metaid_period_pair_of_klines_is_that_period(xt, pair, period):
    """xtdata.py ``__STR_PERIODS``: ``(3001, 86400000)`` is ``'1d'``, ``(3001, 60000)`` is ``'1m'``."""
    by_pair = xt.get_market_data_ex(["close"], [CODE], period=pair, count=3)[CODE]
    by_name = xt.get_market_data_ex(["close"], [CODE], period=period, count=3)[CODE]
    assert len(by_pair) == 3
    assert by_pair.equals(by_name)


@pytest.mark.parametrize(
    "period",
    [
        "stoppricedata",
        "historymaincontract",
        "snapshotindex",
        "etfiopv1m",
        "l2transactioncount",
        (4011, 60000),
        "7m",
    ],
)
def test_a_period_the_simulator_lacks_raises_naming_it(xt, period):
    """Never a silent empty frame: the script learns which period has no simulated data."""
    from qmt_bridge.sim.unsupported import SimUnsupportedError

    with pytest.raises(
        SimUnsupportedError, match=f"no data for period {period!r}".replace("(", r"\(").replace(")", r"\)")
    ):
        xt.get_market_data_ex([], [CODE], period=period, count=2)
    with pytest.raises(SimUnsupportedError):
        xt.get_market_data([], [CODE], period=period, count=2)


def test_hk_broker_queue_periods_answer_the_broker_queues(xt):
    """xtdata.py ``get_market_data_ex``: ``'hkbrokerqueue'``, ``'hkbrokerqueue2'`` and ``(1820, 0)`` return
    ``get_broker_queue_data(stock_list, start_time, end_time, count, showbrokename)``."""
    plain = xt.get_market_data_ex([], ["00700.HK"], period="hkbrokerqueue", count=1)
    assert plain == xt.get_broker_queue_data(["00700.HK"], count=1)
    assert plain["00700.HK"] and "bidbrokerqueues" in plain["00700.HK"][0]
    assert xt.get_market_data_ex([], ["00700.HK"], period=(1820, 0), count=1) == plain
    named = xt.get_market_data_ex([], ["00700.HK"], period="hkbrokerqueue2", count=1)
    assert named == xt.get_broker_queue_data(["00700.HK"], count=1, show_broker_name=True)


def test_kline_integers_follow_metainfo(xt):
    """metaInfo.json 3001: 持仓量 (openInterest) and 停牌标志 (suspendFlag) are ``int``, 成交量 ``long``."""
    frame = xt.get_market_data_ex([], [CODE], period="1d", count=2)[CODE]
    assert frame["openInterest"].dtype == np.int32 and frame["suspendFlag"].dtype == np.int32
    assert frame["volume"].dtype == np.int64 and frame["time"].dtype == np.int64


def test_an_empty_answer_keeps_its_dtypes(xt):
    """xtdata.py ``_get_market_data_ex_ori_221207`` builds frames from typed arrays: no rows still means
    float prices and integer volumes, and an empty index, not object columns over a RangeIndex."""
    frame = xt.get_market_data_ex([], [CODE], period="1d", start_time="20300101", end_time="20300105")[CODE]
    assert len(frame) == 0 and len(frame.columns) == 11
    assert frame["close"].dtype == np.float64 and frame["volume"].dtype == np.int64
    assert frame["suspendFlag"].dtype == np.int32
    assert not isinstance(frame.index, pd.RangeIndex) and frame.index.dtype == object
    unknown = xt.get_market_data_ex(["close"], ["NOSUCH.SH"], period="1m", count=3)["NOSUCH.SH"]
    assert list(unknown.columns) == ["close"] and unknown["close"].dtype == np.float64


def test_fill_data_false_blanks_every_field_of_a_bar_without_trades(xt):
    """xtdata.py ``get_market_data`` docstring: "为False时，缺失数据所有字段填NaN"; with ``fill_data=True``
    a suspended day keeps the previous close and ``volume`` 0."""
    suspended = _a_suspended_day(xt)
    code, day = suspended
    filled = xt.get_market_data_ex([], [code], period="1d", start_time=day, end_time=day)[code]
    assert filled.loc[day, "volume"] == 0 and filled.loc[day, "suspendFlag"] == 1
    blank = xt.get_market_data_ex([], [code], period="1d", start_time=day, end_time=day, fill_data=False)[
        code
    ]
    row = blank.loc[day]
    assert row.drop("time").isna().all(), row.to_dict()
    assert row["time"] == filled.loc[day, "time"]


def _a_suspended_day(xt) -> tuple[str, str]:
    """A (code, YYYYMMDD) of a suspended day in the simulator's recent history (precondition asserted)."""
    codes = xt.get_stock_list_in_sector("沪深A股")[:400]
    frames = xt.get_market_data_ex(["suspendFlag"], codes, period="1d", count=120)
    for code, frame in frames.items():
        days = frame.index[frame["suspendFlag"] == 1]
        if len(days):
            return code, days[0]
    raise AssertionError("no suspended day among 400 codes x 120 days: the simulator's data changed")


def test_an_unknown_dividend_type_answers_unadjusted_bars_with_a_warning(xt, caplog):
    """xtquant hands ``dividend_type`` to its client unchecked; the client answers unadjusted bars."""
    plain = xt.get_market_data_ex(["close"], [CODE], period="1d", count=5)[CODE]
    with caplog.at_level("WARNING", logger="qmt_bridge.sim"):
        odd = xt.get_market_data_ex(["close"], [CODE], period="1d", count=5, dividend_type="frontt")[CODE]
    assert odd.equals(plain)
    assert any("unknown dividend_type 'frontt'" in r.getMessage() for r in caplog.records)


def test_markets_and_period_list_as_the_wheel(xt):
    """xtdata.py ``get_markets`` names INE 能源交易所; ``get_period_list`` puts the described
    ``__TUPLE_PERIODS`` (the HK broker queues) in front of the client's list."""
    assert xt.get_markets()["INE"] == "能源交易所"
    periods = xt.get_period_list()
    assert periods[:2] == [
        {"name": "brokerqueue", "desc": "港股委托经纪人队列"},
        {"name": "brokerqueue2", "desc": "港股委托经纪人队列(对结果进行转换)"},
    ]
    assert {"name": "1d", "desc": "日线"} in periods
    queues = xt.get_market_data_ex([], ["00700.HK"], period="brokerqueue", count=1)
    assert queues == xt.get_broker_queue_data(["00700.HK"], count=1)
