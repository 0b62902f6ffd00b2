"""The realtime hub: one upstream subscription per stream, shared by every client that wants it.

A *stream* is what one upstream xtquant subscription delivers: ``(code, period)`` through
``subscribe_quote`` (ticks and K-lines), ``(code, "l2thousand")`` through ``subscribe_l2thousand``,
``(code, "l2thousandqueue")`` through ``subscribe_l2thousand_queue``, and the whole-market push. Clients
(:class:`~qmt_bridge.server.realtime.connection.Subscriber`) attach to streams; the first attach subscribes
upstream, the last detach unsubscribes, so nothing leaks however clients come and go (bridges that
subscribe per client grow MiniQMT to tens of GB). The whole-market push is the quote book's own
subscription, read by the hub as a listener: one upstream, two readers.

Pushes arrive on xtquant's threads. There each push is encoded once (JSON members of the ``data``
message) and handed to the loop, which puts it in the outbox of each subscriber: a slow client never
delays the others (see :mod:`~qmt_bridge.server.realtime.outbox`).

Recovery, checked every ``check_every`` seconds while streams exist: a backend that reports itself
disconnected, or whose client object changed (xtquant replaced it after an outage: its subscriptions are
gone), gets every stream subscribed again, and subscribers are told with ``status`` messages. A stream
silent for ``silent_after`` seconds in trading hours is subscribed again too (the bound doubles while it
stays silent: an illiquid code may simply not trade); a futures code's trading hours are its product's own
continuous sessions, its night session included (read from the backend's ``get_trading_period``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qmt_bridge.backends.base import BackendUnavailableError
from qmt_bridge.backends.runner import BackendCallFailed, BackendCallTimeout
from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.realtime import protocol
from qmt_bridge.server.responses import dumps
from qmt_bridge.server.services.market_status import FUTURES_MARKETS, futures_sessions, product_of
from qmt_bridge.server.services.quote_book import (
    as_rows,
    backend_now,
    in_trading_hours,
    market_of,
    select,
)
from qmt_bridge.xtnames import FULL_TICK_KEYS

if TYPE_CHECKING:
    from qmt_bridge.server.realtime.connection import Subscriber

log = logging.getLogger("qmt_bridge.realtime")

CHECK_EVERY = 10.0
SILENT_AFTER = 120.0
SILENT_AFTER_MAX = 3600.0

StreamKey = tuple[str, str]  # (code, period | "l2thousand" | "l2thousandqueue")
#: Streams whose pushes are snapshots: a newer one replaces a waiting one (K-line pushes conflate per bar).
SNAPSHOT_PERIODS = ("tick", "l2thousand", "l2thousandqueue")
_FULL_TICK_KEYS_JSON = dumps(FULL_TICK_KEYS)
_WHOLE_STREAM = {"code": "whole", "period": "tick"}


def whole_snapshot_message(snapshots: dict[str, dict[str, Any]], compact: bool) -> bytes:
    """The ``snapshot`` message of ``/ws/whole_quote`` (snapshots made by ``as_full_tick``) encoded as its
    members, for :meth:`.Subscriber.put_control_fragment`; rows under ``fields`` when ``compact``."""
    if compact:
        message = {
            "type": "snapshot",
            "stream": _WHOLE_STREAM,
            "fields": FULL_TICK_KEYS,
            "data": as_rows(snapshots),
        }
    else:
        message = {"type": "snapshot", "stream": _WHOLE_STREAM, "data": snapshots}
    return dumps(message)[1:-1]


class SubscribeRefused(Exception):
    """The backend refused or failed an upstream subscription; the message says why."""


@dataclass
class Stream:
    """One upstream subscription and its subscribers."""

    key: StreamKey
    subscribers: set[Subscriber] = field(default_factory=set)
    seq: int | None = None
    generation: int = 0
    last_push: float = field(default_factory=time.monotonic)
    pushes: int = 0
    silent_after: float = SILENT_AFTER
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def code(self) -> str:
        return self.key[0]

    @property
    def period(self) -> str:
        return self.key[1]


class RealtimeHub:
    """Upstream subscriptions by stream, reference-counted across connections."""

    def __init__(
        self,
        ctx: BackendContext,
        *,
        check_every: float = CHECK_EVERY,
        silent_after: float = SILENT_AFTER,
        trading_hours: Callable[[], bool] | None = None,
    ) -> None:
        self.ctx = ctx
        self.check_every = check_every
        self.silent_after = silent_after
        self._trading_hours = trading_hours or (lambda: in_trading_hours(backend_now(ctx.backend)))
        self.streams: dict[StreamKey, Stream] = {}
        #: Subscribers of the whole-market push, each with the codes/markets it asked for.
        self.whole: dict[Subscriber, frozenset[str]] = {}
        #: Tick streams served from the whole-market push (past ``max_single_tick_subscriptions``).
        self.book_ticks: dict[str, set[Subscriber]] = {}
        #: Encoded whole-market snapshots by (filter, compact), of the book's push ``_whole_snapshots_of``.
        self._whole_snapshots: dict[tuple[frozenset[str], bool], bytes] = {}
        self._whole_snapshots_of = -1
        self._loop: asyncio.AbstractEventLoop | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._client: Any = None
        self._connected = True
        self.resubscriptions = {"reconnect": 0, "silence": 0}
        #: A futures product's continuous sessions, by (product, market), as of the day they were read.
        self._futures_hours: dict[tuple[str, str], tuple[Any, list[tuple[Any, Any]]]] = {}
        self.stopped = False
        #: One check at a time: the keeper's rounds and :meth:`poke`'s.
        self._checking = asyncio.Lock()

    # ------------------------------------------------------------------ attach / detach

    async def attach(self, subscriber: Subscriber, key: StreamKey) -> Stream:
        """Add ``subscriber`` to the stream ``key``, subscribing upstream if it is the first.

        Raises SubscribeRefused when the backend refuses; the stream then holds nobody.
        """
        self._loop = asyncio.get_running_loop()
        stream = self.streams.get(key)
        if stream is None:
            stream = self.streams[key] = Stream(key, silent_after=self.silent_after)
        stream.subscribers.add(subscriber)
        async with stream.lock:
            if stream.seq is None and subscriber in stream.subscribers:
                try:
                    await self._subscribe(stream)
                except SubscribeRefused:
                    stream.subscribers.discard(subscriber)
                    self._forget_if_unused(stream)
                    raise
        self._ensure_keeper()
        return stream

    async def detach(self, subscriber: Subscriber, key: StreamKey) -> None:
        """Remove ``subscriber``; the last one out ends the upstream subscription."""
        stream = self.streams.get(key)
        if stream is None or subscriber not in stream.subscribers:
            return
        stream.subscribers.discard(subscriber)
        async with stream.lock:
            if not stream.subscribers:
                await self._unsubscribe(stream)
                self._forget_if_unused(stream)

    def serves_from_book(self, code: str) -> bool:
        """Whether a new tick stream of ``code`` goes through the whole-market push: the code is of the
        quote book's markets, and single-code tick subscriptions are at their limit already."""
        quotes = self.ctx.quotes
        if quotes is None or market_of(code) not in quotes.markets:
            return False
        if code in self.book_ticks:
            return True
        singles = sum(1 for code_, period in self.streams if period == "tick")
        return (
            code,
            "tick",
        ) not in self.streams and singles >= self.ctx.settings.max_single_tick_subscriptions

    def attach_book_tick(self, subscriber: Subscriber, code: str) -> None:
        """``subscriber`` gets ``code``'s ticks from the whole-market push (as ``{code: [tick]}``)."""
        assert self.ctx.quotes is not None
        self.book_ticks.setdefault(code, set()).add(subscriber)
        self.ctx.quotes.listen(self._on_whole)

    def detach_book_tick(self, subscriber: Subscriber, code: str) -> None:
        holders = self.book_ticks.get(code)
        if holders is not None:
            holders.discard(subscriber)
            if not holders:
                del self.book_ticks[code]
        self._unlisten_if_unused()

    def _unlisten_if_unused(self) -> None:
        if not self.whole and not self.book_ticks and self.ctx.quotes is not None:
            self.ctx.quotes.unlisten(self._on_whole)

    def attach_whole(self, subscriber: Subscriber, codes: frozenset[str]) -> None:
        """``subscriber`` gets the whole-market push, filtered to ``codes`` (markets such as ``SH`` or codes)."""
        quotes = self.ctx.quotes
        assert quotes is not None
        self.whole[subscriber] = codes
        quotes.listen(self._on_whole)

    def whole_snapshot(self, wanted: frozenset[str], compact: bool) -> bytes | None:
        """The ``snapshot`` message of ``wanted`` from the quote book, encoded (see
        :func:`whole_snapshot_message`); None while the book does not serve. Encoded once per push of the
        book, filter and format: clients that connect together (a restarted server gets them all back at
        once) share one body of megabytes instead of each encoding, and holding, its own."""
        book = self.ctx.quotes
        if book is None or not book.serving:
            return None
        key = (wanted, compact)
        if self._whole_snapshots_of != book.pushes:
            self._whole_snapshots_of, self._whole_snapshots = book.pushes, {}
        encoded = self._whole_snapshots.get(key)
        if encoded is None:
            snapshots = book.snapshots(wanted)
            if snapshots is None:
                return None
            encoded = self._whole_snapshots[key] = whole_snapshot_message(snapshots, compact)
        return encoded

    def detach_whole(self, subscriber: Subscriber) -> None:
        self.whole.pop(subscriber, None)
        self._unlisten_if_unused()

    async def detach_all(self, subscriber: Subscriber) -> None:
        """Everything ``subscriber`` holds (it is gone)."""
        self.detach_whole(subscriber)
        for code in [code for code, holders in self.book_ticks.items() if subscriber in holders]:
            self.detach_book_tick(subscriber, code)
        for key in [key for key, stream in self.streams.items() if subscriber in stream.subscribers]:
            await self.detach(subscriber, key)

    def _forget_if_unused(self, stream: Stream) -> None:
        if not stream.subscribers and stream.seq is None and self.streams.get(stream.key) is stream:
            del self.streams[stream.key]

    # ------------------------------------------------------------------ upstream

    async def _subscribe(self, stream: Stream) -> None:
        xtdata = self.ctx.backend.xtdata
        code, period = stream.key
        stream.generation += 1
        generation, loop = stream.generation, asyncio.get_running_loop()
        prefix = b'"type":"data","stream":' + dumps({"code": code, "period": period}) + b',"data":'

        def on_push(datas: dict[str, Any]) -> None:  # on a backend thread
            try:
                fragment = b'"pushed":%d,' % (time.time() * 1000) + prefix + dumps(datas)
                times = _item_times(datas.get(code))
                loop.call_soon_threadsafe(self._dispatch, stream, generation, times, fragment)
            except RuntimeError:  # the loop closed: the server is gone
                pass
            except Exception:  # never let a bad push kill xtquant's thread
                log.exception("realtime: a push of %s %s could not be encoded", code, period)

        if period == "l2thousand":

            def subscribe_l2thousand() -> Any:  # on a worker; named for the timeout's message
                return xtdata.subscribe_l2thousand(code, None, on_push)

            call = subscribe_l2thousand
        elif period == "l2thousandqueue":

            def subscribe_l2thousand_queue() -> Any:
                return xtdata.subscribe_l2thousand_queue(code, on_push)

            call = subscribe_l2thousand_queue
        else:

            def subscribe_quote() -> Any:
                return xtdata.subscribe_quote(code, period, "", "", 0, on_push)

            call = subscribe_quote
        try:
            seq = await self.ctx.run(call)
        except (
            BackendCallFailed,
            BackendCallTimeout,
            BackendUnavailableError,
        ) as exc:  # a missing function fails inside the call
            raise SubscribeRefused(str(exc)) from exc
        if not isinstance(seq, int) or seq < 0:
            stream.generation += 1  # a push of the refused subscription must not be delivered
            raise SubscribeRefused(f"xtquant refused the subscription of {code} {period} ({seq!r})")
        stream.seq = seq
        stream.last_push = time.monotonic()

    async def _unsubscribe(self, stream: Stream) -> None:
        seq, stream.seq = stream.seq, None
        stream.generation += 1
        if seq is None:
            return
        try:
            await self.ctx.run(self.ctx.backend.xtdata.unsubscribe_quote, seq)
        except (BackendCallFailed, BackendCallTimeout, BackendUnavailableError) as exc:
            # A backend that cannot answer has lost its subscriptions with its client, or will be replaced.
            log.warning("realtime: unsubscribe_quote(%s) failed: %s", seq, exc)

    def _dispatch(self, stream: Stream, generation: int, times: tuple[int, ...], fragment: bytes) -> None:
        """On the loop: one push of ``stream`` to each subscriber's outbox."""
        if generation != stream.generation:
            return
        stream.pushes += 1
        stream.last_push = time.monotonic()
        if stream.silent_after != self.silent_after and stream.pushes > 1:
            stream.silent_after = self.silent_after
        # Ticks conflate per code; K-line pushes per set of bar times (a completed bar is never replaced).
        key = (stream.key, ()) if stream.period in SNAPSHOT_PERIODS else (stream.key, times)
        for subscriber in stream.subscribers:
            subscriber.put_data(key, fragment)

    def _on_whole(self, snapshots: dict[str, dict[str, Any]], received: float) -> None:
        """On the loop: a whole-market push from the quote book (delivered by xtquant at ``received``),
        filtered for each subscriber."""
        pushed = b'"pushed":%d,' % (received * 1000)
        prefix = pushed + b'"type":"data","stream":{"code":"whole","period":"tick"}'
        prefixes = {False: prefix, True: prefix + b',"fields":' + _FULL_TICK_KEYS_JSON}
        encoded_by_filter: dict[tuple[frozenset[str], bool], tuple[dict[str, Any], bytes]] = {}
        for subscriber, wanted in self.whole.items():
            form = (wanted, subscriber.compact)
            cached = encoded_by_filter.get(form)
            if cached is None:
                chosen: dict[str, Any] = select(snapshots, wanted)
                if subscriber.compact:
                    chosen = as_rows(chosen)
                cached = encoded_by_filter[form] = (chosen, dumps(chosen))
            if cached[0]:
                subscriber.merge_whole(prefixes[subscriber.compact], *cached)
        if self.book_ticks:
            self._book_ticks(snapshots, pushed)

    def _book_ticks(self, snapshots: dict[str, dict[str, Any]], pushed: bytes) -> None:
        """The tick streams served from the whole-market push: each code as a ``subscribe_quote`` push."""
        for code, holders in self.book_ticks.items():
            snapshot = snapshots.get(code)
            if snapshot is None:
                continue
            stream = dumps({"code": code, "period": "tick"})
            fragment = pushed + b'"type":"data","stream":' + stream + b',"data":' + dumps({code: [snapshot]})
            for subscriber in holders:
                subscriber.put_data(((code, "tick"), ()), fragment)

    # ------------------------------------------------------------------ keeper

    def _ensure_keeper(self) -> None:
        if self._keeper is None and not self.stopped:
            self._keeper = asyncio.get_running_loop().create_task(self._keep(), name="realtime-hub")

    async def _keep(self) -> None:
        try:
            while self.streams and not self.stopped:
                await asyncio.sleep(self.check_every)
                await self.check_now()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("realtime hub keeper failed; streams are no longer watched")
        finally:
            self._keeper = None

    def poke(self) -> None:
        """On the loop: the backend's process was replaced (or is being): check now, not at the next round,
        so that streams are renewed and their clients told within moments."""
        if self.subscribers() and not self.stopped:
            asyncio.get_running_loop().create_task(self.check_now(), name="realtime-hub-poke")

    async def check_now(self) -> None:
        """:meth:`check`, unless one is running (then that one's result stands)."""
        if self._checking.locked():
            return
        async with self._checking:
            await self.check()

    async def check(self) -> None:
        """One round of the keeper: reconnects and silent streams."""
        from qmt_bridge.server.services.quote_book import probe_connection

        connected, client = await probe_connection(self.ctx)
        if connected is None:  # too busy to say: no reason to touch working subscriptions
            return
        if not connected:
            if self._connected:
                self._connected = False
                log.warning("realtime: the backend is disconnected; streams resume when it is back")
                self._tell_all(
                    protocol.status(
                        "backend_disconnected",
                        "the market data source is disconnected; "
                        "streams resume by themselves when it is back",
                    )
                )
            return
        replaced = self._client is not None and client is not self._client
        self._client = client
        if not self._connected or replaced:
            self._connected = True
            self.resubscriptions["reconnect"] += 1
            log.warning(
                "realtime: the backend reconnected; subscribing %d stream(s) again", len(self.streams)
            )
            for stream in list(self.streams.values()):
                await self._renew(stream)
            self._tell_all(
                protocol.status("resubscribed", "the market data source reconnected; streams renewed")
            )
            return
        stock_hours = self._trading_hours()
        now = time.monotonic()
        for stream in list(self.streams.values()):
            code = stream.key[0]
            if not (await self._in_session(code) if market_of(code) in FUTURES_MARKETS else stock_hours):
                continue
            if stream.seq is not None and now - stream.last_push > stream.silent_after:
                self.resubscriptions["silence"] += 1
                log.info(
                    "realtime: %s %s silent for %.0f s in trading hours; subscribing again",
                    *stream.key,
                    now - stream.last_push,
                )
                await self._renew(stream)
                stream.silent_after = min(stream.silent_after * 2, SILENT_AFTER_MAX)

    async def _in_session(self, code: str) -> bool:
        """Whether a futures code's product is in continuous trading (a minute inside its edges, like the
        A-share hours of :func:`in_trading_hours`): its night session counts. Its sessions are read from
        the backend once a day; when the backend cannot say, no (a stream is not renewed on a guess)."""
        now = backend_now(self.ctx.backend)
        product = product_of(code)
        known = self._futures_hours.get(product)
        if known is None or known[0] != now.date() or not known[1]:
            spans = await futures_sessions(self.ctx, [code], now, statuses=(3,))
            known = self._futures_hours[product] = (now.date(), spans)
        margin = dt.timedelta(minutes=1)
        return any(begin + margin <= now <= end - margin for begin, end in known[1])

    async def _renew(self, stream: Stream) -> None:
        async with stream.lock:
            if not stream.subscribers:
                return
            await self._unsubscribe(stream)
            try:
                await self._subscribe(stream)
            except SubscribeRefused as exc:
                log.warning("realtime: %s %s could not be subscribed again: %s", *stream.key, exc)

    def _tell_all(self, body: dict[str, Any]) -> None:
        for subscriber in self.subscribers():
            subscriber.put_control(dict(body))

    async def stop(self) -> None:
        """End every upstream subscription (the server is stopping)."""
        self.stopped = True
        if self._keeper is not None:
            self._keeper.cancel()
        for stream in list(self.streams.values()):
            async with stream.lock:
                await self._unsubscribe(stream)
        self.streams.clear()
        for subscriber in list(self.whole):
            self.detach_whole(subscriber)

    def subscribers(self) -> set[Subscriber]:
        """Every connection holding a stream."""
        holders = {s for stream in self.streams.values() for s in stream.subscribers} | set(self.whole)
        return holders | {s for holders_ in self.book_ticks.values() for s in holders_}

    def status(self) -> dict[str, Any]:
        """What ``GET /api/meta/realtime`` answers."""
        now = time.monotonic()
        connections = self.subscribers()
        return {
            "connections": len(connections),
            "queued_messages": sum(len(c.outbox) for c in connections),
            "largest_queue": max((len(c.outbox) for c in connections), default=0),
            "conflated_messages": sum(c.outbox.conflated for c in connections),
            "streams": [
                {
                    "code": stream.code,
                    "period": stream.period,
                    "subscribed": stream.seq is not None,
                    "subscribers": len(stream.subscribers),
                    "pushes": stream.pushes,
                    "last_push_age_seconds": round(now - stream.last_push, 3) if stream.pushes else None,
                }
                for stream in self.streams.values()
            ],
            "upstream_subscriptions": sum(stream.seq is not None for stream in self.streams.values()),
            "whole_quote_subscribers": len(self.whole),
            "ticks_from_whole_quote": {code: len(holders) for code, holders in self.book_ticks.items()},
            "resubscriptions": dict(self.resubscriptions),
        }


def _item_times(items: Any) -> tuple[int, ...]:
    """The ``time`` of each pushed item (a K-line push's bars)."""
    if not isinstance(items, list):
        return ()
    return tuple(int(item.get("time") or 0) for item in items if isinstance(item, dict))
