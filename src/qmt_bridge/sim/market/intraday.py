"""One instrument-day's intraday data, built from its daily bar: its 1m bars with their amounts, packed into
a compact state (:class:`Intraday`, cached by the price engine) laid out on the day's grid of its trading
hours (:mod:`.trading_hours`: a stock's 241 bars; a future's night session first). Its 3-second ticks and the
full-tick snapshots of many instruments at once are computed from that state by :mod:`.ticks`.

Random numbers come from a numpy generator seeded with ``[seed, crc32(code), day, 1]`` (the minute path) and
from counter-based hashes (a minute's tick path, :func:`tick_paths`, so one tick is computed without the
others).

The packed layout (``Intraday.table``/``money``/``ints``/``floats``: the ``BAR_``, ``MONEY_``, ``INT_`` and
``FLOAT_`` column numbers) is this module's contract with :mod:`.ticks`.

Model (simplifications documented here, not hidden):

- Intraday: a stock has 241 1m bars (09:30 auction bar, 09:31-11:30, 13:01-15:00), and so have ETFs, bonds,
  ETF options and HK stocks (no HK sessions); futures and CFFEX options have their exchange's hours,
  commodity futures' night sessions included (:mod:`.trading_hours`). Stocks with a closing auction (SZ,
  BJ, SH from 2018-08-20) have flat, zero-volume 14:58 and 14:59 bars and the auction in the 15:00 bar.
  Suspended days have flat zero-volume bars (and a flat tick grid without a book).
  The close path is a Brownian bridge from the open to the close inside the day's range, raised or
  lowered in mid-session until its volume-weighted typical price is the day's VWAP; each minute's amount
  is its volume at its 3-second ticks' prices, nudged by a common share of its range so the minutes sum
  exactly to the day, and rounded to the cent: every traded minute's VWAP lies in its [low, high] (auction
  bars trade at one price), since a volume unit moved by one tick is whole cents for every kind (a CB lot
  of 10 bonds at 0.001 is 1 cent) and the day's own amount is its volume at a price in its range, to the
  cent. A minute without volume is flat at the previous close; every continuous minute trades when the
  continuous session has at least two lots per minute (auction volumes not counted).
- Units as in the daily bars (see ``daily_history``); ``pvolume`` is volume x lot size. Amounts are CNY in whole
  cents (kept as integer cents internally, so a tick's running amount is exactly the sum of the minutes
  before it plus a share of its own); indices' daily amount (their constituents' turnover) is split over
  minutes by volume x typical price.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

import numpy as np

from qmt_bridge.sim.market.bars import Bars, day_number, day_start_ms
from qmt_bridge.sim.market.hashing import (
    MASK64,
    day_key,
    hash_uniform,
    hash_uniforms,
    stable_hash,
)
from qmt_bridge.sim.market.instruments import FUTURE, INDEX, STOCK, Instrument
from qmt_bridge.sim.market.rules import (
    NO_LIMIT,
    has_closing_auction,
    is_derivative,
    limit_pcts,
    limit_ticks,
    lot_size,
    price_decimals,
    to_price,
)
from qmt_bridge.sim.market.trading_hours import (
    STOCK_HOURS,
    SessionGrid,
)

STOCK_GRID = STOCK_HOURS.grid(False)
_INT32_MAX = np.iinfo(np.int32).max


# columns of Intraday.table (int32, one row per 1m bar j): the bar, and the sums over the bars before it
(BAR_O, BAR_H, BAR_L, BAR_C, BAR_VOL, BAR_TRADES, BAR_CUM_VOL, BAR_CUM_TRADES, BAR_HIGH_BEFORE, BAR_LOW_BEFORE, BAR_OI, BAR_OI_PREV,
 BAR_C5) = range(13)  # fmt: skip
# columns of Intraday.money (float64, whole cents): the bar's amount and the amount before it
MONEY_CENTS, MONEY_CUM_CENTS = range(2)
# Intraday.ints: the day's integer constants (prices in ticks; flags 0/1; the key's bits as int64)
(INT_KEY, INT_BASE_MS, INT_SUSPENDED, INT_AUCTION_CLOSE, INT_DAY_OPEN, INT_PRE_CLOSE, INT_DOWN, INT_UP, INT_DAY_VOLUME, INT_DAY_RANGE,
 INT_PRE_OI, INT_BOOK, INT_DERIVATIVE, INT_STOCK, INT_LOT, INT_DECIMALS, INT_NIGHT_BASE_MS) = range(17)  # fmt: skip
# Intraday.floats: the day's float constants (prices already rounded like xtquant's)
FLOAT_TICK, FLOAT_EPS, FLOAT_LAST_CLOSE, FLOAT_PRE_SETTLE, FLOAT_SETTLE = range(5)


# columns of DaysAhead.rows: what building one instrument-day takes from the daily history
(IN_OPEN, IN_HIGH, IN_LOW, IN_CLOSE, IN_PRE_CLOSE, IN_VOLUME, IN_AMOUNT, IN_FLAG, IN_OI, IN_PRE_OI,
 IN_SETTLE, IN_PRE_SETTLE, IN_AVG_MINUTE_VOLUME) = range(13)  # fmt: skip
DAYS_AHEAD = 16  # trading days whose inputs are kept per instrument


@dataclass(eq=False)
class DaysAhead:
    """The daily-history inputs of an instrument's days from calendar index ``first`` on (a few weeks),
    so that the next days' intraday data is built without rebuilding the whole history (~2 kB)."""

    first: int
    rows: np.ndarray  # (days, 13) float64, exact (integers, and amounts to the cent)
    derivative: bool  # open interest and settlement prices exist
    value_per_unit: float
    amount_at_prices: bool  # False for indices (amount is the constituents' turnover)


