"""The client and the server describe the same API, checked in one place.

The server's routes come from the app's own OpenAPI schema (paths × methods); the client's calls come from
the source of its mixin modules, parsed with :mod:`ast`: every ``self._request("METHOD", "/path", ...)``.
Every route needs a client call, every client call a route with that method, and each mixin module maps to
router tags: one module per tag, ``funds`` for both ``etf`` and ``cb``. Query parameter and JSON body keys
written as dict literals must be ones the operation declares.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import qmt_bridge.client as client_package
from qmt_bridge import QMTClient

CLIENT_DIR = Path(client_package.__file__).parent
#: Modules of the client package that are not mixins (no ``_request`` calls of their own, or the transport).
#: ``trader`` is seed 001's calls built on ``trading``'s; ``symbols`` its code helpers.
NOT_MIXINS = frozenset(
    {"__init__", "arrow", "base", "errors", "frames", "realtime", "trade_stream", "trader", "symbols"}
)
#: Mixin modules whose name is not the tag of their router(s).
MODULE_TAGS = {
    "funds": frozenset({"etf", "cb"}),
    "compat": frozenset({"compat (qmt-bridge 2.1.3)"}),
    "trading_calls": frozenset({"trading"}),
    "smart_algo": frozenset({"trading"}),
    "transfers": frozenset({"fund", "bank"}),
}
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class ClientCall:
    module: str
    line: int
    method: str
    path: str
    #: Keys of ``params=`` (a dict literal, or the dict literal a module-level helper returns), else None.
    params: frozenset[str] | None
    #: Keys of ``json=`` when it is a dict literal (or a helper's, or a list comprehension of either), else None.
    body: frozenset[str] | None


def _mixin_modules() -> list[Path]:
    return sorted(p for p in CLIENT_DIR.glob("*.py") if p.stem not in NOT_MIXINS)


def _dict_keys(node: ast.AST | None, helpers: dict[str, ast.Dict]) -> frozenset[str] | None:
    if isinstance(node, ast.ListComp):  # a JSON array of objects
        node = node.elt
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in helpers:
        node = helpers[node.func.id]
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.keys):
        return frozenset(str(k.value) for k in node.keys if isinstance(k, ast.Constant))
    return None


def _returned_dicts(tree: ast.Module) -> dict[str, ast.Dict]:
    """Module-level helpers that build query parameters: ``def f(...): return {...}``."""
    helpers = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            returns = [n.value for n in ast.walk(node) if isinstance(n, ast.Return)]
            if len(returns) == 1 and isinstance(returns[0], ast.Dict):
                helpers[node.name] = returns[0]
    return helpers


def _request_calls(path: Path) -> Iterator[ast.Call]:
    """``self._request("METHOD", "/path", ...)`` calls, and ``self._bulk_frames("/path", params)`` ones
    (a GET) rewritten to that shape."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr == "_request":
            yield node
        elif node.func.attr == "_bulk_frames":
            params = [ast.keyword(arg="params", value=node.args[1])] if len(node.args) > 1 else []
            call = ast.Call(func=node.func, args=[ast.Constant("GET"), node.args[0]], keywords=params)
            yield ast.copy_location(call, node)


def _literal(node: ast.AST) -> str | None:
    """A string constant, or an f-string whose fields are plain names (``f"/api/x/{order_id}"`` → the route
    template ``"/api/x/{order_id}"``: the name is the route's path parameter); else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(str(part.value))
            elif (
                isinstance(part, ast.FormattedValue)
                and isinstance(part.value, ast.Name)
                and part.conversion == -1
            ):
                parts.append("{" + part.value.id + "}")
            else:
                return None
        return "".join(parts)
    return None


def _client_calls() -> list[ClientCall]:
    calls = []
    for path in _mixin_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = _returned_dicts(tree)
        for node in _request_calls(path):
            method, route = (_literal(arg) for arg in node.args[:2])
            keywords = {k.arg: k.value for k in node.keywords}
            calls.append(
                ClientCall(
                    module=path.stem,
                    line=node.lineno,
                    method=str(method),
                    path=str(route),
                    params=_dict_keys(keywords.get("params"), helpers),
                    body=_dict_keys(keywords.get("json"), helpers),
                )
            )
    return calls


def _app_routes() -> list[Any]:
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    return list(create_app(Settings(_env_file=None, backend="sim")).routes)


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    return create_app(Settings(_env_file=None, backend="sim")).openapi()


@pytest.fixture(scope="module")
def operations(openapi: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """``{(METHOD, path): operation}`` of every route the server serves, /api/meta/health included."""
    return {
        (method.upper(), path): operation
        for path, by_method in openapi["paths"].items()
        for method, operation in by_method.items()
    }


@pytest.fixture(scope="module")
def calls() -> list[ClientCall]:
    return _client_calls()


def _where(call: ClientCall) -> str:
    return f"client/{call.module}.py:{call.line}"


def test_every_request_names_its_method_and_path_literally() -> None:
    bad = []
    for path in _mixin_modules():
        for node in _request_calls(path):
            args = node.args[:2]
            method, route = (_literal(a) for a in args) if len(args) == 2 else (None, None)
            if method not in METHODS or route is None or not route.startswith("/api/"):
                bad.append(f"client/{path.stem}.py:{node.lineno}")
    assert bad == []


def test_the_parser_sees_the_client(calls: list[ClientCall]) -> None:
    # Guards against a parser that silently finds nothing: the client has 89 calls.
    assert len(calls) >= 80
    assert {call.module for call in calls} == {p.stem for p in _mixin_modules()}


def test_every_server_route_has_a_client_call(calls: list[ClientCall], operations: dict) -> None:
    """Routes that are qmt-bridge 2.1.3's second name of one of ours (``routers/compat.py``) count as called
    when their first name is: our client's method for that operation keeps its own path."""
    from qmt_bridge.server.routers.compat import ALIASES, ONLY_FOR_2_1_3

    assert ("GET", "/api/meta/health") in operations
    called = {(call.method, call.path) for call in calls}
    second_names = {(method, path) for method, path, _ in ALIASES}
    assert sorted(set(operations) - called - second_names - ONLY_FOR_2_1_3) == []
    first_names = {
        (method, route.path)
        for route in _app_routes()
        for method in getattr(route, "methods", ()) or ()
        if any(route.endpoint is endpoint for _, _, endpoint in ALIASES)
        and route.path not in {p for _, p, _ in ALIASES}
    }
    assert first_names and first_names <= called


