"""Client methods for ``/api/calendar/*``: trading days, holidays, sessions and bar-cutting rules."""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["CalendarMixin"]


class CalendarMixin(ClientMixin):
    """Trading calendar: ``/api/calendar/*``."""

    def get_trading_dates(
        self, market: str, start_time: str = "", end_time: str = "", count: int = -1
    ) -> list[int]:
        """Trading days of a market (``GET /api/calendar/trading_dates``).

        Args:
            market: Market code: ``SH``, ``SZ``, ``BJ`` ...
            start_time: First day, ``YYYYMMDD``; empty for unbounded.
            end_time: Last day, ``YYYYMMDD``; empty for unbounded.
            count: Number of most recent days; ``-1`` for all.

        Returns:
            Trading days as ms timestamps (midnight Shanghai time, as xtquant returns them), ascending.

        Raises:
            BadRequestError: The market or a date is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/calendar/trading_dates",
            params={"market": market, "start_time": start_time, "end_time": end_time, "count": count},
        )
        return list(response.get("dates") or [])

    def get_holidays(self) -> list[str]:
        """Exchange holidays (``GET /api/calendar/holidays``).

        Returns:
            Holidays as ``YYYYMMDD`` strings, ascending.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/calendar/holidays")
        return list(response.get("holidays") or [])

    def get_trading_calendar(self, market: str, start_time: str = "", end_time: str = "") -> list[str]:
        """Full trading calendar, future days included (``GET /api/calendar/trading_calendar``).

        Args:
            market: Market code.
            start_time: First day, ``YYYYMMDD``; empty for unbounded.
            end_time: Last day, ``YYYYMMDD``; empty for unbounded.

        Returns:
            Trading days as ``YYYYMMDD`` strings, ascending.

        Raises:
            BadRequestError: The market or a date is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/calendar/trading_calendar",
            params={"market": market, "start_time": start_time, "end_time": end_time},
        )
        return list(response.get("calendar") or [])

    def get_trading_period(self, stock: str) -> Any:
        """Trading sessions of an instrument (``GET /api/calendar/trading_period``).

        Args:
            stock: Instrument code.

        Returns:
            The sessions as the server reports them (xtquant's ``get_trading_time`` shape).

        Raises:
            BadRequestError: The code is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/calendar/trading_period", params={"stock": stock})
        return response.get("periods")

    def is_trading_date(self, market: str, date: str) -> bool:
        """Whether a day is a trading day (``GET /api/calendar/is_trading_date``).

        Args:
            market: Market code.
            date: The day, ``YYYYMMDD``.

        Returns:
            ``True`` if the market trades that day.

        Raises:
            BadRequestError: The market or the date is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET", "/api/calendar/is_trading_date", params={"market": market, "date": date}
        )
        return bool(response.get("is_trading"))

    def get_prev_trading_date(self, market: str, date: str = "") -> str | None:
        """The trading day before a day (``GET /api/calendar/prev_trading_date``).

        Args:
            market: Market code.
            date: Reference day, ``YYYYMMDD``; empty for today.

        Returns:
            ``YYYYMMDD``, or ``None`` when the calendar has no earlier day.

        Raises:
            BadRequestError: The market or the date is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET", "/api/calendar/prev_trading_date", params={"market": market, "date": date}
        )
        day: str | None = response.get("prev_trading_date")
        return day

    def get_next_trading_date(self, market: str, date: str = "") -> str | None:
        """The trading day after a day (``GET /api/calendar/next_trading_date``).

        Args:
            market: Market code.
            date: Reference day, ``YYYYMMDD``; empty for today.

        Returns:
            ``YYYYMMDD``, or ``None`` when the calendar has no later day.

        Raises:
            BadRequestError: The market or the date is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET", "/api/calendar/next_trading_date", params={"market": market, "date": date}
        )
        day: str | None = response.get("next_trading_date")
        return day

    def get_coming_trading_calendar(self, market: str, start_time: str = "", end_time: str = "") -> list[str]:
        """Future trading days (``GET /api/calendar/coming_trading_calendar``).

        Args:
            market: ``SH`` or ``SZ``.
            start_time: First day, ``YYYYMMDD``; empty for tomorrow.
            end_time: Last day, ``YYYYMMDD``; must lie within the server's holiday data.

        Returns:
            Trading days as ``YYYYMMDD`` strings, ascending.

        Raises:
            BadRequestError: The market or a date is invalid, or ``end_time`` is past the holiday data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/calendar/coming_trading_calendar",
            params={"market": market, "start_time": start_time, "end_time": end_time},
        )
        return list(response.get("calendar") or [])

    def get_kline_trading_period(self, stock: str) -> dict[str, Any]:
        """How bars are cut for an instrument (``GET /api/calendar/kline_trading_period``).

        Args:
            stock: Instrument code.

        Returns:
            xtquant's ``get_kline_trading_period`` answer: ``{"market", "codeRegex", "product", "category",
            "tradings": [{"type": "auction" | "continuous", "bartime": [...]}, ...]}``.

        Raises:
            BadRequestError: The code is malformed.
            NotFoundError: The code is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/calendar/kline_trading_period", params={"stock": stock})
        return dict(response.get("periods") or {})

    def get_all_trading_periods(self) -> list[dict[str, Any]]:
        """Trading sessions of every market (``GET /api/calendar/all_trading_periods``).

        Returns:
            One entry per market and product class: ``{"market", "codeRegex", "product", "category",
            "tradings": [{"status", "time"}, ...]}``.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return list(self._request("GET", "/api/calendar/all_trading_periods").get("data") or [])

    def get_all_kline_trading_periods(self) -> list[dict[str, Any]]:
        """Bar-cutting rules of every market (``GET /api/calendar/all_kline_trading_periods``).

        Returns:
            One entry per market and product class, shaped like :meth:`get_kline_trading_period`.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return list(self._request("GET", "/api/calendar/all_kline_trading_periods").get("data") or [])
