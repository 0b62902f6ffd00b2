"""``/ws/download_progress``: start a history download and watch it, or watch a job by id.

Client → server: the seed's message ``{"stocks": [...], "period": "1d", "start_time": "", "end_time": ""}``
starts a download job as ``POST /api/download/history_data2`` does (joining the same work already running),
or ``{"job_id": "..."}`` watches a job; any number of them on one connection. Auth as the other data streams.

Server → client (each with ``type`` and ``job_id``): ``job`` (the job's state when watching starts),
``progress`` (xtquant's progress report over the whole job: ``finished``, ``total``, ``stockcode``,
``message``), ``items`` (the codes of a chunk, verified), and ``done`` when the job has ended (``state``, the
whole ``job``, and ``"status": "done"`` as qmt-bridge 2.1.3 sent). Bad requests get an ``error`` message and
the connection stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect

from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.downloads.jobs import Job, JobManager
from qmt_bridge.server.errors import BridgeError
from qmt_bridge.server.models import HistoryDownloadRequest
from qmt_bridge.server.realtime import protocol
from qmt_bridge.server.routers.download import submit_history
from qmt_bridge.server.routers.ws import authenticate

router = APIRouter()


@router.websocket("/ws/download_progress")
async def ws_download_progress(websocket: WebSocket) -> None:
    ctx: BackendContext = websocket.app.state.context
    manager: JobManager = websocket.app.state.downloads
    await websocket.accept()
    allowed, pending = await authenticate(websocket, ctx)
    if not allowed:
        return
    sending = asyncio.Lock()
    watching: list[asyncio.Task[None]] = []

    async def send(message: dict[str, Any]) -> None:
        async with sending:
            await websocket.send_text(orjson.dumps(message, default=str).decode())

    try:
        texts = [pending] if pending is not None else []
        while True:
            text = texts.pop() if texts else await websocket.receive_text()
            try:
                job = await _job_for(ctx, manager, text)
            except BridgeError as exc:
                await send(
                    protocol.error(
                        exc.code, exc.message, exc.details if isinstance(exc.details, dict) else None
                    )
                )
                continue
            watching.append(asyncio.create_task(_watch(manager, job, send)))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        for task in watching:
            task.cancel()
        for task in watching:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _job_for(ctx: BackendContext, manager: JobManager, text: str) -> Job:
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise BridgeError("not JSON: send {\"stocks\": [...], \"period\": \"1d\"} or {\"job_id\": \"...\"}",
                          code="invalid_message") from None  # fmt: skip
    if not isinstance(message, dict):
        raise BridgeError("send a JSON object", code="invalid_message")
    if "job_id" in message:
        return manager.get(str(message["job_id"]))
    try:
        request = HistoryDownloadRequest.model_validate(message)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "message"
        raise BridgeError(f"{where}: {first['msg']}", code="invalid_message") from None
    job, _ = await submit_history(ctx, manager, request)
    return job


async def _watch(manager: JobManager, job: Job, send: Any) -> None:
    queue = manager.watch(job)
    try:
        await send({"type": "job", "job_id": job.id, "job": job.view(items=False)})
        while not job.done.is_set() or not queue.empty():
            getter = asyncio.ensure_future(queue.get())
            ended = asyncio.ensure_future(job.done.wait())
            finished, _ = await asyncio.wait({getter, ended}, return_when=asyncio.FIRST_COMPLETED)
            ended.cancel()
            if getter in finished:
                message = getter.result()
                if message["type"] != "job":  # the job's state changes: sent once, at the end
                    await send(message)
            else:
                getter.cancel()
        await send(
            {"type": "done", "job_id": job.id, "status": "done", "state": job.state, "job": job.view()}
        )
    finally:
        job.watchers.discard(queue)
