"""The 200 answers of ``/api/download/*`` (and their qmt-bridge 2.1.3 names)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from qmt_bridge.server.answers import documented

STATUS = "always ok: a failed download answers an error instead"
RESULT = "what xtquant's function returned: null (its download_* functions return nothing)"


class CachedRange(BaseModel):
    """The range of one code's data in the local cache after a download."""

    model_config = ConfigDict(extra="forbid")

    start_time: str = Field(..., description="the first day held, ISO 8601 (YYYY-MM-DDThh:mm:ss), China time")
    end_time: str = Field(..., description="the last day held, ISO 8601, China time")


class HistoryDownloadAnswer(BaseModel):
    """K-lines or ticks downloaded into the local cache (``download_history_data2``)."""

    model_config = documented(
        {
            "status": "ok",
            "function": "download_history_data2",
            "stocks": ["600519.SH", "000001.SZ"],
            "period": "1d",
            "result": {
                "600519.SH": {"start_time": "2005-01-04T00:00:00", "end_time": "2025-11-20T00:00:00"},
                "000001.SZ": {"start_time": "2005-01-04T00:00:00", "end_time": "2025-11-20T00:00:00"},
            },
        }
    )

    status: str = Field(..., description=STATUS)
    function: str = Field(..., description="the xtquant function called")
    stocks: list[str] = Field(..., description="the codes downloaded")
    period: str
    result: dict[str, CachedRange] = Field(
        ...,
        description="code → the range the cache holds now (not only the range asked); codes xtquant lacks "
        "are left out",
    )


class FinancialDownloadAnswer(BaseModel):
    """Financial statements downloaded into the local cache (``download_financial_data2``)."""

    model_config = documented(
        {
            "status": "ok",
            "function": "download_financial_data2",
            "stocks": ["600519.SH"],
            "tables": ["Balance"],
            "result": None,
        }
    )

    status: str = Field(..., description=STATUS)
    function: str = Field(..., description="the xtquant function called")
    stocks: list[str]
    tables: list[str] = Field(..., description="the tables asked; [] = every table")
    result: Any = Field(..., description=RESULT)


class DownloadAnswer(BaseModel):
    """Reference data downloaded into the local cache.

    Sectors, index weights, ETF and CB data, expired contracts, holidays or ST histories.
    """

    model_config = documented({"status": "ok", "function": "download_sector_data", "result": None})

    status: str = Field(..., description=STATUS)
    function: str = Field(
        ...,
        description="the xtquant function called: download_sector_data, download_index_weight, "
        "download_etf_info, download_cb_data, download_history_contracts, download_holiday_data or "
        "download_his_st_data",
    )
    result: Any = Field(..., description=RESULT)
