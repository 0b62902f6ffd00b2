"""Client methods for ``/api/financial/*``: financial statements per stock and table."""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["FinancialMixin"]


class FinancialMixin(ClientMixin):
    """Financial data (财务数据): ``/api/financial/*``."""

    def get_financial_data(
        self,
        stocks: str | list[str],
        tables: str | list[str] | None = None,
        start_time: str = "",
        end_time: str = "",
        report_type: str = "report_time",
    ) -> dict[str, dict[str, Any]]:
        """Financial statements, one row per report (``GET /api/financial/data``).

        Args:
            stocks: Codes (list or comma-separated string), e.g. ``["000001.SZ"]``.
            tables: Tables to return: ``Balance``, ``Income``, ``CashFlow``, ``Capital``, ``HolderNum``,
                ``Top10Holder``, ``Top10FlowHolder``, ``PershareIndex`` (any case); ``None`` for all.
            start_time: First day, ``YYYYMMDD``; empty for unbounded.
            end_time: Last day, ``YYYYMMDD``; empty for unbounded.
            report_type: What the dates filter on: ``"report_time"`` (period end) or ``"announce_time"``
                (disclosure date).

        Returns:
            ``{code: {table: DataFrame}}`` with xtquant's columns (``m_timetag``, ``m_anntime``,
            ``tot_assets`` ...) and the table names spelt as asked; without pandas
            ``{code: {table: {field: [values]}}}``.

        Raises:
            BadRequestError: A code, a table name or a date is invalid.
            NotFoundError: A code is unknown.
            UnprocessableEntityError: ``report_type`` is not one of the two values.
            NotImplementedByServerError: The server's backend has no financial data.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET",
            "/api/financial/data",
            params={
                "stocks": stocks,
                "tables": tables,
                "start_time": start_time,
                "end_time": end_time,
                "report_type": report_type,
                "format": "columns",
            },
        )
        return {code: self._frames(by_table) for code, by_table in (response.get("data") or {}).items()}
