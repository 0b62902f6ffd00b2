"""The route class of every router: query parameters an endpoint does not declare are an error.

FastAPI ignores unknown query parameters. Here that would hide typos that change the answer: a user who
writes ``/api/sector/stocks?sector=沪深A股&date=20150105`` for ``real_timetag`` gets today's members
instead of an error. Such a request answers 422 ``validation_error`` naming the parameter and the ones the
endpoint takes, like any other invalid parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute


def declared_query_names(dependant: Dependant) -> frozenset[str]:
    """Names of the query parameters of an endpoint and of its dependencies."""
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= declared_query_names(sub)
    return frozenset(names)


class StrictQueryRoute(APIRoute):
    """An ``APIRoute`` that rejects query parameters its endpoint does not declare (422)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        allowed = declared_query_names(self.dependant)
        takes = ", ".join(sorted(allowed)) or "no query parameters"

        async def strict_handler(request: Request) -> Response:
            unknown = [name for name in request.query_params if name not in allowed]
            if unknown:
                raise RequestValidationError(
                    [
                        {
                            "type": "extra_forbidden",
                            "loc": ("query", name),
                            "msg": f"unknown parameter; this endpoint takes {takes}",
                            "input": request.query_params[name],
                        }
                        for name in unknown  # query_params iterates over distinct names
                    ]
                )
            return await handler(request)

        return strict_handler
