"""Zero-dependency Python client of the qmt-bridge server.

:class:`QMTClient` combines one stateless mixin per server router with :class:`BaseClient`, which owns the
transport. Only the standard library is needed; when pandas is installed, tabular results are DataFrames.

Example::

    from qmt_bridge import QMTClient

    client = QMTClient(host="192.168.1.100", port=8000)
    df = client.get_history("000001.SZ", period="1d", count=60)
"""

from __future__ import annotations

from qmt_bridge.client.base import BaseClient
from qmt_bridge.client.calendar import CalendarMixin
from qmt_bridge.client.compat import CompatMixin
from qmt_bridge.client.credit import CreditMixin
from qmt_bridge.client.download import DownloadMixin
from qmt_bridge.client.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GatewayTimeoutError,
    NotFoundError,
    NotImplementedByServerError,
    PermissionDeniedError,
    QMTBridgeError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    UnprocessableEntityError,
)
from qmt_bridge.client.financial import FinancialMixin
from qmt_bridge.client.funds import FundsMixin
from qmt_bridge.client.futures import FuturesMixin
from qmt_bridge.client.hk import HKMixin
from qmt_bridge.client.instrument import InstrumentMixin
from qmt_bridge.client.legacy import LegacyMixin
from qmt_bridge.client.market import MarketMixin
from qmt_bridge.client.meta import MetaMixin
from qmt_bridge.client.option import OptionMixin
from qmt_bridge.client.realtime import RealtimeMixin
from qmt_bridge.client.sector import SectorMixin
from qmt_bridge.client.smart_algo import SmartAlgoMixin
from qmt_bridge.client.tick import TickMixin
from qmt_bridge.client.trade_stream import TradeStreamMixin
from qmt_bridge.client.trader import TraderMixin
from qmt_bridge.client.trading_calls import TradingCallsMixin
from qmt_bridge.client.transfers import TransfersMixin

__all__ = [
    "QMTClient",
    "BaseClient",
    "QMTBridgeError",
    "APIConnectionError",
    "APITimeoutError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "ServerError",
    "NotImplementedByServerError",
    "ServiceUnavailableError",
    "GatewayTimeoutError",
]


class QMTClient(
    LegacyMixin,
    MarketMixin,
    TickMixin,
    SectorMixin,
    CalendarMixin,
    FinancialMixin,
    InstrumentMixin,
    OptionMixin,
    FundsMixin,
    FuturesMixin,
    HKMixin,
    MetaMixin,
    DownloadMixin,
    CompatMixin,
    RealtimeMixin,
    TraderMixin,
    TradingCallsMixin,
    TransfersMixin,
    CreditMixin,
    SmartAlgoMixin,
    TradeStreamMixin,
    BaseClient,
):
    """HTTP client of a qmt-bridge server: every endpoint as a method.

    See :class:`BaseClient` for the constructor (host/port or base URL, API key, timeout, retries, pandas).
    """
