"""Server and backend metadata: health, versions, connection, markets, periods, listings."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from qmt_bridge._version import __version__
from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.meta import (
    BackendStatusAnswer,
    ConnectionStatusAnswer,
    FieldListAnswer,
    HealthAnswer,
    LastTradeDateAnswer,
    MarketListAnswer,
    MarketNamesAnswer,
    MarketStatusAnswer,
    PeriodListAnswer,
    PreDownloadAnswer,
    QuoteBookAnswer,
    RealtimeAnswer,
    StockListAnswer,
    SubInfoAnswer,
    VersionAnswer,
    XtdataVersionAnswer,
)
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.errors import InvalidParameter, NotFound
from qmt_bridge.server.params import MARKET_CODES, ms_to_day, parse_market
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services import market_status as status_of_markets
from qmt_bridge.server.services.backend_status import backend_process_health, backend_state, backend_status

router = APIRouter(prefix="/api/meta", tags=["meta"], route_class=StrictQueryRoute)
health_router = APIRouter(prefix="/api/meta", tags=["meta"], route_class=StrictQueryRoute)


@health_router.get("/health")
@answers(HealthAnswer)
async def health(ctx: Ctx, request: Request) -> JSONResponse:
    """Liveness: answers without touching the backend.

    ``backend_state``: ``restarting`` while a crashed or hung backend process is being replaced, ``down``
    after too many restarts; ``backend_process``: its pid, uptime and restarts in the last hour (null when the
    backend runs inside the server; details at ``/api/meta/backend``). ``trading``: null without ``--trading``; else
    whether the trader is connected (details, for a client with the key, at ``/api/trading/status``).
    """
    service = getattr(request.app.state, "trading", None)
    trading = None
    if service is not None and service.manager is not None:
        state = service.manager.state
        trading = {"connected": state["connected"], "reconnects": state["reconnects"]}
    return JSONResponse(
        {
            "status": "ok",
            "backend": ctx.backend.name,
            "backend_state": backend_state(ctx),
            "backend_process": backend_process_health(ctx),
            "version": __version__,
            "trading": trading,
        }
    )


@router.get("/backend")
@answers(BackendStatusAnswer)
async def get_backend_status(ctx: Ctx) -> JSONResponse:
    """Where the backend runs (``isolation``: a supervised child process, or inside the server) and how it
    has fared: its process id and uptime, each restart with its cause (a crash with its exit code, a hang
    with the call that hung, the calls lost with it), and the backend calls running now. Answers without
    calling the backend, also while it restarts."""
    return JSONResponse(backend_status(ctx))


@router.get("/version")
@answers(VersionAnswer)
async def get_version() -> JSONResponse:
    """Version of qmt-bridge."""
    return JSONResponse({"version": __version__})


@router.get("/xtdata_version")
@answers(XtdataVersionAnswer)
async def get_xtdata_version(ctx: Ctx) -> JSONResponse:
    """Version of the xtquant implementation behind the server (the simulator names itself)."""
    return JSONResponse({"xtdata_version": ctx.backend.version(), "backend": ctx.backend.name})


@router.get("/connection_status")
@answers(ConnectionStatusAnswer)
async def get_connection_status(ctx: Ctx) -> JSONResponse:
    """Whether the market-data service answers."""
    connected = await ctx.run(ctx.backend.is_connected)
    return JSONResponse({"connected": bool(connected), "backend": ctx.backend.name})


@router.get("/predownload")
@answers(PreDownloadAnswer)
async def get_predownload_status(request: Request) -> JSONResponse:
    """State of the automatic pre-download (自动预下载) of sectors, holidays, expired contracts, index
    weights, ETF lists and CB data: run at start and every ``QMT_BRIDGE_PREDOWNLOAD_INTERVAL_HOURS``;
    a later round that falls on a weekend or holiday is skipped (``rounds_skipped``, ``last_skipped``).

    Per function: ``status`` (pending, running, ok, failed), start and end time, duration and the error;
    a failed function is retried after 30 s, doubling up to 10 min (``attempts``, ``next_retry``,
    ``last_error``). The downloads run on the backend's background lane, so requests never wait for them.
    """
    return JSONResponse(request.app.state.scheduler.status.to_dict())


@router.get("/quote_book")
@answers(QuoteBookAnswer)
async def get_quote_book_status(ctx: Ctx) -> JSONResponse:
    """State of the quote book: the whole-market push subscription (``subscribe_whole_quote``) from which
    ``/api/market/full_tick`` answers for codes of its markets. It subscribes on the first snapshot request,
    serves once the first push (the full snapshot) has arrived, and is released after
    ``idle_release_seconds`` without one. Off with ``--no-quote-book``."""
    book = ctx.quotes
    if book is None:
        markets = ctx.settings.quote_markets.split(",")
        return JSONResponse({"enabled": False, "markets": markets, "subscribed": False, "ready": False})
    return JSONResponse({"enabled": True, **book.status()})


@router.get("/realtime")
@answers(RealtimeAnswer)
async def get_realtime_status(request: Request) -> JSONResponse:
    """State of the realtime hub behind the WebSocket streams: each upstream subscription (code, period)
    with its subscriber count, pushes and the age of its last push; the whole-market subscribers; and the
    resubscriptions made after reconnects or silence."""
    return JSONResponse(request.app.state.hub.status())


@router.get("/markets")
@answers(MarketNamesAnswer)
async def get_markets(ctx: Ctx) -> JSONResponse:
    """Market codes and their names (xtdata.get_markets)."""
    return JSONResponse({"markets": await ctx.xtdata("get_markets")})


@router.get("/market_status")
@answers(MarketStatusAnswer)
async def get_market_status(
    ctx: Ctx,
    markets: str = Query(
        "SH,SZ,BJ", max_length=32, description="comma-separated: " + ", ".join(status_of_markets.MARKETS)
    ),
) -> JSONResponse:
    """市场状态: where each A-share exchange is in its day at the backend's clock (seed 002's unified market
    state): ``state`` (pre_open, call_auction, trading, closing_auction, lunch_break, closed), ``unified``
    (PRE_HOURS, RTH, REST, CLOSED), the exchange's ``raw`` period (xtdata.get_trading_period), whether today is
    a trading day, and the next change."""
    wanted = [m.strip().upper() for m in markets.split(",")]
    unknown = [m for m in wanted if m not in status_of_markets.MARKETS]
    if unknown or not wanted:
        raise InvalidParameter(
            "markets",
            f"{', '.join(repr(m) for m in unknown) or 'none'}: not one of {', '.join(status_of_markets.MARKETS)}",
            value=markets,
        )
    return JSONResponse(await status_of_markets.market_status(ctx, list(dict.fromkeys(wanted))))


@router.get("/period_list")
@answers(PeriodListAnswer)
async def get_period_list(ctx: Ctx) -> JSONResponse:
    """K-line periods the backend offers (xtdata.get_period_list)."""
    return JSONResponse({"periods": await ctx.xtdata("get_period_list")})


@router.get("/stock_list")
@answers(StockListAnswer)
async def get_stock_list(
    ctx: Ctx, category: str = Query(..., description="类别 (板块名), e.g. 沪深A股, 沪深ETF, 沪深指数")
) -> JSONResponse:
    """Codes of a category, i.e. the members of the sector of that name."""
    sectors = await ctx.xtdata("get_sector_list")
    if category not in sectors:
        raise NotFound("category", f"unknown category {category!r}; see /api/sector/list", value=category)
    stocks = await ctx.xtdata("get_stock_list_in_sector", category)
    return JSONResponse({"category": category, "count": len(stocks), "stocks": list(stocks)})


@router.get("/last_trade_date")
@answers(LastTradeDateAnswer)
async def get_last_trade_date(
    ctx: Ctx, market: str = Query("SH", description=", ".join(MARKET_CODES))
) -> JSONResponse:
    """The latest trading day of a market, as ms (xtdata.get_market_last_trade_date) and YYYYMMDD."""
    market = parse_market(market)
    ms = int(await ctx.xtdata("get_market_last_trade_date", market))
    day = ms_to_day(ms) if ms > 0 else None
    return JSONResponse({"market": market, "last_trade_date": ms, "date": day})


@router.get("/authorized_market_list")
@answers(MarketListAnswer)
async def get_authorized_market_list(ctx: Ctx) -> JSONResponse:
    """Markets this account may read (xtdata.get_authorized_market_list)."""
    return JSONResponse({"markets": list(await ctx.xtdata("get_authorized_market_list"))})


@router.get("/wp_market_list")
@answers(MarketListAnswer)
async def get_wp_market_list(ctx: Ctx) -> JSONResponse:
    """Foreign (外盘) markets (xtdata.get_wp_market_list)."""
    return JSONResponse({"markets": await ctx.xtdata("get_wp_market_list")})


@router.get("/field_list")
@answers(FieldListAnswer)
async def get_field_list(
    ctx: Ctx,
    metaid: int = Query(..., ge=0, le=2**31 - 1, description="data type id, e.g. 3001 K-line, 2 tick"),
) -> JSONResponse:
    """Field names and their Chinese descriptions for a data type (xtdata.get_field_list)."""
    fields = await ctx.xtdata("get_field_list", metaid)
    if not fields:
        raise NotFound("metaid", f"no field list for metaid {metaid}", value=metaid)
    return JSONResponse({"metaid": metaid, "fields": fields})


@router.get("/sub_info")
@answers(SubInfoAnswer)
async def get_sub_info(ctx: Ctx) -> JSONResponse:
    """Quote subscriptions of this connection and of the whole terminal
    (xtdata.get_current_connect_sub_info, xtdata.get_all_sub_info)."""
    current = await ctx.xtdata("get_current_connect_sub_info")
    everyone = await ctx.xtdata("get_all_sub_info")
    return JSONResponse({"current_connection": current or [], "all": everyone or []})
