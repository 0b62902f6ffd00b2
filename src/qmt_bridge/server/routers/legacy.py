"""Legacy endpoints of qmt-bridge 1.x, kept for compatibility; new code should use /api/market/*."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from pydantic import AliasChoices, Field
from starlette.responses import Response

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.legacy import (
    LegacyBatchHistoryAnswer,
    LegacyDownloadAnswer,
    LegacyHistoryAnswer,
    LegacyInstrumentDetailAnswer,
    LegacySectorStocksAnswer,
)
from qmt_bridge.server.answers.market import ARROW_MEDIA, FullTickAnswer
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.models import RequestBody
from qmt_bridge.server.params import (
    BulkFormat,
    DividendType,
    TableFormat,
    parse_bar_fields,
    parse_code,
    parse_codes,
    parse_period,
    parse_range,
)
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers.instrument import ISCOMPLETE
from qmt_bridge.server.routers.market import DIVIDEND, FORMAT
from qmt_bridge.server.routers.sector import require_sector
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.bulk import bars_answer
from qmt_bridge.server.services.market_data import BarQuery, bar_query, check_codes, full_tick
from qmt_bridge.server.services.tabular import frame_payload

router = APIRouter(prefix="/api", tags=["legacy"], route_class=StrictQueryRoute)

LEGACY_FIELDS = "time,open,high,low,close,volume,amount"

PERIOD = Query("1d", description="tick, 1m, 5m, 15m, 30m, 60m, 1d, 1w, 1mon, ...")
COUNT = Query(100, ge=-1, le=1_000_000, description="the last n bars; -1 = all")
FIELDS = Query(LEGACY_FIELDS, description="逗号分隔的字段")
START = Query("", description="YYYYMMDD[hhmmss]")
END = Query("", description="YYYYMMDD[hhmmss]")


class DownloadRequest(RequestBody):
    """Body of ``POST /api/download``."""

    stock: str = Field(..., description="代码, e.g. 000001.SZ")
    period: str = Field("1d", description="K-line period or tick")
    start_time: str = Field("", validation_alias=AliasChoices("start_time", "start"), description="YYYYMMDD")
    end_time: str = Field("", validation_alias=AliasChoices("end_time", "end"), description="YYYYMMDD")


def _history(
    ctx: Ctx,
    codes: list[str],
    period: str,
    count: int,
    fields: str,
    start_time: str,
    end_time: str,
    dividend_type: DividendType,
    param: str,
) -> BarQuery:
    start, end = parse_range(start_time, end_time)
    period = parse_period(period)
    return bar_query(
        ctx,
        "get_market_data_ex",
        codes,
        fields=parse_bar_fields(fields, period, LEGACY_FIELDS),
        period=period,
        start_time=start,
        end_time=end,
        count=count,
        dividend_type=dividend_type.value,
        fill_data=True,
        param=param,
    )


@router.get("/history")
@answers(LegacyHistoryAnswer)
async def legacy_history(
    ctx: Ctx,
    stock: str = Query(..., description="代码, e.g. 000001.SZ"),
    period: str = PERIOD,
    count: int = COUNT,
    fields: str = FIELDS,
    start_time: str = START,
    end_time: str = END,
    dividend_type: DividendType = DIVIDEND,
    format: TableFormat = FORMAT,
) -> JSONResponse:
    """[Legacy] K-lines of one stock (history missing from the local cache is downloaded first)."""
    code = parse_code(stock)
    query = _history(ctx, [code], period, count, fields, start_time, end_time, dividend_type, "stock")
    bars = await query.all()
    data = frame_payload(bars.frames[code], format)
    return JSONResponse({"stock": code, "period": period, "count": count, "data": data, **bars.notes()})


@router.get("/batch_history")
@answers(LegacyBatchHistoryAnswer, **ARROW_MEDIA)
async def legacy_batch_history(
    request: Request,
    ctx: Ctx,
    stocks: str = Query(..., description="逗号分隔的代码"),
    period: str = PERIOD,
    count: int = COUNT,
    fields: str = FIELDS,
    start_time: str = START,
    end_time: str = END,
    dividend_type: DividendType = DIVIDEND,
    format: TableFormat = FORMAT,
) -> Response:
    """[Legacy] K-lines of several stocks (history missing from the local cache is downloaded first)."""
    codes = parse_codes(stocks)
    query = _history(ctx, codes, period, count, fields, start_time, end_time, dividend_type, "stocks")
    head = {"stocks": codes, "period": period, "count": count}
    return await bars_answer(request, ctx, query, BulkFormat(format.value), head)


@router.get("/full_tick")
@answers(FullTickAnswer)
async def legacy_full_tick(ctx: Ctx, stocks: str = Query(..., description="逗号分隔的代码")) -> JSONResponse:
    """[Legacy] Latest snapshots; same as /api/market/full_tick."""
    codes = parse_codes(stocks, allow_markets=True)
    return JSONResponse({"data": await full_tick(ctx, codes)})


@router.get("/sector_stocks")
@answers(LegacySectorStocksAnswer)
async def legacy_sector_stocks(ctx: Ctx, sector: str = Query(..., description="板块名称")) -> JSONResponse:
    """[Legacy] Members of a sector; same as /api/sector/stocks."""
    sector = await require_sector(ctx, sector)
    stocks = await ctx.xtdata("get_stock_list_in_sector", sector)
    return JSONResponse({"sector": sector, "stocks": list(stocks)})


@router.get("/instrument_detail")
@answers(LegacyInstrumentDetailAnswer)
async def legacy_instrument_detail(
    ctx: Ctx, stock: str = Query(..., description="代码"), iscomplete: bool = ISCOMPLETE
) -> JSONResponse:
    """[Legacy] Details of one instrument."""
    code = parse_code(stock)
    await check_codes(ctx, [code], "stock")
    detail = await ctx.xtdata("get_instrument_detail", code, iscomplete)
    return JSONResponse({"stock": code, "detail": detail})


@router.post("/download")
@answers(LegacyDownloadAnswer)
async def legacy_download(ctx: Ctx, req: DownloadRequest) -> JSONResponse:
    """[Legacy] Download one stock's history into the local cache (xtdata.download_history_data2)."""
    code = parse_code(req.stock)
    period = parse_period(req.period)
    start, end = parse_range(req.start_time, req.end_time)
    await check_codes(ctx, [code], "stock")
    result = await ctx.download("download_history_data2", [code], period, start, end)
    ctx.local_history.record([code], period, start, end)
    return JSONResponse({"status": "ok", "stock": code, "period": period, "result": result or {}})
