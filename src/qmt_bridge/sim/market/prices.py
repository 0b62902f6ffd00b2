"""The simulator's price engine, :class:`PriceEngine`: the daily bars of every instrument (built by
``daily_history``: the model is described there) and each day's 1m bars (built by ``intraday``), ticks and snapshots (by
``ticks``), cached.

Everything is a pure function of ``(seed, instrument, day)`` (and of the index an ETF or index future tracks,
or, for A-shares, of the market index, themselves pure functions of the seed). The engine caches each
instrument's compact daily history, the inputs of its next intraday days, and the packed intraday state of
each instrument-day it served (enough for a whole-market snapshot every 3 seconds without rebuilding a day).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Callable, Sequence

import numpy as np

from qmt_bridge.sim.clock import CST
from qmt_bridge.sim.market.bars import (
    INTRADAY_PERIODS,
    KLINE_PERIODS,
    Bars,
    aggregate,
    day_number,
    day_start_ms,
)
from qmt_bridge.sim.market.calendar import TradingCalendar
from qmt_bridge.sim.market.continuous import is_continuous, splice
from qmt_bridge.sim.market.corporate import CorporateAction
from qmt_bridge.sim.market.daily_history import DailyHistory, _Daily
from qmt_bridge.sim.market.index_turnover import Population
from qmt_bridge.sim.market.instruments import (
    FUTURE,
    Instrument,
)
from qmt_bridge.sim.market.intraday import DaysAhead, Intraday, bars_of, build_intraday
from qmt_bridge.sim.market.lru import LRU
from qmt_bridge.sim.market.rules import (
    multiplier,
    price_decimals,
    price_limits,
    to_price,
)
from qmt_bridge.sim.market.ticks import empty_ticks, forming_minute, snapshot_dicts, snapshot_moment, ticks_of
from qmt_bridge.sim.market.trading_hours import anchors_ms, grid_of, schedule_of
from qmt_bridge.sim.market.universe import (
    Universe,
)
from qmt_bridge.sim.market.valuation import EarningsBook
from qmt_bridge.sim.market.walk import (
    DECAY,
)


class PriceEngine(DailyHistory):
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
        universe_lookup: Callable[[], Universe] | None = None,
        daily_cache_size: int = 2048,
        minute_cache_size: int = 1024,
        day_cache_size: int = 10_000,
    ) -> None:
        self.calendar = calendar
        self.seed = int(seed)
        self.instrument_lookup = instrument_lookup
        #: The universe of the clock's day: continuous futures contracts are spliced from its main contracts
        #: (``continuous``); without it they are walks of their own.
        self.universe_lookup = universe_lookup
        self._splices: LRU[tuple[Instrument, dt.date], _Daily] = LRU(64)
        self._daily_cache = LRU(daily_cache_size)
        self._minute_cache = LRU(minute_cache_size)
        self._day_cache = LRU(day_cache_size)
        self._ahead_cache = LRU(day_cache_size)  # ~2 kB each: the next days without the daily history
        #: (code, day) -> that day's reference prices as ``get_instrument_detail`` reports them (~100 bytes each),
        #: so a detail list over the whole market is built once a day, not once per call
        self.references: LRU[tuple[str, dt.date], tuple[float, float, float, float, int]] = LRU(32768)
        self._basis_cache: dict[str, np.ndarray] = {}  # index futures: product -> basis deviations
        self._market: tuple[np.ndarray, np.ndarray, float] | None = None  # see ``_market_factor``
        self._index_price_cache: dict[Instrument, _Daily] = {}  # see ``_index_prices``
        self._activity_cache: np.ndarray | None = None  # see ``_activity``
        self._market_steps: np.ndarray | None = None  # see ``_market_path_steps``
        self._population: Population | None = None  # see ``_member_turnover``
        sessions = calendar.sessions
        self._day_numbers = np.array([day_number(d) for d in sessions], dtype=np.int64)
        self._session_ms = np.array([day_start_ms(d) for d in sessions], dtype=np.int64)
        self._session_ms.flags.writeable = False
        self._decay_powers = DECAY ** np.arange(len(sessions), dtype=np.float64)
        #: TTM earnings per share of every stock on every day: the ``pe`` of its ticks and snapshots
        self.earnings = EarningsBook(seed, self.daily_closes, self.corporate_actions, horizon=sessions[-1])

    # ------------------------------------------------------------------------------------ public API

    def corporate_actions(self, inst: Instrument) -> list[CorporateAction]:
        """Dividends, bonus shares and rights issues of a stock, oldest first ([] for other kinds)."""
        return list(self._daily(inst).actions)

    def daily(self, inst: Instrument) -> Bars:
        """Unadjusted daily bars from ``list_date`` to ``min(expire_date, calendar end)``."""
        rec = self._daily(inst)
        return self._daily_bars(inst, rec, 0, len(rec))

    def daily_closes(self, inst: Instrument) -> tuple[np.ndarray, np.ndarray]:
        """The ``time`` and ``close`` columns of :meth:`daily` (without building the others)."""
        rec = self._daily(inst)
        n, tick = len(rec), inst.price_tick
        return self._session_ms[rec.i0 : rec.i0 + n], to_price(rec.close[:n], tick, price_decimals(tick))

    def _daily_bars(self, inst: Instrument, rec: _Daily, lo: int, hi: int) -> Bars:
        """Rows ``lo:hi`` of the compact daily record as float K-line bars."""
        n = max(hi - lo, 0)
        tick, dec = inst.price_tick, price_decimals(inst.price_tick)
        rows = slice(lo, lo + n)
        bars = Bars(
            {
                "time": self._session_ms[rec.i0 + lo : rec.i0 + lo + n],
                "open": to_price(rec.open[rows], tick, dec),
                "high": to_price(rec.high[rows], tick, dec),
                "low": to_price(rec.low[rows], tick, dec),
                "close": to_price(rec.close[rows], tick, dec),
                "volume": rec.volume[rows].astype(np.int64),
                "amount": rec.amount(lo, lo + n, tick),
                "settelementPrice": np.zeros(n)
                if rec.settle is None
                else to_price(rec.settle[rows], tick, dec),
                "openInterest": np.zeros(n, np.int64)
                if rec.open_interest is None
                else rec.open_interest[rows],
                "preClose": to_price(rec.pre_close(lo, lo + n), tick, dec),
                "suspendFlag": rec.flag[rows].astype(np.int64),
            }
        )
        return bars.readonly()

    def minutes(self, inst: Instrument, day: dt.date) -> Bars:
        """The 1m bars of trading day ``day`` (a stock's 241; a night session's first): empty if the
        instrument has no bar that day."""
        bars = self._minute_bars_of(inst, day)
        return Bars.empty() if bars is None else bars

    def kline_times(self, inst: Instrument, period: str, start: dt.date | None, end: dt.date | None) -> Bars:
        """The ``time`` column alone of :meth:`kline` for an intraday ``period``, from the session grid (every
        day of an instrument's span has all its bars, suspended days flat ones) without building a price:
        what reading back a download asks (``get_local_data(["time"], ...)``), without the ~4 ms a day of
        minute bars takes to build."""
        if period not in INTRADAY_PERIODS:
            raise ValueError(f"kline_times serves the intraday periods {INTRADAY_PERIODS}, not {period!r}")
        days = self._days_in_span(inst, start, end)
        parts = [grid_of(inst, self.calendar, d).minute_times(*anchors_ms(self.calendar, d)) for d in days]
        times = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        return aggregate(Bars({"time": times}), period, schedule_of(inst))

    def kline(self, inst: Instrument, period: str, start: dt.date | None, end: dt.date | None) -> Bars:
        """Unadjusted bars of ``period`` for trading days in ``[start, end]`` (``None`` = unbounded).

        Weekly and longer bars only use days up to ``end`` and are labelled by their last such day; a bar
        whose period began before ``start`` still covers its whole period.
        """
        if period not in KLINE_PERIODS:
            raise ValueError(f"unknown K-line period {period!r}; expected one of {KLINE_PERIODS}")
        if period in INTRADAY_PERIODS:
            days = self._days_in_span(inst, start, end)
            if not days:
                return Bars.empty()
            store = len(days) <= 32  # long ranges would only flush the caches
            parts = [self._minute_bars_of(inst, d, store=store) for d in days]
            return aggregate(Bars.concat(parts), period, schedule_of(inst))  # type: ignore[arg-type]
        rec = self._daily(inst)
        times = self._session_ms[rec.i0 : rec.i0 + len(rec)]
        first_row = 0 if start is None else int(np.searchsorted(times, day_start_ms(start), side="left"))
        end_row = len(rec) if end is None else int(np.searchsorted(times, day_start_ms(end), side="right"))
        if period == "1d":
            return self._daily_bars(inst, rec, first_row, end_row)
        start_ms = None if start is None else day_start_ms(start)
        daily = self._daily_bars(inst, rec, 0, end_row)
        return aggregate(daily, period).between(start_ms, None)

    def minutes_until(self, inst: Instrument, at: dt.datetime) -> Bars:
        """The 1m bars of ``at``'s trading day as of moment ``at`` (CST): the finished minutes and the one
        in progress (:func:`forming_minute`), as a live K-line shows them; empty before the day's first
        tick (09:15 for a stock; a night session's 20:55 the evening before) or on a day without bars."""
        at = at.replace(tzinfo=CST) if at.tzinfo is None else at.astimezone(CST)
        moment = snapshot_moment(self.calendar, at, schedule_of(inst))
        if moment is None or moment[0] < at.date():
            return Bars.empty()
        day, idx = moment
        minutes = self.minutes(inst, day)
        ctx = self._intraday(inst, day)
        if ctx is None or not len(minutes):
            return minutes
        done = minutes.take(minutes["time"] <= int(at.timestamp() * 1000))
        forming = forming_minute(ctx, idx, minutes)
        return done if forming is None else Bars.concat([done, forming])

    def ticks(self, inst: Instrument, day: dt.date) -> Bars:
        """The 3-second snapshots of trading day ``day`` (a stock's 09:15:00-11:30:00, 13:00:00-15:00:00;
        a night session's first); empty if no bar."""
        ctx = self._intraday(inst, day)
        return empty_ticks() if ctx is None else ticks_of(ctx)

    def snapshot(self, inst: Instrument, at: dt.datetime) -> dict | None:
        """xtquant's ``get_full_tick`` dict of ``inst`` at moment ``at`` (naive datetimes are taken as CST).

        During or after a session it is the last tick at or before ``at``; before the day's first tick (09:15
        for a stock, the night session's for a future that has one) or on a non-trading day it is the closing
        state of the last trading day before. None before the first trading day.
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
        moments: dict = {}
        sessions = self.calendar.sessions
        places: list[int] = []
        ctxs: list[Intraday] = []
        indices: list[int] = []
        for n, inst in enumerate(insts):
            i0, i1 = self._span(inst)
            if i1 == i0:
                continue
            schedule = schedule_of(inst)
            if schedule not in moments:
                moments[schedule] = snapshot_moment(self.calendar, at, schedule)
            moment = moments[schedule]
            if moment is None:
                continue
            day, index = moment
            if day < sessions[i0]:
                continue
            if day > sessions[i1 - 1]:
                day = sessions[i1 - 1]
                index = grid_of(inst, self.calendar, day).last_tick
            ctx = self._intraday(inst, day)
            assert ctx is not None
            places.append(n)
            ctxs.append(ctx)
            indices.append(index)
        if ctxs:
            for n, snap in zip(places, snapshot_dicts(ctxs, np.array(indices, np.int64)), strict=True):
                out[n] = snap
        return out

    def limits(self, inst: Instrument, day: dt.date) -> tuple[float, float] | None:
        """(down, up) limit prices of ``day`` (from that day's preClose; a future's from the previous
        settlement); None without limits or bar."""
        rec = self._daily(inst)
        t = self._day_index(rec, day)
        if t is None:
            return None
        reference = int(rec.pre_close(t, t + 1)[0])
        if inst.kind == FUTURE and rec.settle is not None and t > 0:
            reference = int(rec.settle[t - 1])
        return price_limits(inst, day, float(reference) * inst.price_tick)

    # ------------------------------------------------------------------------------------ daily

    def _daily(self, inst: Instrument) -> _Daily:
        if self.universe_lookup is not None and is_continuous(inst):
            spliced = self._spliced(inst)
            if spliced is not None:
                return spliced
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
                rec.index_amount,
            ):
                if arr is not None:
                    arr.flags.writeable = False
            self._daily_cache.put(inst, rec)
        return rec  # type: ignore[return-value]

    def _spliced(self, inst: Instrument) -> _Daily | None:
        """A continuous contract's record spliced from the main contracts of the universe's days (one per
        universe day: a later day's main contract is known only on it); None without a main contract."""
        assert self.universe_lookup is not None
        universe = self.universe_lookup()
        key = (inst, universe.today)
        cached = self._splices.get(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        main_of = functools.partial(self._main_contract, universe, inst.code)
        last = universe.today
        if schedule_of(inst).night is not None:  # from 21:00 the next trading day is in progress
            last = self.calendar.first_on_or_after(last + dt.timedelta(days=1)) or last
        found = splice(self.calendar.sessions, self._span(inst)[0], last, main_of, self._day_row)
        if found is None:
            return None
        after_roll = np.flatnonzero(found.pre_close[1:] != found.close[:-1]) + 1
        rec = _Daily(
            i0=found.i0,
            open=found.open.astype(np.int32),
            high=found.high.astype(np.int32),
            low=found.low.astype(np.int32),
            close=found.close.astype(np.int32),
            volume=found.volume.astype(np.int32),
            flag=np.zeros(len(found.close), dtype=np.int8),
            first_pre_close=int(found.pre_close[0]),
            ex_index=after_roll,  # a roll day's preClose is the new main contract's own
            ex_pre_close=found.pre_close[after_roll],
            value_per_unit=float(multiplier(inst)),
            open_interest=found.open_interest,
            settle=found.settle.astype(np.int32),
        )
        self._splices.put(key, rec)
        return rec

    def _main_contract(self, universe: Universe, code: str, day: dt.date) -> Instrument | None:
        main = universe.main_contract(code, day)
        return universe.get(main) if main is not None else None

    def _day_row(self, inst: Instrument, day: dt.date) -> tuple[int, ...] | None:
        """(open, high, low, close, volume, open interest, settlement, preClose) of ``inst`` on ``day``."""
        rec = self._daily(inst)
        t = self._day_index(rec, day)
        if t is None or rec.open_interest is None or rec.settle is None:
            return None
        return (
            int(rec.open[t]), int(rec.high[t]), int(rec.low[t]), int(rec.close[t]), int(rec.volume[t]),
            int(rec.open_interest[t]), int(rec.settle[t]), int(rec.pre_close(t, t + 1)[0]),
        )  # fmt: skip

    def _day_index(self, rec: _Daily, day: dt.date) -> int | None:
        if not self.calendar.is_trading_day(day):
            return None
        t = self.calendar.index_of(day) - rec.i0
        return t if 0 <= t < len(rec) else None

    def _days_in_span(self, inst: Instrument, start: dt.date | None, end: dt.date | None) -> list[dt.date]:
        """The instrument's trading days in ``[start, end]`` (``None`` = unbounded)."""
        i0, i1 = self._span(inst)
        if i1 == i0:
            return []
        first, last = self.calendar.sessions[i0], self.calendar.sessions[i1 - 1]
        lo = first if start is None else max(start, first)
        hi = last if end is None else min(end, last)
        return self.calendar.between(lo, hi)

    def _span(self, inst: Instrument) -> tuple[int, int]:
        """Calendar index range [i0, i1) of the instrument's trading days."""
        sessions = self.calendar.sessions
        last_day = sessions[-1] if inst.expire_date is None else min(inst.expire_date, sessions[-1])
        i0 = bisect.bisect_left(sessions, inst.list_date)
        i1 = bisect.bisect_right(sessions, last_day)
        return (i0, i1) if i1 > i0 else (0, 0)

    # ------------------------------------------------------------------------------------ intraday

    def _intraday(self, inst: Instrument, day: dt.date, store: bool = True) -> Intraday | None:
        if self.universe_lookup is not None and is_continuous(inst):
            main = self._main_contract(self.universe_lookup(), inst.code, day)
            if main is not None:  # a continuous contract's day is its main contract's
                return self._intraday(main, day, store)
        key = (inst, day)
        cached = self._day_cache.get(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        if not self.calendar.is_trading_day(day):
            return None
        c = self.calendar.index_of(day)
        ahead = self._ahead_cache.get(inst)
        if not (isinstance(ahead, DaysAhead) and 0 <= c - ahead.first < len(ahead.rows)):
            rec = self._daily(inst)  # the whole history: once in DAYS_AHEAD days per instrument
            t = c - rec.i0
            if not 0 <= t < len(rec):
                return None
            ahead = rec.days_ahead(t, float(inst.price_tick))
            # Keep the latest window: a look back into history (a K-line request) must not cost today's
            # snapshots their inputs.
            current = self._ahead_cache.get(inst)
            if not isinstance(current, DaysAhead) or ahead.first > current.first:
                self._ahead_cache.put(inst, ahead)
        intraday = build_intraday(
            inst,
            day,
            ahead,
            c,
            self.seed,
            self.earnings.ttm_eps(inst, day),
            grid=grid_of(inst, self.calendar, day),
            night_base_ms=anchors_ms(self.calendar, day)[1],
        )
        if store:
            self._day_cache.put(key, intraday)
        return intraday

    def _minute_bars_of(self, inst: Instrument, day: dt.date, store: bool = True) -> Bars | None:
        key = (inst, day)
        cached = self._minute_cache.get(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        # The day's intraday state is cached for ticks and snapshots, not for K-lines: a request for many
        # past days would evict the states today's whole-market snapshots need.
        ctx = self._intraday(inst, day, store=False)
        if ctx is None:
            return None
        bars = bars_of(ctx)
        if store:
            self._minute_cache.put(key, bars)
        return bars
