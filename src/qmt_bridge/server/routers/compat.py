"""The paths of qmt-bridge 2.1.3 (PyPI; the existing implementation of the same spec) that ours name
differently, so that its ``QMTClient`` works against this server unchanged.

Where the same operation exists here under another path, the path is an *alias*: the same endpoint
function, registered twice (:data:`ALIASES`). Where 2.1.3 takes other parameter names or reads other keys, a
thin endpoint here translates and calls the same services. Its paths that call functions xtquant does not
have (``get_l2_thousand_orderbook``, ...) are served by what they meant; its formula and tabular paths answer
501 (``planned.py``). The table of its paths and ours is in ``docs/api-coverage.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.compat import (
    BatchStockNameAnswer,
    CbConversionPriceAnswer,
    CodeToMarketAnswer,
    IpoDownloadAnswer,
    OneFullspeedBookAnswer,
    OneTransactionCountAnswer,
    QuoteServerStatusAnswer,
    SearchAnswer,
    StockNameAnswer,
    TradingDatesCountAnswer,
    TradingTimeAnswer,
)
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.errors import InvalidParameter
from qmt_bridge.server.params import TableFormat, parse_code, parse_codes, parse_market, parse_range
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers import download, funds, instrument, market, meta, option, tick
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.market_data import check_codes
from qmt_bridge.server.services.tabular import frame_payload

TAG = "compat (qmt-bridge 2.1.3)"
router = APIRouter(tags=[TAG], route_class=StrictQueryRoute)

#: (method, 2.1.3 path, our endpoint): the same operation, parameters and answer under both paths.
ALIASES: tuple[tuple[str, str, Callable[..., Any]], ...] = (
    ("GET", "/api/market/history_ex", market.get_market_data_ex),
    ("GET", "/api/market/market_data3", market.get_market_data_ex),
    ("GET", "/api/market/snapshot", market.get_full_tick),
    ("GET", "/api/instrument/batch_detail", instrument.get_instrument_detail_list),
    ("GET", "/api/instrument/st_history", instrument.get_his_st_data),
    ("GET", "/api/meta/periods", meta.get_period_list),
    ("GET", "/api/option/history_list", option.get_his_option_list),
    # 2.1.3 answered the bond's terms under both names, with `stock` for the code (cb/info takes it too).
    ("GET", "/api/cb/detail", funds.get_cb_info),
    ("GET", "/api/cb/bond_info", funds.get_cb_info),
    # 2.1.3 called functions xtquant does not have here (get_l2_thousand_orderbook, get_l2_thousand_trade);
    # these are what they meant: the thousand-level books and the Level-2 trades.
    ("GET", "/api/tick/l2_thousand_orderbook", tick.get_l2_thousand_quote),
    ("GET", "/api/tick/l2_thousand_trade", tick.get_l2_transaction),
    ("POST", "/api/download/batch", download.download_history_data2),
    ("POST", "/api/download/financial", download.download_financial_data),
    ("POST", "/api/download/financial2", download.download_financial_data),
    ("POST", "/api/download/holiday", download.download_holiday_data),
    ("POST", "/api/download/option_data", download.download_history_contracts),
)

for _method, _path, _endpoint in ALIASES:
    router.add_api_route(
        _path,
        _endpoint,
        methods=[_method],
        name=f"{_endpoint.__name__} ({_path})",
        summary=f"{_path}: qmt-bridge 2.1.3's name of {_endpoint.__name__}",
        description=(_endpoint.__doc__ or "") + "\n\nThe same operation as under our own path; kept for "
        "clients of qmt-bridge 2.1.3.",
    )

#: Paths only 2.1.3's client calls: its method names for them are ours for the /api/tick/ forms (one code
#: here, several there), so our client calls those.
ONLY_FOR_2_1_3 = frozenset(
    {("GET", "/api/market/fullspeed_orderbook"), ("GET", "/api/market/transactioncount")}
)

STOCK = Query(..., description="代码, e.g. 000001.SZ")
STOCKS = Query(..., description="逗号分隔的代码")


# ---------------------------------------------------------------------- calendar


@router.get("/api/calendar/trading_dates_count")
@answers(TradingDatesCountAnswer)
async def get_trading_dates_count(
    ctx: Ctx,
    market: str = Query(..., description="SH, SZ, ..."),
    start_time: str = Query("", description="YYYYMMDD; empty = from the first day"),
    end_time: str = Query("", description="YYYYMMDD; empty = up to today"),
) -> JSONResponse:
    """How many trading days the range holds (xtdata.get_trading_dates, counted)."""
    market = parse_market(market)
    start, end = parse_range(start_time, end_time)
    dates = await ctx.xtdata("get_trading_dates", market, start_time=start, end_time=end, count=-1)
    return JSONResponse({"market": market, "count": len(dates)})


@router.get("/api/calendar/trading_time")
@answers(TradingTimeAnswer)
async def get_trading_time(ctx: Ctx, stock: str = STOCK) -> JSONResponse:
    """Trading sessions of an instrument under 2.1.3's key (xtdata.get_trading_period)."""
    code = parse_code(stock)
    await check_codes(ctx, [code], "stock")
    return JSONResponse({"stock": code, "trading_time": await ctx.xtdata("get_trading_period", code)})


