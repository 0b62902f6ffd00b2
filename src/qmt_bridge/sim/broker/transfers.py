"""Money moving in and out of a paper account: bank transfers (银证转账) and counter transfers (资金划拨).

What the simulated counter models (xttrader's calls, ``doc/xttrader.md``):

- Each account has one bound bank account (:class:`BankLink`): ``bank_no`` ``"1"``, a simulated bank named
  ``模拟银行`` holding :data:`BANK_START` CNY when the account is opened or reset. ``bank_transfer_in`` moves
  money from it to the account's cash, at most the bank balance; ``bank_transfer_out`` moves the account's
  withdrawable cash (``fetch_balance``: today's sell proceeds are not withdrawable before the next day) to
  the bank. Both only on trading days from 09:00 to 16:00 China time, as brokers allow. Passwords are not
  checked (and never kept).
- The account's cash is the speed counter's (极速柜台); beside it the ordinary counter (普通柜台) holds
  ``counter_balance``, 0 at first. ``fund_transfer`` 511 (speed → ordinary) moves withdrawable cash there, 510
  (ordinary → speed) moves it back; ``query_com_fund`` shows the ordinary counter. The node transfers (512,
  513) are refused: the simulated counter has one node.
- Every successful bank transfer is a line of ``query_bank_transfer_stream`` (``transfer_direction`` ``'1'`` in,
  ``'2'`` out); counter transfers are kept too (``direction`` 510/511) but are not bank transfers.

Each function here works on the broker's state under its lock and answers xttrader's ``(success, msg)``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker.ledger import Account
from qmt_bridge.sim.broker.money import LI_PER_FEN, to_li, to_yuan
from qmt_bridge.sim.broker.sessions import calendar, local
from qmt_bridge.sim.xttype import XtBankAmount, XtBankInfo, XtBankTransferStream

#: CNY in each account's simulated bank account when the account is opened or reset.
BANK_START = 1_000_000.0
BANK_NO = "1"
BANK_NAME = "模拟银行"
MONEY_TYPE = "CNY"
#: Bank transfers are accepted on trading days in these hours (China time).
BANK_HOURS = (dt.time(9, 0), dt.time(16, 0))
#: The most one transfer may move (CNY); the server refuses more before asking.
MAX_AMOUNT = 1e12
BANK_IN, BANK_OUT = 501, 502  # xttrader's BankTransferReq directions (hard-coded there, not constants)
STREAM_DIRECTION = {BANK_IN: "1", BANK_OUT: "2"}


@dataclass(slots=True)
class BankLink:
    """An account's bound bank account and the money outside its trading cash (li)."""

    account_id: str
    bank_no: str
    bank_account: str
    bank_name: str
    balance: int  # the simulated bank account's balance
    counter_balance: int  # cash at the ordinary counter (普通柜台)


@dataclass(slots=True)
class Transfer:
    """One successful transfer, kept in the counter's file."""

    transfer_no: str
    account_id: str
    day: dt.date
    time: str  # HHMMSS, China time
    direction: int  # 501 bank in, 502 bank out, 510 / 511 counter transfers
    amount: int  # li
    bank_no: str
    remark: str


def new_link(account_id: str) -> BankLink:
    """The bank account bound to a new (or reset) account."""
    digits = "".join(ch for ch in account_id if ch.isdigit())[-8:].rjust(8, "0")
    return BankLink(account_id, BANK_NO, f"62220200{digits}", BANK_NAME, to_li(BANK_START), 0)


def _amount_li(amount: float) -> int | str:
    """The amount in li, or why it is no amount of money (positive, finite, whole fen, at most
    :data:`MAX_AMOUNT`)."""
    if (
        isinstance(amount, bool)
        or not isinstance(amount, (int, float))
        or not math.isfinite(amount)
        or amount <= 0
    ):
        return f"转账金额必须为正数 (the amount must be a positive number of CNY): {amount!r}"
    if amount > MAX_AMOUNT:
        return f"转账金额过大 (at most {MAX_AMOUNT:.0f} CNY): {amount!r}"
    li = to_li(float(amount))
    # An absolute tolerance: the float noise of an amount with 2 decimals is far below a thousandth of a li.
    if li % LI_PER_FEN or abs(li - float(amount) * 1000) > 1e-3:
        return f"转账金额最多两位小数 (the amount is in CNY with at most 2 decimals): {amount!r}"
    return li


