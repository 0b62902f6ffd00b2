"""Text frames written from parts past ASGI (``realtime/frames.py``): the header at each length boundary,
the writer under qmt-server's uvicorn configuration, and what it does once the client has gone."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import websockets.sync.client
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from helpers import serve_in_thread, wait_until
from qmt_bridge.server.realtime import frames


def parse_one(data: bytes) -> Frame:
    """The first frame of ``data`` as ``websockets`` (the client library) reads a server's frame."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    raise AssertionError("the frame is incomplete")


@pytest.mark.parametrize(
    ("length", "header_bytes"),
    [(0, 2), (1, 2), (125, 2), (126, 4), (127, 4), (65535, 4), (65536, 10), (1_300_000, 10)],
)
def test_a_header_is_the_shortest_encoding_and_parses_back_at_each_length_boundary(
    length: int, header_bytes: int
) -> None:
    payload = bytes(i % 251 for i in range(length))
    header = frames.text_frame_header(length)
    assert len(header) == header_bytes  # RFC 6455 §5.2: the minimal number of bytes must be used
    frame = parse_one(header + payload + b"next frame")
    assert (frame.opcode, frame.fin, frame.data) == (Opcode.TEXT, True, payload)
    assert not (frame.rsv1 or frame.rsv2 or frame.rsv3)


# ---------------------------------------------------------------------- over qmt-server's uvicorn config


class Seen:
    """What the test app saw: whether the writer was offered, and what it answered after the client left."""

    def __init__(self) -> None:
        self.offered: bool | None = None
        self.after_close: bool | None = None
        self.done = threading.Event()


def frame_app(seen: Seen, sizes: list[int]) -> Starlette:
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        seen.offered = frames.EXTENSION in websocket.scope.get("extensions", {})
        write = frames.text_writer(websocket)
        for size in sizes:
            body = b"x" * size
            # A shared body between a head and a tail, as the outbox hands over a whole-market push (a view,
            # as it hands over a snapshot).
            assert await write([b'{"n":%d,"body":"' % size, memoryview(body), b'"}'])
        await websocket.receive()  # until the client closes
        seen.after_close = await write([b"{}"])
        seen.done.set()

    return Starlette(routes=[WebSocketRoute("/frames", endpoint)])


@pytest.fixture
def served() -> Iterator[tuple[str, Seen, list[int]]]:
    seen, sizes = Seen(), [0, 100, 110, 111, 65_000, 65_600, 1_300_000]
    with serve_in_thread(frame_app(seen, sizes), name="uvicorn-frames") as base:
        yield base.replace("http://", "ws://"), seen, sizes


def test_the_server_config_offers_the_writer_and_clients_read_each_message_whole(
    served: tuple[str, Seen, list[int]],
) -> None:
    url, seen, sizes = served
    with websockets.sync.client.connect(url + "/frames", max_size=None) as ws:
        got = [ws.recv() for _ in sizes]
        pong = ws.ping()  # control frames still interleave with the writer's frames
        assert pong.wait(5)
    assert seen.offered is True
    assert [len(text) for text in got] == [len(f'{{"n":{s},"body":""}}') + s for s in sizes]
    assert all(text == f'{{"n":{s},"body":"{"x" * s}"}}' for text, s in zip(got, sizes, strict=True))


def test_after_the_client_closed_the_writer_writes_nothing_and_says_so(
    served: tuple[str, Seen, list[int]],
) -> None:
    url, seen, sizes = served
    with websockets.sync.client.connect(url + "/frames", max_size=None) as ws:
        for _ in sizes:
            ws.recv()
    assert seen.done.wait(10)
    assert seen.after_close is False


def test_a_refused_handshake_is_answered_and_the_server_goes_on(
    served: tuple[str, Seen, list[int]],
) -> None:
    """The protocol adds the writer to the scope of accepted handshakes only; a refused one has no scope."""
    url, _, sizes = served
    host, port = url.removeprefix("ws://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        # No Sec-WebSocket-Key: websockets refuses the upgrade before any ASGI scope exists.
        sock.sendall(b"GET /frames HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 400")
    with websockets.sync.client.connect(url + "/frames", max_size=None) as ws:
        assert ws.recv() == '{"n":0,"body":""}'


def test_without_the_extension_parts_go_through_send_text() -> None:
    """Starlette's TestClient and other servers offer no writer: the parts are joined and sent as text."""

    class Plain:
        scope: dict[str, Any] = {"extensions": {"websocket.http.response": {}}}

        def __init__(self) -> None:
            self.sent: list[str] = []

        async def send_text(self, text: str) -> None:
            self.sent.append(text)

    socket_ = Plain()
    write = frames.text_writer(socket_)
    assert asyncio.run(write([b'{"a":', b"1", b"}"])) is True
    assert socket_.sent == ['{"a":1}']


def settle(written: list[int], quiet: float = 0.5, timeout: float = 15.0) -> int:
    """How many messages were written once none has been for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    count = len(written)
    while time.monotonic() < deadline:
        threading.Event().wait(quiet)
        if len(written) == count:
            return count
        count = len(written)
    raise AssertionError(f"the writer never stopped: {count} messages written")


def test_a_client_that_stops_reading_pauses_the_writer_instead_of_growing_its_buffer() -> None:
    """The writer waits, as uvicorn's own send does, while the transport's buffer is over its high-water
    mark: a client that never reads holds the sender, not the server's memory."""
    written: list[int] = []
    started = threading.Event()

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        write = frames.text_writer(websocket)
        body = b"y" * 1_000_000
        started.set()
        for i in range(200):  # 200 MB if nothing waited
            if not await write([b'"', body, b'"']):
                return
            written.append(i)

    app = Starlette(routes=[WebSocketRoute("/stuck", endpoint)])
    with serve_in_thread(app, name="uvicorn-stuck") as base:
        sock = socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=5)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        sock.sendall(
            b"GET /stuck HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        try:
            assert started.wait(10)
            wait_until(lambda: len(written) >= 1, "the first message written")
            # The kernel's buffers take a few messages before the transport's own passes its high-water
            # mark; from then on the writer waits. The client reads nothing throughout.
            settled = settle(written)
            threading.Event().wait(1.0)
            assert len(written) == settled
            assert settled < 20
        finally:
            sock.close()


def test_an_uvicorn_without_the_state_the_writer_reads_gets_send_text_instead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The writer reads uvicorn internals; where one is missing (a later uvicorn renamed it) the connection
    is served through ASGI's send, as on any other server, instead of failing at its first message."""
    monkeypatch.setattr(frames, "PROTOCOL_STATE", (*frames.PROTOCOL_STATE, "renamed_by_a_later_uvicorn"))
    seen = Seen()
    with serve_in_thread(frame_app(seen, [70_000]), name="uvicorn-frames-old") as base:
        with websockets.sync.client.connect(base.replace("http://", "ws://") + "/frames") as ws:
            assert ws.recv() == f'{{"n":70000,"body":"{"x" * 70_000}"}}'
    assert seen.offered is False
