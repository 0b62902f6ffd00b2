"""Fixtures shared by all tests: a simulated market frozen at a known moment, and the app serving it."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest

from qmt_bridge.sim.clock import CST, fixed_clock

#: The moment most tests see: Thursday 2025-11-20, after the close.
AFTER_CLOSE = dt.datetime(2025, 11, 20, 15, 30, tzinfo=CST)
#: A moment inside the afternoon session of the same day.
MID_SESSION = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
SEED = 7


@pytest.fixture(autouse=True)
def _clean_qmt_environ(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the developer's QMT_BRIDGE_* variables (and their .env) out of the tests, and each test's
    server state (download jobs, sectors, the journal) out of the working directory and of other tests."""
    for name in list(os.environ):
        if name.startswith("QMT_BRIDGE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("QMT_BRIDGE_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    # The fake xtquant's hooks live in the test's process: tests of the backend process ask for it.
    monkeypatch.setenv("QMT_BRIDGE_BACKEND_ISOLATION", "thread")


@pytest.fixture(scope="session")
def sim_backend():
    from qmt_bridge.backends.sim import SimBackend

    backend = SimBackend(seed=SEED, clock=fixed_clock(AFTER_CLOSE))
    backend.start()
    return backend


@pytest.fixture(scope="session")
def xtdata(sim_backend):
    """The simulator's xtdata look-alike, frozen after the close of 2025-11-20."""
    return sim_backend.xtdata


@pytest.fixture(scope="session")
def test_settings():
    from qmt_bridge.server.config import Settings

    # The quote book of BJ only: a few hundred codes. The simulator's first push of SH+SZ+BJ costs ~10 s of
    # CPU per market built, which would slow every test that asks a snapshot of its own server.
    return Settings(_env_file=None, backend="sim", sim_seed=SEED, quote_markets="BJ")


@pytest.fixture(scope="session")
def api(sim_backend, test_settings) -> Iterator:
    """A TestClient of the app on the frozen simulator (lifespan running)."""
    from fastapi.testclient import TestClient

    from qmt_bridge.server.app import create_app

    with TestClient(create_app(test_settings, backend=sim_backend)) as client:
        yield client


@pytest.fixture(autouse=True)
def _forget_fastapi_callables() -> Iterator[None]:
    """Let the apps a test built go. FastAPI keeps the last 4,096 endpoint callables it classified in
    module-level caches, and with them every app whose closures they are: over the suite ~2.7 M objects
    that each full garbage collection scans (a third of the suite's time). A server builds one app."""
    yield
    from fastapi.dependencies import models

    for name in ("_is_gen_callable_cached", "_is_async_gen_callable_cached", "_is_coroutine_callable_cached"):
        cached = getattr(models, name, None)
        if cached is not None:
            cached.cache_clear()
