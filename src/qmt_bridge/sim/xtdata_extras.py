"""The names of xtquant's ``xtdata`` module beyond the simulated client's data calls: module settings, time
helpers, the short and legacy aliases, the raw (``*_ori``) forms, callback plumbing, and the functions that
need parts of a QMT client the simulator does not have (the formula engine, custom data).

Each follows the wheel's ``xtquant/xtdata.py`` (250807); where that function's behaviour depends on the QMT
client, it raises :class:`~qmt_bridge.sim.unsupported.SimUnsupportedError` saying what is missing: never a
silent empty answer a script would carry on with. (The quote-server queries are the simulated client's:
``SimXtData`` answers as a client with none configured.)

Times are China Standard Time (UTC+8) whatever the machine's zone: xtquant converts in the local zone of a
box that runs QMT, which is China's, and the simulator's time tags are CST.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import inspect
import json
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from qmt_bridge.sim.market.bars import KLINE_PERIODS
from qmt_bridge.sim.unsupported import SimUnsupportedError

CST = dt.timezone(dt.timedelta(hours=8))
#: xtquant adds 8 hours to a UTC time tag to index frames in China time (``time + 28800000``).
CST_OFFSET_MS = 28_800_000

#: The financial tables' native names, as ``get_financial_data_ori`` asks the client for them.
FINANCIAL_TABLES = {
    "Balance": "ASHAREBALANCESHEET",
    "Income": "ASHAREINCOME",
    "CashFlow": "ASHARECASHFLOW",
    "Capital": "CAPITALSTRUCTURE",
    "HolderNum": "SHAREHOLDER",
    "Top10Holder": "TOP10HOLDER",
    "Top10FlowHolder": "TOP10FLOWHOLDER",
    "PershareIndex": "PERSHAREINDEX",
}


def _lacks(name: str, needs: str) -> SimUnsupportedError:
    return SimUnsupportedError(
        f"{name}: the simulator has no {needs}; this call works only against a real MiniQMT"
    )


def _xtdata() -> Any:
    from qmt_bridge.sim import xtdata

    return xtdata


# ---------------------------------------------------------------------------------------------- plumbing


def try_except(func: Callable[..., Any]) -> Callable[..., Any]:
    """xtquant's decorator: the wrapped function returns None instead of raising."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception:
            return None

    return wrapper


def hello() -> None:
    """Print xtquant's connection banner, unless ``enable_hello`` is false."""
    module = _xtdata()
    if not module.enable_hello:
        return
    now = dt.datetime.now(CST).strftime("%Y-%m-%d %H:%M:%S")
    print(  # noqa: T201 (xtquant prints this banner to the console)
        f"***** xtdata连接成功 {now} *****\n"
        "服务信息: qmt_bridge simulator\n"
        "服务地址: (in process)\n"
        f"数据路径: {module.get_data_dir() or module.data_dir}\n"
        "设置xtdata.enable_hello = False可隐藏此消息\n"
    )


def create_array(shape: Any, dtype_tuple: Any, capsule: Any, size: int) -> np.ndarray:
    """A numpy array over the memory of a PyCapsule (how xtquant's native module hands over buffers):
    ``shape`` elements of ``size`` bytes each, read as ``dtype_tuple``."""
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    buffer = (ctypes.c_char * (int(np.prod(shape)) * size)).from_address(get_pointer(capsule, None))
    return np.ndarray(shape=shape, dtype=np.dtype(dtype_tuple), buffer=buffer)


def subscribe_callback_wrapper(callback: Callable[[Any], Any] | None) -> Callable[[Any], None]:
    """The callback as xtquant calls it: an exception it raises is printed, never propagated."""

    def subscribe_callback(datas: Any) -> None:
        try:
            if callback:
                callback(datas)
        except Exception:
            print("subscribe callback error:", callback)  # noqa: T201 (as xtquant)
            traceback.print_exc()

    return subscribe_callback


def subscribe_callback_wrapper_1820(callback: Callable[[Any], Any] | None) -> Callable[[Any], None]:
    """As :func:`subscribe_callback_wrapper` (xtquant's also names HK broker ids; the simulator's pushes
    already carry names)."""
    return subscribe_callback_wrapper(callback)


def subscribe_callback_wrapper_convert(
    callback: Callable[[Any], Any] | None, metaid: int
) -> Callable[[Any], None]:
    """As :func:`subscribe_callback_wrapper` (xtquant's also renames the fields of ``metaid``; the simulator's
    pushes already use the names)."""
    return subscribe_callback_wrapper(callback)


