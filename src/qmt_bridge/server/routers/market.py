"""Market data: snapshots, K-lines (adjusted, filled), local cache, dividend factors."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.market import (
    ARROW_MEDIA,
    BarsAnswer,
    DividFactorsAnswer,
    FullKlineAnswer,
    FullTickAnswer,
    IndicesAnswer,
)
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.params import (
    BulkFormat,
    DividendType,
    TableFormat,
    either,
    parse_bar_fields,
    parse_code,
    parse_codes,
    parse_fields,
    parse_period,
    parse_range,
)
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.bulk import bars_answer
from qmt_bridge.server.services.local_history import DownloadMode
from qmt_bridge.server.services.market_data import (
    bar_query,
    check_codes,
    field_major_query,
    full_tick,
    regroup_field_major,
)
from qmt_bridge.server.services.tabular import frame_payload, frames_payload
from qmt_bridge.xtnames import KLINE_FIELDS

router = APIRouter(prefix="/api/market", tags=["market"], route_class=StrictQueryRoute)

MAJOR_INDICES = (
    "000001.SH",  # 上证指数
    "399001.SZ",  # 深证成指
    "399006.SZ",  # 创业板指
    "000300.SH",  # 沪深300
    "000016.SH",  # 上证50
    "000905.SH",  # 中证500
    "000852.SH",  # 中证1000
    "000688.SH",  # 科创50
)

STOCKS = Query(..., description="逗号分隔的代码, e.g. 000001.SZ,600519.SH")
FIELDS = Query("", description="逗号分隔的字段; 留空 = 全部 (time 总是返回)")
PERIOD = Query("1d", description="tick, 1m, 5m, 15m, 30m, 60m/1h, 1d, 1w, 1mon, 1q, 1hy, 1y")
START = Query("", description="YYYYMMDD or YYYYMMDDhhmmss; empty = unbounded")
END = Query("", description="YYYYMMDD or YYYYMMDDhhmmss; empty = up to now")
COUNT = Query(-1, ge=-1, le=1_000_000, description="-1 = all in range; n = the last n bars")
DIVIDEND = Query(DividendType.none, description="除权: none, front, back, front_ratio, back_ratio")
FILL = Query(True, description="fill suspended bars with the previous close (false: null prices)")
FORMAT = Query(TableFormat.records, description="records: list of rows; columns: field → array")
BULK_FORMAT = Query(
    BulkFormat.records,
    description=(
        "records: list of rows; columns: field → array; arrow: an Apache Arrow IPC stream (one table with a "
        "`code` column; needs pyarrow on the server). Without `format`, `Accept: "
        "application/vnd.apache.arrow.stream` also asks for Arrow where the server can write it."
    ),
)
DOWNLOAD = Query(
    DownloadMode.auto,
    description=(
        "本地缓存: auto = download into MiniQMT's local cache what it may lack before reading (once per range "
        "and server; the simulator has all history and skips it), always = download the range again, "
        "never = read the cache as it is. The answer's `download` says what was downloaded, `no_data` "
        "which codes have no row in the range."
    ),
)


@router.get("/full_tick")
@answers(FullTickAnswer)
async def get_full_tick(ctx: Ctx, stocks: str = STOCKS) -> JSONResponse:
    """Latest snapshot (5-level book) per code; market names such as SH or IF expand to the whole market
    (without the contracts, bonds and options that have expired). Codes of the quote book's markets (SH,
    SZ, BJ by default) are answered from its whole-market push subscription, see /api/meta/quote_book."""
    codes = parse_codes(stocks, allow_markets=True)
    return JSONResponse({"data": await full_tick(ctx, codes)})


@router.get("/indices")
@answers(IndicesAnswer)
async def get_major_indices(ctx: Ctx) -> JSONResponse:
    """Snapshots of the main indices (上证指数, 深证成指, 创业板指, 沪深300, ...)."""
    data = await full_tick(ctx, list(MAJOR_INDICES), check=False)
    return JSONResponse({"indices": list(MAJOR_INDICES), "data": data})


async def _bars(
    request: Request,
    ctx: Ctx,
    function: str,
    stocks: str,
    fields: str,
    period: str,
    start_time: str,
    end_time: str,
    count: int,
    dividend_type: DividendType,
    fill_data: bool,
    format: BulkFormat,
    download: DownloadMode = DownloadMode.never,
) -> Response:
    codes = parse_codes(stocks)
    period = parse_period(period)
    start, end = parse_range(start_time, end_time)
    query = bar_query(
        ctx,
        function,
        codes,
        fields=parse_fields(fields, period=period),
        period=period,
        start_time=start,
        end_time=end,
        count=count,
        dividend_type=dividend_type.value,
        fill_data=fill_data,
        download=download,
    )
    head = {"period": period, "dividend_type": dividend_type.value}
    return await bars_answer(request, ctx, query, format, head)


@router.get("/market_data_ex")
@answers(BarsAnswer, **ARROW_MEDIA)
async def get_market_data_ex(
    request: Request,
    ctx: Ctx,
    stocks: str = STOCKS,
    fields: str = FIELDS,
    period: str = PERIOD,
    start_time: str = START,
    end_time: str = END,
    count: int = COUNT,
    dividend_type: DividendType = DIVIDEND,
    fill_data: bool = FILL,
    format: BulkFormat = BULK_FORMAT,
    download: DownloadMode = DOWNLOAD,
) -> Response:
    """K-lines or ticks per stock (xtdata.get_market_data_ex), with 除权 and fill options; history missing
    from MiniQMT's local cache is downloaded first (see ``download``)."""
    return await _bars(
        request,
        ctx,
        "get_market_data_ex",
        stocks,
        fields,
        period,
        start_time,
        end_time,
        count,
        dividend_type,
        fill_data,
        format,
        download,
    )


