"""Options and futures: chains, details, main contracts."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qmt_bridge.sim.market.market import SimMarket


class DerivativesAPI:
    """xtdata functions: Options and futures: chains, details, main contracts."""

    market: SimMarket
