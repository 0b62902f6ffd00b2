"""/api/market/*: snapshots, K-lines of every period, adjustment, filling, local cache, field-major queries."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import assert_error
from qmt_bridge.sim.clock import CST
from qmt_bridge.xtnames import KLINE_FIELDS

#: 2025-11-20 00:00 and 15:00 China time: labels of the last daily and the last intraday bar.
LAST_DAY_MS = 1763568000000
LAST_CLOSE_MS = 1763622000000
KLINE_PERIODS = ["1m", "5m", "15m", "30m", "60m", "1d", "1w", "1mon"]


def _bars(api, query: str, code: str) -> list[dict]:
    r = api.get(f"/api/market/market_data_ex?stocks={code}&{query}")
    assert r.status_code == 200, r.text
    return r.json()["data"][code]


def _day(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, CST).strftime("%Y%m%d")


def _assert_ohlc(rows: list[dict]) -> None:
    times = [row["time"] for row in rows]
    assert all(isinstance(t, int) and t > 10**12 for t in times)
    assert times == sorted(times) and len(set(times)) == len(times)
    for row in rows:
        assert (
            row["low"] <= min(row["open"], row["close"]) <= max(row["open"], row["close"]) <= row["high"]
        ), row


# ---------------------------------------------------------------- market_data_ex


@pytest.mark.parametrize("period", KLINE_PERIODS)
def test_market_data_ex_every_kline_period(api, period):
    rows = _bars(api, f"period={period}&count=6", "600519.SH")
    assert len(rows) == 6
    _assert_ohlc(rows)
    assert {"time", "open", "high", "low", "close", "volume", "amount", "preClose", "suspendFlag"} <= set(
        rows[0]
    )
    intraday = period.endswith("m") and period != "1mon"
    assert rows[-1]["time"] == (LAST_CLOSE_MS if intraday else LAST_DAY_MS)
    # Every period ends on the same last trade: the close of 2025-11-20.
    assert rows[-1]["close"] == _bars(api, "period=1d&count=1", "600519.SH")[0]["close"]


def test_market_data_ex_ticks(api):
    rows = _bars(api, "period=tick&count=20", "600519.SH")
    assert len(rows) == 20
    times = [row["time"] for row in rows]
    assert times == sorted(times) and times[-1] == LAST_CLOSE_MS
    for tick in rows:
        assert tick["low"] <= tick["lastPrice"] <= tick["high"]
        assert (
            len(tick["askPrice"]) == len(tick["bidPrice"]) == len(tick["askVol"]) == len(tick["bidVol"]) == 5
        )
    volumes = [tick["volume"] for tick in rows]
    assert volumes == sorted(volumes)  # cumulative day volume


def test_market_data_ex_several_stocks_and_fields(api):
    r = api.get("/api/market/market_data_ex?stocks=600519.SH,000001.SZ,510300.SH&fields=close,volume&count=5")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == "1d" and body["dividend_type"] == "none"
    assert list(body["data"]) == ["600519.SH", "000001.SZ", "510300.SH"]
    for rows in body["data"].values():
        assert len(rows) == 5 and list(rows[0]) == ["time", "close", "volume"]


def test_market_data_ex_columns_equal_records(api):
    url = "/api/market/market_data_ex?stocks=600519.SH&period=5m&count=48"
    records = api.get(url).json()["data"]["600519.SH"]
    columns = api.get(url + "&format=columns").json()["data"]["600519.SH"]
    assert len(columns["time"]) == 48
    assert [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ] == records


def test_intraday_time_range(api):
    rows = _bars(api, "period=1m&start_time=20251120093000&end_time=20251120094500", "600519.SH")
    assert len(rows) == 16  # 09:30 .. 09:45 inclusive
    assert rows[0]["time"] == int(dt.datetime(2025, 11, 20, 9, 30, tzinfo=CST).timestamp() * 1000)
    assert rows[-1]["time"] == int(dt.datetime(2025, 11, 20, 9, 45, tzinfo=CST).timestamp() * 1000)


def test_intraday_bars_aggregate_to_the_daily_bar(api):
    day = _bars(api, "period=1d&start_time=20251119&end_time=20251119", "600519.SH")
    assert len(day) == 1
    daily = day[0]
    for period, n in (("5m", 48), ("1m", 241)):
        bars = _bars(api, f"period={period}&start_time=20251119&end_time=20251119", "600519.SH")
        assert len(bars) == n
        assert sum(b["volume"] for b in bars) == daily["volume"]
        assert max(b["high"] for b in bars) == daily["high"]
        assert min(b["low"] for b in bars) == daily["low"]
        assert bars[0]["open"] == daily["open"]
        assert bars[-1]["close"] == daily["close"]


def test_weekly_bar_aggregates_its_days(api):
    week = _bars(api, "period=1w&count=1", "600519.SH")[0]
    days = _bars(api, "period=1d&start_time=20251117&end_time=20251120", "600519.SH")
    assert len(days) == 4  # Monday .. Thursday (frozen after Thursday's close)
    assert week["volume"] == sum(d["volume"] for d in days)
    assert week["open"] == days[0]["open"] and week["close"] == days[-1]["close"]
    assert week["high"] == max(d["high"] for d in days)


def test_future_range_is_empty(api):
    assert _bars(api, "start_time=20251121", "600519.SH") == []


# ---------------------------------------------------------------- adjustment (除权)


@pytest.fixture(scope="module")
def moutai_factors(api) -> list[dict]:
    r = api.get("/api/market/divid_factors?stock=600519.SH")
    assert r.status_code == 200, r.text
    return r.json()["data"]


def test_divid_factors(api, moutai_factors):
    assert len(moutai_factors) >= 5
    times = [f["time"] for f in moutai_factors]
    assert times == sorted(times) and times[-1] <= LAST_DAY_MS
    for f in moutai_factors:
        assert {"interest", "stockBonus", "stockGift", "allotNum", "allotPrice", "dr"} <= set(f)
        assert f["dr"] >= 1.0
    recent = api.get("/api/market/divid_factors?stock=600519.SH&start_time=20240101&format=columns").json()[
        "data"
    ]
    assert recent["time"] == [t for t in times if t >= 1704038400000]


def test_divid_factors_of_an_index_is_empty(api):
    r = api.get("/api/market/divid_factors?stock=000300.SH")
    assert r.status_code == 200 and r.json()["data"] == []


def test_front_adjustment_matches_the_dividend_factors(api, moutai_factors):
    cash = [
        f
        for f in moutai_factors
        if f["stockBonus"] == f["stockGift"] == f["allotNum"] == 0 and f["interest"] > 0
    ]
    assert cash, "600519.SH has pure-cash dividends"
    # The formula below is exact for the latest event: no later event compounds on it.
    latest = moutai_factors[-1]
    # A precondition on the simulator's data (the formula below is that of a cash dividend or bonus shares).
    assert not latest["allotNum"], "the latest event of 600519.SH is a rights issue"
    ex_day = _day(latest["time"])
    start = (dt.datetime.strptime(ex_day, "%Y%m%d") - dt.timedelta(days=20)).strftime("%Y%m%d")
    raw = _bars(api, f"start_time={start}", "600519.SH")
    front = _bars(api, f"start_time={start}&dividend_type=front", "600519.SH")
    assert [b["time"] for b in raw] == [b["time"] for b in front]
    ex_index = next(i for i, b in enumerate(raw) if b["time"] == latest["time"])
    assert ex_index > 0
    # On and after the latest ex-date, front-adjusted = unadjusted; before it they differ.
    for a, b in zip(raw[ex_index:], front[ex_index:], strict=True):
        assert a["close"] == b["close"] and a["open"] == b["open"]
    before, before_front = raw[ex_index - 1], front[ex_index - 1]
    assert before_front["close"] != before["close"]
    expected = (before["close"] - latest["interest"]) / (1 + latest["stockBonus"] + latest["stockGift"])
    assert before_front["close"] == pytest.approx(expected, abs=0.01)
    assert all(f["close"] < r["close"] for r, f in zip(raw[:ex_index], front[:ex_index], strict=True))


def test_front_equals_none_on_the_last_bar(api):
    none = _bars(api, "count=5", "600519.SH")
    front = _bars(api, "count=5&dividend_type=front", "600519.SH")
    assert none[-1] == front[-1]


def test_back_adjustment_scales_recent_prices_up(api):
    none = _bars(api, "count=1", "600519.SH")[0]
    back = _bars(api, "count=1&dividend_type=back", "600519.SH")[0]
    assert back["time"] == none["time"]
    assert back["close"] > none["close"]


def test_the_dividend_factor_dr_is_the_previous_close_over_the_ex_rights_price(api, moutai_factors):
    """``dr`` (what the 等比 adjustments multiply by) from the unadjusted close before each ex-date."""
    closes = {b["time"]: b["close"] for b in _bars(api, "start_time=20200101&fields=close", "600519.SH")}
    times = sorted(closes)
    recent = [f for f in moutai_factors if f["time"] > times[0]]
    assert len(recent) >= 4, "600519.SH has an ex-date a year since 2020"
    for f in recent:
        pre_close = closes[max(t for t in times if t < f["time"])]
        shares = 1 + f["stockBonus"] + f["stockGift"] + f["allotNum"]
        reference = (pre_close - f["interest"] + f["allotPrice"] * f["allotNum"]) / shares
        assert f["dr"] == pytest.approx(pre_close / reference, rel=1e-9), f


@pytest.mark.parametrize("kind", ["front_ratio", "back_ratio"])
def test_ratio_adjustments_scale_by_the_dividend_factors(api, moutai_factors, kind):
    """等比复权 worked out from the unadjusted bars and the factors: front_ratio divides a bar's prices by the
    product of ``dr`` of every later ex-date; back_ratio multiplies them by that of every ex-date on or
    before the bar's day."""
    query = "start_time=20220101&fields=open,high,low,close"
    raw = _bars(api, query, "600519.SH")
    adjusted = _bars(api, f"{query}&dividend_type={kind}", "600519.SH")
    assert [b["time"] for b in adjusted] == [b["time"] for b in raw]
    assert sum(raw[0]["time"] < f["time"] for f in moutai_factors) >= 3  # the range spans ex-dates
    for r, a in zip(raw, adjusted, strict=True):
        factor = 1.0
        for f in moutai_factors:
            if kind == "front_ratio" and f["time"] > r["time"]:
                factor /= f["dr"]
            elif kind == "back_ratio" and f["time"] <= r["time"]:
                factor *= f["dr"]
        for field in ("open", "high", "low", "close"):
            assert a[field] == pytest.approx(r[field] * factor, rel=1e-9), (r["time"], field)
    differ = [a["close"] != r["close"] for r, a in zip(raw, adjusted, strict=True)]
    assert any(differ) and (kind == "back_ratio" or not differ[-1])


