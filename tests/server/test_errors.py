"""Bad input across the routers: the one error shape, the right status and code, a message naming the parameter.

Never a 500, never a traceback in a body, and every error carries ``X-Request-ID`` equal to its ``request_id``.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest

from helpers import assert_error, serve_frozen_sim

BAD_CODES = ["600519", "abc.SH!", "000001.XX", ".SH", "600519.", "6005 19.SH"]
BAD_DATES = ["2024-13-45", "20241345", "abc", "2024010", "202401011", "20240101250000"]


def _with(route: str, **params: str) -> str:
    """``route`` (which may carry a query already) with ``params`` appended, percent-encoded."""
    return route + ("&" if "?" in route else "?") + urlencode(params)


@pytest.fixture(scope="module")
def fifty_stocks(api) -> str:
    stocks = api.get("/api/sector/stocks", params={"sector": "沪深A股"}).json()["stocks"]
    assert len(stocks) >= 50
    return ",".join(stocks[:50])


# ---------------------------------------------------------------- codes


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/history?stock=999999.SH", "stock"),
        ("/api/batch_history?stocks=600519.SH,999999.SH", "stocks"),
        ("/api/full_tick?stocks=999999.SH", "stocks"),
        ("/api/instrument_detail?stock=999999.SH", "stock"),
        ("/api/market/market_data_ex?stocks=999999.SH", "stocks"),
        ("/api/market/local_data?stocks=999999.SH", "stocks"),
        ("/api/market/market_data?stocks=999999.SH", "stocks"),
        ("/api/market/full_tick?stocks=000001.SZ,999999.SH", "stocks"),
        ("/api/market/divid_factors?stock=999999.SH", "stock"),
        ("/api/calendar/trading_period?stock=999999.SZ", "stock"),
        ("/api/instrument/type?stock=999999.SH", "stock"),
        ("/api/instrument/his_st_data?stock=999999.SH", "stock"),
    ],
)
def test_unknown_code_is_404_unknown_code(api, url, param):
    error = assert_error(api.get(url), 404, "unknown_code", param)
    assert error["details"]["param"] == param
    assert "999999." in error["message"]


@pytest.mark.parametrize("code", BAD_CODES)
@pytest.mark.parametrize(
    ("route", "param"),
    [
        ("/api/history", "stock"),
        ("/api/market/market_data_ex", "stocks"),
        ("/api/instrument/detail_list", "stocks"),
        ("/api/calendar/trading_period", "stock"),
    ],
)
def test_malformed_code_is_400(api, route, param, code):
    r = api.get(_with(route, **{param: code}))
    error = assert_error(r, 400, "invalid_parameter", param)
    assert error["details"]["param"] == param


def test_malformed_code_among_good_ones_is_named(api):
    error = assert_error(api.get("/api/market/market_data_ex?stocks=600519.SH,abc.SH!"), 400, param="stocks")
    assert "abc.SH!" in error["message"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/batch_history?stocks=",
        "/api/batch_history?stocks=,,",
        "/api/full_tick?stocks=",
        "/api/market/full_tick?stocks=",
        "/api/market/market_data_ex?stocks=",
        "/api/market/local_data?stocks= ",
        "/api/market/market_data?stocks=",
        "/api/instrument/detail_list?stocks=",
    ],
)
def test_empty_stocks_is_400(api, url):
    assert_error(api.get(url), 400, "invalid_parameter", "stocks")


# ---------------------------------------------------------------- periods, dates, counts


@pytest.mark.parametrize("period", ["7m", "1D", "", "daily", "1min"])
@pytest.mark.parametrize(
    "route", ["/api/history?stock=600519.SH", "/api/market/market_data_ex?stocks=600519.SH"]
)
def test_unknown_period_is_400(api, route, period):
    error = assert_error(api.get(_with(route, period=period)), 400, "invalid_parameter", "period")
    assert error["details"]["param"] == "period"


@pytest.mark.parametrize("value", BAD_DATES)
@pytest.mark.parametrize("param", ["start_time", "end_time"])
@pytest.mark.parametrize(
    "route",
    [
        "/api/history?stock=600519.SH",
        "/api/market/market_data?stocks=600519.SH",
        "/api/calendar/trading_dates?market=SH",
    ],
)
def test_bad_date_is_400(api, route, param, value):
    error = assert_error(api.get(_with(route, **{param: value})), 400, "invalid_parameter", param)
    assert value in error["message"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/history?stock=600519.SH&start_time=20240301&end_time=20240101",
        "/api/batch_history?stocks=600519.SH&start_time=20240301&end_time=20240229",
        "/api/market/market_data_ex?stocks=600519.SH&period=1m&start_time=20251120100000&end_time=20251120093000",
        "/api/market/divid_factors?stock=600519.SH&start_time=20240301&end_time=20240101",
        "/api/calendar/trading_calendar?start_time=20250301&end_time=20250101",
        "/api/instrument/ipo_info?start_time=20250301&end_time=20250101",
    ],
)
def test_end_before_start_is_400(api, url):
    error = assert_error(api.get(url), 400, "invalid_parameter", "end_time")
    assert "start_time" in error["message"]


def test_same_day_range_is_fine(api):
    r = api.get("/api/history?stock=600519.SH&start_time=20251120&end_time=20251120")
    assert r.status_code == 200 and len(r.json()["data"]) == 1


@pytest.mark.parametrize("count", ["-5", str(10**12), "abc", "1.5", ""])
@pytest.mark.parametrize(
    "route",
    [
        "/api/history?stock=600519.SH",
        "/api/batch_history?stocks=600519.SH",
        "/api/market/market_data_ex?stocks=600519.SH",
    ],
)
def test_bad_count_is_422(api, route, count):
    assert_error(api.get(_with(route, count=count)), 422, "validation_error", "count")


@pytest.mark.parametrize(
    "url",
    [
        "/api/history?stock=600519.SH&dividend_type=foo",
        "/api/market/market_data_ex?stocks=600519.SH&dividend_type=qfq",
        "/api/market/market_data?stocks=600519.SH&dividend_type=FRONT",
    ],
)
def test_unknown_dividend_type_is_422(api, url):
    assert_error(api.get(url), 422, "validation_error", "dividend_type")


def test_unknown_format_is_422(api):
    assert_error(api.get("/api/history?stock=600519.SH&format=csv"), 422, "validation_error", "format")


@pytest.mark.parametrize("url", ["/api/history", "/api/market/market_data_ex", "/api/sector/stocks"])
def test_missing_required_parameter_is_422(api, url):
    assert_error(api.get(url), 422, "validation_error")


def _codes(n: int) -> str:
    """``n`` distinct well-formed codes (some unknown to the simulator: detail_list maps those to null)."""
    return ",".join(f"{i:06d}.{'SH' if i % 2 else 'SZ'}" for i in range(n))


def test_at_most_6000_codes_per_request():
    """At the limit the codes pass; one more is refused, saying the limit."""
    from qmt_bridge.server.errors import InvalidParameter
    from qmt_bridge.server.params import parse_codes

    assert len(parse_codes(_codes(6000))) == 6000
    assert len(parse_codes(_codes(6000) + ",000000.SZ")) == 6000  # a repeated code counts once
    with pytest.raises(InvalidParameter, match="at most 6000 codes per request, got 6001"):
        parse_codes(_codes(6001))


def test_a_request_with_6000_codes_passes_and_6001_is_400(api):
    at_limit = api.get(f"/api/instrument/detail_list?stocks={_codes(6000)}")
    assert at_limit.status_code == 200, at_limit.text[:500]
    assert len(at_limit.json()["data"]) == 6000
    for url in (
        f"/api/instrument/detail_list?stocks={_codes(6001)}",
        f"/api/market/full_tick?stocks={_codes(6001)}",
        f"/api/market/market_data_ex?stocks={_codes(6001)}&count=1",
    ):
        error = assert_error(api.get(url), 400, "invalid_parameter", "stocks")
        assert "at most 6000 codes" in error["message"]


# ---------------------------------------------------------------- sectors, markets


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/sector/stocks", "sector"),
        ("/api/sector_stocks", "sector"),
        ("/api/sector/info", "sector"),
        ("/api/meta/stock_list", "category"),
    ],
)
def test_unknown_sector_is_404(api, url, param):
    assert_error(api.get(url, params={param: "没有这个板块"}), 404, "not_found", param)


@pytest.mark.parametrize(
    "url",
    [
        "/api/calendar/trading_dates?market=XX",
        "/api/calendar/trading_calendar?market=BJ",
        "/api/calendar/is_trading_date?market=NASDAQ&date=20250930",
        "/api/calendar/prev_trading_date?market=1&date=20250930",
        "/api/calendar/next_trading_date?market=%20&date=20250930",
        "/api/meta/last_trade_date?market=XX",
    ],
)
def test_unknown_market_is_400(api, url):
    assert_error(api.get(url), 400, "invalid_parameter", "market")


# ---------------------------------------------------------------- result size


@pytest.mark.parametrize(
    "route",
    [
        "/api/batch_history",
        "/api/market/market_data_ex",
        "/api/market/local_data",
        "/api/market/market_data",
    ],
)
def test_huge_result_is_refused(api, fifty_stocks, route):
    r = api.get(_with(route, stocks=fifty_stocks, period="1m", count="-1", start_time="20050101"))
    error = assert_error(r, 400, "result_too_large")
    assert "rows" in error["message"]


def test_a_large_count_is_capped_by_the_history_that_exists(api):
    # count is the last n bars: 3 x 1,000,000 daily bars cannot exist, the history since 2005 can.
    r = api.get("/api/market/market_data_ex?stocks=600519.SH,000001.SZ,300750.SZ&period=1d&count=1000000")
    assert r.status_code == 200, r.text
    assert 4000 < len(r.json()["data"]["600519.SH"]) < 6000


def test_huge_tick_range_is_refused(api):
    r = api.get("/api/market/market_data_ex?stocks=600519.SH&period=tick&start_time=20050101")
    assert_error(r, 400, "result_too_large")


@pytest.fixture
def row_limit(api, monkeypatch):
    """Set the server's ``max_result_rows`` for one test (read at each request)."""

    def set_limit(rows: int) -> None:
        monkeypatch.setattr(api.app.state.settings, "max_result_rows", rows)

    return set_limit


