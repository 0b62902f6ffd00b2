"""Simulated periodic reports of A-share companies: the eight tables of ``xtdata.get_financial_data``.

One report per quarter end (0331 / 0630 / 0930 / 1231) from the first quarter of the stock's listing year
(``list_date`` never precedes 2005-01-04, so long-listed stocks start in 2005) to the end of the simulated
timeline. Everything is a pure function of ``(seed, instrument, corporate actions, daily closes)``, none of
which depends on the clock; which reports a caller sees is decided later by their announcement dates
(:meth:`FinancialHistory.query`).

Model (a small, internally consistent accounting engine, whole yuan throughout):

* State per quarter: parent equity ``E`` grows by the quarter's parent net profit and other comprehensive
  income, shrinks by cash dividends (the stock's simulated ex-dates, ``interest x total_shares``) and grows by
  rights issues; ``net profit = E x annual ROE / 4`` with an AR(1) ROE per fiscal year around an industry
  mean. Because the simulated prices mean-revert while retained earnings compound, ``E`` is also pulled 15%
  a quarter towards ``close x shares / PB`` (PB an AR(1) band around an industry level), booked in retained
  earnings: book value stays plausible against the simulated price over twenty years. Minority equity is a fixed fraction of ``E``; the leverage (``gear_ratio``) drifts inside an industry
  band; ``tot_assets = tot_liab + total_equity`` exactly. Revenue is a seasonal multiple of the previous
  quarter's assets (asset turnover by industry).
* The income statement is derived backwards from net profit (tax, non-operating items, operating profit,
  operating costs split into cost of sales and expenses), so every subtotal adds up exactly; statement
  values are cumulative within the fiscal year (xtquant's convention), so revenue never decreases from Q1 to
  Q4. ``s_fa_eps_basic = parent net profit / total shares`` (4 decimals).
* Cash: the balance-sheet ``cash_equivalents`` is a fraction of current assets; operating and investing cash
  flows are modelled, financing cash flow is the plug, so ``cash_cash_equ_end_period`` equals the balance
  sheet's cash and ``beg + net_incr = end``.
* ``Capital``: ``total_capital`` = the instrument's ``total_shares``, ``circulating_capital`` = its
  ``float_shares`` (share counts are constant in the simulator). ``Top10Holder`` / ``Top10FlowHolder``: a
  pool of persistent holders whose stakes drift; quantities are whole lots, ``ratio = quantity / total
  shares x 100`` (flow holders: ``/ circulating shares``), ranked by quantity.
* Banks (industry 银行) have a 90-93.5% ``gear_ratio``, bank-style balance sheets and no current/non-current
  split (those totals are NaN, as in real bank statements).
* Percentages in ``PershareIndex`` (ROE, margins, gear ratio, growth rates, tax rate) are in percent.

Announcement dates (moved back off weekends): Q1 reports 04-10..04-30, half-year 07-13..08-31, Q3
10-10..10-30, annual reports 02-27..04-29 of the next year (never after that year's Q1 report).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import operator
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from qmt_bridge.sim.market.corporate import CorporateAction
from qmt_bridge.sim.market.instruments import BJ, CHINEXT, STAR, Instrument
from qmt_bridge.sim.market.names import ETF_THEMES, FUND_HOUSES
from qmt_bridge.xtnames import FINANCIAL_TABLES

_MASK64 = (1 << 64) - 1
NAN = float("nan")

#: The tables, with xtquant's canonical spellings (``get_financial_data``'s ``all_table`` keys).
TABLES = FINANCIAL_TABLES

# Columns, in the order of xtquant's bundled doc (``doc/xtdata.md``, 财务数据字段列表) and config/*.ini.
BALANCE_COLUMNS: tuple[str, ...] = (
    "m_anntime", "m_timetag", "internal_shoule_recv", "fixed_capital_clearance", "should_pay_money",
    "settlement_payment", "receivable_premium", "accounts_receivable_reinsurance",
    "reinsurance_contract_reserve", "dividends_payable", "tax_rebate_for_export", "subsidies_receivable",
    "deposit_receivable", "apportioned_cost", "profit_and_current_assets_with_deal", "current_assets_one_year",
    "long_term_receivables", "other_long_term_investments", "original_value_of_fixed_assets",
    "net_value_of_fixed_assets", "depreciation_reserves_of_fixed_assets", "productive_biological_assets",
    "public_welfare_biological_assets", "oil_and_gas_assets", "development_expenditure",
    "right_of_split_share_distribution", "other_non_mobile_assets", "handling_fee_and_commission",
    "other_payables", "margin_payable", "internal_accounts_payable", "advance_cost", "insurance_contract_reserve",
    "broker_buying_and_selling_securities", "acting_underwriting_securities", "international_ticket_settlement",
    "domestic_ticket_settlement", "deferred_income", "short_term_bonds_payable", "long_term_deferred_income",
    "undetermined_investment_losses", "quasi_distribution_of_cash_dividends", "provisions_not", "cust_bank_dep",
    "provisions", "less_tsy_stk", "cash_equivalents", "loans_to_oth_banks", "tradable_fin_assets",
    "derivative_fin_assets", "bill_receivable", "account_receivable", "advance_payment", "int_rcv",
    "other_receivable", "red_monetary_cap_for_sale", "agency_bus_assets", "inventories", "other_current_assets",
    "total_current_assets", "loans_and_adv_granted", "fin_assets_avail_for_sale", "held_to_mty_invest",
    "long_term_eqy_invest", "invest_real_estate", "accumulated_depreciation", "fix_assets", "constru_in_process",
    "construction_materials", "long_term_liabilities", "intang_assets", "goodwill", "long_deferred_expense",
    "deferred_tax_assets", "total_non_current_assets", "tot_assets", "shortterm_loan", "borrow_central_bank",
    "loans_oth_banks", "tradable_fin_liab", "derivative_fin_liab", "notes_payable", "accounts_payable",
    "advance_peceipts", "fund_sales_fin_assets_rp", "empl_ben_payable", "taxes_surcharges_payable",
    "int_payable", "dividend_payable", "other_payable", "non_current_liability_in_one_year",
    "other_current_liability", "total_current_liability", "long_term_loans", "bonds_payable",
    "longterm_account_payable", "grants_received", "deferred_tax_liab", "other_non_current_liabilities",
    "non_current_liabilities", "tot_liab", "cap_stk", "cap_rsrv", "specific_reserves", "surplus_rsrv",
    "prov_nom_risks", "undistributed_profit", "cnvd_diff_foreign_curr_stat", "tot_shrhldr_eqy_excl_min_int",
    "minority_int", "total_equity", "tot_liab_shrhldr_eqy",
)  # fmt: skip
INCOME_COLUMNS: tuple[str, ...] = (
    "m_anntime", "m_timetag", "revenue_inc", "earned_premium", "real_estate_sales_income",
    "total_operating_cost", "real_estate_sales_cost", "research_expenses", "surrender_value", "net_payments",
    "net_withdrawal_ins_con_res", "policy_dividend_expenses", "reinsurance_cost", "change_income_fair_value",
    "futures_loss", "trust_income", "subsidize_revenue", "other_business_profits",
    "net_profit_excl_merged_int_inc", "int_inc", "handling_chrg_comm_inc", "less_handling_chrg_comm_exp",
    "other_bus_cost", "plus_net_gain_fx_trans", "il_net_loss_disp_noncur_asset", "inc_tax",
    "unconfirmed_invest_loss", "net_profit_excl_min_int_inc", "less_int_exp", "other_bus_inc", "revenue",
    "total_expense", "less_taxes_surcharges_ops", "sale_expense", "less_gerl_admin_exp", "financial_expense",
    "less_impair_loss_assets", "plus_net_invest_inc", "incl_inc_invest_assoc_jv_entp", "oper_profit",
    "plus_non_oper_rev", "less_non_oper_exp", "tot_profit", "net_profit_incl_min_int_inc",
    "net_profit_incl_min_int_inc_after", "minority_int_inc", "s_fa_eps_basic", "s_fa_eps_diluted",
    "total_income", "total_income_minority", "other_compreh_inc",
)  # fmt: skip
CASHFLOW_COLUMNS: tuple[str, ...] = (
    "m_anntime", "m_timetag", "cash_received_ori_ins_contract_pre", "net_cash_received_rei_ope",
    "net_increase_insured_funds", "net_increase_in_disposal", "cash_for_interest",
    "net_increase_in_repurchase_funds", "cash_for_payment_original_insurance", "cash_payment_policy_dividends",
    "disposal_other_business_units", "cash_received_from_pledges", "cash_paid_for_investments",
    "net_increase_in_pledged_loans", "cash_paid_by_subsidiaries", "increase_in_cash_paid",
    "cass_received_sub_abs", "cass_received_sub_investments", "minority_shareholder_profit_loss",
    "unrecognized_investment_losses", "ncrease_deferred_income", "projected_liability",
    "increase_operational_payables", "reduction_outstanding_amounts_less", "reduction_outstanding_amounts_more",
    "goods_sale_and_service_render_cash", "net_incr_dep_cob", "net_incr_loans_central_bank",
    "net_incr_fund_borr_ofi", "tax_levy_refund", "cash_paid_invest", "other_cash_recp_ral_oper_act",
    "stot_cash_inflows_oper_act", "goods_and_services_cash_paid", "net_incr_clients_loan_adv",
    "net_incr_dep_cbob", "handling_chrg_paid", "cash_pay_beh_empl", "pay_all_typ_tax",
    "other_cash_pay_ral_oper_act", "stot_cash_outflows_oper_act", "net_cash_flows_oper_act",
    "cash_recp_disp_withdrwl_invest", "cash_recp_return_invest", "net_cash_recp_disp_fiolta",
    "other_cash_recp_ral_inv_act", "stot_cash_inflows_inv_act", "cash_pay_acq_const_fiolta",
    "stot_cash_outflows_inv_act", "net_cash_flows_inv_act", "cash_recp_cap_contrib", "cash_recp_borrow",
    "proc_issue_bonds", "other_cash_recp_ral_fnc_act", "stot_cash_inflows_fnc_act", "cash_prepay_amt_borr",
    "cash_pay_dist_dpcp_int_exp", "other_cash_pay_ral_fnc_act", "stot_cash_outflows_fnc_act",
    "net_cash_flows_fnc_act", "eff_fx_flu_cash", "net_incr_cash_cash_equ", "cash_cash_equ_beg_period",
    "cash_cash_equ_end_period", "net_profit", "plus_prov_depr_assets", "depr_fa_coga_dpba",
    "amort_intang_assets", "amort_lt_deferred_exp", "decr_deferred_exp", "incr_acc_exp", "loss_disp_fiolta",
    "loss_scr_fa", "loss_fv_chg", "fin_exp", "invest_loss", "decr_deferred_inc_tax_assets",
    "incr_deferred_inc_tax_liab", "decr_inventories", "decr_oper_payable", "others", "im_net_cash_flows_oper_act",
    "conv_debt_into_cap", "conv_corp_bonds_due_within_1y", "fa_fnc_leases", "end_bal_cash", "less_beg_bal_cash",
    "plus_end_bal_cash_equ", "less_beg_bal_cash_equ", "im_net_incr_cash_cash_equ",
)  # fmt: skip
PERSHARE_COLUMNS: tuple[str, ...] = (
    "s_fa_ocfps", "s_fa_bps", "s_fa_eps_basic", "s_fa_eps_diluted", "s_fa_undistributedps",
    "s_fa_surpluscapitalps", "adjusted_earnings_per_share", "du_return_on_equity", "sales_gross_profit",
    "inc_revenue_rate", "du_profit_rate", "inc_net_profit_rate", "adjusted_net_profit_rate",
    "inc_total_revenue_annual", "inc_net_profit_to_shareholders_annual", "adjusted_profit_to_profit_annual",
    "equity_roe", "net_roe", "total_roe", "gross_profit", "net_profit", "actual_tax_rate",
    "pre_pay_operate_income", "sales_cash_flow", "gear_ratio", "inventory_turnover", "m_anntime", "m_timetag",
)  # fmt: skip
CAPITAL_COLUMNS: tuple[str, ...] = (
    "total_capital", "circulating_capital", "restrict_circulating_capital", "m_timetag", "m_anntime",
    "freeFloatCapital",
)  # fmt: skip
HOLDERNUM_COLUMNS: tuple[str, ...] = (
    "declareDate", "endDate", "shareholder", "shareholderA", "shareholderB", "shareholderH",
    "shareholderFloat", "shareholderOther",
)  # fmt: skip
TOP10_COLUMNS: tuple[str, ...] = (
    "declareDate",
    "endDate",
    "name",
    "type",
    "quantity",
    "reason",
    "ratio",
    "nature",
    "rank",
)

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Balance": BALANCE_COLUMNS,
    "Income": INCOME_COLUMNS,
    "CashFlow": CASHFLOW_COLUMNS,
    "Capital": CAPITAL_COLUMNS,
    "HolderNum": HOLDERNUM_COLUMNS,
    "Top10Holder": TOP10_COLUMNS,
    "Top10FlowHolder": TOP10_COLUMNS,
    "PershareIndex": PERSHARE_COLUMNS,
}


# ---------------------------------------------------------------------------------------------- profiles


@dataclass(frozen=True)
class _Profile:
    turnover: tuple[float, float]  # annual revenue / total assets
    gear: tuple[float, float]  # liabilities / assets
    gross: tuple[float, float]  # gross margin
    roe: float  # mean annual ROE
    pb: float  # median price-to-book at listing
    current: tuple[float, float] | None  # current assets / total assets (None: banks)
    rd: float = 0.12  # R&D share of expenses
    inventory: float = 0.2  # inventory weight among non-cash current assets


_DEFAULT = _Profile((0.45, 0.9), (0.25, 0.6), (0.18, 0.4), 0.08, 2.5, (0.45, 0.7))
_PROFILES: dict[str, _Profile] = {
    "银行": _Profile((0.022, 0.032), (0.90, 0.935), (1.0, 1.0), 0.10, 0.7, None, 0.01, 0.0),
    "非银金融": _Profile((0.04, 0.09), (0.70, 0.86), (0.5, 0.8), 0.08, 1.4, (0.6, 0.85), 0.02, 0.0),
    "房地产": _Profile((0.12, 0.3), (0.60, 0.82), (0.15, 0.3), 0.05, 0.9, (0.75, 0.9), 0.01, 0.75),
    "建筑装饰": _Profile((0.5, 0.9), (0.60, 0.78), (0.08, 0.15), 0.07, 0.9, (0.6, 0.8), 0.05, 0.3),
    "公用事业": _Profile((0.2, 0.35), (0.45, 0.7), (0.15, 0.35), 0.07, 1.3, (0.1, 0.25), 0.03, 0.05),
    "交通运输": _Profile((0.3, 0.8), (0.35, 0.6), (0.1, 0.3), 0.07, 1.5, (0.2, 0.4), 0.03, 0.05),
    "食品饮料": _Profile((0.5, 0.9), (0.15, 0.4), (0.35, 0.85), 0.16, 5.0, (0.5, 0.75), 0.03, 0.35),
    "医药生物": _Profile((0.4, 0.8), (0.2, 0.45), (0.4, 0.75), 0.09, 3.5, (0.45, 0.7), 0.25, 0.2),
    "电子": _Profile((0.5, 0.9), (0.3, 0.55), (0.15, 0.35), 0.08, 4.0, (0.5, 0.7), 0.3, 0.25),
    "计算机": _Profile((0.4, 0.8), (0.25, 0.5), (0.3, 0.6), 0.06, 4.0, (0.55, 0.8), 0.4, 0.1),
    "通信": _Profile((0.5, 0.9), (0.3, 0.55), (0.2, 0.4), 0.07, 3.5, (0.5, 0.75), 0.3, 0.2),
    "商贸零售": _Profile((0.9, 1.6), (0.4, 0.65), (0.1, 0.25), 0.05, 1.5, (0.4, 0.65), 0.01, 0.45),
    "钢铁": _Profile((0.7, 1.3), (0.4, 0.65), (0.06, 0.15), 0.06, 1.0, (0.3, 0.5), 0.04, 0.4),
    "煤炭": _Profile((0.5, 0.9), (0.35, 0.6), (0.25, 0.45), 0.11, 1.2, (0.3, 0.45), 0.03, 0.15),
    "石油石化": _Profile((0.8, 1.4), (0.4, 0.6), (0.1, 0.25), 0.07, 1.1, (0.3, 0.45), 0.03, 0.35),
    "有色金属": _Profile((0.7, 1.3), (0.35, 0.6), (0.08, 0.2), 0.08, 2.0, (0.4, 0.6), 0.05, 0.4),
}


def _profile(industry: str) -> _Profile:
    return _PROFILES.get(industry, _DEFAULT)


def industry_pe(inst: Instrument) -> float:
    """The PE level of the stock's industry in the model: its median price-to-book over its mean ROE (what
    a stock's PE settles around, as its book value follows the price), to two decimals."""
    prof = _profile(inst.industry)
    growth = inst.board in (STAR, CHINEXT, BJ) and inst.industry != "银行"
    return round(prof.pb * (1.3 if growth else 1.0) / prof.roe, 2)


