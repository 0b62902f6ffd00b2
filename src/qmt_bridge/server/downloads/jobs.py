"""Downloads as jobs: started at once, run one chunk at a time, watched, cancelled, verified, kept.

A download request becomes a :class:`Job`. Jobs run one after another, each as backend calls of
:data:`~qmt_bridge.server.deps.DOWNLOAD_CHUNK` codes, so every other request is served
between two chunks. Per chunk: xtquant's progress callback (``finished``, ``total``, ``stockcode``,
``message``) becomes job progress; then the chunk is read back (:mod:`.verify`), and each code is ``done``,
``partial`` or ``failed``. A job past its timeout fails and the backend stays usable; a cancel takes effect
between chunks. A request for the same work as a queued or running job joins it.

Finished jobs (the last :data:`HISTORY`) are kept in ``download_jobs.json`` in the data directory; a job the
server did not finish (it stopped) is ``interrupted`` after a restart, with its codes' states as they were.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from qmt_bridge.backends.base import BackendUnavailableError
from qmt_bridge.backends.runner import BackendCallFailed, BackendCallTimeout
from qmt_bridge.json_files import LatestWriter
from qmt_bridge.server import deps
from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.downloads import verify
from qmt_bridge.server.errors import BridgeError, Conflict, NotFound

log = logging.getLogger("qmt_bridge.downloads")

QUEUED, RUNNING, FINISHED, FAILED, CANCELLED, INTERRUPTED = (
    "queued", "running", "finished", "failed", "cancelled", "interrupted",
)  # fmt: skip
ACTIVE = frozenset({QUEUED, RUNNING})
#: Finished jobs kept (in memory and in the file), newest first.
HISTORY = 200
JOBS_FILE = "download_jobs.json"
#: Who asked for a job: a request to ``/api/download/*`` (or a retry of one), or the pre-download scheduler.
ORIGINS = ("api", "predownload")


def _now() -> float:
    return time.time()


def _iso(moment: float | None) -> str | None:
    return None if moment is None else dt.datetime.fromtimestamp(moment, dt.timezone.utc).isoformat()


@dataclass
class Job:
    """One download: what was asked, how far it got, what it left in the local cache."""

    id: str
    function: str
    params: dict[str, Any]
    codes: list[str]
    timeout: float
    state: str = QUEUED
    created: float = field(default_factory=_now)
    started: float | None = None
    ended: float | None = None
    error: str | None = None
    #: xtquant's last progress report: ``finished``, ``total``, ``stockcode``, ``message``.
    progress: dict[str, Any] = field(default_factory=dict)
    #: Per code: ``state`` (pending, running, done, partial, failed, cancelled) and, after a history
    #: download, ``rows_before``, ``coverage`` (:class:`.verify.Coverage`), ``error``, ``range``.
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    cancel_requested: bool = False
    retry_of: str | None = None
    origin: str = "api"

    def __post_init__(self) -> None:
        for code in self.codes:
            self.items.setdefault(code, {"state": "pending"})
        self.done = asyncio.Event()
        self.watchers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._encoded: bytes | None = None  # the record's JSON once the job has ended (it never changes)

    @property
    def fingerprint(self) -> str:
        return json.dumps([self.function, self.codes, self.params], sort_keys=True)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.items.values():
            counts[item["state"]] = counts.get(item["state"], 0) + 1
        return counts

    def unfinished_to_pending(self) -> None:
        """Codes caught running when the job ended: not done, so ``pending`` (a retry takes them)."""
        for item in self.items.values():
            if item["state"] == "running":
                item["state"] = "pending"

    def failed_codes(self) -> list[str]:
        return [
            code for code, item in self.items.items() if item["state"] in ("failed", "partial", "cancelled")
        ]

    def view(self, items: bool = True) -> dict[str, Any]:
        elapsed = None if self.started is None else (self.ended or _now()) - self.started
        answer: dict[str, Any] = {
            "job_id": self.id,
            "function": self.function,
            "state": self.state,
            "params": self.params,
            "total": len(self.codes),
            "counts": self.counts(),
            "progress": self.progress,
            "error": self.error,
            "created": _iso(self.created),
            "started": _iso(self.started),
            "ended": _iso(self.ended),
            "elapsed_seconds": None if elapsed is None else round(elapsed, 3),
            "timeout_seconds": self.timeout,
            "retry_of": self.retry_of,
            "origin": self.origin,
        }
        if items:
            answer["items"] = self.items
        return answer

    def to_record(self) -> dict[str, Any]:
        return {**self.view(), "codes": self.codes, "created_ts": self.created, "started_ts": self.started,
                "ended_ts": self.ended}  # fmt: skip

    def record_json(self) -> bytes:
        """:meth:`to_record` as JSON, kept once the job has ended: the history is saved at every job's start
        and end, and re-encoding 200 jobs of up to 10,000 codes each time would stall the loop."""
        if self._encoded is not None and self.state not in ACTIVE:
            return self._encoded
        encoded = orjson.dumps(self.to_record(), default=str, option=orjson.OPT_NON_STR_KEYS)
        self._encoded = None if self.state in ACTIVE else encoded
        return encoded

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Job:
        job = cls(
            id=str(record["job_id"]),
            function=str(record["function"]),
            params=dict(record["params"]),
            codes=list(record["codes"]),
            timeout=float(record["timeout_seconds"]),
            state=str(record["state"]),
            created=float(record["created_ts"]),
            started=record.get("started_ts"),
            ended=record.get("ended_ts"),
            error=record.get("error"),
            progress=dict(record.get("progress") or {}),
            items={str(k): dict(v) for k, v in (record.get("items") or {}).items()},
            retry_of=record.get("retry_of"),
            origin=str(record.get("origin") or "api"),
        )
        if job.state in ACTIVE:  # the server stopped while it ran
            job.unfinished_to_pending()
            job.state = INTERRUPTED
            job.error = job.error or "the server stopped before the job ended"
            job.ended = job.ended or job.created
        job.done.set()
        return job


class JobManager:
    """The download jobs of one server (on the event loop)."""

    def __init__(self, ctx: BackendContext, data_dir: Path | None, timeout: float) -> None:
        self.ctx = ctx
        self.timeout = timeout
        self.path = data_dir / JOBS_FILE if data_dir is not None else None
        self._writer: LatestWriter | None = None
        self.jobs: dict[str, Job] = {}
        self._queue: asyncio.Queue[Job] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ life

    def start(self) -> None:
        self._load()
        if self.path is not None:
            self._writer = LatestWriter(self.path)
        self._worker = asyncio.get_running_loop().create_task(self._work(), name="download-jobs")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        for job in list(self.jobs.values()):  # _end trims the history: a copy to iterate
            if job.state in ACTIVE:
                self._end(job, INTERRUPTED, "the server stopped before the job ended")  # saves
        if self._writer is not None:
            await asyncio.to_thread(self._writer.close)
            self._writer = None

    # ------------------------------------------------------------------ requests

    def submit(
        self,
        function: str,
        params: dict[str, Any],
        codes: list[str],
        retry_of: str | None = None,
        origin: str = "api",
    ) -> tuple[Job, bool]:
        """A job for this work, and whether it joined one already queued or running."""
        job = Job(
            self._new_id(), function, params, list(codes), self.timeout, retry_of=retry_of, origin=origin
        )
        for other in self.jobs.values():
            if other.state in ACTIVE and other.fingerprint == job.fingerprint:
                return other, True
        self.jobs[job.id] = job
        self._queue.put_nowait(job)
        self._publish(job, {"type": "job", "job": job.view(items=False)})
        self._save()  # a server killed before it ends finds it again, interrupted
        return job, False

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFound("job_id", f"no download job {job_id!r}", value=job_id, code="job_not_found")
        return job

    def list(self, state: str | None = None, origin: str | None = None) -> list[Job]:
        jobs = sorted(self.jobs.values(), key=lambda j: j.created, reverse=True)
        return [
            j for j in jobs if (state is None or j.state == state) and (origin is None or j.origin == origin)
        ]

    def cancel(self, job_id: str) -> Job:
        """Stop a job between two chunks (a queued one at once); 409 when it has ended, or when it is a
        reference-data download already running (one backend call, which cannot be stopped)."""
        job = self.get(job_id)
        if job.state not in ACTIVE:
            raise Conflict("job_id", f"job {job_id} has ended ({job.state}): nothing to cancel",
                           value=job_id, code="job_ended")  # fmt: skip
        if job.state == RUNNING and not job.codes:
            raise Conflict(
                "job_id",
                f"job {job_id} is one backend call ({job.function}) that is running and cannot be stopped; "
                f"it ends by itself within {job.timeout:g} s",
                value=job_id,
                code="job_not_cancellable",
            )
        job.cancel_requested = True
        if job.state == QUEUED:
            self._end(job, CANCELLED, "cancelled before it started")
        return job

    def retry(self, job_id: str) -> tuple[Job, bool]:
        """A new job for the codes of an ended job that failed, were partial or never ran; 409 when none."""
        job = self.get(job_id)
        if job.state in ACTIVE:
            raise Conflict("job_id", f"job {job_id} is {job.state}: retry it once it has ended",
                           value=job_id, code="job_active")  # fmt: skip
        codes = job.failed_codes() + [c for c, item in job.items.items() if item["state"] == "pending"]
        if not codes:
            raise Conflict(
                "job_id", f"job {job_id} has no failed code to retry", value=job_id, code="nothing_to_retry"
            )
        return self.submit(job.function, job.params, codes, retry_of=job.id, origin=job.origin)

    def watch(self, job: Job) -> asyncio.Queue[dict[str, Any]]:
        """A queue of the job's progress messages from now on (the caller removes it from ``job.watchers``)."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=10_000)
        job.watchers.add(queue)
        return queue

    async def wait(self, job: Job, timeout: float) -> bool:
        """Until the job ends (True) or ``timeout`` seconds pass (False)."""
        try:
            await asyncio.wait_for(job.done.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    # ------------------------------------------------------------------ running

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            if job.state != QUEUED:
                continue
            try:
                await self._run(job)
            except Exception as exc:  # a job's failure must not stop the jobs behind it
                log.exception("download job %s failed", job.id)
                self._end(job, FAILED, f"{type(exc).__name__}: {exc}")

    async def _run(self, job: Job) -> None:
        job.state, job.started = RUNNING, _now()
        self._publish(job, {"type": "job", "job": job.view(items=False)})
        if not job.codes:  # reference data: one call
            await self._run_plain(job)
            return
        deadline = time.monotonic() + job.timeout
        history = job.function == "download_history_data2"
        trading_days = await self._trading_days(job) if history else {}
        size = deps.DOWNLOAD_CHUNK
        for i in range(0, len(job.codes), size):
            chunk = job.codes[i : i + size]
            if job.cancel_requested:
                self._mark(job, job.codes[i:], "cancelled")
                self._end(job, CANCELLED, f"cancelled after {i} of {len(job.codes)} code(s)")
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._timed_out(job, i)
                return
            self._mark(job, chunk, "running")
            try:
                before = (await self._read(job, chunk, {}))[0] if history else {}
                answer = await self._download(job, chunk, remaining)
                if history:
                    covered = await self._verified(job, chunk, answer, trading_days)
            except BackendCallTimeout:
                self._timed_out(job, i)
                return
            except (BackendCallFailed, BackendUnavailableError, BridgeError) as exc:
                message = exc.message if isinstance(exc, BridgeError) else str(exc)
                for code in chunk:
                    job.items[code].update(state="failed", error=message)
                self._publish(job, {"type": "job", "job": job.view(items=False)})
                continue
            for code in chunk:
                if history:
                    self._verify(job, code, before.get(code), covered[code], answer)
                else:
                    job.items[code]["state"] = "done"
            self._publish(job, {"type": "items", "job_id": job.id, "items": {c: job.items[c] for c in chunk}})
        failed = [c for c, item in job.items.items() if item["state"] == "failed"]
        if failed:
            self._end(
                job, FAILED, f"{len(failed)} of {len(job.codes)} code(s) failed: {', '.join(failed[:10])}"
            )
        else:
            self._end(job, FINISHED, None)

    async def _run_plain(self, job: Job) -> None:
        try:
            fn = self.ctx.xtdata_function(job.function)
            await self.ctx.runner.call(fn, timeout=job.timeout, background=True)
        except BackendCallTimeout:
            self._end(job, FAILED, f"timed out after {job.timeout:g} s")
        except (BackendCallFailed, BackendUnavailableError, BridgeError) as exc:
            self._end(job, FAILED, exc.message if isinstance(exc, BridgeError) else str(exc))
        else:
            self._end(job, FINISHED, None)

    async def _download(self, job: Job, chunk: list[str], remaining: float) -> Any:
        loop = asyncio.get_running_loop()

        def progress(data: Any) -> None:  # on xtquant's thread
            if isinstance(data, Mapping):
                loop.call_soon_threadsafe(self._progress, job, dict(data), len(chunk))

        # The background lane, as the pre-download's: on xtquant a download is a long wait on the MiniQMT
        # service, and interactive calls go on beside it (docs/architecture.md, Background lane); the short
        # reads before and after stay on the interactive lane.
        fn = self.ctx.xtdata_function(job.function)
        params = job.params
        if job.function == "download_history_data2":
            return await self.ctx.runner.call(
                fn, chunk, params["period"], params["start_time"], params["end_time"],
                callback=progress, incrementally=params.get("incrementally"), timeout=remaining, background=True,
            )  # fmt: skip
        return await self.ctx.runner.call(
            fn, chunk, params["tables"], params["start_time"], params["end_time"], callback=progress,
            timeout=remaining, background=True,
        )  # fmt: skip

    def _progress(self, job: Job, data: dict[str, Any], chunk_size: int) -> None:
        """xtquant's report of a chunk, as the job's: ``finished`` and ``total`` over the whole job."""
        done_before = sum(1 for item in job.items.values() if item["state"] not in ("pending", "running"))
        finished = int(data.get("finished") or 0)
        job.progress = {
            "finished": done_before + min(finished, chunk_size),
            "total": len(job.codes),
            "stockcode": str(data.get("stockcode") or ""),
            "message": str(data.get("message") or ""),
        }
        self._publish(job, {"type": "progress", "job_id": job.id, **job.progress})

    async def _listed(self, chunk: list[str]) -> dict[str, str | None]:
        """Each code's listing day (``OpenDate``), where the backend knows it."""

        def details() -> dict[str, str | None]:
            fn = self.ctx.xtdata_function("get_instrument_detail")
            return {code: verify.listed_day(fn(code)) for code in chunk}

        try:
            return await self.ctx.runner.call(details)
        except (BackendCallFailed, BackendCallTimeout, BackendUnavailableError, BridgeError):
            return {}

    async def _verified(
        self, job: Job, chunk: list[str], answer: Any, trading_days: dict[str, list[str] | None]
    ) -> dict[str, verify.Coverage]:
        """Each code's coverage after the download. The listing day (``get_instrument_detail``, slow on some
        backends) is asked only for the codes whose bars start after the range does."""
        _, covered = await self._read(job, chunk, self._expected(job, chunk, answer, trading_days, {}))
        late = [code for code in chunk if covered[code].missing_before is not None or covered[code].failed]
        if late:
            listed = await self._listed(late)
            _, again = await self._read(job, late, self._expected(job, late, answer, trading_days, listed))
            covered.update(again)
        return covered

    async def _read(
        self, job: Job, chunk: list[str], expected: dict[str, list[str] | None]
    ) -> tuple[dict[str, int | None], dict[str, verify.Coverage]]:
        """The chunk's rows and coverage in the local cache (:func:`.verify.read_back`), one backend call a
        code. A read builds frames in the backend's process, CPU that the interactive calls beside the job
        wait for: a call of one code (~1 ms on the simulator) keeps that wait short, where one of ten codes
        put a request beside a job at 3-13 ms instead of 1 (bench/download.py)."""
        p = job.params
        rows: dict[str, int | None] = {}
        covered: dict[str, verify.Coverage] = {}
        for code in chunk:
            found, coverage = await self.ctx.runner.call(
                verify.read_back, self.ctx.backend.xtdata, [code], p["period"], p["start_time"], p["end_time"],
                expected,
            )  # fmt: skip
            rows.update(found)
            covered.update(coverage)
        return rows, covered

    def _expected(
        self, job: Job, chunk: list[str], answer: Any, trading_days: dict[str, list[str] | None],
        listed: dict[str, str | None],
    ) -> dict[str, list[str] | None]:  # fmt: skip
        """Per code, the trading days it should have bars on: from its listing day, and, for a download "from
        the beginning", from where xtquant says its history starts (intraday history is short)."""
        expected = {}
        for code in chunk:
            since = listed.get(code)
            reported = answer.get(code) if isinstance(answer, Mapping) else None
            if not job.params["start_time"] and isinstance(reported, Mapping):
                held = verify.day_of(reported.get("start_time"))
                since = max(filter(None, (since, held)), default=None)
            expected[code] = verify.expected_days(trading_days.get(code.rsplit(".", 1)[-1]), since)
        return expected

    async def _trading_days(self, job: Job) -> dict[str, list[str] | None]:
        """Trading days of each market of the job's codes in its range (None where not known)."""
        p = job.params
        days: dict[str, list[str] | None] = {}
        for market in sorted({code.rsplit(".", 1)[-1] for code in job.codes}):
            try:
                found = await self.ctx.xtdata(
                    "get_trading_dates", market, p["start_time"][:8], p["end_time"][:8], -1
                )
            except (BackendCallFailed, BackendCallTimeout, BackendUnavailableError, BridgeError):
                found = None
            days[market] = None if not found else [verify.day_of_ms(int(ms)) for ms in found]
        return days

    def _verify(
        self, job: Job, code: str, rows_before: int | None, covered: verify.Coverage, answer: Any
    ) -> None:
        item = job.items[code]
        reported = answer.get(code) if isinstance(answer, Mapping) else None
        if isinstance(reported, Mapping) and reported.get("start_time") is not None:
            item["range"] = {
                k: v.isoformat() if hasattr(v, "isoformat") else str(v) for k, v in reported.items()
            }
        item["rows_before"] = rows_before
        item["coverage"] = covered.to_dict()
        state = "failed" if covered.failed else "partial" if covered.partial else "done"
        item.update(state=state, error=covered.problem())
        if state != "failed":  # history on demand need not download it again
            p = job.params
            self.ctx.local_history.record([code], p["period"], p["start_time"], p["end_time"])

    def _timed_out(self, job: Job, at: int) -> None:
        self._mark(
            job, job.codes[at:], "failed", f"not downloaded: the job timed out after {job.timeout:g} s"
        )
        self._end(job, FAILED, f"timed out after {job.timeout:g} s, {at} of {len(job.codes)} code(s) done")

    # ------------------------------------------------------------------ bookkeeping

    def _mark(self, job: Job, codes: list[str], state: str, error: str | None = None) -> None:
        for code in codes:
            job.items[code]["state"] = state
            if error is not None:
                job.items[code]["error"] = error

    def _end(self, job: Job, state: str, error: str | None) -> None:
        job.state, job.error, job.ended = state, error, _now()
        job.unfinished_to_pending()
        job.done.set()
        self._publish(job, {"type": "job", "job": job.view()})
        self._trim()
        self._save()

    def _publish(self, job: Job, message: dict[str, Any]) -> None:
        for queue in list(job.watchers):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:  # a watcher that stopped reading: dropped, the job goes on
                job.watchers.discard(queue)

    def _new_id(self) -> str:
        return f"dl-{dt.datetime.now().strftime('%Y%m%d%H%M%S')}-{next(self._ids)}-{secrets.token_hex(2)}"

    def _trim(self) -> None:
        ended = [j for j in self.list() if j.state not in ACTIVE]
        for job in ended[HISTORY:]:
            del self.jobs[job.id]

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            records = json.loads(self.path.read_text("utf-8"))
            for record in records:
                job = Job.from_record(record)
                self.jobs[job.id] = job
        except (OSError, ValueError, KeyError, TypeError):
            log.warning(
                "could not read the download job history %s; starting without it", self.path, exc_info=True
            )

    def _save(self) -> None:
        """The job history to disk: encoded here (the jobs change on this loop), written on the writer's
        thread."""
        if self._writer is None:
            return
        self._writer.put(b"[" + b",".join(job.record_json() for job in self.list()) + b"]")
