"""The real backend (``XtquantBackend``) against the fake ``xtquant`` package in ``tests/fake_xtquant``.

``fake_xtdata`` puts the fake first on ``sys.path`` and yields its ``xtquant.xtdata`` module (the very
object the backend will import, so its ``CALLS``/``DELAYS``/``FAILURES`` hooks are shared).
``make_client(**settings)`` builds ``create_app(Settings(_env_file=None, backend="xtquant", ...))`` and
enters a ``TestClient`` so the lifespan starts the backend; ``client`` is the default one.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from helpers import FAKE_NOW

FAKE_ROOT = Path(__file__).resolve().parent.parent / "fake_xtquant"


def forget_xtquant() -> None:
    """Drop every cached ``xtquant`` / ``xtquant.*`` module."""
    for name in list(sys.modules):
        if name == "xtquant" or name.startswith("xtquant."):
            del sys.modules[name]


@pytest.fixture
def no_xtquant() -> Iterator[None]:
    """No ``xtquant`` module cached (the fake is not on ``sys.path`` unless another fixture adds it)."""
    forget_xtquant()
    yield
    forget_xtquant()


@pytest.fixture
def fake_on_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The fake package importable as ``xtquant`` (nothing imported yet)."""
    forget_xtquant()
    monkeypatch.syspath_prepend(str(FAKE_ROOT))
    yield FAKE_ROOT
    forget_xtquant()


@pytest.fixture
def fake_xtdata(fake_on_path: Path) -> Iterator[ModuleType]:
    """The fake ``xtquant.xtdata``, imported from ``tests/fake_xtquant``, with its hooks reset."""
    module = importlib.import_module("xtquant.xtdata")
    assert Path(module.__file__).is_relative_to(FAKE_ROOT), module.__file__
    module.reset()
    yield module
    module.reset()  # also wakes a call still sleeping in a worker thread


@pytest.fixture
def make_client(fake_xtdata: ModuleType) -> Iterator[Callable[..., Any]]:
    """``make_client(backend=None, **settings)`` → a started ``TestClient`` on the xtquant backend."""
    from fastapi.testclient import TestClient

    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.server.services.local_history import LocalHistory

    stack = contextlib.ExitStack()

    def make(backend: Any = None, **overrides: Any) -> TestClient:
        # No pre-download unless a test asks: its calls would interleave with the calls tests assert on.
        overrides = {"predownload": False, **overrides}
        settings = Settings(_env_file=None, backend="xtquant", **overrides)
        client = stack.enter_context(TestClient(create_app(settings, backend=backend)))
        # History on demand counts "the last n bars" back from now: the fake's now.
        client.app.state.context.local_history = LocalHistory(now=lambda: FAKE_NOW)
        return client

    with stack:
        yield make
        fake_xtdata.reset()  # release abandoned (timed-out) calls before the lifespan shuts down


@pytest.fixture
def client(make_client: Callable[..., Any]) -> Any:
    return make_client()


@pytest.fixture
def fake_xttrader(fake_on_path: Path) -> Iterator[ModuleType]:
    """The fake ``xtquant.xttrader``, imported from ``tests/fake_xtquant``, with its hooks reset (before, and
    after: that releases hung calls and ends the push threads of the traders a test left behind)."""
    module = importlib.import_module("xtquant.xttrader")
    assert Path(module.__file__).is_relative_to(FAKE_ROOT), module.__file__
    module.reset()
    yield module
    module.reset()
