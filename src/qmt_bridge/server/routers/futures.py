"""Futures: main and second-main contracts, tradable contracts."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Query

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.futures import MainContractAnswer, TradingContractListAnswer
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.errors import InvalidParameter
from qmt_bridge.server.params import ms_to_day, parse_date, parse_range
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.market_data import check_codes

router = APIRouter(prefix="/api/futures", tags=["futures"], route_class=StrictQueryRoute)

#: Exchange spellings users bring from other tools → xtquant's market suffix.
MARKET_ALIASES = {
    "IF": "IF", "CFE": "IF", "CFFEX": "IF",
    "SF": "SF", "SHF": "SF", "SHFE": "SF",
    "DF": "DF", "DCE": "DF",
    "ZF": "ZF", "CZC": "ZF", "CZCE": "ZF",
    "GF": "GF", "GFEX": "GF",
    "INE": "INE",
}  # fmt: skip


def parse_product(value: str, param: str = "code_market") -> str:
    """``IF00.IF``, ``IF.IF``, ``IF.CFE`` or ``rb.SHFE`` → xtquant's continuous code (``IF00.IF``)."""
    match = re.fullmatch(r"([A-Za-z]{1,3})(00)?\.([A-Za-z]{2,5})", value.strip())
    if not match:
        raise InvalidParameter(
            param, f"{value!r} is not a futures product such as IF00.IF or IF.CFE", value=value
        )
    product, _, market = match.groups()
    suffix = MARKET_ALIASES.get(market.upper())
    if suffix is None:
        raise InvalidParameter(param, f"unknown futures exchange {market!r}", value=value)
    return f"{product}00.{suffix}"


def _series_rows(result: Any) -> list[dict[str, Any]]:
    """xtquant answers a date range with a pandas Series indexed by the change's time (ms); make it rows."""
    return [{"date": _day(index), "contract": str(value)} for index, value in result.items()]


def _day(index: Any) -> str:
    text = str(index)
    if text.isdigit() and len(text) >= 12:  # ms since the epoch, 00:00 China time
        return ms_to_day(int(text))
    return text[:8]


async def _main(ctx: Ctx, function: str, code_market: str, start_time: str, end_time: str) -> JSONResponse:
    code = parse_product(code_market)
    start, end = parse_range(start_time, end_time)
    await check_codes(ctx, [code], "code_market")
    result = await ctx.xtdata(function, code, start, end)
    body: dict[str, Any] = {"code_market": code, "start_time": start, "end_time": end}
    if hasattr(result, "items"):
        body["changes"] = _series_rows(result)
    else:
        body["contract"] = str(result) if result else None
    body["data"] = body.get("changes", body.get("contract"))  # qmt-bridge 2.1.3's key for the same answer
    return JSONResponse(body)


@router.get("/main_contract")
@answers(MainContractAnswer)
async def get_main_contract(
    ctx: Ctx,
    code_market: str = Query(..., description="IF00.IF (also IF.IF, IF.CFE)"),
    start_time: str = Query("", description="YYYYMMDD: the main contract on that day"),
    end_time: str = Query("", description="YYYYMMDD: with start_time, every change in the range"),
) -> JSONResponse:
    """The main contract now, on a day, or its changes over a range (xtdata.get_main_contract)."""
    return await _main(ctx, "get_main_contract", code_market, start_time, end_time)


@router.get("/sec_main_contract")
@answers(MainContractAnswer)
async def get_sec_main_contract(
    ctx: Ctx,
    code_market: str = Query(..., description="IF00.IF (also IF.IF, IF.CFE)"),
    start_time: str = Query("", description="YYYYMMDD"),
    end_time: str = Query("", description="YYYYMMDD"),
) -> JSONResponse:
    """The second-main contract (xtdata.get_sec_main_contract)."""
    return await _main(ctx, "get_sec_main_contract", code_market, start_time, end_time)


@router.get("/trading_contract_list")
@answers(TradingContractListAnswer)
async def get_trading_contract_list(
    ctx: Ctx,
    code_market: str = Query(..., description="IF00.IF (also IF.IF, IF.CFE)"),
    date: str = Query("", description="YYYYMMDD; empty = today"),
) -> JSONResponse:
    """Contracts of the product tradable on a day (xtdata.get_trading_contract_list)."""
    code = parse_product(code_market)
    day = f"{parse_date(date):%Y%m%d}" if date else None
    await check_codes(ctx, [code], "code_market")
    contracts = await ctx.xtdata("get_trading_contract_list", code, day)
    return JSONResponse({"code_market": code, "date": day, "contracts": list(contracts or [])})
