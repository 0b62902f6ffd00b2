"""What each endpoint answers with status 200, as OpenAPI declares it (/docs, /redoc, generated clients).

An endpoint names its answer's model with :func:`answers`; :func:`add_success_schemas` puts the models into
``/openapi.json`` by ``$ref``, with an example, for every route of that endpoint (its 2.1.3 aliases too).
Only the document changes: the endpoints keep returning their own responses, so no validator is built or
run per request (``response_model`` would validate every answer, on the hot paths too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict

F = TypeVar("F", bound=Callable[..., Any])

#: Other media types an endpoint may answer with, by model (e.g. Arrow for the bulk K-lines).
_ATTRIBUTE = "__answer_model__"
SCHEMA_REF = "#/components/schemas/{model}"


def documented(example: dict[str, Any]) -> ConfigDict:
    """The config of an answer model: no key it does not declare (the tests hold the server to it), and
    ``example`` shown in /docs."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [example]})


def answers(model: type[BaseModel], **other_media: dict[str, Any]) -> Callable[[F], F]:
    """Declare ``model`` as the endpoint's 200 answer (``other_media``: more content types, e.g. the
    Arrow stream, each with its OpenAPI media object)."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, _ATTRIBUTE, (model, other_media))
        return endpoint

    return mark


def answer_model(endpoint: Callable[..., Any]) -> type[BaseModel] | None:
    """The model an endpoint declared with :func:`answers`, or None."""
    declared = getattr(endpoint, _ATTRIBUTE, None)
    return declared[0] if declared else None


def add_success_schemas(document: dict[str, Any], routes: Iterable[Any]) -> dict[str, Any]:
    """Each declared model into the document's schemas, and each route's 200 response referring to it."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        declared = getattr(route.endpoint, _ATTRIBUTE, None)
        operations = document.get("paths", {}).get(route.path_format, {})
        if declared is None or not operations:
            continue
        model, other_media = declared
        name = model.__name__
        if name not in schemas:
            schema = model.model_json_schema(ref_template=SCHEMA_REF, mode="serialization")
            schemas.update(schema.pop("$defs", {}))
            schemas[name] = schema
        examples = (model.model_config.get("json_schema_extra") or {}).get("examples") or []
        media: dict[str, Any] = {"schema": {"$ref": SCHEMA_REF.format(model=name)}}
        if examples:
            media["example"] = examples[0]
        for method in route.methods:
            operation = operations.get(method.lower())
            if operation is not None:
                ok = operation.setdefault("responses", {}).setdefault("200", {})
                ok["description"] = (model.__doc__ or "Successful Response").strip().splitlines()[0]
                ok["content"] = {"application/json": media, **other_media}
    return document
