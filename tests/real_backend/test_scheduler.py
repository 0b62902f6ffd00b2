"""The automatic pre-download (自动预下载): at start, then every interval; failures recorded, never fatal.

Most tests run on the real-backend path against the fake xtquant, whose call log shows what ran when."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qmt_bridge.backends.xtquant import XtquantBackend
from qmt_bridge.server.app import create_app
from qmt_bridge.server.cli import settings_from_args
from qmt_bridge.server.config import Settings
from qmt_bridge.server.scheduler import PREDOWNLOADS, Backoff, PreDownloadScheduler

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
    assert item["status"] == "failed" and item["error"] == "timed out after 0.3 s"
    job = client.get(f"/api/download/jobs/{item['job_id']}").json()
    assert (job["state"], job["error"], job["origin"]) == ("failed", "timed out after 0.3 s", "predownload")


def test_each_attempt_is_a_download_job_in_the_job_list(make_client, fake_xtdata):
    client = make_client(predownload=True)
    status = wait_for(client, lambda s: s["rounds_completed"] >= 1)
    jobs = client.get("/api/download/jobs", params={"origin": "predownload"}).json()["jobs"]
    assert [job["function"] for job in reversed(jobs)] == SEED_ORDER
    assert {job["state"] for job in jobs} == {"finished"} and {job["origin"] for job in jobs} == {
        "predownload"
    }
    assert [status["items"][job["function"]]["job_id"] for job in jobs] == [job["job_id"] for job in jobs]
    assert client.get("/api/download/jobs", params={"origin": "api"}).json()["jobs"] == []
    refused = client.get("/api/download/jobs", params={"origin": "scheduler"})
    assert refused.status_code == 400 and refused.json()["error"]["details"]["param"] == "origin"


def test_a_request_for_the_same_download_joins_the_running_attempt(make_client, fake_xtdata):
    fake_xtdata.DELAYS["download_sector_data"] = 0.5
    client = make_client(predownload=True)
    status = wait_for(client, lambda s: s["items"]["download_sector_data"]["status"] == "running")
    answer = client.post("/api/download/sector_data")
    assert answer.status_code == 202 and answer.json()["joined"] is True
    assert answer.json()["job_id"] == status["items"]["download_sector_data"]["job_id"]
    wait_for(client, lambda s: s["rounds_completed"] >= 1)
    assert len(fake_xtdata.calls_to("download_sector_data")) == 1


def test_a_cancelled_attempt_is_a_failure_and_is_retried(make_client, fake_xtdata):
    fake_xtdata.DELAYS["download_cb_data"] = 0.5
    client = make_client(predownload=False)
    users = client.post("/api/download/cb_data").json()["job_id"]  # runs first: the attempt waits behind it
    scheduler = own_scheduler(client, Backoff(first_s=0.1, max_s=0.1))
    round_ = client.portal.start_task_soon(scheduler.run_round)
    sector = scheduler.status.items["download_sector_data"]
    deadline = time.monotonic() + 5
    while sector.job_id is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    first = sector.job_id
    assert client.get(f"/api/download/jobs/{first}").json()["state"] == "queued"
    refused = client.post(f"/api/download/jobs/{users}/cancel")  # running, one call: cannot be stopped
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "job_not_cancellable"
    assert client.post(f"/api/download/jobs/{first}/cancel").json()["state"] == "cancelled"
    round_.result(timeout=10)
    while sector.status != "ok":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert sector.attempts == 2 and sector.job_id != first
    assert sector.last_error == "cancelled before it started"
    assert client.get(f"/api/download/jobs/{users}").json()["state"] == "finished"
    client.portal.call(scheduler.stop)


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


# Interactive calls first (the runner's background lane) and retries with backoff.

SLOW = 1.5  # seconds per download: longer than the backend timeout of these tests


def interactive_requests(client: TestClient) -> list[tuple[str, int, float]]:
    """A snapshot (quote book off), a one-code instrument detail and the sector list, each timed."""
    answers = []
    for path in (
        "/api/market/full_tick?stocks=600000.SH",
        "/api/instrument/detail_list?stocks=000001.SZ",
        "/api/sector/list",
    ):
        started = time.perf_counter()
        response = client.get(path)
        answers.append((path, response.status_code, time.perf_counter() - started))
    return answers


def own_scheduler(client: TestClient, backoff: Backoff) -> PreDownloadScheduler:
    """A scheduler on the client's backend context, run by the test (``client.portal``), not by the app."""
    state = client.app.state
    return PreDownloadScheduler(
        state.context, state.downloads, enabled=True, interval_hours=24, backoff=backoff
    )


