"""``SimXtData``: the functions of ``xtquant.xtdata``, implemented over a :class:`SimMarket`.

Names, parameters, defaults and return shapes follow ``shared/xtquant-api.md``. Like xtquant, unknown
codes give empty results rather than errors; input validation is the server's job.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from qmt_bridge.sim.api.derivatives import DerivativesAPI
from qmt_bridge.sim.api.downloads import DownloadAPI, report_progress
from qmt_bridge.sim.api.financial import FinancialAPI
from qmt_bridge.sim.api.funds import FundsAPI
from qmt_bridge.sim.api.level2 import LEVEL2_PERIODS, Level2API
from qmt_bridge.sim.api.quote_pushes import QuotePushAPI
from qmt_bridge.sim.api.reference import ReferenceAPI
from qmt_bridge.sim.api.sectors import SectorWriteAPI
from qmt_bridge.sim.api.subscriptions import SubscriptionAPI
from qmt_bridge.sim.clock import CST
from qmt_bridge.sim.local_cache import LocalCache
from qmt_bridge.sim.market import instruments as kinds
from qmt_bridge.sim.market.bars import (
    INTRADAY_PERIODS,
    KLINE_DTYPES,
    KLINE_FIELDS,
    KLINE_PERIODS,
    Bars,
    aggregate,
    day_number,
    day_start_ms,
    ms_day_numbers,
    sum_cents,
)
from qmt_bridge.sim.market.calendar import TradingCalendar, provisional_calendar
from qmt_bridge.sim.market.corporate import adjust, factor_table
from qmt_bridge.sim.market.daily_history import issue_price
from qmt_bridge.sim.market.financials import industry_pe
from qmt_bridge.sim.market.instruments import Instrument
from qmt_bridge.sim.market.market import SimMarket
from qmt_bridge.sim.market.sectors import display_name, strip_sector_name
from qmt_bridge.sim.market.static import (
    MARKETS,
    PERIOD_LIST,
    TRADING_MARKETS,
    instrument_detail,
    instrument_type,
    trading_period,
)
from qmt_bridge.sim.market.trading_hours import fewest_bars_a_day, market_hours, schedule_of
from qmt_bridge.sim.market.valuation import ipo_earnings, pe_ratio
from qmt_bridge.sim.timeparse import as_list, parse_bound, time_labels, to_ms
from qmt_bridge.sim.unsupported import SimUnsupportedError
from qmt_bridge.subscription_units import unit_of

DIVIDEND_TYPES = ("none", "front", "back", "front_ratio", "back_ratio")
#: The end xtquant's ``get_his_st_data`` gives a period that has not ended.
ST_OPEN_END = "20380119"


log = logging.getLogger("qmt_bridge.sim")


class SimXtData(
    FinancialAPI,
    FundsAPI,
    DerivativesAPI,
    Level2API,
    SectorWriteAPI,
    DownloadAPI,
    ReferenceAPI,
    QuotePushAPI,
    SubscriptionAPI,
):
    """An ``xtquant.xtdata`` look-alike over one simulated market."""

    def __init__(self, market: SimMarket) -> None:
        self.market = market
        self.data_dir: str | None = str(market.data_dir) if market.data_dir else None
        self.enable_hello = False
        # Snapshots change at most once per 3-second tick; like xtquant's own quote cache, repeated
        # get_full_tick calls within a tick are reads. Keyed per bucket, so the cache never grows stale.
        #: (3-second bucket, {code: snapshot or None}), replaced as a whole when the bucket moves on.
        self._snapshot_cache: tuple[int | None, dict[str, dict[str, Any] | None]] = (None, {})
        self._snapshot_lock = threading.Lock()
        #: MiniQMT's local cache (``downloaded`` mode): the history getters serve only what was downloaded.
        #: None: all history is local (the default).
        self.local_cache: LocalCache | None = None
        #: Seconds ``download_history_data2`` takes per stock, as a download from the quote server would.
        self.download_seconds = 0.0

    # ------------------------------------------------------------------ connection / environment

    def connect(self, ip: str = "", port: int | None = None, remember_if_success: bool = True) -> SimXtData:
        return self

    def reconnect(self, ip: str = "", port: int | None = None, remember_if_success: bool = True) -> SimXtData:
        return self

    def disconnect(self) -> None:
        return None

    def get_client(self) -> SimXtData:
        return self

    def is_connected(self) -> bool:
        return True

    def get_data_dir(self) -> str:
        return self.data_dir or ""

    def get_markets(self) -> dict[str, str]:
        return dict(MARKETS)

    def get_authorized_market_list(self) -> list[str]:
        return list(MARKETS)

    def get_period_list(self) -> list[dict[str, str]]:
        return [dict(p) for p in PERIOD_LIST]

    # ------------------------------------------------------------------ K-lines and ticks

    def get_market_data_ex(
        self,
        field_list: list[str] | None = None,
        stock_list: list[str] | None = None,
        period: str = "1d",
        start_time: str = "",
        end_time: str = "",
        count: int = -1,
        dividend_type: str = "none",
        fill_data: bool = True,
    ) -> dict[str, pd.DataFrame]:
        """``{stock: DataFrame(index=time labels, columns=fields)}`` for the K-line periods, ``tick`` and the
        Level-2 periods. As xtquant's: a ``(metaid, period_ms)`` tuple of K-lines, such as ``(3001,
        86400000)``, is that period; the HK broker queue periods (:data:`BROKER_QUEUE_PERIODS`) answer
        ``get_broker_queue_data``. Any other period raises :class:`SimUnsupportedError` naming it (xtquant
        reads those from files the simulator does not have): never an empty answer a script carries on with."""
        if period in BROKER_QUEUE_PERIODS:
            codes = as_list(stock_list)
            named = period in ("hkbrokerqueue2", "brokerqueue2")
            return self.get_broker_queue_data(codes, start_time, end_time, count, named)
        period = TUPLE_KLINE_PERIODS.get(period, period) if isinstance(period, tuple) else period
        if not (period in KLINE_PERIODS or period == "tick" or period in LEVEL2_PERIODS):
            raise SimUnsupportedError(
                f"get_market_data_ex: the simulator has no data for period {period!r}; it serves the K-line "
                f"periods ({', '.join(KLINE_PERIODS)}), 'tick' and the Level-2 periods ({', '.join(LEVEL2_PERIODS)})"
            )
        fields = list(field_list or [])
        out: dict[str, pd.DataFrame] = {}
        for code in as_list(stock_list):
            inst = self.market.universe.get(code)
            if period in LEVEL2_PERIODS:
                out[code] = self._level2_frame(inst, period, fields, start_time, end_time, count)
                continue
            if period == "tick":
                ticks = self._ticks(inst, start_time, end_time, count) if inst else None
                out[code] = _tick_frame(ticks, fields)
                continue
            times_only = fields == ["time"]
            bars = (
                self._kline(inst, period, start_time, end_time, count, dividend_type, fill_data, times_only)
                if inst
                else None
            )
            out[code] = _kline_frame(bars, fields, period)
        return out

    def get_local_data(
        self,
        field_list: list[str] | None = None,
        stock_list: list[str] | None = None,
        period: str = "1d",
        start_time: str = "",
        end_time: str = "",
        count: int = -1,
        dividend_type: str = "none",
        fill_data: bool = True,
        data_dir: str | None = None,
    ) -> dict[str, pd.DataFrame]:
        """Same as :meth:`get_market_data_ex`: everything the simulator has is local."""
        return self.get_market_data_ex(
            field_list, stock_list, period, start_time, end_time, count, dividend_type, fill_data
        )

    def get_market_data(
        self,
        field_list: list[str] | None = None,
        stock_list: list[str] | None = None,
        period: str = "1d",
        start_time: str = "",
        end_time: str = "",
        count: int = -1,
        dividend_type: str = "none",
        fill_data: bool = True,
    ) -> dict[str, Any]:
        """Field-major: ``{field: DataFrame(index=stocks, columns=time labels)}`` for K-lines;
        ``{stock: structured ndarray}`` for ``tick`` and the Level-2 periods, as xtquant's (xtdata.py
        ``get_market_data``: other periods return ``get_market_data_ori``), order book levels included."""
        codes = as_list(stock_list)
        frames = self.get_market_data_ex(
            [], codes, period, start_time, end_time, count, dividend_type, fill_data
        )
        if period not in KLINE_PERIODS:
            return {code: _to_structured(frame) for code, frame in frames.items()}
        fields = list(field_list or []) or list(KLINE_FIELDS)
        labels = sorted({label for frame in frames.values() for label in frame.index})
        result = {}
        for field in fields:
            table = pd.DataFrame(index=codes, columns=labels, dtype="float64")
            for code, frame in frames.items():
                if field in frame.columns and len(frame):
                    table.loc[code, frame.index] = frame[field].to_numpy(dtype="float64")
            result[field] = table
        return result

    def get_full_kline(
        self,
        field_list: list[str] | None = None,
        stock_list: list[str] | None = None,
        period: str = "1m",
        start_time: str = "",
        end_time: str = "",
        count: int = 1,
        dividend_type: str = "none",
        fill_data: bool = True,
    ) -> dict[str, Any]:
        """Bars of the latest trading day only (the K-line mirror), field-major like get_market_data."""
        day = self.market.current_day().strftime("%Y%m%d")
        start = max(start_time or day, day)
        return self.get_market_data(
            field_list, stock_list, period, start, end_time, count, dividend_type, fill_data
        )

    def get_full_tick(self, code_list: list[str]) -> dict[str, dict[str, Any]]:
        """Latest snapshot per code; market names (``'SH'``, ``'SZ'``...) expand to the whole market.

        Snapshots are cached for the 3-second tick they belong to. Codes missing from the cache are computed
        together (one vectorised pass) under a lock, so that concurrent callers wait for one computation
        instead of each repeating it (the work is CPU-bound: in parallel it would only take longer).
        """
        now = self.market.now()
        bucket = int(now.timestamp()) // 3
        codes = self._expand_markets(as_list(code_list))
        cached_bucket, cache = self._snapshot_cache
        if bucket == cached_bucket and all(code in cache for code in codes):
            return {code: _copy_snapshot(snap) for code in codes if (snap := cache[code]) is not None}
        with self._snapshot_lock:
            cached_bucket, cache = self._snapshot_cache
            if cached_bucket is None or bucket > cached_bucket:
                cache = {}
                self._snapshot_cache = (bucket, cache)
            elif bucket < cached_bucket:
                cache = {}  # a caller that read the clock before the tick moved on: answer, do not cache
            missing = [code for code in dict.fromkeys(codes) if code not in cache]
            if missing:
                universe = self.market.universe
                known = [(code, inst) for code in missing if (inst := universe.get(code)) is not None]
                snaps = self.market.prices.snapshots([inst for _, inst in known], now)
                found: dict[str, dict[str, Any] | None] = dict.fromkeys(missing)
                found.update((code, snap) for (code, _), snap in zip(known, snaps, strict=True))
                cache.update(found)  # one update: lock-free readers never see a half-filled answer
        return {code: _copy_snapshot(snap) for code in codes if (snap := cache[code]) is not None}

    def get_divid_factors(self, stock_code: str, start_time: str = "", end_time: str = "") -> pd.DataFrame:
        """One row per ex-date: ``interest, stockBonus, stockGift, allotNum, allotPrice, gugai, dr``."""
        inst = self.market.universe.get(stock_code)
        columns = ["time", "interest", "stockBonus", "stockGift", "allotNum", "allotPrice", "gugai", "dr"]
        if inst is None:
            return pd.DataFrame(columns=columns)
        rows = factor_table(self._actions(inst))
        lo, hi = parse_bound(start_time, end=False), parse_bound(end_time, end=True)
        rows = [
            r
            for r in rows
            if (lo is None or r["time"] >= to_ms(lo)) and (hi is None or r["time"] <= to_ms(hi))
        ]
        frame = pd.DataFrame(rows, columns=columns)
        frame.index = [dt.datetime.fromtimestamp(t / 1000, CST).strftime("%Y%m%d") for t in frame["time"]]
        return frame

    # ------------------------------------------------------------------ calendar

    def get_trading_dates(
        self, market: str, start_time: str = "", end_time: str = "", count: int = -1
    ) -> list[int]:
        """Trading days up to today as ms at 00:00 CST."""
        if market not in TRADING_MARKETS:
            return []
        lo, hi = parse_bound(start_time, end=False), parse_bound(end_time, end=True)
        end = self.market.current_day()
        if hi is not None:
            end = min(end, hi.date())
        days = self.market.calendar.between(lo.date() if lo else None, end)
        if count is not None and count >= 0:
            days = days[-count:] if count else []
        return [day_start_ms(d) for d in days]

    def get_trading_calendar(self, market: str, start_time: str = "", end_time: str = "") -> list[str]:
        """Trading days as ``'YYYYMMDD'``, future ones included; only SH/SZ, like xtquant.

        Future days reach to the end of the year after the recorded holidays, on estimated holidays
        (:func:`~qmt_bridge.sim.market.calendar.provisional_calendar`), as :meth:`get_holidays` lists them.
        """
        if market not in ("SH", "SZ"):
            raise Exception(f"get_trading_calendar supports only SH and SZ, not {market!r}")
        cal = provisional_calendar()
        lo, hi = parse_bound(start_time, end=False), parse_bound(end_time, end=True)
        if hi is not None:
            cal.check_covered(hi.date())
        days = cal.between(lo.date() if lo else None, hi.date() if hi else None)
        return [d.strftime("%Y%m%d") for d in days]

    def compute_coming_trading_calendar(
        self, market: str, start_time: str = "", end_time: str = ""
    ) -> list[str]:
        today = self.market.clock.today()
        lo = parse_bound(start_time, end=False)
        start = max(today + dt.timedelta(days=1), lo.date() if lo else today)
        return self.get_trading_calendar(market, start.strftime("%Y%m%d"), end_time)

    def get_holidays(self) -> list[str]:
        """Recorded holidays, then the estimated ones of the year after them (see :meth:`get_trading_calendar`)."""
        return [d.strftime("%Y%m%d") for d in provisional_calendar().holidays()]

    def get_market_last_trade_date(self, market: str) -> int:
        if market not in TRADING_MARKETS:
            return 0
        return day_start_ms(self.market.current_day(market_hours(market)))  # SHFE's from 21:00: the next day

    def get_trading_period(self, stock_code: str) -> dict[str, Any]:
        inst = self.market.universe.get(stock_code)
        market = inst.market if inst else stock_code.rsplit(".", 1)[-1]
        return trading_period(market, inst)

    # ------------------------------------------------------------------ instruments

    def get_instrument_detail(self, stock_code: str, iscomplete: bool = False) -> dict[str, Any] | None:
        """xtquant's detail record; ``InstrumentName`` carries the ST / *ST prefix on the detail's
        ``TradingDay`` while the stock is under the label (the same day as ``IsST`` and the limit prices)."""
        inst = self.market.universe.get(stock_code)
        if inst is None:
            return None
        detail = instrument_detail(self.market, inst, iscomplete)
        if inst.st_periods:
            day = dt.datetime.strptime(detail["TradingDay"], "%Y%m%d").date()
            detail["InstrumentName"] = display_name(inst, day)
        return detail

    def get_instrument_detail_list(
        self, stock_list: list[str], iscomplete: bool = False
    ) -> dict[str, dict[str, Any] | None]:
        return {code: self.get_instrument_detail(code, iscomplete) for code in as_list(stock_list)}

    def get_instrument_type(self, stock_code: str, variety_list: list[str] | None = None) -> dict[str, bool]:
        inst = self.market.universe.get(stock_code)
        flags = instrument_type(inst) if inst else {}
        if variety_list:
            return {v: flags.get(v, False) for v in variety_list}
        return flags

    get_stock_type = get_instrument_type

    def get_ipo_info(self, start_time: str = "", end_time: str = "") -> list[dict[str, Any]]:
        """New listings (A-shares) whose listing date falls in the range."""
        lo, hi = parse_bound(start_time, end=False), parse_bound(end_time, end=True)
        rows = []
        universe = self.market.universe
        for inst in [*universe.by_kind(kinds.STOCK), *universe.upcoming]:
            if lo is not None and inst.list_date < lo.date():
                continue
            if hi is not None and inst.list_date > hi.date():
                continue
            if inst.list_date > self.market.clock.today() + dt.timedelta(days=30):
                continue
            rows.append(_ipo_row(inst, self.market.calendar, issue_price(inst), self.market.seed))
        return rows

    def get_index_weight(self, index_code: str) -> dict[str, float]:
        weights = self.market.sectors.index_weights(index_code, self.market.current_day())
        return dict(weights or {})

    def get_his_st_data(self, stock_code: str) -> dict[str, list[list[str]]]:
        inst = self.market.universe.get(stock_code)
        if inst is None or not inst.st_periods:
            return {}
        # As the wheel: a period still running ends on '20380119', and only labels that occur are keys.
        today = self.market.clock.today()
        spans = [
            [a.strftime("%Y%m%d"), ST_OPEN_END if b >= today else b.strftime("%Y%m%d")]
            for a, b in inst.st_periods
            if a <= today
        ]
        return {inst.st_label: spans} if spans else {}

    # ------------------------------------------------------------------ sectors

    def get_sector_list(self) -> list[str]:
        return [*self.market.sectors.names(), *self.market.custom_sectors.sector_names()]

    def get_stock_list_in_sector(self, sector_name: str, real_timetag: int | str = -1) -> list[str]:
        name = strip_sector_name(sector_name)
        on = None
        if real_timetag not in (-1, "", None):
            moment = parse_bound(real_timetag, end=False)
            on = moment.date() if moment else None
        custom = self.market.custom_sectors.members(name)
        if custom is not None:
            return custom
        members = self.market.sectors.members(name, on)
        return list(members or [])

    get_stock_list = get_stock_list_in_sector

    def get_sector_info(self, sector_name: str = "") -> pd.DataFrame:
        rows = [*self.market.sectors.info(), *self.market.custom_sectors.info()]
        if sector_name:
            rows = [r for r in rows if r[0] == sector_name]
        return pd.DataFrame(rows, columns=["sector", "category"])

    # ------------------------------------------------------------------ downloads (the simulator has everything)

    def download_history_data(
        self,
        stock_code: str,
        period: str,
        start_time: str = "",
        end_time: str = "",
        incrementally: bool | None = None,
    ) -> None:
        return None

    supply_history_data = download_history_data

    def download_history_data2(
        self,
        stock_list: list[str] | str,
        period: str,
        start_time: str = "",
        end_time: str = "",
        callback: Callable[[dict[str, Any]], None] | None = None,
        incrementally: bool | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Reports progress per stock like xtquant, and returns ``{stock: {start_time, end_time}}`` (the range
        held). Takes :attr:`download_seconds` per stock; in the ``downloaded`` mode (:attr:`local_cache`)
        the asked range becomes local."""
        codes = as_list(stock_list)
        result: dict[str, dict[str, Any]] = {}
        lo, hi = parse_bound(start_time, end=False), parse_bound(end_time, end=True)
        for i, code in enumerate(codes, 1):
            if self.download_seconds:
                time.sleep(self.download_seconds)
            inst = self.market.universe.get(code)
            if inst is not None:
                first = max(inst.list_date, self._period_window_start(period))
                last = self.market.current_day()
                if self.local_cache is not None:
                    self.local_cache.add(
                        code,
                        period,
                        max(first, lo.date()) if lo else first,
                        min(last, hi.date()) if hi else last,
                    )
                result[code] = {
                    "start_time": dt.datetime.combine(first, dt.time(0)),
                    "end_time": dt.datetime.combine(last, dt.time(0)),
                }
            report_progress(callback, {"finished": i, "total": len(codes), "stockcode": code, "message": ""})
        return result

    # ------------------------------------------------------------------ internals

    def _expand_markets(self, codes: Iterable[str]) -> list[str]:
        """Codes, with a market name (``SH``, ``IF``, ...) replaced by the codes trading there: contracts,
        bonds and options that expired before the last trading day are history, not quotes."""
        out: list[str] = []
        for code in codes:
            if "." not in code and code in MARKETS:
                universe, day = self.market.universe, self.market.current_day()
                for listed in universe.codes(market=code):
                    expiry = universe.get(listed).expire_date
                    if expiry is None or expiry >= day:
                        out.append(listed)
            else:
                out.append(code)
        return out

    def _actions(self, inst: Instrument) -> list[Any]:
        today = self.market.clock.today()
        return [a for a in self.market.prices.corporate_actions(inst) if a.ex_date <= today]

    def _period_window_start(self, period: str) -> dt.date:
        if period in INTRADAY_PERIODS:
            return self.market.intraday_window_start()
        if period == "tick":
            return self.market.intraday_window_start(ticks=True)
        return self.market.calendar.sessions[0]

    def _kline(
        self,
        inst: Instrument,
        period: str,
        start_time: str,
        end_time: str,
        count: int,
        dividend_type: str,
        fill_data: bool,
        times_only: bool = False,
    ) -> Bars | None:
        """The bars of a request; with ``times_only`` (only ``time`` is asked) they may hold nothing else."""
        if period not in KLINE_PERIODS:
            return None
        if dividend_type not in DIVIDEND_TYPES:
            # xtquant hands any string to its client, which answers unadjusted bars; a script with a typo
            # gets the same here, and a warning saying so.
            log.warning("unknown dividend_type %r: answering unadjusted bars, as xtquant does", dividend_type)
            dividend_type = "none"
        lo, hi = parse_bound(start_time, end=False), parse_bound(end_time, end=True)
        days = self._days_served(inst, period, lo, hi)
        if not days or count == 0:
            return None
        if period in INTRADAY_PERIODS:
            if count > 0 and lo is None:
                need = math.ceil(count / fewest_bars_a_day(schedule_of(inst), period)) + 1
                days = days[-need:]
            if times_only and not self._in_session(inst, days):  # no price to build, none to adjust
                bars = self.market.prices.kline_times(inst, period, days[0], days[-1])
            else:
                bars = self._intraday_until_now(inst, period, days)
                bars = adjust(bars, self._actions(inst), dividend_type)
            if self.local_cache is not None:
                bars = _on_days(bars, days)
        else:
            bars = self._daily_until_now(inst, days)
            if self.local_cache is not None:
                bars = _on_days(bars, days)
            bars = adjust(bars, self._actions(inst), dividend_type)
            if period != "1d":
                bars = aggregate(bars, period)
        bars = _within(bars, lo, hi)
        if count > 0:
            bars = bars.tail(count)
        if not fill_data and "suspendFlag" in bars:
            bars = _blank_suspended(bars)
        return bars

    def _in_session(self, inst: Instrument, days: list[dt.date]) -> bool:
        """Whether the last of ``days`` is a trading day still in session for ``inst`` (its bars are
        forming)."""
        complete = self.market.last_complete_day(schedule_of(inst))
        return complete is None or days[-1] > complete

    def _intraday_until_now(self, inst: Instrument, period: str, days: list[dt.date]) -> Bars:
        """Intraday bars of ``period`` for ``days``; in session, today's end with the bar in progress, as a
        live chart shows it (built from the finished minutes and the minute in progress)."""
        prices = self.market.prices
        if not self._in_session(inst, days):
            return prices.kline(inst, period, days[0], days[-1])
        today = aggregate(prices.minutes_until(inst, self.market.now()), period, schedule_of(inst))
        if len(days) == 1:
            return today
        before = prices.kline(inst, period, days[0], days[-2])
        return Bars.concat([before, today]) if len(today) else before

    def _daily_until_now(self, inst: Instrument, days: list[dt.date]) -> Bars:
        """Daily bars for ``days``; today's bar, while the session runs, is built from the minutes so far
        and the one in progress, so that it agrees with the snapshot (``get_full_tick``) of the moment."""
        daily = self.market.prices.daily(inst)
        t = daily["time"]
        last = days[-1]
        bars = daily.take((t >= day_start_ms(days[0])) & (t <= day_start_ms(last)))
        if not self._in_session(inst, days):
            return bars
        minutes = self.market.prices.minutes_until(inst, self.market.now())
        if len(minutes) == 0 or len(bars) == 0 or bars["time"][-1] != day_start_ms(last):
            return bars
        partial = _collapse_day(minutes, bars.tail(1))
        return Bars.concat([bars.take(np.arange(len(bars) - 1)), partial])

    def _ticks(self, inst: Instrument, start_time: str, end_time: str, count: int) -> Bars | None:
        lo, hi = parse_bound(start_time, end=False), parse_bound(end_time, end=True)
        days = self._days_served(inst, "tick", lo, hi)
        if count > 0 and lo is None:
            days = days[-2:]
        if not days or count == 0:
            return None
        bars = Bars.concat([self.market.prices.ticks(inst, d) for d in days])
        bars = _within(bars.take(bars["time"] <= to_ms(self.market.now())), lo, hi)
        return bars.tail(count) if count > 0 else bars

    def _days_served(
        self, inst: Instrument, period: str, lo: dt.datetime | None, hi: dt.datetime | None
    ) -> list[dt.date]:
        """Trading days with data for a request: listed, inside the period's history window and
        ``[lo, hi]``, begun as of now, not after expiry."""
        first = max(inst.list_date, self._period_window_start(period))
        if lo is not None:
            first = max(first, lo.date())
        days = self.market.history_days(first, hi.date() if hi else None, schedule_of(inst))
        if inst.expire_date is not None:
            days = [d for d in days if d <= inst.expire_date]
        if self.local_cache is not None:
            days = self.local_cache.keep(inst.code, period, days)
        return days


