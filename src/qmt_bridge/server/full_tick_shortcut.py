"""A shortcut for the hottest request, ``GET /api/market/full_tick?stocks=...``, answered from the quote
book without FastAPI's routing, dependency injection and validation, which cost more than the answer.

Clients that poll snapshots send this request many times a second. The shortcut answers it only when the
route itself would answer 200 with the same body: the one parameter ``stocks``, no body, the API key when
one is required, and codes that are all in the quote book. Everything else (other or repeated parameters,
market names, codes the book lacks, a missing key) goes on to the route, which gives the answer or the
error. The request id, the access log and ``HEAD`` stay with :class:`RequestIdMiddleware` around it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from qmt_bridge.server.errors import InvalidParameter
from qmt_bridge.server.params import parse_codes
from qmt_bridge.server.responses import dumps
from qmt_bridge.server.security import key_matches

PATH = "/api/market/full_tick"


class FullTickShortcut:
    """ASGI middleware: answers ``GET /api/market/full_tick`` from the quote book when it can."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # Behind a root_path Starlette routes the path without it: leave such requests to the routes.
        if (
            scope["type"] == "http"
            and scope["path"] == PATH
            and scope["method"] == "GET"
            and not scope.get("root_path")
        ):
            body = self._answer(scope)
            if body is not None:
                headers = [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", b"application/json"),
                ]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _answer(scope: dict[str, Any]) -> bytes | None:
        """The response body, or None when the route must handle the request."""
        state = scope["app"].state
        context = getattr(state, "context", None)
        book = context.quotes if context is not None else None
        if book is None:
            return None
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        if len(pairs) != 1 or pairs[0][0] != "stocks":
            return None
        keys = []
        for name, value in scope["headers"]:
            if name == b"x-api-key":
                keys.append(value)
            elif name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
                return None  # a body: the route refuses it
        if state.settings.require_auth_for_data:
            # Exactly one key: with several, which one counts is the route's business.
            expected = state.settings.api_key_value()
            if len(keys) != 1 or not key_matches(keys[0].decode("latin-1"), expected):
                return None
        try:
            codes = parse_codes(pairs[0][1], allow_markets=True)
        except InvalidParameter:
            return None
        data = book.lookup(codes)
        return None if data is None else dumps({"data": data})
