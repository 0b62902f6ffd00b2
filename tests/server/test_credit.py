"""Credit trading end to end on the simulator: ``/api/credit/*`` over the paper broker's credit account.

The server trades ``SIM000001`` (stock) and ``SIM800001`` (credit), frozen mid-session (conftest's
MID_SESSION), so marketable orders fill at once. The credit arithmetic itself is tested on the broker
(``tests/sim/test_broker_credit*.py``); here: that what the HTTP calls do reaches it and comes back whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers import assert_error, trading_app, wait_until

KEY = "credit-key-0001"
AUTH = {"X-API-Key": KEY}
STOCK, CREDIT = "SIM000001", "SIM800001"
ACCOUNTS = f"{STOCK},{CREDIT}:CREDIT"
CODE = "600000.SH"  # 浦发银行: a 沪深300 member, so a subject of financing and lending


def app_client(data_dir: Path) -> TestClient:
    return TestClient(trading_app(data_dir, KEY, trading_account_id=ACCOUNTS), headers=AUTH)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with app_client(tmp_path) as c:
        yield c


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def ask(client: TestClient, code: str = CODE) -> float:
    return ok(client.get("/api/market/full_tick", params={"stocks": code}))[code]["askPrice"][0]


def credit_order(client: TestClient, credit_type: str, volume: float, **extra: Any) -> dict[str, Any]:
    """Place it, and wait until the counter has finished with it (filled, cancelled or rejected)."""
    body = {"stock_code": CODE, "credit_type": credit_type, "order_volume": volume, **extra}
    response = client.post("/api/credit/order", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    params = {"order_id": answer["order_id"], "account_id": CREDIT}

    def final() -> bool:
        order = client.get("/api/trading/order_detail", params=params).json()["data"]
        answer["order"] = order
        return order["normalized"]["is_completed"]

    if answer["order_id"] > 0:
        wait_until(final, f"{credit_type} order {answer['order_id']} done")
    answer["status"] = answer["order"]["normalized"]["state"]
    return answer


def test_a_fin_buy_opens_a_compact_that_a_cash_repayment_reduces(client):
    price = ask(client)
    placed = credit_order(client, "fin_buy", 1000, price_type=11, price=price)
    assert placed["status"] == "filled", placed
    [trade] = ok(client.get("/api/trading/trades", params={"account_id": CREDIT}))
    assert trade["order_type"] == 27 and trade["traded_volume"] == 1000
    [compact] = ok(client.get("/api/credit/debt"))
    assert compact["compact_type"] == 48 and compact["stock_code"] == CODE  # 融资
    # the compact is what was paid: the trade's amount and its fees
    assert compact["real_compact_balance"] == pytest.approx(
        trade["traded_amount"] + trade["commission"], abs=0.011
    )
    quota = ok(client.get("/api/credit/quota"))
    assert quota["fin"]["used_quota"] == pytest.approx(compact["real_compact_balance"], abs=0.011)
    assert quota["fin"]["enable_quota"] == pytest.approx(
        quota["fin"]["max_quota"] - quota["fin"]["used_quota"], abs=0.011
    )
    [position] = ok(client.get("/api/credit/position"))
    assert (position["stock_code"], position["volume"]) == (CODE, 1000)

    # 直接还款 of 5,000 CNY (order_volume is the amount): the debt falls by it, the line comes back
    repaid = credit_order(client, "direct_cash_repay", 5000)
    assert repaid["order"]["normalized"]["side"] == "repay"
    [after] = ok(client.get("/api/credit/debt"))
    assert after["real_compact_balance"] == pytest.approx(compact["real_compact_balance"] - 5000, abs=0.011)
    again = ok(client.get("/api/credit/quota"))
    assert again["fin"]["enable_quota"] == pytest.approx(quota["fin"]["enable_quota"] + 5000, abs=0.011)


def test_a_short_sale_borrows_from_the_lendable_pool(client):
    before = {r["stock_code"]: r["enable_amount"] for r in ok(client.get("/api/credit/slo_stocks"))}[CODE]
    bid = ok(client.get("/api/market/full_tick", params={"stocks": CODE}))[CODE]["bidPrice"][0]
    sold = credit_order(client, "slo_sell", 200, price_type=11, price=bid)
    assert sold["status"] == "filled", sold
    [compact] = ok(client.get("/api/credit/debt"))
    assert compact["compact_type"] == 49 and compact["real_compact_vol"] == 200  # 融券, in shares
    after = {r["stock_code"]: r["enable_amount"] for r in ok(client.get("/api/credit/slo_stocks"))}[CODE]
    assert after == before - 200
    available = ok(client.get("/api/credit/available_amount", params={"stock_code": CODE}))
    assert available["slo_enable_volume"] == after and available["subject"]["slo_status"] == 48


def test_the_counter_refuses_what_the_account_may_not_do(client):
    # more than the whole financing line: refused by the counter, with its reason, nothing traded
    quota = ok(client.get("/api/credit/quota"))
    price = ask(client)
    too_many = int(quota["fin"]["max_quota"] / price / 100 + 10) * 100
    refused = credit_order(client, "fin_buy", too_many, price_type=11, price=price)
    assert refused["status"] == "rejected" and refused["order"]["normalized"]["error_reason"]
    assert ok(client.get("/api/credit/debt")) == []
    # a credit order type on the stock account is refused at the edge
    body = {"stock_code": CODE, "order_type": 27, "order_volume": 100, "price_type": 11, "price": price}
    assert_error(client.post("/api/trading/order", json=body), 400, "invalid_order_type")
    assert_error(
        client.post("/api/credit/order", json={**body, "account_id": STOCK}), 400, "not_a_credit_account"
    )


def test_subjects_and_collateral_lists(client):
    subjects = ok(client.get("/api/credit/subjects"))
    codes = {s["stock_code"] for s in subjects}
    assert CODE in codes and all(s["fin_ratio"] > 0 for s in subjects)
    fin = ok(client.get("/api/credit/fin_stocks"))
    assert fin and all(s["fin_status"] == 48 for s in fin) and {s["stock_code"] for s in fin} <= codes
    assure = {a["stock_code"]: a["assure_ratio"] for a in ok(client.get("/api/credit/assure"))}
    assert 0 < assure[CODE] <= 1
    detail = ok(client.get("/api/credit/asset"))
    assert detail["account_id"] == CREDIT and detail["m_dFinMaxQuota"] > 0


def test_compacts_survive_a_restart(tmp_path):
    with app_client(tmp_path) as client:
        credit_order(client, "fin_buy", 1000, price_type=11, price=ask(client))
        [before] = ok(client.get("/api/credit/debt"))
    with app_client(tmp_path) as client:
        [after] = ok(client.get("/api/credit/debt"))
    assert after == before
