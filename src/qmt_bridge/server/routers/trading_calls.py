"""More of xttrader under ``/api/trading``: async orders and cancels, cancels in a batch, one order, trade or
position, the accounts' state, IPO quotas and issues, the ordinary counter's view, futures statistics.

The paths and parameter names are qmt-bridge 2.1.3's (so that its client works unchanged); the answers keep
its keys (``data``, ``seq``, ``status``) and add ours. Same authentication as every trading endpoint.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Request

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.trading import (
    AccountInfoAnswer,
    AccountsAnswer,
    AccountStatusAnswer,
    BatchCancelAnswer,
    CancelAsyncAnswer,
    ComFundAnswer,
    ComPositionAnswer,
    IpoDataAnswer,
    IpoSubscribeAnswer,
    IpoTodayAnswer,
    NewPurchaseLimitAnswer,
    OrderAsyncAnswer,
    OrderDetailAnswer,
    PositionAnswer,
    PositionStatisticsAnswer,
    TradeAnswer,
)
from qmt_bridge.server.params import parse_code
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers.trading import ACCOUNT, Service, client_id_of, order_body
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.security import require_trading_auth
from qmt_bridge.server.trading import ipo, queries
from qmt_bridge.server.trading.async_calls import cancel_batch
from qmt_bridge.server.trading.requests import (
    INT64_MAX,
    MAX_BATCH,
    CancelRequest,
    IpoSubscribeRequest,
    OrderRequest,
)

router = APIRouter(
    prefix="/api/trading",
    tags=["trading"],
    route_class=StrictQueryRoute,
    dependencies=[Depends(require_trading_auth)],
)


@router.post("/order_async")
@answers(OrderAsyncAnswer)
async def place_order_async(service: Service, request: Request, order: OrderRequest) -> JSONResponse:
    """Place an order without waiting for the counter: checked now (the same 4xx as ``/order``, nothing
    placed), then placed in the background as ``/order`` places it.

    The answer has ``seq``; the order's own events come on ``/ws/trade`` as any order's do, and once the call
    has returned an ``order_response`` event with that ``seq`` (``order_id``, or -1 and ``error_msg``).
    """
    return JSONResponse(await service.async_calls.order(order_body(order), client_id_of(request)))


@router.post("/cancel_async")
@answers(CancelAsyncAnswer)
async def cancel_order_async(service: Service, body: CancelRequest) -> JSONResponse:
    """Ask for a cancel without waiting: the answer has ``seq``; the outcome comes on ``/ws/trade`` as a
    ``cancel_response`` event with that ``seq`` (``cancel_result`` 0 requested, -1 with ``error_msg``)."""
    return JSONResponse(await service.async_calls.cancel(body.order_id, body.account_id))


@router.post("/batch_cancel")
@answers(BatchCancelAnswer)
async def batch_cancel(
    service: Service,
    cancels: Annotated[list[CancelRequest], Body(min_length=1, max_length=MAX_BATCH)],
) -> JSONResponse:
    """Cancel up to 1,000 orders: a JSON array of ``/cancel`` bodies. ``data`` has one result per cancel, in
    order, with its ``http_status``: 200 (``cancel_result`` 0: requested) or what ``/cancel`` would have
    answered (404 unknown order, 409 not cancelable...) with ``error``. One failure does not stop the rest."""
    return JSONResponse({"data": await cancel_batch(service, [c.model_dump() for c in cancels])})


@router.get("/order/{order_id}")
@answers(OrderDetailAnswer)
async def query_single_order(
    service: Service,
    order_id: Annotated[int, Path(gt=0, le=INT64_MAX, description="the counter's order id")],
    account_id: str = ACCOUNT,
) -> JSONResponse:
    """One order of today, as ``/order_detail`` gives it; 404 when there is none with that id."""
    return JSONResponse({"data": await service.order(order_id, account_id)})


@router.get("/trade/{trade_id}")
@answers(TradeAnswer)
async def query_single_trade(
    service: Service,
    trade_id: Annotated[str, Path(min_length=1, max_length=64, description="the fill's traded_id")],
    account_id: str = ACCOUNT,
) -> JSONResponse:
    """One fill of today by its ``traded_id``, as ``/trades`` gives it; 404 when there is none."""
    return JSONResponse({"data": await queries.trade(service, trade_id, account_id)})


@router.get("/position/{stock_code}")
@answers(PositionAnswer)
async def query_single_position(
    service: Service,
    stock_code: Annotated[str, Path(min_length=1, max_length=32, description="e.g. 600519.SH")],
    account_id: str = ACCOUNT,
) -> JSONResponse:
    """The account's position in one code (xttrader.query_stock_position); ``data`` null when it holds
    none."""
    code = parse_code(stock_code, "stock_code")
    return JSONResponse({"data": await queries.position(service, code, account_id)})


@router.get("/position_statistics")
@answers(PositionStatisticsAnswer)
async def query_position_statistics(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """Futures position statistics (xttrader.query_position_statistics, ``XtPositionStatistics`` fields);
    empty for a stock account."""
    return JSONResponse({"data": await queries.position_statistics(service, account_id)})


@router.get("/account_status")
@answers(AccountStatusAnswer)
async def account_status(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """The account's login state (xttrader.query_account_status: ``status`` 0 is ACCOUNT_STATUS_OK),
    ``trader_connected``, and ``connected``: both (the trader is connected and the account logged in)."""
    return JSONResponse({"data": await queries.account_status(service, account_id)})


@router.get("/account_info")
@answers(AccountInfoAnswer)
async def account_info(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """One configured account as xttrader.query_account_infos describes it, with its ``index``."""
    return JSONResponse({"data": await queries.account_info(service, account_id)})


@router.get("/account_infos")
@answers(AccountsAnswer)
async def account_infos(service: Service) -> JSONResponse:
    """Every configured account, as ``/accounts`` gives them (qmt-bridge 2.1.3's name)."""
    return JSONResponse({"data": await service.accounts()})


@router.get("/new_purchase_limit")
@answers(NewPurchaseLimitAnswer)
async def new_purchase_limit(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """Shares of new issues the account may subscribe today, by board: ``{"KCB": n, "SH": n, "SZ": n}``
    (xttrader.query_new_purchase_limit; bonds have a fixed 10,000 张)."""
    return JSONResponse({"data": await queries.new_purchase_limit(service, account_id)})


@router.get("/ipo_data")
@answers(IpoDataAnswer)
async def ipo_data(service: Service) -> JSONResponse:
    """Today's new shares and bonds (xttrader.query_ipo_data): subscription code → ``name``, ``type``
    (STOCK/BOND), ``minPurchaseNum``/``maxPurchaseNum`` (shares or 张), ``purchaseDate``, ``issuePrice``."""
    return JSONResponse({"data": await queries.ipo_data(service)})


@router.get("/com_fund")
@answers(ComFundAnswer)
async def query_com_fund(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """The account's money as the ordinary counter (普通柜台) shows it for transfers (xttrader.query_com_fund:
    ``currentBalance``, ``enableBalance``, ``fetchBalance``, ``assetBalance``, ``marketValue``, ...)."""
    return JSONResponse({"data": await queries.com_fund(service, account_id)})


@router.get("/com_position")
@answers(ComPositionAnswer)
async def query_com_position(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """The account's positions as the ordinary counter (普通柜台) shows them (xttrader.query_com_position:
    ``stockCode``, ``totalAmt``, ``enableAmount``, ``costPrice``, ``income``, ...)."""
    return JSONResponse({"data": await queries.com_position(service, account_id)})


@router.get("/ipo_today")
@answers(IpoTodayAnswer)
async def ipo_today(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """新股申购: today's issues with the account's quota and the most it may subscribe to each (``volume``:
    whole units within the issue's maximum and the board's quota; 0 with ``reason`` below the minimum)."""
    return JSONResponse(await ipo.today(service, account_id))


@router.post("/ipo_subscribe")
@answers(IpoSubscribeAnswer)
async def ipo_subscribe(service: Service, request: Request, body: IpoSubscribeRequest) -> JSONResponse:
    """一键打新: subscribe the most allowed for each of today's issues (or those in ``codes``), each as an
    order through ``/order`` (a FIX_PRICE buy of the subscription code at the issue price). One result per
    issue with ``/order``'s answer and ``http_status``; calling again the same day places nothing new (each
    subscription's ``client_order_id`` is made from the day, the code and the account)."""
    return JSONResponse(await ipo.subscribe(service, body.account_id, body.codes, client_id_of(request)))
