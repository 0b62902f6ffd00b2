"""Unit tests of the client transport, with a scripted opener injected through the constructor.

No network and no patching of urllib: :class:`FakeOpener` stands where ``urllib.request.OpenerDirector``
would, and returns real ``urllib.error.HTTPError`` objects or raises real connection errors.
"""

from __future__ import annotations

import email.message
import io
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from qmt_bridge import QMTClient, __version__
from qmt_bridge.client import frames
from qmt_bridge.client.base import (
    DEFAULT_TIMEOUT,
    MAX_RETRY_DELAY,
    BaseClient,
    encode_params,
)
from qmt_bridge.client.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GatewayTimeoutError,
    NotFoundError,
    NotImplementedByServerError,
    PermissionDeniedError,
    QMTBridgeError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    UnprocessableEntityError,
    _make_status_error,
)


class FakeResponse:
    """A 2xx (or, for openers without HTTPErrorProcessor, any) response."""

    def __init__(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.headers = dict(headers or {})
        if isinstance(body, bytes):
            self._body = body
        elif body is None:
            self._body = b""
        else:
            self._body = json.dumps(body).encode()
        self.closed = False

    def read(self) -> bytes:
        return self._body

    def close(self) -> None:
        self.closed = True


def http_error(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> urllib.error.HTTPError:
    """The exception urllib's default opener raises for a non-2xx status."""
    message = email.message.Message()
    for name, value in (headers or {}).items():
        message[name] = value
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    return urllib.error.HTTPError("http://test/", status, "error", message, io.BytesIO(raw))


def error_body(
    code: str, message: str, details: dict[str, Any] | None = None, request_id: str = "req-1"
) -> Any:
    return {"error": {"code": code, "message": message, "details": details or {}}, "request_id": request_id}


class FakeOpener:
    """Plays a script: each item is a response to return or an exception to raise."""

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.calls: list[tuple[urllib.request.Request, float]] = []

    def open(self, request: urllib.request.Request, data: bytes | None = None, timeout: float = -1) -> Any:
        self.calls.append((request, timeout))
        if not self.script:
            raise AssertionError(f"unexpected request {request.get_method()} {request.full_url}")
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    @property
    def urls(self) -> list[str]:
        return [request.full_url for request, _ in self.calls]

    def query(self, index: int = -1) -> dict[str, list[str]]:
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.urls[index]).query, keep_blank_values=True)


def make_client(*script: Any, **kwargs: Any) -> tuple[QMTClient, FakeOpener, list[float]]:
    opener = FakeOpener(*script)
    kwargs.setdefault("base_url", "http://bridge.test:8000")
    client = QMTClient(opener=opener, **kwargs)
    sleeps: list[float] = []
    client._sleep = sleeps.append
    client._random = lambda: 0.0
    return client, opener, sleeps


# -- URL, parameters, headers ------------------------------------------------------------------------------


def test_encode_params_drops_none_joins_lists_and_spells_booleans() -> None:
    query = encode_params(
        {"stocks": ["000001.SZ", "600519.SH"], "fields": None, "fill_data": True, "x": False, "count": -1}
    )
    assert query == "stocks=000001.SZ,600519.SH&fill_data=true&x=false&count=-1"


def test_encode_params_percent_encodes_utf8() -> None:
    assert urllib.parse.parse_qs(encode_params({"sector": "沪深A股"})) == {"sector": ["沪深A股"]}


def test_request_builds_url_from_base_url_path_and_params() -> None:
    client, opener, _ = make_client(FakeResponse(body={"ok": True}))
    assert client._request("GET", "/api/x", params={"a": "1", "b": None, "c": ["p", "q"]}) == {"ok": True}
    assert opener.urls == ["http://bridge.test:8000/api/x?a=1&c=p,q"]


def test_request_sends_accept_user_agent_and_api_key_header_only() -> None:
    client, opener, _ = make_client(FakeResponse(body={}), api_key="s3cret")
    client._request("GET", "/api/meta/health", params={"q": "1"})
    request, _ = opener.calls[0]
    assert request.get_header("Accept") == "application/json"
    assert request.get_header("User-agent") == f"qmt-bridge-client/{__version__}"
    assert request.get_header("X-api-key") == "s3cret"
    assert "s3cret" not in request.full_url
    assert request.data is None
    assert request.get_header("Content-type") is None


