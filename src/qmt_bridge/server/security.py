"""API-key authentication: header ``X-API-Key``, compared in constant time, never read from the URL.

Data endpoints require the key only when ``QMT_BRIDGE_REQUIRE_AUTH_FOR_DATA=true``; ``/api/meta/health``
stays open so that monitors can probe the server.
"""

from __future__ import annotations

import hmac

from fastapi import Request, Security
from fastapi.security import APIKeyHeader

from qmt_bridge.server.errors import Unauthorized

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="the server's API key")


def key_matches(provided: str | None, expected: str) -> bool:
    return provided is not None and hmac.compare_digest(provided.encode(), expected.encode())


def check_api_key(provided: str | None, expected: str | None) -> None:
    """Raise 401 unless ``provided`` equals ``expected``."""
    if expected is None:
        return
    if not provided:
        raise Unauthorized("missing API key: send it in the X-API-Key header", code="missing_api_key")
    if not key_matches(provided, expected):
        raise Unauthorized("invalid API key", code="invalid_api_key")


async def require_data_auth(request: Request, api_key: str | None = Security(api_key_header)) -> None:
    """Dependency of every data router."""
    settings = request.app.state.settings
    if settings.require_auth_for_data:
        check_api_key(api_key, settings.api_key_value())
