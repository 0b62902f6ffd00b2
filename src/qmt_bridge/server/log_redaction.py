"""Keep secrets out of logs: uvicorn logs each WebSocket handshake with its URL's query string.

Old clients (qmt-bridge 2.x's ``/ws/trade``) put the API key in the URL; ``uvicorn.error`` then writes
``"WebSocket /ws/trade?api_key=..." [accepted]``. The filter below cuts the query string from those lines.
Our own access log already writes paths without queries.
"""

from __future__ import annotations

import logging

_WEBSOCKET_LINE = '%s - "WebSocket %s"'


class WebSocketQueryRedactor(logging.Filter):
    """Drops the ``?query`` of the path argument of uvicorn's WebSocket handshake lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            isinstance(record.msg, str)
            and record.msg.startswith(_WEBSOCKET_LINE)
            and len(record.args or ()) >= 2
        ):
            args = list(record.args)  # type: ignore[arg-type]
            if isinstance(args[1], str) and "?" in args[1]:
                args[1] = args[1].split("?", 1)[0] + "?[redacted]"
                record.args = tuple(args)
        return True


_REDACTOR = WebSocketQueryRedactor()


def install() -> None:
    """Add the filter to uvicorn's logger (once)."""
    logger = logging.getLogger("uvicorn.error")
    if _REDACTOR not in logger.filters:
        logger.addFilter(_REDACTOR)
