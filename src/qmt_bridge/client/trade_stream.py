"""``subscribe_trades``: the server's trade events (``/ws/trade``), resumed across reconnects without a gap.

Needs ``pip install qmt-bridge[client]`` (``websockets``), imported only when the stream starts. Every event
has the journal's sequence number ``seq``; the stream remembers the last one it delivered and, after a
dropped connection or a server restart, reconnects with ``since`` set to it, so the server replays exactly
the events after it: none missed, none repeated.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from qmt_bridge.client.base import ClientMixin
from qmt_bridge.client.realtime import RECONNECT_FIRST, RECONNECT_MAX, blocking_iter

__all__ = ["TradeStreamMixin"]

log = logging.getLogger("qmt_bridge.client")

#: Close codes after which reconnecting cannot help.
_FINAL_CLOSES = {
    1008: "the server refused the API key or the request",
    4403: "trading is not enabled on the server",
}


class TradeStreamMixin(ClientMixin):
    """Trade events over WebSocket (``/ws/trade``)."""

    async def subscribe_trades(
        self,
        callback: Callable[[dict[str, Any]], Any],
        *,
        since: int | None = None,
        account_id: str = "",
        on_status: Callable[[dict[str, Any]], Any] | None = None,
        reconnect: bool = True,
    ) -> None:
        """Stream trade events until cancelled.

        Args:
            callback: Called with each event ``{"type": "event", "seq", "kind", "account_id", "at", "data"}``;
                ``kind`` is ``order`` (``data``: xtquant's order fields, ``client_order_id`` and
                ``normalized``), ``trade``, ``order_error``, ``cancel_error``, ``position``, ``asset``,
                ``order_response``, ``cancel_response``, ``account_status`` or ``connection``.
            since: Replay the events after this sequence number first (the last ``seq`` you handled);
                ``None`` for live events only.
            account_id: Only this account's events (and connection events).
            on_status: Called with ``status`` and ``error`` messages (``subscribed`` carries ``last_seq``).
            reconnect: Reconnect (with backoff) and resume after a dropped connection.

        Returns:
            Nothing: it runs until cancelled, or, with ``reconnect=False``, until the connection closes.

        Raises:
            ImportError: ``websockets`` is not installed.
            PermissionError: The server refused the API key, or trading is off there.
        """
        try:
            import websockets
        except ImportError as exc:
            raise ImportError("trade streams need websockets: pip install qmt-bridge[client]") from exc
        headers = {"X-API-Key": self.api_key} if self.api_key else {}
        last = since
        delay = RECONNECT_FIRST
        while True:
            query = {k: v for k, v in (("since", last), ("account_id", account_id)) if v not in (None, "")}
            url = (
                "ws" + self.base_url[len("http") :] + "/ws/trade" + ("?" + urlencode(query) if query else "")
            )
            try:
                async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
                    async for text in ws:
                        message = json.loads(text)
                        kind = message.get("type")
                        if kind == "event":
                            seq = message.get("seq")
                            if isinstance(seq, int) and last is not None and seq <= last:
                                continue  # never hand an event over twice
                            callback(message)
                            if isinstance(seq, int):
                                last = seq
                        elif kind == "status":
                            delay = RECONNECT_FIRST
                            start = message.get("since")
                            if isinstance(start, int) and (last is None or start < last):
                                if last is not None:  # the server's journal is behind us: it was reset
                                    log.warning(
                                        "trades: the server's events restart at %s (we had %s)", start, last
                                    )
                                last = start
                            if on_status is not None:
                                on_status(message)
                        elif kind == "error" and on_status is not None:
                            on_status(message)
            except websockets.exceptions.ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd is not None else None
                if code in _FINAL_CLOSES:
                    raise PermissionError(f"{_FINAL_CLOSES[code]}: {exc.rcvd.reason}") from None
                if not reconnect:
                    return
                log.warning(
                    "trades: connection closed (%s); resuming after seq %s in %.1f s", exc, last, delay
                )
            except (OSError, websockets.exceptions.InvalidHandshake) as exc:
                if not reconnect:
                    raise
                log.warning("trades: cannot connect (%s); retrying in %.1f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX)

    def iter_trades(self, *, since: int | None = None, account_id: str = "") -> Iterator[dict[str, Any]]:
        """The blocking form of :meth:`subscribe_trades`: ``for event in client.iter_trades(): ...``.

        Args:
            since: Replay the events after this sequence number first; ``None`` for live events only.
            account_id: Only this account's events (and connection events).

        Returns:
            An iterator of events as :meth:`subscribe_trades` hands them over; leaving the loop stops the
            stream.

        Raises:
            ImportError: ``websockets`` is not installed.
            PermissionError: The server refused the API key, or trading is off there.
        """
        return blocking_iter(lambda put: self.subscribe_trades(put, since=since, account_id=account_id))
