"""Downloads into the backend's local cache. Synchronous: the answer comes when the download is done, or
504 after ``QMT_BRIDGE_DOWNLOAD_TIMEOUT`` seconds. Multi-stock downloads go to xtquant ten stocks at a time,
so other requests are served in between. The automatic pre-download already refreshes sector data,
holidays, contracts, index weights, ETF and CB data at start and daily (``GET /api/meta/predownload``); call
these for anything else."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.download import (
    DownloadAnswer,
    FinancialDownloadAnswer,
    HistoryDownloadAnswer,
)
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.models import FinancialDownloadRequest, HistoryDownloadRequest
from qmt_bridge.server.params import parse_codes, parse_period, parse_range
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers.financial import parse_tables
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.market_data import check_codes

router = APIRouter(prefix="/api/download", tags=["download"], route_class=StrictQueryRoute)


def _done(function: str, result: Any = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"status": "ok", "function": function, **extra, "result": result})


@router.post("/history_data2")
@answers(HistoryDownloadAnswer)
async def download_history_data2(ctx: Ctx, req: HistoryDownloadRequest) -> JSONResponse:
    """K-lines or ticks of several stocks (xtdata.download_history_data2); result: the range per stock."""
    codes = parse_codes(",".join(req.stocks), "stocks")
    period = parse_period(req.period)
    start, end = parse_range(req.start_time, req.end_time)
    await check_codes(ctx, codes)
    answers = await ctx.download_stocks(
        "download_history_data2", codes, period, start, end, incrementally=req.incrementally
    )
    ctx.local_history.record(codes, period, start, end)
    result = {code: span for answer in answers for code, span in (answer or {}).items()}
    return _done("download_history_data2", result, stocks=codes, period=period)


@router.post("/financial_data")
@answers(FinancialDownloadAnswer)
async def download_financial_data(ctx: Ctx, req: FinancialDownloadRequest) -> JSONResponse:
    """Financial statements of several stocks (xtdata.download_financial_data2)."""
    codes = parse_codes(",".join(req.stocks), "stocks")
    tables = parse_tables(",".join(req.tables))
    start, end = parse_range(req.start_time, req.end_time)
    await check_codes(ctx, codes)
    await ctx.download_stocks("download_financial_data2", codes, tables, start, end)
    return _done("download_financial_data2", stocks=codes, tables=tables)


@router.post("/sector_data")
@answers(DownloadAnswer)
async def download_sector_data(ctx: Ctx) -> JSONResponse:
    """Sector lists and members (xtdata.download_sector_data)."""
    return _done("download_sector_data", await ctx.download("download_sector_data"))


@router.post("/index_weight")
@answers(DownloadAnswer)
async def download_index_weight(ctx: Ctx) -> JSONResponse:
    """Index constituent weights (xtdata.download_index_weight)."""
    return _done("download_index_weight", await ctx.download("download_index_weight"))


@router.post("/etf_info")
@answers(DownloadAnswer)
async def download_etf_info(ctx: Ctx) -> JSONResponse:
    """ETF creation/redemption lists (xtdata.download_etf_info)."""
    return _done("download_etf_info", await ctx.download("download_etf_info"))


@router.post("/cb_data")
@answers(DownloadAnswer)
async def download_cb_data(ctx: Ctx) -> JSONResponse:
    """Convertible-bond data (xtdata.download_cb_data)."""
    return _done("download_cb_data", await ctx.download("download_cb_data"))


@router.post("/history_contracts")
@answers(DownloadAnswer)
async def download_history_contracts(ctx: Ctx) -> JSONResponse:
    """Expired futures and options contracts (xtdata.download_history_contracts)."""
    return _done("download_history_contracts", await ctx.download("download_history_contracts"))


@router.post("/holiday_data")
@answers(DownloadAnswer)
async def download_holiday_data(ctx: Ctx) -> JSONResponse:
    """Exchange holidays (xtdata.download_holiday_data)."""
    return _done("download_holiday_data", await ctx.download("download_holiday_data"))


@router.post("/his_st_data")
@answers(DownloadAnswer)
async def download_his_st_data(ctx: Ctx) -> JSONResponse:
    """Historical ST periods (xtdata.download_his_st_data)."""
    return _done("download_his_st_data", await ctx.download("download_his_st_data"))
