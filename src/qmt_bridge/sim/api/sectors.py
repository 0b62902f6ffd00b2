"""Writing sectors: folders and user sectors, persisted across restarts (xtdata's sector functions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qmt_bridge.sim.market.custom_sectors import NameTakenError

if TYPE_CHECKING:
    from qmt_bridge.sim.market.market import SimMarket


class SectorWriteAPI:
    """``create_sector_folder``, ``create_sector``, ``add_sector``, ``remove_stock_from_sector``,
    ``remove_sector``, ``reset_sector``.

    Where xtquant documents the behaviour, the simulator follows it: ``parent_node=''`` is 我的; with
    ``overwrite=True`` creating an existing node is skipped, with ``overwrite=False`` the first free
    ``name1``, ``name2``, ... is taken; the actual name is returned. Where it does not, the simulator keeps the
    tree consistent (see :mod:`qmt_bridge.sim.market.custom_sectors`) and says why it refuses:

    - the create functions raise ``UnknownFolderError`` for a ``parent_node`` that is no folder and
      ``NameTakenError`` when another folder or sector (system sectors included) holds the name;
    - ``remove_sector`` removes a user sector, or a folder if it is empty (``FolderNotEmptyError``
      otherwise); it answers False when the name is neither;
    - ``add_sector`` and ``reset_sector`` (which create a missing sector at the root) and
      ``remove_stock_from_sector`` answer False, changing nothing, when the name is a system sector, a
      folder, or (removing) no sector.
    """

    market: SimMarket

    def _system_sectors(self) -> frozenset[str]:
        return frozenset(self.market.sectors.names())

    def create_sector_folder(self, parent_node: str, folder_name: str, overwrite: bool = True) -> str:
        return self.market.custom_sectors.create_folder(
            parent_node, folder_name, overwrite=overwrite, reserved=self._system_sectors()
        )

    def create_sector(self, parent_node: str, sector_name: str, overwrite: bool = True) -> str:
        return self.market.custom_sectors.create_sector(
            parent_node, sector_name, overwrite=overwrite, reserved=self._system_sectors()
        )

    def add_sector(self, sector_name: str, stock_list: list[str]) -> bool:
        try:
            self.market.custom_sectors.add_stocks(
                sector_name, list(stock_list), reserved=self._system_sectors()
            )
        except NameTakenError:
            return False
        return True

    def remove_stock_from_sector(self, sector_name: str, stock_list: list[str]) -> bool:
        return self.market.custom_sectors.remove_stocks(sector_name, list(stock_list)) is not None

    def remove_sector(self, sector_name: str) -> bool:
        return self.market.custom_sectors.remove(sector_name)

    def reset_sector(self, sector_name: str, stock_list: list[str]) -> bool:
        try:
            self.market.custom_sectors.reset(sector_name, list(stock_list), reserved=self._system_sectors())
        except NameTakenError:
            return False
        return True