# ---------------------------------------------------------------------- helpers


#: K-line fields metaInfo.json (3001) types ``int``: 32-bit in xtquant's frames (``long`` ones are 64-bit).
KLINE_INT32_FIELDS = frozenset({"openInterest", "suspendFlag"})


def _kline_frame(bars: Bars | None, fields: list[str], period: str) -> pd.DataFrame:
    """Bars as xtquant's frame: time labels as index, metaInfo's dtypes; an empty answer keeps the columns'
    dtypes and an empty (object) index, as xtquant's frame built from empty arrays."""
    columns = fields or list(KLINE_FIELDS)
    if bars is None:
        bars = Bars.empty([c for c in columns if c in KLINE_DTYPES])
    data = {}
    for f in columns:
        if f in bars.columns:
            values = bars[f]
            if f in KLINE_INT32_FIELDS and values.dtype.kind == "i":
                values = values.astype(np.int32)
            data[f] = values
    order = [c for c in columns if c in data]
    if not data:
        frame = pd.DataFrame(data, columns=order)
        frame.index = pd.Index([], dtype=object)
        return frame
    # The index in the constructor and no column list: half the time (a read-back asks for many frames).
    index = _time_index(bars["time"], period in INTRADAY_PERIODS) if len(bars) else pd.Index([], dtype=object)
    if len({values.dtype for values in data.values()}) == 1:
        # One dtype (a read-back's ``time`` alone): one block from a fresh 2-D array, a fifth of the time.
        block = np.column_stack([data[name] for name in order])
        return pd.DataFrame(block, index=index, columns=_column_index(tuple(order)).copy(), copy=False)
    frame = pd.DataFrame(data, index=index)
    return frame if len(order) == len(data) else frame[order]  # a field asked twice comes twice


