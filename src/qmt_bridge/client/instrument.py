"""Client methods for ``/api/instrument/*``: contract details, types, IPOs, index weights, ST history,
xtstocktype classes."""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["InstrumentMixin"]


class InstrumentMixin(ClientMixin):
    """Instrument information: ``/api/instrument/*``."""

    def get_instrument_detail(self, stock: str, iscomplete: bool = False) -> dict[str, Any] | None:
        """Details of one instrument (via ``GET /api/instrument/detail_list``).

        Args:
            stock: Instrument code, e.g. ``"600519.SH"``.
            iscomplete: Return every field xtquant knows instead of the common subset.

        Returns:
            The detail dict (xtquant field names: ``InstrumentName``, ``PreClose``, ``UpStopPrice`` ...), or
            ``None`` when the code is unknown.

        Raises:
            BadRequestError: The code is malformed.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        details = self.get_instrument_detail_list([stock], iscomplete=iscomplete)
        if stock in details:
            return details[stock]
        # The server may normalise the code (case, whitespace); with one code asked there is one answer.
        return next(iter(details.values())) if len(details) == 1 else None

    def get_instrument_detail_list(
        self, stocks: str | list[str], iscomplete: bool = False
    ) -> dict[str, dict[str, Any] | None]:
        """Details of several instruments (``GET /api/instrument/detail_list``).

        Args:
            stocks: Instrument codes (list or comma-separated string).
            iscomplete: Return every field xtquant knows instead of the common subset.

        Returns:
            ``{code: detail}``; the value is ``None`` for an unknown code.

        Raises:
            BadRequestError: A code is malformed.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET", "/api/instrument/detail_list", params={"stocks": stocks, "iscomplete": iscomplete}
        )
        return dict(response.get("data") or {})

    def get_instrument_type(self, stock: str) -> dict[str, Any]:
        """What kind of instrument a code is (``GET /api/instrument/type``).

        Args:
            stock: Instrument code.

        Returns:
            xtquant's type flags, e.g. ``{"index": False, "stock": True, "fund": False, "etf": False, ...}``.

        Raises:
            BadRequestError: The code is malformed.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/instrument/type", params={"stock": stock})
        return dict(response.get("type") or {})

    def get_ipo_info(self, start_time: str = "", end_time: str = "") -> list[dict[str, Any]]:
        """New listings in a period (``GET /api/instrument/ipo_info``).

        Args:
            start_time: First day, ``YYYYMMDD``; empty for unbounded.
            end_time: Last day, ``YYYYMMDD``; empty for unbounded.

        Returns:
            One dict per IPO (xtquant's ``get_ipo_info`` fields).

        Raises:
            BadRequestError: A date is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET", "/api/instrument/ipo_info", params={"start_time": start_time, "end_time": end_time}
        )
        return list(response.get("data") or [])

    def get_index_weight(self, index_code: str) -> dict[str, float]:
        """Constituent weights of an index (``GET /api/instrument/index_weight``).

        Args:
            index_code: Index code, e.g. ``"000300.SH"``.

        Returns:
            ``{stock_code: weight}``.

        Raises:
            BadRequestError: The code is malformed.
            NotFoundError: The index has no weight data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/instrument/index_weight", params={"index_code": index_code})
        return dict(response.get("data") or {})

    def get_his_st_data(self, stock: str) -> dict[str, Any]:
        """Periods during which a stock was ST / *ST (``GET /api/instrument/his_st_data``).

        Args:
            stock: Stock code.

        Returns:
            xtquant's shape: ``{"ST": [[start, end], ...], "*ST": [...], ...}`` with ``YYYYMMDD`` dates,
            only the labels that occur as keys, and ``"20380119"`` as the end of a period still running;
            empty when never ST.

        Raises:
            BadRequestError: The code is malformed.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/instrument/his_st_data", params={"stock": stock})
        return dict(response.get("data") or {})

    def is_stock_type(self, stock: str, tag: int) -> bool:
        """Whether a code belongs to an ``xtstocktype`` class (``GET /api/instrument/is_stock_type``).

        Args:
            stock: Instrument code.
            tag: An ``xtquant.xtstocktype`` constant, e.g. ``101`` (XT_GE_SH_A), ``100001`` (沪深A股).

        Returns:
            ``True`` if the code is of that class.

        Raises:
            BadRequestError: The code is malformed.
            NotFoundError: The code is unknown.
            UnprocessableEntityError: ``tag`` is not a non-negative integer.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/instrument/is_stock_type", params={"stock": stock, "tag": tag})
        return bool(response.get("result"))
