"""How the simulator builds an instrument's daily history (:class:`DailyHistory`, the part of
:class:`~.prices.PriceEngine` that walks): deterministic daily bars of every instrument, random walks on the
tick grid with price limits, suspensions and corporate actions; options priced off their underlying.

Everything is a pure function of ``(seed, instrument, day)`` (and of the index an ETF or index future tracks,
or, for A-shares, of the market index, themselves pure functions of the seed): the daily walk draws from a
numpy generator seeded with ``[seed, crc32(code), 0]``. Prices are integers on the instrument's tick grid
internally and rounded floats on output.

Model (simplifications documented here, not hidden; intraday data is described in ``intraday``):

- Daily: an Ornstein-Uhlenbeck log walk (fat-tailed shocks, weak pull towards ``base_price``) rounded to
  the tick grid and corrected day by day against the price limits of the previous close (the limit rules
  are in ``rules``). About 2% of stock days close at a limit (some as one-price "一字" days).
- A-shares co-move with the market: a stock's daily shock is beta x the daily log return of
  :data:`MARKET_INDEX` (沪深300's closes, computed once per engine) plus an idiosyncratic part whose volatility
  is reduced so that the two add up to the stock's ``volatility`` (the idiosyncratic part keeps at least 40%
  of it, so a low-volatility stock with a high beta is a little more volatile than before). Betas are uniform
  in :data:`BETA_RANGE` (0.8-1.6) from ``(seed, code)`` without touching the walk's random stream (limit
  days, suspensions and corporate actions are the same as without the factor). The forced limit-hit days
  are independent of the market and make up about a third of a large cap's variance, so betas centred above
  1 are what gives large caps a realistic average pairwise correlation (~0.35-0.45) and constituents a ~0.55
  correlation with the index. Other kinds (HK stocks, ETFs, CBs, futures) walk independently.
- Main indices (``names.INDEX_PATHS``: 沪深300, 上证指数, 深证成指, 创业板指, ...) walk around a rough path of
  their real history instead of a constant level (deviations pulled back with a ~35-day half-life), so
  every year's level is plausible (沪深300 ~1000 in 2005, ~3000-5000 since 2024); 399300.SZ is 000300.SH.
- Well-known stocks (``known_paths.KNOWN_PATHS``: their real raw year-end closes, log-linear in between,
  flat after 2025) walk around that path the same way, pulled back with a ~8-day half-life so that every
  year end is within ~+-30% of the real close. Their daily shock keeps beta x the market's deviation from
  its own path (the stock's path already holds the market's real moves), their forced limit days are a
  quarter of other stocks', and their corporate actions are cash dividends only (random bonus shares would
  move the raw price off the path). ``base_price`` is the path's level on the first day (the 2004 close,
  or the issue price).
- Index ETFs (``names.INDEX_ETFS``) are their index x a price per point (510300 ~ 沪深300 / 1000) with a small
  tracking error (~0.2%); CFFEX index futures (``universe.INDEX_FUTURES``) are their index x exp(basis),
  the basis (the product's mean annualised basis, discounts for IC/IM, plus a product-wide deviation)
  growing with the time to expiry but within ~2.5%, and 0 on the expiry day, which settles at the index's
  close. Their bars keep their own limits and tick grid; other futures are independent walks.
- Continuous futures contracts (``IF00.IF``, 主连) are spliced from the main contracts of the universe's
  days (``continuous``): a day's bar, intraday data and snapshot are its main contract's, a roll day's
  preClose the new contract's own. An engine without ``universe_lookup`` walks them on their own.
- Dated futures' volume and open interest follow the main-contract roll of ``Universe.main_contract``: the
  main contract has weight 1, the others at most 0.75 (open interest noise is within +-10%), so the main
  contract always holds the most open interest.
- Suspensions: stocks only, ~0.3% of days, sometimes multi-day runs; suspendFlag 1 on suspended days (flat
  at preClose, no volume) and -1 on the day trading resumes.
- Corporate actions: stocks only; most pay a cash dividend once a year (ex-date May 10 - Aug 31, yield
  0.5-3%), ~10% of years add bonus/transfer shares, rights issues are rare; stocks listed before mid-2005
  may carry a split-share-reform (``gugai``) action in 2005-09..2006-04. On an ex-date preClose is the
  ex-rights reference price rounded half-up to the tick and the walk continues from there.
- Futures and options have ``openInterest`` and a daily settlement price; every other kind reports 0 for
  both. Options are priced with Black-Scholes on the underlying's daily prices (pass ``instrument_lookup`` to use the real underlying; otherwise a synthetic
  underlying that is at the money on the option's first day).
- Volume: a base (an A-share's float x its turnover rate: 1.2% a day on main boards, 2.5% ChiNext, 2.2%
  STAR, 1.5% Beijing, x a liquidity in exp(+-0.7) from (seed, code); a well-known stock's real typical
  rate, 0.1% for the big banks to ~3% for 寒武纪) x exp(0.35 x noise) x (1 + 6|return|); A-shares' also x
  a market-wide activity (an AR(1) of log sd 0.2 from the seed), so the whole market trades more on some
  days. One-price limit days trade a tenth, suspended days nothing.
- The turnover of the main indices with members (``index_turnover.INDEX_MEMBERS``: 上证指数 = 上证A股,
  沪深300, 上证50/180, 中证500/1000, 科创50, 创业板指, and 深证成指 = the Shenzhen stocks of 沪深300 and 中证500)
  is the sum over their members (``sectors``) of their expected volume and amount (``index_turnover``): base lots x the expected price level a walk
  reaches (base price, beta x the market factor, the drift of limit days and corporate actions; a
  well-known stock's path) x the day's mean volume factor. No member is walked (a first request costs
  ~0.1 s for the whole market's stock list, not 2,300 walks); the sums stay within a few percent of the
  walked members' on average and within ~15% on single days. 中小100 and 北证50 keep lots of a level of their
  own (3e7 x a liquidity) x an average share price.
- Units: volume in lots of 100 for stocks, ETFs and indices, lots of 10 for convertible bonds, contracts
  for futures and options, shares for HK. ``amount`` is CNY to the cent: on the day volume x lot x typical
  price (O+H+L+C)/4 (x multiplier for derivatives) rounded to the cent, computed from the daily bar alone
  (daily history never builds intraday data), so the day's VWAP lies in its [low, high]. Indices' amount is
  their members' turnover in whole CNY.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from qmt_bridge.sim.market.bars import (
    Bars,
    day_number,
)
from qmt_bridge.sim.market.calendar import nth_weekday
from qmt_bridge.sim.market.corporate import CorporateAction
from qmt_bridge.sim.market.hashing import MASK64, mix64, stable_hash
from qmt_bridge.sim.market.index_turnover import INDEX_MEMBERS, TURNOVER_CACHE, Population, member_sums
from qmt_bridge.sim.market.instruments import (
    BJ,
    CB,
    CHINEXT,
    ETF,
    FUTURE,
    HK,
    INDEX,
    OPTION,
    REPO,
    STAR,
    STOCK,
    Instrument,
)
from qmt_bridge.sim.market.intraday import (
    DAYS_AHEAD,
    IN_AMOUNT,
    IN_AVG_MINUTE_VOLUME,
    IN_CLOSE,
    IN_FLAG,
    IN_HIGH,
    IN_LOW,
    IN_OI,
    IN_OPEN,
    IN_PRE_CLOSE,
    IN_PRE_OI,
    IN_PRE_SETTLE,
    IN_SETTLE,
    IN_VOLUME,
    DaysAhead,
)
from qmt_bridge.sim.market.known_paths import KNOWN_PATHS
from qmt_bridge.sim.market.names import (
    INDEX_ALIASES,
    INDEX_ETFS,
    INDEX_PATHS,
)
from qmt_bridge.sim.market.repo_rates import repo_daily
from qmt_bridge.sim.market.rules import (
    NO_LIMIT,
    limit_bounds,
    limit_pcts,
    limit_ticks,
    lot_size,
    multiplier,
    price_decimals,
    to_price,
)
from qmt_bridge.sim.market.universe import (
    INDEX_FUTURES,
    index_instrument,
    main_contract_span,
    trading_days_after,
)
from qmt_bridge.sim.market.walk import (
    BETA_RANGE,
    CALM_SCALE,
    IDIO_FLOOR,
    KNOWN_LIMIT_DAYS,
    KNOWN_PULL,
    NEWS_DAY_P,
    NEWS_SCALE,
    VOLUME_MOVE,
    VOLUME_NOISE,
    ar1,
    log_path,
    norm_cdf,
)

_VOLUME_MAX = np.iinfo(np.int32).max
_INDEX_PULL = 0.02  # daily pull of a main index towards its historical path (half-life ~35 days)
_ETF_TRACKING_SD = 0.002  # an index ETF's deviation from index x ratio (log), pulled back 5% a day
_BASIS_SD = 0.025  # annualised basis of index futures: product-wide deviation from its mean
_BASIS_NOISE = 0.0004  # a contract's own daily basis noise (log), fading into expiry
MARKET_INDEX = "000300.SH"  # the market factor of A-shares: this index's daily log returns
_BETA_SALT = 0x6D61726B65742D62  # separates the beta's hash from the code's other streams
_LIQUIDITY_SALT = 0x6C69717569646974  # the same for an A-share's liquidity
_ACTIVITY_KEEP = 0.9  # market-wide trading activity: AR(1) of its log, shared by every A-share and index
_ACTIVITY_SD = 0.2  # ... with this stationary standard deviation
#: mean of exp(noise) x (1 + 6|return|) over a typical A-share's days: a well-known stock's base volume is its
#: real typical turnover divided by this, so that its mean volume is that turnover
_KNOWN_VOLUME_MEAN = math.exp(VOLUME_NOISE**2 / 2) * 1.08


# ----------------------------------------------------------------------------------------------- helpers


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
        return spot * norm_cdf(d1) - discount * norm_cdf(d2)
    return discount * norm_cdf(-d2) - spot * norm_cdf(-d1)


def _real_path(inst: Instrument) -> tuple[tuple[tuple[dt.date, float], ...] | None, float]:
    """(the real path an instrument's walk follows, the daily pull towards it): main indices and well-known
    stocks; (None, 0) for the others."""
    if inst.kind == INDEX and inst.code in INDEX_PATHS:
        return INDEX_PATHS[inst.code], _INDEX_PULL
    if inst.kind == STOCK and inst.code in KNOWN_PATHS:
        return KNOWN_PATHS[inst.code].points, KNOWN_PULL
    return None, 0.0


def _limit_to_settlement(bar: tuple[np.ndarray, ...], pct: np.ndarray) -> np.ndarray:
    """A future's daily settlement ticks, round((high + low + 2 x close) / 4), with each day's bar (open, high,
    low, close: changed in place) held inside its price band around the *previous day's settlement*, the
    exchanges' rule for futures (the walk bands it around the previous close; the two differ a little).
    Clipping a day moves its settlement and so the next day's band: repeated until nothing moves."""
    open_, high, low, close = bar
    settle = np.rint((high + low + 2 * close) / 4.0).astype(np.int64)
    limited = pct[1:] > 0
    for _ in range(16):
        down, up = limit_ticks(settle[:-1], pct[1:])
        down = np.where(limited, down, 1)
        up = np.where(limited, up, NO_LIMIT)
        moved = False
        for column in (open_, high, low, close):
            clipped = np.clip(column[1:], down, up)
            if (clipped != column[1:]).any():
                column[1:] = clipped
                moved = True
        if not moved:
            break
        settle = np.rint((high + low + 2 * close) / 4.0).astype(np.int64)
    return settle.astype(np.int32)


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
    index_amount: np.ndarray | None = (
        None  # indices: whole CNY a day (their members' turnover, not lots x level)
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

    def days_ahead(self, t: int, tick: float) -> DaysAhead:
        """The inputs of rows ``t`` .. ``t + DAYS_AHEAD`` (as far as the history goes) for intraday builds."""
        hi = min(t + DAYS_AHEAD, len(self))
        rows = np.arange(t, hi)
        before = np.maximum(rows - 1, 0)
        out = np.zeros((hi - t, 13))
        for col, values in (
            (IN_OPEN, self.open),
            (IN_HIGH, self.high),
            (IN_LOW, self.low),
            (IN_CLOSE, self.close),
            (IN_VOLUME, self.volume),
            (IN_FLAG, self.flag),
        ):
            out[:, col] = values[t:hi]
        out[:, IN_PRE_CLOSE] = self.pre_close(t, hi)
        out[:, IN_AMOUNT] = self.amount(t, hi, tick)
        derivative = self.open_interest is not None and self.settle is not None
        if self.open_interest is not None and self.settle is not None:
            out[:, IN_OI] = self.open_interest[t:hi]
            out[:, IN_PRE_OI] = self.open_interest[before]  # the first day's own on the first row
            out[:, IN_SETTLE] = self.settle[t:hi]
            out[:, IN_PRE_SETTLE] = np.where(rows > 0, self.settle[before], out[:, IN_PRE_CLOSE])
        # the 5 previous days' mean volume a minute (sums of <= 5 int32 are exact in float64)
        cum = np.r_[0, np.cumsum(self.volume[max(t - 5, 0) : hi], dtype=np.int64)]
        start = np.maximum(rows - 5, 0) - max(t - 5, 0)
        count = rows - np.maximum(rows - 5, 0)
        total = (cum[rows - max(t - 5, 0)] - cum[start]).astype(np.float64)
        out[:, IN_AVG_MINUTE_VOLUME] = (
            np.divide(total, count, out=np.zeros(len(rows)), where=count > 0) / 240.0
        )
        return DaysAhead(
            first=self.i0 + t,
            rows=out,
            derivative=derivative,
            value_per_unit=self.value_per_unit,
            amount_at_prices=self.index_amount is None,
        )

    def amount(self, lo: int, hi: int, tick: float) -> np.ndarray:
        """Amounts of rows ``lo:hi`` (float64): volume x unit value x typical price rounded to the cent
        (indices: whole CNY of their constituents' turnover)."""
        rows = slice(lo, hi)
        if self.index_amount is not None:
            return self.index_amount[rows].copy()
        volume = self.volume[rows].astype(np.float64)
        four = (
            self.open[rows].astype(np.int64) + self.high[rows] + self.low[rows] + self.close[rows]
        ).astype(np.float64)  # 4 x the typical price, ticks
        per_tick = self.value_per_unit * tick * 100.0  # cents per volume unit and tick: whole for every kind
        whole = round(per_tick)
        if abs(per_tick - whole) <= 1e-9 * per_tick:
            per_tick = float(whole)  # integer products below 2**53 (and / 4) are exact: an exact rounding
        return np.rint(volume * four * per_tick / 4.0) / 100.0


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
        down, up = limit_bounds(pc, pct)
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
        hi, lo = ((p * (100 + q) + 50) // 100, max((p * (100 - q) + 50) // 100, 1)) if q else (NO_LIMIT, 1)
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


def base_ticks(inst: Instrument) -> int:
    """The price, in ticks, a walk starts from: the preClose of its first day, so for a new listing its
    issue price."""
    return max(int(round(inst.base_price / float(inst.price_tick))), 1)


def issue_price(inst: Instrument) -> float:
    """A new listing's issue price: its first day's preClose (:func:`base_ticks`)."""
    tick = float(inst.price_tick)
    return float(to_price(base_ticks(inst), tick, price_decimals(tick)))


class DailyHistory:
    """The daily-history half of :class:`~.prices.PriceEngine` (mixed into it): builds an instrument's
    :class:`_Daily` record. It reads the engine's ``calendar``, ``seed``, ``instrument_lookup``, its caches
    and session arrays (set in ``PriceEngine.__init__``) and calls its ``_daily``, ``_daily_bars`` and
    ``_span``; the engine calls :meth:`_build_daily`."""

    def _build_daily(self, inst: Instrument, turnover: bool = True) -> _Daily:
        """The daily record of ``inst`` (``turnover=False``: of an index, its prices alone)."""
        i0, i1 = self._span(inst)
        n = i1 - i0
        if n == 0:
            empty = np.zeros(0, dtype=np.int32)
            return _Daily(i0, empty, empty, empty, empty, empty, np.zeros(0, np.int8))
        if inst.kind == OPTION:
            return self._build_option(inst, i0, i1)
        if inst.kind == REPO:  # rates, not prices: a walk of their own (.repo_rates)
            return _Daily(i0=i0, **repo_daily(inst, self.calendar, i0, i1, self.seed))
        if inst.kind == INDEX and inst.code in INDEX_ALIASES:  # the same index under another code
            same = self._index(INDEX_ALIASES[inst.code])
            if same is not None and self._span(same) == (i0, i1):
                return self._daily(same) if turnover else self._index_prices(same)
        tracked = None
        if inst.kind == ETF and inst.code in INDEX_ETFS:
            code, ratio = INDEX_ETFS[inst.code]
            tracked = self._build_tracker(inst, i0, i1, code, ratio)
        elif inst.kind == FUTURE and inst.product in INDEX_FUTURES:
            code, basis = INDEX_FUTURES[inst.product]
            tracked = self._build_tracker(inst, i0, i1, code, basis)
        return tracked if tracked is not None else self._build_walk(inst, i0, i1, turnover)

    def _index_prices(self, index: Instrument) -> _Daily:
        """The daily record of an index as far as its prices go (what trackers and the market factor read):
        the full record if cached, else the walk without its members' turnover, which needs the whole market."""
        rec = self._daily_cache.get(index)
        if rec is None:
            rec = self._index_price_cache.get(index)
        if rec is None:
            rec = self._build_daily(index, False)
            self._index_price_cache[index] = rec
        return rec  # type: ignore[return-value]

    def _index(self, code: str) -> Instrument | None:
        """The index ``code``: the lookup's if it has it, else the universe's definition."""
        found = self.instrument_lookup(code) if self.instrument_lookup else None
        return found if found is not None and found.kind == INDEX else index_instrument(self.calendar, code)

    def _build_tracker(self, inst: Instrument, i0: int, i1: int, code: str, param: float) -> _Daily | None:
        """Bars of an instrument priced off an index: an index ETF (``param``: its price per index point) at
        index x ratio with a small tracking error, or a stock-index future (``param``: its product's mean
        annualised basis) at index x exp(basis), the basis shrinking to 0 at expiry (the last day settles at
        the index's close). None if the index does not cover the instrument's days."""
        index = self._index(code)
        if index is None:
            return None
        rec = self._index_prices(index)
        lo, hi = i0 - rec.i0, i1 - rec.i0
        if lo < 0 or hi > len(rec):
            return None
        n = i1 - i0
        rng = np.random.default_rng([self.seed & MASK64, stable_hash(inst.code), 0])
        params = rng.random(4)
        vol_noise = rng.standard_normal(n)
        noise = rng.standard_normal(n)
        wick_up = rng.standard_exponential(n)
        wick_down = rng.standard_exponential(n)
        tick, dec = float(inst.price_tick), price_decimals(inst.price_tick)
        i_open, i_high, i_low, i_close, i_pre = (a * float(index.price_tick) for a in rec.prices(lo, hi))
        if inst.kind == ETF:
            keep = 0.95
            log_factor = math.log(param) + ar1(noise * _ETF_TRACKING_SD * math.sqrt(1 - keep * keep), keep)
            wick = 0.0
        else:
            log_factor = self._basis(inst, i0, i1, param + 0.01 * (params[0] - 0.5), noise)
            wick = 0.0006  # futures trade a little beyond the index's range
        scale = np.exp(log_factor) / tick
        pct = limit_pcts(inst, self._day_numbers[i0:i1])
        none = np.zeros(n, dtype=bool)
        ex = _ExRights([], tick, dec)
        base_t = max(int(round(i_pre[0] * scale[0])), 1)
        raw = np.maximum(np.rint(i_close * scale), 1).astype(np.int64)
        close = _settle_closes(raw, base_t, pct, none, none, none, ex)
        pc = np.r_[base_t, close[:-1]].astype(np.int64)
        down, up = limit_bounds(pc, pct)
        pcf = pc.astype(np.float64)
        open_ = np.clip(np.rint(i_open * scale).astype(np.int64), down, up)
        top = np.maximum.reduce([np.rint(i_high * scale).astype(np.int64), open_, close])
        bottom = np.minimum.reduce([np.rint(i_low * scale).astype(np.int64), open_, close])
        high = np.minimum(top + np.rint(pcf * wick * wick_up).astype(np.int64), up)
        low = np.maximum(bottom - np.rint(pcf * wick * wick_down).astype(np.int64), np.maximum(down, 1))
        out = self._finish(
            inst,
            i0,
            rng,
            (open_, high, low, close, pc),
            np.zeros(n, dtype=np.int8),
            none,
            none,
            float(params[1]),
            vol_noise,
            ex,
            [],
            0.0,
        )
        if out.settle is not None and inst.expire_date == self.calendar.sessions[i1 - 1]:
            out.settle[-1] = out.close[-1]  # the final settlement: the index (to the tick) on the last day
        return out

    def _basis(self, inst: Instrument, i0: int, i1: int, mean: float, noise: np.ndarray) -> np.ndarray:
        """log(future / index) of an index future per day: (mean + the product's deviation) x a time factor
        growing with the time to expiry (saturating: far contracts stay within ~2.5%), plus a little daily
        noise of its own; exactly 0 on the expiry day. Continuous codes use the time to the next roll."""
        days = self._day_numbers[i0:i1]
        if inst.expire_date is not None:
            left = np.maximum(day_number(inst.expire_date) - days, 0).astype(np.float64)
        else:
            left = self._days_to_roll(days)
        tau = left / 365.0
        annual = np.clip(mean + self._product_basis(inst.product)[i0:i1], -0.10, 0.06)
        return annual * tau / (1.0 + 3.0 * tau) + noise * _BASIS_NOISE * np.minimum(1.0, tau * 12.0)

    def _product_basis(self, product: str) -> np.ndarray:
        """Annualised basis deviations shared by every contract of ``product``, one per calendar session."""
        cached = self._basis_cache.get(product)
        if cached is None:
            rng = np.random.default_rng([self.seed & MASK64, stable_hash("basis|" + product), 0])
            keep = 0.98
            shocks = rng.standard_normal(len(self.calendar.sessions)) * _BASIS_SD * math.sqrt(1 - keep * keep)
            cached = ar1(shocks, keep)
            cached.flags.writeable = False
            self._basis_cache[product] = cached
        return cached

    def _market_factor(self) -> tuple[np.ndarray, np.ndarray, float]:
        """(daily log returns of :data:`MARKET_INDEX` per calendar session, which sessions it covers, their
        standard deviation): built once per engine from the index's daily closes (0 and not covered on
        days without an index return, the index's first day included)."""
        cached = self._market
        if cached is None:
            n = len(self.calendar.sessions)
            returns = np.zeros(n)
            covered = np.zeros(n, dtype=bool)
            index = self._index(MARKET_INDEX)
            rec = self._index_prices(index) if index is not None else None
            if rec is not None and len(rec) > 1:
                close = rec.close.astype(np.float64)
                returns[rec.i0 + 1 : rec.i0 + len(rec)] = np.diff(np.log(close))
                covered[rec.i0 + 1 : rec.i0 + len(rec)] = True
            sigma = float(np.std(returns[covered])) if covered.any() else 0.0
            returns.flags.writeable = False
            covered.flags.writeable = False
            cached = self._market = (returns, covered, sigma)
        return cached

    def base_lots(self, inst: Instrument) -> float:
        """An A-share's typical daily volume in lots before the day's own factors: its float x its turnover
        rate / 100. A well-known stock trades its real typical rate (``known_paths``); the others their board's
        rate (1.2% a day, 2.5% ChiNext, 2.2% STAR, 1.5% Beijing) x a liquidity in exp(+-0.7) from the seed
        and the code."""
        shares = inst.float_shares or inst.total_shares or 5e8
        known = KNOWN_PATHS.get(inst.code)
        if known is not None:
            return shares * known.turnover / _KNOWN_VOLUME_MEAN / 100.0
        rate = {CHINEXT: 0.025, STAR: 0.022, BJ: 0.015}.get(inst.board, 0.012)
        h = mix64((self.seed & MASK64) ^ mix64(stable_hash(inst.code) ^ _LIQUIDITY_SALT))
        return shares * rate / 100.0 * math.exp(1.4 * ((h >> 11) / float(1 << 53) - 0.5))

    def _activity(self) -> np.ndarray:
        """The log of the market-wide trading activity per calendar session (an AR(1) from the seed): every
        A-share's volume, and so the indices' turnover, rises and falls with it."""
        cached = self._activity_cache
        if cached is None:
            rng = np.random.default_rng([self.seed & MASK64, stable_hash("market-activity"), 0])
            keep = _ACTIVITY_KEEP
            shocks = rng.standard_normal(len(self.calendar.sessions)) * _ACTIVITY_SD * math.sqrt(1 - keep**2)
            cached = ar1(shocks, keep)
            cached.flags.writeable = False
            self._activity_cache = cached
        return cached

    def _member_turnover(self, inst: Instrument, i0: int, i1: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(lots, amount in CNY) of a main index on its days ``i0:i1``: its members' expected sums
        (:func:`member_sums`); None for an index without members (:data:`INDEX_MEMBERS`)."""
        code = INDEX_ALIASES.get(inst.code, inst.code)
        if code not in INDEX_MEMBERS:
            return None
        key = (self.seed, self.calendar, code)
        sums = TURNOVER_CACHE.get(key)
        if sums is None:
            # a pure function of the seed and the calendar: kept for every engine of the process (the
            # universe's build prices index options with an engine of its own)
            if self._population is None:
                self._population = Population.build(self)
            sums = member_sums(self._population, *INDEX_MEMBERS[code])
            TURNOVER_CACHE.put(key, sums)
        return sums[0][i0:i1], sums[1][i0:i1]

    def closes(self, inst: Instrument) -> Bars:
        """The daily bars of ``inst`` for their prices (an index's volume and amount may be placeholders):
        what pricing something off an index needs, without its members' turnover."""
        rec = self._index_prices(inst) if inst.kind == INDEX else self._daily(inst)
        return self._daily_bars(inst, rec, 0, len(rec))

    def _market_path_steps(self) -> np.ndarray:
        """Daily log steps of :data:`MARKET_INDEX`'s real path (``names.INDEX_PATHS``) on the sessions the
        market factor covers, 0 elsewhere."""
        cached = self._market_steps
        if cached is None:
            _, covered, _ = self._market_factor()
            anchor = log_path(INDEX_PATHS[MARKET_INDEX], self._day_numbers)
            cached = np.where(covered, np.diff(anchor, prepend=anchor[0]), 0.0)
            cached.flags.writeable = False
            self._market_steps = cached
        return cached

    def beta(self, inst: Instrument) -> float:
        """An A-share's beta on the market factor (uniform in :data:`BETA_RANGE`, a pure function of the
        seed and the code); 0 for other kinds, whose walks are independent of the market."""
        if inst.kind != STOCK:
            return 0.0
        u = (mix64((self.seed & MASK64) ^ mix64(stable_hash(inst.code) ^ _BETA_SALT)) >> 11) / float(1 << 53)
        lo, hi = BETA_RANGE
        return lo + (hi - lo) * u

    def _market_part(self, inst: Instrument, i0: int, i1: int, vol: float) -> tuple[np.ndarray, np.ndarray]:
        """(beta x the market's daily log return, the idiosyncratic volatility) of a stock's days ``i0:i1``:
        their variances add up to ``vol`` squared (but the idiosyncratic part keeps at least
        :data:`IDIO_FLOOR` of ``vol``); on days the market factor does not cover, 0 and ``vol``."""
        returns, covered, sigma = self._market_factor()
        beta = self.beta(inst)
        market = returns[i0:i1]
        if inst.code in KNOWN_PATHS:
            # a well-known stock's real path already holds the market's real moves: it co-moves with the
            # market's deviations from the index's path
            market = market - self._market_path_steps()[i0:i1]
        common = beta * market
        idio = math.sqrt(max(vol * vol - (beta * sigma) ** 2, (IDIO_FLOOR * vol) ** 2))
        part = covered[i0:i1]
        if part.all():
            return common, np.full(i1 - i0, idio)
        return common, np.where(part, idio, vol)

    @staticmethod
    def _days_to_roll(days: np.ndarray) -> np.ndarray:
        """Calendar days from each day to the expiry (third Friday) of the first month that ends a week or
        more later: what a continuous index-future code rolls on."""
        first = dt.date(1970, 1, 1) + dt.timedelta(days=int(days[0]))
        last = dt.date(1970, 1, 1) + dt.timedelta(days=int(days[-1]) + 70)
        fridays = []
        y, m = first.year, first.month
        while (y, m) <= (last.year, last.month):
            fridays.append(day_number(nth_weekday(y, m, 4, 3)))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        table = np.array(fridays, dtype=np.int64)
        nxt = table[np.searchsorted(table, days + 7, side="left")]
        return (nxt - days).astype(np.float64)

    def _roll_weight(self, inst: Instrument, i0: int, i1: int) -> np.ndarray:
        """Activity (volume and open interest, relative to the main contract's 1) of a dated future per day.

        A contract of a main month (any month for index and treasury futures) is the main contract when
        :meth:`Universe.main_contract` says so: weight 1. Before that its weight grows towards 0.75 as its
        turn approaches; after it (its last days) it falls from 0.75. Other months stay below 0.25. So the
        main contract always holds the most open interest (the noise on top is within +-10%).
        """
        assert inst.expire_date is not None
        span = main_contract_span(self.calendar, inst.product, inst.expire_date)
        if span is None:
            return self._life_hump(inst, i0, i1)
        previous, main_month = span
        if not main_month:
            return 0.04 + 0.19 * self._life_hump(inst, i0, i1)
        first = self.calendar.sessions[0]
        start = trading_days_after(self.calendar, first, previous) - 4
        end = trading_days_after(self.calendar, first, inst.expire_date) - 4  # main on start <= j < end
        j = np.arange(i0, i1, dtype=np.float64)
        return np.where(
            j < start,
            0.08 + 0.67 * np.exp(-(start - j) / 30.0),
            np.where(j < end, 1.0, 0.75 * np.exp(-(j - end) / 3.0)),
        )

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
        # well-known stocks follow their real raw path: random share issues would move them off it (only
        # their cash dividends stay)
        shares_too = inst.code not in KNOWN_PATHS
        seasoned = inst.list_date < first  # listed before the calendar: history starts mid-life
        min_index = 1 if seasoned else 200
        plans: list[_Plan] = []
        if shares_too and inst.list_date < dt.date(2005, 6, 1) and u_inst[1] < 0.6:
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
            has_bonus = u[1] < 0.1 and shares_too
            has_rights = u[2] < 0.012 and shares_too
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

    def _build_walk(self, inst: Instrument, i0: int, i1: int, turnover: bool = True) -> _Daily:
        """The daily record of a random walk; ``turnover=False`` gives an index's prices alone (its volume
        and amount are then placeholders, not its members' sums)."""
        n = i1 - i0
        kind = inst.kind
        rng = np.random.default_rng([self.seed & MASK64, stable_hash(inst.code), 0])
        tick, dec = float(inst.price_tick), price_decimals(inst.price_tick)
        vol = max(float(inst.volatility), 1e-4)
        daynums = self._day_numbers[i0:i1]
        pct = limit_pcts(inst, daynums)
        has_limit = pct > 0

        params = rng.random(8)
        # fat tails from a scale mixture: 8% of days are "news days" with 2.7x the usual move (unit variance)
        eps = rng.standard_normal(n) * np.where(rng.random(n) < NEWS_DAY_P, NEWS_SCALE, CALM_SCALE)
        u_limit = rng.random(n)
        u_oneword = rng.random(n)
        gap = rng.standard_normal(n)
        wick_up = rng.standard_exponential(n) * 0.8
        wick_down = rng.standard_exponential(n) * 0.8
        vol_noise = rng.standard_normal(n)
        susp = self._suspensions(rng, n) if kind == STOCK else np.zeros(n, dtype=bool)
        plans = self._plans(inst, i0, i1, rng)
        path, pull = _real_path(inst)

        # -- limit-hit days (stocks): ~2% of days on 10% boards, fewer on 20/30% boards
        if kind == STOCK:
            p_hit = np.select([pct == 5, pct == 10, pct == 20], [0.03, 0.02, 0.01], 0.008)
            if path:  # large caps close at a limit far less often (and a limit day would leave the path)
                p_hit = p_hit * KNOWN_LIMIT_DAYS
            lim_up = (u_limit < 0.6 * p_hit) & ~susp
            lim_down = (u_limit >= 0.6 * p_hit) & (u_limit < p_hit) & ~susp
        else:
            lim_up = lim_down = np.zeros(n, dtype=bool)

        # -- continuous log path: OU around base_price with a small drift, shocks clipped to the limits;
        # A-shares' shocks are beta x the market index's return plus an idiosyncratic part
        drift = (params[0] - 0.5) * 0.0006
        cap = 0.11 if kind == INDEX else 0.25
        pct_f = pct / 100.0
        if kind == STOCK:
            common, idio = self._market_part(inst, i0, i1, vol)
            r = drift + common + idio * eps
        else:
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
        base_t = base_ticks(inst)
        if path:
            # main indices and well-known stocks: their real history's path plus a deviation pulled back
            x = log_path(path, daynums) - math.log(base_t * tick) + ar1(r - drift, 1.0 - pull)
        raw = np.maximum(np.rint(base_t * np.exp(x)), 1).astype(np.int64)

        # -- integer closes on the tick grid, consistent with each day's limits (iterate to a fixed point)
        ex = _ExRights(plans, tick, dec)
        close = _settle_closes(raw, base_t, pct, lim_up, lim_down, susp, ex)
        pc = np.r_[base_t, close[:-1]].astype(np.int64)
        if len(ex.index):
            pc[ex.index] = ex.reference(pc[ex.index])[0]
        down, up = limit_bounds(pc, pct)

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

        return self._finish(
            inst,
            i0,
            rng,
            (open_, high, low, close, pc),
            flag,
            susp,
            one_price,
            float(params[1]),
            vol_noise,
            ex,
            actions,
            8.0 + 17.0 * float(params[2]) if kind == INDEX else 0.0,
            turnover,
        )

    def _finish(
        self,
        inst: Instrument,
        i0: int,
        rng: np.random.Generator,
        bar: tuple[np.ndarray, ...],
        flag: np.ndarray,
        susp: np.ndarray,
        one_price: np.ndarray,
        u_liquidity: float,
        vol_noise: np.ndarray,
        ex: _ExRights,
        actions: list[CorporateAction],
        index_share_price: float,
        turnover: bool = True,
    ) -> _Daily:
        """The daily record of a bar in ticks (open, high, low, close, preClose): volume, open interest and
        settlement added. A main index's volume and amount are its members' (:meth:`_member_turnover`; with
        ``turnover`` false, or for an index without members, lots of a level of its own x ``index_share_price``)."""
        open_, high, low, close, pc = bar
        n = len(close)
        kind = inst.kind
        # -- volume (lots); the amount is computed from the bar (``_Daily.amount``)
        lot = lot_size(inst)
        mult = multiplier(inst)
        if kind == FUTURE and inst.product:  # one level for a product, so that open interest ranks contracts
            u_liquidity = float(
                np.random.default_rng(
                    [self.seed & MASK64, stable_hash("product|" + inst.product), 0]
                ).random()
            )
        if kind == STOCK:
            base_lots = self.base_lots(inst)
        else:
            liquidity = math.exp(1.4 * (u_liquidity - 0.5))  # instruments differ in liquidity
            if kind in (HK, ETF):
                shares = inst.float_shares or inst.total_shares or 2e9
                base_lots = shares * (0.03 if kind == ETF else 0.003) / lot * liquidity
            else:
                base_lots = {INDEX: 3e7, CB: 3e4, FUTURE: 8e4}.get(kind, 1e4) * liquidity
        pcf = pc.astype(np.float64)
        ret = close / np.maximum(pcf, 1.0) - 1.0
        life = np.ones(n)
        if kind == FUTURE and inst.expire_date is not None:
            life = self._roll_weight(inst, i0, i0 + n)
        elif kind == STOCK:
            life = np.exp(self._activity()[i0 : i0 + n])
        volume = np.maximum(
            np.rint(base_lots * life * np.exp(VOLUME_NOISE * vol_noise) * (1.0 + VOLUME_MOVE * np.abs(ret))),
            1,
        )
        volume[one_price] = np.maximum(np.rint(volume[one_price] * 0.1), 1)
        volume[susp] = 0
        volume = np.minimum(volume, _VOLUME_MAX).astype(np.int32)
        index_amount = None
        if kind == INDEX:
            summed = self._member_turnover(inst, i0, i0 + n) if turnover else None
            if summed is not None:
                volume = np.minimum(np.rint(summed[0]), _VOLUME_MAX).astype(np.int32)
                index_amount = np.rint(summed[1])
            else:
                level = close / max(float(close[0]), 1.0)
                index_amount = np.rint(volume * 100.0 * index_share_price * np.sqrt(level))

        open_interest = settle = None
        if kind == FUTURE:
            settle = _limit_to_settlement(
                (open_, high, low, close), limit_pcts(inst, self._day_numbers[i0 : i0 + n])
            )
            smooth = np.tanh(np.cumsum(rng.standard_normal(n)) * 0.05)
            # +-10% of noise at most: the main contract (weight 1) always holds the most (others <= 0.75)
            open_interest = np.maximum(np.rint(base_lots * 1.5 * life * np.exp(0.1 * smooth)), 1).astype(
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
            index_amount=index_amount,
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
        rng = np.random.default_rng([self.seed & MASK64, stable_hash(inst.code), 0])
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
            value_per_unit=float(multiplier(inst)),
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
