"""Client methods for ``/api/download/*``: fill the server's local cache.

Every download is a ``POST`` and is never retried automatically. Downloads are *jobs* on the server
(docs/downloads.md): the methods here start one, follow it until it ends (polling
``GET /api/download/jobs/{job_id}``, so no HTTP call waits long) and return its outcome;
:meth:`DownloadMixin.download_history` shows a progress bar.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["DownloadMixin"]


#: Seconds between two looks at a running job: from the first to the last.
POLL_FIRST, POLL_MAX = 0.1, 1.0
ENDED = frozenset({"finished", "failed", "cancelled", "interrupted"})


def job_codes(job: dict[str, Any]) -> list[str]:
    return list((job.get("items") or {}).keys())


def _outcome(job: dict[str, Any]) -> dict[str, Any]:
    """``status`` as the server's ``wait=true`` answer has it, and ``function``."""
    status = job["state"]
    if status == "finished":
        items = (job.get("items") or {}).values()
        status = "partial" if any(item["state"] == "partial" for item in items) else "ok"
    return {"status": status, "function": job["function"]}


def _text_bar(job: dict[str, Any]) -> None:
    """A plain progress bar on stderr, redrawn in place."""
    progress = job.get("progress") or {}
    total = int(progress.get("total") or job.get("total") or 0)
    done = int(progress.get("finished") or 0)
    filled = int(30 * done / total) if total else 0
    line = f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {progress.get('stockcode', '')} {job['state']}"
    sys.stderr.write(line.ljust(80))
    if job["state"] in ENDED:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _code_list(stocks: str | list[str]) -> list[str]:
    """A JSON body wants a list: split a comma-separated string, keep a list as it is."""
    if isinstance(stocks, str):
        return [code.strip() for code in stocks.split(",") if code.strip()]
    return list(stocks)


