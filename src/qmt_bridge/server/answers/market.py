"""The 200 answers of ``/api/market/*`` (and their qmt-bridge 2.1.3 names)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

TICK_EXAMPLE = {
    "time": 1763622000000, "lastPrice": 1452.0, "open": 1460.0, "high": 1466.88, "low": 1447.0,
    "lastClose": 1458.99, "amount": 4210358300.0, "volume": 28941, "pvolume": 2894100, "stockStatus": 0,
    "openInt": 15, "transactionNum": 61233, "lastSettlementPrice": 0.0, "settlementPrice": 0.0, "pe": 21.7,
    "askPrice": [1452.0, 1452.2, 1452.5, 1452.8, 1453.0], "bidPrice": [1451.9, 1451.8, 1451.5, 1451.2, 1451.0],
    "askVol": [12, 5, 30, 8, 14], "bidVol": [20, 9, 4, 16, 11], "timetag": "20251120 15:00:00.000",
    "volRatio": 0.92, "speed1Min": 0.01, "speed5Min": -0.12,
}  # fmt: skip
BAR_EXAMPLE = {
    "time": 1763568000000, "open": 1460.0, "high": 1466.88, "low": 1447.0, "close": 1452.0, "volume": 28941,
    "amount": 4210358300.0, "settelementPrice": 0.0, "openInterest": 0, "preClose": 1458.99, "suspendFlag": 0,
}  # fmt: skip
DOWNLOAD_EXAMPLE = {"mode": "auto", "downloaded": [], "seconds": None, "error": None}


class Tick(BaseModel):
    """xtquant's ``get_full_tick`` snapshot of one code (prices in yuan, volume in 手, amount in yuan)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [TICK_EXAMPLE]})

    time: int = Field(..., description="the snapshot's moment, ms since the epoch")
    lastPrice: float = Field(..., description="latest price")
    open: float
    high: float
    low: float
    lastClose: float = Field(..., description="previous close")
    amount: float = Field(..., description="turnover today, yuan")
    volume: int = Field(..., description="volume today, 手 (lots)")
    pvolume: int = Field(..., description="volume today, shares")
    stockStatus: int = Field(..., description="xtquant's trading status code")
    openInt: int = Field(..., description="open interest for futures; for stocks xtquant's status code")
    transactionNum: int = Field(..., description="number of trades today")
    lastSettlementPrice: float = Field(..., description="previous settlement (futures)")
    settlementPrice: float = Field(..., description="settlement (futures)")
    pe: float = Field(..., description="price/earnings")
    askPrice: list[float] = Field(..., description="ask prices, best first (5 levels)")
    bidPrice: list[float] = Field(..., description="bid prices, best first (5 levels)")
    askVol: list[int] = Field(..., description="ask volumes, 手")
    bidVol: list[int] = Field(..., description="bid volumes, 手")
    timetag: str = Field(..., description="the moment as text, China time: 'YYYYMMDD HH:MM:SS.mmm'")
    volRatio: float | None = Field(None, description="量比")
    speed1Min: float | None = Field(None, description="1-minute price change, %")
    speed5Min: float | None = Field(None, description="5-minute price change, %")


class FullTickAnswer(BaseModel):
    """Snapshots by code."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"data": {"600519.SH": TICK_EXAMPLE}}]}
    )

    data: dict[str, Tick] = Field(
        ..., description="code → snapshot; codes xtquant has no snapshot of are left out"
    )


class IndicesAnswer(BaseModel):
    """Snapshots of the main indices."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"indices": ["000001.SH"], "data": {"000001.SH": TICK_EXAMPLE}}]},
    )

    indices: list[str] = Field(
        ..., description="the index codes asked (上证指数, 深证成指, 创业板指, 沪深300, ...)"
    )
    data: dict[str, Tick]


class DownloadNote(BaseModel):
    """What was downloaded into MiniQMT's local cache to answer (history on demand)."""

    model_config = ConfigDict(extra="forbid")

    mode: str = Field(..., description="the request's download mode: auto, always or never")
    downloaded: list[Any] = Field(..., description="the ranges downloaded for this answer (none when cached)")
    seconds: float | None = Field(None, description="how long the download took")
    error: str | None = Field(
        None, description="why a download failed (the answer is then what the cache had)"
    )


#: ``format=records``: a list of row objects; ``format=columns``: field → array.
Rows = list[dict[str, Any]] | dict[str, list[Any]]


class BarsAnswer(BaseModel):
    """K-lines or ticks by code. ``format=arrow`` answers the same rows as an Apache Arrow IPC stream."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "period": "1d",
                    "dividend_type": "none",
                    "data": {"600519.SH": [BAR_EXAMPLE]},
                    "download": DOWNLOAD_EXAMPLE,
                    "no_data": [],
                }
            ]
        },
    )

    period: str = Field(..., description="the period answered (60m for 1h)")
    dividend_type: str = Field(..., description="除权: none, front, back, front_ratio, back_ratio")
    data: dict[str, Rows] = Field(
        ...,
        description=(
            "code → rows (records) or field → array (columns). Fields as xtquant's: time (ms), open, high, "
            "low, close, volume (手), amount (yuan), settelementPrice, openInterest, preClose, suspendFlag; "
            "ticks: lastPrice, askPrice/bidPrice (a list a row), ..."
        ),
    )
    download: DownloadNote
    no_data: list[str] = Field(
        ..., description="codes without a single row in the range: never a silent empty"
    )


class DividFactorsAnswer(BaseModel):
    """Dividend and split factors of one stock."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "stock": "600519.SH",
                    "data": [
                        {"time": 1750867200000, "interest": 27.673, "stockBonus": 0.0, "stockGift": 0.0,
                         "allotNum": 0.0, "allotPrice": 0.0, "gugai": 0, "dr": 1.0189}
                    ],
                }
            ]
        },
    )  # fmt: skip

    stock: str
    data: Rows = Field(
        ...,
        description="one row per ex-date: time (ms), interest (cash per share), stockBonus, stockGift, allotNum, "
        "allotPrice, gugai, dr (the adjustment factor)",
    )


class FullKlineAnswer(BaseModel):
    """Bars of the latest trading day from the K-line mirror."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"period": "1m", "data": {"600519.SH": [{k: BAR_EXAMPLE[k] for k in list(BAR_EXAMPLE)[:7]}]}}
            ]
        },
    )

    period: str
    data: dict[str, Rows] = Field(..., description="code → rows (records) or field → array (columns)")


ARROW_MEDIA = {
    "application/vnd.apache.arrow.stream": {
        "schema": {"type": "string", "format": "binary"},
        "example": "(binary: an Arrow IPC stream; see README, format=arrow)",
    }
}
