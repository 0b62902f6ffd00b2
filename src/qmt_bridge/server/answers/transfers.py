"""The 200 answers of ``/api/fund/*`` and ``/api/bank/*`` (``routers/transfers.py``).

A transfer record is the bridge's (the journal's); banks, balances and the bank's stream keep xttrader's
attribute names (``doc/xttrader.md``: query_bank_info, query_bank_amount, query_bank_transfer_stream).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from qmt_bridge.server.answers import documented
from qmt_bridge.server.answers.trading import Asset

_RECORD = {
    "transfer_id": 1,
    "account_id": "SIM000001",
    "kind": "bank_in",
    "direction": 501,
    "amount": 10000.0,
    "bank_no": "1",
    "state": "done",
    "msg": "转账成功",
    "date": "20251120",
    "at": "2026-12-05T10:00:00+08:00",
}
_BANK = {
    "success": True,
    "error_msg": "",
    "money_type": "CNY",
    "bank_no": "1",
    "bank_account": "6222020000000001",
    "bank_name": "模拟银行",
}


class TransferRecord(BaseModel):
    """One transfer asked through this server."""

    model_config = ConfigDict(extra="forbid")

    transfer_id: int = Field(..., description="the server's number of the transfer")
    account_id: str
    kind: str = Field(..., description="bank_in, bank_out or fund (a counter transfer)")
    direction: int = Field(
        ..., description="501 bank→securities, 502 securities→bank, 510–513 fund_transfer's"
    )
    amount: float = Field(..., description="CNY")
    bank_no: str = Field(..., description="the bank's number; empty for a counter transfer")
    state: str = Field(
        ...,
        description="done; refused (by the counter, msg says why); unknown (the trader did not answer: check "
        "the bank stream before trying again); not_sent (the trader was not connected); pending (running)",
    )
    msg: str = Field(..., description="the counter's message")
    date: str = Field(
        ..., description="YYYYMMDD: the counter's day when it was asked (the simulator's clock)"
    )
    at: str = Field(..., description="ISO 8601, China time: when the server sent it (the host's clock)")


class TransferAnswer(BaseModel):
    """A transfer the counter carried out."""

    model_config = documented({"data": _RECORD})

    data: TransferRecord


class TransferHistoryAnswer(BaseModel):
    """The transfers asked through this server, newest first."""

    model_config = documented({"data": [_RECORD]})

    data: list[TransferRecord]


class BankInfo(BaseModel):
    """A bound bank account (xttrader.query_bank_info)."""

    model_config = ConfigDict(extra="allow")

    success: bool | None = None
    error_msg: str | None = None
    money_type: str | None = None
    bank_no: str | None = None
    bank_account: str | None = None
    bank_name: str | None = None


class BanksAnswer(BaseModel):
    """The bank accounts bound to the account."""

    model_config = documented({"data": [_BANK]})

    data: list[BankInfo]


class BankBalance(BaseModel):
    """A bank balance (xttrader.query_bank_amount) and the bank it is of."""

    model_config = ConfigDict(extra="allow")

    bank_no: str
    success: bool | None = None
    error_msg: str | None = None
    account_id: str | None = None
    bank_account: str | None = None
    money_type: str | None = None
    balance: float | None = None
    enable_balance: float | None = Field(None, description="what may be transferred in")


class BankBalanceAnswer(BaseModel):
    """The balance of a bound bank account; null when the counter has none."""

    model_config = documented(
        {
            "data": {
                "bank_no": "1",
                "success": True,
                "error_msg": "",
                "account_id": "SIM000001",
                "bank_account": "6222020000000001",
                "money_type": "CNY",
                "balance": 990000.0,
                "enable_balance": 990000.0,
            }
        }
    )

    data: BankBalance | None


class BankStreamLine(BaseModel):
    """One bank transfer as the counter records it (xttrader.query_bank_transfer_stream)."""

    model_config = ConfigDict(extra="allow")

    success: bool | None = None
    error_msg: str | None = None
    date: str | None = None
    time: str | None = None
    transfer_no: str | None = None
    transfer_direction: str | None = Field(None, description="'1' bank→securities, '2' securities→bank")
    bank_no: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    money_type: str | None = None
    account_id: str | None = None
    balance: float | None = Field(None, description="the amount moved")
    remark: str | None = None


class BankStreamAnswer(BaseModel):
    """The counter's record of bank transfers over a range of days."""

    model_config = documented(
        {
            "data": [
                {
                    **{k: v for k, v in _BANK.items() if k not in ("money_type",)},
                    "date": "20251120",
                    "time": "100000",
                    "transfer_no": "00000001",
                    "transfer_direction": "1",
                    "money_type": "CNY",
                    "account_id": "SIM000001",
                    "balance": 10000.0,
                    "remark": "转账成功",
                }
            ]
        }
    )

    data: list[BankStreamLine]


class AvailableFunds(BaseModel):
    """What can move: the account's withdrawable cash and the bound bank's transferable balance."""

    model_config = ConfigDict(extra="forbid")

    account_id: str
    withdrawable: float = Field(..., description="CNY that may leave the account (XtAsset.fetch_balance)")
    bank_no: str | None = Field(..., description="the account's first bound bank; null when none")
    bank_enable_balance: float | None = Field(..., description="CNY that may come in from that bank")


class AvailableFundsAnswer(BaseModel):
    """What can move between the account and its bank."""

    model_config = documented(
        {
            "data": {
                "account_id": "SIM000001",
                "withdrawable": 1000000.0,
                "bank_no": "1",
                "bank_enable_balance": 1000000.0,
            }
        }
    )

    data: AvailableFunds


class FundAvailableAnswer(BaseModel):
    """The account's cash and totals (qmt-bridge 2.1.3's ``/api/fund/available``: the asset)."""

    model_config = documented(
        {
            "data": {
                "account_type": 2,
                "account_id": "SIM000001",
                "cash": 1000000.0,
                "frozen_cash": 0.0,
                "market_value": 0.0,
                "total_asset": 1000000.0,
                "fetch_balance": 1000000.0,
            }
        }
    )

    data: Asset | None
