"""The 200 answers of ``/api/option/*`` (and qmt-bridge 2.1.3's ``/api/option/history_list``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from qmt_bridge.server.answers import documented

OPTION_DETAIL_EXAMPLE = {
    "ExchangeID": "SHO", "InstrumentID": "10009270", "InstrumentName": "50ETF沽12月3400", "ProductID": "510050",
    "ProductType": 1, "OpenDate": "20250820", "CreateDate": "20250820", "ExpireDate": "20251224",
    "PreClose": 0.6215, "SettlementPrice": 0.6215, "UpStopPrice": 0.8987, "DownStopPrice": 0.3443,
    "LongMarginRatio": 12.0, "ShortMarginRatio": 7.0, "PriceTick": 0.0001, "VolumeMultiple": 10000,
    "MaxMarketOrderVolume": 10, "MinMarketOrderVolume": 1, "MaxLimitOrderVolume": 50, "MinLimitOrderVolume": 1,
    "OptUnit": 10000, "MarginUnit": 9541.4, "OptUndlCode": "510050", "OptUndlUniCode": "510050",
    "OptUndlMarket": "SH", "OptUndlCodeFull": "510050.SH", "OptExercisePrice": 3.4, "NeeqExeType": 0,
    "OptUndlRiskFreeRate": 0.02, "OptUndlHistoryRate": 0.156125, "EndDelivDate": "20251224",
    "OptEstimatedMargin": 9639.2, "optType": "PUT", "ProductCode": "510050.SH",
}  # fmt: skip
HIS_OPTION_EXAMPLE = {
    "期权编码": "10008835", "期权市场": "SHO", "标的编码": "510050", "标的市场": "SH", "行权价": 2.725, "方向": "CALL",
    "到期月": 202511, "到期日": 20251126, "合约类型": 2, "上市日": 20251024, "调整": 0, "期权名称": "50ETF购11月2725",
    "合约单位": 10000, "期权完整代码": "10008835.SHO", "标的完整代码": "510050.SH", "期货品种": "510050",
}  # fmt: skip


class OptionDetail(BaseModel):
    """xtquant's ``get_option_detail_data`` of one option (prices in yuan a share of the underlying)."""

    model_config = ConfigDict(extra="forbid")

    ExchangeID: str = Field(..., description="SHO, SZO, ...")
    InstrumentID: str
    InstrumentName: str
    ProductID: str = Field(..., description="the underlying's symbol")
    ProductType: int = Field(..., description="xtquant's product type (0 call, 1 put)")
    OpenDate: str = Field(..., description="listed, YYYYMMDD")
    CreateDate: str = Field(..., description="YYYYMMDD")
    ExpireDate: str = Field(..., description="the last trading day, YYYYMMDD")
    PreClose: float
    SettlementPrice: float = Field(..., description="the previous settlement")
    UpStopPrice: float = Field(..., description="the day's limit up")
    DownStopPrice: float = Field(..., description="the day's limit down")
    LongMarginRatio: float = Field(..., description="%")
    ShortMarginRatio: float = Field(..., description="%")
    PriceTick: float
    VolumeMultiple: int = Field(..., description="shares of the underlying a contract")
    MaxMarketOrderVolume: int = Field(..., description="contracts")
    MinMarketOrderVolume: int = Field(..., description="contracts")
    MaxLimitOrderVolume: int = Field(..., description="contracts")
    MinLimitOrderVolume: int = Field(..., description="contracts")
    OptUnit: int = Field(..., description="contract unit, shares of the underlying")
    MarginUnit: float = Field(..., description="the margin of one short contract, yuan")
    OptUndlCode: str = Field(..., description="the underlying's symbol")
    OptUndlUniCode: str
    OptUndlMarket: str = Field(..., description="the underlying's market")
    OptUndlCodeFull: str = Field(..., description="the underlying's code, e.g. 510050.SH")
    OptExercisePrice: float = Field(..., description="strike")
    NeeqExeType: int
    OptUndlRiskFreeRate: float = Field(..., description="the risk-free rate, a fraction a year")
    OptUndlHistoryRate: float = Field(
        ..., description="the underlying's historical volatility, a fraction a year"
    )
    EndDelivDate: str = Field(..., description="exercise/delivery day, YYYYMMDD")
    OptEstimatedMargin: float = Field(
        ..., description="the estimated margin of the next day, yuan a contract"
    )
    optType: str = Field(..., description="CALL or PUT")
    ProductCode: str = Field(..., description="the underlying's code")


