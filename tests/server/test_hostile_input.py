"""Hostile but realistic input (issue 15, item 6), on one server with the data key required and trading on.

Each hole closed here was answered wrongly before: a lone surrogate in a JSON string was a 502 with the
backend's exception text; names Windows cannot store (or silently changes) became user sectors; a caller
without the key learnt an endpoint's parameters from its 422; a repeated ``X-API-Key`` or JSON key was
resolved silently; a list item "A,B" was read as two codes; a WebSocket handshake to an HTTP route or an
unknown path got an empty 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from helpers import assert_error, trading_app

KEY = "hostile-input-key-1"
AUTH = {"X-API-Key": KEY}
ORDER = {"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = trading_app(tmp_path_factory.mktemp("hostile"), KEY, require_auth_for_data=True)
    with TestClient(app) as client:
        yield client


def sectors(client: TestClient) -> list[str]:
    return client.get("/api/sector/list", headers=AUTH).json()["sectors"]


def post_raw(client: TestClient, path: str, body: str, headers: dict[str, str] | None = None) -> Any:
    return client.post(
        path,
        content=body.encode("utf-8", "surrogatepass"),
        headers={"Content-Type": "application/json", **(headers or AUTH)},
    )


# ------------------------------------------------------------------ lone surrogates


def test_a_lone_surrogate_in_a_name_is_400_naming_the_field(client: TestClient) -> None:
    answer = post_raw(client, "/api/sector/create", '{"sector_name": "\\ud800"}')
    error = assert_error(answer, 400, "invalid_text", "sector_name")
    assert error["details"] == {"param": "sector_name"}
    assert "surrogate" in error["message"]


def test_a_lone_surrogate_in_a_list_item_or_a_key_names_where(client: TestClient) -> None:
    answer = post_raw(
        client, "/api/sector/add_stocks", '{"sector_name": "x", "stocks": ["600519.SH", "\\udfff"]}'
    )
    assert_error(answer, 400, "invalid_text", "stocks.1")
    answer = post_raw(client, "/api/sector/create", '{"sector_name": "y", "\\ud83d板": 1}')
    error = assert_error(answer, 400, "invalid_text")
    assert error["details"] == {"param": "\\ud83d板"}


def test_a_surrogate_pair_is_text_and_passes(client: TestClient) -> None:
    """The near miss: an escaped pair (\\ud83d\\ude00) is one character, 😀, and a valid name."""
    answer = post_raw(client, "/api/sector/create", '{"sector_name": "\\ud83d\\ude00板块"}')
    assert answer.status_code == 200, answer.text
    assert "😀板块" in sectors(client)


def test_a_lone_surrogate_in_an_order_places_nothing(client: TestClient) -> None:
    before = client.get("/api/trading/orders", headers=AUTH).json()["data"]
    answer = post_raw(
        client,
        "/api/trading/order",
        '{"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100, "order_remark": "a\\ud800"}',
    )
    assert_error(answer, 400, "invalid_text", "order_remark")
    assert client.get("/api/trading/orders", headers=AUTH).json()["data"] == before


# ------------------------------------------------------------------ names Windows cannot store

UNSAFE_NAMES = {
    "dot": ".",
    "dot-dot": "..",
    "CON": "CON",
    "nul-lower": "nul",
    "aux-with-extension": "aux.txt",
    "COM1": "COM1",
    "LPT9": "LPT9",
    "COM-superscript": "COM¹",
    "CONOUT$": "CONOUT$",
    "device-space-extension": "PRN .log",
    "trailing-dot": "板块.",
    "DEL": "a\x7fb",
    "C1-control": "a\x85b",
    "bidi-override": "abc\u202etxt.exe",
    "line-separator": "a\u2028b",
    "paragraph-separator": "a\u2029b",
    "zero-width-space": "a\u200bb",
    "zero-width-joiner": "a\u200db",
    "word-joiner": "a\u2060b",
    "BOM": "\ufeff板块",
    "private-use": "a\ue000b",
    "colon": "a:b",
    "tab": "a\tb",
}

#: One step from an unsafe name, and fine on Windows.
SAFE_NEAR_MISSES = {
    "CON-prefix": "CONSOLE",
    "NULL": "NULL",
    "COM10": "COM10",
    "device-in-name": "AUX板块",
    "leading-dot": ".隐藏",
    "dot-inside": "a.b",
    "ideographic-space": "全角\u3000空格",
    "space-inside": "板块 一",
}


@pytest.mark.parametrize("name", list(UNSAFE_NAMES.values()), ids=list(UNSAFE_NAMES))
@pytest.mark.parametrize("what", ["sector_name", "folder_name"])
def test_a_name_windows_cannot_store_is_refused(client: TestClient, what: str, name: str) -> None:
    path = "/api/sector/create" if what == "sector_name" else "/api/sector/create_folder"
    answer = client.post(path, headers=AUTH, json={what: name})
    error = assert_error(answer, 400, "invalid_parameter", what)
    assert error["details"]["param"] == what
    assert name.strip() not in sectors(client)


@pytest.mark.parametrize("name", list(SAFE_NEAR_MISSES.values()), ids=list(SAFE_NEAR_MISSES))
def test_a_near_miss_of_an_unsafe_name_is_a_valid_name(client: TestClient, name: str) -> None:
    answer = client.post("/api/sector/create", headers=AUTH, json={"sector_name": name})
    assert answer.status_code == 200, answer.text
    assert name in sectors(client)


def test_an_unsafe_name_is_refused_as_parent_node_too(client: TestClient) -> None:
    answer = client.post("/api/sector/create", headers=AUTH, json={"sector_name": "ok1", "parent_node": ".."})
    assert_error(answer, 400, "invalid_parameter", "parent_node")


# ------------------------------------------------------------------ the key before anything else


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/api/market/full_tick?stocks=600519.SH&stock=1", None),
        ("GET", "/api/market/market_data_ex?stocks=600519.SH&stocks=000001.SZ", None),
        ("GET", "/api/calendar/trading_dates?market=SH&start_date=20250101", None),
        ("POST", "/api/sector/create", "{not json"),
        ("POST", "/api/sector/create", '{"sector_name": "a", "sector_name": "b"}'),
        ("POST", "/api/sector/create", '{"sector_name": "\\ud800"}'),
        ("POST", "/api/download/history_data2", '{"stocks": ["600519.SH"], "perod": "1d"}'),
        ("POST", "/api/trading/order", "{not json"),
        ("POST", "/api/trading/order", '{"stock_code": "000001.SZ", "volume": 100}'),
        ("GET", "/api/trading/orders?acount_id=1", None),
    ],
)
def test_without_the_key_the_answer_is_401_and_says_nothing_about_parameters(
    client: TestClient, method: str, url: str, body: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    content = body.encode("utf-8", "surrogatepass") if body is not None else None
    for key in (None, KEY + "x"):
        sent = {**headers, "X-API-Key": key} if key else headers
        answer = client.request(method, url, content=content, headers=sent)
        error = assert_error(answer, 401)
        assert error["code"] in ("missing_api_key", "invalid_api_key")
        assert "takes" not in error["message"] and "did you mean" not in error["message"]
    # The near miss: with the key, the same request is refused for what it is.
    answer = client.request(method, url, content=content, headers={**headers, **AUTH})
    assert answer.status_code in (400, 422), answer.text


def test_two_key_headers_are_refused_even_when_both_are_the_key(client: TestClient) -> None:
    for second in (KEY, KEY + "x", "wrong"):
        headers = [("X-API-Key", KEY), ("X-API-Key", second)]
        for url in ("/api/sector/list", "/api/trading/orders"):
            answer = client.get(url, headers=headers)
            error = assert_error(answer, 400, "repeated_header", "X-API-Key")
            assert error["details"] == {"param": "X-API-Key"}
    assert client.get("/api/sector/list", headers=[("X-API-Key", KEY)]).status_code == 200


def test_two_key_headers_on_the_full_tick_shortcut_are_refused(client: TestClient) -> None:
    """The quote book's shortcut serves only exactly one matching key; two go to the route and are refused."""
    headers = [("X-API-Key", KEY), ("X-API-Key", KEY)]
    answer = client.get("/api/market/full_tick?stocks=430047.BJ", headers=headers)
    assert_error(answer, 400, "repeated_header")


