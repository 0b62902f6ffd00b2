"""Every client method against a real server: uvicorn in a thread, serving the simulator app.

Nothing is faked here: the client goes through urllib and a socket to the FastAPI app, which answers from
the deterministic simulator, frozen at the moment ``tests/conftest.py`` uses (Thursday 2025-11-20, after
the close), so that answers about "now" (the last bar, the last trading day) are known facts. One class
per mixin.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from conftest import AFTER_CLOSE  # tests/conftest.py: tests/ is on sys.path (pyproject's pythonpath)
from helpers import free_port, serve_frozen_sim, shanghai_day
from qmt_bridge import QMTClient, __version__
from qmt_bridge.client import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
)

CODE_RE = re.compile(r"^\d{6}\.(SH|SZ|BJ)$")
DAY_RE = re.compile(r"^\d{8}$")
OHLC = ("open", "high", "low", "close")
#: The servers' today: Thursday 2025-11-20, a trading day; their clock stands at 15:30, after the close.
TODAY = AFTER_CLOSE.strftime("%Y%m%d")
#: The label of the last daily bar: the Shanghai date at midnight.
LAST_BAR = pd.Timestamp(AFTER_CLOSE.date())
#: The end of the afternoon session of TODAY: the time of the closing snapshot, in ms.
CLOSE_MS = int(AFTER_CLOSE.replace(hour=15, minute=0).timestamp() * 1000)
#: The 2025 National Day holiday: 2025-10-01 (Wednesday) to 2025-10-08 (Wednesday), both closed.
NATIONAL_DAY = pd.date_range("2025-10-01", "2025-10-08")


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the shared simulator server (no API key)."""
    with serve_frozen_sim(tmp_path_factory.mktemp("bridge-data")) as url:
        yield url


@pytest.fixture(scope="session")
def client(server_url: str) -> QMTClient:
    return QMTClient(base_url=server_url, timeout=60, use_pandas=True)


@pytest.fixture(scope="session")
def plain(server_url: str) -> QMTClient:
    """A client that returns plain dicts/lists even though pandas is installed."""
    return QMTClient(base_url=server_url, timeout=60, use_pandas=False)


def assert_bars(frame: Any, rows: int) -> None:
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == rows
    assert set(OHLC) <= set(frame.columns)
    assert "time" in frame.columns
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    bars = frame.dropna(subset=list(OHLC))
    assert (bars["low"] <= bars["close"]).all() and (bars["close"] <= bars["high"]).all()
    assert (bars["low"] <= bars["open"]).all() and (bars["open"] <= bars["high"]).all()
    assert (bars["low"] > 0).all()


def assert_daily_span(frame: Any, first: str, last: Any = LAST_BAR) -> None:
    """The daily bars run from ``first`` to ``last`` and skip the National Day holiday."""
    assert frame.index[0] == pd.Timestamp(first) and frame.index[-1] == pd.Timestamp(last)
    assert not frame.index.isin(NATIONAL_DAY).any()


def assert_columns(columns: Any, rows: int) -> None:
    assert isinstance(columns, dict)
    assert set(OHLC) <= set(columns) and "time" in columns
    assert all(isinstance(values, list) and len(values) == rows for values in columns.values())
    assert columns["time"] == sorted(columns["time"])


def assert_error_shape(error: APIStatusError) -> None:
    assert error.code, "the error body should carry a machine code"
    assert error.message
    assert error.request_id