def spans_by_lane(fake_xtdata: Any) -> dict[str, list[tuple[str, float, float]]]:
    lanes: dict[str, list[tuple[str, float, float]]] = {"interactive": [], "background": []}
    for name, thread, start, end in list(fake_xtdata.SPANS):
        lanes["background" if thread.startswith("backend-background") else "interactive"].append(
            (name, start, end)
        )
    return lanes


def overlapping(spans: list[tuple[str, float, float]]) -> bool:
    ordered = sorted(spans, key=lambda span: span[1])
    return any(later[1] < earlier[2] for earlier, later in itertools.pairwise(ordered))


def test_interactive_requests_answer_in_their_normal_time_while_a_slow_pre_download_runs(
    make_client, fake_xtdata
):
    """Issue 20's reproduction, scaled down: each download takes longer than the backend timeout."""
    for name in SEED_ORDER:
        fake_xtdata.DELAYS[name] = SLOW
    client = make_client(predownload=True, backend_timeout=1.0, quote_book=False)
    wait_for(client, lambda s: s["items"]["download_sector_data"]["status"] == "running")
    answers = interactive_requests(client)
    assert [(path, status) for path, status, _ in answers] == [(path, 200) for path, *_ in answers]
    assert all(seconds < 1.0 for *_, seconds in answers), answers  # a download takes 1.5 s
    assert status_of(client)["items"]["download_sector_data"]["status"] == "running"
    lanes = spans_by_lane(fake_xtdata)
    assert {name for name, *_ in lanes["interactive"]} >= {"get_full_tick", "get_sector_list"}
    assert not any(name.startswith("download_") for name, *_ in lanes["interactive"])
    assert not overlapping(lanes["interactive"])  # xtquant's one interactive worker: one call at a time


def test_without_the_lane_an_interactive_request_goes_before_a_waiting_download(make_client, fake_xtdata):
    """Lane off: the request waits for the download running, then goes before the one waiting (a retry)."""
    fake_xtdata.FAILURES["download_sector_data"] = Exception("无法连接xtquant服务")
    fake_xtdata.DELAYS["download_holiday_data"] = 0.4
    client = make_client(predownload=False, backend_timeout=1.0, quote_book=False, background_lane=False)
    scheduler = own_scheduler(client, Backoff(first_s=0.05, max_s=0.05))
    round_ = client.portal.start_task_soon(scheduler.run_round)
    sector = scheduler.status.items["download_sector_data"]
    deadline = time.monotonic() + 5
    while not (sector.attempts == 2 and sector.status == "running"):  # the retry waits for a worker
        assert time.monotonic() < deadline, sector
        time.sleep(0.005)
    del fake_xtdata.FAILURES["download_sector_data"]
    started = time.perf_counter()
    response = client.get("/api/sector/list")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and elapsed < 1.0
    # The retry starts once the request's call has freed the worker, which may be just after the answer
    # reached us (a race that failed CI once): wait for it, then check the order the calls started in.
    deadline = time.monotonic() + 5
    while [name for name, *_ in fake_xtdata.CALLS].count("download_sector_data") < 2:
        assert time.monotonic() < deadline, fake_xtdata.CALLS
        time.sleep(0.005)
    names = [name for name, *_ in fake_xtdata.CALLS]
    retry = [i for i, name in enumerate(names) if name == "download_sector_data"][1]
    assert names.index("get_sector_list") < retry
    assert names.index("download_holiday_data") < names.index("get_sector_list")
    round_.result(timeout=5)
    client.portal.call(scheduler.stop)


def test_background_calls_run_one_at_a_time_beside_one_interactive_call(make_client, fake_xtdata):
    for name in SEED_ORDER:
        fake_xtdata.DELAYS[name] = 0.05
    fake_xtdata.FAILURES["download_sector_data"] = Exception("无法连接xtquant服务")
    client = make_client(predownload=False, quote_book=False)
    scheduler = own_scheduler(client, Backoff(first_s=0.05, max_s=0.05))
    round_ = client.portal.start_task_soon(scheduler.run_round)  # it and its retries: background calls
    deadline = time.monotonic() + 5
    while not round_.done():
        interactive_requests(client)
        assert time.monotonic() < deadline
    client.portal.call(scheduler.stop)
    lanes = spans_by_lane(fake_xtdata)
    assert len([n for n, *_ in lanes["background"] if n == "download_sector_data"]) >= 2  # retried
    assert not overlapping(lanes["background"]) and not overlapping(lanes["interactive"])
    assert overlapping(lanes["background"] + lanes["interactive"])


NOT_LOGGED_IN = Exception("无法连接xtquant服务，请检查QMT-投研版或QMT-极简版是否开启")


def seconds_between(earlier: str, later: str) -> float:
    return (dt.datetime.fromisoformat(later) - dt.datetime.fromisoformat(earlier)).total_seconds()


