"""The realtime WebSocket streams over real connections to a uvicorn server on the fake xtquant.

The fake records every upstream subscription (``QUOTE_SUBSCRIPTIONS``) and pushes what a test tells it
(``push_quote``) from its own thread, as xtquant's native threads do.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import orjson
import pytest
import websockets
from websockets.sync.client import connect

from helpers import FAKE_NOW, serve_in_thread, wait_until
from qmt_bridge.xtnames import FULL_TICK_KEYS

CODE, OTHER = "600000.SH", "000001.SZ"
KEY = "s3cret-key-1234"


@contextmanager
def server(fake: ModuleType, **overrides: Any) -> Iterator[str]:
    with served_app(fake, **overrides) as (url, _):
        yield url


@contextmanager
def served_app(fake: ModuleType, **overrides: Any) -> Iterator[tuple[str, Any]]:
    """The server's ``ws://`` URL and its app."""
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.server.services.local_history import LocalHistory

    settings = Settings(_env_file=None, backend="xtquant", predownload=False, **overrides)
    app = create_app(settings)
    with serve_in_thread(app, name="uvicorn-ws") as url:
        app.state.context.local_history = LocalHistory(now=lambda: FAKE_NOW)
        app.state.hub.check_every = 0.05
        yield url.replace("http://", "ws://"), app


@pytest.fixture
def url(fake_xtdata: ModuleType) -> Iterator[str]:
    with server(fake_xtdata) as base:
        yield base
    fake_xtdata.reset()


