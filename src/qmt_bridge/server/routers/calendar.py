"""Trading calendar: trading days, holidays, sessions, and day arithmetic."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query

from qmt_bridge.backends.runner import BackendCallFailed
from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.calendar import (
    AllTradingPeriodsAnswer,
    HolidaysAnswer,
    IsTradingDateAnswer,
    NextTradingDateAnswer,
    PrevTradingDateAnswer,
    TradingCalendarAnswer,
    TradingDatesAnswer,
    TradingPeriodAnswer,
)
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.errors import InvalidParameter
from qmt_bridge.server.params import parse_code, parse_date, parse_market, parse_range
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.market_data import check_codes

router = APIRouter(prefix="/api/calendar", tags=["calendar"], route_class=StrictQueryRoute)

MARKET = Query("SH", description="SH, SZ, BJ, IF, SF, DF, ZF, GF, INE, SHO, SZO")


@router.get("/trading_dates")
@answers(TradingDatesAnswer)
async def get_trading_dates(
    ctx: Ctx,
    market: str = MARKET,
    start_time: str = Query("", description="YYYYMMDD; empty = from the first day"),
    end_time: str = Query("", description="YYYYMMDD; empty = up to today"),
    count: int = Query(-1, ge=-1, le=100_000, description="-1 = all; n = the last n days"),
) -> JSONResponse:
    """Trading days up to today, as ms timestamps of 00:00 China time (xtdata.get_trading_dates)."""
    market = parse_market(market)
    start, end = parse_range(start_time, end_time)
    dates = await ctx.xtdata("get_trading_dates", market, start_time=start, end_time=end, count=count)
    return JSONResponse({"market": market, "count": len(dates), "dates": [int(d) for d in dates]})


@router.get("/holidays")
@answers(HolidaysAnswer)
async def get_holidays(ctx: Ctx) -> JSONResponse:
    """Weekdays the exchanges are closed, as YYYYMMDD (xtdata.get_holidays).

    ``estimated_from``: the first day whose holidays are estimated, not announced (the simulator serves the
    year after its recorded ones that way); null when every holiday listed was announced.
    """
    holidays = [str(h) for h in await ctx.xtdata("get_holidays")]
    return JSONResponse({"holidays": holidays, **_estimate_mark(ctx, holidays)})


@router.get("/trading_calendar")
@answers(TradingCalendarAnswer)
async def get_trading_calendar(
    ctx: Ctx,
    market: str = Query("SH", description="SH or SZ"),
    start_time: str = Query("", description="YYYYMMDD"),
    end_time: str = Query("", description="YYYYMMDD; may lie in the future (within the holiday data)"),
) -> JSONResponse:
    """Trading days as YYYYMMDD including future ones (xtdata.get_trading_calendar; SH/SZ only).

    ``estimated_from`` (YYYYMMDD or null): days from this one on follow estimated holidays, not announced ones.
    """
    market = parse_market(market, allowed=("SH", "SZ"))
    start, end = parse_range(start_time, end_time)
    await _require_within_holidays(ctx, end)
    calendar = [
        str(d) for d in await ctx.xtdata("get_trading_calendar", market, start_time=start, end_time=end)
    ]
    return JSONResponse({"market": market, "calendar": calendar, **_estimate_mark(ctx, calendar)})


@router.get("/trading_period")
@answers(TradingPeriodAnswer)
async def get_trading_period(
    ctx: Ctx, stock: str = Query(..., description="代码, e.g. 000001.SZ")
) -> JSONResponse:
    """Trading sessions of an instrument (xtdata.get_trading_period); times are hhmmss ints."""
    code = parse_code(stock)
    await check_codes(ctx, [code], "stock")
    periods = await ctx.xtdata("get_trading_period", code)
    return JSONResponse({"stock": code, "periods": periods})


def _estimated_from(ctx: Ctx) -> str | None:
    """The backend's first day of estimated holidays as YYYYMMDD, or None."""
    day = ctx.backend.holidays_estimated_from()
    return None if day is None else f"{day:%Y%m%d}"


def _estimate_mark(ctx: Ctx, days: list[str]) -> dict[str, str | None]:
    """``{"estimated_from": ...}`` for an answer listing ``days``: set when the last of them is estimated."""
    estimated = _estimated_from(ctx)
    reaches = estimated is not None and bool(days) and days[-1] >= estimated
    return {"estimated_from": estimated if reaches else None}


async def _holiday_data_end(ctx: Ctx) -> dt.date | None:
    """31 December of the last year the backend's holiday data covers; None when it has none."""
    holidays = await ctx.xtdata("get_holidays")
    last_year = max(int(str(h)[:4]) for h in holidays) if holidays else None
    return dt.date(last_year, 12, 31) if last_year else None


async def _require_within_holidays(ctx: Ctx, end: str) -> None:
    """400 naming end_time when it lies past the backend's holiday data (xtquant raises for that)."""
    if not end:
        return
    last = await _holiday_data_end(ctx)
    if last is not None and int(end[:4]) > last.year:
        raise InvalidParameter(
            "end_time", f"{end} is past the holiday data, which ends on {last:%Y%m%d}", value=end
        )


