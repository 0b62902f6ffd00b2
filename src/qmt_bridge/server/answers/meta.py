"""The 200 answers of ``/api/meta/*``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from qmt_bridge.server.answers import documented


class TradingHealth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connected: bool = Field(
        ..., description="whether the trader is connected to MiniQMT (or the paper broker)"
    )
    reconnects: int = Field(..., description="reconnections since the server started")


class HealthAnswer(BaseModel):
    """Liveness, without touching the backend."""

    model_config = documented({"status": "ok", "backend": "sim", "version": "0.1.0", "trading": None})

    status: str = Field(..., description="always ok when the server answers")
    backend: str = Field(..., description="xtquant or sim")
    version: str = Field(..., description="qmt-bridge's version")
    trading: TradingHealth | None = Field(None, description="null without --trading")


class VersionAnswer(BaseModel):
    """qmt-bridge's version."""

    model_config = documented({"version": "0.1.0"})

    version: str


class XtdataVersionAnswer(BaseModel):
    """The backend's xtquant version."""

    model_config = documented({"xtdata_version": "250807.1.2", "backend": "xtquant"})

    xtdata_version: str
    backend: str


class ConnectionStatusAnswer(BaseModel):
    """Whether the backend is connected to MiniQMT."""

    model_config = documented({"connected": True, "backend": "xtquant"})

    connected: bool
    backend: str


class MarketNamesAnswer(BaseModel):
    """The market codes xtquant knows, with their names."""

    model_config = documented({"markets": {"SH": "上交所", "SZ": "深交所"}})

    markets: dict[str, str] = Field(..., description="market code → name")


class MarketListAnswer(BaseModel):
    """A list of market codes (authorized markets; 外盘 markets)."""

    model_config = documented({"markets": ["SH", "SZ", "BJ"]})

    markets: list[str]


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., description="the period as xtquant names it: tick, 1m, 1d, ...")
    desc: str = Field(..., description="xtquant's description")


class PeriodListAnswer(BaseModel):
    """The periods xtquant serves."""

    model_config = documented({"periods": [{"name": "1m", "desc": "1分钟线"}]})

    periods: list[Period]


class LastTradeDateAnswer(BaseModel):
    """The latest trading day of a market."""

    model_config = documented({"market": "SH", "last_trade_date": 1763568000000, "date": "20251120"})

    market: str
    last_trade_date: int = Field(..., description="ms since the epoch (China midnight); 0 when unknown")
    date: str | None = Field(..., description="YYYYMMDD; null when unknown")


class StockListAnswer(BaseModel):
    """The codes of a category (a sector)."""

    model_config = documented({"category": "沪深ETF", "count": 2, "stocks": ["510050.SH", "510300.SH"]})

    category: str
    count: int
    stocks: list[str]
