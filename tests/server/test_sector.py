"""/api/sector/* (read side): names, members now and on past dates, metadata."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import assert_error
from qmt_bridge.sim.clock import CST


def _get(api, url: str, **params) -> dict:
    r = api.get(url, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def _members(api, sector: str, real_timetag: str = "") -> list[str]:
    body = _get(api, "/api/sector/stocks", sector=sector, real_timetag=real_timetag)
    assert body["sector"] == sector and body["count"] == len(body["stocks"])
    return body["stocks"]


def test_list(api):
    sectors = _get(api, "/api/sector/list")["sectors"]
    assert {"沪深A股", "沪深300", "SW1银行", "沪深ETF", "上证A股", "深证A股"} <= set(sectors)
    assert len(sectors) == len(set(sectors))


def test_a_shares_today(api):
    stocks = _members(api, "沪深A股")
    assert len(stocks) > 3000
    assert {"600519.SH", "000001.SZ"} <= set(stocks)
    assert all(code.endswith((".SH", ".SZ")) for code in stocks)
    assert len(stocks) == len(set(stocks))
    sh, sz = _members(api, "上证A股"), _members(api, "深证A股")
    assert set(sh) | set(sz) == set(stocks)


def test_sw1_bank(api):
    banks = _members(api, "SW1银行")
    assert {"000001.SZ", "600036.SH"} <= set(banks)
    assert "600519.SH" not in banks


def test_historical_a_shares_exclude_later_listings(api):
    today = _members(api, "沪深A股")
    then = _members(api, "沪深A股", "20200102")
    assert 1000 < len(then) < len(today)
    assert "600519.SH" in then and "000001.SZ" in then
    ipos = _get(api, "/api/instrument/ipo_info", start_time="20230101", end_time="20231231")["data"]
    listed_2023 = [row["securityCode"] for row in ipos if row["securityCode"] in today]
    assert listed_2023, "some 2023 listings are A-shares today"
    assert not set(listed_2023) & set(then)


def test_real_timetag_as_milliseconds(api):
    ms = int(dt.datetime(2020, 1, 2, tzinfo=CST).timestamp() * 1000)
    assert _members(api, "沪深A股", str(ms)) == _members(api, "沪深A股", "20200102")


def test_csi300_has_300_members_then_and_now(api):
    now = _members(api, "沪深300")
    then = _members(api, "沪深300", "20200102")
    assert len(now) == len(then) == 300
    assert set(now) != set(then)  # the index is rebalanced


def test_info(api):
    rows = _get(api, "/api/sector/info")["data"]
    names = {row["sector"] for row in rows}
    assert {"沪深A股", "沪深300", "SW1银行"} <= names
    assert all(set(row) >= {"sector", "category"} for row in rows)
    (one,) = _get(api, "/api/sector/info", sector="沪深300")["data"]
    assert one["sector"] == "沪深300" and one["category"]


@pytest.mark.parametrize(
    ("url", "params", "status", "code", "param"),
    [
        ("/api/sector/stocks", {"sector": "不存在的板块"}, 404, "not_found", "sector"),
        ("/api/sector/stocks", {"sector": ""}, 400, "invalid_parameter", "sector"),
        ("/api/sector/stocks", {}, 422, "validation_error", "sector"),
        (
            "/api/sector/stocks",
            {"sector": "沪深A股", "real_timetag": "abc"},
            400,
            "invalid_parameter",
            "real_timetag",
        ),
        (
            "/api/sector/stocks",
            {"sector": "沪深A股", "real_timetag": "20201345"},
            400,
            "invalid_parameter",
            "real_timetag",
        ),
        ("/api/sector/info", {"sector": "不存在的板块"}, 404, "not_found", "sector"),
    ],
)
def test_bad_sector_input(api, url, params, status, code, param):
    assert_error(api.get(url, params=params), status, code, param)
