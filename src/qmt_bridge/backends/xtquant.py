"""The real backend: the xtquant modules themselves, imported lazily (Windows with a running MiniQMT)."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

from qmt_bridge.backends.base import BackendUnavailableError


class XtquantBackend:
    """Loads ``xtquant.xtdata`` on :meth:`start`; nothing is imported before (importing it needs the
    native client, and ``import xtquant`` itself pings PyPI)."""

    name = "xtquant"
    # xtdata is one RPC client; concurrent calls from several threads are not safe.
    max_concurrency = 1

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
            raise BackendUnavailableError(f"cannot load xtquant: {type(exc).__name__}: {exc}") from exc
        # Suppress the banner xtdata prints on connect.
        xtdata.enable_hello = False
        self._xtdata = xtdata

    def stop(self) -> None:
        self._xtdata = None

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
