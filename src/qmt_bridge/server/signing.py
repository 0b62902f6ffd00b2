"""Verification of signed requests (the scheme is in :mod:`qmt_bridge.signing`).

Checks run in this order, and each failure is a 401 with its own code: ``missing_signature`` (no signature
header), ``malformed_signature`` (some headers missing, repeated or ill-formed), ``unknown_client``,
``expired_signature`` (timestamp further than the window from the server's clock), ``invalid_signature``,
``replayed_nonce``. A nonce is remembered only once its signature checked out, so nobody without the secret
can burn another client's nonces. Messages say what to fix; none holds a secret or the expected signature.
"""

from __future__ import annotations

import hmac
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from qmt_bridge.server.errors import Unauthorized
from qmt_bridge.signing import (
    HEADER_CLIENT_ID,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    SIGNATURE_HEADERS,
    canonical_request,
    is_valid_nonce,
    is_valid_signature,
    is_valid_timestamp,
    sign,
)

NONCE_FILE = "nonces.sqlite3"
_DOCS = "see docs/trading.md, 'Request signing'"


class NonceStore:
    """The nonces of signed requests seen within the signature window, in SQLite.

    Every nonce is on disk once :meth:`remember` returns, so a replay after a restart is still refused.
    Nonces whose timestamp has left the window are pruned: such a request would be refused as expired
    anyway. Safe to share between threads; processes sharing the file are kept apart by the primary key.
    """

    def __init__(self, path: str | Path, window_seconds: int) -> None:
        self.path = Path(path)
        self.window_seconds = window_seconds
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=10, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS nonces (client_id TEXT NOT NULL, nonce TEXT NOT NULL,"
            " ts INTEGER NOT NULL, PRIMARY KEY (client_id, nonce))"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS nonces_ts ON nonces (ts)")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"

    def remember(self, client_id: str, nonce: str, timestamp: int, now: float) -> bool:
        """Record ``(client_id, nonce)``; ``False`` when it was recorded before (a replay).

        Also forgets the nonces whose timestamp is older than ``now`` minus the window.
        """
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM nonces WHERE ts < ?", (int(now) - self.window_seconds,))
                try:
                    self._db.execute(
                        "INSERT INTO nonces (client_id, nonce, ts) VALUES (?, ?, ?)",
                        (client_id, nonce, timestamp),
                    )
                    fresh = True
                except sqlite3.IntegrityError:
                    fresh = False
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return fresh

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM nonces").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


_STORE_LOCK = threading.Lock()


def nonce_store(app: Any) -> NonceStore:
    """The app's :class:`NonceStore` at ``<data_dir>/nonces.sqlite3``, opened on first use and kept on
    ``app.state.nonce_store``."""
    store = getattr(app.state, "nonce_store", None)
    if store is None:
        with _STORE_LOCK:
            store = getattr(app.state, "nonce_store", None)
            if store is None:
                settings = app.state.settings
                path = Path(settings.data_dir) / NONCE_FILE
                store = NonceStore(path, settings.signature_window_seconds)
                app.state.nonce_store = store
    return store


def has_signature_headers(headers: Mapping[str, str]) -> bool:
    """Whether any of the four signature headers is present (even empty)."""
    return any(name in headers for name in SIGNATURE_HEADERS)


def _fail(code: str, message: str, **details: Any) -> Unauthorized:
    return Unauthorized(message, code=code, details=details or None)


def _header_values(headers: Any) -> dict[str, str]:
    """The four headers' values; raises ``missing_signature`` / ``malformed_signature``."""
    present = [name for name in SIGNATURE_HEADERS if name in headers]
    if not present:
        raise _fail(
            "missing_signature", f"this request must be signed: send {', '.join(SIGNATURE_HEADERS)} ({_DOCS})"
        )
    missing = [name for name in SIGNATURE_HEADERS if name not in headers]
    if missing:
        raise _fail(
            "malformed_signature",
            f"incomplete signature: {', '.join(missing)} missing; send all four of "
            f"{', '.join(SIGNATURE_HEADERS)}",
            missing=missing,
        )
    getlist = getattr(headers, "getlist", None)
    for name in SIGNATURE_HEADERS:
        if getlist is not None and len(getlist(name)) > 1:
            raise _fail("malformed_signature", f"{name} is sent more than once; send it once", header=name)
    return {name: headers[name] for name in SIGNATURE_HEADERS}


def verify_signature(
    headers: Any,
    method: str,
    path: str,
    query: str,
    body: bytes,
    *,
    clients: Mapping[str, Any],
    window_seconds: int,
    store: NonceStore,
    now: float | None = None,
) -> str:
    """Check one request's signature and record its nonce; return the client id.

    Args:
        headers: The request's headers, case-insensitive (Starlette's ``Headers``; a ``getlist`` method,
            when present, is used to refuse a repeated header).
        method, path, query, body: The request as received: the path without the query, the raw query
            string, the raw body.
        clients: Client id → secret (a ``str``, ``bytes`` or pydantic ``SecretStr``).
        window_seconds: How far the timestamp may be from ``now``, inclusive.
        store: Where nonces are remembered.
        now: Unix time (default: the current time).

    Raises:
        Unauthorized: With the code of the first failed check (see the module docstring).
    """
    values = _header_values(headers)
    client_id, timestamp_text = values[HEADER_CLIENT_ID], values[HEADER_TIMESTAMP]
    nonce, signature = values[HEADER_NONCE], values[HEADER_SIGNATURE]
    if not is_valid_timestamp(timestamp_text):
        raise _fail(
            "malformed_signature",
            f"{HEADER_TIMESTAMP} must be whole Unix seconds (UTC) in decimal digits, e.g. 1732000000",
            header=HEADER_TIMESTAMP,
        )
    if not is_valid_nonce(nonce):
        raise _fail(
            "malformed_signature",
            f"{HEADER_NONCE} must be 16-128 characters of A-Z, a-z, 0-9, '_' and '-'",
            header=HEADER_NONCE,
        )
    if not is_valid_signature(signature):
        raise _fail(
            "malformed_signature",
            f"{HEADER_SIGNATURE} must be the HMAC-SHA256 in 64 lowercase hex digits",
            header=HEADER_SIGNATURE,
        )
    secret = clients.get(client_id)
    if secret is None:
        hint = "" if clients else "; this server has no signing clients"
        raise _fail(
            "unknown_client",
            f"{HEADER_CLIENT_ID} names no client in the server's QMT_BRIDGE_SIGNING_CLIENTS{hint}",
        )
    now = time.time() if now is None else now
    server_time = int(now)
    timestamp = int(timestamp_text)
    if abs(server_time - timestamp) > window_seconds:
        raise _fail(
            "expired_signature",
            f"{HEADER_TIMESTAMP} is {server_time - timestamp:+d} s from the server's clock, more than the "
            f"{window_seconds} s allowed: sign each request (each retry too) when it is sent, and check the "
            "client's clock",
            server_time=server_time,
            window_seconds=window_seconds,
        )
    key = secret.get_secret_value() if hasattr(secret, "get_secret_value") else secret
    expected = sign(key, method, path, query, timestamp_text, nonce, body)
    if not hmac.compare_digest(expected, signature):
        raise _fail(
            "invalid_signature",
            "the signature does not match the request: sign the canonical request given in details "
            f"(method, path, canonical query, {HEADER_TIMESTAMP}, {HEADER_NONCE}, SHA-256 of the exact body "
            f"bytes) with HMAC-SHA256 and this client's secret ({_DOCS})",
            canonical_request=canonical_request(method, path, query, timestamp_text, nonce, body),
        )
    if not store.remember(client_id, nonce, timestamp, now):
        raise _fail(
            "replayed_nonce",
            f"{HEADER_NONCE} was already used by this client: make a new random nonce for every request, "
            "retries included",
        )
    return client_id


def request_path(request: Request) -> str:
    """The path as the client sent it: ASGI's ``raw_path`` without any query, else the decoded path."""
    raw = request.scope.get("raw_path")
    if raw:
        return raw.split(b"?", 1)[0].decode("utf-8", errors="replace")
    return request.url.path


async def verify_request(request: Request) -> str:
    """Verify a signed request against the app's settings; set and return ``request.state.client_id``.

    Reads the body (Starlette caches it, so the endpoint can still parse it).

    Raises:
        Unauthorized: See :func:`verify_signature`.
    """
    settings = request.app.state.settings
    body = await request.body()
    query = request.scope.get("query_string", b"").decode("latin-1")
    store = await run_in_threadpool(nonce_store, request.app)
    client_id = await run_in_threadpool(
        lambda: verify_signature(
            request.headers,
            request.method,
            request_path(request),
            query,
            body,
            clients=settings.signing_clients,
            window_seconds=settings.signature_window_seconds,
            store=store,
        )
    )
    request.state.client_id = client_id
    return client_id