# ---------------------------------------------------------------------- market and tick


async def _per_code(ctx: Ctx, function: str, stock: str) -> JSONResponse:
    code = parse_code(stock)
    await check_codes(ctx, [code], "stock")
    answer = await ctx.xtdata(function, [code])
    return JSONResponse({"stock": code, "data": answer.get(code)})


UNUSED_START = Query("", description="accepted for qmt-bridge 2.1.3's client; the data has no history")
UNUSED_END = Query("", description="accepted for qmt-bridge 2.1.3's client; the data has no history")


@router.get("/api/market/fullspeed_orderbook")
@answers(OneFullspeedBookAnswer)
async def get_market_fullspeed_orderbook(
    ctx: Ctx, stock: str = STOCK, start_time: str = UNUSED_START, end_time: str = UNUSED_END
) -> JSONResponse:
    """The 20-level full-speed book of one code now (xtdata.get_fullspeed_orderbook; it has no history,
    so ``start_time``/``end_time`` are accepted and unused, as 2.1.3's client sends them)."""
    return await _per_code(ctx, "get_fullspeed_orderbook", stock)


@router.get("/api/market/transactioncount")
@answers(OneTransactionCountAnswer)
async def get_market_transactioncount(
    ctx: Ctx, stock: str = STOCK, start_time: str = UNUSED_START, end_time: str = UNUSED_END
) -> JSONResponse:
    """Big-order statistics of one code today (xtdata.get_transactioncount; today only, so
    ``start_time``/``end_time`` are accepted and unused)."""
    return await _per_code(ctx, "get_transactioncount", stock)


# ---------------------------------------------------------------------- convertible bonds


@router.get("/api/cb/conversion_price")
@answers(CbConversionPriceAnswer)
async def get_cb_conversion_price(ctx: Ctx, stock: str = STOCK) -> JSONResponse:
    """The conversion price history (xtdata.bnd_get_conversion_price) as records; 2.1.3 answered the
    bond's terms here."""
    code = parse_code(stock)
    await check_codes(ctx, [code], "stock")
    frame = await ctx.xtdata("bnd_get_conversion_price", code, "", "")
    return JSONResponse({"stock": code, "data": frame_payload(frame, TableFormat.records)})


# ---------------------------------------------------------------------- meta, utilities


@router.get("/api/meta/quote_server_status")
@answers(QuoteServerStatusAnswer)
async def get_quote_server_status(ctx: Ctx) -> JSONResponse:
    """The connected quote servers by quote key (xtdata.get_quote_server_status): each server's info."""
    status = await ctx.xtdata("get_quote_server_status")
    return JSONResponse(
        {"data": {str(key): getattr(server, "info", server) for key, server in status.items()}}
    )


