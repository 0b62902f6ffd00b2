"""HTTP transport of the client: standard library only.

:class:`BaseClient` owns the connection settings and the one choke point every call goes through,
:meth:`BaseClient._request`: URL and query encoding, headers and API key, timeouts, retries with backoff,
JSON decoding and the mapping of error responses to :mod:`qmt_bridge.client.errors`.

Retry policy (written down here because it is a contract):

* ``GET`` is retried; ``POST`` and ``DELETE`` are not, since they may change state, except where the
  server makes a repeat harmless: an order carries a ``client_order_id``, and the server places it once
  however often it is sent (``_request(..., idempotent=True)``);
* a request is retried on connection errors, timeouts and the statuses in :data:`RETRYABLE_STATUSES`;
* the delay starts at :data:`INITIAL_RETRY_DELAY` and doubles up to :data:`MAX_RETRY_DELAY`, minus up to 25 %
  jitter; a ``Retry-After`` header of at most :data:`MAX_RETRY_AFTER` seconds replaces it.

With a client id and secret, requests below :data:`SIGNED_PATH_PREFIXES` are signed (:mod:`qmt_bridge.signing`),
every attempt afresh: the server refuses a nonce it has seen, and a stale timestamp.
"""

from __future__ import annotations

import email.utils
import gzip
import http.client
import json as jsonlib
import os
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from qmt_bridge._version import __version__
from qmt_bridge.client import arrow, frames
from qmt_bridge.client.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    QMTBridgeError,
    _make_status_error,
)
from qmt_bridge.signing import Signer

