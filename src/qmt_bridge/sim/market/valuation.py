"""Valuations the simulator reports, from its own financial statements (:mod:`.financials`).

Definitions (xtquant's docs name the tick field ``pe`` 市盈率 without saying which earnings it divides by;
its own ``get_full_tick`` sample shows ``0.0``):

- ``pe`` = price / earnings per share of the trailing four quarters (TTM, 市盈率TTM, what Chinese terminals
  show by default): the parent net profit (``Income.net_profit_excl_min_int_inc``, single quarters summed
  over the four up to the newest report announced by that day) over ``Capital.total_capital``, i.e. total
  market value / TTM profit. Within the first fiscal year of the reports the year-to-date profit is
  annualised. Losses give a negative PE (as Wind's PE_TTM does); before the first report, and for
  anything but stocks, ``pe`` is 0.0.
- market value = price x ``Capital.total_capital``; book value per share = ``Balance.
  tot_shrhldr_eqy_excl_min_int / total_capital`` (``PershareIndex.s_fa_bps``). The simulator reports
  neither in its quotes; ``pe`` and the IPO rows' PEs are the valuations it shows.

The earnings series of a stock (:class:`~.financials.Earnings`) comes from :func:`~.financials.build_earnings`,
the core of the statements' own recursion with the same arguments ``get_financial_data`` builds them
from (the daily closes and corporate actions of the price engine), so its numbers are exactly the
statements'. It is built once per stock (~0.3 ms, a ~2 kB record) and serves every day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np

from qmt_bridge.sim.market.bars import CST_OFFSET_MS, DAY_MS, Bars
from qmt_bridge.sim.market.corporate import CorporateAction
from qmt_bridge.sim.market.financials import Earnings, build_earnings
from qmt_bridge.sim.market.instruments import STOCK, Instrument
from qmt_bridge.sim.market.lru import LRU

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
#: The reports are laid out through this year at least (as ``get_financial_data``'s histories are).
HORIZON = dt.date(2026, 12, 31)


#: ``inst -> (times, closes)``: the stock's daily bar times (ms, 00:00 CST) and closes, as ``daily()`` has them.
DailyCloses = Callable[[Instrument], tuple[np.ndarray, np.ndarray]]


def closes_on_or_before(
    times: np.ndarray, closes: np.ndarray, base_price: float
) -> Callable[[Sequence[dt.date]], np.ndarray]:
    """``days -> the close of the last daily bar on or before each day`` (the first bar's close before the
    first bar, ``base_price`` without bars): the prices the statements' book value follows, as
    ``get_financial_data`` looks them up."""

    def at(days: Sequence[dt.date]) -> np.ndarray:
        if not len(closes):
            return np.full(len(days), float(base_price))
        ordinals = np.fromiter((d.toordinal() for d in days), np.int64, len(days))
        ms = (ordinals - _EPOCH_ORDINAL) * DAY_MS - CST_OFFSET_MS  # day_start_ms
        i = np.searchsorted(times, ms, side="right") - 1
        return np.asarray(closes, np.float64)[np.maximum(i, 0)]

    return at


def daily_closes(daily: Callable[[Instrument], Bars]) -> DailyCloses:
    """:data:`DailyCloses` from a ``daily(inst)`` (the price engine's) that builds all the bars' columns."""

    def of(inst: Instrument) -> tuple[np.ndarray, np.ndarray]:
        bars = daily(inst)
        return bars["time"], bars["close"]

    return of


def pe_ratio(price: float, eps: float) -> float:
    """``price / eps`` to two decimals; 0.0 without earnings (``eps == 0``)."""
    return round(price / eps, 2) if eps else 0.0


class EarningsBook:
    """TTM earnings per share of every stock on every day, from the price engine's closes and corporate
    actions (what a :class:`~.prices.PriceEngine` needs to give its snapshots a ``pe``).

    Args:
        seed: the market seed (the statements' random draws).
        closes: ``inst -> (daily bar times, closes)`` (:data:`DailyCloses`; :func:`daily_closes` makes one
            from the price engine's ``daily``).
        actions: ``inst -> corporate actions`` (the price engine's ``corporate_actions``).
        horizon: the last day the reports are laid out through (at least :data:`HORIZON`).
        size: stocks whose series is kept (~2 kB each); the default holds the whole simulated market.
    """

    def __init__(
        self,
        seed: int,
        closes: DailyCloses,
        actions: Callable[[Instrument], Sequence[CorporateAction]],
        horizon: dt.date = HORIZON,
        size: int = 10_000,
    ) -> None:
        self.seed = int(seed)
        self._closes = closes
        self._actions = actions
        self.horizon = max(horizon, HORIZON)
        self._cache: LRU[str, Earnings] = LRU(size)

    def earnings(self, inst: Instrument) -> Earnings | None:
        """The stock's earnings series (None for anything but stocks)."""
        if inst.kind != STOCK:
            return None
        return self._cache.get_or_build(inst.code, lambda: self._build(inst))

    def ttm_eps(self, inst: Instrument, day: dt.date) -> float:
        """TTM EPS of the newest report announced on or before ``day``; 0.0 before the first one and for
        anything but stocks."""
        earnings = self.earnings(inst)
        return 0.0 if earnings is None else earnings.ttm_eps(day)

    def _build(self, inst: Instrument) -> Earnings:
        closes = closes_on_or_before(*self._closes(inst), inst.base_price)
        return build_earnings(inst, self.seed, self._actions(inst), self.horizon, closes)


def ipo_earnings(inst: Instrument, seed: int) -> Earnings:
    """The earnings series of a stock's reports as they stand before it lists: the reports announced before
    the listing cover periods before it, whose book value follows the issue price (``base_price``) and
    which no corporate action touches yet, so no price history is needed (the numbers of those reports are
    exactly the statements')."""
    return build_earnings(inst, seed, (), inst.list_date)
