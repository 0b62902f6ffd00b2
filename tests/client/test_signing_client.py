"""The client's request signing: what it sends verifies on the server, every retry is signed afresh, only
trading paths are signed, and the secret shows up nowhere (repr, errors, logs).

Two real servers: the project's app stack under uvicorn (``require_trading_auth`` on a small echo app), and
a stdlib ``http.server`` that records each attempt, verifies it with the server's own verifier and answers
503 as often as a test asks.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Request

from helpers import free_port, serve_in_thread
from qmt_bridge import QMTClient
from qmt_bridge.client.errors import APIConnectionError, AuthenticationError, ServiceUnavailableError
from qmt_bridge.server.app import RequestIdMiddleware
from qmt_bridge.server.config import Settings
from qmt_bridge.server.errors import Unauthorized, install_error_handlers
from qmt_bridge.server.security import require_trading_auth
from qmt_bridge.server.signing import NonceStore, verify_signature
from qmt_bridge.signing import SIGNATURE_HEADERS

API_KEY = "client-test-api-key-0123456789"
SECRET = "client-test-secret-abcdefghijklmnop"
CLIENTS = {"bot1": SECRET}


def echo_app(data_dir: Path) -> FastAPI:
    app = FastAPI()
    app.state.settings = Settings(
        _env_file=None, api_key=API_KEY, signing_clients=CLIENTS, data_dir=str(data_dir)
    )
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)

    @app.api_route("/api/trading/echo", methods=["GET", "POST"], dependencies=[Depends(require_trading_auth)])
    async def echo(request: Request) -> dict[str, Any]:
        body = await request.body()
        return {
            "client_id": request.state.client_id if hasattr(request.state, "client_id") else None,
            "query": dict(request.query_params),
            "json": json.loads(body) if body else None,
        }

    return app


@pytest.fixture
def bridge_url(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(echo_app(tmp_path), name="uvicorn-signing") as url:
        yield url


class Recorder:
    """A stdlib HTTP server: verifies each request's signature (when signed), records it, and answers the
    next status of ``statuses`` (then 200) with a JSON body naming the verified client."""

    def __init__(self, data_dir: Path) -> None:
        self.attempts: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.store = NonceStore(data_dir / "recorder-nonces.sqlite3", 300)
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                verdict: str | None = None
                if any(name in self.headers for name in SIGNATURE_HEADERS):
                    try:
                        verdict = verify_signature(
                            self.headers, self.command, path, query, body,
                            clients=CLIENTS, window_seconds=300, store=recorder.store,
                        )  # fmt: skip
                    except Unauthorized as error:
                        verdict = f"refused: {error.code}"
                headers = {name.lower(): value for name, value in self.headers.items()}
                recorder.attempts.append({"headers": headers, "verdict": verdict, "path": path})
                status = recorder.statuses.pop(0) if recorder.statuses else 200
                payload = json.dumps({"client_id": verdict}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.store.close()


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[Recorder]:
    server = Recorder(tmp_path)
    yield server
    server.close()


def signing_client(url: str, **kwargs: Any) -> QMTClient:
    client = QMTClient(base_url=url, client_id="bot1", secret_key=SECRET, use_pandas=False, **kwargs)
    client._sleep = lambda seconds: None
    return client


# -- against the real app -------------------------------------------------------------------------------------


def test_signed_get_with_a_query_verifies_on_the_server(bridge_url: str) -> None:
    client = signing_client(bridge_url)
    params = {"codes": ["000001.SZ", "600000.SH"], "note": "x y/z~", "flag": True, "skip": None}
    answer = client._request("GET", "/api/trading/echo", params=params)
    assert answer == {
        "client_id": "bot1",
        "query": {"codes": "000001.SZ,600000.SH", "note": "x y/z~", "flag": "true"},
        "json": None,
    }


def test_signed_post_with_a_body_verifies_on_the_server(bridge_url: str) -> None:
    client = signing_client(bridge_url)
    order = {"stock_code": "000001.SZ", "order_volume": 100, "remark": "中文"}
    answer = client._request("POST", "/api/trading/echo", json=order)
    assert answer == {"client_id": "bot1", "query": {}, "json": order}


def test_many_signed_requests_in_a_row_are_all_accepted(bridge_url: str) -> None:
    client = signing_client(bridge_url)
    for _ in range(5):
        assert client._request("GET", "/api/trading/echo")["client_id"] == "bot1"


def test_a_wrong_secret_is_refused_and_the_error_holds_no_secret(bridge_url: str) -> None:
    wrong = "the-wrong-secret-0123456789"
    client = QMTClient(base_url=bridge_url, api_key=API_KEY, client_id="bot1", secret_key=wrong)
    with pytest.raises(AuthenticationError) as caught:
        client._request("POST", "/api/trading/echo", json={"a": 1})
    error = caught.value
    assert error.code == "invalid_signature"
    texts = [str(error), repr(error), json.dumps(error.body), repr(error.headers), repr(error.details)]
    for text in texts:
        assert wrong not in text and SECRET not in text and API_KEY not in text


def test_log_capture_of_signed_requests_holds_no_secret_or_api_key(
    bridge_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = signing_client(bridge_url, api_key=API_KEY)
    assert client._request("POST", "/api/trading/echo", json={"a": 1})["client_id"] == "bot1"
    bad = QMTClient(base_url=bridge_url, api_key=API_KEY, client_id="bot1", secret_key=SECRET + "x")
    with pytest.raises(AuthenticationError):
        bad._request("GET", "/api/trading/echo")
    logged = caplog.text + "".join(repr(record.__dict__) for record in caplog.records)
    assert SECRET not in logged and API_KEY not in logged


# -- attempts recorded by a stdlib server ---------------------------------------------------------------------


def test_every_retry_is_signed_with_a_new_nonce_and_timestamp(recorder: Recorder) -> None:
    client = signing_client(recorder.url, max_retries=3)
    start = time.time()
    ticks = iter(range(100))
    client._clock = lambda: start + next(ticks)  # one second later at every signing
    recorder.statuses = [503, 503, 503]

    answer = client._request("GET", "/api/trading/echo", params={"account_id": "A1"})

    assert answer == {"client_id": "bot1"}
    assert [a["verdict"] for a in recorder.attempts] == ["bot1"] * 4
    nonces = [a["headers"]["x-nonce"] for a in recorder.attempts]
    timestamps = [int(a["headers"]["x-timestamp"]) for a in recorder.attempts]
    assert len(set(nonces)) == 4
    assert timestamps == [int(start) + i for i in range(4)]


def test_an_idempotent_post_is_re_signed_on_retry(recorder: Recorder) -> None:
    client = signing_client(recorder.url, max_retries=2)
    recorder.statuses = [502]
    answer = client._request("POST", "/api/trading/order", json={"client_order_id": "c1"}, idempotent=True)
    assert answer == {"client_id": "bot1"}
    assert [a["verdict"] for a in recorder.attempts] == ["bot1", "bot1"]
    assert recorder.attempts[0]["headers"]["x-nonce"] != recorder.attempts[1]["headers"]["x-nonce"]


def test_retry_rules_are_unchanged_by_signing(recorder: Recorder) -> None:
    client = signing_client(recorder.url, max_retries=2)
    recorder.statuses = [503, 503]
    with pytest.raises(ServiceUnavailableError):
        client._request("POST", "/api/trading/cancel", json={"order_id": 1})
    assert len(recorder.attempts) == 1  # a plain POST is not retried


def test_only_trading_paths_are_signed(recorder: Recorder) -> None:
    client = signing_client(recorder.url, api_key=API_KEY)
    client._request("GET", "/api/meta/health")
    client._request("GET", "/api/tradingx/health")
    client._request("GET", "api/trading/status")  # a path without its leading slash is still a trading path
    signed = [any(name.lower() in a["headers"] for name in SIGNATURE_HEADERS) for a in recorder.attempts]
    assert signed == [False, False, True]
    assert all(a["headers"].get("x-api-key") == API_KEY for a in recorder.attempts)


def test_a_base_url_with_a_prefix_signs_the_full_path(recorder: Recorder) -> None:
    client = signing_client(recorder.url + "/qmt")
    client._request("GET", "/api/trading/status")
    assert recorder.attempts[0]["path"] == "/qmt/api/trading/status"
    assert recorder.attempts[0]["verdict"] == "bot1"


def test_without_credentials_nothing_is_signed(recorder: Recorder) -> None:
    client = QMTClient(base_url=recorder.url, api_key=API_KEY)
    client._request("GET", "/api/trading/status")
    assert client.client_id is None
    assert not any(name.lower() in recorder.attempts[0]["headers"] for name in SIGNATURE_HEADERS)


# -- construction and secrecy ---------------------------------------------------------------------------------


def test_repr_and_str_hold_no_secret() -> None:
    client = QMTClient(base_url="http://127.0.0.1:1", api_key=API_KEY, client_id="bot1", secret_key=SECRET)
    assert client.client_id == "bot1"
    for text in (repr(client), str(client), repr(client._signer)):
        assert SECRET not in text and API_KEY not in text


def test_connection_errors_hold_no_secret() -> None:
    client = signing_client(f"http://127.0.0.1:{free_port()}", max_retries=0)
    with pytest.raises(APIConnectionError) as caught:
        client._request("POST", "/api/trading/order", json={"a": 1})
    error = caught.value
    for text in (str(error), repr(error), error.url, repr(error.__cause__)):
        assert SECRET not in text


@pytest.mark.parametrize(
    "kwargs", [{"client_id": "bot1"}, {"secret_key": SECRET}, {"client_id": "", "secret_key": SECRET}]
)
def test_client_id_and_secret_come_together(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError) as caught:
        QMTClient(**kwargs)
    assert SECRET not in str(caught.value)


def test_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch, recorder: Recorder) -> None:
    monkeypatch.setenv("QMT_BRIDGE_CLIENT_ID", "bot1")
    monkeypatch.setenv("QMT_BRIDGE_SECRET_KEY", SECRET)
    client = QMTClient(base_url=recorder.url)
    assert client.client_id == "bot1"
    client._request("GET", "/api/trading/status")
    assert recorder.attempts[0]["verdict"] == "bot1"


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QMT_BRIDGE_CLIENT_ID", "env-bot")
    monkeypatch.setenv("QMT_BRIDGE_SECRET_KEY", "env-secret")
    assert QMTClient(client_id="bot1", secret_key=SECRET).client_id == "bot1"


@pytest.mark.parametrize("name", ["QMT_BRIDGE_CLIENT_ID", "QMT_BRIDGE_SECRET_KEY"])
def test_half_the_environment_is_an_error(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "value")
    with pytest.raises(ValueError, match="QMT_BRIDGE_CLIENT_ID and QMT_BRIDGE_SECRET_KEY"):
        QMTClient()
