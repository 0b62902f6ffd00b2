"""Signed requests on the trading endpoints: the canonical form, every guard of the verifier at its
boundary, the nonce store across restarts, and the API-key / signature policy of ``require_trading_auth``.

The dependency is mounted on a small app of this module's own (the trading router is not needed to judge
authentication): its endpoints echo ``request.state.client_id``, the query and the body.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from helpers import assert_error
from qmt_bridge import signing
from qmt_bridge.server import signing as server_signing
from qmt_bridge.server.app import RequestIdMiddleware
from qmt_bridge.server.config import Settings
from qmt_bridge.server.errors import Unauthorized, install_error_handlers
from qmt_bridge.server.security import require_trading_auth
from qmt_bridge.server.signing import NonceStore

API_KEY = "the-api-key-0123456789"
SECRET = "bot1-secret-abcdefghijklmnopqrstuvwxyz"
OTHER_SECRET = "bot2-secret-zyxwvutsrqponmlkjihgfedcba"
NOW = 1_763_600_000
WINDOW = 300
ECHO = "/api/trading/echo"


class Order(BaseModel):
    stock_code: str
    order_volume: int


def make_app(data_dir: Path, **overrides: Any) -> FastAPI:
    """A tiny app behind ``require_trading_auth`` with the project's error shape and request ids."""
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "signing_clients": {"bot1": SECRET, "bot2": OTHER_SECRET},
        "signature_window_seconds": WINDOW,
        "data_dir": str(data_dir),
        **overrides,
    }
    app = FastAPI()
    app.state.settings = Settings(_env_file=None, **options)
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    auth = [Depends(require_trading_auth)]

    @app.api_route(ECHO, methods=["GET", "POST", "DELETE"], dependencies=auth)
    async def echo(request: Request) -> dict[str, Any]:
        return {
            "client_id": getattr(request.state, "client_id", None),
            "query": request.url.query,
            "body": (await request.body()).decode(),
        }

    @app.post("/api/trading/other", dependencies=auth)
    async def other() -> dict[str, Any]:
        return {"other": True}

    @app.post("/api/trading/order", dependencies=auth)
    async def order(request: Request, order: Order) -> dict[str, Any]:
        return {"client_id": request.state.client_id, "order": order.model_dump()}

    return app


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    """The verifier's clock stands at NOW."""
    monkeypatch.setattr(server_signing, "time", SimpleNamespace(time=lambda: NOW + 0.75))


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return make_app(tmp_path)


@pytest.fixture
def http(app: FastAPI, frozen: None) -> TestClient:
    return TestClient(app)


def headers_for(
    method: str,
    path: str,
    query: str = "",
    body: bytes = b"",
    *,
    client_id: str = "bot1",
    secret: str = SECRET,
    now: float = NOW,
    nonce: str | None = None,
) -> dict[str, str]:
    return signing.signed_headers(client_id, secret, method, path, query, body, now=now, nonce=nonce)


def send(http: TestClient, method: str, path: str, query: str = "", body: bytes = b"", **sign_args: Any):
    """Sign and send in one step; ``sign_args`` go to :func:`headers_for`."""
    headers = headers_for(method, path, query, body, **sign_args)
    if body:
        headers["Content-Type"] = "application/json"
    url = f"{path}?{query}" if query else path
    return http.request(method, url, content=body or None, headers=headers)


def assert_no_leak(response: Any, *extra: str) -> None:
    for secret in (SECRET, OTHER_SECRET, API_KEY, *extra):
        assert secret not in response.text


# -- the canonical request (shared by client and server) ----------------------------------------------------