def test_a_failed_item_is_retried_with_backoff_until_it_succeeds(
    make_client, fake_xtdata, monkeypatch, caplog
):
    monkeypatch.setattr(PreDownloadScheduler, "backoff", Backoff(first_s=0.1, max_s=0.2))
    fake_xtdata.FAILURES["download_index_weight"] = NOT_LOGGED_IN
    with caplog.at_level(logging.INFO, logger="qmt_bridge.scheduler"):
        client = make_client(predownload=True)
        status = wait_for(
            client,
            lambda s: (
                s["items"]["download_index_weight"]["attempts"] >= 2
                and s["items"]["download_index_weight"]["status"] == "failed"
            ),
        )
        item = status["items"]["download_index_weight"]
        assert (
            item["error"] == item["last_error"] == f"download_index_weight failed: Exception: {NOT_LOGGED_IN}"
        )
        assert item["next_retry"] is not None
        assert 0 <= seconds_between(item["finished"], item["next_retry"]) <= 1
        assert status["rounds_completed"] == 1  # the round did not wait for the retries
        del fake_xtdata.FAILURES["download_index_weight"]
        status = wait_for(client, lambda s: s["items"]["download_index_weight"]["status"] == "ok")
    item = status["items"]["download_index_weight"]
    assert set(item) == {
        "status",
        "started",
        "finished",
        "duration_s",
        "error",
        "attempts",
        "next_retry",
        "last_error",
        "job_id",
    }
    assert item["attempts"] >= 3 and item["error"] is None and item["next_retry"] is None
    assert item["last_error"] == f"download_index_weight failed: Exception: {NOT_LOGGED_IN}"
    assert len(fake_xtdata.calls_to("download_index_weight")) == item["attempts"]
    others = [i for n, i in status["items"].items() if n != "download_index_weight"]
    assert all(i["status"] == "ok" and i["attempts"] == 1 and i["last_error"] is None for i in others)
    messages = [record.getMessage() for record in caplog.records]
    assert any("预下载重试成功" in m and "download_index_weight" in m for m in messages)


def test_the_first_retry_is_due_30_s_after_the_failure(make_client, fake_xtdata):
    fake_xtdata.FAILURES["download_cb_data"] = NOT_LOGGED_IN
    client = make_client(predownload=True)
    item = wait_for(client, lambda s: s["rounds_completed"] >= 1)["items"]["download_cb_data"]
    assert item["status"] == "failed" and item["attempts"] == 1
    assert 29 <= seconds_between(item["finished"], item["next_retry"]) <= 31


def test_the_backoff_doubles_from_30_s_up_to_10_min():
    backoff = Backoff()
    assert [backoff.delay(n) for n in range(1, 9)] == [30, 60, 120, 240, 480, 600, 600, 600]
    assert backoff.delay(100_000) == 600  # a long outage does not overflow
    assert [Backoff(0.05, 0.15).delay(n) for n in (1, 2, 3)] == [0.05, 0.1, 0.15]


def test_a_new_round_ends_the_retries_of_the_last_one(make_client, fake_xtdata):
    fake_xtdata.FAILURES["download_cb_data"] = NOT_LOGGED_IN
    client = make_client()
    scheduler = own_scheduler(client, Backoff(first_s=0.2, max_s=0.2))
    client.portal.call(scheduler.run_round)
    item = scheduler.status.items["download_cb_data"]
    assert item.status == "failed" and item.next_retry is not None
    del fake_xtdata.FAILURES["download_cb_data"]
    client.portal.call(scheduler.run_round)
    assert (item.status, item.attempts, item.next_retry, item.last_error) == ("ok", 1, None, None)
    time.sleep(0.3)  # past the retry the first round had scheduled
    assert len(fake_xtdata.calls_to("download_cb_data")) == 2
    client.portal.call(scheduler.stop)


def test_stop_cancels_the_pending_retries(make_client, fake_xtdata):
    fake_xtdata.FAILURES["download_cb_data"] = NOT_LOGGED_IN
    client = make_client()
    scheduler = own_scheduler(client, Backoff(first_s=0.15, max_s=0.15))
    client.portal.call(scheduler.run_round)
    client.portal.call(scheduler.stop)
    assert scheduler.status.items["download_cb_data"].next_retry is None
    time.sleep(0.25)
    assert len(fake_xtdata.calls_to("download_cb_data")) == 1


def test_the_background_lane_setting(make_client, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env
    assert Settings(_env_file=None).background_lane is True
    monkeypatch.setenv("QMT_BRIDGE_BACKGROUND_LANE", "false")
    assert Settings(_env_file=None).background_lane is False
    for lane in (True, False):
        runner = make_client(background_lane=lane).app.state.context.runner
        assert runner.background_lane is lane and len(runner._background_workers) == int(lane)
