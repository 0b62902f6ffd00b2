"""Client methods for ``/api/etf/*`` and ``/api/cb/*``: ETF lists and creation/redemption lists, convertible
bonds with their terms and histories."""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["FundsMixin"]


class FundsMixin(ClientMixin):
    """ETFs and convertible bonds (可转债): ``/api/etf/*`` and ``/api/cb/*``."""

    # -- ETF ------------------------------------------------------------------------------------------------

    def get_etf_list(self) -> list[str]:
        """Codes of all ETFs, the 沪深ETF sector (``GET /api/etf/list``).

        Returns:
            The ETF codes, e.g. ``["159001.SZ", ..., "510300.SH", ...]``.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return list(self._request("GET", "/api/etf/list").get("etfs") or [])

    def get_etf_info(self, etf_code: str = "") -> dict[str, Any]:
        """Creation/redemption lists, 申赎清单 (``GET /api/etf/info``).

        Args:
            etf_code: An ETF code such as ``"510300.SH"``; empty for every ETF.

        Returns:
            For one ETF its list with xtquant's Chinese keys (``成份股信息`` holds the constituents); for all,
            ``{etf_code: list}``.

        Raises:
            BadRequestError: The code is malformed.
            NotFoundError: The server has no creation/redemption list for the code.
            NotImplementedByServerError: The server's backend has no ETF data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/etf/info", params={"etf_code": etf_code})
        return dict(response.get("data") or {})

    # -- convertible bonds ----------------------------------------------------------------------------------

    def get_cb_list(self) -> list[str]:
        """Codes of all convertible bonds, the 沪深转债 sector (``GET /api/cb/list``).

        Returns:
            The bond codes, e.g. ``["110043.SH", ..., "123001.SZ", ...]``.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return list(self._request("GET", "/api/cb/list").get("bonds") or [])

    def get_cb_info(self, cb_code: str) -> dict[str, Any]:
        """Terms of a convertible bond: conversion price, underlying, dates, size (``GET /api/cb/info``).

        Args:
            cb_code: Bond code, e.g. ``"113050.SH"``.

        Returns:
            xtquant's ``get_cb_info`` dict.

        Raises:
            BadRequestError: The code is malformed or not a convertible bond.
            NotFoundError: The code is unknown.
            NotImplementedByServerError: The server's backend has no bond data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/cb/info", params={"cb_code": cb_code})
        return dict(response.get("data") or {})

    def bnd_get_conversion_price(self, cb_code: str, start_time: str = "", end_time: str = "") -> Any:
        """History of a bond's conversion price (``GET /api/cb/bnd_get_conversion_price``).

        Args:
            cb_code: Bond code.
            start_time: First day, ``YYYYMMDD``; empty for unbounded.
            end_time: Last day, ``YYYYMMDD``; empty for unbounded.

        Returns:
            A DataFrame with one row per change, or without pandas the ``{field: [values]}`` mapping.

        Raises:
            BadRequestError: The code or a date is invalid.
            NotFoundError: The code is unknown.
            NotImplementedByServerError: The server's backend has no bond data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/cb/bnd_get_conversion_price",
            params={"cb_code": cb_code, "start_time": start_time, "end_time": end_time, "format": "columns"},
        )
        return self._frame(response.get("data"))

    def bnd_get_call_info(self, cb_code: str, start_time: str = "", end_time: str = "") -> Any:
        """A bond's call (强赎) announcements (``GET /api/cb/bnd_get_call_info``).

        Args:
            cb_code: Bond code.
            start_time: First day, ``YYYYMMDD``; empty for unbounded.
            end_time: Last day, ``YYYYMMDD``; empty for unbounded.

        Returns:
            A DataFrame with one row per announcement, or without pandas the ``{field: [values]}`` mapping.

        Raises:
            BadRequestError: The code or a date is invalid.
            NotFoundError: The code is unknown.
            NotImplementedByServerError: The server's backend has no bond data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/cb/bnd_get_call_info",
            params={"cb_code": cb_code, "start_time": start_time, "end_time": end_time, "format": "columns"},
        )
        return self._frame(response.get("data"))

    def bnd_get_put_info(self, cb_code: str, start_time: str = "", end_time: str = "") -> Any:
        """A bond's put (回售) announcements (``GET /api/cb/bnd_get_put_info``).

        Args:
            cb_code: Bond code.
            start_time: First day, ``YYYYMMDD``; empty for unbounded.
            end_time: Last day, ``YYYYMMDD``; empty for unbounded.

        Returns:
            A DataFrame with one row per announcement, or without pandas the ``{field: [values]}`` mapping.

        Raises:
            BadRequestError: The code or a date is invalid.
            NotFoundError: The code is unknown.
            NotImplementedByServerError: The server's backend has no bond data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/cb/bnd_get_put_info",
            params={"cb_code": cb_code, "start_time": start_time, "end_time": end_time, "format": "columns"},
        )
        return self._frame(response.get("data"))

    def bnd_get_amount_change(self, cb_code: str, start_time: str = "", end_time: str = "") -> Any:
        """Changes of a bond's outstanding amount as it converts (``GET /api/cb/bnd_get_amount_change``).

        Args:
            cb_code: Bond code.
            start_time: First day, ``YYYYMMDD``; empty for unbounded.
            end_time: Last day, ``YYYYMMDD``; empty for unbounded.

        Returns:
            A DataFrame with one row per change, or without pandas the ``{field: [values]}`` mapping.

        Raises:
            BadRequestError: The code or a date is invalid.
            NotFoundError: The code is unknown.
            NotImplementedByServerError: The server's backend has no bond data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/cb/bnd_get_amount_change",
            params={"cb_code": cb_code, "start_time": start_time, "end_time": end_time, "format": "columns"},
        )
        return self._frame(response.get("data"))
