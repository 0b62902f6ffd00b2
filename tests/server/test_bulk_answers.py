"""Heavy K-line answers (row estimate at ``heavy_rows`` or more) are streamed by chunks of codes, and are
byte for byte the answers a light request gets, on every bulk endpoint and in both formats."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers import sim_clients_by_heavy_rows
from qmt_bridge.server.services import bulk

CODES = "600519.SH,000001.SZ,000002.SZ"

URLS = [
    f"/api/market/market_data_ex?stocks={CODES}&period=1d&count=5",
    f"/api/market/market_data_ex?stocks={CODES}&period=1d&count=5&format=columns",
    f"/api/market/market_data_ex?stocks={CODES}&period=1m&count=5&fields=close,volume",
    f"/api/market/history_ex?stocks={CODES}&period=1d&count=5",
    f"/api/market/market_data?stocks={CODES}&period=1d&count=5",
    f"/api/market/market_data?stocks={CODES}&period=tick&count=5&format=columns",
    f"/api/market/local_data?stocks={CODES}&period=5m&count=5",
    f"/api/batch_history?stocks={CODES}&count=5",
]


@pytest.fixture(scope="module")
def clients() -> Iterator[Callable[[int], TestClient]]:
    with sim_clients_by_heavy_rows() as client:
        yield client


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of about 5 rows: with 5 rows a code, one code a chunk."""
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 5)


def streamed(response: Any) -> bool:
    """Sent with chunked transfer encoding (no Content-Length), as a streamed answer is."""
    return "content-length" not in response.headers


@pytest.mark.parametrize("url", URLS)
def test_a_heavy_answer_is_the_light_answer_streamed_by_chunks(
    clients: Callable[[int], TestClient], small_chunks: None, url: str
) -> None:
    light = clients(10**9).get(url)
    heavy = clients(1).get(url)
    assert light.status_code == heavy.status_code == 200, heavy.text
    assert not streamed(light) and streamed(heavy)
    assert heavy.content == light.content
    assert heavy.headers["content-type"] == "application/json"
    assert len(heavy.json()["data"]) == 3


def test_the_heavy_threshold_is_inclusive(clients: Callable[[int], TestClient]) -> None:
    """Three codes × count=5 are estimated at 15 rows: heavy at heavy_rows=15, light at 16."""
    url = URLS[0]
    assert streamed(clients(15).get(url))
    assert not streamed(clients(16).get(url))


def test_a_finished_heavy_answer_gives_its_slot_back(clients: Callable[[int], TestClient]) -> None:
    client = clients(1)
    for _ in range(5):  # more than max_heavy_requests (2): each must have released its slot
        assert client.get(URLS[0]).status_code == 200
    assert client.app.state.context.admission.running == 0
