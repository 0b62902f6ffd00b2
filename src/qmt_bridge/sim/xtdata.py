"""Drop-in for ``xtquant.xtdata`` backed by the simulator.

    from qmt_bridge.sim import xtdata
    xtdata.get_market_data_ex([], ["600519.SH"], period="1d", count=5)

Every public function of :class:`qmt_bridge.sim.data_api.SimXtData` is available as a module function.
The market is built on first use; call :func:`configure` first to choose a seed or a clock.
"""

from __future__ import annotations

import threading
from typing import Any

from qmt_bridge.sim.clock import SimClock

_lock = threading.Lock()
_instance: Any = None
_options: dict[str, Any] = {}


def configure(seed: int = 20240101, clock: SimClock | None = None) -> None:
    """Choose the simulated market (takes effect for the next call; rebuilds if one exists)."""
    global _instance
    with _lock:
        _options.update(seed=seed, clock=clock)
        _instance = None


def _api() -> Any:
    global _instance
    with _lock:
        if _instance is None:
            from qmt_bridge.sim.data_api import SimXtData
            from qmt_bridge.sim.market.market import SimMarket

            _instance = SimXtData(SimMarket(**_options))
        return _instance


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    from qmt_bridge.sim.data_api import SimXtData

    if not callable(getattr(SimXtData, name, None)) or name.startswith("_"):
        raise AttributeError(f"module 'qmt_bridge.sim.xtdata' has no attribute {name!r}")
    return getattr(_api(), name)
