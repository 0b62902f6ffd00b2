"""A lean WebSocket client for the fan-out benchmark: the server's frames read without a copy.

``bench/ws_fanout.py`` runs its 50 subscribers on the server's own two cores. Through the ``websockets``
client each 1.3 MB message costs its reader ~3 ms of CPU (framing, copies, per-chunk Python), 150 ms a push
for 50 of them, so the clients, not the server, set the last subscriber's latency. This client does only
what a subscriber must: the handshake, unmasked server frames (continuations, ping → pong, close), masked
text frames out. It raises ``websockets``' own ``ConnectionClosedError`` so the benchmark treats both
clients alike. Not for anything but benchmarks: no TLS, no extensions, no limits.
"""

from __future__ import annotations

import asyncio
import base64
import os
from typing import Any
from urllib.parse import urlsplit

from websockets.exceptions import ConnectionClosedError
from websockets.frames import Close

_TEXT, _BINARY, _CONTINUATION, _CLOSE, _PING, _PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A final client frame (masked, as RFC 6455 §5.3 requires of clients)."""
    length = len(payload)
    if length < 126:
        head = bytes((0x80 | opcode, 0x80 | length))
    elif length < 1 << 16:
        head = bytes((0x80 | opcode, 0x80 | 126)) + length.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + length.to_bytes(8, "big")
    mask = os.urandom(4)
    key = (mask * (length // 4 + 1))[:length]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(length, "big")
    return head + mask + body


class LeanConnection(asyncio.BufferedProtocol):
    """One client connection; use :func:`connect`. The socket is read straight into each message's own
    buffer (``asyncio.BufferedProtocol``): a frame's header is read into a small buffer, then its payload
    into a ``bytearray`` of its length, which is the message handed out. A message is valid until the next
    :meth:`recv`, which takes its buffer back for a later message: on this machine a fresh 1.3 MB buffer a
    message costs its page faults, ~0.7 ms of the kernel's time (0.93 ms a message against 0.29)."""

    def __init__(self, host: str, target: str) -> None:
        self._request = (
            f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self._transport: Any = None
        self._opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._handshake = bytearray()
        #: Bytes before the next frame's payload is known (the handshake's tail, then frame headers).
        self._head = bytearray()
        self._scratch = bytearray(64 * 1024)
        #: The payload being read, how much of it has arrived, and the frame's first byte.
        self._payload: bytearray | None = None
        self._filled = 0
        self._first = 0
        self._fragments: list[bytearray] = []
        #: The buffer the caller holds (the last message recv returned), and one to read the next into.
        self._lent: bytearray | None = None
        self._spare: bytearray | None = None
        self._messages: asyncio.Queue[bytearray | None] = asyncio.Queue()
        self._close: Close | None = None
        self._lost = asyncio.Event()

    # ------------------------------------------------------------------ asyncio.BufferedProtocol

    def connection_made(self, transport: Any) -> None:
        self._transport = transport
        transport.write(self._request)

    def get_buffer(self, sizehint: int) -> memoryview:
        if self._payload is not None:
            return memoryview(self._payload)[self._filled :]
        return memoryview(self._scratch)

    def buffer_updated(self, nbytes: int) -> None:
        if self._payload is not None:
            self._filled += nbytes
            if self._filled == len(self._payload):
                self._payload_done()
            return
        data = self._scratch[:nbytes]
        if not self._opened.done():
            self._handshake += data
            end = self._handshake.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self._handshake[: self._handshake.find(b"\r\n")])
            if b" 101 " not in status + b" ":
                self._opened.set_exception(ConnectionError(f"handshake refused: {status.decode()}"))
                self._transport.close()
                return
            self._opened.set_result(None)
            data = self._handshake[end + 4 :]
        self._head += data
        self._read_heads()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._opened.done():
            self._opened.set_exception(exc or ConnectionError("closed during the handshake"))
        self._messages.put_nowait(None)
        self._lost.set()

    # ------------------------------------------------------------------ frames

    def _read_heads(self) -> None:
        """Frames whose header is in ``_head``; a payload not all there yet is read into its own buffer."""
        buf = self._head
        while len(buf) >= 2:
            first, second = buf[0], buf[1]
            length, start = second & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    return
                length, start = int.from_bytes(buf[2:4], "big"), 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length, start = int.from_bytes(buf[2:10], "big"), 10
            self._first = first
            self._payload = self._buffer(length)
            have = min(length, len(buf) - start)
            self._payload[:have] = buf[start : start + have]
            del buf[: start + have]
            self._filled = have
            if have < length:
                return  # the rest arrives through get_buffer, straight into the payload
            self._payload_done()

    def _buffer(self, length: int) -> bytearray:
        """A ``bytearray`` of ``length`` bytes: the spare one resized (in place while it fits), or new."""
        buffer, self._spare = self._spare, None
        if buffer is None:
            return bytearray(length)
        if len(buffer) > length:
            del buffer[length:]
        elif len(buffer) < length:
            buffer.extend(bytes(length - len(buffer)))
        return buffer

    def _payload_done(self) -> None:
        payload, self._payload = self._payload, None
        assert payload is not None
        self._frame(self._first & 0x80, self._first & 0x0F, payload)
        self._read_heads()

    def _frame(self, fin: int, opcode: int, payload: bytearray) -> None:
        if opcode in (_TEXT, _BINARY, _CONTINUATION):
            self._fragments.append(payload)
            if fin:
                fragments, self._fragments = self._fragments, []
                self._messages.put_nowait(
                    fragments[0] if len(fragments) == 1 else bytearray().join(fragments)
                )
        elif opcode == _PING:
            self._transport.write(masked_frame(_PONG, bytes(payload)))
        elif opcode == _CLOSE:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self._close = Close(code, payload[2:].decode(errors="replace"))
            if not self._transport.is_closing():
                self._transport.write(masked_frame(_CLOSE, bytes(payload[:2])))
                self._transport.close()

    # ------------------------------------------------------------------ the part ws_fanout uses

    async def recv(self, decode: bool = False) -> bytearray:
        """The next message's bytes, as a ``bytearray`` (``decode`` is accepted for ``websockets``'
        signature and ignored)."""
        if self._lent is not None:
            self._spare, self._lent = self._lent, None
        message = await self._messages.get()
        self._lent = message
        if message is None:
            self._messages.put_nowait(None)
            raise ConnectionClosedError(self._close, None)
        return message  # type: ignore[return-value]

    async def send(self, text: str) -> None:
        self._transport.write(masked_frame(_TEXT, text.encode()))

    async def close(self) -> None:
        if not self._transport.is_closing():
            self._transport.write(masked_frame(_CLOSE, (1000).to_bytes(2, "big")))
            try:
                await asyncio.wait_for(self._lost.wait(), 5)
            except asyncio.TimeoutError:
                self._transport.close()


class connect:  # noqa: N801 -- used as ``websockets.connect`` is
    """``async with connect(url) as ws:`` a :class:`LeanConnection` (``ws://`` only)."""

    def __init__(self, url: str, open_timeout: float = 60) -> None:
        self.url, self.open_timeout = url, open_timeout
        self.connection: LeanConnection | None = None

    async def __aenter__(self) -> LeanConnection:
        parts = urlsplit(self.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        loop = asyncio.get_running_loop()
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        _, self.connection = await asyncio.wait_for(
            loop.create_connection(lambda: LeanConnection(f"{host}:{port}", target), host, port),
            self.open_timeout,
        )
        await asyncio.wait_for(asyncio.shield(self.connection._opened), self.open_timeout)
        return self.connection

    async def __aexit__(self, *exc: object) -> None:
        if self.connection is not None:
            await self.connection.close()
