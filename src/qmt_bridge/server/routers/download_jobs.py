"""The download jobs (``server/downloads``): list, one job, cancel, retry its failed codes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.download import DownloadJob, DownloadJobList, DownloadJobStarted
from qmt_bridge.server.downloads.jobs import ACTIVE, CANCELLED, FAILED, FINISHED, INTERRUPTED, ORIGINS
from qmt_bridge.server.errors import InvalidParameter
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers.download import job_manager, started
from qmt_bridge.server.routing import StrictQueryRoute

router = APIRouter(prefix="/api/download/jobs", tags=["download"], route_class=StrictQueryRoute)

JOB_ID = Path(..., min_length=1, max_length=64, description="the job_id its download answered")
STATES = (*sorted(ACTIVE), FINISHED, FAILED, CANCELLED, INTERRUPTED)


@router.get("")
@answers(DownloadJobList)
async def list_jobs(
    request: Request,
    state: str | None = Query(None, description=f"only jobs in this state: {', '.join(STATES)}"),
    origin: str | None = Query(
        None, description="only jobs asked for by: api (a download request) or predownload (the scheduler)"
    ),
) -> JSONResponse:
    """The download jobs, newest first, without their per-code items."""
    if state is not None and state not in STATES:
        raise InvalidParameter("state", f"{state!r} is not one of {', '.join(STATES)}", value=state)
    if origin is not None and origin not in ORIGINS:
        raise InvalidParameter("origin", f"{origin!r} is not one of {', '.join(ORIGINS)}", value=origin)
    jobs = job_manager(request).list(state, origin)
    return JSONResponse({"jobs": [job.view(items=False) for job in jobs]})


@router.get("/{job_id}")
@answers(DownloadJob)
async def get_job(request: Request, job_id: Annotated[str, JOB_ID]) -> JSONResponse:
    """One job: state, progress, and each code's outcome (rows before and after, what is missing)."""
    return JSONResponse(job_manager(request).get(job_id).view())


@router.post("/{job_id}/cancel")
@answers(DownloadJob)
async def cancel_job(request: Request, job_id: Annotated[str, JOB_ID]) -> JSONResponse:
    """Cancel a job: a queued one at once, a running one after its current chunk (watch its state); 409
    when it has ended."""
    return JSONResponse(job_manager(request).cancel(job_id).view())


@router.post("/{job_id}/retry", status_code=202, responses={202: {"model": DownloadJobStarted}})
async def retry_job(request: Request, job_id: Annotated[str, JOB_ID]) -> JSONResponse:
    """A new job for the codes of an ended job that failed, were partial, cancelled or never ran; 409 when
    there are none (or the job has not ended)."""
    job, joined = job_manager(request).retry(job_id)
    return started(job, joined)