@functools.lru_cache(maxsize=256)
def _column_index(names: tuple[str, ...]) -> pd.Index:
    """Column labels as the dict constructor infers them (each frame gets its own copy: a name a script sets
    stays on its frame)."""
    return pd.Index(list(names))


#: Time arrays up to this length have their index kept (a day of 1m bars is 241), the latest 64 of them
#: (a few MB at most).
_SHARED_INDEX_MAX = 2_000


def _time_index(times: np.ndarray, intraday: bool) -> pd.Index:
    """The labels of ``times`` as an index. Short ones are kept: the codes of one request mostly have the
    same bars' times (a download's read-back asks for a day of many); each frame gets a view of its own
    (the labels are shared, immutable; a name a script sets on one frame's index stays there)."""
    if len(times) > _SHARED_INDEX_MAX:
        return pd.Index(time_labels(times, intraday), dtype=object)
    return _shared_time_index(np.asarray(times, np.int64).tobytes(), intraday).copy()


@functools.lru_cache(maxsize=64)
def _shared_time_index(times: bytes, intraday: bool) -> pd.Index:
    return pd.Index(time_labels(np.frombuffer(times, np.int64), intraday), dtype=object)


def _tick_frame(bars: Bars | None, fields: list[str]) -> pd.DataFrame:
    names = list(bars.columns) if bars is not None else ["time", "lastPrice"]
    columns = fields or names
    if bars is None or len(bars) == 0:
        return pd.DataFrame(columns=columns)
    data: dict[str, Any] = {}
    for f in columns:
        if f not in bars.columns:
            continue
        col = bars[f]
        data[f] = list(col.tolist()) if col.ndim == 2 else col
    frame = pd.DataFrame(data)
    frame.index = time_labels(bars["time"], True)
    return frame