def test_a_gzip_answer_is_decoded_and_a_corrupt_one_named() -> None:
    import gzip

    body = json.dumps({"data": {"600519.SH": {"close": [1.5]}}}).encode()
    zipped = FakeResponse(body=gzip.compress(body), headers={"Content-Encoding": "gzip"})
    corrupt = FakeResponse(body=gzip.compress(body)[:-9], headers={"Content-Encoding": "gzip"})
    client, opener, _ = make_client(zipped, corrupt)
    assert client._request("GET", "/api/x") == json.loads(body)
    assert opener.calls[0][0].get_header("Accept-encoding") == "gzip"
    with pytest.raises(QMTBridgeError, match="gzip-compressed answer is corrupt"):
        client._request("GET", "/api/x")


def test_a_gzip_error_answer_is_decoded_too() -> None:
    import gzip

    body = {"error": {"code": "invalid_parameter", "message": "period: bad", "details": {}}}
    failure = http_error(400, gzip.compress(json.dumps(body).encode()), {"Content-Encoding": "gzip"})
    client, _, _ = make_client(failure)
    with pytest.raises(BadRequestError, match="period: bad"):
        client._request("GET", "/x")


def test_no_api_key_header_without_key() -> None:
    client, opener, _ = make_client(FakeResponse(body={}))
    client._request("GET", "/x")
    assert opener.calls[0][0].get_header("X-api-key") is None


def test_post_sends_json_body() -> None:
    client, opener, _ = make_client(FakeResponse(body={"status": "ok"}))
    assert client._request("POST", "/api/download", json={"stock": "000001.SZ", "name": "平安"}) == {
        "status": "ok"
    }
    request, _ = opener.calls[0]
    assert request.get_method() == "POST"
    assert request.get_header("Content-type") == "application/json"
    assert json.loads(request.data) == {"stock": "000001.SZ", "name": "平安"}


def test_empty_body_decodes_to_none_and_response_is_closed() -> None:
    response = FakeResponse(status=204)
    client, _, _ = make_client(response)
    assert client._request("DELETE", "/x") is None
    assert response.closed


def test_invalid_json_in_success_body_raises_bridge_error() -> None:
    client, _, _ = make_client(FakeResponse(body=b"<html>proxy</html>"))
    with pytest.raises(QMTBridgeError, match="not valid JSON") as info:
        client._request("GET", "/x")
    assert not isinstance(info.value, APIStatusError)


# -- configuration: arguments, then environment ------------------------------------------------------------


def test_defaults_are_localhost_8000() -> None:
    assert QMTClient().base_url == "http://127.0.0.1:8000"


def test_host_and_port_arguments() -> None:
    assert QMTClient(host="192.168.1.100", port=8080).base_url == "http://192.168.1.100:8080"
    assert QMTClient("192.168.1.100").base_url == "http://192.168.1.100:8000"
    assert QMTClient(host="::1", port=9000).base_url == "http://[::1]:9000"


def test_base_url_overrides_host_and_port_and_loses_trailing_slash() -> None:
    client = QMTClient(host="10.0.0.1", port=1, base_url="https://proxy.example/qmt/")
    assert client.base_url == "https://proxy.example/qmt"


def test_env_url_used_only_when_no_address_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QMT_BRIDGE_URL", "http://10.1.2.3:9000/")
    assert QMTClient().base_url == "http://10.1.2.3:9000"
    assert QMTClient(host="10.9.9.9").base_url == "http://10.9.9.9:8000"
    assert QMTClient(base_url="http://a:1").base_url == "http://a:1"


def test_env_api_key_used_when_argument_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QMT_BRIDGE_API_KEY", "from-env")
    assert QMTClient().api_key == "from-env"
    assert QMTClient(api_key="from-arg").api_key == "from-arg"


def test_repr_does_not_leak_the_key() -> None:
    assert "k3y" not in repr(QMTClient(api_key="k3y"))


@pytest.mark.parametrize("kwargs", [{"timeout": 0}, {"timeout": -1.0}, {"max_retries": -1}])
def test_invalid_settings_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        BaseClient(**kwargs)


