"""The 200 answers of ``/api/credit/*`` (``routers/credit.py``): xttrader's credit objects under xtquant's
attribute names (``doc/xttrader.md``), each row with its ``stock_code``. An attribute the counter's object
lacks is left out (the fields are optional)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from qmt_bridge.server.answers import documented

_ROW = ConfigDict(extra="forbid")
_DETAIL = {
    "account_type": 3, "account_id": "SIM000002", "m_nStatus": 0, "m_nUpdateTime": 1763622000,
    "m_nCalcConfig": 0, "m_dFrozenCash": 0.0, "m_dBalance": 1118000.0, "m_dAvailable": 880000.0,
    "m_dPositionProfit": 1200.0, "m_dMarketValue": 238000.0, "m_dFetchBalance": 880000.0,
    "m_dStockValue": 238000.0, "m_dFundValue": 0.0, "m_dTotalDebt": 118000.0, "m_dEnableBailBalance": 940000.0,
    "m_dPerAssurescaleValue": 947.46, "m_dAssureAsset": 1000000.0, "m_dFinDebt": 118000.0,
    "m_dFinDealAvl": 117980.0, "m_dFinFee": 20.0, "m_dSloDebt": 0.0, "m_dSloMarketValue": 0.0, "m_dSloFee": 0.0,
    "m_dOtherFare": 0.0, "m_dFinMaxQuota": 2000000.0, "m_dFinEnableQuota": 1882020.0,
    "m_dFinUsedQuota": 117980.0, "m_dSloMaxQuota": 2000000.0, "m_dSloEnableQuota": 2000000.0,
    "m_dSloUsedQuota": 0.0, "m_dSloSellBalance": 0.0, "m_dUsedSloSellBalance": 0.0,
    "m_dSurplusSloSellBalance": 0.0,
}  # fmt: skip


class CreditDetail(BaseModel):
    """XtCreditDetail (信用账号资产)."""

    model_config = _ROW

    account_type: int | None = None
    account_id: str | None = None
    m_nStatus: int | None = Field(None, description="账号状态")
    m_nUpdateTime: int | None = Field(None, description="更新时间")
    m_nCalcConfig: int | None = Field(None, description="计算参数")
    m_dFrozenCash: float | None = Field(None, description="冻结金额")
    m_dBalance: float | None = Field(None, description="总资产")
    m_dAvailable: float | None = Field(None, description="可用金额")
    m_dPositionProfit: float | None = Field(None, description="持仓盈亏")
    m_dMarketValue: float | None = Field(None, description="总市值")
    m_dFetchBalance: float | None = Field(None, description="可取金额")
    m_dStockValue: float | None = Field(None, description="股票市值")
    m_dFundValue: float | None = Field(None, description="基金市值")
    m_dTotalDebt: float | None = Field(None, description="总负债")
    m_dEnableBailBalance: float | None = Field(None, description="可用保证金")
    m_dPerAssurescaleValue: float | None = Field(None, description="维持担保比例")
    m_dAssureAsset: float | None = Field(None, description="净资产")
    m_dFinDebt: float | None = Field(None, description="融资负债")
    m_dFinDealAvl: float | None = Field(None, description="融资本金")
    m_dFinFee: float | None = Field(None, description="融资息费")
    m_dSloDebt: float | None = Field(None, description="融券负债")
    m_dSloMarketValue: float | None = Field(None, description="融券市值")
    m_dSloFee: float | None = Field(None, description="融券息费")
    m_dOtherFare: float | None = Field(None, description="其它费用")
    m_dFinMaxQuota: float | None = Field(None, description="融资授信额度")
    m_dFinEnableQuota: float | None = Field(None, description="融资可用额度")
    m_dFinUsedQuota: float | None = Field(None, description="融资冻结额度")
    m_dSloMaxQuota: float | None = Field(None, description="融券授信额度")
    m_dSloEnableQuota: float | None = Field(None, description="融券可用额度")
    m_dSloUsedQuota: float | None = Field(None, description="融券冻结额度")
    m_dSloSellBalance: float | None = Field(None, description="融券卖出资金")
    m_dUsedSloSellBalance: float | None = Field(None, description="已用融券卖出资金")
    m_dSurplusSloSellBalance: float | None = Field(None, description="剩余融券卖出资金")


class CreditDetailAnswer(BaseModel):
    """The credit account's assets and debts (``query_credit_detail``); null when the counter has none."""

    model_config = documented({"data": _DETAIL})

    data: CreditDetail | None