# ------------------------------------------------------------------------------------------ time helpers


def datetime_to_timetag(datetime: str, format: str = "%Y%m%d%H%M%S") -> float:  # noqa: A002 (xtquant's name)
    """Milliseconds since the epoch of a ``YYYYMMDD[hhmmss]`` string in China time (a float, as xtquant's)."""
    if len(datetime) == 8:
        format = "%Y%m%d"
    return dt.datetime.strptime(datetime, format).replace(tzinfo=CST).timestamp() * 1000


def timetagToDateTime(timetag: float, format: str) -> str | None:  # noqa: N802, A002 (xtquant's names)
    """A millisecond time tag formatted in China time; None when it cannot be (xtquant's ``try_except``)."""
    try:
        return dt.datetime.fromtimestamp(timetag / 1000, CST).strftime(format)
    except Exception:
        return None


def timetag_to_datetime(timetag: float, format: str) -> str | None:  # noqa: A002 (xtquant's name)
    """A millisecond time tag formatted in China time, e.g. ``timetag_to_datetime(t, '%Y%m%d %H:%M:%S')``."""
    return timetagToDateTime(timetag, format)


# ------------------------------------------------------------------------------- legacy and raw forms


def get_market_data3(
    field_list: list[str] = [],  # noqa: B006 (xtquant's own signature; never mutated)
    stock_list: list[str] = [],  # noqa: B006
    period: str = "1d",
    start_time: str = "",
    end_time: str = "",
    count: int = -1,
    dividend_type: str = "none",
    fill_data: bool = True,
    enable_read_from_server: bool = True,
) -> dict[str, pd.DataFrame]:
    """The 2022 form of ``get_market_data_ex`` (``gmd3``): ``{code: DataFrame}`` indexed by a
    ``DatetimeIndex`` in China time instead of time strings."""
    fields = list(field_list or [])
    query = fields if not fields or "time" in fields else ["time", *fields]
    frames = _xtdata().get_market_data_ex(
        query, list(stock_list or []), period, start_time, end_time, count, dividend_type, fill_data
    )
    result = {}
    for code, frame in frames.items():
        indexed = frame[fields] if fields else frame.copy()
        indexed.index = pd.to_datetime(frame["time"].to_numpy(np.int64) + CST_OFFSET_MS, unit="ms")
        result[code] = indexed
    return result


def getDividFactors(stock_code: str, date: str) -> dict[int, list[Any]]:  # noqa: N802 (xtquant's name)
    """The legacy form of ``get_divid_factors`` from ``date`` on: ``{ex-date time tag: [interest,
    stockBonus, stockGift, allotNum, allotPrice, gugai (int), dr]}``."""
    frame = _xtdata().get_divid_factors(stock_code, date)
    columns = ["interest", "stockBonus", "stockGift", "allotNum", "allotPrice", "gugai", "dr"]
    result = {}
    for row in frame.to_dict("records"):
        values = [row[c] for c in columns]
        values[5] = int(values[5])
        result[int(row["time"])] = values
    return result


def get_market_data_ori(
    field_list: list[str] = [],  # noqa: B006
    stock_list: list[str] = [],  # noqa: B006
    period: str = "1d",
    start_time: str = "",
    end_time: str = "",
    count: int = -1,
    dividend_type: str = "none",
    fill_data: bool = True,
    enable_read_from_server: bool = True,
    data_dir: str | None = None,
) -> Any:
    """The native answer behind ``get_market_data``: for K-lines ``(index, data)`` with ``index =
    [codes, times]`` and ``data = {field: 2-D array}``; for other periods what ``get_market_data`` returns."""
    answer = _xtdata().get_market_data(
        field_list, stock_list, period, start_time, end_time, count, dividend_type, fill_data
    )
    if period not in KLINE_PERIODS:
        return answer
    frames = list(answer.values())
    index = [list(frames[0].index), list(frames[0].columns)] if frames else [list(stock_list), []]
    return index, {field: frame.to_numpy() for field, frame in answer.items()}


