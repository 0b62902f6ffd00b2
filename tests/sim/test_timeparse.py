"""``parse_bound``: xtquant's time arguments (``''``, ``'YYYYMMDD'``, ``'YYYYMMDDhhmmss'``, ms numbers) as
moments, an 8-digit end covering its whole day; anything else a ValueError naming the value."""

from __future__ import annotations

import datetime as dt

import pytest

from qmt_bridge.sim.clock import CST
from qmt_bridge.sim.timeparse import parse_bound


def test_the_forms() -> None:
    assert (
        parse_bound("", end=False) is None
        and parse_bound(None, end=True) is None
        and parse_bound(-1, end=False) is None
    )
    assert parse_bound("20251114", end=False) == dt.datetime(2025, 11, 14, tzinfo=CST)
    assert parse_bound("20251114", end=True) == dt.datetime(2025, 11, 14, 23, 59, 59, 999000, tzinfo=CST)
    assert parse_bound("20251114093000", end=True) == dt.datetime(2025, 11, 14, 9, 30, tzinfo=CST)
    assert parse_bound(" 20251114 ", end=False) == dt.datetime(2025, 11, 14, tzinfo=CST)
    moment = dt.datetime(2025, 11, 14, 9, 30, tzinfo=CST)
    assert parse_bound(int(moment.timestamp() * 1000), end=False) == moment
    assert parse_bound(dt.datetime(2025, 11, 14, 9, 30), end=False) == moment  # naive = China time
    assert parse_bound("20240229", end=False).day == 29  # a leap day


@pytest.mark.parametrize(
    "value",
    [
        "20251301",
        "20250230",
        "20251114246000",
        "2025111",
        "202511140930",
        "2025-11-1",
        "2025111x",
        "２０２５１１１４",
    ],
)
def test_what_is_not_a_time(value: str) -> None:
    with pytest.raises(ValueError, match="time '"):
        parse_bound(value, end=False)
