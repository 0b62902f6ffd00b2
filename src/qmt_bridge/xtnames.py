"""xtquant's own names that both sides of the backend contract use: the server checks input against them and
the simulator implements them. Kept here so that the two cannot drift apart."""

from __future__ import annotations

#: The K-line periods of ``get_market_data(_ex)`` (``"tick"`` aside).
KLINE_PERIODS: tuple[str, ...] = (
    "1m",
    "5m",
    "15m",
    "30m",
    "60m",
    "1h",
    "1d",
    "1w",
    "1mon",
    "1q",
    "1hy",
    "1y",
)

#: The financial tables, spelled as ``get_financial_data`` keys its answer.
FINANCIAL_TABLES: tuple[str, ...] = (
    "Balance",
    "Income",
    "CashFlow",
    "Capital",
    "HolderNum",
    "Top10Holder",
    "Top10FlowHolder",
    "PershareIndex",
)
