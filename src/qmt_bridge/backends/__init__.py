"""Backends: the xtquant API, either the real Windows modules or the simulator."""

from qmt_bridge.backends.base import Backend, BackendUnavailableError, load_backend

__all__ = ["Backend", "BackendUnavailableError", "load_backend"]