class CreditLine(BaseModel):
    model_config = _ROW

    max_quota: float | None = Field(None, description="授信额度")
    enable_quota: float | None = Field(None, description="可用额度")
    used_quota: float | None = Field(None, description="冻结 (used) 额度")


class CreditQuota(BaseModel):
    model_config = _ROW

    account_id: str
    fin: CreditLine = Field(..., description="融资 (margin financing)")
    slo: CreditLine = Field(..., description="融券 (securities lending)")
    enable_bail_balance: float | None = Field(None, description="可用保证金")
    per_assure_scale_value: float | None = Field(None, description="维持担保比例 (%); null without debt")
    total_debt: float | None = Field(None, description="总负债")
    detail: CreditDetail | None


class CreditQuotaAnswer(BaseModel):
    """The credit lines, the margin available and the maintenance ratio, beside the whole detail."""

    model_config = documented(
        {
            "data": {
                "account_id": "SIM000002",
                "fin": {"max_quota": 2000000.0, "enable_quota": 1882020.0, "used_quota": 117980.0},
                "slo": {"max_quota": 2000000.0, "enable_quota": 2000000.0, "used_quota": 0.0},
                "enable_bail_balance": 940000.0,
                "per_assure_scale_value": 947.46,
                "total_debt": 118000.0,
                "detail": _DETAIL,
            }
        }
    )

    data: CreditQuota


class Compact(BaseModel):
    """StkCompacts (负债合约)."""

    model_config = _ROW

    account_type: int | None = None
    account_id: str | None = None
    compact_type: int | None = Field(None, description="合约类型")
    cashgroup_prop: int | None = Field(None, description="头寸来源")
    exchange_id: int | None = Field(None, description="证券市场 (xtconstant MARKET_ENUM_*)")
    open_date: int | None = Field(None, description="开仓日期")
    business_vol: int | None = Field(None, description="合约证券数量")
    real_compact_vol: int | None = Field(None, description="未还合约数量")
    ret_end_date: int | None = Field(None, description="到期日")
    business_balance: float | None = Field(None, description="合约金额")
    businessFare: float | None = Field(None, description="合约息费")
    real_compact_balance: float | None = Field(None, description="未还合约金额")
    real_compact_fare: float | None = Field(None, description="未还合约息费")
    repaid_fare: float | None = Field(None, description="已还息费")
    repaid_balance: float | None = Field(None, description="已还金额")
    instrument_id: str | None = Field(None, description="证券代码")
    compact_id: str | None = Field(None, description="合约编号")
    position_str: str | None = Field(None, description="定位串")
    stock_code: str | None = Field(None, description="the code with its market, e.g. 600000.SH")


class CompactsAnswer(BaseModel):
    """The account's debt compacts (``query_stk_compacts``)."""

    model_config = documented(
        {
            "data": [
                {
                    "account_type": 3, "account_id": "SIM000002", "compact_type": 0, "cashgroup_prop": 0,
                    "exchange_id": 0, "open_date": 20251120, "business_vol": 10000, "real_compact_vol": 10000,
                    "ret_end_date": 20260521, "business_balance": 117980.0, "businessFare": 0.0,
                    "real_compact_balance": 117980.0, "real_compact_fare": 0.0, "repaid_fare": 0.0,
                    "repaid_balance": 0.0, "instrument_id": "600000", "compact_id": "F0000001",
                    "position_str": "F0000001", "stock_code": "600000.SH",
                }
            ]
        }
    )  # fmt: skip

    data: list[Compact]


