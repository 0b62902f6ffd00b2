"""The process-wide brokers of stand-alone traders (``XtQuantTrader(path, session)`` without a backend).

One broker per state file, over the default simulated market of :mod:`qmt_bridge.sim.xtdata` and its clock
(configure that module before the first trader): ``<path>/qmt_bridge_sim_broker.sqlite3`` when ``path`` is an
existing directory, else one shared in-memory broker. Stock account ``SIM000001`` and credit account
``SIM800001`` (融资融券, :data:`CREDIT_ACCOUNT_ID`) with 1,000,000 CNY each, default fees and credit terms
(lines of 2,000,000 CNY each). The brokers close at interpreter exit.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any

from qmt_bridge.sim.broker.broker import SimBroker

#: Name of the state file a stand-alone trader keeps in its ``path`` directory.
STATE_FILE = "qmt_bridge_sim_broker.sqlite3"
#: The stand-alone broker's credit account (``StockAccount(CREDIT_ACCOUNT_ID, 'CREDIT')``).
CREDIT_ACCOUNT_ID = "SIM800001"

_default_lock = threading.Lock()
_default_brokers: dict[str, SimBroker] = {}
_exit_hook = False


def default_broker(path: Any) -> SimBroker:
    """The process-wide broker a trader built with ``path`` attaches to (see the module docstring)."""
    db: Path | None = None
    if isinstance(path, (str, Path)) and str(path) and Path(path).is_dir():
        db = Path(path).resolve() / STATE_FILE
    key = str(db) if db is not None else ":memory:"
    global _exit_hook
    with _default_lock:
        broker = _default_brokers.get(key)
        if broker is None or broker.closed:
            from qmt_bridge.sim import xtdata

            market = xtdata._api()
            broker = _default_brokers[key] = SimBroker(
                market, market.market.clock, db_path=db, credit_account_ids=(CREDIT_ACCOUNT_ID,)
            )
            if not _exit_hook:
                atexit.register(_close_defaults)
                _exit_hook = True
        return broker


def _close_defaults() -> None:
    with _default_lock:
        brokers = list(_default_brokers.values())
        _default_brokers.clear()
    for broker in brokers:
        broker.close()
