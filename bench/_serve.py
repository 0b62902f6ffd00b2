"""Start uvicorn servers in child processes for the benchmarks (same settings for every app)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

SERVER_CODE = """
import sys, uvicorn
port, kind = int(sys.argv[1]), sys.argv[2]
if kind in ("bridge", "direct"):
    # direct: the bridge without its quote book, so that every snapshot is a backend call.
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    app = create_app(Settings(_env_file=None, backend="sim", log_level="warning", quote_book=kind == "bridge"))
elif kind == "floor":
    # The bridge's own app with full_tick's handler swapped, in place, for one that returns a constant
    # body: same routes before it, same middleware, same `stocks` parsing; no backend call.
    from fastapi import Query
    from fastapi.responses import Response
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.server.routers import market
    body = open(sys.argv[3], "rb").read()
    async def constant(stocks: str = Query(...)) -> Response:
        return Response(body, media_type="application/json")
    routes = market.router.routes
    index = next(i for i, r in enumerate(routes) if getattr(r, "path", "") == "/api/market/full_tick")
    market.router.add_api_route("/full_tick", constant, methods=["GET"])
    routes[index] = routes.pop()
    # Without the quote book, whose shortcut would answer ahead of the constant route.
    app = create_app(Settings(_env_file=None, backend="sim", log_level="warning", quote_book=False))
else:
    from fastapi import FastAPI
    from fastapi.responses import Response
    body = open(sys.argv[3], "rb").read()
    app = FastAPI()
    @app.get("/api/market/full_tick")
    async def constant() -> Response:
        return Response(body, media_type="application/json")
from qmt_bridge.server.cli import uvicorn_config
uvicorn.Server(uvicorn_config(app, "127.0.0.1", port, "warning")).run()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: Values of ``QMT_BRIDGE_BACKEND_ISOLATION`` a benchmark may ask for.
ISOLATIONS = ("thread", "process", "auto")


@contextmanager
def serve(kind: str, *extra: str, isolation: str | None = None) -> Iterator[str]:
    """Run one server (``bridge``, ``direct``, ``floor`` or ``bare``) in a child process; yields its base
    URL. ``isolation`` (``thread``, ``process`` or ``auto``) sets ``QMT_BRIDGE_BACKEND_ISOLATION`` in the
    server's environment (with ``process`` the simulator runs in a supervised child process of the server);
    None leaves the environment as it is (the setting's default, ``auto``: a thread for the simulator)."""
    env = None
    if isolation is not None:
        if isolation not in ISOLATIONS:
            raise ValueError(f"isolation must be one of {ISOLATIONS}, not {isolation!r}")
        env = {"QMT_BRIDGE_BACKEND_ISOLATION": isolation}
    name = kind if isolation is None else f"{kind} ({isolation})"
    with serve_code(SERVER_CODE, kind, *extra, name=name, env=env) as base:
        yield base


@contextmanager
def serve_code(
    code: str, *args: str, name: str = "server", env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run ``code`` (which serves on the port given as its first argument, then ``args``) in a child
    process until it answers ``/docs``; yields its base URL and stops it afterwards. ``env``: variables
    added to (or replacing those of) this process's environment for the child."""
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    proc = subprocess.Popen([sys.executable, "-c", code, str(port), *args], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/docs", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} server did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read())
