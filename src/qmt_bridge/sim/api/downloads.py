"""Downloads. The simulator generates data on demand, so a download has nothing to fetch; these keep
xtquant's signatures, return values and progress callbacks so that download-driven code runs unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qmt_bridge.sim.market.market import SimMarket


class DownloadAPI:
    """``download_*`` functions other than ``download_history_data(2)`` (those live with the K-lines)."""

    market: SimMarket

    def download_sector_data(self) -> None:
        return None

    def download_index_weight(self) -> None:
        return None

    def download_history_contracts(self, incrementally: bool = True) -> None:
        return None

    def download_holiday_data(self, incrementally: bool = True) -> None:
        return None

    def download_his_st_data(self) -> None:
        return None

    def download_metatable_data(self) -> None:
        return None


def report_progress(callback: Callable[[dict[str, Any]], None] | None, data: dict[str, Any]) -> None:
    """Call a download progress callback as xtquant does: skipped when None, its exceptions swallowed."""
    if callback is None:
        return
    try:
        callback(data)
    except Exception:  # xtquant swallows exceptions raised by progress callbacks
        pass
