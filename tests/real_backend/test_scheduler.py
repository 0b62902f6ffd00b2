"""The automatic pre-download (自动预下载): at start, then every interval; failures recorded, never fatal.

Most tests run on the real-backend path against the fake xtquant, whose call log shows what ran when."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qmt_bridge.backends.xtquant import XtquantBackend
from qmt_bridge.server.app import create_app
from qmt_bridge.server.cli import settings_from_args
from qmt_bridge.server.config import Settings
from qmt_bridge.server.scheduler import PREDOWNLOADS

pytestmark = pytest.mark.timeout(30)

SEED_ORDER = [
    "download_sector_data",
    "download_holiday_data",
    "download_history_contracts",
    "download_index_weight",
    "download_etf_info",
    "download_cb_data",
]


def status_of(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/meta/predownload")
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(client: TestClient, done: Any, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = status_of(client)
        if done(status):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.02)


def test_the_seeds_six_functions_in_its_order():
    assert list(PREDOWNLOADS) == SEED_ORDER


def test_a_round_runs_at_start_on_the_simulator(sim_backend, tmp_path):
    settings = Settings(_env_file=None, backend="sim", data_dir=str(tmp_path))
    with TestClient(create_app(settings, backend=sim_backend)) as client:
        status = wait_for(client, lambda s: s["rounds_completed"] >= 1)
    assert status["enabled"] is True and status["interval_hours"] == 24.0 and status["running"] is False
    assert list(status["items"]) == SEED_ORDER
    for name, item in status["items"].items():
        assert item["status"] == "ok" and item["error"] is None, name
        assert item["started"] <= item["finished"] and item["duration_s"] >= 0
    assert status["last_round_started"] <= status["last_round_finished"] <= status["next_round"]


def test_disabled_it_calls_nothing(make_client, fake_xtdata):
    client = make_client(predownload=False)
    time.sleep(0.2)
    status = status_of(client)
    assert status["enabled"] is False and status["rounds_completed"] == 0 and status["next_round"] is None
    assert {item["status"] for item in status["items"].values()} == {"pending"}
    assert [name for name, *_ in fake_xtdata.CALLS if name.startswith("download_")] == []


def test_real_backend_calls_each_function_once_in_order_with_xtquants_defaults(make_client, fake_xtdata):
    client = make_client(predownload=True)
    wait_for(client, lambda s: s["rounds_completed"] >= 1)
    downloads = [
        (name, args, kwargs) for name, args, kwargs in fake_xtdata.CALLS if name.startswith("download_")
    ]
    assert downloads == [(name, (), {}) for name in SEED_ORDER]


def test_a_failure_is_recorded_and_logged_and_the_round_goes_on(make_client, fake_xtdata, caplog):
    fake_xtdata.FAILURES["download_index_weight"] = Exception("行情服务连接断开")
    with caplog.at_level(logging.INFO, logger="qmt_bridge.scheduler"):
        client = make_client(predownload=True)
        status = wait_for(client, lambda s: s["rounds_completed"] >= 1)
    failed = status["items"]["download_index_weight"]
    assert failed["status"] == "failed"
    assert failed["error"] == "download_index_weight failed: Exception: 行情服务连接断开"
    assert {
        n: i["status"] for n, i in status["items"].items() if n != "download_index_weight"
    } == dict.fromkeys([n for n in SEED_ORDER if n != "download_index_weight"], "ok")
    messages = [record.getMessage() for record in caplog.records]
    assert any(
        "预下载失败" in m and "download_index_weight" in m and "行情服务连接断开" in m for m in messages
    )
    assert any("预下载完成" in m and "failed: download_index_weight" in m for m in messages)


def test_a_timed_out_download_is_a_failure(make_client, fake_xtdata):
    fake_xtdata.DELAYS["download_sector_data"] = 10.0  # woken by reset() at teardown
    client = make_client(predownload=True, download_timeout=0.3)
    status = wait_for(client, lambda s: s["rounds_completed"] >= 1)
    item = status["items"]["download_sector_data"]
    assert item["status"] == "failed" and "did not answer within 0.3 s" in item["error"]


def test_a_missing_function_is_a_failure_not_a_crash(make_client, fake_xtdata, monkeypatch):
    monkeypatch.delattr(fake_xtdata, "download_cb_data")
    client = make_client(predownload=True)
    status = wait_for(client, lambda s: s["rounds_completed"] >= 1)
    item = status["items"]["download_cb_data"]
    assert item["status"] == "failed" and "no xtdata.download_cb_data" in item["error"]


def on_day(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    """Make the real backend's China-time today ``day`` (the host's clock is the one external here)."""
    monkeypatch.setattr(XtquantBackend, "today", lambda self: day)


def test_rounds_repeat_at_the_interval(make_client, fake_xtdata, monkeypatch):
    on_day(monkeypatch, dt.date(2025, 11, 20))  # a Thursday
    client = make_client(predownload=True, predownload_interval_hours=0.3 / 3600)
    wait_for(client, lambda s: s["rounds_completed"] >= 3)
    downloads = [name for name, *_ in fake_xtdata.CALLS if name.startswith("download_")]
    assert downloads[: 3 * len(SEED_ORDER)] == SEED_ORDER * 3


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (dt.date(2025, 11, 22), "weekend"),
        (dt.date(2025, 11, 23), "weekend"),
        (dt.date(2025, 10, 6), "holiday"),
    ],
)
def test_later_rounds_skip_non_trading_days(make_client, fake_xtdata, monkeypatch, day, reason):
    """2025-10-06 is a Monday of the National Day holiday (in xtquant's get_holidays)."""
    on_day(monkeypatch, day)
    client = make_client(predownload=True, predownload_interval_hours=0.1 / 3600)
    status = wait_for(client, lambda s: s["rounds_skipped"] >= 3)
    assert status["rounds_completed"] == 1  # the round at start runs whatever the day
    assert status["last_skipped"] == {"day": day.isoformat(), "reason": reason}
    downloads = [name for name, *_ in fake_xtdata.CALLS if name.startswith("download_")]
    assert downloads == SEED_ORDER


def test_without_the_holiday_list_only_weekends_are_skipped(make_client, fake_xtdata, monkeypatch, caplog):
    on_day(monkeypatch, dt.date(2025, 10, 6))
    fake_xtdata.FAILURES["get_holidays"] = Exception("节假日数据未下载")
    with caplog.at_level(logging.WARNING, logger="qmt_bridge.scheduler"):
        client = make_client(predownload=True, predownload_interval_hours=0.1 / 3600)
        status = wait_for(client, lambda s: s["rounds_completed"] >= 2)
    assert status["rounds_skipped"] == 0 and status["last_skipped"] is None
    assert any("cannot read the holidays" in record.getMessage() for record in caplog.records)


def test_other_requests_get_the_backend_between_two_downloads(make_client, fake_xtdata):
    """The real backend has one worker: a request made during the round waits for the download running
    then, not for the whole round."""
    for name in SEED_ORDER:
        fake_xtdata.DELAYS[name] = 0.4
    client = make_client(predownload=True)
    wait_for(client, lambda s: s["items"]["download_sector_data"]["status"] == "running")
    response = client.get("/api/calendar/holidays")
    assert response.status_code == 200, response.text
    status = status_of(client)
    assert status["rounds_completed"] == 0
    assert status["items"]["download_cb_data"]["status"] == "pending"


def test_shutdown_does_not_wait_for_a_running_download(fake_xtdata):
    fake_xtdata.DELAYS["download_sector_data"] = 20.0  # woken by reset() at teardown
    with TestClient(create_app(Settings(_env_file=None, backend="xtquant", predownload=True))) as client:
        wait_for(client, lambda s: s["items"]["download_sector_data"]["status"] == "running")
        started = time.perf_counter()
    assert time.perf_counter() - started < 5


def test_cli_and_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env
    assert settings_from_args([]).predownload is True
    assert settings_from_args(["--no-predownload"]).predownload is False
    monkeypatch.setenv("QMT_BRIDGE_PREDOWNLOAD", "false")
    monkeypatch.setenv("QMT_BRIDGE_PREDOWNLOAD_INTERVAL_HOURS", "6")
    settings = Settings(_env_file=None)
    assert settings.predownload is False and settings.predownload_interval_hours == 6.0
