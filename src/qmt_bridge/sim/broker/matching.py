"""Matching an order against one displayed snapshot: pure functions over (price, shares) levels.

The simulated book is what ``get_full_tick`` shows: five levels a side, in lots. An order takes at most the
volume displayed at the prices it accepts; what earlier orders took from the same snapshot is gone (the
caller passes the remaining levels, see :mod:`.quotes`).

- At submission a marketable order walks the levels best-first and fills at each level's price.
- A resting limit order fills at its own limit when a later snapshot crosses it: asks at or below a buy's
  limit (bids at or above a sell's), capped by their displayed volume; or, when no level crosses but the
  last price does, by the volume traded since the previous snapshot.
- Partial fills come in whole book units (100 shares, bonds 10): a fill that does not complete the order is
  rounded down to a whole unit. So a sell never fills in pieces so small that its fees exceed its proceeds
  (see :meth:`.fees.FeeSchedule.sell_shortfall`), and the odd remainder of an order fills last.
"""

from __future__ import annotations

from collections.abc import Sequence

Level = tuple[int, int]  # (price in li, shares)


def crosses(price_li: int, limit_li: int | None, is_buy: bool) -> bool:
    """Whether a counter-side price is acceptable to an order with ``limit_li`` (None: any price)."""
    if limit_li is None:
        return True
    return price_li <= limit_li if is_buy else price_li >= limit_li


def take(
    levels: Sequence[Level],
    volume: int,
    *,
    is_buy: bool,
    limit_li: int | None,
    unit: int,
    max_levels: int = 5,
) -> list[Level]:
    """What an order of ``volume`` takes from counter-side ``levels`` (best first): ``(price, shares)`` per
    level it reaches, in order; empty when nothing crosses. Pieces that do not complete the order are whole
    multiples of ``unit``."""
    out: list[Level] = []
    remaining = volume
    for price, shares in levels[:max_levels]:
        if remaining <= 0 or not crosses(price, limit_li, is_buy):
            break
        piece = fill_size(shares, remaining, unit)
        if piece:
            out.append((price, piece))
            remaining -= piece
    return out


def fill_size(available: int, remaining: int, unit: int) -> int:
    """The piece of ``remaining`` that ``available`` shares fill: all of it if they suffice, else the
    available volume rounded down to whole ``unit``."""
    if available >= remaining:
        return remaining
    return available - available % unit if available > 0 else 0


def total(pieces: Sequence[Level]) -> int:
    return sum(shares for _, shares in pieces)
