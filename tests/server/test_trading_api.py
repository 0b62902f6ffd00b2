"""The trading endpoints on the simulator's paper broker, frozen mid-session on 2025-11-20.

What the seed promises (its curl example; the client example runs over uvicorn in test_trade_stream), who may trade (the API key, near misses included),
what is refused before anything reaches the counter, idempotency by ``client_order_id`` (also across a
restart), all-or-none batches, cancels, the kill switch and the risk limits at their boundaries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import MID_SESSION, SEED
from helpers import assert_error, trading_app, wait_until
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.server.app import create_app
from qmt_bridge.server.config import Settings
from qmt_bridge.sim.clock import fixed_clock

KEY = "s3cret-key-0001"
AUTH = {"X-API-Key": KEY}
#: The seed's order: no price given.
SEED_ORDER = {"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100}
#: 000001.SZ on 2025-11-20 (seed 7; it follows its real price history): last close 11.33, so the limits are
#: 10.20 and 12.46; at 10:00 (conftest's MID_SESSION) it trades at 11.20 (bid1 11.19, ask1 11.20). From the
#: simulator: ``SimBackend(seed=7, clock=fixed_clock(MID_SESSION)).xtdata`` ``.get_full_tick(["000001.SZ"])``
#: (lastPrice, lastClose) and ``.get_instrument_detail("000001.SZ")`` (UpStopPrice, DownStopPrice).
LIMIT_UP, LIMIT_DOWN = 12.46, 10.20
LAST = 11.20
#: The seed's market buy of 100 at LAST: 1,120.00, plus the minimum commission 5.00, plus the transfer fee
#: 0.01 (0.001 % of 1,120.00 = 0.0112, to the fen).
SEED_ORDER_COST = 1125.01


@contextmanager
def trading_server(data_dir: Path, **settings: Any) -> Iterator[tuple[TestClient, SimBackend]]:
    """A TestClient of :func:`helpers.trading_app` (lifespan running), and its backend."""
    app = trading_app(data_dir, KEY, **settings)
    with TestClient(app) as client:
        yield client, app.state.context.backend


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, SimBackend]]:
    with trading_server(tmp_path_factory.mktemp("trading")) as served:
        yield served


@pytest.fixture
def client(server: tuple[TestClient, SimBackend]) -> TestClient:
    return server[0]


def order(client: TestClient, **fields: Any) -> Any:
    return client.post("/api/trading/order", headers=AUTH, json={**SEED_ORDER, **fields})


def orders(client: TestClient) -> list[dict[str, Any]]:
    return client.get("/api/trading/orders", headers=AUTH).json()["data"]


def state_of(client: TestClient, order_id: int) -> str:
    answer = client.get("/api/trading/order_detail", headers=AUTH, params={"order_id": order_id})
    return answer.json()["data"]["normalized"]["state"]


# --- the seed's examples ------------------------------------------------------------------------------


def test_the_seeds_order_without_a_price_fills_at_the_latest_price(server) -> None:
    client, backend = server
    last = backend.xtdata.get_full_tick(["000001.SZ"])["000001.SZ"]["lastPrice"]
    cash_before = client.get("/api/trading/asset", headers=AUTH).json()["data"]["cash"]
    answer = client.post(
        "/api/trading/order", headers={"Content-Type": "application/json", **AUTH}, json=SEED_ORDER
    )
    assert answer.status_code == 200, answer.text
    placed = answer.json()
    # The answer shows the order as its first event did (open, or already filled); it fills at once.
    assert placed["status"] in ("open", "filled") and placed["error"] is None
    wait_until(lambda: state_of(client, placed["order_id"]) == "filled", "the order filled")
    assert placed["order"]["price_type"] == 5 and placed["order"]["price"] == last == LAST
    assert placed["order"]["normalized"]["side"] == "buy"
    assert placed["client_order_id"].startswith("qb-")  # the server made one
    listed = {o["order_id"]: o for o in orders(client)}
    assert listed[placed["order_id"]]["client_order_id"] == placed["client_order_id"]
    trades = client.get("/api/trading/trades", headers=AUTH).json()["data"]
    mine = [t for t in trades if t["order_id"] == placed["order_id"]]
    assert [(t["traded_price"], t["traded_volume"]) for t in mine] == [(LAST, 100)]
    assert mine[0]["client_order_id"] == placed["client_order_id"]
    # 1,120.00 plus the minimum commission 5.00 plus the transfer fee 0.01 (see SEED_ORDER_COST)
    cash_after = client.get("/api/trading/asset", headers=AUTH).json()["data"]["cash"]
    assert round(cash_before - cash_after, 2) == SEED_ORDER_COST
    position = next(
        p
        for p in client.get("/api/trading/positions", headers=AUTH).json()["data"]
        if p["stock_code"] == "000001.SZ"
    )
    assert position["volume"] >= 100 and position["can_use_volume"] == 0  # T+1: bought today


# --- who may trade ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [KEY[:-1], KEY + "1", KEY[:-1] + "2", KEY.upper(), " " + KEY, "x" * len(KEY)],
    ids=["prefix", "extended", "last-char", "case", "leading-space", "same-length"],
)
def test_a_near_miss_key_is_refused(client: TestClient, key: str) -> None:
    before = len(orders(client))
    answer = client.post("/api/trading/order", headers={"X-API-Key": key}, json=SEED_ORDER)
    assert_error(answer, 401, "invalid_api_key")
    assert KEY not in answer.text
    assert len(orders(client)) == before


def test_no_key_is_refused_on_every_trading_endpoint(client: TestClient) -> None:
    for method, path in [
        ("POST", "/api/trading/order"),
        ("POST", "/api/trading/batch_order"),
        ("POST", "/api/trading/cancel"),
        ("GET", "/api/trading/orders"),
        ("GET", "/api/trading/positions"),
        ("GET", "/api/trading/asset"),
        ("GET", "/api/trading/status"),
        ("POST", "/api/trading/kill_switch"),
    ]:
        assert_error(client.request(method, path), 401, "missing_api_key")


def test_a_server_without_trading_answers_403_after_checking_the_key(tmp_path: Path) -> None:
    config = Settings(
        _env_file=None,
        backend="sim",
        sim_seed=SEED,
        data_dir=str(tmp_path),
        api_key=KEY,
        quote_markets="BJ",
        predownload=False,
    )
    backend = SimBackend(seed=SEED, clock=fixed_clock(MID_SESSION), data_dir=tmp_path)
    with TestClient(create_app(config, backend=backend)) as client:
        assert_error(client.post("/api/trading/order", json=SEED_ORDER), 401, "missing_api_key")
        answer = client.post("/api/trading/order", headers=AUTH, json=SEED_ORDER)
        error = assert_error(answer, 403, "trading_disabled")
        assert "--trading" in error["message"]


def test_a_server_without_any_key_says_trading_is_off(api: TestClient) -> None:
    assert_error(api.post("/api/trading/order", json=SEED_ORDER), 403, "trading_disabled")


# --- refused before the counter -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "status", "code", "param"),
    [
        ({"order_volume": 150}, 400, None, "order_volume"),
        ({"price_type": 11, "price": 11.205}, 400, None, "price"),  # inside the band, off the tick
        ({"price_type": 11, "price": round(LIMIT_UP + 0.01, 2)}, 400, "price_outside_limits", "price"),
        ({"price_type": 11, "price": round(LIMIT_DOWN - 0.01, 2)}, 400, "price_outside_limits", "price"),
        ({"stock_code": "600001.SH"}, 404, None, "stock_code"),
        ({"stock_code": "000001"}, 400, None, "stock_code"),
        ({"account_id": "SIM000002"}, 404, "unknown_account", "account_id"),
        ({"price_type": 42}, 400, None, "price_type"),
        ({"price_type": 11, "price": 0}, 400, None, "price"),
        ({"stock_code": "000300.SH"}, 400, "not_tradable", "stock_code"),
        ({"order_type": 27}, 400, None, "order_type"),
    ],
    ids=[
        "odd-lot-buy",
        "off-tick",
        "one-tick-above-limit-up",
        "one-tick-below-limit-down",
        "unknown-code",
        "no-market",
        "unknown-account",
        "sse-market-type-on-szse",
        "zero-limit-price",
        "an-index",
        "a-credit-order-type",
    ],
)
def test_a_bad_order_is_refused_and_nothing_is_placed(
    client: TestClient, fields: dict, status: int, code: str | None, param: str
) -> None:
    before = len(orders(client))
    assert_error(order(client, **fields), status, code, param)
    assert len(orders(client)) == before


@pytest.mark.parametrize("price", [LIMIT_UP, LIMIT_DOWN], ids=["limit-up", "limit-down"])
def test_an_order_exactly_at_a_price_limit_is_accepted(client: TestClient, price: float) -> None:
    answer = order(client, price_type=11, price=price)
    assert answer.status_code == 200, answer.text
    assert answer.json()["order"]["price"] == price


def test_selling_more_than_is_held_is_rejected_by_the_counter(client: TestClient) -> None:
    """As on a real counter: the order is placed, and rejected with its reason (可用股份不足)."""
    answer = order(client, order_type=24, order_volume=100_000)
    assert answer.status_code == 200
    rejected = answer.json()
    assert rejected["status"] == "rejected" and "可用股份不足" in rejected["error"]
    assert rejected["order"]["normalized"]["side"] == "sell"
    assert state_of(client, rejected["order_id"]) == "rejected"


@pytest.mark.parametrize("volume", [0, -100])
def test_a_volume_that_is_not_positive_is_422(client: TestClient, volume: int) -> None:
    before = len(orders(client))
    assert order(client, order_volume=volume).status_code == 422
    assert len(orders(client)) == before


@pytest.mark.parametrize("field", ["order_volume", "order_type", "price_type"])
def test_a_number_past_a_c_int_is_422_not_a_500(client: TestClient, field: str) -> None:
    assert order(client, **{field: 2**31 - 1}).status_code in (200, 400)  # at the bound: the checks decide
    answer = order(client, **{field: 2**31})
    assert answer.status_code == 422 and field in answer.text


def test_an_order_id_past_64_bits_is_422_not_a_500(client: TestClient) -> None:
    huge = 2**63
    assert client.post("/api/trading/cancel", headers=AUTH, json={"order_id": huge}).status_code == 422
    detail = client.get("/api/trading/order_detail", headers=AUTH, params={"order_id": huge})
    assert detail.status_code == 422
    at_bound = client.get("/api/trading/order_detail", headers=AUTH, params={"order_id": huge - 1})
    assert_error(at_bound, 404, "order_not_found")


def test_health_says_whether_the_trader_is_connected(client: TestClient) -> None:
    health = client.get("/api/meta/health").json()  # no key: it stays open, and says no more than this
    assert health["trading"] == {"connected": True, "reconnects": 0}


def test_unknown_fields_are_refused_with_422(client: TestClient) -> None:
    answer = order(client, volume=100)
    assert answer.status_code == 422
    assert "volume" in answer.text


# --- idempotency --------------------------------------------------------------------------------------


def test_the_same_client_order_id_places_one_order(client: TestClient) -> None:
    first = order(client, client_order_id="idem-1")
    before = len(orders(client))
    again = order(client, client_order_id="idem-1")
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["order_id"] == first.json()["order_id"]
    assert len(orders(client)) == before


def test_the_same_client_order_id_for_another_order_is_409(client: TestClient) -> None:
    order(client, client_order_id="idem-2")
    before = len(orders(client))
    assert_error(order(client, client_order_id="idem-2", order_volume=200), 409, "duplicate_client_order_id")
    assert len(orders(client)) == before


def test_an_order_is_remembered_across_a_restart(tmp_path: Path) -> None:
    with trading_server(tmp_path) as (client, _):
        first = order(client, client_order_id="before-restart").json()
    with trading_server(tmp_path) as (client, _):
        listed = {o["order_id"]: o for o in orders(client)}
        assert listed[first["order_id"]]["client_order_id"] == "before-restart"
        again = order(client, client_order_id="before-restart")
        assert again.json()["duplicate"] is True and again.json()["order_id"] == first["order_id"]
        assert len(orders(client)) == len(listed)


# --- batches ------------------------------------------------------------------------------------------


def test_a_batch_with_one_bad_order_places_nothing(client: TestClient) -> None:
    before = len(orders(client))
    batch = [dict(SEED_ORDER), {**SEED_ORDER, "order_volume": 150}, dict(SEED_ORDER)]
    error = assert_error(client.post("/api/trading/batch_order", headers=AUTH, json=batch), 400)
    assert error["details"]["index"] == 1 and error["message"].startswith("orders[1]: ")
    assert "nothing in the batch was placed" in error["message"]
    assert len(orders(client)) == before


def test_a_batch_answers_one_result_per_order_in_order(client: TestClient) -> None:
    batch = [
        {**SEED_ORDER, "client_order_id": "batch-a"},
        {**SEED_ORDER, "price_type": 11, "price": LIMIT_DOWN, "client_order_id": "batch-b"},
    ]
    answer = client.post("/api/trading/batch_order", headers=AUTH, json=batch)
    assert answer.status_code == 200, answer.text
    results = answer.json()["data"]
    assert [r["client_order_id"] for r in results] == ["batch-a", "batch-b"]
    assert [r["http_status"] for r in results] == [200, 200]
    assert len({r["order_id"] for r in results}) == 2


def test_a_batch_at_the_size_limit_is_checked_and_one_past_it_is_422(client: TestClient) -> None:
    before = len(orders(client))
    at_limit = [dict(SEED_ORDER) for _ in range(999)] + [{**SEED_ORDER, "order_volume": 150}]
    error = assert_error(client.post("/api/trading/batch_order", headers=AUTH, json=at_limit), 400)
    assert error["details"]["index"] == 999  # the schema took all 1,000; the checks found the last one
    past = [dict(SEED_ORDER) for _ in range(1001)]
    assert client.post("/api/trading/batch_order", headers=AUTH, json=past).status_code == 422
    assert client.post("/api/trading/batch_order", headers=AUTH, json=[]).status_code == 422
    assert len(orders(client)) == before


def test_a_client_order_id_repeated_within_a_batch_is_refused(client: TestClient) -> None:
    batch = [{**SEED_ORDER, "client_order_id": "twice"}, {**SEED_ORDER, "client_order_id": "twice"}]
    assert_error(
        client.post("/api/trading/batch_order", headers=AUTH, json=batch), 400, "duplicate_client_order_id"
    )


# --- cancels ------------------------------------------------------------------------------------------


def test_a_resting_order_is_cancelled_once(client: TestClient) -> None:
    resting = order(client, price_type=11, price=LIMIT_DOWN).json()
    assert resting["status"] == "open"
    body = {"order_id": resting["order_id"]}
    answer = client.post("/api/trading/cancel", headers=AUTH, json=body)
    assert answer.status_code == 200 and answer.json()["cancel_result"] == 0
    wait_until(lambda: state_of(client, resting["order_id"]) == "cancelled", "the order cancelled")
    assert_error(client.post("/api/trading/cancel", headers=AUTH, json=body), 409, "order_not_cancelable")


def test_a_filled_order_cannot_be_cancelled(client: TestClient) -> None:
    filled = order(client).json()
    wait_until(lambda: state_of(client, filled["order_id"]) == "filled", "the order filled")
    body = {"order_id": filled["order_id"]}
    assert_error(client.post("/api/trading/cancel", headers=AUTH, json=body), 409, "order_not_cancelable")


def test_cancelling_an_unknown_order_is_404(client: TestClient) -> None:
    assert_error(client.post("/api/trading/cancel", headers=AUTH, json={"order_id": 987654}), 404)
    assert client.post("/api/trading/cancel", headers=AUTH, json={"order_id": 0}).status_code == 422


def test_cancel_all_cancels_every_resting_order(client: TestClient) -> None:
    ids = [order(client, price_type=11, price=LIMIT_DOWN).json()["order_id"] for _ in range(3)]
    results = client.post("/api/trading/cancel_all", headers=AUTH, json={}).json()["data"]
    assert set(ids) <= {r["order_id"] for r in results}
    for order_id in ids:
        wait_until(lambda order_id=order_id: state_of(client, order_id) == "cancelled", f"order {order_id}")
    assert not [o for o in orders(client) if o["normalized"]["is_cancelable"]]


# --- kill switch and risk limits ----------------------------------------------------------------------


def test_the_kill_switch_cancels_refuses_and_survives_a_restart(tmp_path: Path) -> None:
    with trading_server(tmp_path) as (client, _):
        resting = order(client, price_type=11, price=LIMIT_DOWN).json()
        engaged = client.post(
            "/api/trading/kill_switch", headers=AUTH, json={"engaged": True, "reason": "test"}
        )
        assert engaged.json()["engaged"] is True
        assert resting["order_id"] in [c["order_id"] for c in engaged.json()["cancelled"]]
        wait_until(
            lambda: state_of(client, resting["order_id"]) == "cancelled", "the resting order cancelled"
        )
        assert_error(order(client), 403, "kill_switch_engaged")
    with trading_server(tmp_path) as (client, _):
        assert (
            client.get("/api/trading/status", headers=AUTH).json()["limits"]["kill_switch"]["reason"]
            == "test"
        )
        assert_error(order(client), 403, "kill_switch_engaged")
        client.post("/api/trading/kill_switch", headers=AUTH, json={"engaged": False})
        assert order(client).status_code == 200


def test_risk_limits_at_their_boundaries(tmp_path: Path) -> None:
    # 000001.SZ: 100 shares at 11.20 (LAST) are worth 1,120.00.
    with trading_server(
        tmp_path, max_order_value=1120.0, max_orders_per_day=2, allowed_codes="000001.SZ"
    ) as (
        client,
        _,
    ):
        assert_error(order(client, price_type=11, price=11.21), 403, "order_value_over_limit")
        assert order(client, price_type=11, price=11.20).status_code == 200  # exactly at the limit
        assert_error(order(client, stock_code="600000.SH"), 403, "code_not_allowed")
        assert order(client, price_type=11, price=11.19).status_code == 200  # the second of two
        assert_error(order(client, price_type=11, price=11.19), 403, "orders_per_day_over_limit")


# --- the simulator's account --------------------------------------------------------------------------


def test_a_paper_account_is_reset_to_its_starting_cash(tmp_path: Path) -> None:
    with trading_server(tmp_path, sim_starting_cash=50_000.0) as (client, _):
        assert client.get("/api/trading/asset", headers=AUTH).json()["data"]["cash"] == 50_000.0
        order(client)
        assert client.get("/api/trading/asset", headers=AUTH).json()["data"]["cash"] < 50_000.0
        answer = client.post("/api/trading/sim/reset", headers=AUTH, json={})
        assert answer.json() == {"account_id": "SIM000001", "cash": 50_000.0}
        asset = client.get("/api/trading/asset", headers=AUTH).json()["data"]
        assert (asset["cash"], asset["market_value"]) == (50_000.0, 0.0)
        assert client.get("/api/trading/positions", headers=AUTH).json()["data"] == []
        assert client.post("/api/trading/sim/reset", headers=AUTH, json={"cash": 0}).status_code == 422
        assert client.post("/api/trading/sim/reset", headers=AUTH, json={"cash": 1e12}).json()["cash"] == 1e12
        assert (
            client.post("/api/trading/sim/reset", headers=AUTH, json={"cash": 1.0001e12}).status_code == 422
        )


def test_a_batch_counts_its_own_orders_against_the_daily_limit(tmp_path: Path) -> None:
    with trading_server(tmp_path, max_orders_per_day=2) as (client, _):
        three = [dict(SEED_ORDER) for _ in range(3)]
        error = assert_error(
            client.post("/api/trading/batch_order", headers=AUTH, json=three),
            403,
            "orders_per_day_over_limit",
        )
        assert error["details"]["index"] == 2
        assert orders(client) == []
        two = client.post("/api/trading/batch_order", headers=AUTH, json=three[:2])
        assert [r["http_status"] for r in two.json()["data"]] == [200, 200]
