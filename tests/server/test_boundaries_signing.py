"""Request signing at its boundaries, beyond what test_signing.py covers (the ±window edges at a whole-second
clock, nonce lengths 15/16/128/129, one flipped hex digit in the middle, another client's secret).

Here: every near miss of the secret, of the client id and of the signature; the window with a clock between
two whole seconds and at the smallest window the settings allow; a replay at the far edge of the window (the
nonce store must still know the nonce exactly as long as its timestamp is acceptable); the client's own
nonce guard; and the settings' bounds on the window.

All times are whole Unix seconds around NOW; the window is 300 s unless a test says otherwise.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from helpers import assert_error
from qmt_bridge import signing
from qmt_bridge.server import signing as server_signing
from qmt_bridge.server.app import RequestIdMiddleware
from qmt_bridge.server.config import Settings
from qmt_bridge.server.errors import Unauthorized, install_error_handlers
from qmt_bridge.server.security import require_trading_auth
from qmt_bridge.server.signing import NonceStore

API_KEY = "the-api-key-0123456789"
SECRET = "Bot1-Secret-abcXYZ-0123456789"
NOW = 1_763_600_000
WINDOW = 300
PATH = "/api/trading/echo"
CLIENTS = {"bot1": SecretStr(SECRET)}

#: Secrets that differ from SECRET by as little as possible: each must give invalid_signature.
SECRET_NEAR_MISSES = {
    "prefix": SECRET[:-1],
    "first-char-dropped": SECRET[1:],
    "extended": SECRET + "x",
    "last-char": SECRET[:-1] + "8",
    "upper": SECRET.upper(),
    "lower": SECRET.lower(),
    "swapcase": SECRET.swapcase(),
    "leading-space": " " + SECRET,
    "trailing-space": SECRET + " ",
    "trailing-newline": SECRET + "\n",
    "doubled": SECRET + SECRET,
}


@pytest.fixture
def store(tmp_path: Path):
    store = NonceStore(tmp_path / "nonces.sqlite3", WINDOW)
    yield store
    store.close()


def headers(
    *,
    secret: str = SECRET,
    client_id: str = "bot1",
    ts: float = NOW,
    nonce: str | None = None,
    method: str = "POST",
    path: str = PATH,
    body: bytes = b"{}",
) -> dict[str, str]:
    return signing.signed_headers(client_id, secret, method, path, "", body, now=ts, nonce=nonce)


def verify(
    store: NonceStore,
    sent: dict[str, str],
    *,
    now: float = NOW,
    window: int = WINDOW,
    method: str = "POST",
    path: str = PATH,
    body: bytes = b"{}",
) -> str:
    """The verifier on a request as received; returns the client id or raises Unauthorized."""
    return server_signing.verify_signature(
        sent, method, path, "", body, clients=CLIENTS, window_seconds=window, store=store, now=now
    )


def refused(store: NonceStore, sent: dict[str, str], **kwargs: Any) -> Unauthorized:
    with pytest.raises(Unauthorized) as caught:
        verify(store, sent, **kwargs)
    return caught.value


# -- the secret ---------------------------------------------------------------------------------------------


def test_the_exact_secret_passes(store: NonceStore) -> None:
    assert verify(store, headers()) == "bot1"


@pytest.mark.parametrize("wrong", SECRET_NEAR_MISSES.values(), ids=SECRET_NEAR_MISSES.keys())
def test_a_near_miss_of_the_secret_is_invalid_signature(store: NonceStore, wrong: str) -> None:
    """Signed with a secret one edit away from the configured one: the HMAC differs, 401 invalid_signature,
    and the refused request does not use up its nonce (the right secret may use it afterwards)."""
    nonce = "near-miss-nonce-0123456789"
    error = refused(store, headers(secret=wrong, nonce=nonce))
    assert error.code == "invalid_signature"
    assert SECRET not in error.message and wrong not in error.message
    assert verify(store, headers(nonce=nonce)) == "bot1"


@pytest.mark.parametrize("configured", [" padded-Secret-0123 ", "Mixed-Case-Secret-0123"])
def test_the_configured_secret_is_used_byte_for_byte(store: NonceStore, configured: str) -> None:
    """A server that stripped or case-folded its configured secret would accept a client signing with the
    stripped / folded text and refuse the exact one; the exact configured text must be the one that passes."""
    clients = {"bot1": SecretStr(configured)}

    def check(secret: str, nonce: str) -> str:
        sent = headers(secret=secret, nonce=nonce)
        return server_signing.verify_signature(
            sent, "POST", PATH, "", b"{}", clients=clients, window_seconds=WINDOW, store=store, now=NOW
        )

    assert check(configured, "exact-nonce-0123456789") == "bot1"
    for n, near in enumerate({configured.strip(), configured.lower(), configured.upper()} - {configured}):
        with pytest.raises(Unauthorized) as caught:
            check(near, f"near-nonce-{n}-0123456789")
        assert caught.value.code == "invalid_signature"


def test_a_bytes_secret_and_a_plain_str_secret_verify_alike(store: NonceStore) -> None:
    """The verifier takes a SecretStr (the settings'), a str or bytes: the same key whatever its type."""
    for n, secret in enumerate([SECRET, SECRET.encode()]):
        sent = headers(nonce=f"type-nonce-{n}-0123456789")
        assert (
            server_signing.verify_signature(
                sent,
                "POST",
                PATH,
                "",
                b"{}",
                clients={"bot1": secret},
                window_seconds=WINDOW,
                store=store,
                now=NOW,
            )
            == "bot1"
        )


# -- the client id ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("client_id", ["bot", "bot11", "Bot1", "BOT1", "bot1 ", " bot1", "bot1\t"])
def test_a_near_miss_of_the_client_id_is_unknown_client(store: NonceStore, client_id: str) -> None:
    """Client ids are looked up exactly: a prefix, an extension, another case or whitespace names no client
    (even when signed with bot1's secret)."""
    assert refused(store, headers(client_id=client_id)).code == "unknown_client"


# -- the signature ------------------------------------------------------------------------------------------


def _flip(hex_digits: str, index: int) -> str:
    flipped = "0" if hex_digits[index] != "0" else "1"
    return hex_digits[:index] + flipped + hex_digits[index + 1 :]


@pytest.mark.parametrize("index", [0, 31, 62, 63], ids=["first", "middle", "second-last", "last"])
def test_the_signature_with_one_digit_changed_anywhere_is_invalid(store: NonceStore, index: int) -> None:
    """Every one of the 64 digits counts: the first and the last one too (a compare of a prefix would pass
    the last-digit case, one skipping the first character the first-digit case)."""
    sent = headers()
    sent["X-Signature"] = _flip(sent["X-Signature"], index)
    assert refused(store, sent).code == "invalid_signature"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s.upper(),
        lambda s: s[:-1],
        lambda s: s + "0",
        lambda s: s + s[-1],
        lambda s: " " + s,
        lambda s: s + " ",
        lambda s: s + "\n",
    ],
    ids=[
        "upper-case",
        "prefix-63",
        "plus-a-digit",
        "plus-its-last-digit",
        "leading-space",
        "trailing-space",
        "newline",
    ],
)
def test_the_right_signature_in_the_wrong_form_is_malformed(store: NonceStore, mangle: Any) -> None:
    """The correct HMAC, but not exactly 64 lowercase hex digits: refused before any compare, naming the
    header (details {"header": "X-Signature"})."""
    sent = headers()
    sent["X-Signature"] = mangle(sent["X-Signature"])
    error = refused(store, sent)
    assert (error.code, error.details) == ("malformed_signature", {"header": "X-Signature"})


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0" * 64, True),
        ("f" * 64, True),
        ("0" * 63, False),
        ("0" * 65, False),
        ("F" * 64, False),
        ("g" + "0" * 63, False),
    ],
)
def test_signature_format_is_exactly_64_lowercase_hex_digits(value: str, ok: bool) -> None:
    assert signing.is_valid_signature(value) is ok