def test_two_key_headers_close_a_stream(client: TestClient) -> None:
    for path in ("/ws/realtime", "/ws/trade"):
        headers = httpx.Headers([("X-API-Key", KEY), ("X-API-Key", KEY)])
        with pytest.raises(WebSocketDisconnect) as closed:
            with client.websocket_connect(path, headers=headers) as ws:
                ws.receive_json()
        assert closed.value.code == 1008
        assert "more than once" in closed.value.reason


# ------------------------------------------------------------------ repeated JSON keys, joined codes


def test_a_key_repeated_in_a_json_body_is_422_and_nothing_is_created(client: TestClient) -> None:
    answer = post_raw(client, "/api/sector/create", '{"sector_name": "重复一", "sector_name": "重复二"}')
    error = assert_error(answer, 422, "validation_error", "sector_name")
    assert error["details"]["errors"][0]["param"] == "sector_name"
    assert "重复一" not in sectors(client) and "重复二" not in sectors(client)


def test_a_repeated_order_field_places_no_order(client: TestClient) -> None:
    before = client.get("/api/trading/orders", headers=AUTH).json()["data"]
    body = '{"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100, "order_volume": 10000}'
    assert_error(post_raw(client, "/api/trading/order", body), 422, "validation_error", "order_volume")
    assert client.get("/api/trading/orders", headers=AUTH).json()["data"] == before


