"""The quote book: /api/market/full_tick answered from the backend's whole-market push.

The book here holds the BJ market of the frozen simulator (a few hundred codes, so the first push is quick).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import SEED
from qmt_bridge.server.app import create_app
from qmt_bridge.server.config import Settings
from qmt_bridge.server.services.quote_book import QuoteBook

BJ = "430047.BJ"
BJ2 = "430054.BJ"


def wait_until(predicate: Any, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def book_status(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/meta/quote_book")
    assert response.status_code == 200
    return response.json()


def ready_client(client: TestClient) -> TestClient:
    """Read one snapshot so that the book subscribes, then wait for its first push."""
    assert client.get(f"/api/market/full_tick?stocks={BJ}").status_code == 200
    wait_until(lambda: book_status(client)["ready"], what="the quote book's first push")
    return client


def subscriptions(sim_backend: Any) -> dict[int, Any]:
    pusher = sim_backend.xtdata.__dict__.get("_quote_pusher")
    return {} if pusher is None else dict(pusher._subscriptions)


@pytest.fixture
def make_client(sim_backend: Any) -> Iterator[Any]:
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        settings = Settings(
            _env_file=None, backend="sim", sim_seed=SEED, predownload=False, quote_markets="BJ", **overrides
        )
        client = TestClient(create_app(settings, backend=sim_backend))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def book_client(make_client: Any) -> TestClient:
    return ready_client(make_client())


def test_the_book_starts_on_the_first_snapshot_read_and_answers_what_get_full_tick_does(
    make_client: Any, xtdata: Any
) -> None:
    client = make_client()
    before = book_status(client)
    assert before == {
        "enabled": True,
        "markets": ["BJ"],
        "subscribed": False,
        "ready": False,
        "serving": False,
        "stale": False,
        "codes": 0,
        "pushes": 0,
        "last_push": None,
        "last_push_age_seconds": None,
        "silent_after_seconds": 30.0,
        "resubscriptions": {"reconnect": 0, "silence": 0},
        "idle_release_seconds": 600.0,
    }
    first = client.get(f"/api/market/full_tick?stocks={BJ},{BJ2}")  # answered by the backend
    assert first.status_code == 200
    wait_until(lambda: book_status(client)["ready"], what="the first push")
    status = book_status(client)
    assert status["subscribed"] and status["pushes"] >= 1
    assert status["codes"] == len(xtdata.get_full_tick(["BJ"]))
    assert isinstance(status["last_push"], int)

    from_book = client.get(f"/api/market/full_tick?stocks={BJ},{BJ2}")
    assert from_book.status_code == 200
    assert from_book.json() == first.json() == {"data": xtdata.get_full_tick([BJ, BJ2])}
    assert from_book.headers["content-type"] == "application/json"
    assert len(from_book.headers["x-request-id"]) == 16


def test_the_book_answers_while_every_backend_worker_is_busy(book_client: TestClient) -> None:
    """Proof that a book read is no backend call: with all workers blocked, it still answers."""
    ctx = book_client.app.state.context
    release = threading.Event()
    blocked = [
        book_client.portal.start_task_soon(ctx.run, release.wait, 20) for _ in range(ctx.runner.concurrency)
    ]
    try:
        wait_until(lambda: all(w.is_alive() for w in ctx.runner._workers), what="busy workers")
        started = time.monotonic()
        response = book_client.get(f"/api/market/full_tick?stocks={BJ}")
        assert response.status_code == 200 and list(response.json()["data"]) == [BJ]
        assert time.monotonic() - started < 5
        legacy = book_client.get(f"/api/full_tick?stocks={BJ}")  # the legacy route reads the book too
        assert legacy.json() == response.json()
    finally:
        release.set()
        for future in blocked:
            future.result(timeout=10)


@pytest.mark.parametrize(
    "query, status, code",
    [
        (f"stocks={BJ}&x=1", 422, "validation_error"),
        (f"stocks={BJ}&stocks={BJ2}", 422, "validation_error"),
        ("stocks=430047.XX", 400, "invalid_parameter"),
        ("stocks=", 400, "invalid_parameter"),
        ("stocks=839999.BJ", 404, "unknown_code"),
        ("", 422, "validation_error"),
    ],
)
def test_requests_the_book_cannot_answer_get_the_routes_errors(
    book_client: TestClient, query: str, status: int, code: str
) -> None:
    response = book_client.get(f"/api/market/full_tick?{query}")
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_a_body_is_refused_as_on_every_get(book_client: TestClient) -> None:
    response = book_client.request("GET", f"/api/market/full_tick?stocks={BJ}", content=b'{"a": 1}')
    assert response.status_code == 422


def test_codes_outside_the_book_and_market_names_come_from_the_backend(
    book_client: TestClient, xtdata: Any
) -> None:
    mixed = book_client.get(f"/api/market/full_tick?stocks={BJ},600519.SH")
    assert mixed.status_code == 200
    assert mixed.json() == {"data": xtdata.get_full_tick([BJ, "600519.SH"])}
    market = book_client.get("/api/market/full_tick?stocks=BJ")
    assert market.json() == {"data": xtdata.get_full_tick(["BJ"])}


def test_head_is_answered_without_a_body(book_client: TestClient) -> None:
    response = book_client.head(f"/api/market/full_tick?stocks={BJ}")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 100


def test_with_a_required_key_the_book_answers_only_with_the_key(make_client: Any) -> None:
    client = make_client(api_key="s3cret", require_auth_for_data=True)
    headers = {"X-API-Key": "s3cret"}
    assert client.get(f"/api/market/full_tick?stocks={BJ}", headers=headers).status_code == 200
    wait_until(lambda: client.get("/api/meta/quote_book", headers=headers).json()["ready"], what="push")
    assert client.get(f"/api/market/full_tick?stocks={BJ}").json()["error"]["code"] == "missing_api_key"
    wrong = client.get(f"/api/market/full_tick?stocks={BJ}", headers={"X-API-Key": "nope"})
    assert wrong.json()["error"]["code"] == "invalid_api_key"
    assert client.get(f"/api/market/full_tick?stocks={BJ}", headers=headers).status_code == 200


def test_reads_of_other_markets_do_not_start_the_book(make_client: Any) -> None:
    client = make_client()
    assert client.get("/api/market/full_tick?stocks=600519.SH").status_code == 200
    assert client.get("/api/market/full_tick?stocks=BJ").status_code == 200
    time.sleep(0.2)
    assert book_status(client)["subscribed"] is False


def test_turned_off_the_server_asks_the_backend_every_time(make_client: Any, xtdata: Any) -> None:
    client = make_client(quote_book=False)
    response = client.get(f"/api/market/full_tick?stocks={BJ}")
    assert response.json() == {"data": xtdata.get_full_tick([BJ])}
    assert book_status(client) == {"enabled": False, "markets": ["BJ"], "subscribed": False, "ready": False}


def test_stopping_the_server_releases_the_subscription(sim_backend: Any) -> None:
    settings = Settings(_env_file=None, backend="sim", predownload=False, quote_markets="BJ")
    before = set(subscriptions(sim_backend))
    with TestClient(create_app(settings, backend=sim_backend)) as client:
        ready_client(client)
        assert len(set(subscriptions(sim_backend)) - before) == 1
    assert set(subscriptions(sim_backend)) - before == set()


def test_an_idle_book_releases_its_subscription_and_the_next_read_starts_it_again(
    make_client: Any, sim_backend: Any
) -> None:
    client = make_client()
    ctx = client.app.state.context
    ctx.quotes = QuoteBook(ctx, ["BJ"], idle=0.5, check_every=0.05)
    # The day's first snapshots of BJ take the simulator ~0.5 s: a first push later than the 0.5 s of idleness
    # would find the book already released (when no earlier test of this worker warmed them, or they were
    # evicted: this test failed alone, and once in the full suite).
    sim_backend.xtdata.get_full_tick(sim_backend.xtdata._expand_markets(["BJ"]))
    before = set(subscriptions(sim_backend))
    ready_client(client)
    assert len(set(subscriptions(sim_backend)) - before) == 1
    wait_until(lambda: not book_status(client)["subscribed"], timeout=10, what="the idle release")
    assert book_status(client)["ready"] is False
    assert set(subscriptions(sim_backend)) - before == set()
    ready_client(client)
    assert book_status(client)["subscribed"] is True


def test_quote_markets_setting_is_validated() -> None:
    assert Settings(_env_file=None, quote_markets=" sh, SZ ,sh").quote_markets == "SH,SZ"
    with pytest.raises(ValueError, match="quote markets"):
        Settings(_env_file=None, quote_markets="SH,XX")


def test_a_repeated_key_header_is_judged_by_the_route(make_client: Any) -> None:
    client = make_client(api_key="s3cret", require_auth_for_data=True)
    good = {"X-API-Key": "s3cret"}
    assert client.get(f"/api/market/full_tick?stocks={BJ}", headers=good).status_code == 200
    wait_until(lambda: client.get("/api/meta/quote_book", headers=good).json()["ready"], what="push")
    for both in ([("X-API-Key", "wrong"), ("X-API-Key", "s3cret")], [("X-API-Key", "s3cret")] * 2):
        answer = client.get(f"/api/market/full_tick?stocks={BJ}", headers=both)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "repeated_header"


def test_behind_a_root_path_the_routes_decide(book_client: TestClient) -> None:
    """Under a root path the routes see the path without it: the shortcut must not answer what they would
    not (same app, book ready; a second client without lifespan only adds the root path)."""
    mounted = TestClient(book_client.app, root_path="/api")
    response = mounted.get(f"/api/market/full_tick?stocks={BJ}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "route_not_found"


def test_a_late_push_of_the_subscription_a_reconnect_ended_is_ignored_while_the_new_one_serves(
    monkeypatch: pytest.MonkeyPatch, make_client: Any, sim_backend: Any
) -> None:
    """The edge the generation check exists for, on the simulator: xtquant replaces its client (a reconnect),
    the book renews its subscription and serves the new one's pushes; then a push of the ended subscription,
    newer in time than what the book holds, arrives from a native thread. It must not be served."""
    client = make_client()
    ctx = client.app.state.context
    ctx.quotes = book = QuoteBook(ctx, ["BJ"], check_every=0.05)
    ready_client(client)
    pusher = sim_backend.xtdata.__dict__["_quote_pusher"]
    old_seq = book._seq
    old_push = pusher._subscriptions[old_seq].callback

    replaced = object()
    monkeypatch.setattr(sim_backend.xtdata, "get_client", lambda: replaced)  # the reconnect
    wait_until(lambda: book._seq not in (None, old_seq) and book_status(client)["serving"], what="renewal")
    assert book_status(client)["resubscriptions"] == {"reconnect": 1, "silence": 0}
    assert old_seq not in pusher._subscriptions
    new_push = pusher._subscriptions[book._seq].callback

    held = client.get(f"/api/market/full_tick?stocks={BJ},{BJ2}").json()["data"]
    stale = {**held[BJ], "lastPrice": 99.0, "time": held[BJ]["time"] + 60_000}
    fresh = {**held[BJ2], "lastPrice": 98.0, "time": held[BJ2]["time"] + 60_000}
    for push, snapshots in ((old_push, {BJ: stale}), (new_push, {BJ2: fresh})):
        thread = threading.Thread(target=push, args=(snapshots,))  # as xtquant's native threads call
        thread.start()
        thread.join()
    # Both were scheduled on the loop in this order: once the fresh one is served, the stale one was judged.
    wait_until(
        lambda: client.get(f"/api/market/full_tick?stocks={BJ2}").json()["data"][BJ2]["lastPrice"] == 98.0,
        what="the new subscription's push",
    )
    assert client.get(f"/api/market/full_tick?stocks={BJ}").json()["data"][BJ] == held[BJ]
    assert book_status(client)["serving"] is True


def test_select_takes_codes_and_whole_markets_and_nothing_else() -> None:
    from qmt_bridge.server.services.quote_book import select

    held = {code: {"time": 1} for code in ("600000.SH", "600519.SH", "000001.SZ", "430047.BJ", "IF2612.IF")}
    assert list(select(held, frozenset({"SH"}))) == ["600000.SH", "600519.SH"]
    assert list(select(held, frozenset({"SZ", "600519.SH"}))) == ["600519.SH", "000001.SZ"]
    assert list(select(held, frozenset({"000001.SZ", "430047.BJ"}))) == ["000001.SZ", "430047.BJ"]
    # A code names itself only: its market's other codes are not in it, nor is a market ending alike.
    assert list(select(held, frozenset({"600000.SH", "F"}))) == ["600000.SH"]
    assert select(held, frozenset()) == {}