@dataclass(eq=False)
class Intraday:
    """One instrument-day as the tick generator needs it (~17 kB, no float bars).

    The 1m bars in ticks are packed one row a minute together with the running sums (``table``,
    ``money``), and the day's constants are one int and one float vector, so the rows of many
    instrument-days stack into arrays for one vectorised pass (a whole-market snapshot) and a day's
    ticks are the same computation with one instrument-day on every row.
    """

    inst: Instrument
    grid: SessionGrid
    key: int
    flag: int  # suspendFlag
    avg_minute_volume: float  # the 5 previous days' mean volume a minute (0 on the first day): volRatio
    table: np.ndarray  # (minutes, 13) int32
    money: np.ndarray  # (minutes, 2) float64 whole cents
    ints: np.ndarray  # int64 constants
    floats: np.ndarray  # float64 constants

    @property
    def suspended(self) -> bool:
        return self.flag == 1


# ----------------------------------------------------------------------------------------------- build


def build_intraday(
    inst: Instrument,
    day: dt.date,
    ahead: DaysAhead,
    c: int,
    seed: int,
    eps: float = 0.0,
    *,
    grid: SessionGrid = STOCK_GRID,
    night_base_ms: int | None = None,
) -> Intraday:
    """The intraday data of ``day`` (calendar index ``c``) from its daily-history inputs ``ahead``, laid out
    on ``grid`` (:func:`~.trading_hours.grid_of`); a night session's times count from ``night_base_ms``, the
    previous trading day's midnight.

    ``eps`` is the stock's TTM earnings per share as of ``day`` (:class:`~.valuation.EarningsBook`), which
    the ticks' ``pe`` divides the price by; without it (0.0, and for anything but stocks) ``pe`` is 0.0.
    """
    tick, dec = float(inst.price_tick), price_decimals(inst.price_tick)
    d = ahead.rows[c - ahead.first]
    day_o, day_h, day_l, day_c = (int(d[IN_OPEN]), int(d[IN_HIGH]), int(d[IN_LOW]), int(d[IN_CLOSE]))
    pc = int(d[IN_PRE_CLOSE])
    day_v, day_a = int(d[IN_VOLUME]), float(d[IN_AMOUNT])
    flag = int(d[IN_FLAG])
    m = grid.minutes
    suspended = flag == 1
    ca = has_closing_auction(inst, day) and not suspended
    key = day_key(seed, inst.code, day)
    rng = np.random.default_rng([seed & MASK64, stable_hash(inst.code), day.toordinal(), 1])
    if suspended:
        closes = np.full(m, pc, np.int64)
        opens, highs, lows = closes.copy(), closes.copy(), closes.copy()
        vols = np.zeros(m, np.int64)
        cents = np.zeros(m)
    else:
        opens, highs, lows, closes, vols, cents = _minute_bars(
            rng,
            (day_o, day_h, day_l, day_c),
            day_v,
            day_a,
            value_per_tick=ahead.value_per_unit * tick,
            closing_auction=ca,
            amount_at_prices=ahead.amount_at_prices,
            key=key,
            grid=grid,
        )
    oi = np.zeros(m, np.int64)
    settle = pre_settle = pre_oi = 0
    derivative = ahead.derivative
    if derivative:
        day_oi, pre_oi = int(d[IN_OI]), int(d[IN_PRE_OI])
        frac = np.linspace(0.0, 1.0, m)
        wobble = np.rint(rng.standard_normal(m) * max(abs(day_oi - pre_oi), day_oi * 0.01) * 0.1)
        oi = np.maximum(np.rint(pre_oi + (day_oi - pre_oi) * frac) + wobble, 1).astype(np.int64)
        oi[-1] = day_oi
        settle, pre_settle = int(d[IN_SETTLE]), int(d[IN_PRE_SETTLE])
    lot_per_trade = 4.0 + 26.0 * float(hash_uniform(stable_hash(inst.code), np.array([0]), 50)[0])
    trades = np.ceil(vols / lot_per_trade).astype(np.int64)
    pcts = limit_pcts(inst, np.array([day_number(day)]))
    if pcts[0] > 0:
        # futures' band is around the previous settlement, every other kind's around the previous close
        reference = pre_settle if inst.kind == FUTURE and pre_settle else pc
        down_a, up_a = limit_ticks(np.array([reference]), int(pcts[0]))
        down, up = int(down_a[0]), int(up_a[0])
    else:
        down, up = 1, NO_LIMIT

    table = np.empty((m, 13), np.int64)
    table[:, BAR_O], table[:, BAR_H], table[:, BAR_L], table[:, BAR_C] = opens, highs, lows, closes
    table[:, BAR_VOL], table[:, BAR_TRADES] = vols, trades
    table[:, BAR_CUM_VOL] = np.cumsum(vols) - vols
    table[:, BAR_CUM_TRADES] = np.cumsum(trades) - trades
    table[:, BAR_HIGH_BEFORE] = _shifted(np.maximum.accumulate(highs), highs[0])
    table[:, BAR_LOW_BEFORE] = _shifted(np.minimum.accumulate(lows), lows[0])
    table[:, BAR_OI], table[:, BAR_OI_PREV] = oi, _shifted(oi, pre_oi)
    table[:, BAR_C5] = closes[np.maximum(np.arange(m) - 5, 0)]
    if np.abs(table).max() > _INT32_MAX:  # prices, volumes and open interest fit easily
        raise OverflowError(f"{inst.code} {day}: 1m data beyond int32")
    money = np.empty((m, 2))
    money[:, MONEY_CENTS] = cents
    money[:, MONEY_CUM_CENTS] = _shifted(np.cumsum(cents), 0.0)  # integers below 2**53: exact
    ints = np.array(
        [
            key - (1 << 64) if key >= 1 << 63 else key,  # the uint64 key's bits
            day_start_ms(day),
            suspended,
            ca,
            day_o,
            pc,
            down,
            up,
            day_v,
            int(highs.max() - lows.min()),
            pre_oi,
            inst.kind != INDEX,  # indices have no book
            is_derivative(inst),
            inst.kind == STOCK,
            lot_size(inst),
            dec,
            day_start_ms(day) if night_base_ms is None else night_base_ms,
        ],
        np.int64,
    )
    floats = np.array(
        [
            tick,
            float(eps) if inst.kind == STOCK else 0.0,
            round(pc * tick, dec),
            round(pre_settle * tick, dec) if is_derivative(inst) else 0.0,
            round(settle * tick, dec) if derivative else 0.0,
        ]
    )
    table = table.astype(np.int32)
    for arr in (table, money, ints, floats):
        arr.flags.writeable = False
    return Intraday(
        inst=inst,
        grid=grid,
        key=key,
        flag=flag,
        avg_minute_volume=float(d[IN_AVG_MINUTE_VOLUME]),
        table=table,
        money=money,
        ints=ints,
        floats=floats,
    )


