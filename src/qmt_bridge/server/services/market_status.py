"""Market status per exchange (seed 002's unified market state): where each A-share exchange is in its day.

Derived on both backends from what xtquant itself says, at the backend's clock (the simulator's may be a
replay): the exchange's sessions (``get_trading_period`` of a stock of that market: ``status`` 2 call auction,
3 continuous trading, 8 closing auction, with their times) and whether today is a trading day
(``get_trading_calendar``, SSE's calendar, which all three exchanges share).

``state`` is one of :data:`STATES`; ``raw`` is the exchange's own period (its xtquant ``status`` and times)
or None between periods; ``unified`` is seed 002's enum (``PRE_HOURS``, ``RTH``, ``REST``, ``CLOSED``);
``next_state`` / ``next_change`` say what comes next and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from qmt_bridge.backends.base import BackendUnavailableError
from qmt_bridge.backends.runner import BackendCallFailed, BackendCallTimeout
from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.errors import BridgeError
from qmt_bridge.server.services.quote_book import backend_now
from qmt_bridge.sim.market.trading_hours import night_follows

CST = dt.timezone(dt.timedelta(hours=8))
#: A stock of each exchange whose sessions are that exchange's (the sessions are per market and category).
MARKETS = {"SH": "600000.SH", "SZ": "000001.SZ", "BJ": "430047.BJ"}
#: The futures exchanges' markets: their sessions are per product (night sessions, 09:00, 15:15).
FUTURES_MARKETS = frozenset({"IF", "SF", "DF", "ZF", "GF", "INE"})
PRE_OPEN, CALL_AUCTION, TRADING, CLOSING_AUCTION, LUNCH_BREAK, CLOSED = (
    "pre_open", "call_auction", "trading", "closing_auction", "lunch_break", "closed",
)  # fmt: skip
STATES = (PRE_OPEN, CALL_AUCTION, TRADING, CLOSING_AUCTION, LUNCH_BREAK, CLOSED)
#: xtquant's period status → our state.
PERIOD_STATES = {2: CALL_AUCTION, 3: TRADING, 8: CLOSING_AUCTION}
#: Our state → seed 002's unified enum.
UNIFIED = {
    PRE_OPEN: "PRE_HOURS",
    CALL_AUCTION: "PRE_HOURS",
    TRADING: "RTH",
    CLOSING_AUCTION: "RTH",
    LUNCH_BREAK: "REST",
    CLOSED: "CLOSED",
}
#: Days of the calendar read ahead for the next open (the longest A-share holiday is about 10 days).
LOOKAHEAD_DAYS = 40
#: When a trading day's pre-open starts: before it the market is closed (brokers take night orders, the
#: exchange does not); from it until the first session it is pre-open.
PRE_OPEN_FROM = dt.time(9, 0)


def periods_of(trading_period: Any) -> list[tuple[int, dt.time, dt.time]]:
    """``(status, begin, end)`` of the day sessions of a ``get_trading_period`` answer, in order (night
    sessions of the previous evening, which A shares do not have, are left out)."""
    found = []
    for item in (trading_period or {}).get("tradings", []):
        offset, (begin, _), (end, _) = item["time"]
        if offset != 0 or begin < 0 or end < 0:
            continue
        found.append((int(item["status"]), _time(begin), _time(end)))
    return sorted(found, key=lambda p: p[1])


def _time(hhmmss: int) -> dt.time:
    return dt.time(hhmmss // 10000, hhmmss // 100 % 100, hhmmss % 100)


def state_at(
    clock: dt.time, trading_day: bool, periods: Sequence[tuple[int, dt.time, dt.time]]
) -> tuple[str, tuple[int, dt.time, dt.time] | None]:
    """The state at ``clock`` of a day, and the period it is in (None between periods).

    A period holds from its begin (included) to its end (excluded). On a trading day, from
    :data:`PRE_OPEN_FROM` to the first period it is pre-open, between two continuous periods the lunch
    break, between any other two pre-open (09:25–09:30: the auction's orders are matched, nothing is
    accepted); before and after, and on other days, closed."""
    if not trading_day or not periods:
        return CLOSED, None
    for period in periods:
        if period[1] <= clock < period[2]:
            return PERIOD_STATES.get(period[0], TRADING), period
    if clock < periods[0][1]:
        return (PRE_OPEN if clock >= min(PRE_OPEN_FROM, periods[0][1]) else CLOSED), None
    if clock >= periods[-1][2]:
        return CLOSED, None
    before = max((p for p in periods if p[2] <= clock), key=lambda p: p[2])
    after = min((p for p in periods if p[1] > clock), key=lambda p: p[1])
    return (LUNCH_BREAK if before[0] == after[0] == 3 else PRE_OPEN), None


def boundaries(periods: Sequence[tuple[int, dt.time, dt.time]]) -> list[dt.time]:
    """The moments of a trading day at which the state may change, in order."""
    if not periods:
        return []
    moments = {min(PRE_OPEN_FROM, periods[0][1])}
    for _, begin, end in periods:
        moments.update((begin, end))
    return sorted(moments)


def next_change(
    now: dt.datetime, trading_days: Sequence[dt.date], periods: Sequence[tuple[int, dt.time, dt.time]]
) -> tuple[str | None, dt.datetime | None]:
    """The next state and when it starts: the next boundary today where the state changes, else the start
    of the next trading day's pre-open among ``trading_days`` (None, None when not known)."""
    today, clock = now.date(), now.time()
    current = state_at(clock, today in trading_days, periods)[0]
    if today in trading_days:
        for moment in boundaries(periods):
            if moment > clock and (state := state_at(moment, True, periods)[0]) != current:
                return state, dt.datetime.combine(today, moment, CST)
    later = [day for day in trading_days if day > today]
    if later and periods:
        first = boundaries(periods)[0]
        return state_at(first, True, periods)[0], dt.datetime.combine(later[0], first, CST)
    return None, None


