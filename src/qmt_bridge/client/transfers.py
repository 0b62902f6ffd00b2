"""Fund and bank transfers (资金划转, 银证转账): ``/api/fund/*`` and ``/api/bank/*``.

The method names of qmt-bridge 2.1.3's client where it had one (``fund_transfer``, ``bank_transfer_in``,
``query_bound_banks`` ...), plus :meth:`TransfersMixin.bank_transfer` and
:meth:`TransfersMixin.query_fund_history` for the seed's paths. Like the trading methods they need the API
key or request signing, and they return what the server's answer holds under ``data``.
"""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin
from qmt_bridge.client.trading import trading_doc

__all__ = ["TransfersMixin"]

_MOVES = (
    ".\n            UnprocessableEntityError: An amount that is not positive, has more than 2 decimals or is above 1e10"
    ".\n            ConflictError: The counter refused the transfer (``code`` ``transfer_refused``, its message"
    " in ``message``), or more than the withdrawable cash would leave (``insufficient_funds``, nothing"
    " sent).\n            GatewayTimeoutError: The trader did not answer: the transfer's outcome is unknown"
    " (see :meth:`query_fund_history` before trying again)"
)


class TransfersMixin(ClientMixin):
    """``/api/fund/*`` and ``/api/bank/*``."""

    def fund_transfer(self, transfer_direction: int, amount: float, account_id: str = "") -> dict[str, Any]:
        return self._request(
            "POST",
            "/api/fund/transfer",
            json={"transfer_direction": transfer_direction, "amount": amount, "account_id": account_id},
        )["data"]

    fund_transfer.__doc__ = trading_doc(
        """资金划转 (``POST /api/fund/transfer``, xttrader.fund_transfer).

        Args:
            transfer_direction: 510 普通柜台→极速柜台, 511 极速柜台→普通柜台, 512 上海节点→深圳节点,
                513 深圳节点→上海节点 (``xtconstant.FUNDS_TRANSFER_*``).
            amount: CNY, at most 2 decimals.
            account_id: Empty for the server's first account.

        Returns:
            The transfer's record: ``transfer_id``, ``state`` ``"done"``, ``msg`` (the counter's),
            ``amount``, ``direction``, ``date``, ``at`` ...""",
        _MOVES,
    )

    def bank_transfer(
        self,
        direction: str,
        amount: float,
        bank_no: str = "",
        bank_account: str = "",
        bank_pwd: str = "",
        fund_pwd: str = "",
        account_id: str = "",
    ) -> dict[str, Any]:
        return self._request(
            "POST",
            "/api/bank/transfer",
            json={
                "direction": direction,
                "amount": amount,
                "bank_no": bank_no,
                "bank_account": bank_account,
                "bank_pwd": bank_pwd,
                "fund_pwd": fund_pwd,
                "account_id": account_id,
            },  # fmt: skip
        )["data"]

    bank_transfer.__doc__ = trading_doc(
        """银证转账 (``POST /api/bank/transfer``, xttrader.bank_transfer_in / bank_transfer_out).

        Args:
            direction: ``"in"`` bank → securities, ``"out"`` securities → bank (at most the withdrawable
                cash).
            amount: CNY, at most 2 decimals.
            bank_no: The bank's number (:meth:`query_bound_banks`); empty for the account's first bank.
            bank_account: The bank account number; empty with ``bank_no`` empty.
            bank_pwd: The bank password, when the counter asks for one (sent to the counter only).
            fund_pwd: The account's fund password, when the counter asks for one.
            account_id: Empty for the server's first account.

        Returns:
            The transfer's record (``transfer_id``, ``state`` ``"done"``, ``msg`` ...).""",
        _MOVES,
    )

    def bank_transfer_in(self, amount: float, bank_code: str = "", account_id: str = "") -> dict[str, Any]:
        return self._request(
            "POST",
            "/api/bank/transfer_in",
            json={"amount": amount, "bank_code": bank_code, "account_id": account_id},
        )["data"]

    bank_transfer_in.__doc__ = trading_doc(
        """Bank → securities (``POST /api/bank/transfer_in``, qmt-bridge 2.1.3's call).

        Args:
            amount: CNY, at most 2 decimals.
            bank_code: The bank's number; empty for the account's first bound bank.
            account_id: Empty for the server's first account.

        Returns:
            The transfer's record.""",
        _MOVES,
    )

    def bank_transfer_out(self, amount: float, bank_code: str = "", account_id: str = "") -> dict[str, Any]:
        return self._request(
            "POST",
            "/api/bank/transfer_out",
            json={"amount": amount, "bank_code": bank_code, "account_id": account_id},
        )["data"]

    bank_transfer_out.__doc__ = trading_doc(
        """Securities → bank (``POST /api/bank/transfer_out``, qmt-bridge 2.1.3's call), at most the
        withdrawable cash.

        Args:
            amount: CNY, at most 2 decimals.
            bank_code: The bank's number; empty for the account's first bound bank.
            account_id: Empty for the server's first account.

        Returns:
            The transfer's record.""",
        _MOVES,
    )

    def query_fund_history(
        self, account_id: str = "", start_date: str = "", end_date: str = ""
    ) -> list[dict[str, Any]]:
        params = {"account_id": account_id, "start_date": start_date, "end_date": end_date}
        return self._request("GET", "/api/fund/history", params=params)["data"]

    query_fund_history.__doc__ = trading_doc(
        """划转记录: the transfers asked through the server (``GET /api/fund/history``), newest first.

        Args:
            account_id: Empty for the server's first account.
            start_date: ``YYYYMMDD``; empty: 30 days before ``end_date``.
            end_date: ``YYYYMMDD``, inclusive; empty: today.

        Returns:
            One record per transfer: ``transfer_id``, ``kind`` (bank_in, bank_out, fund), ``amount``,
            ``state`` (done, refused, unknown, not_sent, pending), ``msg``, ``date``, ``at``.""",
        ".\n            BadRequestError: A date that is not YYYYMMDD, or a start after the end",
    )

    def query_transfer_records(self, account_id: str = "") -> list[dict[str, Any]]:
        return self._request("GET", "/api/fund/transfer_records", params={"account_id": account_id})["data"]

    query_transfer_records.__doc__ = trading_doc(
        """The last 30 days of :meth:`query_fund_history` (``GET /api/fund/transfer_records``, 2.1.3's name).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            The transfer records, newest first."""
    )

    def query_available_fund(self, account_id: str = "") -> dict[str, Any] | None:
        return self._request("GET", "/api/fund/available", params={"account_id": account_id})["data"]

    query_available_fund.__doc__ = trading_doc(
        """The account's cash and totals (``GET /api/fund/available``, 2.1.3's name of the asset).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            ``cash`` (available), ``frozen_cash``, ``market_value``, ``total_asset``, ``fetch_balance``
            (withdrawable)."""
    )

    def query_bound_banks(self, account_id: str = "") -> list[dict[str, Any]]:
        return self._request("GET", "/api/bank/banks", params={"account_id": account_id})["data"]

    query_bound_banks.__doc__ = trading_doc(
        """The bank accounts bound to the account (``GET /api/bank/banks``, xttrader.query_bank_info).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            One dict per bank: ``bank_no``, ``bank_account``, ``bank_name``, ``money_type``."""
    )

    def query_bank_balance(
        self, account_id: str = "", bank_no: str = "", bank_account: str = ""
    ) -> dict[str, Any] | None:
        params = {"account_id": account_id, "bank_no": bank_no, "bank_account": bank_account}
        return self._request("GET", "/api/bank/balance", params=params)["data"]

    query_bank_balance.__doc__ = trading_doc(
        """A bound bank account's balance (``GET /api/bank/balance``, xttrader.query_bank_amount).

        Args:
            account_id: Empty for the server's first account.
            bank_no: Empty for the account's first bound bank.
            bank_account: The bank account number; empty with ``bank_no`` empty.

        Returns:
            ``bank_no``, ``balance``, ``enable_balance`` (what may come in) ...; None when the counter has
            none.""",
        ".\n            ConflictError: The account has no bound bank (``no_bound_bank``)",
    )

    def query_bank_transfer_records(
        self, account_id: str = "", start_date: str = "", end_date: str = ""
    ) -> list[dict[str, Any]]:
        params = {"account_id": account_id, "start_date": start_date, "end_date": end_date}
        return self._request("GET", "/api/bank/transfer_records", params=params)["data"]

    query_bank_transfer_records.__doc__ = trading_doc(
        """The counter's record of bank transfers (``GET /api/bank/transfer_records``,
        xttrader.query_bank_transfer_stream), transfers made elsewhere included.

        Args:
            account_id: Empty for the server's first account.
            start_date: ``YYYYMMDD``; empty: 30 days before ``end_date``.
            end_date: ``YYYYMMDD``, inclusive; empty: today.

        Returns:
            One dict per transfer: ``date``, ``time``, ``transfer_no``, ``transfer_direction`` ('1' in,
            '2' out), ``balance`` (the amount), ``remark`` ...""",
        ".\n            BadRequestError: A date that is not YYYYMMDD, or a start after the end",
    )

    def query_bank_available(self, account_id: str = "") -> dict[str, Any]:
        return self._request("GET", "/api/bank/available_amount", params={"account_id": account_id})["data"]

    query_bank_available.__doc__ = trading_doc(
        """What can move (``GET /api/bank/available_amount``).

        Args:
            account_id: Empty for the server's first account.

        Returns:
            ``withdrawable`` (CNY that may leave), ``bank_no`` and ``bank_enable_balance`` (CNY that may
            come in from the first bound bank)."""
    )

    def query_bank_transfer_status(self, transfer_id: int, account_id: str = "") -> dict[str, Any]:
        params = {"transfer_id": int(transfer_id), "account_id": account_id}
        return self._request("GET", "/api/bank/status", params=params)["data"]

    query_bank_transfer_status.__doc__ = trading_doc(
        """One transfer asked through the server, with its state (``GET /api/bank/status``).

        Args:
            transfer_id: The ``transfer_id`` a transfer answered.
            account_id: Empty for the server's first account.

        Returns:
            The transfer's record.""",
        ", or it has no such transfer",
    )
