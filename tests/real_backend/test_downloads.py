"""Multi-stock downloads on the real backend, as jobs: chunks of stocks, one runner call each, one deadline,
each code read back from the local cache afterwards."""

from __future__ import annotations

import threading
import time

import pytest

from qmt_bridge.server import deps

pytestmark = pytest.mark.timeout(30)

CODES = ["600000.SH", "000001.SZ", "301999.SZ", "000300.SH"]


@pytest.fixture
def chunk_of_one(monkeypatch):
    """The fake knows four codes; chunks of one stock make several chunks out of them."""
    monkeypatch.setattr(deps, "DOWNLOAD_CHUNK", 1)


def history(client, **extra):
    """The download, waited for (200 with the ended job)."""
    body = {"stocks": CODES, "period": "1d", "start_time": "20251101", "end_time": "20251121", **extra}
    return client.post("/api/download/history_data2?wait=true", json=body)


def download_args(name):
    """Each call's positional arguments and its ``incrementally``."""
    return [(args, kwargs.get("incrementally")) for args, kwargs in fake_calls(name)]


fake_calls = None  # set by the autouse fixture below


@pytest.fixture(autouse=True)
def _calls(fake_xtdata):
    global fake_calls
    fake_calls = fake_xtdata.calls_to


def test_history_is_downloaded_chunk_by_chunk_and_the_results_merged(client, fake_xtdata, chunk_of_one):
    response = history(client, incrementally=False)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert list(answer["result"]) == CODES
    assert download_args("download_history_data2") == [
        (([code], "1d", "20251101", "20251121"), False) for code in CODES
    ]
    # Each code read back. The fake's calendar has trading days from 11-10, its bars start on 11-17: partial,
    # saying what is missing; 301999.SZ listed on 11-19, so its three days are complete.
    items = answer["job"]["items"]
    assert {code: item["state"] for code, item in items.items()} == {
        "600000.SH": "partial", "000001.SZ": "partial", "301999.SZ": "done", "000300.SH": "partial",
    }  # fmt: skip
    assert answer["status"] == "partial"
    assert items["600000.SH"]["coverage"] == {
        "rows": 5, "first": "20251117", "last": "20251121", "expected_days": 10,
        "missing_before": "20251110", "missing_after": None,
    }  # fmt: skip
    assert items["600000.SH"]["error"] == "missing from 20251110 to before 20251117"
    assert items["301999.SZ"]["coverage"]["rows"] == items["301999.SZ"]["coverage"]["expected_days"] == 3


def test_ten_stocks_per_call_by_default(client, fake_xtdata):
    assert deps.DOWNLOAD_CHUNK == 10
    assert history(client).status_code == 200
    assert [args[0] for args, _ in fake_xtdata.calls_to("download_history_data2")] == [CODES]


def test_financial_data_is_downloaded_chunk_by_chunk(client, fake_xtdata, chunk_of_one):
    body = {"stocks": CODES[:3], "tables": ["Balance", "Income"], "start_time": "20240101"}
    response = client.post("/api/download/financial_data?wait=true", json=body)
    assert response.status_code == 200, response.text
    assert [args for args, _ in fake_calls("download_financial_data2")] == [
        ([code], ["Balance", "Income"], "20240101", "") for code in CODES[:3]
    ]


def test_other_requests_are_served_beside_the_download(client, fake_xtdata, chunk_of_one):
    """The download's calls go to the runner's background lane (as the pre-download's): an interactive
    request waits for none of them, not even the chunk running when it came."""
    fake_xtdata.DELAYS["download_history_data2"] = 0.3
    answers = []
    downloading = threading.Thread(target=lambda: answers.append(history(client)))
    downloading.start()
    deadline = time.monotonic() + 5
    while not fake_xtdata.calls_to("download_history_data2"):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert client.get("/api/calendar/holidays").status_code == 200
    downloading.join()
    assert answers[0].status_code == 200, answers[0].text
    spans = {name: [] for name in ("download_history_data2", "get_holidays")}
    for name, thread, start, end in fake_xtdata.SPANS:
        if name in spans:
            spans[name].append((thread, start, end))
    assert len(spans["download_history_data2"]) == len(CODES)
    [(holidays_thread, _, holidays_end)] = spans["get_holidays"]
    first_download_thread, _, first_download_end = spans["download_history_data2"][0]
    assert holidays_end < first_download_end and holidays_thread != first_download_thread


def test_one_deadline_for_all_chunks(make_client, fake_xtdata, chunk_of_one):
    client = make_client(download_timeout=0.5)
    fake_xtdata.DELAYS["download_history_data2"] = 0.3
    started = time.perf_counter()
    answer = history(client).json()
    assert time.perf_counter() - started < 2.0
    assert answer["status"] == "failed" and "timed out after 0.5 s" in answer["job"]["error"]
    states = [item["state"] for item in answer["job"]["items"].values()]
    assert states[0] == "partial" and states[2:] == ["failed", "failed"]  # partial: see the first test
    assert len(fake_xtdata.calls_to("download_history_data2")) == 2  # the third chunk never started


def test_a_hung_download_fails_its_job_and_the_server_keeps_answering(make_client, fake_xtdata):
    client = make_client(download_timeout=0.5, backend_timeout=5)
    fake_xtdata.DOWNLOAD_HANGS = True
    started = client.post("/api/download/history_data2", json={"stocks": CODES[:1], "period": "1d"})
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    assert client.get("/api/meta/health").status_code == 200  # while the job runs
    deadline = time.monotonic() + 5
    while (job := client.get(f"/api/download/jobs/{job_id}").json())["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job["state"] == "failed" and "timed out" in job["error"]
    fake_xtdata.DOWNLOAD_HANGS = False
    fake_xtdata.reset()  # releases the hung call, as xtquant's would end on a disconnect
    assert client.get("/api/calendar/holidays").status_code == 200


def test_a_download_that_leaves_no_bars_fails_the_code(client, fake_xtdata):
    """xtquant reports success, but the local cache holds nothing: the job says so."""
    fake_xtdata.RETURNS["download_history_data2"] = {"600000.SH": {"start_time": None, "end_time": None}}
    body = {"stocks": ["600000.SH"], "period": "1d", "start_time": "20251110", "end_time": "20251114"}
    answer = client.post("/api/download/history_data2?wait=true", json=body).json()
    assert answer["status"] == "failed"
    item = answer["job"]["items"]["600000.SH"]
    assert item["state"] == "failed" and item["coverage"]["rows"] == 0
    assert item["coverage"]["expected_days"] == 5 and "5 trading day(s)" in item["error"]
    retried = client.post(f"/api/download/jobs/{answer['job']['job_id']}/retry")
    assert retried.status_code == 202 and retried.json()["job"]["retry_of"] == answer["job"]["job_id"]


def test_the_legacy_download_has_the_download_timeout(make_client, fake_xtdata):
    client = make_client(backend_timeout=0.2, download_timeout=5)
    fake_xtdata.DELAYS["download_history_data2"] = 0.5
    body = {"stock": "600000.SH", "period": "1d"}
    response = client.post("/api/download", json=body)
    assert response.status_code == 200, response.text
