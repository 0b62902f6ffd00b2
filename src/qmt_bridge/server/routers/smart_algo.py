"""Smart algorithm orders (智能算法: TWAP, VWAP, ...): ``/api/trading/smart_algo/*``.

Same authentication as trading (the API key, or a signed request); trading must be enabled (``--trading``).
How a task request is checked, journaled and answered is in ``server/trading/smart_algo.py``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.smart_algo import (
    AlgoCancelAnswer,
    AlgoParamsAnswer,
    AlgoRequestAnswer,
    AlgoRequestsAnswer,
    AlgoTasksAnswer,
)
from qmt_bridge.server.errors import InvalidParameter
from qmt_bridge.server.params import parse_code
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers.trading import ACCOUNT, Service, client_id_of
from qmt_bridge.server.routers.transfers import END, START, day_range
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.security import require_trading_auth
from qmt_bridge.server.trading import smart_algo
from qmt_bridge.server.trading.requests import SmartAlgoCancelRequest, SmartAlgoOrderRequest

router = APIRouter(
    prefix="/api/trading/smart_algo",
    tags=["trading"],
    route_class=StrictQueryRoute,
    dependencies=[Depends(require_trading_auth)],
)

MAX_ALGOS = 20


@router.get("/params")
@answers(AlgoParamsAnswer)
async def algo_params(
    service: Service,
    algos: str = Query("TWAP,VWAP", max_length=400, description="comma-separated algorithm names"),
) -> JSONResponse:
    """The parameters of the named algorithms (xttrader.get_smart_algo_param): for each its keys for
    ``algo_param``, ranges, defaults and units; names the counter does not know are left out."""
    names = [name.strip() for name in algos.split(",") if name.strip()]
    if not names or len(names) > MAX_ALGOS:
        raise InvalidParameter("algos", f"name 1 to {MAX_ALGOS} algorithms, comma-separated", value=algos)
    return JSONResponse({"data": await smart_algo.params(service, names)})


@router.post("/order")
@answers(AlgoRequestAnswer)
async def algo_order(service: Service, request: Request, body: SmartAlgoOrderRequest) -> JSONResponse:
    """Start a smart algorithm task (xttrader.smart_algo_order_async): the counter buys or sells
    ``order_volume`` as child orders between ``start_time`` and ``end_time`` today, by the algorithm's
    schedule (TWAP evenly over time, VWAP along the usual volume curve), never beyond ``price`` with
    ``price_type`` 11.

    Checked first as one order of the whole volume (code, lots, price band, sellable volume, risk limits, the
    kill switch: the 4xx of ``/order``), recorded, then sent; the answer is the record with the counter's
    ``task_id``. 409 ``algo_refused`` with the counter's message when it refuses (unknown algorithm, window
    over, ...). **202** with ``state: "unknown"``: the counter did not answer in time; the task may be running
    (see ``/tasks``) and is never sent again. Sending a ``client_task_id`` again returns the first record with
    ``duplicate: true`` and starts nothing; with different contents it is refused (409).
    """
    asked = body.model_dump()
    asked["stock_code"] = parse_code(body.stock_code, "stock_code")
    status, record = await smart_algo.submit(service, asked, client_id_of(request))
    return JSONResponse({"data": record}, status_code=status)


@router.get("/tasks")
@answers(AlgoTasksAnswer)
async def algo_tasks(service: Service, account_id: str = ACCOUNT) -> JSONResponse:
    """The account's tasks as the counter has them (xttrader.query_smart_algo_task): status, the volume
    ordered and filled, the child orders' ids; each with the ``client_task_id`` of its request."""
    return JSONResponse({"data": await smart_algo.tasks(service, account_id)})


@router.post("/cancel")
@answers(AlgoCancelAnswer)
async def algo_cancel(service: Service, body: SmartAlgoCancelRequest) -> JSONResponse:
    """Stop a task (xttrader.cancel_smart_algo_task_async); the counter cancels its open child orders (their
    cancels stream on ``/ws/trade``). 409 ``algo_cancel_refused`` with the counter's message for a task that
    has ended or that it does not know; 504 when it did not answer in time."""
    return JSONResponse({"data": await smart_algo.cancel(service, body.account_id, body.task_id)})


@router.get("/requests")
@answers(AlgoRequestsAnswer)
async def algo_requests(
    service: Service, account_id: str = ACCOUNT, start_date: str = START, end_date: str = END
) -> JSONResponse:
    """Every task request sent through this server over a range of days (default the last 30), newest first,
    with its outcome (accepted, refused, unknown, not_sent). Kept across restarts."""
    start, end = day_range(service, start_date, end_date)
    return JSONResponse({"data": smart_algo.requests(service, account_id, start, end)})