class TestLegacy:
    def test_get_history_returns_daily_bars(self, client: QMTClient) -> None:
        frame = client.get_history("000001.SZ", period="1d", count=60)
        assert_bars(frame, 60)
        # The 60 trading days up to today, across the National Day holiday.
        assert_daily_span(frame, "2025-08-21")
        # The index is the bar's Shanghai date at midnight.
        assert (frame.index == frame.index.normalize()).all()
        assert frame.index[-1] == pd.to_datetime(frame["time"].iloc[-1], unit="ms") + pd.Timedelta(hours=8)

    def test_get_history_without_pandas_returns_columns(self, plain: QMTClient) -> None:
        columns = plain.get_history("000001.SZ", count=10)
        assert_columns(columns, 10)
        assert shanghai_day(columns["time"][0]) == "20251107" and shanghai_day(columns["time"][-1]) == TODAY

    def test_get_history_time_range(self, client: QMTClient) -> None:
        frame = client.get_history("600519.SH", count=-1, start_time="20240102", end_time="20240131")
        assert len(frame) == 22  # SSE trading days in January 2024
        assert frame.index[0] == pd.Timestamp("2024-01-02") and frame.index[-1] == pd.Timestamp("2024-01-31")

    def test_get_history_fields(self, plain: QMTClient) -> None:
        columns = plain.get_history("000001.SZ", count=5, fields=["close", "volume"])
        assert {"close", "volume"} <= set(columns) and "open" not in columns

    def test_get_batch_history(self, client: QMTClient) -> None:
        frames = client.get_batch_history(["000001.SZ", "600519.SH"], count=20)
        assert set(frames) == {"000001.SZ", "600519.SH"}
        for frame in frames.values():
            assert_bars(frame, 20)
            assert_daily_span(frame, "2025-10-24")

    def test_legacy_full_tick(self, client: QMTClient) -> None:
        ticks = client.legacy_full_tick(["000001.SZ", "600519.SH"])
        assert set(ticks) == {"000001.SZ", "600519.SH"}
        assert all(tick["lastPrice"] > 0 for tick in ticks.values())
        # After the close the snapshot is the closing one.
        assert all(tick["time"] == CLOSE_MS for tick in ticks.values())

    def test_legacy_sector_stocks(self, client: QMTClient) -> None:
        stocks = client.legacy_sector_stocks("沪深A股")
        assert len(stocks) > 1000 and all(CODE_RE.match(code) for code in stocks)

    def test_legacy_instrument_detail(self, client: QMTClient) -> None:
        detail = client.legacy_instrument_detail("600519.SH")
        assert detail is not None
        assert detail["InstrumentID"] == "600519" and detail["ExchangeID"] == "SH"
        assert detail["InstrumentName"] == "贵州茅台"

    def test_legacy_download(self, client: QMTClient) -> None:
        answer = client.legacy_download("000001.SZ", period="1d", start_time="20240101", end_time="20240131")
        assert answer["status"] == "ok"
        assert answer["stock"] == "000001.SZ" and answer["period"] == "1d"
        assert answer["result"]["000001.SZ"]["end_time"] == f"{LAST_BAR.date().isoformat()}T00:00:00"

    def test_bad_code_raises_bad_request(self, client: QMTClient) -> None:
        with pytest.raises(BadRequestError) as info:
            client.get_history("NOT-A-CODE")
        assert info.value.status_code == 400
        assert_error_shape(info.value)
        assert "NOT-A-CODE" in info.value.message

    def test_bad_period_raises_bad_request(self, client: QMTClient) -> None:
        with pytest.raises(BadRequestError) as info:
            client.get_history("000001.SZ", period="7d")
        assert_error_shape(info.value)


