"""Drop-in for ``xtquant.xttype``: ``StockAccount`` and the trading data objects.

xtquant hands out native ``xtpythonclient`` objects for pushes and query results; these plain classes have
the same attribute names (``shared/xtquant-api.md`` §2.6). Each takes its attributes positionally in the
catalog's order or by keyword; anything not given gets its type's zero (``account_type`` defaults to 2, as
xtquant's own Python mirrors hard-code it). The simulator builds a fresh object for every push and query
answer, so a caller may keep or change one without affecting the broker.
"""

from __future__ import annotations

from typing import Any

from qmt_bridge.sim import xtconstant


class StockAccount:
    """A trading account: ``account_id`` (str) and ``account_type`` (int, 2 for ``'STOCK'``).

    As xtquant's: the type string is case-insensitive and looked up in ``xtconstant.ACCOUNT_TYPE_DICT``; an
    unknown one raises a plain ``Exception``; a non-str ``account_id`` makes the constructor *return an
    error string* instead of an account.
    """

    def __new__(cls, account_id: Any, account_type: str = "STOCK") -> Any:
        if not isinstance(account_id, str):
            return "资金账号必须为字符串类型"
        return super().__new__(cls)

    def __init__(self, account_id: str, account_type: str = "STOCK") -> None:
        wanted = str(account_type).upper()
        for value, name in xtconstant.ACCOUNT_TYPE_DICT.items():
            if name == wanted:
                self.account_type = value
                break
        else:
            raise Exception(f"不支持的账号类型：{account_type}")
        self.account_id = account_id

    def __repr__(self) -> str:
        return f"StockAccount({self.account_id!r}, account_type={self.account_type})"


class _XtObject:
    """Attributes from ``_FIELDS`` ((name, default) pairs): positional in that order, or by keyword."""

    _FIELDS: tuple[tuple[str, Any], ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._FIELDS
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes at most {len(fields)} positional arguments")
        for (name, _), value in zip(fields[: len(args)], args, strict=True):
            setattr(self, name, value)
        for name, default in fields[len(args) :]:
            setattr(self, name, kwargs.pop(name, default))
        if kwargs:
            raise TypeError(f"{type(self).__name__} has no attribute(s) {sorted(kwargs)}")

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name, _ in self._FIELDS)
        return f"{type(self).__name__}({shown})"


_ACCOUNT = (("account_type", xtconstant.SECURITY_ACCOUNT), ("account_id", ""))


class XtAsset(_XtObject):
    """Cash and value of an account: ``cash`` is the available cash, ``fetch_balance`` the withdrawable."""

    _FIELDS = (
        *_ACCOUNT,
        ("cash", 0.0),
        ("frozen_cash", 0.0),
        ("market_value", 0.0),
        ("total_asset", 0.0),
        ("fetch_balance", 0.0),
    )


class XtOrder(_XtObject):
    """One order; ``order_time`` in Unix epoch seconds, volumes in shares (bonds: 张)."""

    _FIELDS = (
        *_ACCOUNT,
        ("stock_code", ""),
        ("order_id", 0),
        ("order_sysid", ""),
        ("order_time", 0),
        ("order_type", 0),
        ("order_volume", 0),
        ("price_type", 0),
        ("price", 0.0),
        ("traded_volume", 0),
        ("traded_price", 0.0),
        ("order_status", 0),
        ("status_msg", ""),
        ("strategy_name", ""),
        ("order_remark", ""),
        ("direction", 0),
        ("offset_flag", 0),
        ("instrument_name", ""),
        ("secu_account", ""),
    )


class XtTrade(_XtObject):
    """One fill; ``commission`` carries all the fill's fees."""

    _FIELDS = (
        *_ACCOUNT,
        ("stock_code", ""),
        ("order_type", 0),
        ("traded_id", ""),
        ("traded_time", 0),
        ("traded_price", 0.0),
        ("traded_volume", 0),
        ("traded_amount", 0.0),
        ("order_id", 0),
        ("order_sysid", ""),
        ("strategy_name", ""),
        ("order_remark", ""),
        ("direction", 0),
        ("offset_flag", 0),
        ("commission", 0.0),
        ("instrument_name", ""),
        ("secu_account", ""),
    )


class XtPosition(_XtObject):
    """A holding: ``volume`` in total, ``can_use_volume`` sellable now, ``avg_price`` the cost price."""

    _FIELDS = (
        *_ACCOUNT,
        ("stock_code", ""),
        ("volume", 0),
        ("can_use_volume", 0),
        ("open_price", 0.0),
        ("market_value", 0.0),
        ("frozen_volume", 0),
        ("on_road_volume", 0),
        ("yesterday_volume", 0),
        ("avg_price", 0.0),
        ("direction", xtconstant.DIRECTION_FLAG_LONG),
        ("instrument_name", ""),
        ("last_price", 0.0),
        ("profit_rate", 0.0),
        ("secu_account", ""),
        ("float_profit", 0.0),
        ("open_date", ""),
        ("position_profit", 0.0),
    )


