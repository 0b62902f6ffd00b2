"""docs/api-coverage.md accounts for every xtdata function, and matches the server's routes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qmt_bridge.server.app import create_app
from qmt_bridge.server.config import Settings
from qmt_bridge.sim.data_api import SimXtData

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "api-coverage.md"
FUNCTIONS = ROOT / "tests" / "data" / "xtdata_functions_250807.txt"
ROUTE = re.compile(r"`(GET|POST|DELETE|PUT) (/[^`]*)`")


def _tables() -> list[list[list[str]]]:
    """The markdown tables of the document, as rows of cells (header and rule rows dropped)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            current = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if current is None:
            current = []
            tables.append(current)
            continue  # header
        if set(cells[0]) <= {"-"}:
            continue
        current.append(cells)
    return tables


@pytest.fixture(scope="module")
def rows() -> dict[str, tuple[list[tuple[str, str]], str]]:
    functions, _metatable, _bridge_only = _tables()
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
    _functions, _metatable, bridge_only = _tables()
    listed = {route for routes, _ in rows.values() for route in routes}
    listed |= {route for row in bridge_only for route in ROUTE.findall(row[0])}
    assert served - listed == set(), "routes missing from docs/api-coverage.md"


def test_the_simulator_implements_every_exposed_function(rows):
    exposed = [name for name, (routes, _) in rows.items() if routes]
    missing = [name for name in exposed if not callable(getattr(SimXtData, name, None))]
    assert missing == []
