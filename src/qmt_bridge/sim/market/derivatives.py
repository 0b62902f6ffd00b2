"""Derived data on the simulated futures and option universe.

What xtquant keeps as downloaded data files (``historymaincontract``, ``optionhistorycontract``) or as
exchange parameters (SSE option price limits and margins) is derived here from the
:class:`~qmt_bridge.sim.market.universe.Universe` and the price engine, as pure functions.

History coverage. The universe only keeps the contracts that are alive somewhere in a trailing window
(futures and ETF options ~400 calendar days) and never says where that window starts; index options
are kept since their launch. A day's main contract or option list is complete only if no contract alive on
that day has been dropped; every dropped contract expired before the earliest expiry the universe still
has, so a day *after* that earliest expiry is complete. :func:`futures_history_start` and :func:`options_history_start` return the first such day;
history before it is reported as missing (like xtquant without the downloaded history), never partial.

Chinese column names are the ``desc`` strings of ``xtquant/config/metaInfo.json``: metaid 5004
(historymaincontract) and 9502 (optionhistorycontract); ``'time'`` and ``'stock'`` are what
``xtdata.get_field_list`` maps the ``G`` and ``S`` keys to.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qmt_bridge.sim.market.bars import day_start_ms
from qmt_bridge.sim.market.index_options import PRODUCT_BY_UNDERLYING
from qmt_bridge.sim.market.instruments import FUTURE, OPTION, Instrument

if TYPE_CHECKING:
    from qmt_bridge.sim.market.calendar import TradingCalendar
    from qmt_bridge.sim.market.prices import PriceEngine
    from qmt_bridge.sim.market.universe import Universe

#: metaInfo.json 5004 (历史主力合约): field 33, 150, 151, 152 (``S`` -> ``'stock'``, ``G`` -> ``'time'``).
HISTORY_MAIN_CONTRACT_FIELDS: tuple[str, ...] = (
    "合约在交易所的代码",
    "期货统一规则代码",
    "次主力合约代码",
    "次主力统一规则编码",
)
#: metaInfo.json 9502 (期权数据): fields 0..12 in order.
OPTION_HISTORY_FIELDS: tuple[str, ...] = (
    "期权编码",
    "期权市场",
    "标的编码",
    "标的市场",
    "行权价",
    "方向",
    "到期月",
    "到期日",
    "合约类型",
    "上市日",
    "调整",
    "期权名称",
    "合约单位",
)
#: Columns ``xtdata.get_his_option_list_batch`` appends to the 9502 fields.
HIS_OPTION_EXTRA_FIELDS: tuple[str, ...] = ("期权完整代码", "标的完整代码", "期货品种")
HIS_OPTION_COLUMNS: tuple[str, ...] = OPTION_HISTORY_FIELDS + HIS_OPTION_EXTRA_FIELDS

#: Index underlyings whose options xtquant looks for on CFFEX (market ``IF``).
INDEX_OPTION_UNDERLYINGS: tuple[str, ...] = ("000016.SH", "000300.SH", "000852.SH", "000905.SH")

#: Annual risk-free rate the price engine prices options with (``daily_history._black_scholes``).
RISK_FREE_RATE = 0.02
#: SSE/SZSE option margin parameters (%), reported as Long/ShortMarginRatio like xtquant's sample.
MARGIN_HIGH_PCT = 12.0
MARGIN_LOW_PCT = 7.0
#: Trading days of log returns behind ``OptUndlHistoryRate``, and the annualisation factor.
HISTORY_VOL_WINDOW = 30
TRADING_DAYS_PER_YEAR = 252


def option_market(undl_code: str) -> str:
    """The option market xtquant searches for an underlying (``get_option_list``'s mapping)."""
    symbol, _, market = undl_code.rpartition(".")
    if market == "SH":
        return "IF" if f"{symbol}.SH" in INDEX_OPTION_UNDERLYINGS else "SHO"
    if market == "SZ":
        return "SZO"
    return market


def unified_future_code(inst: Instrument) -> str:
    """期货统一规则代码: product + 4-digit YYMM (CZCE's exchange codes have 3 digits, ``AP601``)."""
    if inst.expire_date is None:
        return inst.symbol
    return f"{inst.product}{inst.expire_date.year % 100:02d}{inst.expire_date.month:02d}"


# ---------------------------------------------------------------------------------------------- futures


def futures_history_start(universe: Universe, product: str, calendar: TradingCalendar) -> dt.date | None:
    """First trading day whose main contract the universe can determine (see the module docstring)."""
    expiries = [
        c.expire_date for c in universe.by_kind(FUTURE) if c.product == product and c.expire_date is not None
    ]
    if not expiries:
        return None
    return calendar.next_day(min(expiries))


def main_contract_history(
    universe: Universe, calendar: TradingCalendar, continuous_code: str, end: dt.date
) -> list[tuple[dt.date, str, str]]:
    """``(day, main, second main)`` for every trading day from the history start to ``end``.

    Days without a main contract are left out; a missing second main is ``''``.
    """
    cont = universe.get(continuous_code)
    if cont is None or cont.kind != FUTURE or cont.expire_date is not None:
        return []
    start = futures_history_start(universe, cont.product, calendar)
    if start is None:
        return []
    rows = []
    for day in calendar.between(start, end):
        main = universe.main_contract(continuous_code, day)
        if main is None:
            continue
        rows.append((day, main, universe.sec_main_contract(continuous_code, day) or ""))
    return rows


def history_main_contract_frame(
    universe: Universe, calendar: TradingCalendar, continuous_code: str, end: dt.date
) -> pd.DataFrame:
    """What ``get_market_data_ex([], [code], 'historymaincontract')[code]`` holds: one row per day.

    Columns ``time`` (ms of 00:00 CST), the four 5004 fields and ``stock`` (the continuous code);
    RangeIndex, like xtquant's special-period frames.
    """
    columns = ["time", *HISTORY_MAIN_CONTRACT_FIELDS, "stock"]
    rows = []
    for day, main, sec in main_contract_history(universe, calendar, continuous_code, end):
        m, s = universe.get(main), universe.get(sec) if sec else None
        rows.append(
            (
                day_start_ms(day),
                m.symbol if m else main.rsplit(".", 1)[0],
                unified_future_code(m) if m else "",
                s.symbol if s else "",
                unified_future_code(s) if s else "",
                continuous_code,
            )
        )
    frame = pd.DataFrame(rows, columns=columns)
    frame["time"] = frame["time"].astype("int64")
    return frame


# ---------------------------------------------------------------------------------------------- options


def options_history_start(universe: Universe, underlying: str, calendar: TradingCalendar) -> dt.date | None:
    """First trading day whose option list of ``underlying`` the universe holds completely: the first
    listing for index options (kept since their launch), else the day after the earliest expiry kept."""
    options = universe.options_of(underlying)
    if not options:
        return None
    if underlying in PRODUCT_BY_UNDERLYING:
        return min(o.list_date for o in options)
    return calendar.next_day(min(o.expire_date for o in options if o.expire_date is not None))


def contract_type(expire: dt.date, day: dt.date, listed_expiries: Sequence[dt.date]) -> int:
    """xtquant's ``ContractType`` on ``day``: 1 expired, 2 当月, 3 下月, 4 下季, 5 隔季, 6 隔下季."""
    if expire < day:
        return 1
    ahead = sorted(e for e in set(listed_expiries) if e >= day)
    rank = ahead.index(expire) if expire in ahead else len(ahead)
    return min(2 + rank, 6)


def his_option_frames(
    options: Sequence[Instrument], days: Sequence[dt.date], product: str
) -> dict[str, pd.DataFrame]:
    """``{'YYYYMMDD': frame}`` of the options alive on each day (``get_his_option_list_batch``'s frames).

    Each frame has the 9502 columns plus 期权完整代码 / 标的完整代码 / 期货品种, a RangeIndex, and rows in
    the order of ``options``. Days without a listed option are left out.
    """
    if not options or not days:
        return {}
    base = pd.DataFrame(
        {
            "期权编码": [o.symbol for o in options],
            "期权市场": [o.market for o in options],
            "标的编码": [o.underlying.rsplit(".", 1)[0] for o in options],
            "标的市场": [o.underlying.rsplit(".", 1)[-1] for o in options],
            "行权价": np.array([o.strike for o in options], dtype="float64"),
            "方向": [o.option_type for o in options],
            "到期月": np.array([_yyyymm(o.expire_date) for o in options], dtype="int64"),
            "到期日": np.array([_yyyymmdd(o.expire_date) for o in options], dtype="int64"),
            "合约类型": np.zeros(len(options), dtype="int64"),
            "上市日": np.array([_yyyymmdd(o.list_date) for o in options], dtype="int64"),
            "调整": np.zeros(len(options), dtype="int64"),
            "期权名称": [o.name for o in options],
            "合约单位": np.array([o.volume_multiple for o in options], dtype="int64"),
            "期权完整代码": [o.code for o in options],
            "标的完整代码": [o.underlying for o in options],
            "期货品种": product,
        },
        columns=list(HIS_OPTION_COLUMNS),
    )
    listed = np.array([_yyyymmdd(o.list_date) for o in options], dtype="int64")
    expire = base["到期日"].to_numpy()
    out: dict[str, pd.DataFrame] = {}
    for day in days:
        key = _yyyymmdd(day)
        alive = (listed <= key) & (expire >= key)
        if not alive.any():
            continue
        frame = base.loc[alive].reset_index(drop=True)
        expiries = [o.expire_date for o, a in zip(options, alive, strict=True) if a]
        frame["合约类型"] = np.array([contract_type(e, day, expiries) for e in expiries], dtype="int64")
        out[str(key)] = frame
    return out


def option_history_contract_frame(
    universe: Universe, calendar: TradingCalendar, option_market_code: str, end: dt.date
) -> pd.DataFrame:
    """What ``get_market_data_ex([], ['XXXXXX.SHO'], 'optionhistorycontract')`` could hold: one snapshot
    per trading day (``time`` = 00:00 CST) of the options of the market listed that day, from the first
    complete day to ``end``. Columns ``time`` + the 13 fields of metaid 9502."""
    options = [o for o in universe.by_kind(OPTION) if o.market == option_market_code]
    columns = ["time", *OPTION_HISTORY_FIELDS]
    if not options:
        return pd.DataFrame(columns=columns)
    starts = [options_history_start(universe, u, calendar) for u in {o.underlying for o in options}]
    start = max(s for s in starts if s is not None)
    frames = []
    for key, frame in his_option_frames(options, calendar.between(start, end), "").items():
        day = dt.datetime.strptime(key, "%Y%m%d").date()
        part = frame[list(OPTION_HISTORY_FIELDS)].copy()
        part.insert(0, "time", day_start_ms(day))
        frames.append(part)
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)


