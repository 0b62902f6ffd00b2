"""The calendar across the end of the recorded holiday data (exchange-calendars records up to 2026).

A server on the live clock in December 2026 must answer for January 2027 from the simulator's estimated
holidays, and say that the answer is estimated; a server whose clock has moved into 2027 too. These are the
exact requests of the report: every one failed or answered wrongly before the fix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from helpers import assert_error
from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.market.calendar import estimated_holidays, sse_calendar

#: When the report was written: four weeks before the recorded holidays end.
DECEMBER = dt.datetime(2026, 12, 4, 15, 30, tzinfo=CST)
#: Past the recorded years: the simulator's own market runs on the estimated calendar.
JANUARY = dt.datetime(2027, 1, 5, 15, 30, tzinfo=CST)

#: The first trading days of 2027 on the estimate: 1 January (a Friday) closed, Monday 4 January open.
JANUARY_2027 = ["20270104", "20270105", "20270106", "20270107", "20270108"]


def _app(moment: dt.datetime) -> Iterator:
    from fastapi.testclient import TestClient

    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    backend = SimBackend(seed=7, clock=fixed_clock(moment))
    backend.start()
    settings = Settings(_env_file=None, backend="sim", sim_seed=7, quote_markets="BJ", predownload=False)
    with TestClient(create_app(settings, backend=backend)) as client:
        yield client


@pytest.fixture(scope="module")
def december() -> Iterator:
    yield from _app(DECEMBER)


@pytest.fixture(scope="module")
def january() -> Iterator:
    yield from _app(JANUARY)


def _get(api, url: str, **params) -> dict:
    r = api.get(url, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_recorded_data_ends_in_2026() -> None:
    """The precondition of this module: if exchange-calendars is bumped, the dates here move a year."""
    assert sse_calendar().last_covered == dt.date(2026, 12, 31)


@pytest.fixture(params=["december", "january"])
def api(request):
    return request.getfixturevalue(request.param)


def test_next_trading_date_over_new_year(api):
    body = _get(api, "/api/calendar/next_trading_date", market="SH", date="20261231")
    assert body == {"market": "SH", "date": "20261231", "next_trading_date": "20270104", "estimated": True}


def test_next_trading_date_inside_the_recorded_year_is_not_estimated(api):
    body = _get(api, "/api/calendar/next_trading_date", market="SH", date="20261230")
    assert body["next_trading_date"] == "20261231" and body["estimated"] is False


def test_prev_trading_date_back_into_the_recorded_year(api):
    body = _get(api, "/api/calendar/prev_trading_date", market="SZ", date="20270104")
    assert body["prev_trading_date"] == "20261231" and body["estimated"] is True


@pytest.mark.parametrize(
    ("day", "trading"),
    [("20270101", False), ("20270104", True), ("20270205", False), ("20270212", False), ("20270215", True)],
)
def test_is_trading_date_in_the_estimated_year(api, day, trading):
    """New Year's Day and the Spring Festival break (eve 5 February to 初七 12 February) close."""
    body = _get(api, "/api/calendar/is_trading_date", date=day)
    assert body == {"market": "SH", "date": day, "is_trading": trading, "estimated": True}


def test_is_trading_date_on_the_last_recorded_day_is_not_estimated(api):
    body = _get(api, "/api/calendar/is_trading_date", date="20261231")
    assert body["is_trading"] is True and body["estimated"] is False


def test_is_trading_date_on_the_last_estimated_day(api):
    """31 December 2027 is the last day answered: the window is cut there, not refused."""
    body = _get(api, "/api/calendar/is_trading_date", date="20271231")
    assert body == {"market": "SH", "date": "20271231", "is_trading": True, "estimated": True}


def test_a_day_past_the_estimated_year_names_the_date_and_the_end_of_the_data(api):
    r = api.get("/api/calendar/is_trading_date", params={"date": "20280103"})
    message = assert_error(r, 400, "invalid_parameter", "date")["message"]
    assert "20280103" in message and "20271231" in message
    assert "20280202" not in message  # not the internal look-ahead window's end


def test_trading_calendar_for_january_2027(api):
    body = _get(api, "/api/calendar/trading_calendar", start_time="20261228", end_time="20270108")
    assert body["calendar"] == ["20261228", "20261229", "20261230", "20261231", *JANUARY_2027]
    assert body["estimated_from"] == "20270101"


def test_trading_calendar_inside_the_recorded_years_is_not_marked(api):
    body = _get(api, "/api/calendar/trading_calendar", start_time="20261201", end_time="20261231")
    assert len(body["calendar"]) == 23 and body["estimated_from"] is None


def test_trading_calendar_for_the_whole_estimated_year(api):
    calendar = _get(api, "/api/calendar/trading_calendar", start_time="20270101", end_time="20271231")[
        "calendar"
    ]
    closed = {d.strftime("%Y%m%d") for d in estimated_holidays(2027)}
    weekdays = [
        d.strftime("%Y%m%d")
        for d in (dt.date(2027, 1, 1) + dt.timedelta(days=i) for i in range(365))
        if d.weekday() < 5
    ]
    assert calendar == [d for d in weekdays if d not in closed]


def test_trading_calendar_one_year_past_the_estimate_is_refused(api):
    r = api.get("/api/calendar/trading_calendar", params={"start_time": "20271201", "end_time": "20280105"})
    assert "20271231" in assert_error(r, 400, "invalid_parameter", "end_time")["message"]


def test_holidays_list_the_estimated_year_and_say_so(api):
    body = _get(api, "/api/calendar/holidays")
    estimated = [d.strftime("%Y%m%d") for d in estimated_holidays(2027)]
    assert body["holidays"][-len(estimated) :] == estimated
    assert "20261001" in body["holidays"] and body["estimated_from"] == "20270101"


@pytest.mark.parametrize(
    ("clock", "expected"),
    [("december", ["20261231", "20270104", "20270105", "20270106"]), ("january", ["20270106"])],
)
def test_coming_trading_calendar_into_2027(request, clock, expected):
    """compute_coming_trading_calendar starts the day after the backend's today at the earliest."""
    api = request.getfixturevalue(clock)
    body = _get(api, "/api/calendar/coming_trading_calendar", start_time="20261231", end_time="20270106")
    assert body["calendar"] == expected and body["estimated_from"] == "20270101"


def test_trading_dates_stop_at_the_backends_today(december, january):
    """``get_trading_dates`` lists days up to today only (xtquant's ``get_trading_dates_by_market``): from
    December the range is empty, from 5 January it holds the rest of December and the first two days of 2027."""
    params = {"market": "SH", "start_time": "20261220", "end_time": "20270131"}
    assert _get(december, "/api/calendar/trading_dates", **params)["dates"] == []
    dates = _get(january, "/api/calendar/trading_dates", **params)["dates"]
    days = [dt.datetime.fromtimestamp(ms / 1000, CST).strftime("%Y%m%d") for ms in dates]
    assert days == [*(f"202612{d}" for d in (21, 22, 23, 24, 25, 28, 29, 30, 31)), "20270104", "20270105"]


def test_the_real_backend_marks_nothing_as_estimated() -> None:
    from qmt_bridge.backends.xtquant import XtquantBackend

    assert XtquantBackend().holidays_estimated_from() is None
