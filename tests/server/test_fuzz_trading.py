"""Schemathesis over the trading, credit and transfer endpoints, with trading on and the API key sent: no 5xx and the one error
shape for whatever valid or invalid orders, cancels and queries it generates, and every 2xx answer as the
document declares it (same bounds as test_fuzz).

The server runs under uvicorn in a thread (trading starts in the app's lifespan), on the simulator frozen
mid-session with paper accounts of its own (a stock and a credit account); generated orders may really be
placed there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import response_schema_conformance

from helpers import error_shape_problem, serve_in_thread, trading_app
from qmt_bridge.server.app import create_app
from qmt_bridge.server.config import Settings

KEY = "fuzz-key"
#: Every status answered, for the check that the fuzzing got past the key and the checks.
STATUSES: list[int] = []
schema = schemathesis.openapi.from_dict(
    create_app(Settings(_env_file=None, backend="sim")).openapi()
).include(path_regex="^/api/(trading|fund|bank|credit)/")


@pytest.fixture(scope="module")
def trading_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    accounts = "SIM000001,SIM800001:CREDIT"  # a credit account too, for /api/credit/*
    app = trading_app(Path(tmp_path_factory.mktemp("fuzz-trading")), KEY, trading_account_id=accounts)
    with serve_in_thread(app) as url:
        yield url


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_trading_api_properties(case: Any, trading_url: str) -> None:
    response = case.call(base_url=trading_url, headers={"X-API-Key": KEY}, timeout=30)
    status = response.status_code
    where = f"{status} for {case.as_curl_command()}\n{response.text[:500]}"
    STATUSES.append(status)
    assert status < 500, where
    if 200 <= status < 300:
        json.loads(response.content)
        case.validate_response(response, checks=[response_schema_conformance])  # as /openapi.json says
        return
    problem = error_shape_problem(response.json())
    assert problem is None, f"{problem}: {where}"


def test_the_fuzzing_reached_the_endpoints() -> None:
    """Runs after the cases above: many were answered 2xx, so the key was sent and requests got through."""
    assert len(STATUSES) >= 13 * 5
    assert sum(200 <= s < 300 for s in STATUSES) >= 13
