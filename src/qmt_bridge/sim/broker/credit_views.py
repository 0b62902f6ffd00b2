"""A credit account's records as xtquant's credit objects (``qmt_bridge.sim.xttype``): a fresh object per call.

Units as xtquant's: CNY floats, shares, dates as ``YYYYMMDD`` ints, ``m_nUpdateTime`` Unix epoch seconds.
``exchange_id`` is the market number (0 SH, 1 SZ), the type ``doc/xttrader.md`` gives it (int), and
``instrument_id`` the code without its market suffix (``'600000'``), as the counter's records carry them.
``position_str`` (定位串) is the compact's open date and id. What each ``XtCreditDetail`` number means:
:mod:`.credit_margin`.
"""

from __future__ import annotations

import datetime as dt

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker.credit import CASHGROUP_NORMAL, STATUS_NORMAL, Compact
from qmt_bridge.sim.broker.credit_margin import CreditNumbers
from qmt_bridge.sim.broker.credit_universe import Subject
from qmt_bridge.sim.broker.money import to_yuan
from qmt_bridge.sim.broker.views import market_of
from qmt_bridge.sim.xttype import CreditAssure, CreditSloCode, CreditSubjects, StkCompacts, XtCreditDetail

CREDIT = xc.CREDIT_ACCOUNT


def _symbol(code: str) -> str:
    return code.partition(".")[0]


def _ymd(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def credit_detail_view(account_id: str, n: CreditNumbers, now_s: int) -> XtCreditDetail:
    y = to_yuan
    return XtCreditDetail(
        CREDIT,
        account_id,
        m_nStatus=xc.ACCOUNT_STATUS_OK,
        m_nUpdateTime=now_s,
        m_nCalcConfig=0,
        m_dFrozenCash=y(n.frozen),
        m_dBalance=y(n.assets),
        m_dAvailable=y(n.available),
        m_dPositionProfit=y(n.position_profit),
        m_dMarketValue=y(n.market_value),
        m_dFetchBalance=y(n.withdrawable),
        m_dStockValue=y(n.stock_value),
        m_dFundValue=y(n.fund_value),
        m_dTotalDebt=y(n.total_debt),
        m_dEnableBailBalance=y(n.enable_bail),
        m_dPerAssurescaleValue=round(n.ratio, 4) if n.total_debt else n.ratio,
        m_dAssureAsset=y(n.net_assets),
        m_dFinDebt=y(n.fin_principal + n.fin_fee),
        m_dFinDealAvl=y(n.fin_principal),
        m_dFinFee=y(n.fin_fee),
        m_dSloDebt=y(n.slo_market_value + n.slo_fee),
        m_dSloMarketValue=y(n.slo_market_value),
        m_dSloFee=y(n.slo_fee),
        m_dOtherFare=0.0,
        m_dFinMaxQuota=y(n.fin_max),
        m_dFinEnableQuota=y(n.fin_enable),
        m_dFinUsedQuota=y(n.fin_max - n.fin_enable),
        m_dSloMaxQuota=y(n.slo_max),
        m_dSloEnableQuota=y(n.slo_enable),
        m_dSloUsedQuota=y(n.slo_max - n.slo_enable),
        m_dSloSellBalance=y(n.slo_cash + n.slo_cash_used),
        m_dUsedSloSellBalance=y(n.slo_cash_used),
        m_dSurplusSloSellBalance=y(n.slo_cash),
    )


def compact_view(c: Compact) -> StkCompacts:
    y = to_yuan
    return StkCompacts(
        CREDIT,
        c.account_id,
        compact_type=c.kind,
        cashgroup_prop=CASHGROUP_NORMAL,
        exchange_id=market_of(c.code),
        open_date=_ymd(c.open_date),
        business_vol=c.business_vol,
        real_compact_vol=c.real_vol,
        ret_end_date=_ymd(c.end_date),
        business_balance=y(c.business_balance),
        businessFare=y(c.fare),
        real_compact_balance=y(c.real_balance),
        real_compact_fare=y(c.real_fare),
        repaid_fare=y(c.repaid_fare),
        repaid_balance=y(c.repaid_balance),
        instrument_id=_symbol(c.code),
        compact_id=c.compact_id,
        position_str=f"{_ymd(c.open_date)}{c.compact_id}",
    )


def subject_view(account_id: str, s: Subject) -> CreditSubjects:
    return CreditSubjects(
        CREDIT,
        account_id,
        slo_status=s.slo_status,
        fin_status=s.fin_status,
        exchange_id=market_of(s.code),
        slo_ratio=s.slo_ratio,
        fin_ratio=s.fin_ratio,
        instrument_id=_symbol(s.code),
    )


def slo_code_view(account_id: str, code: str, enable: int) -> CreditSloCode:
    return CreditSloCode(
        CREDIT,
        account_id,
        cashgroup_prop=CASHGROUP_NORMAL,
        exchange_id=market_of(code),
        enable_amount=enable,
        instrument_id=_symbol(code),
    )


def assure_view(account_id: str, code: str, ratio: float) -> CreditAssure:
    return CreditAssure(
        CREDIT,
        account_id,
        assure_status=STATUS_NORMAL,
        exchange_id=market_of(code),
        assure_ratio=ratio,
        instrument_id=_symbol(code),
    )
