"""Instrument reference data: details, types, IPOs, index weights, ST history."""

from __future__ import annotations

from fastapi import APIRouter, Query

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.instrument import (
    DetailListAnswer,
    HisStAnswer,
    IndexWeightAnswer,
    InstrumentTypeAnswer,
    IpoInfoAnswer,
    IsStockTypeAnswer,
)
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.errors import InvalidParameter, NotFound
from qmt_bridge.server.params import parse_code, parse_codes, parse_range
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.market_data import check_codes
from qmt_bridge.xtnames import XTSTOCKTYPE

_STOCK_TYPE_VALUES = frozenset(XTSTOCKTYPE.values())

router = APIRouter(prefix="/api/instrument", tags=["instrument"], route_class=StrictQueryRoute)

ISCOMPLETE = Query(False, description="true: include the ~70 extended fields")


@router.get("/detail_list")
@answers(DetailListAnswer)
async def get_instrument_detail_list(
    ctx: Ctx,
    stocks: str = Query(..., description="逗号分隔的代码"),
    iscomplete: bool = ISCOMPLETE,
) -> JSONResponse:
    """Instrument details with xtquant's keys; unknown codes map to null (xtdata.get_instrument_detail_list)."""
    codes = parse_codes(stocks)
    detail = ctx.xtdata_function("get_instrument_detail")

    def get_instrument_detail() -> dict[str, object]:
        return {code: detail(code, iscomplete) for code in codes}

    return JSONResponse({"data": await ctx.run(get_instrument_detail)})


@router.get("/type")
@answers(InstrumentTypeAnswer)
async def get_instrument_type(ctx: Ctx, stock: str = Query(..., description="代码")) -> JSONResponse:
    """Type flags of a code, only the true ones, e.g. {"stock": true} (xtdata.get_instrument_type)."""
    code = parse_code(stock)
    await check_codes(ctx, [code], "stock")
    flags = await ctx.xtdata("get_instrument_type", code)
    return JSONResponse({"stock": code, "type": flags or {}})


@router.get("/ipo_info")
@answers(IpoInfoAnswer)
async def get_ipo_info(
    ctx: Ctx,
    start_time: str = Query("", description="YYYYMMDD (listing date from)"),
    end_time: str = Query("", description="YYYYMMDD (listing date to)"),
) -> JSONResponse:
    """New-share issues with listing dates in the range (xtdata.get_ipo_info)."""
    start, end = parse_range(start_time, end_time)
    rows = await ctx.xtdata("get_ipo_info", start_time=start, end_time=end)
    return JSONResponse({"data": rows})


@router.get("/index_weight")
@answers(IndexWeightAnswer)
async def get_index_weight(
    ctx: Ctx, index_code: str = Query(..., description="指数代码, e.g. 000300.SH")
) -> JSONResponse:
    """Constituent weights (percent) of an index (xtdata.get_index_weight)."""
    code = parse_code(index_code, "index_code")
    weights = await ctx.xtdata("get_index_weight", code)
    if not weights:
        raise NotFound("index_code", f"no constituent weights for {code}", value=code)
    return JSONResponse({"index_code": code, "data": weights})


@router.get("/his_st_data")
@answers(HisStAnswer)
async def get_his_st_data(ctx: Ctx, stock: str = Query(..., description="股票代码")) -> JSONResponse:
    """Historical ST / *ST / PT periods of a stock (xtdata.get_his_st_data); {} if never ST."""
    code = parse_code(stock)
    await check_codes(ctx, [code], "stock")
    data = await ctx.xtdata("get_his_st_data", code)
    return JSONResponse({"stock": code, "data": data or {}})


@router.get("/is_stock_type")
@answers(IsStockTypeAnswer)
async def is_stock_type(
    ctx: Ctx,
    stock: str = Query(..., description="代码"),
    tag: int = Query(
        ...,
        description="an xtstocktype constant, e.g. 1 XT_GE_MARKET_SH, 101 XT_GE_SH_A, 365 XT_GE_SH_MAIN_BOARD, "
        "100001 XT_GE_EXTRA_STOCK_A (沪深京A股); others are 400",
    ),
) -> JSONResponse:
    """Whether a code belongs to an xtstocktype class (xtdata.is_stock_type)."""
    code = parse_code(stock)
    if tag not in _STOCK_TYPE_VALUES:
        raise InvalidParameter("tag", f"{tag} is not an xtstocktype constant (see xtquant/xtstocktype.py)")
    await check_codes(ctx, [code], "stock")
    return JSONResponse(
        {"stock": code, "tag": tag, "result": bool(await ctx.xtdata("is_stock_type", code, tag))}
    )
