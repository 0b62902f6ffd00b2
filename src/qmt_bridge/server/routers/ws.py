"""WebSocket streams: ``/ws/realtime``, ``/ws/whole_quote`` and ``/ws/l2_thousand`` (protocol: ``docs/realtime.md``).

Each connection is a :class:`~qmt_bridge.server.realtime.connection.Subscriber` of the app's
:class:`~qmt_bridge.server.realtime.hub.RealtimeHub`. Bad messages get an ``error`` message and the
connection stays open; a wrong API key closes it with 1008. A handshake to any other path (an unknown one,
or an HTTP endpoint's) is denied with the one error shape (404 ``route_not_found``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from qmt_bridge.backends.base import BackendUnavailableError
from qmt_bridge.backends.runner import BackendCallFailed, BackendCallTimeout
from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.errors import BridgeError, error_response
from qmt_bridge.server.params import MARKET_CODES, parse_code
from qmt_bridge.server.realtime import protocol
from qmt_bridge.server.realtime.connection import Subscriber
from qmt_bridge.server.realtime.hub import RealtimeHub, SubscribeRefused, whole_snapshot_message
from qmt_bridge.server.security import key_matches
from qmt_bridge.server.services.market_data import check_codes, fetch_bars, full_tick
from qmt_bridge.server.services.market_status import (
    FUTURES_MARKETS,
    LOOKAHEAD_DAYS,
    calendar_days,
    futures_sessions,
    in_spans,
    next_begin,
)
from qmt_bridge.server.services.quote_book import (
    CST,
    backend_now,
    in_trading_hours,
    market_of,
    select,
)
from qmt_bridge.server.services.tabular import frame_payload

log = logging.getLogger("qmt_bridge.realtime")

router = APIRouter()


@router.websocket("/ws/realtime")
async def ws_realtime(websocket: WebSocket) -> None:
    """Ticks or K-lines of codes: ``{"stocks": [...], "period": "1m"}``."""
    await _serve(websocket, "stocks", _Realtime)


@router.websocket("/ws/whole_quote")
async def ws_whole_quote(websocket: WebSocket) -> None:
    """The whole-market push of markets or codes: ``{"codes": ["SH", "SZ"]}``."""
    await _serve(websocket, "codes", _WholeQuote)


@router.websocket("/ws/l2_thousand")
async def ws_l2_thousand(websocket: WebSocket) -> None:
    """Level-2 thousand-level books: ``{"stocks": [...]}``."""
    await _serve(websocket, "stocks", _L2Thousand)


#: Registered after every other route: a handshake no WebSocket route took, whatever its path.
fallback_router = APIRouter()


@fallback_router.websocket("/{rest:path}")
async def ws_unknown(websocket: WebSocket, rest: str) -> None:
    message = (
        f"no WebSocket endpoint /{rest}; the streams are /ws/realtime, /ws/whole_quote, /ws/l2_thousand "
        "and /ws/trade"
    )
    await _deny(websocket, 404, "route_not_found", message, 1008)


async def _deny(websocket: WebSocket, status: int, code: str, message: str, close_code: int) -> None:
    """Refuse a handshake with the one error shape (or, where the server cannot, close with the message)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(error_response(websocket, status, code, message))
    else:
        await websocket.close(code=close_code, reason=protocol.close_reason(message))


async def _serve(websocket: WebSocket, codes_key: str, kind: type[_Stream]) -> None:
    app = websocket.app
    ctx: BackendContext = app.state.context
    hub: RealtimeHub = app.state.hub
    try:
        form = protocol.message_format(websocket.query_params, ctx.settings.ws_format)
    except ValueError as exc:
        await _deny(websocket, 400, "invalid_parameter", str(exc), 1008)
        return
    await websocket.accept()
    allowed, pending = await authenticate(websocket, ctx)
    if not allowed:
        return
    subscriber = Subscriber(websocket, raw=form == "raw", compact=form == "compact")
    stream = kind(ctx, hub, subscriber)
    subscriber.start()
    try:
        if pending is not None:
            await stream.handle(pending, codes_key)
        while True:
            text = await websocket.receive_text()
            await stream.handle(text, codes_key)
    except WebSocketDisconnect:
        pass
    except RuntimeError:  # the socket was closed under us (a slow client closed by its heartbeat)
        pass
    finally:
        await subscriber.stop()
        await hub.detach_all(subscriber)


