"""The client's downloads against a real server on the simulator: jobs followed to their end, the progress
bar, the per-code summary, and the job methods."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import AFTER_CLOSE, SEED
from helpers import serve_in_thread
from qmt_bridge.client import QMTClient

CODES = ["600519.SH", "000001.SZ"]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QMTClient]:
    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.sim.clock import fixed_clock

    data_dir = Path(tmp_path_factory.mktemp("client-downloads"))
    settings = Settings(_env_file=None, backend="sim", sim_seed=SEED, quote_book=False, predownload=False,
                        data_dir=str(data_dir))  # fmt: skip
    backend = SimBackend(seed=SEED, clock=fixed_clock(AFTER_CLOSE), data_dir=data_dir)
    with serve_in_thread(create_app(settings, backend=backend), name="uvicorn-client-downloads") as url:
        yield QMTClient(base_url=url)


def test_download_history_data2_follows_its_job_to_the_end(client: QMTClient) -> None:
    answer = client.download_history_data2(CODES, "1d", start_time="20251101")
    assert answer["status"] == "ok" and answer["stocks"] == CODES and set(answer["result"]) == set(CODES)
    assert answer["job"]["state"] == "finished" and answer["job"]["counts"] == {"done": 2}
    financial = client.download_financial_data(CODES[:1], ["Balance"])
    assert financial["status"] == "ok" and financial["tables"] == ["Balance"]


def test_download_history_reports_progress_and_sums_up_each_code(client: QMTClient) -> None:
    seen: list[dict[str, Any]] = []
    summary = client.download_history(CODES, "1d", start_time="20251101", progress=seen.append)
    assert summary["state"] == "finished"
    assert {code: entry["state"] for code, entry in summary["codes"].items()} == dict.fromkeys(CODES, "done")
    assert all(entry["rows"] == 14 and entry["error"] is None for entry in summary["codes"].values())
    assert seen and seen[-1]["state"] == "finished" and seen[-1]["progress"]["finished"] == 2


def test_the_plain_progress_bar(
    client: QMTClient, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # as where tqdm is not installed
    client.download_history(CODES[:1], "1d", start_time="20251101")
    err = capsys.readouterr().err
    assert "1/1" in err and "finished" in err and err.endswith("\n")


def test_the_job_methods(client: QMTClient) -> None:
    started = client.download_history(CODES, "1d", wait=False)
    assert started["job"]["total"] == 2
    job = client.get_download_job(started["job_id"])
    assert job["job_id"] == started["job_id"]
    assert started["job_id"] in [j["job_id"] for j in client.list_download_jobs()]
    finished = client.list_download_jobs(state="finished")
    assert finished and all(j["state"] == "finished" for j in finished)
    assert [j["job_id"] for j in client.list_download_jobs(origin="api")] == [
        j["job_id"] for j in client.list_download_jobs()
    ]
    assert client.list_download_jobs(origin="predownload") == []
