"""Sectors (板块): system sectors with QMT's names (沪深A股, 沪深300, SW1银行) and user sectors under 我的."""

from __future__ import annotations

import re

from fastapi import APIRouter, Query

from qmt_bridge.backends.runner import BackendCallFailed
from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.sector import (
    FolderCreatedAnswer,
    RemovedAnswer,
    SectorCreatedAnswer,
    SectorInfoAnswer,
    SectorListAnswer,
    SectorStocksAnswer,
)
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.errors import BackendRefused, Conflict, Forbidden, InvalidParameter, NotFound
from qmt_bridge.server.file_names import unsafe_name_reason
from qmt_bridge.server.models import CreateFolderRequest, CreateSectorRequest, SectorStocksRequest
from qmt_bridge.server.params import TableFormat, parse_codes, parse_time
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.market_data import check_codes
from qmt_bridge.server.services.tabular import frame_payload
from qmt_bridge.sim.market.custom_sectors import FolderNotEmptyError, NameTakenError, UnknownFolderError

router = APIRouter(prefix="/api/sector", tags=["sector"], route_class=StrictQueryRoute)


def parse_timetag(value: str | None) -> int | str:
    """``real_timetag``: empty = latest, ``YYYYMMDD``, or ms since epoch."""
    text = (value or "").strip()
    if not text or text == "-1":
        return -1
    if re.fullmatch(r"\d{12,13}", text):
        return int(text)
    return parse_time(text, "real_timetag")[:8]


async def require_sector(ctx: Ctx, sector: str, param: str = "sector") -> str:
    """The sector's name without surrounding blanks (as names are stored); 404 if there is no such sector."""
    name = sector.strip()
    if not name:
        raise InvalidParameter(param, "must not be empty")
    if name not in await ctx.xtdata("get_sector_list"):
        raise NotFound(param, f"unknown sector {name!r}; see /api/sector/list", value=name)
    return name


@router.get("/list")
@answers(SectorListAnswer)
async def get_sector_list(ctx: Ctx) -> JSONResponse:
    """All sector names (xtdata.get_sector_list)."""
    return JSONResponse({"sectors": list(await ctx.xtdata("get_sector_list"))})


@router.get("/stocks")
@answers(SectorStocksAnswer)
async def get_sector_stocks(
    ctx: Ctx,
    sector: str = Query(..., description="板块名称, e.g. 沪深A股"),
    real_timetag: str = Query("", description="historical date YYYYMMDD (or ms); empty = latest"),
) -> JSONResponse:
    """Members of a sector, now or on a past date (xtdata.get_stock_list_in_sector)."""
    sector = await require_sector(ctx, sector)
    tag = parse_timetag(real_timetag)
    stocks = await ctx.xtdata("get_stock_list_in_sector", sector, tag)
    return JSONResponse({"sector": sector, "count": len(stocks), "stocks": list(stocks)})


@router.get("/info")
@answers(SectorInfoAnswer)
async def get_sector_info(
    ctx: Ctx, sector: str = Query("", description="板块名称; empty = all sectors")
) -> JSONResponse:
    """Sector metadata: name and category (xtdata.get_sector_info)."""
    if sector.strip():
        sector = await require_sector(ctx, sector)
    frame = await ctx.xtdata("get_sector_info", sector)
    return JSONResponse({"data": frame_payload(frame, TableFormat.records)})


# ---------------------------------------------------------------------------------------------- write side
#
# The tree under 我的: folders hold folders and sectors. xtquant names both by bare name (names cannot hold
# "/"), so a name is unique among all folders and sectors, system sectors included: a clash is 409. A
# parent_node that is no folder is 404; a folder is removed only when empty (409 otherwise).
#
# xtquant has no call that lists folders. The checks the bridge can make with xtquant's own functions (a
# name that is a sector: get_sector_list) run on every backend. The rest is the backend's to say: the
# simulator raises the errors of qmt_bridge.sim.market.custom_sectors, mapped here; the real xtquant never
# raises them, so there its create_sector_folder / create_sector / remove_sector decide (documented in
# docs/api-coverage.md).

#: xtquant's root folder of user sectors (``parent_node=''``); get_sector_info files user sectors under it.
USER_ROOT = "我的"