def _rows(api, codes: list[str], **params: str) -> tuple[int, dict]:
    r = api.get("/api/market/market_data_ex?" + urlencode({"stocks": ",".join(codes), **params}))
    return r.status_code, r.json()


@pytest.mark.parametrize(("codes", "count"), [(1, 1000), (2, 500), (8, 125)])
def test_a_request_capped_by_count_at_the_row_limit_passes_and_one_row_more_is_refused(
    api, row_limit, codes, count
):
    """Rows are codes x count when count caps the range: at the limit the request passes, one row past it is
    refused, whether the range is unbounded or spans twenty years of daily bars."""
    row_limit(1000)
    stocks = [
        "600519.SH",
        "000001.SZ",
        "600000.SH",
        "000002.SZ",
        "600036.SH",
        "000858.SZ",
        "601318.SH",
        "600030.SH",
    ]
    stocks = stocks[:codes]
    for extra in ({}, {"start_time": "20050101"}):
        status, body = _rows(api, stocks, period="1d", count=str(count), fields="close", **extra)
        assert status == 200, body
        assert all(len(rows) == count for rows in body["data"].values())
        status, body = _rows(api, stocks, period="1d", count=str(count + 1), fields="close", **extra)
        assert status == 400 and body["error"]["code"] == "result_too_large", body
        assert f"{codes * (count + 1):,} rows" in body["error"]["message"]


