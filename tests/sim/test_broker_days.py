"""Sessions and days of the simulated counter: orders outside continuous trading wait for the open,
unfilled orders expire at the close, T+1 and withdrawable cash roll over at midnight."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import SimBroker
from qmt_bridge.sim.broker.manual import ManualClock, ManualMarket
from qmt_bridge.sim.broker.sessions import in_continuous_session, trading_day_for
from qmt_bridge.sim.clock import CST, SimClock

ACCOUNT = "SIM000001"
SH, CB = "600000.SH", "113050.SH"


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """A moment of November 2025 (20 Thu, 21 Fri, 22 Sat, 24 Mon are the days used)."""
    return dt.datetime(2025, 11, day, hour, minute, second, tzinfo=CST)


THU_10 = at(20, 10)


class Desk:
    def __init__(self, moment: dt.datetime = THU_10, clock=None, background: bool = False) -> None:
        self.clock = clock or ManualClock(moment)
        self.market = ManualMarket(self.clock)
        self.market.add(SH, "浦发银行", pre_close=10.0)
        self.market.add(CB, "转债", kind="cb", pre_close=110.0)
        self.cross()
        self.market.quote(CB, 110.0, asks=[(110.0, 100)], bids=[(110.0, 100)])
        self.broker = SimBroker(self.market, self.clock, background=background, match_interval=0.02)

    def cross(self, price: float = 10.0) -> None:
        self.market.quote(SH, price, asks=[(price, 100)], bids=[(price, 100)])

    def place(self, volume, price=10.0, side=xc.STOCK_BUY, code=SH):
        order_id = self.broker.place_order(ACCOUNT, code, side, volume, xc.FIX_PRICE, price)
        return self.broker.order(ACCOUNT, order_id)

    def status(self, order):
        found = self.broker.order(ACCOUNT, order.order_id)
        return None if found is None else found.order_status

    def go(self, moment: dt.datetime) -> None:
        self.clock.set(moment)
        self.broker.match_now()


@pytest.mark.parametrize(
    ("moment", "day", "continuous"),
    [
        (at(20, 9, 29, 59), 20, False),
        (at(20, 9, 30), 20, True),
        (at(20, 11, 29, 59), 20, True),
        (at(20, 11, 30), 20, False),
        (at(20, 12, 59, 59), 20, False),
        (at(20, 13, 0), 20, True),
        (at(20, 14, 59, 59), 20, True),
        (at(20, 15, 0), 21, False),  # from the close on, orders are for the next trading day
        (at(21, 23, 0), 24, False),  # Friday night: Monday
        (at(22, 10, 0), 24, False),  # Saturday
    ],
)
def test_sessions_and_the_day_an_order_is_for(moment, day, continuous):
    assert trading_day_for(moment) == dt.date(2025, 11, day)
    assert in_continuous_session(moment) is continuous


@pytest.fixture()
def desk():
    desk = Desk()
    yield desk
    desk.broker.close()


def test_an_order_before_the_open_waits_and_meets_the_first_snapshot(desk):
    desk.go(at(20, 9, 20))
    order = desk.place(100, 10.00)
    assert (order.order_status, order.order_sysid != "") == (xc.ORDER_REPORTED, True)
    desk.go(at(20, 9, 29, 57))
    assert desk.status(order) == xc.ORDER_REPORTED  # the book crosses, but no continuous trading yet
    desk.go(at(20, 9, 30))
    assert desk.status(order) == xc.ORDER_SUCCEEDED
    assert desk.broker.trades(ACCOUNT)[0].traded_time == int(at(20, 9, 30).timestamp())


def test_the_lunch_break_does_not_trade(desk):
    desk.go(at(20, 11, 30))
    order = desk.place(100, 10.00)
    assert desk.status(order) == xc.ORDER_REPORTED
    desk.go(at(20, 12, 59, 59))
    assert desk.status(order) == xc.ORDER_REPORTED
    desk.go(at(20, 13, 0))
    assert desk.status(order) == xc.ORDER_SUCCEEDED


def test_a_night_order_is_for_the_next_trading_day(desk):
    desk.go(at(20, 15, 30))
    order = desk.place(100, 10.00)
    assert desk.status(order) == xc.ORDER_REPORTED
    desk.go(at(21, 9, 29))
    assert desk.status(order) == xc.ORDER_REPORTED  # not expired by Thursday's close, not traded yet
    desk.go(at(21, 9, 30))
    assert desk.status(order) == xc.ORDER_SUCCEEDED


def test_a_weekend_order_waits_for_monday(desk):
    desk.go(at(22, 10))  # Saturday
    order = desk.place(100, 10.00)
    desk.go(at(22, 10, 0, 3))
    assert desk.status(order) == xc.ORDER_REPORTED
    desk.go(at(24, 9, 30))
    assert desk.status(order) == xc.ORDER_SUCCEEDED


def test_a_night_order_outside_its_days_band_is_refused_at_the_open(desk):
    desk.go(at(20, 15, 30))
    order = desk.place(100, 10.80)  # inside Thursday's band (9.00-11.00): no band known for Friday yet
    assert desk.status(order) == xc.ORDER_REPORTED
    assert desk.broker.asset(ACCOUNT).frozen_cash > 0
    desk.market.add(SH, "浦发银行", pre_close=9.50)  # Friday: 8.55-10.45
    desk.cross(9.50)
    desk.go(at(21, 9, 30))
    refused = desk.broker.order(ACCOUNT, order.order_id)
    assert refused.order_status == xc.ORDER_JUNK and "高于涨停价10.45" in refused.status_msg
    assert desk.broker.asset(ACCOUNT).frozen_cash == 0.0


def test_unfilled_orders_expire_at_the_close(desk):
    desk.market.quote(SH, 10.0, asks=[(10.00, 1)], bids=[(9.99, 1)])
    part = desk.place(300, 10.00)  # 100 filled, 200 rest
    rest = desk.place(100, 9.90)
    desk.go(at(20, 14, 59, 59))
    assert desk.status(rest) == xc.ORDER_REPORTED
    desk.clock.set(at(20, 15, 0))
    orders = {o.order_id: o for o in desk.broker.orders(ACCOUNT)}  # a query catches up by itself
    assert orders[rest.order_id].order_status == xc.ORDER_CANCELED
    assert orders[part.order_id].order_status == xc.ORDER_PART_CANCEL
    assert "收市" in orders[rest.order_id].status_msg
    assert desk.broker.asset(ACCOUNT).frozen_cash == 0.0


def test_expiry_releases_the_shares_of_a_sell(desk):
    desk.place(200, 10.00)
    desk.go(at(21, 10))
    sell = desk.place(200, 10.50, xc.STOCK_SELL)
    assert desk.broker.position(ACCOUNT, SH).can_use_volume == 0
    desk.go(at(21, 15, 0))
    assert desk.status(sell) == xc.ORDER_CANCELED
    assert desk.broker.position(ACCOUNT, SH).can_use_volume == 200


def test_t_plus_one_across_a_day_boundary(desk):
    desk.place(300, 10.00)
    position = desk.broker.position(ACCOUNT, SH)
    assert (position.volume, position.can_use_volume, position.yesterday_volume) == (300, 0, 0)
    refused = desk.place(100, 10.00, xc.STOCK_SELL)
    assert refused.order_status == xc.ORDER_JUNK and "可用股份不足" in refused.status_msg
    desk.go(at(20, 23, 59, 59))
    assert desk.broker.position(ACCOUNT, SH).can_use_volume == 0
    desk.go(at(21, 0, 0, 1))  # midnight: the counter's new day
    position = desk.broker.position(ACCOUNT, SH)
    assert (position.volume, position.can_use_volume, position.yesterday_volume) == (300, 300, 300)
    desk.go(at(21, 10))
    assert desk.place(300, 10.00, xc.STOCK_SELL).order_status == xc.ORDER_SUCCEEDED


def test_convertible_bonds_are_t_plus_zero(desk):
    desk.place(10, 110.0, code=CB)
    assert desk.broker.position(ACCOUNT, CB).can_use_volume == 10
    assert desk.place(10, 110.0, xc.STOCK_SELL, code=CB).order_status == xc.ORDER_SUCCEEDED


def test_sell_proceeds_buy_at_once_but_withdraw_the_next_day(desk):
    desk.place(1000, 10.00)  # 10,000.00 + 5.10 fees
    desk.go(at(21, 10))
    before = desk.broker.asset(ACCOUNT)
    assert before.fetch_balance == before.cash == pytest.approx(1_000_000 - 10_005.10)
    desk.place(1000, 10.00, xc.STOCK_SELL)  # +10,000.00 - 10.10 fees
    after = desk.broker.asset(ACCOUNT)
    assert after.cash == pytest.approx(before.cash + 9_989.90)
    assert after.fetch_balance == pytest.approx(before.cash)  # today's proceeds are not withdrawable
    desk.go(at(22, 0, 0, 1))
    assert desk.broker.asset(ACCOUNT).fetch_balance == pytest.approx(after.cash)


def test_todays_orders_trades_and_sold_out_positions(desk):
    desk.place(100, 10.00)
    desk.go(at(21, 10))
    desk.place(100, 10.00, xc.STOCK_SELL)
    desk.go(at(21, 16))
    night = desk.place(100, 9.90)  # for Monday
    assert len(desk.broker.orders(ACCOUNT)) == 2
    assert [p.volume for p in desk.broker.positions(ACCOUNT)] == [0]  # sold out today: still listed
    desk.go(at(22, 9))
    assert [o.order_id for o in desk.broker.orders(ACCOUNT)] == [night.order_id]  # the open one stays
    assert desk.broker.trades(ACCOUNT) == []
    assert desk.broker.positions(ACCOUNT) == []


def test_the_matching_thread_expires_orders_on_a_replay_clock():
    clock = SimClock("replay", replay_start=at(20, 14, 59, 30), speed=60.0)  # the close in 0.5 s
    desk = Desk(clock=clock, background=True)
    pushed = []

    class Listener:  # no queries: only the matching thread can expire the order
        def push(self, name, arg):
            pushed.append(arg.order_status if name == "on_stock_order" else name)

        def disconnected(self):
            pass

    try:
        desk.broker.subscribe(Listener(), ACCOUNT)
        desk.place(100, 9.90)
        deadline = time.monotonic() + 5
        while xc.ORDER_CANCELED not in pushed and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pushed == [xc.ORDER_REPORTED, "on_stock_asset", xc.ORDER_CANCELED, "on_stock_asset"]
    finally:
        desk.broker.close()
