"""The backend contract, which *is* the xtquant API.

A backend hands the server an object shaped like the ``xtquant.xtdata`` module: the same function names,
parameters, defaults and return shapes (``shared/xtquant-api.md`` is the catalog). The real backend is a
thin loader of the real modules; the simulator implements the same functions. Rules for implementers:

- ``xtdata`` functions are blocking and may not be thread-safe. The server never calls them on the event
  loop: every call goes through :class:`~qmt_bridge.backends.runner.BackendRunner`, which bounds
  concurrency to ``max_concurrency`` and times calls out.
- Return values are xtquant's own (DataFrames, numpy arrays, dicts). Translation to JSON happens once, in
  the server's service layer, never here.
- ``start()`` may block (connecting to MiniQMT); ``stop()`` must be safe to call twice.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from typing import Any, Protocol, runtime_checkable


class BackendUnavailableError(RuntimeError):
    """The requested backend cannot be loaded on this machine (e.g. xtquant outside Windows)."""


class BackendStartError(RuntimeError):
    """The backend is there but cannot start (e.g. data it stored cannot be read); the message says why."""


@runtime_checkable
class Backend(Protocol):
    """What the server needs from a backend."""

    #: ``"xtquant"`` or ``"sim"``.
    name: str
    #: Upper bound of concurrent ``xtdata`` calls this backend tolerates.
    max_concurrency: int

    @property
    def xtdata(self) -> Any:
        """An object with the functions of ``xtquant.xtdata``."""

    def start(self) -> None:
        """Load modules and connect; raise :class:`BackendUnavailableError` when impossible."""

    def stop(self) -> None:
        """Release resources. Idempotent."""

    def version(self) -> str:
        """Version string of the xtquant implementation behind this backend."""

    def is_connected(self) -> bool:
        """Whether the market-data service answers."""

    def today(self) -> dt.date:
        """The backend's current date in China time (the simulator's clock may differ from the host's)."""

    def holidays_estimated_from(self) -> dt.date | None:
        """The first day whose holidays ``get_holidays`` estimates rather than takes from an announcement
        (the simulator's year after its recorded ones); ``None`` when every listed holiday was announced."""


def xtquant_importable() -> bool:
    """True when an ``xtquant`` package is installed (without importing it: importing pings PyPI)."""
    return importlib.util.find_spec("xtquant") is not None


def load_backend(settings: Any) -> Backend:
    """Build the backend ``settings.backend`` asks for (``auto`` = xtquant when importable, else sim)."""
    choice = settings.backend
    if choice == "auto":
        choice = "xtquant" if xtquant_importable() else "sim"
    if choice == "xtquant":
        from qmt_bridge.backends.xtquant import XtquantBackend

        return XtquantBackend()
    from qmt_bridge.backends.sim import SimBackend

    return SimBackend.from_settings(settings)
