"""The simulated counter's transfer calls (:mod:`.transfers`), as a part of :class:`.broker.SimBroker`.

A mixin rather than a class of its own because each call is one broker operation: under the broker's lock,
caught up with the clock, written in one transaction, its ``on_stock_asset`` push delivered in order with the
account's other events.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import TYPE_CHECKING, Any

from qmt_bridge.sim.broker import transfers
from qmt_bridge.sim.broker.money import to_yuan
from qmt_bridge.sim.broker.views import asset_view
from qmt_bridge.sim.xttype import XtBankAmount, XtBankInfo, XtBankTransferStream


class TransferDesk:
    """Bank and counter transfers of :class:`.broker.SimBroker` (whose attributes these methods use)."""

    _lock: threading.RLock
    _state: Any
    _store: Any
    _engine: Any
    clock: Any

    if TYPE_CHECKING:  # SimBroker's

        def _begin(self) -> None: ...
        def _commit(self) -> None: ...
        def _listening(self, account_id: str) -> bool: ...
        def _refresh_prices(self, account_id: str) -> None: ...

    def bank_transfer(
        self, account_id: str, direction: int, bank_no: str, bank_account: str, amount: float
    ) -> tuple[bool, str]:
        """``bank_transfer_in`` (``direction`` 501) / ``_out`` (502): ``(success, msg)``."""
        return self._transfer(
            account_id,
            lambda account, link, now: transfers.bank_transfer(
                account, link, direction, bank_no, bank_account, amount, now
            ),
            direction,
        )

    def fund_transfer(self, account_id: str, direction: int, amount: float) -> tuple[bool, str]:
        """``fund_transfer`` between the ordinary counter and the account's cash: ``(success, msg)``."""
        return self._transfer(
            account_id,
            lambda account, link, _: transfers.counter_transfer(account, link, direction, amount),
            direction,
        )

    def _transfer(self, account_id: str, move: Any, direction: int) -> tuple[bool, str]:
        with self._lock:
            self._begin()
            account = self._state.accounts.get(account_id)
            if account is None:
                self._commit()
                return False, f"资金账号不存在 (unknown account {account_id!r})"
            link = self._state.link(account_id)
            now = self.clock.now()
            ok, msg, li = move(account, link, now)
            if ok:
                number = self._state.new_transfer_no()
                bank_no = link.bank_no if direction in transfers.STREAM_DIRECTION else ""
                self._state.touch(
                    account, link, transfers.record(number, account_id, direction, li, bank_no, msg, now)
                )
                if self._listening(account_id):
                    self._refresh_prices(account_id)
                    asset = asset_view(account, self._state.holdings(account_id))
                    self._engine.outbox.append((account_id, "on_stock_asset", asset, None))
            self._commit()
            return ok, msg

    def bank_infos(self, account_id: str) -> list[XtBankInfo]:
        """``query_bank_info``: the account's bound bank (empty for an unknown account)."""
        return self._with_link(account_id, lambda link: [transfers.bank_info(link)], [])

    def bank_amounts(self, account_id: str, bank_no: str, bank_account: str) -> list[XtBankAmount]:
        """``query_bank_amount``: the bound bank's balance; empty when ``bank_no``/``bank_account`` is not
        the bound one."""

        def amount(link: transfers.BankLink) -> list[XtBankAmount]:
            if str(bank_no) != link.bank_no or (bank_account and str(bank_account) != link.bank_account):
                return []
            return [transfers.bank_amount(link, account_id)]

        return self._with_link(account_id, amount, [])

    def bank_stream(self, account_id: str, first: str, last: str) -> list[XtBankTransferStream]:
        """``query_bank_transfer_stream`` from ``first`` to ``last`` (YYYYMMDD, inclusive)."""
        try:
            start, end = (dt.datetime.strptime(str(day), "%Y%m%d").date() for day in (first, last))
        except ValueError:  # as a counter answers a malformed query: nothing
            start = end = None

        def stream(link: transfers.BankLink) -> list[XtBankTransferStream]:
            if start is None or end is None:
                return []
            found = self._store.transfers(account_id, start, end)
            return [
                transfers.stream_line(t, link) for t in found if t.direction in transfers.STREAM_DIRECTION
            ]

        return self._with_link(account_id, stream, [])

    def counter_balance(self, account_id: str) -> float | None:
        """CNY at the account's ordinary counter (普通柜台); None for an unknown account."""
        return self._with_link(account_id, lambda link: to_yuan(link.counter_balance), None)

    def _with_link(self, account_id: str, read: Any, missing: Any) -> Any:
        """``read(the account's bank link)`` as one broker operation; ``missing`` for an unknown account."""
        with self._lock:
            self._begin()
            if account_id not in self._state.accounts:
                self._commit()
                return missing
            link = self._state.link(account_id)
            self._commit()
            return read(link)
