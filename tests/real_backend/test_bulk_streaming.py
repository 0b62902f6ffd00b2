"""Heavy answers on the xtquant backend (the fake) over a real uvicorn server: one backend call per chunk of
codes, light requests served between chunks, the work stopped when the client hangs up, a failure part
way cutting the body short, and slots refused with 429/503 when taken."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest

from helpers import FAKE_NOW, serve_in_thread, wait_until
from qmt_bridge.server.services import bulk

CODES = ["600000.SH", "000001.SZ", "301999.SZ", "600087.SH"]
HEAVY = f"/api/market/market_data_ex?stocks={','.join(CODES)}&period=1d&count=3"


@contextmanager
def server(**overrides: Any) -> Iterator[tuple[str, Any]]:
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.server.services.local_history import LocalHistory

    # 4 codes × count=3 are estimated at 12 rows: heavy; a one-code count=1 request is light.
    settings = Settings(_env_file=None, backend="xtquant", predownload=False, heavy_rows=10, **overrides)
    app = create_app(settings)
    with serve_in_thread(app, name="uvicorn-bulk") as url:
        app.state.context.local_history = LocalHistory(now=lambda: FAKE_NOW)
        yield url, app


@pytest.fixture
def one_code_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 3)


def connection(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def reads(fake: ModuleType) -> list[list[str]]:
    """The stock lists of the get_market_data_ex calls so far."""
    return [kwargs["stock_list"] for name, _, kwargs in list(fake.CALLS) if name == "get_market_data_ex"]


def test_each_chunk_is_one_backend_call_and_the_body_is_whole(
    fake_xtdata: ModuleType, one_code_chunks: None
) -> None:
    with server() as (url, _):
        conn = connection(url)
        conn.request("GET", HEAVY)
        response = conn.getresponse()
        body = json.loads(response.read())
    assert response.status == 200 and response.getheader("Transfer-Encoding") == "chunked"
    assert reads(fake_xtdata) == [[code] for code in CODES]
    assert list(body["data"]) == CODES
    assert all(body["data"].values())
    assert body["no_data"] == [] and body["period"] == "1d"


def test_codes_without_rows_are_listed_from_every_chunk(
    fake_xtdata: ModuleType, one_code_chunks: None
) -> None:
    """301999.SZ was listed on 2025-11-19: nothing before; 600087.SH has history up to its delisting."""
    query = f"stocks={','.join(CODES)}&period=1d&start_time=20251101&end_time=20251118&download=never"
    with server() as (url, _):
        conn = connection(url)
        conn.request("GET", "/api/market/market_data_ex?" + query)
        body = json.loads(conn.getresponse().read())
    assert "301999.SZ" in body["no_data"]
    assert body["no_data"] == [code for code in CODES if not body["data"][code]]
    assert len(reads(fake_xtdata)) == 4


def test_a_light_request_is_served_between_two_chunks(fake_xtdata: ModuleType, one_code_chunks: None) -> None:
    """One backend worker: the snapshot waits for the chunk being read, not for the whole answer."""
    fake_xtdata.DELAYS["get_market_data_ex"] = 0.4
    with server(backend_concurrency=1, quote_book=False) as (url, _):
        heavy = connection(url)
        heavy.request("GET", HEAVY)
        response = heavy.getresponse()  # the first chunk has been read
        light = connection(url)
        started = time.monotonic()
        light.request("GET", "/api/market/full_tick?stocks=600000.SH")
        assert light.getresponse().status == 200
        waited = time.monotonic() - started
        assert json.loads(response.read())["data"]
    assert waited < 0.9  # the rest of the answer takes 1.2 s


def test_a_client_that_hangs_up_stops_the_reading_and_frees_its_slot(
    fake_xtdata: ModuleType, one_code_chunks: None
) -> None:
    fake_xtdata.DELAYS["get_market_data_ex"] = 0.4
    with server() as (url, app):
        conn = connection(url)
        conn.request("GET", HEAVY)
        response = conn.getresponse()
        assert response.status == 200
        response.fp.read1(100)  # the first chunk's first bytes
        response.close()  # the socket's last reference: the connection closes
        conn.close()
        admission = app.state.context.admission
        wait_until(lambda: admission.running == 0, "the slot to be given back", timeout=5)
        time.sleep(1.2)  # three more chunks' time
        assert len(reads(fake_xtdata)) <= 2  # the first, and at most the one being read at the hang-up


def test_a_failure_part_way_cuts_the_body_short(fake_xtdata: ModuleType, one_code_chunks: None) -> None:
    fake_xtdata.DELAYS["get_market_data_ex"] = 0.3
    with server() as (url, app):
        conn = connection(url)
        conn.request("GET", HEAVY)
        response = conn.getresponse()
        response.fp.read1(10)
        fake_xtdata.FAILURES["get_market_data_ex"] = RuntimeError("行情服务连接断开")
        with pytest.raises(http.client.IncompleteRead):
            response.read()
        wait_until(lambda: app.state.context.admission.running == 0, "the slot to be given back", timeout=5)


def test_a_failure_in_the_first_chunk_is_an_error_in_the_one_shape(fake_xtdata: ModuleType) -> None:
    fake_xtdata.FAILURES["get_market_data_ex"] = RuntimeError("行情服务连接断开")
    with server() as (url, app):
        conn = connection(url)
        conn.request("GET", HEAVY)
        response = conn.getresponse()
        body = json.loads(response.read())
        assert response.status == 502 and body["error"]["code"] == "backend_error"
        assert app.state.context.admission.running == 0


@pytest.mark.parametrize(
    ("per_client", "status", "code"), [(1, 429, "too_many_requests"), (2, 503, "server_busy")]
)
def test_a_heavy_request_past_the_slots_waits_then_is_refused_while_light_ones_pass(
    fake_xtdata: ModuleType, one_code_chunks: None, per_client: int, status: int, code: str
) -> None:
    fake_xtdata.DELAYS["get_market_data_ex"] = 0.5
    overrides = {"max_heavy_requests": 1, "max_heavy_per_client": per_client, "heavy_wait": 0.3}
    with server(**overrides) as (url, app):
        first = connection(url)
        done = threading.Event()

        def hold() -> None:
            first.request("GET", HEAVY)
            first.getresponse().read()
            done.set()

        threading.Thread(target=hold, daemon=True).start()
        wait_until(lambda: app.state.context.admission.running == 1, "the first heavy request", timeout=5)
        second = connection(url)
        started = time.monotonic()
        second.request("GET", HEAVY)
        refused = second.getresponse()
        body = json.loads(refused.read())
        waited = time.monotonic() - started
        light = connection(url)
        light.request("GET", "/api/market/full_tick?stocks=600000.SH")
        assert light.getresponse().status == 200
        assert done.wait(10)
    assert refused.status == status and body["error"]["code"] == code
    assert refused.getheader("Retry-After") == "1"
    assert 0.25 < waited < 1.5  # it waited for a slot before being refused


def test_the_client_names_an_answer_cut_short(fake_xtdata: ModuleType, one_code_chunks: None) -> None:
    from qmt_bridge.client import QMTClient
    from qmt_bridge.client.errors import APIConnectionError

    fake_xtdata.DELAYS["get_market_data_ex"] = 0.3
    with server() as (url, _):
        client = QMTClient(base_url=url, max_retries=0, use_pandas=False)
        threading.Timer(
            0.5, lambda: fake_xtdata.FAILURES.update(get_market_data_ex=RuntimeError("断开"))
        ).start()
        with pytest.raises(APIConnectionError, match="cut short after"):
            client.get_history_ex(CODES, period="1d", count=3)


def test_the_client_reads_a_streamed_answer_as_any_other(
    fake_xtdata: ModuleType, one_code_chunks: None
) -> None:
    from qmt_bridge.client import QMTClient

    with server() as (url, _):
        bars = QMTClient(base_url=url, use_pandas=False).get_history_ex(CODES, period="1d", count=3)
    assert list(bars) == CODES and all(len(rows) >= 2 for rows in bars.values())


def test_a_streamed_answer_is_one_gzip_stream_when_the_client_accepts_it(
    fake_xtdata: ModuleType, one_code_chunks: None
) -> None:
    import gzip

    with server() as (url, _):
        plain = connection(url)
        plain.request("GET", HEAVY)
        expected = plain.getresponse().read()
        zipped = connection(url)
        zipped.request("GET", HEAVY, headers={"Accept-Encoding": "gzip"})
        response = zipped.getresponse()
        body = response.read()
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Transfer-Encoding") == "chunked"
    # The first answer downloaded the range into the local cache, the second did not: compare the rest.
    unzipped, plain = json.loads(gzip.decompress(body)), json.loads(expected)
    assert unzipped["data"] == plain["data"] and unzipped["no_data"] == plain["no_data"]


def test_a_client_that_hangs_up_while_its_codes_are_checked_stops_the_checks(
    fake_xtdata: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the first byte (thousands of codes take seconds to check) a hang-up stops the work too."""
    from qmt_bridge.server.services import market_data

    monkeypatch.setattr(market_data, "CHECK_CHUNK", 1)  # one get_instrument_detail call a code
    fake_xtdata.DELAYS["get_instrument_detail"] = 0.4
    with server(quote_book=False) as (url, app):
        conn = connection(url)
        conn.request("GET", HEAVY)
        time.sleep(0.6)  # the second code's check is running
        conn.close()
        admission = app.state.context.admission
        wait_until(lambda: admission.running == 0, "the slot to be given back", timeout=5)
        time.sleep(1.0)  # two more checks' time
        assert len(fake_xtdata.calls_to("get_instrument_detail")) <= 2
        assert reads(fake_xtdata) == []
