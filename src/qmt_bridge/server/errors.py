"""Domain errors and their mapping to HTTP: every error leaves the server in one JSON shape.

``{"error": {"code": str, "message": str, "details": object}, "request_id": str}``

Routers and services raise :class:`BridgeError` subclasses; handlers here translate them, FastAPI's
validation errors, unknown routes, backend timeouts and failures, and anything unexpected (logged with
its traceback, answered without one).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection

from qmt_bridge.backends.base import BackendUnavailableError
from qmt_bridge.backends.runner import BackendCallFailed, BackendCallTimeout
from qmt_bridge.server.responses import JSONResponse

log = logging.getLogger("qmt_bridge.server")


class BridgeError(Exception):
    """Base of the server's domain errors."""

    status_code = 500
    code = "internal_error"
    #: Response headers the error adds (e.g. Retry-After).
    headers: dict[str, str] = {}  # noqa: RUF012 - replaced per instance, never mutated

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code


class ParameterError(BridgeError):
    """An error about one request parameter: the message starts with its name, ``details.param`` names it
    and ``details.value`` echoes the offending value when given."""

    def __init__(self, param: str, message: str, *, value: Any = None, code: str | None = None) -> None:
        details = {"param": param}
        if value is not None:
            details["value"] = value
        super().__init__(f"{param}: {message}", details=details, code=code)


class InvalidParameter(ParameterError):
    """A request parameter is malformed or out of range (400)."""

    status_code = 400
    code = "invalid_parameter"


class NotFound(ParameterError):
    """The thing a parameter names does not exist (404), e.g. an unknown stock code or sector."""

    status_code = 404
    code = "not_found"


class Forbidden(ParameterError):
    """The operation is not allowed on what a parameter names (403), e.g. changing a system sector."""

    status_code = 403
    code = "forbidden"


class Conflict(ParameterError):
    """What a parameter names exists already (409)."""

    status_code = 409
    code = "conflict"


class Unauthorized(BridgeError):
    status_code = 401
    code = "unauthorized"


class BackendRefused(BridgeError):
    """The backend answered a write without doing it (e.g. create_sector returned no name)."""

    status_code = 502
    code = "backend_error"


class NotImplementedByBackend(BridgeError):
    """The capability exists in the API but not in this backend (501)."""

    status_code = 501
    code = "not_implemented"


class BodyTooLarge(StarletteHTTPException):
    """A request body over the server's limit. An ``HTTPException`` because it is raised while FastAPI reads
    the body, which turns any other exception into a 400."""

    def __init__(self, size: int, limit: int, *, declared: bool) -> None:
        what = (
            f"the request body has {size:,} bytes"
            if declared
            else f"the request body exceeds {limit:,} bytes"
        )
        super().__init__(413, f"{what}; the server accepts at most {limit:,}")
        self.limit = limit


def error_payload(code: str, message: str, details: Any, request_id: str | None) -> dict[str, Any]:
    """The one error shape."""
    return {"error": {"code": code, "message": message, "details": details}, "request_id": request_id}


def error_body(request: HTTPConnection, code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The one error shape, for a request or a WebSocket handshake."""
    return error_payload(code, message, details, getattr(request.state, "request_id", None))


def error_response(
    request: HTTPConnection, status: int, code: str, message: str, details: Any = None
) -> JSONResponse:
    headers = {"X-Request-ID": getattr(request.state, "request_id", "")}
    return JSONResponse(error_body(request, code, message, details), status_code=status, headers=headers)


def _describe_validation(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    details = []
    parts = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        where = loc[0] if loc else "request"
        # ('body', 0) is how FastAPI places a JSON syntax error: name the body, not "0".
        fields = [p for p in loc[1:] if not p.isdigit()] if where == "body" else loc[1:]
        name = ".".join(fields) or where
        message = err.get("msg", "invalid value")
        details.append({"param": name, "in": where, "message": message})
        parts.append(f"{name}: {message}")
    return "; ".join(parts) or "invalid request", details


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape."""

    @app.exception_handler(BridgeError)
    async def _bridge(request: Request, exc: BridgeError) -> JSONResponse:
        response = error_response(request, exc.status_code, exc.code, exc.message, exc.details)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, problems = _describe_validation(list(exc.errors()))
        return error_response(request, 422, "validation_error", message, {"errors": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, BodyTooLarge):
            return error_response(request, 413, "body_too_large", exc.detail, {"limit": exc.limit})
        codes = {400: "bad_request", 404: "route_not_found", 405: "method_not_allowed"}
        code = codes.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 400:  # FastAPI's only 400: a body it cannot decode (e.g. not UTF-8)
            message = f"the request body could not be parsed ({message}); send UTF-8 JSON"
        elif exc.status_code == 404:
            message = f"no endpoint {request.method} {request.url.path}; see /docs"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        response = error_response(request, exc.status_code, code, message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(BackendCallTimeout)
    async def _timeout(request: Request, exc: BackendCallTimeout) -> JSONResponse:
        details = {"call": exc.name, "timeout": exc.timeout, "queued": exc.queued}
        return error_response(request, 504, "backend_timeout", str(exc), details)

    @app.exception_handler(BackendCallFailed)
    async def _failed(request: Request, exc: BackendCallFailed) -> JSONResponse:
        log.warning("backend call failed: %s", exc)
        return error_response(request, 502, "backend_error", str(exc), {"call": exc.name})

    @app.exception_handler(BackendUnavailableError)
    async def _unavailable(request: Request, exc: BackendUnavailableError) -> JSONResponse:
        return error_response(request, 503, "backend_unavailable", str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal_error", "internal server error; see the server log")
