"""Endpoints of the spec that are not built yet (trading, credit, transfers, WebSockets) answer 501 and say so."""

from __future__ import annotations

import asyncio

import pytest
from starlette.testclient import WebSocketDenialResponse

from helpers import assert_error, serve_frozen_sim
from qmt_bridge.server.routers.planned import PLANNED_HTTP, PLANNED_WS


@pytest.mark.parametrize(("method", "path"), list(PLANNED_HTTP))
def test_planned_http_endpoint_is_501_naming_the_feature(api, method, path):
    r = api.request(method, path, params={"account_id": "1"}, json={"stock_code": "600519.SH"})
    error = assert_error(r, 501, "not_implemented")
    assert error["message"].startswith(f"{method} {path}: ")
    assert "not built yet" in error["message"]
    assert error["details"] == {"feature": PLANNED_HTTP[(method, path)]}


def test_a_credit_order_gets_501_naming_the_feature(api):
    r = api.post(
        "/api/credit/order",
        json={"stock_code": "000001.SZ", "order_type": 27, "order_volume": 100},
        headers={"X-API-Key": "your-secret-key"},
    )
    assert_error(r, 501, "not_implemented", "credit trading")


def test_planned_endpoints_are_not_in_the_documented_api(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert not [path for _method, path in PLANNED_HTTP if path in paths]
    assert not [path for path in PLANNED_WS if path in paths]


@pytest.mark.parametrize("path", list(PLANNED_WS))
def test_planned_websocket_handshake_is_denied_with_501(api, path):
    with pytest.raises(WebSocketDenialResponse) as denied:
        with api.websocket_connect(path):
            pass
    assert denied.value.status_code == 501
    body = denied.value.json()
    assert body["error"]["code"] == "not_implemented"
    assert body["error"]["message"].startswith(f"WebSocket {path}: ")
    assert body["error"]["details"] == {"feature": PLANNED_WS[path]}
    assert isinstance(body["request_id"], str) and len(body["request_id"]) == 16
    assert denied.value.headers["X-Request-ID"] == body["request_id"]


def test_planned_websocket_without_denial_support_is_closed_with_1011(api):
    """Servers without the denial-response extension get a close frame instead."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    async def send(message: dict) -> None:
        sent.append(message)

    path = "/ws/download_progress"
    scope = {"type": "websocket", "path": path, "raw_path": path.encode(), "root_path": ""}
    scope |= {"query_string": b"", "headers": [], "scheme": "ws", "server": ("testserver", 80)}
    scope |= {"client": ("127.0.0.1", 1), "subprotocols": [], "asgi": {"version": "3.0"}}
    asyncio.run(api.app(scope, receive, send))
    assert sent == [{"type": "websocket.close", "code": 1011, "reason": f"{path} is not built yet"}]


def test_planned_websocket_over_uvicorn_is_denied_with_501(tmp_path):
    """A real client against a real server sees the 501 of the handshake."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with serve_frozen_sim(tmp_path, predownload=False) as url:
        with pytest.raises(InvalidStatus) as denied:
            connect(url.replace("http://", "ws://") + "/ws/download_progress", open_timeout=10)
    assert denied.value.response.status_code == 501
    assert b"not_implemented" in denied.value.response.body


@pytest.mark.parametrize(("method", "path"), list(PLANNED_HTTP))
def test_planned_http_endpoint_checks_the_api_key_first_when_one_is_set(sim_backend, method, path):
    """The seed: trading, credit and transfer endpoints require the key whenever one is set."""
    from fastapi.testclient import TestClient

    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    settings = Settings(_env_file=None, backend="sim", api_key="k", predownload=False, log_level="warning")
    with TestClient(create_app(settings, backend=sim_backend)) as client:
        assert_error(client.request(method, path), 401, "missing_api_key")
        assert_error(client.request(method, path, headers={"X-API-Key": "wrong"}), 401, "invalid_api_key")
        assert_error(client.request(method, path, headers={"X-API-Key": "k"}), 501, "not_implemented")