async def authenticate(websocket: WebSocket, ctx: BackendContext) -> tuple[bool, str | None]:
    """The data streams' key check on an accepted connection (when ``QMT_BRIDGE_REQUIRE_AUTH_FOR_DATA``):
    ``X-API-Key`` once, or a first ``{"api_key": ...}`` message. ``(False, None)``: closed with 1008.
    ``(True, text)``: a first message that was not the key, to be handled as a request."""
    expected = ctx.settings.api_key_value() if ctx.settings.require_auth_for_data else None
    pending: str | None = None
    if expected is not None:
        keys = websocket.headers.getlist("x-api-key")
        if len(keys) > 1:
            await websocket.close(code=protocol.CLOSE_BAD_AUTH, reason="X-API-Key sent more than once")
            return False, None
        provided = keys[0] if keys else None
        if provided is None:
            provided, pending = await _first_message_key(websocket)
        if not key_matches(provided, expected):
            await websocket.close(code=protocol.CLOSE_BAD_AUTH, reason="missing or invalid API key")
            return False, None
    return True, pending


async def _first_message_key(websocket: WebSocket) -> tuple[str | None, str | None]:
    """``(api_key, None)`` from a first ``{"api_key": ...}`` message; ``(None, text)`` if the first
    message is something else (it is then refused); ``(None, None)`` after the wait."""
    try:
        text = await asyncio.wait_for(websocket.receive_text(), timeout=protocol.AUTH_SECONDS)
    except (asyncio.TimeoutError, WebSocketDisconnect, RuntimeError):
        return None, None
    try:
        request = protocol.parse(text, codes_key="stocks")
    except protocol.ProtocolError:
        return None, text
    return (request.api_key, None) if request.action == "auth" else (None, text)


