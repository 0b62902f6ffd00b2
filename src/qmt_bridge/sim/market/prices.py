"""Deterministic simulated prices: daily bars, 1m bars, 3-second ticks with 5-level books, full-tick snapshots.

Everything is a pure function of ``(seed, instrument, day)``: random numbers come from numpy generators seeded
with ``[seed, crc32(code), ...]`` (daily walk, per-day minute paths) and from a counter-based hash (ticks and
books, so one tick can be computed without the others). Prices are integers on the instrument's tick grid
internally and rounded floats on output. A day's 1m bars are built once into a compact per-instrument-day
state (cached for a whole market), from which its ticks, and the snapshots of many instruments in one
vectorised pass (``PriceEngine.snapshots``), are computed with the same arithmetic.

Model (simplifications documented here, not hidden):

- Daily: an Ornstein-Uhlenbeck log walk (fat-tailed shocks, weak pull towards ``base_price``) rounded to
  the tick grid and corrected day by day against the price limits of the previous close.
  Limits: stocks by board (main +-10%, ST +-5% on main boards, STAR +-20%, ChiNext +-20% from 2020-08-24 and
  +-10% before, BJ +-30%; limit = preClose * (1 +- pct) rounded half-up to the tick), ETFs +-10%, convertible
  bonds +-20% from 2022-08-01 (none before), CFFEX futures (``.IF``) +-10%, other futures +-7% (against
  preClose, not the previous settlement), indices / options / HK none. IPO-day and first-five-day rules are
  not modelled. About 2% of stock days close at a limit (some as one-price "一字" days).
- Suspensions: stocks only, ~0.3% of days, sometimes multi-day runs; suspendFlag 1 on suspended days (flat
  at preClose, no volume) and -1 on the day trading resumes.
- Corporate actions: stocks only; most pay a cash dividend once a year (ex-date May 10 - Aug 31, yield
  0.5-3%), ~10% of years add bonus/transfer shares, rights issues are rare; stocks listed before mid-2005
  may carry a split-share-reform (``gugai``) action in 2005-09..2006-04. On an ex-date preClose is the
  ex-rights reference price rounded half-up to the tick and the walk continues from there.
- Futures and options have ``openInterest`` (rising then falling over a dated contract's life) and a daily
  settlement price; every other kind reports 0 for both. Options are priced with Black-Scholes on the
  underlying's daily prices (pass ``instrument_lookup`` to use the real underlying; otherwise a synthetic
  underlying that is at the money on the option's first day).
- Intraday: every instrument uses the A-share day: 241 1m bars (09:30 auction bar, 09:31-11:30,
  13:01-15:00), including futures, options and HK stocks (no night or HK sessions). Stocks with a closing
  auction (SZ, BJ, SH from 2018-08-20) have flat, zero-volume 14:58 and 14:59 bars and the auction in the
  15:00 bar. Suspended days have 241 flat zero-volume bars (and a flat tick grid without a book).
  The close path is a Brownian bridge from the open to the close inside the day's range, raised or
  lowered in mid-session until its volume-weighted typical price is the day's VWAP; each minute's amount
  is its volume at its 3-second ticks' prices, nudged by a common share of its range so the minutes sum
  exactly to the day: every minute's VWAP lies in its [low, high] (auction bars trade at one price). A
  minute without volume is flat at the previous close; every continuous minute trades when the day has
  two lots a minute or more.
- Ticks every 3 s, 09:15:00-11:30:00 and 13:00:00-15:00:00 (5102 a day). 09:15-09:25 is the opening call
  auction: ``lastPrice`` is the indicative price, volume 0, open/high/low 0; from 09:25:00 the opening price
  and auction volume show. The tick ending a minute carries that minute's close and cumulative volume,
  amount and running high/low equal to the 1m bars'. Books are zero-padded where a level would cross a price
  limit (no asks at limit-up, no bids at limit-down); indices and suspended stocks have no book.
- ``stockStatus`` carries a coarse phase like the official samples (2 auction, 3 continuous, 8 closing
  auction, 0 break/closed, 1 suspended); for non-derivatives ``openInt`` carries the detailed code of
  xtquant's dictionary (12 auction, 13 continuous, 14 break, 15 closed, 17 halted, 18 closing auction), as in
  the official equity sample. For futures and options ``openInt`` is the open interest.
- Units: volume in lots of 100 for stocks, ETFs and indices (``pvolume`` = shares), lots of 10 for
  convertible bonds, contracts for futures and options, shares for HK. ``amount`` is whole CNY: on the
  day volume x lot x typical price (O+H+L+C)/4 (x multiplier for derivatives), computed from the daily bar
  alone (daily history never builds intraday data); minutes as above. Indices' amount is their
  constituents' turnover (lots x an average share price), split over minutes by volume x typical price.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from qmt_bridge.sim.market.bars import (
    BOOK_LEVELS,
    INTRADAY_PERIODS,
    KLINE_PERIODS,
    MINUTE_MS,
    TICK_FIELDS,
    Bars,
    aggregate,
    day_number,
    day_start_ms,
)
from qmt_bridge.sim.market.calendar import TradingCalendar
from qmt_bridge.sim.market.corporate import CorporateAction
from qmt_bridge.sim.market.instruments import (
    BJ,
    CB,
    CHINEXT,
    ETF,
    FUTURE,
    HK,
    INDEX,
    OPTION,
    STAR,
    STOCK,
    Instrument,
)

CST = dt.timezone(dt.timedelta(hours=8), "CST")

CHINEXT_REFORM = dt.date(2020, 8, 24)  # ChiNext limits 10% -> 20%
CB_LIMIT_START = dt.date(2022, 8, 1)  # convertible bonds get +-20% limits
SH_CLOSING_AUCTION = dt.date(2018, 8, 20)  # SSE closing call auction introduced

# stockStatus (coarse phase)
PHASE_CLOSED = 0
PHASE_SUSPENDED = 1
PHASE_AUCTION = 2
PHASE_CONTINUOUS = 3
PHASE_CLOSING_AUCTION = 8
# detailed status (xtquant's stockStatus dictionary; carried in openInt for non-derivatives)
STATUS_AUCTION = 12
STATUS_CONTINUOUS = 13
STATUS_BREAK = 14
STATUS_CLOSED = 15
STATUS_HALTED = 17
STATUS_CLOSING_AUCTION = 18

MINUTES_PER_DAY = 241
# end minute-of-day (CST) of each 1m bar: the 09:30 auction bar, 09:31..11:30, 13:01..15:00
MINUTE_OF_DAY = np.r_[570, np.arange(571, 691), np.arange(781, 901)].astype(np.int64)

TICKS_PER_DAY = 5102
_AUCTION_OPEN_TICK = 200  # 09:25:00
_CONTINUOUS_TICK = 300  # 09:30:00
_NOON_TICK = 2700  # 11:30:00
_RESUME_TICK = 2701  # 13:00:00
_LAST_TICK = 5101  # 15:00:00
_CLOSING_AUCTION_TICK = 5041  # 14:57:00; later ticks before 15:00 are in the closing auction
_MORNING_S = 9 * 3600 + 15 * 60
_AFTERNOON_S = 13 * 3600
# seconds after midnight (CST) of each tick
TICK_SECONDS = np.r_[
    _MORNING_S + 3 * np.arange(_NOON_TICK + 1), _AFTERNOON_S + 3 * np.arange(TICKS_PER_DAY - _RESUME_TICK)
].astype(np.int64)

_MASK64 = (1 << 64) - 1
_VOLUME_MAX = _INT32_MAX = np.iinfo(np.int32).max
_DECAY = 1.0 - 0.0015  # daily pull of the log price towards its base level (half-life ~1.8 years)
_NEWS_DAY_P = 0.08
_NEWS_SCALE = 2.2
_CALM_SCALE = math.sqrt((1.0 - _NEWS_DAY_P * _NEWS_SCALE**2) / (1.0 - _NEWS_DAY_P))


# ----------------------------------------------------------------------------------------------- helpers


def stable_hash(text: str) -> int:
    """A process-independent 32-bit hash (crc32) of a code."""
    return zlib.crc32(text.encode("utf-8"))


def _mix64(x: int) -> int:
    """splitmix64 finaliser on a Python int."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


_SPLITMIX = tuple(
    np.uint64(c) for c in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 30, 27, 31)
)


def _mix64_array(x: np.ndarray) -> np.ndarray:
    """:func:`_mix64` on a uint64 array (wrapping arithmetic; a new array)."""
    add, mul1, mul2, s1, s2, s3 = _SPLITMIX
    x = x + add
    x ^= x >> s1
    x *= mul1
    x ^= x >> s2
    x *= mul2
    x ^= x >> s3
    return x


def _hash_uniform(key: int | np.ndarray, idx: np.ndarray, stream: int) -> np.ndarray:
    """Uniform [0, 1) numbers, one per ``idx``, a pure function of (key, idx, stream) (random access).

    ``key`` is one key, or uint64 keys broadcasting against ``idx`` (one per row: the same numbers as
    calling once per key).
    """
    if isinstance(key, np.ndarray):
        salt = _mix64_array(key ^ np.uint64((stream * 0xD6E8FEB86659FD93) & _MASK64))
    else:
        salt = np.uint64(_mix64((key ^ (stream * 0xD6E8FEB86659FD93)) & _MASK64))
    x = np.asarray(idx, dtype=np.int64).astype(np.uint64) * np.uint64(0xD1B54A32D192ED03) + salt
    z = _mix64_array(x)
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def _hash_uniforms(key: int | np.ndarray, idx: np.ndarray, streams: Sequence[int]) -> np.ndarray:
    """:func:`_hash_uniform` of several streams at once, stacked on a first axis (one pass: cheaper on small
    arrays). ``key`` is one key or uint64 keys, one per row of ``idx`` (its first axis)."""
    idx = np.asarray(idx, dtype=np.int64)
    consts = np.array([(s * 0xD6E8FEB86659FD93) & _MASK64 for s in streams], dtype=np.uint64)
    if isinstance(key, np.ndarray):
        rows = key.reshape((1,) + key.shape + (1,) * (idx.ndim - 1))
        salt = _mix64_array(rows ^ consts.reshape((-1,) + (1,) * idx.ndim))
    else:
        salt = np.array([_mix64((key ^ int(c)) & _MASK64) for c in consts], dtype=np.uint64)
        salt = salt.reshape((-1,) + (1,) * idx.ndim)
    x = idx.astype(np.uint64)[None] * np.uint64(0xD1B54A32D192ED03) + salt
    z = _mix64_array(x)
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def _hash_normal(key: int | np.ndarray, idx: np.ndarray, stream: int) -> np.ndarray:
    u = _hash_uniforms(key, idx, (stream, stream + 1))
    u1 = 1.0 - u[0]
    u2 = u[1]
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def _shifted(a: np.ndarray, first: float) -> np.ndarray:
    """``a`` moved one place later, ``first`` in front (the value "before" each element)."""
    out = np.empty_like(a)
    out[0] = first
    out[1:] = a[:-1]
    return out


