"""The 200 answers of qmt-bridge 1.x's endpoints (``/api/history``, ``/api/batch_history``, ...).

``/api/full_tick`` answers :class:`~qmt_bridge.server.answers.market.FullTickAnswer`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from qmt_bridge.server.answers import documented
from qmt_bridge.server.answers.download import CachedRange
from qmt_bridge.server.answers.instrument import DETAIL_EXAMPLE
from qmt_bridge.server.answers.market import DOWNLOAD_EXAMPLE, DownloadNote, Rows

LEGACY_BAR = {
    "time": 1763568000000, "open": 1846.2, "high": 1863.15, "low": 1844.11, "close": 1852.71, "volume": 77243,
    "amount": 14301869732.75,
}  # fmt: skip
ROWS = (
    "rows (records) or field → array (columns), oldest first; the fields asked (time (ms), open, high, low, "
    "close, volume (手), amount (yuan) by default; tick fields for period tick)"
)


class LegacyHistoryAnswer(BaseModel):
    """K-lines of one code (qmt-bridge 1.x)."""

    model_config = documented(
        {
            "stock": "600519.SH",
            "period": "1d",
            "count": 1,
            "data": [LEGACY_BAR],
            "download": DOWNLOAD_EXAMPLE,
            "no_data": [],
        }
    )

    stock: str
    period: str = Field(..., description="the period as asked")
    count: int = Field(..., description="the count asked (-1 = all)")
    data: Rows = Field(..., description=ROWS)
    download: DownloadNote
    no_data: list[str] = Field(..., description="[stock] when the range holds no bar: never a silent empty")


class LegacyBatchHistoryAnswer(BaseModel):
    """K-lines of several codes (qmt-bridge 1.x).

    ``Accept: application/vnd.apache.arrow.stream`` answers the same rows as an Apache Arrow IPC stream.
    """

    model_config = documented(
        {
            "stocks": ["600519.SH"],
            "period": "1d",
            "count": 1,
            "data": {"600519.SH": [LEGACY_BAR]},
            "download": DOWNLOAD_EXAMPLE,
            "no_data": [],
        }
    )

    stocks: list[str]
    period: str = Field(..., description="the period as asked")
    count: int = Field(..., description="the count asked (-1 = all)")
    data: dict[str, Rows] = Field(..., description="code → " + ROWS)
    download: DownloadNote
    no_data: list[str] = Field(..., description="codes without a single bar in the range")


class LegacySectorStocksAnswer(BaseModel):
    """The members of a sector (qmt-bridge 1.x)."""

    model_config = documented({"sector": "沪深ETF", "stocks": ["159019.SZ", "159058.SZ"]})

    sector: str
    stocks: list[str]


class LegacyInstrumentDetailAnswer(BaseModel):
    """``get_instrument_detail`` of one code (qmt-bridge 1.x)."""

    model_config = documented({"stock": "600519.SH", "detail": DETAIL_EXAMPLE})

    stock: str
    detail: dict[str, Any] | None = Field(
        ...,
        description="xtquant's keys (ExchangeID, InstrumentName, PreClose, UpStopPrice, DownStopPrice, FloatVolume, "
        "TotalVolume, PriceTick, ...; iscomplete adds ~70 more)",
    )


class LegacyDownloadAnswer(BaseModel):
    """One code's history downloaded into the local cache (qmt-bridge 1.x; ``download_history_data2``)."""

    model_config = documented(
        {
            "status": "ok",
            "stock": "600519.SH",
            "period": "1d",
            "result": {"600519.SH": {"start_time": "2005-01-04T00:00:00", "end_time": "2025-11-20T00:00:00"}},
        }
    )

    status: str = Field(..., description="always ok: a failed download answers an error instead")
    stock: str
    period: str
    result: dict[str, CachedRange] = Field(..., description="code → the range the cache holds now")
