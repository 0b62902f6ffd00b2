"""WebSocket streams: ``subscribe_realtime``, ``subscribe_whole_quote``, ``subscribe_l2_thousand``.

Needs ``pip install qmt-bridge[client]`` (the ``websockets`` package), imported only when a stream starts,
so the HTTP client stays stdlib-only. Each method connects, subscribes with the seed's message, and calls
``callback(data)`` with xtquant-shaped data (``{code: [bar, ...]}`` for K-lines and ticks, ``{code: tick}``
for the whole market): first the current snapshot, then every push. When the connection drops (a network
blip, a server restart) it reconnects with backoff and subscribes again; a K-line stream says which
completed bar it holds last (``since``) and the server sends every bar after it, so that a local bar array
merged by time (update the last bar on an equal time, append on a later one) has no gap and no duplicate.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from qmt_bridge.client.base import _json_loads

log = logging.getLogger("qmt_bridge.client")

#: Reconnect delays grow from the first to the last, doubling.
RECONNECT_FIRST, RECONNECT_MAX = 0.5, 30.0


class _Stream:
    """One subscription kept alive across connections."""

    def __init__(self, path: str, message: dict[str, Any]) -> None:
        self.path = path
        self.message = message
        #: For K-lines: per code, the ``time`` of the newest bar known complete (a later bar was seen).
        self.completed: dict[str, int] = {}
        self._latest: dict[str, int] = {}

    def subscribe_message(self) -> dict[str, Any]:
        message = dict(self.message)
        if self.completed and message.get("period", "tick") not in ("tick", "l2thousand"):
            message["since"] = min(self.completed.values())
        return message

    def note(self, data: dict[str, Any]) -> None:
        """Track bar times: a bar is complete once a later one has been seen."""
        for code, items in data.items():
            if not isinstance(items, list):
                continue
            for item in items:
                moment = item.get("time") if isinstance(item, dict) else None
                if not isinstance(moment, int):
                    continue
                latest = self._latest.get(code)
                if latest is not None and moment > latest:
                    self.completed[code] = max(self.completed.get(code, latest), latest)
                if latest is None or moment > latest:
                    self._latest[code] = moment


class RealtimeMixin:
    """Realtime streams over WebSocket (``/ws/*``)."""

    base_url: str
    api_key: str | None

    async def subscribe_realtime(
        self,
        stocks: list[str] | str,
        callback: Callable[[dict[str, Any]], Any],
        period: str = "tick",
        *,
        on_status: Callable[[dict[str, Any]], Any] | None = None,
        reconnect: bool = True,
    ) -> None:
        """Stream ticks or K-lines of ``stocks`` (``/ws/realtime``) until cancelled.

        Args:
            stocks: Codes, e.g. ``["000001.SZ", "600519.SH"]``.
            callback: Called with ``{code: [item, ...]}``: the current tick or bar first, then each push; for
                K-lines the forming bar comes again with the same ``time`` as it changes, then the next bar.
            period: ``tick``, ``1m``, ``5m``, ``15m``, ``30m``, ``60m`` or ``1d``.
            on_status: Called with each ``status`` message (``subscribed``, ``market_closed``,
                ``resubscribed``, ...) and each ``error`` message; by default they are logged.
            reconnect: Reconnect and resubscribe (resuming K-lines) when the connection drops.

        Returns:
            Nothing: it runs until the task is cancelled (or, with ``reconnect=False``, until the server
            closes the connection).

        Raises:
            ImportError: ``websockets`` is not installed (``pip install qmt-bridge[client]``).
            PermissionError: The server refused the API key (close code 1008).
        """
        stream = _Stream("/ws/realtime", {"stocks": _as_list(stocks), "period": period})
        await self._run_stream(stream, callback, on_status, reconnect)

    async def subscribe_whole_quote(
        self,
        codes: list[str] | str,
        callback: Callable[[dict[str, Any]], Any],
        *,
        on_status: Callable[[dict[str, Any]], Any] | None = None,
        reconnect: bool = True,
    ) -> None:
        """Stream the whole-market push of markets or codes (``/ws/whole_quote``) until cancelled.

        Args:
            codes: Markets such as ``["SH", "SZ"]`` or codes.
            callback: Called with ``{code: tick}``: every code's snapshot first, then the codes that changed.
            on_status: As in :meth:`subscribe_realtime`.
            reconnect: As in :meth:`subscribe_realtime`.

        Returns:
            Nothing: it runs until the task is cancelled (or, with ``reconnect=False``, until the server
            closes the connection).

        Raises:
            ImportError: ``websockets`` is not installed.
            PermissionError: The server refused the API key.
        """
        # Rows on the wire (half the bytes of 5,000 dicts a push), dicts again in _handle.
        stream = _Stream("/ws/whole_quote?format=compact", {"codes": _as_list(codes)})
        await self._run_stream(stream, callback, on_status, reconnect)

    async def subscribe_l2_thousand(
        self,
        stocks: list[str] | str,
        callback: Callable[[dict[str, Any]], Any],
        *,
        queue: bool = False,
        on_status: Callable[[dict[str, Any]], Any] | None = None,
        reconnect: bool = True,
    ) -> None:
        """Stream Level-2 thousand-level books of ``stocks`` (``/ws/l2_thousand``) until cancelled.

        Args:
            stocks: Codes.
            callback: Called with ``{code: [{"time", "askPrice", "askVolume", "bidPrice", "bidVolume",
                "price"}]}`` per push; with ``queue=True``, ``{code: [{"time", "bidGear", "bidPrice",
                "bidVolume": [[lots per order], ...], "askGear", "askPrice", "askVolume"}]}`` (xtquant's
                ``subscribe_l2thousand_queue``, every level).
            queue: The single-order queues of each level instead of the book.
            on_status: As in :meth:`subscribe_realtime`.
            reconnect: As in :meth:`subscribe_realtime`.

        Returns:
            Nothing: it runs until the task is cancelled (or, with ``reconnect=False``, until the server
            closes the connection).

        Raises:
            ImportError: ``websockets`` is not installed.
            PermissionError: The server refused the API key.
        """
        message = {"stocks": _as_list(stocks), "period": "l2thousandqueue" if queue else "l2thousand"}
        stream = _Stream("/ws/l2_thousand", message)
        await self._run_stream(stream, callback, on_status, reconnect)

    def iter_realtime(self, stocks: list[str] | str, period: str = "tick") -> Iterator[dict[str, Any]]:
        """The blocking form of :meth:`subscribe_realtime` for plain scripts: ``for data in
        client.iter_realtime(["600519.SH"], "1m"): ...``. Stops when the loop is left (``break``).

        Args:
            stocks: Codes.
            period: As in :meth:`subscribe_realtime`.

        Returns:
            An iterator of ``{code: [item, ...]}`` as :meth:`subscribe_realtime` passes to its callback.

        Raises:
            ImportError: ``websockets`` is not installed.
            PermissionError: The server refused the API key.
        """
        return blocking_iter(lambda put: self.subscribe_realtime(stocks, put, period))

    # ------------------------------------------------------------------ the connection loop

    async def _run_stream(
        self,
        stream: _Stream,
        callback: Callable[[dict[str, Any]], Any],
        on_status: Callable[[dict[str, Any]], Any] | None,
        reconnect: bool,
    ) -> None:
        try:
            import websockets
        except ImportError as exc:
            raise ImportError("realtime streams need websockets: pip install qmt-bridge[client]") from exc
        url = "ws" + self.base_url[len("http") :] + stream.path
        headers = {"X-API-Key": self.api_key} if self.api_key else {}
        delay = RECONNECT_FIRST
        while True:
            try:
                async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
                    await ws.send(json.dumps(stream.subscribe_message()))
                    delay = RECONNECT_FIRST
                    async for text in ws:  # orjson when installed: a whole-market push is ~1.3 MB
                        _handle(_json_loads(text), stream, callback, on_status)
            except websockets.exceptions.ConnectionClosed as exc:
                if exc.rcvd is not None and exc.rcvd.code == 1008:
                    raise PermissionError(f"the server refused the API key: {exc.rcvd.reason}") from None
                if not reconnect:
                    return
                log.warning("realtime: connection to %s closed (%s); reconnecting in %.1f s", url, exc, delay)
            except (OSError, websockets.exceptions.InvalidHandshake) as exc:
                if not reconnect:
                    raise
                log.warning("realtime: cannot connect to %s (%s); retrying in %.1f s", url, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX)


def blocking_iter(run: Callable[[Callable[[Any], Any]], Awaitable[Any]]) -> Iterator[Any]:
    """Iterate, in the caller's thread, over what ``run(put)`` puts, run on an event loop of its own.

    ``run`` is a stream method bound to its arguments but its callback (``put``). An exception it raises
    reaches the caller; leaving the loop (``break``) cancels it.
    """
    items: queue.Queue[Any] = queue.Queue(maxsize=10_000)
    loop = asyncio.new_event_loop()
    done = object()

    async def main() -> None:
        try:
            await run(items.put)
        except BaseException as exc:  # handed to the caller's thread
            items.put(exc)
        finally:
            items.put(done)

    task = loop.create_task(main())
    thread = threading.Thread(target=loop.run_until_complete, args=(task,), daemon=True)
    thread.start()
    try:
        while (item := items.get()) is not done:
            if isinstance(item, BaseException):
                if isinstance(item, asyncio.CancelledError):
                    return
                raise item
            yield item
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(timeout=5)


def _as_list(codes: list[str] | str) -> list[str]:
    """Codes as a list: a list as it is, a comma-separated string split."""
    return codes if isinstance(codes, list) else [code for code in codes.split(",") if code]


def _handle(
    message: dict[str, Any],
    stream: _Stream,
    callback: Callable[[dict[str, Any]], Any],
    on_status: Callable[[dict[str, Any]], Any] | None,
) -> None:
    kind = message.get("type")
    if kind in ("data", "snapshot"):
        data = message.get("data") or {}
        fields = message.get("fields")
        if fields is not None:  # the compact format: {code: [value, ...]} in the order of ``fields``
            data = {code: dict(zip(fields, row, strict=False)) for code, row in data.items()}
        stream.note(data)
        callback(data)
    elif kind in ("status", "error"):
        if on_status is not None:
            on_status(message)
        elif kind == "error":
            log.warning("realtime: %s", message.get("error"))
        else:
            log.info("realtime: %s", message.get("message"))