# -- the timestamp's form ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0", True),
        ("9" * 12, True),
        ("1" * 13, False),
        ("", False),
        (" 1763600000", False),
        ("1763600000 ", False),
    ],
)
def test_timestamp_format_is_one_to_twelve_digits(value: str, ok: bool) -> None:
    assert signing.is_valid_timestamp(value) is ok


def test_a_twelve_digit_timestamp_is_well_formed_but_expired(store: NonceStore) -> None:
    """999999999999 (year 33658) passes the format check (twelve digits) and is then refused as expired,
    not malformed: 999999999999 - 1763600000 = 998236399999 s > 300."""
    sent = headers()
    sent["X-Timestamp"] = "9" * 12
    error = refused(store, sent)
    assert error.code == "expired_signature"
    assert "-998236399999 s" in error.message


# -- the window, with a clock between whole seconds ---------------------------------------------------------


@pytest.mark.parametrize("fraction", [0.0, 0.999])
@pytest.mark.parametrize(
    ("offset", "ok"), [(-WINDOW, True), (-WINDOW - 1, False), (WINDOW, True), (WINDOW + 1, False)]
)
def test_the_window_edges_hold_whatever_the_fraction_of_the_servers_second(
    store: NonceStore, fraction: float, offset: int, ok: bool
) -> None:
    """Server clock NOW + 0.999 counts as NOW (both sides truncate to whole seconds, as signed_headers
    does): a timestamp 300 s away either way passes, 301 s away is expired. Rounding the server's clock
    instead of truncating would make NOW - 300 look 301 s old at NOW + 0.999."""
    sent = headers(ts=NOW + offset)
    if ok:
        assert verify(store, sent, now=NOW + fraction) == "bot1"
    else:
        error = refused(store, sent, now=NOW + fraction)
        assert error.code == "expired_signature"
        assert error.details == {"server_time": NOW, "window_seconds": WINDOW}


