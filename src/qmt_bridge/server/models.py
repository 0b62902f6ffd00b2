"""Request bodies of the POST endpoints."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field

STOCKS_ALIASES = AliasChoices("stocks", "stock_list")


def _one_code_per_item(codes: list[str]) -> list[str]:
    for code in codes:
        if "," in code:
            raise ValueError(
                f"{code!r} holds a comma: in a JSON list give each code as its own item, "
                'e.g. ["600519.SH", "000001.SZ"]'
            )
    return codes


#: A JSON list of codes: one code per item (an item "A,B" would otherwise be read as two codes).
CodeList = Annotated[list[str], AfterValidator(_one_code_per_item)]


class RequestBody(BaseModel):
    """Base of the bodies: an unknown field is a 422, not silently dropped (a misspelt ``start_time``
    would otherwise download everything)."""

    model_config = ConfigDict(extra="forbid")


class CreateFolderRequest(RequestBody):
    parent_node: str = Field("", description="parent folder; empty = 我的 (the root)")
    folder_name: str = Field(..., description="new folder name")


class CreateSectorRequest(RequestBody):
    parent_node: str = Field("", description="folder to create it in; empty = 我的 (the root)")
    sector_name: str = Field(..., description="new sector name")


class SectorStocksRequest(RequestBody):
    sector_name: str = Field(..., description="a custom sector")
    stocks: CodeList = Field(..., validation_alias=STOCKS_ALIASES, description='codes, e.g. ["600519.SH"]')


class HistoryDownloadRequest(RequestBody):
    stocks: CodeList = Field(..., validation_alias=STOCKS_ALIASES, description="codes to download")
    period: str = Field("1d", description="K-line period or tick")
    start_time: str = Field("", description="YYYYMMDD[hhmmss]; empty = from the beginning")
    end_time: str = Field("", description="YYYYMMDD[hhmmss]; empty = up to now")
    incrementally: bool | None = Field(None, description="null = incremental when start_time is empty")


class FinancialDownloadRequest(RequestBody):
    stocks: CodeList = Field(..., validation_alias=STOCKS_ALIASES, description="codes to download")
    tables: list[str] = Field(default_factory=list, validation_alias=AliasChoices("tables", "table_list"))
    start_time: str = Field("", description="YYYYMMDD")
    end_time: str = Field("", description="YYYYMMDD")
