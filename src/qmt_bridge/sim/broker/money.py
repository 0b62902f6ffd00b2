"""Money and prices as integers: the broker counts in 厘 (li, 0.001 CNY).

Every price on the A-share grids (0.01 for stocks, 0.001 for ETFs and convertible bonds) is a whole number of
li, and so is every amount (price x volume), so the ledger adds and subtracts exactly: cash plus holdings
is conserved to the li, up to the fees. Fees are rounded to whole fen (0.01 CNY = 10 li), as counters round.
"""

from __future__ import annotations

import math

LI_PER_YUAN = 1000
LI_PER_FEN = 10

# Float prices such as 11.370000000000001 must land on their grid point; anything further off is no price.
_GRID_TOLERANCE = 1e-6


def to_li(yuan: float) -> int:
    """The nearest whole li of a CNY amount or price."""
    return int(math.floor(yuan * LI_PER_YUAN + 0.5))


def price_li_exact(price: float) -> int | None:
    """``price`` in li if it is a whole number of li (within float noise), else None."""
    scaled = price * LI_PER_YUAN
    li = int(math.floor(scaled + 0.5))
    return li if abs(scaled - li) <= _GRID_TOLERANCE * max(1.0, abs(scaled)) else None


def to_yuan(li: int) -> float:
    """CNY (float, at most 3 decimals) of an amount in li."""
    return round(li / LI_PER_YUAN, 3)


def fen_half_up(li: float) -> int:
    """``li`` rounded half-up to whole fen (a multiple of 10 li)."""
    return int(math.floor(li / LI_PER_FEN + 0.5 + 1e-9)) * LI_PER_FEN


def fen_ceil(li: float) -> int:
    """``li`` rounded up to whole fen."""
    return int(math.ceil(li / LI_PER_FEN - 1e-9)) * LI_PER_FEN
