"""Reverse repos (国债逆回购) on the simulated counter: lending by a sell, the lots, the refusals, the
commission table, the return of the money with its interest after weekends and holidays, the pushes,
persistence across a restart and the reset.

Rules: ``sim/broker/repo.py`` (terms, dates, interest, commission), ``sim/broker/repo_orders.py`` (orders).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from broker_desk import ACCOUNT, FRI_10, THU_10
from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import SimBroker
from qmt_bridge.sim.broker.manual import ManualClock, ManualMarket
from qmt_bridge.sim.broker.repo import commission, interest, schedule
from qmt_bridge.sim.clock import CST

GC001, GC007, R001 = "204001.SH", "204007.SH", "131810.SZ"
REPOS = {  # code -> name, term
    GC001: ("GC001", 1),
    "204002.SH": ("GC002", 2),
    "204003.SH": ("GC003", 3),
    "204004.SH": ("GC004", 4),
    GC007: ("GC007", 7),
    "204014.SH": ("GC014", 14),
    "204028.SH": ("GC028", 28),
    "204091.SH": ("GC091", 91),
    "204182.SH": ("GC182", 182),
    R001: ("R-001", 1),
}
RATE = 1.8


class RepoMarket(ManualMarket):
    """The hand-set market with repo codes, which answer ``get_instrument_type`` as the simulator's."""

    def get_instrument_type(self, stock_code: str, variety_list: list[str] | None = None) -> dict[str, bool]:
        if stock_code not in REPOS:
            return super().get_instrument_type(stock_code, variety_list)
        flags = {"bond": True, "repurchase": True}
        return {v: flags.get(v, False) for v in variety_list} if variety_list else flags


class Listener:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def push(self, name: str, arg: Any) -> None:
        self.events.append((name, arg))

    def disconnected(self) -> None:
        pass


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), CST)


@pytest.fixture()
def world(tmp_path):
    clock = ManualClock(THU_10)
    market = RepoMarket(clock)
    for code, (name, _) in REPOS.items():
        market.add(code, name, kind="repo", pre_close=RATE, tick=0.005)
        market.quote(code, RATE, asks=[(RATE + 0.005, 100_000)], bids=[(RATE, 100_000)])  # 10 张 a unit
    market.add("600000.SH", "浦发银行", pre_close=10.0)
    market.quote("600000.SH", 10.0, asks=[(10.0, 1000)], bids=[(9.99, 1000)])
    brokers: list[SimBroker] = []

    def open_broker(cash: float = 200_000.0) -> SimBroker:
        broker = SimBroker(
            market, clock, db_path=tmp_path / "broker.db", starting_cash=cash, background=False
        )
        brokers.append(broker)
        return broker

    yield clock, market, open_broker
    for broker in brokers:
        broker.close()


def lend(broker, code=GC001, volume=1000, price=RATE, price_type=xc.FIX_PRICE, order_type=xc.STOCK_SELL):
    order_id = broker.place_order(ACCOUNT, code, order_type, volume, price_type, price)
    return broker.order(ACCOUNT, order_id)


def refused(order, *words):
    assert order.order_status == xc.ORDER_JUNK, order.status_msg
    for word in words:
        assert word in order.status_msg, order.status_msg
    return True


# --- the rules ----------------------------------------------------------------------------------------------


def test_commission_follows_the_exchanges_table():
    million = 1_000_000_000  # li
    expected = {1: 10, 2: 20, 3: 30, 4: 40, 7: 50, 14: 100, 28: 200, 91: 300, 182: 300}  # CNY on 1,000,000
    assert {days: commission(days, million) / 1000 for days in expected} == expected
    assert commission(1, 1_000_000) == 10  # 1,000 CNY of GC001: 0.01 CNY, no minimum


def test_interest_and_days():
    assert interest(100_000_000, 1800, 3) == 14_790  # 100,000 x 1.8 % x 3 / 365 = 14.7945 -> 14.79
    assert interest(100_000_000, 1800, 1) == 4_930
    thu = schedule(dt.date(2025, 11, 20), 1)
    assert (thu.due_day, thu.days) == (dt.date(2025, 11, 21), 3)
    fri = schedule(dt.date(2025, 11, 21), 1)
    assert (fri.due_day, fri.days) == (dt.date(2025, 11, 24), 1)


# --- orders ---------------------------------------------------------------------------------------------------


