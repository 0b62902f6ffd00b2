"""The 200 answers of ``/api/calendar/*``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from qmt_bridge.server.answers import documented

ESTIMATED = (
    "true when the answer rests on the estimated holidays of a year the exchange has not published yet "
    "(xtquant's holiday data ends with the current year)"
)


class TradingDatesAnswer(BaseModel):
    """Trading days of a market, as xtquant's ``get_trading_dates``: ms timestamps (China midnight)."""

    model_config = documented({"market": "SH", "count": 2, "dates": [1764259200000, 1764518400000]})

    market: str
    count: int = Field(..., description="how many dates")
    dates: list[int] = Field(
        ..., description="each day's China-time midnight, ms since the epoch, oldest first"
    )


class HolidaysAnswer(BaseModel):
    """The exchange holidays xtquant knows (weekdays without trading)."""

    model_config = documented({"holidays": ["20250101", "20250128"], "estimated_from": None})

    holidays: list[str] = Field(..., description="YYYYMMDD, oldest first")
    estimated_from: str | None = Field(
        None, description="the first holiday (YYYYMMDD) that is estimated, not announced; null when none is"
    )


class TradingCalendarAnswer(BaseModel):
    """Trading days of a market in a range (``get_trading_calendar``, or from today on:
    ``compute_coming_trading_calendar``): YYYYMMDD strings."""

    model_config = documented({"market": "SH", "calendar": ["20251201", "20251202"], "estimated_from": None})

    market: str
    calendar: list[str] = Field(..., description="YYYYMMDD, oldest first")
    estimated_from: str | None = Field(
        None, description="the first day (YYYYMMDD) taken from estimated holidays; null when none is"
    )


class IsTradingDateAnswer(BaseModel):
    """Whether a day is a trading day."""

    model_config = documented({"market": "SH", "date": "20251120", "is_trading": True, "estimated": False})

    market: str
    date: str = Field(..., description="the day asked, YYYYMMDD")
    is_trading: bool
    estimated: bool = Field(..., description=ESTIMATED)


class PrevTradingDateAnswer(BaseModel):
    """The trading day before a day."""

    model_config = documented(
        {"market": "SH", "date": "20251120", "prev_trading_date": "20251119", "estimated": False}
    )

    market: str
    date: str
    prev_trading_date: str | None = Field(..., description="YYYYMMDD; null before the calendar's first day")
    estimated: bool = Field(..., description=ESTIMATED)


class NextTradingDateAnswer(BaseModel):
    """The trading day after a day."""

    model_config = documented(
        {"market": "SH", "date": "20251231", "next_trading_date": "20260105", "estimated": False}
    )

    market: str
    date: str
    next_trading_date: str | None = Field(..., description="YYYYMMDD; null past the calendar's end")
    estimated: bool = Field(..., description=ESTIMATED)


class TradingPeriodAnswer(BaseModel):
    """The trading sessions of one code, as xtquant's ``get_trading_period`` (or its K-line form)."""

    model_config = documented(
        {
            "stock": "600519.SH",
            "periods": {
                "market": "SH", "codeRegex": "*", "product": "", "category": "stock",
                "tradings": [{"status": 3, "time": [0, [93000, 0], [113000, 0]]}],
            },
        }
    )  # fmt: skip

    stock: str
    periods: dict[str, Any] = Field(
        ...,
        description="market, codeRegex, product, category and tradings: each session's status (2 call "
        "auction, 3 continuous, 8 closing auction) and time ([weekday, [hhmmss, day offset], [hhmmss, day "
        "offset]]); the K-line form has type, source and bartime instead",
    )


class AllTradingPeriodsAnswer(BaseModel):
    """The trading sessions of every market and product."""

    model_config = documented(
        {"data": [{"market": "SH", "codeRegex": "*", "product": "", "category": "", "tradings": []}]}
    )

    data: list[dict[str, Any]] = Field(
        ..., description="one entry per market and product, as trading_period's"
    )
