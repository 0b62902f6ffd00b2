"""Daily rates of the exchange reverse repos (:mod:`.repo`): the walk the price engine uses for them.

A repo's "price" is its annualised rate in percent. The model (deterministic in ``(seed, code)``, numpy):

- a money-market level shared by every repo: an era mean (roughly the real GC001 averages: ~1.8 % in
  2006-2010, ~3 % in 2011-2014, ~2.4 % in 2015-2019, ~1.9 % in 2020-2023, ~1.6 % from 2025) plus a slow
  AR(1) deviation of the seed;
- a term spread (longer terms a little higher; SZSE a few bp under SSE);
- a calendar premium when the money's 占款 window (first settlement day to return settlement day, see
  :func:`settlement`) spans a month end (+0.4), a quarter end (+0.9), a year end (+1.6) or a long holiday
  (a window of 4 or more calendar days, +0.5), divided by sqrt(term) for longer terms;
- daily noise; the close is clipped to [0.3, 12] %.

Intraday: repos open higher than they close (borrowers bid early), so the open is the close plus 0-0.25
points (more on premium days), the high above both by an exponential wick (spikes on premium days) and the
low below both by a smaller one. Volumes (units of 10 张 = 1,000 CNY) are each product's typical level
(GC001 ~5e8 units, ~5,000 亿 CNY a day; SZ R-001 ~8e7), noisy and larger on premium days; the amount is
the face value traded (volume x 1,000 CNY), not volume x rate.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np

from qmt_bridge.sim.market.calendar import TradingCalendar
from qmt_bridge.sim.market.hashing import MASK64, stable_hash
from qmt_bridge.sim.market.instruments import Instrument
from qmt_bridge.sim.market.repo import FACE_YUAN, REPO_BY_CODE, UNIT_ZHANG

# (first year, mean rate %) of the eras; years between two anchors are interpolated
_ERAS = ((2006, 1.8), (2010, 2.0), (2011, 3.1), (2014, 3.0), (2015, 2.5), (2019, 2.4), (2020, 1.9),
         (2023, 1.9), (2025, 1.6), (2027, 1.5))  # fmt: skip
_TERM_SPREAD = {1: 0.0, 2: 0.03, 3: 0.05, 4: 0.06, 7: 0.1, 14: 0.15, 28: 0.2, 91: 0.25, 182: 0.3}
_BASE_UNITS = {1: 5e8, 2: 2e7, 3: 1.5e7, 4: 1e7, 7: 6e7, 14: 1.5e7, 28: 8e6, 91: 8e5, 182: 4e5}
_SZ_UNITS = 0.16  # SZSE's volumes relative to SSE's
_VOLUME_CAP = 1_200_000_000  # units: the intraday tables hold int32 cumulative volumes
_ONE = dt.timedelta(days=1)


def settlement(cal: TradingCalendar, trade_day: dt.date, days: int) -> tuple[dt.date, dt.date, dt.date]:
    """(首次交收日, 到期日, 到期交收日) of a repo of ``days`` traded on ``trade_day`` (the exchanges' rule).

    The first settlement is the next trading day; the repo is due ``days`` calendar days after the trade,
    moved to the next trading day when that is none (the money and interest are available again from
    then); the due settlement is the trading day after. 实际占款天数 = 到期交收日 - 首次交收日 (calendar
    days). Past the calendar's end, weekdays stand in for trading days.
    """
    first = cal.on_or_after(trade_day + _ONE)
    due = cal.on_or_after(trade_day + dt.timedelta(days=days))
    return first, due, cal.on_or_after(due + _ONE)


def _era(days: list[dt.date]) -> np.ndarray:
    years = np.array([d.year + (d.timetuple().tm_yday - 1) / 366.0 for d in days])
    xs, ys = zip(*_ERAS, strict=True)
    return np.interp(years, np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64))


def _premium(cal: TradingCalendar, days: list[dt.date], term: int) -> np.ndarray:
    """The calendar premium (rate points) of each trade day (module docstring)."""
    out = np.zeros(len(days))
    for n, day in enumerate(days):
        first, _, back = settlement(cal, day, term)
        extra = 0.0
        last = back - _ONE  # the last day the money is lent
        if last.month != first.month or last.year != first.year:
            extra = 1.6 if last.year != first.year else (0.9 if first.month % 3 == 0 else 0.4)
        if (back - first).days >= 4 and term < 4:
            extra += 0.5
        out[n] = extra / math.sqrt(term)
    return out


def _common(seed: int, n_all: int) -> np.ndarray:
    """The seed's slow AR(1) deviation of the money-market level, one value per calendar session."""
    rng = np.random.default_rng([seed & MASK64, stable_hash("repo|common"), 0])
    keep = 0.99
    shocks = rng.standard_normal(n_all) * 0.2 * math.sqrt(1 - keep * keep)
    out = np.empty(n_all)
    level = 0.0
    for i, s in enumerate(shocks):
        level = keep * level + s
        out[i] = level
    return out


def repo_daily(inst: Instrument, cal: TradingCalendar, i0: int, i1: int, seed: int) -> dict[str, Any]:
    """The fields of the price engine's daily record of repo ``inst`` over calendar sessions ``[i0, i1)``:
    ``open``, ``high``, ``low``, ``close`` (int32 ticks), ``volume`` (int32 units), ``flag``,
    ``first_pre_close``, ``value_per_unit`` and ``index_amount`` (the face value traded, CNY)."""
    product = REPO_BY_CODE[inst.code]
    term = product.days
    days = cal.sessions[i0:i1]
    n = len(days)
    tick = float(inst.price_tick)
    rng = np.random.default_rng([seed & MASK64, stable_hash(inst.code), 0])
    noise = rng.standard_normal(n)
    gap = rng.random(n)
    wick_up = rng.standard_exponential(n)
    wick_down = rng.standard_exponential(n)
    vol_noise = rng.standard_normal(n)
    premium = _premium(cal, days, term)
    sz = inst.market == "SZ"
    level = _era(days) + _common(seed, len(cal.sessions))[i0:i1] + _TERM_SPREAD.get(term, 0.3)
    level -= 0.03 if sz else 0.0
    close = np.clip(level + premium + noise * (0.12 if term < 7 else 0.06), 0.3, 12.0)
    open_ = close + gap * 0.25 + premium * 0.3
    high = np.maximum(open_, close) + wick_up * (0.08 + 0.5 * premium)
    low = np.maximum(np.minimum(open_, close) - wick_down * 0.05, 0.1)

    def ticks(x: np.ndarray) -> np.ndarray:
        return np.maximum(np.rint(x / tick), 1).astype(np.int32)

    o, h, lo, c = ticks(open_), ticks(high), ticks(low), ticks(close)
    h = np.maximum.reduce([h, o, c])
    lo = np.minimum.reduce([lo, o, c])
    units = _BASE_UNITS.get(term, 1e6) * (_SZ_UNITS if sz else 1.0)
    volume = np.rint(units * np.exp(0.25 * vol_noise) * (1.0 + premium))
    volume = np.clip(volume, 1, _VOLUME_CAP).astype(np.int32)
    return {
        "open": o,
        "high": h,
        "low": lo,
        "close": c,
        "volume": volume,
        "flag": np.zeros(n, np.int8),
        "first_pre_close": int(c[0]),
        "value_per_unit": float(UNIT_ZHANG),
        "index_amount": volume.astype(np.float64) * (UNIT_ZHANG * FACE_YUAN),
    }