@pytest.mark.parametrize(("offset", "ok"), [(0, True), (1, True), (-1, True), (2, False), (-2, False)])
def test_the_smallest_window_of_one_second(store: NonceStore, offset: int, ok: bool) -> None:
    """signature_window_seconds=1: one second off either way passes, two do not."""
    sent = headers(ts=NOW + offset)
    if ok:
        assert verify(store, sent, window=1) == "bot1"
    else:
        assert refused(store, sent, window=1).code == "expired_signature"


@pytest.mark.parametrize(("window", "ok"), [(0, False), (1, True), (3600, True), (3601, False), (-1, False)])
def test_the_window_setting_is_bounded_1_to_3600(window: int, ok: bool) -> None:
    if ok:
        assert Settings(_env_file=None, signature_window_seconds=window).signature_window_seconds == window
    else:
        with pytest.raises(ValidationError, match="signature_window_seconds"):
            Settings(_env_file=None, signature_window_seconds=window)


# -- replays at the window's far edge -----------------------------------------------------------------------


@pytest.mark.parametrize("fraction", [0.0, 0.999])
def test_a_replay_at_the_far_edge_of_the_window_is_still_refused(store: NonceStore, fraction: float) -> None:
    """Signed at NOW + 300 (the future edge) and accepted at NOW. Replayed at NOW + 600 (+0.999), its
    timestamp is exactly 300 s old, still inside the window: the store must still hold the nonce (it prunes
    timestamps < int(now) - 300 = NOW + 300, so not this one) and the replay is refused as such. One second
    later it would be expired instead, so the store may forget it then."""
    nonce = "far-edge-nonce-0123456789"
    sent = headers(ts=NOW + WINDOW, nonce=nonce)
    assert verify(store, sent, now=NOW) == "bot1"
    assert refused(store, sent, now=NOW + 2 * WINDOW + fraction).code == "replayed_nonce"
    assert refused(store, sent, now=NOW + 2 * WINDOW + 1 + fraction).code == "expired_signature"


def test_a_replay_at_the_past_edge_is_refused_and_the_store_keeps_it_until_then(store: NonceStore) -> None:
    """Signed at NOW - 300 and used at NOW - 300: replayed at NOW (+0.999) it is 300 s old, in the window,
    so it is a replay; another request that forces a prune at that moment must not have dropped it."""
    nonce = "past-edge-nonce-0123456789"
    sent = headers(ts=NOW - WINDOW, nonce=nonce)
    assert verify(store, sent, now=NOW - WINDOW) == "bot1"
    assert verify(store, headers(nonce="other-nonce-0123456789"), now=NOW + 0.999) == "bot1"  # prunes
    assert len(store) == 2
    assert refused(store, sent, now=NOW + 0.999).code == "replayed_nonce"


