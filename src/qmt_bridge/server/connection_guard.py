"""Connections that hold the server without asking anything: a deadline for the request head, and a cap.

uvicorn waits for a request head as long as the client likes, and accepts connections until the process
runs out of file descriptors (1,024 by default on Linux; fewer are left for sockets once xtquant is
loaded). About a thousand sockets that send their headers a byte at a time (slowloris) then lock every
other client out, silently. Here, in the HTTP protocol (:mod:`qmt_bridge.server.rawquery` builds the
classes):

* a connection whose request head has not fully arrived :attr:`~ConnectionGuard.header_timeout` seconds
  after it opened (or after the first byte of its next request) is closed: with a 408 in the one JSON
  error shape when part of a head arrived, silently when nothing did (an idle pre-opened connection, which
  clients reopen by themselves);
* a connection beyond :attr:`~ConnectionGuard.max_connections` open ones (HTTP and WebSocket together) is
  answered 503 with ``Retry-After`` at once and closed, instead of waiting in the kernel's queue.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import orjson

from qmt_bridge.server.errors import error_payload

#: Seconds a connection answered and closed keeps reading (and discarding) what the client still sends.
LINGER_SECONDS = 2.0

_REASONS = {400: b"Bad Request", 408: b"Request Timeout", 503: b"Service Unavailable"}


def json_error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> bytes:
    """A complete HTTP/1.1 response in the one error shape, closing the connection."""
    body = orjson.dumps(error_payload(code, message, None, os.urandom(8).hex()))
    head = [b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status])]
    for name, value in (headers or {}).items():
        head.append(f"{name}: {value}\r\n".encode("latin-1"))
    head.append(b"content-type: application/json\r\ncontent-length: %d\r\n" % len(body))
    head.append(b"connection: close\r\n\r\n")
    return b"".join(head) + body


class LingeringClose:
    """Close after an early answer the way servers must when the request was not read to its end.

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


class ConnectionGuard(LingeringClose):
    """Mixin for uvicorn's HTTP protocol classes: the head deadline and the connection cap.

    The protocol class calls :meth:`guard_new_connection` from ``connection_made`` (after uvicorn's),
    :meth:`awaiting_head` when bytes of a new request arrive and :meth:`head_received` once the head is
    parsed.
    """

    #: Seconds from the connection (or the next request's first byte) to the end of its request head.
    header_timeout: float = 5.0
    #: Open connections (HTTP and WebSocket) beyond which a new one is answered 503.
    max_connections: int = 800

    connections: set[Any]
    _head_timer: asyncio.TimerHandle | None = None
    _head_started = False

    def guard_new_connection(self) -> bool:
        """Refuse the connection when over the cap (False), else start its head deadline (True)."""
        if len(self.connections) > self.max_connections:
            self.answer_and_close(
                503,
                "too_many_connections",
                f"the server has {self.max_connections} connections open, its limit "
                "(QMT_BRIDGE_MAX_CONNECTIONS); try again in a moment",
                {"Retry-After": "1"},
            )
            return False
        self._arm_head_timer(started=False)
        return True

    def awaiting_head(self) -> None:
        """Bytes of a request head arrived: the deadline runs (from the first of them)."""
        if self._head_timer is None:
            self._arm_head_timer(started=True)
        self._head_started = True

    def head_received(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self._head_started = False

    def answer_and_close(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        self.head_received()
        self.transport.write(json_error_response(status, code, message, headers))
        self.close_lingering()

    def connection_lost(self, exc: Exception | None) -> None:
        self.head_received()
        super().connection_lost(exc)  # type: ignore[misc]

    def _arm_head_timer(self, *, started: bool) -> None:
        loop = asyncio.get_running_loop()
        self._head_timer = loop.call_later(self.header_timeout, self._head_timed_out)
        self._head_started = started

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._lingering or self.transport.is_closing():
            return
        if not self._head_started:  # nothing asked: close as an idle keep-alive connection is closed
            self.transport.close()
            return
        self.answer_and_close(
            408,
            "request_timeout",
            f"the request head did not arrive within {self.header_timeout:g} s "
            "(QMT_BRIDGE_HEADER_TIMEOUT); send the whole head at once",
        )
