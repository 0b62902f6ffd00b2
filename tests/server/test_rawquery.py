"""uvicorn's two HTTP protocols as qmt-server adjusts them: raw UTF-8 request lines pass, and a request the
parser rejects gets the one JSON error shape instead of uvicorn's plain text."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from helpers import serve_in_thread
from qmt_bridge.server.app import create_app
from qmt_bridge.server.rawquery import _lenient_h11, lenient_http_protocol


@pytest.fixture(scope="module", params=["httptools", "h11"])
def server(request, sim_backend, test_settings) -> Iterator[tuple[str, int]]:
    protocol = lenient_http_protocol() if request.param == "httptools" else _lenient_h11()
    if request.param == "httptools":
        assert "HttpTools" in protocol.__name__  # uvicorn[standard] is what the server extra installs
    with serve_in_thread(create_app(test_settings, backend=sim_backend), http=protocol) as url:
        parts = urlsplit(url)
        yield str(parts.hostname), int(parts.port or 0)


def exchange(address: tuple[str, int], target: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one GET with a raw request target; the status, headers and body of the answer."""
    with socket.create_connection(address, timeout=30) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def test_raw_utf8_in_the_request_line_is_accepted(server):
    status, _, body = exchange(server, "/api/sector/stocks?sector=沪深A股".encode())
    assert status == 200, body
    assert json.loads(body)["count"] > 3000


def test_an_unparsable_request_gets_the_json_error_shape(server):
    status, headers, body = exchange(server, b"/api/meta/health with spaces")
    assert status == 400
    assert headers["content-type"] == "application/json"
    error = json.loads(body)
    assert error["error"]["code"] == "bad_request"
    assert "could not be parsed" in error["error"]["message"]
    assert len(error["request_id"]) == 16


def test_a_very_long_url_gets_json_whichever_parser_judges_it(server):
    # httptools refuses a request line this long (400 bad_request); h11 passes it on and the app refuses
    # the unknown parameter (422). Either way the answer is the JSON error shape.
    status, headers, body = exchange(server, b"/api/meta/health?x=" + b"a" * 70_000)
    assert status in (400, 422)
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["code"] in ("bad_request", "validation_error")


def test_a_request_far_over_the_limit_still_gets_its_answer(server):
    """The server answers 400 before reading the request to its end; the client must still get that answer
    (closing with unread data would reset the connection and lose it)."""
    with socket.create_connection(server, timeout=30) as sock:
        sock.sendall(b"GET /api/meta/health?x=" + b"a" * 2_000_000 + b" HTTP/1.1\r\nHost: test\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), head
    assert json.loads(body)["error"]["code"] == "bad_request"
