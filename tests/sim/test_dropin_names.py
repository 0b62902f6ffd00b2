"""Every public name of the wheel's ``xtdata`` (``tests/data/xtdata_functions_250807.txt``, read from
``xtquant/xtdata.py`` of xtquant 250807) exists in ``qmt_bridge.sim.xtdata`` with the wheel's parameters, and
the names beyond the data calls behave as the wheel's do: time helpers, short and legacy aliases, raw forms,
callback plumbing, settings, and a clear error where a QMT client's formula engine or custom data is needed.
"""

from __future__ import annotations

import ctypes
import inspect
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import AFTER_CLOSE
from qmt_bridge.sim.clock import fixed_clock
from qmt_bridge.sim.unsupported import SimUnsupportedError

WHEEL_NAMES = Path(__file__).resolve().parents[1] / "data" / "xtdata_functions_250807.txt"
CODE = "600519.SH"


@pytest.fixture()
def xt():
    from qmt_bridge.sim import xtdata

    xtdata.configure(seed=7, clock=fixed_clock(AFTER_CLOSE))
    yield xtdata
    xtdata.configure()


def _wheel_signatures() -> dict[str, str]:
    """``{name: '(params)'}``; an alias line reads ``name(= target)``."""
    lines = [line.strip() for line in WHEEL_NAMES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {line.split("(", 1)[0]: "(" + line.split("(", 1)[1] for line in lines}


def _parameters(text: str) -> list[tuple[str, str | None]]:
    """``[(name, default source or None)]`` of a wheel signature such as ``(a, b=[], *args)``."""
    namespace: dict = {}
    exec(f"def fake{text}: pass", namespace)  # noqa: S102 (the wheel's own signature list, in the repository)
    fake = namespace["fake"]
    return [
        (p.name, None if p.default is inspect.Parameter.empty else repr(p.default))
        for p in inspect.signature(fake).parameters.values()
    ]


def test_every_wheel_name_exists_with_the_wheels_parameters(xt):
    signatures = _wheel_signatures()
    assert len(signatures) == 132
    for name, text in signatures.items():
        ours = getattr(xt, name)
        if text.startswith("(="):  # an alias in the wheel: the same function under another name
            target = text[2:-1].strip()
            assert target.startswith("_") or ours == getattr(xt, target), name
            assert callable(ours), name
            continue
        mine = [
            (p.name, None if p.default is inspect.Parameter.empty else repr(p.default))
            for p in inspect.signature(ours).parameters.values()
        ]
        expected = _parameters(text)
        assert [n for n, _ in mine] == [n for n, _ in expected], name
        for (param, default), (_, wheel_default) in zip(mine, expected, strict=True):
            # A mutable [] default of the wheel may be None here (same meaning: "all").
            assert default == wheel_default or (wheel_default == "[]" and default == "None"), (name, param)


@pytest.mark.parametrize(
    ("alias", "target"),
    [
        ("gmd", "get_market_data"),
        ("gmd2", "get_market_data_ex"),
        ("gmd3", "get_market_data3"),
        ("gld", "get_local_data"),
        ("t2d", "timetag_to_datetime"),
        ("gsl", "get_stock_list_in_sector"),
    ],
)
def test_short_names_are_the_functions_of_the_wheel(xt, alias, target):
    """xtdata.py, last lines: ``gmd = get_market_data`` ... ``gsl = get_stock_list_in_sector``."""
    assert getattr(xt, alias) == getattr(xt, target)


def test_settings_are_module_attributes_a_script_can_set(xt, capsys):
    """xtdata.py "### config": ``data_dir = None``, ``enable_hello = True``; ``hello()`` prints a banner
    unless ``enable_hello`` is false."""
    assert xt.data_dir is None and xt.enable_hello is True and xt.debug_mode == 0
    xt.hello()
    assert "xtdata连接成功" in capsys.readouterr().out
    xt.enable_hello = False
    try:
        xt.hello()
        assert capsys.readouterr().out == ""
    finally:
        xt.enable_hello = True


# --------------------------------------------------------------------------------------- time helpers


@pytest.fixture()
def new_york(monkeypatch):
    """The machine in another time zone: the helpers still answer in China time."""
    if not hasattr(time, "tzset"):
        pytest.fail("time.tzset is needed to change the zone (POSIX)")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_time_helpers_convert_in_china_time(xt, new_york):
    """1,700,000,000,000 ms is 2023-11-14 22:13:20 UTC, 2023-11-15 06:13:20 in China."""
    assert xt.timetag_to_datetime(1_700_000_000_000, "%Y%m%d%H%M%S") == "20231115061320"
    assert xt.t2d(1_700_000_000_000, "%Y-%m-%d") == "2023-11-15"
    assert xt.timetagToDateTime(1_700_000_000_000, "%H:%M") == "06:13"
    assert xt.datetime_to_timetag("20231115061320") == 1_700_000_000_000.0
    assert isinstance(xt.datetime_to_timetag("20231115"), float)  # mktime * 1000, as the wheel's
    assert xt.datetime_to_timetag("20231115") == 1_699_977_600_000.0  # 8-digit dates: midnight in China
    assert xt.datetime_to_timetag("2023/11/15 06", "%Y/%m/%d %H") == 1_699_999_200_000.0


def test_a_bad_time_tag_gives_none_as_the_wheels_try_except(xt):
    """``timetagToDateTime`` is decorated with ``@try_except`` in xtdata.py: a failure returns None."""
    assert xt.timetag_to_datetime("not a number", "%Y") is None
    assert xt.try_except(lambda: 1 / 0)() is None
    assert xt.try_except(lambda x: x + 1)(1) == 2


# ---------------------------------------------------------------------------- legacy and raw forms


def test_get_market_data3_indexes_by_china_datetime(xt):
    """xtdata.py ``_get_market_data_ex_221207``: ``index = pd.to_datetime((time + 28800000) * 1000000)``."""
    frames = xt.gmd3(["close"], [CODE], period="1d", count=3)
    plain = xt.get_market_data_ex(["close", "time"], [CODE], period="1d", count=3)[CODE]
    frame = frames[CODE]
    assert list(frame.columns) == ["close"]
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert [d.strftime("%Y%m%d") for d in frame.index] == list(plain.index)
    assert frame["close"].tolist() == plain["close"].tolist()
    minutes = xt.get_market_data3(["close"], [CODE], period="1m", count=2)[CODE]
    assert [d.strftime("%H%M") for d in minutes.index] == ["1459", "1500"]


def test_get_divid_factors_legacy_form(xt):
    """xtdata.py ``getDividFactors``: ``{key: [values]}`` with ``v[5]`` (gugai) made an int."""
    frame = xt.get_divid_factors(CODE)
    assert len(frame) >= 2  # a dividend payer: the precondition of this test
    legacy = xt.getDividFactors(CODE, "")
    assert sorted(legacy) == frame["time"].astype(int).tolist()
    row = frame.iloc[-1]
    values = legacy[int(row["time"])]
    assert values[:5] == [
        row["interest"],
        row["stockBonus"],
        row["stockGift"],
        row["allotNum"],
        row["allotPrice"],
    ]
    assert type(values[5]) is int and values[6] == row["dr"]
    later = xt.getDividFactors(CODE, frame.index[-1])
    assert list(later) == [int(row["time"])]


def test_raw_forms_hold_the_same_numbers(xt):
    """``get_market_data_ori``: ``(index=[codes, times], {field: 2-D array})``, the pieces ``get_market_data``
    builds its DataFrames from (xtdata.py ``get_market_data``)."""
    codes = [CODE, "000001.SZ"]
    index, data = xt.get_market_data_ori(["close", "volume"], codes, period="1d", count=3)
    frames = xt.get_market_data(["close", "volume"], codes, period="1d", count=3)
    assert index[0] == codes and index[1] == list(frames["close"].columns)
    assert np.array_equal(data["close"], frames["close"].to_numpy())
    assert data["volume"].shape == (2, 3)
    records = xt.get_market_data_ex_ori(["time", "close"], [CODE], period="1d", count=3)[CODE]
    assert records.dtype.names == ("time", "close")
    assert records["close"].tolist() == frames["close"].loc[CODE].tolist()
    tables = xt.get_financial_data_ori([CODE], ["Capital", "balance"])[CODE]
    assert set(tables) == {"CAPITALSTRUCTURE", "ASHAREBALANCESHEET"}
    assert tables["CAPITALSTRUCTURE"][-1]["total_capital"] > 0


def test_tabular_data_is_one_long_frame_with_a_symbol_column(xt):
    codes = [CODE, "000001.SZ"]
    table = xt.get_tabular_data(["close"], codes, period="1d", count=2)
    assert list(table.columns) == ["symbol", "time", "close"]
    assert table["symbol"].tolist() == [CODE, CODE, "000001.SZ", "000001.SZ"]
    assert isinstance(table.index, pd.DatetimeIndex)
    per_code = xt.get_market_data_ex(["close"], ["000001.SZ"], period="1d", count=2)["000001.SZ"]
    assert table[table["symbol"] == "000001.SZ"]["close"].tolist() == per_code["close"].tolist()
    with pytest.raises(SimUnsupportedError, match="get_tabular_data.*'stoppricedata'"):
        xt.get_tabular_data([], [CODE], period="stoppricedata")
    assert xt.download_tabular_data([CODE], "1d") is None


# ------------------------------------------------------------------------------ plumbing and servers


def test_callback_wrappers_print_a_callback_error_and_go_on(xt, capsys):
    seen = []
    xt.subscribe_callback_wrapper(seen.append)({"a": 1})
    assert seen == [{"a": 1}]
    for wrap in (
        xt.subscribe_callback_wrapper,
        xt.subscribe_callback_wrapper_1820,
        lambda cb: xt.subscribe_callback_wrapper_convert(cb, 1820),
    ):
        wrap(lambda datas: 1 / 0)({})  # does not raise
        assert "subscribe callback error:" in capsys.readouterr().out


def test_create_array_reads_the_memory_of_a_capsule(xt):
    values = (ctypes.c_double * 3)(1.5, 2.5, 3.5)
    new_capsule = ctypes.pythonapi.PyCapsule_New
    new_capsule.restype = ctypes.py_object
    new_capsule.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    capsule = new_capsule(ctypes.addressof(values), None, None)
    array = xt.create_array((3,), "<f8", capsule, 8)
    assert array.tolist() == [1.5, 2.5, 3.5]


def test_quote_servers_answer_as_a_client_with_none_configured(xt, tmp_path):
    assert xt.get_quote_server_config() == []
    assert xt.get_quote_server_status() == {}
    assert xt.show_quote_server_status() == {}
    assert xt.watch_quote_server_status(print) is None
    assert xt.watch_xtquant_status(print) is None
    assert xt.fetch_quote_server_from_config(str(tmp_path), ["0_SH_L1"]) is None  # no xtquoterconfig.xml
    config = tmp_path / "userdata_mini" / "users"
    config.mkdir(parents=True)
    (config / "xtquoterconfig.xml").write_text("<QuoterServers/>")
    with pytest.raises(SimUnsupportedError, match="fetch_quote_server_from_config"):
        xt.fetch_quote_server_from_config(str(tmp_path), ["0_SH_L1"])


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("subscribe_formula", ("MA", CODE, "1d")),
        ("call_formula", ("MA", CODE, "1d")),
        ("bind_formula", (1,)),
        ("create_formula", ("f", "MA(C,5)")),
        ("import_formula", ("f", "f.rzrk")),
        ("del_formula", ("f",)),
        ("get_formulas", ()),
        ("get_tabular_formula", ([CODE], ["a.b"], "1d", "", "")),
        ("gen_factor_index", ("d", "f", {}, ["沪深300"])),
        ("generate_index_data", ("f",)),
        ("reset_market_trading_day_list", ("SH", [])),
        ("reset_market_stock_list", ("SH", [])),
        ("push_custom_data", ({}, [])),
    ],
)
def test_formula_and_custom_data_calls_say_the_simulator_lacks_them(xt, name, args):
    with pytest.raises(SimUnsupportedError, match=f"^{name}: the simulator has no .*real MiniQMT"):
        getattr(xt, name)(*args)