@router.get("/local_data")
@answers(BarsAnswer, **ARROW_MEDIA)
async def get_local_data(
    request: Request,
    ctx: Ctx,
    stocks: str = STOCKS,
    fields: str = FIELDS,
    period: str = PERIOD,
    start_time: str = START,
    end_time: str = END,
    count: int = COUNT,
    dividend_type: DividendType = DIVIDEND,
    fill_data: bool = FILL,
    format: BulkFormat = BULK_FORMAT,
) -> Response:
    """Like market_data_ex but reads only the local cache (xtdata.get_local_data) and never downloads;
    works offline. ``no_data`` names the codes the cache has no row of in the range."""
    return await _bars(
        request,
        ctx,
        "get_local_data",
        stocks,
        fields,
        period,
        start_time,
        end_time,
        count,
        dividend_type,
        fill_data,
        format,
    )


MARKET_DATA_FIELDS = "open,high,low,close,volume"


@router.get("/market_data")
@answers(BarsAnswer, **ARROW_MEDIA)
async def get_market_data(
    request: Request,
    ctx: Ctx,
    stocks: str = STOCKS,
    fields: str = Query(
        MARKET_DATA_FIELDS,
        description="逗号分隔的字段; empty (fields=) = every field, as xtquant's []; ticks: all unless given",
    ),
    period: str = PERIOD,
    start_time: str = START,
    end_time: str = END,
    count: int = COUNT,
    dividend_type: DividendType = DIVIDEND,
    fill_data: bool = FILL,
    format: BulkFormat = BULK_FORMAT,
    download: DownloadMode = DOWNLOAD,
) -> Response:
    """Generic query through xtdata.get_market_data (field-major upstream), regrouped per stock; history
    missing from the local cache is downloaded first (see ``download``)."""
    codes = parse_codes(stocks)
    period = parse_period(period)
    start, end = parse_range(start_time, end_time)
    query = field_major_query(
        ctx,
        codes,
        fields=parse_bar_fields(fields, period, MARKET_DATA_FIELDS),
        period=period,
        start_time=start,
        end_time=end,
        count=count,
        dividend_type=dividend_type.value,
        fill_data=fill_data,
        download=download,
    )
    head = {"period": period, "dividend_type": dividend_type.value}
    return await bars_answer(request, ctx, query, format, head)


@router.get("/divid_factors")
@answers(DividFactorsAnswer)
async def get_divid_factors(
    ctx: Ctx,
    stock: str = Query(..., description="股票代码, e.g. 600519.SH"),
    start_time: str = START,
    end_time: str = END,
    format: TableFormat = FORMAT,
) -> JSONResponse:
    """Ex-rights factors: interest, stockBonus, stockGift, allotNum, allotPrice, gugai, dr per ex-date."""
    code = parse_code(stock)
    start, end = parse_range(start_time, end_time)
    await check_codes(ctx, [code], "stock")
    frame = await ctx.xtdata("get_divid_factors", code, start_time=start, end_time=end)
    if "time" not in frame.columns:
        frame = frame.reset_index(names="date")
    return JSONResponse({"stock": code, "data": frame_payload(frame.reset_index(drop=True), format)})


@router.get("/full_kline")
@answers(FullKlineAnswer)
async def get_full_kline(
    ctx: Ctx,
    stocks: str | None = Query(None, description="逗号分隔的代码, e.g. 000001.SZ,600519.SH"),
    fields: str = Query("open,high,low,close,volume,amount", description="逗号分隔的字段"),
    period: str = Query("1m", description="1m, 5m, 15m, 30m, 60m, 1d"),
    start_time: str = Query(
        "", description="YYYYMMDDhhmmss within the latest trading day; empty = its start"
    ),
    end_time: str = Query("", description="YYYYMMDDhhmmss; empty = now"),
    count: int = Query(1, ge=-1, le=100_000, description="the last n bars of the latest trading day"),
    dividend_type: DividendType = DIVIDEND,
    format: TableFormat = FORMAT,
    stock: str | None = Query(None, description="qmt-bridge 2.1.3's name: one code"),
) -> JSONResponse:
    """Bars of the latest trading day from the K-line mirror (xtdata.get_full_kline)."""
    codes = parse_codes(either("stocks", stocks, "stock", stock))
    start, end = parse_range(start_time, end_time)
    period = parse_period(period, allowed=("1m", "5m", "15m", "30m", "60m", "1h", "1d"))
    wanted = parse_fields(fields, period=period) or list(KLINE_FIELDS)
    await check_codes(ctx, codes)
    raw = await ctx.xtdata(
        "get_full_kline",
        field_list=[f for f in wanted if f != "time"] or ["close"],
        stock_list=codes,
        period=period,
        start_time=start,
        end_time=end,
        count=count,
        dividend_type=dividend_type.value,
    )
    frames = regroup_field_major(raw, codes, wanted, period)
    return JSONResponse({"period": period, "data": frames_payload(frames, format)})
