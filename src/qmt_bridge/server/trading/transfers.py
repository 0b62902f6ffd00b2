"""Bank transfers (银证转账) and counter transfers (资金划拨) through the trader, and the record of them.

A transfer moves money, so it is handled as an order is: checked first (the account, the amount, the money
that can leave), written to the journal as ``pending`` before the trader call, then ``done`` or ``refused``
with the counter's message, or ``unknown`` when the call did not answer in time (never retried: the money may
have moved). The journal's records are the bridge's transfer history (``GET /api/fund/history``); the bank's
own stream of transfers comes from the counter (``query_bank_transfer_stream``). Passwords go to the trader
call and nowhere else: not to the journal, not to a log, not into an answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from qmt_bridge.server.errors import Conflict, NotFound
from qmt_bridge.server.trading.counter_errors import recorded_call
from qmt_bridge.server.trading.events import plain_attributes
from qmt_bridge.server.trading.service import (
    CounterRefused,
    TradingService,
)

CST = dt.timezone(dt.timedelta(hours=8))
#: xttrader's BankTransferReq directions (hard-coded in xttrader.bank_transfer_in / _out).
BANK_DIRECTIONS = {"in": 501, "out": 502}
#: xtconstant's fund_transfer directions.
FUND_DIRECTIONS = {
    510: "FUNDS_TRANSFER_NORMAL_TO_SPEED (普通柜台→极速柜台)",
    511: "FUNDS_TRANSFER_SPEED_TO_NORMAL (极速柜台→普通柜台)",
    512: "NODE_FUNDS_TRANSFER_SH_TO_SZ (上海节点→深圳节点)",
    513: "NODE_FUNDS_TRANSFER_SZ_TO_SH (深圳节点→上海节点)",
}
DONE, REFUSED = "done", "refused"
BANK_FIELDS = ("success", "error_msg", "money_type", "bank_no", "bank_account", "bank_name")
BANK_AMOUNT_FIELDS = (
    "success",
    "error_msg",
    "account_id",
    "bank_account",
    "money_type",
    "balance",
    "enable_balance",
)
STREAM_FIELDS = (
    "success", "error_msg", "date", "time", "transfer_no", "transfer_direction", "bank_no", "bank_name",
    "bank_account", "money_type", "account_id", "balance", "remark",
)  # fmt: skip


async def bound_banks(service: TradingService, account_id: str) -> list[dict[str, Any]]:
    """``query_bank_info``: the bank accounts bound to the account."""
    account = service.account_id(account_id)
    found = await service.call("query_bank_info", service.trader_account(account))
    return [plain_attributes(item, BANK_FIELDS) for item in found or []]


async def _bank(service: TradingService, account: str, bank_no: str, bank_account: str) -> tuple[str, str]:
    """The bank asked for, or the account's first bound bank when ``bank_no`` is empty."""
    if bank_no:
        return bank_no, bank_account
    banks = await bound_banks(service, account)
    if not banks:
        raise Conflict(
            "bank_no", f"account {account} has no bound bank account (query_bank_info is empty)",
            code="no_bound_bank",
        )  # fmt: skip
    return str(banks[0].get("bank_no") or ""), str(banks[0].get("bank_account") or "")


async def bank_balance(
    service: TradingService, account_id: str, bank_no: str = "", bank_account: str = "", bank_pwd: str = ""
) -> dict[str, Any] | None:
    """``query_bank_amount`` of a bound bank (the first one by default); None when the counter has none."""
    account = service.account_id(account_id)
    bank_no, bank_account = await _bank(service, account, bank_no, bank_account)
    found = await service.call(
        "query_bank_amount", service.trader_account(account), bank_no, bank_account, bank_pwd
    )
    rows = [plain_attributes(item, BANK_AMOUNT_FIELDS) for item in found or []]
    return {"bank_no": bank_no, **rows[0]} if rows else None


async def bank_stream(
    service: TradingService,
    account_id: str,
    start_date: str,
    end_date: str,
    bank_no: str = "",
    bank_account: str = "",
) -> list[dict[str, Any]]:
    """``query_bank_transfer_stream`` from ``start_date`` to ``end_date`` (YYYYMMDD): the counter's record."""
    account = service.account_id(account_id)
    found = await service.call(
        "query_bank_transfer_stream",
        service.trader_account(account),
        start_date,
        end_date,
        bank_no,
        bank_account,
    )
    return [plain_attributes(item, STREAM_FIELDS) for item in found or []]


