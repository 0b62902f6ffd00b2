"""The quote book on the real backend (against the fake xtquant): subscription, pushes, disconnects."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from helpers import assert_error, wait_until
from qmt_bridge.server.services.quote_book import QuoteBook

CODE = "600000.SH"


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


def test_codes_the_book_holds_need_no_instrument_check(client: Any, fake_xtdata: ModuleType) -> None:
    """A code with a snapshot in the whole-market push exists in MiniQMT: a K-line request for thousands
    of such codes does not first ask get_instrument_detail of each (seconds on a full market)."""
    snapshot(client)  # starts the book (checking 600000.SH on the way)
    wait_until(lambda: ready(client), "the first push")
    client.app.state.context.known_codes.clear()
    checked = len(fake_xtdata.calls_to("get_instrument_detail"))
    response = client.get("/api/market/market_data_ex?stocks=600000.SH,000001.SZ&count=1")
    assert response.status_code == 200
    assert len(fake_xtdata.calls_to("get_instrument_detail")) == checked
    # A code outside the book is still checked, and an unknown one still a 404.
    response = client.get("/api/market/market_data_ex?stocks=600000.SH,600001.SH&count=1")
    assert response.status_code == 404 and response.json()["error"]["details"]["value"] == ["600001.SH"]
    assert [args for args, _ in fake_xtdata.calls_to("get_instrument_detail")[checked:]] == [("600001.SH",)]


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
    """The case the generation check exists for: after a reconnect the book serves again, and a late push
    of the old subscription (newer in time than what the book holds) arrives from a native thread."""
    snapshot(client)
    wait_until(lambda: ready(client), "the first push")
    ((_, old_callback),) = fake_xtdata.SUBSCRIPTIONS.values()
    fake_xtdata.CONNECTED = False
    wait_until(lambda: not ready(client), "the book to stop serving")
    late = {**fake_xtdata.get_full_tick.__wrapped__([CODE])[CODE], "lastPrice": 99.0}
    late["time"] += 60_000
    old_callback({CODE: late})  # while stopped
    fake_xtdata.CONNECTED = True
    wait_until(lambda: ready(client) and len(fake_xtdata.SUBSCRIPTIONS) == 1, "the renewed subscription")
    assert snapshot(client)["lastPrice"] != 99.0
    old_callback({CODE: late})  # while the new subscription is served
    time.sleep(0.1)
    assert snapshot(client)["lastPrice"] != 99.0
    assert client.get("/api/meta/quote_book").json()["ready"] is True


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


# ------------------------------------------------------------------ reconnects, silence, ordering, shape


def book_client(make_client: Callable[..., Any], **options: Any) -> Any:
    """A client whose quote book checks every 50 ms, outside trading hours unless told otherwise."""
    client = make_client()
    ctx = client.app.state.context
    ctx.quotes = QuoteBook(
        ctx, ["SH", "SZ", "BJ"], **{"check_every": 0.05, "trading_hours": lambda: False, **options}
    )
    snapshot(client)
    wait_until(lambda: ready(client), "the first push")
    return client


def status(client: Any) -> dict[str, Any]:
    return client.get("/api/meta/quote_book").json()


def moved(fake: ModuleType, price: float, **extra: Any) -> dict[str, Any]:
    return {**fake.get_full_tick.__wrapped__([CODE])[CODE], "lastPrice": price, **extra}


def test_a_short_outage_that_replaces_the_client_renews_the_subscription(
    make_client: Callable[..., Any], fake_xtdata: ModuleType
) -> None:
    """MiniQMT goes away and comes back between two checks: xtquant's get_client() builds a new client and
    the old one's subscription is gone. The book must not go on serving the frozen price as ready."""
    client = book_client(make_client, check_every=0.5)
    fake_xtdata.go_down()
    fake_xtdata.come_back()
    assert fake_xtdata.SUBSCRIPTIONS == {}
    wait_until(lambda: status(client)["resubscriptions"]["reconnect"] == 1, "the renewed subscription")
    wait_until(lambda: len(fake_xtdata.SUBSCRIPTIONS) == 1 and ready(client), "its first push")
    fake_xtdata.push({CODE: moved(fake_xtdata, 10.77, time=fake_xtdata._ms("20251121150003"))})
    wait_until(lambda: snapshot(client)["lastPrice"] == 10.77, "the new client's push")


