"""HMAC-SHA256 request signing (seed 001), shared by the client and the server: standard library only.

A signed request carries four headers:

* ``X-Client-Id``: the client's name on the server (``QMT_BRIDGE_SIGNING_CLIENTS``);
* ``X-Timestamp``: when it was signed, in integer Unix seconds;
* ``X-Nonce``: a fresh random string for every request, retries included (16–128 of ``[A-Za-z0-9_-]``);
* ``X-Signature``: ``HMAC-SHA256(secret, canonical request)`` in lowercase hex.

The canonical request is six lines joined by ``"\\n"`` (no newline at the end)::

    METHOD                  upper case, e.g. POST
    /api/trading/order      the path as sent, without the query
    a=1&b=x%20y             the canonical query (see canonical_query), empty when there is none
    1732000000              the X-Timestamp value
    3kQ9...                 the X-Nonce value
    e3b0c442...             SHA-256 hex of the raw body bytes (of b"" when there is no body)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "HEADER_CLIENT_ID",
    "HEADER_TIMESTAMP",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "SIGNATURE_HEADERS",
    "Query",
    "Signer",
    "body_hash",
    "canonical_query",
    "canonical_request",
    "is_valid_nonce",
    "is_valid_signature",
    "is_valid_timestamp",
    "new_nonce",
    "sign",
    "signed_headers",
]

HEADER_CLIENT_ID = "X-Client-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"
SIGNATURE_HEADERS = (HEADER_CLIENT_ID, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)

_NONCE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
# Twelve digits reach the year 33658: longer is a mistake (milliseconds have thirteen).
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_QUOTE_SAFE = "-_.~"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: A query: the raw query string (without ``?``), a mapping, or (key, value) pairs.
Query = str | Mapping[str, Any] | Iterable[tuple[str, Any]] | None
Secret = str | bytes


def is_valid_nonce(value: str) -> bool:
    """16–128 characters of ``[A-Za-z0-9_-]``."""
    return _NONCE.fullmatch(value) is not None


def is_valid_signature(value: str) -> bool:
    """64 lowercase hex digits."""
    return _SIGNATURE.fullmatch(value) is not None


def is_valid_timestamp(value: str) -> bool:
    """Decimal digits only (no sign, no fraction, no spaces), at most twelve."""
    return _TIMESTAMP.fullmatch(value) is not None


def new_nonce() -> str:
    """32 random characters of ``[A-Za-z0-9_-]`` from :mod:`secrets`."""
    return secrets.token_urlsafe(24)


def canonical_query(query: Query) -> str:
    """The query in canonical form.

    A string is parsed as a raw query string (``+`` and ``%XX`` decoded, blank values kept). Every key and
    value is then percent-encoded with ``urllib.parse.quote(s, safe="-_.~")`` (UTF-8), the encoded pairs
    are sorted by key, then by value, and joined as ``k=v`` with ``&``. Sorting the encoded text keeps the
    order the same in every language (it is plain ASCII).
    """
    if query is None:
        pairs: list[tuple[str, str]] = []
    elif isinstance(query, str):
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    else:
        items = query.items() if isinstance(query, Mapping) else query
        pairs = [(str(key), str(value)) for key, value in items]
    encoded = sorted(
        (urllib.parse.quote(key, safe=_QUOTE_SAFE), urllib.parse.quote(value, safe=_QUOTE_SAFE))
        for key, value in pairs
    )
    return "&".join(f"{key}={value}" for key, value in encoded)


def body_hash(body: bytes | None) -> str:
    """SHA-256 hex of the raw body; of ``b""`` when there is none."""
    return hashlib.sha256(body or b"").hexdigest()


def canonical_request(
    method: str, path: str, query: Query, timestamp: int | str, nonce: str, body: bytes | None
) -> str:
    """The text that is signed (see the module docstring); ``path`` must not contain the query."""
    return "\n".join([method.upper(), path, canonical_query(query), str(timestamp), nonce, body_hash(body)])


def sign(
    secret: Secret,
    method: str,
    path: str,
    query: Query,
    timestamp: int | str,
    nonce: str,
    body: bytes | None,
) -> str:
    """``HMAC-SHA256(secret, canonical_request(...))`` in lowercase hex; a str secret is UTF-8 encoded."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    message = canonical_request(method, path, query, timestamp, nonce, body).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_headers(
    client_id: str,
    secret: Secret,
    method: str,
    path: str,
    query: Query = None,
    body: bytes | None = None,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four signature headers of one request.

    Args:
        client_id: The client's name on the server.
        secret: The client's secret; it is used as the HMAC key and sent nowhere.
        method, path, query, body: The request exactly as it will be sent.
        now: Unix time to sign at (default: the current time), truncated to whole seconds.
        nonce: Default: a fresh :func:`new_nonce`. Never reuse one: the server refuses a replay.

    Raises:
        ValueError: ``nonce`` is not 16–128 characters of ``[A-Za-z0-9_-]``.
    """
    timestamp = int(time.time() if now is None else now)
    nonce = new_nonce() if nonce is None else nonce
    if not is_valid_nonce(nonce):
        raise ValueError("nonce must be 16-128 characters of A-Z, a-z, 0-9, '_' and '-'")
    return {
        HEADER_CLIENT_ID: client_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: sign(secret, method, path, query, timestamp, nonce, body),
    }


class Signer:
    """A client id and its secret, ready to sign requests. Its repr shows the client id only.

    Raises:
        ValueError: ``client_id`` is empty, has control characters or surrounding spaces (it could not
            travel unchanged in a header), or ``secret`` is empty.
    """

    __slots__ = ("client_id", "_secret")

    def __init__(self, client_id: str, secret: Secret) -> None:
        if not client_id or client_id != client_id.strip() or _CONTROL.search(client_id):
            raise ValueError("client_id must be non-empty, without control characters or surrounding spaces")
        if not secret:
            raise ValueError("secret_key must not be empty")
        self.client_id = client_id
        self._secret = secret

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client_id={self.client_id!r})"

    def headers(
        self,
        method: str,
        path: str,
        query: Query = None,
        body: bytes | None = None,
        now: float | None = None,
        nonce: str | None = None,
    ) -> dict[str, str]:
        """:func:`signed_headers` with this client's id and secret."""
        return signed_headers(self.client_id, self._secret, method, path, query, body, now, nonce)
