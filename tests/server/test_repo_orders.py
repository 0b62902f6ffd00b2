"""Reverse repos (国债逆回购) through ``/api/trading/order`` on the simulator: the edge's checks of a repo order
(``validation.check_repo``), at their boundaries, and what reaches the paper counter. The counter's own rules
(interest, dates, fees) are tested on the broker (``tests/sim/test_broker_repo.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers import assert_error, trading_app, wait_until

KEY = "repo-key-0123456789"
GC001 = "204001.SH"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(trading_app(tmp_path, KEY, max_order_value=100_000), headers={"X-API-Key": KEY}) as c:
        yield c


def bid(client: TestClient, code: str = GC001) -> float:
    return client.get("/api/market/full_tick", params={"stocks": code}).json()["data"][code]["bidPrice"][0]


def order(client: TestClient, **fields: Any) -> Any:
    body = {"stock_code": GC001, "order_type": 24, "order_volume": 10, "price_type": 11, **fields}
    return client.post("/api/trading/order", json=body)


def test_a_reverse_repo_is_a_sell_at_the_bid_rate_that_fills(client):
    answer = order(client, order_volume=100, price=bid(client)).json()
    wait_until(
        lambda: (
            client.get(f"/api/trading/order/{answer['order_id']}").json()["data"]["normalized"]["state"]
            == "filled"
        ),
        "the reverse repo filled",
    )
    [position] = client.get("/api/trading/positions").json()["data"]
    assert (position["stock_code"], position["volume"], position["can_use_volume"]) == (GC001, 100, 0)
    asset = client.get("/api/trading/asset").json()["data"]
    assert asset["cash"] == pytest.approx(1_000_000 - 10_000 - 0.10, abs=0.005)  # 0.001 % commission


@pytest.mark.parametrize(("volume", "ok"), [(10, True), (9, False), (20, True), (15, False), (0, None)])
def test_the_volume_is_in_tens_of_zhang_from_ten(client, volume, ok):
    response = order(client, order_volume=volume, price=bid(client))
    if ok:
        assert response.status_code == 200, response.text
    elif ok is None:
        assert_error(response, 422)  # not > 0: the request model's
    else:
        assert "张 of 100 CNY" in assert_error(response, 400, "invalid_lot", "order_volume")["message"]


def test_the_largest_order_is_100000_zhang(tmp_path):
    """At the limit the edge passes it (the counter refuses it for cash); one lot more is refused at the edge."""
    with TestClient(trading_app(tmp_path, KEY), headers={"X-API-Key": KEY}) as client:
        rate = bid(client)
        assert order(client, order_volume=100_000, price=rate).status_code == 200
        assert_error(order(client, order_volume=100_010, price=rate), 400, "invalid_lot")


def test_a_buy_or_a_market_price_type_is_refused(client):
    rate = bid(client)
    error = assert_error(order(client, order_type=23, price=rate), 400, "invalid_order_type")
    assert "GC001" in error["message"] and "sell (order_type 24)" in error["message"]
    assert_error(order(client, price_type=44), 400, "price_type_not_for_market")
    assert order(client, price_type=5).status_code == 200  # the last rate
    assert_error(order(client, price=rate + 0.001), 400, "price_off_tick")  # the 0.005 grid


def test_its_value_for_the_risk_limit_is_the_cash_lent(client):
    """``max_order_value`` 100,000: 1,000 张 lend exactly that (the rate is no price), 1,010 张 are over."""
    rate = bid(client)
    assert order(client, order_volume=1_000, price=rate).status_code == 200
    error = assert_error(order(client, order_volume=1_010, price=rate), 403, "order_value_over_limit")
    assert "101,000.00" in error["message"]