def test_every_client_call_is_served_with_the_same_method(calls: list[ClientCall], operations: dict) -> None:
    unserved = [f"{_where(c)}: {c.method} {c.path}" for c in calls if (c.method, c.path) not in operations]
    assert unserved == []


def test_each_mixin_module_is_the_client_of_its_router_tags(
    calls: list[ClientCall], operations: dict
) -> None:
    tags_of_module: dict[str, set[str]] = defaultdict(set)
    for call in calls:
        operation = operations.get((call.method, call.path))
        if operation is not None:
            tags_of_module[call.module].update(operation.get("tags", []))
    for module, tags in tags_of_module.items():
        assert tags == set(MODULE_TAGS.get(module, {module})), (
            f"client/{module}.py calls routes tagged {tags}"
        )
    all_tags = {tag for operation in operations.values() for tag in operation.get("tags", [])}
    assert all_tags == set().union(*tags_of_module.values()), "a router tag has no client module"


def test_every_mixin_module_is_part_of_qmt_client() -> None:
    import importlib

    bases = set(QMTClient.__mro__)
    for path in _mixin_modules():
        module = importlib.import_module(f"qmt_bridge.client.{path.stem}")
        mixins = [getattr(module, name) for name in module.__all__ if name.endswith("Mixin")]
        assert len(mixins) == 1, f"client/{path.stem}.py should export exactly one mixin"
        assert mixins[0] in bases, f"{mixins[0].__name__} is not a base of QMTClient"


def test_query_parameters_are_ones_the_route_declares(calls: list[ClientCall], operations: dict) -> None:
    wrong = []
    for call in calls:
        operation = operations.get((call.method, call.path))
        if operation is None or call.params is None:
            continue
        declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        unknown = call.params - declared
        if unknown:
            wrong.append(f"{_where(call)}: {call.method} {call.path} has no parameter(s) {sorted(unknown)}")
    assert wrong == []


def _body_properties(openapi: dict[str, Any], operation: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(properties, required) of an operation's JSON body, resolving one ``$ref``; pydantic's validation
    aliases (``stock_list`` for ``stocks``) are not in the schema, the field names are. An array body is
    described by its items; an optional body (``anyOf`` a model and null) by its model."""
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if schema.get("type") == "array":
        schema = schema["items"]
    refs = [s for s in schema.get("anyOf", []) if "$ref" in s]
    if len(refs) == 1:
        schema = refs[0]
    if "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return set(schema.get("properties", {})), set(schema.get("required", []))


def test_json_bodies_match_the_request_models(
    calls: list[ClientCall], operations: dict, openapi: dict[str, Any]
) -> None:
    wrong = []
    for call in calls:
        operation = operations.get((call.method, call.path))
        if operation is None:
            continue
        if "requestBody" not in operation:
            if call.body is not None:
                wrong.append(f"{_where(call)}: {call.path} takes no body")
            continue
        if call.body is None:
            wrong.append(f"{_where(call)}: {call.path} needs a dict-literal json= body")
            continue
        properties, required = _body_properties(openapi, operation)
        if call.body - properties or required - call.body:
            wrong.append(f"{_where(call)}: body {sorted(call.body)} vs model {sorted(properties)}")
    assert wrong == []
