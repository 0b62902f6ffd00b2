"""Slow and silent connections over real sockets (issue 15, item 4), with both of uvicorn's HTTP parsers:
the request head has a deadline, and connections beyond the cap are answered 503 at once instead of
waiting unseen."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from conftest import SEED
from helpers import serve_in_thread
from qmt_bridge.server.app import create_app
from qmt_bridge.server.config import Settings
from qmt_bridge.server.rawquery import _lenient_h11, lenient_http_protocol

TIMEOUT = 0.6
CAP = 6
HEALTH = b"GET /api/meta/health HTTP/1.1\r\nHost: t\r\n\r\n"


@pytest.fixture(scope="module", params=["httptools", "h11"])
def address(request: pytest.FixtureRequest, sim_backend) -> Iterator[tuple[str, int]]:
    settings = Settings(
        _env_file=None,
        backend="sim",
        sim_seed=SEED,
        quote_book=False,
        predownload=False,
        header_timeout=TIMEOUT,
        max_connections=CAP,
    )
    make = lenient_http_protocol if request.param == "httptools" else _lenient_h11
    protocol = make(settings.header_timeout, settings.max_connections)
    with serve_in_thread(create_app(settings, backend=sim_backend), http=protocol) as url:
        parts = urlsplit(url)
        yield str(parts.hostname), int(parts.port or 0)


def connect(address: tuple[str, int]) -> socket.socket:
    return socket.create_connection(address, timeout=10)


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def parse(data: bytes) -> tuple[int, dict[str, str], dict]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:])}
    return int(lines[0].split()[1]), headers, json.loads(body)


def ask_health(address: tuple[str, int]) -> int:
    with connect(address) as sock:
        sock.sendall(HEALTH.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        status, _, _ = parse(read_all(sock))
    return status


def wait_for_the_server_to_drop(address: tuple[str, int]) -> None:
    """Until no connection of an earlier test is counted any more (they linger up to 2 s after an answer)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if ask_health(address) == 200:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    raise AssertionError("the server kept refusing connections")


def test_a_head_that_stops_halfway_gets_408_at_the_deadline(address) -> None:
    wait_for_the_server_to_drop(address)
    with connect(address) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /api/meta/health HTTP/1.1\r\nHost: t\r\n")  # no blank line: the head is unfinished
        data = read_all(sock)
        elapsed = time.monotonic() - started
    status, headers, body = parse(data)
    assert status == 408
    assert headers["content-type"] == "application/json" and headers["connection"] == "close"
    assert body["error"]["code"] == "request_timeout"
    assert "QMT_BRIDGE_HEADER_TIMEOUT" in body["error"]["message"]
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 2


def test_a_head_trickled_a_byte_at_a_time_is_cut_off_by_the_same_deadline(address) -> None:
    """Each byte comes well within the deadline; the head as a whole does not (slowloris)."""
    wait_for_the_server_to_drop(address)
    with connect(address) as sock:
        started = time.monotonic()
        answer = b""
        sock.settimeout(TIMEOUT / 6)
        for byte in HEALTH[:-2]:
            try:
                sock.sendall(bytes([byte]))
                answer += sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if answer:
                break
        sock.settimeout(10)
        with contextlib.suppress(OSError):
            answer += read_all(sock)
        elapsed = time.monotonic() - started
    status, _, body = parse(answer)
    assert status == 408 and body["error"]["code"] == "request_timeout"
    assert elapsed < TIMEOUT + 2


def test_a_connection_that_sends_nothing_is_closed_without_an_answer(address) -> None:
    wait_for_the_server_to_drop(address)
    with connect(address) as sock:
        started = time.monotonic()
        assert read_all(sock) == b""
        assert TIMEOUT * 0.9 <= time.monotonic() - started < TIMEOUT + 2


def test_a_head_in_time_is_served_and_keeps_the_connection_alive(address) -> None:
    """The near miss: a whole head just inside the deadline is served, twice on one connection."""
    wait_for_the_server_to_drop(address)
    with connect(address) as sock:
        for _ in range(2):
            sock.sendall(HEALTH[:20])
            time.sleep(TIMEOUT * 0.6)
            sock.sendall(HEALTH[20:])
            data = b""
            while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
                data += sock.recv(65536)
            assert data.startswith(b"HTTP/1.1 200")


def test_connections_beyond_the_cap_get_503_at_once_and_the_cap_frees_up(address) -> None:
    wait_for_the_server_to_drop(address)
    held = [connect(address) for _ in range(CAP - 1)]
    try:
        time.sleep(0.1)
        # At the cap: the CAP-th connection is served.
        assert ask_health(address) == 200
        held.append(connect(address))
        time.sleep(0.1)
        # One past it: answered at once, in the one error shape, before any request was sent.
        with connect(address) as sock:
            started = time.monotonic()
            status, headers, body = parse(read_all(sock))
            assert time.monotonic() - started < TIMEOUT
        assert status == 503
        assert headers["retry-after"] == "1"
        assert body["error"]["code"] == "too_many_connections"
        assert "QMT_BRIDGE_MAX_CONNECTIONS" in body["error"]["message"]
    finally:
        for sock in held:
            sock.close()
    # The silent ones are gone (closed here, or by their deadline): new clients are served again.
    wait_for_the_server_to_drop(address)
    assert ask_health(address) == 200


def test_slow_sockets_filling_the_cap_are_shed_by_their_deadline(address) -> None:
    """What slowloris does to a server without the guard: every slot held. Here they are cut at the
    deadline, and a client that was refused meanwhile gets in right after."""
    wait_for_the_server_to_drop(address)
    slow = [connect(address) for _ in range(CAP)]
    try:
        for sock in slow:
            sock.sendall(b"GET /api/meta/health HTTP/1.1\r\n")
        time.sleep(0.1)
        with connect(address) as sock:
            status, _, _ = parse(read_all(sock))
        assert status == 503
        for sock in slow:
            status, _, body = parse(read_all(sock))
            assert status == 408, body
    finally:
        for sock in slow:
            sock.close()
    wait_for_the_server_to_drop(address)


def test_the_next_head_on_a_kept_alive_connection_has_its_own_deadline(address) -> None:
    wait_for_the_server_to_drop(address)
    with connect(address) as sock:
        sock.sendall(HEALTH)
        data = b""
        while not data.rstrip().endswith(b"}"):
            data += sock.recv(65536)
        assert data.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        sock.sendall(HEALTH[:30])  # the next request, never finished
        status, _, body = parse(read_all(sock))
        elapsed = time.monotonic() - started
    assert status == 408 and body["error"]["code"] == "request_timeout"
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 2
