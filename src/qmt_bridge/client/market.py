"""Client methods for ``/api/market/*``: snapshots, index overview, K-lines and dividend factors."""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["MarketMixin"]


def _bar_params(
    stocks: str | list[str],
    period: str,
    start_time: str,
    end_time: str,
    count: int,
    dividend_type: str,
    fill_data: bool,
    fields: str | list[str] | None,
) -> dict[str, Any]:
    return {
        "stocks": stocks,
        "fields": fields,
        "period": period,
        "start_time": start_time,
        "end_time": end_time,
        "count": count,
        "dividend_type": dividend_type,
        "fill_data": fill_data,
        "format": "columns",
    }


class MarketMixin(ClientMixin):
    """Market data: ``/api/market/*``."""

    def get_full_tick(self, stocks: str | list[str]) -> dict[str, dict[str, Any]]:
        """Latest snapshot of stocks or indices (``GET /api/market/full_tick``).

        Args:
            stocks: Codes (list or comma-separated string), e.g. ``["000001.SZ", "000001.SH"]``.

        Returns:
            ``{code: tick}`` with xtquant's tick fields (``lastPrice``, ``askPrice``, ``bidVol`` ...); codes
            without data are absent.

        Raises:
            BadRequestError: A code is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/market/full_tick", params={"stocks": stocks})
        return dict(response.get("data") or {})

    def get_market_snapshot(self, stocks: str | list[str]) -> dict[str, dict[str, Any]]:
        """Alias of :meth:`get_full_tick`.

        Args:
            stocks: Codes (list or comma-separated string).

        Returns:
            ``{code: tick}``.

        Raises:
            BadRequestError: A code is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        return self.get_full_tick(stocks)

    def get_major_indices(self) -> dict[str, dict[str, Any]]:
        """Snapshot of the main indices (``GET /api/market/indices``).

        Returns:
            ``{index_code: tick}``, in the server's order.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/market/indices")
        data = response.get("data") or {}
        order = [code for code in response.get("indices") or [] if code in data]
        return {code: data[code] for code in order + [code for code in data if code not in order]}

    def get_history_ex(
        self,
        stocks: str | list[str],
        period: str = "1d",
        start_time: str = "",
        end_time: str = "",
        count: int = -1,
        dividend_type: str = "none",
        fill_data: bool = True,
        fields: str | list[str] | None = None,
        download: str = "auto",
    ) -> dict[str, Any]:
        """Enhanced K-lines with adjustment and filling (``GET /api/market/market_data_ex``).

        Args:
            stocks: Codes (list or comma-separated string).
            period: Bar period: ``tick``, ``1m``, ``5m``, ``15m``, ``30m``, ``60m``, ``1d``, ``1w``, ``1mon`` ...
            start_time: Start, ``YYYYMMDD`` or ``YYYYMMDDhhmmss``; empty for unbounded.
            end_time: End, same format; empty for unbounded.
            count: Number of most recent bars per code; ``-1`` for all within the range.
            dividend_type: ``none``, ``front``, ``back``, ``front_ratio`` or ``back_ratio``.
            fill_data: Fill suspended periods with the previous close.
            fields: Fields to return; ``None`` for all.
            download: What the server does about MiniQMT's local cache first: ``auto`` downloads the range
                when it may be missing (once per range), ``always`` downloads it again, ``never`` reads the
                cache as it is.

        Returns:
            ``{code: DataFrame}`` indexed by Shanghai time, or without pandas ``{code: {field: [values]}}``.

        Raises:
            BadRequestError: A code, the period, the dividend type or a date is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        return self._bulk_frames(
            "/api/market/market_data_ex",
            {
                **_bar_params(stocks, period, start_time, end_time, count, dividend_type, fill_data, fields),
                "download": download,
            },
        )

    def get_market_data(
        self,
        stocks: str | list[str],
        period: str = "1d",
        start_time: str = "",
        end_time: str = "",
        count: int = -1,
        dividend_type: str = "none",
        fill_data: bool = True,
        fields: str | list[str] | None = None,
        download: str = "auto",
    ) -> dict[str, Any]:
        """General market data query (``GET /api/market/market_data``).

        Args:
            stocks: Codes (list or comma-separated string).
            period: Bar period, as in :meth:`get_history_ex`.
            start_time: Start, ``YYYYMMDD`` or ``YYYYMMDDhhmmss``; empty for unbounded.
            end_time: End, same format; empty for unbounded.
            count: Number of most recent bars per code; ``-1`` for all within the range.
            dividend_type: Price adjustment, as in :meth:`get_history_ex`.
            fill_data: Fill suspended periods with the previous close.
            fields: Fields to return; ``None`` for the endpoint's default: open, high, low, close, volume
                (``time`` is always returned). Name others, e.g. ``"close,amount,preClose"``, for more.
            download: As in :meth:`get_history_ex`.

        Returns:
            ``{code: DataFrame}``, or without pandas ``{code: {field: [values]}}``.

        Raises:
            BadRequestError: A parameter is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        return self._bulk_frames(
            "/api/market/market_data",
            {
                **_bar_params(stocks, period, start_time, end_time, count, dividend_type, fill_data, fields),
                "download": download,
            },
        )

    def get_local_data(
        self,
        stocks: str | list[str],
        period: str = "1d",
        start_time: str = "",
        end_time: str = "",
        count: int = -1,
        dividend_type: str = "none",
        fill_data: bool = True,
        fields: str | list[str] | None = None,
    ) -> dict[str, Any]:
        """K-lines from the server's local cache only; works offline (``GET /api/market/local_data``).

        Args:
            stocks: Codes (list or comma-separated string).
            period: Bar period, as in :meth:`get_history_ex`.
            start_time: Start, ``YYYYMMDD`` or ``YYYYMMDDhhmmss``; empty for unbounded.
            end_time: End, same format; empty for unbounded.
            count: Number of most recent bars per code; ``-1`` for all within the range.
            dividend_type: Price adjustment, as in :meth:`get_history_ex`.
            fill_data: Fill suspended periods with the previous close.
            fields: Fields to return; ``None`` for all.

        Returns:
            ``{code: DataFrame}``, or without pandas ``{code: {field: [values]}}``.

        Raises:
            BadRequestError: A parameter is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        return self._bulk_frames(
            "/api/market/local_data",
            _bar_params(stocks, period, start_time, end_time, count, dividend_type, fill_data, fields),
        )

    def get_divid_factors(self, stock: str, start_time: str = "", end_time: str = "") -> Any:
        """Dividend and split factors of one stock (``GET /api/market/divid_factors``).

        Args:
            stock: Stock code.
            start_time: Start, ``YYYYMMDD``; empty for unbounded.
            end_time: End, ``YYYYMMDD``; empty for unbounded.

        Returns:
            A DataFrame (one row per ex-date: ``interest``, ``stockBonus``, ``stockGift``, ``allotNum``,
            ``allotPrice``, ``gugai``, ``dr`` ...), or without pandas the ``{field: [values]}`` mapping.

        Raises:
            BadRequestError: The code or a date is invalid.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/market/divid_factors",
            params={"stock": stock, "start_time": start_time, "end_time": end_time, "format": "columns"},
        )
        return self._frame(response.get("data"))

    def get_full_kline(
        self,
        stocks: str | list[str],
        period: str = "1m",
        count: int = 1,
        fields: str | list[str] | None = None,
        dividend_type: str = "none",
    ) -> dict[str, Any]:
        """Bars of the latest trading day from the K-line mirror (``GET /api/market/full_kline``).

        Args:
            stocks: Codes (list or comma-separated string).
            period: Bar period: ``1m``, ``5m``, ``15m``, ``30m``, ``60m`` or ``1d``.
            count: Number of most recent bars of the day per code; ``-1`` for all.
            fields: Fields to return; ``None`` for the server's default (``open``, ``high``, ``low``,
                ``close``, ``volume``, ``amount``; ``time`` always comes along).
            dividend_type: Price adjustment, as in :meth:`get_history_ex`.

        Returns:
            ``{code: DataFrame}`` indexed by Shanghai time, or without pandas ``{code: {field: [values]}}``.

        Raises:
            BadRequestError: A code, the period or a field is invalid.
            NotFoundError: A code is unknown.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/market/full_kline",
            params={
                "stocks": stocks,
                "fields": fields,
                "period": period,
                "count": count,
                "dividend_type": dividend_type,
                "format": "columns",
            },
        )
        return self._frames(response.get("data"))
