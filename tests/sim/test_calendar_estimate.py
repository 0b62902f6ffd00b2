"""The estimate of a year's holidays that the provisional calendar closes on, checked against the years
whose arrangement was announced (what exchange-calendars records)."""

from __future__ import annotations

import datetime as dt

import pytest

from qmt_bridge.sim.market.calendar import FESTIVALS, estimated_holidays, sse_calendar


def recorded_holidays(year: int) -> set[dt.date]:
    return {d for d in sse_calendar().holidays() if d.year == year}


@pytest.mark.parametrize("year", range(2019, 2027))
def test_every_estimated_closure_was_announced(year: int) -> None:
    """New Year's Day, Labour Day and National Day (and the festivals of years in FESTIVALS) closed on
    every day the estimate says, in each year since 2019."""
    assert set(estimated_holidays(year)) <= recorded_holidays(year)


@pytest.mark.parametrize("year", [y for y in FESTIVALS if y <= sse_calendar().last_covered.year])
def test_with_its_festivals_the_estimate_finds_nearly_every_announced_closure(year: int) -> None:
    recorded = recorded_holidays(year)
    assert len(recorded - set(estimated_holidays(year))) <= 1  # 2025: 8 October, the National Day bridge


def test_2027() -> None:
    closed = {d.strftime("%m%d") for d in estimated_holidays(2027)}
    assert closed == {
        "0101",  # New Year's Day, a Friday
        *("0205", "0208", "0209", "0210", "0211", "0212"),  # Spring Festival (初一 on Saturday 6 February)
        "0405",  # 清明, a Monday
        *("0503", "0504", "0505"),  # Labour Day from Saturday 1 May
        "0609",  # 端午, a Wednesday
        "0915",  # 中秋, a Wednesday
        *("1001", "1004", "1005", "1006", "1007"),  # National Day
    }


def test_a_weekend_festival_closes_the_monday_after() -> None:
    assert dt.date(2025, 6, 2) in estimated_holidays(2025)  # 端午 on Saturday 31 May
    assert dt.date(2026, 4, 6) in estimated_holidays(2026)  # 清明 on Sunday 5 April
    assert dt.date(2026, 2, 16) in estimated_holidays(2026)  # Spring Festival eve, a Monday
