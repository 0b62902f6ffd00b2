"""The one error shape as OpenAPI declares it: every operation lists the error statuses it can answer, each
with this body, so that /docs shows them and a client generated from ``/openapi.json`` knows them.

The responses refer to the schema by ``$ref`` instead of naming the model: with ``"model": ErrorBody`` FastAPI
builds a validator per route and status (~1,100 of them, half a second per app) that nothing uses.
:func:`add_error_schemas` puts the schema itself into the document.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorInfo(BaseModel):
    model_config = {"extra": "forbid"}

    code: str = Field(
        ..., description="machine-readable: invalid_parameter, unknown_code, validation_error, ..."
    )
    message: str = Field(..., description="what went wrong, naming the parameter")
    details: Any = Field(
        None, description="more about it (the parameter, the limit, the errors of a body ...)"
    )


class ErrorBody(BaseModel):
    """``{"error": {"code", "message", "details"}, "request_id"}``: every error of every endpoint."""

    error: ErrorInfo
    request_id: str | None = Field(None, description="also in the X-Request-ID header; quote it in reports")

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "error": {
                        "code": "unknown_code",
                        "message": "stocks: unknown code(s): 600000.SZ",
                        "details": {"param": "stocks", "value": ["600000.SZ"]},
                    },
                    "request_id": "3f9c2a1b7d4e8f60",
                }
            ]
        },
    }


ERROR_BODY_REF = "#/components/schemas/ErrorBody"


def _response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ERROR_BODY_REF}}}}


def add_error_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """Put ``ErrorBody`` (and the ``ErrorInfo`` it holds) into an OpenAPI document's schemas; returns it."""
    schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(schema.pop("$defs", {}))
    schemas["ErrorBody"] = schema
    return document


#: The statuses any data endpoint can answer besides 200.
DATA_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _response("an invalid parameter (code, date, period, range, result too large)"),
    401: _response("the API key is missing or wrong (when the server requires one for data)"),
    404: _response("an unknown code, sector or order"),
    422: _response("a missing, unknown or malformed parameter or body field"),
    500: _response("an unexpected error (see the server log; never a stack trace here)"),
    502: _response("the backend (xtquant) failed the call"),
    503: _response("the backend is not connected"),
    504: _response("the backend did not answer in time"),
}

#: The trading endpoints add these.
TRADING_ERRORS: dict[int | str, dict[str, Any]] = {
    **DATA_ERRORS,
    401: _response("the API key or the request signature is missing or wrong"),
    403: _response("trading is off, the kill switch is on, or a risk limit refused the order"),
    409: _response("the client_order_id was used for another order, or the order cannot be cancelled"),
}