def test_a_silent_stream_in_trading_hours_is_served_from_the_backend_then_renewed(
    make_client: Callable[..., Any], fake_xtdata: ModuleType
) -> None:
    """The native client reconnects by itself (the same client object, its subscriptions gone): no check
    can see it, but in trading hours the whole market pushes every ~3 s, so silence means a dead stream."""
    client = book_client(make_client, silent_after=0.4, trading_hours=lambda: True)
    fake_xtdata.go_down()
    fake_xtdata.come_back(same_client=True)
    wait_until(lambda: status(client)["resubscriptions"]["silence"] == 1, "the silence to be noticed")
    wait_until(lambda: len(fake_xtdata.SUBSCRIPTIONS) == 1, "the new subscription")
    assert status(client)["silent_after_seconds"] == 0.8  # silence after a resubscription: wait longer
    for i in range(2):  # the stream lives again: back to the first threshold
        fake_xtdata.push({CODE: moved(fake_xtdata, 10.8 + i, time=fake_xtdata._ms(f"2025112115000{i + 3}"))})
    wait_until(lambda: snapshot(client)["lastPrice"] == 11.8, "the renewed stream's pushes")
    assert status(client)["silent_after_seconds"] == 0.4 and status(client)["serving"] is True


def test_silence_just_past_the_bound_stops_serving_and_says_so(
    make_client: Callable[..., Any], fake_xtdata: ModuleType
) -> None:
    client = book_client(make_client, silent_after=0.3, trading_hours=lambda: True, check_every=30)
    ctx = client.app.state.context
    ctx.quotes._busy = True  # what the keeper's check found (it next checks in 30 s)
    ctx.quotes._last_push_monotonic = time.monotonic() - 0.25
    assert ctx.quotes.lookup([CODE]) is not None and status(client)["stale"] is False
    ctx.quotes._last_push_monotonic = time.monotonic() - 0.35
    assert ctx.quotes.lookup([CODE]) is None
    assert status(client)["stale"] is True and status(client)["serving"] is False
    assert status(client)["last_push_age_seconds"] >= 0.35


def test_silence_outside_trading_hours_is_no_failure(
    make_client: Callable[..., Any], fake_xtdata: ModuleType
) -> None:
    client = book_client(make_client, silent_after=0.1)
    time.sleep(0.5)
    assert status(client)["resubscriptions"] == {"reconnect": 0, "silence": 0}
    assert status(client)["serving"] is True and len(fake_xtdata.SUBSCRIPTIONS) == 1


def test_an_older_push_never_replaces_a_newer_snapshot(
    make_client: Callable[..., Any], fake_xtdata: ModuleType
) -> None:
    client = book_client(make_client)
    newer = moved(fake_xtdata, 10.9, time=fake_xtdata._ms("20251121150006"))
    older = moved(fake_xtdata, 10.1, time=fake_xtdata._ms("20251121150003"))
    fake_xtdata.push({CODE: newer})
    fake_xtdata.push({CODE: older})  # delivered after, by another native thread
    time.sleep(0.1)
    assert snapshot(client)["lastPrice"] == 10.9
    equal = moved(fake_xtdata, 10.95, time=newer["time"])  # the same moment again: the later word counts
    fake_xtdata.push({CODE: equal})
    wait_until(lambda: snapshot(client)["lastPrice"] == 10.95, "a push of the same time")


