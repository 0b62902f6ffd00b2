"""Financial statements (get_financial_data and its downloads).

Reports come from :mod:`qmt_bridge.sim.market.financials` (one per quarter from the listing year); a caller
only sees those announced on or before the market's today. Histories are built once per stock and cached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qmt_bridge.sim.api.downloads import report_progress
from qmt_bridge.sim.market.bars import day_start_ms
from qmt_bridge.sim.market.financials import TABLES, FinancialHistory, build_history
from qmt_bridge.sim.market.instruments import STOCK, Instrument
from qmt_bridge.sim.market.lru import LRU
from qmt_bridge.sim.timeparse import as_list, parse_bound

if TYPE_CHECKING:
    from qmt_bridge.sim.market.market import SimMarket

#: xtquant's table list when ``table_list`` is empty (``download_financial_data``'s order).
_DOWNLOAD_TABLES = [
    "Balance",
    "Income",
    "CashFlow",
    "Capital",
    "Top10FlowHolder",
    "Top10Holder",
    "HolderNum",
    "PershareIndex",
]
_BY_UPPER = {t.upper(): t for t in TABLES}
_HISTORY_CACHE_SIZE = 4096
#: Histories are laid out to at least the end of the simulated timeline, so the cache never goes stale.
_HORIZON = dt.date(2026, 12, 31)


class FinancialAPI:
    """xtdata functions: Financial statements (get_financial_data and its downloads)."""

    market: SimMarket

    def get_financial_data(
        self,
        stock_list: list[str],
        table_list: list[str] = [],  # noqa: B006 (xtquant's own signature; never mutated)
        start_time: str = "",
        end_time: str = "",
        report_type: str = "report_time",
    ) -> dict[str, dict[str, pd.DataFrame]]:
        """``{stock: {table: DataFrame}}``, one row per report (Top10 tables: ten rows per report).

        Table names are case-insensitive and the result keys echo the caller's spelling (an empty list means
        all eight, spelled ``Balance, Income, CashFlow, Capital, HolderNum, Top10Holder, Top10FlowHolder,
        PershareIndex``); unknown table names are left out. ``report_type='report_time'`` filters
        ``[start_time, end_time]`` on the period end (``m_timetag`` / ``endDate``), ``'announce_time'`` on the
        announcement date (``m_anntime`` / ``declareDate``). Only reports announced by today are returned.
        Non-stocks and unknown codes map to ``{}``.
        """
        names: dict[str, str] = {}  # canonical table -> caller's spelling (last one wins, like xtquant)
        for table in list(table_list or []) or list(TABLES):
            canonical = _BY_UPPER.get(str(table).upper())
            if canonical is not None:
                names[canonical] = table
        lo = parse_bound(start_time, end=False)
        hi = parse_bound(end_time, end=True)
        lo_d = lo.date() if lo else None
        hi_d = hi.date() if hi else None
        by_announce = report_type == "announce_time"
        today = self.market.clock.today()
        result: dict[str, dict[str, pd.DataFrame]] = {}
        for code in as_list(stock_list):
            history = self._financial_history(code)
            if history is None:
                result[code] = {}
                continue
            result[code] = {
                spelled: history.query(canonical, today, lo_d, hi_d, by_announce)
                for canonical, spelled in names.items()
            }
        return result

    def download_financial_data(
        self,
        stock_list: list[str],
        table_list: list[str] = [],  # noqa: B006 (xtquant's own signature; never mutated)
        start_time: str = "",
        end_time: str = "",
        incrementally: bool | None = None,
    ) -> None:
        """Synchronous no-op: the simulator has every report locally (histories are built on first read)."""
        return None

    def download_financial_data2(
        self,
        stock_list: list[str],
        table_list: list[str] = [],  # noqa: B006 (xtquant's own signature; never mutated)
        start_time: str = "",
        end_time: str = "",
        callback: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        """Calls ``callback({'total': N, 'finished': k})`` once per stock x table (errors swallowed)."""
        tables = list(table_list or []) or list(_DOWNLOAD_TABLES)
        codes = as_list(stock_list)
        data: dict[str, Any] = {"total": len(tables) * len(codes)}
        for finished in range(1, data["total"] + 1):
            data["finished"] = finished  # one dict, updated in place, as xtquant does
            report_progress(callback, data)
        return None

    # ------------------------------------------------------------------ internals

    def _financial_history(self, code: str) -> FinancialHistory | None:
        inst = self.market.universe.get(code)
        if inst is None or inst.kind != STOCK:
            return None
        return _history_cache(self).get_or_build(code, lambda: self._build_history(inst))

    def _build_history(self, inst: Instrument) -> FinancialHistory:
        prices = self.market.prices
        actions = prices.corporate_actions(inst)
        daily = prices.daily(inst)
        times, closes = daily["time"], daily["close"]

        def price_at(day: dt.date) -> float:
            i = int(np.searchsorted(times, day_start_ms(day), side="right")) - 1
            return float(closes[max(i, 0)]) if len(closes) else inst.base_price

        horizon = max(_HORIZON, self.market.clock.today())
        return build_history(inst, self.market.seed, actions, horizon, price_at)


def _history_cache(api: Any) -> LRU[str, FinancialHistory]:
    cache = api.__dict__.get("_financial_cache")
    if cache is None:
        cache = api.__dict__.setdefault("_financial_cache", LRU(_HISTORY_CACHE_SIZE))
    return cache
