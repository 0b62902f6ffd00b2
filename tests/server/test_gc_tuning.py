"""The server and its backend process run with the larger garbage-collector thresholds of ``gc_tuning``
(with the defaults a full collection ran at every whole-market push: bench/ws_fanout.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from multiprocessing import Pipe

import pytest

from qmt_bridge.gc_tuning import GC_THRESHOLDS


@pytest.fixture
def default_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_the_servers_lifespan_sets_the_thresholds(default_thresholds: None, sim_backend) -> None:
    from fastapi.testclient import TestClient

    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    app = create_app(Settings(_env_file=None, predownload=False, quote_book=False), backend=sim_backend)
    assert gc.get_threshold() == (700, 10, 10)  # nothing happens before the server starts
    with TestClient(app):
        assert gc.get_threshold() == GC_THRESHOLDS


def test_the_backend_process_sets_them_before_it_starts_the_backend(default_thresholds: None) -> None:
    from qmt_bridge.backends.isolation import child

    seen = []

    class Backend:
        def start(self) -> None:
            seen.append(gc.get_threshold())
            raise RuntimeError("no QMT here")

    server_end, child_end = Pipe()
    child.serve(child_end, Backend())  # says "failed" and returns
    assert seen == [GC_THRESHOLDS]
    assert server_end.poll(5)
