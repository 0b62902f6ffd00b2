"""ETFs (lists, creation/redemption lists) and convertible bonds (lists, terms, histories)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.funds import (
    CbInfoAnswer,
    CbListAnswer,
    CbTableAnswer,
    EtfInfoAnswer,
    EtfListAnswer,
)
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.errors import InvalidParameter, NotFound
from qmt_bridge.server.params import TableFormat, either, parse_code, parse_range
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers.market import FORMAT
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.market_data import check_codes
from qmt_bridge.server.services.tabular import frame_payload

etf_router = APIRouter(prefix="/api/etf", tags=["etf"], route_class=StrictQueryRoute)
cb_router = APIRouter(prefix="/api/cb", tags=["cb"], route_class=StrictQueryRoute)

ETF_SECTOR = "沪深ETF"
CB_SECTOR = "沪深转债"


@etf_router.get("/list")
@answers(EtfListAnswer)
async def get_etf_list(ctx: Ctx) -> JSONResponse:
    """Codes of all ETFs (the 沪深ETF sector)."""
    codes = list(await ctx.xtdata("get_stock_list_in_sector", ETF_SECTOR))
    # ``stocks``: qmt-bridge 2.1.3's key for the same list.
    return JSONResponse({"count": len(codes), "etfs": codes, "stocks": codes})


@etf_router.get("/info")
@answers(EtfInfoAnswer)
async def get_etf_info(
    ctx: Ctx, etf_code: str = Query("", description="ETF 代码, e.g. 510300.SH; empty = every ETF")
) -> JSONResponse:
    """Creation/redemption lists, 申赎清单 (xtdata.get_etf_info), with xtquant's Chinese keys."""
    code = parse_code(etf_code, "etf_code") if etf_code else ""
    info = await ctx.xtdata("get_etf_info")
    if not code:
        return JSONResponse({"data": info})
    if code not in info:
        raise NotFound("etf_code", f"no creation/redemption list for {code}", value=code)
    return JSONResponse({"etf_code": code, "data": info[code]})


@cb_router.get("/list")
@answers(CbListAnswer)
async def get_cb_list(ctx: Ctx) -> JSONResponse:
    """Codes of all convertible bonds (the 沪深转债 sector)."""
    codes = list(await ctx.xtdata("get_stock_list_in_sector", CB_SECTOR))
    # ``stocks``: qmt-bridge 2.1.3's key for the same list.
    return JSONResponse({"count": len(codes), "bonds": codes, "stocks": codes})


@cb_router.get("/info")
@answers(CbInfoAnswer)
async def get_cb_info(
    ctx: Ctx,
    cb_code: str | None = Query(None, description="转债代码, e.g. 113050.SH"),
    stock: str | None = Query(None, description="qmt-bridge 2.1.3's name of cb_code"),
) -> JSONResponse:
    """Terms of a convertible bond: conversion price, underlying, dates, size (xtdata.get_cb_info)."""
    code = parse_code(either("cb_code", cb_code, "stock", stock), "cb_code")
    await check_codes(ctx, [code], "cb_code")
    info = await ctx.xtdata("get_cb_info", code)
    if not info:
        raise InvalidParameter("cb_code", f"{code} is not a convertible bond", value=code)
    return JSONResponse({"cb_code": code, "data": info})


async def _bond_table(
    ctx: Ctx, function: str, cb_code: str, start_time: str, end_time: str, fmt: TableFormat
):
    code = parse_code(cb_code, "cb_code")
    start, end = parse_range(start_time, end_time)
    await check_codes(ctx, [code], "cb_code")
    frame = await ctx.xtdata(function, code, start_time=start, end_time=end)
    data = frame_payload(frame.reset_index(drop=True), fmt) if frame is not None else []
    return JSONResponse({"cb_code": code, "data": data})


CB_CODE = Query(..., description="转债代码")
START = Query("", description="YYYYMMDD")
END = Query("", description="YYYYMMDD")


@cb_router.get("/bnd_get_conversion_price")
@answers(CbTableAnswer)
async def bnd_get_conversion_price(
    ctx: Ctx,
    cb_code: str = CB_CODE,
    start_time: str = START,
    end_time: str = END,
    format: TableFormat = FORMAT,
) -> JSONResponse:
    """History of the conversion price (xtdata.bnd_get_conversion_price)."""
    return await _bond_table(ctx, "bnd_get_conversion_price", cb_code, start_time, end_time, format)


@cb_router.get("/bnd_get_call_info")
@answers(CbTableAnswer)
async def bnd_get_call_info(
    ctx: Ctx,
    cb_code: str = CB_CODE,
    start_time: str = START,
    end_time: str = END,
    format: TableFormat = FORMAT,
) -> JSONResponse:
    """Call (强赎) announcements (xtdata.bnd_get_call_info)."""
    return await _bond_table(ctx, "bnd_get_call_info", cb_code, start_time, end_time, format)


@cb_router.get("/bnd_get_put_info")
@answers(CbTableAnswer)
async def bnd_get_put_info(
    ctx: Ctx,
    cb_code: str = CB_CODE,
    start_time: str = START,
    end_time: str = END,
    format: TableFormat = FORMAT,
) -> JSONResponse:
    """Put (回售) announcements (xtdata.bnd_get_put_info)."""
    return await _bond_table(ctx, "bnd_get_put_info", cb_code, start_time, end_time, format)


@cb_router.get("/bnd_get_amount_change")
@answers(CbTableAnswer)
async def bnd_get_amount_change(
    ctx: Ctx,
    cb_code: str = CB_CODE,
    start_time: str = START,
    end_time: str = END,
    format: TableFormat = FORMAT,
) -> JSONResponse:
    """Changes of the outstanding amount as bonds convert (xtdata.bnd_get_amount_change)."""
    return await _bond_table(ctx, "bnd_get_amount_change", cb_code, start_time, end_time, format)
