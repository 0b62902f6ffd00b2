"""The simulated broker: a paper-trading counter with A-share rules behind ``qmt_bridge.sim.xttrader``.

Modules, one job each: :mod:`.money` (integer li), :mod:`.securities` (what a code is), :mod:`.rules`
(order checks), :mod:`.fees`, :mod:`.sessions` (trading hours and days), :mod:`.quotes` (books from
xtdata, liquidity taken), :mod:`.matching` (pure matching), :mod:`.ledger` (accounts, positions, orders,
trades and their arithmetic), :mod:`.store` (SQLite), :mod:`.state` (memory + write-through),
:mod:`.engine` (order life), :mod:`.views` (xttype objects), :mod:`.broker` (:class:`SimBroker`, the
counter with its lock and matching thread), :mod:`.manual` (a hand-set market for tests and demos).
"""

from qmt_bridge.sim.broker.broker import BrokerClosed, Listener, SimBroker
from qmt_bridge.sim.broker.fees import FeeSchedule

__all__ = ["BrokerClosed", "FeeSchedule", "Listener", "SimBroker"]
