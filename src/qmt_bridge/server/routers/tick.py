"""Level-2 data (逐笔): quotes, orders, transactions, thousand-level books and their statistics.

xtquant keeps Level-2 data only for the current trading day and only with an L2 entitlement; with no
data for a code the answer is 200 with an empty list, as xtquant returns nothing rather than failing.
"""

from __future__ import annotations

from fastapi import APIRouter, Query

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.tick import (
    FullspeedOrderbookAnswer,
    L2OrderAnswer,
    L2OrderRow,
    L2QuoteAnswer,
    L2QuoteRow,
    L2TransactionAnswer,
    L2TransactionRow,
    OrderRankAnswer,
    ThousandQueueAnswer,
    ThousandQuoteAnswer,
    TransactionCountAnswer,
)
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.errors import InvalidParameter
from qmt_bridge.server.params import (
    TableFormat,
    parse_code,
    parse_codes,
    parse_fields,
    parse_range,
    parse_time,
)
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.market_data import check_codes
from qmt_bridge.server.services.tabular import frame_payload, structured_frame

router = APIRouter(prefix="/api/tick", tags=["tick"], route_class=StrictQueryRoute)

#: Above any price on a Chinese exchange; xtquant scales prices to integers, so absurd ones overflow.
MAX_PRICE = 1e7

STOCK = Query(..., description="代码, e.g. 000001.SZ")
FIELDS = Query("", description="逗号分隔的字段; empty = all")
START = Query("", description="YYYYMMDDhhmmss (today)")
END = Query("", description="YYYYMMDDhhmmss (today)")
COUNT = Query(-1, ge=-1, le=1_000_000, description="-1 = all; n = the last n rows")
FORMAT = Query(TableFormat.records, description="records or columns")


#: The fields of each Level-2 table (``shared/xtquant-api.md``), as its documented row.
LEVEL2_ROWS = {"get_l2_quote": L2QuoteRow, "get_l2_order": L2OrderRow, "get_l2_transaction": L2TransactionRow}


async def _level2(
    ctx: Ctx,
    function: str,
    stock: str,
    fields: str,
    start_time: str,
    end_time: str,
    count: int,
    fmt: TableFormat,
) -> JSONResponse:
    code = parse_code(stock)
    start, end = parse_range(start_time, end_time)
    field_list = parse_fields(fields)
    known = LEVEL2_ROWS[function].model_fields
    unknown = [f for f in field_list if f not in known]
    if unknown:  # xtquant would leave them out: an answer without the fields asked, or with no row at all
        raise InvalidParameter(
            "fields", f"unknown field(s) {', '.join(unknown)}; one of {', '.join(known)}", value=unknown
        )
    await check_codes(ctx, [code], "stock")
    array = await ctx.xtdata(
        function,
        field_list=field_list,
        stock_code=code,
        start_time=start,
        end_time=end,
        count=count,
    )
    return JSONResponse({"stock": code, "data": frame_payload(structured_frame(array), fmt)})


@router.get("/l2_quote")
@answers(L2QuoteAnswer)
async def get_l2_quote(
    ctx: Ctx,
    stock: str = STOCK,
    fields: str = FIELDS,
    start_time: str = START,
    end_time: str = END,
    count: int = COUNT,
    format: TableFormat = FORMAT,
) -> JSONResponse:
    """Level-2 snapshots with 10-level books (xtdata.get_l2_quote)."""
    return await _level2(ctx, "get_l2_quote", stock, fields, start_time, end_time, count, format)


@router.get("/l2_order")
@answers(L2OrderAnswer)
async def get_l2_order(
    ctx: Ctx,
    stock: str = STOCK,
    fields: str = FIELDS,
    start_time: str = START,
    end_time: str = END,
    count: int = COUNT,
    format: TableFormat = FORMAT,
) -> JSONResponse:
    """Level-2 order stream, 逐笔委托 (xtdata.get_l2_order)."""
    return await _level2(ctx, "get_l2_order", stock, fields, start_time, end_time, count, format)


@router.get("/l2_transaction")
@answers(L2TransactionAnswer)
async def get_l2_transaction(
    ctx: Ctx,
    stock: str = STOCK,
    fields: str = FIELDS,
    start_time: str = START,
    end_time: str = END,
    count: int = COUNT,
    format: TableFormat = FORMAT,
) -> JSONResponse:
    """Level-2 transaction stream, 逐笔成交 (xtdata.get_l2_transaction)."""
    return await _level2(ctx, "get_l2_transaction", stock, fields, start_time, end_time, count, format)


