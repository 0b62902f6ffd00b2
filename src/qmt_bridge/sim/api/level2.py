"""Level-2 quotes, orders, transactions, thousand-level books, HK broker queues."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qmt_bridge.sim.market.market import SimMarket


class Level2API:
    """xtdata functions: Level-2 quotes, orders, transactions, thousand-level books, HK broker queues."""

    market: SimMarket
