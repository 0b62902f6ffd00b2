"""Request-scoped access to the backend, through the runner only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Request

from qmt_bridge.backends.base import Backend
from qmt_bridge.backends.runner import BackendCallTimeout, BackendRunner
from qmt_bridge.server.config import Settings
from qmt_bridge.server.errors import NotImplementedByBackend
from qmt_bridge.server.services.admission import Admission
from qmt_bridge.server.services.local_history import LocalHistory

if TYPE_CHECKING:
    from qmt_bridge.server.services.quote_book import QuoteBook

T = TypeVar("T")

#: Stocks per backend call of a multi-stock download: on the real backend (one worker) other requests are
#: served between two chunks instead of waiting for the whole download.
DOWNLOAD_CHUNK = 10


class BackendContext:
    """What a router needs: settings, and a way to call ``xtdata`` functions off the event loop."""

    def __init__(self, settings: Settings, backend: Backend, runner: BackendRunner) -> None:
        self.settings = settings
        self.backend = backend
        self.runner = runner
        #: ``time.time()`` when the server's backend context was made (the backend had just started).
        self.started_at = time.time()
        #: Codes the backend has confirmed to exist; instruments do not vanish while the server runs.
        self.known_codes: set[str] = set()
        #: Held by each user-sector write from its checks to its write, so that two writes cannot both pass
        #: the same check (two creates of one name, a delete between an add's check and its write).
        self.sector_writes = asyncio.Lock()
        #: Snapshots kept by the backend's whole-market push; None when turned off.
        self.quotes: QuoteBook | None = None
        #: What this server downloaded into the backend's local cache (history on demand).
        self.local_history = LocalHistory()
        #: Slots of heavy (bulk) requests.
        self.admission = Admission(
            settings.max_heavy_requests, settings.max_heavy_per_client, settings.heavy_wait
        )

    def xtdata_function(self, name: str) -> Callable[..., Any]:
        fn = getattr(self.backend.xtdata, name, None)
        if not callable(fn):
            raise NotImplementedByBackend(f"the {self.backend.name} backend has no xtdata.{name}")
        return fn

    async def xtdata(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``xtdata.<name>(*args, **kwargs)`` through the runner."""
        return await self.runner.call(self.xtdata_function(name), *args, **kwargs)

    async def download(self, name: str, *args: Any, background: bool = False, **kwargs: Any) -> Any:
        """Call an ``xtdata.download_*`` function with the (longer) download timeout.

        ``background``: work no user waits for (the pre-download) goes to the runner's background lane,
        behind every interactive call; a user's own download request stays interactive.
        """
        fn = self.xtdata_function(name)
        limit = self.settings.download_timeout
        return await self.runner.call(fn, *args, timeout=limit, background=background, **kwargs)

    async def download_stocks(
        self, name: str, codes: list[str], *args: Any, background: bool = False, **kwargs: Any
    ) -> list[Any]:
        """Call ``xtdata.<name>(chunk, *args, **kwargs)`` for consecutive chunks of ``codes``.

        Each chunk is one runner call; together they must finish within the download timeout (504 naming
        ``name`` otherwise). Returns the answers, one per chunk. ``background``: on the runner's
        background lane (see :meth:`download`).
        """
        fn = self.xtdata_function(name)
        limit = self.settings.download_timeout
        deadline = time.monotonic() + limit
        answers = []
        for i in range(0, len(codes), DOWNLOAD_CHUNK):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BackendCallTimeout(name, limit)
            try:
                answers.append(
                    await self.runner.call(
                        fn,
                        codes[i : i + DOWNLOAD_CHUNK],
                        *args,
                        timeout=remaining,
                        background=background,
                        **kwargs,
                    )
                )
            except BackendCallTimeout:
                raise BackendCallTimeout(name, limit) from None
        return answers

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking function that uses several xtdata calls, as one runner call."""
        return await self.runner.call(fn, *args, **kwargs)


async def get_context(request: Request) -> BackendContext:
    return request.app.state.context


Ctx = Annotated[BackendContext, Depends(get_context)]