class TestMarket:
    def test_get_full_tick(self, client: QMTClient) -> None:
        ticks = client.get_full_tick(["000001.SZ", "000001.SH"])
        assert set(ticks) == {"000001.SZ", "000001.SH"}
        for tick in ticks.values():
            assert tick["lastPrice"] > 0
            # After the close: the closing snapshot of today, in ms and as xtquant's timetag.
            assert tick["time"] == CLOSE_MS
            assert tick["timetag"] == f"{TODAY} 15:00:00.000"

    def test_get_full_tick_accepts_a_string(self, client: QMTClient) -> None:
        assert set(client.get_full_tick("600519.SH")) == {"600519.SH"}

    def test_get_market_snapshot_is_full_tick(self, client: QMTClient) -> None:
        snapshot = client.get_market_snapshot(["000001.SZ", "600519.SH"])
        assert set(snapshot) == {"000001.SZ", "600519.SH"}
        tick = snapshot["600519.SH"]
        assert len(tick["askPrice"]) == 5 and len(tick["bidVol"]) == 5

    def test_get_major_indices(self, client: QMTClient) -> None:
        indices = client.get_major_indices()
        assert "000001.SH" in indices and "399001.SZ" in indices
        assert all(tick["lastPrice"] > 0 for tick in indices.values())

    def test_get_history_ex_front_adjusted(self, client: QMTClient) -> None:
        frames = client.get_history_ex(["000001.SZ", "600519.SH"], dividend_type="front", count=60)
        assert set(frames) == {"000001.SZ", "600519.SH"}
        for frame in frames.values():
            assert_bars(frame, 60)
            assert_daily_span(frame, "2025-08-21")

    def test_get_history_ex_front_adjustment_keeps_latest_price(self, client: QMTClient) -> None:
        raw = client.get_history_ex("600519.SH", count=1, dividend_type="none")["600519.SH"]
        front = client.get_history_ex("600519.SH", count=1, dividend_type="front")["600519.SH"]
        assert raw.index.tolist() == front.index.tolist() == [LAST_BAR]
        assert front["close"].iloc[-1] == pytest.approx(raw["close"].iloc[-1])
        # Before a later dividend the two differ, so dividend_type did reach the server.
        window = {"count": -1, "start_time": "20240520", "end_time": "20240610"}
        raw = client.get_history_ex("600519.SH", dividend_type="none", **window)["600519.SH"]
        front = client.get_history_ex("600519.SH", dividend_type="front", **window)["600519.SH"]
        assert raw.index.tolist() == front.index.tolist() and len(raw) == 15
        assert (front["close"] < raw["close"]).all()

    def test_get_history_ex_minutes(self, client: QMTClient) -> None:
        frame = client.get_history_ex(["000001.SZ"], period="1m", count=240)["000001.SZ"]
        assert_bars(frame, 240)
        # 240 one-minute bars are exactly today's session: 09:31-11:30 and 13:01-15:00, labelled by their end.
        assert (frame.index.normalize() == LAST_BAR).all()
        assert frame.index[0] == LAST_BAR + pd.Timedelta("09:31:00")
        assert frame.index[119] == LAST_BAR + pd.Timedelta("11:30:00")
        assert frame.index[120] == LAST_BAR + pd.Timedelta("13:01:00")
        assert frame.index[-1] == LAST_BAR + pd.Timedelta("15:00:00")

    def test_get_history_ex_ticks(self, client: QMTClient) -> None:
        frame = client.get_history_ex("600519.SH", period="tick", count=20)["600519.SH"]
        assert len(frame) == 20 and isinstance(frame.index, pd.DatetimeIndex)
        assert frame.index.is_monotonic_increasing
        # The last 20 ticks of today's session, the closing one last.
        assert (frame.index.normalize() == LAST_BAR).all()
        assert frame.index[-1] == LAST_BAR + pd.Timedelta("15:00:00")
        assert frame["time"].iloc[-1] == CLOSE_MS
        assert {"lastPrice", "askPrice", "bidVol"} <= set(frame.columns)
        assert all(len(levels) == 5 for levels in frame["askPrice"])

    def test_get_history_ex_without_pandas_returns_columns(self, plain: QMTClient) -> None:
        data = plain.get_history_ex(["000001.SZ", "600519.SH"], count=30)
        assert set(data) == {"000001.SZ", "600519.SH"}
        for columns in data.values():
            assert_columns(columns, 30)
            assert shanghai_day(columns["time"][0]) == "20251010"
            assert shanghai_day(columns["time"][-1]) == TODAY

    def test_get_history_ex_fields(self, plain: QMTClient) -> None:
        columns = plain.get_history_ex("000001.SZ", count=3, fields=["close"])["000001.SZ"]
        assert "close" in columns and "open" not in columns

    def test_get_market_data(self, client: QMTClient) -> None:
        frames = client.get_market_data(["000001.SZ"], count=15)
        assert_bars(frames["000001.SZ"], 15)
        assert_daily_span(frames["000001.SZ"], "2025-10-31")

    def test_get_local_data(self, client: QMTClient) -> None:
        frames = client.get_local_data(["600519.SH"], start_time="20240101", end_time="20240131")
        frame = frames["600519.SH"]
        assert_bars(frame, 22)
        assert_daily_span(frame, "2024-01-02", "2024-01-31")

    def test_get_divid_factors(self, client: QMTClient, plain: QMTClient) -> None:
        frame = client.get_divid_factors("600519.SH", start_time="20150101", end_time="20241231")
        assert isinstance(frame, pd.DataFrame) and len(frame) > 0
        assert "time" in frame.columns and isinstance(frame.index, pd.DatetimeIndex)
        assert frame.index.is_monotonic_increasing
        assert frame.index[0] >= pd.Timestamp("2015-01-01") and frame.index[-1] <= pd.Timestamp("2024-12-31")
        columns = plain.get_divid_factors("600519.SH", start_time="20150101", end_time="20241231")
        assert isinstance(columns, dict)
        assert columns["time"] == frame["time"].tolist()
        assert [shanghai_day(ms) for ms in columns["time"]] == frame.index.strftime("%Y%m%d").tolist()

    def test_unknown_dividend_type_rejected(self, client: QMTClient) -> None:
        with pytest.raises(APIStatusError) as info:
            client.get_history_ex("000001.SZ", dividend_type="sideways")
        assert info.value.status_code in (400, 422)
        assert_error_shape(info.value)


