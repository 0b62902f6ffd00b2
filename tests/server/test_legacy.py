"""Legacy endpoints of qmt-bridge 1.x (``/api/history`` and friends) on the frozen simulator."""

from __future__ import annotations

from itertools import pairwise

import pytest

from helpers import assert_error

#: 2025-11-20 00:00 China time: the label of the last daily bar at AFTER_CLOSE.
LAST_DAY_MS = 1763568000000
OHLCV = ["time", "open", "high", "low", "close", "volume", "amount"]


def _assert_plausible_bars(rows: list[dict]) -> None:
    times = [row["time"] for row in rows]
    assert all(isinstance(t, int) and t > 10**12 for t in times), times[:3]
    assert times == sorted(times) and len(set(times)) == len(times)
    for row in rows:
        assert (
            row["low"] <= min(row["open"], row["close"]) <= max(row["open"], row["close"]) <= row["high"]
        ), row
        assert row["volume"] >= 0 and row["amount"] >= 0


def test_history_seed_example_has_60_daily_bars(api):
    r = api.get("/api/history?stock=000001.SZ&period=1d&count=60")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stock"] == "000001.SZ" and body["period"] == "1d" and body["count"] == 60
    rows = body["data"]
    assert len(rows) == 60
    assert list(rows[0]) == OHLCV
    _assert_plausible_bars(rows)
    assert rows[-1]["time"] == LAST_DAY_MS
    # Daily bars are one trading day apart: at least 1 day, at most a long holiday.
    gaps = [(b["time"] - a["time"]) // 86_400_000 for a, b in pairwise(rows)]
    assert min(gaps) >= 1 and max(gaps) <= 10


def test_history_columns_carry_the_same_values_as_records(api):
    url = "/api/history?stock=600519.SH&period=1d&count=20"
    records = api.get(url).json()["data"]
    columns = api.get(url + "&format=columns").json()["data"]
    assert list(columns) == OHLCV
    assert all(len(values) == 20 for values in columns.values())
    assert [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ] == records


def test_history_fields_and_lowercase_market(api):
    r = api.get("/api/history?stock=600519.sh&fields=close&count=3")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stock"] == "600519.SH"
    assert [list(row) for row in body["data"]] == [["time", "close"]] * 3


def test_history_date_range_stays_inside_it(api):
    r = api.get("/api/history?stock=600519.SH&start_time=20240102&end_time=20240105&count=-1")
    assert r.status_code == 200, r.text
    rows = r.json()["data"]
    # 2024-01-02 .. 2024-01-05 (China time) are four trading days.
    assert [row["time"] for row in rows] == [1704124800000, 1704211200000, 1704297600000, 1704384000000]


@pytest.mark.parametrize("period", ["1m", "5m", "1w"])
def test_history_other_periods(api, period):
    r = api.get(f"/api/history?stock=000001.SZ&period={period}&count=5")
    assert r.status_code == 200, r.text
    rows = r.json()["data"]
    assert len(rows) == 5
    _assert_plausible_bars(rows)


def test_batch_history_returns_each_stock(api):
    r = api.get("/api/batch_history?stocks=000001.SZ,600519.SH,000001.SZ&count=10")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stocks"] == ["000001.SZ", "600519.SH"]  # duplicates dropped, order kept
    assert set(body["data"]) == {"000001.SZ", "600519.SH"}
    single = api.get("/api/history?stock=600519.SH&count=10").json()["data"]
    assert body["data"]["600519.SH"] == single
    for rows in body["data"].values():
        assert len(rows) == 10
        _assert_plausible_bars(rows)
        assert rows[-1]["time"] == LAST_DAY_MS


def test_batch_history_columns(api):
    r = api.get("/api/batch_history?stocks=000001.SZ,600519.SH&count=4&format=columns&fields=close")
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    for code in ("000001.SZ", "600519.SH"):
        assert list(data[code]) == ["time", "close"]
        assert len(data[code]["close"]) == 4


def test_full_tick_snapshot(api):
    r = api.get("/api/full_tick?stocks=600519.SH,000001.SZ")
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert set(data) == {"600519.SH", "000001.SZ"}
    tick = data["600519.SH"]
    assert tick["low"] <= tick["lastPrice"] <= tick["high"]
    assert len(tick["askPrice"]) == len(tick["bidPrice"]) == 5
    # The snapshot after the close carries the day's last price = the daily close.
    daily = api.get("/api/history?stock=600519.SH&count=1").json()["data"][0]
    assert tick["lastPrice"] == daily["close"]


def test_sector_stocks(api):
    r = api.get("/api/sector_stocks", params={"sector": "沪深300"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["sector"] == "沪深300"
    assert len(body["stocks"]) == 300
    assert body["stocks"] == api.get("/api/sector/stocks", params={"sector": "沪深300"}).json()["stocks"]


def test_sector_stocks_unknown_sector(api):
    assert_error(api.get("/api/sector_stocks", params={"sector": "不存在的板块"}), 404, "not_found", "sector")


def test_instrument_detail(api):
    r = api.get("/api/instrument_detail?stock=600519.SH")
    assert r.status_code == 200, r.text
    detail = r.json()["detail"]
    assert detail["InstrumentID"] == "600519" and detail["ExchangeID"] == "SH"
    assert detail["InstrumentName"] == "贵州茅台"
    assert len(detail) == 31
    complete = api.get("/api/instrument_detail?stock=600519.SH&iscomplete=true").json()["detail"]
    assert set(detail) < set(complete)


def test_instrument_detail_unknown_code(api):
    assert_error(api.get("/api/instrument_detail?stock=999999.SH"), 404, "unknown_code", "stock")


def test_download(api):
    body = {"stock": "600519.SH", "period": "1d", "start_time": "20250101", "end_time": ""}
    r = api.post("/api/download", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "ok" and out["stock"] == "600519.SH" and out["period"] == "1d"
    assert "600519.SH" in out["result"]


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({}, 422, "stock"),
        ({"stock": 5}, 422, "stock"),
        ({"stock": "600519"}, 400, "stock"),
        ({"stock": "600519.SH", "period": "7m"}, 400, "period"),
        ({"stock": "600519.SH", "start_time": "2024-13-45"}, 400, "start_time"),
        ({"stock": "999999.SH"}, 404, "stock"),
    ],
)
def test_download_bad_body(api, body, status, param):
    assert_error(api.post("/api/download", json=body), status, param=param)


def test_download_not_json(api):
    r = api.post("/api/download", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_error(r, 422, "validation_error")


def test_history_unknown_code_names_the_stock_parameter(api):
    # Regression: /api/history has only a 'stock' parameter; the error must not say 'stocks'.
    error = assert_error(api.get("/api/history?stock=999999.SH"), 404, "unknown_code")
    assert error["details"]["param"] == "stock"
    assert error["message"].startswith("stock:")
