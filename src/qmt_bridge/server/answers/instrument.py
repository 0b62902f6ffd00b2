"""The 200 answers of ``/api/instrument/*``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from qmt_bridge.server.answers import documented

DETAIL_EXAMPLE = {
    "ExchangeID": "SH", "InstrumentID": "600519", "InstrumentName": "贵州茅台", "ProductType": -1,
    "OpenDate": "20010827", "ExpireDate": "99999999", "TradingDay": "20251120", "PreClose": 1458.99,
    "UpStopPrice": 1604.89, "DownStopPrice": 1313.09, "FloatVolume": 1256000000.0,
    "TotalVolume": 1256000000.0, "PriceTick": 0.01, "VolumeMultiple": 1, "InstrumentStatus": 0,
}  # fmt: skip


class DetailListAnswer(BaseModel):
    """``get_instrument_detail`` of each code (xtquant's keys: ExchangeID, InstrumentName, PreClose,
    UpStopPrice, DownStopPrice, FloatVolume, TotalVolume, PriceTick, ...; ``iscomplete`` adds ~70 more)."""

    model_config = documented({"data": {"600519.SH": DETAIL_EXAMPLE}})

    data: dict[str, dict[str, Any] | None] = Field(
        ..., description="code → detail; null for a code xtquant lacks"
    )


class InstrumentTypeAnswer(BaseModel):
    """The classes a code belongs to (``get_instrument_type``)."""

    model_config = documented({"stock": "600519.SH", "type": {"stock": True, "a_share": True}})

    stock: str
    type: dict[str, bool] = Field(
        ..., description="class → true (index, stock, fund, etf, bond, a_share, ...)"
    )


class IpoInfoAnswer(BaseModel):
    """New issues in a listing-date range (``get_ipo_info``)."""

    model_config = documented(
        {
            "data": [
                {"securityCode": "301999.SZ", "codeName": "N新股", "market": "SZ", "publishPrice": 37.0,
                 "onlineSubCode": "301999", "onlineSubMaxQty": 23000, "listedDate": "20251119"}
            ]
        }
    )  # fmt: skip

    data: list[dict[str, Any]] = Field(
        ...,
        description="one row per issue: securityCode, codeName, market, actIssueQty, onlineIssueQty, onlineSubCode, "
        "onlineSubMaxQty, publishPrice, startDate, listedDate, lwr (lottery rate), ...",
    )


class IndexWeightAnswer(BaseModel):
    """The constituents of an index and their weights (``get_index_weight``)."""

    model_config = documented({"index_code": "000300.SH", "data": {"600519.SH": 4.12, "300750.SZ": 3.05}})

    index_code: str
    data: dict[str, float] = Field(..., description="constituent code → weight, %")


class HisStAnswer(BaseModel):
    """A stock's ST history (``get_his_st_data``)."""

    model_config = documented({"stock": "002221.SZ", "data": {"*ST": [["20180319", "20200802"]]}})

    stock: str
    data: dict[str, Any] = Field(..., description="ST, *ST, PT → the [start, end] day ranges; {} when never")


class IsStockTypeAnswer(BaseModel):
    """Whether a code belongs to an xtstocktype class (``is_stock_type``)."""

    model_config = documented({"stock": "600519.SH", "tag": 101, "result": True})

    stock: str
    tag: int = Field(..., description="the xtstocktype constant asked")
    result: bool
