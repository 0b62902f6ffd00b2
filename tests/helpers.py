"""Assertions shared by test modules (importable because pytest puts tests/ on sys.path)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: The fake xtquant's world (tests/fake_xtquant): its newest bars are of Friday 2025-11-21, and it is after
#: that day's close.
FAKE_NOW = dt.datetime(2025, 11, 21, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def shanghai_day(ms: int) -> str:
    """``YYYYMMDD`` of an xtquant ms timestamp, in China time."""
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone(dt.timedelta(hours=8))).strftime("%Y%m%d")


def assert_error(response: Any, status: int, code: str | None = None, param: str | None = None) -> dict:
    """Assert the one error shape ``{"error": {"code", "message", "details"}, "request_id"}``.

    Also: the request id is echoed in ``X-Request-ID`` and no traceback leaks. Returns the ``error`` object.
    """
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "request_id"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, body
    assert isinstance(error["message"], str) and error["message"]
    assert body["request_id"] and body["request_id"] == response.headers["X-Request-ID"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    if code is not None:
        assert error["code"] == code, error
    if param is not None:
        assert param in error["message"], error
    return error


def wait_until(predicate: Callable[[], Any], what: str, timeout: float = 10.0) -> None:
    """Poll ``predicate`` until it is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@contextmanager
def serve_in_thread(
    app: Any, name: str = "uvicorn-test", http: type | None = None, port: int = 0, log_level: str = "warning"
) -> Iterator[str]:
    """Serve ``app`` with qmt-server's own uvicorn configuration in a background thread; yield its base URL.

    The socket is bound before uvicorn starts, so the port cannot be taken in between. ``http`` replaces
    the HTTP protocol class. ``port``: a given one (re-bindable at once, so that a test can restart a
    server there), else a free one.
    """
    import uvicorn

    from qmt_bridge.server.cli import uvicorn_config

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if port:  # only for a restart on the same port: on Windows the option lets another bind it too
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    config = uvicorn_config(app, "127.0.0.1", port, log_level)
    if http is not None:
        config.http = http
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"{name}-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the test server exited during startup (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start within 60 s")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def free_port() -> int:
    """A TCP port nobody listens on (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_frozen_sim(
    data_dir: Any, name: str = "uvicorn-sim", moment: Any = None, **settings: Any
) -> Iterator[str]:
    """The app under uvicorn in a thread, on a simulator frozen at conftest's AFTER_CLOSE (or ``moment``)
    with its SEED.

    ``data_dir`` is the server's own; ``settings`` override the defaults (no API key, no trading). Yields
    the base URL.
    """
    from conftest import AFTER_CLOSE, SEED
    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.sim.clock import fixed_clock

    # Explicit values win over QMT_BRIDGE_* variables and .env, which session fixtures may still see.
    settings = {
        "api_key": None,
        "require_auth_for_data": False,
        "trading_enabled": False,
        "quote_markets": "BJ",  # see conftest.test_settings
        **settings,
    }
    config = Settings(_env_file=None, backend="sim", sim_seed=SEED, data_dir=str(data_dir), **settings)
    backend = SimBackend(seed=SEED, clock=fixed_clock(moment or AFTER_CLOSE), data_dir=data_dir)
    with serve_in_thread(create_app(config, backend=backend), name=name) as url:
        yield url


@contextmanager
def sim_clients_by_heavy_rows() -> Iterator[Callable[[int], Any]]:
    """``client(heavy_rows)``: a started TestClient of an app on the simulator (no quote book, no
    pre-download) with that heavy-request threshold; one app per value, all closed at the end."""
    from contextlib import ExitStack

    from fastapi.testclient import TestClient

    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    made: dict[int, Any] = {}
    with ExitStack() as stack:

        def client(heavy_rows: int) -> Any:
            if heavy_rows not in made:
                settings = Settings(
                    _env_file=None, backend="sim", predownload=False, quote_book=False, heavy_rows=heavy_rows
                )
                made[heavy_rows] = stack.enter_context(TestClient(create_app(settings)))
            return made[heavy_rows]

        yield client


def trading_app(data_dir: Path, api_key: str, at: dt.datetime | None = None, **settings: Any) -> Any:
    """The app with trading on, over a simulator frozen mid-session (conftest's MID_SESSION, or ``at``, so
    marketable orders fill at once) whose paper broker and journal live in ``data_dir``: a second app on the
    same directory is a restart. ``settings`` override the defaults."""
    from conftest import MID_SESSION, SEED
    from qmt_bridge.backends.sim import SimBackend, paper_accounts
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.sim.clock import fixed_clock

    config = Settings(
        _env_file=None,
        backend="sim",
        sim_seed=SEED,
        data_dir=str(data_dir),
        api_key=api_key,
        trading_enabled=True,
        quote_markets="BJ",  # see conftest.test_settings
        predownload=False,
        **settings,
    )
    stock, credit = paper_accounts(config)
    backend = SimBackend(
        seed=SEED,
        clock=fixed_clock(at or MID_SESSION),
        data_dir=data_dir,
        starting_cash=config.sim_starting_cash,
        account_ids=stock,
        credit_account_ids=credit,
    )
    return create_app(config, backend=backend)


def error_shape_problem(body: Any) -> str | None:
    """What is wrong with an error body, or ``None`` when it has exactly the one shape."""
    if not isinstance(body, dict) or set(body) != {"error", "request_id"}:
        return "top level is not exactly {error, request_id}"
    error = body["error"]
    if not isinstance(error, dict) or set(error) != {"code", "message", "details"}:
        return "error is not exactly {code, message, details}"
    if not (isinstance(error["code"], str) and error["code"]):
        return "error.code is not a non-empty string"
    if not (isinstance(error["message"], str) and error["message"]):
        return "error.message is not a non-empty string"
    if error["details"] is not None and not isinstance(error["details"], dict):
        return "error.details is neither an object nor null"
    if not (isinstance(body["request_id"], str) and body["request_id"]):
        return "request_id is not a non-empty string"
    return None


def assert_documented_answer(document: dict, path: str, method: str, model: Any) -> None:
    """The OpenAPI ``document``'s 200 answer of ``method path`` refers to ``model``, the document holds the
    model's own schema under its name (no other schema shares the name: a request body's, another answer's)
    and those of the models it uses, and the example shown validates against it."""
    ok = document["paths"][path][method.lower()]["responses"]["200"]
    media = ok["content"]["application/json"]
    assert media["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}, path
    own = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
    defs = own.pop("$defs", {})
    assert document["components"]["schemas"][model.__name__] == own, path
    for name, schema in defs.items():
        assert document["components"]["schemas"][name] == schema, (path, name)
    model.model_validate(media["example"])


def markdown_tables(path: Path) -> list[list[list[str]]]:
    """The markdown tables of a document, each as rows of cells (header and rule rows dropped)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            current = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if current is None:
            current = []
            tables.append(current)
            continue  # header
        if set(cells[0]) <= {"-"}:
            continue
        current.append(cells)
    return tables


