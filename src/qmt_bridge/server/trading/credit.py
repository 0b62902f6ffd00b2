"""Credit accounts (融资融券): which account a credit call is for, and xttrader's credit queries as plain data.

A credit account is configured as ``--account-id ID:CREDIT``. Its orders go the way of every order
(:meth:`TradingService.place_order`: checked, journaled, idempotent by ``client_order_id``) with xtquant's
credit order types (``orders.CREDIT_ORDER_TYPES``). The queries are xttrader's five credit calls, their
objects made dicts under xtquant's attribute names (``doc/xttrader.md``: XtCreditDetail, StkCompacts,
CreditSubjects, CreditSloCode, CreditAssure), each row with its ``stock_code`` (``instrument_id`` and the
market of ``exchange_id``) beside them.
"""

from __future__ import annotations

from typing import Any

from qmt_bridge.server.errors import BridgeError, InvalidParameter
from qmt_bridge.server.trading.events import plain_attributes
from qmt_bridge.server.trading.service import TradingService

_ACCOUNT = ("account_type", "account_id")
#: ``XtCreditDetail`` (信用账号资产), in the doc's order.
CREDIT_DETAIL_FIELDS = (
    *_ACCOUNT,
    "m_nStatus", "m_nUpdateTime", "m_nCalcConfig", "m_dFrozenCash", "m_dBalance", "m_dAvailable",
    "m_dPositionProfit", "m_dMarketValue", "m_dFetchBalance", "m_dStockValue", "m_dFundValue",
    "m_dTotalDebt", "m_dEnableBailBalance", "m_dPerAssurescaleValue", "m_dAssureAsset", "m_dFinDebt",
    "m_dFinDealAvl", "m_dFinFee", "m_dSloDebt", "m_dSloMarketValue", "m_dSloFee", "m_dOtherFare",
    "m_dFinMaxQuota", "m_dFinEnableQuota", "m_dFinUsedQuota", "m_dSloMaxQuota", "m_dSloEnableQuota",
    "m_dSloUsedQuota", "m_dSloSellBalance", "m_dUsedSloSellBalance", "m_dSurplusSloSellBalance",
)  # fmt: skip
#: ``StkCompacts`` (负债合约).
COMPACT_FIELDS = (
    *_ACCOUNT,
    "compact_type", "cashgroup_prop", "exchange_id", "open_date", "business_vol", "real_compact_vol",
    "ret_end_date", "business_balance", "businessFare", "real_compact_balance", "real_compact_fare",
    "repaid_fare", "repaid_balance", "instrument_id", "compact_id", "position_str",
)  # fmt: skip
#: ``CreditSubjects`` (融资融券标的).
SUBJECT_FIELDS = (
    *_ACCOUNT,
    "slo_status",
    "fin_status",
    "exchange_id",
    "slo_ratio",
    "fin_ratio",
    "instrument_id",
)
#: ``CreditSloCode`` (可融券数据).
SLO_CODE_FIELDS = (*_ACCOUNT, "cashgroup_prop", "exchange_id", "enable_amount", "instrument_id")
#: ``CreditAssure`` (标的担保品).
ASSURE_FIELDS = (*_ACCOUNT, "assure_status", "exchange_id", "assure_ratio", "instrument_id")

#: xtconstant's MARKET_ENUM_* of the markets credit accounts trade.
_MARKETS = {0: "SH", 1: "SZ", 70: "BJ"}


class NoCreditAccount(BridgeError):
    """A credit call on a server without a credit account (409)."""

    status_code = 409
    code = "no_credit_account"


def credit_account(service: TradingService, requested: str | None) -> str:
    """The credit account a call is for: ``requested`` (404 unknown, 400 when it is a stock account), or
    the first configured credit account (409 when there is none)."""
    if requested:
        account = service.account_id(requested)
        if service.account_type(account) != "CREDIT":
            raise InvalidParameter(
                "account_id",
                f"{account} is a stock account; credit calls need a credit account (--account-id ID:CREDIT)",
                value=requested,
                code="not_a_credit_account",
            )
        return account
    for account in service.account_ids:
        if service.account_type(account) == "CREDIT":
            return account
    raise NoCreditAccount(
        f"this server trades no credit account ({', '.join(service.account_ids)} are stock accounts): "
        "configure one as --account-id ID:CREDIT (QMT_BRIDGE_TRADING_ACCOUNT_ID)"
    )


