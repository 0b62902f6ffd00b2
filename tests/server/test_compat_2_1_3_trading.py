"""qmt-bridge 2.1.3's trading, credit, transfer and SMT paths (``tests/data/qmt_bridge_2_1_3_trading_api.json``,
read from its client's source as the data facts are): none answers 404. The ones served here answer as our
trading endpoints do (docs/trading.md); the others answer 501 naming the feature, after the same API-key check
the trading endpoints make."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers import trading_app

FACTS = json.loads(
    (Path(__file__).parents[1] / "data" / "qmt_bridge_2_1_3_trading_api.json").read_text("utf-8")
)
KEY = "compat-trading-key-0123456789abcdef"
#: Its paths our trading endpoints serve with the same method and parameter names.
SERVED = {
    ("POST", "/api/trading/order"),
    ("POST", "/api/trading/cancel"),
    ("GET", "/api/trading/orders"),
    ("GET", "/api/trading/positions"),
    ("GET", "/api/trading/asset"),
    ("GET", "/api/trading/trades"),
    ("GET", "/api/trading/order_detail"),
    ("POST", "/api/trading/batch_order"),
    ("POST", "/api/trading/batch_cancel"),
    ("POST", "/api/trading/order_async"),
    ("POST", "/api/trading/cancel_async"),
    ("GET", "/api/trading/account_status"),
    ("GET", "/api/trading/account_info"),
    ("GET", "/api/trading/account_infos"),
    ("GET", "/api/trading/order/{order_id}"),
    ("GET", "/api/trading/trade/{trade_id}"),
    ("GET", "/api/trading/position/{stock_code}"),
    ("GET", "/api/trading/position_statistics"),
    ("GET", "/api/trading/new_purchase_limit"),
    ("GET", "/api/trading/ipo_data"),
    ("GET", "/api/trading/com_fund"),
    ("GET", "/api/trading/com_position"),
    ("POST", "/api/fund/transfer"),
    ("GET", "/api/fund/transfer_records"),
    ("GET", "/api/fund/available"),
    ("POST", "/api/bank/transfer_in"),
    ("POST", "/api/bank/transfer_out"),
    ("GET", "/api/bank/balance"),
    ("GET", "/api/bank/transfer_records"),
    ("GET", "/api/bank/banks"),
    ("GET", "/api/bank/available_amount"),
    ("GET", "/api/bank/status"),
    ("POST", "/api/credit/order"),
    ("GET", "/api/credit/positions"),
    ("GET", "/api/credit/asset"),
    ("GET", "/api/credit/debt"),
    ("GET", "/api/credit/available_amount"),
    ("GET", "/api/credit/slo_stocks"),
    ("GET", "/api/credit/fin_stocks"),
    ("GET", "/api/credit/subjects"),
    ("GET", "/api/credit/assure"),
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    accounts = "SIM000001,SIM800001:CREDIT"  # a credit account, for its /api/credit/* paths
    app = trading_app(tmp_path_factory.mktemp("compat-trading"), KEY, trading_account_id=accounts)
    with TestClient(app) as test_client:
        yield test_client


def _url(fact: dict[str, Any]) -> str:
    return (
        fact["path"]
        .replace("{order_id}", "1")
        .replace("{trade_id}", "1")
        .replace("{stock_code}", "600519.SH")
    )


def test_the_facts_cover_its_trading_client() -> None:
    assert len(FACTS) == 58
    assert {f["client_method"].split(".")[0] for f in FACTS} == {"trading", "credit", "bank", "fund", "smt"}


@pytest.mark.parametrize("fact", FACTS, ids=lambda f: f"{f['method']} {f['path']}")
def test_no_path_of_its_trading_client_is_404(client: Any, fact: dict[str, Any]) -> None:
    url = _url(fact)
    without_key = client.request(fact["method"], url, json={} if fact["method"] == "POST" else None)
    assert without_key.status_code == 401, without_key.text  # the key is checked before anything else
    answer = client.request(
        fact["method"], url, headers={"X-API-Key": KEY}, json={} if fact["method"] == "POST" else None
    )
    if (fact["method"], fact["path"]) in SERVED:
        assert answer.status_code in (200, 404, 422), answer.text  # 404: order 1 unknown; 422: empty body
        assert answer.json().get("error", {}).get("code") != "route_not_found"
    else:
        assert answer.status_code == 501, answer.text
        error = answer.json()["error"]
        assert error["code"] == "not_implemented" and error["details"]["feature"]