class Subject(BaseModel):
    """CreditSubjects (融资融券标的)."""

    model_config = _ROW

    account_type: int | None = None
    account_id: str | None = None
    slo_status: int | None = Field(None, description="融券状态")
    fin_status: int | None = Field(None, description="融资状态")
    exchange_id: int | None = Field(None, description="证券市场")
    slo_ratio: float | None = Field(None, description="融券保证金比例")
    fin_ratio: float | None = Field(None, description="融资保证金比例")
    instrument_id: str | None = None
    stock_code: str | None = None


class SubjectsAnswer(BaseModel):
    """The counter's margin-trading subjects (``query_credit_subjects``)."""

    model_config = documented(
        {
            "data": [
                {
                    "account_type": 3, "account_id": "SIM000002", "slo_status": 0, "fin_status": 0,
                    "exchange_id": 0, "slo_ratio": 1.0, "fin_ratio": 1.0, "instrument_id": "600000",
                    "stock_code": "600000.SH",
                }
            ]
        }
    )  # fmt: skip

    data: list[Subject]


class SloCode(BaseModel):
    """CreditSloCode (可融券数据)."""

    model_config = _ROW

    account_type: int | None = None
    account_id: str | None = None
    cashgroup_prop: int | None = Field(None, description="头寸来源")
    exchange_id: int | None = None
    enable_amount: int | None = Field(None, description="融券可融数量 (shares)")
    instrument_id: str | None = None
    stock_code: str | None = None


class SloCodesAnswer(BaseModel):
    """Shares the counter can lend, by code (``query_credit_slo_code``)."""

    model_config = documented(
        {
            "data": [
                {
                    "account_type": 3, "account_id": "SIM000002", "cashgroup_prop": 0, "exchange_id": 0,
                    "enable_amount": 50000, "instrument_id": "600000", "stock_code": "600000.SH",
                }
            ]
        }
    )  # fmt: skip

    data: list[SloCode]


class Assure(BaseModel):
    """CreditAssure (标的担保品)."""

    model_config = _ROW

    account_type: int | None = None
    account_id: str | None = None
    assure_status: int | None = Field(None, description="是否可做担保")
    exchange_id: int | None = None
    assure_ratio: float | None = Field(None, description="担保品折算比例")
    instrument_id: str | None = None
    stock_code: str | None = None


class AssuresAnswer(BaseModel):
    """Collateral and its conversion ratios (``query_credit_assure``)."""

    model_config = documented(
        {
            "data": [
                {
                    "account_type": 3, "account_id": "SIM000002", "assure_status": 0, "exchange_id": 0,
                    "assure_ratio": 0.7, "instrument_id": "600000", "stock_code": "600000.SH",
                }
            ]
        }
    )  # fmt: skip

    data: list[Assure]


class Available(BaseModel):
    model_config = _ROW

    account_id: str
    stock_code: str
    subject: Subject | None = Field(..., description="the code's subject row; null: not a subject")
    fin_amount: float | None = Field(
        ..., description="CNY the account may finance-buy: min(融资可用额度, 可用保证金 / fin_ratio)"
    )
    slo_amount: float | None = Field(
        ..., description="CNY the account may short-sell: min(融券可用额度, 可用保证金 / slo_ratio)"
    )
    slo_enable_volume: int | None = Field(..., description="shares the counter can lend; null: none listed")
    enable_bail_balance: float = Field(..., description="可用保证金")


class AvailableAnswer(BaseModel):
    """What the account may finance-buy and short-sell of one code now."""

    model_config = documented(
        {
            "data": {
                "account_id": "SIM000002",
                "stock_code": "600000.SH",
                "subject": {
                    "account_type": 3, "account_id": "SIM000002", "slo_status": 0, "fin_status": 0,
                    "exchange_id": 0, "slo_ratio": 1.0, "fin_ratio": 1.0, "instrument_id": "600000",
                    "stock_code": "600000.SH",
                },
                "fin_amount": 940000.0,
                "slo_amount": 940000.0,
                "slo_enable_volume": 50000,
                "enable_bail_balance": 940000.0,
            }
        }
    )  # fmt: skip

    data: Available
