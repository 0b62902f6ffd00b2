"""Client methods for ``/api/download/*``: fill the server's local cache.

Every download is a ``POST`` and is never retried automatically. The server answers when the download is
done (or 504 after its ``QMT_BRIDGE_DOWNLOAD_TIMEOUT``, 600 s by default), so large downloads may need a
per-call ``timeout`` longer than the client's default.
"""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["DownloadMixin"]


def _code_list(stocks: str | list[str]) -> list[str]:
    """A JSON body wants a list: split a comma-separated string, keep a list as it is."""
    if isinstance(stocks, str):
        return [code.strip() for code in stocks.split(",") if code.strip()]
    return list(stocks)


class DownloadMixin(ClientMixin):
    """Downloads into the server's cache: ``/api/download/*``."""

    def download_history_data2(
        self,
        stocks: str | list[str],
        period: str = "1d",
        start_time: str = "",
        end_time: str = "",
        incrementally: bool | None = None,
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """K-lines or ticks of several stocks (``POST /api/download/history_data2``).

        Args:
            stocks: Codes (list or comma-separated string).
            period: Bar period (``1m``, ``5m``, ``1d`` ...) or ``tick``.
            start_time: Start, ``YYYYMMDD`` or ``YYYYMMDDhhmmss``; empty for as far back as available.
            end_time: End, same format; empty for now.
            incrementally: Download only what the cache lacks; ``None`` lets xtquant decide (incremental when
                ``start_time`` is empty).
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function", "stocks", "period", "result"}``; ``result`` maps each code to the
            range now cached.

        Raises:
            BadRequestError: A code, the period or a date is invalid.
            NotFoundError: A code is unknown.
            GatewayTimeoutError: The download did not finish within the server's download timeout.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        answer: dict[str, Any] = self._request(
            "POST",
            "/api/download/history_data2",
            json={
                "stocks": _code_list(stocks),
                "period": period,
                "start_time": start_time,
                "end_time": end_time,
                "incrementally": incrementally,
            },
            timeout=timeout,
        )
        return answer

    def download_financial_data(
        self,
        stocks: str | list[str],
        tables: str | list[str] | None = None,
        start_time: str = "",
        end_time: str = "",
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Financial statements of several stocks (``POST /api/download/financial_data``).

        Args:
            stocks: Codes (list or comma-separated string).
            tables: Tables to download (``Balance``, ``Income``, ``CashFlow`` ...); ``None`` for all.
            start_time: First day, ``YYYYMMDD``; empty for unbounded.
            end_time: Last day, ``YYYYMMDD``; empty for unbounded.
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function", "stocks", "tables", "result"}``.

        Raises:
            BadRequestError: A code, a table name or a date is invalid.
            NotFoundError: A code is unknown.
            NotImplementedByServerError: The server's backend has no financial data.
            GatewayTimeoutError: The download did not finish within the server's download timeout.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        answer: dict[str, Any] = self._request(
            "POST",
            "/api/download/financial_data",
            json={
                "stocks": _code_list(stocks),
                "tables": _code_list(tables) if tables is not None else [],
                "start_time": start_time,
                "end_time": end_time,
            },
            timeout=timeout,
        )
        return answer

    def download_sector_data(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Sector lists and members (``POST /api/download/sector_data``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_sector_data", "result"}``.

        Raises:
            GatewayTimeoutError: The download did not finish within the server's download timeout.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        answer: dict[str, Any] = self._request("POST", "/api/download/sector_data", timeout=timeout)
        return answer

    def download_index_weight(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Index constituent weights (``POST /api/download/index_weight``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_index_weight", "result"}``.

        Raises:
            GatewayTimeoutError: The download did not finish within the server's download timeout.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        answer: dict[str, Any] = self._request("POST", "/api/download/index_weight", timeout=timeout)
        return answer

    def download_etf_info(self, *, timeout: float | None = None) -> dict[str, Any]:
        """ETF creation/redemption lists (``POST /api/download/etf_info``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_etf_info", "result"}``.

        Raises:
            NotImplementedByServerError: The server's backend has no ETF data.
            GatewayTimeoutError: The download did not finish within the server's download timeout.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        answer: dict[str, Any] = self._request("POST", "/api/download/etf_info", timeout=timeout)
        return answer

    def download_cb_data(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Convertible-bond data (``POST /api/download/cb_data``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_cb_data", "result"}``.

        Raises:
            NotImplementedByServerError: The server's backend has no bond data.
            GatewayTimeoutError: The download did not finish within the server's download timeout.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        answer: dict[str, Any] = self._request("POST", "/api/download/cb_data", timeout=timeout)
        return answer

    def download_history_contracts(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Expired futures and options contracts (``POST /api/download/history_contracts``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_history_contracts", "result"}``.

        Raises:
            GatewayTimeoutError: The download did not finish within the server's download timeout.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        answer: dict[str, Any] = self._request("POST", "/api/download/history_contracts", timeout=timeout)
        return answer

    def download_holiday_data(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Exchange holidays (``POST /api/download/holiday_data``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_holiday_data", "result"}``.

        Raises:
            GatewayTimeoutError: The download did not finish within the server's download timeout.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        answer: dict[str, Any] = self._request("POST", "/api/download/holiday_data", timeout=timeout)
        return answer

    def download_his_st_data(self, *, timeout: float | None = None) -> dict[str, Any]:
        """Historical ST periods (``POST /api/download/his_st_data``).

        Args:
            timeout: Seconds to wait for the answer; defaults to the client's timeout.

        Returns:
            ``{"status": "ok", "function": "download_his_st_data", "result"}``.

        Raises:
            GatewayTimeoutError: The download did not finish within the server's download timeout.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        answer: dict[str, Any] = self._request("POST", "/api/download/his_st_data", timeout=timeout)
        return answer
