"""Where a small request's time goes: in-process ASGI cost of FastAPI features, one at a time.

    python bench/fastapi_floor.py

Drives the apps directly (no sockets, no load generator), so the numbers are server-side costs only:
a bare endpoint, a query parameter, 40 routes to match first, a dependency, and one hop to a thread pool
(what every backend call takes). It explains the ratio bench/http_overhead.py prints.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import Response


async def drive(app, n: int) -> float:
    """Mean microseconds per GET /api/market/full_tick?stocks=600519.SH through the ASGI app."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/market/full_tick",
        "raw_path": b"/api/market/full_tick",
        "query_string": b"stocks=600519.SH",
        "root_path": "",
        "headers": [(b"host", b"x")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        pass

    started = time.perf_counter()
    for _ in range(n):
        await app(dict(scope), receive, send)
    return (time.perf_counter() - started) / n * 1e6


body = b'{"data":{"600519.SH":{"x":1}}}'
pool = ThreadPoolExecutor(4)


def mk(variant: str) -> FastAPI:
    app = FastAPI()
    if "routes" in variant:
        r = APIRouter(prefix="/api/other")
        for i in range(40):
            r.add_api_route(f"/r{i}", lambda: None)
        app.include_router(r)

    async def ctx(request: Request):
        return 1

    if "dep" in variant:

        @app.get("/api/market/full_tick")
        async def e(c: Annotated[int, Depends(ctx)], stocks: str = Query(...)) -> Response:
            if "hop" in variant:
                await asyncio.get_running_loop().run_in_executor(pool, len, stocks)
            return Response(body, media_type="application/json")
    elif "query" in variant:

        @app.get("/api/market/full_tick")
        async def e(stocks: str = Query(...)) -> Response:
            if "hop" in variant:
                await asyncio.get_running_loop().run_in_executor(pool, len, stocks)
            return Response(body, media_type="application/json")
    else:

        @app.get("/api/market/full_tick")
        async def e() -> Response:
            return Response(body, media_type="application/json")

    return app


async def main() -> None:
    for v in ["bare", "query", "query+routes", "dep+query+routes", "query+hop", "dep+query+routes+hop"]:
        app = mk(v)
        await drive(app, 300)
        print(f"{v:24s} {await drive(app, 4000):5.0f} us/request")


if __name__ == "__main__":
    asyncio.run(main())