class Client:
    """A test WebSocket client: JSON in, JSON out, with a timeout on every read."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []

    def send(self, message: Any) -> None:
        self.ws.send(message if isinstance(message, str) else json.dumps(message))

    def next(self, timeout: float = 5.0) -> dict[str, Any]:
        message = json.loads(self.ws.recv(timeout=timeout))
        self.seen.append(message)
        return message

    def until(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message = self.next(max(0.01, deadline - time.monotonic()))
            if predicate(message):
                return message

    def status(self, state: str) -> dict[str, Any]:
        return self.until(lambda m: m["type"] == "status" and m["status"] == state)


@contextmanager
def client(base: str, path: str = "/ws/realtime", **kwargs: Any) -> Iterator[Client]:
    with connect(base + path, open_timeout=5, **kwargs) as ws:
        yield Client(ws)


def upstream(fake: ModuleType) -> list[tuple[str, str]]:
    return sorted((code, period) for code, period, _ in fake.QUOTE_SUBSCRIPTIONS.values())


# ------------------------------------------------------------------ subscribe, push, snapshot


def test_the_seed_message_subscribes_and_pushes_arrive_in_xtquants_shape(
    url: str, fake_xtdata: ModuleType
) -> None:
    with client(url) as ws:
        ws.send({"stocks": [CODE], "period": "1m"})
        snapshot = ws.until(lambda m: m["type"] == "snapshot")
        assert snapshot["stream"] == {"code": CODE, "period": "1m"}
        assert [bar["time"] for bar in snapshot["data"][CODE]] == [fake_xtdata._ms("20251121093200")]
        ws.status("subscribed")
        assert upstream(fake_xtdata) == [(CODE, "1m")]

        bar = fake_xtdata.kline_item(CODE, "20251121093200", close=11.57)
        assert fake_xtdata.push_quote(CODE, "1m", [bar]) == 1
        data = ws.until(lambda m: m["type"] == "data")
        assert data["stream"] == {"code": CODE, "period": "1m"}
        assert abs(data["pushed"] - time.time() * 1000) < 5000  # when the server got the push
        assert data["data"] == {CODE: [json.loads(json.dumps(bar))]}
        seqs = [m["seq"] for m in ws.seen]
        assert seqs == list(range(1, len(seqs) + 1))  # per connection, no gap


def test_tick_subscription_starts_with_the_current_snapshot(url: str, fake_xtdata: ModuleType) -> None:
    with client(url) as ws:
        ws.send({"stocks": [CODE, OTHER], "period": "tick"})
        first = ws.until(lambda m: m["type"] == "snapshot")
        second = ws.until(lambda m: m["type"] == "snapshot")
        assert {first["stream"]["code"], second["stream"]["code"]} == {CODE, OTHER}
        assert first["data"][first["stream"]["code"]][0]["lastPrice"] > 0
        assert ws.status("subscribed")["stocks"] == [CODE, OTHER]


def test_resume_sends_every_completed_bar_after_since(url: str, fake_xtdata: ModuleType) -> None:
    with client(url) as ws:
        ws.send({"stocks": [CODE], "period": "1d", "since": fake_xtdata._ms("20251119")})
        snapshot = ws.until(lambda m: m["type"] == "snapshot")
        assert snapshot["resumed"] is True
        assert [bar["time"] for bar in snapshot["data"][CODE]] == [
            fake_xtdata._ms("20251120"),
            fake_xtdata._ms("20251121"),
        ]


@pytest.mark.parametrize("period", ["1m", "tick"])
def test_a_push_that_arrives_while_the_snapshot_is_fetched_comes_after_it(
    url: str, fake_xtdata: ModuleType, period: str
) -> None:
    """The snapshot is read after the upstream subscription began, so a push may be newer than it: a client
    applying messages in order must end with the push (a completed bar is never overwritten by the
    forming state the snapshot read)."""
    snapshot_call = "get_market_data_ex" if period == "1m" else "get_full_tick"
    fake_xtdata.DELAYS[snapshot_call] = 1.0
    if period == "1m":
        item = fake_xtdata.kline_item(CODE, "20251121093200", close=11.57)
    else:
        item = {**fake_xtdata.get_full_tick.__wrapped__([CODE])[CODE], "lastPrice": 11.57}
    with client(url) as ws:
        ws.send({"stocks": [CODE], "period": period})
        wait_until(lambda: upstream(fake_xtdata) == [(CODE, period)], "the upstream subscription", timeout=5)
        assert fake_xtdata.push_quote(CODE, period, [item]) == 1  # while the snapshot is being read
        ws.status("subscribed")
        if not any(m["type"] == "data" for m in ws.seen):
            ws.until(lambda m: m["type"] == "data")
    kinds = [m["type"] for m in ws.seen if m["type"] in ("snapshot", "data")]
    assert kinds == ["snapshot", "data"]
    assert ws.seen[-1]["data"][CODE][-1]["close" if period == "1m" else "lastPrice"] == 11.57


# ------------------------------------------------------------------ sharing and release


def test_two_clients_share_one_upstream_subscription_released_by_the_last(
    url: str, fake_xtdata: ModuleType
) -> None:
    with client(url) as a, client(url) as b:
        a.send({"stocks": [CODE], "period": "tick"})
        a.status("subscribed")
        b.send({"stocks": [CODE], "period": "tick"})
        b.status("subscribed")
        assert upstream(fake_xtdata) == [(CODE, "tick")]
        tick = {**fake_xtdata.get_full_tick.__wrapped__([CODE])[CODE], "lastPrice": 11.61}
        fake_xtdata.push_quote(CODE, "tick", [tick])
        for ws in (a, b):
            assert ws.until(lambda m: m["type"] == "data")["data"][CODE][0]["lastPrice"] == 11.61
        a.send({"action": "unsubscribe", "stocks": [CODE], "period": "tick"})
        a.status("unsubscribed")
        assert upstream(fake_xtdata) == [(CODE, "tick")]
    wait_until(lambda: upstream(fake_xtdata) == [], "the last client's subscription to end")


def test_a_thousand_connect_subscribe_disconnect_cycles_leave_no_subscription(
    url: str, fake_xtdata: ModuleType
) -> None:
    for i in range(1000):
        with client(url) as ws:
            ws.send({"stocks": [CODE, OTHER], "period": "1m" if i % 2 else "tick"})
            if i % 3 == 0:
                ws.status("subscribed")  # else: gone before the answer, mid-subscribe
    wait_until(lambda: upstream(fake_xtdata) == [], "every subscription to end")
    assert len(fake_xtdata.calls_to("subscribe_quote")) == len(fake_xtdata.calls_to("unsubscribe_quote"))


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_message"),
        ({"stocks": []}, "invalid_message"),
        ({"stocks": [CODE], "period": "7m"}, "invalid_parameter"),
        ({"stocks": ["600999.SH"]}, "unknown_code"),
        ({"stocks": ["600000"]}, "invalid_parameter"),
        ({"stocks": [CODE], "action": "bogus"}, "invalid_message"),
        ({"stocks": [CODE], "perod": "1m"}, "invalid_message"),
        ({"stocks": [CODE], "since": -1}, "invalid_message"),
    ],
)
def test_bad_messages_get_an_error_and_the_connection_stays(url: str, message: Any, code: str) -> None:
    with client(url) as ws:
        ws.send(message)
        error = ws.until(lambda m: m["type"] == "error")
        assert error["error"]["code"] == code and error["error"]["message"]
        ws.send({"type": "ping"})
        assert ws.until(lambda m: m["type"] in ("pong", "error"))["type"] == "pong"


def test_too_many_codes_at_the_limit_and_one_past(
    url: str, fake_xtdata: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qmt_bridge.server.realtime import protocol

    monkeypatch.setattr(protocol, "MAX_CODES_PER_CONNECTION", 2)
    with client(url) as ws:
        ws.send({"stocks": [CODE, OTHER, "301999.SZ"], "period": "tick"})
        assert ws.until(lambda m: m["type"] == "error")["error"]["code"] == "too_many_codes"
        ws.send({"stocks": [CODE, OTHER], "period": "tick"})
        ws.status("subscribed")
        ws.send({"stocks": ["301999.SZ"], "period": "tick"})  # a third code over two messages
        assert ws.until(lambda m: m["type"] == "error")["error"]["code"] == "too_many_codes"


def test_an_unknown_ws_path_is_refused_with_the_error_shape(url: str) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatus) as info:
        with connect(url + "/ws/realtyme", open_timeout=5):
            pass
    response = info.value.response
    assert response.status_code == 404
    body = json.loads(response.body)
    assert body["error"]["code"] == "route_not_found" and "/ws/realtime" in body["error"]["message"]


# ------------------------------------------------------------------ auth


@pytest.fixture
def auth_url(fake_xtdata: ModuleType) -> Iterator[str]:
    with server(fake_xtdata, api_key=KEY, require_auth_for_data=True) as base:
        yield base


def test_the_key_in_the_header_opens_the_stream(auth_url: str) -> None:
    with client(auth_url, additional_headers={"X-API-Key": KEY}) as ws:
        ws.send({"stocks": [CODE], "period": "tick"})
        ws.status("subscribed")


def test_the_key_as_the_first_message_opens_the_stream(auth_url: str) -> None:
    with client(auth_url) as ws:
        ws.send({"api_key": KEY})
        ws.send({"stocks": [CODE], "period": "tick"})
        ws.status("subscribed")


@pytest.mark.parametrize(
    "wrong",
    [KEY[:-1], KEY + "x", KEY.upper(), f" {KEY}", "", "s3cret"],
    ids=["prefix", "longer", "case", "space", "empty", "short"],
)
def test_a_near_miss_key_closes_with_1008(auth_url: str, wrong: str) -> None:
    with client(auth_url) as ws:
        ws.send({"api_key": wrong})
        with pytest.raises(websockets.exceptions.ConnectionClosed) as info:
            ws.next()
        assert info.value.rcvd.code == 1008


def test_no_key_at_all_closes_with_1008_after_a_data_message(auth_url: str) -> None:
    with client(auth_url) as ws:
        ws.send({"stocks": [CODE], "period": "tick"})
        with pytest.raises(websockets.exceptions.ConnectionClosed) as info:
            ws.next()
        assert info.value.rcvd.code == 1008


# ------------------------------------------------------------------ reconnects and slow clients


def test_a_backend_reconnect_resubscribes_and_tells_the_client(url: str, fake_xtdata: ModuleType) -> None:
    with client(url) as ws:
        ws.send({"stocks": [CODE], "period": "1m"})
        ws.status("subscribed")
        fake_xtdata.go_down()
        assert ws.status("backend_disconnected")["message"]
        fake_xtdata.come_back()
        ws.status("resubscribed")
        wait_until(lambda: upstream(fake_xtdata) == [(CODE, "1m")], "the renewed subscription")
        fake_xtdata.push_quote(CODE, "1m", [fake_xtdata.kline_item(CODE, "20251121093200", close=11.5)])
        assert ws.until(lambda m: m["type"] == "data")["data"][CODE][0]["close"] == 11.5


def test_a_slow_client_does_not_delay_a_fast_one(url: str, fake_xtdata: ModuleType) -> None:
    with client(url) as slow, client(url) as fast:
        for ws in (slow, fast):
            ws.send({"stocks": [CODE], "period": "tick"})
            ws.status("subscribed")
        base = {**fake_xtdata.get_full_tick.__wrapped__([CODE])[CODE]}
        for i in range(200):  # slow reads nothing meanwhile
            fake_xtdata.push_quote(CODE, "tick", [{**base, "lastPrice": 11.0 + i / 1000}], wait=True)
        fast.until(lambda m: m["type"] == "data" and m["data"][CODE][0]["lastPrice"] == 11.199, timeout=5)
        # The slow one gets what is left after conflation: the newest tick, not 200 messages.
        received = []
        while True:
            message = slow.until(lambda m: m["type"] == "data", timeout=5)
            received.append(message["data"][CODE][0]["lastPrice"])
            if received[-1] == 11.199:
                break
        assert received[-1] == 11.199


def test_the_status_endpoint_lists_streams_and_subscribers(url: str, fake_xtdata: ModuleType) -> None:
    import urllib.request

    with client(url) as a, client(url) as b:
        for ws in (a, b):
            ws.send({"stocks": [CODE], "period": "5m"})
            ws.status("subscribed")
        with urllib.request.urlopen(url.replace("ws://", "http://") + "/api/meta/realtime", timeout=5) as r:
            status = json.loads(r.read())
        assert status["upstream_subscriptions"] == 1 and status["connections"] == 2
        assert status["queued_messages"] >= 0 and status["largest_queue"] >= 0
        [stream] = status["streams"]
        assert stream["code"] == CODE and stream["period"] == "5m" and stream["subscribers"] == 2


def test_a_key_in_a_websocket_url_never_reaches_the_log(
    fake_xtdata: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    """Old clients put the key in the URL; uvicorn logs handshake URLs with their query strings."""
    import logging

    secret = "url-secret-9d3f"
    uvicorn_log = logging.getLogger("uvicorn.error")
    # INFO: the server logs at INFO and above; the test's own client library logs its requests at DEBUG.
    with caplog.at_level(logging.INFO):
        with server(fake_xtdata, api_key=KEY, require_auth_for_data=True) as base:
            # uvicorn's own logger neither propagates to the root nor logs handshakes at warning level.
            uvicorn_log.addHandler(caplog.handler)
            level = uvicorn_log.level
            uvicorn_log.setLevel(logging.INFO)
            try:
                with client(base, f"/ws/realtime?api_key={secret}") as ws:
                    ws.send({"api_key": KEY[:-1] + "?"})  # and a near-miss key in a message
                    with pytest.raises(websockets.exceptions.ConnectionClosed):
                        ws.next()
            finally:
                uvicorn_log.removeHandler(caplog.handler)
                uvicorn_log.setLevel(level)
    handshakes = [r.getMessage() for r in caplog.records if "WebSocket /ws/realtime" in r.getMessage()]
    assert handshakes and all("[redacted]" in line for line in handshakes)
    assert secret not in caplog.text and KEY not in caplog.text and KEY[:-1] not in caplog.text


@pytest.mark.parametrize("limit", [0, 1])
def test_tick_streams_past_the_single_subscription_limit_come_from_the_whole_market_push(
    fake_xtdata: ModuleType, limit: int
) -> None:
    """xtquant's advice: few single-code subscriptions. Past the limit, ticks are filtered from the quote
    book's whole-market push (one upstream), in the same shape."""
    import urllib.request

    with server(fake_xtdata, max_single_tick_subscriptions=limit) as base:
        with client(base) as ws:
            ws.send({"stocks": [CODE, OTHER], "period": "tick"})
            ws.status("subscribed")
            singles = [CODE, OTHER][:limit]
            assert upstream(fake_xtdata) == sorted((code, "tick") for code in singles)
            wait_until(lambda: len(fake_xtdata.SUBSCRIPTIONS) == 1, "the whole-market subscription")
            tick = {**fake_xtdata.get_full_tick.__wrapped__([OTHER])[OTHER], "lastPrice": 12.34}
            tick["time"] += 3000
            fake_xtdata.push({OTHER: tick})
            data = ws.until(
                lambda m: m["type"] == "data" and m["data"].get(OTHER, [{}])[0].get("lastPrice") == 12.34
            )
            assert data["stream"] == {"code": OTHER, "period": "tick"}
            assert data["data"][OTHER][0]["lastPrice"] == 12.34 and len(data["data"][OTHER]) == 1
            with urllib.request.urlopen(
                base.replace("ws://", "http://") + "/api/meta/realtime", timeout=5
            ) as r:
                status = json.loads(r.read())
            assert status["ticks_from_whole_quote"] == dict.fromkeys([CODE, OTHER][limit:], 1)
        wait_until(lambda: upstream(fake_xtdata) == [], "the single subscriptions' release")


