"""The simulator's index labels: China-time ``YYYYMMDDhhmmss`` / ``YYYYMMDD`` of ms times, as xtquant's frames."""

import datetime as dt

import numpy as np

from qmt_bridge.sim.timeparse import time_labels

CST = dt.timezone(dt.timedelta(hours=8))


def by_strftime(times, intraday):
    fmt = "%Y%m%d%H%M%S" if intraday else "%Y%m%d"
    return [dt.datetime.fromtimestamp(int(ms) / 1000, CST).strftime(fmt) for ms in times]


def test_labels_are_china_time_across_the_utc_day_boundary():
    # 15:59:59 and 16:00:00 UTC on 2026-12-31 are 23:59:59 on the 31st and 00:00:00 on 2027-01-01 in China.
    edge = int(dt.datetime(2026, 12, 31, 16, tzinfo=dt.timezone.utc).timestamp() * 1000)
    times = np.array([edge - 1000, edge], dtype=np.int64)
    assert time_labels(times) == ["20261231235959", "20270101000000"]
    assert time_labels(times, intraday=False) == ["20261231", "20270101"]


def test_labels_match_strftime_over_a_year_of_minutes_and_days():
    start = int(dt.datetime(2025, 12, 5, 9, 30, tzinfo=CST).timestamp() * 1000)
    minutes = np.arange(start, start + 400 * 86_400_000, 7 * 60_000 + 13_000, dtype=np.int64)
    assert time_labels(minutes) == by_strftime(minutes, True)
    days = np.arange(start - 20 * 365 * 86_400_000, start, 86_400_000, dtype=np.int64)
    assert time_labels(days, intraday=False) == by_strftime(days, False)


def test_no_times_no_labels():
    assert time_labels(np.array([], dtype=np.int64)) == []


def test_century_leap_rules():
    days = [
        dt.datetime(y, m, d, tzinfo=CST)
        for y, m, d in ((2000, 2, 29), (2000, 3, 1), (2100, 2, 28), (2100, 3, 1))
    ]
    times = np.array([int(day.timestamp() * 1000) for day in days], dtype=np.int64)
    assert time_labels(times, intraday=False) == ["20000229", "20000301", "21000228", "21000301"]
