"""xttrader's further calls under qmt-bridge 2.1.3's paths (``routers/trading_calls.py``), on the simulator:
async orders and cancels with their responses on ``/ws/trade``, cancels in a batch, one order / fill /
position, the accounts' state, the IPO quota and issues, the ordinary counter's view."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from conftest import MID_SESSION
from helpers import assert_error, serve_in_thread, trading_app, wait_until

KEY = "trading-calls-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}
CODE = "000001.SZ"
#: 000001.SZ's limit-down price on MID_SESSION's day: a buy there rests (seed 7; it follows its real price
#: history, it was 8.88). From the simulator: ``SimBackend(seed=7, clock=fixed_clock(MID_SESSION))``
#: ``.xtdata.get_instrument_detail("000001.SZ")["DownStopPrice"]``.
LIMIT_DOWN = 10.20


@pytest.fixture
def client(tmp_path: Any) -> Iterator[httpx.Client]:
    """A real server (the trade stream is read over a real WebSocket) and an HTTP client with the key."""
    with (
        serve_in_thread(trading_app(tmp_path, KEY), name="uvicorn-trading-calls") as url,
        httpx.Client(base_url=url, headers=AUTH, timeout=10) as http,
    ):
        yield http


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def ask(client: httpx.Client, code: str) -> float:
    return float(
        ok(client.get("/api/market/full_tick", params={"stocks": code}))["data"][code]["askPrice"][0]
    )


def state(client: httpx.Client, order_id: int) -> str:
    return str(ok(client.get(f"/api/trading/order/{order_id}"))["data"]["normalized"]["state"])


def buy(client: httpx.Client, code: str = CODE, volume: int = 100, price: float | None = None) -> int:
    """A limit buy at the ask (filled at once) or at ``price``; its order id."""
    order = {"stock_code": code, "order_type": 23, "order_volume": volume, "price_type": 11}
    order["price"] = ask(client, code) if price is None else price
    order_id = int(ok(client.post("/api/trading/order", json=order))["order_id"])
    if price is None:
        wait_until(lambda: state(client, order_id) == "filled", "the buy filled")
    return order_id


def events(client: httpx.Client, kind: str, count: int) -> list[dict[str, Any]]:
    """The first ``count`` journaled events of ``kind`` (replayed from the start of ``/ws/trade``)."""
    found: list[dict[str, Any]] = []
    url = str(client.base_url).rstrip("/").replace("http://", "ws://") + "/ws/trade?since=0"
    with connect(url, additional_headers=AUTH, open_timeout=10) as ws:
        deadline = time.monotonic() + 10
        while len(found) < count:
            assert time.monotonic() < deadline, f"{len(found)} {kind} event(s) of {count}"
            message = json.loads(ws.recv(timeout=10))
            if message["type"] == "event" and message["kind"] == kind:
                found.append(message["data"])
    return found


# ------------------------------------------------------------------------------------- async orders


def test_an_async_order_is_placed_and_its_response_carries_the_seq(client: httpx.Client) -> None:
    body = {"stock_code": CODE, "order_type": 23, "order_volume": 100, "price_type": 11}
    answer = ok(client.post("/api/trading/order_async", json={**body, "price": ask(client, CODE)}))
    assert answer["status"] == "async_submitted" and isinstance(answer["seq"], int)
    [response] = events(client, "order_response", 1)
    assert response["seq"] == answer["seq"] and response["error_msg"] == ""
    assert response["client_order_id"] == answer["client_order_id"]
    orders = ok(client.get("/api/trading/orders"))["data"]
    assert [(o["order_id"], o["client_order_id"]) for o in orders] == [
        (response["order_id"], answer["client_order_id"])
    ]


def test_a_bad_async_order_is_refused_at_once_and_nothing_is_placed(client: httpx.Client) -> None:
    body = {"stock_code": CODE, "order_type": 23, "order_volume": 150}
    assert_error(client.post("/api/trading/order_async", json=body), 400, "invalid_lot", "order_volume")
    assert_error(client.post("/api/trading/order_async", json={**body, "account_id": "nobody"}), 404)
    time.sleep(0.3)
    assert ok(client.get("/api/trading/orders"))["data"] == []
    assert ok(client.get("/api/trading/status"))["events"]["last_seq"] == 1  # the connection event only


def test_an_async_order_sent_again_places_nothing(client: httpx.Client) -> None:
    body = {"stock_code": CODE, "order_type": 23, "order_volume": 100, "client_order_id": "async-once"}
    first = ok(client.post("/api/trading/order_async", json=body))
    second = ok(client.post("/api/trading/order_async", json=body))
    assert first["seq"] != second["seq"]
    responses = events(client, "order_response", 2)
    assert len({r["order_id"] for r in responses}) == 1 and responses[0]["order_id"] > 0
    assert len(ok(client.get("/api/trading/orders"))["data"]) == 1
    changed = {**body, "order_volume": 200}
    assert_error(client.post("/api/trading/order_async", json=changed), 409, "duplicate_client_order_id")


def test_an_async_cancel_reports_its_outcome(client: httpx.Client) -> None:
    resting = buy(client, price=LIMIT_DOWN)
    first = ok(client.post("/api/trading/cancel_async", json={"order_id": resting}))
    assert first["status"] == "async_submitted" and first["order_id"] == resting
    wait_until(lambda: state(client, resting) == "cancelled", "the order cancelled")
    again = ok(client.post("/api/trading/cancel_async", json={"order_id": resting}))
    accepted, refused = events(client, "cancel_response", 2)
    assert (accepted["seq"], accepted["cancel_result"], accepted["error_msg"]) == (first["seq"], 0, "")
    assert (refused["seq"], refused["cancel_result"]) == (again["seq"], -1)
    assert "cannot be cancelled" in refused["error_msg"]
    assert_error(client.post("/api/trading/cancel_async", json={"order_id": resting, "account_id": "x"}), 404)


# ------------------------------------------------------------------------------------ batch cancel


def test_a_batch_cancel_answers_each_cancel_as_cancel_would(client: httpx.Client) -> None:
    resting, filled = buy(client, price=LIMIT_DOWN), buy(client)
    cancels = [{"order_id": resting}, {"order_id": 999_999}, {"order_id": filled}]
    results = ok(client.post("/api/trading/batch_cancel", json=cancels))["data"]
    assert [r["http_status"] for r in results] == [200, 404, 409]
    assert [r["order_id"] for r in results] == [resting, 999_999, filled]
    assert results[0]["cancel_result"] == 0 and results[0]["account_id"] == "SIM000001"
    assert results[1]["error"]["code"] == "order_not_found"
    assert results[2]["error"]["code"] == "order_not_cancelable"
    wait_until(lambda: state(client, resting) == "cancelled", "the resting order cancelled")


def test_a_batch_cancel_takes_one_to_a_thousand(client: httpx.Client) -> None:
    assert_error(client.post("/api/trading/batch_cancel", json=[]), 422)
    too_many = [{"order_id": n} for n in range(1, 1002)]
    assert_error(client.post("/api/trading/batch_cancel", json=too_many), 422)
    results = ok(client.post("/api/trading/batch_cancel", json=too_many[:1000]))["data"]
    assert len(results) == 1000 and {r["http_status"] for r in results} == {404}


# ------------------------------------------------------------------------------- one order, fill, position


def test_one_order_is_the_order_detail(client: httpx.Client) -> None:
    order_id = buy(client)
    detail = ok(client.get("/api/trading/order_detail", params={"order_id": order_id}))
    assert ok(client.get(f"/api/trading/order/{order_id}")) == detail
    assert_error(client.get("/api/trading/order/0"), 422)
    assert_error(client.get(f"/api/trading/order/{2**63}"), 422)
    assert_error(client.get(f"/api/trading/order/{2**63 - 1}"), 404, "order_not_found")
    assert_error(client.get(f"/api/trading/order/{order_id}", params={"account_id": "x"}), 404)


def test_one_fill_by_its_traded_id(client: httpx.Client) -> None:
    order_id = buy(client)
    [fill] = ok(client.get("/api/trading/trades"))["data"]
    assert fill["order_id"] == order_id
    assert ok(client.get(f"/api/trading/trade/{fill['traded_id']}"))["data"] == fill
    assert_error(client.get("/api/trading/trade/" + "9" * 64), 404, "trade_not_found")
    assert_error(client.get("/api/trading/trade/" + "9" * 65), 422)


def test_one_position_or_none(client: httpx.Client) -> None:
    buy(client)
    [held] = ok(client.get("/api/trading/positions"))["data"]
    assert ok(client.get(f"/api/trading/position/{CODE}"))["data"] == held
    assert ok(client.get("/api/trading/position/600519.SH")) == {"data": None}
    assert client.get("/api/trading/position/NOT-A-CODE").status_code in (400, 422)


# ------------------------------------------------------------------------------------- account state


def test_the_account_state_calls(client: httpx.Client) -> None:
    status = ok(client.get("/api/trading/account_status"))["data"]
    assert status == {
        "account_id": "SIM000001",
        "account_type": 2,
        "status": 0,
        "connected": True,
        "trader_connected": True,
    }
    info = ok(client.get("/api/trading/account_info"))["data"]
    assert ok(client.get("/api/trading/account_infos"))["data"] == [info]
    assert ok(client.get("/api/trading/accounts"))["data"] == [info]
    assert info["account_id"] == "SIM000001" and info["index"] == 0
    for path in ("account_status", "account_info", "new_purchase_limit", "com_fund", "com_position"):
        assert_error(client.get(f"/api/trading/{path}", params={"account_id": "x"}), 404, "unknown_account")
    assert ok(client.get("/api/trading/position_statistics")) == {"data": []}


def test_the_ordinary_counter_holds_the_money_moved_there_and_shows_the_shares(client: httpx.Client) -> None:
    buy(client, volume=1000)
    fund = ok(client.get("/api/trading/com_fund"))["data"]
    assert fund["success"] is True and (fund["currentBalance"], fund["enableBalance"]) == (0.0, 0.0)
    cash = ok(client.get("/api/trading/asset"))["data"]["cash"]
    ok(client.post("/api/fund/transfer", json={"transfer_direction": 511, "amount": 1234.5}))
    fund = ok(client.get("/api/trading/com_fund"))["data"]
    assert (fund["currentBalance"], fund["enableBalance"], fund["fetchBalance"], fund["marketValue"]) == (
        1234.5, 1234.5, 1234.5, 0.0,
    )  # fmt: skip
    assert ok(client.get("/api/trading/asset"))["data"]["cash"] == round(cash - 1234.5, 2)
    [held] = ok(client.get("/api/trading/positions"))["data"]
    [position] = ok(client.get("/api/trading/com_position"))["data"]
    assert (position["stockCode"], position["totalAmt"], position["marketValue"]) == (
        CODE,
        1000.0,
        held["market_value"],
    )
    assert position["stockName"] == held["instrument_name"] and position["costPrice"] == held["avg_price"]


def test_the_purchase_quota_follows_the_market_value_held(client: httpx.Client) -> None:
    assert ok(client.get("/api/trading/new_purchase_limit"))["data"] == {"KCB": 0, "SH": 0, "SZ": 0}
    buy(client, "600519.SH", 100)  # ~185,000 CNY of Shanghai shares
    value = ok(client.get("/api/trading/position/600519.SH"))["data"]["market_value"]
    quota = ok(client.get("/api/trading/new_purchase_limit"))["data"]
    assert quota == {"KCB": int(value // 5000) * 500, "SH": int(value // 10000) * 1000, "SZ": 0}


def test_the_ipo_data_are_todays_subscriptions(client: httpx.Client) -> None:
    today = MID_SESSION.strftime("%Y%m%d")
    rows = ok(client.get("/api/instrument/ipo_info", params={"start_time": today, "end_time": "20260131"}))
    subscribing = [r for r in rows["data"] if r["startDate"] == today]
    assert subscribing, "the simulator has an IPO subscribed on MID_SESSION's day"
    issues = ok(client.get("/api/trading/ipo_data"))["data"]
    assert issues == {
        f"{r['onlineSubCode']}.{r['market']}": {
            "name": r["codeName"],
            "type": "STOCK",
            "maxPurchaseNum": r["onlineSubMaxQty"],
            "minPurchaseNum": r["onlineSubMinQty"],
            "purchaseDate": today,
            "issuePrice": r["publishPrice"],
        }
        for r in subscribing
    }