def test_a_refused_upstream_subscription_is_an_error_naming_the_code(
    url: str, fake_xtdata: ModuleType
) -> None:
    fake_xtdata.FAILURES["subscribe_quote"] = Exception("quote service refused")
    with client(url) as ws:
        ws.send({"stocks": [CODE], "period": "1m"})
        error = ws.until(lambda m: m["type"] == "error")["error"]
        assert error["code"] == "subscribe_failed" and "quote service refused" in error["message"]
        assert error["details"] == {"code": CODE, "period": "1m"}
        del fake_xtdata.FAILURES["subscribe_quote"]
        ws.send({"stocks": [CODE], "period": "1m"})  # the connection is still there, and works
        ws.status("subscribed")
        assert upstream(fake_xtdata) == [(CODE, "1m")]


def test_a_thousand_subscribe_unsubscribe_cycles_leave_no_upstream_subscription(
    url: str, fake_xtdata: ModuleType
) -> None:
    with client(url) as ws:
        for _ in range(1000):
            ws.send({"stocks": [CODE], "period": "1m"})
            ws.send({"action": "unsubscribe", "stocks": [CODE], "period": "1m"})
        ws.send({"type": "ping"})
        ws.until(lambda m: m["type"] == "pong", timeout=60)
        assert upstream(fake_xtdata) == []
        made, ended = fake_xtdata.calls_to("subscribe_quote"), fake_xtdata.calls_to("unsubscribe_quote")
        assert len(made) == len(ended) == 1000
        assert [m["seq"] for m in ws.seen] == list(range(1, len(ws.seen) + 1))