def test_the_same_key_in_two_objects_is_not_a_repeat(client: TestClient) -> None:
    """The near miss: one name in different objects (two orders of a batch) is fine."""
    answer = client.post("/api/trading/batch_order", headers=AUTH, json=[ORDER, ORDER])
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["data"]) == 2


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/sector/add_stocks", {"sector_name": "板块 一", "stocks": ["600519.SH,000001.SZ"]}),
        ("/api/download/history_data2", {"stocks": ["600519.SH", "000001.SZ,600000.SH"], "period": "1d"}),
    ],
)
def test_a_list_item_holding_a_comma_is_refused(client: TestClient, path: str, body: dict[str, Any]) -> None:
    error = assert_error(client.post(path, headers=AUTH, json=body), 422, "validation_error", "stocks")
    assert "comma" in error["message"]


def test_a_stream_refuses_a_list_item_holding_a_comma(client: TestClient) -> None:
    with client.websocket_connect("/ws/realtime", headers=AUTH) as ws:
        ws.send_json({"stocks": ["600519.SH,000001.SZ"], "period": "1d"})
        message = ws.receive_json()
        while message.get("type") == "status":
            message = ws.receive_json()
        assert message["type"] == "error", message
        assert message["error"]["code"] == "invalid_message"
        assert "comma" in message["error"]["message"]


# ------------------------------------------------------------------ WebSocket handshakes nobody serves


@pytest.mark.parametrize(
    "path", ["/nothing-here", "/api/meta/health", "/api/market/full_tick", "/ws/nope", "/"]
)
def test_a_handshake_to_a_path_without_a_stream_is_404_in_the_one_shape(
    client: TestClient, path: str
) -> None:
    with pytest.raises(WebSocketDenialResponse) as denied:
        with client.websocket_connect(path, headers=AUTH):
            pass
    error = assert_error(denied.value, 404, "route_not_found")
    assert path in error["message"] and "/ws/realtime" in error["message"]