#: Periods that answer the HK broker queues (xtdata.py ``get_market_data_ex`` and ``__TUPLE_PERIODS``);
#: the ``2`` forms name the brokers.
BROKER_QUEUE_PERIODS = ("hkbrokerqueue", "hkbrokerqueue2", "brokerqueue", "brokerqueue2", (1820, 0))

#: xtquant's ``(metaid, period_ms)`` names of the K-line periods (xtdata.py ``__STR_PERIODS``).
TUPLE_KLINE_PERIODS = {
    (3001, 60000): "1m",
    (3001, 300000): "5m",
    (3001, 900000): "15m",
    (3001, 1800000): "30m",
    (3001, 3600000): "1h",
    (3001, 86400000): "1d",
}

#: Fields metaInfo.json types as ``int`` (32 bits) in the tick and Level-2 records; other integers are ``long``.
INT32_FIELDS = frozenset({"openInt", "transactionNum", "stockStatus", "askVol", "bidVol"})


def _to_structured(frame: pd.DataFrame) -> np.ndarray:
    """A records frame as a numpy structured array: list columns (order book levels) become fixed-length
    sub-array fields (shorter lists zero-padded), integers ``int32`` where xtquant's metaInfo has ``int``."""
    fields: list[tuple[Any, ...]] = []
    columns: dict[str, np.ndarray] = {}
    for name in frame.columns:
        column = frame[name]
        if len(frame) and isinstance(column.iloc[0], (list, tuple, np.ndarray)):
            width = max(len(v) for v in column)
            kind = np.int32 if name in INT32_FIELDS else np.float64 if "Price" in name else np.int64
            block = np.zeros((len(frame), width), dtype=kind)
            for i, levels in enumerate(column):
                block[i, : len(levels)] = levels
            fields.append((name, kind, (width,)))
            columns[name] = block
        else:
            values = column.to_numpy()
            if name in INT32_FIELDS and values.dtype.kind == "i":
                values = values.astype(np.int32)
            fields.append((name, values.dtype))
            columns[name] = values
    array = np.zeros(len(frame), dtype=fields)
    for name, values in columns.items():
        array[name] = values
    return array


