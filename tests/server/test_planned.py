"""Endpoints not built (qmt-bridge 2.1.3's CTP transfers, SMT, formula and tabular paths ...) answer 501 and say so."""

from __future__ import annotations

import pytest

from helpers import assert_error
from qmt_bridge.server.routers.planned import PLANNED_HTTP


@pytest.mark.parametrize(("method", "path"), list(PLANNED_HTTP))
def test_planned_http_endpoint_is_501_naming_the_feature(api, method, path):
    r = api.request(method, path, params={"account_id": "1"}, json={"stock_code": "600519.SH"})
    error = assert_error(r, 501, "not_implemented")
    assert error["message"].startswith(f"{method} {path}: ")
    assert "not built yet" in error["message"]
    assert error["details"] == {"feature": PLANNED_HTTP[(method, path)]}


def test_planned_endpoints_are_not_in_the_documented_api(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert not [path for _method, path in PLANNED_HTTP if path in paths]


@pytest.mark.parametrize(("method", "path"), list(PLANNED_HTTP))
def test_planned_http_endpoint_checks_the_api_key_first_when_one_is_set(sim_backend, method, path):
    """The seed: trading, credit and transfer endpoints require the key whenever one is set."""
    from fastapi.testclient import TestClient

    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    settings = Settings(_env_file=None, backend="sim", api_key="k", predownload=False, log_level="warning")
    with TestClient(create_app(settings, backend=sim_backend)) as client:
        assert_error(client.request(method, path), 401, "missing_api_key")
        assert_error(client.request(method, path, headers={"X-API-Key": "wrong"}), 401, "invalid_api_key")
        assert_error(client.request(method, path, headers={"X-API-Key": "k"}), 501, "not_implemented")