@pytest.fixture(scope="module")
def ninety_one_stocks(api) -> list[str]:
    stocks = api.get("/api/sector/stocks", params={"sector": "沪深A股"}).json()["stocks"]
    assert len(stocks) >= 91
    return stocks[:91]


def test_a_range_counts_trading_days_not_calendar_days(api, row_limit, ninety_one_stocks):
    """2025-11-03 (Monday) to 2025-11-17 (Monday): 15 calendar days, 11 trading days. 91 codes x 11 daily
    bars = 1,001 rows: passes a limit of 1,001 (counted in calendar days it would be 1,365), and is one row
    past a limit of 1,000."""
    query = {"period": "1d", "start_time": "20251103", "end_time": "20251117", "fields": "close"}
    row_limit(1001)
    status, body = _rows(api, ninety_one_stocks, **query)
    assert status == 200, body
    assert sum(len(rows) for rows in body["data"].values()) == 1001  # the estimate is the exact count
    row_limit(1000)
    status, body = _rows(api, ninety_one_stocks, **query)
    assert status == 400 and body["error"]["code"] == "result_too_large", body
    assert "1,001 rows" in body["error"]["message"]


def test_an_intraday_range_counts_bars_per_trading_day(api, row_limit):
    """One trading day of 1m bars is 241 bars (the opening auction's and 240 minutes): 5 codes = 1,205."""
    codes = ["600519.SH", "000001.SZ", "600000.SH", "000002.SZ", "600036.SH"]
    query = {"period": "1m", "start_time": "20251120", "end_time": "20251120", "fields": "close"}
    row_limit(1205)
    status, body = _rows(api, codes, **query)
    assert status == 200, body
    assert [len(rows) for rows in body["data"].values()] == [241] * 5
    row_limit(1204)
    status, body = _rows(api, codes, **query)
    assert status == 400 and body["error"]["code"] == "result_too_large", body