def with_code(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with ``stock_code`` (``600000.SH``) from its ``instrument_id`` and ``exchange_id``."""
    market = _MARKETS.get(row.get("exchange_id"))  # type: ignore[arg-type]
    symbol = row.get("instrument_id") or ""
    row["stock_code"] = f"{symbol}.{market}" if symbol and market else None
    return row


async def detail(service: TradingService, account_id: str | None) -> dict[str, Any] | None:
    """``query_credit_detail``'s XtCreditDetail (the wheel answers a list, usually of one), or None."""
    account = credit_account(service, account_id)
    found = await service.call("query_credit_detail", service.trader_account(account))
    return plain_attributes(found[0], CREDIT_DETAIL_FIELDS) if found else None


async def quota(service: TradingService, account_id: str | None) -> dict[str, Any]:
    """The credit lines (授信 / 可用 / 冻结 for financing and lending), the margin available and the
    maintenance ratio (None without debt), beside the whole XtCreditDetail."""
    account = credit_account(service, account_id)
    found = await detail(service, account)
    d = found or {}

    def line(kind: str) -> dict[str, Any]:
        return {
            "max_quota": d.get(f"m_d{kind}MaxQuota"),
            "enable_quota": d.get(f"m_d{kind}EnableQuota"),
            "used_quota": d.get(f"m_d{kind}UsedQuota"),
        }

    return {
        "account_id": account,
        "fin": line("Fin"),
        "slo": line("Slo"),
        "enable_bail_balance": d.get("m_dEnableBailBalance"),
        # without debt the ratio has no meaning (counters show "--"; the simulator's field is the largest float)
        "per_assure_scale_value": d.get("m_dPerAssurescaleValue") if d.get("m_dTotalDebt") else None,
        "total_debt": d.get("m_dTotalDebt"),
        "detail": found,
    }


async def rows(service: TradingService, account_id: str | None, method: str) -> list[dict[str, Any]]:
    """One of the list queries (``query_stk_compacts``, ``query_credit_subjects``, ``query_credit_slo_code``,
    ``query_credit_assure``) as dicts with their ``stock_code``; the wheel's None (nothing) is []."""
    fields = {
        "query_stk_compacts": COMPACT_FIELDS,
        "query_credit_subjects": SUBJECT_FIELDS,
        "query_credit_slo_code": SLO_CODE_FIELDS,
        "query_credit_assure": ASSURE_FIELDS,
    }[method]
    account = credit_account(service, account_id)
    found = await service.call(method, service.trader_account(account))
    return [with_code(plain_attributes(item, fields)) for item in found or []]


async def available(service: TradingService, code: str, account_id: str | None) -> dict[str, Any]:
    """What the account may finance-buy and short-sell of ``code`` now: whether it is a subject and its
    ratios, the lendable shares, and the money the credit lines and the available margin allow
    (min(可用额度, 可用保证金 / 保证金比例)); None where the counter does not list the code."""
    account = credit_account(service, account_id)
    d = await detail(service, account) or {}
    subjects = {r["stock_code"]: r for r in await rows(service, account, "query_credit_subjects")}
    lendable = {r["stock_code"]: r for r in await rows(service, account, "query_credit_slo_code")}
    subject = subjects.get(code)
    bail = float(d.get("m_dEnableBailBalance") or 0.0)

    def allowed(quota_key: str, ratio: float | None) -> float | None:
        if not ratio:
            return None
        return round(max(0.0, min(float(d.get(quota_key) or 0.0), bail / ratio)), 2)

    fin_ratio = subject.get("fin_ratio") if subject else None
    slo_ratio = subject.get("slo_ratio") if subject else None
    return {
        "account_id": account,
        "stock_code": code,
        "subject": subject,
        "fin_amount": allowed("m_dFinEnableQuota", fin_ratio),
        "slo_amount": allowed("m_dSloEnableQuota", slo_ratio),
        "slo_enable_volume": lendable[code]["enable_amount"] if code in lendable else None,
        "enable_bail_balance": bail,
    }
