"""Downloads into the backend's local cache.

K-lines, ticks and financial statements of several stocks are *jobs* (``server/downloads``): the request
answers 202 at once with the job's id and where to watch it (``GET /api/download/jobs/{job_id}``,
``/ws/download_progress``); ``?wait=true`` answers when the job has ended (or 202 after ``timeout`` seconds,
the job going on). Each job runs ten stocks per backend call, so other requests are served in between, and
fails past ``QMT_BRIDGE_DOWNLOAD_TIMEOUT``. Unknown codes are refused (404 naming them) and nothing is
downloaded. The reference-data downloads below are synchronous. The automatic pre-download already
refreshes sector data, holidays, contracts, index weights, ETF and CB data at start and daily
(``GET /api/meta/predownload``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.download import (
    DownloadAnswer,
    DownloadJobStarted,
    FinancialDownloadAnswer,
    HistoryDownloadAnswer,
)
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.downloads.jobs import FINISHED, Job, JobManager
from qmt_bridge.server.models import FinancialDownloadRequest, HistoryDownloadRequest
from qmt_bridge.server.params import parse_codes, parse_period, parse_range
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers.financial import parse_tables
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.market_data import check_codes

router = APIRouter(prefix="/api/download", tags=["download"], route_class=StrictQueryRoute)

#: Seconds ``wait=true`` waits beyond the download timeout by default.
WAIT_MARGIN = 5.0
WAIT = Query(False, description="true: answer when the job has ended (200), or 202 after timeout seconds")
TIMEOUT = Query(
    None,
    gt=0,
    le=86_400,
    description="seconds to wait with wait=true; default QMT_BRIDGE_DOWNLOAD_TIMEOUT + 5",
)
STARTED = {
    202: {
        "model": DownloadJobStarted,
        "description": "The job started (or joined one), or is still running after the wait",
    }
}


def _done(function: str, result: Any = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"status": "ok", "function": function, **extra, "result": result})


def job_manager(request: Request) -> JobManager:
    manager: JobManager = request.app.state.downloads
    return manager


def job_codes(stocks: list[str]) -> list[str]:
    """The codes of a download job: at most :data:`~qmt_bridge.server.params.MAX_CODES` (the whole A-share
    market fits), each once."""
    return parse_codes(",".join(stocks), "stocks")


def started(job: Job, joined: bool) -> JSONResponse:
    """The 202 answer of a job that has not ended."""
    body = {
        "job_id": job.id,
        "state": job.state,
        "joined": joined,
        "watch": f"/api/download/jobs/{job.id}",
        "progress_ws": "/ws/download_progress",
        "job": job.view(),
    }
    return JSONResponse(body, status_code=202)


async def _answer(
    request: Request, job: Job, joined: bool, wait: bool, timeout: float | None, **extra: Any
) -> JSONResponse:
    manager = job_manager(request)
    # By default a little longer than a job may run, so that a job that times out answers with its failure.
    limit = timeout if timeout is not None else request.app.state.settings.download_timeout + WAIT_MARGIN
    if not wait or not await manager.wait(job, limit):
        return started(job, joined)
    status = job.state
    if job.state == FINISHED:
        status = "partial" if any(item["state"] == "partial" for item in job.items.values()) else "ok"
    result = None
    if job.function == "download_history_data2":
        result = {code: item["range"] for code, item in job.items.items() if item.get("range")}
    return JSONResponse(
        {"status": status, "function": job.function, **extra, "result": result, "job": job.view()}
    )


@router.post("/history_data2", responses=STARTED)
@answers(HistoryDownloadAnswer)
async def download_history_data2(
    ctx: Ctx,
    request: Request,
    req: HistoryDownloadRequest,
    wait: bool = WAIT,
    timeout: float | None = TIMEOUT,
) -> JSONResponse:
    """K-lines or ticks of several stocks (xtdata.download_history_data2), as a job; each code is read back
    afterwards (``coverage``): zero bars where the calendar has trading days fails it."""
    codes = job_codes(req.stocks)
    period = parse_period(req.period)
    start, end = parse_range(req.start_time, req.end_time)
    await check_codes(ctx, codes)
    params = {"period": period, "start_time": start, "end_time": end, "incrementally": req.incrementally}
    job, joined = job_manager(request).submit("download_history_data2", params, codes)
    return await _answer(request, job, joined, wait, timeout, stocks=codes, period=period)


@router.post("/financial_data", responses=STARTED)
@answers(FinancialDownloadAnswer)
async def download_financial_data(
    ctx: Ctx,
    request: Request,
    req: FinancialDownloadRequest,
    wait: bool = WAIT,
    timeout: float | None = TIMEOUT,
) -> JSONResponse:
    """Financial statements of several stocks (xtdata.download_financial_data2), as a job."""
    codes = job_codes(req.stocks)
    tables = parse_tables(",".join(req.tables))
    start, end = parse_range(req.start_time, req.end_time)
    await check_codes(ctx, codes)
    params = {"tables": tables, "start_time": start, "end_time": end}
    job, joined = job_manager(request).submit("download_financial_data2", params, codes)
    return await _answer(request, job, joined, wait, timeout, stocks=codes, tables=tables)


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