def test_default_opener_is_urllib() -> None:
    assert isinstance(BaseClient()._opener, urllib.request.OpenerDirector)


# -- timeouts ----------------------------------------------------------------------------------------------


def test_default_timeout_always_passed_to_open() -> None:
    client, opener, _ = make_client(FakeResponse(body={}))
    client._request("GET", "/x")
    assert opener.calls[0][1] == DEFAULT_TIMEOUT


def test_client_and_per_call_timeouts() -> None:
    client, opener, _ = make_client(FakeResponse(body={}), FakeResponse(body={}), timeout=5)
    client._request("GET", "/x")
    client._request("GET", "/x", timeout=0.25)
    assert [timeout for _, timeout in opener.calls] == [5.0, 0.25]


@pytest.mark.parametrize(
    "error",
    [TimeoutError("timed out"), urllib.error.URLError(TimeoutError("timed out"))],
)
def test_timeout_raises_api_timeout_error_after_retries(error: BaseException) -> None:
    client, opener, sleeps = make_client(error, error, error)
    with pytest.raises(APITimeoutError) as info:
        client._request("GET", "/api/x")
    assert isinstance(info.value, APIConnectionError)
    assert info.value.method == "GET" and info.value.url.endswith("/api/x")
    assert len(opener.calls) == 3 and len(sleeps) == 2


# -- connection errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")),
        urllib.error.URLError(socket.gaierror(-2, "Name or service not known")),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
)
def test_connection_errors_raise_api_connection_error(error: BaseException) -> None:
    client, opener, _ = make_client(error, error, error)
    with pytest.raises(APIConnectionError) as info:
        client._request("GET", "/x")
    assert not isinstance(info.value, APITimeoutError)
    assert info.value.__cause__ is error
    assert len(opener.calls) == 3


def test_connection_error_then_success_is_retried_for_get() -> None:
    refused = urllib.error.URLError(ConnectionRefusedError(111, "refused"))
    client, opener, sleeps = make_client(refused, FakeResponse(body={"ok": 1}))
    assert client._request("GET", "/x") == {"ok": 1}
    assert len(opener.calls) == 2 and sleeps == [0.5]


# -- retries -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_retried_on_retryable_status_then_succeeds(status: int) -> None:
    client, opener, sleeps = make_client(http_error(status), http_error(status), FakeResponse(body=[1, 2]))
    assert client._request("GET", "/x") == [1, 2]
    assert len(opener.calls) == 3
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH"])
def test_non_get_never_retried(method: str) -> None:
    client, opener, sleeps = make_client(http_error(503, error_body("backend_unavailable", "down")))
    with pytest.raises(ServiceUnavailableError):
        client._request(method, "/api/trading/order", json={"x": 1})
    assert len(opener.calls) == 1 and sleeps == []


def test_post_not_retried_on_connection_error() -> None:
    client, opener, _ = make_client(ConnectionResetError(104, "reset"))
    with pytest.raises(APIConnectionError):
        client._request("POST", "/api/download", json={})
    assert len(opener.calls) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 500, 501])
def test_non_retryable_status_not_retried(status: int) -> None:
    client, opener, sleeps = make_client(http_error(status, error_body("e", "m")))
    with pytest.raises(APIStatusError):
        client._request("GET", "/x")
    assert len(opener.calls) == 1 and sleeps == []


def test_retries_exhausted_raise_last_status_error() -> None:
    client, opener, _ = make_client(
        http_error(503), http_error(503), http_error(503, error_body("backend_unavailable", "still down"))
    )
    with pytest.raises(ServiceUnavailableError, match="still down") as info:
        client._request("GET", "/x")
    assert info.value.code == "backend_unavailable"
    assert len(opener.calls) == 3


def test_max_retries_zero_means_one_attempt() -> None:
    client, opener, _ = make_client(http_error(503), max_retries=0)
    with pytest.raises(ServiceUnavailableError):
        client._request("GET", "/x")
    assert len(opener.calls) == 1


def test_backoff_doubles_to_cap() -> None:
    script = [http_error(502) for _ in range(7)]
    client, _, sleeps = make_client(*script, max_retries=6)
    with pytest.raises(ServerError) as info:
        client._request("GET", "/x")
    assert info.value.status_code == 502
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert max(sleeps) == MAX_RETRY_DELAY


