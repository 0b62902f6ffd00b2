"""Client methods for the legacy endpoints ``/api/history``, ``/api/batch_history`` and friends."""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["LegacyMixin"]


class LegacyMixin(ClientMixin):
    """The six backward-compatible endpoints directly under ``/api``."""

    def get_history(
        self,
        stock: str,
        period: str = "1d",
        count: int = 100,
        fields: str | list[str] | None = None,
        start_time: str = "",
        end_time: str = "",
        dividend_type: str = "none",
    ) -> Any:
        """K-line history of one stock (``GET /api/history``).

        Args:
            stock: Stock code, e.g. ``"000001.SZ"``.
            period: Bar period: ``tick``, ``1m``, ``5m``, ``15m``, ``30m``, ``60m``, ``1d``, ``1w``, ``1mon`` ...
            count: Number of most recent bars; ``-1`` for all within the time range.
            fields: Fields to return (list or comma-separated string); ``None`` for all.
            start_time: Start, ``YYYYMMDD`` or ``YYYYMMDDhhmmss``; empty for unbounded.
            end_time: End, same format; empty for unbounded.
            dividend_type: Price adjustment: ``none``, ``front``, ``back``, ``front_ratio``, ``back_ratio``.

        Returns:
            A DataFrame indexed by Shanghai time (``time`` kept as a column, ms since epoch), or without
            pandas the ``{field: [values]}`` mapping.

        Raises:
            BadRequestError: The code, period or a date is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/history",
            params={
                "stock": stock,
                "period": period,
                "count": count,
                "fields": fields,
                "start_time": start_time,
                "end_time": end_time,
                "dividend_type": dividend_type,
                "format": "columns",
            },
        )
        return self._frame(response.get("data"))

    def get_batch_history(
        self,
        stocks: str | list[str],
        period: str = "1d",
        count: int = 100,
        fields: str | list[str] | None = None,
        start_time: str = "",
        end_time: str = "",
        dividend_type: str = "none",
    ) -> dict[str, Any]:
        """K-line history of several stocks (``GET /api/batch_history``).

        Args:
            stocks: Stock codes (list or comma-separated string).
            period: Bar period, as in :meth:`get_history`.
            count: Number of most recent bars per stock; ``-1`` for all within the time range.
            fields: Fields to return; ``None`` for the endpoint's default: time, open, high, low, close,
                volume, amount.
            start_time: Start, ``YYYYMMDD`` or ``YYYYMMDDhhmmss``; empty for unbounded.
            end_time: End, same format; empty for unbounded.
            dividend_type: Price adjustment, as in :meth:`get_history`.

        Returns:
            ``{code: DataFrame}``, or without pandas ``{code: {field: [values]}}``.

        Raises:
            BadRequestError: A code, the period or a date is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/batch_history",
            params={
                "stocks": stocks,
                "period": period,
                "count": count,
                "fields": fields,
                "start_time": start_time,
                "end_time": end_time,
                "dividend_type": dividend_type,
                "format": "columns",
            },
        )
        return self._frames(response.get("data"))

    def legacy_full_tick(self, stocks: str | list[str]) -> dict[str, dict[str, Any]]:
        """Latest tick snapshot (``GET /api/full_tick``).

        Args:
            stocks: Stock or index codes (list or comma-separated string).

        Returns:
            ``{code: tick}``; codes without data are absent.

        Raises:
            BadRequestError: A code is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/full_tick", params={"stocks": stocks})
        return dict(response.get("data") or {})

    def legacy_sector_stocks(self, sector: str) -> list[str]:
        """Constituents of a sector (``GET /api/sector_stocks``).

        Args:
            sector: Sector name, e.g. ``"沪深A股"``.

        Returns:
            The stock codes of the sector.

        Raises:
            NotFoundError: The sector does not exist.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/sector_stocks", params={"sector": sector})
        return list(response.get("stocks") or [])

    def legacy_instrument_detail(self, stock: str, iscomplete: bool = False) -> dict[str, Any] | None:
        """Basic information on one instrument (``GET /api/instrument_detail``).

        Args:
            stock: Instrument code.
            iscomplete: Return every field xtquant knows instead of the common subset.

        Returns:
            The detail dict (xtquant field names), or ``None`` when the server has none.

        Raises:
            BadRequestError: The code is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET", "/api/instrument_detail", params={"stock": stock, "iscomplete": iscomplete}
        )
        detail: dict[str, Any] | None = response.get("detail")
        return detail

    def legacy_download(
        self, stock: str, period: str = "1d", start_time: str = "", end_time: str = ""
    ) -> dict[str, Any]:
        """Ask the server to download history into its local cache (``POST /api/download``).

        Not retried automatically: it is a ``POST``.

        Args:
            stock: Stock code.
            period: Bar period to download.
            start_time: Start, ``YYYYMMDD``; empty for as far back as available.
            end_time: End, ``YYYYMMDD``; empty for today.

        Returns:
            The server's answer: ``{"status": "ok", "stock", "period", "result"}``.

        Raises:
            BadRequestError: The code, period or a date is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        answer: dict[str, Any] = self._request(
            "POST",
            "/api/download",
            json={"stock": stock, "period": period, "start_time": start_time, "end_time": end_time},
        )
        return answer
