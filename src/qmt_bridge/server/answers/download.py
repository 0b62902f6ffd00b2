"""The 200 answers of ``/api/download/*`` (and their qmt-bridge 2.1.3 names)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from qmt_bridge.server.answers import documented

JOB_STATUS = (
    "ok: every code downloaded and read back complete; partial: the job finished but some code's bars miss "
    "part of the range (its item says which); else the job's state (failed, cancelled, interrupted)"
)
RESULT = "what xtquant's function returned: null (its download_* functions return nothing)"


class CachedRange(BaseModel):
    """The range of one code's data in the local cache after a download."""

    model_config = ConfigDict(extra="forbid")

    start_time: str = Field(..., description="the first day held, ISO 8601 (YYYY-MM-DDThh:mm:ss), China time")
    end_time: str = Field(..., description="the last day held, ISO 8601, China time")


JOB_EXAMPLE: dict[str, Any] = (
        {
            "job_id": "dl-20251120153000-1-a1b2",
            "function": "download_history_data2",
            "state": "finished",
            "params": {"period": "1d", "start_time": "20250101", "end_time": "", "incrementally": None},
            "total": 1,
            "counts": {"done": 1},
            "progress": {"finished": 1, "total": 1, "stockcode": "600519.SH", "message": ""},
            "error": None,
            "created": "2025-11-20T07:30:00.100000+00:00",
            "started": "2025-11-20T07:30:00.101000+00:00",
            "ended": "2025-11-20T07:30:00.250000+00:00",
            "elapsed_seconds": 0.149,
            "timeout_seconds": 600.0,
            "retry_of": None,
            "origin": "api",
            "items": {
                "600519.SH": {
                    "state": "done",
                    "error": None,
                    "rows_before": 0,
                    "coverage": {"rows": 218, "first": "20250102", "last": "20251120", "expected_days": 218,
                                 "missing_before": None, "missing_after": None},
                    "range": {"start_time": "2005-01-04T00:00:00", "end_time": "2025-11-20T00:00:00"},
                }
            },
        }
)  # fmt: skip


class Coverage(BaseModel):
    """What one code's bars in the local cache cover after the download, over the range asked."""

    model_config = ConfigDict(extra="forbid")

    rows: int | None = Field(
        ...,
        description="bars held in the range; null for intraday periods (only the first and last day are read)",
    )
    first: str | None = Field(..., description="YYYYMMDD of the first bar; null without bars")
    last: str | None = Field(..., description="YYYYMMDD of the last bar")
    expected_days: int | None = Field(
        ..., description="trading days of the code's market in the range while it was listed; null: unknown"
    )
    missing_before: str | None = Field(None, description="the first expected day, when the bars start later")
    missing_after: str | None = Field(None, description="the last expected day, when the bars end earlier")


class JobItem(BaseModel):
    """One code of a download job."""

    model_config = ConfigDict(extra="forbid")

    state: str = Field(..., description="pending, running, done, partial, failed or cancelled")
    error: str | None = Field(None, description="why it failed or is partial")
    rows_before: int | None = Field(None, description="bars held in the range before the download")
    coverage: Coverage | None = Field(None, description="read back after the download (history downloads)")
    range: CachedRange | None = Field(None, description="the range xtquant reports it holds now")


class DownloadJob(BaseModel):
    """A download job: what was asked, its state and progress, and each code's outcome."""

    model_config = documented(JOB_EXAMPLE)

    job_id: str
    function: str = Field(
        ..., description="download_history_data2, download_financial_data2, or a reference-data download"
    )
    state: str = Field(..., description="queued, running, finished, failed, cancelled or interrupted")
    params: dict[str, Any] = Field(..., description="what was asked besides the codes")
    total: int = Field(..., description="codes in the job")
    counts: dict[str, int] = Field(..., description="codes per state")
    progress: dict[str, Any] = Field(
        ...,
        description="xtquant's last progress report over the whole job: finished, total, stockcode, message",
    )
    error: str | None = Field(..., description="why the job failed, was cancelled or interrupted")
    created: str | None
    started: str | None
    ended: str | None
    elapsed_seconds: float | None
    timeout_seconds: float = Field(..., description="a job still running after this long fails")
    retry_of: str | None = Field(..., description="the job whose failed codes this one retries")
    origin: str = Field(
        ..., description="api: asked for by a download request; predownload: a pre-download round's attempt"
    )
    items: dict[str, JobItem] | None = Field(None, description="code → its outcome (absent in lists)")