def test_a_working_week_of_minute_bars_is_counted_day_by_day(api, row_limit):
    """Monday 2025-11-10 to Friday 2025-11-14: five trading days of 241 1m bars = 1,205 rows for one code.
    (Scaling calendar days by 5/7 would count three days, 723 rows, and let the request past a lower limit.)"""
    query = {"period": "1m", "start_time": "20251110", "end_time": "20251114", "fields": "close"}
    row_limit(1205)
    status, body = _rows(api, ["600519.SH"], **query)
    assert status == 200, body
    assert len(body["data"]["600519.SH"]) == 1205
    row_limit(1204)
    status, body = _rows(api, ["600519.SH"], **query)
    assert status == 400 and "1,205 rows" in body["error"]["message"], body


def test_the_estimate_counts_trading_days_and_touched_periods():
    """2024 had 242 trading days (366 calendar days, 262 weekdays); it touches 53 ISO weeks (1 January was
    a Monday, 31 December a Tuesday), 12 months, 4 quarters, 2 half-years and 1 year."""
    from qmt_bridge.server.services.market_data import estimate_rows

    year = ("20240101", "20241231")
    assert estimate_rows(1, "1d", *year, -1) == 242
    assert estimate_rows(3, "1d", *year, -1) == 3 * 242
    assert estimate_rows(3, "1d", *year, 100) == 300
    assert estimate_rows(2, "5m", *year, -1) == 2 * 48 * 242
    assert [estimate_rows(1, p, *year, -1) for p in ("1w", "1mon", "1q", "1hy", "1y")] == [53, 12, 4, 2, 1]
    assert estimate_rows(1, "1d", "20251110", "20251114", -1) == 5  # Monday to Friday
    assert estimate_rows(1, "1d", "20251115", "20251116", -1) == 1  # a weekend: at least one row
    assert estimate_rows(1, "1mon", "20241231", "20250101", -1) == 2  # two days, two months


def test_a_range_outside_the_calendars_years_counts_weekdays():
    """Before 2005 and past the estimated next year the calendar has no holidays: weekdays are counted."""
    from qmt_bridge.server.services.market_data import trading_days_between

    assert trading_days_between(dt.date(2004, 12, 27), dt.date(2004, 12, 31)) == 5
    # The calendar starts on its first trading day, 2005-01-04 (Tuesday): the weekdays before it count.
    assert trading_days_between(dt.date(2004, 12, 31), dt.date(2005, 1, 4)) == 3
    assert trading_days_between(dt.date(2005, 1, 4), dt.date(2005, 1, 10)) == 5
    assert trading_days_between(dt.date(2040, 1, 2), dt.date(2040, 1, 8)) == 5  # Monday to Sunday


