"""Fees of the simulated counter, worked by hand: commission with its minimum (once per order), stamp duty
on stock sells only, transfer fee on stocks only; and what they do to cash, cost prices and trades."""

from __future__ import annotations

import datetime as dt

import pytest

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import FeeSchedule, SimBroker
from qmt_bridge.sim.broker.manual import ManualClock, ManualMarket
from qmt_bridge.sim.clock import CST

THU_10 = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
FRI_10 = dt.datetime(2025, 11, 21, 10, 0, tzinfo=CST)
ACCOUNT = "SIM000001"


class Desk:
    def __init__(self, cash: float = 1_000_000.0, fees: FeeSchedule | None = None) -> None:
        self.clock = ManualClock(THU_10)
        self.market = ManualMarket(self.clock)
        self.market.add("600000.SH", "浦发银行", pre_close=10.0)
        self.market.add("510300.SH", "沪深300ETF", kind="etf", pre_close=3.0)
        self.market.add("113050.SH", "南银转债", kind="cb", pre_close=110.0)
        self.market.add("600999.SH", "低价股", pre_close=0.05, tick=0.01)
        self.broker = SimBroker(self.market, self.clock, starting_cash=cash, fees=fees, background=False)

    def book(self, code: str, price: float, lots: int = 10_000) -> None:
        self.market.quote(code, price, asks=[(price, lots)], bids=[(price, lots)])

    def order(self, code, volume, price, side=xc.STOCK_BUY):
        order_id = self.broker.place_order(ACCOUNT, code, side, volume, xc.FIX_PRICE, price)
        return self.broker.order(ACCOUNT, order_id)

    def cash(self) -> float:
        return self.broker.asset(ACCOUNT).cash

    def next_day(self) -> None:
        self.clock.set(FRI_10)


@pytest.fixture()
def desk():
    desk = Desk()
    yield desk
    desk.broker.close()


def fees_of(desk, order_id):
    return [t.commission for t in desk.broker.trades(ACCOUNT) if t.order_id == order_id]


# --- the schedule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "is_sell", "commission", "stamp", "transfer"),
    [
        (1_000.00, False, 5.00, 0.00, 0.01),
        (19_988.00, False, 5.00, 0.00, 0.20),  # 4.997 -> the minimum
        (20_000.00, False, 5.00, 0.00, 0.20),  # exactly the minimum
        (20_040.00, False, 5.01, 0.00, 0.20),  # one fen over it
        (10_000.00, True, 5.00, 5.00, 0.10),  # stamp duty 0.05% on a sell
        (1_000_000.00, True, 250.00, 500.00, 10.00),
        (1_001.00, True, 5.00, 0.50, 0.01),  # 0.5005 -> 0.50 (half-up on the fen: 0.50|05)
        (1_010.00, True, 5.00, 0.51, 0.01),  # 0.505 -> 0.51
    ],
)
def test_stock_fees(amount, is_sell, commission, stamp, transfer):
    fees = FeeSchedule().for_amount(round(amount * 1000), is_stock=True, is_sell=is_sell)
    assert (fees.commission, fees.stamp_duty, fees.transfer_fee) == (
        round(commission * 1000),
        round(stamp * 1000),
        round(transfer * 1000),
    )


@pytest.mark.parametrize("is_sell", [False, True])
def test_funds_and_bonds_pay_commission_only(is_sell):
    fees = FeeSchedule().for_amount(3_000_000, is_stock=False, is_sell=is_sell)  # 3000.00
    assert (fees.commission, fees.stamp_duty, fees.transfer_fee) == (5000, 0, 0)


def test_nothing_traded_costs_nothing():
    assert FeeSchedule().for_amount(0, is_stock=True, is_sell=True).total == 0


def test_rates_are_checked():
    with pytest.raises(ValueError):
        FeeSchedule(commission_rate=-0.001)
    with pytest.raises(ValueError):
        FeeSchedule(stamp_duty_rate=0.6, commission_rate=0.5)


def test_sell_shortfall_reserve_only_for_sells_worth_less_than_their_fees():
    schedule = FeeSchedule()
    assert schedule.sell_shortfall(1_000_000, is_stock=True) == 0  # 1000.00: fees far below proceeds
    # 3.00 of proceeds against 5.00 of commission (+0.0015 stamp, +0.00003 transfer): 2.00 short, plus slack
    assert schedule.sell_shortfall(3_000, is_stock=True) == 2040


# --- through the counter -----------------------------------------------------------------------------


def test_buy_pays_commission_minimum_and_transfer_fee(desk):
    desk.book("600000.SH", 10.00)
    order = desk.order("600000.SH", 100, 10.00)
    assert order.order_status == xc.ORDER_SUCCEEDED
    assert fees_of(desk, order.order_id) == [5.01]
    assert desk.cash() == 1_000_000 - 1_000 - 5.01
    position = desk.broker.position(ACCOUNT, "600000.SH")
    assert position.avg_price == pytest.approx(10.0501)  # cost price includes fees
    assert position.open_price == 10.0


@pytest.mark.parametrize(("price", "fee"), [(10.00, 5.20), (10.02, 5.21), (9.99, 5.20)])
def test_commission_minimum_boundary(desk, price, fee):
    desk.book("600000.SH", price)
    order = desk.order("600000.SH", 2000, price)  # 20,000.00 is where 0.025% reaches 5.00
    assert fees_of(desk, order.order_id) == [fee]


