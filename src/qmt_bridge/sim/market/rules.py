"""Exchange rules the simulated prices follow: the tick grid and its rounding, lot sizes and contract
multipliers, price limits by board and date, and which stocks have a closing call auction.

Limits: stocks by board (main +-10%, ST +-5% on main boards, STAR +-20%, ChiNext +-20% from 2020-08-24 and
+-10% before, BJ +-30%; limit = preClose * (1 +- pct) rounded half-up to the tick), ETFs +-10%, convertible
bonds +-20% from 2022-08-01 (none before), CFFEX futures (``.IF``) +-10%, other futures +-7% (against
preClose, not the previous settlement), indices / options / HK / reverse repos none. IPO-day and
first-five-day rules are not modelled. Closing call auction (14:57-15:00): stocks on SZ and BJ, and on SH
from 2018-08-20.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np

from qmt_bridge.sim.market.bars import day_number
from qmt_bridge.sim.market.instruments import (
    BJ,
    CB,
    CHINEXT,
    ETF,
    FUTURE,
    INDEX,
    OPTION,
    REPO,
    STAR,
    STOCK,
    Instrument,
)

CHINEXT_REFORM = dt.date(2020, 8, 24)  # ChiNext limits 10% -> 20%
CB_LIMIT_START = dt.date(2022, 8, 1)  # convertible bonds get +-20% limits
SH_CLOSING_AUCTION = dt.date(2018, 8, 20)  # SSE closing call auction introduced

NO_LIMIT = np.iinfo(np.int64).max // 4  # "up limit" of instruments without limits


def price_decimals(tick: float) -> int:
    """Decimal places of prices on a grid of ``tick`` (0.01 -> 2, 0.001 -> 3, 5.0 -> 0)."""
    exponent = Decimal(repr(float(tick))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def to_price(ticks: np.ndarray, tick: float, decimals: int) -> np.ndarray:
    """Prices (float64) of integer ``ticks`` on a grid of ``tick``, rounded to ``decimals`` places."""
    return np.round(np.asarray(ticks, dtype=np.float64) * tick, decimals)


def lot_size(inst: Instrument) -> int:
    """Units per volume unit: shares per lot (100), bonds per lot (10), repos 10 张 (1,000 CNY of face),
    1 for derivatives and HK."""
    if inst.kind in (STOCK, ETF, INDEX):
        return 100
    if inst.kind in (CB, REPO):
        return 10
    return 1


def multiplier(inst: Instrument) -> int:
    """Contract multiplier of futures and options (at least 1); 1 for every other kind."""
    return max(int(inst.volume_multiple), 1) if inst.kind in (FUTURE, OPTION) else 1


def is_derivative(inst: Instrument) -> bool:
    return inst.kind in (FUTURE, OPTION)


def limit_pct(inst: Instrument, day: dt.date) -> int:
    """Price-limit percentage on ``day`` (0 = no limit). The rules are in the module docstring."""
    kind = inst.kind
    if kind == STOCK:
        if inst.board == BJ:
            return 30
        if inst.board == STAR:
            return 20
        if inst.board == CHINEXT:
            return 20 if day >= CHINEXT_REFORM else 10
        return 5 if inst.is_st_on(day) else 10
    if kind == ETF:
        return 10
    if kind == CB:
        return 20 if day >= CB_LIMIT_START else 0
    if kind == FUTURE:
        return 10 if inst.market == "IF" else 7
    return 0


def limit_pcts(inst: Instrument, daynums: np.ndarray) -> np.ndarray:
    """:func:`limit_pct` of each day of ``daynums`` (day numbers from ``bars.day_number``), int64."""
    n = len(daynums)
    kind, board = inst.kind, inst.board
    if kind == STOCK:
        if board == BJ:
            return np.full(n, 30, np.int64)
        if board == STAR:
            return np.full(n, 20, np.int64)
        if board == CHINEXT:
            return np.where(daynums >= day_number(CHINEXT_REFORM), 20, 10).astype(np.int64)
        pct = np.full(n, 10, np.int64)
        for a, b in inst.st_periods:
            pct[(daynums >= day_number(a)) & (daynums <= day_number(b))] = 5
        return pct
    if kind == CB:
        return np.where(daynums >= day_number(CB_LIMIT_START), 20, 0).astype(np.int64)
    return np.full(n, limit_pct(inst, dt.date(2000, 1, 1)) if kind in (ETF, FUTURE) else 0, np.int64)


def limit_ticks(pc: np.ndarray, pct: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """(down, up) limits in ticks: preClose * (1 -+ pct%) rounded half-up on the grid (exact integers)."""
    pc = np.asarray(pc, dtype=np.int64)
    up = (pc * (100 + pct) + 50) // 100
    down = np.maximum((pc * (100 - pct) + 50) // 100, 1)
    return down, up


def limit_bounds(pc: np.ndarray, pct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(down, up) limit ticks per day; (1, huge) where ``pct`` is 0."""
    down, up = limit_ticks(pc, pct)
    limited = pct > 0
    return np.where(limited, down, 1), np.where(limited, up, NO_LIMIT)


def price_limits(inst: Instrument, day: dt.date, pre_close: float) -> tuple[float, float] | None:
    """(down, up) limit prices for ``pre_close`` on ``day``, or None for instruments without limits."""
    pct = limit_pct(inst, day)
    if pct == 0:
        return None
    tick = inst.price_tick
    pc = int(math.floor(pre_close / tick + 0.5))
    down, up = limit_ticks(np.array([pc]), pct)
    dec = price_decimals(tick)
    return round(float(down[0]) * tick, dec), round(float(up[0]) * tick, dec)


def has_closing_auction(inst: Instrument, day: dt.date) -> bool:
    """Stocks on SZ and BJ, and on SH from 2018-08-20, end the day with a closing call auction (14:57-15:00)."""
    if inst.kind != STOCK:
        return False
    return inst.market != "SH" or day >= SH_CLOSING_AUCTION