__all__ = [
    "BaseClient",
    "ClientMixin",
    "Opener",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_RETRIES",
    "INITIAL_RETRY_DELAY",
    "MAX_RETRY_DELAY",
    "MAX_RETRY_AFTER",
    "RETRYABLE_STATUSES",
    "RETRYABLE_METHODS",
    "SIGNED_PATH_PREFIXES",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Longer than a server with its default 30 s backend timeout takes to give up on a call (up to 30 s waiting
#: for a worker, then 30 s running), so that its 504, which names the call, arrives before a client timeout.
DEFAULT_TIMEOUT = 70.0
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
RETRYABLE_METHODS = frozenset({"GET"})

ENV_URL = "QMT_BRIDGE_URL"
ENV_API_KEY = "QMT_BRIDGE_API_KEY"
ENV_CLIENT_ID = "QMT_BRIDGE_CLIENT_ID"
ENV_SECRET_KEY = "QMT_BRIDGE_SECRET_KEY"
#: Requests below these paths (trading and transfers) are signed when the client has a client id and secret.
SIGNED_PATH_PREFIXES = ("/api/trading/", "/api/fund/", "/api/bank/")
USER_AGENT = f"qmt-bridge-client/{__version__}"


def _pick_json_loads() -> Any:
    """orjson when installed (``pip install qmt-bridge[client]``): ~3x faster on large K-line answers.
    The standard library otherwise; both return the same objects."""
    try:
        import orjson
    except ImportError:
        return jsonlib.loads
    return orjson.loads


_json_loads = _pick_json_loads()


class Opener(Protocol):
    """What the client needs from an opener: ``urllib.request.OpenerDirector`` satisfies it.

    ``open`` returns a response with ``status`` (or ``getcode()``), ``headers`` and ``read()``, or raises
    ``urllib.error.HTTPError`` for an error status, ``urllib.error.URLError`` / ``OSError`` when no response
    arrives and ``TimeoutError`` on timeout.
    """

    def open(self, fullurl: urllib.request.Request, data: bytes | None = None, timeout: float = ...) -> Any:
        """Send ``fullurl`` and return its response."""
        ...


class _Retryable(Exception):
    """Internal: one attempt failed in a way that may be retried."""

    def __init__(self, error: QMTBridgeError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def _encode_param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(_encode_param(item) for item in value)
    return str(value)


def encode_params(params: Mapping[str, Any] | None) -> str:
    """Encode query parameters: ``None`` dropped, sequences comma-joined, booleans ``true``/``false``.

    Args:
        params: Query parameters; order is kept.

    Returns:
        The query string without the leading ``?`` (empty when nothing is left).
    """
    pairs = [(key, _encode_param(value)) for key, value in (params or {}).items() if value is not None]
    return urllib.parse.urlencode(pairs, safe=",")


def _parse_retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER else None


def _is_timeout(error: BaseException) -> bool:
    # socket.timeout is an alias of TimeoutError since Python 3.10.
    return isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError)


def _resolve_signer(client_id: str | None, secret_key: str | None) -> Signer | None:
    """Both arguments, else both environment variables, else no signing."""
    if client_id is None and secret_key is None:
        client_id = os.environ.get(ENV_CLIENT_ID) or None
        secret_key = os.environ.get(ENV_SECRET_KEY) or None
        if (client_id is None) != (secret_key is None):
            raise ValueError(f"set both {ENV_CLIENT_ID} and {ENV_SECRET_KEY}, or neither")
    elif client_id is None or secret_key is None:
        raise ValueError("pass both client_id and secret_key to sign requests, or neither")
    if client_id is None or secret_key is None:
        return None
    return Signer(client_id, secret_key)


def _resolve_base_url(host: str | None, port: int | None, base_url: str | None) -> str:
    if base_url:
        url = base_url
    elif host is None and port is None and os.environ.get(ENV_URL):
        url = os.environ[ENV_URL]
    else:
        host = host or DEFAULT_HOST
        if "://" in host:
            url = host if port is None else f"{host.rstrip('/')}:{port}"
        else:
            if ":" in host and not host.startswith("["):
                host = f"[{host}]"  # a bare IPv6 address
            url = f"http://{host}:{port if port is not None else DEFAULT_PORT}"
    if "://" not in url:
        url = f"http://{url}"
    return url.rstrip("/")


class BaseClient:
    """Connection settings and the single request path of :class:`qmt_bridge.QMTClient`.

    Constructor arguments win over environment variables: ``QMT_BRIDGE_URL`` is used when neither
    ``base_url`` nor ``host``/``port`` is given, ``QMT_BRIDGE_API_KEY`` when ``api_key`` is not given,
    ``QMT_BRIDGE_CLIENT_ID`` and ``QMT_BRIDGE_SECRET_KEY`` when neither ``client_id`` nor ``secret_key`` is.

    Args:
        host: Server host (default ``127.0.0.1``).
        port: Server port (default ``8000``).
        api_key: Value of the ``X-API-Key`` header; never put in a URL.
        timeout: Default per-request timeout in seconds.
        max_retries: How many times a failed ``GET`` is retried.
        base_url: Full base URL such as ``http://192.168.1.100:8000``; overrides ``host`` and ``port``.
        opener: Object with ``open(request, timeout=...)``; defaults to ``urllib.request.build_opener()``.
        use_pandas: ``True`` to return DataFrames, ``False`` for plain dicts/lists, ``None`` to use pandas
            when it is importable.
        client_id: Name of this client in the server's ``QMT_BRIDGE_SIGNING_CLIENTS``; with ``secret_key``,
            every trading and transfer request (``/api/trading/...``, ``/api/fund/...``, ``/api/bank/...``) is signed
            with HMAC-SHA256.
        secret_key: The client's secret: the signing key, never sent and never shown in a repr.

    Raises:
        ValueError: ``timeout`` is not positive, ``max_retries`` is negative, only one of ``client_id`` and
            ``secret_key`` is given (or set in the environment), or one of them is empty.
    """

    def __init__(
        self,
        host: str | None = None,
        port: int | None = None,
        *,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        base_url: str | None = None,
        opener: Opener | None = None,
        use_pandas: bool | None = None,
        client_id: str | None = None,
        secret_key: str | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = _resolve_base_url(host, port, base_url)
        self.api_key = api_key if api_key is not None else (os.environ.get(ENV_API_KEY) or None)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.use_pandas = use_pandas
        #: Whether the server answers format=arrow: None until a bulk request tells.
        self._server_arrow: bool | None = None
        self._signer = _resolve_signer(client_id, secret_key)
        self._opener: Opener = opener if opener is not None else urllib.request.build_opener()
        # Injectable so that tests never sleep and can pin the jitter.
        self._sleep: Callable[[float], None] = time.sleep
        self._random: Callable[[], float] = random.random
        self._clock: Callable[[], float] = time.time

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    @property
    def client_id(self) -> str | None:
        """The signing client's id, or ``None`` when requests are not signed."""
        return self._signer.client_id if self._signer is not None else None

    def __enter__(self) -> BaseClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release resources; urllib keeps no connection pool, so this only exists for ``with`` blocks."""

    # -- conversion helpers used by the mixins ---------------------------------------------------------------

    def _wants_pandas(self) -> bool:
        if self.use_pandas is False:
            return False
        if self.use_pandas and not frames.pandas_available():
            raise ImportError("use_pandas=True but pandas is not installed: pip install 'qmt-bridge[client]'")
        return frames.pandas_available()

    def _frame(self, columns: Any) -> Any:
        return frames.to_frame(columns, pandas=self._wants_pandas())

    def _frames(self, data: Mapping[str, Any] | None) -> dict[str, Any]:
        return frames.to_frames(data, pandas=self._wants_pandas())

    def _records_frame(self, records: list[Any] | None) -> Any:
        return frames.records_to_frame(records, pandas=self._wants_pandas())

    def _bulk_frames(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """``{code: frame}`` of a bulk K-line endpoint: as Arrow when DataFrames are wanted and pyarrow is
        installed (falling back to JSON for good on a server that cannot write it), else as JSON columns."""
        if self._wants_pandas() and arrow.pyarrow_available() and self._server_arrow is not False:
            try:
                answer = self._request("GET", path, params={**params, "format": "arrow"})
            except APIStatusError as error:
                if error.status_code not in (400, 422, 501) or "format" not in str(error):
                    raise
                self._server_arrow = False  # an older server, or one without pyarrow
            else:
                if isinstance(answer, arrow.ArrowPayload):
                    self._server_arrow = True
                    return arrow.to_frames(answer)
                return self._frames(answer.get("data"))
        answer = self._request("GET", path, params={**params, "format": "columns"})
        return self._frames(answer.get("data"))

    # -- transport -----------------------------------------------------------------------------------------

    def _headers(self, has_body: bool) -> dict[str, str]:
        # gzip: the server compresses large JSON answers (bulk K-lines) for clients that say so.
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
        if has_body:
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["X-API-Key"] = self.api_key
        return headers

    def _build_url(self, path: str, params: Mapping[str, Any] | None) -> str:
        url = self.base_url + (path if path.startswith("/") else "/" + path)
        query = encode_params(params)
        return f"{url}?{query}" if query else url

    def _retry_delay(self, retries_done: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        delay = min(INITIAL_RETRY_DELAY * float(2**retries_done), MAX_RETRY_DELAY)
        return delay * (1 - 0.25 * self._random())

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        timeout: float | None = None,
        idempotent: bool = False,
    ) -> Any:
        """Send one request and return its decoded JSON body.

        Args:
            method: HTTP method.
            path: Path below the base URL, e.g. ``/api/meta/health``.
            params: Query parameters (see :func:`encode_params`).
            json: JSON-serialisable request body, or ``None`` for no body.
            timeout: Timeout in seconds for this call; defaults to the client's.
            idempotent: The request may be sent again whatever its method (the server makes a repeat
                harmless), so it is retried like a ``GET``.

        Returns:
            The decoded JSON body, or ``None`` for an empty body.

        Raises:
            APIStatusError: The server answered with a non-2xx status (a subclass per status).
            APITimeoutError: The request timed out (after retries for ``GET`` and idempotent requests).
            APIConnectionError: No response was received (after retries for ``GET`` and idempotent requests).
            QMTBridgeError: The response body is not valid JSON.
        """
        method = method.upper()
        url = self._build_url(path, params)
        body = None if json is None else jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
        headers = self._headers(body is not None)
        effective_timeout = self.timeout if timeout is None else float(timeout)
        retries_allowed = self.max_retries if idempotent or method in RETRYABLE_METHODS else 0

        signed = self._signer is not None and ("/" + path.lstrip("/")).startswith(SIGNED_PATH_PREFIXES)

        retries_done = 0
        while True:
            if signed:
                headers.update(self._signature_headers(method, url, body))
            request = urllib.request.Request(url, data=body, headers=headers, method=method)
            try:
                return self._send_once(request, effective_timeout)
            except _Retryable as failure:
                if retries_done >= retries_allowed:
                    raise failure.error from failure.error.__cause__
                self._sleep(self._retry_delay(retries_done, failure.retry_after))
                retries_done += 1

    def _signature_headers(self, method: str, url: str, body: bytes | None) -> dict[str, str]:
        """Fresh signature headers (new timestamp and nonce) for one attempt at ``url``."""
        assert self._signer is not None
        parts = urllib.parse.urlsplit(url)
        return self._signer.headers(method, parts.path, parts.query, body, now=self._clock())

    def _send_once(self, request: urllib.request.Request, timeout: float) -> Any:
        method, url = request.get_method(), request.full_url
        try:
            response = self._opener.open(request, timeout=timeout)
            try:
                status = getattr(response, "status", None) or response.getcode()
                headers = {k.lower(): v for k, v in response.headers.items()}
                payload = response.read()
            finally:
                close = getattr(response, "close", None)
                if close is not None:
                    close()
        except urllib.error.HTTPError as error:
            status, headers = error.code, {k.lower(): v for k, v in (error.headers or {}).items()}
            try:
                payload = error.read()
            except (OSError, http.client.HTTPException):
                payload = b""
            finally:
                error.close()
        except (OSError, http.client.HTTPException) as error:
            failure: APIConnectionError
            if _is_timeout(error):
                failure = APITimeoutError(
                    f"{method} {url} timed out after {timeout:g}s", method=method, url=url
                )
            elif isinstance(error, http.client.IncompleteRead):
                failure = APIConnectionError(
                    f"{method} {url}: the answer was cut short after {len(error.partial):,} bytes (the "
                    "server failed part way through a streamed answer, or the connection broke)",
                    method=method, url=url,
                )  # fmt: skip
            else:
                reason = getattr(error, "reason", error)
                failure = APIConnectionError(
                    f"cannot reach {url}: {reason or type(error).__name__}", method=method, url=url
                )
            failure.__cause__ = error
            raise _Retryable(failure) from error

        if headers.get("content-encoding", "").lower() == "gzip" and payload:
            try:
                payload = gzip.decompress(payload)
            except (OSError, EOFError, zlib.error) as error:
                raise QMTBridgeError(f"{method} {url}: the gzip-compressed answer is corrupt") from error
        if not 200 <= status < 300:
            status_error = _make_status_error(status, payload, headers)
            if status in RETRYABLE_STATUSES:
                raise _Retryable(status_error, _parse_retry_after(headers))
            raise status_error
        if not payload:
            return None
        if headers.get("content-type", "").startswith(arrow.MEDIA_TYPE):
            return arrow.ArrowPayload(payload)
        try:
            return _json_loads(payload)
        except ValueError as error:
            raise QMTBridgeError(f"{method} {url}: response is not valid JSON: {payload[:200]!r}") from error


if TYPE_CHECKING:
    # Mixins see BaseClient's methods when type-checked, and are plain classes at runtime.
    ClientMixin = BaseClient
else:
    ClientMixin = object