# ---------------------------------------------------------------- suspensions and fill_data


@pytest.fixture(scope="module")
def suspended_day(xtdata) -> tuple[str, str]:
    """A (code, YYYYMMDD) where the stock was suspended, searched among the first A-shares."""
    for code in xtdata.get_stock_list_in_sector("沪深A股")[:80]:
        frame = xtdata.get_market_data_ex(
            [], [code], period="1d", start_time="20250101", end_time="20251120"
        )[code]
        suspended = frame[frame["suspendFlag"] == 1]
        if len(suspended) and len(frame) > 1 and frame.index[0] != suspended.index[0]:
            return code, str(suspended.index[0])
    raise AssertionError("precondition: a suspended day among the first 80 A-shares in 2025")


def test_fill_data_false_gives_a_null_bar_on_a_suspended_day(api, suspended_day):
    """xtquant's docstring: with ``fill_data=False`` every field of a missing bar is NaN (null here); the
    bar keeps its time."""
    code, day = suspended_day
    unfilled = _bars(api, f"start_time={day}&end_time={day}&fill_data=false", code)
    assert len(unfilled) == 1
    bar = unfilled[0]
    assert _day(bar["time"]) == day
    assert all(value is None for field, value in bar.items() if field != "time"), bar


def test_fill_data_true_repeats_the_previous_close(api, suspended_day):
    code, day = suspended_day
    filled = _bars(api, f"end_time={day}&count=2", code)
    previous, bar = filled
    assert bar["suspendFlag"] == 1 and _day(bar["time"]) == day
    assert bar["open"] == bar["high"] == bar["low"] == bar["close"] == previous["close"]


