"""ETF creation lists and convertible bonds.

``get_etf_info`` follows :mod:`qmt_bridge.sim.market.etf_lists`, the bond functions
:mod:`qmt_bridge.sim.market.bonds`; both are cached per market day.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qmt_bridge.sim.market import bonds
from qmt_bridge.sim.market.bars import day_start_ms
from qmt_bridge.sim.market.etf_lists import all_etfs, creation_list
from qmt_bridge.sim.market.instruments import CB, Instrument
from qmt_bridge.sim.market.lru import LRU
from qmt_bridge.sim.timeparse import parse_bound

if TYPE_CHECKING:
    from qmt_bridge.sim.market.market import SimMarket

_CB_CACHE_SIZE = 512


class FundsAPI:
    """xtdata functions: ETF creation lists and convertible bonds."""

    market: SimMarket

    # ------------------------------------------------------------------ ETF

    def get_etf_info(self) -> dict[str, dict[str, Any]]:
        """``{'510300.SH': {'market': 'SH', '基金代码': '510300', ..., '成份股信息': [{...}, ...]}}`` for every
        ETF listed by today: the creation/redemption list of the current trading day (T-1 prices)."""
        day = self.market.current_day()
        lists = _state(self).etf.get_or_build(day, lambda: self._creation_lists(day))
        return {code: _copy_entry(entry) for code, entry in lists.items()}

    def _creation_lists(self, day: dt.date) -> dict[str, dict[str, Any]]:
        prev = self.market.calendar.prev_day(day) or day
        memo: dict[tuple[str, dt.date], float | None] = {}

        def close_on(inst: Instrument, on: dt.date) -> float | None:
            key = (inst.code, on)
            if key not in memo:
                memo[key] = self._close_on(inst, on)
            return memo[key]

        return {
            inst.code: creation_list(inst, self.market.universe, self.market.sectors, day, prev, close_on)
            for inst in all_etfs(self.market.universe)
            if inst.list_date <= day
        }

    def download_etf_info(self) -> None:
        return None

    # ------------------------------------------------------------------ convertible bonds

    def download_cb_data(self) -> None:
        return None

    def get_cb_info(self, stockcode: str) -> dict[str, Any]:
        """Terms, conversion price and valuation of convertible bond ``stockcode``; ``{}`` otherwise."""
        terms = self._cb_terms(stockcode)
        if terms is None:
            return {}
        cb = self.market.universe.get(stockcode)
        stock = self.market.universe.get(terms.stock_code)
        assert cb is not None and stock is not None
        day = self._cb_value_day(cb)
        bond_price = self._close_on(cb, day) or cb.base_price
        stock_price = self._close_on(stock, day) or stock.base_price
        return bonds.cb_info(terms, day, bond_price, stock_price)

    def bnd_get_conversion_price(
        self, stock_code: str, start_time: str = "", end_time: str = ""
    ) -> pd.DataFrame:
        """Conversion price changes (``bond_conv_price_info.*`` columns), filtered on the effective date."""
        terms = self._cb_terms(stock_code)
        rows = bonds.conv_price_records(terms) if terms else []
        return _tabular(bonds.CONV_TABLE, bonds.CONV_FIELDS, rows, "effective_date", start_time, end_time)

    def bnd_get_call_info(self, stock_code: str, start_time: str = "", end_time: str = "") -> pd.DataFrame:
        """Call (redemption) events (``bond_call_info.*``), filtered on the announcement date."""
        terms = self._cb_terms(stock_code)
        rows = bonds.call_records(terms) if terms else []
        return _tabular(bonds.CALL_TABLE, bonds.CALL_FIELDS, rows, "pub_date", start_time, end_time)

    def bnd_get_put_info(self, stock_code: str, start_time: str = "", end_time: str = "") -> pd.DataFrame:
        """Put (回售) events (``bond_put_info.*``), filtered on the announcement date."""
        terms = self._cb_terms(stock_code)
        rows = bonds.put_records(terms) if terms else []
        return _tabular(bonds.PUT_TABLE, bonds.PUT_FIELDS, rows, "pub_date", start_time, end_time)

    def bnd_get_amount_change(
        self, stock_code: str, start_time: str = "", end_time: str = ""
    ) -> pd.DataFrame:
        """Outstanding-amount changes (``bond_amount_chg.*``, 10k CNY), filtered on the change date."""
        terms = self._cb_terms(stock_code)
        rows = bonds.amount_records(terms) if terms else []
        return _tabular(bonds.AMOUNT_TABLE, bonds.AMOUNT_FIELDS, rows, "change_date", start_time, end_time)

    # ------------------------------------------------------------------ internals

    def _close_on(self, inst: Instrument, day: dt.date) -> float | None:
        """Close of the last bar on or before ``day`` (None before the first bar)."""
        prices = self.market.prices
        bars = prices.kline(inst, "1d", day - dt.timedelta(days=40), day)
        if len(bars):
            return float(bars["close"][-1])
        daily = prices.daily(inst)  # a long suspension or a matured bond: search the whole history
        i = int(np.searchsorted(daily["time"], day_start_ms(day), side="right")) - 1
        return float(daily["close"][i]) if i >= 0 else None

    def _cb_value_day(self, cb: Instrument) -> dt.date:
        """The day CB prices are taken from: the last complete trading day, at most the bond's last one."""
        day = self.market.last_complete_day() or self.market.current_day()
        if cb.expire_date is not None:
            day = min(day, cb.expire_date)
        return max(day, cb.list_date)

    def _cb_terms(self, code: str) -> bonds.CBTerms | None:
        cb = self.market.universe.get(code)
        if cb is None or cb.kind != CB:
            return None
        stock = self.market.universe.get(cb.underlying)
        if stock is None:
            return None
        anchor = self._cb_value_day(cb)
        today = self.market.clock.today()
        return _state(self).cb.get_or_build(
            (code, anchor, today), lambda: self._build_cb_terms(cb, stock, anchor)
        )

    def _build_cb_terms(self, cb: Instrument, stock: Instrument, anchor: dt.date) -> bonds.CBTerms:
        prices = self.market.prices
        actions = prices.corporate_actions(stock)
        cb_daily, st_daily = prices.daily(cb), prices.daily(stock)
        return bonds.build_terms(
            cb,
            stock,
            self.market.seed,
            actions,
            self.market.calendar,
            bonds.close_lookup(cb_daily["time"], cb_daily["close"], cb.base_price),
            bonds.close_lookup(st_daily["time"], st_daily["close"], stock.base_price),
            anchor,
            self.market.clock.today(),
        )


