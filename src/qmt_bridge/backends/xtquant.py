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

    def new_trader(self, path: str, session_id: int) -> Any:
        """A new ``xtquant.xttrader.XtQuantTrader(path, session_id)``, not started.

        Its constructor replaces the calling thread's asyncio event loop: call this on a thread of your
        own, never on the server's loop thread (the trader manager does)."""
        try:
            xttrader = importlib.import_module("xtquant.xttrader")
        except Exception as exc:  # ImportError, or the native client failing to load
            raise BackendUnavailableError(_load_failure(exc)) from exc
        return xttrader.XtQuantTrader(path, session_id)

    def make_account(self, account_id: str, account_type: str = "STOCK") -> Any:
        """``xtquant.xttype.StockAccount(account_id, account_type)``; ``ValueError`` saying why for an id
        that is not a string or an unknown account type (xtquant returns an error *string* for the first
        and raises a bare ``Exception`` for the second)."""
        try:
            xttype = importlib.import_module("xtquant.xttype")
        except Exception as exc:
            raise BackendUnavailableError(_load_failure(exc)) from exc
        try:
            account = xttype.StockAccount(account_id, account_type)
        except Exception as exc:
            raise ValueError(f"account type {account_type!r} is not supported by xtquant: {exc}") from None
        if isinstance(account, str):
            raise ValueError(f"invalid account id {account_id!r}: {account}")
        return account


def _load_failure(exc: BaseException) -> str:
    """The message for xtquant failing to import: why, when its files tell (an xtquant without native parts
    for this platform or Python version fails deep inside its import), then the import's own error."""
    error = f"{type(exc).__name__}: {exc}"
    package_dir = xtquant_package_dir()
    reason = xtquant_native_problem(package_dir) if package_dir is not None else None
    return f"cannot load xtquant: {reason} ({error})" if reason else f"cannot load xtquant: {error}"
