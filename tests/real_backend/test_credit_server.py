"""Credit trading (``/api/credit/*``) of a real uvicorn server on the xtquant backend, over the fake
``xtquant.xttrader``: a stock account and a credit account (``--account-id 12345678,88860001:CREDIT``).

The fake's credit queries answer what a test puts in the account's book (``credit_detail``, ``compacts``,
``subjects``, ``slo_codes``, ``assures``); ``CALLS`` shows what reached MiniQMT. The credit arithmetic itself
is the counter's (the simulator's tests).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from helpers import XT_ACCOUNT, assert_error
from helpers import trader_calls as calls
from helpers import xtquant_trading_server as trading_server

STOCK = XT_ACCOUNT
CREDIT = "88860001"
ACCOUNTS = f"{STOCK},{CREDIT}:CREDIT"
#: 600000.SH in the fake: pre-close 11.58, today's band 10.42 … 12.74 (tick 0.01).
CODE = "600000.SH"
FIN_BUY = {
    "stock_code": CODE,
    "credit_type": "fin_buy",
    "order_volume": 1000,
    "price_type": 11,
    "price": 11.5,
}


@pytest.fixture
def xt(fake_xtdata: ModuleType, fake_xttrader: ModuleType) -> ModuleType:
    return fake_xttrader


@pytest.fixture
def http(xt: ModuleType, tmp_path: Path) -> Iterator[httpx.Client]:
    with trading_server(tmp_path, trading_account_id=ACCOUNTS) as client:
        yield client


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


@pytest.fixture
def xtt(xt: ModuleType) -> ModuleType:
    """The fake ``xtquant.xttype`` (its credit objects)."""
    return importlib.import_module("xtquant.xttype")


def credit_book(xt: ModuleType) -> Any:
    account = xt.StockAccount(CREDIT, "CREDIT")
    return xt._book(account)


def sent_orders(xt: ModuleType) -> list[tuple[Any, ...]]:
    return calls(xt, "order_stock")


def test_a_fin_buy_reaches_the_counter_as_order_type_27_on_the_credit_account(xt, http):
    answer = http.post("/api/credit/order", json={**FIN_BUY, "client_order_id": "fin-1"}).json()
    assert answer["client_order_id"] == "fin-1" and answer["order_id"] > 0
    [args] = sent_orders(xt)
    account, code, order_type, volume, price_type, price = args[:6]
    assert (account.account_id, account.account_type) == (CREDIT, 3)
    assert (code, order_type, volume, price_type, price) == (CODE, 27, 1000, 11, 11.5)
    assert answer["order"]["normalized"]["side"] == "buy"
    # the same client_order_id again: the first answer, nothing sent
    again = http.post("/api/credit/order", json={**FIN_BUY, "client_order_id": "fin-1"}).json()
    assert again["duplicate"] is True and again["order_id"] == answer["order_id"]
    assert len(sent_orders(xt)) == 1


@pytest.mark.parametrize(
    ("name", "order_type"),
    [("collateral_buy", 23), ("collateral_sell", 24), ("slo_sell", 28), ("buy_back", 29), ("sell_back", 31)],
)
def test_every_credit_type_name_is_its_xtconstant_value(xt, http, name, order_type):
    body = {**FIN_BUY, "credit_type": name}
    assert http.post("/api/credit/order", json=body).status_code == 200
    assert sent_orders(xt)[-1][2] == order_type


def test_a_given_order_type_wins_over_credit_type_and_one_is_needed(xt, http):
    """qmt-bridge 2.1.3's client sends credit_type="fin_buy" with every credit order; its server placed the
    order_type: so does this one."""
    assert http.post("/api/credit/order", json={**FIN_BUY, "order_type": 28}).status_code == 200
    assert sent_orders(xt)[-1][2] == 28
    neither = {k: v for k, v in FIN_BUY.items() if k != "credit_type"}
    assert_error(http.post("/api/credit/order", json=neither), 422)
    assert_error(http.post("/api/credit/order", json={**FIN_BUY, "credit_type": "short"}), 422)
    assert len(sent_orders(xt)) == 1


def test_a_credit_order_type_on_the_stock_account_is_refused_at_the_edge(xt, http):
    body = {k: v for k, v in FIN_BUY.items() if k != "credit_type"}
    error = assert_error(
        http.post("/api/trading/order", json={**body, "order_type": 27}), 400, "invalid_order_type"
    )
    assert "融资买入" in error["message"] and "stock account" in error["message"]
    wrong = {**FIN_BUY, "account_id": STOCK}
    assert_error(http.post("/api/credit/order", json=wrong), 400, "not_a_credit_account")
    assert sent_orders(xt) == []
    # the credit account takes credit types on /api/trading/order too; an unknown type is refused
    assert (
        http.post("/api/trading/order", json={**body, "order_type": 27, "account_id": CREDIT}).status_code
        == 200
    )
    error = assert_error(
        http.post("/api/trading/order", json={**body, "order_type": 33, "account_id": CREDIT}),
        400,
        "invalid_order_type",
    )
    assert "credit account" in error["message"]
    assert [a[2] for a in sent_orders(xt)] == [27]


def test_a_short_sale_is_in_round_lots_and_a_direct_repayment_in_any_volume(xt, http):
    slo = {**FIN_BUY, "credit_type": "slo_sell"}
    error = assert_error(
        http.post("/api/credit/order", json={**slo, "order_volume": 150}), 400, "invalid_lot"
    )
    assert "融券卖出" in error["message"]
    assert http.post("/api/credit/order", json={**slo, "order_volume": 100}).status_code == 200
    # 直接还券 / 直接还款 trade nothing: any positive volume, no price check
    for name in ("direct_secu_repay", "direct_cash_repay"):
        body = {**FIN_BUY, "credit_type": name, "order_volume": 7, "price": 0.0}
        assert http.post("/api/credit/order", json=body).status_code == 200, name
    # 直接还款's volume is money (xtquant passes order_volume on as the order amount): to the fen
    cash = {**FIN_BUY, "credit_type": "direct_cash_repay", "order_volume": 5000.55}
    assert http.post("/api/credit/order", json=cash).status_code == 200
    assert_error(http.post("/api/credit/order", json={**cash, "order_volume": 5000.555}), 422)
    assert_error(http.post("/api/credit/order", json={**FIN_BUY, "order_volume": 100.5}), 422)
    assert [(a[2], a[3]) for a in sent_orders(xt)] == [(28, 100), (30, 7), (32, 7), (32, 5000.55)]


def test_a_cash_repayment_is_worth_its_amount_for_the_risk_limit(xt, tmp_path):
    """QMT_BRIDGE_MAX_ORDER_VALUE: 直接还款's volume is money (not shares at a price): 1,000.00 passes a limit of
    1,000, 1,000.01 does not."""
    with trading_server(tmp_path, trading_account_id=ACCOUNTS, max_order_value=1000) as http:
        body = {**FIN_BUY, "credit_type": "direct_cash_repay", "order_volume": 1000.0}
        assert http.post("/api/credit/order", json=body).status_code == 200
        too_much = http.post("/api/credit/order", json={**body, "order_volume": 1000.01})
        assert_error(too_much, 403, "order_value_over_limit")
    assert [(a[2], a[3]) for a in sent_orders(xt)] == [(32, 1000.0)]


def test_queries_answer_the_counters_objects_with_their_codes(xt, xtt, http):
    book = credit_book(xt)
    book.credit_detail = [
        xtt.XtCreditDetail(
            3, CREDIT, m_dEnableBailBalance=300_000.0, m_dPerAssurescaleValue=250.0, m_dTotalDebt=50_000.0,
            m_dFinMaxQuota=500_000.0, m_dFinEnableQuota=450_000.0, m_dFinUsedQuota=50_000.0,
            m_dSloMaxQuota=200_000.0, m_dSloEnableQuota=200_000.0,
        )
    ]  # fmt: skip
    book.compacts = [
        xtt.StkCompacts(3, CREDIT, compact_type=0, exchange_id=0, instrument_id="600000", compact_id="C1")
    ]
    book.subjects = [
        xtt.CreditSubjects(3, CREDIT, 48, 48, 0, 1.0, 1.0, "600000"),
        xtt.CreditSubjects(3, CREDIT, 48, 49, 1, 1.0, 1.2, "000001"),
    ]
    book.slo_codes = [xtt.CreditSloCode(3, CREDIT, 0, 0, 5000, "600000")]
    book.assures = [xtt.CreditAssure(3, CREDIT, 0, 70, 0.5, "830799")]

    quota = ok(http.get("/api/credit/quota"))
    assert quota["account_id"] == CREDIT
    assert quota["fin"] == {"max_quota": 500_000.0, "enable_quota": 450_000.0, "used_quota": 50_000.0}
    assert quota["slo"]["max_quota"] == 200_000.0 and quota["enable_bail_balance"] == 300_000.0
    assert quota["per_assure_scale_value"] == 250.0 and quota["detail"]["account_id"] == CREDIT
    assert ok(http.get("/api/credit/asset"))["m_dTotalDebt"] == 50_000.0
    # without debt the maintenance ratio means nothing: null in the summary, as counters show "--"
    book.credit_detail[0].m_dTotalDebt = 0.0
    assert ok(http.get("/api/credit/quota"))["per_assure_scale_value"] is None
    [compact] = ok(http.get("/api/credit/debt"))
    assert compact["compact_id"] == "C1" and compact["stock_code"] == "600000.SH"
    subjects = ok(http.get("/api/credit/subjects"))
    assert [s["stock_code"] for s in subjects] == ["600000.SH", "000001.SZ"]
    # fin_stocks: the subjects open for financing (fin_status 48, QMT's '0'; 49 is 暂停)
    assert [s["stock_code"] for s in ok(http.get("/api/credit/fin_stocks"))] == ["600000.SH"]
    assert ok(http.get("/api/credit/slo_stocks"))[0]["enable_amount"] == 5000
    assert ok(http.get("/api/credit/assure"))[0]["stock_code"] == "830799.BJ"
    # every query went to the credit account
    for method in ("query_credit_detail", "query_stk_compacts", "query_credit_subjects", "query_credit_slo_code",
                   "query_credit_assure"):  # fmt: skip
        assert {args[0].account_id for args in calls(xt, method)} == {CREDIT}, method


def test_available_amount_is_the_smaller_of_the_line_and_the_margin(xt, xtt, http):
    book = credit_book(xt)
    book.subjects = [xtt.CreditSubjects(3, CREDIT, 48, 48, 0, 0.8, 1.25, "600000")]
    book.slo_codes = [xtt.CreditSloCode(3, CREDIT, 0, 0, 3000, "600000")]
    # margin 100,000: fin 100,000 / 1.25 = 80,000 < the line 90,000; slo 100,000 / 0.8 = 125,000 > 120,000
    book.credit_detail = [
        xtt.XtCreditDetail(3, CREDIT, m_dEnableBailBalance=100_000.0, m_dFinEnableQuota=90_000.0,
                          m_dSloEnableQuota=120_000.0)
    ]  # fmt: skip
    got = ok(http.get("/api/credit/available_amount", params={"stock_code": CODE}))
    assert (got["fin_amount"], got["slo_amount"], got["slo_enable_volume"]) == (80_000.0, 120_000.0, 3000)
    assert got["subject"]["fin_ratio"] == 1.25
    # a line exactly at margin / ratio, and one a cent below it
    book.credit_detail[0].m_dFinEnableQuota = 80_000.0
    assert ok(http.get("/api/credit/available_amount", params={"stock_code": CODE}))["fin_amount"] == 80_000.0
    book.credit_detail[0].m_dFinEnableQuota = 79_999.99
    assert (
        ok(http.get("/api/credit/available_amount", params={"stock_code": CODE}))["fin_amount"] == 79_999.99
    )
    other = ok(http.get("/api/credit/available_amount", params={"stock_code": "000001.SZ"}))
    assert other["subject"] is None and other["fin_amount"] is None and other["slo_enable_volume"] is None
    assert_error(http.get("/api/credit/available_amount"), 422)
    assert_error(http.get("/api/credit/available_amount", params={"stock_code": "600000"}), 400)


def test_credit_calls_name_the_account_they_need(xt, http):
    assert_error(http.get("/api/credit/quota", params={"account_id": STOCK}), 400, "not_a_credit_account")
    assert_error(http.get("/api/credit/debt", params={"account_id": "99999999"}), 404, "unknown_account")
    assert ok(http.get("/api/credit/quota", params={"account_id": CREDIT}))["account_id"] == CREDIT
    positions = ok(http.get("/api/credit/position"))
    assert positions == [] and ok(http.get("/api/credit/positions")) == []
    assert {args[0].account_id for args in calls(xt, "query_stock_positions")} == {CREDIT}


def test_a_server_without_a_credit_account_says_how_to_configure_one(xt, tmp_path):
    with trading_server(tmp_path) as http:
        error = assert_error(http.get("/api/credit/quota"), 409, "no_credit_account")
        assert "ID:CREDIT" in error["message"]
        assert_error(http.post("/api/credit/order", json=FIN_BUY), 409, "no_credit_account")
    assert sent_orders(xt) == []


def test_credit_endpoints_need_the_key(xt, http):
    for path in ("/api/credit/quota", "/api/credit/position", "/api/credit/assure"):
        assert_error(httpx.get(f"{http.base_url}{path}"), 401)
    assert_error(httpx.post(f"{http.base_url}/api/credit/order", json=FIN_BUY), 401)