@functools.cache
def _u_shape(grid: SessionGrid) -> np.ndarray:
    """Relative volume of each continuous minute: high at the open, rising into the close, and a smaller
    burst after each break but the short mid-morning one of commodities."""
    n = grid.minutes - 1
    i = np.arange(1, n + 1, dtype=np.float64)
    shape = 1.0 + 2.5 * np.exp(-(i - 1) / 12.0) + 1.2 * np.exp(-(n - i) / 15.0)
    first = 1
    for (begin, end), (next_begin, _) in zip(grid.spans, grid.spans[1:], strict=False):
        first += end - begin
        if next_begin - end >= 60 or next_begin < end:  # a real break (lunch, or the night's end)
            shape += np.where(i >= first, 0.6 * np.exp(-(i - first) / 10.0), 0.0)
    return shape


def _minute_bars(
    rng: np.random.Generator,
    day: tuple[int, int, int, int],
    day_v: int,
    day_a: float,
    *,
    value_per_tick: float,
    closing_auction: bool,
    amount_at_prices: bool,
    key: int,
    grid: SessionGrid,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """open, high, low, close (ticks), volume and amount of the 1m bars of a trading day on ``grid``.

    ``day`` is the day's (open, high, low, close) in ticks; the bars aggregate exactly to it and to
    ``day_v`` / ``day_a``. The close path is a Brownian bridge from the open to the close inside the day's
    range, lifted or lowered in mid-session (a bump that vanishes at both ends) until the volume-weighted
    mean of the minutes' typical prices is the day's VWAP (``day_a`` / volume / ``value_per_tick``). Each
    minute's amount is then its volume traded at the prices of its 3-second ticks (:func:`_tick_paths`,
    as the ticks and Level-2 trades show them), moved by one common fraction of the distance to each
    minute's high (or low) to add up to the day; where even the highs (lows) cannot reach the day's VWAP,
    the wicks of the traded minutes grow first. The amounts are then rounded to whole cents inside each
    minute's range with the day's sum kept exact (:func:`_cents_in_ranges`). So every minute's VWAP lies in
    its [low, high] (the auction bars trade at their one price). With ``amount_at_prices`` false (indices,
    whose amount is the constituents' turnover) the day's amount is split in whole cents in proportion to
    volume x typical price and the path is not conditioned.

    Amounts are returned in cents (float64, whole numbers).

    Every continuous minute trades at least one lot when the continuous session has two lots a minute or
    more; on thinner days the minutes without volume are flat at the previous close.
    """
    m = grid.minutes
    day_o, day_h, day_l, day_c = day
    ca = closing_auction
    end = m - 4 if ca else m - 1  # last minute of the bridge (before the closing auction's 3 minutes)
    # -- random draws, always in this order (the open-interest path of derivatives continues the stream)
    target = day_c
    if ca:
        noise = round(rng.standard_normal() * max(1.0, (day_h - day_l) * 0.05))
        target = int(np.clip(day_c + noise, day_l, day_h))
    steps = np.cumsum(rng.standard_normal(end))
    wick = max(day_h - day_l, 1) * 0.06
    up_noise = np.floor(np.abs(rng.standard_normal(m)) * wick).astype(np.int64)
    down_noise = np.floor(np.abs(rng.standard_normal(m)) * wick).astype(np.int64)
    u_auction, u_close = rng.random(2)
    # -- volumes: auction share, U-shaped continuous profile, closing-auction share
    v_auction = int(day_v * (0.005 + 0.025 * u_auction))
    v_close = int(day_v * (0.02 + 0.05 * u_close)) if ca else 0
    if v_auction == 0 and day_v >= 2:  # an opening auction with trades (the day's open is a trade)
        v_auction = 1
    if ca and v_close == 0 and day_v - v_auction >= 2:
        v_close = 1
    if ca and v_close == 0:  # no closing-auction trade: the continuous session ends at the close
        target = day_c
    weights = _u_shape(grid)[:end] * rng.gamma(2.0, 0.5, end)
    vols = np.zeros(m, np.int64)
    vols[0] = v_auction
    vols[1 : end + 1] = rng.multinomial(day_v - v_auction - v_close, weights / weights.sum())
    if ca:
        vols[m - 1] = v_close
    cont_v = vols[1 : end + 1]  # a view
    idle = cont_v == 0
    if idle.any() and cont_v.sum() >= 2 * end:
        # liquid enough for a trade every minute: one lot each from the busiest minutes
        order = np.argsort(-cont_v, kind="stable")
        spare = np.maximum(cont_v[order] - 1, 0)
        taken = np.clip(int(idle.sum()) - (np.cumsum(spare) - spare), 0, spare)
        cont_v[order] -= taken
        cont_v[idle] = 1
    traded = vols > 0
    traded[0] = True  # the auction bar anchors the day's open either way
    candidates = np.flatnonzero(traded[1 : end + 1]) + 1  # continuous minutes with trades
    thin = len(candidates) < end
    carry = np.maximum.accumulate(np.where(traded[: end + 1], np.arange(end + 1), 0)) if thin else None
    flat = ~traded
    if ca:
        flat[m - 3 : m - 1] = False  # 14:58 and 14:59 are flat by construction below

    i = np.arange(1, end + 1, dtype=np.float64)
    bridge = steps - i / end * steps[-1]
    sigma = (day_h - day_l) / (1.5 * math.sqrt(end))
    drift = day_o + (target - day_o) * i / end + sigma * bridge
    bump = np.minimum(1.0, 3.0 * np.sin(np.pi * i / end))

    def shape(b: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        path = np.clip(np.rint(drift + b * bump) if b else np.rint(drift), day_l, day_h).astype(np.int64)
        path[-1] = target
        closes = np.empty(m, np.int64)
        closes[0] = day_o
        closes[1 : end + 1] = path
        if carry is not None:  # minutes without trades keep the previous close
            closes[candidates[-1]] = target
            closes[: end + 1] = closes[carry]
        if ca:
            closes[m - 3 : m - 1] = closes[m - 4]
            closes[m - 1] = day_c
        opens = _shifted(closes, day_o)
        highs = np.minimum(np.maximum(opens, closes) + up_noise, day_h)
        lows = np.maximum(np.minimum(opens, closes) - down_noise, day_l)
        highs[0] = lows[0] = day_o
        if ca:
            highs[m - 3 :] = np.maximum(opens[m - 3 :], closes[m - 3 :])
            lows[m - 3 :] = np.minimum(opens[m - 3 :], closes[m - 3 :])
        if carry is not None:
            highs[flat] = lows[flat] = closes[flat]
        if highs.max() < day_h:
            highs[candidates[int(np.argmax(closes[candidates]))]] = day_h
        if lows.min() > day_l:
            lows[candidates[int(np.argmin(closes[candidates]))]] = day_l
        return opens, highs, lows, closes

    opens, highs, lows, closes = shape(0.0)
    if not amount_at_prices:
        typical = (opens + highs + lows + closes) / 4.0
        return opens, highs, lows, closes, vols, _split_integer(round(day_a * 100.0), vols * typical)

    v = vols.astype(np.float64)
    cont = slice(1, end + 1)
    fixed = v[0] * day_o + (v[m - 1] * day_c if ca else 0.0)  # auction bars trade at one price
    goal = day_a / value_per_tick - fixed  # continuous minutes' sum of volume x price, in lot-ticks

    def weighted(o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray) -> float:
        return float(v[cont] @ ((o[cont] + h[cont] + lo[cont] + c[cont]) / 4.0))

    # -- condition the path on the day's VWAP (secant steps on the bump's height)
    if day_h > day_l:
        slope0 = float(v[cont] @ bump)
        tolerance = float(v[cont].sum()) * max(0.5, (day_h - day_l) * 0.003)
        b, f = 0.0, weighted(opens, highs, lows, closes)
        slope = slope0
        for _ in range(10):
            if abs(goal - f) <= tolerance or slope0 <= 0:
                break
            b_next = b + (goal - f) / slope
            bars = shape(b_next)
            f_next = weighted(*bars)
            if f_next != f:
                slope = max((f_next - f) / (b_next - b), 0.05 * slope0)
            b, f = b_next, f_next
            opens, highs, lows, closes = bars

    # -- each minute's price inside its range; wider wicks when the path alone cannot reach the VWAP
    vc = v[cont]
    if goal > float(vc @ highs[cont]):
        room = vc * (day_h - highs[cont])
        alpha = min((goal - float(vc @ highs[cont])) / max(float(room.sum()), 1e-12), 1.0)
        raised = np.minimum(np.ceil(highs[cont] + alpha * (day_h - highs[cont])), day_h)
        highs[cont] = np.where(vc > 0, raised, highs[cont])
    elif goal < float(vc @ lows[cont]):
        room = vc * (lows[cont] - day_l)
        alpha = min((float(vc @ lows[cont]) - goal) / max(float(room.sum()), 1e-12), 1.0)
        lowered = np.maximum(np.floor(lows[cont] - alpha * (lows[cont] - day_l)), day_l)
        lows[cont] = np.where(vc > 0, lowered, lows[cont])
    # each minute's volume traded along its 3-second path (as the ticks and Level-2 trades show it), then
    # the day's remainder shared by all minutes as one fraction of their distance to their high (or low)
    js = np.arange(1, end + 1)
    path, frac = tick_paths(key, js, opens[cont], highs[cont], lows[cont], closes[cont], np.zeros(end, bool))
    traded_by_tick = np.diff(np.floor(vc[:, None] * frac), axis=1, prepend=0.0)
    along = (traded_by_tick * path).sum(axis=1) / np.maximum(vc, 1.0)
    base = float(vc @ along)
    edge = highs[cont] if goal >= base else lows[cont]
    room = float(vc @ (edge - along))
    theta = min((goal - base) / room, 1.0) if room != 0 else 0.0
    price = np.zeros(m)
    price[0] = day_o
    price[cont] = along + theta * (edge - along)
    if ca:
        price[m - 1] = day_c
    # whole cents: each minute's as close to its volume at ``price`` as the day's sum allows, inside its
    # range (the auction bars at their one price)
    lo_t, hi_t = lows.copy(), highs.copy()
    lo_t[0] = hi_t[0] = day_o
    if ca:
        lo_t[m - 1] = hi_t[m - 1] = day_c
    cents = _cents_in_ranges(
        round(day_a * 100.0), v * price * (value_per_tick * 100.0), vols, lo_t, hi_t, value_per_tick
    )
    return opens, highs, lows, closes, vols, cents


# ----------------------------------------------------------------------------------------------- output


def bars_of(ctx: Intraday) -> Bars:
    """The day's 1m K-line bars (float prices) from its packed minutes."""
    inst = ctx.inst
    tick, dec = float(inst.price_tick), price_decimals(inst.price_tick)
    t = ctx.table
    closes = t[:, BAR_C].astype(np.int64)
    m = ctx.grid.minutes
    settle = np.zeros(m)
    settle[-1] = ctx.floats[FLOAT_SETTLE]
    bars = Bars(
        {
            "time": ctx.grid.minute_times(int(ctx.ints[INT_BASE_MS]), int(ctx.ints[INT_NIGHT_BASE_MS])),
            "open": to_price(t[:, BAR_O], tick, dec),
            "high": to_price(t[:, BAR_H], tick, dec),
            "low": to_price(t[:, BAR_L], tick, dec),
            "close": to_price(closes, tick, dec),
            "volume": t[:, BAR_VOL].astype(np.int64),
            "amount": ctx.money[:, MONEY_CENTS] / 100.0,
            "settelementPrice": settle,
            "openInterest": t[:, BAR_OI].astype(np.int64),
            "preClose": to_price(_shifted(closes, ctx.ints[INT_PRE_CLOSE]), tick, dec),
            "suspendFlag": np.full(m, ctx.flag, np.int64),
        }
    )
    return bars.readonly()


# ----------------------------------------------------------------------------------------------- ticks


def tick_paths(
    key: int | np.ndarray,
    js: np.ndarray,
    o: np.ndarray,
    h: np.ndarray,
    lo: np.ndarray,
    c: np.ndarray,
    auction: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """lastPrice path (ticks) and cumulative volume fraction of the 20 ticks of minute ``js`` of each row.

    A row is one minute of one instrument-day: its day key (one for all rows, or uint64 per row), minute
    number and bar (open, high, low, close in ticks). The path runs open -> one extreme -> the other ->
    close with a one-tick jitter; ``auction`` rows (a closing call auction's 15:00 bar) stay at the open
    and jump to the close on the last tick, which carries all their volume.
    """
    kk = np.arange(1, 21, dtype=np.float64)[None, :]
    o, h, lo, c = (np.asarray(a)[:, None].astype(np.float64) for a in (o, h, lo, c))
    per_minute = hash_uniforms(key, js, (10, 11, 12))
    pa = 1 + np.floor(per_minute[0] * 19)
    pb = 1 + np.floor(per_minute[1] * 19)
    pb = np.where(pb == pa, pa % 19 + 1, pb)
    p1 = np.minimum(pa, pb)[:, None]
    p2 = np.maximum(pa, pb)[:, None]
    high_first = (per_minute[2] < 0.5)[:, None]
    v1 = np.where(high_first, h, lo)
    v2 = np.where(high_first, lo, h)
    seg1 = o + (v1 - o) * kk / p1
    seg2 = v1 + (v2 - v1) * (kk - p1) / (p2 - p1)
    seg3 = v2 + (c - v2) * (kk - p2) / (20.0 - p2)
    path = np.rint(np.where(kk <= p1, seg1, np.where(kk <= p2, seg2, seg3)))
    tick_ids = js[:, None] * 32 + np.arange(1, 21)[None, :]
    per_tick = hash_uniforms(key, tick_ids, (13, 14))
    u = per_tick[0]
    jittered = np.minimum(np.maximum(path + (u > 0.85) - (u < 0.15), lo), h).astype(np.int64)  # 30%: +-1
    rows = np.arange(len(path))
    anchors = (p1[:, 0].astype(np.int64) - 1, p2[:, 0].astype(np.int64) - 1, 19)  # the extremes, the close
    for anchor in anchors:
        jittered[rows, anchor] = path[rows, anchor]
    path = jittered
    weights = per_tick[1] ** 2 + 0.02
    frac = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    frac[:, -1] = 1.0
    if auction.any():
        path[auction, :-1] = o[auction]
        path[auction, -1] = c[auction, 0]
        frac[auction, :-1] = 0.0
    return path, frac


# ----------------------------------------------------------------------------------------------- helpers


def _shifted(a: np.ndarray, first: float) -> np.ndarray:
    """``a`` moved one place later, ``first`` in front (the value "before" each element)."""
    out = np.empty_like(a)
    out[0] = first
    out[1:] = a[:-1]
    return out


def _split_integer(total: float, weights: np.ndarray) -> np.ndarray:
    """Split an integer-valued total into integer parts proportional to ``weights`` (largest remainder)."""
    out = np.zeros(len(weights), dtype=np.float64)
    wsum = float(weights.sum())
    if total <= 0 or wsum <= 0:
        if total > 0:
            out[-1] = total
        return out
    exact = total * (weights / wsum)
    base = np.floor(exact)
    rem = int(round(total - base.sum()))
    frac = exact - base
    if rem > 0:
        base[np.argsort(-frac, kind="stable")[:rem]] += 1
    elif rem < 0:  # float round-off pushed a floor over an integer
        candidates = np.flatnonzero(base > 0)
        base[candidates[np.argsort(frac[candidates], kind="stable")[:-rem]]] -= 1
    return base


def _cents_in_ranges(
    total: int,
    ideal: np.ndarray,
    vols: np.ndarray,
    lo_ticks: np.ndarray,
    hi_ticks: np.ndarray,
    value_per_tick: float,
) -> np.ndarray:
    """Whole-cent amounts (float64) of the minutes, summing exactly to ``total`` cents, each as close to its
    ``ideal`` (cents) as that allows and inside ``[lo_ticks, hi_ticks] x vols x value_per_tick``.

    A range holding no whole cent (never with the simulator's ticks and units, where a volume unit moved by
    a tick is whole cents) gives its nearest cent. The parts are the ideals rounded down, plus one cent each
    for the largest remainders; should the ranges not hold the day's total (the ideals do not add up to
    it), the rest is spread as evenly as possible over the traded minutes outside their ranges.
    """
    vols = np.asarray(vols, np.int64)
    per_tick = value_per_tick * 1e5  # thousandths of a cent per volume unit and tick
    milli = round(per_tick)
    top = int(vols.max(initial=0)) * int(hi_ticks.max(initial=0)) * max(milli, 1)
    if milli > 0 and abs(per_tick - milli) <= 1e-9 * per_tick and top < 1 << 62:  # exact integers
        lo_m = vols * lo_ticks.astype(np.int64) * milli
        hi_m = vols * hi_ticks.astype(np.int64) * milli
        lo, hi = -(-lo_m // 1000), hi_m // 1000
        below, above = lo_m - 1000 * hi, 1000 * lo - hi_m  # a range without a whole cent: distances
    else:
        lo_f = vols * lo_ticks * (value_per_tick * 100.0)
        hi_f = vols * hi_ticks * (value_per_tick * 100.0)
        lo, hi = np.ceil(lo_f).astype(np.int64), np.floor(hi_f).astype(np.int64)
        below, above = lo_f - hi, lo - hi_f
    empty = lo > hi
    if empty.any():
        near = np.where(below <= above, hi, lo)
        lo, hi = np.where(empty, near, lo), np.where(empty, near, hi)
    cents = np.clip(np.floor(ideal).astype(np.int64), lo, hi)
    left = total - int(cents.sum())
    if left > 0:
        cents += _spread(left, hi - cents, ideal - cents)
    elif left < 0:
        cents -= _spread(-left, cents - lo, cents - ideal)
    left = total - int(cents.sum())
    if left:  # the ranges cannot hold the total: the rest outside them, as evenly as possible
        traded = vols > 0
        room = np.where(traded, left if left > 0 else cents, 0)
        moved = _spread(abs(left), room, ideal - cents if left > 0 else cents - ideal)
        cents += moved if left > 0 else -moved
    return cents.astype(np.float64)


def _spread(units: int, room: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """``units`` (> 0) shared over items taking at most ``room`` (>= 0) each, as evenly as possible: each
    takes ``min(room, k)`` for the smallest sufficient ``k``, and the items of highest ``priority`` with
    room left one more until all are placed (or every item is full)."""
    room = np.asarray(room, np.int64)
    if units >= int(room.sum()):
        return room.copy()
    k_lo = 0  # the largest k with sum(min(room, k)) <= units (0 when fewer units than items with room)
    k_hi = int(room.max()) if units >= int(np.count_nonzero(room)) else 0
    while k_lo < k_hi:
        k = (k_lo + k_hi + 1) // 2
        if int(np.minimum(room, k).sum()) <= units:
            k_lo = k
        else:
            k_hi = k - 1
    out = np.minimum(room, k_lo)
    rest = units - int(out.sum())
    if rest:
        open_ = np.flatnonzero(room > k_lo)
        out[open_[np.argsort(-priority[open_], kind="stable")[:rest]]] += 1
    return out
