"""Trading: orders, cancels and queries of the configured accounts (xttrader), with an API key or a signature.

Every endpoint needs the API key (``X-API-Key``) or a signed request; it answers 403 where trading is not
enabled (``--trading``). Orders and the states they go through are described in docs/trading.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.trading import (
    AccountsAnswer,
    AssetAnswer,
    BatchOrderAnswer,
    CancelAllAnswer,
    CancelAnswer,
    KillSwitchAnswer,
    OrderAnswer,
    OrderDetailAnswer,
    OrdersAnswer,
    PositionsAnswer,
    SimResetAnswer,
    TradesAnswer,
    TradingStatusAnswer,
)
from qmt_bridge.server.errors import Conflict, Forbidden
from qmt_bridge.server.params import parse_code
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.security import require_trading_auth
from qmt_bridge.server.trading.requests import (
    INT64_MAX,
    MAX_BATCH,
    CancelAllRequest,
    CancelRequest,
    KillSwitchRequest,
    OrderRequest,
    SimResetRequest,
)
from qmt_bridge.server.trading.service import TradingService

router = APIRouter(
    prefix="/api/trading",
    tags=["trading"],
    route_class=StrictQueryRoute,
    dependencies=[Depends(require_trading_auth)],
)

ACCOUNT = Query("", description="account id; empty: the first configured account")


def get_service(request: Request) -> TradingService:
    service = getattr(request.app.state, "trading", None)
    if service is None:
        raise Forbidden(
            "trading",
            "trading is not enabled on this server: start it with --trading",
            code="trading_disabled",
        )
    return service


Service = Annotated[TradingService, Depends(get_service)]


def client_id_of(request: Request) -> str | None:
    """Who signed the request (its key id), or None for an API-key request."""
    return getattr(request.state, "client_id", None)


def order_body(order: OrderRequest) -> dict[str, Any]:
    """An order's body with its code checked and normalised."""
    body = order.model_dump()
    body["stock_code"] = parse_code(order.stock_code, "stock_code")
    return body


@router.post("/order")
@answers(OrderAnswer)
async def place_order(service: Service, request: Request, order: OrderRequest) -> JSONResponse:
    """Place one order (xttrader.order_stock).

    Without ``price_type`` the order is at the latest price (5): a limit order at the last trade price. The
    answer has ``order_id``, ``client_order_id``, ``status`` (the order's normalised state, ``rejected``
    with ``error`` when the counter refused it) and ``order`` (xtquant's fields plus ``normalized``).
    Sending a ``client_order_id`` again returns the first answer with ``duplicate: true`` and places
    nothing; with different contents it is refused (409). **202** with ``status: "unknown"``: the trader
    did not answer in time, so whether the order reached the counter is unknown; it is never retried.
    """
    status, answer = await service.place_order(order_body(order), client_id_of(request))
    return JSONResponse(answer, status_code=status)


@router.post("/batch_order")
@answers(BatchOrderAnswer)
async def batch_order(
    service: Service,
    request: Request,
    orders: Annotated[list[OrderRequest], Body(min_length=1, max_length=MAX_BATCH)],
) -> JSONResponse:
    """Place up to 1,000 orders: a JSON array of order bodies as for ``/order``.

    All or none pass the checks: the first bad order answers 4xx naming its index, and nothing is placed.
    Then the orders are sent in turn; ``data`` has one answer per order, in order, each as ``/order``
    gives it, plus its ``http_status``: 200, 202 (``unknown``), 409 (``order_stock`` raised) or 503
    (``not_sent``: behind an order whose call did not answer; never sent, and may be sent again).
    """
    answers = await service.place_batch([order_body(o) for o in orders], client_id_of(request))
    return JSONResponse({"data": answers})


@router.post("/cancel")
@answers(CancelAnswer)
async def cancel_order(service: Service, body: CancelRequest) -> JSONResponse:
    """Ask the counter to cancel an order (xttrader.cancel_order_stock).

    ``cancel_result`` 0 means the request was accepted, not that the order is cancelled yet: watch its
    state (``/order_detail``, ``/ws/trade``). 404: no such order today; 409: it is filled, cancelled or
    rejected already, or the counter refused the cancel.
    """
    return JSONResponse(await service.cancel(body.order_id, body.account_id))