# ---------------------------------------------------------------- routes and methods


@pytest.mark.parametrize(
    "path", ["/api/nope", "/api/market/nope", "/api/etf/nope", "/api/trading/nope", "/nope"]
)
def test_unknown_route_is_404_route_not_found(api, path):
    error = assert_error(api.get(path), 404, "route_not_found")
    assert path in error["message"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/api/history", "GET"),
        ("DELETE", "/api/sector/list", "GET"),
        ("PUT", "/api/meta/health", "GET"),
        ("GET", "/api/download", "POST"),
    ],
)
def test_wrong_method_is_405(api, method, path, allowed):
    r = api.request(method, path)
    error = assert_error(r, 405, "method_not_allowed")
    assert allowed in r.headers["allow"]
    assert method in error["message"] and path in error["message"]


def test_a_body_that_is_not_utf8_is_400_bad_request(api):
    content = b'{"sector_name": "\xff\xfe"}'
    r = api.post("/api/sector/create", content=content, headers={"Content-Type": "application/json"})
    error = assert_error(r, 400, "bad_request")
    assert "UTF-8" in error["message"]


def test_a_body_over_the_limit_is_413_before_it_is_read(api):
    from qmt_bridge.server.app import MAX_BODY_BYTES

    content = b'{"sector_name": "' + b"a" * MAX_BODY_BYTES + b'"}'
    r = api.post("/api/sector/create", content=content, headers={"Content-Type": "application/json"})
    error = assert_error(r, 413, "body_too_large")
    assert error["details"] == {"limit": MAX_BODY_BYTES}
    assert r.headers["x-request-id"] == r.json()["request_id"]


