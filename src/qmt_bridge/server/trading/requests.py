"""Request bodies of the trading endpoints. Unknown fields are refused (422), never ignored."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from qmt_bridge.server.models import RequestBody
from qmt_bridge.server.trading.orders import CREDIT_ORDER_TYPES, DIRECT_CASH_REPAY

CLIENT_ORDER_ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,64}$"
MAX_BATCH = 1000
#: xtquant's order types, price types and volumes are C ints; order ids fit 64 bits. Larger numbers are
#: refused here (422) rather than carried on to where they cannot be encoded.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
#: The most cash a paper account may hold (the broker counts in 0.001 CNY in 64-bit integers).
MAX_SIM_CASH = 1e12


class OrderRequest(RequestBody):
    """One stock order, in xtquant's terms (``order_stock``)."""

    stock_code: str = Field(..., min_length=1, max_length=32, description="e.g. 000001.SZ")
    order_type: int = Field(..., ge=0, le=INT32_MAX, description="23 buy (STOCK_BUY), 24 sell (STOCK_SELL)")
    order_volume: int = Field(..., gt=0, le=INT32_MAX, description="shares (stocks, funds) or 张 (bonds)")
    price_type: int = Field(
        5,
        ge=0,
        le=INT32_MAX,
        description="5 latest price (the default: a limit order at the last trade price), 11 limit price; "
        "market types: 42/43 (SSE, BSE), 44/45 (all), 46/47/48 (SZSE)",
    )
    price: float = Field(
        0.0, ge=0, allow_inf_nan=False, description="the limit price; needed for price_type 11"
    )
    strategy_name: str = Field("", max_length=64)
    order_remark: str = Field("", max_length=64)
    account_id: str = Field("", max_length=64, description="empty: the first configured account")
    client_order_id: str | None = Field(
        None,
        pattern=CLIENT_ORDER_ID_PATTERN,
        description="your id of this order (1–64 of A-Z a-z 0-9 _ . : -): sending it again returns the first "
        "order and places nothing, also after a restart. The server makes one when it is missing.",
    )


class CreditOrderRequest(OrderRequest):
    """One order of a credit account: xtquant's credit ``order_type``, or its name as ``credit_type``. A given
    ``order_type`` wins (qmt-bridge 2.1.3's clients send ``credit_type="fin_buy"`` with every order, and its
    server placed ``order_type``)."""

    order_type: int | None = Field(  # type: ignore[assignment]
        None,
        ge=0,
        le=INT32_MAX,
        description="23 担保品买入, 24 担保品卖出, 27 融资买入, 28 融券卖出, 29 买券还券, 30 直接还券, "
        "31 卖券还款, 32 直接还款 (xtconstant CREDIT_*); or give credit_type",
    )
    credit_type: (
        Literal[
            "collateral_buy", "collateral_sell", "fin_buy", "slo_sell", "buy_back", "direct_secu_repay",
            "sell_back", "direct_cash_repay",
        ]
        | None
    ) = Field(None, description="the order type by name, used when order_type is not given (qmt-bridge 2.1.3's fin_buy, slo_sell, buy_back, sell_back and more)")  # fmt: skip
    order_volume: float = Field(  # type: ignore[assignment]
        ...,
        gt=0,
        le=INT32_MAX,
        allow_inf_nan=False,
        description="shares; for 32 直接还款 the amount in CNY (xtquant passes it on as the order amount)",
    )
    account_id: str = Field("", max_length=64, description="empty: the first configured credit account")

    @model_validator(mode="after")
    def _one_order_type(self) -> CreditOrderRequest:
        by_name = {name: t for t, (name, _, _) in CREDIT_ORDER_TYPES.items()}
        if self.order_type is None and self.credit_type is not None:
            self.order_type = by_name[self.credit_type]
        elif self.order_type is None:
            raise ValueError("give order_type (27 融资买入, 28 融券卖出, ...) or credit_type (fin_buy, ...)")
        if self.order_type == DIRECT_CASH_REPAY:
            self.order_volume = _whole_fen(self.order_volume)
        elif self.order_volume != int(self.order_volume):
            raise ValueError(f"order_volume is in whole shares, got {self.order_volume}")
        else:
            self.order_volume = int(self.order_volume)
        return self


class CancelRequest(RequestBody):
    order_id: int = Field(..., gt=0, le=INT64_MAX)
    account_id: str = Field("", max_length=64)


class CancelAllRequest(RequestBody):
    account_id: str = Field("", max_length=64, description="empty: every configured account")


class KillSwitchRequest(RequestBody):
    engaged: bool = Field(
        ..., description="true: cancel every open order and refuse new ones; false: release"
    )
    reason: str = Field("", max_length=200)


class SimResetRequest(RequestBody):
    account_id: str = Field("", max_length=64)
    cash: float | None = Field(
        None,
        gt=0,
        le=MAX_SIM_CASH,
        allow_inf_nan=False,
        description="empty: the configured starting cash; at most 1e12",
    )


#: The most one transfer may move (CNY): far above any retail account, low enough to stay exact in li.
MAX_TRANSFER = 1e10


