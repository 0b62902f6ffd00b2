"""Exceptions raised by :class:`qmt_bridge.QMTClient`.

Every error the client raises derives from :class:`QMTBridgeError`::

    QMTBridgeError
    ├── APIConnectionError          (no response: refused, DNS, reset)
    │   └── APITimeoutError
    └── APIStatusError              (.status_code, .code, .message, .details, .request_id, .body)
        ├── BadRequestError          400
        ├── AuthenticationError      401
        ├── PermissionDeniedError    403
        ├── NotFoundError            404
        ├── ConflictError            409
        ├── UnprocessableEntityError 422
        ├── RateLimitError           429
        └── ServerError              >=500
            ├── NotImplementedByServerError 501
            ├── ServiceUnavailableError     503
            └── GatewayTimeoutError         504

The server answers every error with one JSON shape::

    {"error": {"code": "invalid_parameter", "message": "...", "details": {...}}, "request_id": "..."}

:func:`_make_status_error` parses that body once and picks the class from the HTTP status. A body of any
other shape (a proxy's HTML page, plain text) is kept verbatim as the message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "QMTBridgeError",
    "APIConnectionError",
    "APITimeoutError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "ServerError",
    "NotImplementedByServerError",
    "ServiceUnavailableError",
    "GatewayTimeoutError",
]


class QMTBridgeError(Exception):
    """Base class of every exception raised by the qmt-bridge client."""


class APIConnectionError(QMTBridgeError):
    """No HTTP response was received: connection refused, DNS failure, connection reset.

    Attributes:
        method: HTTP method of the failed request.
        url: Full URL of the failed request (never contains the API key).
    """

    def __init__(self, message: str = "Connection error.", *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url


class APITimeoutError(APIConnectionError):
    """The request did not complete within its timeout."""

    def __init__(self, message: str = "Request timed out.", *, method: str = "", url: str = "") -> None:
        super().__init__(message, method=method, url=url)


class APIStatusError(QMTBridgeError):
    """The server answered with a non-2xx status.

    Attributes:
        status_code: HTTP status code.
        code: Machine-readable error code from the body (e.g. ``"invalid_parameter"``), or ``None``.
        message: Human-readable message from the body, or the raw body text when it has another shape.
        details: The ``details`` object from the body (``{}`` when absent).
        request_id: Server request id, from the body or the ``X-Request-ID`` header, or ``None``.
        body: The decoded JSON body, or the raw text when the body is not JSON.
        headers: Response headers (lower-cased names).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code
        self.details: dict[str, Any] = details if details is not None else {}
        self.request_id = request_id
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})

    def __str__(self) -> str:
        prefix = f"{self.status_code} {self.code}" if self.code else str(self.status_code)
        suffix = f" (request_id={self.request_id})" if self.request_id else ""
        return f"{prefix}: {self.message}{suffix}"


class BadRequestError(APIStatusError):
    """400: a parameter is invalid (bad stock code, unknown period, malformed date)."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or wrong."""


class PermissionDeniedError(APIStatusError):
    """403: the key is valid but the operation is not allowed (e.g. trading disabled)."""


class NotFoundError(APIStatusError):
    """404: the endpoint or the requested object does not exist."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state (e.g. a duplicate ``client_order_id``)."""


class UnprocessableEntityError(APIStatusError):
    """422: the request failed validation (missing or mistyped parameter)."""


class RateLimitError(APIStatusError):
    """429: too many requests; retried automatically for GET requests."""


class ServerError(APIStatusError):
    """5xx: the server or its backend failed."""


class NotImplementedByServerError(ServerError):
    """501: the backend in use does not implement this operation."""


class ServiceUnavailableError(ServerError):
    """503: the backend is down or not connected; retried automatically for GET requests."""


class GatewayTimeoutError(ServerError):
    """504: the backend call timed out on the server; retried automatically for GET requests."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    501: NotImplementedByServerError,
    503: ServiceUnavailableError,
    504: GatewayTimeoutError,
}


def _status_class(status: int) -> type[APIStatusError]:
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if status >= 500:
        return ServerError
    return APIStatusError


def _make_status_error(
    status: int, body: bytes | str | None, headers: Mapping[str, str] | None = None
) -> APIStatusError:
    """Build the exception for an error response; the body is parsed here, once.

    Args:
        status: HTTP status code of the response.
        body: Raw response body.
        headers: Response headers (any case).

    Returns:
        An instance of the :class:`APIStatusError` subclass that matches ``status``.
    """
    lowered = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    if isinstance(body, bytes):
        text = body.decode("utf-8", errors="replace")
    else:
        text = body or ""

    decoded: Any = text
    try:
        decoded = json.loads(text) if text else None
    except ValueError:
        decoded = text

    code: str | None = None
    details: dict[str, Any] = {}
    request_id = lowered.get("x-request-id")
    error = decoded.get("error") if isinstance(decoded, dict) else None
    if isinstance(error, dict) and "message" in error:
        message = str(error["message"])
        code = str(error["code"]) if error.get("code") is not None else None
        raw_details = error.get("details")
        if isinstance(raw_details, dict):
            details = raw_details
        elif raw_details is not None:
            details = {"details": raw_details}
        if decoded.get("request_id") is not None:
            request_id = str(decoded["request_id"])
    else:
        message = text.strip() or f"HTTP {status}"

    return _status_class(status)(
        message,
        status_code=status,
        code=code,
        details=details,
        request_id=request_id,
        body=decoded,
        headers=lowered,
    )
