"""New-share subscription through the server (``trading/ipo.py``, the edge checks of subscription codes), on
the simulator frozen mid-session on 2025-11-20, the subscription day of 301822.SZ (西诚重工, 10.41 CNY,
500–22,500 shares)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers import assert_error, trading_app, wait_until

KEY = "ipo-key-0123456789abcdef0123456789"
AUTH = {"X-API-Key": KEY}
ISSUE = "301822.SZ"
PRICE = 10.41
#: Shares of 000001.SZ bought for a Shenzhen quota, and the quota they give: at MID_SESSION 000001.SZ trades
#: at 11.20 (seed 7, following its real price history: ``SimBackend(seed=7, clock=fixed_clock(MID_SESSION))``
#: ``.xtdata.get_full_tick(["000001.SZ"])``), so 10,000 shares are worth 112,000 CNY: 22 steps of 5,000, 500
#: shares each, 11,000 shares of quota (it was 9,500 at 9.75: 97,500 CNY). Below the issue's maximum, 22,500.
HELD, QUOTA = 10000, 11000


@pytest.fixture
def client(tmp_path: Any) -> Iterator[TestClient]:
    with TestClient(trading_app(tmp_path, KEY), headers=AUTH) as http:
        yield http


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def buy_sz(client: TestClient, volume: int) -> None:
    """Shenzhen shares at the ask: 500 subscription shares of quota per 5,000 CNY held."""
    ask = ok(client.get("/api/market/full_tick", params={"stocks": "000001.SZ"}))["data"]["000001.SZ"][
        "askPrice"
    ][0]
    order = {
        "stock_code": "000001.SZ",
        "order_type": 23,
        "order_volume": volume,
        "price_type": 11,
        "price": ask,
    }
    order_id = ok(client.post("/api/trading/order", json=order))["order_id"]
    wait_until(
        lambda: ok(client.get(f"/api/trading/order/{order_id}"))["data"]["order_status"] == 56,
        "the buy filled",
    )


def subscription(volume: int, **fields: Any) -> dict[str, Any]:
    return {
        "stock_code": ISSUE,
        "order_type": 23,
        "order_volume": volume,
        "price_type": 11,
        "price": PRICE,
        **fields,
    }


def test_without_a_quota_nothing_is_subscribed(client: TestClient) -> None:
    [issue] = ok(client.get("/api/trading/ipo_today"))["issues"]
    assert (issue["code"], issue["issue_price"], issue["unit"], issue["min"], issue["max"]) == (
        ISSUE,
        PRICE,
        500,
        500,
        22500,
    )
    assert (issue["quota"], issue["volume"]) == (0, 0) and "quota is 0" in issue["reason"]
    [result] = ok(client.post("/api/trading/ipo_subscribe", json={}))["results"]
    assert (result["http_status"], result["status"], result["error"]["code"]) == (
        400,
        "skipped",
        "not_subscribable",
    )
    assert ok(client.get("/api/trading/orders"))["data"] == []


def test_the_most_allowed_is_subscribed_once_a_day(client: TestClient) -> None:
    buy_sz(client, HELD)  # 112,000 CNY of Shenzhen shares: 11,000 shares of quota
    [issue] = ok(client.get("/api/trading/ipo_today"))["issues"]
    assert (issue["quota"], issue["volume"], issue["reason"]) == (QUOTA, QUOTA, None)
    cash = ok(client.get("/api/trading/asset"))["data"]["cash"]
    [first] = ok(client.post("/api/trading/ipo_subscribe", json={}))["results"]
    assert (first["http_status"], first["volume"], first["order"]["order_status"]) == (200, QUOTA, 56)
    assert first["client_order_id"] == f"ipo-20251120-{ISSUE}-SIM000001"
    assert ok(client.get("/api/trading/asset"))["data"]["cash"] == cash  # nothing prepaid
    [again, unknown] = ok(client.post("/api/trading/ipo_subscribe", json={"codes": [ISSUE, "600000.SH"]}))[
        "results"
    ]
    assert (again["http_status"], again["order_id"], again.get("duplicate")) == (200, first["order_id"], True)
    assert (unknown["http_status"], unknown["error"]["code"]) == (404, "not_an_issue_today")
    codes = [o["stock_code"] for o in ok(client.get("/api/trading/orders"))["data"]]
    assert codes.count(ISSUE) == 1


def test_a_subscription_order_is_checked_at_the_edge(client: TestClient) -> None:
    buy_sz(client, HELD)
    assert_error(
        client.post("/api/trading/order", json=subscription(500, price_type=5)), 400, "invalid_subscription"
    )
    assert_error(
        client.post("/api/trading/order", json=subscription(500, order_type=24)), 400, "invalid_subscription"
    )
    assert_error(
        client.post("/api/trading/order", json=subscription(500, price=PRICE + 0.01)),
        400,
        "price_outside_limits",
    )
    assert_error(client.post("/api/trading/order", json=subscription(750)), 400, "invalid_lot")
    over = ok(
        client.post("/api/trading/order", json=subscription(QUOTA + 500))
    )  # one unit above the quota: the counter's
    assert over["status"] == "rejected" and "额度" in over["error"]
    placed = ok(client.post("/api/trading/order", json=subscription(QUOTA)))
    assert placed["order"]["order_status"] == 56 and placed["order"]["status_msg"].startswith(
        "新股申购已受理"
    )
    second = ok(client.post("/api/trading/order", json=subscription(500)))
    assert second["status"] == "rejected" and "重复申购" in second["error"]


def test_the_client_methods(tmp_path: Any) -> None:
    from helpers import serve_in_thread
    from qmt_bridge.client import QMTClient

    with serve_in_thread(trading_app(tmp_path, KEY)) as url:
        client = QMTClient(base_url=url, api_key=KEY)
        assert client.get_ipo_today()["issues"][0]["volume"] == 0
        ask = client.get_full_tick(["000001.SZ"])["000001.SZ"]["askPrice"][0]
        client.place_order("000001.SZ", 23, HELD, price_type=11, price=ask)
        wait_until(lambda: client.get_ipo_today()["issues"][0]["volume"] == QUOTA, "the quota")
        [result] = client.subscribe_ipos()["results"]
        assert result["http_status"] == 200 and result["volume"] == QUOTA
        assert client.subscribe_ipos(codes=[ISSUE])["results"][0]["duplicate"] is True


def test_a_bse_issue_is_limited_by_the_cash_it_prepays_not_by_a_quota(tmp_path: Any) -> None:
    """920566.BJ (北交所) subscribes on 2025-11-18: no quota (no shares held), the volume is what the
    available cash pays for in full, at the unit (100 shares), and subscribing freezes that amount."""
    import datetime as dt

    from conftest import SEED
    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.sim.clock import CST, fixed_clock

    code = "920566.BJ"
    config = Settings(
        _env_file=None, backend="sim", sim_seed=SEED, data_dir=str(tmp_path), api_key=KEY,
        trading_enabled=True, quote_markets="BJ", predownload=False,
    )  # fmt: skip
    moment = dt.datetime(2025, 11, 18, 10, 0, tzinfo=CST)
    backend = SimBackend(seed=SEED, clock=fixed_clock(moment), data_dir=tmp_path)
    with TestClient(create_app(config, backend=backend), headers=AUTH) as client:

        def bj_row(cash: float) -> dict[str, Any]:
            ok(client.post("/api/trading/sim/reset", json={"cash": cash}))
            [row] = [i for i in ok(client.get("/api/trading/ipo_today"))["issues"] if i["code"] == code]
            return row

        price = bj_row(1_000_000)["issue_price"]
        one_unit = round(price * 100, 2)
        short = bj_row(one_unit - 0.01)  # a fen short of one unit
        assert (short["board"], short["quota"], short["volume"]) == ("BJ", 0, 0)
        assert "paid in full" in short["reason"]
        exact = bj_row(one_unit * 3)  # three units exactly
        assert (exact["quota"], exact["volume"], exact["reason"]) == (300, 300, None)

        [result] = ok(client.post("/api/trading/ipo_subscribe", json={"codes": [code]}))["results"]
        assert (result["http_status"], result["volume"]) == (200, 300), result
        asset = ok(client.get("/api/trading/asset"))["data"]
        assert asset["cash"] == 0 and asset["frozen_cash"] == one_unit * 3