def parse_sector_name(value: str, param: str, *, allow_empty: bool = False) -> str:
    """A name xtquant can store as a file on Windows (:mod:`qmt_bridge.server.file_names`), at most 64
    characters."""
    name = value.strip()
    if not name:
        if allow_empty:
            return ""
        raise InvalidParameter(param, "must not be empty")
    if len(name) > 64:
        raise InvalidParameter(param, "must be at most 64 characters")
    if reason := unsafe_name_reason(name):
        raise InvalidParameter(param, reason, value=name)
    return name


def parse_parent(value: str) -> str:
    """``parent_node``: ``""`` for the root (empty or 我的, as xtquant spells it), else a folder name."""
    parent = parse_sector_name(value, "parent_node", allow_empty=True)
    return "" if parent == USER_ROOT else parent


async def require_user_sector(ctx: Ctx, name: str, param: str = "sector_name") -> None:
    """404 if the sector does not exist; 403 if it is a system sector (not under 我的)."""
    await require_sector(ctx, name, param)
    await refuse_system_sector(ctx, name, param)


async def refuse_system_sector(ctx: Ctx, name: str, param: str) -> None:
    """403 if an existing sector is a system sector (get_sector_info files it outside 我的)."""
    info = await ctx.xtdata("get_sector_info", name)
    categories = [str(c) for c in info["category"]] if len(info) and "category" in info else []
    if categories and not any(c == USER_ROOT or c.startswith(USER_ROOT + "/") for c in categories):
        raise Forbidden(param, f"{name!r} is a system sector and cannot be changed")


async def _members(ctx: Ctx, name: str) -> JSONResponse:
    stocks = list(await ctx.xtdata("get_stock_list_in_sector", name))
    return JSONResponse({"sector": name, "count": len(stocks), "stocks": stocks})


async def _write(ctx: Ctx, function: str, *args: object, name_param: str) -> object:
    """Call a write function; the simulator's refusals become 404 (parent_node) or 409 (``name_param``)."""
    try:
        return await ctx.xtdata(function, *args)
    except BackendCallFailed as exc:
        error = exc.error
        if isinstance(error, UnknownFolderError):
            raise NotFound("parent_node", str(error), value=error.name) from exc
        if isinstance(error, NameTakenError | FolderNotEmptyError):
            raise Conflict(name_param, str(error), value=error.name) from exc
        raise


async def _create(ctx: Ctx, function: str, parent: str, name: str, name_param: str) -> str:
    if name == USER_ROOT:
        raise Conflict(name_param, f"{USER_ROOT} is the root folder's name", value=name)
    sectors = await ctx.xtdata("get_sector_list")
    if name in sectors:
        raise Conflict(
            name_param, f"{name!r} is taken by a sector; folder and sector names are unique", value=name
        )
    if parent in sectors:
        raise NotFound("parent_node", f"{parent!r} is a sector, not a folder", value=parent)
    actual = await _write(ctx, function, parent, name, True, name_param=name_param)
    if not actual:
        raise BackendRefused(
            f"{function} returned no name: nothing was created (is parent_node {parent or USER_ROOT!r} a folder?)",
            details={"call": function},
        )
    return str(actual)


@router.post("/create_folder")
@answers(FolderCreatedAnswer)
async def create_sector_folder(ctx: Ctx, req: CreateFolderRequest) -> JSONResponse:
    """Create a folder for user sectors (xtdata.create_sector_folder); creating an existing one is a no-op.

    404 if ``parent_node`` is no folder; 409 if a sector, or a folder elsewhere, has the name.
    """
    parent = parse_parent(req.parent_node)
    name = parse_sector_name(req.folder_name, "folder_name")
    async with ctx.sector_writes:
        actual = await _create(ctx, "create_sector_folder", parent, name, "folder_name")
    return JSONResponse({"folder": actual, "parent_node": parent or USER_ROOT})


