"""The 200 answers of ``/api/financial/*``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from qmt_bridge.server.answers import documented
from qmt_bridge.server.answers.market import Rows


class FinancialDataAnswer(BaseModel):
    """Financial statements by code and table, one row per report (``get_financial_data``)."""

    model_config = documented(
        {
            "report_type": "report_time",
            "data": {
                "600519.SH": {
                    "Capital": [
                        {"total_capital": 1256000000.0, "circulating_capital": 1256000000.0,
                         "restrict_circulating_capital": 0.0, "m_timetag": "20250930", "m_anntime": "20251014",
                         "freeFloatCapital": 1010319074.0}
                    ],
                    "PershareIndex": [
                        {"s_fa_eps_basic": 65.406, "s_fa_bps": 393.439, "du_return_on_equity": 16.6242,
                         "gross_profit": 42.6982, "m_anntime": "20251014", "m_timetag": "20250930"}
                    ],
                }
            },
        }
    )  # fmt: skip

    report_type: str = Field(
        ...,
        description="report_time (dates filter the report period's end) or announce_time (the announcement)",
    )
    data: dict[str, dict[str, Rows]] = Field(
        ...,
        description="code → table (Balance, Income, CashFlow, Capital, HolderNum, Top10Holder, Top10FlowHolder, "
        "PershareIndex; as the request spelled it) → rows (records) or field → array (columns), oldest first. "
        "xtquant's columns: the statements' m_timetag (report period end, YYYYMMDD) and m_anntime (announced, "
        "YYYYMMDD) and their items in yuan (null when not reported); HolderNum and Top10* have endDate and "
        "declareDate instead. A table without reports in the range is []; a code without statements (funds, "
        "indices) is {}",
    )
