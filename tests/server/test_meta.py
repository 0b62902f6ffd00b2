"""/api/meta/*: health, versions, connection, markets, periods, listings, last trade date."""

from __future__ import annotations

import pytest

from helpers import assert_error
from qmt_bridge._version import __version__


def _get(api, url: str, **params) -> dict:
    r = api.get(url, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_health(api):
    assert _get(api, "/api/meta/health") == {
        "status": "ok",
        "backend": "sim",
        "backend_state": "running",
        "backend_process": None,
        "version": __version__,
        "trading": None,
    }


def test_backend_status_in_the_servers_process(api):
    """Thread isolation: the server's own process, no restarts, the runner's calls in flight."""
    import os

    body = _get(api, "/api/meta/backend")
    assert body["isolation"] == "thread" and body["state"] == "running" and body["pid"] == os.getpid()
    assert body["restarts"] == [] and body["max_restarts_per_hour"] is None and body["reason"] is None
    assert body["uptime_seconds"] >= 0 and body["calls_in_flight"] == []


@pytest.mark.parametrize("path", ["/api/meta/health", "/api/history?stock=600519.SH&count=3"])
def test_head_answers_like_get_without_a_body(api, path):
    get, head = api.get(path), api.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["x-request-id"]


def test_head_of_a_post_only_endpoint_is_405(api):
    r = api.head("/api/sector/create")
    assert r.status_code == 405 and r.content == b""


def test_version(api):
    assert _get(api, "/api/meta/version") == {"version": __version__}


def test_xtdata_version_names_the_simulator(api):
    body = _get(api, "/api/meta/xtdata_version")
    assert body["backend"] == "sim"
    assert "sim" in body["xtdata_version"] and __version__ in body["xtdata_version"]


def test_connection_status(api):
    assert _get(api, "/api/meta/connection_status") == {"connected": True, "backend": "sim"}


def test_markets(api):
    markets = _get(api, "/api/meta/markets")["markets"]
    assert {"SH", "SZ", "BJ", "IF", "SHO"} <= set(markets)
    assert markets["SH"] == "上交所" and markets["SZ"] == "深交所" and markets["BJ"] == "北交所"


def test_period_list(api):
    periods = _get(api, "/api/meta/period_list")["periods"]
    names = [p["name"] if isinstance(p, dict) else p for p in periods]
    assert {"tick", "1m", "5m", "1d", "1w", "1mon"} <= set(names)


@pytest.mark.parametrize(("category", "minimum"), [("沪深ETF", 10), ("沪深A股", 3000), ("沪深指数", 5)])
def test_stock_list(api, category, minimum):
    body = _get(api, "/api/meta/stock_list", category=category)
    assert body["category"] == category
    assert body["count"] == len(body["stocks"]) >= minimum
    assert body["stocks"] == _get(api, "/api/sector/stocks", sector=category)["stocks"]


def test_stock_list_etfs_are_funds(api):
    stocks = _get(api, "/api/meta/stock_list", category="沪深ETF")["stocks"]
    assert "510300.SH" in stocks
    assert all(code.endswith((".SH", ".SZ")) for code in stocks)


@pytest.mark.parametrize("market", ["SH", "SZ", "sh"])
def test_last_trade_date(api, market):
    body = _get(api, "/api/meta/last_trade_date", market=market)
    assert body == {"market": market.upper(), "last_trade_date": 1763568000000, "date": "20251120"}


def test_last_trade_date_default_market(api):
    assert _get(api, "/api/meta/last_trade_date")["date"] == "20251120"


@pytest.mark.parametrize(
    ("url", "status", "code", "param"),
    [
        ("/api/meta/stock_list", 422, "validation_error", "category"),
        ("/api/meta/stock_list?category=nope", 404, "not_found", "category"),
        ("/api/meta/last_trade_date?market=XX", 400, "invalid_parameter", "market"),
    ],
)
def test_bad_meta_input(api, url, status, code, param):
    assert_error(api.get(url), status, code, param)


def test_field_list_huge_metaid_is_a_client_error(api):
    from fastapi.testclient import TestClient

    client = TestClient(api.app, raise_server_exceptions=False)  # the lifespan runs already, under `api`
    r = client.get("/api/meta/field_list", params={"metaid": 2**64})
    assert 400 <= r.status_code < 500, r.text
    assert_error(r, r.status_code, param="metaid")


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_documentation_pages_are_served(api, path):
    response = api.get(path)
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "/openapi.json" in response.text


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_documentation_pages_need_no_internet(api, path):
    """Scripts, styles and icons come from this server, so /docs works on a LAN without internet access."""
    import re

    page = api.get(path).text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets, page
    for url in assets:
        assert url.startswith("/"), f"{path} loads {url} from elsewhere"
        asset = api.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
    scripts = [url for url in assets if url.endswith(".js")]
    assert scripts and all("javascript" in api.get(url).headers["content-type"] for url in scripts)


def test_openapi_documents_every_group_with_descriptions(api):
    schema = api.get("/openapi.json").json()
    tags = {tag for ops in schema["paths"].values() for op in ops.values() for tag in op.get("tags", [])}
    expected = {"legacy", "market", "tick", "sector", "calendar", "financial", "instrument", "option"}
    assert expected | {"etf", "cb", "futures", "hk", "meta", "download"} <= tags
    undocumented = [
        f"{method.upper()} {path}"
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if not op.get("description") and not op.get("summary")
    ]
    assert undocumented == []


def test_openapi_describes_every_query_parameter(api):
    """Each query parameter of each documented operation says in /docs what it takes (format, units, default
    meaning); a parameter declared as a bare ``Query(...)`` shows there with its name only."""
    schema = api.get("/openapi.json").json()
    params = [
        (f"{method.upper()} {path}", param)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        for param in op.get("parameters", [])
        if param["in"] == "query"
    ]
    assert len(params) > 100  # the check sees the parameters
    undescribed = [
        f"{op} {param['name']}" for op, param in params if not (param.get("description") or "").strip()
    ]
    assert undescribed == []