def test_scattered_pushes_from_eight_threads_end_on_the_newest(
    make_client: Callable[..., Any], fake_xtdata: ModuleType
) -> None:
    client = book_client(make_client)
    base = fake_xtdata._ms("20251121150000")
    pushes = [{CODE: moved(fake_xtdata, 10.0 + i / 100, time=base + 3000 * i)} for i in range(1, 81)]
    pushes.reverse()  # newest first: in any interleaving, most later deliveries are older
    fake_xtdata.push_scattered(pushes)
    time.sleep(0.1)
    assert snapshot(client)["lastPrice"] == 10.8 and snapshot(client)["time"] == base + 240000


def test_full_tick_has_one_key_set_whichever_path_answers(
    make_client: Callable[..., Any], fake_xtdata: ModuleType
) -> None:
    from qmt_bridge.xtnames import FULL_TICK_KEYS

    client = make_client()
    ctx = client.app.state.context
    ctx.quotes = QuoteBook(ctx, ["SH", "SZ", "BJ"], check_every=0.05, trading_hours=lambda: False)
    from_backend = snapshot(client)  # get_full_tick: no volRatio/speed keys in the fake's answer
    assert list(from_backend) == list(FULL_TICK_KEYS) and from_backend["volRatio"] is None
    wait_until(lambda: ready(client), "the first push")
    push = moved(fake_xtdata, 10.6, time=fake_xtdata._ms("20251121150003"), volRatio=1.25, extra=1)
    del push["timetag"]
    fake_xtdata.push({CODE: push})
    wait_until(lambda: snapshot(client)["lastPrice"] == 10.6, "the push")
    from_book = snapshot(client)
    assert list(from_book) == list(FULL_TICK_KEYS)
    assert from_book["volRatio"] == 1.25 and from_book["timetag"] is None


def test_waiting_for_the_first_push_is_no_silence(
    make_client: Callable[..., Any], fake_xtdata: ModuleType
) -> None:
    """The first push (the whole market) may take long to come; renewing the subscription meanwhile would
    only start it over."""
    client = make_client()
    ctx = client.app.state.context
    ctx.quotes = QuoteBook(
        ctx, ["SH", "SZ", "BJ"], check_every=0.05, silent_after=0.2, trading_hours=lambda: True
    )
    fake_xtdata.RETURNS["subscribe_whole_quote"] = 99  # subscribed, and no push comes
    snapshot(client)
    wait_until(lambda: status(client)["subscribed"], "the subscription")
    time.sleep(0.6)  # three times the bound
    assert status(client)["resubscriptions"] == {"reconnect": 0, "silence": 0}
    assert len(fake_xtdata.calls_to("subscribe_whole_quote")) == 1


def test_a_push_with_exactly_the_keys_in_order_is_kept_as_it_is_and_any_other_is_reshaped(
    make_client: Callable[..., Any], fake_xtdata: ModuleType
) -> None:
    """The book takes a snapshot that already has FULL_TICK_KEYS in their order without copying it (the
    simulator's); the same keys in another order are put in order (the compact format's rows follow it)."""
    from qmt_bridge.xtnames import FULL_TICK_KEYS

    client = make_client()
    ctx = client.app.state.context
    ctx.quotes = book = QuoteBook(ctx, ["SH", "SZ", "BJ"], check_every=0.05, trading_hours=lambda: False)
    snapshot(client)
    wait_until(lambda: ready(client), "the first push")
    base = fake_xtdata._ms("20251121150003")
    exact = {key: moved(fake_xtdata, 10.6, time=base).get(key) for key in FULL_TICK_KEYS}
    fake_xtdata.push({CODE: exact})
    wait_until(lambda: book._ticks[CODE]["lastPrice"] == 10.6, "the push")
    assert book._ticks[CODE] is exact
    shuffled = {key: moved(fake_xtdata, 10.7, time=base + 3000).get(key) for key in reversed(FULL_TICK_KEYS)}
    fake_xtdata.push({CODE: shuffled})
    wait_until(lambda: book._ticks[CODE]["lastPrice"] == 10.7, "the reordered push")
    assert list(book._ticks[CODE]) == list(FULL_TICK_KEYS) and book._ticks[CODE] is not shuffled
