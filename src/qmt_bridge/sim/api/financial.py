"""Financial statements (get_financial_data and its downloads)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qmt_bridge.sim.market.market import SimMarket


class FinancialAPI:
    """xtdata functions: Financial statements (get_financial_data and its downloads)."""

    market: SimMarket