def test_market_data_fill_data_false_also_nulls(api, suspended_day):
    code, day = suspended_day
    r = api.get(f"/api/market/market_data?stocks={code}&start_time={day}&end_time={day}&fill_data=false")
    assert r.status_code == 200, r.text
    (row,) = r.json()["data"][code]
    assert (
        row["close"] is None
        and row["volume"] is None
        and row["time"] == int(dt.datetime.strptime(day, "%Y%m%d").replace(tzinfo=CST).timestamp() * 1000)
    )


# ---------------------------------------------------------------- snapshots


def test_full_tick_five_level_book(api):
    r = api.get("/api/market/full_tick?stocks=600519.SH,000001.SZ,000001.SH")
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert set(data) == {"600519.SH", "000001.SZ", "000001.SH"}
    for tick in data.values():
        assert tick["time"] == LAST_CLOSE_MS
        for side in ("askPrice", "bidPrice", "askVol", "bidVol"):
            assert isinstance(tick[side], list) and len(tick[side]) == 5
    book = data["600519.SH"]
    assert book["bidPrice"] == sorted(book["bidPrice"], reverse=True)
    assert book["askPrice"] == sorted(book["askPrice"])
    assert book["bidPrice"][0] <= book["askPrice"][0]


def test_full_tick_market_name_expands_to_the_whole_market(api):
    r = api.get("/api/market/full_tick?stocks=SH")
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert len(data) > 1000
    assert all(code.endswith(".SH") for code in data)
    assert {"600519.SH", "000001.SH", "510300.SH"} <= set(data)