def test_a_chunked_body_over_the_limit_is_413_once_it_passes_the_limit(tmp_path):
    """Without Content-Length the size is unknown up front; the body is refused as it passes the limit."""
    import http.client
    import json
    import urllib.parse

    from qmt_bridge.server.app import MAX_BODY_BYTES

    def chunks(total: int):
        yield b'{"sector_name": "'
        for _ in range(total // 65536):
            yield b"a" * 65536
        yield b'"}'

    with serve_frozen_sim(tmp_path) as url:
        host = urllib.parse.urlparse(url)
        for total, status in ((MAX_BODY_BYTES + 65536, 413), (65536, 400)):
            conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
            conn.request(
                "POST",
                "/api/sector/create",
                body=chunks(total),
                headers={"Content-Type": "application/json"},
                encode_chunked=True,
            )
            response = conn.getresponse()
            body = json.loads(response.read())
            conn.close()
            assert response.status == status, body
            assert response.getheader("x-request-id") == body["request_id"]
            if status == 413:
                assert body["error"]["code"] == "body_too_large"
                assert body["error"]["details"] == {"limit": MAX_BODY_BYTES}
            else:  # read whole, then refused for what it says: a sector name of 64 kB is too long
                assert body["error"]["details"] == {"param": "sector_name"}


def test_the_access_log_names_the_request_id(api, caplog):
    with caplog.at_level("INFO", logger="qmt_bridge.access"):
        r = api.get("/api/meta/version", headers={"X-Request-ID": "trace-me-42"})
    assert r.status_code == 200
    assert any("/api/meta/version 200" in m and m.endswith("trace-me-42") for m in caplog.messages)


@pytest.mark.parametrize(
    ("content", "param"),
    [
        (b"{not json", None),
        (b"[]", None),
        (b'{"period": "1d"}', "stock"),
        (b'{"stock": ["600519.SH"]}', "stock"),
        (b'{"stock": "600519.SH", "period": 5}', "period"),
    ],
)
def test_download_bad_body_is_422(api, content, param):
    r = api.post("/api/download", content=content, headers={"Content-Type": "application/json"})
    assert_error(r, 422, "validation_error", param)


@pytest.mark.parametrize(
    ("url", "param", "takes"),
    [
        ("/api/sector/stocks?sector=沪深A股&date=20150105", "date", "real_timetag, sector"),
        ("/api/market/full_tick?stock=600519.SH&stocks=600519.SH", "stock", "stocks"),
        ("/api/market/indices?stocks=600519.SH", "stocks", "no query parameters"),
        ("/api/history?stock=600519.SH&periods=1m", "periods", "period"),
    ],
)
def test_unknown_query_parameter_is_422_naming_it(api, url, param, takes):
    """A misspelt parameter would otherwise be ignored and change the answer without a word."""
    error = assert_error(api.get(url), 422, "validation_error", param)
    assert error["details"]["errors"][0]["param"] == param
    assert error["details"]["errors"][0]["in"] == "query"
    assert takes in error["message"]


@pytest.mark.parametrize(
    ("url", "param", "meant"),
    [
        ("/api/market/market_data_ex?stocks=600519.SH&start_date=20250101", "start_date", "start_time"),
        ("/api/market/market_data_ex?Stocks=600519.SH", "Stocks", "stocks"),
        ("/api/market/market_data_ex?stocks=600519.SH&peroid=1m", "peroid", "period"),
        ("/api/history?stock=600519.SH&periods=1m", "periods", "period"),
        ("/api/calendar/trading_dates?market=SH&cnt=5", "cnt", "count"),
    ],
)
def test_an_unknown_query_parameter_names_the_closest_one(api, url, param, meant):
    error = assert_error(api.get(url), 422, "validation_error", param)
    assert f"did you mean {meant!r}?" in error["message"]


def test_an_unknown_parameter_unlike_any_gets_no_guess(api):
    error = assert_error(
        api.get("/api/market/market_data_ex?stocks=600519.SH&xyz=1"), 422, "validation_error", "xyz"
    )
    assert "did you mean" not in error["message"] and "this endpoint takes count" in error["message"]


def test_every_api_route_rejects_unknown_query_parameters(api):
    from fastapi.routing import APIRoute

    from qmt_bridge.server.routers import OPEN_ROUTERS, ROUTERS, planned
    from qmt_bridge.server.routing import StrictQueryRoute

    # The planned endpoints answer 501 whatever the query (tests/server/test_planned.py).
    routers = [router for router in OPEN_ROUTERS + ROUTERS if router is not planned.router]
    routes = [route for router in routers for route in router.routes]
    assert len(routes) > 90
    assert all(isinstance(route, StrictQueryRoute) for route in routes if isinstance(route, APIRoute))


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/api/download", {"stock": "600519.SH", "periods": "1m"}, "periods"),
        ("/api/download/history_data2", {"stocks": ["600519.SH"], "start": "20240101"}, "start"),
        ("/api/sector/create_folder", {"folder_name": "f", "parent": "x"}, "parent"),
    ],
)
def test_unknown_body_field_is_422_naming_it(api, path, body, param):
    assert_error(api.post(path, json=body), 422, "validation_error", param)


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/market/full_tick?stocks=600519.SH&stocks=000001.SZ", "stocks"),
        ("/api/history?stock=600519.SH&count=1&count=5", "count"),
    ],
)
def test_a_repeated_parameter_is_422_not_last_one_wins(api, url, param):
    error = assert_error(api.get(url), 422, "validation_error", param)
    assert "given 2 times" in error["message"] and "comma-separated" in error["message"]


@pytest.mark.parametrize("body", [b'{"junk": 1}', b"[1, 2]", b"not json"])
def test_a_body_sent_to_an_endpoint_that_takes_none_is_422(api, body):
    r = api.post("/api/download/sector_data", content=body, headers={"Content-Type": "application/json"})
    error = assert_error(r, 422, "validation_error")
    assert "takes no request body" in error["message"]


