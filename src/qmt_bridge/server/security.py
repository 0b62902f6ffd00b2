"""Authentication: header ``X-API-Key``, compared in constant time, never read from the URL; trading
endpoints also take signed requests (:mod:`qmt_bridge.server.signing`).

Data endpoints require the key only when ``QMT_BRIDGE_REQUIRE_AUTH_FOR_DATA=true``; ``/api/meta/health``
stays open so that monitors can probe the server.
"""

from __future__ import annotations

import hmac

from fastapi import Request, Security
from fastapi.security import APIKeyHeader

from qmt_bridge.server.errors import Forbidden, InvalidParameter, Unauthorized
from qmt_bridge.server.signing import has_signature_headers, verify_request
from qmt_bridge.signing import SIGNATURE_HEADERS

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="the server's API key")


def key_matches(provided: str | None, expected: str) -> bool:
    return provided is not None and hmac.compare_digest(provided.encode(), expected.encode())


def single_api_key(request: Request) -> str | None:
    """The ``X-API-Key`` header's value; 400 ``repeated_header`` when it is sent more than once (which of
    several keys counts is not the client's to leave open)."""
    keys = request.headers.getlist("x-api-key")
    if len(keys) > 1:
        raise InvalidParameter(
            "X-API-Key", f"header given {len(keys)} times; send it once", code="repeated_header"
        )
    return keys[0] if keys else None


def check_api_key(provided: str | None, expected: str | None) -> None:
    """Raise 401 unless ``provided`` equals ``expected``."""
    if expected is None:
        return
    if not provided:
        raise Unauthorized("missing API key: send it in the X-API-Key header", code="missing_api_key")
    if not key_matches(provided, expected):
        raise Unauthorized("invalid API key", code="invalid_api_key")


def authenticated(request: Request) -> bool:
    """Whether the request passed its auth check already: routes check it before anything else
    (:class:`qmt_bridge.server.routing.StrictQueryRoute`), and a signature's nonce is good only once."""
    return getattr(request.state, "authenticated", False)


async def require_data_auth(request: Request, api_key: str | None = Security(api_key_header)) -> None:
    """Dependency of every data router (``api_key`` is declared for /docs; the header is read here)."""
    settings = request.app.state.settings
    if settings.require_auth_for_data and not authenticated(request):
        check_api_key(single_api_key(request), settings.api_key_value())
        request.state.authenticated = True


async def require_trading_auth(request: Request, api_key: str | None = Security(api_key_header)) -> None:
    """Dependency of every trading endpoint: a signed request or the API key.

    * Any signature header present: the signature decides (:mod:`qmt_bridge.server.signing`); a bad one is
      401 even beside a valid ``X-API-Key``, and a good one sets ``request.state.client_id``.
    * Otherwise with ``require_signature``: 401 ``missing_signature``, whatever the API key.
    * Otherwise the API key is required.

    A server without an API key cannot have trading enabled (the settings refuse it), so there the answer is
    403 ``trading_disabled`` rather than a request for a key that does not exist.
    """
    if authenticated(request):
        return
    settings = request.app.state.settings
    expected = settings.api_key_value()
    if expected is None:
        raise Forbidden(
            "trading",
            "trading is not enabled on this server: start it with --trading",
            code="trading_disabled",
        )
    if has_signature_headers(request.headers):
        await verify_request(request)
        request.state.authenticated = True
        return
    if settings.require_signature:
        raise Unauthorized(
            "this server accepts only signed requests on trading endpoints (QMT_BRIDGE_REQUIRE_SIGNATURE): "
            f"send {', '.join(SIGNATURE_HEADERS)}; the API key alone is not enough",
            code="missing_signature",
        )
    check_api_key(single_api_key(request), expected)
    request.state.authenticated = True