class TestCalendar:
    def test_get_trading_dates(self, client: QMTClient) -> None:
        dates = client.get_trading_dates("SH", start_time="20240101", end_time="20240131")
        assert len(dates) == 22 and all(isinstance(ms, int) for ms in dates)
        assert dates == sorted(dates)
        assert shanghai_day(dates[0]) == "20240102" and shanghai_day(dates[-1]) == "20240131"

    def test_get_trading_dates_count(self, client: QMTClient) -> None:
        dates = client.get_trading_dates("SH", end_time="20240131", count=5)
        assert [shanghai_day(ms) for ms in dates] == [
            "20240125",
            "20240126",
            "20240129",
            "20240130",
            "20240131",
        ]

    def test_get_trading_dates_count_ends_today(self, client: QMTClient) -> None:
        dates = client.get_trading_dates("SH", count=5)
        assert [shanghai_day(ms) for ms in dates] == ["20251114", "20251117", "20251118", "20251119", TODAY]

    def test_get_trading_dates_skip_national_day(self, client: QMTClient) -> None:
        dates = client.get_trading_dates("SZ", start_time="20250926", end_time="20251010")
        assert [shanghai_day(ms) for ms in dates] == [
            "20250926",
            "20250929",
            "20250930",
            "20251009",
            "20251010",
        ]

    def test_get_holidays(self, client: QMTClient) -> None:
        holidays = client.get_holidays()
        assert all(DAY_RE.match(day) for day in holidays)
        assert {"20240209", "20240212", "20241001"} <= set(holidays)
        # Weekday closures only: National Day 2025 minus its weekend (4-5 October).
        assert [day for day in holidays if "20251001" <= day <= "20251008"] == [
            "20251001",
            "20251002",
            "20251003",
            "20251006",
            "20251007",
            "20251008",
        ]
        assert TODAY not in holidays

    def test_get_trading_calendar(self, client: QMTClient) -> None:
        days = client.get_trading_calendar("SH", start_time="20240201", end_time="20240229")
        assert "20240208" in days and "20240219" in days
        assert not {"20240209", "20240212", "20240216", "20240217"} & set(days)
        around = client.get_trading_calendar("SH", start_time="20250929", end_time="20251010")
        assert around == ["20250929", "20250930", "20251009", "20251010"]

    def test_get_trading_period(self, client: QMTClient) -> None:
        period = client.get_trading_period("000001.SZ")
        assert period["market"] == "SZ"
        # xtquant's shape: each segment's "time" is [0, [start HHMMSS, 0], [end HHMMSS, 0]].
        assert [0, [93000, 0], [113000, 0]] in [segment["time"] for segment in period["tradings"]]

    def test_is_trading_date(self, client: QMTClient) -> None:
        assert client.is_trading_date("SH", "20240209") is False  # Spring Festival
        assert client.is_trading_date("SH", "20240210") is False  # Saturday
        assert client.is_trading_date("SH", "20240208") is True
        assert client.is_trading_date("SH", TODAY) is True
        assert client.is_trading_date("SH", "20251008") is False  # National Day, a Wednesday
        assert client.is_trading_date("SH", "20251009") is True

    def test_prev_and_next_trading_date_skip_the_holiday(self, client: QMTClient) -> None:
        assert client.get_prev_trading_date("SH", "20240219") == "20240208"
        assert client.get_next_trading_date("SH", "20240208") == "20240219"
        assert client.get_prev_trading_date("SH", "20251009") == "20250930"
        assert client.get_next_trading_date("SH", "20250930") == "20251009"

    def test_prev_and_next_trading_date_default_to_today(self, client: QMTClient) -> None:
        assert client.get_prev_trading_date("SH") == "20251119"
        assert client.get_next_trading_date("SH") == "20251121"

    def test_bad_date_raises_bad_request(self, client: QMTClient) -> None:
        with pytest.raises(BadRequestError) as info:
            client.is_trading_date("SH", "20240230")
        assert_error_shape(info.value)

    def test_bad_market_raises_bad_request(self, client: QMTClient) -> None:
        with pytest.raises(BadRequestError):
            client.get_trading_dates("MARS")