def test_stamp_duty_only_on_sells(desk):
    desk.book("600000.SH", 10.00)
    buy = desk.order("600000.SH", 1000, 10.00)
    assert fees_of(desk, buy.order_id) == [5.10]  # 5.00 + 0.10, no stamp duty
    desk.next_day()
    sell = desk.order("600000.SH", 1000, 10.00, xc.STOCK_SELL)
    assert sell.order_status == xc.ORDER_SUCCEEDED
    assert fees_of(desk, sell.order_id) == [10.10]  # 5.00 + 5.00 stamp + 0.10
    assert desk.cash() == pytest.approx(1_000_000 - 10_005.10 + 9_989.90)
    asset = desk.broker.asset(ACCOUNT)
    assert asset.total_asset == pytest.approx(1_000_000 - 15.20)


def test_etf_and_bond_fees(desk):
    desk.book("510300.SH", 3.000)
    desk.book("113050.SH", 110.000)
    etf = desk.order("510300.SH", 1000, 3.000)
    bond = desk.order("113050.SH", 10, 110.000)
    assert fees_of(desk, etf.order_id) == [5.00]
    assert fees_of(desk, bond.order_id) == [5.00]
    desk.next_day()
    etf_sell = desk.order("510300.SH", 1000, 3.000, xc.STOCK_SELL)
    assert fees_of(desk, etf_sell.order_id) == [5.00]  # no stamp duty, no transfer fee


def test_minimum_commission_once_per_order_not_per_fill(desk):
    desk.market.quote("600000.SH", 10.00, asks=[(10.00, 3)], bids=[(9.99, 10)])  # 300 shares on offer
    order = desk.order("600000.SH", 1000, 10.00)
    assert order.order_status == xc.ORDER_PART_SUCC and order.traded_volume == 300
    for _ in range(3):  # three later snapshots of 300 shares each
        desk.clock.advance(3)
        desk.broker.match_now()
    order = desk.broker.order(ACCOUNT, order.order_id)
    assert order.order_status == xc.ORDER_SUCCEEDED
    # cumulative: 3000 -> 5.00 + 0.03; 6000 -> +0.03; 9000 -> +0.03; 10000 -> +0.01 (transfer 0.10 in all)
    assert fees_of(desk, order.order_id) == [5.03, 0.03, 0.03, 0.01]
    assert desk.cash() == pytest.approx(1_000_000 - 10_000 - 5.10)


def test_configured_rates():
    desk = Desk(fees=FeeSchedule(commission_rate=0.001, min_commission=0.0, stamp_duty_rate=0.001))
    try:
        desk.book("600000.SH", 10.00)
        order = desk.order("600000.SH", 100, 10.00)
        assert fees_of(desk, order.order_id) == [1.01]  # 0.1% of 1000 + 0.01 transfer
    finally:
        desk.broker.close()


@pytest.mark.parametrize(("cash_left", "taken"), [(0.01, False), (0.04, True)])
def test_a_sell_worth_less_than_its_fees_needs_cash_for_them(cash_left, taken):
    # 100 shares at 0.05 bring 5.00 and cost 5.00 commission + 0.0025 stamp duty: the counter holds
    # 0.04 (the shortfall and rounding slack, in whole fen) so that cash can never go negative.
    desk = Desk(cash=105.00 + cash_left)
    try:
        desk.book("600999.SH", 0.05)
        buy = desk.order("600999.SH", 2000, 0.05)  # freezes 100.00 + 5.00 + 0.01 (transfer fee bound)
        assert buy.order_status == xc.ORDER_SUCCEEDED
        assert desk.cash() == pytest.approx(cash_left)  # the transfer fee was 0.001 -> 0.00
        desk.next_day()
        sell = desk.order("600999.SH", 100, 0.05, xc.STOCK_SELL)
        if taken:
            assert sell.order_status == xc.ORDER_SUCCEEDED
            assert desk.cash() == pytest.approx(cash_left)  # + 5.00 - 5.00 commission - 0.00 stamp duty
        else:
            assert sell.order_status == xc.ORDER_JUNK
            assert "卖出费用" in sell.status_msg and "需要0.04元" in sell.status_msg
    finally:
        desk.broker.close()


def test_the_reserve_of_an_odd_lot_sell_is_for_its_own_size():
    desk = Desk(cash=12.51 + 1.00)  # 150 x 0.05 + the fee bound 5.01, and 1.00 to spare
    try:
        desk.market.add("830999.BJ", "北交所低价", pre_close=0.05, up=0.06, down=0.04)
        desk.book("830999.BJ", 0.05)
        assert desk.order("830999.BJ", 150, 0.05).order_status == xc.ORDER_SUCCEEDED  # BJ: any volume >= 100
        assert desk.cash() == pytest.approx(1.01)
        desk.next_day()
        # 100 bring 5.00 against 5.00 of fees: the reserve is 0.04
        assert desk.order("830999.BJ", 100, 0.05, xc.STOCK_SELL).order_status == xc.ORDER_SUCCEEDED
        # the 50 left bring 2.50 against 5.00 of commission: 2.50 short (+ slack) must be available
        last = desk.order("830999.BJ", 50, 0.05, xc.STOCK_SELL)
        assert last.order_status == xc.ORDER_JUNK and "需要2.54元" in last.status_msg
        assert desk.cash() == pytest.approx(1.01)
    finally:
        desk.broker.close()