class XtOrderError(_XtObject):
    """A rejected or failed order (``on_order_error``)."""

    _FIELDS = (
        *_ACCOUNT,
        ("order_id", 0),
        ("error_id", 0),
        ("error_msg", ""),
        ("strategy_name", ""),
        ("order_remark", ""),
        ("seq", 0),
    )


class XtCancelError(_XtObject):
    """A cancel that failed (``on_cancel_error``); ``market`` 0 SH / 1 SZ / 70 BJ."""

    _FIELDS = (
        *_ACCOUNT,
        ("order_id", 0),
        ("market", 0),
        ("order_sysid", ""),
        ("error_id", 0),
        ("error_msg", ""),
    )


class XtOrderResponse(_XtObject):
    """The answer to ``order_stock_async`` (``order_id`` -1 when the counter could not take the order)."""

    _FIELDS = (
        *_ACCOUNT,
        ("order_id", 0),
        ("strategy_name", ""),
        ("order_remark", ""),
        ("error_msg", ""),
        ("seq", 0),
    )


class XtCancelOrderResponse(_XtObject):
    """The answer to ``cancel_order_stock*_async``: ``cancel_result`` 0 accepted, -1 failed."""

    _FIELDS = (
        *_ACCOUNT,
        ("cancel_result", 0),
        ("order_id", 0),
        ("order_sysid", ""),
        ("seq", 0),
        ("error_msg", ""),
    )


class XtAccountStatus(_XtObject):
    """An account's login state (``xtconstant.ACCOUNT_STATUS_*``)."""

    _FIELDS = (*_ACCOUNT, ("status", xtconstant.ACCOUNT_STATUS_OK))


class XtAccountInfo(_XtObject):
    """An account the client can trade."""

    _FIELDS = (
        *_ACCOUNT,
        ("broker_type", 0),
        ("platform_id", 0),
        ("account_classification", 0),
        ("login_status", xtconstant.ACCOUNT_STATUS_OK),
    )


class XtBankTransferResponse(_XtObject):
    """The answer of ``bank_transfer_in_async`` / ``bank_transfer_out_async``."""

    _FIELDS = (("seq", 0), ("success", False), ("msg", ""))


class XtBankInfo(_XtObject):
    """A bound bank account (``query_bank_info``; xtquant's is a native object with these attributes)."""

    _FIELDS = (
        ("success", True), ("error_msg", ""), ("money_type", ""), ("bank_no", ""), ("bank_account", ""),
        ("bank_name", ""),
    )  # fmt: skip


class XtBankAmount(_XtObject):
    """A bank balance (``query_bank_amount``)."""

    _FIELDS = (
        ("success", True), ("error_msg", ""), ("account_id", ""), ("bank_account", ""), ("money_type", ""),
        ("balance", 0.0), ("enable_balance", 0.0),
    )  # fmt: skip


class XtBankTransferStream(_XtObject):
    """One bank transfer (``query_bank_transfer_stream``): ``transfer_direction`` '1' bank to securities,
    '2' securities to bank; ``balance`` is the amount moved."""

    _FIELDS = (
        ("success", True), ("error_msg", ""), ("date", ""), ("time", ""), ("transfer_no", ""),
        ("transfer_direction", ""), ("bank_no", ""), ("bank_name", ""), ("bank_account", ""),
        ("money_type", ""), ("account_id", ""), ("balance", 0.0), ("remark", ""),
    )  # fmt: skip


class XtSmartAlgoOrderResponse(_XtObject):
    """The answer to ``smart_algo_order_async``: ``task_id`` 0 and ``error_msg`` when the task was refused."""

    _FIELDS = (
        ("account_id", ""), ("task_id", 0), ("strategy_name", ""), ("order_remark", ""), ("error_msg", ""),
        ("seq", 0),
    )  # fmt: skip


class XtOperateSmartTaskResponse(_XtObject):
    """The answer to ``cancel_smart_algo_task_async``: ``success``, and ``error_msg`` when it failed."""

    _FIELDS = (("seq", 0), ("success", False), ("task_id", 0), ("operate_reason", ""), ("error_msg", ""))


# --- credit accounts (融资融券): xtquant's native objects, attribute names as ``doc/xttrader.md`` --------

_CREDIT_ACCOUNT = (("account_type", xtconstant.CREDIT_ACCOUNT), ("account_id", ""))


