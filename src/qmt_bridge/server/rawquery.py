"""uvicorn's HTTP protocols, adjusted: raw UTF-8 in the request line, and JSON for unparsable requests.

uvicorn's parsers (httptools and h11) reject request targets with bytes above 0x7F before the app sees
them. The protocols here percent-encode those bytes first, which is exactly what a browser would have
sent, so ``/api/sector/stocks?sector=沪深A股`` (as curl sends it) and its percent-encoded spelling behave
the same.

A request the parser rejects (malformed, or a request line or headers over its size limit, e.g. a URL of
64 kB) never reaches the app, and uvicorn answers it in plain text; here it gets the one JSON error shape.
"""

from __future__ import annotations

from typing import Any

from qmt_bridge.server.connection_guard import ConnectionGuard


def unparsable_request_message(reason: str) -> str:
    """The message of the 400 for a request the HTTP parser rejected."""
    return f"the HTTP request could not be parsed ({reason}); is the URL or a header too long?"


def encode_request_line(data: bytes) -> bytes:
    """Percent-encode non-ASCII bytes of the first line of ``data`` (the request line)."""
    end = data.find(b"\n")
    line = data if end < 0 else data[:end]
    if line.isascii():
        return data
    encoded = b"".join(b"%%%02X" % byte if byte > 0x7F else bytes((byte,)) for byte in line)
    return encoded if end < 0 else encoded + data[end:]


def lenient_http_protocol(header_timeout: float = 5.0, max_connections: int = 800) -> type:
    """uvicorn's HTTP protocol class (httptools when installed, else h11) with UTF-8 request lines, JSON
    for unparsable requests, and the guard of :mod:`qmt_bridge.server.connection_guard`."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return _lenient_h11(header_timeout, max_connections)

    class LenientHttpToolsProtocol(ConnectionGuard, HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._expect_request_line = True

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.guard_new_connection()

        def data_received(self, data: bytes) -> None:
            if self._lingering:
                return
            if self._expect_request_line:
                data = encode_request_line(data)
            super().data_received(data)

        def on_message_begin(self) -> None:
            self._expect_request_line = False
            self.awaiting_head()
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self.head_received()
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._expect_request_line = True
            super().on_message_complete()

        def send_400_response(self, msg: str) -> None:
            self.answer_and_close(400, "bad_request", unparsable_request_message(msg))

    LenientHttpToolsProtocol.header_timeout = header_timeout
    LenientHttpToolsProtocol.max_connections = max_connections
    return LenientHttpToolsProtocol


def _lenient_h11(header_timeout: float = 5.0, max_connections: int = 800) -> type:
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class LenientH11Protocol(ConnectionGuard, H11Protocol):
        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.guard_new_connection()

        def data_received(self, data: bytes) -> None:
            if self._lingering:
                return
            if self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0]:
                data = encode_request_line(data)
            super().data_received(data)
            if self._lingering:
                return
            if self.conn.their_state is h11.IDLE:  # part of a head: h11 leaves IDLE once it is whole
                self.awaiting_head()
            else:
                self.head_received()

        def send_400_response(self, msg: str) -> None:
            self.answer_and_close(400, "bad_request", unparsable_request_message(msg))

    LenientH11Protocol.header_timeout = header_timeout
    LenientH11Protocol.max_connections = max_connections
    return LenientH11Protocol