def test_whole_quote_pushes_are_stamped_when_xtquant_delivered_them(
    url: str, fake_xtdata: ModuleType
) -> None:
    with client(url, "/ws/whole_quote") as ws:
        ws.send({"codes": ["SH"]})
        ws.status("subscribed")
        wait_until(lambda: len(fake_xtdata.SUBSCRIPTIONS) == 1, "the quote book's subscription")
        tick = {**fake_xtdata.get_full_tick.__wrapped__([CODE])[CODE], "lastPrice": 11.77}
        tick["time"] += 6000
        before = time.time() * 1000
        fake_xtdata.push({CODE: tick})
        after = time.time() * 1000
        data = ws.until(lambda m: m["type"] == "data" and m["data"].get(CODE, {}).get("lastPrice") == 11.77)
        assert before - 1 <= data["pushed"] <= after + 1
        assert set(data["data"]) <= {CODE, "000300.SH"}  # SH codes only


def test_clients_subscribing_between_two_pushes_share_one_snapshot_and_the_next_push_renews_it(
    fake_xtdata: ModuleType,
) -> None:
    """A whole-market snapshot is encoded once per push of the quote book, filter and format (clients that
    connect together share it); one who subscribes after a push gets that push's state."""
    last = FULL_TICK_KEYS.index("lastPrice")
    with served_app(fake_xtdata) as (base, app):
        hub, book = app.state.hub, app.state.context.quotes
        with client(base, "/ws/whole_quote?format=compact") as first:
            first.send({"codes": ["SH"]})
            first.status("subscribed")
            wait_until(lambda: book.serving, "the quote book serving")
            with client(base, "/ws/whole_quote?format=compact") as a, client(base, "/ws/whole_quote") as b:
                for ws in (a, b):
                    ws.send({"codes": ["SH"]})
                    ws.status("subscribed")
                shared = hub.whole_snapshot(frozenset({"SH"}), True)
                assert shared is hub.whole_snapshot(frozenset({"SH"}), True)  # encoded once
                assert hub.whole_snapshot(frozenset({"SH"}), False) is not shared  # per format
                [rows] = [m for m in a.seen if m["type"] == "snapshot"]
                [dicts] = [m for m in b.seen if m["type"] == "snapshot"]
                assert orjson.loads(b"{" + shared + b"}")["data"] == rows["data"]
                assert {code: row[last] for code, row in rows["data"].items()} == {
                    code: tick["lastPrice"] for code, tick in dicts["data"].items()
                }
                before = rows["data"][CODE][last]

                tick = {**fake_xtdata.get_full_tick.__wrapped__([CODE])[CODE], "lastPrice": before + 0.77}
                tick["time"] += 6000
                fake_xtdata.push({CODE: tick})
                a.until(
                    lambda m: m["type"] == "data" and m["data"].get(CODE, [0] * 99)[last] == before + 0.77
                )
                with client(base, "/ws/whole_quote?format=compact") as later:
                    later.send({"codes": ["SH"]})
                    snapshot = later.until(lambda m: m["type"] == "snapshot")
                    assert snapshot["data"][CODE][last] == before + 0.77