def test_a_nonce_reused_for_another_request_is_a_replay(store: NonceStore) -> None:
    """The nonce is once per client, not per request: the same nonce on another path, body or method,
    correctly signed, is refused."""
    nonce = "reused-nonce-0123456789"
    assert verify(store, headers(nonce=nonce)) == "bot1"
    for changed in ({"path": "/api/trading/other"}, {"body": b'{"a": 1}'}, {"method": "DELETE"}):
        error = refused(store, headers(nonce=nonce, **changed), **changed)
        assert error.code == "replayed_nonce", changed


@pytest.mark.parametrize(
    "variant",
    [str.upper, str.lower, lambda n: n + "x", lambda n: n[:-1]],
    ids=["upper", "lower", "extended", "prefix"],
)
def test_a_near_miss_of_a_used_nonce_is_another_nonce(store: NonceStore, variant: Any) -> None:
    """Nonces compare exactly: one that differs in case or by a character is a new nonce, not a replay."""
    nonce = "Mixed-Case-Nonce-0123456789"
    assert verify(store, headers(nonce=nonce)) == "bot1"
    assert verify(store, headers(nonce=variant(nonce))) == "bot1"


# -- the client's guard on nonces ---------------------------------------------------------------------------


@pytest.mark.parametrize(("length", "ok"), [(15, False), (16, True), (128, True), (129, False)])
def test_signed_headers_accepts_nonces_of_16_to_128_characters(length: int, ok: bool) -> None:
    if ok:
        assert signing.signed_headers("bot1", SECRET, "GET", PATH, now=NOW, nonce="n" * length)[
            "X-Nonce"
        ] == ("n" * length)
    else:
        with pytest.raises(ValueError, match="16-128"):
            signing.signed_headers("bot1", SECRET, "GET", PATH, now=NOW, nonce="n" * length)


@pytest.mark.parametrize(
    "nonce", ["n" * 15 + " ", " " + "n" * 16, "n" * 16 + "\n", "n" * 15 + "=", "n" * 15 + "."]
)
def test_nonces_with_a_character_outside_the_alphabet_are_refused(nonce: str) -> None:
    assert signing.is_valid_nonce(nonce) is False


# -- over HTTP: the window edge with the dependency's own clock ----------------------------------------------


def make_app(data_dir: Path) -> FastAPI:
    app = FastAPI()
    app.state.settings = Settings(
        _env_file=None,
        api_key=API_KEY,
        signing_clients={"bot1": SECRET},
        signature_window_seconds=WINDOW,
        data_dir=str(data_dir),
    )
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)

    @app.post(PATH, dependencies=[Depends(require_trading_auth)])
    async def echo(request: Request) -> dict[str, Any]:
        return {"client_id": request.state.client_id}

    return app


def test_over_http_the_edges_of_the_window_and_a_near_miss_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The route's clock at NOW + 0.5: NOW - 300 and NOW + 300 pass, NOW - 301 and NOW + 301 are 401
    expired_signature, and the secret plus one character is 401 invalid_signature."""
    monkeypatch.setattr(server_signing, "time", SimpleNamespace(time=lambda: NOW + 0.5))
    http = TestClient(make_app(tmp_path))

    def post(**kwargs: Any) -> Any:
        return http.post(
            PATH, content=b"{}", headers={**headers(**kwargs), "Content-Type": "application/json"}
        )

    for offset in (-WINDOW, WINDOW):
        answer = post(ts=NOW + offset)
        assert answer.status_code == 200 and answer.json() == {"client_id": "bot1"}, answer.text
    for offset in (-WINDOW - 1, WINDOW + 1):
        assert_error(post(ts=NOW + offset), 401, "expired_signature")
    response = post(secret=SECRET + "x")
    assert_error(response, 401, "invalid_signature")
    assert SECRET not in response.text
