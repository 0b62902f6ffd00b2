"""HK Stock Connect (港股通): eligible stocks, by channel, and broker queues."""

from __future__ import annotations

from enum import Enum

from fastapi import APIRouter, Query

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.hk import (
    BrokerDictAnswer,
    BrokerQueueAnswer,
    ConnectStocksAnswer,
    HkStockListAnswer,
)
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.errors import InvalidParameter
from qmt_bridge.server.params import parse_codes, parse_range
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers.market import END, START
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.market_data import check_codes

router = APIRouter(prefix="/api/hk", tags=["hk"], route_class=StrictQueryRoute)

CONNECT_SECTOR = "港股通"


class Direction(str, Enum):
    """Channel of southbound trading: through Shanghai (沪港通) or Shenzhen (深港通)."""

    sh = "sh"
    sz = "sz"


#: sector of each channel's eligible stocks.
DIRECTION_SECTORS = {Direction.sh: "港股通(沪)", Direction.sz: "港股通(深)"}


class ConnectType(str, Enum):
    """qmt-bridge 2.1.3's ``connect_type``: north = the A shares northbound investors may trade (沪股通 and
    深股通), south = the HK stocks of both channels (港股通)."""

    north = "north"
    south = "south"


CONNECT_SECTORS = {ConnectType.north: ("沪股通", "深股通"), ConnectType.south: ("港股通",)}


@router.get("/stock_list")
@answers(HkStockListAnswer)
async def get_hk_stock_list(ctx: Ctx) -> JSONResponse:
    """HK stocks eligible for Stock Connect through either channel (the 港股通 sector)."""
    codes = list(await ctx.xtdata("get_stock_list_in_sector", CONNECT_SECTOR))
    return JSONResponse({"count": len(codes), "stocks": codes})


@router.get("/connect_stocks")
@answers(ConnectStocksAnswer)
async def get_hk_connect_stocks(
    ctx: Ctx,
    direction: Direction | None = Query(None, description="sh = 沪港通, sz = 深港通 (default sh)"),
    connect_type: ConnectType | None = Query(
        None,
        description="qmt-bridge 2.1.3's form: north = 沪股通 + 深股通 A shares, south = 港股通 HK stocks",
    ),
) -> JSONResponse:
    """HK stocks eligible through one channel (sectors 港股通(沪) / 港股通(深)); with qmt-bridge 2.1.3's
    ``connect_type``, the A shares open to northbound trading or the HK stocks of either channel."""
    if direction is not None and connect_type is not None:
        raise InvalidParameter(
            "connect_type", "give direction or connect_type, not both", value=connect_type.value
        )
    if connect_type is not None:
        sectors = CONNECT_SECTORS[connect_type]
        codes = [code for sector in sectors for code in await ctx.xtdata("get_stock_list_in_sector", sector)]
        return JSONResponse(
            {
                "connect_type": connect_type.value,
                "sector": "+".join(sectors),
                "count": len(codes),
                "stocks": codes,
            }
        )
    direction = direction or Direction.sh
    sector = DIRECTION_SECTORS[direction]
    codes = list(await ctx.xtdata("get_stock_list_in_sector", sector))
    return JSONResponse(
        {"direction": direction.value, "sector": sector, "count": len(codes), "stocks": codes}
    )


@router.get("/broker_dict")
@answers(BrokerDictAnswer)
async def get_hk_broker_dict(ctx: Ctx) -> JSONResponse:
    """HK broker ids and names (xtdata.get_hk_broker_dict)."""
    brokers = await ctx.xtdata("get_hk_broker_dict")
    return JSONResponse({"brokers": {str(k): v for k, v in (brokers or {}).items()}})


@router.get("/broker_queue")
@answers(BrokerQueueAnswer)
async def get_broker_queue_data(
    ctx: Ctx,
    stocks: str = Query(..., description="HK codes, e.g. 00700.HK"),
    start_time: str = START,
    end_time: str = END,
    count: int = Query(1, ge=-1, le=100_000, description="-1 = all in range; n = the last n queues per code"),
    show_broker_name: bool = Query(False, description="true: each broker as [id, name]; false: ids only"),
) -> JSONResponse:
    """Broker queues at the best prices (xtdata.get_broker_queue_data)."""
    codes = parse_codes(stocks)
    start, end = parse_range(start_time, end_time)
    await check_codes(ctx, codes)
    data = await ctx.xtdata(
        "get_broker_queue_data",
        codes,
        start_time=start,
        end_time=end,
        count=count,
        show_broker_name=show_broker_name,
    )
    return JSONResponse({"data": data})
