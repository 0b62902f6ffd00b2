"""Credit trading (融资融券): ``/api/credit/*`` for a credit account (``--account-id ID:CREDIT``).

The seed's three paths (``POST /order``, ``GET /quota``, ``GET /position``) and qmt-bridge 2.1.3's eight
further ones, over xttrader's order call and its five credit queries (``server/trading/credit.py``). Same
authentication as trading; trading must be enabled (``--trading``). Without ``account_id`` a call is for the
first configured credit account; a stock account's id answers 400 ``not_a_credit_account``, a server
without a credit account 409 ``no_credit_account``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.credit import (
    AssuresAnswer,
    AvailableAnswer,
    CompactsAnswer,
    CreditDetailAnswer,
    CreditQuotaAnswer,
    SloCodesAnswer,
    SubjectsAnswer,
)
from qmt_bridge.server.answers.trading import OrderAnswer, PositionsAnswer
from qmt_bridge.server.params import parse_code
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers.trading import Service, client_id_of
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.security import require_trading_auth
from qmt_bridge.server.trading import credit
from qmt_bridge.server.trading.requests import CreditOrderRequest

router = APIRouter(
    prefix="/api/credit",
    tags=["credit"],
    route_class=StrictQueryRoute,
    dependencies=[Depends(require_trading_auth)],
)

ACCOUNT = Query("", max_length=64, description="a credit account id; empty: the first configured one")
#: CreditSubjects' fin_status / slo_status of a subject open for financing / lending: QMT's
#: EXTSubjectsStatus '0' (48; '1' 暂停 49, '2' 作废 50).
SUBJECT_OPEN = 48


@router.post("/order")
@answers(OrderAnswer)
async def credit_order(service: Service, request: Request, order: CreditOrderRequest) -> JSONResponse:
    """Place one order of a credit account (xttrader.order_stock with a credit order type).

    ``order_type``: 23 担保品买入, 24 担保品卖出, 27 融资买入, 28 融券卖出, 29 买券还券, 30 直接还券, 31 卖券还款,
    32 直接还款; or ``credit_type`` by name (``fin_buy``, ``slo_sell``, ``buy_back``, ``sell_back``,
    ``collateral_buy``, ``collateral_sell``, ``direct_secu_repay``, ``direct_cash_repay``). Checked,
    journaled and idempotent by ``client_order_id`` as ``/api/trading/order``, with the same answer; the
    counter's refusals (quota, margin, not a subject, nothing to lend) come back as ``rejected`` with its
    reason.
    """
    body = order.model_dump(exclude={"credit_type"})
    body["stock_code"] = parse_code(order.stock_code, "stock_code")
    body["account_id"] = credit.credit_account(service, order.account_id)
    status, answer = await service.place_order(body, client_id_of(request))
    return JSONResponse(answer, status_code=status)


@router.get("/quota")
@answers(CreditQuotaAnswer)
async def credit_quota(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """The credit lines (融资/融券 授信, 可用, 冻结额度), 可用保证金 and 维持担保比例 (query_credit_detail)."""
    return JSONResponse({"data": await credit.quota(service, account_id)})


@router.get("/position")
@answers(PositionsAnswer)
async def credit_position(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """The credit account's positions (its collateral; xttrader.query_stock_positions)."""
    found = await service.positions(credit.credit_account(service, account_id))
    return JSONResponse({"data": found})


@router.get("/positions")
@answers(PositionsAnswer)
async def credit_positions(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """qmt-bridge 2.1.3's path of ``/api/credit/position``."""
    return await credit_position(service, account_id)


@router.get("/asset")
@answers(CreditDetailAnswer)
async def credit_asset(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """The credit account's assets and debts: XtCreditDetail (query_credit_detail)."""
    return JSONResponse({"data": await credit.detail(service, account_id)})


@router.get("/debt")
@answers(CompactsAnswer)
async def credit_debt(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """The debt compacts, financing and lending (负债合约: query_stk_compacts)."""
    return JSONResponse({"data": await credit.rows(service, account_id, "query_stk_compacts")})


@router.get("/available_amount")
@answers(AvailableAnswer)
async def credit_available(
    service: Service,
    stock_code: str = Query(..., max_length=32, description="e.g. 600000.SH"),
    account_id: str = ACCOUNT,
) -> JSONResponse:
    """What the account may finance-buy and short-sell of ``stock_code`` now."""
    code = parse_code(stock_code, "stock_code")
    return JSONResponse({"data": await credit.available(service, code, account_id)})


@router.get("/slo_stocks")
@answers(SloCodesAnswer)
async def credit_slo_stocks(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """Shares the counter can lend, by code (可融券: query_credit_slo_code)."""
    return JSONResponse({"data": await credit.rows(service, account_id, "query_credit_slo_code")})


@router.get("/fin_stocks")
@answers(SubjectsAnswer)
async def credit_fin_stocks(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """The subjects open for margin financing (融资标的: query_credit_subjects, fin_status 48)."""
    rows = await credit.rows(service, account_id, "query_credit_subjects")
    return JSONResponse({"data": [r for r in rows if r.get("fin_status") == SUBJECT_OPEN]})


@router.get("/subjects")
@answers(SubjectsAnswer)
async def credit_subjects(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """The margin-trading subjects with their ratios and states (融资融券标的: query_credit_subjects)."""
    return JSONResponse({"data": await credit.rows(service, account_id, "query_credit_subjects")})


@router.get("/assure")
@answers(AssuresAnswer)
async def credit_assure(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """Collateral and its conversion ratios (标的担保品: query_credit_assure)."""
    return JSONResponse({"data": await credit.rows(service, account_id, "query_credit_assure")})