def test_a_sell_lends_the_cash_and_shows_a_position(world):
    _, _, open_broker = world
    broker = open_broker()
    order = lend(broker)
    assert order.order_status == xc.ORDER_SUCCEEDED, order.order_remark
    assert order.traded_volume == 1000 and order.traded_price == RATE and order.instrument_name == "GC001"
    (trade,) = broker.trades(ACCOUNT)
    assert trade.traded_amount == 100_000.0 and trade.traded_price == RATE and trade.commission == 1.0
    asset = broker.asset(ACCOUNT)
    assert asset.cash == 99_999.0 and asset.frozen_cash == 0.0
    assert asset.market_value == 100_000.0 and asset.total_asset == 199_999.0
    position = broker.position(ACCOUNT, GC001)
    assert position.volume == 1000 and position.can_use_volume == 0 and position.market_value == 100_000.0


def test_minimum_lot_and_multiples(world):
    _, _, open_broker = world
    broker = open_broker()
    assert lend(broker, volume=10).order_status == xc.ORDER_SUCCEEDED  # 1,000 CNY
    assert refused(lend(broker, volume=9), "10的整数倍")
    assert refused(lend(broker, volume=15), "10的整数倍")
    assert refused(lend(broker, volume=100_010), "最大数量")
    assert lend(broker, code=R001, volume=20).order_status == xc.ORDER_SUCCEEDED  # SZ: the same lots


def test_refusals(world):
    _, _, open_broker = world
    broker = open_broker(cash=200_000.0)
    assert refused(lend(broker, volume=2000), "可用资金不足")  # 200,000 CNY + 2.00 commission
    assert refused(lend(broker, order_type=xc.STOCK_BUY), "逆回购只能融出资金", "STOCK_SELL")
    assert refused(lend(broker, price_type=xc.MARKET_PEER_PRICE_FIRST), "限价")
    assert refused(lend(broker, price=1.803), "最小价格变动单位")
    assert broker.asset(ACCOUNT).cash == 200_000.0  # nothing frozen by a refusal


def test_a_latest_price_order_and_a_resting_rate(world):
    _, market, open_broker = world
    broker = open_broker()
    latest = lend(broker, volume=100, price=0.0, price_type=xc.LATEST_PRICE)
    assert latest.order_status == xc.ORDER_SUCCEEDED and latest.price == RATE
    resting = lend(broker, volume=100, price=2.5)  # above the bid: waits for a borrower
    assert resting.order_status == xc.ORDER_REPORTED
    assert broker.asset(ACCOUNT).frozen_cash == 10_000.1  # amount + 0.001 % commission (0.10)
    market.quote(GC001, 2.5, asks=[(2.505, 100)], bids=[(2.5, 100)])
    world[0].advance(3)
    broker.match_now()
    done = broker.order(ACCOUNT, resting.order_id)
    assert done.order_status == xc.ORDER_SUCCEEDED and done.traded_price == 2.5


# --- returns --------------------------------------------------------------------------------------------------


def test_thursday_gc001_returns_on_friday_with_three_days_of_interest(world):
    clock, _, open_broker = world
    broker = open_broker()
    listener = Listener()
    broker.subscribe(listener, ACCOUNT)
    lend(broker)
    clock.set(at(dt.date(2025, 11, 20), 20))
    assert broker.asset(ACCOUNT).cash == 99_999.0  # still lent that evening
    listener.events.clear()
    clock.set(FRI_10)
    asset = broker.asset(ACCOUNT)
    assert asset.cash == 99_999.0 + 100_000.0 + 14.79  # 100,000 x 1.8 % x 3 / 365
    assert asset.market_value == 0.0 and asset.fetch_balance == 99_999.0  # withdrawable from the next day
    assert broker.position(ACCOUNT, GC001) is None
    names = [name for name, _ in listener.events]
    assert names == ["on_stock_position", "on_stock_asset"]
    assert listener.events[0][1].volume == 0 and listener.events[1][1].cash == asset.cash
    clock.set(at(dt.date(2025, 11, 22)))
    assert broker.asset(ACCOUNT).fetch_balance == 200_013.79


def test_friday_gc001_returns_on_monday_with_one_day_of_interest(world):
    clock, _, open_broker = world
    clock.set(FRI_10)
    broker = open_broker()
    lend(broker)
    clock.set(at(dt.date(2025, 11, 23)))  # Sunday: still lent
    assert broker.asset(ACCOUNT).cash == 99_999.0
    assert broker.position(ACCOUNT, GC001).volume == 1000
    clock.set(at(dt.date(2025, 11, 24), 9))
    assert broker.asset(ACCOUNT).cash == 99_999.0 + 100_000.0 + 4.93  # 1 day (Monday to Tuesday)


