"""Client methods for ``/api/sector/*``: sector lists, constituents and metadata, and user sectors (自定义板块)
under 我的: folders, creation, members, deletion.

Folders and sectors share one namespace (a name is held by one folder or one sector, system sectors
included), a parent must be an existing folder, and a folder is removed only when empty. There is no folder
listing: xtquant has none."""

from __future__ import annotations

from typing import Any

from qmt_bridge.client.base import ClientMixin

__all__ = ["SectorMixin"]


def _code_list(stocks: str | list[str]) -> list[str]:
    """A JSON body wants a list: split a comma-separated string, keep a list as it is."""
    if isinstance(stocks, str):
        return [code.strip() for code in stocks.split(",") if code.strip()]
    return list(stocks)


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

    # -- write side: user sectors under 我的 -------------------------------------------------------------

    def create_sector_folder(self, folder_name: str, parent_node: str = "") -> str:
        """Create a folder for user sectors (``POST /api/sector/create_folder``).

        Creating a folder that exists already in ``parent_node`` is a no-op. Not retried automatically: it is
        a ``POST``.

        Args:
            folder_name: Name of the new folder (no path characters such as ``/`` or ``:``).
            parent_node: Folder to create it in; empty (or ``"我的"``) for 我的, the root of user sectors.

        Returns:
            The folder's name as the server stored it.

        Raises:
            BadRequestError: A name is empty, too long or contains path or control characters.
            NotFoundError: ``parent_node`` is not a folder.
            ConflictError: A sector (system sectors included), or a folder in another place, has the name.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "POST",
            "/api/sector/create_folder",
            json={"parent_node": parent_node, "folder_name": folder_name},
        )
        return str(response["folder"])

    def create_sector(self, sector_name: str, parent_node: str = "") -> str:
        """Create an empty user sector (``POST /api/sector/create``).

        Not retried automatically: it is a ``POST``.

        Args:
            sector_name: Name of the new sector (no path characters such as ``/`` or ``:``).
            parent_node: Folder to create it in; empty (or ``"我的"``) for 我的, the root of user sectors.

        Returns:
            The sector's name as the server stored it.

        Raises:
            BadRequestError: A name is empty, too long or contains path or control characters.
            NotFoundError: ``parent_node`` is not a folder.
            ConflictError: A sector (system sectors included) or a folder has the name.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "POST", "/api/sector/create", json={"parent_node": parent_node, "sector_name": sector_name}
        )
        return str(response["sector"])

    def add_sector_stocks(self, sector_name: str, stocks: str | list[str]) -> list[str]:
        """Add codes to a user sector (``POST /api/sector/add_stocks``); codes already in it stay once.

        Not retried automatically: it is a ``POST``.

        Args:
            sector_name: A user sector.
            stocks: Codes to add (list or comma-separated string).

        Returns:
            The sector's members after the change.

        Raises:
            BadRequestError: The name or a code is malformed, or ``stocks`` is empty.
            NotFoundError: The sector or a code does not exist.
            PermissionDeniedError: The sector is a system sector.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "POST",
            "/api/sector/add_stocks",
            json={"sector_name": sector_name, "stocks": _code_list(stocks)},
        )
        return list(response.get("stocks") or [])

    def remove_sector_stocks(self, sector_name: str, stocks: str | list[str]) -> list[str]:
        """Remove codes from a user sector (``POST /api/sector/remove_stocks``).

        Not retried automatically: it is a ``POST``.

        Args:
            sector_name: A user sector.
            stocks: Codes to remove (list or comma-separated string); codes not in the sector are ignored.

        Returns:
            The sector's members after the change.

        Raises:
            BadRequestError: The name or a code is malformed, or ``stocks`` is empty.
            NotFoundError: The sector or a code does not exist.
            PermissionDeniedError: The sector is a system sector.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "POST",
            "/api/sector/remove_stocks",
            json={"sector_name": sector_name, "stocks": _code_list(stocks)},
        )
        return list(response.get("stocks") or [])

    def reset_sector(self, sector_name: str, stocks: str | list[str]) -> list[str]:
        """Replace all members of a user sector (``POST /api/sector/reset``).

        Not retried automatically: it is a ``POST``.

        Args:
            sector_name: A user sector.
            stocks: The new members (list or comma-separated string).

        Returns:
            The sector's members after the change.

        Raises:
            BadRequestError: The name or a code is malformed, or ``stocks`` is empty.
            NotFoundError: The sector or a code does not exist.
            PermissionDeniedError: The sector is a system sector.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request(
            "POST", "/api/sector/reset", json={"sector_name": sector_name, "stocks": _code_list(stocks)}
        )
        return list(response.get("stocks") or [])

    def remove_sector(self, sector_name: str) -> str:
        """Delete a user sector (``DELETE /api/sector/remove``).

        Not retried automatically: it is a ``DELETE``.

        Args:
            sector_name: A user sector.

        Returns:
            The name of the removed sector.

        Raises:
            BadRequestError: The name is malformed.
            NotFoundError: The sector does not exist (a folder's name included: see
                :meth:`remove_sector_folder`).
            PermissionDeniedError: The sector is a system sector.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("DELETE", "/api/sector/remove", params={"sector_name": sector_name})
        return str(response["removed"])

    def remove_sector_folder(self, folder_name: str) -> str:
        """Delete an empty folder of user sectors (``DELETE /api/sector/remove_folder``).

        Nothing is removed with a folder: empty it first. Not retried automatically: it is a ``DELETE``.

        Args:
            folder_name: A folder under 我的.

        Returns:
            The name of the removed folder.

        Raises:
            BadRequestError: The name is malformed.
            NotFoundError: No folder has that name (a sector's name included: see :meth:`remove_sector`).
            ConflictError: The folder still holds folders or sectors.
            PermissionDeniedError: The name is 我的, the root.
            APIStatusError: Any other error response.
            APIConnectionError: The server cannot be reached.
        """
        response = self._request("DELETE", "/api/sector/remove_folder", params={"folder_name": folder_name})
        return str(response["removed"])