def _within(bars: Bars, lo: dt.datetime | None, hi: dt.datetime | None) -> Bars:
    """Rows whose ``time`` lies in the closed range ``[lo, hi]`` (``None`` = unbounded)."""
    if lo is None and hi is None:
        return bars
    t = bars["time"]
    keep = np.ones(len(bars), dtype=bool)
    if lo is not None:
        keep &= t >= to_ms(lo)
    if hi is not None:
        keep &= t <= to_ms(hi)
    return bars.take(keep)


def _on_days(bars: Bars, days: list[dt.date]) -> Bars:
    """The bars of ``days`` alone: the ``downloaded`` mode's spans may leave days out inside a range."""
    wanted = np.array([day_number(d) for d in days], np.int64)
    return bars.take(np.isin(ms_day_numbers(bars["time"]), wanted))


def _blank_suspended(bars: Bars) -> Bars:
    """``fill_data=False``: a bar with no trade (suspended) has every field but ``time`` NaN, as xtquant's
    (xtdata.py ``get_market_data`` docstring: "为False时，缺失数据所有字段填NaN")."""
    suspended = bars["suspendFlag"] == 1
    if not suspended.any():
        return bars
    columns = dict(bars.columns)
    for f in columns:
        if f == "time":
            continue
        col = columns[f].astype("float64", copy=True)
        col[suspended] = np.nan
        columns[f] = col
    return Bars(columns)


