"""A fake ``xtquant.xtdata``: the catalog's signatures (``shared/xtquant-api.md`` §1) over fixed data.

Not a simulator. Every function answers from small hand-written tables, in the shapes and with the
quirks of the real module (numpy dtypes and scalars, ``'YYYYMMDD'`` time labels, ``None`` for unknown
instruments, the misspelt ``settelementPrice``, ...). What a test needs to know:

* Instruments: ``600000.SH`` 浦发银行, ``000001.SZ`` 平安银行 (suspended on 20251119: with
  ``fill_data=False`` its prices and amount are NaN that day), ``301999.SZ`` N新股 (a made-up stock
  listed on 20251119, so ``get_market_data`` pads its first two days with NaN), and the index
  ``000300.SH`` 沪深300. Any other code is unknown (``get_instrument_detail`` → ``None``).
* Daily bars: 20251117 … 20251121 (``1d``); ``600000.SH`` also has three ``1m`` bars on 20251121.
  ``dividend_type`` is recorded but does not change the numbers. ``600087.SH`` 退市长油 is delisted: it has
  daily bars and is a member of ``过期沪深A股``, but ``get_instrument_detail`` gives ``None`` for it, as for
  every code outside MiniQMT's current contract list.
* Like MiniQMT's, the local cache starts empty: ``get_market_data_ex``, ``get_market_data`` and
  ``get_local_data`` answer only the bars that ``download_history_data2`` / ``download_history_data`` have
  fetched for that (code, period), within the range they were asked for (``''`` = all).
* Connection, as xtquant's module-level client: ``get_client()`` returns the live client, builds a new one
  when the old is no longer connected (the old one's subscriptions die with it), and raises
  ``Exception('无法连接xtquant服务…')`` while MiniQMT is down; every other function calls it first, so they
  all raise then. See :func:`go_down` and :func:`come_back`.
* Trading days 20251110 … 20251121 (``get_trading_dates``); ``get_trading_calendar`` knows SH/SZ up to
  20251231 and raises for any other market or a later ``end_time`` year.
* Sectors: six system sectors (``_SECTORS``). The write functions (``create_sector_folder`` …
  ``reset_sector``) keep user folders and sectors in module state that ``get_sector_list``,
  ``get_stock_list_in_sector`` and ``get_sector_info`` (category ``我的`` or ``我的/<folder>/…``) reflect,
  until :func:`reset`. What they do where xtquant's docs are silent is this fake's choice, see
  :func:`create_sector_folder`.

Test hooks (not part of xtquant):

* ``CALLS``: every call as ``(function name, args, kwargs)``, in call order.
* ``SPANS``: ``(function name, thread name, start, end)`` per finished call (``time.perf_counter``);
  ``MAX_ACTIVE``: the most calls that ever ran at the same time.
* ``DELAYS``: ``{function name: seconds}`` to sleep before answering (``'*'`` = every function). The sleep
  ends early when :func:`reset` runs, so an abandoned call never outlives its test.
* ``FAILURES``: ``{function name: exception}`` to raise instead of answering.
* ``RETURNS``: ``{function name: value}`` to answer instead (nothing else happens; the call is recorded),
  e.g. the empty name MiniQMT might give from ``create_sector``.
* ``CONNECTED``: whether MiniQMT answers. Set it to False to make the client report itself disconnected
  (and get_client() raise); :func:`go_down` does that the way MiniQMT stopping does, subscriptions included.
* ``SUBSCRIPTIONS``: the live ``subscribe_whole_quote`` subscriptions, ``{seq: (code_list, callback)}``;
  :func:`push` delivers ``{code: tick}`` to each of them from another thread, as the native client does;
  :func:`push_scattered` delivers several pushes from several threads at once, in no fixed order, as the
  native dispatcher threads (``dispatcherThreadNum=8``) do.
* ``DOWNLOAD_HANGS``: when True, ``download_history_data2`` never completes while the client is connected
  (xtquant's polling loop waits for a completion that never comes), and raises ``'行情服务连接断开'`` once
  it is not.
* :func:`downloaded`: what the local cache holds for a (code, period).
* :func:`reset` restores all of the above and forgets the user folders and sectors.
"""

from __future__ import annotations

import copy
import datetime as _dt
import functools
import re
import threading
import time as _time
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

F = TypeVar("F", bound=Callable[..., Any])

# --------------------------------------------------------------------------------------------------
# Test hooks
# --------------------------------------------------------------------------------------------------

CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
SPANS: list[tuple[str, str, float, float]] = []
DELAYS: dict[str, float] = {}
FAILURES: dict[str, BaseException] = {}
RETURNS: dict[str, Any] = {}
CONNECTED = True
DOWNLOAD_HANGS = False
ACTIVE = 0
MAX_ACTIVE = 0

_lock = threading.Lock()
_release = threading.Event()


def reset() -> None:
    """Forget calls, delays and failures; wake any call still sleeping."""
    global CONNECTED, ACTIVE, MAX_ACTIVE, DOWNLOAD_HANGS, _release, _client
    _release.set()
    _release = threading.Event()
    with _lock:
        CALLS.clear()
        SPANS.clear()
        ACTIVE = 0
        MAX_ACTIVE = 0
    DELAYS.clear()
    FAILURES.clear()
    RETURNS.clear()
    CONNECTED = True
    DOWNLOAD_HANGS = False
    _client = None
    _drop_subscriptions()
    _LOCAL.clear()
    with _sector_lock:
        _USER_FOLDERS.clear()
        _USER_SECTORS.clear()


