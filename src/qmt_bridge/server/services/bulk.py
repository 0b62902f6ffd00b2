"""Bulk K-line/tick answers: light ones at once, heavy ones admitted, read by chunks, encoded off the event
loop and streamed.

Why: one request near the row limit (5,000 codes of daily bars) used to be read in one backend call and
built as 360 MB of JSON on the event loop: for 20 s every other client waited, the backend's worker was
held throughout, and a client that hung up changed nothing. Here a request whose row estimate reaches
``settings.heavy_rows`` is *heavy*:

- it takes a slot of :mod:`~qmt_bridge.server.services.admission` (or is refused with 429/503);
- its codes are read in chunks of about :data:`CHUNK_ROWS` rows, one runner call each, so a light call
  waits for one chunk at most, and memory holds one chunk rather than the whole answer;
- each chunk is shaped and encoded in a worker thread, and sent as it is ready (chunked transfer
  encoding); the slow reader's backpressure pauses the reading;
- when the client disconnects, the stream is cancelled: the chunks not yet read are never read.

The body is the same JSON as the light path's: ``{<head>, "data": {code: rows, ...}, "download": ...,
"no_data": [...]}``. The first chunk is read before the status line is sent, so the usual errors keep
their status; a failure in a later chunk can only cut the body short (the client sees an incomplete
response, never a truncated JSON taken for a whole one).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
import zlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

import pandas as pd
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.errors import NotImplementedByBackend
from qmt_bridge.server.params import BulkFormat, TableFormat
from qmt_bridge.server.responses import dumps
from qmt_bridge.server.services import arrow_format
from qmt_bridge.server.services.admission import Slot
from qmt_bridge.server.services.local_history import DownloadReport
from qmt_bridge.server.services.market_data import BarPlan, BarQuery, notes
from qmt_bridge.server.services.tabular import encode_frames

log = logging.getLogger("qmt_bridge.server")
T = TypeVar("T")

#: Rows a chunk of a heavy answer aims at: one backend call and ~25 ms of encoding each.
CHUNK_ROWS = 10_000
#: Answers estimated below this many rows are encoded on the event loop (a thread hop costs more).
INLINE_ROWS = 2_000
#: JSON answers of at least this many bytes are gzip-compressed for a client that accepts it.
GZIP_MIN_BYTES = 16 * 1024
GZIP_LEVEL = 1


def wanted_format(request: Request, fmt: BulkFormat) -> BulkFormat:
    """The format to answer in: ``fmt``, or Arrow when the client accepts it (``Accept`` names
    :data:`~arrow_format.MEDIA_TYPE`) without asking for a format and the server can write it. 501 for an
    explicit ``format=arrow`` on a server without pyarrow."""
    if fmt is BulkFormat.arrow and not arrow_format.available():
        raise NotImplementedByBackend(
            'format=arrow needs pyarrow on the server (pip install "qmt-bridge[arrow]"); '
            "use format=columns or records"
        )
    if (
        "format" not in request.query_params
        and arrow_format.MEDIA_TYPE in request.headers.get("accept", "")
        and arrow_format.available()
    ):
        return BulkFormat.arrow
    return fmt


async def bars_answer(
    request: Request, ctx: BackendContext, query: BarQuery, fmt: BulkFormat, head: dict[str, Any]
) -> Response:
    """``{**head, "data": {code: rows}, "download": ..., "no_data": [...]}`` for ``query`` (or its Arrow
    stream, see :mod:`arrow_format`): at once when light, streamed when heavy (see the module). A heavy
    query takes its slot before any backend call."""
    fmt = wanted_format(request, fmt)
    gzip_wanted = fmt is not BulkFormat.arrow and _accepts_gzip(request)
    headers = {"Vary": "Accept, Accept-Encoding"}
    if query.rows < ctx.settings.heavy_rows:
        bars = await query.all()
        encoder = _encoder(fmt, head, query.codes, bars.download)

        def whole() -> bytes:
            body = encoder.whole(bars.frames)
            if gzip_wanted and len(body) >= GZIP_MIN_BYTES:
                headers["Content-Encoding"] = "gzip"
                return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
            return body

        body = whole() if query.rows < INLINE_ROWS else await asyncio.to_thread(whole)
        return Response(body, media_type=encoder.media_type, headers=headers)
    client = request.client.host if request.client else "unknown"
    slot = await ctx.admission.enter(client)

    async def start() -> tuple[BarPlan, _JSONEncoder | _ArrowEncoder | _Gzipped, list[list[str]], bytes]:
        plan = await query.prepare()
        encoder = _encoder(fmt, head, plan.codes, plan.download)
        if gzip_wanted:
            encoder = _Gzipped(encoder)
            headers["Content-Encoding"] = "gzip"
        chunks = _chunks(plan)
        opening = encoder.opening()
        return plan, encoder, chunks, opening + await _encoded_chunk(plan, chunks[0], encoder)

    try:
        # Checking thousands of codes and reading the first chunk take seconds: stop if the client goes.
        plan, encoder, chunks, first = await _unless_gone(request, start())
    except _ClientGone:
        slot.release()
        log.info("a client hung up before its answer of %d codes started: stopped", len(query.codes))
        return Response(status_code=499)
    except BaseException:
        slot.release()
        raise

    async def body() -> AsyncIterator[bytes]:
        # One chunk read ahead: the backend reads the next chunk while this one is encoded (with the backend
        # in a process of its own, on another core). The runner's queue still holds at most one read of
        # this answer at a time, so a light request waits for one chunk at most, as before.
        ahead: asyncio.Future[Any] | None = None
        try:
            yield first
            for i, chunk in enumerate(chunks[1:], start=1):
                raw = await (ahead if ahead is not None else plan.read(chunk))
                ahead = asyncio.ensure_future(plan.read(chunks[i + 1])) if i + 1 < len(chunks) else None
                yield await asyncio.to_thread(_encode, plan, raw, chunk, encoder)
            yield encoder.closing()
        except Exception:
            # The status line is out: all the client can be told is that the body is incomplete.
            log.exception("a streamed answer of %d codes failed part way", len(plan.codes))
            raise
        finally:
            if ahead is not None and not ahead.done():
                ahead.cancel()  # the client went: the chunk not yet read is never read
            slot.release()

    return _HoldingStream(slot, body(), media_type=encoder.media_type, headers=headers)


class _HoldingStream(StreamingResponse):
    """A streamed answer that gives its admission slot back however it ends: also when the client is
    gone before the body's first piece (a generator never started never runs its ``finally``)."""

    def __init__(self, slot: Slot, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slot = slot

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slot.release()


class _JSONEncoder:
    """The JSON answer in pieces: opening, each chunk's members, closing (with ``no_data``)."""

    media_type = "application/json"

    def __init__(self, fmt: TableFormat, head: dict[str, Any], download: DownloadReport) -> None:
        self.fmt = fmt
        self.head = head
        self.download = download
        self.empty: list[str] = []
        self.chunks = 0

    def opening(self) -> bytes:
        return dumps(self.head)[:-1] + (b',"data":{' if self.head else b'"data":{')

    def encode(self, frames: dict[str, pd.DataFrame]) -> bytes:
        self.empty += [code for code, frame in frames.items() if not len(frame)]
        members = encode_frames(frames, self.fmt)[1:-1]
        self.chunks += 1
        return members if self.chunks == 1 else b"," + members

    def closing(self) -> bytes:
        return b"}," + dumps(notes(self.download, self.empty))[1:]

    def whole(self, frames: dict[str, pd.DataFrame]) -> bytes:
        return self.opening() + self.encode(frames) + self.closing()


class _ArrowEncoder(arrow_format.ArrowEncoder):
    media_type = arrow_format.MEDIA_TYPE

    def opening(self) -> bytes:
        return b""

    def closing(self) -> bytes:
        return self.end()

    def whole(self, frames: dict[str, pd.DataFrame]) -> bytes:
        return self.encode(frames) + self.end()


class _ClientGone(Exception):
    """The client disconnected while its answer was being prepared."""


async def _unless_gone(request: Request, work: Coroutine[Any, Any, T]) -> T:
    """``await work``, cancelled as soon as the client disconnects (then :class:`_ClientGone`)."""
    task = asyncio.ensure_future(work)
    watch = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watch.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        raise _ClientGone
    return task.result()


async def _disconnected(request: Request) -> None:
    """Returns when the client has disconnected (a GET has no body to read meanwhile)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


class _Gzipped:
    """Another encoder's pieces as one gzip stream, each piece flushed so that the client can decode what
    it has received (level 1: the bytes a LAN saves outweigh the time it costs)."""

    def __init__(self, inner: _JSONEncoder) -> None:
        self.inner = inner
        self.media_type = inner.media_type
        self._zip = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: the gzip container

    def opening(self) -> bytes:
        return self._zip.compress(self.inner.opening())

    def encode(self, frames: dict[str, pd.DataFrame]) -> bytes:
        return self._zip.compress(self.inner.encode(frames)) + self._zip.flush(zlib.Z_SYNC_FLUSH)

    def closing(self) -> bytes:
        return self._zip.compress(self.inner.closing()) + self._zip.flush()


def _accepts_gzip(request: Request) -> bool:
    """Whether ``Accept-Encoding`` names gzip without refusing it (``gzip;q=0``)."""
    for item in request.headers.get("accept-encoding", "").split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _encoder(
    fmt: BulkFormat, head: dict[str, Any], codes: list[str], download: DownloadReport
) -> _JSONEncoder | _ArrowEncoder:
    if fmt is BulkFormat.arrow:
        return _ArrowEncoder(head, codes, download.to_dict())
    return _JSONEncoder(TableFormat(fmt.value), head, download)


def _chunks(plan: BarPlan) -> list[list[str]]:
    """The plan's codes in consecutive chunks of about :data:`CHUNK_ROWS` estimated rows (one code at
    least)."""
    per_code = max(1, plan.rows // max(1, len(plan.codes)))
    size = max(1, CHUNK_ROWS // per_code)
    return [plan.codes[i : i + size] for i in range(0, len(plan.codes), size)]


async def _encoded_chunk(
    plan: BarPlan, codes: list[str], encoder: _JSONEncoder | _ArrowEncoder | _Gzipped
) -> bytes:
    """The piece of the answer for ``codes``: read through the runner, shaped and encoded in a worker
    thread."""
    raw = await plan.read(codes)
    return await asyncio.to_thread(_encode, plan, raw, codes, encoder)


def _encode(
    plan: BarPlan, raw: Any, codes: list[str], encoder: _JSONEncoder | _ArrowEncoder | _Gzipped
) -> bytes:
    """In a worker thread: the chunk's bars shaped and encoded."""
    return encoder.encode(plan.shape(raw, codes))
