"""Accept raw UTF-8 in query strings, as curl sends ``?sector=沪深A股`` verbatim.

Starlette decodes the query string as latin-1 and only percent-escapes are read as UTF-8, so raw bytes
above 0x7F would arrive as mojibake. Percent-encoding those bytes first makes both spellings equal.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


class RawUTF8QueryMiddleware:
    """Pure ASGI middleware: percent-encode non-ASCII bytes of ``scope['query_string']``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            query: bytes = scope.get("query_string", b"")
            if any(b > 0x7F for b in query):
                scope = dict(scope)
                scope["query_string"] = quote(query, safe=_SAFE).encode("ascii")
        await self.app(scope, receive, send)
