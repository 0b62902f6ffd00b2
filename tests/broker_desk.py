"""The simulated counter set by hand for broker tests: a ManualMarket of one instrument per board at
known prices, a SimBroker over it, and helpers to place orders and check refusals (shared by
tests/sim/test_broker_rules.py and tests/sim/test_boundaries_broker.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import SimBroker
from qmt_bridge.sim.broker.manual import ManualClock, ManualMarket
from qmt_bridge.sim.clock import CST

THU_10 = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)  # a trading day, continuous session
FRI_10 = dt.datetime(2025, 11, 21, 10, 0, tzinfo=CST)
ACCOUNT = "SIM000001"

#: code -> (kind, pre_close): limits are the board's percentage of pre_close (see ManualMarket.add)
CODES = {
    "600000.SH": ("stock", 10.0),  # main board, band 9.00-11.00
    "688001.SH": ("stock", 10.0),  # STAR
    "300750.SZ": ("stock", 10.0),  # ChiNext
    "000001.SZ": ("stock", 10.0),  # SZ main board
    "430047.BJ": ("stock", 10.0),  # BJ
    "510300.SH": ("etf", 3.0),
    "113050.SH": ("cb", 110.0),
}


def quote_at(market: ManualMarket, code: str, price: float) -> None:
    tick = 0.01 if CODES.get(code, ("stock",))[0] == "stock" else 0.001
    ask, bid = round(price, 3), round(price - tick, 3)
    market.quote(code, price, asks=[(ask, 100_000)], bids=[(bid, 100_000)])


def make_desk(cash: float = 1_000_000_000.0) -> SimpleNamespace:
    clock = ManualClock(THU_10)
    market = ManualMarket(clock)
    for code, (kind, pre_close) in CODES.items():
        market.add(code, code, kind=kind, pre_close=pre_close)
        quote_at(market, code, pre_close)
    broker = SimBroker(market, clock, starting_cash=cash, background=False)
    return SimpleNamespace(clock=clock, market=market, broker=broker)


def place(desk, code, volume, price=None, order_type=xc.STOCK_BUY, price_type=xc.FIX_PRICE):
    if price is None:
        price = CODES[code][1]
    order_id = desk.broker.place_order(ACCOUNT, code, order_type, volume, price_type, price)
    assert order_id > 0
    return desk.broker.order(ACCOUNT, order_id)


def assert_refused(order, *words):
    assert order.order_status == xc.ORDER_JUNK, order.status_msg
    assert order.order_sysid == ""
    for word in words:
        assert word in order.status_msg


@dataclass
class BrokerWorld:
    """A hand-set market, its clock and a broker file: the brokers opened on them, kept for the fixture to
    close. ``account_ids``: the accounts a broker is opened with unless a test says otherwise (None: the
    broker's default)."""

    clock: ManualClock
    market: Any
    db: Path
    account_ids: tuple[str, ...] | None = None
    brokers: list[SimBroker] = field(default_factory=list)

    def open(self, db: Path | None = None, **kwargs: Any) -> SimBroker:
        """A broker (no matching thread: tests drive ``match_now``) on ``db`` or the world's file."""
        if self.account_ids is not None:
            kwargs.setdefault("account_ids", self.account_ids)
        broker = SimBroker(self.market, self.clock, db_path=db or self.db, background=False, **kwargs)
        self.brokers.append(broker)
        return broker