def _yyyymmdd(day: dt.date | None) -> int:
    return 0 if day is None else day.year * 10000 + day.month * 100 + day.day


def _yyyymm(day: dt.date | None) -> int:
    return 0 if day is None else day.year * 100 + day.month


# ---------------------------------------------------------------------------------------------- SSE rules


def sse_option_limits(
    call: bool, settle: float, undl_pre: float, strike: float, tick: float
) -> tuple[float, float]:
    """(DownStopPrice, UpStopPrice) of an SSE/SZSE ETF option (exchange rules, 2015).

    Call up = settle + max(0.5% x undl_pre, min(2 x undl_pre - strike, undl_pre) x 10%);
    put up = settle + max(0.5% x strike, min(2 x strike - undl_pre, undl_pre) x 10%);
    down = max(settle - 10% x undl_pre, one tick).
    """
    if call:
        move = max(0.005 * undl_pre, min(2 * undl_pre - strike, undl_pre) * 0.10)
    else:
        move = max(0.005 * strike, min(2 * strike - undl_pre, undl_pre) * 0.10)
    up = _round_tick(settle + move, tick)
    down = max(_round_tick(settle - 0.10 * undl_pre, tick), tick)
    return round(down, 4), round(up, 4)


def sse_option_margin(call: bool, settle: float, undl_close: float, strike: float, unit: int) -> float:
    """Initial margin of one short contract (SSE/SZSE formula), CNY, 2 decimals.

    Call: [settle + max(12% x undl - OTM, 7% x undl)] x unit, OTM = max(strike - undl, 0);
    put: min[settle + max(12% x undl - OTM, 7% x strike), strike] x unit, OTM = max(undl - strike, 0).
    """
    high, low = MARGIN_HIGH_PCT / 100, MARGIN_LOW_PCT / 100
    if call:
        otm = max(strike - undl_close, 0.0)
        per_unit = settle + max(high * undl_close - otm, low * undl_close)
    else:
        otm = max(undl_close - strike, 0.0)
        per_unit = min(settle + max(high * undl_close - otm, low * strike), strike)
    return round(per_unit * unit, 2)