# ------------------------------------------------------------------ qmt-bridge 2.1.3's message format


def raw_messages(ws: Any, count: int, timeout: float = 5.0) -> list[Any]:
    return [json.loads(ws.recv(timeout=timeout)) for _ in range(count)]


def test_format_raw_sends_xtquants_payloads_alone(url: str, fake_xtdata: ModuleType) -> None:
    """What 2.1.3's client hands its callback: the snapshot and each push as xtquant's payload, nothing else
    (no envelope, no seq, no status, heartbeat or pong)."""
    with connect(url + "/ws/realtime?format=raw", open_timeout=5) as ws:
        ws.send(json.dumps({"stocks": [CODE], "period": "1m"}))
        [snapshot] = raw_messages(ws, 1)
        assert [bar["time"] for bar in snapshot[CODE]] == [fake_xtdata._ms("20251121093200")]
        wait_until(lambda: upstream(fake_xtdata) == [(CODE, "1m")], "the upstream subscription")
        bar = fake_xtdata.kline_item(CODE, "20251121093200", close=11.57)
        fake_xtdata.push_quote(CODE, "1m", [bar])
        ws.send(json.dumps({"type": "ping"}))
        [pushed] = raw_messages(ws, 1)
        assert pushed == {CODE: [json.loads(json.dumps(bar))]}
        with pytest.raises(TimeoutError):  # the status, the pong: not sent
            ws.recv(timeout=0.5)


