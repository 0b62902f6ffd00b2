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
import logging
from collections.abc import AsyncIterator
from typing import Any

import pandas as pd
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.params import TableFormat
from qmt_bridge.server.responses import dumps
from qmt_bridge.server.services.market_data import BarPlan, BarQuery, notes
from qmt_bridge.server.services.tabular import encode_frames

log = logging.getLogger("qmt_bridge.server")

#: Rows a chunk of a heavy answer aims at: one backend call and ~25 ms of encoding each.
CHUNK_ROWS = 10_000
#: Answers estimated below this many rows are encoded on the event loop (a thread hop costs more).
INLINE_ROWS = 2_000


async def bars_answer(
    request: Request, ctx: BackendContext, query: BarQuery, fmt: TableFormat, head: dict[str, Any]
) -> Response:
    """``{**head, "data": {code: rows}, "download": ..., "no_data": [...]}`` for ``query``: at once when
    light, streamed when heavy (see the module). A heavy query takes its slot before any backend call."""
    opening = dumps(head)[:-1] + (b',"data":' if head else b'"data":')
    if query.rows < ctx.settings.heavy_rows:
        bars = await query.all()
        if query.rows < INLINE_ROWS:
            data = encode_frames(bars.frames, fmt)
        else:
            data = await asyncio.to_thread(encode_frames, bars.frames, fmt)
        body = opening + data + b"," + dumps(bars.notes())[1:]
        return Response(body, media_type="application/json")
    client = request.client.host if request.client else "unknown"
    slot = await ctx.admission.enter(client)
    try:
        plan = await query.prepare()
        chunks = _chunks(plan)
        first = await _encoded_chunk(plan, chunks[0], fmt)
    except BaseException:
        slot.release()
        raise

    async def body() -> AsyncIterator[bytes]:
        empty: list[str] = []
        try:
            yield opening + b"{" + first[0]
            empty.extend(first[1])
            for chunk in chunks[1:]:
                encoded, no_rows = await _encoded_chunk(plan, chunk, fmt)
                empty.extend(no_rows)
                yield b"," + encoded
            yield b"}," + dumps(notes(plan.download, empty))[1:]
        except asyncio.CancelledError:
            raise
        except Exception:
            # The status line is out: all the client can be told is that the body is incomplete.
            log.exception("a streamed answer of %d codes failed part way", len(plan.codes))
            raise
        finally:
            slot.release()

    return StreamingResponse(body(), media_type="application/json")


def _chunks(plan: BarPlan) -> list[list[str]]:
    """The plan's codes in consecutive chunks of about :data:`CHUNK_ROWS` estimated rows (one code at
    least)."""
    per_code = max(1, plan.rows // max(1, len(plan.codes)))
    size = max(1, CHUNK_ROWS // per_code)
    return [plan.codes[i : i + size] for i in range(0, len(plan.codes), size)]


async def _encoded_chunk(plan: BarPlan, codes: list[str], fmt: TableFormat) -> tuple[bytes, list[str]]:
    """The ``"code":rows,...`` members of ``codes`` (read through the runner, shaped and encoded in a
    worker thread), and those of them without a row."""
    raw = await plan.read(codes)

    def encode() -> tuple[bytes, list[str]]:
        frames: dict[str, pd.DataFrame] = plan.shape(raw, codes)
        empty = [code for code, frame in frames.items() if not len(frame)]
        return encode_frames(frames, fmt)[1:-1], empty

    return await asyncio.to_thread(encode)
