"""A market set by hand, for tests and demonstrations of the broker: an xtdata-shaped object whose quotes
you write, and a clock you move.

    clock = ManualClock(dt.datetime(2025, 11, 20, 10, 0))
    market = ManualMarket(clock)
    market.add("600000.SH", "浦发银行", pre_close=10.0)          # limits 9.00 / 11.00
    market.quote("600000.SH", last=10.0, asks=[(10.01, 5)], bids=[(10.0, 3)])   # volumes in lots
    broker = SimBroker(market, clock, background=False)

Like the simulator's, a quote is a snapshot of the current 3-second bucket: its ``time`` is the bucket's start,
so when the clock moves to the next bucket the same quote counts as a new snapshot (its volume displayed
again). Instruments answer ``get_instrument_type`` like the simulator's (``kind`` one of ``'stock'``,
``'etf'``, ``'cb'``, ``'index'``, ``'future'``, ``'option'``, ``'hk'``); ``t0`` kinds answer
``is_stock_type(code, 100030)``.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass, field
from typing import Any

from qmt_bridge.sim.clock import CST

_TYPE_FLAGS = {
    "stock": {"stock": True, "a_share": True},
    "etf": {"fund": True, "etf": True},
    "cb": {"bond": True, "convertible_bond": True},
    "index": {"index": True},
    "future": {"future": True},
    "option": {"option": True},
    "hk": {"stock": True, "hk": True},
}
_LIMIT_PCT = {"main": 0.10, "star": 0.20, "chinext": 0.20, "bj": 0.30, "etf": 0.10, "cb": 0.20}


class ManualClock:
    """A clock that stands still until moved (CST; a naive moment is taken as CST)."""

    def __init__(self, moment: dt.datetime) -> None:
        self._lock = threading.Lock()
        self._now = self._aware(moment)

    @staticmethod
    def _aware(moment: dt.datetime) -> dt.datetime:
        return moment.replace(tzinfo=CST) if moment.tzinfo is None else moment

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def today(self) -> dt.date:
        return self.now().date()

    def set(self, moment: dt.datetime) -> None:
        with self._lock:
            self._now = self._aware(moment)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)


@dataclass
class _Instrument:
    code: str
    name: str
    kind: str
    tick: float
    pre_close: float
    up: float
    down: float
    status: int
    trading: bool
    t0: bool
    quote: dict[str, Any] = field(default_factory=dict)


def _limit(pre_close: float, pct: float, tick: float, up: bool) -> float:
    ticks = pre_close * (1 + pct if up else 1 - pct) / tick
    decimals = max(0, -int(math.floor(math.log10(tick) + 1e-9)))
    return round(math.floor(ticks + 0.5) * tick, decimals)


class ManualMarket:
    """xtdata's ``get_full_tick`` / ``get_instrument_detail`` / ``get_instrument_type`` / ``is_stock_type``
    over instruments and quotes set by hand (see the module docstring)."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self._instruments: dict[str, _Instrument] = {}
        self._lock = threading.Lock()

    def add(
        self,
        code: str,
        name: str = "",
        *,
        kind: str = "stock",
        pre_close: float = 10.0,
        tick: float | None = None,
        up: float | None = None,
        down: float | None = None,
        status: int = 0,
        trading: bool = True,
        t0: bool | None = None,
    ) -> None:
        """Add an instrument; limits default to the board's percentage of ``pre_close`` (0 = none)."""
        if tick is None:
            tick = 0.01 if kind == "stock" else 0.001
        symbol, _, market = code.partition(".")
        board = kind
        if kind == "stock":
            board = "bj" if market == "BJ" else "star" if symbol[:3] in ("688", "689") else "main"
            board = "chinext" if market == "SZ" and symbol[:3] in ("300", "301") else board
        pct = _LIMIT_PCT.get(board, 0.0)
        if up is None:
            up = _limit(pre_close, pct, tick, True) if pct else 0.0
        if down is None:
            down = _limit(pre_close, pct, tick, False) if pct else 0.0
        with self._lock:
            self._instruments[code] = _Instrument(
                code,
                name or code,
                kind,
                tick,
                pre_close,
                up,
                down,
                status,
                trading,
                kind == "cb" if t0 is None else t0,
            )

    def quote(
        self,
        code: str,
        last: float,
        asks: list[tuple[float, int]] = (),  # type: ignore[assignment]
        bids: list[tuple[float, int]] = (),  # type: ignore[assignment]
        *,
        volume: int = 0,
        suspended: bool = False,
    ) -> None:
        """Set ``code``'s book: up to five ``(price, lots)`` a side, best first; ``volume`` is today's
        cumulative volume in lots."""
        asks, bids = list(asks)[:5], list(bids)[:5]
        pad = [(0.0, 0)] * 5
        asks_p, bids_p = (asks + pad)[:5], (bids + pad)[:5]
        with self._lock:
            inst = self._instruments[code]
            inst.quote = {
                "lastPrice": last,
                "lastClose": inst.pre_close,
                "askPrice": [p for p, _ in asks_p],
                "askVol": [v for _, v in asks_p],
                "bidPrice": [p for p, _ in bids_p],
                "bidVol": [v for _, v in bids_p],
                "volume": volume,
                "stockStatus": 1 if suspended else 3,
            }

    # --- xtdata ---------------------------------------------------------------------------------------

    def get_full_tick(self, code_list: list[str]) -> dict[str, dict[str, Any]]:
        bucket_ms = int(self.clock.now().timestamp()) // 3 * 3000
        out = {}
        with self._lock:
            for code in code_list:
                inst = self._instruments.get(code)
                if inst is not None and inst.quote:
                    snap = dict(inst.quote, time=bucket_ms)
                    for key in ("askPrice", "askVol", "bidPrice", "bidVol"):
                        snap[key] = list(snap[key])
                    out[code] = snap
        return out

    def get_instrument_detail(self, stock_code: str, iscomplete: bool = False) -> dict[str, Any] | None:
        with self._lock:
            inst = self._instruments.get(stock_code)
        if inst is None:
            return None
        symbol, _, market = stock_code.partition(".")
        return {
            "ExchangeID": market,
            "InstrumentID": symbol,
            "InstrumentName": inst.name,
            "TradingDay": self.clock.now().strftime("%Y%m%d"),
            "PreClose": inst.pre_close,
            "UpStopPrice": inst.up,
            "DownStopPrice": inst.down,
            "PriceTick": inst.tick,
            "VolumeMultiple": 1,
            "InstrumentStatus": inst.status,
            "IsTrading": inst.trading,
        }

    def get_instrument_type(self, stock_code: str, variety_list: list[str] | None = None) -> dict[str, bool]:
        with self._lock:
            inst = self._instruments.get(stock_code)
        flags = dict(_TYPE_FLAGS.get(inst.kind, {})) if inst is not None else {}
        if variety_list:
            return {v: flags.get(v, False) for v in variety_list}
        return flags

    def is_stock_type(self, stock: str, tag: int) -> bool:
        with self._lock:
            inst = self._instruments.get(stock)
        return inst is not None and tag == 100030 and inst.t0