def test_format_raw_whole_quote_pushes_code_to_tick(url: str, fake_xtdata: ModuleType) -> None:
    with connect(url + "/ws/whole_quote?format=raw", open_timeout=5) as ws:
        ws.send(json.dumps({"codes": ["SH"]}))
        [snapshot] = raw_messages(ws, 1)
        assert snapshot[CODE]["lastPrice"] > 0
        wait_until(lambda: len(fake_xtdata.SUBSCRIPTIONS) == 1, "the quote book's subscription")
        tick = {**fake_xtdata.get_full_tick.__wrapped__([CODE])[CODE], "lastPrice": 11.77}
        tick["time"] += 6000
        fake_xtdata.push({CODE: tick})
        deadline = time.monotonic() + 5
        while (pushed := json.loads(ws.recv(timeout=deadline - time.monotonic()))).get(CODE, {}).get(
            "lastPrice"
        ) != 11.77:
            assert "type" not in pushed and "seq" not in pushed, pushed
        assert set(pushed) <= {CODE, "000300.SH"}


# ------------------------------------------------------------------ the compact format


def test_format_compact_sends_whole_market_snapshots_as_rows_under_fields(
    url: str, fake_xtdata: ModuleType
) -> None:
    """The same snapshots as the envelope carries, as rows in the order of ``fields``; both formats on one
    push at once (the hub encodes per filter and format: neither may get the other's body)."""
    from qmt_bridge.server.responses import dumps
    from qmt_bridge.server.services.quote_book import as_full_tick
    from qmt_bridge.xtnames import FULL_TICK_KEYS

    with client(url, "/ws/whole_quote?format=compact") as rows_ws, client(url, "/ws/whole_quote") as dicts_ws:
        rows_ws.send({"codes": ["SH"]})
        dicts_ws.send({"codes": ["SH"]})
        snapshot = rows_ws.until(lambda m: m["type"] == "snapshot")
        assert snapshot["fields"] == list(FULL_TICK_KEYS)
        expected = dicts_ws.until(lambda m: m["type"] == "snapshot")["data"]
        assert set(snapshot["data"]) == set(expected) and CODE in expected
        for code, row in snapshot["data"].items():
            assert dict(zip(FULL_TICK_KEYS, row, strict=True)) == expected[code]
        rows_ws.status("subscribed")
        dicts_ws.status("subscribed")
        wait_until(lambda: len(fake_xtdata.SUBSCRIPTIONS) == 1, "the quote book's subscription")

        tick = {**fake_xtdata.get_full_tick.__wrapped__([CODE])[CODE], "lastPrice": 11.77}
        tick["time"] += 6000
        fake_xtdata.push({CODE: tick})
        last = FULL_TICK_KEYS.index("lastPrice")
        data = rows_ws.until(
            lambda m: m["type"] == "data" and m["data"].get(CODE, [None] * 99)[last] == 11.77
        )
        assert data["fields"] == list(FULL_TICK_KEYS) and data["stream"] == {
            "code": "whole",
            "period": "tick",
        }
        assert dict(zip(FULL_TICK_KEYS, data["data"][CODE], strict=True)) == json.loads(
            dumps(as_full_tick(tick))
        )
        pushed = dicts_ws.until(
            lambda m: m["type"] == "data" and m["data"].get(CODE, {}).get("lastPrice") == 11.77
        )
        assert "fields" not in pushed
        seqs = [m["seq"] for m in rows_ws.seen]
        assert seqs == list(range(1, len(seqs) + 1))