async def market_status(ctx: BackendContext, markets: Sequence[str]) -> dict[str, Any]:
    """Each of ``markets`` (keys of :data:`MARKETS`) now: see the module docstring."""
    now = backend_now(ctx.backend).astimezone(CST)
    trading_days = await calendar_days(ctx, now.date(), now.date() + dt.timedelta(days=LOOKAHEAD_DAYS))
    answer = {}
    for market in markets:
        periods = periods_of(await ctx.xtdata("get_trading_period", MARKETS[market]))
        trading_day = now.date() in trading_days
        state, period = state_at(now.time(), trading_day, periods)
        upcoming, at = next_change(now, trading_days, periods)
        answer[market] = {
            "market": market,
            "state": state,
            "unified": UNIFIED[state],
            "raw": None if period is None else {
                "status": period[0], "begin": period[1].strftime("%H%M%S"), "end": period[2].strftime("%H%M%S"),
            },
            "trading_day": trading_day,
            "next_state": upcoming,
            "next_change": None if at is None else at.isoformat(),
        }  # fmt: skip
    return {"time": now.isoformat(timespec="seconds"), "markets": answer}


# ---------------------------------------------------------------------- one product's sessions


def session_spans(
    trading_period: Any, trading_days: Sequence[dt.date], statuses: Sequence[int] | None = None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The (begin, end) moments of every period of a ``get_trading_period`` answer on ``trading_days``
    (sorted, China time), in order.

    A period with trading-day offset 0 lies on each trading day; one with offset -1 (a night session) on the
    evening of the trading day before, when only a weekend lies between the two (the exchanges hold no night
    session before a holiday), and never for the first of ``trading_days`` (its day before is unknown).
    Times past 24:00 are the next natural day's (``263000`` = 02:30), negative ones the natural day before's
    (``-45500`` = 20:55), as xtdata.py's docstring of ``get_trading_period`` describes them. ``statuses``
    keeps the periods of those statuses only (3: continuous trading)."""
    days = sorted(trading_days)
    spans = []
    for i, day in enumerate(days):
        prev = days[i - 1] if i else None
        night_held = prev is not None and night_follows(prev, day)
        for item in (trading_period or {}).get("tradings", []):
            if statuses is not None and item.get("status") not in statuses:
                continue
            offset, (begin, _), (end, _) = item["time"]
            if offset == 0:
                anchor = day
            elif offset == -1 and night_held and prev is not None:
                anchor = prev
            else:
                continue
            spans.append((_moment(anchor, begin), _moment(anchor, end)))
    return sorted(spans)


def _moment(day: dt.date, hhmmss: int) -> dt.datetime:
    magnitude = abs(hhmmss)
    hours = magnitude // 10000 * (-1 if hhmmss < 0 else 1)
    seconds = hours * 3600 + magnitude // 100 % 100 * 60 + magnitude % 100
    return dt.datetime.combine(day, dt.time(), CST) + dt.timedelta(seconds=seconds)


def in_spans(spans: Sequence[tuple[dt.datetime, dt.datetime]], now: dt.datetime) -> bool:
    """Whether ``now`` lies in one of ``spans`` (its begin included, its end too: the closing tick)."""
    return any(begin <= now <= end for begin, end in spans)


def next_begin(spans: Sequence[tuple[dt.datetime, dt.datetime]], now: dt.datetime) -> dt.datetime | None:
    """The first begin of ``spans`` after ``now`` (None when ``spans`` end before)."""
    return min((begin for begin, _ in spans if begin > now), default=None)


async def futures_sessions(
    ctx: BackendContext, codes: Sequence[str], now: dt.datetime, statuses: Sequence[int] | None = None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The sessions (of ``statuses``, all by default) of the products of futures-exchange ``codes`` from 10
    days before ``now`` to 40 after (one ``get_trading_period`` a product); none when the backend cannot
    say."""
    today = now.astimezone(CST).date()
    products = {}
    for code in codes:
        products.setdefault(product_of(code), code)
    try:
        trading_days = await calendar_days(
            ctx, today - dt.timedelta(days=10), today + dt.timedelta(days=LOOKAHEAD_DAYS)
        )
        spans = []
        for code in products.values():
            spans += session_spans(await ctx.xtdata("get_trading_period", code), trading_days, statuses)
    except (BackendCallFailed, BackendCallTimeout, BackendUnavailableError, BridgeError, ValueError):
        return []
    return sorted(spans)


def product_of(code: str) -> tuple[str, str]:
    """A futures code's (product, market): ``'rb2601.SF'`` and ``'rb00.SF'`` are both ``('rb', 'SF')``."""
    symbol, _, market = code.partition(".")
    return symbol.rstrip("0123456789"), market


async def calendar_days(ctx: BackendContext, start: dt.date, end: dt.date) -> list[dt.date]:
    """The trading days in ``[start, end]`` by the backend's calendar (SSE's, which every exchange shares);
    ValueError for a day that is no ``YYYYMMDD``."""
    days = await ctx.xtdata(
        "get_trading_calendar", "SH", start_time=f"{start:%Y%m%d}", end_time=f"{end:%Y%m%d}"
    )
    return [dt.datetime.strptime(str(day), "%Y%m%d").date() for day in days or ()]