def _decimals(tick: float) -> int:
    exponent = Decimal(repr(float(tick))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def _to_price(ticks: np.ndarray, tick: float, decimals: int) -> np.ndarray:
    return np.round(np.asarray(ticks, dtype=np.float64) * tick, decimals)


def _lot_size(inst: Instrument) -> int:
    """Units per volume unit: shares per lot (100), bonds per lot (10), 1 for derivatives and HK."""
    if inst.kind in (STOCK, ETF, INDEX):
        return 100
    if inst.kind == CB:
        return 10
    return 1


def _multiplier(inst: Instrument) -> int:
    return max(int(inst.volume_multiple), 1) if inst.kind in (FUTURE, OPTION) else 1


def _is_derivative(inst: Instrument) -> bool:
    return inst.kind in (FUTURE, OPTION)


def limit_pct(inst: Instrument, day: dt.date) -> int:
    """Price-limit percentage on ``day`` (0 = no limit). See the module docstring for the rules."""
    kind = inst.kind
    if kind == STOCK:
        if inst.board == BJ:
            return 30
        if inst.board == STAR:
            return 20
        if inst.board == CHINEXT:
            return 20 if day >= CHINEXT_REFORM else 10
        return 5 if inst.is_st_on(day) else 10
    if kind == ETF:
        return 10
    if kind == CB:
        return 20 if day >= CB_LIMIT_START else 0
    if kind == FUTURE:
        return 10 if inst.market == "IF" else 7
    return 0


def _limit_ticks(pc: np.ndarray, pct: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """(down, up) limits in ticks: preClose * (1 -+ pct%) rounded half-up on the grid (exact integers)."""
    pc = np.asarray(pc, dtype=np.int64)
    up = (pc * (100 + pct) + 50) // 100
    down = np.maximum((pc * (100 - pct) + 50) // 100, 1)
    return down, up


def price_limits(inst: Instrument, day: dt.date, pre_close: float) -> tuple[float, float] | None:
    """(down, up) limit prices for ``pre_close`` on ``day``, or None for instruments without limits."""
    pct = limit_pct(inst, day)
    if pct == 0:
        return None
    tick = inst.price_tick
    pc = int(math.floor(pre_close / tick + 0.5))
    down, up = _limit_ticks(np.array([pc]), pct)
    dec = _decimals(tick)
    return round(float(down[0]) * tick, dec), round(float(up[0]) * tick, dec)


def has_closing_auction(inst: Instrument, day: dt.date) -> bool:
    """Stocks on SZ and BJ, and on SH from 2018-08-20, end the day with a closing call auction (14:57-15:00)."""
    if inst.kind != STOCK:
        return False
    return inst.market != "SH" or day >= SH_CLOSING_AUCTION


def _split_integer(total: float, weights: np.ndarray) -> np.ndarray:
    """Split an integer-valued total into integer parts proportional to ``weights`` (largest remainder)."""
    out = np.zeros(len(weights), dtype=np.float64)
    wsum = float(weights.sum())
    if total <= 0 or wsum <= 0:
        if total > 0:
            out[-1] = total
        return out
    exact = total * (weights / wsum)
    base = np.floor(exact)
    rem = int(round(total - base.sum()))
    frac = exact - base
    if rem > 0:
        base[np.argsort(-frac, kind="stable")[:rem]] += 1
    elif rem < 0:  # float round-off pushed a floor over an integer
        candidates = np.flatnonzero(base > 0)
        base[candidates[np.argsort(frac[candidates], kind="stable")[:-rem]]] -= 1
    return base


def _norm_cdf(x: np.ndarray) -> np.ndarray:
    erf = np.frompyfunc(math.erf, 1, 1)
    return 0.5 * (1.0 + np.asarray(erf(np.asarray(x, dtype=np.float64) / math.sqrt(2.0)), dtype=np.float64))


def _black_scholes(
    spot: np.ndarray, strike: float, years: np.ndarray, sigma: float, call: bool
) -> np.ndarray:
    rate = 0.02
    spot = np.maximum(spot, 1e-9)
    sqrt_t = np.sqrt(years)
    d1 = (np.log(spot / strike) + (rate + 0.5 * sigma * sigma) * years) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    discount = strike * np.exp(-rate * years)
    if call:
        return spot * _norm_cdf(d1) - discount * _norm_cdf(d2)
    return discount * _norm_cdf(-d2) - spot * _norm_cdf(-d1)


class _LRU:
    """A small thread-safe LRU map (computation happens outside the lock)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._data: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: object) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)


# ----------------------------------------------------------------------------------------------- records


@dataclass
class _Daily:
    """Compact daily history of one instrument: 21 bytes a day (prices in int32 ticks).

    preClose and amount are not stored: preClose is the previous close except on the first day and on
    ex-dates (kept in ``ex_index`` / ``ex_pre_close``), and amount is a fixed function of the stored bar.
    """

    i0: int  # calendar index of the first day
    open: np.ndarray  # int32 ticks
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray  # int32 volume units
    flag: np.ndarray  # int8 suspendFlag
    first_pre_close: int = 0
    ex_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ex_pre_close: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    value_per_unit: float = 1.0  # CNY per (volume unit x price): lot size x contract multiplier
    index_share_price: float = (
        0.0  # indices: average share price behind the lots (amount is not lots x level)
    )
    open_interest: np.ndarray | None = None  # int64, derivatives only
    settle: np.ndarray | None = None  # int32 ticks, derivatives only
    actions: list[CorporateAction] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.close)

    def pre_close(self, lo: int, hi: int) -> np.ndarray:
        """preClose ticks of rows ``lo:hi`` (int64)."""
        out = np.empty(max(hi - lo, 0), np.int64)
        if len(out) == 0:
            return out
        if lo == 0:
            out[0] = self.first_pre_close
            out[1:] = self.close[: hi - 1]
        else:
            out[:] = self.close[lo - 1 : hi - 1]
        inside = (self.ex_index >= lo) & (self.ex_index < hi)
        out[self.ex_index[inside] - lo] = self.ex_pre_close[inside]
        return out

    def prices(self, lo: int, hi: int) -> list[np.ndarray]:
        """open, high, low, close, preClose ticks of rows ``lo:hi`` as float64."""
        rows = slice(lo, hi)
        cols = [self.open[rows], self.high[rows], self.low[rows], self.close[rows], self.pre_close(lo, hi)]
        return [np.asarray(c, dtype=np.float64) for c in cols]

    def days_ahead(self, t: int, tick: float) -> _DaysAhead:
        """The inputs of rows ``t`` .. ``t + _DAYS_AHEAD`` (as far as the history goes) for intraday builds."""
        hi = min(t + _DAYS_AHEAD, len(self))
        rows = np.arange(t, hi)
        before = np.maximum(rows - 1, 0)
        out = np.zeros((hi - t, 13))
        for col, values in (
            (_IN_OPEN, self.open),
            (_IN_HIGH, self.high),
            (_IN_LOW, self.low),
            (_IN_CLOSE, self.close),
            (_IN_VOLUME, self.volume),
            (_IN_FLAG, self.flag),
        ):
            out[:, col] = values[t:hi]
        out[:, _IN_PRE_CLOSE] = self.pre_close(t, hi)
        out[:, _IN_AMOUNT] = self.amount(t, hi, tick)
        derivative = self.open_interest is not None and self.settle is not None
        if self.open_interest is not None and self.settle is not None:
            out[:, _IN_OI] = self.open_interest[t:hi]
            out[:, _IN_PRE_OI] = self.open_interest[before]  # the first day's own on the first row
            out[:, _IN_SETTLE] = self.settle[t:hi]
            out[:, _IN_PRE_SETTLE] = np.where(rows > 0, self.settle[before], out[:, _IN_PRE_CLOSE])
        # the 5 previous days' mean volume a minute (sums of <= 5 int32 are exact in float64)
        cum = np.r_[0, np.cumsum(self.volume[max(t - 5, 0) : hi], dtype=np.int64)]
        start = np.maximum(rows - 5, 0) - max(t - 5, 0)
        count = rows - np.maximum(rows - 5, 0)
        total = (cum[rows - max(t - 5, 0)] - cum[start]).astype(np.float64)
        out[:, _IN_AVG_MINUTE_VOLUME] = (
            np.divide(total, count, out=np.zeros(len(rows)), where=count > 0) / 240.0
        )
        return _DaysAhead(
            first=self.i0 + t,
            rows=out,
            derivative=derivative,
            value_per_unit=self.value_per_unit,
            amount_at_prices=not self.index_share_price,
        )

    def amount(self, lo: int, hi: int, tick: float) -> np.ndarray:
        """Whole-CNY amounts of rows ``lo:hi``: volume x unit value x typical price (float64)."""
        rows = slice(lo, hi)
        volume = self.volume[rows].astype(np.float64)
        if self.index_share_price:
            level = self.close[rows] / max(float(self.close[0]), 1.0)
            return np.rint(volume * 100.0 * self.index_share_price * np.sqrt(level))
        typical = (self.open[rows].astype(np.int64) + self.high[rows] + self.low[rows] + self.close[rows]) * (
            tick / 4.0
        )
        return np.rint(volume * self.value_per_unit * typical)


# columns of _Intraday.table (int32, one row per 1m bar j): the bar, and the sums over the bars before it
(_O, _H, _L, _C, _VOL, _TRADES, _CUM_VOL, _CUM_TRADES, _HIGH_BEFORE, _LOW_BEFORE, _OI, _OI_PREV,
 _C5) = range(13)  # fmt: skip
# columns of _Intraday.money (float64): the bar's amount and the amount before it
_AMT, _CUM_AMT = range(2)
# _Intraday.ints: the day's integer constants (prices in ticks; flags 0/1; the key's bits as int64)
(_KEY, _BASE_MS, _SUSPENDED, _AUCTION_CLOSE, _DAY_OPEN, _PRE_CLOSE, _DOWN, _UP, _DAY_VOLUME, _DAY_RANGE,
 _PRE_OI, _BOOK, _DERIVATIVE, _STOCK, _LOT, _DECIMALS) = range(16)  # fmt: skip
# _Intraday.floats: the day's float constants (prices already rounded like xtquant's)
_TICK, _PE_EPS, _LAST_CLOSE, _PRE_SETTLE, _SETTLE = range(5)


# columns of _DaysAhead.rows: what building one instrument-day takes from the daily history
(_IN_OPEN, _IN_HIGH, _IN_LOW, _IN_CLOSE, _IN_PRE_CLOSE, _IN_VOLUME, _IN_AMOUNT, _IN_FLAG, _IN_OI, _IN_PRE_OI,
 _IN_SETTLE, _IN_PRE_SETTLE, _IN_AVG_MINUTE_VOLUME) = range(13)  # fmt: skip
_DAYS_AHEAD = 16  # trading days whose inputs are kept per instrument


@dataclass(eq=False)
class _DaysAhead:
    """The daily-history inputs of an instrument's days from calendar index ``first`` on (a few weeks),
    so that the next days' intraday data is built without rebuilding the whole history (~2 kB)."""

    first: int
    rows: np.ndarray  # (days, 13) float64, exact (integers and whole-yuan amounts)
    derivative: bool  # open interest and settlement prices exist
    value_per_unit: float
    amount_at_prices: bool  # False for indices (amount is the constituents' turnover)


@dataclass(eq=False)
class _Intraday:
    """One instrument-day as the tick generator needs it (~17 kB, no float bars).

    The 1m bars in ticks are packed one row a minute together with the running sums (``table``,
    ``money``), and the day's constants are one int and one float vector, so the rows of many
    instrument-days stack into arrays for one vectorised pass (a whole-market snapshot) and a day's
    ticks are the same computation with one instrument-day on every row.
    """

    inst: Instrument
    day: dt.date
    key: int
    flag: int  # suspendFlag
    avg_minute_volume: float  # the 5 previous days' mean volume a minute (0 on the first day): volRatio
    table: np.ndarray  # (241, 13) int32
    money: np.ndarray  # (241, 2) float64
    ints: np.ndarray  # int64 constants
    floats: np.ndarray  # float64 constants

    @property
    def suspended(self) -> bool:
        return self.flag == 1


@dataclass
class _Plan:
    """A planned corporate action whose cash amounts are fixed only once the previous close is known."""

    index: int
    yield_: float
    bonus: float
    gift: float
    allot_num: float
    allot_ratio: float  # allot price / previous close
    gugai: bool


_NO_LIMIT = np.iinfo(np.int64).max // 4  # "up limit" of instruments without limits


def _bounds(pc: np.ndarray, pct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(down, up) limit ticks per day; (1, huge) where ``pct`` is 0."""
    down, up = _limit_ticks(pc, pct)
    limited = pct > 0
    return np.where(limited, down, 1), np.where(limited, up, _NO_LIMIT)


class _ExRights:
    """The planned corporate actions of one stock as arrays, and their ex-rights reference prices."""

    def __init__(self, plans: list[_Plan], tick: float, decimals: int) -> None:
        self.index = np.array([p.index for p in plans], dtype=np.int64)
        self.yield_ = np.array([p.yield_ for p in plans])
        self.ratio = np.array([1.0 + p.bonus + p.gift + p.allot_num for p in plans])
        self.allot_num = np.array([p.allot_num for p in plans])
        self.allot_ratio = np.array([p.allot_ratio for p in plans])
        self.tick = tick
        self.decimals = decimals

    def reference(
        self, prev_close: np.ndarray, which: slice | np.ndarray = slice(None)
    ) -> tuple[np.ndarray, ...]:
        """(reference ticks, previous close, interest, allot price, unrounded reference) of actions ``which``.

        One arithmetic for every caller, so an ex-date's preClose always equals its action's rounded price.
        """
        prev_price = np.round(np.asarray(prev_close) * self.tick, self.decimals)
        interest = np.round(self.yield_[which] * prev_price, 3)
        allot_price = np.round(self.allot_ratio[which] * prev_price, 2)
        ref = (prev_price - interest + allot_price * self.allot_num[which]) / self.ratio[which]
        ticks = np.maximum(np.floor(ref / self.tick + 0.5 + 1e-9), 1).astype(np.int64)
        return ticks, prev_price, interest, allot_price, ref


def _settle_closes(
    raw: np.ndarray,
    base_t: int,
    pct: np.ndarray,
    lim_up: np.ndarray,
    lim_down: np.ndarray,
    susp: np.ndarray,
    ex: _ExRights,
) -> np.ndarray:
    """Closes in ticks satisfying, day by day, close = clip(raw, limits(preClose)) (or the limit on forced
    limit days, or preClose when suspended), where preClose is the previous close (ex-rights on ex-dates).

    Two vectorised sweeps settle almost every day; the few days still inconsistent are fixed in order,
    following each one's effect on the next days only as far as it reaches. The result is the unique
    solution of the day-by-day recurrence.
    """
    n = len(raw)

    def sweep(close: np.ndarray) -> np.ndarray:
        pc = np.r_[base_t, close[:-1]].astype(np.int64)
        if len(ex.index):
            pc[ex.index] = ex.reference(pc[ex.index])[0]
        down, up = _bounds(pc, pct)
        new = np.clip(raw, down, up)
        new[lim_up] = up[lim_up]
        new[lim_down] = down[lim_down]
        new[susp] = pc[susp]
        return new

    close = sweep(raw)
    bad = np.flatnonzero(sweep(close) != close)
    if len(bad) == 0:
        return close
    # element access below touches only the unsettled days and what they reach (few), not whole arrays
    out = close
    ex_at = {int(t): j for j, t in enumerate(ex.index)}

    def settle(t: int) -> int:
        p = base_t if t == 0 else int(out[t - 1])
        if t in ex_at:
            p = int(ex.reference(np.array([p]), np.array([ex_at[t]]))[0][0])
        if susp[t]:
            return p
        q = int(pct[t])
        hi, lo = ((p * (100 + q) + 50) // 100, max((p * (100 - q) + 50) // 100, 1)) if q else (_NO_LIMIT, 1)
        if lim_up[t]:
            return hi
        if lim_down[t]:
            return lo
        return min(max(int(raw[t]), lo), hi)

    frontier = 0
    for start in bad.tolist():
        t = max(start, frontier)
        while t < n:
            value = settle(t)
            if value == out[t]:
                break
            out[t] = value
            t += 1
        frontier = t
    return out


# ----------------------------------------------------------------------------------------------- engine


class PriceEngine:
    """Deterministic prices of every instrument on every trading day of ``calendar``.

    Args:
        calendar: the trading calendar (bars exist on its sessions only).
        seed: market seed; the same seed gives bit-identical output on any machine.
        instrument_lookup: optional ``code -> Instrument | None`` used to price options off their real
            underlying; without it options use a synthetic underlying.
        daily_cache_size: instruments whose daily history is kept (21 bytes a day: ~110 kB for 20 years).
        minute_cache_size: (instrument, day) pairs whose float 1m bars are kept (~21 kB each).
        day_cache_size: (instrument, day) pairs whose packed intraday state is kept (~17 kB each: what
            ticks and snapshots are computed from); the default holds a whole-market snapshot of the
            simulated universe (~8,000 instruments, ~135 MB) with room to spare, so snapshots every 3
            seconds never rebuild a day.

    All returned arrays are read-only.
    """

    def __init__(
        self,
        calendar: TradingCalendar,
        seed: int,
        *,
        instrument_lookup: Callable[[str], Instrument | None] | None = None,
        daily_cache_size: int = 2048,
        minute_cache_size: int = 1024,
        day_cache_size: int = 10_000,
    ) -> None:
        self.calendar = calendar
        self.seed = int(seed)
        self.instrument_lookup = instrument_lookup
        self._daily_cache = _LRU(daily_cache_size)
        self._minute_cache = _LRU(minute_cache_size)
        self._day_cache = _LRU(day_cache_size)
        self._ahead_cache = _LRU(day_cache_size)  # ~2 kB each: the next days without the daily history
        sessions = calendar.sessions
        self._day_numbers = np.array([day_number(d) for d in sessions], dtype=np.int64)
        self._session_ms = np.array([day_start_ms(d) for d in sessions], dtype=np.int64)
        self._session_ms.flags.writeable = False
        self._decay_powers = _DECAY ** np.arange(len(sessions), dtype=np.float64)

    # ------------------------------------------------------------------------------------ public API

    def corporate_actions(self, inst: Instrument) -> list[CorporateAction]:
        """Dividends, bonus shares and rights issues of a stock, oldest first ([] for other kinds)."""
        return list(self._daily(inst).actions)

    def daily(self, inst: Instrument) -> Bars:
        """Unadjusted daily bars from ``list_date`` to ``min(expire_date, calendar end)``."""
        rec = self._daily(inst)
        return self._daily_bars(inst, rec, 0, len(rec))

    def _daily_bars(self, inst: Instrument, rec: _Daily, lo: int, hi: int) -> Bars:
        """Rows ``lo:hi`` of the compact daily record as float K-line bars."""
        n = max(hi - lo, 0)
        tick, dec = inst.price_tick, _decimals(inst.price_tick)
        rows = slice(lo, lo + n)
        bars = Bars(
            {
                "time": self._session_ms[rec.i0 + lo : rec.i0 + lo + n],
                "open": _to_price(rec.open[rows], tick, dec),
                "high": _to_price(rec.high[rows], tick, dec),
                "low": _to_price(rec.low[rows], tick, dec),
                "close": _to_price(rec.close[rows], tick, dec),
                "volume": rec.volume[rows].astype(np.int64),
                "amount": rec.amount(lo, lo + n, tick),
                "settelementPrice": np.zeros(n)
                if rec.settle is None
                else _to_price(rec.settle[rows], tick, dec),
                "openInterest": np.zeros(n, np.int64)
                if rec.open_interest is None
                else rec.open_interest[rows],
                "preClose": _to_price(rec.pre_close(lo, lo + n), tick, dec),
                "suspendFlag": rec.flag[rows].astype(np.int64),
            }
        )
        return bars.readonly()

    def minutes(self, inst: Instrument, day: dt.date) -> Bars:
        """The 241 1m bars of ``day`` (empty if the instrument has no bar that day)."""
        bars = self._minute_bars_of(inst, day)
        return Bars.empty() if bars is None else bars

    def kline(self, inst: Instrument, period: str, start: dt.date | None, end: dt.date | None) -> Bars:
        """Unadjusted bars of ``period`` for trading days in ``[start, end]`` (``None`` = unbounded).

        Weekly and longer bars only use days up to ``end`` and are labelled by their last such day; a bar
        whose period began before ``start`` still covers its whole period.
        """
        if period not in KLINE_PERIODS:
            raise ValueError(f"unknown K-line period {period!r}; expected one of {KLINE_PERIODS}")
        if period in INTRADAY_PERIODS:
            i0, i1 = self._span(inst)
            if i1 == i0:
                return Bars.empty()
            first, last = self.calendar.sessions[i0], self.calendar.sessions[i1 - 1]
            lo = first if start is None else max(start, first)
            hi = last if end is None else min(end, last)
            days = self.calendar.between(lo, hi)
            if not days:
                return Bars.empty()
            store = len(days) <= 32  # long ranges would only flush the caches
            parts = [self._minute_bars_of(inst, d, store=store) for d in days]
            return aggregate(Bars.concat(parts), period)  # type: ignore[arg-type]
        rec = self._daily(inst)
        times = self._session_ms[rec.i0 : rec.i0 + len(rec)]
        first_row = 0 if start is None else int(np.searchsorted(times, day_start_ms(start), side="left"))
        end_row = len(rec) if end is None else int(np.searchsorted(times, day_start_ms(end), side="right"))
        if period == "1d":
            return self._daily_bars(inst, rec, first_row, end_row)
        start_ms = None if start is None else day_start_ms(start)
        daily = self._daily_bars(inst, rec, 0, end_row)
        return aggregate(daily, period).between(start_ms, None)

    def ticks(self, inst: Instrument, day: dt.date) -> Bars:
        """The 3-second snapshots of ``day`` (09:15:00-11:30:00, 13:00:00-15:00:00); empty if no bar."""
        ctx = self._intraday(inst, day)
        if ctx is None:
            return _empty_ticks()
        idx = np.arange(TICKS_PER_DAY)
        j, k = _minute_of_tick(idx)
        rows = (TICKS_PER_DAY, len(ctx.ints))
        state = _tick_fields(
            np.broadcast_to(ctx.ints, rows),
            np.broadcast_to(ctx.floats, (TICKS_PER_DAY, len(ctx.floats))),
            ctx.table[j].astype(np.int64),
            ctx.money[j],
            idx,
            j,
            k,
            day_key=ctx.key,
        )
        return Bars({f: state[f] for f in TICK_FIELDS}).readonly()

    def snapshot(self, inst: Instrument, at: dt.datetime) -> dict | None:
        """xtquant's ``get_full_tick`` dict of ``inst`` at moment ``at`` (naive datetimes are taken as CST).

        During or after a session it is the last tick at or before ``at``; before 09:15 or on a non-trading
        day it is the closing state of the last trading day before. None before the first trading day.
        """
        return self.snapshots([inst], at)[0]

    def snapshots(self, insts: Sequence[Instrument], at: dt.datetime) -> list[dict | None]:
        """:meth:`snapshot` of each of ``insts`` at moment ``at``, computed together in one vectorised pass.

        A whole-market call costs a few microseconds an instrument once its day is cached (the day cache
        holds every instrument-day the snapshots touch, ~17 kB each); the first call of a day builds each
        instrument's day (its 1m bars, and its daily history if that is not cached either).
        """
        at = at.replace(tzinfo=CST) if at.tzinfo is None else at.astimezone(CST)
        out: list[dict | None] = [None] * len(insts)
        moment = self._snapshot_moment(at)
        if moment is None:
            return out
        sessions = self.calendar.sessions
        places: list[int] = []
        ctxs: list[_Intraday] = []
        indices: list[int] = []
        for n, inst in enumerate(insts):
            i0, i1 = self._span(inst)
            if i1 == i0:
                continue
            day, index = moment
            if day < sessions[i0]:
                continue
            if day > sessions[i1 - 1]:
                day, index = sessions[i1 - 1], _LAST_TICK
            ctx = self._intraday(inst, day)
            assert ctx is not None
            places.append(n)
            ctxs.append(ctx)
            indices.append(index)
        if ctxs:
            for n, snap in zip(places, _snapshot_dicts(ctxs, np.array(indices, np.int64)), strict=True):
                out[n] = snap
        return out

    def _snapshot_moment(self, at: dt.datetime) -> tuple[dt.date, int] | None:
        """(trading day, tick index) whose state is the snapshot at ``at``; None before the calendar."""
        seconds = at.hour * 3600 + at.minute * 60 + at.second
        day = at.date()
        if self.calendar.is_trading_day(day) and seconds >= _MORNING_S:
            return day, int(np.searchsorted(TICK_SECONDS, seconds, side="right")) - 1
        prev = self.calendar.last_on_or_before(day - dt.timedelta(days=1) if seconds < _MORNING_S else day)
        return None if prev is None else (prev, _LAST_TICK)

    def limits(self, inst: Instrument, day: dt.date) -> tuple[float, float] | None:
        """(down, up) limit prices of ``day`` (from that day's preClose); None without limits or bar."""
        rec = self._daily(inst)
        t = self._day_index(rec, day)
        if t is None:
            return None
        return price_limits(inst, day, float(rec.pre_close(t, t + 1)[0]) * inst.price_tick)

    # ------------------------------------------------------------------------------------ daily

    def _daily(self, inst: Instrument) -> _Daily:
        rec = self._daily_cache.get(inst)
        if rec is None:
            rec = self._build_daily(inst)
            for arr in (
                rec.open,
                rec.high,
                rec.low,
                rec.close,
                rec.volume,
                rec.flag,
                rec.open_interest,
                rec.settle,
            ):
                if arr is not None:
                    arr.flags.writeable = False
            self._daily_cache.put(inst, rec)
        return rec  # type: ignore[return-value]

    def _day_index(self, rec: _Daily, day: dt.date) -> int | None:
        if not self.calendar.is_trading_day(day):
            return None
        t = self.calendar.index_of(day) - rec.i0
        return t if 0 <= t < len(rec) else None

    def _span(self, inst: Instrument) -> tuple[int, int]:
        """Calendar index range [i0, i1) of the instrument's trading days."""
        sessions = self.calendar.sessions
        last_day = sessions[-1] if inst.expire_date is None else min(inst.expire_date, sessions[-1])
        i0 = bisect.bisect_left(sessions, inst.list_date)
        i1 = bisect.bisect_right(sessions, last_day)
        return (i0, i1) if i1 > i0 else (0, 0)

    def _build_daily(self, inst: Instrument) -> _Daily:
        i0, i1 = self._span(inst)
        n = i1 - i0
        if n == 0:
            empty = np.zeros(0, dtype=np.int32)
            return _Daily(i0, empty, empty, empty, empty, empty, np.zeros(0, np.int8))
        if inst.kind == OPTION:
            return self._build_option(inst, i0, i1)
        return self._build_walk(inst, i0, i1)

    def _limit_pcts(self, inst: Instrument, daynums: np.ndarray) -> np.ndarray:
        n = len(daynums)
        kind, board = inst.kind, inst.board
        if kind == STOCK:
            if board == BJ:
                return np.full(n, 30, np.int64)
            if board == STAR:
                return np.full(n, 20, np.int64)
            if board == CHINEXT:
                return np.where(daynums >= day_number(CHINEXT_REFORM), 20, 10).astype(np.int64)
            pct = np.full(n, 10, np.int64)
            for a, b in inst.st_periods:
                pct[(daynums >= day_number(a)) & (daynums <= day_number(b))] = 5
            return pct
        if kind == CB:
            return np.where(daynums >= day_number(CB_LIMIT_START), 20, 0).astype(np.int64)
        return np.full(n, limit_pct(inst, dt.date(2000, 1, 1)) if kind in (ETF, FUTURE) else 0, np.int64)

    def _window(self, first: dt.date, last: dt.date) -> tuple[int, int]:
        """Calendar indices of the first and last session in ``[first, last]`` (lo > hi if none)."""
        lo = bisect.bisect_left(self.calendar.sessions, first)
        hi = bisect.bisect_right(self.calendar.sessions, last) - 1
        return lo, hi

    def _suspensions(self, rng: np.random.Generator, n: int) -> np.ndarray:
        starts = np.flatnonzero(rng.random(n) < 0.0012)
        k = len(starts)
        lengths = np.where(rng.random(k) < 0.35, 1 + rng.geometric(0.2, k), 1)
        susp = np.zeros(n, dtype=bool)
        for i, length in zip(starts.tolist(), lengths.tolist(), strict=True):
            if i > 0:
                susp[i : i + min(length, 40)] = True
        return susp

    def _plans(self, inst: Instrument, i0: int, i1: int, rng: np.random.Generator) -> list[_Plan]:
        sessions = self.calendar.sessions
        first, last = sessions[i0], sessions[i1 - 1]
        u_inst = rng.random(4).tolist()
        if inst.kind != STOCK:
            return []
        payer = u_inst[0] < 0.8
        p_cash = 0.92 if payer else 0.15
        seasoned = inst.list_date < first  # listed before the calendar: history starts mid-life
        min_index = 1 if seasoned else 200
        plans: list[_Plan] = []
        if inst.list_date < dt.date(2005, 6, 1) and u_inst[1] < 0.6:
            lo, hi = self._window(dt.date(2005, 9, 1), dt.date(2006, 4, 30))
            lo, hi = max(lo - i0, min_index), min(hi - i0, i1 - i0 - 1)
            if lo <= hi:
                gift = round(0.2 + 0.2 * u_inst[2], 2)
                plans.append(_Plan(lo + int(u_inst[3] * (hi - lo + 1)), 0.0, 0.0, gift, 0.0, 0.0, True))
        for year in range(first.year, last.year + 1):
            u = rng.random(10).tolist()
            lo, hi = self._window(dt.date(year, 5, 10), dt.date(year, 8, 31))
            lo, hi = max(lo - i0, min_index), min(hi - i0, i1 - i0 - 1)
            if lo > hi:
                continue
            has_cash = u[0] < p_cash
            has_bonus = u[1] < 0.1
            has_rights = u[2] < 0.012
            if not (has_cash or has_bonus or has_rights):
                continue
            index = lo + int(u[3] * (hi - lo + 1))
            yield_ = 0.005 + 0.025 * u[4] if has_cash else 0.0
            bonus = gift = 0.0
            if has_bonus:
                total = (0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)[int(u[5] * 7)]
                if u[6] < 0.4:
                    bonus = total
                elif u[6] < 0.8:
                    gift = total
                else:
                    bonus = round(total / 2, 2)
                    gift = round(total - bonus, 2)
            allot_num = round(0.1 + 0.2 * u[7], 2) if has_rights else 0.0
            allot_ratio = 0.6 + 0.25 * u[8] if has_rights else 0.0
            plans.append(_Plan(index, yield_, bonus, gift, allot_num, allot_ratio, False))
        plans.sort(key=lambda p: p.index)
        return plans

    def _build_walk(self, inst: Instrument, i0: int, i1: int) -> _Daily:
        n = i1 - i0
        kind = inst.kind
        rng = np.random.default_rng([self.seed & _MASK64, stable_hash(inst.code), 0])
        tick, dec = float(inst.price_tick), _decimals(inst.price_tick)
        vol = max(float(inst.volatility), 1e-4)
        daynums = self._day_numbers[i0:i1]
        pct = self._limit_pcts(inst, daynums)
        has_limit = pct > 0

        params = rng.random(8)
        # fat tails from a scale mixture: 8% of days are "news days" with 2.7x the usual move (unit variance)
        eps = rng.standard_normal(n) * np.where(rng.random(n) < _NEWS_DAY_P, _NEWS_SCALE, _CALM_SCALE)
        u_limit = rng.random(n)
        u_oneword = rng.random(n)
        gap = rng.standard_normal(n)
        wick_up = rng.standard_exponential(n) * 0.8
        wick_down = rng.standard_exponential(n) * 0.8
        vol_noise = rng.standard_normal(n)
        susp = self._suspensions(rng, n) if kind == STOCK else np.zeros(n, dtype=bool)
        plans = self._plans(inst, i0, i1, rng)

        # -- limit-hit days (stocks): ~2% of days on 10% boards, fewer on 20/30% boards
        if kind == STOCK:
            p_hit = np.select([pct == 5, pct == 10, pct == 20], [0.03, 0.02, 0.01], 0.008)
            lim_up = (u_limit < 0.6 * p_hit) & ~susp
            lim_down = (u_limit >= 0.6 * p_hit) & (u_limit < p_hit) & ~susp
        else:
            lim_up = lim_down = np.zeros(n, dtype=bool)

        # -- continuous log path: OU around base_price with a small drift, shocks clipped to the limits
        drift = (params[0] - 0.5) * 0.0006
        cap = 0.11 if kind == INDEX else 0.25
        pct_f = pct / 100.0
        r = drift + vol * eps
        r = np.where(has_limit, np.clip(r, np.log1p(-pct_f), np.log1p(pct_f)), np.clip(r, -cap, cap))
        r = np.where(lim_up, np.log1p(pct_f), r)
        r = np.where(lim_down, np.log1p(-pct_f), r)
        r[susp] = 0.0
        # ex-rights drops enter as shocks, so the pull towards base_price slowly "fills the rights" (填权)
        # and unadjusted prices of long-lived stocks stay in a plausible band
        for p in plans:
            phi = (1.0 - p.yield_ + p.allot_num * p.allot_ratio) / (1.0 + p.bonus + p.gift + p.allot_num)
            r[p.index] += math.log(phi)
        powers = self._decay_powers[:n]
        x = powers * np.cumsum(r / powers)
        base_t = max(int(round(inst.base_price / tick)), 1)
        raw = np.maximum(np.rint(base_t * np.exp(x)), 1).astype(np.int64)

        # -- integer closes on the tick grid, consistent with each day's limits (iterate to a fixed point)
        ex = _ExRights(plans, tick, dec)
        close = _settle_closes(raw, base_t, pct, lim_up, lim_down, susp, ex)
        pc = np.r_[base_t, close[:-1]].astype(np.int64)
        if len(ex.index):
            pc[ex.index] = ex.reference(pc[ex.index])[0]
        down, up = _bounds(pc, pct)

        actions = []
        if plans:
            _, prev_price, interest, allot_price, ref = ex.reference(close[ex.index - 1])
            for j, p in enumerate(plans):
                actions.append(
                    CorporateAction(
                        ex_date=self.calendar.sessions[i0 + p.index],
                        interest=float(interest[j]),
                        stock_bonus=p.bonus,
                        stock_gift=p.gift,
                        allot_num=p.allot_num,
                        allot_price=float(allot_price[j]),
                        gugai=p.gugai,
                        dr=float(prev_price[j] / ref[j]),
                    )
                )

        # -- open, high, low
        pcf = pc.astype(np.float64)
        gap_move = np.clip(gap * vol * 0.35, -0.9 * np.maximum(pct_f, 0.05), 0.9 * np.maximum(pct_f, 0.05))
        open_ = np.clip(np.rint(pcf * np.exp(gap_move)).astype(np.int64), down, up)
        top = np.maximum(open_, close)
        bottom = np.minimum(open_, close)
        high = np.minimum(top + np.rint(pcf * vol * 0.5 * wick_up).astype(np.int64), up)
        low = np.maximum(bottom - np.rint(pcf * vol * 0.5 * wick_down).astype(np.int64), np.maximum(down, 1))
        one_price = (lim_up & (u_oneword < 0.15)) | (lim_down & (u_oneword < 0.1))
        for arr in (open_, high, low):
            arr[one_price] = close[one_price]
            arr[susp] = pc[susp]

        flag = np.zeros(n, dtype=np.int8)
        flag[susp] = 1
        flag[1:][susp[:-1] & ~susp[1:]] = -1

        # -- volume (lots) and amount (whole CNY)
        lot = _lot_size(inst)
        mult = _multiplier(inst)
        liquidity = math.exp(1.4 * (params[1] - 0.5))  # instruments differ in liquidity
        if kind in (STOCK, HK, ETF):
            shares = inst.float_shares or inst.total_shares
            turnover = {CHINEXT: 0.025, STAR: 0.022, BJ: 0.015}.get(inst.board, 0.012)
            if kind == ETF:
                turnover = 0.03
            if kind == HK:
                turnover = 0.003
            default_shares = {STOCK: 5e8, ETF: 2e9, HK: 2e9}[kind]
            base_lots = (shares or default_shares) * turnover / lot
        else:
            base_lots = {INDEX: 3e7, CB: 3e4, FUTURE: 8e4}.get(kind, 1e4)
        base_lots *= liquidity
        ret = close / np.maximum(pcf, 1.0) - 1.0
        life = np.ones(n)
        if kind == FUTURE and inst.expire_date is not None:
            life = self._life_hump(inst, i0, i1)
        volume = np.maximum(
            np.rint(base_lots * life * np.exp(0.35 * vol_noise) * (1.0 + 6.0 * np.abs(ret))), 1
        )
        volume[one_price] = np.maximum(np.rint(volume[one_price] * 0.1), 1)
        volume[susp] = 0
        volume = np.minimum(volume, _VOLUME_MAX).astype(np.int32)

        open_interest = settle = None
        if kind == FUTURE:
            settle = np.rint((high + low + 2 * close) / 4.0).astype(np.int32)
            smooth = np.tanh(np.cumsum(rng.standard_normal(n)) * 0.05)
            open_interest = np.maximum(np.rint(base_lots * 1.5 * life * np.exp(0.2 * smooth)), 1).astype(
                np.int64
            )

        return _Daily(
            i0=i0,
            open=open_.astype(np.int32),
            high=high.astype(np.int32),
            low=low.astype(np.int32),
            close=close.astype(np.int32),
            volume=volume,
            flag=flag,
            first_pre_close=int(pc[0]),
            ex_index=ex.index,
            ex_pre_close=pc[ex.index],
            value_per_unit=float(lot * mult),
            index_share_price=8.0 + 17.0 * float(params[2]) if kind == INDEX else 0.0,
            open_interest=open_interest,
            settle=settle,
            actions=actions,
        )

    def _life_hump(self, inst: Instrument, i0: int, i1: int) -> np.ndarray:
        """Activity over a dated contract's life: low at listing, peaking mid-life, fading into expiry."""
        assert inst.expire_date is not None
        listed = self.calendar.sessions[i0]
        total = max((inst.expire_date - listed).days, 1)
        elapsed = self._day_numbers[i0:i1] - day_number(listed)
        s = np.clip((elapsed + 0.5) / (total + 1.0), 0.0, 1.0)
        return 0.05 + np.sin(np.pi * s) ** 0.8

    def _build_option(self, inst: Instrument, i0: int, i1: int) -> _Daily:
        n = i1 - i0
        rng = np.random.default_rng([self.seed & _MASK64, stable_hash(inst.code), 0])
        params = rng.random(4)
        vol_noise = rng.standard_normal(n)
        oi_noise = rng.standard_normal(n)
        tick = float(inst.price_tick)
        strike = inst.strike if inst.strike > 0 else max(inst.base_price, tick)
        spot, sigma = self._option_underlying(inst, i0, i1, strike)
        s_open, s_high, s_low, s_close, s_pre = spot
        if inst.expire_date is not None:
            days_left = day_number(inst.expire_date) - self._day_numbers[i0:i1]
            years = (np.maximum(days_left, 0) + 0.5) / 365.0
        else:
            years = np.full(n, 0.25)
        call = inst.option_type.upper() != "PUT"

        def price(s: np.ndarray) -> np.ndarray:
            value = _black_scholes(s, strike, years, sigma, call)
            return np.maximum(np.rint(value / tick), 1).astype(np.int64)

        open_, close, pre = price(s_open), price(s_close), price(s_pre)
        at_high, at_low = price(s_high), price(s_low)
        high = np.maximum.reduce([at_high, at_low, open_, close])
        low = np.minimum.reduce([at_high, at_low, open_, close])
        life = self._life_hump(inst, i0, i1) if inst.expire_date is not None else np.ones(n)
        base_lots = 8e3 * math.exp(1.4 * (params[0] - 0.5))
        volume = np.maximum(np.rint(base_lots * life * np.exp(0.4 * vol_noise)), 1).astype(np.int32)
        smooth = np.tanh(np.cumsum(oi_noise) * 0.05)
        open_interest = np.maximum(np.rint(base_lots * 2.0 * life * np.exp(0.2 * smooth)), 1).astype(np.int64)
        return _Daily(
            i0=i0,
            open=open_.astype(np.int32),
            high=high.astype(np.int32),
            low=low.astype(np.int32),
            close=close.astype(np.int32),
            volume=volume,
            flag=np.zeros(n, dtype=np.int8),
            first_pre_close=int(pre[0]),
            value_per_unit=float(_multiplier(inst)),
            open_interest=open_interest,
            settle=close.astype(np.int32),
        )

    def _option_underlying(
        self, inst: Instrument, i0: int, i1: int, strike: float
    ) -> tuple[tuple[np.ndarray, ...], float]:
        """Underlying (open, high, low, close, previous close) per option day, and an annual volatility."""
        und = self.instrument_lookup(inst.underlying) if self.instrument_lookup and inst.underlying else None
        if und is not None and und.kind != OPTION:
            rec = self._daily(und)
            lo, hi = i0 - rec.i0, i1 - rec.i0
            if lo >= 0 and hi <= len(rec):
                t = und.price_tick
                cols = [a * t for a in rec.prices(lo, hi)]
                return tuple(cols), max(0.12, und.volatility * math.sqrt(245))
        # synthetic underlying shared by all options on the same code, at the money on this option's first day
        pseudo = Instrument(
            code=(inst.underlying or inst.code) + "#underlying",
            name="",
            kind=ETF,
            board=ETF,
            market="SH",
            list_date=self.calendar.sessions[0],
            base_price=3.0,
            price_tick=0.001,
            volatility=0.013,
        )
        rec = self._daily(pseudo)
        lo, hi = i0 - rec.i0, i1 - rec.i0
        scale = strike / (float(rec.open[lo]) * 0.001)
        cols = [a * (0.001 * scale) for a in rec.prices(lo, hi)]
        return tuple(cols), 0.2

    # ------------------------------------------------------------------------------------ intraday

    def _intraday(self, inst: Instrument, day: dt.date, store: bool = True) -> _Intraday | None:
        key = (inst, day)
        cached = self._day_cache.get(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        if not self.calendar.is_trading_day(day):
            return None
        c = self.calendar.index_of(day)
        ahead = self._ahead_cache.get(inst)
        if not (isinstance(ahead, _DaysAhead) and 0 <= c - ahead.first < len(ahead.rows)):
            rec = self._daily(inst)  # the whole history: once in _DAYS_AHEAD days per instrument
            t = c - rec.i0
            if not 0 <= t < len(rec):
                return None
            ahead = rec.days_ahead(t, float(inst.price_tick))
            self._ahead_cache.put(inst, ahead)
        intraday = self._build_intraday(inst, day, ahead, c)
        if store:
            self._day_cache.put(key, intraday)
        return intraday

    def _minute_bars_of(self, inst: Instrument, day: dt.date, store: bool = True) -> Bars | None:
        key = (inst, day)
        cached = self._minute_cache.get(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        ctx = self._intraday(inst, day, store=store)
        if ctx is None:
            return None
        bars = _bars_of(ctx)
        if store:
            self._minute_cache.put(key, bars)
        return bars

    def _day_key(self, inst: Instrument, day: dt.date) -> int:
        return _mix64((self.seed & _MASK64) ^ _mix64(stable_hash(inst.code) ^ (day.toordinal() << 32)))

    def _build_intraday(self, inst: Instrument, day: dt.date, ahead: _DaysAhead, c: int) -> _Intraday:
        """The intraday data of ``day`` (calendar index ``c``) from its daily-history inputs."""
        tick, dec = float(inst.price_tick), _decimals(inst.price_tick)
        d = ahead.rows[c - ahead.first]
        day_o, day_h, day_l, day_c = (int(d[_IN_OPEN]), int(d[_IN_HIGH]), int(d[_IN_LOW]), int(d[_IN_CLOSE]))
        pc = int(d[_IN_PRE_CLOSE])
        day_v, day_a = int(d[_IN_VOLUME]), float(d[_IN_AMOUNT])
        flag = int(d[_IN_FLAG])
        m = MINUTES_PER_DAY
        suspended = flag == 1
        ca = has_closing_auction(inst, day) and not suspended
        key = self._day_key(inst, day)
        rng = np.random.default_rng([self.seed & _MASK64, stable_hash(inst.code), day.toordinal(), 1])
        if suspended:
            closes = np.full(m, pc, np.int64)
            opens, highs, lows = closes.copy(), closes.copy(), closes.copy()
            vols = np.zeros(m, np.int64)
            amts = np.zeros(m)
        else:
            opens, highs, lows, closes, vols, amts = _minute_bars(
                rng,
                (day_o, day_h, day_l, day_c),
                day_v,
                day_a,
                value_per_tick=ahead.value_per_unit * tick,
                closing_auction=ca,
                amount_at_prices=ahead.amount_at_prices,
                key=key,
            )
        oi = np.zeros(m, np.int64)
        settle = pre_settle = pre_oi = 0
        derivative = ahead.derivative
        if derivative:
            day_oi, pre_oi = int(d[_IN_OI]), int(d[_IN_PRE_OI])
            frac = np.linspace(0.0, 1.0, m)
            wobble = np.rint(rng.standard_normal(m) * max(abs(day_oi - pre_oi), day_oi * 0.01) * 0.1)
            oi = np.maximum(np.rint(pre_oi + (day_oi - pre_oi) * frac) + wobble, 1).astype(np.int64)
            oi[-1] = day_oi
            settle, pre_settle = int(d[_IN_SETTLE]), int(d[_IN_PRE_SETTLE])
        lot_per_trade = 4.0 + 26.0 * float(_hash_uniform(stable_hash(inst.code), np.array([0]), 50)[0])
        trades = np.ceil(vols / lot_per_trade).astype(np.int64)
        pcts = self._limit_pcts(inst, np.array([day_number(day)]))
        if pcts[0] > 0:
            down_a, up_a = _limit_ticks(np.array([pc]), int(pcts[0]))
            down, up = int(down_a[0]), int(up_a[0])
        else:
            down, up = 1, _NO_LIMIT
        pe_eps = 0.0
        if inst.kind == STOCK:
            pe_eps = inst.base_price / (
                8.0 + 52.0 * float(_hash_uniform(stable_hash(inst.code), np.array([0]), 60)[0])
            )

        table = np.empty((m, 13), np.int64)
        table[:, _O], table[:, _H], table[:, _L], table[:, _C] = opens, highs, lows, closes
        table[:, _VOL], table[:, _TRADES] = vols, trades
        table[:, _CUM_VOL] = np.cumsum(vols) - vols
        table[:, _CUM_TRADES] = np.cumsum(trades) - trades
        table[:, _HIGH_BEFORE] = _shifted(np.maximum.accumulate(highs), highs[0])
        table[:, _LOW_BEFORE] = _shifted(np.minimum.accumulate(lows), lows[0])
        table[:, _OI], table[:, _OI_PREV] = oi, _shifted(oi, pre_oi)
        table[:, _C5] = closes[np.maximum(np.arange(m) - 5, 0)]
        if np.abs(table).max() > _INT32_MAX:  # prices, volumes and open interest fit easily
            raise OverflowError(f"{inst.code} {day}: 1m data beyond int32")
        money = np.empty((m, 2))
        money[:, _AMT] = amts
        money[:, _CUM_AMT] = _shifted(np.cumsum(amts), 0.0)
        ints = np.array(
            [
                key - (1 << 64) if key >= 1 << 63 else key,  # the uint64 key's bits
                day_start_ms(day),
                suspended,
                ca,
                day_o,
                pc,
                down,
                up,
                day_v,
                int(highs.max() - lows.min()),
                pre_oi,
                inst.kind != INDEX,  # indices have no book
                _is_derivative(inst),
                inst.kind == STOCK,
                _lot_size(inst),
                dec,
            ],
            np.int64,
        )
        floats = np.array(
            [
                tick,
                pe_eps,
                round(pc * tick, dec),
                round(pre_settle * tick, dec) if _is_derivative(inst) else 0.0,
                round(settle * tick, dec) if derivative else 0.0,
            ]
        )
        table = table.astype(np.int32)
        for arr in (table, money, ints, floats):
            arr.flags.writeable = False
        return _Intraday(
            inst=inst,
            day=day,
            key=key,
            flag=flag,
            avg_minute_volume=float(d[_IN_AVG_MINUTE_VOLUME]),
            table=table,
            money=money,
            ints=ints,
            floats=floats,
        )


# ----------------------------------------------------------------------------------------------- ticks


def _bars_of(ctx: _Intraday) -> Bars:
    """The day's 1m K-line bars (float prices) from its packed minutes."""
    inst = ctx.inst
    tick, dec = float(inst.price_tick), _decimals(inst.price_tick)
    t = ctx.table
    closes = t[:, _C].astype(np.int64)
    settle = np.zeros(MINUTES_PER_DAY)
    settle[-1] = ctx.floats[_SETTLE]
    bars = Bars(
        {
            "time": int(ctx.ints[_BASE_MS]) + MINUTE_OF_DAY * MINUTE_MS,
            "open": _to_price(t[:, _O], tick, dec),
            "high": _to_price(t[:, _H], tick, dec),
            "low": _to_price(t[:, _L], tick, dec),
            "close": _to_price(closes, tick, dec),
            "volume": t[:, _VOL].astype(np.int64),
            "amount": ctx.money[:, _AMT].copy(),
            "settelementPrice": settle,
            "openInterest": t[:, _OI].astype(np.int64),
            "preClose": _to_price(_shifted(closes, ctx.ints[_PRE_CLOSE]), tick, dec),
            "suspendFlag": np.full(MINUTES_PER_DAY, ctx.flag, np.int64),
        }
    )
    return bars.readonly()


def _minute_of_tick(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(1m bar j, tick k = 1..20 inside it) of each tick index; (0, 0) up to 09:30:00.

    13:00:00 repeats the 11:30:00 state.
    """
    cont = idx > _CONTINUOUS_TICK
    pos = np.where(idx >= _RESUME_TICK, idx - _RESUME_TICK + 2400, idx - _CONTINUOUS_TICK)
    pos = np.where(idx == _RESUME_TICK, 2400, pos)
    j = np.where(cont, (pos - 1) // 20 + 1, 0)
    k = np.where(cont, (pos - 1) % 20 + 1, 0)
    return j, k


def _tick_fields(
    ints: np.ndarray,
    floats: np.ndarray,
    minute: np.ndarray,
    money: np.ndarray,
    idx: np.ndarray,
    j: np.ndarray,
    k: np.ndarray,
    day_key: int | None = None,
) -> dict[str, np.ndarray]:
    """Every tick field of rows: instrument-day constants (``ints``, ``floats``), the packed 1m bar ``j``
    of the row's day (``minute``, int64; ``money``) and the tick index ``idx`` (0 = 09:15:00 ... 5101 =
    15:00:00) with its place (``j``, ``k``) from :func:`_minute_of_tick`.

    With ``day_key`` every row belongs to that one instrument-day (a day's ticks), and each minute's
    price path is computed once; otherwise each row is its own instrument-day (snapshots).
    """
    n = len(idx)
    keys = ints[:, _KEY].astype(np.uint64)

    def key_of(rows: np.ndarray) -> int | np.ndarray:
        return day_key if day_key is not None else keys[rows]

    suspended = ints[:, _SUSPENDED] != 0
    pre_close = ints[:, _PRE_CLOSE]
    day_open = ints[:, _DAY_OPEN]
    last = np.empty(n, np.int64)
    open_ = np.zeros(n, np.int64)
    high = np.zeros(n, np.int64)
    low = np.zeros(n, np.int64)
    volume = np.zeros(n, np.int64)
    amount = np.zeros(n, np.float64)
    trades = np.zeros(n, np.int64)
    oi = ints[:, _PRE_OI].copy()
    phase = np.full(n, PHASE_CONTINUOUS, np.int64)
    detail = np.full(n, STATUS_CONTINUOUS, np.int64)

    last[suspended] = open_[suspended] = high[suspended] = low[suspended] = pre_close[suspended]
    phase[suspended] = PHASE_SUSPENDED
    detail[suspended] = STATUS_HALTED
    live = ~suspended
    pre_open = live & (idx < _AUCTION_OPEN_TICK)
    opened = live & (idx >= _AUCTION_OPEN_TICK) & (idx <= _CONTINUOUS_TICK)
    cont = live & (idx > _CONTINUOUS_TICK)
    if pre_open.any():  # the opening call auction's indicative price
        rows = np.flatnonzero(pre_open)
        frac = idx[rows].astype(np.float64) / _AUCTION_OPEN_TICK
        pc, do = pre_close[rows], day_open[rows]
        amp = np.maximum(1.0, 0.5 * np.abs(do - pc) + 0.1 * ints[rows, _DAY_RANGE])
        noise = _hash_normal(key_of(rows), idx[rows], 20) * amp * 2.0 * np.sqrt(frac * (1.0 - frac))
        indicative = np.rint(pc + (do - pc) * frac + noise)
        last[rows] = np.clip(indicative, ints[rows, _DOWN], ints[rows, _UP]).astype(np.int64)
    if opened.any():
        last[opened] = open_[opened] = high[opened] = low[opened] = day_open[opened]
        volume[opened] = minute[opened, _VOL]
        amount[opened] = money[opened, _AMT]
        trades[opened] = minute[opened, _TRADES]
        oi[opened] = minute[opened, _OI]
    if cont.any():
        rows = np.flatnonzero(cont)
        js = j[rows]
        if day_key is not None:  # one path per minute of the day
            _, first, inverse = np.unique(js, return_index=True, return_inverse=True)
        else:
            first = inverse = np.arange(len(rows))
        bar = minute[rows[first]]
        path, fracs = _tick_paths(
            key_of(rows[first]),
            js[first],
            bar[:, _O],
            bar[:, _H],
            bar[:, _L],
            bar[:, _C],
            (ints[rows[first], _AUCTION_CLOSE] != 0) & (js[first] == 240),
        )
        col = k[rows] - 1
        run_high = np.maximum.accumulate(path, axis=1)[inverse, col]
        run_low = np.minimum.accumulate(path, axis=1)[inverse, col]
        f = fracs[inverse, col]
        mine = minute[rows]
        last[rows] = path[inverse, col]
        open_[rows] = day_open[rows]
        high[rows] = np.maximum(mine[:, _HIGH_BEFORE], run_high)
        low[rows] = np.minimum(mine[:, _LOW_BEFORE], run_low)
        volume[rows] = mine[:, _CUM_VOL] + np.floor(mine[:, _VOL] * f).astype(np.int64)
        amount[rows] = money[rows, _CUM_AMT] + np.floor(money[rows, _AMT] * f)
        trades[rows] = mine[:, _CUM_TRADES] + np.floor(mine[:, _TRADES] * f).astype(np.int64)
        prev_oi = mine[:, _OI_PREV]
        oi[rows] = prev_oi + np.rint((mine[:, _OI] - prev_oi) * f).astype(np.int64)
    auction = live & (idx < _CONTINUOUS_TICK)
    phase[auction] = PHASE_AUCTION
    detail[auction] = STATUS_AUCTION
    closing = live & (ints[:, _AUCTION_CLOSE] != 0) & (idx > _CLOSING_AUCTION_TICK) & (idx < _LAST_TICK)
    phase[closing] = PHASE_CLOSING_AUCTION
    detail[closing] = STATUS_CLOSING_AUCTION
    noon = live & (idx == _NOON_TICK)
    phase[noon] = PHASE_CLOSED
    detail[noon] = STATUS_BREAK
    at_close = idx == _LAST_TICK
    phase[at_close] = np.where(suspended[at_close], PHASE_SUSPENDED, PHASE_CLOSED)
    detail[at_close] = np.where(suspended[at_close], STATUS_HALTED, STATUS_CLOSED)

    shape = (n, BOOK_LEVELS)
    ask_p, bid_p = np.zeros(shape, np.int64), np.zeros(shape, np.int64)
    ask_v, bid_v = np.zeros(shape, np.int64), np.zeros(shape, np.int64)
    book = live & (ints[:, _BOOK] != 0)
    if book.any():
        rows = np.flatnonzero(book)
        ask_p[rows], bid_p[rows], ask_v[rows], bid_v[rows] = _books(
            key_of(rows), idx[rows], last[rows], ints[rows, _DOWN], ints[rows, _UP], ints[rows, _DAY_VOLUME]
        )

    price = _pricer(floats[:, _TICK], ints[:, _DECIMALS])
    derivative = ints[:, _DERIVATIVE] != 0
    stock = ints[:, _STOCK] != 0
    pe = np.zeros(n)
    if stock.any():
        tick = floats[stock, _TICK]
        pe[stock] = np.round(last[stock] * tick / np.maximum(floats[stock, _PE_EPS], 1e-6), 2)
    return {
        "time": ints[:, _BASE_MS] + TICK_SECONDS[idx] * 1000,
        "lastPrice": price(last),
        "open": price(open_),
        "high": price(high),
        "low": price(low),
        "lastClose": floats[:, _LAST_CLOSE].copy(),
        "amount": amount,
        "volume": volume,
        "pvolume": volume * ints[:, _LOT],
        "stockStatus": phase,
        "openInt": np.where(derivative, oi, detail),
        "transactionNum": trades,
        "lastSettlementPrice": floats[:, _PRE_SETTLE].copy(),
        "settlementPrice": np.where(at_close, floats[:, _SETTLE], 0.0),
        "pe": pe,
        "askPrice": np.where(ask_v > 0, price(ask_p), 0.0),
        "bidPrice": np.where(bid_v > 0, price(bid_p), 0.0),
        "askVol": ask_v,
        "bidVol": bid_v,
    }


def _pricer(ticks: np.ndarray, decimals: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Ticks -> rounded prices for rows with their own tick sizes (one rounding per tick size)."""
    if len(ticks) == 0 or (ticks == ticks[0]).all():
        tick, dec = (float(ticks[0]), int(decimals[0])) if len(ticks) else (0.01, 2)
        return lambda a: _to_price(a, tick, dec)
    sizes, inverse = np.unique(ticks, return_inverse=True)
    masks = [inverse == g for g in range(len(sizes))]
    groups = [
        (rows, float(t), int(decimals[int(np.argmax(rows))])) for rows, t in zip(masks, sizes, strict=True)
    ]

    def price(a: np.ndarray) -> np.ndarray:
        out = np.empty(a.shape)
        for rows, tick, dec in groups:
            out[rows] = _to_price(a[rows], tick, dec)
        return out

    return price


def _tick_paths(
    key: int | np.ndarray,
    js: np.ndarray,
    o: np.ndarray,
    h: np.ndarray,
    lo: np.ndarray,
    c: np.ndarray,
    auction: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """lastPrice path (ticks) and cumulative volume fraction of the 20 ticks of minute ``js`` of each row.

    A row is one minute of one instrument-day: its day key (one for all rows, or uint64 per row), minute
    number and bar (open, high, low, close in ticks). The path runs open -> one extreme -> the other ->
    close with a one-tick jitter; ``auction`` rows (a closing call auction's 15:00 bar) stay at the open
    and jump to the close on the last tick, which carries all their volume.
    """
    kk = np.arange(1, 21, dtype=np.float64)[None, :]
    o, h, lo, c = (np.asarray(a)[:, None].astype(np.float64) for a in (o, h, lo, c))
    per_minute = _hash_uniforms(key, js, (10, 11, 12))
    pa = 1 + np.floor(per_minute[0] * 19)
    pb = 1 + np.floor(per_minute[1] * 19)
    pb = np.where(pb == pa, pa % 19 + 1, pb)
    p1 = np.minimum(pa, pb)[:, None]
    p2 = np.maximum(pa, pb)[:, None]
    high_first = (per_minute[2] < 0.5)[:, None]
    v1 = np.where(high_first, h, lo)
    v2 = np.where(high_first, lo, h)
    seg1 = o + (v1 - o) * kk / p1
    seg2 = v1 + (v2 - v1) * (kk - p1) / (p2 - p1)
    seg3 = v2 + (c - v2) * (kk - p2) / (20.0 - p2)
    path = np.rint(np.where(kk <= p1, seg1, np.where(kk <= p2, seg2, seg3)))
    tick_ids = js[:, None] * 32 + np.arange(1, 21)[None, :]
    per_tick = _hash_uniforms(key, tick_ids, (13, 14))
    u = per_tick[0]
    jittered = np.minimum(np.maximum(path + (u > 0.85) - (u < 0.15), lo), h).astype(np.int64)  # 30%: +-1
    rows = np.arange(len(path))
    anchors = (p1[:, 0].astype(np.int64) - 1, p2[:, 0].astype(np.int64) - 1, 19)  # the extremes, the close
    for anchor in anchors:
        jittered[rows, anchor] = path[rows, anchor]
    path = jittered
    weights = per_tick[1] ** 2 + 0.02
    frac = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    frac[:, -1] = 1.0
    if auction.any():
        path[auction, :-1] = o[auction]
        path[auction, -1] = c[auction, 0]
        frac[auction, :-1] = 0.0
    return path, frac


def _books(
    key: int | np.ndarray,
    idx: np.ndarray,
    last: np.ndarray,
    down: np.ndarray,
    up: np.ndarray,
    day_volume: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """5-level books around ``last`` (ticks) per row: ask1 > bid1, asks ascending, bids descending, lots > 0;
    levels beyond the price limits (``down``, ``up``) are empty (zeros)."""
    n = len(idx)
    u = _hash_uniforms(key, idx, (30, 31, 32, 33, 34, 35, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49))
    lastf = last.astype(np.float64)
    at_up = last >= up
    at_down = last <= down
    on_bid = ((u[0] < 0.5) | at_up) & ~(at_down & ~at_up)
    spread = 1 + np.floor(u[1] * np.maximum(1.0, lastf * 0.0003)).astype(np.int64)
    bid1 = np.where(on_bid, last, last - spread)
    ask1 = np.where(on_bid, last + spread, last)
    gap_max = np.maximum(1.0, lastf * 0.0002)[:, None]
    gaps = 1 + np.floor(u[2:6].T * gap_max).astype(np.int64)
    offsets = np.c_[np.zeros(n, np.int64), np.cumsum(gaps, axis=1)]
    asks = ask1[:, None] + offsets
    bids = bid1[:, None] - offsets
    size = np.maximum(1.0, day_volume / 240.0 * 0.3)[:, None]
    ask_v = 1 + np.floor(size * -np.log(1.0 - np.ascontiguousarray(u[6:11].T))).astype(np.int64)
    bid_v = 1 + np.floor(size * -np.log(1.0 - np.ascontiguousarray(u[11:16].T))).astype(np.int64)
    bid_v[at_up, 0] *= 30
    ask_v[at_down & ~at_up, 0] *= 30
    ask_ok = asks <= up[:, None]
    bid_ok = bids >= np.maximum(down, 1)[:, None]
    return (
        np.where(ask_ok, asks, 0),
        np.where(bid_ok, bids, 0),
        np.where(ask_ok, ask_v, 0),
        np.where(bid_ok, bid_v, 0),
    )


def _snapshot_dicts(ctxs: Sequence[_Intraday], idx: np.ndarray) -> list[dict]:
    """get_full_tick dicts of instrument-days ``ctxs`` at their tick indices ``idx`` (one pass for all)."""
    n = len(ctxs)
    j, k = _minute_of_tick(idx)
    rows = j.tolist()

    def stacked(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts).reshape(n, -1)

    minute = stacked([c.table[r] for c, r in zip(ctxs, rows, strict=True)]).astype(np.int64)
    money = stacked([c.money[r] for c, r in zip(ctxs, rows, strict=True)])
    state = _tick_fields(
        stacked([c.ints for c in ctxs]), stacked([c.floats for c in ctxs]), minute, money, idx, j, k
    )
    values = zip(*(state[f].tolist() for f in TICK_FIELDS), strict=True)
    lasts, volumes = state["lastPrice"].tolist(), state["volume"].tolist()
    opens, back5 = minute[:, _O].tolist(), minute[:, _C5].tolist()
    timetags: dict[int, str] = {}
    out = []
    for r, (ctx, index) in enumerate(zip(ctxs, idx.tolist(), strict=True)):
        snap = dict(zip(TICK_FIELDS, next(values), strict=True))
        ms = snap["time"]
        tag = timetags.get(ms)
        if tag is None:
            moment = dt.datetime.fromtimestamp(ms / 1000, CST)
            tag = timetags[ms] = moment.strftime("%Y%m%d %H:%M:%S") + ".000"
        snap["timetag"] = tag
        if index <= _CONTINUOUS_TICK or ctx.suspended:
            snap.update(volRatio=0.0, speed1Min=0.0, speed5Min=0.0)
        else:
            # volRatio: volume vs the 5-day average pace; speeds: percent change over 1 and 5 minutes
            elapsed = max(rows[r], 1)
            avg = ctx.avg_minute_volume
            tick = float(ctx.inst.price_tick)
            ref1 = float(opens[r]) * tick  # the previous minute's close
            ref5 = float(back5[r]) * tick
            last = lasts[r]
            snap.update(
                volRatio=round(volumes[r] / (avg * elapsed), 4) if avg > 0 else 0.0,
                speed1Min=round((last / ref1 - 1.0) * 100.0, 4) if ref1 > 0 else 0.0,
                speed5Min=round((last / ref5 - 1.0) * 100.0, 4) if ref5 > 0 else 0.0,
            )
        out.append(snap)
    return out


def _empty_ticks() -> Bars:
    columns: dict[str, np.ndarray] = {}
    for name in TICK_FIELDS:
        if name in ("askPrice", "bidPrice"):
            columns[name] = np.zeros((0, BOOK_LEVELS))
        elif name in ("askVol", "bidVol"):
            columns[name] = np.zeros((0, BOOK_LEVELS), np.int64)
        elif name in ("time", "volume", "pvolume", "stockStatus", "openInt", "transactionNum"):
            columns[name] = np.zeros(0, np.int64)
        else:
            columns[name] = np.zeros(0)
    return Bars(columns)


def _u_shape() -> np.ndarray:
    i = np.arange(1, 241, dtype=np.float64)
    afternoon = i > 120
    shape = 1.0 + 2.5 * np.exp(-(i - 1) / 12.0) + 1.2 * np.exp(-(240 - i) / 15.0)
    shape += np.where(afternoon, 0.6 * np.exp(-(i - 121) / 10.0), 0.0)
    return shape


_U_SHAPE = _u_shape()


def _minute_bars(
    rng: np.random.Generator,
    day: tuple[int, int, int, int],
    day_v: int,
    day_a: float,
    *,
    value_per_tick: float,
    closing_auction: bool,
    amount_at_prices: bool,
    key: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """open, high, low, close (ticks), volume and amount of the 241 1m bars of a trading day.

    ``day`` is the day's (open, high, low, close) in ticks; the bars aggregate exactly to it and to
    ``day_v`` / ``day_a``. The close path is a Brownian bridge from the open to the close inside the day's
    range, lifted or lowered in mid-session (a bump that vanishes at both ends) until the volume-weighted
    mean of the minutes' typical prices is the day's VWAP (``day_a`` / volume / ``value_per_tick``). Each
    minute's amount is then its volume traded at the prices of its 3-second ticks (:func:`_tick_paths`,
    as the ticks and Level-2 trades show them), moved by one common fraction of the distance to each
    minute's high (or low) to add up to the day; where even the highs (lows) cannot reach the day's VWAP,
    the wicks of the traded minutes grow first. So every minute's VWAP lies in its [low, high] (the
    auction bars trade at their one price), and the rounding to whole yuan keeps the sum exact. With
    ``amount_at_prices`` false (indices, whose amount is the constituents' turnover) the day's amount is
    split in proportion to volume x typical price and the path is not conditioned.

    Every continuous minute trades at least one lot when the day has two lots a minute or more; on thinner
    days the minutes without volume are flat at the previous close.
    """
    m = MINUTES_PER_DAY
    day_o, day_h, day_l, day_c = day
    ca = closing_auction
    end = 237 if ca else 240  # last minute of the bridge (before the closing auction)
    # -- random draws, always in this order (the open-interest path of derivatives continues the stream)
    target = day_c
    if ca:
        noise = round(rng.standard_normal() * max(1.0, (day_h - day_l) * 0.05))
        target = int(np.clip(day_c + noise, day_l, day_h))
    steps = np.cumsum(rng.standard_normal(end))
    wick = max(day_h - day_l, 1) * 0.06
    up_noise = np.floor(np.abs(rng.standard_normal(m)) * wick).astype(np.int64)
    down_noise = np.floor(np.abs(rng.standard_normal(m)) * wick).astype(np.int64)
    u_auction, u_close = rng.random(2)
    # -- volumes: auction share, U-shaped continuous profile, closing-auction share
    v_auction = int(day_v * (0.005 + 0.025 * u_auction))
    v_close = int(day_v * (0.02 + 0.05 * u_close)) if ca else 0
    if v_auction == 0 and day_v >= 2:  # an opening auction with trades (the day's open is a trade)
        v_auction = 1
    if ca and v_close == 0 and day_v - v_auction >= 2:
        v_close = 1
    if ca and v_close == 0:  # no closing-auction trade: the continuous session ends at the close
        target = day_c
    weights = _U_SHAPE[:end] * rng.gamma(2.0, 0.5, end)
    vols = np.zeros(m, np.int64)
    vols[0] = v_auction
    vols[1 : end + 1] = rng.multinomial(day_v - v_auction - v_close, weights / weights.sum())
    if ca:
        vols[240] = v_close
    cont_v = vols[1 : end + 1]  # a view
    idle = cont_v == 0
    if idle.any() and cont_v.sum() >= 2 * end:
        # liquid enough for a trade every minute: one lot each from the busiest minutes
        order = np.argsort(-cont_v, kind="stable")
        spare = np.maximum(cont_v[order] - 1, 0)
        taken = np.clip(int(idle.sum()) - (np.cumsum(spare) - spare), 0, spare)
        cont_v[order] -= taken
        cont_v[idle] = 1
    traded = vols > 0
    traded[0] = True  # the auction bar anchors the day's open either way
    candidates = np.flatnonzero(traded[1 : end + 1]) + 1  # continuous minutes with trades
    thin = len(candidates) < end
    carry = np.maximum.accumulate(np.where(traded[: end + 1], np.arange(end + 1), 0)) if thin else None
    flat = ~traded
    if ca:
        flat[238:240] = False  # 14:58 and 14:59 are flat by construction below

    i = np.arange(1, end + 1, dtype=np.float64)
    bridge = steps - i / end * steps[-1]
    sigma = (day_h - day_l) / (1.5 * math.sqrt(end))
    drift = day_o + (target - day_o) * i / end + sigma * bridge
    bump = np.minimum(1.0, 3.0 * np.sin(np.pi * i / end))

    def shape(b: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        path = np.clip(np.rint(drift + b * bump) if b else np.rint(drift), day_l, day_h).astype(np.int64)
        path[-1] = target
        closes = np.empty(m, np.int64)
        closes[0] = day_o
        closes[1 : end + 1] = path
        if carry is not None:  # minutes without trades keep the previous close
            closes[candidates[-1]] = target
            closes[: end + 1] = closes[carry]
        if ca:
            closes[238:240] = closes[237]
            closes[240] = day_c
        opens = _shifted(closes, day_o)
        highs = np.minimum(np.maximum(opens, closes) + up_noise, day_h)
        lows = np.maximum(np.minimum(opens, closes) - down_noise, day_l)
        highs[0] = lows[0] = day_o
        if ca:
            highs[238:] = np.maximum(opens[238:], closes[238:])
            lows[238:] = np.minimum(opens[238:], closes[238:])
        if carry is not None:
            highs[flat] = lows[flat] = closes[flat]
        if highs.max() < day_h:
            highs[candidates[int(np.argmax(closes[candidates]))]] = day_h
        if lows.min() > day_l:
            lows[candidates[int(np.argmin(closes[candidates]))]] = day_l
        return opens, highs, lows, closes

    opens, highs, lows, closes = shape(0.0)
    if not amount_at_prices:
        typical = (opens + highs + lows + closes) / 4.0
        return opens, highs, lows, closes, vols, _split_integer(day_a, vols * typical)

    v = vols.astype(np.float64)
    cont = slice(1, end + 1)
    fixed = v[0] * day_o + (v[240] * day_c if ca else 0.0)  # auction bars trade at one price
    goal = day_a / value_per_tick - fixed  # continuous minutes' sum of volume x price, in lot-ticks

    def weighted(o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray) -> float:
        return float(v[cont] @ ((o[cont] + h[cont] + lo[cont] + c[cont]) / 4.0))

    # -- condition the path on the day's VWAP (secant steps on the bump's height)
    if day_h > day_l:
        slope0 = float(v[cont] @ bump)
        tolerance = float(v[cont].sum()) * max(0.5, (day_h - day_l) * 0.003)
        b, f = 0.0, weighted(opens, highs, lows, closes)
        slope = slope0
        for _ in range(10):
            if abs(goal - f) <= tolerance or slope0 <= 0:
                break
            b_next = b + (goal - f) / slope
            bars = shape(b_next)
            f_next = weighted(*bars)
            if f_next != f:
                slope = max((f_next - f) / (b_next - b), 0.05 * slope0)
            b, f = b_next, f_next
            opens, highs, lows, closes = bars

    # -- each minute's price inside its range; wider wicks when the path alone cannot reach the VWAP
    vc = v[cont]
    if goal > float(vc @ highs[cont]):
        room = vc * (day_h - highs[cont])
        alpha = min((goal - float(vc @ highs[cont])) / max(float(room.sum()), 1e-12), 1.0)
        raised = np.minimum(np.ceil(highs[cont] + alpha * (day_h - highs[cont])), day_h)
        highs[cont] = np.where(vc > 0, raised, highs[cont])
    elif goal < float(vc @ lows[cont]):
        room = vc * (lows[cont] - day_l)
        alpha = min((float(vc @ lows[cont]) - goal) / max(float(room.sum()), 1e-12), 1.0)
        lowered = np.maximum(np.floor(lows[cont] - alpha * (lows[cont] - day_l)), day_l)
        lows[cont] = np.where(vc > 0, lowered, lows[cont])
    # each minute's volume traded along its 3-second path (as the ticks and Level-2 trades show it), then
    # the day's remainder shared by all minutes as one fraction of their distance to their high (or low)
    js = np.arange(1, end + 1)
    path, frac = _tick_paths(key, js, opens[cont], highs[cont], lows[cont], closes[cont], np.zeros(end, bool))
    traded_by_tick = np.diff(np.floor(vc[:, None] * frac), axis=1, prepend=0.0)
    along = (traded_by_tick * path).sum(axis=1) / np.maximum(vc, 1.0)
    base = float(vc @ along)
    edge = highs[cont] if goal >= base else lows[cont]
    room = float(vc @ (edge - along))
    theta = min((goal - base) / room, 1.0) if room != 0 else 0.0
    price = np.zeros(m)
    price[0] = day_o
    price[cont] = along + theta * (edge - along)
    if ca:
        price[240] = day_c
    amts = _split_integer(day_a, v * price * value_per_tick)
    return opens, highs, lows, closes, vols, amts
