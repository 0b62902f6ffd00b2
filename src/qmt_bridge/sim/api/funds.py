"""ETF creation lists and convertible bonds."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qmt_bridge.sim.market.market import SimMarket


class FundsAPI:
    """xtdata functions: ETF creation lists and convertible bonds."""

    market: SimMarket