class _Stream:
    """What one endpoint does with a client's messages."""

    periods: tuple[str, ...] = ("tick",)

    def __init__(self, ctx: BackendContext, hub: RealtimeHub, subscriber: Subscriber) -> None:
        self.ctx = ctx
        self.hub = hub
        self.subscriber = subscriber

    async def handle(self, text: str, codes_key: str) -> None:
        try:
            request = protocol.parse(text, codes_key=codes_key, default_period=self.periods[0])
            if request.action == "ping":
                self.subscriber.put_control({"type": "pong"})
            elif request.action == "auth":
                return  # a key sent again, or where none is needed
            elif request.action == "subscribe":
                await self.subscribe(request)
            else:
                await self.unsubscribe(request)
        except protocol.ProtocolError as exc:
            self.subscriber.put_control(protocol.error(exc.code, exc.message, exc.details))
        except BridgeError as exc:
            details = exc.details if isinstance(exc.details, dict) else {"details": exc.details}
            self.subscriber.put_control(protocol.error(exc.code, exc.message, details))
        except BackendUnavailableError as exc:
            self.subscriber.put_control(protocol.error("backend_unavailable", str(exc)))
        except (BackendCallFailed, BackendCallTimeout) as exc:
            self.subscriber.put_control(protocol.error("backend_error", str(exc)))

    def check_period(self, period: str) -> str:
        if period not in self.periods:
            raise protocol.ProtocolError(
                "invalid_parameter", f"period: unknown period {period!r}; one of {', '.join(self.periods)}",
                param="period", value=period,
            )  # fmt: skip
        return "60m" if period == "1h" else period

    async def codes(self, request: protocol.Request) -> list[str]:
        codes = list(dict.fromkeys(parse_code(code, "stocks") for code in request.codes))
        held = {code for code, _ in self.subscriber.codes}
        if len(held | set(codes)) > protocol.MAX_CODES_PER_CONNECTION:
            raise protocol.ProtocolError(
                "too_many_codes",
                f"a connection may hold {protocol.MAX_CODES_PER_CONNECTION} codes at most; for more, "
                "use /ws/whole_quote",
                limit=protocol.MAX_CODES_PER_CONNECTION,
            )
        await check_codes(self.ctx, codes)
        return codes

    async def attach(self, codes: list[str], period: str) -> list[str]:
        """Attach to each code's stream; returns the codes attached (errors sent for the others)."""
        attached = []
        for code in codes:
            if period == "tick" and self.hub.serves_from_book(code):
                self.hub.attach_book_tick(self.subscriber, code)
                self.subscriber.codes.add((code, period))
                attached.append(code)
                continue
            try:
                await self.hub.attach(self.subscriber, (code, period))
            except SubscribeRefused as exc:
                self.subscriber.put_control(
                    protocol.error("subscribe_failed", str(exc), {"code": code, "period": period})
                )
                continue
            self.subscriber.codes.add((code, period))
            attached.append(code)
        return attached

    async def unsubscribe(self, request: protocol.Request) -> None:
        period = self.check_period(request.period)
        codes = [parse_code(code, "stocks") for code in request.codes]
        for code in codes:
            await self.hub.detach(self.subscriber, (code, period))
            if period == "tick":
                self.hub.detach_book_tick(self.subscriber, code)
            self.subscriber.codes.discard((code, period))
        self.subscriber.put_control(
            protocol.status("unsubscribed", f"{len(codes)} stream(s) ended", stocks=codes, period=period)
        )

    async def subscribe(self, request: protocol.Request) -> None:
        raise NotImplementedError  # each endpoint's own

    async def tell_session(self, codes: Sequence[str] = ()) -> None:
        """A ``market_closed`` status when no session of ``codes`` runs, with the next open, so that silence
        never looks like a hang. A futures exchange's code has its product's sessions (a night session from
        21:00, 09:00, 15:15: the backend's ``get_trading_period``); anything else the A-share day."""
        now = backend_now(self.ctx.backend)
        futures = [code for code in codes if market_of(code) in FUTURES_MARKETS]
        others = len(futures) < len(codes) or not codes
        if others and in_trading_hours(now):
            return
        opens = await next_open(self.ctx, now) if others else None
        if futures:
            spans = await futures_sessions(self.ctx, futures, now)
            if in_spans(spans, now):
                return
            begins = [moment for moment in (opens, next_begin(spans, now)) if moment is not None]
            opens = min(begins, default=None)
        self.subscriber.put_control(
            protocol.status(
                "market_closed",
                "the market is closed: nothing is pushed until it opens"
                + (f" at {opens.isoformat()}" if opens else ""),
                next_open=opens.isoformat() if opens else None,
            )
        )


class _Realtime(_Stream):
    periods = protocol.REALTIME_PERIODS

    async def subscribe(self, request: protocol.Request) -> None:
        period = self.check_period(request.period)
        codes = await self.codes(request)
        streams = [(code, period) for code in codes]
        self.subscriber.hold(streams)  # pushes go after the snapshot they may be newer than
        try:
            attached = await self.attach(codes, period)
            if not attached:
                return
            await self.send_snapshots(attached, period, request.since)
            self.subscriber.put_control(
                protocol.status(
                    "subscribed", f"{len(attached)} stream(s) of {period}", stocks=attached, period=period
                )
            )
        finally:
            self.subscriber.release(streams)
        await self.tell_session(attached)

    async def send_snapshots(self, codes: list[str], period: str, since: int | None) -> None:
        """The current state first: the latest tick, or the K-lines' latest bar (with ``since``: every bar
        after it, so that a reconnecting client fills its gap)."""
        if period == "tick":
            ticks = await full_tick(self.ctx, codes, check=False)
            for code in codes:
                if code in ticks:
                    self._snapshot(code, period, [ticks[code]])
            return
        start = ""
        if since is not None:
            start = dt.datetime.fromtimestamp(since / 1000, CST).strftime("%Y%m%d%H%M%S")
        bars = await fetch_bars(
            self.ctx, "get_market_data_ex", codes, fields=[], period=period, start_time=start, end_time="",
            count=-1 if since is not None else 1, dividend_type="none", fill_data=True,
        )  # fmt: skip
        for code, frame in bars.frames.items():
            rows = frame_payload(frame, "records")
            if since is not None:
                rows = [row for row in rows if row["time"] > since]
            self._snapshot(code, period, rows, resumed=since is not None)

    def _snapshot(self, code: str, period: str, items: list[Any], **extra: Any) -> None:
        self.subscriber.put_control(
            {"type": "snapshot", "stream": {"code": code, "period": period}, "data": {code: items}, **extra}
        )


