"""Download jobs on the xtquant backend (the fake), over a real uvicorn server: answered at once, progress on
``/ws/download_progress`` in order, joined when the same work runs, cancelled between chunks, retried,
bounded, and kept across a restart (a job the server did not finish is ``interrupted``)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from helpers import assert_error, serve_in_thread
from qmt_bridge.server import deps
from qmt_bridge.server.params import MAX_CODES

pytestmark = pytest.mark.timeout(60)

CODES = ["600000.SH", "000001.SZ", "301999.SZ", "000300.SH"]
BODY = {"stocks": CODES, "period": "1d", "start_time": "20251117", "end_time": "20251121"}


@pytest.fixture
def chunk_of_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deps, "DOWNLOAD_CHUNK", 1)


@contextmanager
def server(data_dir: Path, **overrides: Any) -> Iterator[httpx.Client]:
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    settings = Settings(
        _env_file=None,
        backend="xtquant",
        predownload=False,
        quote_book=False,
        data_dir=str(data_dir),
        **overrides,
    )
    with (
        serve_in_thread(create_app(settings), name="uvicorn-jobs") as url,
        httpx.Client(base_url=url, timeout=10) as http,
    ):
        yield http


@pytest.fixture
def http(fake_xtdata: ModuleType, tmp_path: Path) -> Iterator[httpx.Client]:
    with server(tmp_path) as client:
        yield client
    fake_xtdata.reset()


def job(http: httpx.Client, job_id: str) -> dict[str, Any]:
    answer = http.get(f"/api/download/jobs/{job_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def until(
    http: httpx.Client, job_id: str, done: Callable[[dict[str, Any]], bool], timeout: float = 10
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while not done(found := job(http, job_id)):
        assert time.monotonic() < deadline, found
        time.sleep(0.02)
    return found


def ws_url(http: httpx.Client) -> str:
    return str(http.base_url).rstrip("/").replace("http://", "ws://") + "/ws/download_progress"


def test_the_seed_message_starts_a_job_whose_progress_streams_in_order(
    http: httpx.Client, fake_xtdata: ModuleType, chunk_of_one: None
) -> None:
    fake_xtdata.DELAYS["download_history_data2"] = 0.1
    with connect(ws_url(http), open_timeout=5) as ws:
        ws.send(
            json.dumps({"stocks": CODES, "period": "1d", "start_time": "20251117", "end_time": "20251121"})
        )
        first = json.loads(ws.recv(timeout=5))
        assert first["type"] == "job" and first["job"]["total"] == 4
        job_id = first["job_id"]
        joined = http.post("/api/download/history_data2", json=BODY)  # the same work: joins it
        assert (
            joined.status_code == 202
            and joined.json()["joined"] is True
            and joined.json()["job_id"] == job_id
        )
        messages = []
        while not messages or messages[-1]["type"] != "done":
            messages.append(json.loads(ws.recv(timeout=10)))
    progress = [m for m in messages if m["type"] == "progress"]
    assert [(m["finished"], m["total"], m["stockcode"]) for m in progress] == [
        (n, 4, code) for n, code in enumerate(CODES, 1)
    ]
    assert [code for m in messages if m["type"] == "items" for code in m["items"]] == CODES
    done = messages[-1]
    assert (done["status"], done["state"], done["job"]["counts"]) == ("done", "finished", {"done": 4})
    assert all(m["job_id"] == job_id for m in messages)


def test_a_job_is_answered_at_once_and_other_requests_go_on(
    http: httpx.Client, fake_xtdata: ModuleType
) -> None:
    # Causal, not timed: the answer and the health check come while the (slow) download call still runs.
    fake_xtdata.DELAYS["download_history_data2"] = 2.0
    answer = http.post("/api/download/history_data2", json=BODY)
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert (
        body["watch"] == f"/api/download/jobs/{body['job_id']}"
        and body["progress_ws"] == "/ws/download_progress"
    )
    assert http.get("/api/meta/health").status_code == 200
    assert not [span for span in fake_xtdata.SPANS if span[0] == "download_history_data2"]
    assert until(http, body["job_id"], lambda j: j["state"] == "finished")["counts"] == {"done": 4}


@pytest.mark.parametrize("period", ["1d", "1m"])
def test_the_read_back_asks_one_code_a_call(http: httpx.Client, fake_xtdata: ModuleType, period: str) -> None:
    """The codes of a chunk (four, in one download call) are read back one a backend call: a read builds
    frames in the backend's process, and a request beside the job waits for the one running (bench/download.py:
    p99 3-13 ms beside chunks of ten, ~3 ms one a call, against ~1 ms idle)."""
    answer = http.post("/api/download/history_data2", json={**BODY, "period": period})
    until(http, answer.json()["job_id"], lambda j: j["state"] not in ("queued", "running"))
    [(download_args, _)] = fake_xtdata.calls_to("download_history_data2")
    assert list(download_args[0]) == CODES  # the download itself stays one call for the chunk
    reads = [args[1] for args, _ in fake_xtdata.calls_to("get_local_data")]
    assert reads and all(len(codes) == 1 for codes in reads), reads
    assert {code for codes in reads for code in codes} == set(CODES)


def test_cancel_stops_between_chunks_and_retry_takes_the_rest(
    http: httpx.Client, fake_xtdata: ModuleType, chunk_of_one: None
) -> None:
    fake_xtdata.DELAYS["download_history_data2"] = 0.3
    job_id = http.post("/api/download/history_data2", json=BODY).json()["job_id"]
    deadline = time.monotonic() + 5
    while not fake_xtdata.calls_to("download_history_data2"):  # the first chunk is being downloaded
        assert time.monotonic() < deadline
        time.sleep(0.01)
    cancelled = http.post(f"/api/download/jobs/{job_id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    ended = until(http, job_id, lambda j: j["state"] == "cancelled")
    states = [item["state"] for item in ended["items"].values()]
    assert (
        states[0] == "done"
        and "cancelled" in states
        and len(fake_xtdata.calls_to("download_history_data2")) < 4
    )
    assert_error(http.post(f"/api/download/jobs/{job_id}/cancel"), 409, "job_ended")
    retried = http.post(f"/api/download/jobs/{job_id}/retry")
    assert retried.status_code == 202, retried.text
    again = retried.json()["job"]
    assert again["retry_of"] == job_id
    assert list(again["items"]) == [code for code, item in ended["items"].items() if item["state"] != "done"]
    assert until(http, again["job_id"], lambda j: j["state"] == "finished")["counts"] == {
        "done": again["total"]
    }
    assert_error(http.post(f"/api/download/jobs/{again['job_id']}/retry"), 409, "nothing_to_retry")


def test_the_limits_and_unknown_codes(http: httpx.Client) -> None:
    too_many = {**BODY, "stocks": [f"{n:06d}.SZ" for n in range(MAX_CODES + 1)]}
    assert_error(http.post("/api/download/history_data2", json=too_many), 400, "invalid_parameter", "stocks")
    at_the_limit = {**BODY, "stocks": [f"{n:06d}.SZ" for n in range(MAX_CODES)]}
    assert_error(
        http.post("/api/download/history_data2", json=at_the_limit), 404, "unknown_code"
    )  # past the limit check
    unknown = http.post("/api/download/history_data2", json={**BODY, "stocks": ["600000.SH", "999999.SZ"]})
    assert_error(unknown, 404, "unknown_code")
    assert http.get("/api/download/jobs").json() == {"jobs": []}  # nothing was started
    assert_error(http.get("/api/download/jobs?state=done"), 400, "invalid_parameter")
    assert_error(http.get("/api/download/jobs/dl-nope"), 404, "job_not_found")
    backwards = http.post(
        "/api/download/history_data2", json={**BODY, "start_time": "20251121", "end_time": "20251101"}
    )
    assert backwards.status_code in (400, 422), backwards.text


def test_jobs_survive_a_restart_and_an_unfinished_one_is_interrupted(
    fake_xtdata: ModuleType, tmp_path: Path
) -> None:
    with server(tmp_path) as http:
        finished = http.post("/api/download/history_data2?wait=true", json=BODY).json()["job"]
        fake_xtdata.DELAYS["download_history_data2"] = 1.5
        running = http.post("/api/download/history_data2", json={**BODY, "stocks": CODES[:1]}).json()
        until(http, running["job_id"], lambda j: j["state"] == "running")
    # The server stopped while the job ran (its call ends by itself soon after).
    with server(tmp_path) as http:
        assert job(http, finished["job_id"])["items"] == finished["items"]
        interrupted = job(http, running["job_id"])
        assert interrupted["state"] == "interrupted" and "server stopped" in interrupted["error"]
        assert [j["job_id"] for j in http.get("/api/download/jobs").json()["jobs"]] == [
            running["job_id"],
            finished["job_id"],
        ]
        retried = http.post(f"/api/download/jobs/{running['job_id']}/retry")
        assert retried.status_code == 202 and list(retried.json()["job"]["items"]) == CODES[:1]


def test_the_progress_stream_takes_the_key_as_the_other_streams(
    fake_xtdata: ModuleType, tmp_path: Path
) -> None:
    with server(tmp_path, api_key="k3y-0123456789", require_auth_for_data=True) as http:
        with connect(ws_url(http), open_timeout=5) as ws:
            ws.send(json.dumps({"api_key": "k3y-0123456789x"}))
            with pytest.raises(Exception) as closed:
                ws.recv(timeout=5)
        assert getattr(closed.value, "rcvd", None) is not None and closed.value.rcvd.code == 1008
        with connect(ws_url(http), open_timeout=5, additional_headers={"X-API-Key": "k3y-0123456789"}) as ws:
            ws.send(json.dumps({"job_id": "dl-nope"}))
            error = json.loads(ws.recv(timeout=5))
            ws.send(json.dumps({"stocks": ["600000.SH"], "perod": "1d"}))
            misspelt = json.loads(ws.recv(timeout=5))
        assert error["type"] == "error" and error["error"]["code"] == "job_not_found"
        assert misspelt["error"] == {"code": "invalid_message", "message": "perod: Extra inputs are not permitted",
                                     "details": {}}  # fmt: skip
