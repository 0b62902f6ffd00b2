"""The 200 answers of ``/api/sector/*``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from qmt_bridge.server.answers import documented


class SectorListAnswer(BaseModel):
    """Every sector name: the system's (沪深A股, 沪深ETF, SW1银行, ...) and the user's."""

    model_config = documented({"sectors": ["沪深A股", "沪深ETF", "我的自选"]})

    sectors: list[str]


class SectorStocksAnswer(BaseModel):
    """The members of a sector (after a change, for the write endpoints)."""

    model_config = documented({"sector": "我的自选", "count": 2, "stocks": ["600519.SH", "000001.SZ"]})

    sector: str
    count: int
    stocks: list[str] = Field(..., description="codes, in the sector's order")


class SectorInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sector: str
    category: str = Field(..., description="xtquant's category: 市场, 行业, 指数成份, 我的, ...")


class SectorInfoAnswer(BaseModel):
    """Sectors with their categories (one sector, or all)."""

    model_config = documented({"data": [{"sector": "沪深ETF", "category": "市场"}]})

    data: list[SectorInfo]


class FolderCreatedAnswer(BaseModel):
    """A user folder, created (or there already)."""

    model_config = documented({"folder": "策略", "parent_node": "我的"})

    folder: str
    parent_node: str = Field(..., description="where it is: 我的 or a folder under it")


class SectorCreatedAnswer(BaseModel):
    """A user sector, created."""

    model_config = documented({"sector": "我的自选", "parent_node": "我的"})

    sector: str = Field(..., description="its name as MiniQMT gave it")
    parent_node: str


class RemovedAnswer(BaseModel):
    """What was removed."""

    model_config = documented({"removed": "我的自选"})

    removed: str
