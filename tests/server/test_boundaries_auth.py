"""The API key at its boundary: every near miss of the key (a prefix, the key plus a character, another case,
surrounding whitespace, empty) is refused on the data endpoints (QMT_BRIDGE_REQUIRE_AUTH_FOR_DATA), on the
quote book's full_tick shortcut, and on /ws/realtime (header or first message), and the exact key is
accepted, on the simulator.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from conftest import SEED
from helpers import assert_error
from qmt_bridge.server.app import create_app
from qmt_bridge.server.config import Settings

KEY = "Key-7fQ2-secret"
BJ = "430047.BJ"

#: Keys that differ from KEY by as little as possible.
NEAR_MISSES = {
    "prefix": KEY[:-1],
    "first-char": KEY[:1],
    "extended": KEY + "x",
    "doubled": KEY + KEY,
    "last-char": KEY[:-1] + "T",
    "upper": KEY.upper(),
    "lower": KEY.lower(),
    "leading-space": " " + KEY,
    "trailing-space": KEY + " ",
    "tab": KEY + "\t",
    "same-length": "x" * len(KEY),
}


@pytest.fixture(scope="module")
def client(sim_backend: Any) -> Iterator[TestClient]:
    settings = Settings(
        _env_file=None,
        backend="sim",
        sim_seed=SEED,
        predownload=False,
        quote_markets="BJ",
        api_key=KEY,
        require_auth_for_data=True,
    )
    with TestClient(create_app(settings, backend=sim_backend)) as client:
        yield client


@pytest.fixture(scope="module")
def book_ready(client: TestClient) -> TestClient:
    """The quote book serving, so that full_tick goes through the shortcut when the key matches."""
    good = {"X-API-Key": KEY}
    assert client.get(f"/api/market/full_tick?stocks={BJ}", headers=good).status_code == 200
    deadline = time.monotonic() + 30
    while not client.get("/api/meta/quote_book", headers=good).json()["serving"]:
        assert time.monotonic() < deadline, "the quote book's first push"
        time.sleep(0.05)
    return client


DATA_URLS = [
    "/api/market/market_data_ex?stocks=600519.SH&period=1d&count=1",
    "/api/instrument/detail_list?stocks=600519.SH",
    f"/api/market/full_tick?stocks={BJ}",
]


@pytest.mark.parametrize("url", DATA_URLS)
def test_the_exact_key_is_accepted(book_ready: TestClient, url: str) -> None:
    response = book_ready.get(url, headers={"X-API-Key": KEY})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("url", DATA_URLS)
@pytest.mark.parametrize("wrong", list(NEAR_MISSES.values()), ids=list(NEAR_MISSES))
def test_a_near_miss_key_is_401_on_data_endpoints(book_ready: TestClient, url: str, wrong: str) -> None:
    response = book_ready.get(url, headers={"X-API-Key": wrong})
    assert_error(response, 401, "invalid_api_key")
    assert KEY not in response.text


@pytest.mark.parametrize("url", DATA_URLS)
def test_an_empty_or_absent_key_is_401_missing_api_key(book_ready: TestClient, url: str) -> None:
    assert_error(book_ready.get(url, headers={"X-API-Key": ""}), 401, "missing_api_key")
    assert_error(book_ready.get(url), 401, "missing_api_key")


# ------------------------------------------------------------------ /ws/realtime


def _subscribes(ws: Any) -> None:
    ws.send_json({"stocks": [BJ], "period": "tick"})
    deadline = time.monotonic() + 30
    while True:
        message = ws.receive_json()
        if message["type"] == "status" and message["status"] == "subscribed":
            return
        assert time.monotonic() < deadline, message


def _closed_with_1008(ws: Any) -> None:
    with pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == 1008


def test_the_exact_key_opens_the_stream_in_the_header_or_the_first_message(client: TestClient) -> None:
    with client.websocket_connect("/ws/realtime", headers={"X-API-Key": KEY}) as ws:
        _subscribes(ws)
    with client.websocket_connect("/ws/realtime") as ws:
        ws.send_json({"api_key": KEY})
        _subscribes(ws)


@pytest.mark.parametrize("wrong", [*NEAR_MISSES.values(), ""], ids=[*NEAR_MISSES, "empty"])
def test_a_near_miss_key_as_the_first_message_closes_with_1008(client: TestClient, wrong: str) -> None:
    with client.websocket_connect("/ws/realtime") as ws:
        ws.send_json({"api_key": wrong})
        _closed_with_1008(ws)


@pytest.mark.parametrize("wrong", [*NEAR_MISSES.values(), ""], ids=[*NEAR_MISSES, "empty"])
def test_a_near_miss_key_in_the_header_closes_with_1008(client: TestClient, wrong: str) -> None:
    with client.websocket_connect("/ws/realtime", headers={"X-API-Key": wrong}) as ws:
        ws.send_json({"stocks": [BJ], "period": "tick"})
        _closed_with_1008(ws)
