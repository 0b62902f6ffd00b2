"""Matching against the displayed book, worked by hand: level prices at submission, liquidity used up
within a snapshot, resting orders filling at their own limit over later snapshots, and every price type."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import SimBroker
from qmt_bridge.sim.broker.manual import ManualClock, ManualMarket
from qmt_bridge.sim.broker.matching import fill_size, take
from qmt_bridge.sim.clock import CST

THU_10 = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
FRI_10 = dt.datetime(2025, 11, 21, 10, 0, tzinfo=CST)
ACCOUNT = "SIM000001"
SH, SZ, BJ = "600000.SH", "000001.SZ", "430047.BJ"
FIVE_ASKS = [(10.00, 1), (10.01, 1), (10.02, 1), (10.03, 1), (10.04, 1)]  # 500 shares in all
FIVE_BIDS = [(9.99, 1), (9.98, 1), (9.97, 1), (9.96, 1), (9.95, 1)]


class Desk:
    def __init__(self, cash: float = 1_000_000.0, background: bool = False) -> None:
        self.clock = ManualClock(THU_10)
        self.market = ManualMarket(self.clock)
        for code in (SH, SZ, BJ):
            self.market.add(code, code, pre_close=10.0)  # limits 9.00 / 11.00 (BJ 7.00 / 13.00)
            self.market.quote(code, 10.0, asks=FIVE_ASKS, bids=FIVE_BIDS)
        self.broker = SimBroker(
            self.market, self.clock, starting_cash=cash, background=background, match_interval=0.02
        )

    def place(self, code, volume, price=0.0, side=xc.STOCK_BUY, price_type=xc.FIX_PRICE):
        order_id = self.broker.place_order(ACCOUNT, code, side, volume, price_type, price)
        assert order_id > 0
        return order_id

    def order(self, order_id):
        return self.broker.order(ACCOUNT, order_id)

    def fills(self, order_id):
        return [
            (t.traded_price, t.traded_volume) for t in self.broker.trades(ACCOUNT) if t.order_id == order_id
        ]

    def next_snapshot(self):
        self.clock.advance(3)
        self.broker.match_now()

    def hold(self, code, volume):
        """Hold ``volume`` of ``code`` bought yesterday (at 10.00), with the standard book back."""
        self.market.quote(code, 10.0, asks=[(10.00, 10_000)])
        assert self.order(self.place(code, volume, 10.00)).order_status == xc.ORDER_SUCCEEDED
        self.clock.set(FRI_10)
        self.market.quote(code, 10.0, asks=FIVE_ASKS, bids=FIVE_BIDS)

    def frozen(self):
        return self.broker.asset(ACCOUNT).frozen_cash


@pytest.fixture()
def desk():
    desk = Desk()
    yield desk
    desk.broker.close()


# --- at submission -----------------------------------------------------------------------------------


def test_a_marketable_buy_walks_the_asks_at_their_prices(desk):
    order_id = desk.place(SH, 200, 10.01)
    assert desk.fills(order_id) == [(10.00, 100), (10.01, 100)]
    order = desk.order(order_id)
    assert order.order_status == xc.ORDER_SUCCEEDED
    assert order.traded_price == pytest.approx(10.005)  # volume-weighted
    assert desk.frozen() == 0.0


def test_the_unfilled_rest_stays_at_its_limit(desk):
    order_id = desk.place(SH, 300, 10.01)
    assert desk.fills(order_id) == [(10.00, 100), (10.01, 100)]
    order = desk.order(order_id)
    assert (order.order_status, order.traded_volume) == (xc.ORDER_PART_SUCC, 200)
    # frozen: 100 x 10.01 + what the fees may still cost: cap 5.00 + 0.04 (transfer on 3003.00) - 5.02 paid
    assert desk.frozen() == pytest.approx(1001 + 0.02)


def test_a_marketable_sell_walks_the_bids(desk):
    desk.hold(SH, 300)
    order_id = desk.place(SH, 300, 9.98, xc.STOCK_SELL)
    assert desk.fills(order_id) == [(9.99, 100), (9.98, 100)]
    position = desk.broker.position(ACCOUNT, SH)
    assert (position.volume, position.can_use_volume, position.frozen_volume) == (100, 0, 100)


def test_liquidity_taken_is_gone_for_the_rest_of_the_snapshot(desk):
    first = desk.place(SH, 100, 10.00)
    second = desk.place(SH, 100, 10.00)
    assert desk.fills(first) == [(10.00, 100)]
    assert desk.fills(second) == []  # the 100 shares at 10.00 were the first order's
    assert desk.order(second).order_status == xc.ORDER_REPORTED
    desk.next_snapshot()  # a new snapshot shows 100 at 10.00 again
    assert desk.fills(second) == [(10.00, 100)]


def test_partial_fills_come_in_whole_lots():
    levels = [(10_000, 150), (10_010, 500)]
    assert take(levels, 250, is_buy=True, limit_li=None, unit=100) == [(10_000, 100), (10_010, 150)]
    assert take(levels, 150, is_buy=True, limit_li=None, unit=100) == [(10_000, 150)]  # completes it
    assert take(levels, 250, is_buy=True, limit_li=10_000, unit=100) == [(10_000, 100)]
    bids = [(10_010, 150), (10_000, 500)]
    assert take(bids, 250, is_buy=False, limit_li=10_005, unit=100) == [(10_010, 100)]
    assert (fill_size(99, 150, 100), fill_size(150, 150, 100), fill_size(0, 1, 100)) == (0, 150, 0)


def test_an_odd_remainder_left_in_the_book_is_not_split(desk):
    desk.market.quote(BJ, 10.0, asks=[(10.00, 2)])
    first = desk.place(BJ, 101, 10.00)  # BJ: any volume from 100; takes 101 of the 200 shown
    second = desk.place(BJ, 150, 10.00)
    third = desk.place(BJ, 99 + 100, 10.00)
    assert desk.fills(first) == [(10.00, 101)]
    assert desk.fills(second) == desk.fills(third) == []  # 99 left: less than a lot and no order's whole


# --- resting orders ----------------------------------------------------------------------------------


def test_a_large_order_fills_over_several_snapshots(desk):
    desk.market.quote(SH, 10.0, asks=[(10.00, 3)], bids=FIVE_BIDS)
    order_id = desk.place(SH, 1000, 10.00)
    for _ in range(5):
        desk.next_snapshot()
    assert [v for _, v in desk.fills(order_id)] == [300, 300, 300, 100]
    order = desk.order(order_id)
    assert (order.order_status, order.traded_volume) == (xc.ORDER_SUCCEEDED, 1000)


def test_a_resting_order_fills_at_its_own_limit(desk):
    order_id = desk.place(SH, 100, 9.98)  # below the asks: rests
    desk.next_snapshot()
    assert desk.fills(order_id) == []  # nothing crosses 9.98 yet
    desk.market.quote(SH, 9.97, asks=[(9.97, 5)], bids=[(9.96, 5)])
    desk.next_snapshot()
    assert desk.fills(order_id) == [(9.98, 100)]  # its own price, not the 9.97 ask


def test_a_resting_order_only_meets_later_snapshots(desk):
    order_id = desk.place(SH, 100, 9.98)
    desk.market.quote(SH, 9.97, asks=[(9.97, 5)])  # changes within the same 3-second snapshot
    desk.broker.match_now()
    assert desk.fills(order_id) == []
    desk.next_snapshot()
    assert desk.fills(order_id) == [(9.98, 100)]


def test_a_trade_through_the_limit_fills_up_to_the_volume_traded(desk):
    desk.market.quote(SH, 10.0, asks=FIVE_ASKS, bids=FIVE_BIDS, volume=1000)
    order_id = desk.place(SH, 500, 9.98)  # rests; the counter saw 1000 lots traded so far
    desk.market.quote(SH, 9.98, asks=[(9.99, 10)], bids=[(9.97, 10)], volume=1002)
    desk.next_snapshot()
    assert desk.fills(order_id) == [(9.98, 200)]  # 2 lots traded at or through 9.98 since
    desk.next_snapshot()
    assert desk.fills(order_id) == [(9.98, 200)]  # nothing traded since: no more


def test_a_resting_sell_fills_when_the_bids_reach_it(desk):
    desk.hold(SH, 200)
    order_id = desk.place(SH, 200, 10.05, xc.STOCK_SELL)
    desk.next_snapshot()
    assert desk.fills(order_id) == []
    desk.market.quote(SH, 10.06, asks=[(10.07, 5)], bids=[(10.06, 1), (10.05, 5)])
    desk.next_snapshot()
    assert desk.fills(order_id) == [(10.05, 200)]


def test_price_and_time_priority_among_resting_orders(desk):
    low = desk.place(SH, 100, 9.97)
    high = desk.place(SH, 100, 9.98)
    later_high = desk.place(SH, 100, 9.98)
    desk.market.quote(SH, 9.96, asks=[(9.96, 1)])  # 100 shares for the three of them
    desk.next_snapshot()
    assert desk.fills(high) == [(9.98, 100)]
    assert desk.fills(later_high) == desk.fills(low) == []


def test_the_matching_thread_fills_on_its_own():
    desk = Desk(background=True)
    try:
        order_id = desk.place(SH, 100, 9.98)
        desk.market.quote(SH, 9.97, asks=[(9.97, 5)])
        desk.clock.advance(3)
        deadline = time.monotonic() + 5
        while not desk.fills(order_id) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert desk.fills(order_id) == [(9.98, 100)]
    finally:
        desk.broker.close()


# --- price types ---------------------------------------------------------------------------------------


def test_latest_price_is_a_limit_at_the_last_price(desk):
    desk.market.quote(SH, 9.99, asks=FIVE_ASKS, bids=FIVE_BIDS)
    order_id = desk.place(SH, 100, 0.0, price_type=xc.LATEST_PRICE)
    order = desk.order(order_id)
    assert (order.price, order.order_status) == (9.99, xc.ORDER_REPORTED)  # no ask at 9.99: rests
    desk.market.quote(SH, 9.99, asks=[(9.99, 1)])
    desk.next_snapshot()
    assert desk.fills(order_id) == [(9.99, 100)]


def test_peer_price_first_is_a_limit_at_the_best_counter_quote(desk):
    order_id = desk.place(SH, 200, 0.0, price_type=xc.MARKET_PEER_PRICE_FIRST)
    order = desk.order(order_id)
    assert order.price == 10.00
    assert desk.fills(order_id) == [(10.00, 100)]  # the rest waits at 10.00
    assert order.order_status == xc.ORDER_PART_SUCC


def test_mine_price_first_is_a_limit_at_the_best_own_quote(desk):
    order_id = desk.place(SH, 100, 0.0, price_type=xc.MARKET_MINE_PRICE_FIRST)
    order = desk.order(order_id)
    assert (order.price, order.order_status) == (9.99, xc.ORDER_REPORTED)


def test_peer_price_first_without_a_counter_side_is_cancelled(desk):
    desk.market.quote(SH, 11.00, asks=[], bids=[(11.00, 100)])  # limit-up: no asks
    order = desk.order(desk.place(SH, 100, 0.0, price_type=xc.MARKET_PEER_PRICE_FIRST))
    assert order.order_status == xc.ORDER_CANCELED and "无对手方" in order.status_msg
    assert desk.frozen() == 0.0


@pytest.mark.parametrize(
    ("code", "price_type"),
    [
        (SH, xc.MARKET_SH_CONVERT_5_CANCEL),
        (BJ, xc.MARKET_SH_CONVERT_5_CANCEL),
        (SZ, xc.MARKET_SZ_CONVERT_5_CANCEL),
        (SZ, xc.MARKET_SZ_INSTBUSI_RESTCANCEL),
    ],
)
def test_immediate_or_cancel_types_take_five_levels_and_cancel_the_rest(desk, code, price_type):
    order_id = desk.place(code, 700, 0.0, price_type=price_type)
    assert desk.fills(order_id) == [(10.00, 100), (10.01, 100), (10.02, 100), (10.03, 100), (10.04, 100)]
    order = desk.order(order_id)
    assert (order.order_status, order.traded_volume) == (xc.ORDER_PART_CANCEL, 500)
    assert desk.frozen() == 0.0
    assert desk.broker.asset(ACCOUNT).cash == pytest.approx(1_000_000 - 5010 - 5.00 - 0.05)


def test_immediate_or_cancel_without_liquidity_is_cancelled(desk):
    desk.market.quote(SH, 11.00, asks=[], bids=[(11.00, 100)])
    order = desk.order(desk.place(SH, 100, 0.0, price_type=xc.MARKET_SH_CONVERT_5_CANCEL))
    assert (order.order_status, order.traded_volume) == (xc.ORDER_CANCELED, 0)


def test_best_five_then_limit_rests_at_the_last_fill_price(desk):
    order_id = desk.place(SH, 700, 0.0, price_type=xc.MARKET_SH_CONVERT_5_LIMIT)
    order = desk.order(order_id)
    assert (order.order_status, order.traded_volume) == (xc.ORDER_PART_SUCC, 500)
    # the remaining 200 wait at 10.04: frozen 200 x 10.04 + fee bound (5.00 + 0.08 at 11.00) - 5.05 paid
    assert desk.frozen() == pytest.approx(2008 + 0.03)
    desk.market.quote(SH, 10.04, asks=[(10.03, 5)])
    desk.next_snapshot()
    assert desk.fills(order_id)[-1] == (10.04, 200)
    assert desk.order(order_id).order_status == xc.ORDER_SUCCEEDED


def test_best_five_then_limit_without_liquidity_is_cancelled(desk):
    desk.market.quote(SH, 11.00, asks=[], bids=[(11.00, 100)])
    order = desk.order(desk.place(SH, 100, 0.0, price_type=xc.MARKET_SH_CONVERT_5_LIMIT))
    assert order.order_status == xc.ORDER_CANCELED


@pytest.mark.parametrize(
    ("volume", "status", "traded"), [(500, xc.ORDER_SUCCEEDED, 500), (600, xc.ORDER_CANCELED, 0)]
)
def test_fill_or_kill_is_all_or_nothing(desk, volume, status, traded):
    order = desk.order(desk.place(SZ, volume, 0.0, price_type=xc.MARKET_SZ_FULL_OR_CANCEL))
    assert (order.order_status, order.traded_volume) == (status, traded)
    assert desk.frozen() == 0.0


def test_market_buys_freeze_cash_at_the_up_limit():
    # the asks are at 10.00, but a market buy of 100 must cover 100 x 11.00 + 5.00 + 0.02 (fee bound)
    for cash, ok in ((1105.02, True), (1105.01, False)):
        desk = Desk(cash=cash)
        try:
            order = desk.order(desk.place(SH, 100, 0.0, price_type=xc.MARKET_SH_CONVERT_5_CANCEL))
            if ok:
                assert order.order_status == xc.ORDER_SUCCEEDED
                assert desk.broker.asset(ACCOUNT).cash == pytest.approx(cash - 1000 - 5.01)
            else:
                assert order.order_status == xc.ORDER_JUNK and "可用资金不足" in order.status_msg
        finally:
            desk.broker.close()


def test_market_sells_walk_the_bids(desk):
    desk.hold(SZ, 300)
    order_id = desk.place(SZ, 300, 0.0, xc.STOCK_SELL, price_type=xc.MARKET_SZ_CONVERT_5_CANCEL)
    assert desk.fills(order_id) == [(9.99, 100), (9.98, 100), (9.97, 100)]
