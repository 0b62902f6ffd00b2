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
from qmt_bridge.sim.broker import FeeSchedule, SimBroker
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


class SectorMarket(ManualMarket):
    """A hand-set market with xtdata's sector lists and listing dates (what the credit counter reads):
    ``sectors`` name -> codes; ``open_dates`` code -> 'YYYYMMDD' (default 20000101)."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock)
        self.sectors: dict[str, list[str]] = {}
        self.open_dates: dict[str, str] = {}

    def get_stock_list_in_sector(self, sector_name: str, real_timetag: str | int = -1) -> list[str]:
        """Members now, or on the day ``real_timetag`` ('YYYYMMDD'): those listed by then."""
        members = self.sectors.get(sector_name, [])
        if real_timetag in (-1, "", None):
            return list(members)
        return [c for c in members if self.open_dates.get(c, "20000101") <= str(real_timetag)]

    def get_instrument_detail(self, stock_code: str, iscomplete: bool = False) -> dict[str, Any] | None:
        detail = super().get_instrument_detail(stock_code, iscomplete)
        if detail is not None:
            detail["OpenDate"] = self.open_dates.get(stock_code, "20000101")
        return detail


CREDIT = "CRD000001"
#: code -> (name, kind, pre_close, sectors, OpenDate): the credit desk's market (THU_10 is 2025-11-20)
CREDIT_CODES = {
    "600000.SH": ("浦发银行", "stock", 10.0, ("沪深A股", "沪深300"), "19991110"),  # subject, 0.70
    "600001.SH": ("主板一号", "stock", 10.0, ("沪深A股",), "20100101"),  # subject, 0.65
    "688001.SH": ("科创一号", "stock", 10.0, ("沪深A股",), "20200101"),  # subject, 0.50
    "600002.SH": (
        "ST二号",
        "stock",
        10.0,
        ("沪深A股", "沪深风险警示"),
        "20100101",
    ),  # collateral 0, no subject
    "600003.SH": ("新股三号", "stock", 10.0, ("沪深A股",), "20251001"),  # 50 days listed: collateral only
    "510300.SH": ("沪深300ETF", "etf", 3.0, ("沪深ETF",), "20120528"),  # subject, 0.90
    "430047.BJ": ("北交一号", "stock", 10.0, (), "20200101"),  # neither
}
ZERO_FEES = FeeSchedule(commission_rate=0.0, min_commission=0.0, stamp_duty_rate=0.0, transfer_fee_rate=0.0)


def credit_quote(market: ManualMarket, code: str, price: float, lots: int = 100_000) -> None:
    """Both sides at ``price`` (a locked book): buys and short sales (at or above the last price) fill there."""
    market.quote(code, price, asks=[(round(price, 3), lots)], bids=[(round(price, 3), lots)])


def make_credit_world(tmp_path: Path) -> BrokerWorld:
    """The credit desk's market at THU_10 and a broker file in ``tmp_path`` (open brokers with
    :func:`open_credit`)."""
    clock = ManualClock(THU_10)
    market = SectorMarket(clock)
    for code, (name, kind, pre_close, sectors, opened) in CREDIT_CODES.items():
        market.add(code, name, kind=kind, pre_close=pre_close)
        market.open_dates[code] = opened
        for sector in sectors:
            market.sectors.setdefault(sector, []).append(code)
        credit_quote(market, code, pre_close)
    return BrokerWorld(clock, market, tmp_path / "broker.sqlite3")


def credit_order(
    broker: SimBroker,
    code: str,
    order_type: int,
    volume: float,
    price: float = 10.0,
    account: str = CREDIT,
    price_type: int = xc.FIX_PRICE,
) -> Any:
    """Place an order of the credit account (accepted: its id > 0); the order as the counter shows it."""
    order_id = broker.place_order(account, code, order_type, volume, price_type, price)
    assert order_id > 0
    return broker.order(account, order_id)


def open_credit(world: BrokerWorld, cash: float = 100_000.0, fees: FeeSchedule | None = ZERO_FEES, **kw: Any):
    """A broker with stock account ACCOUNT and credit account CREDIT (``cash`` each, lines 2x cash)."""
    kw.setdefault("account_ids", (ACCOUNT,))
    kw.setdefault("credit_account_ids", (CREDIT,))
    return world.open(starting_cash=cash, fees=fees or FeeSchedule(), **kw)