@router.get("/l2_thousand_quote")
@answers(ThousandQuoteAnswer)
async def get_l2_thousand_quote(
    ctx: Ctx,
    stock: str = STOCK,
    start_time: str = Query("", description="YYYYMMDDhhmmss today; empty = from the open"),
    end_time: str = Query("", description="YYYYMMDDhhmmss; empty = now"),
    count: int = Query(1, ge=-1, le=100_000, description="the last n books"),
) -> JSONResponse:
    """Thousand-level books, 千档行情 (xtdata.get_market_data_ex with period l2thousand)."""
    code = parse_code(stock)
    start, end = parse_range(start_time, end_time)
    await check_codes(ctx, [code], "stock")
    frames = await ctx.xtdata(
        "get_market_data_ex", [], [code], period="l2thousand", start_time=start, end_time=end, count=count
    )
    frame = frames.get(code)
    data = frame_payload(frame.reset_index(drop=True), TableFormat.records) if frame is not None else []
    return JSONResponse({"stock": code, "data": data})


@router.get("/l2thousand_queue")
@answers(ThousandQueueAnswer)
async def get_l2thousand_queue(
    ctx: Ctx,
    stock: str = STOCK,
    gear_num: int | None = Query(None, ge=1, le=1000, description="the first n price levels"),
    price: str = Query("", description="a price, or lo,hi for a range"),
) -> JSONResponse:
    """Per-order queues of the thousand-level book (xtdata.get_l2thousand_queue)."""
    code = parse_code(stock)
    if gear_num is not None and price:
        raise InvalidParameter("price", "give gear_num or price, not both")
    prices = _parse_prices(price)
    await check_codes(ctx, [code], "stock")
    data = await ctx.xtdata("get_l2thousand_queue", code, gear_num=gear_num, price=prices)
    return JSONResponse({"stock": code, "data": data})


def _parse_prices(text: str) -> float | tuple[float, float] | None:
    if not text:
        return None
    try:
        values = [float(p) for p in text.split(",")]
    except ValueError:
        raise InvalidParameter("price", f"{text!r} is not a price or lo,hi", value=text) from None
    if not all(0 < v <= MAX_PRICE for v in values):  # also rejects inf and nan
        raise InvalidParameter("price", f"prices must lie in (0, {MAX_PRICE:g}]", value=text)
    if len(values) == 1:
        return values[0]
    if len(values) == 2 and values[0] <= values[1]:
        return (values[0], values[1])
    raise InvalidParameter("price", "expected a positive price or lo,hi with lo <= hi", value=text)


@router.get("/transactioncount")
@answers(TransactionCountAnswer)
async def get_transactioncount(
    ctx: Ctx, stocks: str = Query(..., description="逗号分隔的代码")
) -> JSONResponse:
    """Big-order statistics of today's transactions (xtdata.get_transactioncount)."""
    codes = parse_codes(stocks)
    await check_codes(ctx, codes)
    return JSONResponse({"data": await ctx.xtdata("get_transactioncount", codes)})


@router.get("/fullspeed_orderbook")
@answers(FullspeedOrderbookAnswer)
async def get_fullspeed_orderbook(
    ctx: Ctx, stocks: str = Query(..., description="逗号分隔的代码")
) -> JSONResponse:
    """20-level full-speed order books (xtdata.get_fullspeed_orderbook)."""
    codes = parse_codes(stocks)
    await check_codes(ctx, codes)
    return JSONResponse({"data": await ctx.xtdata("get_fullspeed_orderbook", codes)})


@router.get("/order_rank")
@answers(OrderRankAnswer)
async def get_order_rank(
    ctx: Ctx,
    stock: str = STOCK,
    order_time: str = Query(..., description="YYYYMMDDhhmmss of the order"),
    order_type: str = Query(..., pattern="^(buy|sell)$", description="buy or sell"),
    order_price: float = Query(
        ..., gt=0, le=MAX_PRICE, allow_inf_nan=False, description="limit price of the order"
    ),
    order_volume: int = Query(..., gt=0, description="volume of the order (shares)"),
    order_left_volume: int = Query(
        ..., ge=0, description="its unfilled volume; = order_volume if nothing has traded"
    ),
) -> JSONResponse:
    """Queue position of an order at its price (xtdata.get_order_rank)."""
    code = parse_code(stock)
    moment = parse_time(order_time, "order_time", required=True)
    await check_codes(ctx, [code], "stock")
    rank = await ctx.xtdata(
        "get_order_rank", code, moment, order_type, order_price, order_volume, order_left_volume
    )
    return JSONResponse({"stock": code, "data": rank})
