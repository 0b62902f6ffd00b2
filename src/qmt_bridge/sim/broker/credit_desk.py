"""The simulated counter's credit calls (融资融券 queries and lines), as a part of :class:`.broker.SimBroker`.

A mixin, as :mod:`.transfer_desk`: each call is one broker operation (under the lock, caught up with the
clock, written in one transaction). The queries answer what xttrader's ``query_credit_*`` /
``query_stk_compacts`` answer (:mod:`.credit_views`), None for an account that is unknown or not a credit
account; the rules are in :mod:`.credit`, :mod:`.credit_universe`, :mod:`.credit_margin` and
:mod:`.credit_orders`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker.credit_views import (
    assure_view,
    compact_view,
    credit_detail_view,
    slo_code_view,
    subject_view,
)
from qmt_bridge.sim.broker.money import to_li, to_yuan
from qmt_bridge.sim.xttype import CreditAssure, CreditSloCode, CreditSubjects, StkCompacts, XtCreditDetail


class CreditDesk:
    """Credit queries and lines of :class:`.broker.SimBroker` (whose attributes these methods use)."""

    _lock: threading.RLock
    _state: Any
    _engine: Any
    clock: Any

    if TYPE_CHECKING:  # SimBroker's

        def _begin(self) -> None: ...
        def _commit(self) -> None: ...

    def account_type(self, account_id: str) -> int | None:
        """The account's type (2 stock, 3 credit), None for an unknown account."""
        with self._lock:
            account = self._state.accounts.get(account_id)
            return None if account is None else account.account_type

    def _credit(self, account_id: str, read: Any) -> Any:
        with self._lock:
            self._begin()
            account = self._state.accounts.get(account_id)
            if account is None or account.account_type != xc.CREDIT_ACCOUNT:
                self._commit()
                return None
            answer = read()
            self._commit()
            return answer

    def credit_detail(self, account_id: str) -> list[XtCreditDetail] | None:
        """``query_credit_detail``: one ``XtCreditDetail`` at last prices."""

        def read() -> list[XtCreditDetail]:
            numbers = self._engine.credit.numbers(account_id)
            return [credit_detail_view(account_id, numbers, int(self.clock.now().timestamp()))]

        return self._credit(account_id, read)

    def stk_compacts(self, account_id: str) -> list[StkCompacts] | None:
        """``query_stk_compacts``: open compacts and those closed today, oldest first."""
        return self._credit(
            account_id, lambda: [compact_view(c) for c in self._state.compacts_of(account_id)]
        )

    def credit_subjects(self, account_id: str) -> list[CreditSubjects] | None:
        """``query_credit_subjects``: today's subjects, by code."""
        universe = self._engine.credit.universe
        return self._credit(account_id, lambda: [subject_view(account_id, s) for s in universe.subjects()])

    def credit_slo_codes(self, account_id: str) -> list[CreditSloCode] | None:
        """``query_credit_slo_code``: what the counter can lend of each subject with lending open, now."""
        credit = self._engine.credit

        def read() -> list[CreditSloCode]:
            return [
                slo_code_view(account_id, s.code, credit.lendable(s.code))
                for s in credit.universe.subjects()
                if s.slo_status == 48
            ]

        return self._credit(account_id, read)

    def credit_assures(self, account_id: str) -> list[CreditAssure] | None:
        """``query_credit_assure``: today's collateral and their 折算率, by code."""
        universe = self._engine.credit.universe
        return self._credit(
            account_id, lambda: [assure_view(account_id, c, r) for c, r in universe.collateral()]
        )

    def credit_lines(self, account_id: str) -> tuple[float, float] | None:
        """(融资授信额度, 融券授信额度) in CNY, None for an account that is not a credit account."""
        with self._lock:
            line = self._state.credit.get(account_id)
            return None if line is None else (to_yuan(line.fin_max), to_yuan(line.slo_max))

    def set_credit_lines(
        self, account_id: str, fin_quota: float | None = None, slo_quota: float | None = None
    ) -> None:
        """Set a credit account's lines (CNY; None leaves one as it is), as a broker's credit desk does.
        Debt already above a new line stays; new financing or lending waits until it is back under the line.
        ``KeyError`` for an account that is not a credit account, ``ValueError`` for a negative line."""
        for value in (fin_quota, slo_quota):
            if value is not None and value < 0:
                raise ValueError("credit lines must not be negative")
        with self._lock:
            self._begin()
            line = self._state.credit.get(account_id)
            if line is None:
                raise KeyError(f"not a credit account: {account_id!r}")
            if fin_quota is not None:
                line.fin_max = to_li(fin_quota)
            if slo_quota is not None:
                line.slo_max = to_li(slo_quota)
            self._state.touch(line)
            self._commit()