def test_formula_results_and_unsubscribe_as_for_an_unknown_request(xt):
    """xtdata.py ``get_formula_result``: ``raise Exception(f"not find formula {request_id}")``."""
    with pytest.raises(Exception, match="not find formula 7"):
        xt.get_formula_result(7)
    assert xt.unsubscribe_formula(7) is None


def test_feather_without_pyarrow_names_what_to_install(xt, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import fails, as on a machine without it
    with pytest.raises(ImportError, match="write_feather needs pyarrow"):
        xt.write_feather(os.fspath(tmp_path / "a.feather"), {}, pd.DataFrame({"a": [1]}))
    with pytest.raises(ImportError, match="read_feather needs pyarrow"):
        xt.read_feather(os.fspath(tmp_path / "a.feather"))


def test_the_module_still_refuses_unknown_and_private_names(xt):
    for name in ("no_such_function", "_api_private", "SimUnsupportedError", "ALIASES", "CST"):
        with pytest.raises(AttributeError):
            getattr(xt, name)


def test_kline_trading_periods_come_under_tradings(xt):
    """xtdata.py ``get_kline_trading_period`` docstring: the envelope of ``get_trading_period`` with K-line
    sessions under ``'tradings'``: the opening auction's ticks go to the 09:30 bar, then the two sessions."""
    periods = xt.get_kline_trading_period("000001.SZ")
    assert periods["market"] == "SZ" and "klines" not in periods
    assert periods["tradings"] == [
        {"type": "auction", "source": [0, [91500, 0], [92500, 0]], "bartime": [0, 93000]},
        {"type": "continuous", "bartime": [0, 93000, 113000]},
        {"type": "continuous", "bartime": [0, 130000, 150000]},
    ]
    assert set(periods) == set(xt.get_trading_period("000001.SZ"))