def _collapse_day(minutes: Bars, day_bar: Bars) -> Bars:
    """One daily bar from the minutes traded so far (the forming bar of today)."""
    cols = dict(day_bar.columns)
    cols = {k: v.copy() for k, v in cols.items()}
    cols["open"][0] = minutes["open"][0]
    cols["high"][0] = minutes["high"].max()
    cols["low"][0] = minutes["low"].min()
    cols["close"][0] = minutes["close"][-1]
    cols["volume"][0] = minutes["volume"].sum()
    cols["amount"][0] = sum_cents(minutes["amount"])
    if "openInterest" in minutes.columns:
        cols["openInterest"][0] = minutes["openInterest"][-1]
    if "settelementPrice" in cols:
        cols["settelementPrice"][0] = 0.0  # settled after the close, as the snapshot's settlementPrice
    return Bars(cols)


def _subscription_code(inst: Instrument) -> str:
    """SSE subscribes under 732xxx (main board) / 787xxx (STAR); SZSE and BSE use the stock code."""
    if inst.market != "SH":
        return inst.symbol
    return ("787" if inst.board == kinds.STAR else "732") + inst.symbol[3:]


def _ipo_row(inst: Instrument, calendar: TradingCalendar, issue_price: float, seed: int) -> dict[str, Any]:
    """An IPO as the exchanges run it: subscription on T (8 trading days before listing), the lottery
    numbers (中签号, ``declareDate``) and the payment (``paymentDate``) on T+2, the first day's preClose
    (``issue_price``) the issue price. PEs: :func:`_ipo_pes`."""
    qty = max(inst.float_shares // 10, 10_000_000)
    unit = unit_of(f"{_subscription_code(inst)}.{inst.market}")  # one 申购单位: SH main board 1,000 shares
    listed = bisect.bisect_left(calendar.sessions, inst.list_date)
    subscribe = calendar.sessions[max(listed - 8, 0)]
    declare = calendar.sessions[max(listed - 6, 0)]  # T+2: numbers published, winners pay
    return {
        "securityCode": inst.code,
        "codeName": inst.name,
        "market": inst.market,
        "actIssueQty": int(qty),
        "onlineIssueQty": int(qty * 0.3),
        "onlineSubCode": _subscription_code(inst),
        "onlineSubMaxQty": max(int(qty * 0.3 / 1000) // unit * unit, unit),
        "publishPrice": issue_price,
        "startDate": subscribe.strftime("%Y%m%d"),
        "onlineSubMinQty": unit,
        **_ipo_pes(inst, issue_price, qty, subscribe, seed),
        "listedDate": inst.list_date.strftime("%Y%m%d"),
        "declareDate": declare.strftime("%Y%m%d"),
        "paymentDate": declare.strftime("%Y%m%d"),
        "lwr": round(0.02 + (sum(map(ord, inst.name)) % 50) / 1000, 4),
    }


def _ipo_pes(inst: Instrument, issue_price: float, qty: int, subscribe: dt.date, seed: int) -> dict[str, Any]:
    """``isProfit``, ``industryPe``, ``beforePE``, ``afterPE`` of an IPO, with the snapshots' definition
    (:mod:`.market.valuation`): the issue price over the TTM earnings per share of the company's reports
    announced by the subscription day, on the shares after the issue (``afterPE``, ``Capital.total_capital``)
    and before it (``beforePE``, without the ``qty`` issued); negative for a loss (``isProfit`` 0).
    ``industryPe`` is the model's PE level of the industry (:func:`.market.financials.industry_pe`).

    The simulated reports start with the listing year's first quarter, so a company subscribing before its
    first report is announced (listings up to about May) has no earnings to divide by: its PEs stay a
    fixed pseudo-random level (15-54, from the code), and ``isProfit`` 1. Real prospectuses use the last
    audited year, which the simulator does not report.
    """
    eps = ipo_earnings(inst, seed).ttm_eps(subscribe)
    if not eps:
        pe = round(15 + (sum(map(ord, inst.code)) % 40), 2)
        return {"isProfit": 1, "industryPe": industry_pe(inst), "beforePE": pe, "afterPE": round(pe * 1.3, 2)}
    before_eps = eps * inst.total_shares / max(inst.total_shares - qty, 1) if inst.total_shares else eps
    return {
        "isProfit": int(eps > 0),
        "industryPe": industry_pe(inst),
        "beforePE": pe_ratio(issue_price, before_eps),
        "afterPE": pe_ratio(issue_price, eps),
    }


_BOOK_FIELDS = ("askPrice", "bidPrice", "askVol", "bidVol")


def _copy_snapshot(snap: dict[str, Any]) -> dict[str, Any]:
    """A caller's own copy of a cached snapshot (its book lists included)."""
    out = dict(snap)
    for key in _BOOK_FIELDS:
        out[key] = list(snap[key])
    return out
