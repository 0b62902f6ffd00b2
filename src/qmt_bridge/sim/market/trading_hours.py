"""Trading hours: when each product trades, and one trading day's grid of 1m bars and 3-second ticks.

A :class:`Schedule` is a product's hours as exchanges publish them; a :class:`SessionGrid` is the layout of
one trading day under it, with or without its night session, which every intraday computation (the 1m
bars, the ticks, the snapshot of a moment) indexes into.

Times are minutes after the midnight (CST) of an *anchor* day: the trading day itself for its day sessions,
and the *previous trading day* for a night session, so that Friday night belongs to Monday and 01:00 after
Friday night is minute 1500 of Friday (xtquant's ``get_trading_period`` writes it ``[-1, ..., 250000]``).

Model (real hours, simplified where noted):

- Stocks, ETFs, bonds, ETF options, indices (and HK, which the simulator runs on A-share hours): opening
  call auction 09:15 (matched at 09:25), continuous 09:30-11:30 and 13:00-15:00; the closing call auction
  (14:57-15:00) where :func:`~.rules.has_closing_auction` says so.
- CFFEX stock-index futures and index options: auction 09:25 (matched 09:29), 09:30-11:30, 13:00-15:00;
  CFFEX bond futures (T, TF, TS, TL) until 15:15.
- Commodity futures (SHFE, DCE, CZCE, GFEX, INE): 09:00-10:15, 10:30-11:30, 13:30-15:00, and for most
  products a night session from 21:00 of the previous trading day, to 23:00, 01:00 or 02:30. The opening
  call auction (5 minutes, matched at the 4th) precedes the first session of the trading day: the night
  session when it is held, else 09:00. There is no night session before a holiday: a trading day has one
  only when the days between it and the previous trading day are a weekend or nothing.
- Every grid starts with one bar labelled at the open that holds the opening auction (the 09:30 bar of
  stocks, 09:00 or 21:00 of commodities), then a bar for each minute of each continuous span, labelled by
  its end. Ticks are every 3 seconds from the auction's start to the end of the first span, and from the
  start to the end of each later span (whose first tick repeats the state at the end of the one before).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import numpy as np

from qmt_bridge.sim.market.bars import MINUTE_MS, STOCK_SESSIONS, Bars, aggregate, day_start_ms
from qmt_bridge.sim.market.calendar import TradingCalendar
from qmt_bridge.sim.market.instruments import FUTURE, OPTION, Instrument

TICK_STEP_S = 3
TICKS_PER_MINUTE = 60 // TICK_STEP_S

# stages of a tick (TickPlaces.stage)
STAGE_PRE_OPEN = 0  # the opening call auction before it matches (an indicative price)
STAGE_MATCHED = 1  # the auction has matched: the day's open shows, no continuous trade yet
STAGE_OPEN = 2  # the first tick of continuous trading (the state is still the auction's)
STAGE_CONTINUOUS = 3


def _hm(hhmm: int) -> int:
    return hhmm // 100 * 60 + hhmm % 100


@dataclass(frozen=True)
class Schedule:
    """A product's trading hours: continuous ``day`` spans and an optional ``night`` span as (begin, end)
    minutes (night: after the previous trading day's midnight, so 1500 = 01:00), and the opening call
    auction's length and the minutes before the open at which it matches."""

    name: str
    day: tuple[tuple[int, int], ...]
    night: tuple[int, int] | None = None
    auction_minutes: int = 5
    matched_before_open: int = 1
    closing_auction_minutes: int = 3  # the last minutes of the day a closing auction (if any) takes

    def grid(self, with_night: bool) -> SessionGrid:
        return _grid(self, with_night and self.night is not None)


STOCK_HOURS = Schedule("stock", STOCK_SESSIONS, None, 15, 5)
CFFEX_INDEX_HOURS = Schedule("cffex_index", STOCK_SESSIONS)
CFFEX_BOND_HOURS = Schedule("cffex_bond", ((_hm(930), _hm(1130)), (_hm(1300), _hm(1515))))
_COMMODITY_DAY = ((_hm(900), _hm(1015)), (_hm(1030), _hm(1130)), (_hm(1330), _hm(1500)))
COMMODITY_HOURS = Schedule("commodity", _COMMODITY_DAY)
NIGHT_2300_HOURS = Schedule("night_2300", _COMMODITY_DAY, (_hm(2100), _hm(2300)))
NIGHT_0100_HOURS = Schedule("night_0100", _COMMODITY_DAY, (_hm(2100), 24 * 60 + _hm(100)))
NIGHT_0230_HOURS = Schedule("night_0230", _COMMODITY_DAY, (_hm(2100), 24 * 60 + _hm(230)))

#: Every schedule above (what a whole-market push watches for the next tick).
SCHEDULES = (
    STOCK_HOURS,
    CFFEX_INDEX_HOURS,
    CFFEX_BOND_HOURS,
    COMMODITY_HOURS,
    NIGHT_2300_HOURS,
    NIGHT_0100_HOURS,
    NIGHT_0230_HOURS,
)

#: Futures products by the end of their night session (the others of the commodity exchanges have none).
_NIGHT_ENDS = {
    NIGHT_2300_HOURS: ("rb", "hc", "bu", "ru", "fu", "sp", "c", "cs", "a", "b", "m", "y", "p", "i", "j", "jm",
                       "l", "v", "pp", "eg", "eb", "pg", "CF", "SR", "TA", "MA", "RM", "OI", "FG", "SA", "ZC"),
    NIGHT_0100_HOURS: ("cu", "al", "zn", "pb", "ni", "sn", "ss", "bc", "ao"),
    NIGHT_0230_HOURS: ("au", "ag", "sc"),
}  # fmt: skip
_NIGHT_BY_PRODUCT = {product: hours for hours, products in _NIGHT_ENDS.items() for product in products}
_CFFEX_BOND_PRODUCTS = frozenset({"T", "TF", "TS", "TL"})
COMMODITY_MARKETS = frozenset({"SF", "DF", "ZF", "GF", "INE"})


def schedule_of(inst: Instrument) -> Schedule:
    """The trading hours of ``inst``: by exchange and product for futures and CFFEX options, A-share hours
    for everything else."""
    if inst.kind not in (FUTURE, OPTION):
        return STOCK_HOURS
    if inst.market == "IF":
        return CFFEX_BOND_HOURS if inst.product in _CFFEX_BOND_PRODUCTS else CFFEX_INDEX_HOURS
    if inst.market in COMMODITY_MARKETS:
        return _NIGHT_BY_PRODUCT.get(inst.product, COMMODITY_HOURS)
    return STOCK_HOURS


def market_hours(market: str) -> Schedule:
    """A market's own trading day follows these hours: the night exchanges' (SHFE, DCE, CZCE, INE) from
    21:00, whose trading day is the next one from then; GFEX's and CFFEX's day sessions; else A-shares'."""
    if market in ("SF", "DF", "ZF", "INE"):
        return NIGHT_2300_HOURS
    if market == "GF":
        return COMMODITY_HOURS
    return CFFEX_INDEX_HOURS if market == "IF" else STOCK_HOURS


def night_held(calendar: TradingCalendar, day: dt.date) -> bool:
    """Whether trading day ``day`` may open with a night session: the days between it and the previous
    trading day are a weekend or none (so there is none on the evening before a holiday)."""
    prev = calendar.prev_day(day)
    return prev is not None and night_follows(prev, day)


def night_follows(prev: dt.date, day: dt.date) -> bool:
    """Whether the evening of trading day ``prev`` holds the night session of ``day``, the next trading day:
    only when nothing but a weekend lies between them (the exchanges hold none before a holiday). The
    server reads QMT's calendar with the same rule (``services.market_status.session_spans``)."""
    gap = (day - prev).days
    return gap == 1 or (gap == 3 and prev.weekday() == 4)


@dataclass(frozen=True, eq=False)
class SessionGrid:
    """One trading day's layout under a schedule: its 1m bars and 3-second ticks (see the module)."""

    schedule: Schedule
    with_night: bool
    spans: tuple[tuple[int, int], ...]  # continuous spans in order
    night_spans: int  # how many of ``spans`` (the first ones) are anchored on the previous trading day
    # 1m bars: end minute after the anchor's midnight, and whether the anchor is the previous trading day
    minute_of_day: np.ndarray = field(repr=False)
    minute_night: np.ndarray = field(repr=False)
    # ticks: seconds after the anchor's midnight, night flag, place in the bars (j, k), stage, flags
    tick_seconds: np.ndarray = field(repr=False)
    tick_night: np.ndarray = field(repr=False)
    tick_minute: np.ndarray = field(repr=False)  # j: the 1m bar a tick belongs to
    tick_in_minute: np.ndarray = field(repr=False)  # k: 1..20 inside it (0 up to the open)
    tick_stage: np.ndarray = field(repr=False)
    auction_frac: np.ndarray = field(repr=False)  # how far through the auction's indicative phase
    at_break: np.ndarray = field(repr=False)  # the last tick of a span before a break
    closing_window: np.ndarray = field(repr=False)  # after the closing auction began, before the close

    @property
    def minutes(self) -> int:
        return len(self.minute_of_day)

    @property
    def ticks(self) -> int:
        return len(self.tick_seconds)

    @property
    def continuous_tick(self) -> int:
        """Index of the open's tick (the first of continuous trading)."""
        return int(np.flatnonzero(self.tick_stage == STAGE_OPEN)[0])

    @property
    def last_tick(self) -> int:
        return self.ticks - 1

    def minute_times(self, base_ms: int, night_base_ms: int) -> np.ndarray:
        """ms epoch of each 1m bar (its end), the trading day's midnight ``base_ms`` and the previous trading
        day's ``night_base_ms``."""
        return np.where(self.minute_night, night_base_ms, base_ms) + self.minute_of_day * MINUTE_MS

    def tick_times(self, base_ms: int, night_base_ms: int) -> np.ndarray:
        return np.where(self.tick_night, night_base_ms, base_ms) + self.tick_seconds * 1000


@functools.cache
def _grid(schedule: Schedule, with_night: bool) -> SessionGrid:
    spans = ((schedule.night,) if with_night else ()) + schedule.day
    night_spans = 1 if with_night else 0
    open_ = spans[0][0]
    # 1m bars: the auction bar at the open, then every minute of every span
    minutes = [open_]
    night = [with_night]
    for s, (begin, end) in enumerate(spans):
        minutes.extend(range(begin + 1, end + 1))
        night.extend([s < night_spans] * (end - begin))
    # ticks
    seconds: list[np.ndarray] = []
    nights: list[np.ndarray] = []
    positions: list[np.ndarray] = []
    breaks: list[np.ndarray] = []
    pos = 0
    for s, (begin, end) in enumerate(spans):
        first = (open_ - schedule.auction_minutes) * 60 if s == 0 else begin * 60
        secs = np.arange(first, end * 60 + 1, TICK_STEP_S, dtype=np.int64)
        if s == 0:
            p = (secs - open_ * 60) // TICK_STEP_S  # <= 0 up to the open
        else:
            p = pos + np.arange(len(secs))  # the first tick repeats the state at the last one's end
        pos = int(p[-1])
        seconds.append(secs)
        nights.append(np.full(len(secs), s < night_spans))
        positions.append(p)
        flag = np.zeros(len(secs), bool)
        flag[-1] = s < len(spans) - 1
        breaks.append(flag)
    tick_seconds = np.concatenate(seconds)
    pos_all = np.concatenate(positions)
    cont = pos_all > 0
    j = np.where(cont, (pos_all - 1) // TICKS_PER_MINUTE + 1, 0)
    k = np.where(cont, (pos_all - 1) % TICKS_PER_MINUTE + 1, 0)
    n = len(tick_seconds)
    open_tick = int(np.flatnonzero(pos_all == 0)[0]) if (pos_all == 0).any() else 0
    matched_tick = open_tick - schedule.matched_before_open * TICKS_PER_MINUTE
    idx = np.arange(n)
    stage = np.where(
        idx < matched_tick,
        STAGE_PRE_OPEN,
        np.where(idx < open_tick, STAGE_MATCHED, np.where(idx == open_tick, STAGE_OPEN, STAGE_CONTINUOUS)),
    ).astype(np.int8)
    closing_from = n - 1 - schedule.closing_auction_minutes * TICKS_PER_MINUTE
    arrays = {
        "minute_of_day": np.array(minutes, np.int64),
        "minute_night": np.array(night, bool),
        "tick_seconds": tick_seconds,
        "tick_night": np.concatenate(nights),
        "tick_minute": j.astype(np.int64),
        "tick_in_minute": k.astype(np.int64),
        "tick_stage": stage,
        "auction_frac": np.where(idx < matched_tick, idx / max(matched_tick, 1), 0.0),
        "at_break": np.concatenate(breaks),
        "closing_window": (idx > closing_from) & (idx < n - 1),
    }
    for values in arrays.values():
        values.flags.writeable = False
    return SessionGrid(
        schedule=schedule, with_night=with_night, spans=spans, night_spans=night_spans, **arrays
    )


def grid_of(inst: Instrument, calendar: TradingCalendar, day: dt.date) -> SessionGrid:
    """The grid of ``inst`` on trading day ``day``."""
    schedule = schedule_of(inst)
    return schedule.grid(schedule.night is not None and night_held(calendar, day))


@functools.lru_cache(maxsize=4096)
def tick_time_ms(calendar: TradingCalendar, schedule: Schedule, day: dt.date, index: int) -> int:
    """ms epoch of tick ``index`` (negative: from the end) of trading day ``day`` under ``schedule``."""
    grid = schedule.grid(night_held(calendar, day))
    base, night_base = anchors_ms(calendar, day)
    return (night_base if grid.tick_night[index] else base) + int(grid.tick_seconds[index]) * 1000


def anchors_ms(calendar: TradingCalendar, day: dt.date) -> tuple[int, int]:
    """(the trading day's midnight, the previous trading day's midnight) in ms epoch: the bases of a grid's
    day and night times."""
    prev = calendar.prev_day(day)
    base = day_start_ms(day)
    return base, day_start_ms(prev) if prev is not None else base


@dataclass(frozen=True)
class TickPlaces:
    """Where each of a set of ticks (rows, each with its own grid) stands: see :class:`SessionGrid`."""

    idx: np.ndarray
    j: np.ndarray
    k: np.ndarray
    stage: np.ndarray
    auction_frac: np.ndarray
    at_break: np.ndarray
    closing_window: np.ndarray
    at_close: np.ndarray
    last_minute: np.ndarray
    seconds: np.ndarray
    night: np.ndarray

    @staticmethod
    def of(grid: SessionGrid, idx: np.ndarray) -> TickPlaces:
        """The places of ticks ``idx`` of one grid."""
        return TickPlaces(
            idx=idx,
            j=grid.tick_minute[idx],
            k=grid.tick_in_minute[idx],
            stage=grid.tick_stage[idx],
            auction_frac=grid.auction_frac[idx],
            at_break=grid.at_break[idx],
            closing_window=grid.closing_window[idx],
            at_close=idx == grid.last_tick,
            last_minute=np.full(len(idx), grid.minutes - 1, np.int64),
            seconds=grid.tick_seconds[idx],
            night=grid.tick_night[idx],
        )

    @staticmethod
    def mixed(grids: list[SessionGrid], idx: np.ndarray) -> TickPlaces:
        """The places of ticks ``idx``, row ``r`` on grid ``grids[r]`` (one lookup per distinct grid)."""
        distinct = {id(g): g for g in grids}
        if len(distinct) == 1:
            return TickPlaces.of(grids[0], idx)
        names = [f for f in TickPlaces.__dataclass_fields__ if f != "idx"]
        parts = {name: [] for name in names}
        order = []
        which = np.array([id(g) for g in grids])
        for key, grid in distinct.items():
            rows = np.flatnonzero(which == key)
            order.append(rows)
            one = TickPlaces.of(grid, idx[rows])
            for name in names:
                parts[name].append(getattr(one, name))
        back = np.argsort(np.concatenate(order), kind="stable")
        return TickPlaces(idx=idx, **{name: np.concatenate(parts[name])[back] for name in names})


# ---------------------------------------------------------------------- xtquant's descriptions of the hours


def _hhmmss(minute: int) -> int:
    """Minutes after an anchor's midnight as xtquant's ``hhmmss`` int (hours past 24 for the next day)."""
    return minute // 60 * 10000 + minute % 60 * 100


def _auction_span(schedule: Schedule) -> tuple[int, int, int]:
    """(trading-day offset, begin, matched) of the opening call auction of a regular day (after the night
    session's auction where there is one)."""
    offset, open_ = (-1, schedule.night[0]) if schedule.night else (0, schedule.day[0][0])
    return offset, open_ - schedule.auction_minutes, open_ - schedule.matched_before_open


def _continuous(schedule: Schedule) -> list[tuple[int, int, int]]:
    night = [(-1, *schedule.night)] if schedule.night else []
    return night + [(0, begin, end) for begin, end in schedule.day]


def trading_periods(schedule: Schedule) -> list[dict]:
    """``get_trading_period``'s ``tradings`` for ``schedule`` (status 2 auction, 3 continuous); a night
    session is offset -1, the previous trading day, with its end past 24:00 when it crosses midnight
    (xtdata.py's docstring: ``263000`` is the next natural day's 02:30)."""
    offset, begin, matched = _auction_span(schedule)
    out = [{"status": 2, "time": [offset, [_hhmmss(begin), 0], [_hhmmss(matched), 0]]}]
    for offset, begin, end in _continuous(schedule):
        out.append({"status": 3, "time": [offset, [_hhmmss(begin), 0], [_hhmmss(end), 0]]})
    return out


def kline_periods(schedule: Schedule) -> list[dict]:
    """``get_kline_trading_period``'s ``tradings``: the auction's ticks go to the bar at the open, the
    continuous spans are cut into bars."""
    offset, begin, matched = _auction_span(schedule)
    open_ = schedule.night[0] if schedule.night else schedule.day[0][0]
    out = [
        {
            "type": "auction",
            "source": [offset, [_hhmmss(begin), 0], [_hhmmss(matched), 0]],
            "bartime": [offset, _hhmmss(open_)],
        }
    ]
    for offset, begin, end in _continuous(schedule):
        out.append({"type": "continuous", "bartime": [offset, _hhmmss(begin), _hhmmss(end)]})
    return out


@functools.cache
def fewest_bars_a_day(schedule: Schedule, period: str) -> int:
    """How many ``period`` bars a trading day of ``schedule`` has at least (a day without its night
    session): 241 1m bars of a stock, 226 of a commodity future."""
    grid = schedule.grid(False)
    base = day_start_ms(dt.date(2000, 1, 3))
    return len(aggregate(Bars({"time": grid.minute_times(base, base)}), period, schedule))
