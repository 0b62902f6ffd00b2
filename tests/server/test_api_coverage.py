"""docs/api-coverage.md accounts for every xtdata function, and matches the server's routes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import markdown_tables
from qmt_bridge.server.app import create_app
from qmt_bridge.server.config import Settings
from qmt_bridge.sim.data_api import SimXtData

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "api-coverage.md"
FUNCTIONS = ROOT / "tests" / "data" / "xtdata_functions_250807.txt"
ROUTE = re.compile(r"`(GET|POST|DELETE|PUT) (/[^`]*)`")


def _tables() -> list[list[list[str]]]:
    """The markdown tables of the document, as rows of cells (header and rule rows dropped)."""
    return markdown_tables(DOC)


@pytest.fixture(scope="module")
def rows() -> dict[str, tuple[list[tuple[str, str]], str]]:
    functions, _metatable, _bridge_only, _compat = _tables()
    return {row[0].strip("`"): (ROUTE.findall(row[1]), row[2]) for row in functions}


@pytest.fixture(scope="module")
def served() -> set[tuple[str, str]]:
    schema = create_app(Settings(_env_file=None, backend="sim")).openapi()
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


def test_every_xtdata_function_is_accounted_for(rows):
    names = [line.split("(")[0] for line in FUNCTIONS.read_text().splitlines() if line.strip()]
    assert len(names) == 132
    assert sorted(rows) == sorted(names)
    for name, (routes, reason) in rows.items():
        assert routes or reason, f"{name}: neither an endpoint nor a reason"
        assert not (routes and reason), f"{name}: both an endpoint and a reason"


def test_listed_endpoints_exist(rows, served):
    for name, (routes, _reason) in rows.items():
        for route in routes:
            assert route in served, f"{name}: {route} is not a route of the server"


def test_every_route_is_listed(rows, served):
    _functions, _metatable, bridge_only, compat = _tables()
    listed = {route for routes, _ in rows.values() for route in routes}
    listed |= {route for row in bridge_only + compat for route in ROUTE.findall(row[0])}
    assert served - listed == set(), "routes missing from docs/api-coverage.md"


def test_the_simulator_implements_every_exposed_function(rows):
    exposed = [name for name, (routes, _) in rows.items() if routes]
    missing = [name for name in exposed if not callable(getattr(SimXtData, name, None))]
    assert missing == []


def test_the_2_1_3_table_is_the_compat_router():
    """Each row of the qmt-bridge 2.1.3 table is a path of ``routers/compat.py``, and each of its paths has
    a row; an alias row names the path of the same endpoint."""
    from qmt_bridge.server.routers import compat

    *_, table = _tables()
    rows = {ROUTE.findall(row[0])[0]: ROUTE.findall(row[1]) for row in table}
    paths = {(sorted(r.methods)[0], r.path) for r in compat.router.routes}
    assert set(rows) == paths
    for method, path, endpoint in compat.ALIASES:
        [(ours_method, ours_path)] = rows[(method, path)]
        assert ours_method == method and ours_path != path
        assert any(getattr(r, "endpoint", None) is endpoint and r.path == ours_path for r in _our_routes())


def _our_routes():
    return create_app(Settings(_env_file=None, backend="sim")).routes