class _State:
    def __init__(self) -> None:
        self.etf: LRU[dt.date, dict[str, dict[str, Any]]] = LRU(1)  # today's lists only
        self.cb: LRU[tuple[str, dt.date, dt.date], bonds.CBTerms] = LRU(_CB_CACHE_SIZE)


def _state(api: Any) -> _State:
    state = api.__dict__.get("_funds_state")
    if state is None:
        state = api.__dict__.setdefault("_funds_state", _State())
    return state


def _copy_entry(entry: dict[str, Any]) -> dict[str, Any]:
    out = dict(entry)
    out["成份股信息"] = [dict(c) for c in entry["成份股信息"]]
    return out


def _tabular(
    table: str, fields: tuple[str, ...], rows: list[dict], key: str, start_time: str, end_time: str
) -> pd.DataFrame:
    """xtquant's tabular result: ``'<table>.<field>'`` columns; an empty ``DataFrame()`` when nothing matches."""
    lo, hi = parse_bound(start_time, end=False), parse_bound(end_time, end=True)
    lo_i = bonds.ymd(lo.date()) if lo else None
    hi_i = bonds.ymd(hi.date()) if hi else None
    kept = [r for r in rows if (lo_i is None or r[key] >= lo_i) and (hi_i is None or r[key] <= hi_i)]
    if not kept:
        return pd.DataFrame()
    frame = pd.DataFrame(kept, columns=list(fields))
    frame.columns = [f"{table}.{f}" for f in fields]
    return frame