class DownloadJobStarted(BaseModel):
    """A download job started (202), or joined: the same work was queued or running already."""

    model_config = ConfigDict(extra="forbid")

    job_id: str
    state: str
    joined: bool = Field(..., description="true: this request joined a job already queued or running")
    watch: str = Field(..., description="GET it for the job's state")
    progress_ws: str = Field(..., description='the stream of its progress: send {"job_id": ...}')
    job: DownloadJob


class DownloadJobList(BaseModel):
    """The download jobs, newest first (the last 200 ended ones are kept across restarts)."""

    model_config = documented({"jobs": []})

    jobs: list[DownloadJob]


class HistoryDownloadAnswer(BaseModel):
    """K-lines or ticks downloaded into the local cache (``download_history_data2``)."""

    model_config = documented(
        {
            "status": "ok",
            "function": "download_history_data2",
            "stocks": ["600519.SH", "000001.SZ"],
            "period": "1d",
            "result": {
                "600519.SH": {"start_time": "2005-01-04T00:00:00", "end_time": "2025-11-20T00:00:00"},
                "000001.SZ": {"start_time": "2005-01-04T00:00:00", "end_time": "2025-11-20T00:00:00"},
            },
            "job": JOB_EXAMPLE,
        }
    )

    status: str = Field(..., description=JOB_STATUS)
    function: str = Field(..., description="the xtquant function called")
    stocks: list[str] = Field(..., description="the codes downloaded")
    period: str
    result: dict[str, CachedRange] = Field(
        ...,
        description="code → the range the cache holds now (not only the range asked); codes xtquant lacks "
        "are left out",
    )
    job: DownloadJob = Field(..., description="the job that did it, each code verified")


class FinancialDownloadAnswer(BaseModel):
    """Financial statements downloaded into the local cache (``download_financial_data2``)."""

    model_config = documented(
        {
            "status": "ok",
            "function": "download_financial_data2",
            "stocks": ["600519.SH"],
            "tables": ["Balance"],
            "result": None,
            "job": {**JOB_EXAMPLE, "function": "download_financial_data2", "items": None},
        }
    )

    status: str = Field(..., description=JOB_STATUS)
    function: str = Field(..., description="the xtquant function called")
    stocks: list[str]
    tables: list[str] = Field(..., description="the tables asked; [] = every table")
    result: Any = Field(..., description=RESULT)
    job: DownloadJob = Field(..., description="the job that did it")


class DownloadAnswer(BaseModel):
    """Reference data downloaded into the local cache.

    Sectors, index weights, ETF and CB data, expired contracts, holidays or ST histories.
    """

    model_config = documented(
        {
            "status": "ok",
            "function": "download_sector_data",
            "result": None,
            "job": {**JOB_EXAMPLE, "function": "download_sector_data", "params": {}, "total": 0, "counts": {},
                    "progress": {}, "items": {}},
        }
    )  # fmt: skip

    status: str = Field(..., description=JOB_STATUS)
    function: str = Field(
        ...,
        description="the xtquant function called: download_sector_data, download_index_weight, "
        "download_etf_info, download_cb_data, download_history_contracts, download_holiday_data or "
        "download_his_st_data",
    )
    result: Any = Field(..., description=RESULT)
    job: DownloadJob = Field(..., description="the job that did it (one call, no codes)")
