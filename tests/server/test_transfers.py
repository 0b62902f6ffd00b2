"""Fund and bank transfers over HTTP (``routers/transfers.py``) on the simulator, frozen mid-session on a
trading day (inside the bank-transfer hours): what moves, what is refused and why, the records."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers import assert_error, trading_app

KEY = "transfers-key-0123456789abcdef0123"
AUTH = {"X-API-Key": KEY}
BANK_START = 1_000_000.0
START_CASH = 1_000_000.0


@pytest.fixture
def client(tmp_path: Any) -> Iterator[TestClient]:
    with TestClient(trading_app(tmp_path, KEY), headers=AUTH) as http:
        yield http


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def cash(client: TestClient) -> float:
    return float(ok(client.get("/api/trading/asset"))["cash"])


def bank(client: TestClient) -> float:
    return float(ok(client.get("/api/bank/balance"))["balance"])


def counter(client: TestClient) -> float:
    return float(ok(client.get("/api/trading/com_fund"))["currentBalance"])


def total(client: TestClient) -> float:
    return round(cash(client) + bank(client) + counter(client), 2)


def test_the_bound_bank_and_its_balance(client: TestClient) -> None:
    [info] = ok(client.get("/api/bank/banks"))
    assert (info["bank_no"], info["bank_name"], info["money_type"]) == ("1", "模拟银行", "CNY")
    balance = ok(client.get("/api/bank/balance"))
    assert balance["bank_no"] == "1" and balance["balance"] == balance["enable_balance"] == BANK_START
    named = ok(client.get("/api/bank/balance", params={"bank_no": "1", "bank_account": info["bank_account"]}))
    assert named == balance
    assert ok(client.get("/api/bank/balance", params={"bank_no": "9"})) is None


def test_money_in_and_out_is_recorded_by_the_server_and_by_the_bank(client: TestClient) -> None:
    before = total(client)
    record = ok(client.post("/api/bank/transfer", json={"direction": "in", "amount": 12_345.67}))
    assert (record["kind"], record["direction"], record["amount"], record["state"]) == (
        "bank_in",
        501,
        12_345.67,
        "done",
    )
    assert record["msg"] == "转账成功" and record["date"] == "20251120" and record["bank_no"] == "1"
    assert cash(client) == START_CASH + 12_345.67 and bank(client) == BANK_START - 12_345.67
    out = ok(
        client.post("/api/bank/transfer", json={"direction": "out", "amount": 345.67, "fund_pwd": "123456"})
    )
    assert (out["kind"], out["direction"], out["transfer_id"]) == ("bank_out", 502, record["transfer_id"] + 1)
    assert total(client) == before
    history = ok(client.get("/api/fund/history"))
    assert [h["transfer_id"] for h in history] == [out["transfer_id"], record["transfer_id"]]  # newest first
    stream = ok(client.get("/api/bank/transfer_records"))
    assert [(s["transfer_direction"], s["balance"]) for s in stream] == [("1", 12_345.67), ("2", 345.67)]
    assert ok(client.get("/api/bank/status", params={"transfer_id": out["transfer_id"]})) == out


def test_out_is_limited_to_the_withdrawable_cash_before_anything_is_sent(client: TestClient) -> None:
    withdrawable = float(ok(client.get("/api/trading/asset"))["fetch_balance"])
    over = client.post(
        "/api/bank/transfer", json={"direction": "out", "amount": round(withdrawable + 0.01, 2)}
    )
    assert_error(over, 409, "insufficient_funds")
    assert ok(client.get("/api/fund/history")) == [] and ok(client.get("/api/bank/transfer_records")) == []
    exact = ok(client.post("/api/bank/transfer", json={"direction": "out", "amount": withdrawable}))
    assert exact["state"] == "done" and cash(client) == 0.0


def test_a_refusal_by_the_counter_is_a_409_with_its_message_and_is_recorded(client: TestClient) -> None:
    refused = client.post("/api/bank/transfer", json={"direction": "in", "amount": BANK_START + 0.01})
    assert_error(refused, 409, "transfer_refused")
    details = refused.json()["error"]["details"]
    assert "银行可用余额不足" in details["msg"] and "银行可用余额不足" in refused.json()["error"]["message"]
    [record] = ok(client.get("/api/fund/history"))
    assert (record["transfer_id"], record["state"], record["msg"]) == (
        details["transfer_id"],
        "refused",
        details["msg"],
    )
    assert cash(client) == START_CASH and bank(client) == BANK_START
    assert (
        ok(client.post("/api/bank/transfer", json={"direction": "in", "amount": BANK_START}))["state"]
        == "done"
    )
    wrong_bank = client.post("/api/bank/transfer", json={"direction": "in", "amount": 1, "bank_no": "7"})
    assert_error(wrong_bank, 409, "transfer_refused")


def test_counter_transfers_move_money_to_the_ordinary_counter_and_back(client: TestClient) -> None:
    moved = ok(client.post("/api/fund/transfer", json={"transfer_direction": 511, "amount": 5000}))
    assert (moved["kind"], moved["direction"], moved["bank_no"]) == ("fund", 511, "")
    assert counter(client) == 5000.0 and cash(client) == START_CASH - 5000
    over = client.post("/api/fund/transfer", json={"transfer_direction": 510, "amount": 5000.01})
    assert_error(over, 409, "transfer_refused")
    ok(client.post("/api/fund/transfer", json={"transfer_direction": 510, "amount": 5000}))
    assert counter(client) == 0.0 and cash(client) == START_CASH
    node = client.post("/api/fund/transfer", json={"transfer_direction": 512, "amount": 1})
    assert_error(node, 409, "transfer_refused")
    too_much = client.post(
        "/api/fund/transfer", json={"transfer_direction": 511, "amount": START_CASH + 0.01}
    )
    assert_error(too_much, 409, "insufficient_funds")
    assert ok(client.get("/api/bank/transfer_records")) == []  # counter transfers are not bank transfers
    assert [h["state"] for h in ok(client.get("/api/fund/history"))] == ["refused", "done", "refused", "done"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/bank/transfer", {"direction": "in", "amount": 0}),
        ("/api/bank/transfer", {"direction": "in", "amount": -1}),
        ("/api/bank/transfer", {"direction": "in", "amount": 0.001}),
        ("/api/bank/transfer", {"direction": "in", "amount": 1e10 + 0.01}),
        ("/api/bank/transfer", {"direction": "in", "amount": "lots"}),
        ("/api/bank/transfer", {"direction": "sideways", "amount": 1}),
        ("/api/bank/transfer", {"amount": 1}),
        ("/api/bank/transfer", {"direction": "in", "amount": 1, "bank_pwd": "x" * 65}),
        ("/api/bank/transfer", {"direction": "in", "amount": 1, "pin": "1"}),
        ("/api/fund/transfer", {"transfer_direction": 509, "amount": 1}),
        ("/api/fund/transfer", {"transfer_direction": 514, "amount": 1}),
        ("/api/fund/transfer", {"transfer_direction": 511, "amount": math.inf}),
        ("/api/bank/transfer_in", {"amount": 0.005}),
    ],
)
def test_bad_bodies_are_422_and_send_nothing(client: TestClient, path: str, body: dict[str, Any]) -> None:
    response = client.post(path, content=_json(body), headers={"Content-Type": "application/json"})
    assert_error(response, 422, "validation_error")
    assert "x" * 65 not in response.text
    assert ok(client.get("/api/fund/history")) == []


def _json(body: dict[str, Any]) -> str:
    import json

    return json.dumps(body)  # allows Infinity, as a careless client would send it


def test_the_limits_themselves_are_accepted(client: TestClient) -> None:
    assert ok(client.post("/api/bank/transfer", json={"direction": "in", "amount": 0.01}))["amount"] == 0.01
    big = client.post("/api/fund/transfer", json={"transfer_direction": 510, "amount": 1e10})
    assert_error(big, 409, "transfer_refused")  # accepted by the checks, refused by the counter


def test_unknown_account_dates_and_transfer(client: TestClient) -> None:
    assert_error(
        client.post("/api/bank/transfer", json={"direction": "in", "amount": 1, "account_id": "x"}),
        404,
        "unknown_account",
    )
    assert_error(client.get("/api/bank/banks", params={"account_id": "x"}), 404, "unknown_account")
    assert_error(client.get("/api/fund/history", params={"start_date": "20251301"}), 400, "invalid_parameter")
    assert_error(client.get("/api/fund/history", params={"start_date": "2025112"}), 400, "invalid_parameter")
    reversed_range = client.get(
        "/api/bank/transfer_records", params={"start_date": "20251121", "end_date": "20251120"}
    )
    assert_error(reversed_range, 400, "invalid_parameter")
    assert_error(client.get("/api/bank/status", params={"transfer_id": 99}), 404, "transfer_not_found")
    assert_error(client.get("/api/bank/status", params={"transfer_id": 0}), 422, "validation_error")


def test_the_history_range_is_inclusive_and_in_the_counters_days(client: TestClient) -> None:
    ok(client.post("/api/bank/transfer", json={"direction": "in", "amount": 1}))
    day = {"start_date": "20251120", "end_date": "20251120"}
    assert len(ok(client.get("/api/fund/history", params=day))) == 1
    assert len(ok(client.get("/api/bank/transfer_records", params=day))) == 1
    before = {"start_date": "20251101", "end_date": "20251119"}
    assert ok(client.get("/api/fund/history", params=before)) == []
    assert ok(client.get("/api/bank/transfer_records", params=before)) == []


def test_qmt_bridge_2_1_3_paths(client: TestClient) -> None:
    record = ok(
        client.post("/api/bank/transfer_in", json={"amount": 100, "bank_code": "1", "transfer_direction": 0})
    )
    assert record["kind"] == "bank_in"
    assert ok(client.post("/api/bank/transfer_out", json={"amount": 40}))["kind"] == "bank_out"
    assert [r["kind"] for r in ok(client.get("/api/fund/transfer_records"))] == ["bank_out", "bank_in"]
    available = ok(client.get("/api/bank/available_amount"))
    assert available == {
        "account_id": "SIM000001",
        "withdrawable": START_CASH + 60,
        "bank_no": "1",
        "bank_enable_balance": BANK_START - 60,
    }
    assert ok(client.get("/api/fund/available"))["cash"] == START_CASH + 60


def test_auth_is_as_for_trading(client: TestClient) -> None:
    for headers in ({}, {"X-API-Key": KEY[:-1] + "x"}, {"X-API-Key": KEY + "x"}):
        response = client.post(
            "/api/bank/transfer", json={"direction": "in", "amount": 1}, headers={"X-API-Key": ""} | headers
        )
        assert response.status_code == 401, response.text
    assert ok(client.get("/api/fund/history")) == []


def test_records_and_money_survive_a_restart(tmp_path: Any) -> None:
    with TestClient(trading_app(tmp_path, KEY), headers=AUTH) as first:
        ok(first.post("/api/bank/transfer", json={"direction": "in", "amount": 250}))
        ok(first.post("/api/fund/transfer", json={"transfer_direction": 511, "amount": 50}))
    with TestClient(trading_app(tmp_path, KEY), headers=AUTH) as second:
        assert [h["kind"] for h in ok(second.get("/api/fund/history"))] == ["fund", "bank_in"]
        assert (cash(second), bank(second), counter(second)) == (START_CASH + 200, BANK_START - 250, 50.0)
        assert len(ok(second.get("/api/bank/transfer_records"))) == 1
        later = ok(second.post("/api/bank/transfer", json={"direction": "in", "amount": 1}))
        assert later["transfer_id"] == 3


def test_trading_off_is_403(sim_backend: Any) -> None:
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    settings = Settings(_env_file=None, backend="sim", api_key=KEY, predownload=False)
    with TestClient(create_app(settings, backend=sim_backend), headers=AUTH) as http:
        for path in ("/api/fund/history", "/api/bank/banks"):
            assert http.get(path).status_code == 403
        assert http.post("/api/bank/transfer", json={"direction": "in", "amount": 1}).status_code == 403