def calls_to(name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """``(args, kwargs)`` of every recorded call of ``name``."""
    return [(args, kwargs) for fn, args, kwargs in CALLS if fn == name]


def _snapshot(value: Any) -> Any:
    try:
        return copy.deepcopy(value)
    except Exception:
        return value


def _api(fn: F) -> F:
    """Record the call, track overlap, apply the configured delay or failure."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global ACTIVE, MAX_ACTIVE
        started = _time.perf_counter()
        with _lock:
            CALLS.append((name, _snapshot(args), _snapshot(kwargs)))
            ACTIVE += 1
            MAX_ACTIVE = max(MAX_ACTIVE, ACTIVE)
        try:
            if name not in _CONNECTION_FUNCTIONS:
                get_client.__wrapped__()  # as xtquant's functions do: raises while MiniQMT is down
            delay = DELAYS.get(name, DELAYS.get("*", 0.0))
            if delay:
                _release.wait(delay)
            failure = FAILURES.get(name)
            if failure is not None:
                raise failure
            if name in RETURNS:
                return RETURNS[name]
            return fn(*args, **kwargs)
        finally:
            with _lock:
                ACTIVE -= 1
                SPANS.append((name, threading.current_thread().name, started, _time.perf_counter()))

    return wrapper  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------------
# Module attributes of the real xtdata
# --------------------------------------------------------------------------------------------------

#: The real module prints a banner on connect unless this is False.
enable_hello = True
#: Overrides the local data directory (None = the server's).
data_dir = None

# --------------------------------------------------------------------------------------------------
# Fixed data
# --------------------------------------------------------------------------------------------------

_CST = _dt.timezone(_dt.timedelta(hours=8))


def _ms(label: str) -> int:
    """``'YYYYMMDD'`` / ``'YYYYMMDDhhmmss'`` (China time) → ms since the epoch."""
    fmt = "%Y%m%d" if len(label) == 8 else "%Y%m%d%H%M%S"
    return int(_dt.datetime.strptime(label, fmt).replace(tzinfo=_CST).timestamp() * 1000)


_KLINE_FIELDS = (
    "time", "open", "high", "low", "close", "volume", "amount",
    "settelementPrice", "openInterest", "preClose", "suspendFlag",
)  # fmt: skip
_INT_FIELDS = ("time", "volume", "openInterest", "suspendFlag")
_NAN = float("nan")

# label: (open, high, low, close, volume [lots], amount [CNY], preClose, suspendFlag)
_DAILY: dict[str, dict[str, tuple[float, float, float, float, int, float, float, int]]] = {
    "600000.SH": {
        "20251117": (11.50, 11.62, 11.41, 11.55, 612345, 705432100.0, 11.48, 0),
        "20251118": (11.55, 11.70, 11.50, 11.66, 587654, 683210500.0, 11.55, 0),
        "20251119": (11.66, 11.68, 11.30, 11.45, 701234, 801998700.0, 11.66, 0),
        "20251120": (11.45, 11.60, 11.44, 11.58, 498765, 576543200.0, 11.45, 0),
        "20251121": (11.58, 11.61, 11.20, 11.250000000000002, 812345, 921034500.0, 11.58, 0),
    },
    "000001.SZ": {
        "20251117": (11.80, 11.95, 11.76, 11.90, 923456, 1094567800.0, 11.78, 0),
        "20251118": (11.90, 12.02, 11.85, 11.98, 856789, 1023456700.0, 11.90, 0),
        # Suspended: fill_data=True repeats the previous close with zero volume; False gives NaN.
        "20251119": (_NAN, _NAN, _NAN, _NAN, 0, _NAN, 11.98, 1),
        "20251120": (12.00, 12.10, 11.95, 12.05, 1001234, 1205432100.0, 11.98, -1),
        "20251121": (12.05, 12.08, 11.70, 11.72, 1102345, 1301234500.0, 12.05, 0),
    },
    "301999.SZ": {
        "20251119": (30.00, 45.00, 28.00, 40.10, 300000, 1100000000.0, 20.00, 0),
        "20251120": (40.00, 41.50, 36.20, 37.00, 200000, 760000000.0, 40.10, 0),
        "20251121": (36.50, 38.00, 35.10, 35.50, 150000, 540000000.0, 37.00, 0),
    },
    "600087.SH": {  # delisted: history, but no longer in the contract list
        "20251117": (1.02, 1.05, 1.00, 1.01, 45678, 4612345.0, 1.03, 0),
        "20251118": (1.01, 1.02, 0.97, 0.98, 56789, 5598765.0, 1.01, 0),
    },
    "000300.SH": {
        "20251117": (4600.12, 4620.55, 4588.01, 4610.33, 152345678, 301234567890.0, 4598.70, 0),
        "20251118": (4610.33, 4635.10, 4601.20, 4628.91, 148765432, 298765432100.0, 4610.33, 0),
        "20251119": (4628.91, 4630.00, 4580.45, 4590.12, 160123456, 320123456780.0, 4628.91, 0),
        "20251120": (4590.12, 4612.34, 4585.67, 4605.78, 140987654, 280987654320.0, 4590.12, 0),
        "20251121": (4605.78, 4608.00, 4520.11, 4531.40, 175432109, 350432109870.0, 4605.78, 0),
    },
}
# 1m bars are labelled by their end minute; 093000 is the opening-auction bar.
_MINUTE: dict[str, dict[str, tuple[float, float, float, float, int, float, float, int]]] = {
    "600000.SH": {
        "20251121093000": (11.58, 11.58, 11.58, 11.58, 3456, 4002048.0, 11.58, 0),
        "20251121093100": (11.58, 11.60, 11.55, 11.56, 12345, 14276543.0, 11.58, 0),
        "20251121093200": (11.56, 11.57, 11.52, 11.53, 9876, 11398765.0, 11.56, 0),
    },
}

_NAMES = {"600000.SH": "浦发银行", "000001.SZ": "平安银行", "301999.SZ": "N新股", "000300.SH": "沪深300"}
_LISTED = {"600000.SH": "19991110", "000001.SZ": "19910403", "301999.SZ": "20251119", "000300.SH": "20050408"}
_PRE_CLOSE = {"600000.SH": 11.58, "000001.SZ": 12.05, "301999.SZ": 37.00, "000300.SH": 4605.78}
_TOTAL = {"600000.SH": 33305838300.0, "000001.SZ": 19405918198.0, "301999.SZ": 100000000.0, "000300.SH": 0.0}
_FLOAT = {"600000.SH": 29352178996.0, "000001.SZ": 19405601750.0, "301999.SZ": 23750000.0, "000300.SH": 0.0}
_INDICES = ("000300.SH",)

_TRADING_DAYS = (
    "20251110", "20251111", "20251112", "20251113", "20251114",
    "20251117", "20251118", "20251119", "20251120", "20251121",
)  # fmt: skip
_HOLIDAYS = [
    "20250101", "20250128", "20250129", "20250130", "20250131", "20250203", "20250204", "20250404",
    "20250501", "20250502", "20250505", "20250602", "20251001", "20251002", "20251003", "20251006",
    "20251007", "20251008",
]  # fmt: skip
_CALENDAR_END = "20251231"

_SECTORS: dict[str, tuple[str, list[str]]] = {
    "沪深A股": ("市场", ["000001.SZ", "301999.SZ", "600000.SH"]),
    "上证A股": ("市场", ["600000.SH"]),
    "深证A股": ("市场", ["000001.SZ", "301999.SZ"]),
    "沪深指数": ("市场", ["000300.SH"]),
    "沪深300": ("指数成份", ["000001.SZ", "600000.SH"]),
    "SW1银行": ("行业", ["000001.SZ", "600000.SH"]),
    "过期沪深A股": ("过期", ["600087.SH"]),
}

# User folders and sectors (MiniQMT keeps them; here until reset()). Names are bare and unique across both
# and the system sectors; a parent of "" is the root 我的.
_ROOT = "我的"
_USER_FOLDERS: dict[str, str] = {}  # folder -> its parent folder
_USER_SECTORS: dict[str, tuple[str, list[str]]] = {}  # sector -> (its folder, members)
_sector_lock = threading.RLock()

_MARKETS = {
    "SH": "上交所", "SZ": "深交所", "BJ": "北交所", "HK": "港交所", "HGT": "沪港通", "SGT": "深港通",
    "IF": "中金所", "SF": "上期所", "DF": "大商所", "ZF": "郑商所", "GF": "广期所", "INE": "能源交易所",
    "SHO": "上证期权", "SZO": "深证期权", "BKZS": "板块指数",
}  # fmt: skip
_PERIODS = [
    {"name": "tick", "desc": "分笔"},
    {"name": "1m", "desc": "1分钟线"},
    {"name": "5m", "desc": "5分钟线"},
    {"name": "1d", "desc": "日线"},
    {"name": "1w", "desc": "周线"},
]

# ex-date: (interest, stockBonus, stockGift, allotNum, allotPrice, gugai, dr)
_DIVIDENDS: dict[str, dict[str, tuple[float, ...]]] = {
    "600000.SH": {
        "20240719": (0.321, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0389105058365758),
        "20250717": (0.41, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0366726296958855),
    },
    "000001.SZ": {
        "20240614": (0.719, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0712536443148688),
        "20251015": (0.236, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0199825479930192),
    },
}
_DIVID_FIELDS = ("interest", "stockBonus", "stockGift", "allotNum", "allotPrice", "gugai", "dr")

_INDEX_WEIGHTS = {"000300.SH": {"600000.SH": 0.5123, "000001.SZ": 0.6789}}

_IPOS = [
    {
        "securityCode": "301999.SZ", "codeName": "N新股", "market": "SZ", "actIssueQty": 25000000,
        "onlineIssueQty": 7125000, "onlineSubCode": "301999", "onlineSubMaxQty": 7000, "publishPrice": 20.0,
        "startDate": "20251111", "onlineSubMinQty": 500, "isProfit": 1, "industryPe": 31.25,
        "beforePE": 22.18, "afterPE": 29.57, "listedDate": "20251119", "declareDate": "20251105",
        "paymentDate": "20251113", "lwr": 0.0213,
    },
]  # fmt: skip


def _known(code: str) -> bool:
    return code in _NAMES


def _in_range(label: str, start_time: Any, end_time: Any) -> bool:
    """Closed range on time labels; ``''`` is unbounded on that side."""
    key = label.ljust(14, "0")
    lo = str(start_time or "")
    hi = str(end_time or "")
    return (not lo or key >= lo.ljust(14, "0")) and (not hi or key <= hi.ljust(14, "9"))


def _last(items: list[Any], count: int) -> list[Any]:
    if count is None or count < 0:
        return items
    return items[-count:] if count else []


def _bar_table(stock: str, period: str, fill_data: bool) -> dict[str, dict[str, Any]]:
    """``{label: {field: value}}`` for one stock; fill_data=True fills suspended bars like xtquant."""
    source = {"1d": _DAILY, "1m": _MINUTE}.get(period, {}).get(stock, {})
    rows: dict[str, dict[str, Any]] = {}
    prev_close = _NAN
    for label, (o, h, low, c, vol, amount, pre, flag) in source.items():
        if fill_data and np.isnan(c):
            o = h = low = c = prev_close if not np.isnan(prev_close) else pre
            vol, amount = 0, 0.0
        rows[label] = {
            "time": _ms(label), "open": o, "high": h, "low": low, "close": c, "volume": vol, "amount": amount,
            "settelementPrice": 0.0, "openInterest": 15, "preClose": pre, "suspendFlag": flag,
        }  # fmt: skip
        if not np.isnan(c):
            prev_close = c
    return rows


def _frame(rows: dict[str, dict[str, Any]], fields: list[str]) -> pd.DataFrame:
    """DataFrame(index=time labels, columns=fields) with xtquant's dtypes."""
    columns = {}
    for field in fields:
        values = [row[field] for row in rows.values()]
        dtype = np.int64 if field in _INT_FIELDS else np.float64
        columns[field] = np.array(values, dtype=dtype)
    return pd.DataFrame(columns, index=list(rows), columns=fields)


def _fields(field_list: list[str] | None) -> list[str]:
    if not field_list:
        return list(_KLINE_FIELDS)
    return [f for f in field_list if f in _KLINE_FIELDS]


#: The local cache: ``{(code, period): labels downloaded}`` (empty until a download).
_LOCAL: dict[tuple[str, str], set[str]] = {}


def downloaded(code: str, period: str) -> list[str]:
    """Test hook: the labels the local cache holds for ``(code, period)``, in order."""
    return sorted(_LOCAL.get((code, period), ()))


def _download(stock: str, period: str, start_time: Any, end_time: Any) -> dict[str, Any]:
    """Fetch the bars of ``[start_time, end_time]`` into the local cache; xtquant's per-stock result."""
    rows = _bar_table(stock, period, True)
    labels = [label for label in rows if _in_range(label, start_time, end_time)]
    _LOCAL.setdefault((stock, period), set()).update(labels)
    first = _dt.datetime.strptime(labels[0][:8], "%Y%m%d") if labels else _dt.datetime(1970, 1, 1)
    last = _dt.datetime.strptime(labels[-1][:8], "%Y%m%d") if labels else _dt.datetime(1970, 1, 1)
    return {"start_time": first, "end_time": last}


def _select(stock: str, period: str, start_time: Any, end_time: Any, count: int, fill_data: bool):
    rows = _bar_table(stock, period, fill_data)
    local = _LOCAL.get((stock, period), set())
    labels = _last(
        [label for label in rows if label in local and _in_range(label, start_time, end_time)], count
    )
    return {label: rows[label] for label in labels}


# --------------------------------------------------------------------------------------------------
# Connection
# --------------------------------------------------------------------------------------------------


class _Client:
    """Stands in for the native ``IPythonApiClient``: connected until shut down or MiniQMT goes away."""

    def __init__(self) -> None:
        self.shut = False

    def is_connected(self) -> bool:
        return CONNECTED and not self.shut

    def shutdown(self) -> None:
        self.shut = True


_client: _Client | None = None
_CONNECTION_FUNCTIONS = {"connect", "disconnect", "get_client", "reconnect"}
_NO_SERVICE = "无法连接xtquant服务，请检查QMT-投研版或QMT-极简版是否开启"


def _replace_client() -> _Client:
    """xtquant's ``connect()``: shut the old client (its subscriptions end with it), build a new one."""
    global _client
    if _client is not None:
        _client.shutdown()
        _drop_subscriptions()
    _client = None
    if not CONNECTED:
        raise Exception(_NO_SERVICE)
    _client = _Client()
    return _client


def _drop_subscriptions() -> None:
    SUBSCRIPTIONS.clear()
    QUOTE_SUBSCRIPTIONS.clear()


def go_down() -> None:
    """Test hook: MiniQMT stops. The client reports itself disconnected and its subscriptions are gone."""
    global CONNECTED
    CONNECTED = False
    _drop_subscriptions()


def come_back(*, same_client: bool = False) -> None:
    """Test hook: MiniQMT answers again. By default the next ``get_client()`` builds a new client (xtquant's
    silent replacement); ``same_client`` is the native client reconnecting by itself: the same object is
    connected again, and it has no subscription either."""
    global CONNECTED
    CONNECTED = True
    if not same_client and _client is not None:
        _client.shutdown()


@_api
def connect(ip="", port=None, remember_if_success=True):
    if _client is not None and _client.is_connected():
        return _client
    return _replace_client()


@_api
def reconnect(ip="", port=None, remember_if_success=True):
    return _replace_client()


@_api
def disconnect():
    global _client
    if _client is not None:
        _client.shutdown()
        _drop_subscriptions()
    _client = None


@_api
def get_client():
    if _client is not None and _client.is_connected():
        return _client
    return _replace_client()


@_api
def get_data_dir():
    return data_dir or "C:\\fake\\userdata_mini\\datadir"


# --------------------------------------------------------------------------------------------------
# Market data
# --------------------------------------------------------------------------------------------------


@_api
def get_market_data_ex(
    field_list=[],  # noqa: B006 (xtquant's own signature)
    stock_list=[],  # noqa: B006
    period="1d",
    start_time="",
    end_time="",
    count=-1,
    dividend_type="none",
    fill_data=True,
):
    """``{stock: DataFrame(index=time labels, columns=fields)}``; ``'time'`` only when asked for (or all)."""
    fields = _fields(field_list)
    return {
        stock: _frame(_select(stock, period, start_time, end_time, count, fill_data), fields)
        for stock in stock_list
    }


@_api
def get_local_data(
    field_list=[],  # noqa: B006 (xtquant's own signature)
    stock_list=[],  # noqa: B006
    period="1d",
    start_time="",
    end_time="",
    count=-1,
    dividend_type="none",
    fill_data=True,
    data_dir=None,
):
    """Same shape as ``get_market_data_ex`` (the fake's "local cache" holds the same bars)."""
    fields = _fields(field_list)
    return {
        stock: _frame(_select(stock, period, start_time, end_time, count, fill_data), fields)
        for stock in stock_list
    }


@_api
def get_market_data(
    field_list=[],  # noqa: B006 (xtquant's own signature)
    stock_list=[],  # noqa: B006
    period="1d",
    start_time="",
    end_time="",
    count=-1,
    dividend_type="none",
    fill_data=True,
):
    """``{field: DataFrame(index=stock_list, columns=time labels)}``; all frames have the same shape, with
    NaN where a stock has no bar at a label (e.g. before it listed)."""
    fields = _fields(field_list)
    selected = {stock: _select(stock, period, start_time, end_time, count, fill_data) for stock in stock_list}
    labels = sorted({label for rows in selected.values() for label in rows})
    out = {}
    for field in fields:
        matrix = [
            [selected[stock].get(label, {}).get(field, _NAN) for label in labels] for stock in stock_list
        ]
        table = pd.DataFrame(matrix, index=list(stock_list), columns=labels, dtype=np.float64)
        if field in _INT_FIELDS and not table.isna().any().any():
            table = table.astype(np.int64)
        out[field] = table
    return out


def _tick(stock: str) -> dict[str, Any]:
    bars = _DAILY[stock]
    label = list(bars)[-1]
    o, h, low, c, vol, amount, pre, _flag = bars[label]
    index = stock in _INDICES
    tick = 0.01
    asks = [0.0] * 5 if index else [round(c + tick * (i + 1), 2) for i in range(5)]
    bids = [0.0] * 5 if index else [round(c - tick * i, 2) for i in range(5)]
    return {
        "time": np.int64(_ms(label + "150000")),
        "timetag": f"{label} 15:00:00.000",
        "lastPrice": np.float64(c),
        "open": np.float64(o),
        "high": np.float64(h),
        "low": np.float64(low),
        "lastClose": np.float64(pre),
        "amount": np.float64(amount),
        "volume": np.int64(vol),
        "pvolume": np.int64(vol * 100),
        "stockStatus": np.int64(0),
        "openInt": np.int64(15),
        "transactionNum": np.int64(0 if index else 45678),
        "lastSettlementPrice": np.float64(0.0),
        "settlementPrice": np.float64(0.0),
        "pe": np.float64(_NAN if index else 5.12),
        "askPrice": asks,
        "bidPrice": bids,
        "askVol": [0] * 5 if index else [120, 340, 560, 780, 910],
        "bidVol": [0] * 5 if index else [210, 430, 650, 870, 1090],
    }


@_api
def get_full_tick(code_list):
    """``{stock: tick dict}``; market codes (``'SH'``) expand to the market; unknown codes are left out."""
    out = {}
    for code in code_list:
        if code in _MARKETS:
            for stock in _DAILY:
                if stock.endswith("." + code) and _known(stock):
                    out[stock] = _tick(stock)
        elif code in _DAILY and _known(code):
            out[code] = _tick(code)
    return out


#: Live whole-quote subscriptions (test hook, see the module docstring).
SUBSCRIPTIONS: dict[int, tuple[list[str], Any]] = {}
_seqs = iter(range(1, 1 << 30))


@_api
def subscribe_whole_quote(code_list, callback=None):
    """The subscription number; the first push, the full snapshot of ``code_list``, follows from another
    thread."""
    seq = next(_seqs)
    SUBSCRIPTIONS[seq] = (list(code_list), callback)
    push(get_full_tick.__wrapped__(code_list), only=seq, wait=False)
    return seq


#: Live ``subscribe_quote`` subscriptions, ``{seq: (stock_code, period, callback)}`` (test hook).
QUOTE_SUBSCRIPTIONS: dict[int, tuple[str, str, Any]] = {}
_QUOTE_PERIODS = ("tick", "1m", "5m", "15m", "30m", "60m", "1h", "1d", "1w", "1mon")


@_api
def subscribe_quote(stock_code, period="1d", start_time="", end_time="", count=0, callback=None):
    """The subscription number, or -1 for what MiniQMT refuses (a list, an unknown code or period). Nothing
    is pushed until :func:`push_quote`."""
    if not isinstance(stock_code, str) or not _known(stock_code) or period not in _QUOTE_PERIODS:
        return -1
    seq = next(_seqs)
    QUOTE_SUBSCRIPTIONS[seq] = (stock_code, period, callback)
    return seq


def push_quote(code: str, period: str, items: list[dict[str, Any]], *, wait: bool = True) -> int:
    """Test hook: deliver ``{code: items}`` to every live ``subscribe_quote`` of (code, period), from
    another thread; returns how many subscriptions got it."""
    targets = [cb for c, p, cb in list(QUOTE_SUBSCRIPTIONS.values()) if (c, p) == (code, period) and cb]

    def deliver() -> None:
        for callback in targets:
            try:
                callback({code: [dict(item) for item in items]})
            except Exception:
                pass  # xtquant prints 'subscribe callback error' and goes on

    thread = threading.Thread(target=deliver, name="fake-xtquant-quote", daemon=True)
    thread.start()
    if wait:
        thread.join()
    return len(targets)


def kline_item(code: str, label: str, **changes: Any) -> dict[str, Any]:
    """Test hook: a pushed K-line item (xtquant's keys) of ``code`` at ``label``, from the fake's bars."""
    rows = {**_bar_table(code, "1d", True), **_bar_table(code, "1m", True)}
    return {**rows[label], "dr": 1.0, "totaldr": 1.0, **changes}


@_api
def unsubscribe_quote(seq):
    SUBSCRIPTIONS.pop(seq, None)
    QUOTE_SUBSCRIPTIONS.pop(seq, None)


def push_scattered(pushes: list[dict[str, Any]], *, threads: int = 8) -> None:
    """Deliver each of ``pushes`` on its own thread, up to ``threads`` at once and started together, so they
    arrive in no fixed order; returns when all were delivered."""
    start = threading.Barrier(min(threads, len(pushes)) or 1)
    lanes = [pushes[i::threads] for i in range(min(threads, len(pushes)))]

    def deliver(lane: list[dict[str, Any]]) -> None:
        start.wait()
        for datas in lane:
            for _, callback in list(SUBSCRIPTIONS.values()):
                if callback is not None:
                    callback(datas)

    workers = [threading.Thread(target=deliver, args=(lane,), daemon=True) for lane in lanes]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def push(datas: dict[str, Any], *, only: int | None = None, wait: bool = True) -> None:
    """Deliver ``datas`` to the callbacks of the live subscriptions (or of ``only``), on another thread."""

    def deliver() -> None:
        for seq, (_, callback) in list(SUBSCRIPTIONS.items()):
            if callback is not None and only in (None, seq):
                callback(datas)

    thread = threading.Thread(target=deliver, name="fake-xtquant-push", daemon=True)
    thread.start()
    if wait:
        thread.join()


@_api
def get_divid_factors(stock_code, start_time="", end_time=""):
    """``pd.DataFrame(native).T``: index = ex-date labels, columns = interest … dr."""
    native = {
        label: dict(zip(_DIVID_FIELDS, values, strict=True))
        for label, values in _DIVIDENDS.get(stock_code, {}).items()
        if _in_range(label, start_time, end_time)
    }
    return pd.DataFrame(native).T


@_api
def download_history_data2(stock_list, period, start_time="", end_time="", callback=None, incrementally=None):
    """Blocks until "done"; fills the local cache; returns ``{stock: {'start_time': datetime, 'end_time':
    datetime}}``. With ``DOWNLOAD_HANGS``, waits as xtquant's loop does for a completion that never comes."""
    if isinstance(stock_list, str):
        stock_list = [stock_list]
    if DOWNLOAD_HANGS:
        client, release = get_client.__wrapped__(), _release
        while client.is_connected() and not release.is_set():
            _time.sleep(0.01)
        raise Exception("行情服务连接断开")
    out = {}
    for i, stock in enumerate(stock_list):
        out[stock] = _download(stock, period, start_time, end_time)
        if callback is not None:
            try:
                callback({"finished": i + 1, "total": len(stock_list), "stockcode": stock, "message": ""})
            except Exception:
                pass  # xtquant swallows callback errors
    return out


@_api
def download_history_data(stock_code, period, start_time="", end_time="", incrementally=None):
    """Fills the local cache; returns None (an older MiniQMT without ``downloadversion``)."""
    _download(stock_code, period, start_time, end_time)
    return None


@_api
def download_financial_data2(stock_list, table_list=[], start_time="", end_time="", callback=None):  # noqa: B006 (xtquant's signature)
    return None


# The reference-data downloads (the server's pre-download runs these); xtquant returns nothing useful.


@_api
def download_sector_data():
    return None


@_api
def download_holiday_data(incrementally=True):
    return None


@_api
def download_history_contracts(incrementally=True):
    return None


@_api
def download_index_weight():
    return None


@_api
def download_etf_info():
    return None


@_api
def download_cb_data():
    return None


# --------------------------------------------------------------------------------------------------
# Instruments
# --------------------------------------------------------------------------------------------------


@_api
def get_instrument_detail(stock_code, iscomplete=False):
    """The 31 keys (dates as ``'YYYYMMDD'`` str) or ``None`` for an unknown code."""
    if not _known(stock_code):
        return None
    symbol, market = stock_code.split(".")
    pre = _PRE_CLOSE[stock_code]
    index = stock_code in _INDICES
    limit = 0.2 if stock_code.startswith("30") else 0.1
    detail = {
        "ExchangeID": market,
        "InstrumentID": symbol,
        "InstrumentName": _NAMES[stock_code],
        "ProductID": "",
        "ProductName": "",
        "ProductType": -1,
        "ExchangeCode": symbol,
        "UniCode": symbol,
        "CreateDate": _LISTED[stock_code],
        "OpenDate": _LISTED[stock_code],
        "ExpireDate": "99999999",
        "TradingDay": "20251121",
        "PreClose": pre,
        "SettlementPrice": _DAILY[stock_code]["20251121"][3],
        "UpStopPrice": 0.0 if index else round(pre * (1 + limit), 2),
        "DownStopPrice": 0.0 if index else round(pre * (1 - limit), 2),
        "FloatVolume": _FLOAT[stock_code],
        "TotalVolume": _TOTAL[stock_code],
        "LongMarginRatio": 0.0,
        "ShortMarginRatio": 0.0,
        "PriceTick": 0.01,
        "VolumeMultiple": 1,
        "MainContract": 0,
        "LastVolume": 0,
        "InstrumentStatus": 0,
        "IsTrading": True,
        "IsRecent": False,
        "ProductTradeQuota": 0,
        "ContractTradeQuota": 0,
        "ProductOpenInterestQuota": 0,
        "ContractOpenInterestQuota": 0,
    }
    if iscomplete:  # a few of the ~70 ExtendInfo fields
        listed = _dt.datetime.strptime(_LISTED[stock_code], "%Y%m%d").date()
        detail.update(
            MaxLimitOrderVolume=1000000,
            MinLimitOrderVolume=100,
            MaxMarketOrderVolume=1000000,
            MinMarketOrderVolume=100,
            DayCountFromIPO=(_dt.date(2025, 11, 21) - listed).days,
            secuCategory=1,
            HSGTFlag=0,
        )
    return detail


@_api
def get_instrument_detail_list(stock_list, iscomplete=False):
    return {code: get_instrument_detail.__wrapped__(code, iscomplete) for code in stock_list}


@_api
def get_instrument_type(stock_code, variety_list=None):
    """Only the true flags; ``{}`` for unknown codes."""
    if not _known(stock_code):
        return {}
    flags = {"index": True} if stock_code in _INDICES else {"stock": True, "a": True}
    if variety_list is not None:
        return {v: bool(flags.get(v)) for v in variety_list}
    return flags


@_api
def get_ipo_info(start_time="", end_time=""):
    return [dict(row) for row in _IPOS if _in_range(row["startDate"], start_time, end_time)]


@_api
def get_index_weight(index_code):
    return dict(_INDEX_WEIGHTS.get(index_code, {}))


@_api
def get_his_st_data(stock_code):
    return {}


# --------------------------------------------------------------------------------------------------
# Sectors
# --------------------------------------------------------------------------------------------------


def _category(parent: str) -> str:
    """``我的/A/B`` for something whose folder is ``B`` in folder ``A``."""
    parts: list[str] = []
    while parent and parent not in parts:
        parts.append(parent)
        parent = _USER_FOLDERS.get(parent, "")
    return "/".join([_ROOT, *reversed(parts)])


def _all_sectors() -> dict[str, tuple[str, list[str]]]:
    """``{name: (category, members)}``: the system sectors, then the user sectors in creation order."""
    with _sector_lock:
        users = {n: (_category(parent), list(stocks)) for n, (parent, stocks) in _USER_SECTORS.items()}
    return {**_SECTORS, **users}


@_api
def get_sector_list():
    return list(_all_sectors())


@_api
def get_stock_list_in_sector(sector_name, real_timetag=-1):
    """Members now, or on a past day (``real_timetag`` ms int or ``'YYYYMMDD'``): only stocks listed by then."""
    name = re.sub(r'[\\/:*?"<>|]', "", sector_name)
    sectors = _all_sectors()
    if name not in sectors:
        return []
    members = list(sectors[name][1])
    if real_timetag not in (-1, None, ""):
        if isinstance(real_timetag, (int, np.integer)):
            day = _dt.datetime.fromtimestamp(int(real_timetag) / 1000, _CST).strftime("%Y%m%d")
        else:
            day = str(real_timetag)[:8]
        members = [m for m in members if _LISTED.get(m, "") <= day]
    return members


@_api
def get_sector_info(sector_name=""):
    """User sectors are filed under ``我的`` (or ``我的/<folder>/…``)."""
    sectors = _all_sectors()
    names = [sector_name] if sector_name else list(sectors)
    rows = [{"sector": n, "category": sectors[n][0]} for n in names if n in sectors]
    return pd.DataFrame(rows, columns=["sector", "category"])


def _taken(name: str) -> bool:
    return name == _ROOT or name in _SECTORS or name in _USER_SECTORS or name in _USER_FOLDERS


def _place(parent_node: Any, name: Any, overwrite: Any) -> tuple[str, bool]:
    """``(name to create, whether to create it)``; ``("", False)`` when nothing can be created."""
    parent = str(parent_node or "").strip()
    if not isinstance(name, str) or not name.strip() or (parent and parent not in _USER_FOLDERS):
        return "", False
    if not _taken(name):
        return name, True
    if overwrite:
        return name, False  # "为True时跳过": the existing node's name, nothing created
    n = 1
    while _taken(f"{name}{n}"):
        n += 1
    return f"{name}{n}", True


@_api
def create_sector_folder(parent_node, folder_name, overwrite=True):
    """The folder's actual name (xtquant's docs): ``parent_node=''`` is 我的; when the name exists,
    ``overwrite=True`` skips (answers the name, creates nothing) and ``overwrite=False`` takes the first free
    ``folder_name1``, ``folder_name2``, ...

    Where the docs are silent, this fake's choice (unverified on a real MiniQMT): names are unique across
    folders, user sectors and system sectors, and "exists" means any of them, anywhere in the tree; a
    ``parent_node`` that is no folder (or an empty name) creates nothing and answers ``''``.
    """
    with _sector_lock:
        actual, create = _place(parent_node, folder_name, overwrite)
        if create:
            _USER_FOLDERS[actual] = str(parent_node or "").strip()
        return actual


@_api
def create_sector(parent_node, sector_name, overwrite=True):
    """The sector's actual name; an empty sector in ``parent_node``. Same rules as
    :func:`create_sector_folder`."""
    with _sector_lock:
        actual, create = _place(parent_node, sector_name, overwrite)
        if create:
            _USER_SECTORS[actual] = (str(parent_node or "").strip(), [])
        return actual


def _set_members(sector_name: str, stocks: list[str], *, create: bool) -> bool:
    """Set a user sector's members; a free name becomes a sector at the root if ``create``."""
    if sector_name in _USER_SECTORS:
        parent = _USER_SECTORS[sector_name][0]
    elif create and isinstance(sector_name, str) and sector_name.strip() and not _taken(sector_name):
        parent = ""
    else:
        return False
    _USER_SECTORS[sector_name] = (parent, list(dict.fromkeys(stocks)))
    return True


@_api
def add_sector(sector_name, stock_list):
    """Add codes to a user sector (each kept once, in first-added order); a free name becomes a new sector at
    the root ("添加自定义板块"). System sectors and folders are left alone. Returns None (docs: "返回 无")."""
    with _sector_lock:
        current = _USER_SECTORS.get(sector_name, ("", []))[1]
        _set_members(sector_name, [*current, *stock_list], create=True)
    return None


@_api
def remove_stock_from_sector(sector_name, stock_list):
    """True after removing the codes (ones not in it are ignored); False if ``sector_name`` is no user sector."""
    with _sector_lock:
        if sector_name not in _USER_SECTORS:
            return False
        drop = set(stock_list)
        return _set_members(
            sector_name, [s for s in _USER_SECTORS[sector_name][1] if s not in drop], create=False
        )


@_api
def remove_sector(sector_name):
    """Remove a user sector, or a folder if it is empty. Returns None whatever happened (docs: "返回 无";
    the source returns the reply's ``result``). System sectors, folders that hold something and unknown names
    are left alone (the fake's choice)."""
    with _sector_lock:
        if sector_name in _USER_SECTORS:
            del _USER_SECTORS[sector_name]
        elif sector_name in _USER_FOLDERS:
            holds = [n for n, p in _USER_FOLDERS.items() if p == sector_name]
            holds += [n for n, (p, _) in _USER_SECTORS.items() if p == sector_name]
            if not holds:
                del _USER_FOLDERS[sector_name]
    return None


@_api
def reset_sector(sector_name, stock_list):
    """Replace a user sector's members (a free name becomes a new sector at the root): True; False for a system
    sector or a folder, which are left alone."""
    with _sector_lock:
        return _set_members(sector_name, list(stock_list), create=True)


# --------------------------------------------------------------------------------------------------
# Calendar and metadata
# --------------------------------------------------------------------------------------------------


@_api
def get_markets():
    return dict(_MARKETS)


@_api
def get_period_list():
    # The wheel merges its described named periods in front of the client's list.
    named = [
        {"name": "brokerqueue", "desc": "港股委托经纪人队列"},
        {"name": "brokerqueue2", "desc": "港股委托经纪人队列(对结果进行转换)"},
    ]
    return named + [dict(p) for p in _PERIODS]


@_api
def get_trading_dates(market, start_time="", end_time="", count=-1):
    """``list[int ms]`` (numpy int64) of 00:00 China time of each trading day; ``[]`` for unknown markets."""
    if market not in _MARKETS:
        return []
    days = _last([d for d in _TRADING_DAYS if _in_range(d, start_time, end_time)], count)
    return [np.int64(_ms(d)) for d in days]


def _calendar_days() -> list[str]:
    day = _dt.date(2025, 11, 10)
    end = _dt.datetime.strptime(_CALENDAR_END, "%Y%m%d").date()
    out = []
    while day <= end:
        label = day.strftime("%Y%m%d")
        if day.weekday() < 5 and label not in _HOLIDAYS:
            out.append(label)
        day += _dt.timedelta(days=1)
    return out


@_api
def get_trading_calendar(market, start_time="", end_time=""):
    """``list['YYYYMMDD']`` including future days; SH/SZ only; raises past the holiday data."""
    if market not in ("SH", "SZ"):
        raise Exception(f"get_trading_calendar只支持SH和SZ市场, 不支持{market}")
    if end_time and str(end_time)[:4] > _CALENDAR_END[:4]:
        raise Exception(f"end_time({end_time})超出节假日数据范围, 请先下载节假日数据")
    return [d for d in _calendar_days() if _in_range(d, start_time, end_time)]


@_api
def get_holidays():
    return list(_HOLIDAYS)


@_api
def get_market_last_trade_date(market):
    return _ms(_TRADING_DAYS[-1]) if market in _MARKETS else 0


@_api
def get_trading_period(stock_code):
    """Sessions as hhmmss ints: 2 auction, 3 continuous, 8 closing auction."""
    if not _known(stock_code):
        return {}
    market = stock_code.split(".")[1]
    return {
        "market": market,
        "codeRegex": "60*" if market == "SH" else "00*|30*",
        "product": "",
        "category": "index" if stock_code in _INDICES else "stock",
        "tradings": [
            {"status": 2, "time": [0, [91500, 1], [92500, 1]]},
            {"status": 3, "time": [0, [93000, 1], [113000, 1]]},
            {"status": 3, "time": [0, [130000, 1], [145700, 1]]},
            {"status": 8, "time": [0, [145700, 1], [150000, 1]]},
        ],
    }