def _whole_fen(amount: float) -> float:
    if abs(round(amount * 100) - amount * 100) > 1e-6:
        raise ValueError("an amount in CNY has at most 2 decimals")
    return amount


_AMOUNT = Field(..., gt=0, le=MAX_TRANSFER, allow_inf_nan=False, description="CNY, at most 2 decimals")
_PASSWORD = Field("", max_length=64, description="passed to the counter only; never stored or logged")


class FundTransferRequest(RequestBody):
    """``fund_transfer``: money between the ordinary and the speed counter, or between nodes."""

    transfer_direction: Literal[510, 511, 512, 513] = Field(
        ...,
        description="510 普通柜台→极速柜台 (FUNDS_TRANSFER_NORMAL_TO_SPEED), 511 极速柜台→普通柜台, "
        "512 上海节点→深圳节点, 513 深圳节点→上海节点",
    )
    amount: float = _AMOUNT
    account_id: str = Field("", max_length=64, description="empty: the first configured account")

    _fen = field_validator("amount")(_whole_fen)


class BankTransferRequest(RequestBody):
    """``bank_transfer_in`` / ``bank_transfer_out`` (银证转账)."""

    direction: Literal["in", "out"] = Field(..., description="in: bank → securities; out: securities → bank")
    amount: float = _AMOUNT
    bank_no: str = Field(
        "", max_length=32, description="empty: the account's first bound bank (/api/bank/banks)"
    )
    bank_account: str = Field(
        "", max_length=64, description="the bank account number; empty with bank_no empty"
    )
    bank_pwd: str = _PASSWORD
    fund_pwd: str = _PASSWORD
    account_id: str = Field("", max_length=64, description="empty: the first configured account")

    _fen = field_validator("amount")(_whole_fen)


class CompatBankTransferRequest(RequestBody):
    """qmt-bridge 2.1.3's body of ``/api/bank/transfer_in`` and ``/transfer_out`` (the path gives the
    direction; ``transfer_direction`` is accepted and ignored)."""

    amount: float = _AMOUNT
    bank_code: str = Field("", max_length=32, description="the bank's number; empty: the first bound bank")
    transfer_direction: int | None = Field(None, description="ignored: the path says in or out")
    account_id: str = Field("", max_length=64)

    _fen = field_validator("amount")(_whole_fen)


class IpoSubscribeRequest(RequestBody):
    """Subscribe the most allowed for each of today's issues (or those named)."""

    account_id: str = Field("", max_length=64, description="empty: the first configured account")
    codes: list[str] | None = Field(
        None, max_length=100, description="subscription codes (/api/trading/ipo_today); absent: every issue"
    )


_CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"


class SmartAlgoOrderRequest(RequestBody):
    """``smart_algo_order_async``: one smart algorithm task (智能算法) that the counter executes over a time
    window today as many child orders."""

    stock_code: str = Field(..., min_length=1, max_length=32, description="e.g. 000001.SZ")
    order_type: Literal[23, 24] = Field(..., description="23 buy (STOCK_BUY), 24 sell (STOCK_SELL)")
    order_volume: int = Field(..., gt=0, le=INT32_MAX, description="the whole task's volume: shares, or 张")
    price_type: Literal[11, 12] = Field(
        11, description="11 limit price (children never beyond `price`), 12 market"
    )
    price: float = Field(
        0.0, ge=0, allow_inf_nan=False, description="the limit price; needed for price_type 11"
    )
    algo_name: str = Field(
        ...,
        min_length=1,
        max_length=32,
        description="e.g. TWAP, VWAP (the counter's: /api/trading/smart_algo/params)",
    )
    start_time: str = Field(..., pattern=_CLOCK_TIME, description="HH:MM:SS today (China time)")
    end_time: str = Field(..., pattern=_CLOCK_TIME, description="HH:MM:SS today, after start_time")
    algo_param: dict[str, str | int | float | bool] = Field(
        default_factory=dict,
        max_length=32,
        description="the algorithm's parameters by key (/api/trading/smart_algo/params), e.g. "
        '{"m_dLimitOverRate": 0.25}; a value in % is given as a fraction',
    )
    strategy_name: str = Field("", max_length=64)
    order_remark: str = Field("", max_length=64)
    account_id: str = Field("", max_length=64, description="empty: the first configured account")
    client_task_id: str | None = Field(
        None,
        pattern=CLIENT_ORDER_ID_PATTERN,
        description="your id of this task (as client_order_id): sending it again returns the first request and "
        "starts nothing, also after a restart. The server makes one when it is missing.",
    )

    @field_validator("end_time")
    @classmethod
    def _after_start(cls, end_time: str, info: Any) -> str:
        start = info.data.get("start_time")
        if start is not None and end_time <= start:
            raise ValueError(f"end_time {end_time} must be after start_time {start}")
        return end_time


class SmartAlgoCancelRequest(RequestBody):
    task_id: int = Field(..., gt=0, le=INT64_MAX, description="the counter's task id")
    account_id: str = Field("", max_length=64)
