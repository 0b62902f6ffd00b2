"""A fake ``xtquant.xttype``: ``StockAccount`` with xtquant's quirks and plain data classes with the
attribute names of ``shared/xtquant-api.md`` §2.6.

The real push and query objects are native ``xtpythonclient`` objects; these stand in for them. Each class
takes its attributes positionally in catalog order or by keyword; anything not given gets its type's zero
(``account_type`` defaults to 2, as xttype's mirrors hard-code it).
"""

from __future__ import annotations

from typing import Any

from xtquant import xtconstant


class StockAccount:
    """A trading account: ``account_id`` (str) and ``account_type`` (int, 2 for ``'STOCK'``).

    As in xtquant: the type string is case-insensitive and an unknown one raises a plain ``Exception``;
    a non-str ``account_id`` makes the constructor *return an error string* instead of an account.
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
        return f"StockAccount({self.account_id!r}, type={self.account_type})"


class _XtObject:
    """Attributes from ``_FIELDS`` ((name, default) pairs): positional in that order, or by keyword."""

    _FIELDS: tuple[tuple[str, Any], ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = [name for name, _ in self._FIELDS]
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} positional arguments")
        values = dict(self._FIELDS)
        values.update(zip(names, args, strict=False))  # fewer args than fields: defaults
        unknown = set(kwargs) - set(names)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no attribute(s) {sorted(unknown)}")
        values.update(kwargs)
        for name, value in values.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name, _ in self._FIELDS)
        return f"{type(self).__name__}({shown})"


_ACCOUNT = (("account_type", xtconstant.SECURITY_ACCOUNT), ("account_id", ""))


class XtAsset(_XtObject):
    _FIELDS = (
        *_ACCOUNT,
        ("cash", 0.0),
        ("frozen_cash", 0.0),
        ("market_value", 0.0),
        ("total_asset", 0.0),
        ("fetch_balance", 0.0),
    )


class XtOrder(_XtObject):
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
        ("direction", 0),
        ("instrument_name", ""),
        ("last_price", 0.0),
        ("profit_rate", 0.0),
        ("secu_account", ""),
        ("float_profit", 0.0),
    )


class XtOrderError(_XtObject):
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
    _FIELDS = (
        *_ACCOUNT,
        ("order_id", 0),
        ("market", 0),
        ("order_sysid", ""),
        ("error_id", 0),
        ("error_msg", ""),
    )


class XtOrderResponse(_XtObject):
    _FIELDS = (
        *_ACCOUNT,
        ("order_id", 0),
        ("strategy_name", ""),
        ("order_remark", ""),
        ("error_msg", ""),
        ("seq", 0),
    )


class XtCancelOrderResponse(_XtObject):
    _FIELDS = (
        *_ACCOUNT,
        ("cancel_result", 0),
        ("order_id", 0),
        ("order_sysid", ""),
        ("seq", 0),
        ("error_msg", ""),
    )


class XtAccountStatus(_XtObject):
    _FIELDS = (*_ACCOUNT, ("status", xtconstant.ACCOUNT_STATUS_OK))


class XtAccountInfo(_XtObject):
    _FIELDS = (
        *_ACCOUNT,
        ("broker_type", xtconstant.SECURITY_ACCOUNT),
        ("platform_id", 0),
        ("account_classification", 0),
        ("login_status", xtconstant.ACCOUNT_STATUS_OK),
    )


class XtPositionStatistics(_XtObject):
    """Futures position statistics (a few of ``doc/xttrader.md``'s fields)."""

    _FIELDS = (
        ("account_id", ""),
        ("exchange_id", ""),
        ("instrument_id", ""),
        ("direction", 48),
        ("position", 0),
        ("yesterday_position", 0),
        ("today_position", 0),
        ("can_close_vol", 0),
        ("float_profit", 0.0),
    )


class XtBankTransferResponse(_XtObject):
    """The answer of ``bank_transfer_in_async`` / ``bank_transfer_out_async`` (xttype's signature)."""

    _FIELDS = (("seq", 0), ("success", False), ("msg", ""))


# The bank and shareholder-account queries answer native objects in xtquant (no xttype class); these
# stand in for them with the attributes of ``doc/xttrader.md``.


class XtBankInfo(_XtObject):
    """A bound bank account (``query_bank_info``)."""

    _FIELDS = (
        ("success", True),
        ("error_msg", ""),
        ("money_type", ""),
        ("bank_no", ""),
        ("bank_account", ""),
        ("bank_name", ""),
    )


class XtBankAmount(_XtObject):
    """A bank balance (``query_bank_amount``)."""

    _FIELDS = (
        ("success", True),
        ("error_msg", ""),
        ("account_id", ""),
        ("bank_account", ""),
        ("money_type", ""),
        ("balance", 0.0),
        ("enable_balance", 0.0),
    )


class XtBankTransferStream(_XtObject):
    """One bank transfer (``query_bank_transfer_stream``): ``transfer_direction`` '1' bank to securities,
    '2' securities to bank; ``balance`` is the amount moved."""

    _FIELDS = (
        ("success", True),
        ("error_msg", ""),
        ("date", ""),
        ("time", ""),
        ("transfer_no", ""),
        ("transfer_direction", ""),
        ("bank_no", ""),
        ("bank_name", ""),
        ("bank_account", ""),
        ("money_type", ""),
        ("account_id", ""),
        ("balance", 0.0),
        ("remark", ""),
    )


class XtSecuAccount(_XtObject):
    """A shareholder account (``query_secu_account``)."""

    _FIELDS = (("success", True), ("error_msg", ""), ("main", False), ("market", ""), ("secu_account", ""))


class XtSmartAlgoOrderResponse(_XtObject):
    """The answer of ``smart_algo_order_async`` (``on_smart_algo_order_async_response``)."""

    _FIELDS = (
        ("account_id", ""),
        ("task_id", 0),
        ("strategy_name", ""),
        ("order_remark", ""),
        ("error_msg", ""),
        ("seq", 0),
    )


class XtOperateSmartTaskResponse(_XtObject):
    """The answer of ``cancel_smart_algo_task_async`` (``on_operate_smart_task_async_response``)."""

    _FIELDS = (("seq", 0), ("success", False), ("task_id", 0), ("operate_reason", ""), ("error_msg", ""))


_CREDIT_ACCOUNT = (("account_type", xtconstant.CREDIT_ACCOUNT), ("account_id", ""))


class XtCreditDetail(_XtObject):
    """信用账号资产 (doc/xttrader.md): the account, then the m_* fields in the doc's order."""

    _FIELDS = (
        *_CREDIT_ACCOUNT,
        ("m_nStatus", 0), ("m_nUpdateTime", 0), ("m_nCalcConfig", 0), ("m_dFrozenCash", 0.0),
        ("m_dBalance", 0.0), ("m_dAvailable", 0.0), ("m_dPositionProfit", 0.0), ("m_dMarketValue", 0.0),
        ("m_dFetchBalance", 0.0), ("m_dStockValue", 0.0), ("m_dFundValue", 0.0), ("m_dTotalDebt", 0.0),
        ("m_dEnableBailBalance", 0.0), ("m_dPerAssurescaleValue", 0.0), ("m_dAssureAsset", 0.0),
        ("m_dFinDebt", 0.0), ("m_dFinDealAvl", 0.0), ("m_dFinFee", 0.0), ("m_dSloDebt", 0.0),
        ("m_dSloMarketValue", 0.0), ("m_dSloFee", 0.0), ("m_dOtherFare", 0.0), ("m_dFinMaxQuota", 0.0),
        ("m_dFinEnableQuota", 0.0), ("m_dFinUsedQuota", 0.0), ("m_dSloMaxQuota", 0.0),
        ("m_dSloEnableQuota", 0.0), ("m_dSloUsedQuota", 0.0), ("m_dSloSellBalance", 0.0),
        ("m_dUsedSloSellBalance", 0.0), ("m_dSurplusSloSellBalance", 0.0),
    )  # fmt: skip


class StkCompacts(_XtObject):
    """负债合约."""

    _FIELDS = (
        *_CREDIT_ACCOUNT,
        ("compact_type", 0), ("cashgroup_prop", 0), ("exchange_id", 0), ("open_date", 0), ("business_vol", 0),
        ("real_compact_vol", 0), ("ret_end_date", 0), ("business_balance", 0.0), ("businessFare", 0.0),
        ("real_compact_balance", 0.0), ("real_compact_fare", 0.0), ("repaid_fare", 0.0), ("repaid_balance", 0.0),
        ("instrument_id", ""), ("compact_id", ""), ("position_str", ""),
    )  # fmt: skip


class CreditSubjects(_XtObject):
    """融资融券标的."""

    _FIELDS = (
        *_CREDIT_ACCOUNT, ("slo_status", 0), ("fin_status", 0), ("exchange_id", 0), ("slo_ratio", 0.0),
        ("fin_ratio", 0.0), ("instrument_id", ""),
    )  # fmt: skip


class CreditSloCode(_XtObject):
    """可融券数据."""

    _FIELDS = (
        *_CREDIT_ACCOUNT,
        ("cashgroup_prop", 0),
        ("exchange_id", 0),
        ("enable_amount", 0),
        ("instrument_id", ""),
    )


class CreditAssure(_XtObject):
    """标的担保品."""

    _FIELDS = (
        *_CREDIT_ACCOUNT,
        ("assure_status", 0),
        ("exchange_id", 0),
        ("assure_ratio", 0.0),
        ("instrument_id", ""),
    )