def get_market_data_ex_ori(
    field_list: list[str] = [],  # noqa: B006
    stock_list: list[str] = [],  # noqa: B006
    period: str = "1d",
    start_time: str = "",
    end_time: str = "",
    count: int = -1,
    dividend_type: str = "none",
    fill_data: bool = True,
    enable_read_from_server: bool = True,
    data_dir: str | None = None,
) -> dict[str, np.ndarray]:
    """The native answer behind ``get_market_data_ex``: ``{code: numpy structured array}`` (with ``time``)."""
    frames = _xtdata().get_market_data_ex(
        field_list, stock_list, period, start_time, end_time, count, dividend_type, fill_data
    )
    return {code: frame.to_records(index=False) for code, frame in frames.items()}


def get_financial_data_ori(
    stock_list: list[str],
    table_list: list[str] = [],  # noqa: B006
    start_time: str = "",
    end_time: str = "",
    report_type: str = "report_time",
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The native answer behind ``get_financial_data``: ``{code: {native table name: [row dict, ...]}}``
    (``ASHAREBALANCESHEET``, ``CAPITALSTRUCTURE``, ...)."""
    tables = list(table_list or FINANCIAL_TABLES)
    native = {name.upper(): FINANCIAL_TABLES.get(name, name) for name in FINANCIAL_TABLES}
    answer = _xtdata().get_financial_data(stock_list, tables, start_time, end_time, report_type)
    return {
        code: {
            native.get(table.upper(), table): frame.to_dict("records") for table, frame in per_code.items()
        }
        for code, per_code in answer.items()
    }


def get_tabular_data(
    field_list: list[str] = [],  # noqa: B006
    stock_list: list[str] = [],  # noqa: B006
    period: str = "1d",
    start_time: str = "",
    end_time: str = "",
    count: int = -1,
    dividend_type: str = "none",
    fill_data: bool = True,
) -> pd.DataFrame:
    """K-lines of every code in **one** long DataFrame with a ``symbol`` column, indexed by China time (the
    wheel's ``_get_market_data_ex_250414``). Other periods are MiniQMT's tabular (metatable) data, which the
    simulator does not have: :class:`~qmt_bridge.sim.unsupported.SimUnsupportedError`."""
    if period not in KLINE_PERIODS:
        raise _lacks("get_tabular_data", f"tabular (metatable) data for period {period!r}")
    fields = list(field_list or [])
    query = fields if not fields or "time" in fields else ["time", *fields]
    frames = _xtdata().get_market_data_ex(
        query, list(stock_list or []), period, start_time, end_time, count, dividend_type, fill_data
    )
    parts = []
    for code, frame in frames.items():
        part = (frame[["time", *[f for f in fields if f != "time"]]] if fields else frame).copy()
        part.insert(0, "symbol", code)
        parts.append(part)
    table = pd.concat(parts) if parts else pd.DataFrame(columns=["symbol", "time", *fields])
    table.index = pd.to_datetime(table["time"].to_numpy(np.int64) + CST_OFFSET_MS, unit="ms")
    return table


def download_tabular_data(
    stock_list: Any,
    period: str,
    start_time: Any = "",
    end_time: Any = "",
    incrementally: bool | None = None,
    download_type: str = "validationbypage",
    source: str = "",
) -> None:
    """Nothing to download: the simulator's data is always local (as after a finished download)."""


# ------------------------------------------------------------- formulas and custom data: not simulated

_FORMULAS = "formula engine (QMT's model language)"
_CUSTOM_DATA = "custom market data store"


def subscribe_formula(
    formula_name: str,
    stock_code: str,
    period: str,
    start_time: str = "",
    end_time: str = "",
    count: int = -1,
    dividend_type: str | None = None,
    extend_param: dict[str, Any] = {},  # noqa: B006
    callback: Callable[[Any], Any] | None = None,
) -> int:
    raise _lacks("subscribe_formula", _FORMULAS)


def get_formula_result(
    request_id: int, start_time: str = "", end_time: str = "", count: int = -1, timeout_second: int = -1
) -> dict[str, Any]:
    # xtquant raises so for a request id its client does not know; the simulator knows none.
    raise Exception(f"not find formula {request_id}")


def bind_formula(request_id: int, callback: Callable[[Any], Any] | None = None) -> None:
    raise _lacks("bind_formula", _FORMULAS)


def unsubscribe_formula(request_id: int) -> None:
    """Nothing to end: the simulator never started a formula."""


def call_formula(
    formula_name: str,
    stock_code: str,
    period: str,
    start_time: str = "",
    end_time: str = "",
    count: int = -1,
    dividend_type: str | None = None,
    extend_param: dict[str, Any] = {},  # noqa: B006
) -> dict[str, Any]:
    raise _lacks("call_formula", _FORMULAS)


def create_formula(formula_name: str, formula_content: str, formula_params: dict[str, Any] = {}) -> Any:  # noqa: B006
    raise _lacks("create_formula", _FORMULAS)


def import_formula(formula_name: str, file_path: str) -> Any:
    raise _lacks("import_formula", _FORMULAS)


def del_formula(formula_name: str) -> Any:
    raise _lacks("del_formula", _FORMULAS)


def get_formulas() -> Any:
    raise _lacks("get_formulas", _FORMULAS)


def get_tabular_formula(
    codes: list[str],
    fields: list[str],
    period: str,
    start_time: str,
    end_time: str,
    count: int = -1,
    dividend_type: str = "none",
    **kwargs: Any,
) -> Any:
    raise _lacks("get_tabular_formula", _FORMULAS)


def gen_factor_index(
    data_name: str,
    formula_name: str,
    vars: Any,  # noqa: A002 (xtquant's name)
    sector_list: list[str],
    start_time: str = "",
    end_time: str = "",
    period: str = "1d",
    dividend_type: str = "none",
) -> Any:
    raise _lacks("gen_factor_index", _FORMULAS)


def generate_index_data(
    formula_name: str,
    formula_param: dict[str, Any] = {},  # noqa: B006
    stock_list: list[str] = [],  # noqa: B006
    period: str = "1d",
    dividend_type: str = "none",
    start_time: str = "",
    end_time: str = "",
    fill_mode: str = "fixed",
    fill_value: float = float("nan"),
    result_path: str | None = None,
) -> Any:
    raise _lacks("generate_index_data", _FORMULAS)


def reset_market_trading_day_list(market: str, datas: Any) -> None:
    raise _lacks("reset_market_trading_day_list", _CUSTOM_DATA)


def reset_market_stock_list(market: str, datas: Any) -> None:
    raise _lacks("reset_market_stock_list", _CUSTOM_DATA)


def push_custom_data(meta: Any, datas: Any, coverall: bool = False) -> None:
    raise _lacks("push_custom_data", _CUSTOM_DATA)


# ------------------------------------------------------------------------------------------------ feather


def write_feather(dest_path: str, param: dict[str, Any], df: pd.DataFrame) -> bool:
    """Write ``df`` as a feather (Arrow IPC) file with ``param`` in its metadata (``param_str``: JSON;
    xtquant also stores BSON under ``param_bin``, here the same JSON). Needs ``pyarrow``, as xtquant's does."""
    Schema, Table, feather = _pyarrow("write_feather")

    text = json.dumps(param)
    schema = Schema.from_pandas(df).with_metadata({"param_bin": text, "param_str": text})
    feather.write_feather(Table.from_pandas(df, schema=schema), dest_path)
    return True


def read_feather(file_path: str) -> tuple[dict[str, Any] | None, pd.DataFrame]:
    """``(param, DataFrame)`` of a feather file written by :func:`write_feather`. Needs ``pyarrow``."""
    _, _, feather = _pyarrow("read_feather")

    table = feather.read_table(source=file_path, columns=None, memory_map=True, use_threads=True)
    metadata = table.schema.metadata or {}
    raw = metadata.get(b"param_str") or metadata.get(b"param_bin")
    try:
        param = json.loads(raw) if raw else None
    except ValueError:
        param = None  # BSON written by xtquant itself: not readable without its bson module
    return param, table.to_pandas(use_threads=True)


def _pyarrow(name: str) -> tuple[Any, Any, Any]:
    try:
        from pyarrow import Schema, Table, feather
    except ImportError as exc:
        raise ImportError(f"{name} needs pyarrow, as xtquant's does: pip install pyarrow") from exc
    return Schema, Table, feather


#: xtquant's short names (xtdata.py, end of module), resolved to the simulated function of that name.
ALIASES = {
    "gmd": "get_market_data",
    "gmd2": "get_market_data_ex",
    "gmd3": "get_market_data3",
    "gld": "get_local_data",
    "t2d": "timetag_to_datetime",
    "gsl": "get_stock_list_in_sector",
}

#: The functions the drop-in module serves from here: every public function defined above.
EXPORTED = frozenset(
    name
    for name, value in list(globals().items())
    if inspect.isfunction(value) and value.__module__ == __name__ and not name.startswith("_")
)
