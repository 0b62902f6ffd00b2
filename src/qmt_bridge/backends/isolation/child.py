"""The backend process: starts the backend it was given and runs the server's calls on it.

Its main thread reads calls from the pipe and hands each to a worker thread, so a hung call never stops it
reading; the server bounds how many run at once (its runner). Results, pushes and trader callbacks go back
on the same pipe. When the server's end of the pipe closes (the server exited or was killed), the process
exits at once, whatever its calls are doing.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from qmt_bridge.backends.isolation.faults import Faults
from qmt_bridge.backends.isolation.wire import (
    CallbackRef,
    Channel,
    ClientRef,
    RemoteError,
    TraderRef,
    UndecodableMessage,
    bundle_frames,
    portable_error,
)
from qmt_bridge.gc_tuning import tune_gc

log = logging.getLogger("qmt_bridge.backend_process")

#: Threads for calls; the server's runner and trader lanes bound how many are busy at once.
CALL_THREADS = 32


def serve(conn: Connection, backend: Any, log_level: int = logging.WARNING) -> None:
    """The backend process's entry point: start ``backend`` (an unstarted backend object), say ready (or why
    not), then serve until told to stop or until the server is gone."""
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s backend-process: %(message)s")
    # Ctrl+C reaches every process of the console (Windows) or of the terminal's process group: the server
    # stops this process itself (a stop message, or its end of the pipe closing), after its own shutdown.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tune_gc()
    channel = Channel(conn, records=True)
    try:
        backend.start()
        xtdata = backend.xtdata
        functions = [n for n in dir(xtdata) if not n.startswith("_") and callable(getattr(xtdata, n, None))]
        info = {"pid": os.getpid(), "version": backend.version(), "xtdata_functions": functions}
    except BaseException as exc:
        channel.send(("failed", portable_error(exc)))
        return
    channel.send(("ready", info))
    _Server(channel, backend).run()


class _Server:
    def __init__(self, channel: Channel, backend: Any) -> None:
        self.channel = channel
        self.backend = backend
        self.faults = Faults()
        #: The traders built and not stopped, by number (one per connection attempt of the server's manager).
        self.traders: dict[int, Any] = {}
        self.trader_numbers = itertools.count(1)
        #: Every client object ``get_client`` returned, kept so that its id is never reused.
        self.clients: dict[int, Any] = {}
        self.pool = ThreadPoolExecutor(CALL_THREADS, thread_name_prefix="backend-call")

    def run(self) -> None:
        while True:
            try:
                message = self.channel.receive()
            except (EOFError, OSError):
                os._exit(0)  # the server is gone: so are we, hung calls and all
            except UndecodableMessage as exc:  # a call whose arguments do not unpickle here
                if exc.number:
                    self._send(
                        ("error", exc.number, RemoteError(f"the call could not be read: {exc}")), exc.number
                    )
                continue
            kind = message[0]
            if kind == "call":
                self.pool.submit(self._call, *message[1:])
            elif kind == "fault":
                self.faults.plant(message[1])
            elif kind == "stop":
                self._stop()

    def _stop(self) -> None:
        try:
            self.backend.stop()
        except Exception:
            log.warning("the backend failed to stop", exc_info=True)
        try:
            self.channel.send(("stopped",))
        finally:
            sys.stderr.flush()
            os._exit(0)

    def _call(
        self, number: int, target: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        try:
            self.faults.before_call(name)
            value = self._invoke(target, name, args, kwargs)
            self.faults.after_call(name)
        except Exception as exc:
            self._send(("error", number, portable_error(exc)), number)
            return
        try:
            self.channel.send(("result", number, bundle_frames(value)), number)
        except OSError:
            os._exit(0)
        except Exception as exc:  # the answer does not pickle
            failure = TypeError(f"{name} answered what cannot be sent: {exc}")
            self._send(("error", number, portable_error(failure)), number)

    def _invoke(self, target: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        args = tuple(self._callback(a) if isinstance(a, CallbackRef) else a for a in args)
        kwargs = {k: self._callback(v) if isinstance(v, CallbackRef) else v for k, v in kwargs.items()}
        if isinstance(target, tuple):  # ("trader", number)
            trader = self.traders.get(target[1])
            if trader is None:
                raise RuntimeError(f"{name}: this trader was stopped; the server builds a new one")
            if name == "register_callback":
                return trader.register_callback(self._trader_callback(trader, target[1]))
            if name == "stop":  # a stopped trader is never used again (the server builds a new one)
                del self.traders[target[1]]
            return getattr(trader, name)(*args, **kwargs)
        if target == "xtdata":
            owner = self.backend.xtdata
        else:  # "backend", or one of its attributes ("broker")
            owner = self.backend if target == "backend" else getattr(self.backend, target)
        value = getattr(owner, name)(*args, **kwargs)
        if target == "xtdata" and name == "get_client" and value is not None:
            self.clients[id(value)] = value
            return ClientRef(id(value))
        if target == "backend" and name == "new_trader":
            number = next(self.trader_numbers)
            self.traders[number] = value
            return TraderRef(number)
        return value

    def _callback(self, ref: CallbackRef) -> Any:
        number, faults, send = ref.number, self.faults, self._send

        def forward(*args: Any) -> None:  # on xtquant's push thread
            faults.on_push()
            send(("push", number, args))

        return forward

    def _trader_callback(self, trader: Any, number: int) -> Any:
        """An object with every ``on_*`` method of the trader's callback class, each sent to the server."""
        base = getattr(sys.modules.get(type(trader).__module__), "XtQuantTraderCallback", object)
        send = self._send

        def forwarder(method: str) -> Any:
            def forward(self: Any, *args: Any) -> None:
                send(("trader", number, method, args))

            return forward

        methods = {name: forwarder(name) for name in dir(base) if name.startswith("on_")}
        return type("ForwardingCallback", (base,), methods)()

    def _send(self, message: Any, number: int = 0) -> None:
        try:
            self.channel.send(message, number)
        except OSError:
            os._exit(0)  # the server is gone
        except Exception:  # a push that does not pickle: dropped, and said
            log.exception("a message of kind %s could not be sent to the server", message[0])
