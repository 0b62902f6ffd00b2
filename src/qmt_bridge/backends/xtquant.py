"""The real backend: the xtquant modules themselves, imported lazily (Windows with a running MiniQMT)."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from typing import Any

from qmt_bridge.backends.base import BackendUnavailableError, xtquant_native_problem, xtquant_package_dir

log = logging.getLogger(__name__)


class XtquantBackend:
    """Loads ``xtquant.xtdata`` on :meth:`start`; nothing is imported before (importing it needs the
    native client, and ``import xtquant`` itself pings PyPI)."""

    name = "xtquant"
    # xtdata is one RPC client; concurrent calls from several threads are not safe.
    max_concurrency = 1
    #: MiniQMT reads history from a local cache that only downloads fill (history on demand).
    history_on_demand = True

    def __init__(self) -> None:
        self._xtdata: Any = None
        self._package: Any = None

    @property
    def xtdata(self) -> Any:
        if self._xtdata is None:
            raise BackendUnavailableError("the xtquant backend is not started")
        return self._xtdata

    def start(self) -> None:
        if self._xtdata is not None:
            return
        try:
            self._package = importlib.import_module("xtquant")
            xtdata = importlib.import_module("xtquant.xtdata")
        except Exception as exc:  # ImportError, or the native module failing to initialise
            raise BackendUnavailableError(_load_failure(exc)) from exc
        # Suppress the banner xtdata prints on connect.
        xtdata.enable_hello = False
        self._xtdata = xtdata

    def stop(self) -> None:
        """Disconnect from MiniQMT (``xtdata.disconnect()``) and forget the module. Idempotent; a failing
        disconnect is logged, not raised: stopping must go on."""
        xtdata, self._xtdata = self._xtdata, None
        disconnect = getattr(xtdata, "disconnect", None)
        if not callable(disconnect):
            return
        try:
            disconnect()
        except Exception:
            log.warning("xtdata.disconnect() failed while stopping", exc_info=True)

    def version(self) -> str:
        version = getattr(self._package, "__version__", None)
        if version:
            return str(version)
        try:
            from importlib.metadata import version as dist_version

            return dist_version("xtquant")
        except Exception:
            return "unknown"

    def today(self) -> dt.date:
        return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()

    def holidays_estimated_from(self) -> dt.date | None:
        """None: MiniQMT's holiday data holds only announced holidays."""
        return None

    def is_connected(self) -> bool:
        if self._xtdata is None:
            return False
        try:
            client = self._xtdata.get_client()
        except Exception:
            return False
        for probe in ("is_connected", "get_connect_status"):
            method = getattr(client, probe, None)
            if callable(method):
                try:
                    return bool(method())
                except Exception:
                    return False
        return client is not None


def _load_failure(exc: BaseException) -> str:
    """The message for xtquant failing to import: why, when its files tell (an xtquant without native parts
    for this platform or Python version fails deep inside its import), then the import's own error."""
    error = f"{type(exc).__name__}: {exc}"
    package_dir = xtquant_package_dir()
    reason = xtquant_native_problem(package_dir) if package_dir is not None else None
    return f"cannot load xtquant: {reason} ({error})" if reason else f"cannot load xtquant: {error}"