def test_indices(api):
    r = api.get("/api/market/indices")
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"000001.SH", "399001.SZ", "399006.SZ", "000300.SH"} <= set(body["indices"])
    assert set(body["data"]) == set(body["indices"])
    for tick in body["data"].values():
        assert tick["lastPrice"] > 0 and tick["time"] == LAST_CLOSE_MS


# ---------------------------------------------------------------- local_data, market_data


def test_local_data_matches_market_data_ex(api):
    query = "stocks=600519.SH,000001.SZ&period=1d&count=5"
    local = api.get(f"/api/market/local_data?{query}")
    assert local.status_code == 200, local.text
    assert local.json()["data"] == api.get(f"/api/market/market_data_ex?{query}").json()["data"]


def test_market_data_field_major_regrouped_per_stock(api):
    r = api.get("/api/market/market_data?stocks=600519.SH,000001.SZ&fields=close&count=5")
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert set(data) == {"600519.SH", "000001.SZ"}
    for code, rows in data.items():
        assert len(rows) == 5
        assert all(set(row) == {"close", "time"} for row in rows)
        ex = _bars(api, "count=5&fields=close", code)
        assert [(row["time"], row["close"]) for row in rows] == [(row["time"], row["close"]) for row in ex]


def test_market_data_default_fields_and_columns(api):
    r = api.get("/api/market/market_data?stocks=600519.SH&count=3&format=columns")
    assert r.status_code == 200, r.text
    columns = r.json()["data"]["600519.SH"]
    assert {"open", "high", "low", "close", "volume", "time"} <= set(columns)
    assert columns["time"][-1] == LAST_DAY_MS and len(columns["close"]) == 3
    assert all(isinstance(t, int) for t in columns["time"])


def test_market_data_ticks(api):
    r = api.get("/api/market/market_data?stocks=600519.SH&period=tick&count=3")
    assert r.status_code == 200, r.text
    rows = r.json()["data"]["600519.SH"]
    assert len(rows) == 3 and rows[-1]["time"] == LAST_CLOSE_MS
    # The tick arrays carry the five-level book (xtquant's askPrice/bidPrice/askVol/bidVol).
    assert len(rows[-1]["askPrice"]) == 5 and len(rows[-1]["bidVol"]) == 5
    assert rows[-1]["askPrice"][0] >= rows[-1]["bidPrice"][0] > 0


def test_market_data_empty_fields_means_every_field(api):
    """As xtquant's ``field_list=[]``: every K-line field, the same bars as get_market_data_ex."""
    r = api.get("/api/market/market_data?stocks=600519.SH&count=3&fields=")
    assert r.status_code == 200, r.text
    rows = r.json()["data"]["600519.SH"]
    assert [list(row) for row in rows] == [list(KLINE_FIELDS)] * 3
    assert all(isinstance(row["time"], int) for row in rows)
    assert rows == _bars(api, "count=3", "600519.SH")


