"""Level-2 data of one simulated security day: trades (逐笔成交), orders (逐笔委托), 10-level snapshots and
the deep (千档) book, all derived from — and consistent with — the day's 1m bars and 3-second ticks.

Everything is a pure function of ``(seed, code, day)``; a whole day is built at once (~10-30 ms) and the
xtdata layer cuts it at "now". Prices are integers on the instrument's tick grid internally.

Model (what holds exactly, and what is simplified):

- **Trades** follow the Level-1 tick path. The volume traded between two 3-second ticks equals the tick
  volume difference, so the cumulative L2 volume equals the tick ``volume`` at every tick, and the trades
  of each 1m bar sum to its ``volume`` (x lot size, see units) and exactly its ``amount``. The last
  trade of a 3-second interval is at that tick's ``lastPrice``, and a minute's last trade at the bar's
  ``close``; every trade of a minute lies inside the minute's ``[low, high]``, and the minute's high and
  low are traded whenever one 3-second interval of the minute traded at least 3 lots (in practice all
  but a few thin minutes of illiquid names).
  ``l2quote`` snapshots therefore equal the ticks (lastPrice, volume, amount; high and low where traded)
  at the end of every traded minute; inside a minute a tick whose interval had no volume may show a price no trade
  reached (the L2 snapshot keeps the last trade's price). The number of trades follows the tick
  ``transactionNum`` but stays within :data:`TRADE_BUDGET` a day (or one per traded 3-second interval
  if that is more; fewer, larger trades for the most active names). Opening (09:25:00.000) and closing (15:00:00.000, stocks) call-auction trades are at
  the auction price with ``tradeFlag`` 0 (unknown initiator); continuous trades have ``tradeFlag`` 1
  (buy-initiated, 外盘) or 2 (sell-initiated, 内盘). An interval's last trade is buy-initiated when the
  tick's ask-1 is at that price and sell-initiated when its bid-1 is.
- **Amounts**: a 1m bar's amount is its volume at a price inside the bar's range (see ``intraday``), which
  its trades' prices need not average to. The trades that are free to move (not the last of their 3-second
  interval, not at the minute's high, low or close) lean towards the bar's VWAP, each by the same share of
  its distance to the bar's high (or low), in whole ticks; what is left is added to as few trades as it
  takes, at most ``k`` ticks a share each with ``k`` as small as possible. Amounts are whole cents, like the
  bars'. So the trades of each bar sum exactly to its amount, every trade's ``amount / volume`` lies in the
  bar's [low, high] (as the bar's own VWAP does), and most trades' ``amount`` is exactly ``price x volume``
  (the others differ by a few ticks a share: within about 1% of the price on almost all days, up to ~2.5%
  for low-priced stocks).
- **Orders**: every trade references an aggressive order (arriving at the trade time, fully filled; a
  sweep over several price levels is one order) and a resting order (placed earlier at the trade price,
  filled by one or a few trades). Resting orders are placed only after the last trade that would have
  crossed them, so replaying ``l2order`` + ``l2transaction`` never gives a crossed book. About a third
  more orders rest unfilled beyond the day's remaining price range. Auction orders (09:15-09:25,
  14:57-15:00) are fully filled by the auction. There are no cancellations in either stream; all orders
  are ``entrustType`` 1 (limit) with ``entrustDirection`` 1 (buy) / 2 (sell); order numbers (and trade
  indices) increase with time, with gaps (the exchange channel is shared with other securities).
- **Depth**: levels 1-5 of every snapshot are the Level-1 tick's book; levels beyond come from a static
  per-day deep book (price levels keyed by price, so they persist) up to the price limits. The depth is
  a model of the whole market's book, not the replay of the order stream (which only carries the orders
  that trade). Queues of single orders inside a level (``l2orderqueue``, thousand queues) are split from
  the level volume with sizes keyed by price, so a level's queue keeps its composition over time.
- Cancellation statistics (``withdraw*`` in ``l2quoteaux`` / transaction counts) are modelled as a
  fraction of the volume traded so far; they are not backed by cancel records.

Units: ``l2transaction.volume`` and ``l2order.volume`` are **shares** (股; bonds for convertible bonds), as
exchanges publish them (``amount`` ≈ price x volume); ``l2quote`` keeps the tick units (``volume`` and
depth volumes in lots, ``pvolume`` in shares); thousand books, order queues and full-speed books are in
lots (手) as the xtquant docs state for ``l2thousand``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from qmt_bridge.sim.market.bars import day_start_ms
from qmt_bridge.sim.market.hashing import MASK64, day_key, hash_uniform, stable_hash
from qmt_bridge.sim.market.instruments import CB, ETF, STOCK, Instrument
from qmt_bridge.sim.market.lru import LRU
from qmt_bridge.sim.market.prices import PriceEngine
from qmt_bridge.sim.market.rules import has_closing_auction, lot_size, price_decimals

#: Instrument kinds with Level-2 order/trade streams (cash securities on SH/SZ/BJ).
L2_KINDS = (STOCK, ETF, CB)
DEPTH = 10  # l2quote depth levels
THOUSAND = 1000  # max levels of a thousand-level book side
FULLSPEED_LEVELS = 20
QUEUE_SHOWN = 50  # single orders listed per level in order queues
TRADE_BUDGET = 10_000  # max continuous trades per day
_QUEUE_SLOTS = 64  # order sizes generated per level before estimating the rest

_H = 3_600_000
_M = 60_000
# ms after 00:00 CST
_T0915 = 9 * _H + 15 * _M
_T0925 = 9 * _H + 25 * _M
_T0930 = 9 * _H + 30 * _M
_T1130 = 11 * _H + 30 * _M
_T1300 = 13 * _H
_T1457 = 14 * _H + 57 * _M
_T1500 = 15 * _H

# big-order classes by order amount (CNY): 特大单 >= 1M, 大单 >= 200k, 中单 >= 40k, else 小单
ORDER_CLASSES = ("Most", "Big", "Medium", "Small")
CLASS_BOUNDS = (1_000_000.0, 200_000.0, 40_000.0)


# ----------------------------------------------------------------------------------------------- helpers


def _group_bounds(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For consecutive groups of ``sizes`` rows: (group of each row, start row, end row, position in group)."""
    sizes = np.asarray(sizes, dtype=np.int64)
    grp = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.cumsum(sizes) - sizes
    ends = starts + sizes - 1
    pos = np.arange(int(sizes.sum())) - starts[grp]
    return grp, starts, ends, pos


