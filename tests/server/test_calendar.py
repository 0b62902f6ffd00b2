"""/api/calendar/*: the real SSE calendar (Spring Festival 2024, National Day 2025) through every route."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import assert_error
from qmt_bridge.sim.clock import CST

SPRING_FESTIVAL_2024 = [f"202402{d:02d}" for d in range(9, 18)]  # 2024-02-09 .. 2024-02-17
NATIONAL_DAY_2025 = [f"202510{d:02d}" for d in range(1, 9)]  # 2025-10-01 .. 2025-10-08
LAST_DAY_MS = 1763568000000  # 2025-11-20 00:00 China time


def _ms(day: str) -> int:
    return int(dt.datetime.strptime(day, "%Y%m%d").replace(tzinfo=CST).timestamp() * 1000)


def _get(api, url: str, **params) -> dict:
    r = api.get(url, params=params)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("day", ["20240208", "20240219", "20250930", "20251009", "20251120"])
def test_is_trading_date_true(api, day):
    body = _get(api, "/api/calendar/is_trading_date", date=day)
    assert body == {"market": "SH", "date": day, "is_trading": True, "estimated": False}


@pytest.mark.parametrize("day", [*SPRING_FESTIVAL_2024, *NATIONAL_DAY_2025, "20251122", "20251123"])
def test_is_trading_date_false_on_holidays_and_weekends(api, day):
    assert _get(api, "/api/calendar/is_trading_date", date=day)["is_trading"] is False


def test_is_trading_date_accepts_dashes_and_other_markets(api):
    assert _get(api, "/api/calendar/is_trading_date", date="2025-10-09", market="sz")["is_trading"] is True
    assert _get(api, "/api/calendar/is_trading_date", date="2025-10-08", market="SZ")["is_trading"] is False


def test_trading_dates_in_a_range(api):
    body = _get(api, "/api/calendar/trading_dates", market="SH", start_time="20240201", end_time="20240229")
    dates = body["dates"]
    assert body["count"] == len(dates)
    assert _ms("20240208") in dates and _ms("20240219") in dates
    assert not {_ms(d) for d in SPRING_FESTIVAL_2024} & set(dates)
    assert dates == sorted(dates) and all(isinstance(d, int) for d in dates)

    autumn = _get(api, "/api/calendar/trading_dates", market="SZ", start_time="20250925", end_time="20251010")
    assert autumn["dates"] == [
        _ms(d) for d in ("20250925", "20250926", "20250929", "20250930", "20251009", "20251010")
    ]


def test_trading_dates_all_and_count(api):
    everything = _get(api, "/api/calendar/trading_dates", market="SH")["dates"]
    assert len(everything) > 4000
    assert everything[-1] == LAST_DAY_MS  # up to the simulator's today, not beyond
    last3 = _get(api, "/api/calendar/trading_dates", market="SH", count=3)
    assert last3["dates"] == everything[-3:] and last3["count"] == 3


def test_holidays(api):
    holidays = _get(api, "/api/calendar/holidays")["holidays"]
    assert "20251001" in holidays and "20240212" in holidays
    assert "20251009" not in holidays and "20240208" not in holidays
    assert holidays == sorted(holidays) and all(len(h) == 8 and h.isdigit() for h in holidays)


def test_trading_calendar(api):
    cal = _get(api, "/api/calendar/trading_calendar", start_time="20250925", end_time="20251010")["calendar"]
    assert cal == ["20250925", "20250926", "20250929", "20250930", "20251009", "20251010"]
    feb = _get(api, "/api/calendar/trading_calendar", market="SZ", start_time="20240205", end_time="20240220")
    assert feb["market"] == "SZ"
    assert feb["calendar"] == ["20240205", "20240206", "20240207", "20240208", "20240219", "20240220"]


def test_trading_calendar_into_the_future(api):
    cal = _get(api, "/api/calendar/trading_calendar", start_time="20261201", end_time="20261231")["calendar"]
    assert cal[0] == "20261201" and cal[-1] == "20261231"
    assert len(cal) == 23
    assert all(dt.datetime.strptime(d, "%Y%m%d").weekday() < 5 for d in cal)


def test_trading_period_of_a_stock(api):
    body = _get(api, "/api/calendar/trading_period", stock="600519.SH")
    assert body["stock"] == "600519.SH"
    periods = body["periods"]
    assert periods["market"] == "SH"
    continuous = [t["time"] for t in periods["tradings"] if t["status"] == 3]
    assert [(begin[0], end[0]) for _, begin, end in continuous][0] == (93000, 113000)
    assert continuous[1][1][0] == 130000 and continuous[1][2][0] > 130000
    statuses = {t["status"] for t in periods["tradings"]}
    assert 2 in statuses  # call auction


def test_trading_period_unknown_code(api):
    assert_error(api.get("/api/calendar/trading_period?stock=999999.SH"), 404, "unknown_code", "stock")


def test_prev_trading_date(api):
    assert _get(api, "/api/calendar/prev_trading_date", date="20240219")["prev_trading_date"] == "20240208"
    assert _get(api, "/api/calendar/prev_trading_date", date="20251009")["prev_trading_date"] == "20250930"
    assert _get(api, "/api/calendar/prev_trading_date", date="20251121")["prev_trading_date"] == "20251120"
    assert _get(api, "/api/calendar/prev_trading_date", date="20050104")["prev_trading_date"] is None


def test_next_trading_date(api):
    assert _get(api, "/api/calendar/next_trading_date", date="20250930")["next_trading_date"] == "20251009"
    assert _get(api, "/api/calendar/next_trading_date", date="20240208")["next_trading_date"] == "20240219"
    # Future days come from the calendar (holidays known up to the end of the data).
    assert _get(api, "/api/calendar/next_trading_date", date="20251120")["next_trading_date"] == "20251121"


def test_prev_and_next_trading_date_default_to_the_backends_today(api):
    prev = _get(api, "/api/calendar/prev_trading_date")
    assert prev["date"] == "20251120" and prev["prev_trading_date"] == "20251119"
    nxt = _get(api, "/api/calendar/next_trading_date")
    assert nxt["date"] == "20251120" and nxt["next_trading_date"] == "20251121"


@pytest.mark.parametrize(
    ("url", "status", "param"),
    [
        ("/api/calendar/trading_dates?market=XX", 400, "market"),
        ("/api/calendar/is_trading_date?market=NOPE&date=20250930", 400, "market"),
        ("/api/calendar/prev_trading_date?market=XX&date=20250930", 400, "market"),
        ("/api/calendar/trading_calendar?market=IF", 400, "market"),
        ("/api/calendar/trading_dates?start_time=20241345", 400, "start_time"),
        ("/api/calendar/trading_dates?start_time=20250301&end_time=20250101", 400, "end_time"),
        ("/api/calendar/trading_calendar?start_time=2024-13-45", 400, "start_time"),
        ("/api/calendar/is_trading_date?date=abc", 400, "date"),
        ("/api/calendar/is_trading_date?date=20241345", 400, "date"),
        ("/api/calendar/is_trading_date", 422, "date"),
        ("/api/calendar/is_trading_date?date=20991231", 400, "date"),
        ("/api/calendar/next_trading_date?date=2024-13-45", 400, "date"),
        ("/api/calendar/trading_dates?count=-5", 422, "count"),
        ("/api/calendar/trading_period?stock=600519", 400, "stock"),
    ],
)
def test_bad_calendar_input(api, url, status, param):
    assert_error(api.get(url), status, param=param)


def test_trading_calendar_beyond_the_holiday_data_is_a_client_error(api):
    r = api.get("/api/calendar/trading_calendar?start_time=20260101&end_time=20401231")
    assert_error(r, 400, "invalid_parameter", "end_time")