async def bank_transfer(
    service: TradingService,
    account_id: str,
    direction: str,
    amount: float,
    *,
    bank_no: str = "",
    bank_account: str = "",
    bank_pwd: str = "",
    fund_pwd: str = "",
    client_id: str | None = None,
) -> dict[str, Any]:
    """Bank to securities (``direction`` ``in``) or back (``out``): the record of the transfer once done;
    409 when the counter refuses it, or before sending when more than the withdrawable cash would leave."""
    account = service.account_id(account_id)
    bank_no, bank_account = await _bank(service, account, bank_no, bank_account)
    if direction == "out":
        await _check_withdrawable(service, account, amount)
    method = "bank_transfer_in" if direction == "in" else "bank_transfer_out"
    args = (service.trader_account(account), bank_no, bank_account, amount, bank_pwd, fund_pwd)
    return await _send(
        service,
        account,
        f"bank_{direction}",
        BANK_DIRECTIONS[direction],
        amount,
        bank_no,
        method,
        args,
        client_id,
    )


async def fund_transfer(
    service: TradingService, account_id: str, direction: int, amount: float, client_id: str | None = None
) -> dict[str, Any]:
    """``fund_transfer`` between the ordinary and the speed counter, or between nodes: the record once done;
    409 when the counter refuses it, or before sending when more than the withdrawable cash would leave the
    trading account (511)."""
    account = service.account_id(account_id)
    if direction == 511:
        await _check_withdrawable(service, account, amount)
    args = (service.trader_account(account), direction, amount)
    return await _send(service, account, "fund", direction, amount, "", "fund_transfer", args, client_id)


def history(service: TradingService, account_id: str, start_date: str, end_date: str) -> list[dict[str, Any]]:
    """The transfers asked through this server from ``start_date`` to ``end_date`` (YYYYMMDD, the counter's
    days, inclusive), newest first."""
    account = service.account_id(account_id)
    return [_view(row) for row in service.journal.transfers(account, start_date, end_date)]


def one(service: TradingService, transfer_id: int, account_id: str) -> dict[str, Any]:
    """One transfer asked through this server; 404 when there is none with that id in the account."""
    account = service.account_id(account_id)
    row = service.journal.transfer(transfer_id)
    if row is None or row["account_id"] != account:
        raise NotFound(
            "transfer_id", f"no transfer {transfer_id} in account {account}", value=transfer_id,
            code="transfer_not_found",
        )  # fmt: skip
    return _view(row)


async def _check_withdrawable(service: TradingService, account: str, amount: float) -> None:
    asset = await service.asset(account)
    withdrawable = float((asset or {}).get("fetch_balance") or 0.0)
    if amount > withdrawable + 1e-9:
        raise Conflict(
            "amount",
            f"{amount:.2f} CNY is more than the withdrawable cash of account {account} ({withdrawable:.2f} CNY; "
            "today's sell proceeds are withdrawable from the next trading day)",
            value=amount,
            code="insufficient_funds",
        )


async def _send(
    service: TradingService, account: str, kind: str, direction: int, amount: float, bank_no: str, method: str,
    args: tuple[Any, ...], client_id: str | None,
) -> dict[str, Any]:  # fmt: skip
    journal = service.journal
    day = service.ctx.backend.today().strftime("%Y%m%d")
    transfer_id = journal.begin_transfer(account, day, kind, direction, amount, bank_no, client_id)
    answer = await recorded_call(
        service.call,
        method,
        args,
        record=lambda state, message: journal.finish_transfer(transfer_id, state, message),
        details={"transfer_id": transfer_id},
        look="the transfer's outcome is unknown: check /api/bank/transfer_records before trying again",
    )
    success, message = _outcome(answer)
    journal.finish_transfer(transfer_id, DONE if success else REFUSED, message)
    if not success:
        raise CounterRefused(
            f"the counter refused the transfer: {message}",
            details={"transfer_id": transfer_id, "msg": message},
            code="transfer_refused",
        )
    return one(service, transfer_id, account)


def _outcome(answer: Any) -> tuple[bool, str]:
    """xttrader's ``(success, msg)``; anything else is a failure that says what came back."""
    if isinstance(answer, (tuple, list)) and len(answer) == 2:
        return bool(answer[0]), str(answer[1] or "")
    return False, f"the trader answered {answer!r} instead of (success, msg)"


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "transfer_id": row["transfer_id"],
        "account_id": row["account_id"],
        "kind": row["kind"],
        "direction": row["direction"],
        "amount": row["amount"],
        "bank_no": row["bank_no"],
        "state": row["state"],
        "msg": row["message"],
        "date": row["day"],
        "at": dt.datetime.fromtimestamp(row["at"], CST).isoformat(timespec="seconds"),
    }