class DownloadMixin(ClientMixin):
    """Downloads into the server's cache: ``/api/download/*``."""

    def download_history_data2(
        self,
        stocks: str | list[str],
        period: str = "1d",
        start_time: str = "",
        end_time: str = "",
        incrementally: bool | None = None,
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """K-lines or ticks of several stocks (``POST /api/download/history_data2``).

        Args:
            stocks: Codes (list or comma-separated string).
            period: Bar period (``1m``, ``5m``, ``1d`` ...) or ``tick``.
            start_time: Start, ``YYYYMMDD`` or ``YYYYMMDDhhmmss``; empty for as far back as available.
            end_time: End, same format; empty for now.
            incrementally: Download only what the cache lacks; ``None`` lets xtquant decide (incremental when
                ``start_time`` is empty).
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status", "function", "stocks", "period", "result", "job"}``: ``status`` is ``"ok"`` when every
            code was downloaded and read back complete, ``"partial"`` when some code's bars miss part of the
            range, else the job's state (``failed``, ``cancelled``...); ``result``
            maps each code to the range now cached; ``job`` holds each code's outcome (rows, what is missing).

        Raises:
            BadRequestError: A code, the period or a date is invalid.
            NotFoundError: A code is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        started = self._request(
            "POST",
            "/api/download/history_data2",
            json={
                "stocks": _code_list(stocks),
                "period": period,
                "start_time": start_time,
                "end_time": end_time,
                "incrementally": incrementally,
            },
            timeout=timeout,
        )
        job = self._follow(started["job"], None, timeout)
        ranges = {code: item["range"] for code, item in (job.get("items") or {}).items() if item.get("range")}
        return {**_outcome(job), "stocks": job_codes(job), "period": period, "result": ranges, "job": job}

    def download_financial_data(
        self,
        stocks: str | list[str],
        tables: str | list[str] | None = None,
        start_time: str = "",
        end_time: str = "",
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Financial statements of several stocks (``POST /api/download/financial_data``).

        Args:
            stocks: Codes (list or comma-separated string).
            tables: Tables to download (``Balance``, ``Income``, ``CashFlow`` ...); ``None`` for all.
            start_time: First day, ``YYYYMMDD``; empty for unbounded.
            end_time: Last day, ``YYYYMMDD``; empty for unbounded.
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status", "function", "stocks", "tables", "result", "job"}`` (``status`` as for
            :meth:`download_history_data2`).

        Raises:
            BadRequestError: A code, a table name or a date is invalid.
            NotFoundError: A code is unknown.
            NotImplementedByServerError: The server's backend has no financial data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        started = self._request(
            "POST",
            "/api/download/financial_data",
            json={
                "stocks": _code_list(stocks),
                "tables": _code_list(tables) if tables is not None else [],
                "start_time": start_time,
                "end_time": end_time,
            },
            timeout=timeout,
        )
        job = self._follow(started["job"], None, timeout)
        tables_asked = job["params"].get("tables", [])
        return {**_outcome(job), "stocks": job_codes(job), "tables": tables_asked, "result": None, "job": job}

    def download_sector_data(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Sector lists and members (``POST /api/download/sector_data``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_sector_data", "result": None, "job"}`` (``status``: the job's state when it did not finish).

        Raises:
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        started = self._request("POST", "/api/download/sector_data", timeout=timeout)
        return self._reference_outcome(started, timeout)

    def download_index_weight(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Index constituent weights (``POST /api/download/index_weight``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_index_weight", "result": None, "job"}`` (``status``: the job's state when it did not finish).

        Raises:
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        started = self._request("POST", "/api/download/index_weight", timeout=timeout)
        return self._reference_outcome(started, timeout)

    def download_etf_info(self, *, timeout: float | None = None) -> dict[str, Any]:
        """ETF creation/redemption lists (``POST /api/download/etf_info``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_etf_info", "result": None, "job"}`` (``status``: the job's state when it did not finish).

        Raises:
            NotImplementedByServerError: The server's backend has no ETF data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        started = self._request("POST", "/api/download/etf_info", timeout=timeout)
        return self._reference_outcome(started, timeout)

    def download_cb_data(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Convertible-bond data (``POST /api/download/cb_data``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_cb_data", "result": None, "job"}`` (``status``: the job's state when it did not finish).

        Raises:
            NotImplementedByServerError: The server's backend has no bond data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        started = self._request("POST", "/api/download/cb_data", timeout=timeout)
        return self._reference_outcome(started, timeout)

    def download_history_contracts(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Expired futures and options contracts (``POST /api/download/history_contracts``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_history_contracts", "result": None, "job"}`` (``status``: the job's state when it did not finish).

        Raises:
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        started = self._request("POST", "/api/download/history_contracts", timeout=timeout)
        return self._reference_outcome(started, timeout)

    def download_holiday_data(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Exchange holidays (``POST /api/download/holiday_data``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_holiday_data", "result": None, "job"}`` (``status``: the job's state when it did not finish).

        Raises:
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        started = self._request("POST", "/api/download/holiday_data", timeout=timeout)
        return self._reference_outcome(started, timeout)

    def download_his_st_data(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Historical ST periods (``POST /api/download/his_st_data``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_his_st_data", "result": None, "job"}`` (``status``: the job's state when it did not finish).

        Raises:
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        started = self._request("POST", "/api/download/his_st_data", timeout=timeout)
        return self._reference_outcome(started, timeout)

    # ------------------------------------------------------------------ jobs

    def download_history(
        self,
        stocks: str | list[str],
        period: str = "1d",
        start_time: str = "",
        end_time: str = "",
        *,
        wait: bool = True,
        progress: bool | Callable[[dict[str, Any]], None] = True,
    ) -> dict[str, Any]:
        """Download K-lines or ticks of several stocks as a job and show its progress.

        Args:
            stocks: Codes (list or comma-separated string).
            period: Bar period or ``tick``.
            start_time: Start, ``YYYYMMDD[hhmmss]``; empty for as far back as available.
            end_time: End; empty for now.
            wait: Follow the job until it ends (else return the started job at once).
            progress: True: a progress bar on stderr (tqdm's when it is installed, else a plain text one);
                False: none; a callable: called with the job (a dict) each time it is looked at.

        Returns:
            With ``wait``: ``{"job_id", "state", "codes": {code: {"state", "rows", "error"}}}``, one entry
            per code (``done``, ``partial`` with what is missing, ``failed`` with why). Without: the
            server's answer (``job_id``, ``watch``...).

        Raises:
            BadRequestError: A code, the period or a date is invalid (nothing is downloaded).
            NotFoundError: A code is unknown (nothing is downloaded).
        """
        started: dict[str, Any] = self._request(
            "POST",
            "/api/download/history_data2",
            json={
                "stocks": _code_list(stocks),
                "period": period,
                "start_time": start_time,
                "end_time": end_time,
            },
        )
        if not wait:
            return started
        job = self._follow(started["job"], _reporter(progress), None)
        summary = {
            code: {
                "state": item["state"],
                "rows": (item.get("coverage") or {}).get("rows"),
                "error": item.get("error"),
            }
            for code, item in (job.get("items") or {}).items()
        }
        return {"job_id": job["job_id"], "state": job["state"], "codes": summary}

    def list_download_jobs(self, state: str | None = None, origin: str | None = None) -> list[dict[str, Any]]:
        """The server's download jobs, newest first (``GET /api/download/jobs``), without per-code items.

        Args:
            state: Only jobs in this state (queued, running, finished, failed, cancelled, interrupted).
            origin: Only jobs asked for by ``"api"`` (download requests) or ``"predownload"`` (the
                server's automatic pre-download).

        Returns:
            The jobs (``job_id``, ``state``, ``origin``, ``counts`` of codes per state, ``progress``, times ...).

        Raises:
            BadRequestError: An unknown state or origin.
        """
        return self._request("GET", "/api/download/jobs", params={"state": state, "origin": origin})["jobs"]

    def get_download_job(self, job_id: str) -> dict[str, Any]:
        """One download job with each code's outcome (``GET /api/download/jobs/{job_id}``).

        Returns:
            The job, with ``items``: per code its ``state`` (done, partial, failed ...), ``rows_before``,
            ``coverage`` (rows, first and last day, days missing) and ``error``.

        Raises:
            NotFoundError: No such job (the server keeps the last 200 ended ones).
        """
        return self._request("GET", f"/api/download/jobs/{job_id}")

    def cancel_download_job(self, job_id: str) -> dict[str, Any]:
        """Cancel a job: a queued one at once, a running one after its current chunk
        (``POST /api/download/jobs/{job_id}/cancel``).

        Returns:
            The job (``running`` until its current chunk ends, then ``cancelled``).

        Raises:
            NotFoundError: No such job.
            ConflictError: The job has ended, or it is a reference-data download already running (one
                backend call, which cannot be stopped).
        """
        return self._request("POST", f"/api/download/jobs/{job_id}/cancel")

    def retry_download_job(self, job_id: str) -> dict[str, Any]:
        """Start a job for the failed, partial or cancelled codes of an ended job
        (``POST /api/download/jobs/{job_id}/retry``); the server's answer (``job_id``, ``job``...).

        Returns:
            ``{"job_id", "state", "joined", "watch", "progress_ws", "job"}`` of the new job.

        Raises:
            NotFoundError: No such job.
            ConflictError: The job has not ended, or has no such code.
        """
        return self._request("POST", f"/api/download/jobs/{job_id}/retry")

    def _reference_outcome(self, started: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        """A reference-data download's job followed to its end, as ``{"status", "function", "result", "job"}``."""
        job = self._follow(started["job"], None, timeout)
        return {**_outcome(job), "result": None, "job": job}

    def _follow(
        self, job: dict[str, Any], report: Callable[[dict[str, Any]], None] | None, timeout: float | None
    ) -> dict[str, Any]:
        """Look at a job until it ends (``timeout``: per HTTP call); the ended job."""
        delay = POLL_FIRST
        while True:
            if report is not None:
                report(job)
            if job["state"] in ENDED:
                return job
            self._sleep(delay)
            delay = min(delay * 2, POLL_MAX)
            job_id = job["job_id"]
            job = self._request("GET", f"/api/download/jobs/{job_id}", timeout=timeout)


def _reporter(progress: bool | Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None] | None:
    if callable(progress):
        return progress
    if not progress:
        return None
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:
        return _text_bar
    bar: Any = None

    def update(job: dict[str, Any]) -> None:
        nonlocal bar
        total = int(job.get("total") or 0)
        if bar is None:
            bar = tqdm(total=total, desc="download", unit="code")
        bar.n = int((job.get("progress") or {}).get("finished") or 0)
        bar.set_postfix_str(f"{(job.get('progress') or {}).get('stockcode', '')} {job['state']}")
        if job["state"] in ENDED:
            bar.close()

    return update
