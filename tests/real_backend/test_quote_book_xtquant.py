"""The quote book on the real backend (against the fake xtquant): subscription, pushes, disconnects."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from helpers import assert_error
from qmt_bridge.server.services.quote_book import QuoteBook

CODE = "600000.SH"


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def client(make_client: Callable[..., Any]) -> Any:
    """A client whose quote book checks the connection every 50 ms."""
    client = make_client()
    ctx = client.app.state.context
    ctx.quotes = QuoteBook(ctx, ["SH", "SZ", "BJ"], check_every=0.05)
    return client


def ready(client: Any) -> bool:
    return client.get("/api/meta/quote_book").json()["ready"]


def snapshot(client: Any) -> dict[str, Any]:
    response = client.get(f"/api/market/full_tick?stocks={CODE}")
    assert response.status_code == 200, response.text
    return response.json()["data"][CODE]


def test_the_book_subscribes_to_the_markets_and_serves_the_pushes(
    client: Any, fake_xtdata: ModuleType
) -> None:
    first = snapshot(client)  # from get_full_tick, and it starts the subscription
    wait_until(lambda: ready(client), "the first push")
    (args, kwargs), *more = fake_xtdata.calls_to("subscribe_whole_quote")
    assert not more
    assert args[0] == ["SH", "SZ", "BJ"] and callable(args[1])
    calls = len(fake_xtdata.calls_to("get_full_tick"))
    assert snapshot(client) == first
    assert len(fake_xtdata.calls_to("get_full_tick")) == calls  # served by the book

    moved = {**fake_xtdata.get_full_tick.__wrapped__([CODE])[CODE], "lastPrice": 10.55, "volume": 123456}
    fake_xtdata.push({CODE: moved})
    wait_until(lambda: snapshot(client)["lastPrice"] == 10.55, "the pushed price")
    assert snapshot(client)["volume"] == 123456
    assert len(fake_xtdata.calls_to("get_full_tick")) == calls


def test_a_disconnected_backend_ends_the_subscription_and_a_reconnect_renews_it(
    client: Any, fake_xtdata: ModuleType
) -> None:
    snapshot(client)
    wait_until(lambda: ready(client), "the first push")
    (first_seq,) = fake_xtdata.SUBSCRIPTIONS

    fake_xtdata.CONNECTED = False
    wait_until(lambda: not ready(client), "the book to stop serving")
    assert fake_xtdata.calls_to("unsubscribe_quote") == [((first_seq,), {})]
    calls = len(fake_xtdata.calls_to("get_full_tick"))
    # Asked from the backend again, which cannot answer while MiniQMT is down: no stale snapshot.
    response = client.get(f"/api/market/full_tick?stocks={CODE}")
    assert "无法连接xtquant服务" in assert_error(response, 502, "backend_error")["message"]
    assert len(fake_xtdata.calls_to("get_full_tick")) == calls + 1

    fake_xtdata.CONNECTED = True
    wait_until(lambda: ready(client), "the renewed subscription's first push")
    assert len(fake_xtdata.calls_to("subscribe_whole_quote")) == 2
    assert list(fake_xtdata.SUBSCRIPTIONS) != [first_seq]


def test_a_push_of_an_ended_subscription_is_ignored(client: Any, fake_xtdata: ModuleType) -> None:
    snapshot(client)
    wait_until(lambda: ready(client), "the first push")
    ((_, callback),) = fake_xtdata.SUBSCRIPTIONS.values()
    fake_xtdata.CONNECTED = False
    wait_until(lambda: not ready(client), "the book to stop serving")
    callback({CODE: {"lastPrice": 99.0}})  # late, from the native client's thread
    time.sleep(0.1)
    assert client.get("/api/meta/quote_book").json()["ready"] is False
    fake_xtdata.CONNECTED = True
    assert snapshot(client)["lastPrice"] != 99.0


def test_a_failing_subscription_leaves_the_snapshots_to_the_backend(
    client: Any, fake_xtdata: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    fake_xtdata.FAILURES["subscribe_whole_quote"] = RuntimeError("no quote service")
    with caplog.at_level(logging.WARNING, logger="qmt_bridge.quotes"):
        first = snapshot(client)
        wait_until(lambda: len(fake_xtdata.calls_to("subscribe_whole_quote")) >= 2, "a retry")
    assert "subscribe_whole_quote" in caplog.text and "no quote service" in caplog.text
    assert snapshot(client) == first
    assert client.get("/api/meta/quote_book").json()["subscribed"] is False

    del fake_xtdata.FAILURES["subscribe_whole_quote"]
    wait_until(lambda: ready(client), "the subscription once it works")


def test_stopping_the_server_unsubscribes(make_client: Callable[..., Any], fake_xtdata: ModuleType) -> None:
    client = make_client()
    snapshot(client)
    wait_until(lambda: ready(client), "the first push")
    assert len(fake_xtdata.SUBSCRIPTIONS) == 1
    client.__exit__(None, None, None)
    assert fake_xtdata.SUBSCRIPTIONS == {}


def test_a_backend_too_busy_to_answer_the_check_keeps_the_book(
    make_client: Callable[..., Any], fake_xtdata: ModuleType
) -> None:
    """A long call holds the one worker past the timeout: the connection check cannot run, which is no
    disconnect. Snapshots keep coming from the book instead of timing out behind the call."""
    client = make_client(backend_timeout=0.3)
    ctx = client.app.state.context
    ctx.quotes = QuoteBook(ctx, ["SH", "SZ", "BJ"], check_every=0.05)
    snapshot(client)
    wait_until(lambda: ready(client), "the first push")
    release = threading.Event()
    download = client.portal.start_task_soon(lambda: ctx.runner.call(release.wait, 5, timeout=60))
    try:
        time.sleep(0.8)  # several checks time out meanwhile
        assert snapshot(client)["lastPrice"] > 0
        assert ready(client)
    finally:
        release.set()
        download.result(timeout=10)
    assert fake_xtdata.calls_to("unsubscribe_quote") == []
    assert len(fake_xtdata.SUBSCRIPTIONS) == 1


def test_a_subscription_given_after_its_timeout_is_released(
    make_client: Callable[..., Any], fake_xtdata: ModuleType
) -> None:
    client = make_client(backend_timeout=0.2)
    ctx = client.app.state.context
    ctx.quotes = QuoteBook(ctx, ["SH", "SZ", "BJ"], check_every=0.05)
    fake_xtdata.DELAYS["subscribe_whole_quote"] = 0.4  # answers after the caller gave up
    snapshot(client)
    wait_until(lambda: len(fake_xtdata.calls_to("unsubscribe_quote")) >= 2, "the strays' release")
    del fake_xtdata.DELAYS["subscribe_whole_quote"]
    wait_until(lambda: ready(client), "a subscription in time")
    wait_until(lambda: len(fake_xtdata.SUBSCRIPTIONS) == 1, "the last stray's release")
    client.__exit__(None, None, None)
    assert fake_xtdata.SUBSCRIPTIONS == {}


def test_a_refused_subscription_is_not_served_even_after_its_first_push(
    client: Any, fake_xtdata: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = fake_xtdata.subscribe_whole_quote

    def refusing(code_list: Any, callback: Any = None) -> int:
        real(code_list, callback)  # its first push is on its way
        time.sleep(0.1)
        return -1

    monkeypatch.setattr(fake_xtdata, "subscribe_whole_quote", refusing)
    snapshot(client)
    wait_until(lambda: len(fake_xtdata.SUBSCRIPTIONS) >= 2, "two attempts")
    assert not ready(client)
    calls = len(fake_xtdata.calls_to("get_full_tick"))
    snapshot(client)
    assert len(fake_xtdata.calls_to("get_full_tick")) == calls + 1