@router.get("/api/utility/stock_name")
@answers(StockNameAnswer)
async def get_stock_name(ctx: Ctx, stock: str = STOCK) -> JSONResponse:
    """The instrument's name (InstrumentName of xtdata.get_instrument_detail)."""
    code = parse_code(stock)
    await check_codes(ctx, [code], "stock")
    detail = await ctx.xtdata("get_instrument_detail", code)
    return JSONResponse({"stock": code, "name": (detail or {}).get("InstrumentName", "")})


@router.get("/api/utility/batch_stock_name")
@answers(BatchStockNameAnswer)
async def get_batch_stock_name(ctx: Ctx, stocks: str = STOCKS) -> JSONResponse:
    """Names of several codes; an unknown code's name is empty."""
    codes = parse_codes(stocks)
    details = await ctx.xtdata("get_instrument_detail_list", codes, False)
    return JSONResponse(
        {"data": {code: ((details or {}).get(code) or {}).get("InstrumentName", "") for code in codes}}
    )


@router.get("/api/utility/code_to_market")
@answers(CodeToMarketAnswer)
async def code_to_market(ctx: Ctx, stock: str = STOCK) -> JSONResponse:
    """The market of a code and its instrument types (xtdata.get_instrument_type)."""
    code = parse_code(stock)
    await check_codes(ctx, [code], "stock")
    types = await ctx.xtdata("get_instrument_type", code)
    return JSONResponse({"stock": code, "market": code.rsplit(".", 1)[1], "type": types})


#: Names of a sector's members, kept for an hour per backend and sector: a name search reads every member's
#: detail once (seconds for 5,000 codes), not on each keystroke.
NAMES_TTL = 3600.0
_names: dict[tuple[int, str], tuple[float, dict[str, str]]] = {}


async def _member_names(ctx: Ctx, category: str, members: list[str]) -> dict[str, str]:
    key = (id(ctx.backend), category)
    cached = _names.get(key)
    if cached is not None and time.monotonic() - cached[0] < NAMES_TTL and set(cached[1]) == set(members):
        return cached[1]
    details = await ctx.xtdata("get_instrument_detail_list", members, False) or {}
    names = {code: str((details.get(code) or {}).get("InstrumentName", "")) for code in members}
    _names[key] = (time.monotonic(), names)
    return names


@router.get("/api/utility/search")
@answers(SearchAnswer)
async def search_stocks(
    ctx: Ctx,
    keyword: str = Query(..., min_length=1, max_length=50, description="part of a code or of a name"),
    category: str = Query("沪深A股", description="the sector to search"),
    limit: int = Query(20, ge=1, le=1000, description="at most this many"),
) -> JSONResponse:
    """Codes of ``category`` whose code or name contains ``keyword`` (case-insensitive), code matches first."""
    members = list(await ctx.xtdata("get_stock_list_in_sector", category))
    if not members:
        raise InvalidParameter("category", f"no sector {category!r} (or it is empty)", value=category)
    wanted = keyword.strip().upper()
    matches = [code for code in members if wanted in code.upper()][:limit]
    if len(matches) < limit:
        names = await _member_names(ctx, category, members)
        chosen = set(matches)
        named = [code for code in members if code not in chosen and wanted in names[code].upper()]
        matches += named[: limit - len(matches)]
    return JSONResponse({"keyword": keyword, "count": len(matches), "stocks": matches})


# ---------------------------------------------------------------------- downloads


@router.post("/api/download/ipo_data")
@answers(IpoDownloadAnswer)
async def download_ipo_data(ctx: Ctx) -> JSONResponse:
    """Nothing to download: xtdata.get_ipo_info reads new issues from the quote server when asked."""
    return JSONResponse(
        {"status": "ok", "function": None, "result": None, "note": "get_ipo_info needs no download"}
    )
