"""xttrader's transfer calls on the simulated trader: bank transfers (银证转账), counter transfers (资金划拨),
the bound bank's information, balance and transfer stream. The rules are the simulated counter's
(:mod:`qmt_bridge.sim.broker.transfers`).

As xtquant's: the sync calls answer ``(success, msg)``, the async ones a seq (> 0, or -1) and later
``on_bank_transfer_async_response(XtBankTransferResponse)``; the queries answer lists of objects. A trader
that is not connected, or an account it has not subscribed, gets ``(False, msg)``, -1 or ``[]``. Passwords
are taken and ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qmt_bridge.sim.broker import BrokerClosed
from qmt_bridge.sim.broker.transfers import BANK_IN, BANK_OUT
from qmt_bridge.sim.xttype import XtBankTransferResponse

NOT_USABLE = "资金账号不可用 (the trader is not connected, or has not subscribed the account)"


class TransferCalls:
    """Mixed into :class:`qmt_bridge.sim.xttrader.XtQuantTrader`."""

    _broker: Any
    _seq: Any

    if TYPE_CHECKING:  # XtQuantTrader's

        def _account_id(self, account: Any, subscribed: bool = True) -> str | None: ...
        def _job(self, function: Callable[[], None]) -> None: ...
        def _respond(self, name: str, response: Any) -> None: ...
        def _query(self, account: Any, ask: Callable[[str], Any], failed: Any) -> Any: ...

    def fund_transfer(self, account: Any, transfer_direction: int, price: float) -> tuple[bool, str]:
        """Move ``price`` CNY between the ordinary and the speed counter (510 / 511); 512 / 513 refused."""
        return self._moved(account, lambda a: self._broker.fund_transfer(a, transfer_direction, price))

    def bank_transfer_in(
        self,
        account: Any,
        bank_no: str,
        bank_account: str,
        balance: float,
        bank_pwd: str = "",
        fund_pwd: str = "",
    ) -> tuple[bool, str]:
        """Bank to securities (银行转证券)."""
        return self._bank(account, BANK_IN, bank_no, bank_account, balance)

    def bank_transfer_out(
        self,
        account: Any,
        bank_no: str,
        bank_account: str,
        balance: float,
        bank_pwd: str = "",
        fund_pwd: str = "",
    ) -> tuple[bool, str]:
        """Securities to bank (证券转银行): at most the withdrawable cash."""
        return self._bank(account, BANK_OUT, bank_no, bank_account, balance)

    def bank_transfer_in_async(
        self,
        account: Any,
        bank_no: str,
        bank_account: str,
        balance: float,
        bank_pwd: str = "",
        fund_pwd: str = "",
    ) -> int:
        return self._bank_async(account, BANK_IN, bank_no, bank_account, balance)

    def bank_transfer_out_async(
        self,
        account: Any,
        bank_no: str,
        bank_account: str,
        balance: float,
        bank_pwd: str = "",
        fund_pwd: str = "",
    ) -> int:
        return self._bank_async(account, BANK_OUT, bank_no, bank_account, balance)

    def query_bank_info(self, account: Any) -> Any:
        return self._query(account, self._broker.bank_infos, [])

    def query_bank_amount(self, account: Any, bank_no: str, bank_account: str, bank_pwd: str) -> Any:
        return self._query(account, lambda a: self._broker.bank_amounts(a, bank_no, bank_account), [])

    def query_bank_transfer_stream(
        self, account: Any, start_date: str, end_date: str, bank_no: str = "", bank_account: str = ""
    ) -> Any:
        def stream(account_id: str) -> list[Any]:
            lines = self._broker.bank_stream(account_id, start_date, end_date)
            return [
                line
                for line in lines
                if (not bank_no or line.bank_no == str(bank_no))
                and (not bank_account or line.bank_account == str(bank_account))
            ]

        return self._query(account, stream, [])

    # --- machinery ------------------------------------------------------------------------------------

    def _bank(
        self, account: Any, direction: int, bank_no: str, bank_account: str, balance: float
    ) -> tuple[bool, str]:
        return self._moved(
            account, lambda a: self._broker.bank_transfer(a, direction, bank_no, bank_account, balance)
        )

    def _moved(self, account: Any, move: Callable[[str], tuple[bool, str]]) -> tuple[bool, str]:
        account_id = self._account_id(account)
        if account_id is None:
            return False, NOT_USABLE
        try:
            return move(account_id)
        except BrokerClosed:
            return False, NOT_USABLE

    def _bank_async(
        self, account: Any, direction: int, bank_no: str, bank_account: str, balance: float
    ) -> int:
        if self._account_id(account) is None:
            return -1
        seq = next(self._seq)

        def run() -> None:
            success, msg = self._bank(account, direction, bank_no, bank_account, balance)
            self._respond("on_bank_transfer_async_response", XtBankTransferResponse(seq, success, msg))

        self._job(run)
        return seq
