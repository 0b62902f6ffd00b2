"""The 200 answers of ``/api/etf/*`` and ``/api/cb/*``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from qmt_bridge.server.answers import documented
from qmt_bridge.server.answers.market import Rows


class EtfListAnswer(BaseModel):
    """The ETF codes (沪深ETF)."""

    model_config = documented(
        {"count": 2, "etfs": ["510050.SH", "510300.SH"], "stocks": ["510050.SH", "510300.SH"]}
    )

    count: int
    etfs: list[str]
    stocks: list[str] = Field(..., description="the same list, under qmt-bridge 2.1.3's name")


class EtfInfoAnswer(BaseModel):
    """The creation/redemption list (申赎清单) of one ETF, or of every ETF (``get_etf_info``)."""

    model_config = documented(
        {
            "etf_code": "510300.SH",
            "data": {"market": "SH", "基金代码": "510300", "基金名称": "沪深300ETF", "成份股信息": []},
        }
    )

    etf_code: str | None = Field(None, description="the ETF asked; absent when every ETF is answered")
    data: dict[str, Any] = Field(
        ...,
        description="xtquant's keys (基金代码, 基金名称, 现金差额, 最小申购、赎回单位, 成份股信息, ...); for every ETF: "
        "code → that",
    )


class CbListAnswer(BaseModel):
    """The convertible bond codes (沪深转债)."""

    model_config = documented({"count": 1, "bonds": ["113050.SH"], "stocks": ["113050.SH"]})

    count: int
    bonds: list[str]
    stocks: list[str] = Field(..., description="the same list, under qmt-bridge 2.1.3's name")


class CbInfoAnswer(BaseModel):
    """One convertible bond's terms (``get_cb_info``)."""

    model_config = documented(
        {"cb_code": "113050.SH", "data": {"bondCode": "113050.SH", "bondName": "南银转债", "stockCode": "601009.SH",
                                          "bondConvPrice": 8.99, "bondMaturityDate": 20270615}}
    )  # fmt: skip

    cb_code: str
    data: dict[str, Any] = Field(
        ...,
        description="xtquant's keys: bondCode, bondName, stockCode, stockName, bondConvPrice, convStartDate, "
        "convEndDate, bondMaturityDate, bondCouponRate, ...",
    )


class CbTableAnswer(BaseModel):
    """A convertible bond's history table (conversion prices, calls, puts, amount changes)."""

    model_config = documented(
        {
            "cb_code": "113050.SH",
            "data": [{"bond_put_info.pub_date": 20251114, "bond_put_info.put_price": 100.036}],
        }
    )

    cb_code: str
    data: Rows = Field(..., description="xtquant's columns (prefixed with their table's name); [] when none")
