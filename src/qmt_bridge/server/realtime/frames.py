"""WebSocket text frames written straight to the socket from parts, for the realtime fan-out.

A whole-market push is ~1.3 MB and goes to every subscriber with only its first bytes (``{"seq":n,``)
differing. Sent through ASGI, each subscriber's copy is joined, decoded to ``str``, encoded back, framed
and joined again: five copies of the body per subscriber, ~2 ms of the event loop each (110 ms for 50
subscribers against 20 ms for the same frames written from parts; ``bench/ws_fanout.py``).

The server's uvicorn WebSocket protocol (:func:`frame_writing_protocol`, uvicorn's sans-I/O one with one
method more) offers the ASGI extension :data:`EXTENSION`: ``{"write": coroutine(parts) -> bool}`` writes
one text frame whose payload is ``b"".join(parts)`` (bytes or memoryviews) without joining them (the
shared body is handed to the transport as it is), after waiting, as uvicorn's own send does, until the
transport's buffer has drained below its high-water mark. Where the extension is absent (Starlette's
TestClient, another server, an uvicorn without the sans-I/O protocol) :func:`text_writer` falls back to
``send_text``.

A frame written this way is unmasked and uncompressed, as a server's frames may always be (RFC 6455 §5.1,
RFC 7692 §6: a message without RSV1 is not compressed even where permessage-deflate was agreed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

#: The ASGI scope extension under which the server offers the frame writer.
EXTENSION = "qmt_bridge.text_frames"

#: Writes one text frame from parts; False once the connection is no longer open (nothing written).
TextWriter = Callable[[Sequence[bytes | memoryview]], Awaitable[bool]]

_FIN_TEXT = 0x81

#: What the writer reads of uvicorn's sans-I/O protocol (not a public API: checked on every connection).
PROTOCOL_STATE = (
    "writable",
    "disconnected",
    "close_sent",
    "handshake_complete",
    "initial_response",
    "conn",
    "transport",
)


def text_frame_header(length: int) -> bytes:
    """The header of a final, unmasked text frame carrying ``length`` bytes (RFC 6455 §5.2)."""
    if length < 126:
        return bytes((_FIN_TEXT, length))
    if length < 1 << 16:
        return bytes((_FIN_TEXT, 126)) + length.to_bytes(2, "big")
    return bytes((_FIN_TEXT, 127)) + length.to_bytes(8, "big")


def text_writer(websocket: Any) -> TextWriter:
    """How to send text messages given as parts on ``websocket`` (a Starlette WebSocket): the server's
    frame writer where it offers one, else ``send_text`` of the joined parts."""
    offered = websocket.scope.get("extensions", {}).get(EXTENSION)
    if offered is not None:
        return offered["write"]  # type: ignore[no-any-return]

    async def send_text(parts: Sequence[bytes | memoryview]) -> bool:
        await websocket.send_text(b"".join(parts).decode())
        return True

    return send_text


def frame_writing_protocol() -> Any:
    """uvicorn's sans-I/O WebSocket protocol class offering :data:`EXTENSION`; ``"auto"`` (uvicorn's choice,
    without the extension) where this uvicorn or websockets lacks it."""
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
        from websockets.protocol import State
    except ImportError:  # uvicorn < 0.35
        return "auto"

    class FrameWritingProtocol(WebSocketsSansIOProtocol):  # type: ignore[misc]
        def handle_connect(self, event: Any) -> None:
            super().handle_connect(event)
            scope = getattr(self, "scope", None)  # absent when the handshake was refused
            # uvicorn's internals, read by write_text_frame: an uvicorn that renamed one gets send_text.
            if scope is not None and all(hasattr(self, name) for name in PROTOCOL_STATE):
                scope["extensions"][EXTENSION] = {"write": self.write_text_frame}

        async def write_text_frame(self, parts: Sequence[bytes | memoryview]) -> bool:
            await self.writable.wait()
            if (
                self.disconnected
                or self.close_sent
                or not self.handshake_complete
                or self.initial_response is not None
                or self.conn.state is not State.OPEN
                or self.transport.is_closing()
            ):
                return False
            # One call, so no other frame (a ping, a pong, a close) lands between the header and the body.
            self.transport.writelines([text_frame_header(sum(map(len, parts))), *parts])
            return True

    return FrameWritingProtocol