class TestInstrument:
    def test_get_instrument_detail(self, client: QMTClient) -> None:
        detail = client.get_instrument_detail("000001.SZ")
        assert detail is not None
        assert detail["InstrumentName"] == "平安银行"
        assert detail["UpStopPrice"] > detail["DownStopPrice"] > 0
        assert detail["TradingDay"] == TODAY
        # The detail's PreClose is the close of the previous daily bar.
        closes = client.get_history("000001.SZ", count=2)["close"]
        assert detail["PreClose"] == pytest.approx(closes.iloc[0])

    def test_get_instrument_detail_unknown_code_is_none(self, client: QMTClient) -> None:
        assert client.get_instrument_detail("999999.SZ") is None

    def test_get_instrument_detail_complete_has_more_fields(self, client: QMTClient) -> None:
        short = client.get_instrument_detail("600519.SH")
        full = client.get_instrument_detail("600519.SH", iscomplete=True)
        assert short is not None and full is not None
        assert len(full) > len(short)

    def test_get_instrument_detail_list(self, client: QMTClient) -> None:
        details = client.get_instrument_detail_list(["000001.SZ", "600519.SH"])
        assert set(details) == {"000001.SZ", "600519.SH"}
        assert details["600519.SH"] is not None and details["600519.SH"]["InstrumentName"] == "贵州茅台"

    def test_get_instrument_type(self, client: QMTClient) -> None:
        assert client.get_instrument_type("000001.SH").get("index") is True
        assert client.get_instrument_type("600519.SH").get("stock") is True

    def test_get_ipo_info(self, client: QMTClient) -> None:
        ipos = client.get_ipo_info("20230101", "20241231")
        assert isinstance(ipos, list)
        assert all(isinstance(row, dict) for row in ipos)

    def test_get_index_weight(self, client: QMTClient) -> None:
        weights = client.get_index_weight("000300.SH")
        assert len(weights) == 300
        assert all(CODE_RE.match(code) for code in weights)
        assert all(weight > 0 for weight in weights.values())

    def test_get_his_st_data(self, client: QMTClient, sim_backend: Any) -> None:
        """A stock never ST has no entry; one with ST periods in the simulator's universe has exactly those
        periods (YYYYMMDD pairs; a period still running on the server's today ends on '20380119')."""
        assert client.get_his_st_data("000001.SZ") == {}
        universe = sim_backend.xtdata.market.universe
        stocks = sim_backend.xtdata.get_stock_list_in_sector("沪深A股")
        was_st = [universe.get(code) for code in stocks if universe.get(code).st_periods]
        assert was_st, "precondition: the simulator's universe has stocks with ST periods"
        today = AFTER_CLOSE.date()
        running = next((inst for inst in was_st if inst.st_periods[-1][1] >= today), None)
        closed = next(inst for inst in was_st if inst.st_periods[-1][1] < today)
        assert running is not None, "precondition: a stock that is ST today"
        for inst in (closed, running):
            spans = [
                [a.strftime("%Y%m%d"), "20380119" if b >= today else b.strftime("%Y%m%d")]
                for a, b in inst.st_periods
                if a <= today
            ]
            assert client.get_his_st_data(inst.code) == {inst.st_label: spans}, inst.code
        assert closed.st_label in {"ST", "*ST", "PT"}

    def test_malformed_code_raises_bad_request(self, client: QMTClient) -> None:
        with pytest.raises(BadRequestError):
            client.get_instrument_type("600519")