def test_market_data_ticks_keep_only_the_asked_fields(api):
    r = api.get("/api/market/market_data?stocks=600519.SH&period=tick&count=2&fields=lastPrice,volume")
    assert r.status_code == 200, r.text
    rows = r.json()["data"]["600519.SH"]
    assert [list(row) for row in rows] == [["time", "lastPrice", "volume"]] * 2
    every = api.get("/api/market/market_data?stocks=600519.SH&period=tick&count=2").json()["data"][
        "600519.SH"
    ]
    assert {"lastPrice", "volume", "amount", "lastClose"} <= set(every[0])
    assert rows == [{k: row[k] for k in ("time", "lastPrice", "volume")} for row in every]


def test_market_data_fields_time_only(api):
    r = api.get("/api/market/market_data?stocks=600519.SH&fields=time&count=2")
    assert r.status_code == 200, r.text
    rows = r.json()["data"]["600519.SH"]
    assert [list(row) for row in rows] == [["time"], ["time"]]
    assert all(isinstance(row["time"], int) for row in rows)


# ---------------------------------------------------------------- errors specific to these routes


@pytest.mark.parametrize(
    "path",
    [
        "/api/market/market_data_ex?stocks=600519.SH&period=7m",
        "/api/market/local_data?stocks=600519.SH&period=7m",
        "/api/market/market_data?stocks=600519.SH&period=7m",
    ],
)
def test_unknown_period(api, path):
    assert_error(api.get(path), 400, "invalid_parameter", "period")


@pytest.mark.parametrize(
    "path",
    [
        "/api/market/full_tick?stocks=999999.SH",
        "/api/market/market_data_ex?stocks=600519.SH,999999.SH",
        "/api/market/local_data?stocks=999999.SH",
        "/api/market/market_data?stocks=999999.SH",
    ],
)
def test_unknown_code(api, path):
    error = assert_error(api.get(path), 404, "unknown_code", "stocks")
    assert "999999.SH" in error["message"]


#: What /api/market/full_kline serves: the intraday periods and the day (xtdata's K-line mirror).
FULL_KLINE_PERIODS = ["1m", "5m", "15m", "30m", "60m", "1h", "1d"]


@pytest.mark.parametrize("period", ["1w", "1mon", "1q", "1hy", "1y", "tick", "7m", "1D", ""])
def test_full_kline_refuses_periods_outside_its_set(api, period):
    error = assert_error(
        api.get(f"/api/market/full_kline?stocks=600519.SH&period={period}"),
        400,
        "invalid_parameter",
        "period",
    )
    assert all(allowed in error["message"] for allowed in FULL_KLINE_PERIODS)


@pytest.mark.parametrize("period", FULL_KLINE_PERIODS)
def test_full_kline_serves_each_period_of_its_set(api, period):
    r = api.get(f"/api/market/full_kline?stocks=600519.SH&period={period}&count=1")
    assert r.status_code == 200, r.text
    assert r.json()["period"] == period
    (bar,) = r.json()["data"]["600519.SH"]
    assert bar["time"] == (LAST_DAY_MS if period == "1d" else LAST_CLOSE_MS)


def test_divid_factors_unknown_and_malformed(api):
    assert_error(api.get("/api/market/divid_factors?stock=999999.SH"), 404, "unknown_code", "stock")
    assert_error(api.get("/api/market/divid_factors?stock=600519"), 400, "invalid_parameter", "stock")


def test_full_tick_unknown_market_name(api):
    assert_error(api.get("/api/market/full_tick?stocks=XX"), 400, "invalid_parameter", "stocks")


def test_bad_field_name(api):
    assert_error(api.get("/api/market/market_data?stocks=600519.SH&fields=bad-field"), 400, param="fields")


def test_the_simulator_holds_all_history_and_downloads_only_when_asked(api):
    """History on demand: the simulator's cache is complete, so ``auto`` downloads nothing; ``always``
    still runs the download it asks for."""
    params = {"stocks": "600519.SH", "period": "5m", "count": 48}
    body = api.get("/api/market/market_data_ex", params=params).json()
    assert len(body["data"]["600519.SH"]) == 48 and body["no_data"] == []
    assert body["download"] == {"mode": "auto", "downloaded": [], "seconds": None, "error": None}
    forced = api.get("/api/market/market_data_ex", params={**params, "download": "always"}).json()
    assert forced["download"]["downloaded"] == ["600519.SH"] and forced["data"] == body["data"]