# ---------------------------------------------------------------------------------------------- helpers


def _quarter_end(year: int, quarter: int) -> dt.date:
    return (dt.date(year, 3, 31), dt.date(year, 6, 30), dt.date(year, 9, 30), dt.date(year, 12, 31))[
        quarter - 1
    ]


def _weekday_back(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def announcement_date(period: dt.date, u: float) -> dt.date:
    """The (unclamped) disclosure date of the report for ``period`` given a uniform draw ``u``."""
    y = period.year
    if period.month == 3:
        day = dt.date(y, 4, 12) + dt.timedelta(days=int(u * 19))
    elif period.month == 6:
        day = dt.date(y, 7, 15) + dt.timedelta(days=int(u * 48))
    elif period.month == 9:
        day = dt.date(y, 10, 12) + dt.timedelta(days=int(u * 19))
    else:
        day = dt.date(y + 1, 3, 1) + dt.timedelta(days=int(u * 60))
    return _weekday_back(day)


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` into ints that add up to it exactly (rest in the last)."""
    s = float(sum(weights))
    if s <= 0:
        return [0] * (len(weights) - 1) + [total]
    parts = [int(math.floor(total * w / s)) for w in weights[:-1]]
    parts.append(total - sum(parts))
    return parts


def _ymd(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红文斌宇浩凯鹏辉晨阳晓东海峰雪琳"
_SOCIAL = "一二三四五六七八"
_CORP_SUFFIXES = ("集团有限公司", "控股集团有限公司", "投资控股有限公司", "实业集团有限公司", "控股有限公司")
_INVESTOR_SUFFIXES = ("投资有限公司", "创业投资有限公司", "资产管理有限公司", "股权投资合伙企业(有限合伙)")
_INVESTORS = (
    "鼎晖",
    "弘毅",
    "高瓴",
    "红杉",
    "君联",
    "中金",
    "深创投",
    "达晨",
    "国投",
    "中信",
    "华润",
    "招商",
)


# ---------------------------------------------------------------------------------------------- history

_STRING_COLUMNS = frozenset(("m_anntime", "m_timetag", "declareDate", "endDate"))


def _frame(
    columns: tuple[str, ...], n: int, values: dict[str, np.ndarray], dates: dict[str, np.ndarray]
) -> pd.DataFrame:
    """A DataFrame with exactly ``columns``: one float64 block from ``values`` (NaN for the columns without
    one) plus the 'YYYYMMDD' string columns ``dates``."""
    numeric = [c for c in columns if c not in _STRING_COLUMNS]
    data = np.full((n, len(numeric)), NAN)
    for j, c in enumerate(numeric):
        v = values.get(c)
        if v is not None:
            data[:, j] = v
    frame = pd.DataFrame(data, columns=numeric)
    for pos, c in enumerate(columns):
        if c in _STRING_COLUMNS:
            frame.insert(pos, c, dates[c])
    return frame


def _matrix(rows: list[dict]) -> tuple[np.ndarray, list[str]]:
    """Rows of same-keyed dicts as a float matrix (one column per key, NaN where a row lacks it)."""
    keys = list(rows[0]) if rows else []
    if all(row.keys() == rows[0].keys() for row in rows):
        get = operator.itemgetter(*keys)
        data = [get(row) for row in rows] if len(keys) > 1 else [(get(row),) for row in rows]
        return np.array(data, dtype=np.float64).reshape(len(rows), len(keys)), keys
    for row in rows:
        keys.extend(k for k in row if k not in keys)
    return np.array([[row.get(k, NAN) for k in keys] for row in rows], dtype=np.float64), keys


def _year_to_date(q: np.ndarray, year_start: np.ndarray) -> np.ndarray:
    """Cumulative sums of single-quarter rows within each fiscal year (exact for whole yuan below 2**53)."""
    cs = np.cumsum(q, axis=0)
    base = np.where((year_start > 0)[:, None], cs[np.maximum(year_start - 1, 0)], 0.0)
    return cs - base


def _ratios(num: np.ndarray, den: np.ndarray | float, scale: float = 100.0) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.round(np.asarray(num, dtype=np.float64) / den * scale, 4)
    return np.where(np.isfinite(out), out, np.nan)


def _growths(cur: np.ndarray, prev_index: np.ndarray) -> np.ndarray:
    """Growth in percent of ``cur`` against ``cur[prev_index]`` (NaN where the index is -1 or the base 0)."""
    prev = np.where(prev_index >= 0, cur[np.maximum(prev_index, 0)], np.nan)
    prev = np.where(prev == 0, np.nan, prev)
    return _ratios(cur - prev, np.abs(prev))


def _ttm_growth(quarterly: np.ndarray) -> np.ndarray:
    """Growth in percent of the trailing-four-quarter sum against the previous quarter's."""
    n = len(quarterly)
    out = np.full(n, np.nan)
    if n >= 5:
        cs = np.r_[0.0, np.cumsum(quarterly)]
        ttm = cs[4:] - cs[:-4]  # ttm[i] ends at quarter i + 3
        prev = np.where(ttm[:-1] == 0, np.nan, ttm[:-1])
        out[4:] = _ratios(ttm[1:] - prev, np.abs(prev))
    return out


@dataclass
class _Table:
    frame: pd.DataFrame
    ann: np.ndarray  # int YYYYMMDD per row
    end: np.ndarray  # int YYYYMMDD per row


class FinancialHistory:
    """Every report of one stock (announced or not yet); :meth:`query` applies the date filters."""

    def __init__(self, tables: dict[str, _Table]) -> None:
        self._tables = tables

    def query(
        self, table: str, today: dt.date, lo: dt.date | None, hi: dt.date | None, by_announce: bool
    ) -> pd.DataFrame:
        """Rows of ``table`` announced on or before ``today`` whose period end (or, with ``by_announce``,
        announcement date) lies in ``[lo, hi]`` (``None`` = unbounded). Always a fresh DataFrame."""
        t = self._tables[table]
        # both date columns are non-decreasing row by row, so every filter is a contiguous slice
        stop = int(np.searchsorted(t.ann, int(_ymd(today)), side="right"))
        key = t.ann if by_announce else t.end
        start = 0
        if lo is not None:
            start = int(np.searchsorted(key, int(_ymd(lo)), side="left"))
        if hi is not None:
            stop = min(stop, int(np.searchsorted(key, int(_ymd(hi)), side="right")))
        frame = t.frame.iloc[start : max(start, stop)].copy()
        if start:
            frame.index = pd.RangeIndex(len(frame))
        return frame


def build_history(
    inst: Instrument,
    seed: int,
    actions: Sequence[CorporateAction],
    horizon_end: dt.date,
    price_at: Callable[[dt.date], float] | None = None,
) -> FinancialHistory:
    """All quarterly reports of stock ``inst`` from its listing year through ``horizon_end``'s year.

    ``price_at(day)`` is the stock's close on or before ``day`` (book equity is pulled towards a
    price-to-book band around it, so valuations stay plausible however long the history); without it the
    instrument's ``base_price`` is used. The numbers of a period depend only on ``(seed, inst, actions and
    prices up to that period)``, never on ``horizon_end``: random draws are laid out period by period.
    """
    closes = None if price_at is None else (lambda days: [price_at(d) for d in days])
    return _Builder(inst, seed, actions, horizon_end, closes).build()


@dataclass(frozen=True)
class Earnings:
    """A stock's earnings as its reports state them: per report (period order, which is also announcement
    order), the announcement day and the parent net profit of the trailing four quarters (TTM).

    Computed by :func:`build_earnings` with the same code as the statements of :func:`build_history`, so
    ``ttm_profit`` is exactly what the Income tables add up to. Within the first fiscal year of the history
    (fewer than four quarters reported) the year-to-date profit is annualised (``x 4 / quarters``).
    """

    ann_days: np.ndarray  # int64 proleptic ordinal (``date.toordinal()``) of each report's announcement
    ttm_profit: np.ndarray  # float64 whole yuan
    shares: int  # ``Capital.total_capital`` (share counts are constant in the simulator)

    def ttm_eps(self, day: dt.date) -> float:
        """TTM earnings per share of the newest report announced on or before ``day`` (0.0 before the
        first one)."""
        i = int(np.searchsorted(self.ann_days, day.toordinal(), side="right")) - 1
        return float(self.ttm_profit[i]) / self.shares if i >= 0 else 0.0


def build_earnings(
    inst: Instrument,
    seed: int,
    actions: Sequence[CorporateAction],
    horizon_end: dt.date,
    closes: Callable[[Sequence[dt.date]], Sequence[float]] | None = None,
) -> Earnings:
    """The :class:`Earnings` of the reports :func:`build_history` builds from the same arguments, without
    the statements (a few percent of their cost).

    ``closes(days)`` gives the stock's close on or before each of ``days`` at once (the quarter ends from
    the listing on); the statements' ``price_at`` one day at a time.
    """
    return _Builder(inst, seed, actions, horizon_end, closes).earnings()


class _Core(NamedTuple):
    """The core recursion, one list entry per period: what the statements need of the parent equity and its
    profit (whole yuan; equities as floats holding integers)."""

    rev: list[int]
    npp: list[int]  # single-quarter parent net profit
    oci: list[int]
    div: list[int]
    rights: list[int]
    inject: list[int]
    E_begin: list[float]  # parent equity at the start of the quarter
    E: list[float]  # ... and at its end
    Mi: list[int]
    eq_total: list[int]
    L: list[int]
    A: list[int]
    A_prev: list[float]  # total assets at the start of the quarter


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
# announcement_date's windows per fiscal quarter: (month, day, years after the period, days in window)
_ANN_WINDOWS = ((4, 12, 0, 19), (7, 15, 0, 48), (10, 12, 0, 19), (3, 1, 1, 60))


def _announcement_days(first_year: int, u0: np.ndarray) -> np.ndarray:
    """:func:`announcement_date` of the periods from Q1 of ``first_year`` on (one draw each in ``u0``) as
    ordinals, vectorised; Q1 reports moved to no earlier than the previous annual report."""
    n = len(u0)
    starts, spans = _announcement_windows(first_year, n)
    days = starts + np.floor(u0 * spans).astype(np.int64)
    weekday = (days + 6) % 7  # date.weekday() of an ordinal
    days -= np.where(weekday >= 5, weekday - 4, 0)
    q1 = np.arange(4, n, 4)
    days[q1] = np.maximum(days[q1], days[q1 - 1])
    return days


@functools.lru_cache(maxsize=256)
def _announcement_windows(first_year: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """First day (ordinal) and length in days of the announcement window of ``n`` periods from Q1 of
    ``first_year`` on (read-only)."""
    windows = [_ANN_WINDOWS[k % 4] for k in range(n)]
    starts = np.array(
        [dt.date(first_year + k // 4 + w[2], w[0], w[1]).toordinal() for k, w in enumerate(windows)], np.int64
    )
    spans = np.array([w[3] for w in windows], np.float64)
    for arr in (starts, spans):
        arr.flags.writeable = False
    return starts, spans


@functools.lru_cache(maxsize=256)
def _periods(first_year: int, last_year: int) -> tuple[dt.date, ...]:
    """The quarter ends from Q1 of ``first_year`` to Q4 of ``last_year``."""
    return tuple(_quarter_end(y, q) for y in range(first_year, last_year + 1) for q in (1, 2, 3, 4))


class _Builder:
    def __init__(
        self,
        inst: Instrument,
        seed: int,
        actions: Sequence[CorporateAction],
        horizon_end: dt.date,
        closes: Callable[[Sequence[dt.date]], Sequence[float]] | None,
    ) -> None:
        self.inst = inst
        self.seed = int(seed)
        key = zlib.crc32(inst.code.encode("utf-8"))
        self.key = key
        first_year = inst.list_date.year
        self.first_year = first_year
        last_year = max(horizon_end.year, first_year)
        self.periods = _periods(first_year, last_year)
        n = len(self.periods)
        base = [self.seed & _MASK64, key]
        # separate streams so that a period's draws never depend on how many periods are generated
        self.u_draws = np.random.default_rng([*base, 0x4649_4E01]).random((n, 24))
        self.z_draws = np.random.default_rng([*base, 0x4649_4E02]).standard_normal((n, 16))
        self.consts = np.random.default_rng([*base, 0x4649_4E03]).random(32).tolist()
        self.actions = sorted(actions, key=lambda a: a.ex_date)
        self.action_days = [a.ex_date for a in self.actions]
        self.prices = self._period_prices(closes)
        self.shares = int(inst.total_shares) or 100_000_000
        prof = _profile(inst.industry)
        bank = inst.industry == "银行"
        growth_board = inst.board in (STAR, CHINEXT, BJ)
        c = self.consts
        # banks' valuations are narrow (PB ~0.5-0.9, PE ~4-9 in the real market); other industries' spread wider
        pb_spread = 0.15 if bank else 0.35
        self.pb_mid = (
            prof.pb * math.exp(pb_spread * (2 * c[0] - 1)) * (1.3 if growth_board and not bank else 1.0)
        )
        self.equity0 = self.prices[0] * self.shares / self.pb_mid

    def _period_prices(self, closes: Callable[[Sequence[dt.date]], Sequence[float]] | None) -> list[float]:
        """The price of each period end the book value is pulled towards: the close on or before it from
        the listing on, the instrument's ``base_price`` before (and without closes); at least 0.5."""
        inst = self.inst
        listed = [p for p in self.periods if p >= inst.list_date]
        known = list(closes(listed)) if closes is not None and listed else [inst.base_price] * len(listed)
        before = [inst.base_price] * (len(self.periods) - len(listed))
        return [max(float(p), 0.5) for p in before + known]

    # -- announcement dates
    def _announcements(self) -> list[dt.date]:
        days = _announcement_days(self.first_year, self.u_draws[:, 0])
        return [dt.date.fromordinal(d) for d in days.tolist()]

    def _equity_actions(self) -> tuple[list[int], list[int]]:
        """Cash dividends and rights-issue proceeds of each period (the actions ex-dated in it)."""
        n, shares = len(self.periods), self.shares
        div, rights = [0] * n, [0] * n
        for a in self.actions:
            k = bisect.bisect_left(self.periods, a.ex_date)
            if k < n:
                div[k] += int(round(a.interest * shares))
                rights[k] += int(round(a.allot_num * a.allot_price * shares))
        return div, rights

    def _core(self) -> _Core:
        """The parent equity and its profit, quarter by quarter: the recursion that both the statements and
        :meth:`earnings` take their numbers from (one implementation, so they agree exactly). Hot: it runs
        for every stock of a whole-market snapshot, hence the local names."""
        inst = self.inst
        c = self.consts
        prof = _profile(inst.industry)
        bank = inst.industry == "银行"
        shares, pb_mid, equity0 = self.shares, self.pb_mid, self.equity0
        turnover = prof.turnover[0] + (prof.turnover[1] - prof.turnover[0]) * c[1]
        gear_mid = prof.gear[0] + (prof.gear[1] - prof.gear[0]) * c[2]
        gear_lo, gear_hi = prof.gear
        roe_mu = prof.roe + (0.015 if bank else 0.035) * (2 * c[4] - 1)
        minority = 0.0 if c[5] < 0.3 else 0.15 * c[6]
        roe_sd, np_sd, pb_sd = (0.008, 0.05, 0.04) if bank else (0.05, 0.25, 0.08)
        s_rev = (0.85, 1.0, 1.0, 1.15)
        s_np = (0.95, 1.05, 1.0, 1.0)
        z0, z1, z3, z4, z9, z14 = self.z_draws[:, [0, 1, 3, 4, 9, 14]].T.tolist()
        divs, rights_ = self._equity_actions()
        exp = math.exp
        e_floor, rescue_below, rescue = 0.1 * equity0, 0.05 * equity0, int(round(0.3 * equity0))
        out = _Core([], [], [], divs, rights_, [], [], [], [], [], [], [], [])
        (rev_l, npp_l, oci_l, inject_l, E_begin_l, E_l, Mi_l, eq_l, L_l, A_l, A_prev_l) = (
            out.rev, out.npp, out.oci, out.inject, out.E_begin, out.E, out.Mi, out.eq_total, out.L, out.A,
            out.A_prev,
        )  # fmt: skip

        E = float(round(equity0))
        gear = gear_mid
        A_prev = (E * (1 + minority)) / (1 - gear)
        roe_y = roe_mu
        log_pb = 0.0
        for k, price in enumerate(self.prices):
            q = k % 4  # periods start at Q1: 0..3
            if q == 0:  # new fiscal year: AR(1) ROE
                roe_y = roe_mu + 0.6 * (roe_y - roe_mu) + roe_sd * z0[k]
            gear = gear + 0.006 * z1[k] + 0.1 * (gear_mid - gear)
            gear = gear_lo if gear < gear_lo else gear_hi if gear > gear_hi else gear
            base_e = E if E > e_floor else e_floor
            swing = 1 + 0.08 * z3[k]
            rev = round(A_prev * turnover / 4 * s_rev[q] * (swing if swing > 0.5 else 0.5))  # round(): an int
            if rev < 1000:
                rev = 1000
            npp = base_e * roe_y / 4 * s_np[q] * (1 + np_sd * z4[k])
            npp = round(-0.8 * rev if npp < -0.8 * rev else 0.45 * rev if npp > 0.45 * rev else npp)
            oci = round(npp * 0.03 * z9[k])
            # book value drifts towards a price-to-book band around the stock's price (booked in retained
            # earnings), so that it neither compounds away from the simulated price nor collapses
            log_pb = 0.85 * log_pb + pb_sd * z14[k]
            target = price * shares / (pb_mid * exp(log_pb))
            E_begin_l.append(E)
            E = E + npp + oci - divs[k] + rights_[k]
            E += round(0.15 * (target - E))
            inject = 0
            if E < rescue_below:  # a rescue placement
                inject = rescue
                E += inject
            E = float(int(E))
            Mi = round(E * minority)
            eq_total = int(E) + Mi
            L = round(eq_total * gear / (1 - gear))
            rev_l.append(rev)
            npp_l.append(npp)
            oci_l.append(oci)
            inject_l.append(inject)
            E_l.append(E)
            Mi_l.append(Mi)
            eq_l.append(eq_total)
            L_l.append(L)
            A_l.append(L + eq_total)
            A_prev_l.append(A_prev)
            A_prev = L + eq_total
        return out

    def earnings(self) -> Earnings:
        npp = np.array(self._core().npp, np.float64)
        n = len(npp)
        ttm = np.empty(n)
        cs = np.cumsum(npp)
        ttm[3:] = cs[3:] - np.r_[0.0, cs[:-4]]
        first = min(n, 3)  # the first fiscal year (periods start at Q1): year to date, annualised
        ttm[:first] = cs[:first] * 4.0 / np.arange(1, first + 1)
        ann = _announcement_days(self.first_year, self.u_draws[:, 0])
        for arr in (ann, ttm):
            arr.flags.writeable = False
        return Earnings(ann, ttm, self.shares)

    def build(self) -> FinancialHistory:
        inst = self.inst
        c = self.consts
        prof = _profile(inst.industry)
        bank = inst.industry == "银行"
        shares = self.shares
        float_shares = int(min(inst.float_shares or shares, shares))
        growth_board = inst.board in (STAR, CHINEXT, BJ)
        u_rows, z_rows = self.u_draws.tolist(), self.z_draws.tolist()

        def pick(rng: tuple[float, float], u: float) -> float:
            return rng[0] + (rng[1] - rng[0]) * u

        # ---- per-stock constants (those of the core recursion are in ``_core``)
        equity0 = self.equity0
        gear_mid = pick(prof.gear, c[2])
        gross_mid = pick(prof.gross, c[3])
        minority = 0.0 if c[5] < 0.3 else 0.15 * c[6]
        tax_rate = 0.15 if (growth_board or c[7] < 0.3) and not bank else 0.25
        ca_mid = pick(prof.current, c[8]) if prof.current else None
        cash_share = 0.15 + 0.3 * c[9]
        cl_ratio = 0.55 + 0.3 * c[10]
        fix_share = 0.35 + 0.3 * c[11]
        rd = prof.rd * (1.6 if growth_board else 1.0)
        holders0 = max(5000.0, min(900_000.0, float_shares * inst.base_price / (60_000 + 240_000 * c[12])))

        expense_w = (
            (0.03, 0.0, 0.6, 0.02, 0.0, 0.35)
            if bank
            else (0.08, 0.3 - 0.1 * c[13], 0.28, rd, 0.07 + 0.05 * c[14], 0.05)
        )
        cur_w = (0.08, 0.1, 0.3, 0.06, 0.05, prof.inventory * 2.0, 0.04)
        ncur_w = (
            0.08,
            0.03 + 0.1 * (inst.industry == "房地产"),
            fix_share,
            0.06,
            0.08,
            0.04 * c[15],
            0.01,
            0.02,
            0.03,
        )
        cl_w = (0.25, 0.12, 0.3, 0.08, 0.04, 0.03, 0.08, 0.06, 0.04)
        ncl_w = (0.55, 0.15 * c[16], 0.05, 0.03, 0.05)

        ann = self._announcements()
        periods = self.periods

        # ---- state
        E = float(round(equity0))
        cap_rsrv = int(round(max(E - shares, 0.0) * 0.55))
        surplus = 0
        A_prev = (E * (1 + minority)) / (1 - gear_mid)
        ca_ratio = ca_mid if ca_mid is not None else 0.0
        cash_prev = int(round(A_prev * (0.07 if bank else ca_ratio * cash_share)))
        fix_prev = A_prev * (0.004 if bank else (1 - ca_ratio) * fix_share / sum(ncur_w))
        E_year_begin = E
        cash_year_begin = cash_prev
        holders = holders0

        bal_rows: list[dict] = []  # point-in-time balances
        flow_rows: list[dict] = []  # single-quarter income statement items
        cf_rows: list[dict] = []  # single-quarter cash flows
        state: list[tuple] = []

        core = self._core()
        for k, period in enumerate(periods):
            u, z = u_rows[k], z_rows[k]
            q = (period.month - 1) // 3 + 1
            rev, npp, oci = core.rev[k], core.npp[k], core.oci[k]
            div, rights, inject = core.div[k], core.rights[k], core.inject[k]
            E, Mi, eq_total, L, A = core.E[k], core.Mi[k], core.eq_total[k], core.L[k], core.A[k]
            A_prev = core.A_prev[k]
            if q == 1:
                E_year_begin = core.E_begin[k]
                cash_year_begin = cash_prev
            if ca_mid is not None:
                ca_ratio = min(max(ca_mid + 0.03 * z[2], 0.05), 0.95)

            # ---- income statement (single quarter), derived backwards from the core's net profit
            mino = int(round(npp * minority))
            npt = npp + mino
            tax = int(round(npt * tax_rate / (1 - tax_rate)))
            totp = npt + tax
            nonop_rev = int(round(rev * 0.003 * u[1]))
            nonop_exp = int(round(rev * 0.002 * u[2]))
            oper = totp - nonop_rev + nonop_exp
            invest = int(round(rev * (0.008 + 0.012 * z[5])))
            fv = int(round(rev * 0.003 * z[6]))
            other_inc = int(round(rev * 0.006 * u[3]))
            disp = int(round(rev * 0.001 * z[7]))
            toc = rev + invest + fv + other_inc + disp - oper
            if toc < int(0.05 * rev):
                toc = int(0.05 * rev)
                invest = toc - rev - fv - other_inc - disp + oper
            if bank:
                cost = 0
            else:
                gm = min(max(gross_mid + 0.02 * z[8], 0.02), 0.95)
                cost = min(int(round(rev * (1 - gm))), int(toc * 0.92))
            taxes_ops, sale, admin, rd_exp, fin, impair = _split(toc - cost, expense_w)
            after = npt - int(round((fv + other_inc + disp + nonop_rev - nonop_exp) * (1 - tax_rate)))
            flows_q = {
                "revenue": rev,
                "total_operating_cost": toc,
                "total_expense": cost,
                "less_taxes_surcharges_ops": taxes_ops,
                "sale_expense": sale,
                "less_gerl_admin_exp": admin,
                "research_expenses": rd_exp,
                "financial_expense": fin,
                "less_impair_loss_assets": impair,
                "plus_net_invest_inc": invest,
                "change_income_fair_value": fv,
                "other_compreh_inc": other_inc,
                "il_net_loss_disp_noncur_asset": disp,
                "oper_profit": oper,
                "plus_non_oper_rev": nonop_rev,
                "less_non_oper_exp": nonop_exp,
                "tot_profit": totp,
                "inc_tax": tax,
                "net_profit_incl_min_int_inc": npt,
                "minority_int_inc": mino,
                "net_profit_excl_min_int_inc": npp,
                "net_profit_incl_min_int_inc_after": after,
                "total_income": npt + oci,
                "total_income_minority": mino,
                "incl_inc_invest_assoc_jv_entp": int(round(invest * 0.4)),
            }
            if bank:
                int_inc = int(round(rev * 1.9))
                fee_inc = int(round(rev * 0.2))
                flows_q.update(
                    int_inc=int_inc,
                    less_int_exp=int_inc - int(round(rev * 0.72)),
                    handling_chrg_comm_inc=fee_inc,
                    less_handling_chrg_comm_exp=int(round(rev * 0.025)),
                )

            # ---- equity (the core's): capital reserve and surplus reserve
            cap_rsrv += rights + inject
            surplus = min(surplus + max(int(npp * 0.1), 0), shares // 2)

            # ---- cash flows (single quarter); financing is the plug towards the target cash balance
            if bank:
                tca = None
                cash = int(round(A * (0.06 + 0.02 * u[4])))
            else:
                tca = int(round(A * ca_ratio))
                cash = int(round(tca * min(max(cash_share + 0.04 * z[10], 0.05), 0.8)))
            da = int(round(fix_prev * 0.018))
            oper_cf = npt + da + int(round((A * 0.004 if bank else rev * 0.07) * z[11]))
            capex = int(round(A_prev * (0.001 if bank else 0.004 + 0.011 * u[5])))
            paid_inv = int(round(rev * 0.08 * u[6]))
            recp_inv = int(round(paid_inv * (0.5 + 0.8 * u[7])))
            ret_inv = int(round(max(invest, 0) * (0.3 + 0.5 * u[8])))
            disp_fa = int(round(capex * 0.03 * u[9]))
            inv_cf = recp_inv + ret_inv + disp_fa - capex - paid_inv
            fx = int(round(rev * 0.0005 * (2 * u[10] - 1)))
            fnc_cf = cash - cash_prev - oper_cf - inv_cf - fx

            sales_in = int(round(rev * (1.5 if bank else 1.02 + 0.1 * u[11])))
            refund = 0 if bank else int(round(rev * 0.004 * u[12]))
            other_in = int(round(rev * 0.01 * u[13]))
            in_oper = sales_in + refund + other_in
            out_oper = in_oper - oper_cf
            if out_oper < 0:
                other_in += -out_oper + int(rev * 0.01)
                in_oper = sales_in + refund + other_in
                out_oper = in_oper - oper_cf
            paid_goods, paid_empl, paid_tax, paid_other = _split(out_oper, (0.62, 0.14, 0.1, 0.14))

            dist = div + max(fin, 0)
            prepay = int(round(L * (0.01 + 0.03 * u[14])))
            other_out_f = int(round(rev * 0.002 * u[15]))
            out_fnc = dist + prepay + other_out_f
            in_fnc = fnc_cf + out_fnc
            contrib = rights + inject
            if in_fnc < contrib:
                prepay += contrib - in_fnc
                out_fnc = dist + prepay + other_out_f
                in_fnc = contrib
            other_in_f = min(int(round(in_fnc * 0.03)), in_fnc - contrib)
            borrow = in_fnc - contrib - other_in_f

            cf_q = {
                "goods_sale_and_service_render_cash": sales_in,
                "tax_levy_refund": refund,
                "other_cash_recp_ral_oper_act": other_in,
                "stot_cash_inflows_oper_act": in_oper,
                "goods_and_services_cash_paid": paid_goods,
                "cash_pay_beh_empl": paid_empl,
                "pay_all_typ_tax": paid_tax,
                "other_cash_pay_ral_oper_act": paid_other,
                "stot_cash_outflows_oper_act": out_oper,
                "net_cash_flows_oper_act": oper_cf,
                "cash_recp_disp_withdrwl_invest": recp_inv,
                "cash_recp_return_invest": ret_inv,
                "net_cash_recp_disp_fiolta": disp_fa,
                "stot_cash_inflows_inv_act": recp_inv + ret_inv + disp_fa,
                "cash_pay_acq_const_fiolta": capex,
                "cash_paid_invest": paid_inv,
                "stot_cash_outflows_inv_act": capex + paid_inv,
                "net_cash_flows_inv_act": inv_cf,
                "cash_recp_cap_contrib": contrib,
                "cash_recp_borrow": borrow,
                "other_cash_recp_ral_fnc_act": other_in_f,
                "stot_cash_inflows_fnc_act": in_fnc,
                "cash_prepay_amt_borr": prepay,
                "cash_pay_dist_dpcp_int_exp": dist,
                "other_cash_pay_ral_fnc_act": other_out_f,
                "stot_cash_outflows_fnc_act": out_fnc,
                "net_cash_flows_fnc_act": fnc_cf,
                "eff_fx_flu_cash": fx,
                "net_incr_cash_cash_equ": cash - cash_prev,
                "net_profit": npt,
                "depr_fa_coga_dpba": da,
                "amort_intang_assets": int(round(da * 0.15)),
                "fin_exp": fin,
                "im_net_cash_flows_oper_act": oper_cf,
                "im_net_incr_cash_cash_equ": cash - cash_prev,
            }
            flow_rows.append(flows_q)
            cf_rows.append(cf_q)

            # ---- balance sheet (point in time)
            bal: dict[str, float] = {}
            if bank:
                names_a = (
                    "loans_and_adv_granted", "fin_assets_avail_for_sale", "held_to_mty_invest",
                    "red_monetary_cap_for_sale", "loans_to_oth_banks", "fix_assets", "intang_assets",
                    "deferred_tax_assets", "other_non_mobile_assets",
                )  # fmt: skip
                parts = _split(A - cash, (0.6, 0.13, 0.13, 0.02, 0.03, 0.005, 0.001, 0.006, 0.02))
                bal.update(zip(names_a, parts, strict=True))
                names_l = (
                    "cust_bank_dep", "borrow_central_bank", "loans_oth_banks", "fund_sales_fin_assets_rp",
                    "bonds_payable", "empl_ben_payable", "taxes_surcharges_payable", "int_payable", "other_payable",
                )  # fmt: skip
                bal.update(
                    zip(
                        names_l,
                        _split(L, (0.74, 0.03, 0.04, 0.03, 0.11, 0.003, 0.002, 0.01, 0.02)),
                        strict=True,
                    )
                )
                fix_prev = bal["fix_assets"]
                inventories = 0
            else:
                assert tca is not None
                names_ca = (
                    "tradable_fin_assets", "bill_receivable", "account_receivable", "advance_payment",
                    "other_receivable", "inventories", "other_current_assets",
                )  # fmt: skip
                bal.update(zip(names_ca, _split(tca - cash, cur_w), strict=True))
                bal["total_current_assets"] = tca
                nca = A - tca
                names_nca = (
                    "long_term_eqy_invest", "invest_real_estate", "fix_assets", "constru_in_process",
                    "intang_assets", "goodwill", "long_deferred_expense", "deferred_tax_assets",
                    "other_non_mobile_assets",
                )  # fmt: skip
                bal.update(zip(names_nca, _split(nca, ncur_w), strict=True))
                bal["total_non_current_assets"] = nca
                tcl = int(round(L * min(max(cl_ratio + 0.03 * z[12], 0.3), 0.95)))
                names_cl = (
                    "shortterm_loan", "notes_payable", "accounts_payable", "advance_peceipts", "empl_ben_payable",
                    "taxes_surcharges_payable", "other_payable", "non_current_liability_in_one_year",
                    "other_current_liability",
                )  # fmt: skip
                bal.update(zip(names_cl, _split(tcl, cl_w), strict=True))
                bal["total_current_liability"] = tcl
                names_ncl = (
                    "long_term_loans", "bonds_payable", "longterm_account_payable", "deferred_tax_liab",
                    "other_non_current_liabilities",
                )  # fmt: skip
                bal.update(zip(names_ncl, _split(L - tcl, ncl_w), strict=True))
                bal["non_current_liabilities"] = L - tcl
                fix_prev = bal["fix_assets"]
                inventories = bal["inventories"]
            prov = int(round(E * 0.12)) if bank else 0
            bal.update(
                cash_equivalents=cash,
                tot_assets=A,
                tot_liab=L,
                cap_stk=shares,
                cap_rsrv=cap_rsrv,
                surplus_rsrv=surplus,
                prov_nom_risks=prov if bank else NAN,
                undistributed_profit=int(E) - shares - cap_rsrv - surplus - prov,
                tot_shrhldr_eqy_excl_min_int=int(E),
                minority_int=Mi,
                total_equity=eq_total,
                tot_liab_shrhldr_eqy=A,
            )

            bal_rows.append(bal)
            holders = holders * math.exp(0.07 * z[13] + 0.15 * math.log(holders0 / holders))
            other_h = 0 if float_shares >= shares else 1 + int(20 * u[16])
            state.append(
                (
                    E, E_year_begin, A, L, inventories, bal.get("advance_peceipts", 0), cash, cash_year_begin,
                    bal["undistributed_profit"], cap_rsrv, after, int(round(holders)), other_h,
                )
            )  # fmt: skip
            cash_prev = cash

        # ---- year-to-date statements and indicators, vectorised over the periods
        n = len(periods)
        st = np.array(state, dtype=np.float64)
        (E_a, E_beg, A_a, L_a, inv, adv, cash_a, cash_beg, undist, caprs, after_q, holders_a, other_h_a) = (
            st.T
        )
        quarter = np.array([(p.month - 1) // 3 + 1 for p in periods])
        year_start = np.arange(n) - (quarter - 1)
        flows, flow_keys = _matrix(flow_rows)
        cfs, cf_keys = _matrix(cf_rows)
        ytd = _year_to_date(flows, year_start)
        ytd_cf = _year_to_date(cfs, year_start)
        inc = dict(zip(flow_keys, ytd.T, strict=True))
        cf = dict(zip(cf_keys, ytd_cf.T, strict=True))
        rev_y, npp_y, npt_y = (
            inc["revenue"],
            inc["net_profit_excl_min_int_inc"],
            inc["net_profit_incl_min_int_inc"],
        )
        cost_y = inc["total_expense"]
        eps = np.round(npp_y / shares, 4)
        inc.update(revenue_inc=rev_y, s_fa_eps_basic=eps, s_fa_eps_diluted=eps)
        cf.update(
            cash_cash_equ_beg_period=cash_beg,
            cash_cash_equ_end_period=cash_a,
            end_bal_cash=cash_a,
            less_beg_bal_cash=cash_beg,
        )
        ly = np.full(n, -1)
        ly[4:] = np.arange(n - 4)
        inv_beg = np.where(year_start > 0, inv[np.maximum(year_start - 1, 0)], inv[0])
        avg_inv = (inv_beg + inv) / 2
        gross = NAN if bank else _ratios(rev_y - cost_y, rev_y)
        pos_e = np.where(E_a > 0, E_a, np.nan)
        ps = {
            "s_fa_ocfps": np.round(cf["net_cash_flows_oper_act"] / shares, 4),
            "s_fa_bps": np.round(E_a / shares, 4),
            "s_fa_eps_basic": eps,
            "s_fa_eps_diluted": eps,
            "s_fa_undistributedps": np.round(undist / shares, 4),
            "s_fa_surpluscapitalps": np.round(caprs / shares, 4),
            "adjusted_earnings_per_share": np.round(inc["net_profit_incl_min_int_inc_after"] / shares, 4),
            "du_return_on_equity": _ratios(npp_y, pos_e),
            "sales_gross_profit": gross,
            "inc_revenue_rate": _growths(rev_y, ly),
            "du_profit_rate": _growths(npt_y, ly),
            "inc_net_profit_rate": _growths(npp_y, ly),
            "adjusted_net_profit_rate": _growths(inc["net_profit_incl_min_int_inc_after"], ly),
            "inc_total_revenue_annual": _ttm_growth(flows[:, flow_keys.index("revenue")]),
            "inc_net_profit_to_shareholders_annual": _ttm_growth(
                flows[:, flow_keys.index("net_profit_excl_min_int_inc")]
            ),
            "adjusted_profit_to_profit_annual": _ttm_growth(after_q),
            "equity_roe": _ratios(npp_y, np.where(E_beg + E_a > 0, (E_beg + E_a) / 2, np.nan)),
            "net_roe": _ratios(npp_y, pos_e),
            "total_roe": _ratios(npt_y, A_a),
            "gross_profit": gross,
            "net_profit": _ratios(npt_y, rev_y),
            "actual_tax_rate": _ratios(
                inc["inc_tax"], np.where(inc["tot_profit"] > 0, inc["tot_profit"], np.nan)
            ),
            "pre_pay_operate_income": _ratios(adv, rev_y, 1.0),
            "sales_cash_flow": _ratios(cf["goods_sale_and_service_render_cash"], rev_y, 1.0),
            "gear_ratio": _ratios(L_a, A_a),
            "inventory_turnover": _ratios(cost_y, np.where(avg_inv > 0, avg_inv, np.nan), 1.0),
        }
        full = np.ones(n)
        capital = {
            "total_capital": full * shares,
            "circulating_capital": full * float_shares,
            "restrict_circulating_capital": full * (shares - float_shares),
            "freeFloatCapital": full * float(int(float_shares * (0.55 + 0.3 * c[17]))),
        }
        holder_num = {
            "shareholder": holders_a,
            "shareholderA": holders_a,
            "shareholderB": 0 * full,
            "shareholderH": 0 * full,
            "shareholderFloat": holders_a - other_h_a,
            "shareholderOther": other_h_a,
        }

        ann_s = np.array([_ymd(d) for d in ann], dtype=object)
        end_s = np.array([_ymd(p) for p in periods], dtype=object)
        stmt_dates = {"m_anntime": ann_s, "m_timetag": end_s}
        holder_dates = {"declareDate": ann_s, "endDate": end_s}
        balance, bal_keys = _matrix(bal_rows)
        ann_i = np.array([int(x) for x in ann_s], dtype=np.int64)
        end_i = np.array([int(x) for x in end_s], dtype=np.int64)

        def table(
            columns: tuple[str, ...], values: dict[str, np.ndarray], dates: dict[str, np.ndarray]
        ) -> _Table:
            return _Table(_frame(columns, n, values, dates), ann_i, end_i)

        tables = {
            "Balance": table(BALANCE_COLUMNS, dict(zip(bal_keys, balance.T, strict=True)), stmt_dates),
            "Income": table(INCOME_COLUMNS, inc, stmt_dates),
            "CashFlow": table(CASHFLOW_COLUMNS, cf, stmt_dates),
            "Capital": table(CAPITAL_COLUMNS, capital, stmt_dates),
            "HolderNum": table(HOLDERNUM_COLUMNS, holder_num, holder_dates),
            "PershareIndex": table(PERSHARE_COLUMNS, ps, stmt_dates),
        }
        top10, flow10 = self._holders(ann, shares, float_shares)
        rep_a, rep_e = np.repeat(ann_i, 10), np.repeat(end_i, 10)
        tables["Top10Holder"] = _Table(top10, rep_a, rep_e)
        tables["Top10FlowHolder"] = _Table(flow10, rep_a, rep_e)
        return FinancialHistory(tables)

    # ---------------------------------------------------------------------------------------- holders

    def _holders(
        self, ann: list[dt.date], shares: int, float_shares: int
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Top-10 holder rows (10 per period) and top-10 circulating holder rows."""
        inst = self.inst
        rng = random.Random(f"{self.seed}|{inst.code}|holders")
        n = len(self.periods)
        bank = inst.industry == "银行"
        prefix = inst.name[:2]
        pool: list[tuple[str, str, float, float, float]] = []  # name, type, base stake, vol, presence p

        def person() -> str:
            return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))

        ctrl_type = "国有法人" if bank or rng.random() < 0.45 else "境内非国有法人"
        pool.append(
            (
                prefix + rng.choice(_CORP_SUFFIXES),
                ctrl_type,
                rng.uniform(0.2, 0.55) * (0.5 if bank else 1),
                0.0,
                1.0,
            )
        )
        pool.append(
            (
                rng.choice(_INVESTORS) + rng.choice(_INVESTOR_SUFFIXES),
                "境内非国有法人",
                rng.uniform(0.03, 0.12),
                0.01,
                1.0,
            )
        )
        if inst.market in ("SH", "SZ"):
            pool.append(("香港中央结算有限公司", "境外法人", rng.uniform(0.005, 0.05), 0.15, 0.95))
        pool.append(("中国证券金融股份有限公司", "国有法人", rng.uniform(0.01, 0.03), 0.03, 0.7))
        pool.append(("中央汇金资产管理有限责任公司", "国有法人", rng.uniform(0.005, 0.015), 0.0, 0.6))
        for _ in range(5):
            house = rng.choice(FUND_HOUSES)
            fund = f"{house}基金管理有限公司－{house}{rng.choice(ETF_THEMES)}混合型证券投资基金"
            pool.append((fund, "基金、理财产品等", rng.uniform(0.002, 0.02), 0.12, 0.6))
        pool.append(
            (
                f"全国社保基金一{rng.choice(_SOCIAL)}{rng.choice(_SOCIAL)}组合",
                "其他",
                rng.uniform(0.003, 0.015),
                0.08,
                0.5,
            )
        )
        side = "沪" if inst.market == "SH" else "深"
        pool.append(
            (
                f"中国人寿保险股份有限公司－传统－普通保险产品－005L－CT001{side}",
                "境内非国有法人",
                rng.uniform(0.003, 0.012),
                0.06,
                0.5,
            )
        )
        used = {p[0] for p in pool}
        while len(pool) < 22:
            name = person()
            if name not in used:
                used.add(name)
                pool.append((name, "境内自然人", rng.uniform(0.001, 0.012), 0.02, 1.0))

        m = len(pool)
        base = np.array([p[2] for p in pool])
        vol = np.array([p[3] for p in pool])
        pres_p = np.array([p[4] for p in pool])
        nrng = np.random.default_rng([self.seed & _MASK64, self.key, 0x484F_4C44])
        walk = np.cumsum(nrng.standard_normal((n, m)) * vol, axis=0)
        # presence: each optional holder enters/leaves with probability 0.15 a quarter
        toggles = nrng.random((n, m)) < 0.15
        start_in = nrng.random(m) < pres_p
        present = np.logical_xor(start_in, np.cumsum(toggles, axis=0) % 2 == 1)
        present[:, pres_p >= 1.0] = True
        ends = np.array([p.toordinal() for p in self.periods])
        if inst.market in ("SH", "SZ"):  # HKSCC only after the Connect programme started
            start = dt.date(2014, 11, 17) if inst.market == "SH" else dt.date(2016, 12, 5)
            present[ends < start.toordinal(), 2] = False
        stakes = base * np.exp(walk) * present
        restricted = shares - float_shares
        q = np.floor(stakes * shares / 100.0) * 100.0
        # keep non-controlling holders within the circulating shares (and everyone within the total)
        ctrl_max = float(q[:, 0].max()) if n else 0.0
        budget = 0.85 * (float_shares - max(0.0, ctrl_max - restricted))
        others_max = float(q[:, 1:].sum(axis=1).max()) if n else 0.0
        if others_max > budget > 0:
            q[:, 1:] = np.floor(q[:, 1:] * (budget / others_max) / 100.0) * 100.0
        q[:, 0] = q[0, 0]  # the controlling stake does not move
        q = np.maximum(q, 0.0)
        q[~present] = 0.0

        ann_s = np.array([_ymd(d) for d in ann], dtype=object)
        end_s = np.array([_ymd(p) for p in self.periods], dtype=object)
        r0 = np.minimum(q[:, 0], restricted)
        r1 = np.minimum(q[:, 1], restricted - r0)
        flow_q = q.copy()
        flow_q[:, 0] -= r0
        flow_q[:, 1] -= r1
        names = np.array([p[0] for p in pool], dtype=object)
        types = np.array([p[1] for p in pool], dtype=object)
        rows = np.arange(n)[:, None]
        frames = []
        for amounts, denom, flow in ((q, shares, False), (flow_q, float_shares, True)):
            order = np.argsort(-amounts, axis=1, kind="stable")[:, :10]  # ties: pool order
            qty = np.take_along_axis(amounts, order, axis=1)
            in_top = np.zeros_like(amounts, dtype=bool)
            in_top[rows, order] = True
            prev_in = np.zeros_like(order, dtype=bool)
            prev_q = np.zeros_like(qty)
            if n > 1:
                prev_in[1:] = in_top[:-1][rows[:-1], order[1:]]
                prev_q[1:] = amounts[:-1][rows[:-1], order[1:]]
            reason = np.where(
                ~prev_in, "新进", np.where(qty > prev_q, "增加", np.where(qty < prev_q, "减少", "不变"))
            ).astype(object)
            locked = np.zeros_like(order, dtype=bool)
            if not flow:
                locked = ((order == 0) & (r0[:, None] > 0)) | ((order == 1) & (r1[:, None] > 0))
            frames.append(
                pd.DataFrame(
                    {
                        "declareDate": np.repeat(ann_s, 10),
                        "endDate": np.repeat(end_s, 10),
                        "name": names[order].ravel(),
                        "type": types[order].ravel(),
                        "quantity": qty.ravel().astype(np.float64),
                        "reason": reason.ravel(),
                        "ratio": np.round(qty.ravel() / denom * 100.0, 4) if denom else np.nan,
                        "nature": np.where(locked, "限售流通A股", "流通A股").astype(object).ravel(),
                        "rank": np.tile(np.arange(1, 11, dtype=np.int64), n),
                    },
                    columns=list(TOP10_COLUMNS),
                )
            )
        return frames[0], frames[1]
