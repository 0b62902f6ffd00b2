"""xttrader's credit queries (信用相关查询接口) on the simulated trader: ``query_credit_detail``,
``query_stk_compacts``, ``query_credit_subjects``, ``query_credit_slo_code``, ``query_credit_assure`` and
their ``_async`` forms. The rules are the simulated counter's (:mod:`qmt_bridge.sim.broker.credit` and its
siblings).

As xtquant's: each answers a list of objects (``XtCreditDetail``, ``StkCompacts``, ``CreditSubjects``,
``CreditSloCode``, ``CreditAssure``), or None when the query fails (the doc: "None表示查询失败"): a trader
that is not connected, an account it has not subscribed (with its own type), or a stock account. An empty
list is an empty answer. The ``_async`` forms return a seq (> 0; -1 before ``start()``) and later call
``callback(answer)`` on the trader's push thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qmt_bridge.sim import xtconstant


class CreditCalls:
    """Mixed into :class:`qmt_bridge.sim.xttrader.XtQuantTrader`."""

    _broker: Any

    if TYPE_CHECKING:  # XtQuantTrader's

        def _query(self, account: Any, ask: Callable[[str], Any], failed: Any) -> Any: ...
        def _query_async(self, compute: Callable[[], Any], callback: Callable[[Any], Any]) -> int: ...

    def _credit_query(self, account: Any, ask: Callable[[str], Any]) -> Any:
        if getattr(account, "account_type", None) != xtconstant.CREDIT_ACCOUNT:
            return None
        return self._query(account, ask, None)

    def query_credit_detail(self, account: Any) -> Any:
        """``[XtCreditDetail]``: the credit account's assets, debt, quotas and margin."""
        return self._credit_query(account, self._broker.credit_detail)

    def query_stk_compacts(self, account: Any) -> Any:
        """``[StkCompacts]``: the account's debt contracts (open ones, and those closed today)."""
        return self._credit_query(account, self._broker.stk_compacts)

    def query_credit_subjects(self, account: Any) -> Any:
        """``[CreditSubjects]``: today's margin-trading subjects."""
        return self._credit_query(account, self._broker.credit_subjects)

    def query_credit_slo_code(self, account: Any) -> Any:
        """``[CreditSloCode]``: what the counter can lend now, per subject."""
        return self._credit_query(account, self._broker.credit_slo_codes)

    def query_credit_assure(self, account: Any) -> Any:
        """``[CreditAssure]``: today's collateral and their 折算率."""
        return self._credit_query(account, self._broker.credit_assures)

    def query_credit_detail_async(self, account: Any, callback: Callable[[Any], Any]) -> int:
        return self._query_async(lambda: self.query_credit_detail(account), callback)

    def query_stk_compacts_async(self, account: Any, callback: Callable[[Any], Any]) -> int:
        return self._query_async(lambda: self.query_stk_compacts(account), callback)

    def query_credit_subjects_async(self, account: Any, callback: Callable[[Any], Any]) -> int:
        return self._query_async(lambda: self.query_credit_subjects(account), callback)

    def query_credit_slo_code_async(self, account: Any, callback: Callable[[Any], Any]) -> int:
        return self._query_async(lambda: self.query_credit_slo_code(account), callback)

    def query_credit_assure_async(self, account: Any, callback: Callable[[Any], Any]) -> int:
        return self._query_async(lambda: self.query_credit_assure(account), callback)