@router.post("/create")
@answers(SectorCreatedAnswer)
async def create_sector(ctx: Ctx, req: CreateSectorRequest) -> JSONResponse:
    """Create an empty user sector (xtdata.create_sector).

    404 if ``parent_node`` is no folder; 409 if a sector (system ones included) or a folder has the name.
    """
    parent = parse_parent(req.parent_node)
    name = parse_sector_name(req.sector_name, "sector_name")
    async with ctx.sector_writes:
        actual = await _create(ctx, "create_sector", parent, name, "sector_name")
        # With overwrite=True xtquant "skips" an existing node and still answers its name. A folder is the
        # one node get_sector_list cannot show beforehand, so a sector that did not appear means a folder
        # has it.
        if actual not in await ctx.xtdata("get_sector_list"):
            raise Conflict(
                "sector_name", f"{actual!r} is taken by a folder; folder and sector names are unique"
            )
    return JSONResponse({"sector": actual, "parent_node": parent or USER_ROOT})


async def _change_members(ctx: Ctx, req: SectorStocksRequest, function: str) -> JSONResponse:
    name = parse_sector_name(req.sector_name, "sector_name")
    codes = parse_codes(",".join(req.stocks), "stocks")
    async with ctx.sector_writes:
        await require_user_sector(ctx, name)
        await check_codes(ctx, codes)
        if await ctx.xtdata(function, name, codes) is False:  # xtquant's documented failure answer
            raise BackendRefused(
                f"{function} answered False: the members did not change", details={"call": function}
            )
        return await _members(ctx, name)


@router.post("/add_stocks")
@answers(SectorStocksAnswer)
async def add_sector_stocks(ctx: Ctx, req: SectorStocksRequest) -> JSONResponse:
    """Add codes to a user sector (xtdata.add_sector); answers the members after the change."""
    return await _change_members(ctx, req, "add_sector")


@router.post("/remove_stocks")
@answers(SectorStocksAnswer)
async def remove_sector_stocks(ctx: Ctx, req: SectorStocksRequest) -> JSONResponse:
    """Remove codes from a user sector (xtdata.remove_stock_from_sector)."""
    return await _change_members(ctx, req, "remove_stock_from_sector")


@router.post("/reset")
@answers(SectorStocksAnswer)
async def reset_sector(ctx: Ctx, req: SectorStocksRequest) -> JSONResponse:
    """Replace all members of a user sector (xtdata.reset_sector)."""
    return await _change_members(ctx, req, "reset_sector")


@router.delete("/remove")
@answers(RemovedAnswer)
async def remove_sector(ctx: Ctx, sector_name: str = Query(..., description="a user sector")) -> JSONResponse:
    """Delete a user sector (xtdata.remove_sector); 404 if it does not exist. Folders: ``/remove_folder``."""
    name = parse_sector_name(sector_name, "sector_name")
    async with ctx.sector_writes:
        if name not in await ctx.xtdata("get_sector_list"):
            raise NotFound(
                "sector_name",
                f"no sector named {name!r}; see /api/sector/list (folders: DELETE /api/sector/remove_folder)",
                value=name,
            )
        await refuse_system_sector(ctx, name, "sector_name")
        if await _write(ctx, "remove_sector", name, name_param="sector_name") is False:
            raise NotFound("sector_name", f"no sector named {name!r}", value=name)
    return JSONResponse({"removed": name})


@router.delete("/remove_folder")
@answers(RemovedAnswer)
async def remove_sector_folder(
    ctx: Ctx, folder_name: str = Query(..., description="an empty folder of user sectors")
) -> JSONResponse:
    """Delete an empty folder (xtdata.remove_sector, which takes folder names too).

    409 if it still holds folders or sectors (nothing is removed with it); 404 if it is no folder (a sector's
    name included: sectors go with ``DELETE /api/sector/remove``); 403 for the root 我的. On the real
    backend xtquant's remove_sector answers nothing and there is no folder listing, so an unknown or
    non-empty folder cannot be told from a removed one: MiniQMT decides and the answer is 200.
    """
    name = parse_sector_name(folder_name, "folder_name")
    if name == USER_ROOT:
        raise Forbidden("folder_name", f"{USER_ROOT} is the root folder and cannot be removed")
    async with ctx.sector_writes:
        if name in await ctx.xtdata("get_sector_list"):
            raise NotFound(
                "folder_name",
                f"{name!r} is a sector, not a folder; sectors are removed with DELETE /api/sector/remove",
                value=name,
            )
        if await _write(ctx, "remove_sector", name, name_param="folder_name") is False:
            raise NotFound("folder_name", f"no folder named {name!r}", value=name)
    return JSONResponse({"removed": name})
