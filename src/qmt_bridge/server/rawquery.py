"""Let raw UTF-8 through the HTTP request line, as curl sends ``?sector=沪深A股`` verbatim.

uvicorn's parsers (httptools and h11) reject request targets with bytes above 0x7F before the app sees
them. The protocols here percent-encode those bytes first, which is exactly what a browser would have
sent, so ``/api/sector/stocks?sector=沪深A股`` and its percent-encoded spelling behave the same.
"""

from __future__ import annotations

from typing import Any


def encode_request_line(data: bytes) -> bytes:
    """Percent-encode non-ASCII bytes of the first line of ``data`` (the request line)."""
    end = data.find(b"\n")
    line = data if end < 0 else data[:end]
    if line.isascii():
        return data
    encoded = b"".join(b"%%%02X" % byte if byte > 0x7F else bytes((byte,)) for byte in line)
    return encoded if end < 0 else encoded + data[end:]


def lenient_http_protocol() -> type:
    """uvicorn's HTTP protocol class (httptools when installed, else h11) with UTF-8 request lines."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return _lenient_h11()

    class LenientHttpToolsProtocol(HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._expect_request_line = True

        def data_received(self, data: bytes) -> None:
            if self._expect_request_line:
                data = encode_request_line(data)
            super().data_received(data)

        def on_message_begin(self) -> None:
            self._expect_request_line = False
            super().on_message_begin()

        def on_message_complete(self) -> None:
            self._expect_request_line = True
            super().on_message_complete()

    return LenientHttpToolsProtocol


def _lenient_h11() -> type:
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class LenientH11Protocol(H11Protocol):
        def data_received(self, data: bytes) -> None:
            if self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0]:
                data = encode_request_line(data)
            super().data_received(data)

    return LenientH11Protocol