def test_a_repo_over_a_holiday_earns_its_days(world):
    """National Day 2025: the exchanges closed 10-01 .. 10-08. GC001 on 09-29 settles 09-30 -> 10-09 (9
    days, money back on 09-30); on 09-30, the last day before the holiday, it settles 10-09 -> 10-10 (1
    day, money back on 10-09)."""
    clock, _, open_broker = world
    clock.set(at(dt.date(2025, 9, 29)))
    broker = open_broker()
    lend(broker)
    clock.set(at(dt.date(2025, 9, 30)))
    assert broker.asset(ACCOUNT).cash == 99_999.0 + 100_000.0 + 44.38  # 100,000 x 1.8 % x 9 / 365
    lend(broker)
    clock.set(at(dt.date(2025, 10, 8)))
    assert broker.asset(ACCOUNT).cash == 100_043.38 - 1.0  # still lent through the holiday
    clock.set(at(dt.date(2025, 10, 9)))
    assert broker.asset(ACCOUNT).cash == 200_043.38 - 1.0 + 4.93


def test_a_gc007_returns_after_a_week_with_its_commission(world):
    clock, _, open_broker = world
    clock.set(at(dt.date(2025, 11, 17)))  # Monday
    broker = open_broker(cash=1_100_000.0)
    order = lend(broker, code=GC007, volume=10_000)  # 1,000,000 CNY
    assert order.order_status == xc.ORDER_SUCCEEDED
    assert broker.trades(ACCOUNT)[0].commission == 50.0  # 0.005 %
    clock.set(at(dt.date(2025, 11, 21)))
    assert broker.asset(ACCOUNT).cash == 100_000.0 - 50.0
    clock.set(at(dt.date(2025, 11, 24)))  # due Monday 11-24; settles 11-18 -> 11-25: 7 days
    assert broker.asset(ACCOUNT).cash == 1_100_000.0 - 50.0 + 345.21  # 1,000,000 x 1.8 % x 7 / 365


# --- persistence and reset ------------------------------------------------------------------------------------


def test_persisted_across_a_restart(world):
    clock, _, open_broker = world
    first = open_broker()
    lend(first)
    first.close()
    second = open_broker()
    assert second.position(ACCOUNT, GC001).volume == 1000
    assert second.asset(ACCOUNT).total_asset == 199_999.0
    second.close()
    clock.set(FRI_10)
    third = open_broker()
    assert third.asset(ACCOUNT).cash == 200_013.79
    assert third.position(ACCOUNT, GC001) is None


def test_the_reset_clears_running_repos(world):
    clock, _, open_broker = world
    broker = open_broker()
    lend(broker)
    assert broker.reset_account(ACCOUNT) == 200_000.0
    assert broker.positions(ACCOUNT) == [] and broker.asset(ACCOUNT).total_asset == 200_000.0
    clock.set(FRI_10)
    assert broker.asset(ACCOUNT).cash == 200_000.0  # nothing comes back
    broker.close()
    assert open_broker().asset(ACCOUNT).cash == 200_000.0


def test_over_the_simulated_market(tmp_path):
    """The counter over the simulator's own market: GC001 lent at the bid rate, back the next trading day."""
    from qmt_bridge.sim.data_api import SimXtData
    from qmt_bridge.sim.market.market import SimMarket

    clock = ManualClock(THU_10)
    xtdata = SimXtData(SimMarket(seed=7, clock=clock))
    broker = SimBroker(xtdata, clock, db_path=tmp_path / "b.db", starting_cash=100_000.0, background=False)
    try:
        bid = xtdata.get_full_tick([GC001])[GC001]["bidPrice"][0]
        order = lend(broker, volume=500, price=bid)
        assert order.order_status == xc.ORDER_SUCCEEDED and order.traded_price == bid
        assert broker.asset(ACCOUNT).cash == 50_000.0 - 0.5
        clock.set(FRI_10)
        back = 50_000.0 * bid / 100 * 3 / 365
        assert broker.asset(ACCOUNT).cash == pytest.approx(100_000.0 - 0.5 + back, abs=0.006)
    finally:
        broker.close()