@pytest.mark.parametrize("body", [b"", b"{}", b" {} "])
def test_an_empty_body_to_an_endpoint_that_takes_none_is_fine(api, body):
    r = api.post("/api/download/sector_data", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 202, r.text  # a download job started


# ---------------------------------------------------------------- never a 500, request ids

NASTY = [
    "/api/history?stock=%00",
    "/api/history?stock=" + "9" * 2000 + ".SH",
    "/api/history?stock=600519.SH&fields=%E4%B8%AD",
    "/api/history?stock=600519.SH&fields=close;drop",
    "/api/history?stock=600519.SH&start_time=99999999",
    "/api/history?stock=600519.SH&start_time=00000000",
    "/api/history?stock=600519.SH&start_time=19000101&end_time=19001231",
    "/api/history?stock=600519.SH&period=tick&count=1000000",
    "/api/history?stock=600519.SH&count=1000000",
    "/api/market/market_data_ex?stocks=600519.SH&fields=foo",
    "/api/market/market_data?stocks=600519.SH&fields=foo",
    "/api/market/market_data_ex?stocks=SH",
    "/api/market/full_tick?stocks=600519.SH,SZ.SH",
    "/api/market/divid_factors?stock=600519.SH&start_time=29990101",
    "/api/sector/stocks?sector=%FF",
    "/api/sector/stocks?sector=%E6%B2%AA%E6%B7%B1A%E8%82%A1&real_timetag=1",
    "/api/sector/stocks?sector=%E6%B2%AA%E6%B7%B1A%E8%82%A1&real_timetag=99999999999999",
    "/api/calendar/trading_dates?start_time=19000101&end_time=19001231",
    "/api/calendar/trading_dates?count=100001",
    "/api/calendar/prev_trading_date?date=19000101",
    "/api/calendar/next_trading_date?date=29991231",
    "/api/calendar/is_trading_date?date=20050101",
    "/api/instrument/ipo_info?start_time=19000101",
    "/api/instrument/detail_list?stocks=999999.SH&iscomplete=true",
    "/api/instrument/index_weight?index_code=399999.SZ",
    "/api/meta/stock_list?category=**",
]


@pytest.mark.parametrize("url", NASTY)
def test_never_a_server_error(api, url):
    r = api.get(url)
    assert r.status_code < 500, r.text
    assert "Traceback" not in r.text
    if r.status_code >= 400:
        assert_error(r, r.status_code)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/history?stock=999999.SH"),
        ("GET", "/api/history?stock=600519"),
        ("GET", "/api/history?stock=600519.SH&count=abc"),
        ("GET", "/api/nope"),
        ("POST", "/api/history"),
        ("POST", "/api/download"),
        ("GET", "/api/sector/stocks?sector=nope"),
    ],
)
def test_errors_carry_the_request_id(api, method, url):
    r = api.request(method, url)
    assert r.status_code >= 400
    request_id = r.json()["request_id"]
    assert request_id and r.headers["X-Request-ID"] == request_id
    # A client-chosen id is echoed in both places.
    r = api.request(method, url, headers={"X-Request-ID": "trace-42"})
    assert r.headers["X-Request-ID"] == "trace-42" and r.json()["request_id"] == "trace-42"


def test_successful_responses_carry_a_request_id_too(api):
    a, b = api.get("/api/meta/health"), api.get("/api/meta/health")
    assert a.headers["X-Request-ID"] and a.headers["X-Request-ID"] != b.headers["X-Request-ID"]


def test_error_shape_is_json(api):
    r = api.get("/api/history?stock=600519")
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["error"]["details"] == {"param": "stock", "value": "600519"}


# ---------------------------------------------------------------- absurd prices (were 502 overflows in the backend)


@pytest.mark.parametrize("price", ["inf", "1e308"])
def test_order_rank_non_finite_price_is_a_client_error(api, price):
    r = api.get(
        "/api/tick/order_rank",
        params={
            "stock": "000001.SZ",
            "order_time": "20251120100000",
            "order_type": "buy",
            "order_price": price,
            "order_volume": 100,
            "order_left_volume": 100,
        },
    )
    assert r.status_code in (400, 422), r.text
    assert_error(r, r.status_code, param="order_price")


@pytest.mark.parametrize("order_time", ["", "  "])
def test_order_rank_needs_an_order_time(api, order_time):
    params = {"stock": "000001.SZ", "order_time": order_time, "order_type": "buy", "order_price": 10}
    r = api.get("/api/tick/order_rank", params={**params, "order_volume": 100, "order_left_volume": 100})
    assert_error(r, 400, "invalid_parameter", "order_time")


