"""The application factory. Nothing happens at import time; the lifespan starts and stops the backend."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi_offline import FastAPIOffline
from starlette.routing import BaseRoute

from qmt_bridge._version import __version__
from qmt_bridge.backends.base import Backend, load_backend
from qmt_bridge.backends.runner import BackendRunner
from qmt_bridge.gc_tuning import tune_gc
from qmt_bridge.server import log_redaction
from qmt_bridge.server.answers import add_success_schemas
from qmt_bridge.server.config import Settings
from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.downloads.jobs import JobManager
from qmt_bridge.server.error_schema import add_error_schemas
from qmt_bridge.server.errors import BodyTooLarge, error_payload, install_error_handlers
from qmt_bridge.server.full_tick_shortcut import FullTickShortcut
from qmt_bridge.server.realtime.hub import RealtimeHub
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.route_table import RouteIndex, include_flat
from qmt_bridge.server.routers import OPEN_ROUTERS, ROUTERS, ws
from qmt_bridge.server.scheduler import PreDownloadScheduler
from qmt_bridge.server.security import require_data_auth
from qmt_bridge.server.services.quote_book import QuoteBook
from qmt_bridge.server.trading.lifecycle import start_trading, stop_trading

log = logging.getLogger("qmt_bridge.server")
access_log = logging.getLogger("qmt_bridge.access")

DESCRIPTION = """
HTTP bridge to miniQMT's **xtquant** (market data and, with `--trading`, trading), or to the embedded
**simulator** (with a paper broker) where xtquant is absent.