def _group_fraction(weights: np.ndarray, grp: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Cumulative share of each row's weight inside its group (exactly 1.0 on a group's last row)."""
    cw = np.cumsum(weights)
    before = cw[starts] - weights[starts]
    total = cw[ends] - before
    frac = (cw - before[grp]) / np.where(total[grp] > 0, total[grp], 1.0)
    frac[ends] = 1.0
    return frac


def _split_by_fraction(totals: np.ndarray, frac: np.ndarray, grp: np.ndarray, pos: np.ndarray, rint: bool):
    """Integer parts of ``totals`` (per group) at the cumulative fractions ``frac``; parts sum exactly."""
    scaled = totals[grp] * frac
    cum = np.rint(scaled) if rint else np.floor(scaled)
    prev = np.r_[0.0, cum[:-1]]
    prev[pos == 0] = 0.0
    return (cum - prev).astype(np.int64)


def last_above(keys: np.ndarray, positions: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """For each query, the largest index j < position with ``keys[j] > threshold`` (-1 if none).

    A sparse table of range maxima and a vectorised binary descent: O((n + q) log n) in numpy.
    """
    n = len(keys)
    pos = np.asarray(positions, dtype=np.int64).copy()
    if n == 0 or len(pos) == 0:
        return pos - 1
    table = [np.asarray(keys)]
    span = 1
    while span * 2 <= n:
        prev = table[-1]
        table.append(np.maximum(prev[:-span], prev[span:]))
        span *= 2
    for k in range(len(table) - 1, -1, -1):
        size = 1 << k
        cand = pos - size
        ok = cand >= 0
        level = table[k]
        values = level[np.clip(cand, 0, len(level) - 1)]
        step = ok & (values <= thresholds)
        pos = np.where(step, cand, pos)
    return pos - 1


# ----------------------------------------------------------------------------------------------- the day


@dataclass
class Level2Day:
    """One security's Level-2 day. Arrays are in time order; prices in ticks unless noted."""

    inst: Instrument
    day: dt.date
    key: int
    lot: int
    tick: float
    decimals: int
    down: int  # price range of the book (limit prices in ticks)
    up: int
    pre_close: int
    suspended: bool
    order_lots: float  # mean single-order size (lots) used to split levels into queues
    # trades
    t_time: np.ndarray
    t_price: np.ndarray
    t_lots: np.ndarray
    t_cents: np.ndarray
    t_index: np.ndarray
    t_buy: np.ndarray  # order row (into o_*) of the buy side
    t_sell: np.ndarray
    t_flag: np.ndarray
    # orders, sorted by entrustNo
    o_time: np.ndarray
    o_price: np.ndarray
    o_lots: np.ndarray
    o_no: np.ndarray
    o_dir: np.ndarray
    # snapshots (the 3-second tick grid)
    s_time: np.ndarray
    s_trades: np.ndarray  # number of trades at or before each snapshot
    l1: dict[str, np.ndarray]  # tick fields kept as they are (open, lastClose, stockStatus, ...)
    s_indicative: np.ndarray  # tick lastPrice (ticks) used before the first trade
    bid_p: np.ndarray  # (n, DEPTH) ticks, 0 = empty
    bid_v: np.ndarray  # (n, DEPTH) lots
    ask_p: np.ndarray
    ask_v: np.ndarray
    # static deep book beyond level 5: ascending prices with volumes, and prefix sums
    deep_bid_p: np.ndarray
    deep_bid_v: np.ndarray
    deep_ask_p: np.ndarray
    deep_ask_v: np.ndarray
    withdraw_ratio: tuple[float, float] = (0.3, 0.3)
    _cache: dict = field(default_factory=dict, repr=False)

    # --------------------------------------------------------------- derived per-trade / per-snapshot columns

    @property
    def n_trades(self) -> int:
        return len(self.t_time)

    def price(self, ticks: np.ndarray) -> np.ndarray:
        return np.round(np.asarray(ticks, dtype=np.float64) * self.tick, self.decimals)

    def trade_columns(self) -> dict[str, np.ndarray]:
        cols = self._cache.get("trades")
        if cols is None:
            cols = {
                "time": self.t_time,
                "price": self.price(self.t_price),
                "volume": self.t_lots * self.lot,
                "amount": self.t_cents / 100.0,
                "tradeIndex": self.t_index,
                "buyNo": self.o_no[self.t_buy],
                "sellNo": self.o_no[self.t_sell],
                "tradeType": np.ones(self.n_trades, np.int64),
                "tradeFlag": self.t_flag,
            }
            self._cache["trades"] = cols
        return cols

    def order_columns(self) -> dict[str, np.ndarray]:
        cols = self._cache.get("orders")
        if cols is None:
            cols = {
                "time": self.o_time,
                "price": self.price(self.o_price),
                "volume": self.o_lots * self.lot,
                "entrustNo": self.o_no,
                "entrustType": np.ones(len(self.o_time), np.int64),
                "entrustDirection": self.o_dir,
            }
            self._cache["orders"] = cols
        return cols

    def quote_columns(self) -> dict[str, np.ndarray]:
        cols = self._cache.get("quote")
        if cols is not None:
            return cols
        idx = self.s_trades - 1
        has = idx >= 0
        safe = np.maximum(idx, 0)
        if self.n_trades:
            cum_lots = np.cumsum(self.t_lots)
            cum_cents = np.cumsum(self.t_cents)
            run_hi = np.maximum.accumulate(self.t_price)
            run_lo = np.minimum.accumulate(self.t_price)
            last = np.where(has, self.t_price[safe], self.s_indicative)
            volume = np.where(has, cum_lots[safe], 0)
            amount = np.where(has, cum_cents[safe], 0) / 100.0
            high = np.where(has, run_hi[safe], 0)
            low = np.where(has, run_lo[safe], 0)
        else:
            last = self.s_indicative
            volume = np.zeros(len(idx), np.int64)
            amount = np.zeros(len(idx))
            high = low = np.zeros(len(idx), np.int64)
        l1 = self.l1
        if self.suspended:  # flat all day at preClose, like the ticks
            high = low = np.full(len(idx), self.pre_close)
        cols = {
            "time": self.s_time,
            "lastPrice": self.price(last),
            "open": l1["open"],
            "high": self.price(high),
            "low": self.price(low),
            "amount": amount,
            "volume": volume,
            "pvolume": volume * self.lot,
            "openInt": l1["openInt"],
            "stockStatus": l1["stockStatus"],
            "transactionNum": self.s_trades,
            "lastClose": l1["lastClose"],
            "lastSettlementPrice": l1["lastSettlementPrice"],
            "settlementPrice": l1["settlementPrice"],
            "pe": l1["pe"],
            "askPrice": np.where(self.ask_v > 0, self.price(self.ask_p), 0.0),
            "bidPrice": np.where(self.bid_v > 0, self.price(self.bid_p), 0.0),
            "askVol": self.ask_v,
            "bidVol": self.bid_v,
        }
        self._cache["quote"] = cols
        return cols

    def quoteaux_columns(self) -> dict[str, np.ndarray]:
        cols = self._cache.get("quoteaux")
        if cols is not None:
            return cols
        bid_qty, bid_value = self._side_totals(
            self.bid_p, self.bid_v, self.deep_bid_p, self.deep_bid_v, bid=True
        )
        ask_qty, ask_value = self._side_totals(
            self.ask_p, self.ask_v, self.deep_ask_p, self.deep_ask_v, bid=False
        )
        q = self.quote_columns()
        rb, ro = self.withdraw_ratio
        volume = q["volume"].astype(np.float64)
        amount = q["amount"]
        cols = {
            "time": self.s_time,
            "avgBidPrice": np.round(
                np.where(bid_qty > 0, bid_value / np.maximum(bid_qty, 1), 0.0) * self.tick, 4
            ),
            "totalBidQuantity": bid_qty,
            "avgOffPrice": np.round(
                np.where(ask_qty > 0, ask_value / np.maximum(ask_qty, 1), 0.0) * self.tick, 4
            ),
            "totalOffQuantity": ask_qty,
            "withdrawBidQuantity": np.floor(volume * rb).astype(np.int64),
            "withdrawBidAmount": np.floor(amount * rb),
            "withdrawOffQuantity": np.floor(volume * ro).astype(np.int64),
            "withdrawOffAmount": np.floor(amount * ro),
        }
        self._cache["quoteaux"] = cols
        return cols

    def _side_totals(
        self, p: np.ndarray, v: np.ndarray, deep_p: np.ndarray, deep_v: np.ndarray, bid: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Total lots and sum of price x lots (ticks) of a whole book side per snapshot (all levels)."""
        qty = v[:, :5].sum(axis=1).astype(np.int64)
        value = (p[:, :5] * v[:, :5]).sum(axis=1).astype(np.float64)
        prefix_v = np.r_[0, np.cumsum(deep_v)]
        prefix_pv = np.r_[0.0, np.cumsum(deep_p.astype(np.float64) * deep_v)]
        if bid:  # deep bids strictly below level 5
            cut = np.searchsorted(deep_p, p[:, 4], side="left")
            extra_v, extra_pv = prefix_v[cut], prefix_pv[cut]
        else:  # deep asks strictly above level 5
            cut = np.searchsorted(deep_p, p[:, 4], side="right")
            extra_v, extra_pv = prefix_v[-1] - prefix_v[cut], prefix_pv[-1] - prefix_pv[cut]
        full = v[:, 4] > 0  # the deep book only shows behind a full 5-level L1 book
        return qty + np.where(full, extra_v, 0), value + np.where(full, extra_pv, 0.0)

    # --------------------------------------------------------------- books at single snapshots

    def snapshot_at(self, ms: int) -> int:
        """Index of the last snapshot at or before ``ms`` (-1 before the first)."""
        return int(np.searchsorted(self.s_time, ms, side="right")) - 1

    def book(self, s: int, levels: int = THOUSAND) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(bid prices, bid lots, ask prices, ask lots) of snapshot ``s``, best first, up to ``levels`` each."""
        out = []
        for bid in (True, False):
            p5 = (self.bid_p if bid else self.ask_p)[s, :5]
            v5 = (self.bid_v if bid else self.ask_v)[s, :5]
            keep = v5 > 0
            prices, vols = p5[keep], v5[keep]
            if keep.all() and levels > 5:
                deep_p = self.deep_bid_p if bid else self.deep_ask_p
                deep_v = self.deep_bid_v if bid else self.deep_ask_v
                want = levels - 5
                if bid:
                    cut = int(np.searchsorted(deep_p, p5[4], side="left"))
                    lo = max(cut - want, 0)
                    dp, dv = deep_p[lo:cut][::-1], deep_v[lo:cut][::-1]
                else:
                    cut = int(np.searchsorted(deep_p, p5[4], side="right"))
                    dp, dv = deep_p[cut : cut + want], deep_v[cut : cut + want]
                prices, vols = np.r_[prices, dp], np.r_[vols, dv]
            out += [prices[:levels], vols[:levels]]
        return out[0], out[1], out[2], out[3]

    def queues(self, prices: np.ndarray, lots: np.ndarray, bid: bool) -> tuple[list[list[int]], np.ndarray]:
        """Single-order queues of book levels: (first :data:`QUEUE_SHOWN` order sizes per level, order count).

        Order sizes are keyed by (price, side, position) so a level keeps its queue while it exists; the
        level volume is filled from the front and the last listed order carries the remainder.
        """
        prices = np.asarray(prices, dtype=np.int64)
        lots = np.asarray(lots, dtype=np.int64)
        if len(prices) == 0:
            return [], np.zeros(0, np.int64)
        side = 0 if bid else 1
        ids = (prices[:, None] * 2 + side) * _QUEUE_SLOTS + np.arange(_QUEUE_SLOTS)[None, :]
        u = hash_uniform(self.key, ids, 301)
        sizes = 1 + np.floor(self.order_lots * -np.log1p(-u)).astype(np.int64)
        cum = np.cumsum(sizes, axis=1)
        reached = cum >= lots[:, None]
        first = np.where(reached.any(axis=1), reached.argmax(axis=1), _QUEUE_SLOTS)
        rest = lots - cum[:, -1]
        count = np.where(
            first < _QUEUE_SLOTS,
            first + 1,
            _QUEUE_SLOTS + np.ceil(np.maximum(rest, 0) / max(self.order_lots, 1.0)).astype(np.int64),
        )
        shown: list[list[int]] = []
        for r in range(len(prices)):
            c = int(first[r])
            if c < _QUEUE_SLOTS:
                row = sizes[r, : c + 1].copy()
                row[c] = lots[r] - (cum[r, c - 1] if c > 0 else 0)
            else:
                row = sizes[r]
            shown.append(row[:QUEUE_SHOWN].tolist())
        return shown, count


# ----------------------------------------------------------------------------------------------- builder


def build_level2_day(prices: PriceEngine, inst: Instrument, day: dt.date, seed: int) -> Level2Day | None:
    """The Level-2 day of ``inst`` on ``day``; None if the instrument has no bar that day."""
    bars = prices.minutes(inst, day)
    if len(bars) == 0:
        return None
    ticks = prices.ticks(inst, day)
    tick = float(inst.price_tick)
    dec = price_decimals(tick)
    lot = lot_size(inst)
    key = day_key(seed, inst.code, day, salt=0x4C32)
    rng = np.random.default_rng([seed & MASK64, stable_hash(inst.code), day.toordinal(), 0x4C32])
    base = day_start_ms(day)

    def to_ticks(values: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(values, dtype=np.float64) / tick).astype(np.int64)

    T = ticks["time"].astype(np.int64)
    P = to_ticks(ticks["lastPrice"])
    V = ticks["volume"].astype(np.int64)
    BT = bars["time"].astype(np.int64)
    H = to_ticks(bars["high"])
    LO = to_ticks(bars["low"])
    C = to_ticks(bars["close"])
    pre_close = int(to_ticks(bars["preClose"][:1])[0])
    suspended = bool(bars["suspendFlag"][0] == 1)
    day_volume = int(bars["volume"].sum())
    limits = prices.limits(inst, day)
    if limits is not None:
        down, up = int(round(limits[0] / tick)), int(round(limits[1] / tick))
    else:
        down, up = max(1, int(pre_close * 0.8)), int(math.ceil(pre_close * 1.2))
        down, up = min(down, int(LO.min())), max(up, int(H.max()))
    price_cny = max(pre_close * tick, tick)
    order_lots = float(np.clip(60_000.0 / (price_cny * lot), 1.0, 300.0))

    # ------------------------------------------------------------------ trades
    d = np.diff(V, prepend=0)
    active = np.flatnonzero(d > 0)
    minute_of = np.minimum(np.searchsorted(BT, T, side="left"), len(BT) - 1)
    open_iv = active[T[active] < BT[0]]
    closing = has_closing_auction(inst, day) and not suspended
    close_iv = active[(active == len(T) - 1)] if closing else active[:0]
    cont = np.setdiff1d(active, np.r_[open_iv, close_iv])
    orders: list[dict[str, np.ndarray]] = []  # pieces of the order table (before sorting)
    n_orders = 0

    def add_orders(time, e, price, lots_, direction) -> np.ndarray:
        nonlocal n_orders
        piece = {
            "time": np.asarray(time, np.int64),
            "e": np.asarray(e, np.float64),
            "price": np.asarray(price, np.int64),
            "lots": np.asarray(lots_, np.int64),
            "dir": np.asarray(direction, np.int64),
        }
        orders.append(piece)
        ids = np.arange(n_orders, n_orders + len(piece["time"]))
        n_orders += len(piece["time"])
        return ids

    # continuous
    cont_tr = _empty_trades()
    ag_time = ag_first = ag_price = ag_lots = ag_dir = np.zeros(0, np.int64)
    pg_first = np.zeros(0, np.int64)
    if len(cont):
        dc = d[cont]
        total_l1 = int(ticks["transactionNum"][-1]) if len(ticks) else 0
        target = min(max(total_l1, len(cont)), TRADE_BUDGET)
        # at least one trade per traded interval (two where the budget allows: room to reach highs/lows)
        floor_n = np.minimum(dc, 2)
        if floor_n.sum() > 0.6 * target:
            floor_n = np.ones_like(dc)
        # ... and three in each minute's busiest interval: two trades free to reach the minute's high and low
        m_cont = minute_of[cont]
        order = np.lexsort((-dc, m_cont))
        _, first = np.unique(m_cont[order], return_index=True)
        busiest = order[first]
        floor_n[busiest] = np.maximum(floor_n[busiest], np.minimum(dc[busiest], 3))
        rate = max(target - int(floor_n.sum()), 0) / float(dc.sum())
        n = np.clip(floor_n + np.rint(dc * rate), floor_n, dc).astype(np.int64)
        grp, starts, ends, pos = _group_bounds(n)
        big_n = len(grp)
        last = pos == n[grp] - 1
        # volumes: 1 lot each plus a heavy-tailed share of the rest of the interval volume
        weights = rng.lognormal(0.0, 1.0, big_n)
        lots = 1 + _split_by_fraction(
            (dc - n).astype(np.float64), _group_fraction(weights, grp, starts, ends), grp, pos, rint=False
        )
        # times inside (T[i-1], T[i]]
        iv = cont[grp]
        lo_t = T[iv - 1]
        off = 1 + np.floor(rng.random(big_n) * (T[iv] - lo_t)).astype(np.int64)
        off = off[np.lexsort((off, grp))]
        times = lo_t + off
        # prices: between the previous tick's price and this tick's; the interval's last trade at the tick's
        pa, pb = P[iv - 1], P[iv]
        plo = np.minimum(pa, pb)
        price = plo + np.floor(rng.random(big_n) * (np.maximum(pa, pb) - plo + 1)).astype(np.int64)
        price[last] = pb[last]
        touched = _touch_extremes(price, last, minute_of[iv], H, LO)
        # free trades lean towards each bar's VWAP, so that amounts are price x volume (see _amounts)
        m_of = minute_of[iv]
        end_of_min = np.r_[m_of[1:] != m_of[:-1], True]
        fixed = last | end_of_min | (price == H[m_of]) | (price == LO[m_of])  # keep the extremes traded
        fixed[touched] = True
        settled = np.where(end_of_min, C[m_of], price)  # minute ends are pinned to the close below
        _lean(price, settled, lots, m_of, fixed, H, LO, bars["amount"] / (lot * tick))
        # initiator: the last trade before a tick hit the side the tick's book shows at lastPrice
        bid1 = to_ticks(ticks["bidPrice"][:, 0])
        on_bid = (ticks["bidVol"][:, 0] > 0) & (bid1 == P)
        final_flag = np.where(on_bid[iv], 2, 1)
        prev_price = np.r_[P[cont[0] - 1], price[:-1]]
        dp = price - prev_price
        keep = rng.random(big_n) < 0.7
        flag = np.where(dp > 0, 1, np.where(dp < 0, 2, np.where(keep, final_flag, 3 - final_flag)))
        flag[last] = final_flag[last]
        # a bar closes at its last trade: pin each minute's last trade to the close (the tick ending the
        # minute shows the close; its book puts the close at bid-1 or ask-1, which gives the initiator)
        close_t = C[m_of[end_of_min]]
        end_tick = np.searchsorted(T, BT[m_of[end_of_min]], side="right") - 1
        price[end_of_min] = close_t
        flag[end_of_min] = np.where(on_bid[end_tick], 2, 1)
        dp = price - np.r_[P[cont[0] - 1], price[:-1]]
        # aggressor orders: a run of same-side trades walking the book is one sweeping order
        prev_flag = np.r_[0, flag[:-1]]
        monotone = np.where(flag == 1, dp >= 0, dp <= 0)
        new_ag = (pos == 0) | (flag != prev_flag) | ~monotone | (rng.random(big_n) >= 0.45)
        ag = np.cumsum(new_ag) - 1
        ag_first = np.flatnonzero(new_ag)
        times = times[ag_first][ag]
        n_ag = len(ag_first)
        ag_time = times[ag_first]
        ag_lots = np.bincount(ag, weights=lots, minlength=n_ag).astype(np.int64)
        ag_dir = flag[ag_first]
        ends_ag = np.r_[ag_first[1:], big_n] - 1
        ag_price = price[ends_ag]  # the sweep's furthest price (its limit)
        # resting orders: adjacent fills at one price by different aggressors may hit the same order
        join = np.r_[
            False,
            (flag[1:] == flag[:-1]) & (price[1:] == price[:-1]) & new_ag[1:] & (rng.random(big_n - 1) < 0.5),
        ]
        pg = np.cumsum(~join) - 1
        pg_first = np.flatnonzero(~join)
        cont_tr = {
            "time": times,
            "price": price,
            "lots": lots,
            "flag": flag,
            "ag": ag,
            "pg": pg,
        }

    # opening auction; its order prices stay inside the day's traded range, where no unfilled order rests
    open_tr = _empty_trades()
    if len(open_iv):
        i = int(open_iv[0])
        o = int(P[i])
        traded = np.r_[o, cont_tr["price"], P[close_iv]]
        day_hi, day_lo = int(traded.max()), int(traded.min())
        open_tr = _auction(
            rng, add_orders, int(d[i]), o, base + _T0915, base + _T0925, int(T[i]),
            buy_range=(o, max(o, min(day_hi, o + max(2, o // 50)))),
            sell_range=(min(o, max(day_lo, o - max(2, o // 50))), o),
            size=order_lots * 3.0,
        )  # fmt: skip

    # closing auction (orders are added after the fillers: their prices must not cross resting fillers)
    n_open = len(open_tr["time"])
    n_cont = len(cont_tr["time"])
    close_i = int(close_iv[0]) if len(close_iv) else -1

    # global trade arrays (without the closing auction yet) for the crossing constraints
    g_time = np.r_[open_tr["time"], cont_tr["time"]].astype(np.int64)
    g_price = np.r_[open_tr["price"], cont_tr["price"]].astype(np.int64)
    g_flag = np.r_[np.zeros(n_open, np.int64), cont_tr["flag"]].astype(np.int64)
    if close_i >= 0:
        g_time = np.r_[g_time, T[close_i]]
        g_price = np.r_[g_price, P[close_i]]
        g_flag = np.r_[g_flag, 0]

    # aggressor orders of the continuous session
    ag_ids = add_orders(ag_time, n_open + ag_first, ag_price, ag_lots, ag_dir)

    # resting orders: placed after the last trade that would have crossed them
    pg_ids = np.zeros(0, np.int64)
    if n_cont:
        f = n_open + pg_first  # global index of each resting order's first fill
        fp = g_price[f]
        sell = cont_tr["flag"][pg_first] == 1
        key_sell = 2 * g_price + (g_flag != 1)
        key_buy = -2 * g_price + (g_flag != 2)
        j = np.where(
            sell, last_above(key_sell, f, 2 * fp), last_above(key_buy, f, -2 * fp)
        )  # fmt: skip
        cross_t = np.where(j >= 0, g_time[np.maximum(j, 0)], 0)
        lower = np.maximum(cross_t, base + _T0930)
        t_first = g_time[f]
        tau = np.maximum(t_first - np.floor(rng.exponential(20_000.0, len(f))).astype(np.int64), lower)
        lunch = (tau > base + _T1130) & (tau < base + _T1300)
        tau = np.where(lunch, base + _T1300, tau)
        e = np.where((j >= 0) & (tau == cross_t), j + 0.5, -1.0)
        pg_lots = np.bincount(cont_tr["pg"], weights=cont_tr["lots"], minlength=len(pg_first)).astype(
            np.int64
        )
        pg_ids = add_orders(tau, e, fp, pg_lots, np.where(sell, 2, 1))

    # unfilled orders resting beyond the rest of the day's range
    n_fill = int(0.35 * (n_open + n_cont))
    filler_buy_max = down - 1
    filler_sell_min = up + 1
    if n_fill and len(g_time):
        morning = _T1130 - _T0915
        s = rng.integers(0, morning + (_T1500 - _T1300), n_fill)
        tau = base + np.where(s < morning, _T0915 + s, _T1300 + s - morning)
        tau.sort()
        idx0 = np.searchsorted(g_time, tau, side="left")
        suffix_min = np.r_[np.minimum.accumulate(g_price[::-1])[::-1], g_price[-1]]
        suffix_max = np.r_[np.maximum.accumulate(g_price[::-1])[::-1], g_price[-1]]
        is_buy = rng.random(n_fill) < 0.5
        gap = max(1.0, 2.0 / _deep_density(pre_close))
        k = np.floor(rng.exponential(4.0 * gap, n_fill)).astype(np.int64)
        fprice = np.where(is_buy, suffix_min[idx0] - 1 - k, suffix_max[idx0] + 1 + k)
        ok = np.where(is_buy, fprice >= down, fprice <= up)
        flots = 1 + np.floor(rng.exponential(order_lots * 2.0, n_fill)).astype(np.int64)
        add_orders(tau[ok], np.full(int(ok.sum()), -1.0), fprice[ok], flots[ok], np.where(is_buy[ok], 1, 2))
        if (ok & is_buy).any():
            filler_buy_max = int(fprice[ok & is_buy].max())
        if (ok & ~is_buy).any():
            filler_sell_min = int(fprice[ok & ~is_buy].min())

    close_tr = _empty_trades()
    if close_i >= 0:
        c = int(P[close_i])
        close_tr = _auction(
            rng, add_orders, int(d[close_i]), c, base + _T1457, base + _T1500, int(T[close_i]),
            buy_range=(c, max(c, min(up, filler_sell_min - 1, c + max(2, c // 100)))),
            sell_range=(min(c, max(down, filler_buy_max + 1, c - max(2, c // 100))), c),
            size=order_lots * 3.0,
        )  # fmt: skip

    # ------------------------------------------------------------------ order numbers
    table = {k: np.concatenate([p[k] for p in orders]) if orders else np.zeros(0) for k in
             ("time", "e", "price", "lots", "dir")}  # fmt: skip
    order = np.lexsort((table["e"], table["time"]))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    o_no = 1000 + int(rng.integers(0, 400_000)) + np.cumsum(rng.integers(1, 4, len(order)))

    # ------------------------------------------------------------------ assemble trades
    t_time = np.r_[open_tr["time"], cont_tr["time"], close_tr["time"]].astype(np.int64)
    t_price = np.r_[open_tr["price"], cont_tr["price"], close_tr["price"]].astype(np.int64)
    t_lots = np.r_[open_tr["lots"], cont_tr["lots"], close_tr["lots"]].astype(np.int64)
    t_flag = np.r_[np.zeros(n_open, np.int64), cont_tr["flag"], np.zeros(len(close_tr["time"]), np.int64)]
    if n_cont:
        aggr = ag_ids[cont_tr["ag"]]
        passive = pg_ids[cont_tr["pg"]]
        c_buy = np.where(cont_tr["flag"] == 1, aggr, passive)
        c_sell = np.where(cont_tr["flag"] == 1, passive, aggr)
    else:
        c_buy = c_sell = np.zeros(0, np.int64)
    t_buy = rank[np.r_[open_tr["buy"], c_buy, close_tr["buy"]].astype(np.int64)]
    t_sell = rank[np.r_[open_tr["sell"], c_sell, close_tr["sell"]].astype(np.int64)]
    t_index = 100 + int(rng.integers(0, 200_000)) + np.cumsum(rng.integers(1, 3, len(t_time)))

    # amounts: price x volume, each bar's remainder on the trades with room for it
    cents_per_lot_tick = int(round(lot * tick * 100))
    t_cents = _amounts(t_time, t_price, t_lots, BT, bars["amount"], LO, H, cents_per_lot_tick)

    s_trades = np.searchsorted(t_time, T, side="right").astype(np.int64)

    # ------------------------------------------------------------------ depth
    bid_p5 = to_ticks(ticks["bidPrice"]) * (ticks["bidVol"] > 0)
    ask_p5 = to_ticks(ticks["askPrice"]) * (ticks["askVol"] > 0)
    bid_v5 = ticks["bidVol"].astype(np.int64)
    ask_v5 = ticks["askVol"].astype(np.int64)
    size = max(1.0, day_volume / 240.0 * 0.3)
    deep = _deep_book(key, down, up, pre_close, size)
    bid_p, bid_v = _extend(bid_p5, bid_v5, deep[0], deep[1], bid=True)
    ask_p, ask_v = _extend(ask_p5, ask_v5, deep[2], deep[3], bid=False)

    l1 = {
        name: ticks[name]
        for name in (
            "open",
            "lastClose",
            "stockStatus",
            "openInt",
            "lastSettlementPrice",
            "settlementPrice",
            "pe",
        )
    }
    wr = hash_uniform(key, np.array([0, 1]), 401)
    return Level2Day(
        inst=inst,
        day=day,
        key=key,
        lot=lot,
        tick=tick,
        decimals=dec,
        down=down,
        up=up,
        pre_close=pre_close,
        suspended=suspended,
        order_lots=order_lots,
        t_time=t_time,
        t_price=t_price,
        t_lots=t_lots,
        t_cents=t_cents,
        t_index=t_index,
        t_buy=t_buy,
        t_sell=t_sell,
        t_flag=t_flag,
        o_time=table["time"][order].astype(np.int64),
        o_price=table["price"][order].astype(np.int64),
        o_lots=table["lots"][order].astype(np.int64),
        o_no=o_no,
        o_dir=table["dir"][order].astype(np.int64),
        s_time=T,
        s_trades=s_trades,
        l1=l1,
        s_indicative=P,
        bid_p=bid_p,
        bid_v=bid_v,
        ask_p=ask_p,
        ask_v=ask_v,
        deep_bid_p=deep[0],
        deep_bid_v=deep[1],
        deep_ask_p=deep[2],
        deep_ask_v=deep[3],
        withdraw_ratio=(0.2 + 0.4 * float(wr[0]), 0.2 + 0.4 * float(wr[1])),
    )


def _empty_trades() -> dict[str, np.ndarray]:
    z = np.zeros(0, np.int64)
    return dict.fromkeys(("time", "price", "lots", "buy", "sell", "flag", "ag", "pg"), z)


def _positive_split(rng: np.random.Generator, total: int, parts: int) -> np.ndarray:
    """``total`` split into ``parts`` positive integers (heavy-tailed)."""
    parts = max(1, min(parts, total))
    w = rng.lognormal(0.0, 1.0, parts)
    grp, starts, ends, pos = _group_bounds(np.array([parts]))
    frac = _group_fraction(w, grp, starts, ends)
    return 1 + _split_by_fraction(np.array([float(total - parts)]), frac, grp, pos, rint=False)


def _auction(rng, add_orders, volume, price, t_lo, t_hi, t_match, buy_range, sell_range, size) -> dict:
    """A call auction matching ``volume`` lots at ``price``: its fully filled orders and its trades."""
    n_buy = int(np.clip(round(volume / size * rng.uniform(0.6, 1.4)), 1, 40))
    n_sell = int(np.clip(round(volume / size * rng.uniform(0.6, 1.4)), 1, 40))
    buys = _positive_split(rng, volume, n_buy)
    sells = _positive_split(rng, volume, n_sell)
    ids = []
    for lots_, (lo, hi), direction in ((buys, buy_range, 1), (sells, sell_range, 2)):
        times = np.sort(rng.integers(t_lo, t_hi, len(lots_)))
        prices = rng.integers(lo, hi + 1, len(lots_))
        if direction == 1:
            prices[rng.random(len(lots_)) < 0.5] = price  # many orders at the auction price itself
        else:
            prices[rng.random(len(lots_)) < 0.5] = price
        ids.append(
            add_orders(times, np.full(len(lots_), -1.0), prices, lots_, np.full(len(lots_), direction))
        )
    cum_b, cum_s = np.cumsum(buys), np.cumsum(sells)
    points = np.union1d(cum_b, cum_s)
    lots = np.diff(np.r_[0, points])
    return {
        "time": np.full(len(points), t_match, np.int64),
        "price": np.full(len(points), price, np.int64),
        "lots": lots.astype(np.int64),
        "buy": ids[0][np.searchsorted(cum_b, points, side="left")],
        "sell": ids[1][np.searchsorted(cum_s, points, side="left")],
    }


def _touch_extremes(
    price: np.ndarray, last: np.ndarray, minute: np.ndarray, H: np.ndarray, LO: np.ndarray
) -> np.ndarray:
    """Make each minute's trades reach the minute's high and low, moving trades that are not the last of
    their tick interval (those are pinned to the tick's lastPrice). Returns the moved trades' indices."""
    if len(price) == 0:
        return np.zeros(0, np.int64)
    new = np.r_[True, minute[1:] != minute[:-1]]
    starts = np.flatnonzero(new)
    mid = np.cumsum(new) - 1
    mins = minute[starts]
    need_hi = np.maximum.reduceat(price, starts) < H[mins]
    need_lo = np.minimum.reduceat(price, starts) > LO[mins]
    free = np.flatnonzero(~last)
    first_free = np.full(len(starts), -1)
    last_free = np.full(len(starts), -1)
    if len(free):
        g = mid[free]
        u, at = np.unique(g, return_index=True)
        first_free[u] = free[at]
        u, at = np.unique(g[::-1], return_index=True)
        last_free[u] = free[::-1][at]
    fix_hi = need_hi & (first_free >= 0)
    price[first_free[fix_hi]] = H[mins[fix_hi]]
    fix_lo = need_lo & (last_free >= 0) & ~(fix_hi & (last_free == first_free))
    price[last_free[fix_lo]] = LO[mins[fix_lo]]
    return np.r_[first_free[fix_hi], last_free[fix_lo]].astype(np.int64)


def _lean(
    price: np.ndarray,
    settled: np.ndarray,
    lots: np.ndarray,
    minute: np.ndarray,
    fixed: np.ndarray,
    H: np.ndarray,
    LO: np.ndarray,
    target: np.ndarray,
) -> None:
    """Move the prices of the trades not ``fixed`` (in place, whole ticks, inside their minute's range) so
    that each minute's sum of price x lots approaches ``target`` (the bar's amount in lot-ticks).

    ``settled`` are the prices the trades will end with (fixed ones included). Each free trade covers the
    same share of its distance to the high (or low), rounded to the tick; what rounding leaves is taken
    up by the amounts (:func:`_amounts`).
    """
    n_min = len(target)
    w = lots.astype(np.float64)
    gap = target - np.bincount(minute, weights=settled * w, minlength=n_min)
    up = gap[minute] > 0
    cap = np.where(up, H[minute] - price, price - LO[minute]) * ~fixed
    avail = np.bincount(minute, weights=cap * w, minlength=n_min)
    share = np.divide(np.abs(gap), avail, out=np.zeros(n_min), where=avail > 0).clip(0.0, 1.0)
    step = np.rint(share[minute] * cap).astype(np.int64)
    price += np.where(up, step, -step)


def _amounts(
    t_time: np.ndarray,
    t_price: np.ndarray,
    t_lots: np.ndarray,
    bar_time: np.ndarray,
    bar_amount: np.ndarray,
    bar_low: np.ndarray,
    bar_high: np.ndarray,
    cents_per_lot_tick: int,
) -> np.ndarray:
    """Trade amounts in cents: price x volume, plus what the bar's amount and its trades' price x volume
    still differ by (after :func:`_lean`).

    The difference goes to as few trades as it takes, each taking at most ``k`` ticks a share towards the
    bar's high (or low), with ``k`` the smallest number of ticks that covers it. So the trades of a bar sum
    to its amount exactly, every amount / volume lies in the bar's [low, high] whenever the bar's own
    amount / volume does (always: see ``intraday``), and the other trades' amounts are exactly price x volume.
    """
    if len(t_time) == 0:
        return np.zeros(0, np.int64)
    minute = np.searchsorted(bar_time, t_time, side="left")
    n_min = len(bar_time)
    value = t_price * t_lots * cents_per_lot_tick  # int64 cents
    total = np.rint(np.asarray(bar_amount, dtype=np.float64) * 100.0).astype(np.int64)
    left = total - np.bincount(minute, weights=value, minlength=n_min).astype(np.int64)
    need = np.abs(left)
    up = left[minute] >= 0
    room = np.where(up, bar_high[minute] - t_price, t_price - bar_low[minute])  # ticks a share
    lot_cents = t_lots * cents_per_lot_tick
    # the smallest k covering each bar's difference (binary search, all bars at once)
    lo = np.ones(n_min, np.int64)
    hi = np.maximum(np.bincount(minute, weights=room, minlength=n_min).astype(np.int64), 1)
    while (lo < hi).any():
        mid = (lo + hi) // 2
        cover = np.bincount(minute, weights=np.minimum(room, mid[minute]) * lot_cents, minlength=n_min)
        ok = cover >= need
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid + 1)
    cap = np.minimum(room, lo[minute]) * lot_cents
    order = np.lexsort((-cap, minute))  # by minute, largest share first
    sorted_cap = cap[order]
    cum = np.cumsum(sorted_cap)
    first = np.r_[True, minute[order][1:] != minute[order][:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    before = cum - sorted_cap - (cum[start] - sorted_cap[start])
    extra = np.empty_like(value)
    extra[order] = np.clip(need[minute[order]] - before, 0, sorted_cap)
    amount = value + np.where(up, extra, -extra)
    # a bar whose own amount lay outside its range (none do, see intraday): the rest on its last trade
    rest = total - np.bincount(minute, weights=amount, minlength=n_min).astype(np.int64)
    ends = np.r_[np.flatnonzero(minute[1:] != minute[:-1]), len(minute) - 1]
    amount[ends] += rest[minute[ends]]
    return amount


def _deep_density(pre_close: int) -> float:
    """Share of price ticks beyond level 5 that hold orders (the L1 book's level gaps, 1..0.0002 x price)."""
    gap_max = max(1.0, pre_close * 0.0002)
    return min(1.0, 2.0 / (1.0 + gap_max))


def _deep_book(key: int, down: int, up: int, pre_close: int, size: float) -> tuple[np.ndarray, ...]:
    """Static levels beyond the L1 book: ascending (bid prices, bid lots, ask prices, ask lots)."""
    grid = np.arange(max(down, 1), up + 1, dtype=np.int64)
    q = _deep_density(pre_close)
    out = []
    for stream in (201, 211):
        exists = hash_uniform(key, grid, stream) < q
        prices_ = grid[exists]
        u = hash_uniform(key, prices_, stream + 1)
        out += [prices_, 1 + np.floor(size * -np.log1p(-u)).astype(np.int64)]
    return out[0], out[1], out[2], out[3]


def _extend(p5: np.ndarray, v5: np.ndarray, deep_p: np.ndarray, deep_v: np.ndarray, bid: bool):
    """(n, DEPTH) prices and lots: the 5 L1 levels, then the deep levels beyond level 5 (0 = empty)."""
    n = len(p5)
    prices = np.zeros((n, DEPTH), np.int64)
    lots = np.zeros((n, DEPTH), np.int64)
    prices[:, :5] = p5
    lots[:, :5] = v5
    full = v5[:, 4] > 0
    if len(deep_p) == 0 or n == 0:
        return prices, lots
    if bid:
        cut = np.searchsorted(deep_p, p5[:, 4], side="left")
        idx = cut[:, None] - 1 - np.arange(DEPTH - 5)[None, :]
        ok = full[:, None] & (idx >= 0)
    else:
        cut = np.searchsorted(deep_p, p5[:, 4], side="right")
        idx = cut[:, None] + np.arange(DEPTH - 5)[None, :]
        ok = full[:, None] & (idx < len(deep_p))
    safe = np.clip(idx, 0, len(deep_p) - 1)
    prices[:, 5:] = np.where(ok, deep_p[safe], 0)
    lots[:, 5:] = np.where(ok, deep_v[safe], 0)
    return prices, lots


# ----------------------------------------------------------------------------------------------- cache


class Level2Engine:
    """Builds and caches Level-2 days (small LRU keyed by (code, day))."""

    def __init__(self, prices: PriceEngine, seed: int, capacity: int = 16) -> None:
        self.prices = prices
        self.seed = int(seed)
        self._cache: LRU[tuple[str, dt.date], Level2Day | None] = LRU(capacity)

    def day(self, inst: Instrument, day: dt.date) -> Level2Day | None:
        return self._cache.get_or_build(
            (inst.code, day), lambda: build_level2_day(self.prices, inst, day, self.seed)
        )
