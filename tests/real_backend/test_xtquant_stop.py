"""Stopping the xtquant backend disconnects from MiniQMT (``xtdata.disconnect()``), once, without raising."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from qmt_bridge.backends.xtquant import XtquantBackend
from qmt_bridge.server.app import create_app
from qmt_bridge.server.config import Settings


def test_stop_disconnects_once(fake_xtdata):
    backend = XtquantBackend()
    backend.stop()  # not started: nothing to disconnect
    assert fake_xtdata.calls_to("disconnect") == []

    backend.start()
    client = fake_xtdata.get_client()
    backend.stop()
    assert fake_xtdata.calls_to("disconnect") == [((), {})]
    assert client.is_connected() is False  # shut down, not left to the process's exit
    backend.stop()  # idempotent
    assert len(fake_xtdata.calls_to("disconnect")) == 1


def test_a_failing_disconnect_is_logged_not_raised(fake_xtdata, caplog):
    backend = XtquantBackend()
    backend.start()
    fake_xtdata.FAILURES["disconnect"] = RuntimeError("行情服务连接断开")
    with caplog.at_level(logging.WARNING, logger="qmt_bridge.backends.xtquant"):
        backend.stop()
    assert [r.getMessage() for r in caplog.records] == ["xtdata.disconnect() failed while stopping"]
    assert "行情服务连接断开" in caplog.text
    backend.stop()
    assert len(fake_xtdata.calls_to("disconnect")) == 1


def test_the_servers_shutdown_disconnects(fake_xtdata):
    settings = Settings(_env_file=None, backend="xtquant", predownload=False, quote_book=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/meta/health").status_code == 200
        assert fake_xtdata.calls_to("disconnect") == []
    assert len(fake_xtdata.calls_to("disconnect")) == 1
