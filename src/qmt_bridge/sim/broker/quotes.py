"""The counter's view of the market: instrument records and order books from an xtdata-shaped object.

:class:`Quotes` asks the market object what xtquant's ``xtdata`` answers (``get_full_tick``,
``get_instrument_detail``, ``get_instrument_type``) and caches the per-day answers (details, securities) per
calendar date. :class:`Book` is one snapshot made integer: prices in li, volumes in shares.

:class:`Liquidity` remembers what fills took from each displayed snapshot, per code, so a second order in
the same 3-second snapshot cannot take the same volume again; it is forgotten when the code's snapshot
changes. It also holds the volume traded between two snapshots the broker saw (what a resting order whose
price the last trade went through may take).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from qmt_bridge.sim.broker import rejections as why
from qmt_bridge.sim.broker.matching import Level
from qmt_bridge.sim.broker.money import to_li
from qmt_bridge.sim.broker.rejections import Rejection
from qmt_bridge.sim.broker.securities import Security, classify
from qmt_bridge.sim.broker.sessions import local_date

ASK, BID, THROUGH = "ask", "bid", "through"
#: ``stockStatus`` of a suspended instrument's snapshot (the simulator's and the official samples' phase).
SUSPENDED_STATUS = 1


@dataclass(frozen=True)
class Book:
    """One snapshot of a code: ``time_ms`` identifies it; prices in li, volumes in shares."""

    code: str
    time_ms: int
    last_li: int
    asks: tuple[Level, ...]
    bids: tuple[Level, ...]
    volume: int  # traded today so far
    suspended: bool


@dataclass(frozen=True)
class Limits:
    """A code's price band on the detail's trading day (0 = no bound)."""

    day: str  # 'YYYYMMDD'
    down_li: int
    up_li: int
    trading: bool


def _levels(prices: Any, volumes: Any, unit: int) -> tuple[Level, ...]:
    out = []
    for price, vol in zip(prices or (), volumes or (), strict=False):
        li = to_li(float(price or 0.0))
        shares = int(vol or 0) * unit
        if li > 0 and shares > 0:
            out.append((li, shares))
    return tuple(out)


class Quotes:
    """Instrument records and books of ``market`` (an xtdata-shaped object) at ``clock``'s moment."""

    def __init__(self, market: Any, clock: Any) -> None:
        self.market = market
        self.clock = clock
        self._day: dt.date | None = None
        self._details: dict[str, dict[str, Any] | None] = {}
        self._securities: dict[str, Security | Rejection] = {}

    def now(self) -> dt.datetime:
        return self.clock.now()

    def _fresh(self) -> None:
        today = local_date(self.clock.now())
        if today != self._day:
            self._day, self._details, self._securities = today, {}, {}

    def detail(self, code: str) -> dict[str, Any] | None:
        self._fresh()
        if code not in self._details:
            self._details[code] = self.market.get_instrument_detail(code)
        return self._details[code]

    def security(self, code: str) -> Security:
        """The code's :class:`Security`, or :class:`Rejection` when a stock account cannot trade it."""
        self._fresh()
        found = self._securities.get(code)
        if found is None:
            try:
                found = classify(self.market, code, self.detail(code))
            except Rejection as exc:
                found = exc
            self._securities[code] = found
        if isinstance(found, Rejection):
            raise found
        return found

    def limits(self, code: str) -> Limits:
        detail = self.detail(code) or {}
        return Limits(
            day=str(detail.get("TradingDay") or ""),
            down_li=to_li(float(detail.get("DownStopPrice") or 0.0)),
            up_li=to_li(float(detail.get("UpStopPrice") or 0.0)),
            trading=bool(detail.get("IsTrading", True)) and not int(detail.get("InstrumentStatus") or 0),
        )

    def check_listed(self, code: str) -> None:
        """:class:`Rejection` for a code that is delisted, not yet listed or suspended by its record."""
        if not self.limits(code).trading:
            raise Rejection(why.SECURITY, f"证券停牌或不在交易期: {code}")

    def books(self, units: dict[str, int]) -> dict[str, Book]:
        """The current snapshot of each code of ``units`` (code -> shares per book unit)."""
        if not units:
            return {}
        ticks = self.market.get_full_tick(list(units))
        out = {}
        for code, unit in units.items():
            snap = ticks.get(code)
            if snap:
                out[code] = Book(
                    code=code,
                    time_ms=int(snap.get("time") or 0),
                    last_li=to_li(float(snap.get("lastPrice") or 0.0)),
                    asks=_levels(snap.get("askPrice"), snap.get("askVol"), unit),
                    bids=_levels(snap.get("bidPrice"), snap.get("bidVol"), unit),
                    volume=int(snap.get("volume") or 0) * unit,
                    suspended=int(snap.get("stockStatus") or 0) == SUSPENDED_STATUS,
                )
        return out

    def book(self, code: str, unit: int) -> Book | None:
        return self.books({code: unit}).get(code)

    def last_prices(self, codes: Iterable[str]) -> dict[str, int]:
        """Last prices (li) of ``codes`` that have a quote."""
        codes = list(codes)
        if not codes:
            return {}
        ticks = self.market.get_full_tick(codes)
        out = {}
        for code in codes:
            snap = ticks.get(code)
            if snap and snap.get("lastPrice"):
                out[code] = to_li(float(snap["lastPrice"]))
        return out


def _cst_day(time_ms: int) -> int:
    return (time_ms + 8 * 3_600_000) // 86_400_000


class Liquidity:
    """Volume taken from each code's current snapshot (see the module docstring)."""

    def __init__(self) -> None:
        #: code -> (snapshot time, {(side, price): shares taken}, volume traded since the previous snapshot)
        self._taken: dict[str, tuple[int, dict[tuple[str, int], int], int]] = {}
        self._volume: dict[str, tuple[int, int]] = {}  # code -> (time, cumulative volume) last seen

    def _state(self, book: Book) -> tuple[int, dict[tuple[str, int], int], int]:
        state = self._taken.get(book.code)
        if state is None or state[0] != book.time_ms:
            seen = self._volume.get(book.code)
            through = 0
            if seen is not None and seen[0] < book.time_ms and _cst_day(seen[0]) == _cst_day(book.time_ms):
                through = max(0, book.volume - seen[1])
            self._volume[book.code] = (book.time_ms, book.volume)
            state = (book.time_ms, {}, through)
            self._taken[book.code] = state
        return state

    def remaining(self, book: Book, side: str) -> list[Level]:
        """``book``'s ``side`` (ASK or BID) levels less what was taken from this snapshot."""
        _, taken, _ = self._state(book)
        levels = book.asks if side == ASK else book.bids
        out = []
        for price, shares in levels:
            left = shares - taken.get((side, price), 0)
            out.append((price, max(left, 0)))
        return out

    def through(self, book: Book) -> int:
        """Volume traded since the previous snapshot seen, less what resting orders took of it."""
        _, taken, through = self._state(book)
        return max(0, through - taken.get((THROUGH, 0), 0))

    def take(self, book: Book, side: str, price_li: int, shares: int) -> None:
        _, taken, _ = self._state(book)
        key = (side, price_li if side != THROUGH else 0)
        taken[key] = taken.get(key, 0) + shares
