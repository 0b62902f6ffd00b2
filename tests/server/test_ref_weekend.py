"""The reviewer's setting over HTTP: seed 20240101 on Saturday 2026-11-21 (last trading day Friday 2026-11-20,
when IF2611 expired). Risk-warning sectors against the ST history, and the futures contract list against the
last trading day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from qmt_bridge.sim.clock import CST, fixed_clock

SATURDAY = dt.datetime(2026, 11, 21, 10, 0, tzinfo=CST)


@pytest.fixture(scope="module")
def weekend_api() -> Iterator:
    from fastapi.testclient import TestClient

    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    backend = SimBackend(seed=20240101, clock=fixed_clock(SATURDAY), data_dir=None)
    backend.start()
    with TestClient(
        create_app(Settings(_env_file=None, backend="sim", sim_seed=20240101), backend)
    ) as client:
        yield client


def _get(api, url: str, **params) -> dict:
    r = api.get(url, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_st_sectors_match_his_st_data(weekend_api):
    star = _get(weekend_api, "/api/sector/stocks", sector="*ST")["stocks"]
    risk = _get(weekend_api, "/api/sector/stocks", sector="沪深风险警示")["stocks"]
    assert "002221.SZ" in star
    history = _get(weekend_api, "/api/instrument/his_st_data", stock="002221.SZ")["data"]
    assert ["20220517", "20380119"] in history["*ST"]  # still *ST: open-ended as in the wheel
    assert set(star) < set(risk)
    for code in risk:
        data = _get(weekend_api, "/api/instrument/his_st_data", stock=code)["data"]
        labels = {label for label, spans in data.items() for a, b in spans if a <= "20261121" <= b}
        assert labels == ({"*ST"} if code in star else {"ST"}), (code, data)


def test_contract_list_without_date_is_the_last_trading_days(weekend_api):
    # As the wheel: no date means get_market_last_trade_date, still Friday, when IF2611 last traded.
    listed = _get(weekend_api, "/api/futures/trading_contract_list", code_market="IF.CFE")["contracts"]
    assert "IF2611.IF" in listed and "IF2612.IF" in listed
    monday = _get(weekend_api, "/api/futures/trading_contract_list", code_market="IF.CFE", date="20261123")
    assert "IF2611.IF" not in monday["contracts"]


def test_is_stock_type_examples(weekend_api):
    for stock, tag in [
        ("600519.SH", 1),
        ("600519.SH", 365),
        ("000001.SZ", 2),
        ("IF2612.IF", 3),
        ("10004401.SHO", 8),
    ]:
        assert _get(weekend_api, "/api/instrument/is_stock_type", stock=stock, tag=tag)["result"] is True
    r = weekend_api.get("/api/instrument/is_stock_type", params={"stock": "600519.SH", "tag": 999999})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_parameter"
    assert "tag" in r.json()["error"]["message"]