def bank_hours_refusal(now: dt.datetime) -> str | None:
    """Why a bank transfer is refused at ``now``; None inside the bank-transfer hours of a trading day."""
    moment = local(now)
    if not calendar(moment).is_trading_day(moment.date()):
        return f"非银证转账时间 (bank transfers: trading days only; {moment.date():%Y-%m-%d} is not one)"
    if not BANK_HOURS[0] <= moment.time() < BANK_HOURS[1]:
        return (
            f"非银证转账时间 (bank transfers: {BANK_HOURS[0]:%H:%M}-{BANK_HOURS[1]:%H:%M} China time, "
            f"now {moment:%H:%M})"
        )
    return None


def bank_transfer(
    account: Account, link: BankLink, direction: int, bank_no: str, bank_account: str, amount: float,
    now: dt.datetime,
) -> tuple[bool, str, int]:  # fmt: skip
    """Move money between the bound bank and the account's cash: ``(success, msg, li moved)``."""
    if direction not in (BANK_IN, BANK_OUT):
        return False, f"转账方向错误 (direction {direction!r}: 501 in or 502 out)", 0
    if str(bank_no) != link.bank_no or (bank_account and str(bank_account) != link.bank_account):
        return False, f"银行账号不存在 (no bound bank account {bank_no!r} {bank_account!r})", 0
    li = _amount_li(amount)
    if isinstance(li, str):
        return False, li, 0
    refusal = bank_hours_refusal(now)
    if refusal is not None:
        return False, refusal, 0
    if direction == BANK_IN:
        if li > link.balance:
            return False, f"银行可用余额不足 (the bank holds {to_yuan(link.balance):.2f} CNY)", 0
        link.balance -= li
        account.balance += li
    else:
        if li > account.withdrawable:
            return False, f"可取资金不足 (withdrawable cash is {to_yuan(account.withdrawable):.2f} CNY)", 0
        account.balance -= li
        link.balance += li
    return True, "转账成功", li


def counter_transfer(
    account: Account, link: BankLink, direction: int, amount: float
) -> tuple[bool, str, int]:
    """``fund_transfer``: between the ordinary counter and the account's (speed counter) cash:
    ``(success, msg, li moved)``."""
    if direction in (xc.NODE_FUNDS_TRANSFER_SH_TO_SZ, xc.NODE_FUNDS_TRANSFER_SZ_TO_SH):
        return False, "节点资金划拨不可用 (the simulated counter has one node, no SH/SZ node split)", 0
    if direction not in (xc.FUNDS_TRANSFER_NORMAL_TO_SPEED, xc.FUNDS_TRANSFER_SPEED_TO_NORMAL):
        return False, f"划拨方向错误 (unknown transfer_direction {direction!r}; 510, 511, 512 or 513)", 0
    li = _amount_li(amount)
    if isinstance(li, str):
        return False, li, 0
    if direction == xc.FUNDS_TRANSFER_NORMAL_TO_SPEED:
        if li > link.counter_balance:
            held = to_yuan(link.counter_balance)
            return False, f"普通柜台可用资金不足 (the ordinary counter holds {held:.2f} CNY)", 0
        link.counter_balance -= li
        account.balance += li
    else:
        if li > account.withdrawable:
            return False, f"可取资金不足 (withdrawable cash is {to_yuan(account.withdrawable):.2f} CNY)", 0
        account.balance -= li
        link.counter_balance += li
    return True, "划拨成功", li


def record(
    number: int, account_id: str, direction: int, li: int, bank_no: str, remark: str, now: dt.datetime
) -> Transfer:
    """The record of a successful transfer (``number``: the file's next transfer number)."""
    moment = local(now)
    return Transfer(
        f"{number:08d}", account_id, moment.date(), f"{moment:%H%M%S}", direction, li, bank_no, remark
    )


def bank_info(link: BankLink) -> XtBankInfo:
    return XtBankInfo(True, "", MONEY_TYPE, link.bank_no, link.bank_account, link.bank_name)


def bank_amount(link: BankLink, account_id: str) -> XtBankAmount:
    balance = to_yuan(link.balance)
    return XtBankAmount(True, "", account_id, link.bank_account, MONEY_TYPE, balance, balance)


def stream_line(transfer: Transfer, link: BankLink) -> XtBankTransferStream:
    return XtBankTransferStream(
        True, "", transfer.day.strftime("%Y%m%d"), transfer.time, transfer.transfer_no,
        STREAM_DIRECTION[transfer.direction], transfer.bank_no, link.bank_name, link.bank_account, MONEY_TYPE,
        transfer.account_id, to_yuan(transfer.amount), transfer.remark,
    )  # fmt: skip