def test_format_compact_leaves_other_streams_as_in_the_envelope(url: str, fake_xtdata: ModuleType) -> None:
    with client(url, "/ws/realtime?format=compact") as ws:
        ws.send({"stocks": [CODE], "period": "1m"})
        snapshot = ws.until(lambda m: m["type"] == "snapshot")
        assert "fields" not in snapshot
        assert [bar["time"] for bar in snapshot["data"][CODE]] == [fake_xtdata._ms("20251121093200")]


def test_format_raw_closes_on_an_error_with_the_message(url: str) -> None:
    with connect(url + "/ws/realtime?format=raw", open_timeout=5) as ws:
        ws.send(json.dumps({"stocks": [CODE], "period": "7m"}))
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert "7m" in closed.value.rcvd.reason


def test_an_unknown_format_is_refused_at_the_handshake(url: str) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatus) as info:
        with connect(url + "/ws/realtime?format=xml", open_timeout=5):
            pass
    assert info.value.response.status_code == 400
    error = json.loads(info.value.response.body)["error"]
    assert error["code"] == "invalid_parameter" and "envelope, raw" in error["message"]


def test_the_server_default_format_and_the_envelope_on_request(fake_xtdata: ModuleType) -> None:
    with server(fake_xtdata, ws_format="raw") as base:
        with connect(base + "/ws/realtime", open_timeout=5) as ws:
            ws.send(json.dumps({"stocks": [CODE], "period": "1m"}))
            assert set(json.loads(ws.recv(timeout=5))) == {CODE}
        with client(base, "/ws/realtime?format=envelope") as ws:
            ws.send({"stocks": [CODE], "period": "1m"})
            assert ws.next()["type"] == "snapshot" and ws.seen[0]["seq"] == 1