class OptionDetailAnswer(BaseModel):
    """The contract details of one option (``get_option_detail_data``)."""

    model_config = documented({"option_code": "10009270.SHO", "data": OPTION_DETAIL_EXAMPLE})

    option_code: str
    data: OptionDetail


class OptionChainAnswer(BaseModel):
    """The option codes on an underlying (``get_option_undl_data``)."""

    model_config = documented(
        {
            "undl_code": "510050.SH",
            "count": 2,
            "options": ["10000801.SHO", "10000802.SHO"],
            "data": ["10000801.SHO", "10000802.SHO"],
        }
    )

    undl_code: str
    count: int
    options: list[str] = Field(..., description="[] when the code has no options")
    data: list[str] = Field(..., description="the same list, under qmt-bridge 2.1.3's key")


class OptionListAnswer(BaseModel):
    """The options on an underlying expiring in a month or listed on a day, by type (``get_option_list``)."""

    model_config = documented(
        {
            "undl_code": "510050.SH",
            "dedate": "202512",
            "count": 2,
            "options": ["10009201.SHO", "10009202.SHO"],
            "data": ["10009201.SHO", "10009202.SHO"],
        }
    )

    undl_code: str
    dedate: str = Field(..., description="as asked: YYYYMM (expiry month) or YYYYMMDD (listed that day)")
    count: int
    options: list[str]
    data: list[str] = Field(..., description="the same list, under qmt-bridge 2.1.3's key")


class HisOption(BaseModel):
    """One option of a historical list, with xtquant's Chinese keys (metaInfo 9502 and three of its own)."""

    model_config = ConfigDict(extra="forbid")

    option_code: str = Field(..., alias="期权编码", description="the option's symbol")
    option_market: str = Field(..., alias="期权市场", description="the option's market: SHO, SZO, ...")
    undl_code: str = Field(..., alias="标的编码", description="the underlying's symbol")
    undl_market: str = Field(..., alias="标的市场", description="the underlying's market")
    strike: float = Field(..., alias="行权价", description="strike, yuan")
    direction: str = Field(..., alias="方向", description="CALL or PUT")
    expiry_month: int = Field(..., alias="到期月", description="expiry month, YYYYMM")
    expiry_date: int = Field(..., alias="到期日", description="expiry day, YYYYMMDD")
    contract_type: int = Field(
        ..., alias="合约类型", description="1 expired, 2 当月, 3 下月, 4 下季, 5 隔季, 6 隔下季 (on that day)"
    )
    listed: int = Field(..., alias="上市日", description="listing day, YYYYMMDD")
    adjusted: int = Field(
        ..., alias="调整", description="xtquant's adjustment flag (contract adjusted for a dividend)"
    )
    name: str = Field(..., alias="期权名称", description="the option's name")
    unit: int = Field(..., alias="合约单位", description="contract unit: shares of the underlying a contract")
    option_full_code: str = Field(
        ..., alias="期权完整代码", description="the option's code, e.g. 10008835.SHO"
    )
    undl_full_code: str = Field(
        ..., alias="标的完整代码", description="the underlying's code, e.g. 510050.SH"
    )
    product: str = Field(
        ..., alias="期货品种", description="the product (the underlying's symbol for ETF options)"
    )


#: ``format=records``: one object an option; ``format=columns``: xtquant's key → array.
HisOptions = list[HisOption] | dict[str, list[Any]]


class HisOptionListAnswer(BaseModel):
    """The options that existed on a past day, expired ones included (``get_his_option_list``)."""

    model_config = documented({"undl_code": "510050.SH", "dedate": "20251120", "data": [HIS_OPTION_EXAMPLE]})

    undl_code: str
    dedate: str = Field(..., description="the day, YYYYMMDD")
    data: HisOptions = Field(..., description="[] when the underlying had no options that day")


class HisOptionListBatchAnswer(BaseModel):
    """The historical option lists of each day of a range (``get_his_option_list_batch``)."""

    model_config = documented({"undl_code": "510050.SH", "data": {"20251120": [HIS_OPTION_EXAMPLE]}})

    undl_code: str
    data: dict[str, HisOptions] = Field(
        ..., description="trading day (YYYYMMDD) → that day's list; days without a listed option are left out"
    )
