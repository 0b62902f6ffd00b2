"""Ticks and snapshots: an instrument-day's 3-second ticks (5-level books), the full-tick snapshot of many
instruments at one moment in one vectorised pass, and the 1m bar in progress, all computed from the packed
state :mod:`.intraday` builds (its ``BAR_``/``MONEY_``/``INT_``/``FLOAT_`` layout) with the same arithmetic,
on the day's grid of its trading hours (:mod:`.trading_hours`).

Model (simplifications documented here, not hidden):

- Ticks every 3 s, for a stock 09:15:00-11:30:00 and 13:00:00-15:00:00 (5102 a day). 09:15-09:25 is the
  opening call auction: ``lastPrice`` is the indicative price, volume 0, open/high/low 0; from 09:25:00 the
  opening price and auction volume show (a future's auction: 5 minutes before its first session, matched
  at the 4th). The last tick of a session before a break (11:30, a night's end) shows the break's status.
  The tick ending a minute carries that minute's close and cumulative volume, amount and running high/low
  equal to the 1m bars'. A minute's ticks touch its high and low, so the bar
  in progress built from them (:func:`forming_minute`) grows into the finished bar. Books are zero-padded
  where a level would cross a price limit (no asks at limit-up, no bids at limit-down); indices and
  suspended stocks have no book.
- ``stockStatus`` carries a coarse phase like the official samples (2 auction, 3 continuous, 8 closing
  auction, 0 break/closed, 1 suspended); for non-derivatives ``openInt`` carries the detailed code of
  xtquant's dictionary (12 auction, 13 continuous, 14 break, 15 closed, 17 halted, 18 closing auction), as in
  the official equity sample. For futures and options ``openInt`` is the open interest.
- ``pe`` is the price over the stock's TTM earnings per share as of the day, which the caller passes to
  :func:`~.intraday.build_intraday` (see ``valuation``); 0.0 without one and for anything but stocks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence

import numpy as np

from qmt_bridge.sim.clock import CST
from qmt_bridge.sim.market.bars import BOOK_LEVELS, Bars
from qmt_bridge.sim.market.calendar import TradingCalendar
from qmt_bridge.sim.market.hashing import hash_normal, hash_uniforms
from qmt_bridge.sim.market.intraday import (
    BAR_C,
    BAR_C5,
    BAR_CUM_TRADES,
    BAR_CUM_VOL,
    BAR_H,
    BAR_HIGH_BEFORE,
    BAR_L,
    BAR_LOW_BEFORE,
    BAR_O,
    BAR_OI,
    BAR_OI_PREV,
    BAR_TRADES,
    BAR_VOL,
    FLOAT_EPS,
    FLOAT_LAST_CLOSE,
    FLOAT_PRE_SETTLE,
    FLOAT_SETTLE,
    FLOAT_TICK,
    INT_AUCTION_CLOSE,
    INT_BASE_MS,
    INT_BOOK,
    INT_DAY_OPEN,
    INT_DAY_RANGE,
    INT_DAY_VOLUME,
    INT_DECIMALS,
    INT_DERIVATIVE,
    INT_DOWN,
    INT_KEY,
    INT_LOT,
    INT_NIGHT_BASE_MS,
    INT_PRE_CLOSE,
    INT_PRE_OI,
    INT_SUSPENDED,
    INT_UP,
    MONEY_CENTS,
    MONEY_CUM_CENTS,
    Intraday,
    tick_paths,
)
from qmt_bridge.sim.market.rules import price_decimals, to_price
from qmt_bridge.sim.market.trading_hours import (
    STAGE_CONTINUOUS,
    STAGE_MATCHED,
    STAGE_OPEN,
    STAGE_PRE_OPEN,
    STOCK_HOURS,
    TICKS_PER_MINUTE,
    Schedule,
    TickPlaces,
    anchors_ms,
    night_held,
)
from qmt_bridge.xtnames import TICK_FIELDS

# stockStatus (coarse phase)
PHASE_CLOSED = 0
PHASE_SUSPENDED = 1
PHASE_AUCTION = 2
PHASE_CONTINUOUS = 3
PHASE_CLOSING_AUCTION = 8
# detailed status (xtquant's stockStatus dictionary; carried in openInt for non-derivatives)
STATUS_AUCTION = 12
STATUS_CONTINUOUS = 13
STATUS_BREAK = 14
STATUS_CLOSED = 15
STATUS_HALTED = 17
STATUS_CLOSING_AUCTION = 18


def forming_minute(ctx: Intraday, idx: int, minutes: Bars) -> Bars | None:
    """The 1m bar in progress at tick ``idx`` (one row, labelled by its end like the finished bars), or
    None when no minute is in progress (before 09:30, a minute just ended, the break, a suspended day).
    ``minutes`` are the day's finished 1m bars (:func:`bars_of`), whose row the bar in progress starts from.

    It is what the ticks of the minute so far say: the minute's open, the high and low of the open and
    its ticks, the last tick's price, and the volume, amount and open interest traded since the minute
    began, so it agrees with the snapshot at ``idx`` and becomes the finished bar on the minute's last
    tick (the tick path touches the bar's high and low).
    """
    grid = ctx.grid
    j, k = int(grid.tick_minute[idx]), int(grid.tick_in_minute[idx])
    if k in (0, TICKS_PER_MINUTE) or ctx.suspended:
        return None
    bar = ctx.table[j].astype(np.int64)
    auction = np.array([ctx.ints[INT_AUCTION_CLOSE] != 0 and j == grid.minutes - 1])
    path, fracs = tick_paths(
        ctx.key, np.array([j]), bar[[BAR_O]], bar[[BAR_H]], bar[[BAR_L]], bar[[BAR_C]], auction
    )
    seen, f = path[0, :k], fracs[0, k - 1]
    row = minutes.take([j])
    columns = {name: values.copy() for name, values in row.columns.items()}
    inst = ctx.inst
    tick, dec = float(inst.price_tick), price_decimals(inst.price_tick)
    open_ = int(bar[BAR_O])
    columns["high"][0] = to_price(max(open_, int(seen.max())), tick, dec)
    columns["low"][0] = to_price(min(open_, int(seen.min())), tick, dec)
    columns["close"][0] = to_price(int(seen[-1]), tick, dec)
    columns["volume"][0] = math.floor(bar[BAR_VOL] * f)
    columns["amount"][0] = math.floor(ctx.money[j, MONEY_CENTS] * f) / 100.0
    columns["openInterest"][0] = bar[BAR_OI_PREV] + round((bar[BAR_OI] - bar[BAR_OI_PREV]) * f)
    return Bars(columns)


def ticks_of(ctx: Intraday) -> Bars:
    """The day's 3-second ticks (a stock's 5102: 09:15:00-11:30:00, 13:00:00-15:00:00)."""
    n = ctx.grid.ticks
    places = TickPlaces.of(ctx.grid, np.arange(n))
    state = _tick_fields(
        np.broadcast_to(ctx.ints, (n, len(ctx.ints))),
        np.broadcast_to(ctx.floats, (n, len(ctx.floats))),
        ctx.table[places.j].astype(np.int64),
        ctx.money[places.j],
        places,
        day_key=ctx.key,
    )
    return Bars({f: state[f] for f in TICK_FIELDS}).readonly()


def empty_ticks() -> Bars:
    columns: dict[str, np.ndarray] = {}
    for name in TICK_FIELDS:
        if name in ("askPrice", "bidPrice"):
            columns[name] = np.zeros((0, BOOK_LEVELS))
        elif name in ("askVol", "bidVol"):
            columns[name] = np.zeros((0, BOOK_LEVELS), np.int64)
        elif name in ("time", "volume", "pvolume", "stockStatus", "openInt", "transactionNum"):
            columns[name] = np.zeros(0, np.int64)
        else:
            columns[name] = np.zeros(0)
    return Bars(columns)


def snapshot_moment(
    calendar: TradingCalendar, at: dt.datetime, schedule: Schedule = STOCK_HOURS
) -> tuple[dt.date, int] | None:
    """(trading day, tick index) whose state is the snapshot at ``at`` (CST) under ``schedule``: the
    newest trading day whose first tick (its night session's, if it has one) is at or before ``at``, at its
    last tick at or before ``at``; None before the calendar."""
    at_ms = int(at.timestamp() * 1000)
    today = at.date()
    candidates = [calendar.first_on_or_after(today + dt.timedelta(days=1))] if schedule.night else []
    candidates.append(today if calendar.is_trading_day(today) else None)
    for day in candidates:
        if day is None:
            continue
        grid = schedule.grid(night_held(calendar, day))
        times = grid.tick_times(*anchors_ms(calendar, day))
        if times[0] <= at_ms:
            return day, int(np.searchsorted(times, at_ms, side="right")) - 1
    prev = calendar.last_on_or_before(today - dt.timedelta(days=1))
    if prev is None:
        return None
    return prev, schedule.grid(night_held(calendar, prev)).last_tick


def snapshot_dicts(ctxs: Sequence[Intraday], idx: np.ndarray) -> list[dict]:
    """get_full_tick dicts of instrument-days ``ctxs`` at their tick indices ``idx`` (one pass for all)."""
    n = len(ctxs)
    places = TickPlaces.mixed([c.grid for c in ctxs], idx)
    rows = places.j.tolist()

    def stacked(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts).reshape(n, -1)

    minute = stacked([c.table[r] for c, r in zip(ctxs, rows, strict=True)]).astype(np.int64)
    money = stacked([c.money[r] for c, r in zip(ctxs, rows, strict=True)])
    state = _tick_fields(
        stacked([c.ints for c in ctxs]), stacked([c.floats for c in ctxs]), minute, money, places
    )
    before_open = (places.stage <= STAGE_OPEN).tolist()
    values = zip(*(state[f].tolist() for f in TICK_FIELDS), strict=True)
    lasts, volumes = state["lastPrice"].tolist(), state["volume"].tolist()
    opens, back5 = minute[:, BAR_O].tolist(), minute[:, BAR_C5].tolist()
    timetags: dict[int, str] = {}
    out = []
    for r, ctx in enumerate(ctxs):
        snap = dict(zip(TICK_FIELDS, next(values), strict=True))
        ms = snap["time"]
        tag = timetags.get(ms)
        if tag is None:
            moment = dt.datetime.fromtimestamp(ms / 1000, CST)
            tag = timetags[ms] = moment.strftime("%Y%m%d %H:%M:%S") + ".000"
        snap["timetag"] = tag
        if before_open[r] or ctx.suspended:
            snap.update(volRatio=0.0, speed1Min=0.0, speed5Min=0.0)
        else:
            # volRatio: volume vs the 5-day average pace; speeds: percent change over 1 and 5 minutes
            elapsed = max(rows[r], 1)
            avg = ctx.avg_minute_volume
            tick = float(ctx.inst.price_tick)
            ref1 = float(opens[r]) * tick  # the previous minute's close
            ref5 = float(back5[r]) * tick
            last = lasts[r]
            snap.update(
                volRatio=round(volumes[r] / (avg * elapsed), 4) if avg > 0 else 0.0,
                speed1Min=round((last / ref1 - 1.0) * 100.0, 4) if ref1 > 0 else 0.0,
                speed5Min=round((last / ref5 - 1.0) * 100.0, 4) if ref5 > 0 else 0.0,
            )
        out.append(snap)
    return out


# ----------------------------------------------------------------------------------------------- fields


def _tick_fields(
    ints: np.ndarray,
    floats: np.ndarray,
    minute: np.ndarray,
    money: np.ndarray,
    places: TickPlaces,
    day_key: int | None = None,
) -> dict[str, np.ndarray]:
    """Every tick field of rows: instrument-day constants (``ints``, ``floats``), the packed 1m bar ``j``
    of the row's day (``minute``, int64; ``money``) and the tick's place on the day's grid (``places``:
    its index, e.g. 0 = 09:15:00 ... 5101 = 15:00:00 for a stock, its bar ``j`` and tick ``k`` in it).

    With ``day_key`` every row belongs to that one instrument-day (a day's ticks), and each minute's
    price path is computed once; otherwise each row is its own instrument-day (snapshots).
    """
    idx, j, k = places.idx, places.j, places.k
    n = len(idx)
    keys = ints[:, INT_KEY].astype(np.uint64)

    def key_of(rows: np.ndarray) -> int | np.ndarray:
        return day_key if day_key is not None else keys[rows]

    suspended = ints[:, INT_SUSPENDED] != 0
    pre_close = ints[:, INT_PRE_CLOSE]
    day_open = ints[:, INT_DAY_OPEN]
    last = np.empty(n, np.int64)
    open_ = np.zeros(n, np.int64)
    high = np.zeros(n, np.int64)
    low = np.zeros(n, np.int64)
    volume = np.zeros(n, np.int64)
    amount = np.zeros(n, np.float64)
    trades = np.zeros(n, np.int64)
    oi = ints[:, INT_PRE_OI].copy()
    phase = np.full(n, PHASE_CONTINUOUS, np.int64)
    detail = np.full(n, STATUS_CONTINUOUS, np.int64)

    last[suspended] = open_[suspended] = high[suspended] = low[suspended] = pre_close[suspended]
    phase[suspended] = PHASE_SUSPENDED
    detail[suspended] = STATUS_HALTED
    live = ~suspended
    stage = places.stage
    pre_open = live & (stage == STAGE_PRE_OPEN)
    opened = live & ((stage == STAGE_MATCHED) | (stage == STAGE_OPEN))
    cont = live & (stage == STAGE_CONTINUOUS)
    if pre_open.any():  # the opening call auction's indicative price
        rows = np.flatnonzero(pre_open)
        frac = places.auction_frac[rows]
        pc, do = pre_close[rows], day_open[rows]
        amp = np.maximum(1.0, 0.5 * np.abs(do - pc) + 0.1 * ints[rows, INT_DAY_RANGE])
        noise = hash_normal(key_of(rows), idx[rows], 20) * amp * 2.0 * np.sqrt(frac * (1.0 - frac))
        indicative = np.rint(pc + (do - pc) * frac + noise)
        last[rows] = np.clip(indicative, ints[rows, INT_DOWN], ints[rows, INT_UP]).astype(np.int64)
    if opened.any():
        last[opened] = open_[opened] = high[opened] = low[opened] = day_open[opened]
        volume[opened] = minute[opened, BAR_VOL]
        amount[opened] = money[opened, MONEY_CENTS] / 100.0
        trades[opened] = minute[opened, BAR_TRADES]
        oi[opened] = minute[opened, BAR_OI]
    if cont.any():
        rows = np.flatnonzero(cont)
        js = j[rows]
        if day_key is not None:  # one path per minute of the day
            _, first, inverse = np.unique(js, return_index=True, return_inverse=True)
        else:
            first = inverse = np.arange(len(rows))
        bar = minute[rows[first]]
        path, fracs = tick_paths(
            key_of(rows[first]),
            js[first],
            bar[:, BAR_O],
            bar[:, BAR_H],
            bar[:, BAR_L],
            bar[:, BAR_C],
            (ints[rows[first], INT_AUCTION_CLOSE] != 0) & (js[first] == places.last_minute[rows[first]]),
        )
        col = k[rows] - 1
        run_high = np.maximum.accumulate(path, axis=1)[inverse, col]
        run_low = np.minimum.accumulate(path, axis=1)[inverse, col]
        f = fracs[inverse, col]
        mine = minute[rows]
        last[rows] = path[inverse, col]
        open_[rows] = day_open[rows]
        high[rows] = np.maximum(mine[:, BAR_HIGH_BEFORE], run_high)
        low[rows] = np.minimum(mine[:, BAR_LOW_BEFORE], run_low)
        volume[rows] = mine[:, BAR_CUM_VOL] + np.floor(mine[:, BAR_VOL] * f).astype(np.int64)
        amount[rows] = (money[rows, MONEY_CUM_CENTS] + np.floor(money[rows, MONEY_CENTS] * f)) / 100.0
        trades[rows] = mine[:, BAR_CUM_TRADES] + np.floor(mine[:, BAR_TRADES] * f).astype(np.int64)
        prev_oi = mine[:, BAR_OI_PREV]
        oi[rows] = prev_oi + np.rint((mine[:, BAR_OI] - prev_oi) * f).astype(np.int64)
    auction = live & (stage <= STAGE_MATCHED)
    phase[auction] = PHASE_AUCTION
    detail[auction] = STATUS_AUCTION
    closing = live & (ints[:, INT_AUCTION_CLOSE] != 0) & places.closing_window
    phase[closing] = PHASE_CLOSING_AUCTION
    detail[closing] = STATUS_CLOSING_AUCTION
    pause = live & places.at_break
    phase[pause] = PHASE_CLOSED
    detail[pause] = STATUS_BREAK
    at_close = places.at_close
    phase[at_close] = np.where(suspended[at_close], PHASE_SUSPENDED, PHASE_CLOSED)
    detail[at_close] = np.where(suspended[at_close], STATUS_HALTED, STATUS_CLOSED)

    shape = (n, BOOK_LEVELS)
    ask_p, bid_p = np.zeros(shape, np.int64), np.zeros(shape, np.int64)
    ask_v, bid_v = np.zeros(shape, np.int64), np.zeros(shape, np.int64)
    book = live & (ints[:, INT_BOOK] != 0)
    if book.any():
        rows = np.flatnonzero(book)
        ask_p[rows], bid_p[rows], ask_v[rows], bid_v[rows] = _books(
            key_of(rows),
            idx[rows],
            last[rows],
            ints[rows, INT_DOWN],
            ints[rows, INT_UP],
            ints[rows, INT_DAY_VOLUME],
        )

    price = _pricer(floats[:, FLOAT_TICK], ints[:, INT_DECIMALS])
    derivative = ints[:, INT_DERIVATIVE] != 0
    last_price = price(last)
    eps = floats[:, FLOAT_EPS]
    pe = np.zeros(n)
    earning = eps != 0  # stocks with a report (anything else has eps 0)
    if earning.any():
        pe[earning] = np.round(last_price[earning] / eps[earning], 2)
    return {
        "time": np.where(places.night, ints[:, INT_NIGHT_BASE_MS], ints[:, INT_BASE_MS])
        + places.seconds * 1000,
        "lastPrice": last_price,
        "open": price(open_),
        "high": price(high),
        "low": price(low),
        "lastClose": floats[:, FLOAT_LAST_CLOSE].copy(),
        "amount": amount,
        "volume": volume,
        "pvolume": volume * ints[:, INT_LOT],
        "stockStatus": phase,
        "openInt": np.where(derivative, oi, detail),
        "transactionNum": trades,
        "lastSettlementPrice": floats[:, FLOAT_PRE_SETTLE].copy(),
        "settlementPrice": np.where(at_close, floats[:, FLOAT_SETTLE], 0.0),
        "pe": pe,
        "askPrice": np.where(ask_v > 0, price(ask_p), 0.0),
        "bidPrice": np.where(bid_v > 0, price(bid_p), 0.0),
        "askVol": ask_v,
        "bidVol": bid_v,
    }


def _pricer(ticks: np.ndarray, decimals: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Ticks -> rounded prices for rows with their own tick sizes (one rounding per tick size)."""
    if len(ticks) == 0 or (ticks == ticks[0]).all():
        tick, dec = (float(ticks[0]), int(decimals[0])) if len(ticks) else (0.01, 2)
        return lambda a: to_price(a, tick, dec)
    sizes, inverse = np.unique(ticks, return_inverse=True)
    masks = [inverse == g for g in range(len(sizes))]
    groups = [
        (rows, float(t), int(decimals[int(np.argmax(rows))])) for rows, t in zip(masks, sizes, strict=True)
    ]

    def price(a: np.ndarray) -> np.ndarray:
        out = np.empty(a.shape)
        for rows, tick, dec in groups:
            out[rows] = to_price(a[rows], tick, dec)
        return out

    return price


def _books(
    key: int | np.ndarray,
    idx: np.ndarray,
    last: np.ndarray,
    down: np.ndarray,
    up: np.ndarray,
    day_volume: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """5-level books around ``last`` (ticks) per row: ask1 > bid1, asks ascending, bids descending, lots > 0;
    levels beyond the price limits (``down``, ``up``) are empty (zeros)."""
    n = len(idx)
    u = hash_uniforms(key, idx, (30, 31, 32, 33, 34, 35, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49))
    lastf = last.astype(np.float64)
    at_up = last >= up
    at_down = last <= down
    on_bid = ((u[0] < 0.5) | at_up) & ~(at_down & ~at_up)
    spread = 1 + np.floor(u[1] * np.maximum(1.0, lastf * 0.0003)).astype(np.int64)
    bid1 = np.where(on_bid, last, last - spread)
    ask1 = np.where(on_bid, last + spread, last)
    gap_max = np.maximum(1.0, lastf * 0.0002)[:, None]
    gaps = 1 + np.floor(u[2:6].T * gap_max).astype(np.int64)
    offsets = np.c_[np.zeros(n, np.int64), np.cumsum(gaps, axis=1)]
    asks = ask1[:, None] + offsets
    bids = bid1[:, None] - offsets
    size = np.maximum(1.0, day_volume / 240.0 * 0.3)[:, None]
    ask_v = 1 + np.floor(size * -np.log(1.0 - np.ascontiguousarray(u[6:11].T))).astype(np.int64)
    bid_v = 1 + np.floor(size * -np.log(1.0 - np.ascontiguousarray(u[11:16].T))).astype(np.int64)
    bid_v[at_up, 0] *= 30
    ask_v[at_down & ~at_up, 0] *= 30
    ask_ok = asks <= up[:, None]
    bid_ok = bids >= np.maximum(down, 1)[:, None]
    return (
        np.where(ask_ok, asks, 0),
        np.where(bid_ok, bids, 0),
        np.where(ask_ok, ask_v, 0),
        np.where(bid_ok, bid_v, 0),
    )
