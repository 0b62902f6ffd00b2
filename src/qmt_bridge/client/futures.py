"""Client methods for ``/api/futures/*``: main and second-main contracts, tradable contracts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["FuturesMixin"]

_SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _day(value: Any) -> str:
    """A change's date as ``YYYYMMDD``: xtquant stamps it in ms (00:00 Shanghai time) and the server passes
    that on as a string; a ``YYYYMMDD`` value is kept."""
    text = str(value)
    if text.isdigit() and len(text) >= 12:
        return dt.datetime.fromtimestamp(int(text) / 1000, _SHANGHAI).strftime("%Y%m%d")
    return text


def _main_answer(response: dict[str, Any]) -> str | list[dict[str, str]] | None:
    if "changes" in response:
        return [
            {"date": _day(row["date"]), "contract": str(row["contract"])} for row in response["changes"] or []
        ]
    contract: str | None = response.get("contract")
    return contract


class FuturesMixin(ClientMixin):
    """Futures (期货): ``/api/futures/*``."""

    def get_main_contract(
        self, code_market: str, start_time: str = "", end_time: str = ""
    ) -> str | list[dict[str, str]] | None:
        """The main contract (主力合约) now, on a day, or its changes over a range
        (``GET /api/futures/main_contract``).

        Args:
            code_market: The product: ``"IF00.IF"``, ``"IF.IF"``, ``"IF.CFE"``, ``"rb.SHFE"`` ...
            start_time: ``YYYYMMDD``: the main contract on that day; empty for today.
            end_time: ``YYYYMMDD``: with ``start_time``, every change of the main contract in the range.

        Returns:
            The contract code such as ``"IF2512.IF"`` (``None`` when there is none); for a range, a list of
            ``{"date": "YYYYMMDD", "contract": code}``: the main contract on ``start_time``'s day, then each
            change.

        Raises:
            BadRequestError: The product or a date is invalid.
            NotFoundError: The product is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/futures/main_contract",
            params={"code_market": code_market, "start_time": start_time, "end_time": end_time},
        )
        return _main_answer(response)

    def get_sec_main_contract(
        self, code_market: str, start_time: str = "", end_time: str = ""
    ) -> str | list[dict[str, str]] | None:
        """The second-main contract (次主力合约), shaped like :meth:`get_main_contract`
        (``GET /api/futures/sec_main_contract``).

        Args:
            code_market: The product: ``"IF00.IF"``, ``"IF.IF"``, ``"IF.CFE"`` ...
            start_time: ``YYYYMMDD``: the second-main contract on that day; empty for today.
            end_time: ``YYYYMMDD``: with ``start_time``, every change in the range.

        Returns:
            The contract code (``None`` when there is none), or for a range a list of
            ``{"date": "YYYYMMDD", "contract": code}``.

        Raises:
            BadRequestError: The product or a date is invalid.
            NotFoundError: The product is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/futures/sec_main_contract",
            params={"code_market": code_market, "start_time": start_time, "end_time": end_time},
        )
        return _main_answer(response)

    def get_trading_contract_list(self, code_market: str, date: str = "") -> list[str]:
        """Contracts of a product tradable on a day (``GET /api/futures/trading_contract_list``).

        Args:
            code_market: The product: ``"IF00.IF"``, ``"IF.IF"``, ``"IF.CFE"`` ...
            date: The day, ``YYYYMMDD``; empty for today.

        Returns:
            The contract codes, nearest expiry first.

        Raises:
            BadRequestError: The product or the date is invalid.
            NotFoundError: The product is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET", "/api/futures/trading_contract_list", params={"code_market": code_market, "date": date}
        )
        return list(response.get("contracts") or [])
