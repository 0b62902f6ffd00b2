"""Sectors (板块): system sectors with QMT's names (沪深A股, 沪深300, SW1银行) and user sectors under 我的."""

from __future__ import annotations

import re

from fastapi import APIRouter, Query

from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.errors import Conflict, Forbidden, InvalidParameter, NotFound
from qmt_bridge.server.models import CreateFolderRequest, CreateSectorRequest, SectorStocksRequest
from qmt_bridge.server.params import TableFormat, parse_codes, parse_time
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.services.market_data import check_codes
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


# ---------------------------------------------------------------------------------------------- write side

_ILLEGAL_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
#: xtquant's root folder of user sectors (``parent_node=''``); get_sector_info files user sectors under it.
USER_ROOT = "我的"


def parse_sector_name(value: str, param: str, *, allow_empty: bool = False) -> str:
    """A name xtquant can store as a file: no path characters, no control characters, at most 64 chars."""
    name = value.strip()
    if not name:
        if allow_empty:
            return ""
        raise InvalidParameter(param, "must not be empty")
    if len(name) > 64:
        raise InvalidParameter(param, "must be at most 64 characters")
    if _ILLEGAL_NAME.search(name):
        raise InvalidParameter(param, r'must not contain \ / : * ? " < > | or control characters', value=name)
    return name


async def require_user_sector(ctx: Ctx, name: str, param: str = "sector_name") -> None:
    """404 if the sector does not exist; 403 if it is a system sector (not under 我的)."""
    await require_sector(ctx, name, param)
    info = await ctx.xtdata("get_sector_info", name)
    categories = [str(c) for c in info["category"]] if len(info) and "category" in info else []
    if categories and not any(c == USER_ROOT or c.startswith(USER_ROOT + "/") for c in categories):
        raise Forbidden(param, f"{name!r} is a system sector and cannot be changed")


async def _members(ctx: Ctx, name: str) -> JSONResponse:
    stocks = list(await ctx.xtdata("get_stock_list_in_sector", name))
    return JSONResponse({"sector": name, "count": len(stocks), "stocks": stocks})


@router.post("/create_folder")
async def create_sector_folder(ctx: Ctx, req: CreateFolderRequest) -> JSONResponse:
    """Create a folder for user sectors (xtdata.create_sector_folder); creating an existing one is a no-op."""
    parent = parse_sector_name(req.parent_node, "parent_node", allow_empty=True)
    name = parse_sector_name(req.folder_name, "folder_name")
    actual = await ctx.xtdata("create_sector_folder", parent, name, True)
    return JSONResponse({"folder": actual, "parent_node": parent or USER_ROOT})


@router.post("/create")
async def create_sector(ctx: Ctx, req: CreateSectorRequest) -> JSONResponse:
    """Create an empty user sector (xtdata.create_sector); 409 if a sector of that name exists."""
    parent = parse_sector_name(req.parent_node, "parent_node", allow_empty=True)
    name = parse_sector_name(req.sector_name, "sector_name")
    if name in await ctx.xtdata("get_sector_list"):
        raise Conflict("sector_name", f"a sector named {name!r} exists already")
    actual = await ctx.xtdata("create_sector", parent, name, True)
    return JSONResponse({"sector": actual, "parent_node": parent or USER_ROOT})


async def _change_members(ctx: Ctx, req: SectorStocksRequest, function: str) -> JSONResponse:
    name = parse_sector_name(req.sector_name, "sector_name")
    codes = parse_codes(",".join(req.stocks), "stocks")
    await require_user_sector(ctx, name)
    await check_codes(ctx, codes)
    await ctx.xtdata(function, name, codes)
    return await _members(ctx, name)


@router.post("/add_stocks")
async def add_sector_stocks(ctx: Ctx, req: SectorStocksRequest) -> JSONResponse:
    """Add codes to a user sector (xtdata.add_sector); answers the members after the change."""
    return await _change_members(ctx, req, "add_sector")


@router.post("/remove_stocks")
async def remove_sector_stocks(ctx: Ctx, req: SectorStocksRequest) -> JSONResponse:
    """Remove codes from a user sector (xtdata.remove_stock_from_sector)."""
    return await _change_members(ctx, req, "remove_stock_from_sector")


@router.post("/reset")
async def reset_sector(ctx: Ctx, req: SectorStocksRequest) -> JSONResponse:
    """Replace all members of a user sector (xtdata.reset_sector)."""
    return await _change_members(ctx, req, "reset_sector")


@router.delete("/remove")
async def remove_sector(ctx: Ctx, sector_name: str = Query(..., description="a user sector")) -> JSONResponse:
    """Delete a user sector (xtdata.remove_sector); 404 if it does not exist."""
    name = parse_sector_name(sector_name, "sector_name")
    await require_user_sector(ctx, name)
    await ctx.xtdata("remove_sector", name)
    return JSONResponse({"removed": name})
