"""The main indices' turnover as the sum over their members (上证指数 = 上证A股, 沪深300, ...), without walking
the members: each member's expected daily volume and price level follow from its instrument, the market
factor and the walk's parameters (``walk``), so an index's first request costs ~0.1 s, not 2,300 walks.
``PriceEngine._member_turnover`` uses :func:`member_sums` over a :class:`Population` built once per engine;
the sums are kept per (seed, calendar) in :data:`TURNOVER_CACHE`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qmt_bridge.sim.market.calendar import TradingCalendar
from qmt_bridge.sim.market.instruments import BJ, CHINEXT, STAR, Instrument
from qmt_bridge.sim.market.known_paths import KNOWN_PATHS
from qmt_bridge.sim.market.lru import LRU
from qmt_bridge.sim.market.names import WELL_KNOWN_STOCKS, NameGenerator
from qmt_bridge.sim.market.rules import CHINEXT_REFORM
from qmt_bridge.sim.market.sectors import CAT_INDEX, Sectors
from qmt_bridge.sim.market.universe import Universe, _make_stocks, stable_rng
from qmt_bridge.sim.market.walk import (
    BETA_RANGE,
    CALM_SCALE,
    DECAY,
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

if TYPE_CHECKING:
    from qmt_bridge.sim.market.prices import PriceEngine

#: Main indices whose volume and amount are their members' sums: index -> (sectors, exchange): the union of
#: the sectors' members (``sectors.Sectors``) listed on that exchange ('' = any). 深证成指 has no sector of
#: its own: its members are taken as 沪深300's and 中证500's Shenzhen stocks (~450; the real index has 500).
INDEX_MEMBERS: dict[str, tuple[tuple[str, ...], str]] = {
    "000001.SH": (("上证A股",), ""),
    "399001.SZ": (("沪深300", "中证500"), "SZ"),
    "000300.SH": (("沪深300",), ""),
    "000016.SH": (("上证50",), ""),
    "000010.SH": (("上证180",), ""),
    "000905.SH": (("中证500",), ""),
    "000852.SH": (("中证1000",), ""),
    "000688.SH": (("科创50",), ""),
    "399006.SZ": (("创业板指",), ""),
}
_GRID = 10  # sessions between the days whose member sums are computed in full
_YEAR = 243.0  # sessions a year
_MEAN_BETA = sum(BETA_RANGE) / 2
# Mean daily log shocks and variances a stock's random events add to its walk: forced limit days (by limit
# %: their probability x 0.6 up / 0.4 down) and corporate actions (cash dividends of 0.5-3% in ~77% of years,
# bonus shares of 20-100% in 10%, rare rights issues).
_LIMIT_DAYS = {10: 0.02, 20: 0.01, 30: 0.008}
_CORP_MEAN = (0.766 * -0.01766 - 0.1 * 0.4194 - 0.012 * 0.047) / _YEAR
_CORP_VAR = 0.1 * 0.2037 / _YEAR
_GUGAI_LOG = -0.6 * 0.2617  # expected log drop of the split-share reform (60% of stocks, gift 0.2-0.4)
_GUGAI_DAY = dt.date(2006, 1, 4)  # the middle of its window (2005-09 .. 2006-04)
_IDLE = 0.995  # volume lost to suspensions and one-price limit days
#: (seed, calendar, index) -> the index's (lots, amount) per session, see ``PriceEngine._member_turnover``
TURNOVER_CACHE: LRU[tuple[int, TradingCalendar, str], tuple[np.ndarray, np.ndarray]] = LRU(64)


@functools.lru_cache(maxsize=4)
def _stock_population(seed: int, calendar: TradingCalendar) -> tuple[list[Instrument], Sectors]:
    """Every A-share the universes of ``(seed, calendar)`` hold over the whole calendar (what
    ``universe.build_universe`` lists, future listings included), and the sectors over them. Built here
    rather than taken from a universe: a universe lists only what is listed by its day, and building one
    prices option underlyings with this module."""
    names = NameGenerator(stable_rng(seed, "stock-names"), {k.name for k in WELL_KNOWN_STOCKS})
    stocks = _make_stocks(seed, calendar, names)
    return stocks, Sectors(Universe(stocks, today=calendar.sessions[-1]), calendar, seed)


def _limit_effects(pct: int) -> tuple[float, float]:
    """(mean, variance) a day of a stock with limit ``pct`` gets from its forced limit days."""
    p = _LIMIT_DAYS[pct]
    up, down = math.log1p(pct / 100.0), math.log1p(-pct / 100.0)
    return p * (0.6 * up + 0.4 * down), p * (0.6 * up * up + 0.4 * down * down)


@dataclass
class Population:
    """Every A-share as arrays, and what the market factor makes of them: enough for the expected
    turnover of any set of them on any day without walking them (:func:`member_sums`)."""

    stocks: list[Instrument]
    sectors: Sectors
    day_numbers: np.ndarray
    first: np.ndarray  # calendar index of each stock's first day
    lots: np.ndarray  # base lots (``PriceEngine.base_lots``)
    log_base: np.ndarray
    beta: np.ndarray
    idio_var: np.ndarray  # the daily variance of a stock's own shocks (idiosyncratic, limit days, actions)
    mu: np.ndarray  # the mean daily shock of its limit days and actions (ChiNext: before its reform)
    mu_reformed: np.ndarray  # ... from the ChiNext reform on
    reform: int  # calendar index of the ChiNext reform
    gugai: np.ndarray  # whether the stock may carry a split-share reform
    gugai_at: int
    market: np.ndarray  # the market factor's decayed sum: the market part of a stock's log level
    known_market: np.ndarray  # the same, pulled as a well-known stock's deviations are
    known: np.ndarray  # whether a stock follows a real path
    activity: np.ndarray  # other members' mean volume factor per calendar session
    known_activity: np.ndarray  # well-known members' (which move with the market's deviations only)

    @classmethod
    def build(cls, engine: PriceEngine) -> Population:
        stocks, sectors = _stock_population(engine.seed, engine.calendar)
        stocks = [s for s in stocks if s.board != BJ]  # no main index holds Beijing stocks
        sessions = engine.calendar.sessions
        returns, covered, sigma = engine._market_factor()
        beta = np.array([engine.beta(s) for s in stocks])
        vol = np.array([max(float(s.volatility), 1e-4) for s in stocks])
        idio = np.sqrt(np.maximum(vol**2 - (beta * sigma) ** 2, (IDIO_FLOOR * vol) ** 2))
        pct = np.array([20 if s.board == STAR else 10 for s in stocks])
        lim_mean, lim_var = np.vectorize(_limit_effects)(pct)
        chinext = np.array([s.board == CHINEXT for s in stocks])
        reformed_mean, reformed_var = _limit_effects(20)
        n = len(sessions)
        powers = DECAY ** np.arange(n, dtype=np.float64)
        steps = engine._market_path_steps()
        return cls(
            stocks=stocks,
            sectors=sectors,
            day_numbers=engine._day_numbers,
            first=np.array([bisect.bisect_left(sessions, s.list_date) for s in stocks], dtype=np.int64),
            lots=np.array([engine.base_lots(s) for s in stocks]),
            log_base=np.log([max(s.base_price, 0.01) for s in stocks]),
            beta=beta,
            idio_var=(1 - _LIMIT_DAYS[10]) * idio**2 + np.where(chinext, reformed_var, lim_var) + _CORP_VAR,
            mu=lim_mean + _CORP_MEAN,
            mu_reformed=np.where(chinext, reformed_mean, lim_mean) + _CORP_MEAN,
            reform=bisect.bisect_left(sessions, CHINEXT_REFORM),
            gugai=np.array([s.list_date < dt.date(2005, 6, 1) for s in stocks]),
            gugai_at=bisect.bisect_left(sessions, _GUGAI_DAY),
            market=powers * np.cumsum(returns / powers),
            known_market=ar1(returns - steps, 1.0 - KNOWN_PULL),
            known=np.array([s.code in KNOWN_PATHS for s in stocks]),
            activity=np.exp(engine._activity()) * _mean_volume_factor(returns, covered, float(np.mean(idio))),
            known_activity=np.exp(engine._activity())
            * _mean_volume_factor(returns - steps, covered, float(np.mean(idio)), KNOWN_LIMIT_DAYS),
        )

    def log_levels(self, cols: np.ndarray, grid: np.ndarray) -> np.ndarray:
        """Expected log price of stocks ``cols`` on calendar sessions ``grid`` (rows), as their walks make it:
        the base price, beta x the market factor's decayed sum since listing, the drift of limit days and
        corporate actions and half the variance of the rest (a log-normal mean); a well-known stock's real
        path and its pulled market part (meaningless before a stock's first day)."""
        g = grid[:, None].astype(np.float64)
        first = self.first[cols][None, :]
        k = np.maximum(g - first + 1, 1)
        dk = DECAY**k
        before = np.where(first > 0, self.market[np.maximum(first - 1, 0)], 0.0)
        mu = np.where(g >= self.reform, self.mu_reformed[cols], self.mu[cols])
        out = (
            self.log_base[cols]
            + self.beta[cols] * (self.market[grid][:, None] - dk * before)
            + mu * (1 - dk) / (1 - DECAY)
            + 0.5 * self.idio_var[cols] * (1 - dk * dk) / (1 - DECAY**2)
        )
        after = np.maximum(g - self.gugai_at, 0)
        out += np.where(self.gugai[cols] & (g >= self.gugai_at), _GUGAI_LOG * DECAY**after, 0.0)
        for j, c in enumerate(cols.tolist()):
            known = KNOWN_PATHS.get(self.stocks[c].code)
            if known is not None:
                out[:, j] = (
                    log_path(known.points, self.day_numbers[grid])
                    + self.beta[c] * self.known_market[grid]
                    + 0.5 * self.idio_var[c] / (1 - (1 - KNOWN_PULL) ** 2)
                )
        return out


def _mean_volume_factor(
    returns: np.ndarray, covered: np.ndarray, idio: float, limit_days: float = 1.0
) -> np.ndarray:
    """E[exp(noise) x (1 + 6|return|)] of a typical A-share per session, given the market's return that day
    (beta 1.2, idiosyncratic volatility ``idio`` with fat tails, 2% limit days), x the days without volume."""
    mu = _MEAN_BETA * np.where(covered, returns, 0.0)
    mean_abs = np.zeros(len(mu))
    for weight, scale in ((1 - NEWS_DAY_P, CALM_SCALE), (NEWS_DAY_P, NEWS_SCALE)):
        s = idio * scale
        z = mu / s
        mean_abs += weight * (s * math.sqrt(2 / math.pi) * np.exp(-0.5 * z * z) + mu * (2 * norm_cdf(z) - 1))
    p = _LIMIT_DAYS[10] * limit_days
    mean_abs = (1 - p) * mean_abs + 0.1 * p
    return math.exp(VOLUME_NOISE**2 / 2) * (1 + VOLUME_MOVE * mean_abs) * _IDLE


def member_sums(pop: Population, sectors: tuple[str, ...], market: str) -> tuple[np.ndarray, np.ndarray]:
    """(lots, amount in CNY) per calendar session of the members of ``sectors`` on exchange ``market``: the
    sums of their expected daily volumes and amounts, so a pure function of the instruments and the market
    factor (no member is walked).

    Membership is fixed within an index's rebalance period (a market sector's: its stocks listed by the
    day). The expected price levels are computed every :data:`_GRID` sessions and at each rebalance; the
    days in between move them by the members' mean beta x the market factor's change. Each day is then
    scaled by the members' mean volume factor (market activity, |return|). The sums stay within a few
    percent of the walked members' on average; single days within ~15% (the members' own noise).
    """
    n = len(pop.day_numbers)
    info = dict(pop.sectors.info())
    codes = {s.code: i for i, s in enumerate(pop.stocks)}
    sessions_end = pop.sectors.calendar.sessions[-1]
    periods: list[tuple[int, list[int]]] = []  # (first session, member columns)
    starts = (
        pop.sectors.rebalances if any(info.get(name) == CAT_INDEX for name in sectors) else [sessions_end]
    )
    for day in starts:
        if day > sessions_end:
            break
        members: set[int] = set()
        for name in sectors:
            on = day if info.get(name) == CAT_INDEX else sessions_end
            members.update(codes[c] for c in pop.sectors.members(name, on) or () if c in codes)
        chosen = sorted(c for c in members if not market or pop.stocks[c].market == market)
        periods.append((0 if not periods else bisect.bisect_left(pop.sectors.calendar.sessions, day), chosen))
    cols = np.array(sorted({c for _, chosen in periods for c in chosen}), dtype=np.int64)
    grid = np.unique(np.r_[np.arange(0, n, _GRID), [first for first, _ in periods]]).astype(np.int64)
    where = {c: j for j, c in enumerate(cols.tolist())}
    mask = np.zeros((len(grid), len(cols)), dtype=bool)
    period_of = np.searchsorted([first for first, _ in periods], grid, side="right") - 1
    for p, (_, chosen) in enumerate(periods):
        mask[np.ix_(period_of == p, [where[c] for c in chosen])] = True
    mask &= pop.first[cols][None, :] <= grid[:, None]
    lots = np.where(mask, pop.lots[cols], 0.0)
    log_levels = pop.log_levels(cols, grid)
    value = lots * np.exp(np.where(mask, log_levels, 0.0))
    at = np.searchsorted(grid, np.arange(n), side="right") - 1
    day_lots = np.zeros(n)
    day_amount = np.zeros(n)
    # well-known members move with their own paths and the market's deviations, the others with the market
    for part, market, activity in (
        (~pop.known[cols], pop.market, pop.activity),
        (pop.known[cols], pop.known_market, pop.known_activity),
    ):
        grid_value = value[:, part].sum(axis=1)
        weights = np.divide(
            value[:, part],
            grid_value[:, None],
            out=np.zeros_like(value[:, part]),
            where=grid_value[:, None] > 0,
        )
        beta = weights @ pop.beta[cols][part]
        # the mean slope of the members' paths to the next grid day (0 for the market-driven ones)
        slope = np.zeros(len(grid))
        if part.any() and len(grid) > 1:
            path_steps = np.diff(log_levels[:, part], axis=0) - np.outer(
                np.diff(market[grid]), pop.beta[cols][part]
            )
            slope[:-1] = (weights[:-1] * path_steps).sum(axis=1) / np.diff(grid)
        if market is pop.market:
            slope[:] = 0.0
        drift = np.exp(beta[at] * (market - market[grid[at]]) + slope[at] * (np.arange(n) - grid[at]))
        day_lots += lots[:, part].sum(axis=1)[at] * activity
        day_amount += 100.0 * grid_value[at] * drift * activity
    return day_lots, day_amount