class XtCreditDetail(_XtObject):
    """A credit account's money, debt and quotas (``query_credit_detail``); C++-style names as xtquant's.
    Amounts in CNY; ``m_dPerAssurescaleValue`` (维持担保比例) in percent; ``m_nUpdateTime`` Unix seconds."""

    _FIELDS = (
        *_CREDIT_ACCOUNT,
        ("m_nStatus", xtconstant.ACCOUNT_STATUS_OK), ("m_nUpdateTime", 0), ("m_nCalcConfig", 0),
        ("m_dFrozenCash", 0.0), ("m_dBalance", 0.0), ("m_dAvailable", 0.0), ("m_dPositionProfit", 0.0),
        ("m_dMarketValue", 0.0), ("m_dFetchBalance", 0.0), ("m_dStockValue", 0.0), ("m_dFundValue", 0.0),
        ("m_dTotalDebt", 0.0), ("m_dEnableBailBalance", 0.0), ("m_dPerAssurescaleValue", 0.0),
        ("m_dAssureAsset", 0.0), ("m_dFinDebt", 0.0), ("m_dFinDealAvl", 0.0), ("m_dFinFee", 0.0),
        ("m_dSloDebt", 0.0), ("m_dSloMarketValue", 0.0), ("m_dSloFee", 0.0), ("m_dOtherFare", 0.0),
        ("m_dFinMaxQuota", 0.0), ("m_dFinEnableQuota", 0.0), ("m_dFinUsedQuota", 0.0),
        ("m_dSloMaxQuota", 0.0), ("m_dSloEnableQuota", 0.0), ("m_dSloUsedQuota", 0.0),
        ("m_dSloSellBalance", 0.0), ("m_dUsedSloSellBalance", 0.0), ("m_dSurplusSloSellBalance", 0.0),
    )  # fmt: skip


class StkCompacts(_XtObject):
    """A debt contract (负债合约, ``query_stk_compacts``): ``compact_type`` 48 financing / 49 lending,
    dates ``YYYYMMDD`` ints, amounts CNY, volumes shares."""

    _FIELDS = (
        *_CREDIT_ACCOUNT,
        ("compact_type", 0), ("cashgroup_prop", 0), ("exchange_id", 0), ("open_date", 0),
        ("business_vol", 0), ("real_compact_vol", 0), ("ret_end_date", 0), ("business_balance", 0.0),
        ("businessFare", 0.0), ("real_compact_balance", 0.0), ("real_compact_fare", 0.0),
        ("repaid_fare", 0.0), ("repaid_balance", 0.0), ("instrument_id", ""), ("compact_id", ""),
        ("position_str", ""),
    )  # fmt: skip


class CreditSubjects(_XtObject):
    """A margin-trading subject (融资融券标的): statuses 48 normal / 49 paused / 50 not a subject."""

    _FIELDS = (
        *_CREDIT_ACCOUNT,
        ("slo_status", 0), ("fin_status", 0), ("exchange_id", 0), ("slo_ratio", 0.0), ("fin_ratio", 0.0),
        ("instrument_id", ""),
    )  # fmt: skip


class CreditSloCode(_XtObject):
    """Shares the counter can lend (可融券): ``enable_amount`` shares, ``cashgroup_prop`` 48 ordinary."""

    _FIELDS = (
        *_CREDIT_ACCOUNT,
        ("cashgroup_prop", 0), ("exchange_id", 0), ("enable_amount", 0), ("instrument_id", ""),
    )  # fmt: skip


class CreditAssure(_XtObject):
    """A collateral security (担保品): ``assure_status`` 48 normal, ``assure_ratio`` its 折算率."""

    _FIELDS = (
        *_CREDIT_ACCOUNT,
        ("assure_status", 0), ("exchange_id", 0), ("assure_ratio", 0.0), ("instrument_id", ""),
    )  # fmt: skip


class XtCreditOrder(XtOrder):
    """xttype's credit order mirror (not handed out by the simulator): an order plus ``contract_no``
    (两融合同编号) and ``stock_code1``."""

    _FIELDS = (*_CREDIT_ACCOUNT, *XtOrder._FIELDS[2:], ("contract_no", ""), ("stock_code1", ""))


class XtCreditDeal(_XtObject):
    """xttype's credit fill mirror (not handed out by the simulator)."""

    _FIELDS = (
        *_CREDIT_ACCOUNT,
        ("stock_code", ""), ("traded_id", ""), ("traded_time", 0), ("traded_price", 0.0),
        ("traded_volume", 0), ("order_id", 0), ("contract_no", ""), ("stock_code1", ""),
    )  # fmt: skip
