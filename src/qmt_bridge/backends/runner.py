"""The one path every backend call takes: a bounded thread pool with a per-call timeout."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class BackendCallTimeout(TimeoutError):
    """A backend call did not finish within its timeout."""

    def __init__(self, name: str, timeout: float) -> None:
        super().__init__(f"backend call {name} did not answer within {timeout:g} s")
        self.name = name
        self.timeout = timeout


class BackendCallFailed(RuntimeError):
    """A backend call raised; the original exception is ``__cause__``."""

    def __init__(self, name: str, error: BaseException) -> None:
        # An OSError's text names files on the server; clients get the reason, the log gets the rest.
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        super().__init__(f"{name} failed: {type(error).__name__}: {reason}")
        self.name = name
        self.error = error


class BackendRunner:
    """Runs blocking xtquant calls off the event loop.

    At most ``concurrency`` calls run at once (xtquant is not thread-safe; the real backend uses 1). A call
    that exceeds ``timeout`` raises :class:`BackendCallTimeout`; its thread is abandoned, not killed, so a
    hung native call costs one worker rather than the server.
    """

    def __init__(self, concurrency: int, timeout: float) -> None:
        self.concurrency = concurrency
        self.timeout = timeout
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="backend")

    async def call(self, fn: Callable[..., T], *args: Any, timeout: float | None = None, **kwargs: Any) -> T:
        limit = self.timeout if timeout is None else timeout
        name = getattr(fn, "__name__", repr(fn))
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, functools.partial(_invoke, name, fn, args, kwargs))
        try:
            return await asyncio.wait_for(future, limit)
        except asyncio.TimeoutError:
            raise BackendCallTimeout(name, limit) from None

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _invoke(name: str, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # wrap so the server can tell backend failures from its own bugs
        raise BackendCallFailed(name, exc) from exc
