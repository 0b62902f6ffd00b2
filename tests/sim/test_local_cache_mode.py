"""The simulator's ``downloaded`` local-cache mode (``QMT_BRIDGE_SIM_LOCAL_CACHE``): the history getters
return only what was downloaded, as MiniQMT's; the downloads take ``sim_download_seconds`` per stock."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import AFTER_CLOSE, SEED
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.sim.clock import fixed_clock

CODE = "600519.SH"


def backend(data_dir: Path, **options: object) -> SimBackend:
    made = SimBackend(
        seed=SEED, clock=fixed_clock(AFTER_CLOSE), data_dir=data_dir, local_cache="downloaded", **options
    )
    made.start()
    return made


def rows(sim: SimBackend, period: str = "1d", start: str = "", end: str = "", count: int = -1) -> int:
    return len(sim.xtdata.get_market_data_ex(["close"], [CODE], period, start, end, count)[CODE])


def test_nothing_is_local_until_downloaded_and_then_only_that(tmp_path: Path) -> None:
    sim = backend(tmp_path)
    try:
        assert rows(sim, count=5) == 0 and rows(sim, "1m", count=5) == 0
        assert len(sim.xtdata.get_local_data(["close"], [CODE], "1d")[CODE]) == 0
        sim.xtdata.download_history_data2([CODE], "1d", "20251110", "20251120")
        assert rows(sim, start="20251101", end="20251130") == 9  # 11-10..11-20: nine trading days
        assert rows(sim, start="20251101", end="20251107") == 0  # before the download
        assert rows(sim, "1w", start="20251101") == 2  # weeks from the daily bars
        assert rows(sim, "1m", count=5) == 0  # another period: not downloaded
        sim.xtdata.download_history_data2([CODE], "1m", "20251120", "20251120")
        complete = SimBackend(seed=SEED, clock=fixed_clock(AFTER_CLOSE), data_dir=None)
        day = len(complete.xtdata.get_market_data_ex(["close"], [CODE], "1m", "20251120", "20251120")[CODE])
        assert day > 200 and rows(sim, "1m", start="20251120") == day
        assert (
            rows(sim, "1m", start="20251119", end="20251119") == 0 and rows(sim, "5m", start="20251120") == 0
        )
    finally:
        sim.stop()


def test_the_cache_survives_a_restart(tmp_path: Path) -> None:
    first = backend(tmp_path)
    first.xtdata.download_history_data2([CODE], "1d", "20251117", "")
    first.stop()
    again = backend(tmp_path)
    try:
        assert rows(again, start="20251101") == 4  # 11-17..11-20
    finally:
        again.stop()


def test_a_download_takes_its_time_per_stock(tmp_path: Path) -> None:
    sim = backend(tmp_path, download_seconds=0.2)
    try:
        reports: list[dict] = []
        started = time.perf_counter()
        sim.xtdata.download_history_data2([CODE, "000001.SZ"], "1d", "20251117", "", callback=reports.append)
        assert time.perf_counter() - started >= 0.4
        assert [r["finished"] for r in reports] == [1, 2]
    finally:
        sim.stop()


@pytest.fixture
def server(tmp_path: Path) -> TestClient:
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    settings = Settings(_env_file=None, backend="sim", sim_seed=SEED, quote_book=False, predownload=False,
                        data_dir=str(tmp_path), sim_local_cache="downloaded")  # fmt: skip
    sim = SimBackend(seed=SEED, clock=fixed_clock(AFTER_CLOSE), data_dir=tmp_path, local_cache="downloaded")
    with TestClient(create_app(settings, backend=sim)) as client:
        yield client


def test_the_server_downloads_on_demand_as_on_miniqmt(server: TestClient) -> None:
    """local_data reads the cache as it is (empty); market_data_ex downloads what it lacks first (auto), and
    with download=never answers what the cache holds, as on MiniQMT."""
    params = {"stocks": CODE, "start_time": "20251110", "end_time": "20251120"}
    empty = server.get("/api/market/local_data", params=params).json()
    assert empty["data"] == {CODE: []} and empty["no_data"] == [CODE]
    never = server.get("/api/market/market_data_ex", params={**params, "download": "never"}).json()
    assert never["data"] == {CODE: []}
    auto = server.get("/api/market/market_data_ex", params=params).json()
    assert len(auto["data"][CODE]) == 9 and auto["download"]["downloaded"] == [CODE]
    assert len(server.get("/api/market/local_data", params=params).json()["data"][CODE]) == 9


def test_a_job_on_the_slow_simulator_can_be_cancelled_between_chunks(tmp_path: Path) -> None:
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    settings = Settings(_env_file=None, backend="sim", sim_seed=SEED, quote_book=False, predownload=False,
                        data_dir=str(tmp_path))  # fmt: skip
    sim = SimBackend(seed=SEED, clock=fixed_clock(AFTER_CLOSE), data_dir=tmp_path, download_seconds=0.05)
    with TestClient(create_app(settings, backend=sim)) as client:
        codes = client.get("/api/sector/stocks", params={"sector": "沪深A股"}).json()["stocks"][:40]
        job_id = client.post("/api/download/history_data2", json={"stocks": codes, "period": "1d"}).json()[
            "job_id"
        ]
        while not client.get(f"/api/download/jobs/{job_id}").json()["progress"]:  # the first chunk under way
            time.sleep(0.01)
        assert client.post(f"/api/download/jobs/{job_id}/cancel").status_code == 200
        deadline = time.monotonic() + 10
        while (job := client.get(f"/api/download/jobs/{job_id}").json())["state"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert job["state"] == "cancelled" and 0 < job["counts"].get("done", 0) < 40
        assert job["counts"]["cancelled"] == 40 - job["counts"]["done"]


def test_days_left_out_between_two_downloads_stay_out(tmp_path: Path) -> None:
    """Two downloads with days between them: a range over both holds the downloaded days alone."""
    sim = backend(tmp_path)
    try:
        for period in ("1d", "1m"):
            sim.xtdata.download_history_data2([CODE], period, "20251110", "20251112")
            sim.xtdata.download_history_data2([CODE], period, "20251118", "20251119")
        assert rows(sim, start="20251101", end="20251130") == 5  # not the 13th, 14th and 17th
        assert rows(sim, "1w", start="20251101", end="20251130") == 2
        assert rows(sim, "1m", start="20251101", end="20251130") == 5 * 241
    finally:
        sim.stop()
