"""The realtime WebSocket protocol: what a client sends, what the server sends, and the close codes.

Client → server, one JSON object per text message:

- the seed's subscribe messages, as they are: ``{"stocks": [...], "period": "1m"}`` (``/ws/realtime``),
  ``{"codes": ["SH", "SZ"]}`` (``/ws/whole_quote``), ``{"stocks": [...]}`` (``/ws/l2_thousand``);
- the same with ``"action": "subscribe"`` or ``"action": "unsubscribe"``, any number of times on one
  connection;
- ``{"api_key": "..."}`` as the first message, where the server requires a key and the client could not send
  the ``X-API-Key`` header;
- ``{"type": "ping"}``, answered by ``{"type": "pong"}``.

Server → client, each with ``type`` and a per-connection ``seq`` (1, 2, 3, ... with no gap):

- ``snapshot``: the current state of a stream, first after a subscribe; ``data`` in xtquant's shape;
- ``data``: a push, ``data`` in xtquant's shape (``{code: [bar, ...]}`` for K-lines and ticks,
  ``{code: tick}`` for the whole-market push); ``stream`` names it; ``pushed`` is when xtquant's callback
  delivered it to the server (ms since the epoch), so a client can measure the latency;
- ``status``: ``subscribed``, ``unsubscribed``, ``market_closed``, ``resubscribed``, ``backend_disconnected``,
  with a ``message`` for people;
- ``error``: ``{"code", "message", "details"}`` as in HTTP errors; the connection stays open;
- ``heartbeat`` every :data:`HEARTBEAT_SECONDS`, and ``pong``.

``?format=raw`` on the handshake (or ``QMT_BRIDGE_WS_FORMAT=raw`` for every connection) sends what
qmt-bridge 2.1.3's client expects instead: each snapshot and push as xtquant's payload alone, no envelope,
no ``seq``, no status, heartbeat or pong; an error closes the connection (1008) with the message as reason.

``?format=compact`` is the envelope with the whole-market ``snapshot`` and ``data`` messages of
``/ws/whole_quote`` sent as rows: ``"fields": [...]`` names the columns once and ``data`` is
``{code: [value, ...]}`` in that order, about half the bytes of ``{code: {field: value}}`` (what
``QMTClient.subscribe_whole_quote`` asks for, turning rows back into xtquant's dicts). Every other message is
as in the envelope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

#: Close codes (``docs/realtime.md``).
CLOSE_NORMAL = 1000
CLOSE_BAD_AUTH = 1008
CLOSE_INTERNAL = 1011
CLOSE_BACKEND_DOWN = 1013
#: The client read too slowly: its queue stayed full past the deadline.
CLOSE_SLOW_CONSUMER = 4008

HEARTBEAT_SECONDS = 15.0

#: Message formats: ours (``type``, ``seq``, ``data``), xtquant's payloads alone as qmt-bridge 2.1.3 sent,
#: or ours with the whole-market snapshots as rows under ``fields``.
FORMATS = ("envelope", "raw", "compact")


def message_format(query_params: Any, default: str) -> str:
    """The format a handshake asks for (``?format=``), else ``default``; ValueError naming the choices."""
    asked = query_params.get("format")
    if asked is None:
        return default
    if asked not in FORMATS:
        raise ValueError(f"format: {asked!r} is not one of {', '.join(FORMATS)}")
    return str(asked)


def close_reason(message: str) -> str:
    """``message`` cut to the 123 bytes a close frame's reason may hold."""
    encoded = message.encode()
    return message if len(encoded) <= 123 else encoded[:120].decode(errors="ignore") + "..."


#: Seconds a client has to send ``{"api_key": ...}`` when the server requires a key it did not get.
AUTH_SECONDS = 5.0
#: Codes one connection may hold across its streams.
MAX_CODES_PER_CONNECTION = 2000
#: Bytes of one client message at most.
MAX_MESSAGE_BYTES = 256 * 1024

#: K-line and tick periods ``/ws/realtime`` takes (the seed's list, and the aliases xtquant takes).
REALTIME_PERIODS = ("tick", "1m", "5m", "15m", "30m", "60m", "1h", "1d")


class ProtocolError(Exception):
    """A client message the server cannot act on; answered with an ``error`` message, connection kept."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass
class Request:
    """One parsed client message."""

    action: str  # subscribe | unsubscribe | ping | auth
    codes: list[str] = field(default_factory=list)
    period: str = "tick"
    api_key: str | None = None
    #: For K-line streams: the ``time`` (ms) of the last completed bar the client holds (resume).
    since: int | None = None


def parse(text: str | bytes, *, codes_key: str, default_period: str = "tick") -> Request:
    """Parse one client message of an endpoint whose code list is under ``codes_key`` (``stocks`` or
    ``codes``)."""
    if len(text) > MAX_MESSAGE_BYTES:
        raise ProtocolError("message_too_large", f"a message may have {MAX_MESSAGE_BYTES} bytes at most")
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError("invalid_json", f"the message is not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("invalid_message", "a message is a JSON object, e.g. " + _example(codes_key))
    if message.get("type") == "ping":
        return Request("ping")
    if "api_key" in message and len(message) == 1:
        key = message["api_key"]
        return Request("auth", api_key=key if isinstance(key, str) else None)
    action = message.get("action", "subscribe")
    if action not in ("subscribe", "unsubscribe"):
        raise ProtocolError("invalid_message", f"unknown action {action!r}; subscribe or unsubscribe")
    unknown = sorted(set(message) - {"action", codes_key, "period", "since"})
    if unknown:
        raise ProtocolError(
            "invalid_message",
            f"unknown field(s) {', '.join(unknown)}; e.g. {_example(codes_key)}",
            fields=unknown,
        )
    codes = message.get(codes_key)
    if isinstance(codes, str):
        codes = [part for part in codes.split(",") if part.strip()]
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) and c.strip() for c in codes):
        raise ProtocolError(
            "invalid_message", f"{codes_key} must be a non-empty list of codes, e.g. {_example(codes_key)}"
        )
    if joined := next((c for c in codes if "," in c), None):
        raise ProtocolError(
            "invalid_message",
            f"{codes_key}: {joined!r} holds a comma; give each code as its own list item, e.g. "
            + _example(codes_key),
        )
    period = message.get("period", default_period)
    if not isinstance(period, str):
        raise ProtocolError("invalid_message", 'period must be a string such as "1m"')
    since = message.get("since")
    if since is not None and (not isinstance(since, int) or isinstance(since, bool) or since < 0):
        raise ProtocolError("invalid_message", "since must be the time (ms) of the last bar the client holds")
    return Request(action, [c.strip() for c in codes], period, since=since)


def _example(codes_key: str) -> str:
    return '{"stocks": ["000001.SZ"], "period": "1m"}' if codes_key == "stocks" else '{"codes": ["SH", "SZ"]}'


def error(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """An ``error`` message's body (its ``seq`` is given when it is sent)."""
    return {"type": "error", "error": {"code": code, "message": message, "details": details or {}}}


def status(state: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "status", "status": state, "message": message, **extra}
