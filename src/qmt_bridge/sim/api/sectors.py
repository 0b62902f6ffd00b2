"""Writing sectors: folders and user sectors, persisted across restarts (xtdata's sector functions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qmt_bridge.sim.market.market import SimMarket


class SectorWriteAPI:
    """``create_sector_folder``, ``create_sector``, ``add_sector``, ``remove_stock_from_sector``,
    ``remove_sector``, ``reset_sector``. Like xtquant, ``overwrite=False`` picks a free name
    (``name1``, ``name2``, ...) when ``name`` is taken; the actual name is returned."""

    market: SimMarket

    def _free_name(self, name: str, overwrite: bool) -> str:
        taken = set(self.market.sectors.names()) | set(self.market.custom_sectors.sector_names())
        taken |= set(self.market.custom_sectors.folder_names())
        if overwrite or name not in taken:
            return name
        n = 1
        while f"{name}{n}" in taken:
            n += 1
        return f"{name}{n}"

    def create_sector_folder(self, parent_node: str, folder_name: str, overwrite: bool = True) -> str:
        return self.market.custom_sectors.create_folder(parent_node, self._free_name(folder_name, overwrite))

    def create_sector(self, parent_node: str, sector_name: str, overwrite: bool = True) -> str:
        return self.market.custom_sectors.create_sector(parent_node, self._free_name(sector_name, overwrite))

    def add_sector(self, sector_name: str, stock_list: list[str]) -> bool:
        self.market.custom_sectors.add_stocks(sector_name, list(stock_list))
        return True

    def remove_stock_from_sector(self, sector_name: str, stock_list: list[str]) -> bool:
        if self.market.custom_sectors.members(sector_name) is None:
            return False
        self.market.custom_sectors.remove_stocks(sector_name, list(stock_list))
        return True

    def remove_sector(self, sector_name: str) -> bool:
        self.market.custom_sectors.remove_sector(sector_name)
        return True

    def reset_sector(self, sector_name: str, stock_list: list[str]) -> bool:
        self.market.custom_sectors.reset(sector_name, list(stock_list))
        return True