def historical_volatility(
    closes: np.ndarray, pre_closes: np.ndarray, window: int = HISTORY_VOL_WINDOW
) -> float:
    """Annualised sd of the last ``window`` daily log returns close/preClose (0.0 with < 2 returns)."""
    closes = np.asarray(closes, dtype="float64")[-window:]
    pre = np.asarray(pre_closes, dtype="float64")[-window:]
    ok = (closes > 0) & (pre > 0)
    if ok.sum() < 2:
        return 0.0
    returns = np.log(closes[ok] / pre[ok])
    return float(np.std(returns, ddof=1) * math.sqrt(TRADING_DAYS_PER_YEAR))


def _round_tick(price: float, tick: float) -> float:
    return round(round(price / tick) * tick, 6)


def bar_on_or_before(prices: PriceEngine, inst: Instrument, day: dt.date) -> dict[str, Any] | None:
    """The daily bar of ``inst`` on ``day`` or, failing that, the last one before it (plain floats),
    plus ``'on_day'``; ``None`` if there is none."""
    bars = prices.daily(inst)
    times = bars["time"]
    idx = int(np.searchsorted(times, day_start_ms(day), side="right")) - 1
    if idx < 0:
        return None
    return {
        "on_day": bool(times[idx] == day_start_ms(day)),
        "close": float(bars["close"][idx]),
        "preClose": float(bars["preClose"][idx]),
        "settle": float(bars["settelementPrice"][idx]),
        "index": idx,
    }


def daily_closes_until(prices: PriceEngine, inst: Instrument, day: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """(close, preClose) arrays of ``inst``'s daily bars up to and including ``day``."""
    bars = prices.daily(inst)
    n = int(np.searchsorted(bars["time"], day_start_ms(day), side="right"))
    return bars["close"][:n], bars["preClose"][:n]