* Codes are xtquant's: `600519.SH`, `000001.SZ`, `IF2412.IF`. Lists are comma-separated.
* Times are `YYYYMMDD` or `YYYYMMDDhhmmss` (China time); `time` fields are ms since the Unix epoch.
* Tabular endpoints take `format=records` (rows) or `format=columns` (field → array).
* Unknown query parameters and body fields are rejected (422), never ignored.
* Every error has the shape `{"error": {"code", "message", "details"}, "request_id"}`.
"""


#: Request bodies above this size are refused with 413 ``body_too_large``: before they are read when
#: ``Content-Length`` declares them, as soon as they pass it when they come chunked. The largest legitimate
#: body, a code list of the whole market, is ~100 kB.
MAX_BODY_BYTES = 4 * 1024 * 1024


#: Seconds of the interpreter's thread switch interval while the server runs (see the lifespan).
SWITCH_INTERVAL = 0.001


def watch_backend_process(backend: Backend, context: BackendContext, hub: RealtimeHub) -> None:
    """When a backend process dies or a new one is ready, the hub and the quote book check at once (they
    renew their subscriptions and tell their clients) instead of at their next round."""
    supervisor = getattr(backend, "supervisor", None)
    if supervisor is None:
        return
    loop = asyncio.get_running_loop()

    def poke() -> None:
        hub.poke()
        if context.quotes is not None:
            context.quotes.poke()

    def on_state(state: str) -> None:  # on a supervisor thread
        try:
            loop.call_soon_threadsafe(poke)
        except RuntimeError:  # the loop closed: the server is gone
            pass

    supervisor.listeners[:] = [on_state]


def create_app(settings: Settings | None = None, backend: Backend | None = None) -> FastAPI:
    """Build the FastAPI app.

    Args:
        settings: server settings; read from the environment when omitted.
        backend: a backend instance; chosen from ``settings.backend`` when omitted.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log_redaction.install()
        # The event loop shares the interpreter lock with the threads that read and encode bulk data; by
        # default a waiting thread gets the lock after 5 ms, and the loop needs it several times per
        # request. 1 ms: snapshots answered in milliseconds beside heavy requests (bench/mixed_load.py).
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        tune_gc()
        chosen = backend or load_backend(settings)
        log.info("backend: %s", chosen.name)
        if chosen.name == "sim":
            log.info("xtquant is not in use: serving the simulator (seed %s)", settings.sim_seed)
        started = time.perf_counter()
        chosen.start()
        log.info(
            "backend %s ready in %.2f s (%s)", chosen.name, time.perf_counter() - started, chosen.version()
        )
        concurrency = min(settings.backend_concurrency, chosen.max_concurrency)
        runner = BackendRunner(
            concurrency, settings.backend_timeout, background_lane=settings.background_lane
        )
        app.state.context = context = BackendContext(settings, chosen, runner)
        if settings.quote_book:
            context.quotes = QuoteBook(context, settings.quote_markets.split(","))
        app.state.hub = hub = RealtimeHub(context)
        watch_backend_process(chosen, context, hub)
        app.state.downloads = downloads = JobManager(
            context, Path(settings.data_dir), settings.download_timeout
        )
        downloads.start()
        app.state.scheduler = scheduler = PreDownloadScheduler(
            context,
            downloads,
            enabled=settings.predownload,
            interval_hours=settings.predownload_interval_hours,
        )
        scheduler.start()
        app.state.trading = trading = await start_trading(context) if settings.trading_enabled else None
        try:
            yield
        finally:
            if trading is not None:
                await stop_trading(trading)
            if (nonces := getattr(app.state, "nonce_store", None)) is not None:
                nonces.close()
                app.state.nonce_store = None
            await scheduler.stop()
            await downloads.stop()
            await hub.stop()
            if context.quotes is not None:
                await context.quotes.stop()
            runner.shutdown()
            chosen.stop()
            log.info("backend %s stopped", chosen.name)

    # FastAPIOffline serves Swagger UI's and ReDoc's files from the package instead of a CDN: /docs works
    # on a LAN without internet access, and where jsDelivr is slow or blocked (mainland China).
    app = FastAPIOffline(
        title="QMT Bridge",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=JSONResponse,
    )
    app.state.settings = settings
    install_error_handlers(app)

    app.router.routes.extend(_api_routes(settings.require_auth_for_data))
    RouteIndex.install(app)
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        """FastAPI's document with the one error shape and the declared answers added, built once like
        FastAPI's own."""
        if app.openapi_schema is None:
            app.openapi_schema = add_success_schemas(add_error_schemas(generate_openapi()), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(FullTickShortcut)
    app.add_middleware(RequestIdMiddleware)  # added last: the outermost
    return app


@functools.lru_cache(maxsize=2)
def _api_routes(require_auth_for_data: bool) -> tuple[BaseRoute, ...]:
    """The API's routes, built once per process for each auth setting and shared by the apps built.

    Registering a route makes FastAPI analyse its signature and build its validation models (~0.3 s for
    the ~200 routes, the most of ``create_app``); the routes keep no state of an app (they are registered
    on a bare router, so no app's ``dependency_overrides``), so every app (tests build hundreds) can use
    the same ones.
    """
    table = APIRouter()
    for router in OPEN_ROUTERS:
        include_flat(table, router)
    # Declared only when required, so that /docs shows the lock exactly when a key is needed and an open
    # server pays nothing for it.
    data_dependencies = [Depends(require_data_auth)] if require_auth_for_data else []
    for router in ROUTERS:
        include_flat(table, router, data_dependencies)
    include_flat(table, ws.fallback_router)
    return tuple(table.routes)


class RequestIdMiddleware:
    """The edge of every request: an id (``X-Request-ID``, echoed or generated), the access log, ``HEAD``
    wherever ``GET`` works, and the body size limit.

    Pure ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware costs a task and
    a stream per request, a large share of a small request's time.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        # os.urandom rather than uuid4(): five times cheaper for the same 64 random bits.
        request_id = _header(scope, b"x-request-id") or os.urandom(8).hex()
        scope.setdefault("state", {})["request_id"] = request_id
        if scope["type"] == "websocket":  # the id is for error bodies; no access log line per connection
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        status = 0
        # FastAPI routes answer only the methods they declare; RFC 9110 expects HEAD wherever GET works.
        head = method == "HEAD"
        if head:
            scope["method"] = "GET"

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message["headers"] = headers
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            length = _header(scope, b"content-length")
            if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
                # FastAPI's own max_body_size would answer in plain text, from outside this middleware.
                error = BodyTooLarge(int(length), MAX_BODY_BYTES, declared=True)
                body = error_payload("body_too_large", error.detail, {"limit": MAX_BODY_BYTES}, request_id)
                await JSONResponse(body, status_code=413)(scope, receive, send_with_id)
            else:
                await self.app(scope, receive if length else _limited(receive), send_with_id)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                elapsed = (time.perf_counter() - started) * 1000
                access_log.info("%s %s %d %.1fms %s", method, scope["path"], status, elapsed, request_id)


def _limited(receive: Any) -> Any:
    """``receive`` for a body of undeclared size (chunked): :class:`BodyTooLarge` once it passes the limit."""
    received = 0

    async def receive_limited() -> dict[str, Any]:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                raise BodyTooLarge(received, MAX_BODY_BYTES, declared=False)
        return message

    return receive_limited


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            text = value.decode("latin-1").strip()
            return text[:64] if text else None
    return None
