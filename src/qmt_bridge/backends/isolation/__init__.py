"""The backend in a child process (``QMT_BRIDGE_BACKEND_ISOLATION=process``), behind the same contract.

:class:`ProcessBackend` is a :class:`~qmt_bridge.backends.base.Backend` whose ``xtdata`` functions, traders
and simulator broker are proxies: each call crosses to the backend process (``child``) and back
(``wire``); the :class:`~qmt_bridge.backends.isolation.supervisor.Supervisor` replaces the process when it
crashes or hangs. Routers, the quote book, the realtime hub and trading do not know the difference: a new
process shows as a replaced ``get_client()`` object and as ``on_disconnected`` of the old traders, which
they already handle as xtquant's own reconnects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from qmt_bridge.backends.base import BackendUnavailableError
from qmt_bridge.backends.isolation.faults import Fault
from qmt_bridge.backends.isolation.supervisor import Supervisor
from qmt_bridge.backends.isolation.wire import ClientRef, TraderRef

__all__ = ["ProcessBackend"]


class ProcessBackend:
    """``backend`` (unstarted) run in a supervised child process; the server's side of it."""

    isolation = "process"

    def __init__(
        self,
        backend: Any,
        *,
        default_timeout: float = 30.0,
        hang_grace: float = 5.0,
        max_restarts_per_hour: int = 10,
        **supervisor_options: Any,
    ) -> None:
        self.inner = backend
        self.name: str = backend.name
        self.max_concurrency: int = backend.max_concurrency
        self.history_on_demand: bool = backend.history_on_demand
        #: The simulator's clock (the parent's copy: the process gets the same one), None for xtquant.
        self.clock = getattr(backend, "clock", None)
        self.supervisor = Supervisor(
            backend,
            default_timeout=default_timeout,
            hang_grace=hang_grace,
            max_restarts_per_hour=max_restarts_per_hour,
            **supervisor_options,
        )
        self._xtdata: RemoteXtdata | None = None

    @property
    def xtdata(self) -> Any:
        if self._xtdata is None:
            raise BackendUnavailableError(f"the {self.name} backend is not started")
        return self._xtdata

    def start(self) -> None:
        self.supervisor.start()
        if self._xtdata is None:
            self._xtdata = RemoteXtdata(self.supervisor)

    def stop(self) -> None:
        self.supervisor.stop()

    def version(self) -> str:
        return str(self.supervisor.info.get("version", "unknown"))

    def is_connected(self) -> bool:
        if self.supervisor.state != "running":
            return False
        return bool(self.supervisor.call("backend", "is_connected"))

    def today(self) -> dt.date:
        return self.inner.today()

    def holidays_estimated_from(self) -> dt.date | None:
        return self.inner.holidays_estimated_from()

    def new_trader(self, path: str, session_id: int) -> Any:
        """A trader built in the backend process; see :class:`RemoteTrader`."""
        generation = self.supervisor.generation
        ref: TraderRef = self.supervisor.call(
            "backend", "new_trader", (path, session_id), generation=generation
        )
        return RemoteTrader(self.supervisor, ref.number, generation)

    def make_account(self, account_id: str, account_type: str = "STOCK") -> Any:
        """The backend's account object, built in the backend process: here an ``XtRecord`` with its
        attributes (``account_id``, ``account_type``), rebuilt as the original when passed to a trader call.
        ``ValueError`` as from the backend itself."""
        return self.supervisor.call("backend", "make_account", (account_id, account_type))

    @property
    def broker(self) -> Any:
        """The simulator's paper-trading counter, in the backend process."""
        if not hasattr(type(self.inner), "broker"):
            raise AttributeError(f"the {self.name} backend has no broker")
        return RemoteObject(self.supervisor, "broker")

    def status(self) -> dict[str, Any]:
        """The process: state, pid, uptime, restarts with their causes, calls in flight."""
        return self.supervisor.status()

    def inject_fault(self, kind: str, function: str = "", after: int = 1) -> None:
        """Test hook (never reachable over HTTP): plant a fault in the running backend process
        (``qmt_bridge.backends.isolation.faults``)."""
        self.supervisor.plant(("fault", Fault(kind, function, after)))


class RemoteFunction:
    """One ``xtdata`` function of the backend process."""

    __slots__ = ("__name__", "_supervisor")

    def __init__(self, supervisor: Supervisor, name: str) -> None:
        self.__name__ = name
        self._supervisor = supervisor

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._supervisor.call("xtdata", self.__name__, args, kwargs)

    def __repr__(self) -> str:
        return f"<xtdata.{self.__name__} in the backend process>"


class RemoteXtdata:
    """``backend.xtdata`` of the backend process: its functions, and ``get_client()`` as a token object that
    stays the same while the process's client does (the hub and the quote book compare it)."""

    def __init__(self, supervisor: Supervisor) -> None:
        self._supervisor = supervisor
        self._functions: dict[str, RemoteFunction] = {}
        self._clients: dict[tuple[int, int], _Client] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._supervisor.info.get("xtdata_functions", ()):
            raise AttributeError(f"xtdata has no {name}")
        if name == "get_client":
            return self.get_client
        function = self._functions.get(name)
        if function is None:
            function = self._functions[name] = RemoteFunction(self._supervisor, name)
        return function

    def get_client(self) -> Any:
        generation = self._supervisor.generation
        ref = self._supervisor.call("xtdata", "get_client", generation=generation)
        if not isinstance(ref, ClientRef):
            return ref
        key = (generation, ref.number)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = _Client(*key)
        return client


class _Client:
    """Stands for xtquant's client object of one backend process."""

    def __init__(self, generation: int, number: int) -> None:
        self.generation = generation
        self.number = number


class RemoteObject:
    """An object of the backend process (the simulator's ``broker``): its methods, called there."""

    def __init__(self, supervisor: Supervisor, target: Any, generation: int | None = None) -> None:
        self._supervisor = supervisor
        self._target = target
        self._generation = generation

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        supervisor, target, generation = self._supervisor, self._target, self._generation

        def method(*args: Any, **kwargs: Any) -> Any:
            return supervisor.call(target, name, args, kwargs, generation=generation)

        method.__name__ = name
        return method


class RemoteTrader(RemoteObject):
    """An ``XtQuantTrader`` of the backend process. Its callback object stays here: the process sends each
    callback over. When the process ends, the callback gets ``on_disconnected`` and calls raise
    :class:`~qmt_bridge.backends.base.BackendRestarting`; ``stop()`` of a trader of an ended process does
    nothing (there is nothing left to stop)."""

    def __init__(self, supervisor: Supervisor, number: int, generation: int) -> None:
        super().__init__(supervisor, ("trader", number), generation)
        self.number = number
        self.generation = generation

    def register_callback(self, callback: Any) -> None:
        self._supervisor.register_trader(self.generation, self.number, callback)
        self._supervisor.call(self._target, "register_callback", generation=self.generation)

    def stop(self) -> None:
        if self._supervisor.generation != self.generation or self._supervisor.state != "running":
            return
        self._supervisor.call(self._target, "stop", generation=self.generation)