def test_signature_matches_a_hand_built_canonical_request() -> None:
    body = b'{"stock_code": "000001.SZ"}'
    canonical = "\n".join(
        [
            "POST",
            "/api/trading/order",
            "a=1&a=x%20y&b=%E4%B8%AD",
            str(NOW),
            "nonce-0123456789abcdef",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    expected = hmac.new(SECRET.encode(), canonical.encode(), hashlib.sha256).hexdigest()

    query = "b=%E4%B8%AD&a=x+y&a=1"
    assert signing.canonical_request(
        "post", "/api/trading/order", query, NOW, "nonce-0123456789abcdef", body
    ) == (canonical)
    assert signing.sign(SECRET, "POST", "/api/trading/order", query, NOW, "nonce-0123456789abcdef", body) == (
        expected
    )


def test_canonical_query_is_sorted_encoded_and_keeps_blanks() -> None:
    assert signing.canonical_query("b=2&a=x y&a=1") == "a=1&a=x%20y&b=2"
    assert signing.canonical_query("") == signing.canonical_query(None) == ""
    assert signing.canonical_query("flag&e=") == "e=&flag="
    # The same pairs given as a mapping or as pairs, and "~" kept while "," and "/" are encoded.
    assert signing.canonical_query({"codes": "1,2", "p": "a/b~c"}) == "codes=1%2C2&p=a%2Fb~c"
    assert signing.canonical_query([("p", "a/b~c"), ("codes", "1%2C2")]) == "codes=1%252C2&p=a%2Fb~c"
    # Sorted by the encoded text: "%" (0x25) sorts before "~" (0x7e), whatever the decoded characters.
    assert signing.canonical_query("k=~&k=é") == "k=%C3%A9&k=~"


def test_body_hash_of_no_body_is_that_of_empty_bytes() -> None:
    assert signing.body_hash(None) == signing.body_hash(b"") == hashlib.sha256(b"").hexdigest()


def test_signed_headers_have_the_documented_formats_and_a_fresh_nonce() -> None:
    first = signing.signed_headers("bot1", SECRET, "GET", ECHO, now=NOW + 0.9)
    second = signing.signed_headers("bot1", SECRET, "GET", ECHO, now=NOW + 0.9)
    assert set(first) == set(signing.SIGNATURE_HEADERS)
    assert first["X-Client-Id"] == "bot1"
    assert first["X-Timestamp"] == str(NOW)  # whole seconds, truncated
    assert signing.is_valid_nonce(first["X-Nonce"]) and signing.is_valid_signature(first["X-Signature"])
    assert first["X-Nonce"] != second["X-Nonce"]
    assert SECRET not in repr(first)
    with pytest.raises(ValueError, match="nonce"):
        signing.signed_headers("bot1", SECRET, "GET", ECHO, nonce="short")


def test_signer_repr_holds_no_secret_and_it_refuses_blank_credentials() -> None:
    signer = signing.Signer("bot1", SECRET)
    assert repr(signer) == "Signer(client_id='bot1')" and SECRET not in str(signer)
    assert signer.headers("GET", ECHO, now=NOW, nonce="n" * 16) == headers_for("GET", ECHO, nonce="n" * 16)
    for client_id, secret in [("", SECRET), (" bot1", SECRET), ("bo\nt1", SECRET), ("bot1", "")]:
        with pytest.raises(ValueError):
            signing.Signer(client_id, secret)


# -- accepted requests ----------------------------------------------------------------------------------------


def test_signed_get_is_accepted_and_names_the_client(http: TestClient) -> None:
    response = send(http, "GET", ECHO, "account_id=&b=2")
    assert response.status_code == 200, response.text
    assert response.json() == {"client_id": "bot1", "query": "account_id=&b=2", "body": ""}


def test_signed_post_body_is_still_parsed_by_the_endpoint(http: TestClient) -> None:
    body = b'{"stock_code": "000001.SZ", "order_volume": 100}'
    response = send(http, "POST", "/api/trading/order", body=body, client_id="bot2", secret=OTHER_SECRET)
    assert response.status_code == 200, response.text
    assert response.json() == {"client_id": "bot2", "order": {"stock_code": "000001.SZ", "order_volume": 100}}


def test_reordered_query_still_verifies(http: TestClient) -> None:
    headers = headers_for("GET", ECHO, "a=1&b=2&c=x%20y")
    response = http.get(f"{ECHO}?c=x+y&b=2&a=1", headers=headers)
    assert response.status_code == 200, response.text


# -- the window -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-WINDOW, WINDOW, 0])
def test_timestamp_within_the_window_passes(http: TestClient, offset: int) -> None:
    response = send(http, "GET", ECHO, now=NOW + offset)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("offset", [-WINDOW - 1, WINDOW + 1])
def test_timestamp_one_second_past_the_window_is_expired(http: TestClient, offset: int) -> None:
    error = assert_error(send(http, "GET", ECHO, now=NOW + offset), 401, "expired_signature")
    assert error["details"] == {"server_time": NOW, "window_seconds": WINDOW}
    assert f"{-offset:+d} s" in error["message"]


def test_the_window_follows_the_setting(tmp_path: Path, frozen: None) -> None:
    http = TestClient(make_app(tmp_path, signature_window_seconds=5))
    assert send(http, "GET", ECHO, now=NOW - 5).status_code == 200
    assert_error(send(http, "GET", ECHO, now=NOW - 6), 401, "expired_signature")


def test_an_expired_request_does_not_use_up_its_nonce(http: TestClient) -> None:
    nonce = "expired-nonce-0123456789"
    assert_error(send(http, "GET", ECHO, now=NOW - WINDOW - 1, nonce=nonce), 401, "expired_signature")
    assert send(http, "GET", ECHO, nonce=nonce).status_code == 200


# -- tampering ------------------------------------------------------------------------------------------------


def _flip_hex(value: str, index: int = 10) -> str:
    return value[:index] + ("0" if value[index] != "0" else "1") + value[index + 1 :]


def test_signature_differing_in_one_hex_digit_is_invalid(http: TestClient) -> None:
    headers = headers_for("GET", ECHO)
    good = headers["X-Signature"]
    headers["X-Signature"] = _flip_hex(good)
    response = http.get(ECHO, headers=headers)
    error = assert_error(response, 401, "invalid_signature")
    assert "canonical" in error["message"]
    assert error["details"]["canonical_request"].startswith(f"GET\n{ECHO}\n\n{NOW}\n")
    assert_no_leak(response, good)


def test_body_changed_by_one_byte_is_invalid(http: TestClient) -> None:
    body = b'{"stock_code": "000001.SZ", "order_volume": 100}'
    headers = headers_for("POST", ECHO, body=body)
    response = http.post(ECHO, content=body.replace(b"100", b"900"), headers=headers)
    assert_error(response, 401, "invalid_signature")
    assert_no_leak(response)


def test_query_value_changed_is_invalid(http: TestClient) -> None:
    headers = headers_for("GET", ECHO, "order_id=1")
    assert_error(http.get(f"{ECHO}?order_id=2", headers=headers), 401, "invalid_signature")


def test_query_added_is_invalid(http: TestClient) -> None:
    headers = headers_for("GET", ECHO)
    assert_error(http.get(f"{ECHO}?account_id=x", headers=headers), 401, "invalid_signature")


def test_path_changed_is_invalid(http: TestClient) -> None:
    headers = headers_for("POST", ECHO)
    assert_error(http.post("/api/trading/other", headers=headers), 401, "invalid_signature")


def test_method_changed_is_invalid(http: TestClient) -> None:
    headers = headers_for("POST", ECHO)
    assert_error(http.delete(ECHO, headers=headers), 401, "invalid_signature")


def test_another_clients_secret_is_invalid(http: TestClient) -> None:
    response = send(http, "GET", ECHO, client_id="bot1", secret=OTHER_SECRET)
    assert_error(response, 401, "invalid_signature")


def test_unknown_client(http: TestClient) -> None:
    response = send(http, "GET", ECHO, client_id="bot9", secret=SECRET)
    error = assert_error(response, 401, "unknown_client")
    assert "QMT_BRIDGE_SIGNING_CLIENTS" in error["message"]
    assert_no_leak(response)


def test_server_without_signing_clients_says_so(tmp_path: Path, frozen: None) -> None:
    http = TestClient(make_app(tmp_path, signing_clients={}))
    error = assert_error(send(http, "GET", ECHO), 401, "unknown_client")
    assert "no signing clients" in error["message"]


# -- replays --------------------------------------------------------------------------------------------------


def test_replayed_nonce_is_refused(http: TestClient) -> None:
    headers = headers_for("GET", ECHO)
    assert http.get(ECHO, headers=headers).status_code == 200
    error = assert_error(http.get(ECHO, headers=headers), 401, "replayed_nonce")
    assert "new random nonce" in error["message"]


def test_the_same_nonce_is_fine_for_another_client(http: TestClient) -> None:
    nonce = "shared-nonce-0123456789"
    assert send(http, "GET", ECHO, nonce=nonce).status_code == 200
    assert send(http, "GET", ECHO, nonce=nonce, client_id="bot2", secret=OTHER_SECRET).status_code == 200


def test_a_nonce_is_recorded_only_once_its_signature_is_right(http: TestClient) -> None:
    nonce = "victim-nonce-0123456789"
    forged = headers_for("GET", ECHO, secret="not-the-secret", nonce=nonce)
    assert_error(http.get(ECHO, headers=forged), 401, "invalid_signature")
    assert send(http, "GET", ECHO, nonce=nonce).status_code == 200


def test_replay_after_a_restart_is_refused(tmp_path: Path, frozen: None) -> None:
    headers = headers_for("POST", ECHO, body=b"{}")
    with TestClient(make_app(tmp_path)) as first:
        assert first.post(ECHO, content=b"{}", headers=headers).status_code == 200
        first.app.state.nonce_store.close()
    restarted = TestClient(make_app(tmp_path))
    assert_error(restarted.post(ECHO, content=b"{}", headers=headers), 401, "replayed_nonce")


def test_nonce_store_lives_on_the_app_in_the_data_dir(app: FastAPI, http: TestClient, tmp_path: Path) -> None:
    assert send(http, "GET", ECHO).status_code == 200
    store = app.state.nonce_store
    assert isinstance(store, NonceStore) and store.path == tmp_path / "nonces.sqlite3"
    assert send(http, "GET", ECHO).status_code == 200
    assert app.state.nonce_store is store and len(store) == 2


def test_nonce_store_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "nonces.sqlite3"
    store = NonceStore(path, WINDOW)
    assert store.remember("bot1", "n" * 16, NOW, NOW) is True
    assert store.remember("bot1", "n" * 16, NOW, NOW) is False
    store.close()
    reopened = NonceStore(path, WINDOW)
    assert reopened.remember("bot1", "n" * 16, NOW, NOW + 10) is False
    assert reopened.remember("bot2", "n" * 16, NOW, NOW + 10) is True
    reopened.close()


def test_nonce_store_forgets_nonces_once_they_left_the_window(tmp_path: Path) -> None:
    store = NonceStore(tmp_path / "nonces.sqlite3", WINDOW)
    store.remember("bot1", "old" * 6, NOW - WINDOW - 1, NOW - 1)
    store.remember("bot1", "edge" * 4, NOW - WINDOW, NOW - 1)
    assert len(store) == 2
    store.remember("bot1", "new" * 6, NOW, NOW)  # every insert prunes: "old" has left the window
    assert len(store) == 2
    # The nonce at the edge could still be replayed now, so it is still known.
    assert store.remember("bot1", "edge" * 4, NOW - WINDOW, NOW) is False
    # One second later its timestamp has left the window: it is forgotten, and would be expired anyway.
    assert store.remember("bot1", "newer" * 4, NOW + 1, NOW + 1) is True
    assert store.remember("bot1", "edge" * 4, NOW - WINDOW, NOW + 1) is True
    store.close()


def test_nonce_store_lets_one_of_many_concurrent_requests_through(tmp_path: Path) -> None:
    store = NonceStore(tmp_path / "nonces.sqlite3", WINDOW)
    results: list[bool] = []
    start = threading.Barrier(16)

    def attempt() -> None:
        start.wait()
        results.append(store.remember("bot1", "race-nonce-0123456789", NOW, NOW))

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 15 + [True]
    store.close()


# -- malformed headers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dropped", signing.SIGNATURE_HEADERS)
def test_one_header_missing_is_malformed(http: TestClient, dropped: str) -> None:
    headers = headers_for("GET", ECHO)
    del headers[dropped]
    error = assert_error(http.get(ECHO, headers=headers), 401, "malformed_signature")
    assert error["details"] == {"missing": [dropped]}
    assert dropped in error["message"]


def test_a_lone_header_is_malformed_even_beside_a_valid_key(http: TestClient) -> None:
    headers = {"X-API-Key": API_KEY, "X-Client-Id": "bot1"}
    error = assert_error(http.get(ECHO, headers=headers), 401, "malformed_signature")
    assert error["details"]["missing"] == ["X-Timestamp", "X-Nonce", "X-Signature"]


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Timestamp", "1763600000.0"),
        ("X-Timestamp", "-5"),
        ("X-Timestamp", "+1763600000"),
        ("X-Timestamp", "1763600000000"),  # milliseconds
        ("X-Timestamp", ""),
        ("X-Nonce", "a" * 15),
        ("X-Nonce", "a" * 129),
        ("X-Nonce", "abcdefghijklmnop!"),
        ("X-Signature", "A" * 64),
        ("X-Signature", "a" * 63),
        ("X-Signature", "g" * 64),
    ],
)
def test_ill_formed_values_are_malformed(http: TestClient, header: str, value: str) -> None:
    headers = headers_for("GET", ECHO)
    headers[header] = value
    error = assert_error(http.get(ECHO, headers=headers), 401, "malformed_signature")
    assert error["details"] == {"header": header}
    assert header in error["message"]