async def _days_around(ctx: Ctx, market: str, day: dt.date) -> list[str]:
    """Trading days from 30 days before to 30 days after ``day`` (future days from the calendar).

    The window ends at the end of the holiday data at the latest; a ``day`` past it is a 400 naming ``date``.
    """
    key = f"{day:%Y%m%d}"
    last = await _holiday_data_end(ctx)
    if last is not None and day > last:
        raise InvalidParameter(
            "date", f"{key} is past the holiday data, which ends on {last:%Y%m%d}", value=key
        )
    hi = day + dt.timedelta(days=30)
    if last is not None:
        hi = min(hi, last)
    lo = (day - dt.timedelta(days=30)).strftime("%Y%m%d")
    calendar_market = market if market in ("SH", "SZ") else "SH"
    try:
        days = await ctx.xtdata(
            "get_trading_calendar", calendar_market, start_time=lo, end_time=f"{hi:%Y%m%d}"
        )
    except BackendCallFailed as exc:
        raise InvalidParameter("date", f"no trading calendar around {key}: {exc.error}", value=key) from exc
    return [str(d) for d in days]


def _is_estimated(ctx: Ctx, *days: str | None) -> bool:
    """Whether an answer that rests on ``days`` rests on estimated holidays."""
    estimated = _estimated_from(ctx)
    return estimated is not None and any(d is not None and d >= estimated for d in days)


@router.get("/is_trading_date")
@answers(IsTradingDateAnswer)
async def is_trading_date(
    ctx: Ctx, market: str = MARKET, date: str = Query(..., description="YYYYMMDD")
) -> JSONResponse:
    """Whether ``date`` is a trading day of ``market``.

    ``estimated`` is true when the answer rests on estimated holidays rather than announced ones.
    """
    market = parse_market(market)
    day = parse_date(date)
    key = f"{day:%Y%m%d}"
    days = await _days_around(ctx, market, day)
    return JSONResponse(
        {"market": market, "date": key, "is_trading": key in days, "estimated": _is_estimated(ctx, key)}
    )


def _reference_day(ctx: Ctx, date: str) -> dt.date:
    """``date``, or the backend's today (the simulator's clock, not the host's)."""
    return parse_date(date) if date else ctx.backend.today()


@router.get("/prev_trading_date")
@answers(PrevTradingDateAnswer)
async def get_prev_trading_date(
    ctx: Ctx, market: str = MARKET, date: str = Query("", description="YYYYMMDD; empty = today")
) -> JSONResponse:
    """The last trading day strictly before ``date`` (``estimated``: as in is_trading_date)."""
    market = parse_market(market)
    day = _reference_day(ctx, date)
    key = f"{day:%Y%m%d}"
    earlier = [d for d in await _days_around(ctx, market, day) if d < key]
    prev = earlier[-1] if earlier else None
    return JSONResponse(
        {"market": market, "date": key, "prev_trading_date": prev, "estimated": _is_estimated(ctx, key)}
    )


@router.get("/next_trading_date")
@answers(NextTradingDateAnswer)
async def get_next_trading_date(
    ctx: Ctx, market: str = MARKET, date: str = Query("", description="YYYYMMDD; empty = today")
) -> JSONResponse:
    """The first trading day strictly after ``date`` (``estimated``: as in is_trading_date; null past the
    end of the holiday data)."""
    market = parse_market(market)
    day = _reference_day(ctx, date)
    key = f"{day:%Y%m%d}"
    later = [d for d in await _days_around(ctx, market, day) if d > key]
    nxt = later[0] if later else None
    return JSONResponse(
        {"market": market, "date": key, "next_trading_date": nxt, "estimated": _is_estimated(ctx, key, nxt)}
    )


@router.get("/coming_trading_calendar")
@answers(TradingCalendarAnswer)
async def get_coming_trading_calendar(
    ctx: Ctx,
    market: str = Query("SH", description="SH or SZ"),
    start_time: str = Query("", description="YYYYMMDD; empty = tomorrow"),
    end_time: str = Query("", description="YYYYMMDD; within the holiday data"),
) -> JSONResponse:
    """Future trading days as YYYYMMDD (xtdata.compute_coming_trading_calendar; ``estimated_from`` as in
    trading_calendar)."""
    market = parse_market(market, allowed=("SH", "SZ"))
    start, end = parse_range(start_time, end_time)
    await _require_within_holidays(ctx, end)
    days = [
        str(d)
        for d in await ctx.xtdata("compute_coming_trading_calendar", market, start_time=start, end_time=end)
    ]
    return JSONResponse({"market": market, "calendar": days, **_estimate_mark(ctx, days)})


@router.get("/kline_trading_period")
@answers(TradingPeriodAnswer)
async def get_kline_trading_period(ctx: Ctx, stock: str = Query(..., description="代码")) -> JSONResponse:
    """How bars are cut for an instrument: auction bar and continuous spans (xtdata.get_kline_trading_period)."""
    code = parse_code(stock)
    await check_codes(ctx, [code], "stock")
    return JSONResponse({"stock": code, "periods": await ctx.xtdata("get_kline_trading_period", code)})


@router.get("/all_trading_periods")
@answers(AllTradingPeriodsAnswer)
async def get_all_trading_periods(ctx: Ctx) -> JSONResponse:
    """Trading sessions of every market (xtdata.get_all_trading_periods)."""
    return JSONResponse({"data": await ctx.xtdata("get_all_trading_periods")})


@router.get("/all_kline_trading_periods")
@answers(AllTradingPeriodsAnswer)
async def get_all_kline_trading_periods(ctx: Ctx) -> JSONResponse:
    """Bar-cutting rules of every market (xtdata.get_all_kline_trading_periods)."""
    return JSONResponse({"data": await ctx.xtdata("get_all_kline_trading_periods")})