class TestMeta:
    def test_health(self, client: QMTClient) -> None:
        health = client.health()
        assert health["status"] == "ok" and health["backend"] == "sim"

    def test_get_version(self, client: QMTClient) -> None:
        assert client.get_version() == __version__

    def test_get_xtdata_version(self, client: QMTClient) -> None:
        assert client.get_xtdata_version()

    def test_get_connection_status(self, client: QMTClient) -> None:
        assert client.get_connection_status()["connected"] is True

    def test_get_predownload_status(self, client: QMTClient) -> None:
        """The server ran its pre-download round at start (the simulator's downloads are instant)."""
        deadline = time.monotonic() + 10
        while (status := client.get_predownload_status())["rounds_completed"] < 1:
            assert time.monotonic() < deadline, status
            time.sleep(0.05)
        assert status["enabled"] is True and status["interval_hours"] == 24.0
        assert list(status["items"])[0] == "download_sector_data" and len(status["items"]) == 6
        assert {item["status"] for item in status["items"].values()} == {"ok"}
        assert status["rounds_skipped"] == 0 and status["last_skipped"] is None

    def test_snapshots_from_the_quote_book_over_http(self, client: QMTClient) -> None:
        """The server's book holds BJ (helpers.serve_frozen_sim): once it is ready, a BJ snapshot comes from it
        through the full_tick shortcut under uvicorn, and equals what the route answers from the backend."""
        codes = ["430047.BJ", "430054.BJ"]
        from_backend = client.get_market_snapshot(codes)  # the first read starts the subscription
        deadline = time.monotonic() + 30
        while not (status := client.get_quote_book_status())["ready"]:
            assert time.monotonic() < deadline, status
            time.sleep(0.05)
        assert status["enabled"] is True and status["markets"] == ["BJ"] and status["codes"] > 100
        assert client.get_market_snapshot(codes) == from_backend
        assert set(client.get_full_tick(codes[0])) == {codes[0]}

    def test_get_markets(self, client: QMTClient) -> None:
        markets = client.get_markets()
        assert {"SH", "SZ"} <= set(markets)
        assert all(isinstance(name, str) and name for name in markets.values())

    def test_get_periods(self, client: QMTClient) -> None:
        periods = client.get_periods()
        assert all(set(period) >= {"name", "desc"} for period in periods)
        assert {"tick", "1m", "5m", "1d"} <= {period["name"] for period in periods}

    def test_get_stock_list(self, client: QMTClient) -> None:
        stocks = client.get_stock_list("沪深A股")
        assert len(stocks) > 1000 and "600519.SH" in stocks

    def test_get_last_trade_date(self, client: QMTClient) -> None:
        assert client.get_last_trade_date("SH") == TODAY
        assert client.get_last_trade_date("SZ") == TODAY


