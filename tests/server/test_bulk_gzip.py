"""gzip on the bulk K-line answers: for a client that accepts it, JSON bodies of GZIP_MIN_BYTES or more are
compressed (the same JSON once decoded); small ones, Arrow, and clients that do not ask are not."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from helpers import sim_clients_by_heavy_rows
from qmt_bridge.server.services import bulk

BIG = "/api/market/market_data_ex?stocks=600519.SH,000001.SZ&period=1m&count=200"  # ~60 kB of JSON
SMALL = "/api/market/market_data_ex?stocks=600519.SH&period=1d&count=2"


@pytest.fixture(scope="module")
def clients() -> Iterator[Callable[[int], TestClient]]:
    with sim_clients_by_heavy_rows() as client:
        yield client


def raw(client: TestClient, url: str, accept_encoding: str) -> tuple[dict[str, str], bytes]:
    """Headers and the undecoded body."""
    with client.stream("GET", url, headers={"Accept-Encoding": accept_encoding}) as response:
        assert response.status_code == 200
        return dict(response.headers), b"".join(response.iter_raw())


@pytest.mark.parametrize("heavy_rows", [10**9, 1], ids=["light", "streamed"])
def test_a_large_json_answer_is_gzipped_for_a_client_that_accepts_it(
    clients: Callable[[int], TestClient], heavy_rows: int
) -> None:
    client = clients(heavy_rows)
    plain_headers, plain = raw(client, BIG, "identity")
    headers, zipped = raw(client, BIG, "gzip, deflate")
    assert "content-encoding" not in plain_headers and len(plain) > bulk.GZIP_MIN_BYTES
    assert headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers["vary"]
    assert gzip.decompress(zipped) == plain
    assert len(zipped) < len(plain) / 3


def test_the_size_threshold_is_inclusive(
    clients: Callable[[int], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = clients(10**9)
    _, body = raw(client, SMALL, "identity")
    monkeypatch.setattr(bulk, "GZIP_MIN_BYTES", len(body))
    assert raw(client, SMALL, "gzip")[0].get("content-encoding") == "gzip"
    monkeypatch.setattr(bulk, "GZIP_MIN_BYTES", len(body) + 1)
    assert "content-encoding" not in raw(client, SMALL, "gzip")[0]


@pytest.mark.parametrize("accept_encoding", ["", "identity", "br", "gzip;q=0", "gzip; q=0.0"])
def test_no_gzip_unless_accepted(clients: Callable[[int], TestClient], accept_encoding: str) -> None:
    assert "content-encoding" not in raw(clients(10**9), BIG, accept_encoding)[0]


def test_arrow_is_not_gzipped(clients: Callable[[int], TestClient]) -> None:
    headers, _ = raw(clients(10**9), BIG + "&format=arrow", "gzip")
    assert "content-encoding" not in headers
