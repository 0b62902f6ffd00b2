"""Bars container and K-line period aggregation (hand-built bars, so expected values are known)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from qmt_bridge.sim.market.bars import (
    KLINE_FIELDS,
    KLINE_PERIODS,
    Bars,
    aggregate,
    day_start_ms,
    ms_to_date,
)
from qmt_bridge.sim.market.calendar import sse_calendar

CST = dt.timezone(dt.timedelta(hours=8))
# end minutes of an A-share day: 09:30 auction bar, 09:31..11:30, 13:01..15:00
DAY_MINUTES = [570, *range(571, 691), *range(781, 901)]


def _cst_ms(day: dt.date, hour: int, minute: int) -> int:
    return int(dt.datetime.combine(day, dt.time(hour, minute), CST).timestamp() * 1000)


def _minute_bars(day: dt.date, seed: int = 0, flag: int = 0) -> Bars:
    """241 1m bars of one day with random but valid values."""
    rng = np.random.default_rng(seed)
    n = len(DAY_MINUTES)
    close = np.round(10 + np.cumsum(rng.integers(-2, 3, n)) * 0.01, 2)
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) + 0.01 * rng.integers(0, 3, n)
    low = np.minimum(open_, close) - 0.01 * rng.integers(0, 3, n)
    return Bars(
        {
            "time": np.array([day_start_ms(day) + m * 60_000 for m in DAY_MINUTES], dtype=np.int64),
            "open": open_,
            "high": np.round(high, 2),
            "low": np.round(low, 2),
            "close": close,
            "volume": rng.integers(0, 1000, n).astype(np.int64),
            "amount": rng.integers(0, 10**6, n).astype(np.float64),
            "settelementPrice": np.zeros(n),
            "openInterest": np.arange(n, dtype=np.int64),
            "preClose": np.r_[9.9, close[:-1]],
            "suspendFlag": np.full(n, flag, dtype=np.int64),
        }
    )


def _daily_bars(days: list[dt.date], flags: list[int] | None = None) -> Bars:
    n = len(days)
    close = 10 + np.arange(n) * 0.1
    return Bars(
        {
            "time": np.array([day_start_ms(d) for d in days], dtype=np.int64),
            "open": close - 0.05,
            "high": close + 0.2,
            "low": close - 0.2,
            "close": close,
            "volume": np.arange(1, n + 1, dtype=np.int64),
            "amount": np.arange(1, n + 1, dtype=np.float64) * 1000,
            "settelementPrice": close,
            "openInterest": np.arange(n, dtype=np.int64),
            "preClose": close - 0.1,
            "suspendFlag": np.array(flags if flags is not None else [0] * n, dtype=np.int64),
        }
    )


# ------------------------------------------------------------------------------------------- Bars


def test_bars_rejects_columns_of_different_length():
    with pytest.raises(ValueError):
        Bars({"time": np.zeros(3), "close": np.zeros(2)})


def test_bars_take_tail_between_row_and_concat():
    day = dt.date(2024, 3, 1)
    bars = _minute_bars(day)
    assert len(bars) == 241 and "close" in bars and bars.fields[0] == "time"
    assert len(bars.tail(5)) == 5 and bars.tail(5)["time"][-1] == bars["time"][-1]
    assert len(bars.tail(1000)) == 241 and len(bars.tail(0)) == 0
    assert len(bars.take(bars["volume"] > 500)) == int((bars["volume"] > 500).sum())
    assert bars.take([0, 2])["close"].tolist() == [bars["close"][0], bars["close"][2]]
    morning = bars.between(_cst_ms(day, 9, 30), _cst_ms(day, 11, 30))
    assert len(morning) == 121
    row = bars.row(0)
    assert isinstance(row["time"], int) and isinstance(row["close"], float)
    both = Bars.concat([bars, _minute_bars(dt.date(2024, 3, 4))])
    assert len(both) == 482 and both.fields == bars.fields
    assert len(Bars.concat([])) == 0 and Bars.concat([]).fields == KLINE_FIELDS


def test_bars_two_dimensional_columns_follow_rows():
    bars = Bars({"time": np.arange(4), "askPrice": np.arange(20.0).reshape(4, 5)})
    assert bars.take([1, 3])["askPrice"].shape == (2, 5)
    assert Bars.concat([bars, bars])["askPrice"].shape == (8, 5)
    assert bars.row(1)["askPrice"] == [5.0, 6.0, 7.0, 8.0, 9.0]


def test_readonly_bars_refuse_writes():
    bars = _minute_bars(dt.date(2024, 3, 1)).readonly()
    with pytest.raises(ValueError):
        bars["close"][0] = 1.0


def test_time_helpers_use_china_standard_time():
    day = dt.date(2024, 3, 1)
    assert day_start_ms(day) == _cst_ms(day, 0, 0)
    assert ms_to_date(day_start_ms(day)) == day
    assert ms_to_date(_cst_ms(day, 15, 0)) == day


# ------------------------------------------------------------------------------------------- aggregation


@pytest.mark.parametrize(
    ("period", "count", "first", "last"),
    [
        ("5m", 48, (9, 35), (15, 0)),
        ("15m", 16, (9, 45), (15, 0)),
        ("30m", 8, (10, 0), (15, 0)),
        ("60m", 4, (10, 30), (15, 0)),
        ("1h", 4, (10, 30), (15, 0)),
    ],
)
def test_intraday_aggregation_counts_labels_and_exact_sums(period, count, first, last):
    day = dt.date(2024, 3, 1)
    bars = _minute_bars(day)
    out = aggregate(bars, period)
    assert len(out) == count
    assert out["time"][0] == _cst_ms(day, *first) and out["time"][-1] == _cst_ms(day, *last)
    assert out["volume"].sum() == bars["volume"].sum()
    assert out["amount"].sum() == bars["amount"].sum()
    assert out["open"][0] == bars["open"][0] and out["close"][-1] == bars["close"][-1]
    assert out["high"].max() == bars["high"].max() and out["low"].min() == bars["low"].min()
    assert out["preClose"][0] == bars["preClose"][0]


def test_auction_bar_folds_into_first_five_minute_bar():
    day = dt.date(2024, 3, 1)
    bars = _minute_bars(day)
    out = aggregate(bars, "5m")
    first6 = bars.take(slice(0, 6))  # 09:30 auction + 09:31..09:35
    assert out["volume"][0] == first6["volume"].sum()
    assert out["open"][0] == first6["open"][0]
    assert out["close"][0] == first6["close"][-1]
    assert out["high"][0] == first6["high"].max() and out["low"][0] == first6["low"].min()
    assert out["openInterest"][0] == first6["openInterest"][-1]
    # the afternoon starts with 13:05 = 13:01..13:05
    pm = int(np.flatnonzero(out["time"] == _cst_ms(day, 13, 5))[0])
    assert pm == 24
    assert out["volume"][pm] == bars.take(slice(121, 126))["volume"].sum()


def test_one_minute_to_day_and_multi_day_intraday():
    days = [dt.date(2024, 3, 1), dt.date(2024, 3, 4)]
    bars = Bars.concat([_minute_bars(d, seed=i) for i, d in enumerate(days)])
    daily = aggregate(bars, "1d")
    assert daily["time"].tolist() == [day_start_ms(d) for d in days]
    assert daily["volume"].tolist() == [
        int(bars["volume"][:241].sum()),
        int(bars["volume"][241:].sum()),
    ]
    assert len(aggregate(bars, "30m")) == 16
    assert aggregate(bars, "1m") is bars


def test_amounts_in_cents_add_up_exactly_in_every_period():
    days = [dt.date(2024, 3, 1), dt.date(2024, 3, 4)]
    parts = []
    for i, d in enumerate(days):
        bars = _minute_bars(d, seed=i)
        cents = np.random.default_rng(i).integers(0, 10**9, 241)
        parts.append(Bars({**bars.columns, "amount": cents / 100.0}))
    bars = Bars.concat(parts)
    cents = np.round(bars["amount"] * 100.0).astype(np.int64)
    exact = [cents[:241].sum() / 100.0, cents[241:].sum() / 100.0]  # the doubles nearest the true sums
    drift = [float(np.cumsum(bars["amount"][:241])[-1]), float(np.cumsum(bars["amount"][241:])[-1])]
    assert drift != exact  # adding the doubles one by one drifts off
    for period in ("1m", "5m", "15m", "30m", "60m", "1d"):
        out = aggregate(bars, period)
        day = aggregate(out, "1d")
        assert day["amount"].tolist() == exact, period
        np.testing.assert_array_equal(np.round(out["amount"] * 100.0) / 100.0, out["amount"])
    # whole yuan stay exact beyond 2**53 cents; amounts that are not whole cents are added as floats
    days = sse_calendar().between(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    big = _daily_bars(days)
    big = Bars({**big.columns, "amount": np.full(len(days), 1.5e12 + 1.0)})
    assert aggregate(big, "1y")["amount"][0] == len(days) * (15 * 10**11 + 1)  # 3.6e16 cents
    odd = Bars({**big.columns, "amount": np.full(len(days), 0.125)})
    assert aggregate(odd, "1y")["amount"][0] == len(days) * 0.125


def test_weekly_and_monthly_labels_are_last_trading_day_with_data():
    cal = sse_calendar()
    days = cal.between(dt.date(2024, 9, 23), dt.date(2024, 10, 31))  # spans the National Day week
    out = aggregate(_daily_bars(days), "1w")
    labels = [ms_to_date(int(t)) for t in out["time"]]
    assert labels == [
        dt.date(2024, 9, 27),
        dt.date(2024, 9, 30),
        dt.date(2024, 10, 11),
        dt.date(2024, 10, 18),
        dt.date(2024, 10, 25),
        dt.date(2024, 10, 31),
    ]
    assert out["volume"].sum() == sum(range(1, len(days) + 1))
    months = aggregate(_daily_bars(days), "1mon")
    assert [ms_to_date(int(t)) for t in months["time"]] == [dt.date(2024, 9, 30), dt.date(2024, 10, 31)]
    september = [d for d in days if d.month == 9]
    assert months["open"][0] == 10 - 0.05 and months["close"][0] == pytest.approx(
        10 + (len(september) - 1) * 0.1
    )


@pytest.mark.parametrize(("period", "count"), [("1q", 8), ("1hy", 4), ("1y", 2)])
def test_quarter_half_year_and_year(period, count):
    cal = sse_calendar()
    days = cal.between(dt.date(2023, 1, 1), dt.date(2024, 12, 31))
    out = aggregate(_daily_bars(days), period)
    assert len(out) == count
    assert ms_to_date(int(out["time"][-1])) == days[-1]
    assert out["volume"].sum() == sum(range(1, len(days) + 1))


def test_suspend_flag_of_aggregates():
    cal = sse_calendar()
    days = cal.between(dt.date(2024, 4, 8), dt.date(2024, 4, 26))  # three full weeks
    flags = [1] * 5 + [1, -1, 0, 0, 0] + [0] * 5
    out = aggregate(_daily_bars(days, flags), "1w")
    assert out["suspendFlag"].tolist() == [1, -1, 0]


def test_aggregate_rejects_unknown_and_impossible_periods():
    bars = _daily_bars([dt.date(2024, 3, 1)])
    with pytest.raises(ValueError):
        aggregate(bars, "2d")
    with pytest.raises(ValueError):
        aggregate(bars, "5m")
    assert set(KLINE_PERIODS) >= {"1m", "1h", "1d", "1w", "1mon", "1q", "1hy", "1y"}
    assert len(aggregate(Bars.empty(), "1w")) == 0