@pytest.mark.parametrize("length", [16, 128])
def test_nonce_lengths_at_the_limits_pass(http: TestClient, length: int) -> None:
    assert send(http, "GET", ECHO, nonce="N" * length).status_code == 200


def test_a_repeated_header_is_malformed(http: TestClient) -> None:
    headers = list(headers_for("GET", ECHO).items()) + [("X-Nonce", "another-nonce-0123456789")]
    error = assert_error(http.get(ECHO, headers=headers), 401, "malformed_signature")
    assert error["details"] == {"header": "X-Nonce"}


def test_uppercase_header_names_work(http: TestClient) -> None:
    headers = {name.upper(): value for name, value in headers_for("GET", ECHO).items()}
    assert http.get(ECHO, headers=headers).status_code == 200


# -- the policy of require_trading_auth -----------------------------------------------------------------------


def test_valid_api_key_with_a_bad_signature_is_refused(http: TestClient) -> None:
    headers = headers_for("GET", ECHO)
    headers["X-Signature"] = _flip_hex(headers["X-Signature"])
    headers["X-API-Key"] = API_KEY
    assert_error(http.get(ECHO, headers=headers), 401, "invalid_signature")


def test_valid_api_key_with_a_good_signature_names_the_client(http: TestClient) -> None:
    headers = {**headers_for("GET", ECHO), "X-API-Key": API_KEY}
    assert http.get(ECHO, headers=headers).json()["client_id"] == "bot1"


