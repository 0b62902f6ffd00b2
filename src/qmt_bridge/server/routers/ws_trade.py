"""``/ws/trade``: every order, fill, rejection, cancel error, asset, position and connection event, resumable.

Protocol (docs/trading.md):

- Auth: the ``X-API-Key`` header, or, for clients that cannot set headers, a first message
  ``{"api_key": "..."}`` within 5 seconds. ``?api_key=`` in the URL (qmt-bridge 2.1.3's client) only with
  ``QMT_BRIDGE_ALLOW_API_KEY_IN_URL=true``; otherwise it is refused. A missing or wrong key closes the
  connection with 1008; a server without ``--trading`` closes it with 4403.
- Where to start: ``since`` (the last sequence number the client saw; its events after it are replayed from
  the journal, then live ones follow) and ``account_id`` (only that account's events, plus connection
  events), as query parameters or in the first message. Without ``since``: live events only.
- Server → client: ``{"type": "event", "seq", "kind", "account_id", "at" (ms), "data"}``, with the journal's
  sequence number: increasing, never repeated, and consecutive unless filtered by account; ``status``
  (``subscribed`` with ``last_seq``), ``heartbeat`` every 15 s with ``last_seq``, ``pong``, ``error``.
- ``?format=raw`` (the default for a key in the URL, i.e. 2.1.3's client; ``QMT_BRIDGE_WS_FORMAT`` for every
  connection): 2.1.3's messages, ``{"type": kind, "data"}`` per event, nothing else.
- A client that falls :data:`~qmt_bridge.server.trading.stream.MAX_QUEUE` events behind, or does not take
  a message for :data:`SEND_TIMEOUT` seconds, is closed with 4008; it resumes with ``since``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from qmt_bridge.server.errors import BridgeError
from qmt_bridge.server.realtime import protocol
from qmt_bridge.server.security import key_matches
from qmt_bridge.server.trading.journal import JournalEvent
from qmt_bridge.server.trading.service import TradingService
from qmt_bridge.server.trading.stream import Subscription

router = APIRouter()

CLOSE_BAD_REQUEST = 1008
CLOSE_GOING_AWAY = 1001
CLOSE_TRADING_DISABLED = 4403
SEND_TIMEOUT = 30.0


class _BadStart(Exception):
    """What a client asked for at the start cannot be served; the message says why."""


@router.websocket("/ws/trade")
async def ws_trade(websocket: WebSocket) -> None:
    await websocket.accept()
    settings = websocket.app.state.settings
    service: TradingService | None = getattr(websocket.app.state, "trading", None)
    first: dict[str, Any] = {}
    keys = websocket.headers.getlist("x-api-key")
    if len(keys) > 1:
        await websocket.close(code=protocol.CLOSE_BAD_AUTH, reason="X-API-Key sent more than once")
        return
    provided = keys[0] if keys else None
    in_url = websocket.query_params.get("api_key")
    try:
        # A key in the URL is qmt-bridge 2.1.3's client (ours never sends it there): its format by default.
        raw = (
            protocol.message_format(websocket.query_params, "raw" if in_url else settings.ws_format) == "raw"
        )
    except ValueError as exc:
        await websocket.close(code=CLOSE_BAD_REQUEST, reason=protocol.close_reason(str(exc)))
        return
    if provided is None and in_url is not None:
        if not settings.allow_api_key_in_url:
            reason = (
                "API key in the URL refused: send X-API-Key or a first message (or allow it on the server)"
            )
            await websocket.close(code=protocol.CLOSE_BAD_AUTH, reason=reason)
            return
        provided = in_url  # qmt-bridge 2.1.3's client: no first message follows
    elif provided is None:
        first = await _first_message(websocket)
        provided = first.get("api_key") if isinstance(first.get("api_key"), str) else None
    expected = settings.api_key_value()
    if expected is None or not key_matches(provided, expected):
        await websocket.close(code=protocol.CLOSE_BAD_AUTH, reason="missing or invalid API key")
        return
    if service is None:
        await websocket.close(
            code=CLOSE_TRADING_DISABLED, reason="trading is not enabled: start with --trading"
        )
        return
    try:
        since, account_id = _start(websocket, first, service)
    except (_BadStart, BridgeError) as exc:
        message = exc.message if isinstance(exc, BridgeError) else str(exc)
        await _send(websocket, {"type": "error", "code": "invalid_request", "message": message})
        await websocket.close(code=CLOSE_BAD_REQUEST, reason="invalid request")
        return
    subscription = service.stream.subscribe(since, account_id)
    try:
        if raw:
            await _serve(websocket, service, subscription, raw=True)
            return
        await _send(
            websocket,
            {
                "type": "status",
                "status": "subscribed",
                "since": subscription.since,
                "last_seq": subscription.floor,
                "account_id": account_id,
                "trader": service.manager.state if service.manager else None,
            },
        )
        await _serve(websocket, service, subscription)
    finally:
        subscription.close()


async def _first_message(websocket: WebSocket) -> dict[str, Any]:
    try:
        text = await asyncio.wait_for(websocket.receive_text(), timeout=protocol.AUTH_SECONDS)
        message = orjson.loads(text)
    except (asyncio.TimeoutError, WebSocketDisconnect, RuntimeError, orjson.JSONDecodeError):
        return {}
    return message if isinstance(message, dict) else {}


def _start(
    websocket: WebSocket, first: dict[str, Any], service: TradingService
) -> tuple[int | None, str | None]:
    params = websocket.query_params
    raw_since = first.get("since", params.get("since"))
    since: int | None = None
    if raw_since not in (None, ""):
        try:
            since = int(raw_since)
        except (TypeError, ValueError):
            raise _BadStart(f"since: {raw_since!r} is not a sequence number") from None
        if since < 0:
            raise _BadStart(f"since: must be >= 0, got {since}")
    raw_account = first.get("account_id", params.get("account_id")) or None
    account_id = service.account_id(str(raw_account)) if raw_account else None
    return since, account_id


def _frame(event: JournalEvent, raw: bool = False) -> dict[str, Any]:
    if raw:  # qmt-bridge 2.1.3's shape
        return {"type": event.kind, "data": event.data}
    return {
        "type": "event",
        "seq": event.seq,
        "kind": event.kind,
        "account_id": event.account_id,
        "at": int(event.at * 1000),
        "data": event.data,
    }


async def _send(websocket: WebSocket, message: dict[str, Any]) -> None:
    text = orjson.dumps(message, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    await asyncio.wait_for(websocket.send_text(text), timeout=SEND_TIMEOUT)


async def _serve(
    websocket: WebSocket, service: TradingService, subscription: Subscription, raw: bool = False
) -> None:
    """Events until the client leaves; ``raw``: 2.1.3's ``{"type": kind, "data"}``, no heartbeat or pong."""

    async def pump() -> None:
        async for event in subscription.events():
            await _send(websocket, _frame(event, raw))
        if subscription.overflowed:
            await websocket.close(
                code=protocol.CLOSE_SLOW_CONSUMER, reason="too far behind: resume with since"
            )
        else:
            await websocket.close(code=CLOSE_GOING_AWAY, reason="the server is stopping: resume with since")

    async def beat() -> None:
        while True:
            await asyncio.sleep(protocol.HEARTBEAT_SECONDS)
            if raw:
                continue
            await _send(websocket, {"type": "heartbeat", "last_seq": service.journal.last_seq()})

    async def listen() -> None:
        while True:
            text = await websocket.receive_text()
            try:
                message = orjson.loads(text)
            except orjson.JSONDecodeError:
                message = None
            if raw:  # 2.1.3's client sends nothing it expects an answer to
                continue
            if isinstance(message, dict) and message.get("type") == "ping":
                await _send(websocket, {"type": "pong"})
            else:
                await _send(
                    websocket,
                    {
                        "type": "error",
                        "code": "invalid_message",
                        "message": 'this stream takes only {"type": "ping"}; to start elsewhere, reconnect with since',
                    },
                )

    tasks = [asyncio.create_task(t()) for t in (pump, beat, listen)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            error = task.exception()
            if isinstance(error, asyncio.TimeoutError):
                with contextlib.suppress(Exception):
                    await websocket.close(
                        code=protocol.CLOSE_SLOW_CONSUMER, reason="not reading: resume with since"
                    )
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
