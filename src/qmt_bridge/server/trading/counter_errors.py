"""What can go wrong with a trader call, as the answers say it (imported from ``service`` by the others)."""

from __future__ import annotations

from qmt_bridge.server.errors import BridgeError


class TradingUnavailableError(BridgeError):
    """The trader is not connected (503); nothing was sent."""

    status_code = 503
    code = "trading_unavailable"


class OutcomeUnknown(BridgeError):
    """A trader call gave no answer in time (504): what it did is unknown."""

    status_code = 504
    code = "trader_timeout"


class CounterRefused(BridgeError):
    """The counter refused a request that passed the server's checks (409), e.g. a cancel answered -1."""

    status_code = 409
    code = "counter_refused"