def test_api_key_alone_still_works_unless_signatures_are_required(http: TestClient) -> None:
    response = http.get(ECHO, headers={"X-API-Key": API_KEY})
    assert response.status_code == 200 and response.json()["client_id"] is None
    assert_error(http.get(ECHO), 401, "missing_api_key")
    assert_error(http.get(ECHO, headers={"X-API-Key": "wrong"}), 401, "invalid_api_key")


def test_required_signature_refuses_a_valid_api_key_alone(tmp_path: Path, frozen: None) -> None:
    http = TestClient(make_app(tmp_path, require_signature=True))
    error = assert_error(http.get(ECHO, headers={"X-API-Key": API_KEY}), 401, "missing_signature")
    assert "X-Signature" in error["message"] and "QMT_BRIDGE_REQUIRE_SIGNATURE" in error["message"]
    assert_error(http.get(ECHO), 401, "missing_signature")
    assert send(http, "GET", ECHO).json()["client_id"] == "bot1"


def test_without_an_api_key_trading_is_disabled_even_when_signed(tmp_path: Path, frozen: None) -> None:
    http = TestClient(make_app(tmp_path, api_key=None))
    assert_error(send(http, "GET", ECHO), 403, "trading_disabled")


def test_verify_signature_without_headers_is_missing(tmp_path: Path) -> None:
    """The verifier alone (what require_signature relies on when called with no headers at all)."""
    store = NonceStore(tmp_path / "n.sqlite3", WINDOW)
    with pytest.raises(Unauthorized) as caught:
        server_signing.verify_signature(
            {}, "GET", ECHO, "", b"", clients={"bot1": SECRET}, window_seconds=WINDOW, store=store, now=NOW
        )
    assert caught.value.code == "missing_signature"
    headers = headers_for("GET", ECHO)
    client_id = server_signing.verify_signature(
        headers, "GET", ECHO, "", b"", clients={"bot1": SECRET}, window_seconds=WINDOW, store=store, now=NOW
    )
    assert client_id == "bot1"
    store.close()


def test_real_clock_is_used_by_default(app: FastAPI) -> None:
    """Without the frozen clock: a request signed now passes, one signed an hour ago is expired."""
    http = TestClient(app)
    assert send(http, "GET", ECHO, now=time.time()).status_code == 200
    assert_error(send(http, "GET", ECHO, now=time.time() - 3600), 401, "expired_signature")