#: The trading server on the xtquant backend (the fake xtquant): its account, key and call timeout.
XT_ACCOUNT = "12345678"
XT_KEY = "k"
#: Long enough that a slow CI machine answers the "meanwhile" requests of the hang tests within it.
XT_CALL_TIMEOUT = 1.0


def xtquant_trading_settings(data_dir: Path, **overrides: Any) -> Any:
    """Settings of a server with trading on, on the xtquant backend, in ``data_dir``."""
    from qmt_bridge.server.config import Settings

    values: dict[str, Any] = {
        "backend": "xtquant",
        "predownload": False,
        "api_key": XT_KEY,
        "trading_enabled": True,
        "trading_account_id": XT_ACCOUNT,
        "data_dir": str(data_dir),
        "trading_call_timeout": XT_CALL_TIMEOUT,
        **overrides,
    }
    return Settings(_env_file=None, **values)


def trader_calls(xt: Any, name: str) -> list[tuple[Any, ...]]:
    """The arguments of every call of ``name`` the fake ``xtquant.xttrader`` received, in order."""
    return [args for method, args in list(xt.CALLS) if method == name]


@contextmanager
def xtquant_trading_server(data_dir: Path, name: str = "uvicorn-trading", **overrides: Any) -> Iterator[Any]:
    """A uvicorn server with trading on, on the xtquant backend (the fake); yields an httpx client with the
    key. A second server on the same ``data_dir`` is a restart."""
    import httpx

    from qmt_bridge.server.app import create_app

    app = create_app(xtquant_trading_settings(data_dir, **overrides))
    with (
        serve_in_thread(app, name=name) as url,
        httpx.Client(base_url=url, headers={"X-API-Key": XT_KEY}, timeout=10) as http,
    ):
        yield http


# ------------------------------------------------------------------------------ a scripted client transport


class ScriptedAnswer:
    """One HTTP answer of :class:`ScriptedOpener`: a JSON body and a status."""

    def __init__(self, body: Any, status: int = 200) -> None:
        self.status = status
        self.headers: dict[str, str] = {}
        self._body = json.dumps(body).encode()

    def read(self) -> bytes:
        return self._body

    def close(self) -> None:
        pass


class ScriptedOpener:
    """A ``QMTClient`` opener that plays a script, keeping every request: a dict is a 200 answer with that
    body, a :class:`ScriptedAnswer` of status >= 400 is raised as urllib's ``HTTPError``, an exception is
    raised as the transport's failure."""

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.requests: list[Any] = []

    def open(self, request: Any, data: bytes | None = None, timeout: float = -1) -> Any:
        import io
        import urllib.error

        self.requests.append(request)
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, ScriptedAnswer) and item.status >= 400:
            raise urllib.error.HTTPError(request.full_url, item.status, "error", {}, io.BytesIO(item.read()))  # type: ignore[arg-type]
        return item if isinstance(item, ScriptedAnswer) else ScriptedAnswer(item)

    def bodies(self) -> list[Any]:
        return [json.loads(r.data) for r in self.requests]


def scripted_client(*script: Any, **options: Any) -> tuple[Any, ScriptedOpener]:
    """A ``QMTClient`` (``api_key`` 'k' unless ``options`` say otherwise) over a :class:`ScriptedOpener`,
    with no sleeping between retries."""
    from qmt_bridge.client import QMTClient

    opener = ScriptedOpener(*script)
    client = QMTClient(base_url="http://bridge.test:8000", opener=opener, **(options or {"api_key": "k"}))
    client._sleep = lambda _seconds: None
    return client, opener


class LosesTheFirstAnswer:
    """A ``QMTClient`` opener that sends every request to the server and throws away the answer to the first
    one (as a connection reset): the request got through, the client does not know."""

    def __init__(self) -> None:
        import urllib.request

        self.inner = urllib.request.build_opener()
        self.sent = 0

    def open(self, request: Any, data: bytes | None = None, timeout: float = -1) -> Any:
        self.sent += 1
        response = self.inner.open(request, timeout=timeout)
        if self.sent == 1:
            response.read()
            response.close()
            raise ConnectionResetError(104, "the answer was lost")
        return response