@router.post("/cancel_all")
@answers(CancelAllAnswer)
async def cancel_all(service: Service, body: CancelAllRequest | None = None) -> JSONResponse:
    """Cancel every cancelable order of one account (or of all configured accounts)."""
    results = await service.cancel_all(body.account_id if body else None)
    return JSONResponse({"data": results})


@router.get("/orders")
@answers(OrdersAnswer)
async def query_orders(
    service: Service,
    account_id: str = ACCOUNT,
    cancelable_only: bool = Query(False, description="true: only orders that can still be cancelled"),
) -> JSONResponse:
    """Today's orders (xttrader.query_stock_orders), each with ``client_order_id`` and ``normalized``."""
    return JSONResponse({"data": await service.orders(account_id, cancelable_only)})


@router.get("/order_detail")
@answers(OrderDetailAnswer)
async def query_order_detail(
    service: Service,
    order_id: int = Query(..., gt=0, le=INT64_MAX, description="the counter's order id (order_id of /order)"),
    account_id: str = ACCOUNT,
) -> JSONResponse:
    """One order of today (xttrader.query_stock_order); 404 when there is none with that id."""
    return JSONResponse({"data": await service.order(order_id, account_id)})


@router.get("/trades")
@answers(TradesAnswer)
async def query_trades(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """Today's fills (xttrader.query_stock_trades), each with the ``client_order_id`` of its order."""
    return JSONResponse({"data": await service.trades(account_id)})


@router.get("/positions")
@answers(PositionsAnswer)
async def query_positions(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """Positions (xttrader.query_stock_positions): ``volume`` held, ``can_use_volume`` sellable (T+1)."""
    return JSONResponse({"data": await service.positions(account_id)})


@router.get("/asset")
@answers(AssetAnswer)
async def query_asset(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """Cash and totals (xttrader.query_stock_asset): ``cash`` available, ``frozen_cash``, ``market_value``,
    ``total_asset``, ``fetch_balance`` (withdrawable)."""
    return JSONResponse({"data": await service.asset(account_id)})


@router.get("/accounts")
@answers(AccountsAnswer)
async def query_accounts(service: Service) -> JSONResponse:
    """The configured accounts in order (``index`` 0 is the default), with what the counter says of them."""
    return JSONResponse({"data": await service.accounts()})


@router.get("/status")
@answers(TradingStatusAnswer)
async def trading_status(service: Service) -> JSONResponse:
    """The trader connection, the risk limits, the kill switch and the event stream."""
    return JSONResponse(service.status())


@router.post("/kill_switch")
@answers(KillSwitchAnswer)
async def kill_switch(service: Service, body: KillSwitchRequest) -> JSONResponse:
    """Engage (cancel every open order, refuse new ones until released) or release the kill switch.

    It stays engaged across restarts.
    """
    if body.engaged:
        now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
        state = service.risk.engage(body.reason or "engaged by request", now)
        cancelled = await service.cancel_all()
        answer = {"engaged": True, **state, "cancelled": cancelled}
    else:
        service.risk.release()
        answer = {"engaged": False}
    service.journal.log_request("kill_switch", "", body.model_dump(), answer)
    return JSONResponse(answer)


@router.post("/sim/reset")
@answers(SimResetAnswer)
async def reset_sim_account(service: Service, body: SimResetRequest) -> JSONResponse:
    """Simulator only: clear a paper account's orders and positions and restore its cash (409 elsewhere)."""
    backend = service.ctx.backend
    if backend.name != "sim":
        raise Conflict(
            "backend",
            f"resetting an account exists only on the simulator, not on {backend.name}",
            code="not_on_this_backend",
        )
    account = service.account_id(body.account_id)
    cash = await service.ctx.run(backend.broker.reset_account, account, body.cash)
    answer = {"account_id": account, "cash": cash}
    service.journal.log_request("sim_reset", account, body.model_dump(), answer)
    return JSONResponse(answer)
