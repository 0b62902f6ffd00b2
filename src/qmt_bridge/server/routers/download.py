"""Downloads into the backend's local cache.

Every download here is a *job* (``server/downloads``): the request
answers 202 at once with the job's id and where to watch it (``GET /api/download/jobs/{job_id}``,
``/ws/download_progress``); ``?wait=true`` answers when the job has ended (or 202 after ``timeout`` seconds,
the job going on). Each job runs ten stocks per backend call, so other requests are served in between, and
fails past ``QMT_BRIDGE_DOWNLOAD_TIMEOUT``. Unknown codes are refused (404 naming them) and nothing is
downloaded. The reference-data downloads (no codes) are one call each. The automatic pre-download already
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


def job_manager(request: Request) -> JobManager:
    manager: JobManager = request.app.state.downloads
    return manager


def job_codes(stocks: list[str]) -> list[str]:
    """The codes of a download job: at most :data:`~qmt_bridge.server.params.MAX_CODES` (the whole A-share
    market fits), each once."""
    return parse_codes(",".join(stocks), "stocks")


async def submit_history(ctx: Ctx, manager: JobManager, req: HistoryDownloadRequest) -> tuple[Job, bool]:
    """The job of a K-line or tick download (its codes checked first: 404 naming the unknown ones, nothing
    started), and whether it joined one already running; for ``POST /history_data2`` and the progress stream."""
    codes = job_codes(req.stocks)
    period = parse_period(req.period)
    start, end = parse_range(req.start_time, req.end_time)
    await check_codes(ctx, codes)
    params = {"period": period, "start_time": start, "end_time": end, "incrementally": req.incrementally}
    return manager.submit("download_history_data2", params, codes)


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
    job, joined = await submit_history(ctx, job_manager(request), req)
    return await _answer(request, job, joined, wait, timeout, stocks=job.codes, period=job.params["period"])


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


async def _reference(
    ctx: Ctx, request: Request, function: str, wait: bool, timeout: float | None
) -> JSONResponse:
    """A reference-data download (no codes) as a job: 501 at once when the backend has no such function."""
    ctx.xtdata_function(function)
    job, joined = job_manager(request).submit(function, {}, [])
    return await _answer(request, job, joined, wait, timeout)


@router.post("/sector_data", responses=STARTED)
@answers(DownloadAnswer)
async def download_sector_data(
    ctx: Ctx, request: Request, wait: bool = WAIT, timeout: float | None = TIMEOUT
) -> JSONResponse:
    """Sector lists and members (xtdata.download_sector_data), as a job."""
    return await _reference(ctx, request, "download_sector_data", wait, timeout)


@router.post("/index_weight", responses=STARTED)
@answers(DownloadAnswer)
async def download_index_weight(
    ctx: Ctx, request: Request, wait: bool = WAIT, timeout: float | None = TIMEOUT
) -> JSONResponse:
    """Index constituent weights (xtdata.download_index_weight), as a job."""
    return await _reference(ctx, request, "download_index_weight", wait, timeout)


@router.post("/etf_info", responses=STARTED)
@answers(DownloadAnswer)
async def download_etf_info(
    ctx: Ctx, request: Request, wait: bool = WAIT, timeout: float | None = TIMEOUT
) -> JSONResponse:
    """ETF creation/redemption lists (xtdata.download_etf_info), as a job."""
    return await _reference(ctx, request, "download_etf_info", wait, timeout)


@router.post("/cb_data", responses=STARTED)
@answers(DownloadAnswer)
async def download_cb_data(
    ctx: Ctx, request: Request, wait: bool = WAIT, timeout: float | None = TIMEOUT
) -> JSONResponse:
    """Convertible-bond data (xtdata.download_cb_data), as a job."""
    return await _reference(ctx, request, "download_cb_data", wait, timeout)


@router.post("/history_contracts", responses=STARTED)
@answers(DownloadAnswer)
async def download_history_contracts(
    ctx: Ctx, request: Request, wait: bool = WAIT, timeout: float | None = TIMEOUT
) -> JSONResponse:
    """Expired futures and options contracts (xtdata.download_history_contracts), as a job."""
    return await _reference(ctx, request, "download_history_contracts", wait, timeout)


@router.post("/holiday_data", responses=STARTED)
@answers(DownloadAnswer)
async def download_holiday_data(
    ctx: Ctx, request: Request, wait: bool = WAIT, timeout: float | None = TIMEOUT
) -> JSONResponse:
    """Exchange holidays (xtdata.download_holiday_data), as a job."""
    return await _reference(ctx, request, "download_holiday_data", wait, timeout)


@router.post("/his_st_data", responses=STARTED)
@answers(DownloadAnswer)
async def download_his_st_data(
    ctx: Ctx, request: Request, wait: bool = WAIT, timeout: float | None = TIMEOUT
) -> JSONResponse:
    """Historical ST periods (xtdata.download_his_st_data), as a job."""
    return await _reference(ctx, request, "download_his_st_data", wait, timeout)
