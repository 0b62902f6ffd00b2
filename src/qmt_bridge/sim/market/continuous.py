"""Continuous futures contracts (``IF00.IF``, ``rb00.SF``, 主连) spliced from their main contracts, as QMT's are:
each day's bar is the bar of that day's main contract (``Universe.main_contract``), its preClose that
contract's own previous close (so a roll day's change is the new contract's, not the jump between two
contracts), and its intraday data (1m bars, ticks, snapshots) the main contract's.

The splice covers the days from the first one whose main contract the universe knows (contracts kept ~400
days, see ``derivatives.futures_history_start``) to the universe's today; a later day's main contract is not
known before its day (contracts listed later may take over), so the engine keeps one splice per universe day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from qmt_bridge.sim.market.instruments import FUTURE, Instrument

#: (open, high, low, close, volume, open interest, settlement, preClose) of one day, in ticks and units.
DayRow = tuple[int, int, int, int, int, int, int, int]


class Splice(NamedTuple):
    """A continuous contract's daily rows from calendar session ``i0`` on, in ticks (see the module docstring)."""

    i0: int
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    open_interest: np.ndarray
    settle: np.ndarray
    pre_close: np.ndarray


def is_continuous(inst: Instrument) -> bool:
    """A futures product's continuous contract (no expiry)."""
    return inst.kind == FUTURE and inst.expire_date is None and bool(inst.product)


def splice(
    sessions: Sequence[dt.date],
    i0: int,
    today: dt.date,
    main_of: Callable[[dt.date], Instrument | None],
    row_of: Callable[[Instrument, dt.date], DayRow | None],
) -> Splice | None:
    """The rows of sessions ``i0`` .. ``today`` from each day's main contract (``main_of``), skipping the
    first days without one; None when no day has one. It stops at the first gap after that (none is
    expected: once known, a product always has a main contract)."""
    rows: list[DayRow] = []
    first = None
    for t in range(i0, len(sessions)):
        day = sessions[t]
        if day > today:
            break
        main = main_of(day)
        row = row_of(main, day) if main is not None else None
        if row is None:
            if rows:
                break
            continue
        if first is None:
            first = t
        rows.append(row)
    if first is None:
        return None
    cols = np.array(rows, dtype=np.int64).T
    return Splice(first, *(cols[k] for k in range(8)))
