"""The route class of every router: input an endpoint does not take is an error, not silently dropped.

FastAPI ignores unknown query parameters, keeps the last of a repeated one and ignores a body sent to an
endpoint that takes none. Here each would hide a mistake that changes the answer: a user who writes
``/api/sector/stocks?sector=沪深A股&date=20150105`` for ``real_timetag`` gets today's members, and
``?stocks=600519.SH&stocks=000001.SZ`` (for ``stocks=600519.SH,000001.SZ``) one stock. Such requests answer
422 ``validation_error`` naming the parameter, like any other invalid parameter.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Coroutine
from typing import Any, get_origin

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


def repeatable_query_names(dependant: Dependant) -> frozenset[str]:
    """Names of the query parameters declared as lists (the only ones that may be given more than once)."""
    names = {
        f.alias for f in dependant.query_params if get_origin(f.field_info.annotation) in (list, tuple, set)
    }
    for sub in dependant.dependencies:
        names |= repeatable_query_names(sub)
    return frozenset(names)


class StrictQueryRoute(APIRoute):
    """An ``APIRoute`` that answers 422 for a query parameter its endpoint does not declare, for a scalar
    parameter given more than once, for a query that is not UTF-8, and for a request body sent to an
    endpoint that takes none."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        allowed = declared_query_names(self.dependant)
        repeatable = repeatable_query_names(self.dependant)
        takes_body = bool(self.dependant.body_params)
        takes = ", ".join(sorted(allowed)) or "no query parameters"

        async def strict_handler(request: Request) -> Response:
            problems = []
            query = request.query_params
            for name in query:  # distinct names
                if "\ufffd" in name or any("\ufffd" in v for v in query.getlist(name)):
                    # A percent-escape that is no UTF-8 (%ff) is decoded to U+FFFD, which no valid value holds.
                    msg = "not valid UTF-8: percent-escapes must encode UTF-8 (e.g. %E6%B2%AA for 沪)"
                    problems.append(_problem("utf8", ("query", name), msg, query[name]))
                elif name not in allowed:
                    guess = closest(name, allowed)
                    hint = f"did you mean {guess!r}? " if guess else ""
                    msg = f"unknown parameter; {hint}this endpoint takes {takes}"
                    problems.append(_problem("extra_forbidden", ("query", name), msg, query[name]))
                elif name not in repeatable and len(values := query.getlist(name)) > 1:
                    msg = f"given {len(values)} times; give it once (lists are comma-separated)"
                    problems.append(_problem("repeated", ("query", name), msg, values))
            if not takes_body and await _has_body(request):
                problems.append(
                    _problem("extra_forbidden", ("body",), "this endpoint takes no request body", None)
                )
            if problems:
                raise RequestValidationError(problems)
            return await handler(request)

        return strict_handler


def closest(name: str, allowed: frozenset[str]) -> str | None:
    """The parameter ``name`` was most likely meant to be: the same but for case, or the closest spelling
    (``start_date`` → ``start_time``, ``stock`` → ``stocks``); None when nothing is close."""
    by_case = [a for a in allowed if a.lower() == name.lower()]
    if by_case:
        return by_case[0]
    found = difflib.get_close_matches(name.lower(), sorted(allowed), n=1, cutoff=0.6)
    return found[0] if found else None


def _problem(kind: str, loc: tuple[str, ...], msg: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "loc": loc, "msg": msg, "input": value}


async def _has_body(request: Request) -> bool:
    """Whether the request carries a body with content (an empty JSON object counts as none)."""
    headers = request.headers
    if headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers:
        return False
    body = (await request.body()).strip()
    return body not in (b"", b"{}")
