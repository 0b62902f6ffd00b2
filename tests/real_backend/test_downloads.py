"""Multi-stock downloads on the real backend: chunks of stocks, one runner call each, one deadline."""

from __future__ import annotations

import threading
import time

import pytest

from helpers import assert_error
from qmt_bridge.server import deps

pytestmark = pytest.mark.timeout(30)

CODES = ["600000.SH", "000001.SZ", "301999.SZ", "000300.SH"]


@pytest.fixture
def chunk_of_one(monkeypatch):
    """The fake knows four codes; chunks of one stock make several chunks out of them."""
    monkeypatch.setattr(deps, "DOWNLOAD_CHUNK", 1)


def history(client, **extra):
    body = {"stocks": CODES, "period": "1d", "start_time": "20251101", "end_time": "20251121", **extra}
    return client.post("/api/download/history_data2", json=body)


def test_history_is_downloaded_chunk_by_chunk_and_the_results_merged(client, fake_xtdata, chunk_of_one):
    response = history(client, incrementally=False)
    assert response.status_code == 200, response.text
    assert list(response.json()["result"]) == CODES
    assert fake_xtdata.calls_to("download_history_data2") == [
        (([code], "1d", "20251101", "20251121"), {"incrementally": False}) for code in CODES
    ]


def test_ten_stocks_per_call_by_default(client, fake_xtdata):
    assert deps.DOWNLOAD_CHUNK == 10
    assert history(client).status_code == 200
    assert [args[0] for args, _ in fake_xtdata.calls_to("download_history_data2")] == [CODES]


def test_financial_data_is_downloaded_chunk_by_chunk(client, fake_xtdata, chunk_of_one):
    body = {"stocks": CODES[:3], "tables": ["Balance", "Income"], "start_time": "20240101"}
    response = client.post("/api/download/financial_data", json=body)
    assert response.status_code == 200, response.text
    assert fake_xtdata.calls_to("download_financial_data2") == [
        (([code], ["Balance", "Income"], "20240101", ""), {}) for code in CODES[:3]
    ]


def test_other_requests_are_served_between_two_chunks(client, fake_xtdata, chunk_of_one):
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
    order = [name for name, *_ in fake_xtdata.SPANS if name in ("download_history_data2", "get_holidays")]
    # One worker: the request ran after the chunk running when it came, not after the whole download.
    assert order.count("download_history_data2") == len(CODES) and order[0] == "download_history_data2"
    assert order.index("get_holidays") < len(order) - 1


def test_one_deadline_for_all_chunks(make_client, fake_xtdata, chunk_of_one):
    client = make_client(download_timeout=0.5)
    fake_xtdata.DELAYS["download_history_data2"] = 0.3
    started = time.perf_counter()
    error = assert_error(history(client), 504, "backend_timeout")
    assert time.perf_counter() - started < 2.0
    assert error["details"] == {"call": "download_history_data2", "timeout": 0.5, "queued": False}
    assert len(fake_xtdata.calls_to("download_history_data2")) == 2  # the third chunk never started


def test_the_legacy_download_has_the_download_timeout(make_client, fake_xtdata):
    client = make_client(backend_timeout=0.2, download_timeout=5)
    fake_xtdata.DELAYS["download_history_data2"] = 0.5
    body = {"stock": "600000.SH", "period": "1d"}
    response = client.post("/api/download", json=body)
    assert response.status_code == 200, response.text