class TestSector:
    def test_get_sector_list(self, client: QMTClient) -> None:
        sectors = client.get_sector_list()
        assert {"沪深A股", "上证A股", "深证A股"} <= set(sectors)

    def test_get_sector_stocks(self, client: QMTClient) -> None:
        stocks = client.get_sector_stocks("沪深A股")
        assert len(stocks) > 1000 and len(set(stocks)) == len(stocks)
        assert {"000001.SZ", "600519.SH"} <= set(stocks)
        assert all(CODE_RE.match(code) for code in stocks)

    def test_sub_sectors_partition_by_exchange(self, client: QMTClient) -> None:
        sh = client.get_sector_stocks("上证A股")
        assert sh and all(code.endswith(".SH") for code in sh)
        assert set(sh) <= set(client.get_sector_stocks("沪深A股"))

    def test_get_sector_stocks_historical(self, client: QMTClient) -> None:
        then = client.get_sector_stocks("沪深A股", real_timetag="20150105")
        now = client.get_sector_stocks("沪深A股")
        assert then and set(then) < set(now)
        # The stocks that joined since were listed after 2015-01-05.
        newcomer = sorted(set(now) - set(then))[0]
        detail = client.get_instrument_detail(newcomer)
        assert detail is not None and detail["OpenDate"] > "20150105"

    def test_get_sector_info(self, client: QMTClient, plain: QMTClient) -> None:
        frame = client.get_sector_info("沪深A股")
        assert isinstance(frame, pd.DataFrame)
        assert frame["sector"].tolist() == ["沪深A股"]
        rows = plain.get_sector_info()
        assert isinstance(rows, list) and len(rows) >= 3
        assert all(set(row) >= {"sector", "category"} for row in rows)

    def test_unknown_sector_raises_not_found(self, client: QMTClient) -> None:
        with pytest.raises(NotFoundError) as info:
            client.get_sector_stocks("没有这个板块")
        assert_error_shape(info.value)


class TestTransportAgainstServer:
    def test_missing_required_parameter_has_error_shape(self, client: QMTClient) -> None:
        with pytest.raises(APIStatusError) as info:
            client._request("GET", "/api/history")
        assert info.value.status_code in (400, 422)
        assert_error_shape(info.value)

    def test_unknown_route_is_not_found(self, client: QMTClient) -> None:
        with pytest.raises(NotFoundError):
            client._request("GET", "/api/no/such/route")

    def test_connection_refused(self) -> None:
        dead = QMTClient(base_url=f"http://127.0.0.1:{free_port()}", max_retries=0, timeout=5)
        with pytest.raises(APIConnectionError):
            dead.health()


API_KEY = "client-test-key"


@pytest.fixture(scope="module")
def secured_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second server whose data endpoints require the API key."""
    with serve_frozen_sim(
        tmp_path_factory.mktemp("bridge-data-secured"), api_key=API_KEY, require_auth_for_data=True
    ) as url:
        yield url


class TestAuthentication:
    def test_missing_key_is_rejected(self, secured_url: str) -> None:
        with pytest.raises(AuthenticationError) as info:
            QMTClient(base_url=secured_url).get_sector_list()
        assert info.value.status_code == 401
        assert_error_shape(info.value)

    def test_wrong_key_is_rejected(self, secured_url: str) -> None:
        with pytest.raises(AuthenticationError):
            QMTClient(base_url=secured_url, api_key="wrong").get_sector_list()

    def test_key_from_argument(self, secured_url: str) -> None:
        assert "沪深A股" in QMTClient(base_url=secured_url, api_key=API_KEY).get_sector_list()

    def test_key_and_url_from_environment(self, secured_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("QMT_BRIDGE_URL", secured_url)
        monkeypatch.setenv("QMT_BRIDGE_API_KEY", API_KEY)
        assert "沪深A股" in QMTClient().get_sector_list()
