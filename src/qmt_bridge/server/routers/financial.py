"""Financial statements (xtdata.get_financial_data)."""

from __future__ import annotations

from enum import Enum

from fastapi import APIRouter, Query

from qmt_bridge.server.answers import answers
from qmt_bridge.server.answers.financial import FinancialDataAnswer
from qmt_bridge.server.deps import Ctx
from qmt_bridge.server.errors import InvalidParameter
from qmt_bridge.server.params import TableFormat, parse_codes, parse_range, split_list
from qmt_bridge.server.responses import JSONResponse
from qmt_bridge.server.routers.market import FORMAT
from qmt_bridge.server.routing import StrictQueryRoute
from qmt_bridge.server.services.market_data import check_codes
from qmt_bridge.server.services.tabular import frame_payload
from qmt_bridge.xtnames import FINANCIAL_TABLES

router = APIRouter(prefix="/api/financial", tags=["financial"], route_class=StrictQueryRoute)

#: Matching is case-insensitive; answers use the caller's spelling.
_BY_LOWER = {t.lower(): t for t in FINANCIAL_TABLES}


class ReportType(str, Enum):
    report_time = "report_time"
    announce_time = "announce_time"


def parse_tables(value: str) -> list[str]:
    tables = split_list(value, "tables", required=False)
    unknown = [t for t in tables if t.lower() not in _BY_LOWER]
    if unknown:
        raise InvalidParameter(
            "tables",
            f"unknown table(s) {', '.join(unknown)}; one of {', '.join(FINANCIAL_TABLES)}",
            value=unknown,
        )
    return tables


@router.get("/data")
@answers(FinancialDataAnswer)
async def get_financial_data(
    ctx: Ctx,
    stocks: str = Query(..., description="逗号分隔的代码"),
    tables: str = Query("", description=f"逗号分隔: {', '.join(FINANCIAL_TABLES)}; empty = all"),
    start_time: str = Query("", description="YYYYMMDD"),
    end_time: str = Query("", description="YYYYMMDD"),
    report_type: ReportType = Query(
        ReportType.report_time, description="filter dates by report period end or by announcement date"
    ),
    format: TableFormat = FORMAT,
) -> JSONResponse:
    """Statements per stock and table, one row per report (xtdata.get_financial_data)."""
    codes = parse_codes(stocks)
    table_list = parse_tables(tables)
    start, end = parse_range(start_time, end_time)
    await check_codes(ctx, codes)
    raw = await ctx.xtdata(
        "get_financial_data", codes, table_list, start_time=start, end_time=end, report_type=report_type.value
    )
    data = {
        code: {
            table: frame_payload(frame.reset_index(drop=True), format)
            for table, frame in (tables_ or {}).items()
        }
        for code, tables_ in (raw or {}).items()
    }
    return JSONResponse({"report_type": report_type.value, "data": data})