def test_jitter_shortens_delay_by_at_most_a_quarter() -> None:
    client, _, sleeps = make_client(http_error(503), FakeResponse(body={}))
    client._random = lambda: 1.0
    client._request("GET", "/x")
    assert sleeps == [0.375]


def test_retry_after_seconds_honoured() -> None:
    client, _, sleeps = make_client(http_error(429, headers={"Retry-After": "3"}), FakeResponse(body={}))
    client._request("GET", "/x")
    assert sleeps == [3.0]


def test_retry_after_too_long_or_garbage_falls_back_to_backoff() -> None:
    client, _, sleeps = make_client(
        http_error(429, headers={"Retry-After": "3600"}),
        http_error(503, headers={"Retry-After": "soon"}),
        FakeResponse(body={}),
    )
    client._request("GET", "/x")
    assert sleeps == [0.5, 1.0]


def test_rate_limit_error_when_retries_exhausted() -> None:
    client, _, _ = make_client(*[http_error(429, error_body("rate_limited", "slow down")) for _ in range(3)])
    with pytest.raises(RateLimitError, match="slow down"):
        client._request("GET", "/x")


def test_each_attempt_gets_a_fresh_request_with_same_url() -> None:
    client, opener, _ = make_client(http_error(503), FakeResponse(body={}), api_key="k")
    client._request("GET", "/x", params={"a": 1})
    (first, _), (second, _) = opener.calls
    assert first is not second
    assert first.full_url == second.full_url
    assert second.get_header("X-api-key") == "k"


# -- error mapping -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, ServerError),
        (501, NotImplementedByServerError),
        (502, ServerError),
        (503, ServiceUnavailableError),
        (504, GatewayTimeoutError),
        (599, ServerError),
        (418, APIStatusError),
    ],
)
def test_make_status_error_maps_status_to_class(status: int, cls: type[APIStatusError]) -> None:
    error = _make_status_error(status, b"", {})
    assert type(error) is cls
    assert error.status_code == status
    assert isinstance(error, QMTBridgeError)


def test_server_error_subclasses() -> None:
    for cls in (NotImplementedByServerError, ServiceUnavailableError, GatewayTimeoutError):
        assert issubclass(cls, ServerError)
    assert issubclass(APITimeoutError, APIConnectionError)


def test_error_body_parsed_into_attributes() -> None:
    body = error_body("invalid_parameter", "bad stock code: XYZ", {"param": "stock"}, "abc123")
    client, _, _ = make_client(http_error(400, body))
    with pytest.raises(BadRequestError) as info:
        client._request("GET", "/api/history", params={"stock": "XYZ"})
    error = info.value
    assert error.status_code == 400
    assert error.code == "invalid_parameter"
    assert error.message == "bad stock code: XYZ"
    assert error.details == {"param": "stock"}
    assert error.request_id == "abc123"
    assert error.body == body
    assert str(error) == "400 invalid_parameter: bad stock code: XYZ (request_id=abc123)"


def test_error_status_returned_as_response_is_mapped_too() -> None:
    # An opener built without HTTPErrorProcessor returns error responses instead of raising them.
    client, _, _ = make_client(FakeResponse(status=404, body=error_body("not_found", "no such sector")))
    with pytest.raises(NotFoundError, match="no such sector"):
        client._request("GET", "/x")


def test_non_json_error_body_kept_as_message() -> None:
    error = _make_status_error(502, b"<html>Bad Gateway</html>\n", {"Content-Type": "text/html"})
    assert error.message == "<html>Bad Gateway</html>"
    assert error.code is None and error.details == {} and error.request_id is None
    assert error.body == "<html>Bad Gateway</html>\n"
    assert error.headers["content-type"] == "text/html"


def test_json_error_body_of_other_shape_kept_as_text() -> None:
    error = _make_status_error(422, b'{"detail": [{"loc": ["query", "stock"]}]}', {})
    assert error.message == '{"detail": [{"loc": ["query", "stock"]}]}'
    assert error.body == {"detail": [{"loc": ["query", "stock"]}]}
    assert error.code is None


