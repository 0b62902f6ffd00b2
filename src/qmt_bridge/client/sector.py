"""Client methods for ``/api/sector/*``: sector lists, constituents and metadata."""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["SectorMixin"]


class SectorMixin(ClientMixin):
    """Sectors (板块): ``/api/sector/*``."""

    def get_sector_list(self) -> list[str]:
        """All sector names (``GET /api/sector/list``).

        Returns:
            Sector names as QMT spells them, e.g. ``"沪深A股"``, ``"上证A股"``.

        Raises:
            APIStatusError: An error response.
            APIConnectionError: The server cannot be reached.
        """
        return list(self._request("GET", "/api/sector/list").get("sectors") or [])

    def get_sector_stocks(self, sector: str, real_timetag: str | int | None = None) -> list[str]:
        """Constituents of a sector, now or on a past day (``GET /api/sector/stocks``).

        Args:
            sector: Sector name, e.g. ``"沪深A股"``.
            real_timetag: Historical day as ``YYYYMMDD`` or ms timestamp; ``None`` for the latest list.

        Returns:
            The stock codes.

        Raises:
            NotFoundError: The sector does not exist.
            BadRequestError: ``real_timetag`` is malformed.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "GET", "/api/sector/stocks", params={"sector": sector, "real_timetag": real_timetag}
        )
        return list(response.get("stocks") or [])

    def get_sector_info(self, sector: str = "") -> Any:
        """Sector metadata (``GET /api/sector/info``).

        Args:
            sector: Sector name; empty for all sectors.

        Returns:
            A DataFrame with ``sector`` and ``category`` columns, or without pandas a list of
            ``{"sector", "category"}`` dicts.

        Raises:
            NotFoundError: The sector does not exist.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("GET", "/api/sector/info", params={"sector": sector})
        return self._records_frame(list(response.get("data") or []))
