"""uvicorn's HTTP protocols, adjusted: raw UTF-8 in the request line, and JSON for unparsable requests.

uvicorn's parsers (httptools and h11) reject request targets with bytes above 0x7F before the app sees
them. The protocols here percent-encode those bytes first, which is exactly what a browser would have
sent, so ``/api/sector/stocks?sector=沪深A股`` (as curl sends it) and its percent-encoded spelling behave
the same.

A request the parser rejects (malformed, or a request line or headers over its size limit, e.g. a URL of
64 kB) never reaches the app, and uvicorn answers it in plain text; here it gets the one JSON error shape.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import orjson

from qmt_bridge.server.errors import error_payload


def unparsable_request_body(reason: str) -> bytes:
    """The JSON body of the 400 for a request the HTTP parser rejected."""
    message = f"the HTTP request could not be parsed ({reason}); is the URL or a header too long?"
    return orjson.dumps(error_payload("bad_request", message, None, os.urandom(8).hex()))


def encode_request_line(data: bytes) -> bytes:
    """Percent-encode non-ASCII bytes of the first line of ``data`` (the request line)."""
    end = data.find(b"\n")
    line = data if end < 0 else data[:end]
    if line.isascii():
        return data
    encoded = b"".join(b"%%%02X" % byte if byte > 0x7F else bytes((byte,)) for byte in line)
    return encoded if end < 0 else encoded + data[end:]


#: Seconds a connection answered 400 keeps reading (and discarding) what the client still sends.
LINGER_SECONDS = 2.0


class _LingeringClose:
    """Close after a 400 the way servers must when the request was not read to its end.

    Closing a socket with unread data makes the kernel send a reset, and the client may then lose the
    answer already sent (``ConnectionResetError`` instead of the 400). So: half-close (the client sees
    the end of the answer), discard what still arrives, close when the client does or after
    :data:`LINGER_SECONDS`.
    """

    transport: Any
    _lingering = False

    def close_lingering(self) -> None:
        transport = self.transport
        if not transport.can_write_eof():
            transport.close()
            return
        self._lingering = True
        transport.write_eof()
        asyncio.get_running_loop().call_later(LINGER_SECONDS, transport.close)

    def eof_received(self) -> Any:
        if self._lingering:
            self.transport.close()
            return None
        return super().eof_received()  # type: ignore[misc]


def lenient_http_protocol() -> type:
    """uvicorn's HTTP protocol class (httptools when installed, else h11) with UTF-8 request lines."""
    try:
        from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
    except ImportError:
        return _lenient_h11()

    class LenientHttpToolsProtocol(_LingeringClose, HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._expect_request_line = True

        def data_received(self, data: bytes) -> None:
            if self._lingering:
                return
            if self._expect_request_line:
                data = encode_request_line(data)
            super().data_received(data)

        def on_message_begin(self) -> None:
            self._expect_request_line = False
            super().on_message_begin()

        def on_message_complete(self) -> None:
            self._expect_request_line = True
            super().on_message_complete()

        def send_400_response(self, msg: str) -> None:
            body = unparsable_request_body(msg)
            head = [STATUS_LINE[400]]
            for name, value in self.server_state.default_headers:
                head.extend([name, b": ", value, b"\r\n"])
            head.append(b"content-type: application/json\r\ncontent-length: %d\r\n" % len(body))
            head.append(b"connection: close\r\n\r\n")
            self.transport.write(b"".join(head) + body)
            self.close_lingering()

    return LenientHttpToolsProtocol


def _lenient_h11() -> type:
    import h11
    from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol

    class LenientH11Protocol(_LingeringClose, H11Protocol):
        def data_received(self, data: bytes) -> None:
            if self._lingering:
                return
            if self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0]:
                data = encode_request_line(data)
            super().data_received(data)

        def send_400_response(self, msg: str) -> None:
            body = unparsable_request_body(msg)
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ]
            for event in (
                h11.Response(status_code=400, headers=headers, reason=STATUS_PHRASES[400]),
                h11.Data(data=body),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event))
            self.close_lingering()

    return LenientH11Protocol
