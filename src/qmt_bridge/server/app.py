"""The application factory. Nothing happens at import time; the lifespan starts and stops the backend."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response

from qmt_bridge._version import __version__
from qmt_bridge.backends.base import Backend, load_backend
from qmt_bridge.backends.runner import BackendRunner
from qmt_bridge.server.config import Settings
from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.errors import install_error_handlers
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers import OPEN_ROUTERS, ROUTERS
from qmt_bridge.server.security import require_data_auth

log = logging.getLogger("qmt_bridge.server")
access_log = logging.getLogger("qmt_bridge.access")

DESCRIPTION = """
HTTP bridge to miniQMT's **xtquant** (market data; trading comes later), or to the embedded
**simulator** where xtquant is absent.

* Codes are xtquant's: `600519.SH`, `000001.SZ`, `IF2412.IF`. Lists are comma-separated.
* Times are `YYYYMMDD` or `YYYYMMDDhhmmss` (China time); `time` fields are ms since the Unix epoch.
* Tabular endpoints take `format=records` (rows) or `format=columns` (field → array).
* Every error has the shape `{"error": {"code", "message", "details"}, "request_id"}`.
"""


def create_app(settings: Settings | None = None, backend: Backend | None = None) -> FastAPI:
    """Build the FastAPI app.

    Args:
        settings: server settings; read from the environment when omitted.
        backend: a backend instance; chosen from ``settings.backend`` when omitted.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        chosen = backend or load_backend(settings)
        log.info("backend: %s", chosen.name)
        if chosen.name == "sim":
            log.info("xtquant is not in use: serving the simulator (seed %s)", settings.sim_seed)
        started = time.perf_counter()
        chosen.start()
        log.info("backend %s ready in %.2f s (%s)", chosen.name, time.perf_counter() - started, chosen.version())
        concurrency = min(settings.backend_concurrency, chosen.max_concurrency)
        runner = BackendRunner(concurrency, settings.backend_timeout)
        app.state.context = BackendContext(settings, chosen, runner)
        try:
            yield
        finally:
            runner.shutdown()
            chosen.stop()
            log.info("backend %s stopped", chosen.name)

    app = FastAPI(
        title="QMT Bridge",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=JSONResponse,
    )
    app.state.settings = settings
    install_error_handlers(app)

    @app.middleware("http")
    async def request_id_and_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex[:16]
        request.state.request_id = request_id
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        access_log.info(
            "%s %s %d %.1fms",
            request.method,
            request.url.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response

    for router in OPEN_ROUTERS:
        app.include_router(router)
    for router in ROUTERS:
        app.include_router(router, dependencies=[Depends(require_data_auth)])
    return app