class _L2Thousand(_Stream):
    #: ``l2thousand``: the book (subscribe_l2thousand); ``l2thousandqueue``: the single-order queues of
    #: every level (subscribe_l2thousand_queue).
    periods = ("l2thousand", "l2thousandqueue")

    async def subscribe(self, request: protocol.Request) -> None:
        period = self.check_period(request.period)
        codes = await self.codes(request)
        attached = await self.attach(codes, period)
        if attached:
            what = "thousand-level book(s)" if period == "l2thousand" else "thousand-level order queue(s)"
            self.subscriber.put_control(
                protocol.status("subscribed", f"{len(attached)} {what}", stocks=attached, period=period)
            )
            await self.tell_session(attached)


class _WholeQuote(_Stream):
    async def subscribe(self, request: protocol.Request) -> None:
        book = self.ctx.quotes
        if book is None:
            raise protocol.ProtocolError(
                "not_available", "the quote book is off (--no-quote-book): no whole-market push"
            )
        wanted = frozenset(
            code.strip().upper() if "." not in code else parse_code(code, "codes") for code in request.codes
        )
        markets = {c for c in wanted if "." not in c}
        unknown = sorted(markets - set(MARKET_CODES))
        outside = sorted(m for m in markets - set(unknown) if m not in book.markets) + sorted(
            c for c in wanted - markets if market_of(c) not in book.markets
        )
        if unknown or outside:
            raise protocol.ProtocolError(
                "invalid_parameter",
                f"codes: {', '.join(unknown + outside)} not served; the whole-market push covers "
                f"{', '.join(book.markets)} (--quote-markets)",
                param="codes", value=unknown + outside,
            )  # fmt: skip
        self.hub.attach_whole(self.subscriber, wanted)
        compact = self.subscriber.compact
        snapshot = self.hub.whole_snapshot(wanted, compact)
        if snapshot is None:  # the book does not serve (yet): ask the backend
            snapshots = await full_tick(self.ctx, sorted(wanted), check=False)
            snapshot = whole_snapshot_message(select(snapshots, wanted), compact)
        self.subscriber.put_control_fragment(snapshot)
        self.subscriber.put_control(
            protocol.status(
                "subscribed", f"whole-market push of {', '.join(sorted(wanted))}", codes=sorted(wanted)
            )
        )
        await self.tell_session()

    async def unsubscribe(self, request: protocol.Request) -> None:
        self.hub.detach_whole(self.subscriber)
        self.subscriber.put_control(protocol.status("unsubscribed", "whole-market push ended"))


async def next_open(ctx: BackendContext, now: dt.datetime) -> dt.datetime | None:
    """The next session start (09:30 or 13:00, China time) after ``now``, from the backend's calendar."""
    local = now.astimezone(CST)
    try:
        days = await calendar_days(ctx, local.date(), local.date() + dt.timedelta(days=LOOKAHEAD_DAYS))
    except (BackendCallFailed, BackendCallTimeout, BackendUnavailableError, BridgeError, ValueError):
        return None
    for day in days:
        for start in (dt.time(9, 30), dt.time(13, 0)):
            moment = dt.datetime.combine(day, start, CST)
            if moment > local:
                return moment
    return None
