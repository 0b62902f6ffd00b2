"""Drop-in for ``xtquant.xtdata`` backed by the simulator.

    from qmt_bridge.sim import xtdata
    xtdata.get_market_data_ex([], ["600519.SH"], period="1d", count=5)

    def on_data(datas):
        print(datas)
    xtdata.subscribe_quote("600519.SH", period="1m", callback=on_data)
    xtdata.run()  # blocks while the callbacks come; Ctrl-C ends it

Every public function of :class:`qmt_bridge.sim.data_api.SimXtData` is available as a module function, and
:func:`run` as xtquant has it; so are the rest of the wheel's names (time helpers, short and legacy aliases,
raw forms, plumbing: :mod:`qmt_bridge.sim.xtdata_extras`) and its settings (``data_dir``, ``enable_hello``). The market is built on first use; call :func:`configure` first to choose a
seed or a clock.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

from qmt_bridge.sim.api.subscriptions import CALLBACK_INTERRUPT
from qmt_bridge.sim.clock import SimClock

#: Seconds between two checks of :func:`run` (xtquant's sleeps 3 s). Short, because an interrupt from a
#: callback thread (``_thread.interrupt_main``) is only seen when the main thread's sleep ends.
RUN_POLL_SECONDS = 0.2
#: At exit (and on :func:`configure`), the longest wait for a push in flight to finish.
CLOSE_TIMEOUT = 5.0

# Module settings xtquant scripts read or set (the wheel's xtdata.py, "### config").
debug_mode = 0
default_data_dir = "../userdata_mini/datadir"
data_dir = None
enable_hello = True

_lock = threading.Lock()
_instance: Any = None
_options: dict[str, Any] = {}
_exit_hook = False


def configure(seed: int = 20240101, clock: SimClock | None = None) -> None:
    """Choose the simulated market (takes effect for the next call; rebuilds if one exists, ending the old
    market's subscriptions)."""
    global _instance
    with _lock:
        _options.update(seed=seed, clock=clock)
        old, _instance = _instance, None
    if old is not None:
        old._end_subscriptions(CLOSE_TIMEOUT)


def run() -> None:
    """Block the calling thread while subscription callbacks are delivered (on the simulator's pusher
    threads), like xtquant's ``run``. Returns when the process is interrupted (``KeyboardInterrupt``: Ctrl-C)
    or once a subscribe callback has raised ``KeyboardInterrupt`` (before ``run()`` was called too); raises
    ``Exception('行情服务连接断开')`` if the client disconnects, as xtquant's does (the simulator's never
    does)."""
    api = _api()
    try:
        while not CALLBACK_INTERRUPT.wait(RUN_POLL_SECONDS):
            if not api.is_connected():
                raise Exception("行情服务连接断开")
        CALLBACK_INTERRUPT.clear()
    except KeyboardInterrupt:
        return


def _api() -> Any:
    global _instance, _exit_hook
    with _lock:
        if _instance is None:
            from qmt_bridge.sim.data_api import SimXtData
            from qmt_bridge.sim.market.market import SimMarket

            _instance = SimXtData(SimMarket(**_options))
            if not _exit_hook:
                # Pushes end before the interpreter does: a daemon pusher thread inside a callback (printing,
                # say) while Python finalizes can abort the process.
                atexit.register(_end_at_exit)
                _exit_hook = True
        return _instance


def _end_at_exit() -> None:
    instance = _instance
    if instance is not None:
        instance._end_subscriptions(CLOSE_TIMEOUT)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    from qmt_bridge.sim import xtdata_extras
    from qmt_bridge.sim.data_api import SimXtData

    name = xtdata_extras.ALIASES.get(name, name)
    if name in xtdata_extras.EXPORTED:
        return getattr(xtdata_extras, name)
    if not callable(getattr(SimXtData, name, None)) or name.startswith("_"):
        raise AttributeError(f"module 'qmt_bridge.sim.xtdata' has no attribute {name!r}")
    return getattr(_api(), name)
