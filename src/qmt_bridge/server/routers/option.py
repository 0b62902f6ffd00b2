"""Options: details, chains by underlying, lists by expiry, historical lists."""

from __future__ import annotations

import re

from fastapi import APIRouter, Query

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.option import (
    HisOptionListAnswer,
    HisOptionListBatchAnswer,
    OptionChainAnswer,
    OptionDetailAnswer,
    OptionListAnswer,
)
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.errors import InvalidParameter, NotFound
from qmt_bridge.server.params import TableFormat, parse_code, parse_date, parse_range
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers.market import FORMAT
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.market_data import check_codes
from qmt_bridge.server.services.tabular import frame_payload

router = APIRouter(prefix="/api/option", tags=["option"], route_class=StrictQueryRoute)

OPT_TYPES = {"": "", "C": "CALL", "P": "PUT", "CALL": "CALL", "PUT": "PUT"}


@router.get("/detail")
@answers(OptionDetailAnswer)
async def get_option_detail(
    ctx: Ctx, option_code: str = Query(..., description="期权代码, e.g. 10007001.SHO")
) -> JSONResponse:
    """Contract details of an option (xtdata.get_option_detail_data)."""
    code = parse_code(option_code, "option_code")
    detail = await ctx.xtdata("get_option_detail_data", code)
    if detail is None:
        raise NotFound("option_code", f"unknown option {code}", value=code, code="unknown_code")
    if not detail:
        raise InvalidParameter("option_code", f"{code} is not an option", value=code)
    return JSONResponse({"option_code": code, "data": detail})


@router.get("/chain")
@answers(OptionChainAnswer)
async def get_option_chain(
    ctx: Ctx, undl_code: str = Query(..., description="标的代码, e.g. 510050.SH")
) -> JSONResponse:
    """All option codes on an underlying (xtdata.get_option_undl_data)."""
    code = parse_code(undl_code, "undl_code")
    await check_codes(ctx, [code], "undl_code")
    options = await ctx.xtdata("get_option_undl_data", code)
    codes = list(options or [])
    # ``data``: qmt-bridge 2.1.3's key for the same list.
    return JSONResponse({"undl_code": code, "count": len(codes), "options": codes, "data": codes})


def parse_dedate(value: str) -> str:
    text = value.strip()
    if not re.fullmatch(r"\d{6}|\d{8}", text):
        raise InvalidParameter(
            "dedate", "expected YYYYMM (expiry month) or YYYYMMDD (listed on that day)", value=text
        )
    parse_date(text if len(text) == 8 else text + "01", "dedate")
    return text


@router.get("/list")
@answers(OptionListAnswer)
async def get_option_list(
    ctx: Ctx,
    undl_code: str = Query(..., description="标的代码, e.g. 510050.SH or 000300.SH"),
    dedate: str = Query(..., description="YYYYMM = expiring that month; YYYYMMDD = listed on that day"),
    opttype: str = Query("", description="C/CALL, P/PUT, or empty for both"),
    isavailavle: bool = Query(False, description="only options not yet expired (xtquant's spelling)"),
    isavailable: bool = Query(False, description="qmt-bridge 2.1.3's spelling of isavailavle"),
) -> JSONResponse:
    """Options on an underlying filtered by expiry or listing date and type (xtdata.get_option_list)."""
    code = parse_code(undl_code, "undl_code")
    when = parse_dedate(dedate)
    kind = opttype.strip().upper()
    if kind not in OPT_TYPES:
        raise InvalidParameter("opttype", "one of C, P, CALL, PUT or empty", value=opttype)
    await check_codes(ctx, [code], "undl_code")
    options = list(
        await ctx.xtdata("get_option_list", code, when, OPT_TYPES[kind], isavailavle or isavailable) or []
    )
    return JSONResponse(
        {"undl_code": code, "dedate": when, "count": len(options), "options": options, "data": options}
    )


@router.get("/his_option_list")
@answers(HisOptionListAnswer)
async def get_his_option_list(
    ctx: Ctx,
    undl_code: str = Query(..., description="标的代码"),
    dedate: str = Query(..., description="YYYYMMDD"),
    format: TableFormat = FORMAT,
) -> JSONResponse:
    """Options that existed on a past day, expired ones included (xtdata.get_his_option_list)."""
    code = parse_code(undl_code, "undl_code")
    day = parse_date(dedate, "dedate")
    await check_codes(ctx, [code], "undl_code")
    frame = await ctx.xtdata("get_his_option_list", code, f"{day:%Y%m%d}")
    data = frame_payload(frame.reset_index(drop=True), format) if frame is not None else []
    return JSONResponse({"undl_code": code, "dedate": f"{day:%Y%m%d}", "data": data})


@router.get("/his_option_list_batch")
@answers(HisOptionListBatchAnswer)
async def get_his_option_list_batch(
    ctx: Ctx,
    undl_code: str = Query(..., description="标的代码"),
    start_time: str = Query(..., description="YYYYMMDD"),
    end_time: str = Query(..., description="YYYYMMDD; at most 92 days after start_time"),
    format: TableFormat = FORMAT,
) -> JSONResponse:
    """Historical option lists for each day of a range (xtdata.get_his_option_list_batch)."""
    code = parse_code(undl_code, "undl_code")
    start, end = parse_range(start_time, end_time)
    if not start or not end:
        raise InvalidParameter("start_time", "start_time and end_time are both required")
    if (parse_date(end, "end_time") - parse_date(start, "start_time")).days > 92:
        raise InvalidParameter("end_time", "the range may span at most 92 days", value=end)
    await check_codes(ctx, [code], "undl_code")
    frames = await ctx.xtdata("get_his_option_list_batch", code, start, end)
    data = {day: frame_payload(f.reset_index(drop=True), format) for day, f in (frames or {}).items()}
    return JSONResponse({"undl_code": code, "data": data})