def test_empty_error_body_gets_status_message() -> None:
    assert _make_status_error(500, None).message == "HTTP 500"


def test_request_id_header_used_when_body_has_none() -> None:
    body = {"error": {"code": "internal", "message": "boom"}}
    error = _make_status_error(500, json.dumps(body), {"X-Request-ID": "hdr-9"})
    assert error.request_id == "hdr-9"
    assert error.details == {}


def test_non_dict_details_are_wrapped() -> None:
    body = {"error": {"code": "validation_error", "message": "bad", "details": [{"loc": "stock"}]}}
    assert _make_status_error(422, json.dumps(body)).details == {"details": [{"loc": "stock"}]}


# -- mixins over the transport -----------------------------------------------------------------------------


def test_tabular_methods_request_columns_format_and_return_dicts_without_pandas() -> None:
    columns = {"time": [1704124800000], "open": [10.0], "close": [10.5]}
    client, opener, _ = make_client(
        FakeResponse(body={"stock": "000001.SZ", "period": "1d", "count": 1, "data": columns}),
        FakeResponse(body={"period": "1d", "dividend_type": "front", "data": {"000001.SZ": columns}}),
        use_pandas=False,
    )
    assert client.get_history("000001.SZ", count=1) == columns
    assert opener.query()["format"] == ["columns"]
    result = client.get_history_ex(["000001.SZ", "600519.SH"], dividend_type="front", count=1)
    assert result == {"000001.SZ": columns}
    query = opener.query()
    assert query["stocks"] == ["000001.SZ,600519.SH"]
    assert query["format"] == ["columns"] and query["fill_data"] == ["true"]
    assert "fields" not in query


def test_use_pandas_true_without_pandas_raises_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frames, "_pandas", None)
    client, _, _ = make_client(FakeResponse(body={"data": {}}), use_pandas=True)
    with pytest.raises(ImportError, match="pandas"):
        client.get_history("000001.SZ")


def test_auto_pandas_falls_back_to_dicts_when_pandas_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frames, "_pandas", None)
    columns = {"time": [1], "close": [1.0]}
    client, _, _ = make_client(FakeResponse(body={"data": {"A.SH": columns}}))
    assert client.get_market_data("A.SH") == {"A.SH": columns}


def test_legacy_download_is_a_post_and_not_retried() -> None:
    client, opener, _ = make_client(http_error(503))
    with pytest.raises(ServiceUnavailableError):
        client.legacy_download("000001.SZ", start_time="20240101")
    request, _ = opener.calls[0]
    assert request.get_method() == "POST"
    assert json.loads(request.data) == {
        "stock": "000001.SZ",
        "period": "1d",
        "start_time": "20240101",
        "end_time": "",
    }
    assert len(opener.calls) == 1


def test_sector_stocks_omits_real_timetag_unless_given() -> None:
    body = {"sector": "沪深A股", "count": 1, "stocks": ["000001.SZ"]}
    client, opener, _ = make_client(FakeResponse(body=body), FakeResponse(body=body))
    assert client.get_sector_stocks("沪深A股") == ["000001.SZ"]
    assert "real_timetag" not in opener.query()
    client.get_sector_stocks("沪深A股", real_timetag="20240102")
    assert opener.query()["real_timetag"] == ["20240102"]


def test_last_trade_date_falls_back_to_ms_timestamp() -> None:
    client, _, _ = make_client(FakeResponse(body={"market": "SH", "last_trade_date": 1704124800000}))
    assert client.get_last_trade_date("SH") == "20240102"


def test_instrument_detail_unknown_code_is_none() -> None:
    client, opener, _ = make_client(FakeResponse(body={"data": {"999999.SZ": None}}))
    assert client.get_instrument_detail("999999.SZ") is None
    assert opener.query()["iscomplete"] == ["false"]


# -- documentation contract --------------------------------------------------------------------------------


def test_every_public_client_method_has_google_style_docstring() -> None:
    undocumented = []
    for name in dir(QMTClient):
        if name.startswith("_") or name == "close" or not callable(getattr(QMTClient, name)):
            continue
        doc = getattr(QMTClient, name).__doc__ or ""
        if "Returns:" not in doc or "Raises:" not in doc:
            undocumented.append(name)
    assert undocumented == []
