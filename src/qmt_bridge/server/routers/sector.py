"""Sectors (板块): the read side. Names are QMT's own, e.g. 沪深A股, 沪深300, SW1银行."""

from __future__ import annotations

import re

from fastapi import APIRouter, Query

from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.errors import InvalidParameter, NotFound
from qmt_bridge.server.params import TableFormat, parse_time
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.services.tabular import frame_payload

router = APIRouter(prefix="/api/sector", tags=["sector"])


def parse_timetag(value: str | None) -> int | str:
    """``real_timetag``: empty = latest, ``YYYYMMDD``, or ms since epoch."""
    text = (value or "").strip()
    if not text or text == "-1":
        return -1
    if re.fullmatch(r"\d{12,13}", text):
        return int(text)
    return parse_time(text, "real_timetag")[:8]


async def require_sector(ctx: Ctx, sector: str, param: str = "sector") -> None:
    if not sector.strip():
        raise InvalidParameter(param, "must not be empty")
    if sector not in await ctx.xtdata("get_sector_list"):
        raise NotFound(param, f"unknown sector {sector!r}; see /api/sector/list", value=sector)


@router.get("/list")
async def get_sector_list(ctx: Ctx) -> JSONResponse:
    """All sector names (xtdata.get_sector_list)."""
    return JSONResponse({"sectors": list(await ctx.xtdata("get_sector_list"))})


@router.get("/stocks")
async def get_sector_stocks(
    ctx: Ctx,
    sector: str = Query(..., description="板块名称, e.g. 沪深A股"),
    real_timetag: str = Query("", description="historical date YYYYMMDD (or ms); empty = latest"),
) -> JSONResponse:
    """Members of a sector, now or on a past date (xtdata.get_stock_list_in_sector)."""
    await require_sector(ctx, sector)
    tag = parse_timetag(real_timetag)
    stocks = await ctx.xtdata("get_stock_list_in_sector", sector, tag)
    return JSONResponse({"sector": sector, "count": len(stocks), "stocks": list(stocks)})


@router.get("/info")
async def get_sector_info(
    ctx: Ctx, sector: str = Query("", description="板块名称; empty = all sectors")
) -> JSONResponse:
    """Sector metadata: name and category (xtdata.get_sector_info)."""
    if sector:
        await require_sector(ctx, sector)
    frame = await ctx.xtdata("get_sector_info", sector)
    return JSONResponse({"data": frame_payload(frame, TableFormat.records)})