@pytest.mark.parametrize("price", ["inf", "1e308", "1,inf"])
def test_l2thousand_queue_non_finite_price_is_a_client_error(api, price):
    r = api.get("/api/tick/l2thousand_queue", params={"stock": "000001.SZ", "price": price})
    assert_error(r, 400, "invalid_parameter", "price")


@pytest.mark.parametrize(
    ("url", "unknown"),
    [
        ("/api/market/market_data?stocks=600519.SH&fields=Close&count=2", "Close"),
        ("/api/market/market_data_ex?stocks=600519.SH&fields=close,foo&count=2", "foo"),
        ("/api/market/local_data?stocks=600519.SH&fields=closePrice&count=2", "closePrice"),
        ("/api/market/full_kline?stocks=600519.SH&fields=lastPrice", "lastPrice"),
        ("/api/history?stock=600519.SH&fields=time,Open", "Open"),
        ("/api/market/market_data_ex?stocks=600519.SH&period=tick&fields=close&count=1", "close"),
    ],
)
def test_an_unknown_field_is_400_naming_it(api, url, unknown):
    """xtquant's field names are case-sensitive and differ between K-lines and ticks; a typo must not come
    back as an empty or missing column."""
    error = assert_error(api.get(url), 400, "invalid_parameter", "fields")
    assert unknown in error["message"] and error["details"]["value"] == [unknown]


def test_full_kline_with_empty_fields_returns_every_field(api):
    from qmt_bridge.xtnames import KLINE_FIELDS

    r = api.get("/api/market/full_kline?stocks=600519.SH&fields=&count=1")
    assert r.status_code == 200, r.text
    assert list(r.json()["data"]["600519.SH"][0]) == list(KLINE_FIELDS)


def test_a_percent_escape_that_is_not_utf8_is_422(api):
    error = assert_error(api.get("/api/sector/stocks?sector=%ff%fe"), 422, "validation_error", "sector")
    assert "UTF-8" in error["message"]


def test_sector_names_are_trimmed_when_read_as_when_written(api):
    r = api.get("/api/sector/stocks", params={"sector": " 沪深A股 "})
    assert r.status_code == 200, r.text
    assert r.json()["sector"] == "沪深A股"


def test_a_date_near_the_end_of_the_calendar_says_so_once(api):
    import datetime as dt

    from qmt_bridge.sim.market.calendar import provisional_calendar

    beyond = f"{provisional_calendar().last_covered + dt.timedelta(days=1):%Y%m%d}"
    error = assert_error(
        api.get(f"/api/calendar/next_trading_date?market=SH&date={beyond}"), 400, "invalid_parameter", "date"
    )
    assert error["message"].count("past the holiday data") == 1
    assert error["details"]["value"] == beyond


# ---------------------------------------------------------------------- the error shape in OpenAPI


def test_every_api_operation_declares_the_error_statuses_with_the_one_shape(api):
    schema = api.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]  # FastAPI's 422 shape is not ours
    data = {"400", "401", "404", "422", "500", "502", "503", "504"}
    checked = 0
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            responses = operation["responses"]
            wanted = data | ({"403", "409"} if path.startswith("/api/trading/") else set())
            assert wanted <= set(responses), (path, sorted(responses))
            for status in wanted:
                ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorBody", (path, status)
            checked += 1
    assert checked > 120  # every operation of the data and trading routers


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/market/market_data_ex?stocks=600519.SH&period=7m", 400),
        ("/api/market/market_data_ex?stocks=600000.SZ", 404),
        ("/api/market/market_data_ex?stocks=600519.SH&bogus=1", 422),
        ("/api/market/market_data_ex", 422),
    ],
)
def test_real_errors_are_what_the_schema_declares(api, url, status):
    from qmt_bridge.server.error_schema import ErrorBody

    answer = api.get(url)
    assert answer.status_code == status
    ErrorBody.model_validate(answer.json())  # extra keys forbidden: exactly the declared shape
