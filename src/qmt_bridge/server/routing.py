"""The route class of every router: input an endpoint does not take is an error, not silently dropped.

FastAPI ignores unknown query parameters, keeps the last of a repeated one and ignores a body sent to an
endpoint that takes none. Here each would hide a mistake that changes the answer: a user who writes
``/api/sector/stocks?sector=沪深A股&date=20150105`` for ``real_timetag`` gets today's members, and
``?stocks=600519.SH&stocks=000001.SZ`` (for ``stocks=600519.SH,000001.SZ``) one stock. Such requests answer
422 ``validation_error`` naming the parameter, like any other invalid parameter; so does a JSON body with a
key given twice (the JSON parser would keep the last silently).

The API key (or signature) is checked before any of this: a caller without it learns nothing about an
endpoint's parameters from its errors.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Coroutine
from typing import Any, get_origin

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from qmt_bridge.server.errors import InvalidParameter
from qmt_bridge.server.security import require_data_auth, require_trading_auth

AUTH_CHECKS = (require_data_auth, require_trading_auth)


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


def auth_checks(dependant: Dependant) -> list[Callable[..., Any]]:
    """The auth dependencies (:data:`AUTH_CHECKS`) of an endpoint, its dependencies' included."""
    found = [sub.call for sub in dependant.dependencies if sub.call in AUTH_CHECKS]
    for sub in dependant.dependencies:
        found += auth_checks(sub)
    return found


class StrictQueryRoute(APIRoute):
    """An ``APIRoute`` that checks the caller's key first, then answers 422 for a query parameter its
    endpoint does not declare, for a scalar parameter given more than once, for a query that is not UTF-8,
    for a request body sent to an endpoint that takes none and for a key repeated in a JSON body, and 400
    for a lone surrogate (``"\\ud800"``) in a JSON body, which no text can hold."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        allowed = declared_query_names(self.dependant)
        repeatable = repeatable_query_names(self.dependant)
        takes_body = bool(self.dependant.body_params)
        takes = ", ".join(sorted(allowed)) or "no query parameters"
        checks = auth_checks(self.dependant)

        async def strict_handler(request: Request) -> Response:
            for check in checks:
                await check(request, None)
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
            elif takes_body:
                problems += body_problems(await request.body())
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


class _RepeatedKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(key)
        result[key] = value
    return result


def body_problems(body: bytes) -> list[dict[str, Any]]:
    """What is wrong with a JSON body that FastAPI would let pass: a key given twice (422, in the list
    returned). A lone surrogate raises :class:`InvalidParameter` (400) naming the field. A body that is
    not JSON at all is left to FastAPI's own error."""
    if not body.strip():
        return []
    try:
        parsed = json.loads(body, object_pairs_hook=_refuse_repeated_keys)
    except _RepeatedKey as repeated:
        msg = "given more than once in the JSON body; give each field once"
        return [_problem("repeated", ("body", repeated.key), msg, None)]
    except ValueError:  # not UTF-8, not JSON: FastAPI answers it
        return []
    if (where := _surrogate_path(parsed)) is not None:
        raise InvalidParameter(
            where or "body",
            "holds a lone surrogate (e.g. \\ud800), which is no valid Unicode text; send UTF-8 text",
            code="invalid_text",
        )
    return []


def _surrogate_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string holding a lone surrogate (a key counts as its own path)."""
    if isinstance(value, str):
        return path if _has_surrogate(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if _has_surrogate(key):  # named as escaped, since the name itself is no text
                escaped = "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in key)
                return f"{path}.{escaped}" if path else escaped
            here = f"{path}.{key}" if path else key
            if (found := _surrogate_path(item, here)) is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _surrogate_path(item, f"{path}.{index}" if path else str(index))) is not None:
                return found
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _problem(kind: str, loc: tuple[str, ...], msg: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "loc": loc, "msg": msg, "input": value}


async def _has_body(request: Request) -> bool:
    """Whether the request carries a body with content (an empty JSON object counts as none)."""
    headers = request.headers
    if headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers:
        return False
    body = (await request.body()).strip()
    return body not in (b"", b"{}")
