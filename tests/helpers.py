"""Assertions shared by test modules (importable because pytest puts tests/ on sys.path)."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def shanghai_day(ms: int) -> str:
    """``YYYYMMDD`` of an xtquant ms timestamp, in China time."""
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone(dt.timedelta(hours=8))).strftime("%Y%m%d")


def assert_error(response: Any, status: int, code: str | None = None, param: str | None = None) -> dict:
    """Assert the one error shape ``{"error": {"code", "message", "details"}, "request_id"}``.

    Also: the request id is echoed in ``X-Request-ID`` and no traceback leaks. Returns the ``error`` object.
    """
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "request_id"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, body
    assert isinstance(error["message"], str) and error["message"]
    assert body["request_id"] and body["request_id"] == response.headers["X-Request-ID"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    if code is not None:
        assert error["code"] == code, error
    if param is not None:
        assert param in error["message"], error
    return error


@contextmanager
def serve_in_thread(app: Any, name: str = "uvicorn-test") -> Iterator[str]:
    """Serve ``app`` with qmt-server's own uvicorn configuration in a background thread; yield its base URL.

    The socket is bound before uvicorn starts, so the port cannot be taken in between.
    """
    import uvicorn

    from qmt_bridge.server.cli import uvicorn_config

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(app, "127.0.0.1", port, "warning"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"{name}-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the test server exited during startup (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start within 60 s")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
