"""The simulated counter's lot, size and price-limit rules at their boundaries, beyond test_broker_rules.py
(which covers every board's buy lots and limit-order maximum at and past the bound, odd-lot sells of the whole
position on the main board / STAR / BJ, the tick grid, the band of a main-board stock at both edges, STAR's
upper and BJ's lower edge, and STAR's market-order maximum under price type 42).

Here: the market-order maximum of every other board and of every market price type; a latest-price order
counted as a limit order; the size check before the position check; odd-lot sells below a board's minimum;
both band edges of ChiNext, STAR, BJ, an ETF and a convertible bond (0.001 ticks: one tick past is 0.001),
sells at the band edges; a band end of 0 as no bound; and a night order at exactly its day's new limit.

Every instrument below has pre_close 10.00 (ETF 3.000, bond 110.000); its limits are the board's percentage
(ManualMarket.add): main ±10 % 9.00–11.00, STAR / ChiNext ±20 % 8.00–12.00, BJ ±30 % 7.00–13.00, ETF ±10 %
2.700–3.300, convertible bond ±20 % 88.000–132.000.
"""

from __future__ import annotations

import datetime as dt

import pytest

from broker_desk import ACCOUNT, FRI_10, assert_refused, make_desk, place, quote_at
from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import SimBroker
from qmt_bridge.sim.broker.manual import ManualClock, ManualMarket
from qmt_bridge.sim.broker.rejections import Rejection
from qmt_bridge.sim.broker.rules import check_band, check_volume
from qmt_bridge.sim.broker.securities import BJ, BOND, CHINEXT, FUND, MAIN, STAR, STOCK, Security
from qmt_bridge.sim.clock import CST


@pytest.fixture()
def desk():
    desk = make_desk()
    yield desk
    desk.broker.close()


def assert_taken(order):
    assert order.order_status != xc.ORDER_JUNK, order.status_msg


# --- maximum volume per order ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "price_type", "most", "past"),
    [
        (
            "300750.SZ",
            xc.MARKET_PEER_PRICE_FIRST,
            150_000,
            150_100,
        ),  # ChiNext: 300,000 limit / 150,000 market
        ("300750.SZ", xc.MARKET_SZ_CONVERT_5_CANCEL, 150_000, 150_100),
        ("600000.SH", xc.MARKET_PEER_PRICE_FIRST, 1_000_000, 1_000_100),
        ("430047.BJ", xc.MARKET_MINE_PRICE_FIRST, 1_000_000, 1_000_001),  # BJ: steps of 1 past 100
        ("510300.SH", xc.MARKET_SH_CONVERT_5_LIMIT, 1_000_000, 1_000_100),
        ("113050.SH", xc.MARKET_PEER_PRICE_FIRST, 100_000, 100_010),  # bonds in tens of 张
        ("688001.SH", xc.MARKET_PEER_PRICE_FIRST, 50_000, 50_001),  # STAR: 100,000 limit / 50,000 market
        ("688001.SH", xc.MARKET_MINE_PRICE_FIRST, 50_000, 50_001),
        ("688001.SH", xc.MARKET_SH_CONVERT_5_LIMIT, 50_000, 50_001),
    ],
)
def test_market_order_maximum_at_the_bound_and_one_lot_past(desk, code, price_type, most, past):
    assert_taken(place(desk, code, most, 0.0, price_type=price_type))
    assert_refused(place(desk, code, past, 0.0, price_type=price_type), f"市价单笔最大数量{most}")


def test_a_latest_price_order_has_the_limit_order_maximum(desk):
    """LATEST_PRICE (5) is a limit order at the last price: STAR's 100,000, not the market 50,000."""
    assert_taken(place(desk, "688001.SH", 100_000, 0.0, price_type=xc.LATEST_PRICE))
    assert_refused(
        place(desk, "688001.SH", 100_001, 0.0, price_type=xc.LATEST_PRICE), "限价单笔最大数量100000"
    )
    assert_taken(
        place(desk, "300750.SZ", 300_000, 0.0, price_type=xc.LATEST_PRICE)
    )  # 2 x ChiNext's market bound


def _sec(board: str, kind: str = STOCK) -> Security:
    return Security("X.SH", "X", "SH", kind, board, 10, 100, False)


@pytest.mark.parametrize(
    ("board", "kind", "most"),
    [(MAIN, STOCK, 1_000_000), (STAR, STOCK, 100_000), (CHINEXT, STOCK, 300_000), (BJ, STOCK, 1_000_000),
     (FUND, FUND, 1_000_000), (BOND, BOND, 100_000)],
)  # fmt: skip
def test_a_sell_over_the_maximum_is_refused_for_its_size_before_the_position(board, kind, most):
    """Holding 2,000,000 (everything sellable): a sell of the maximum passes, one share more is refused
    for its size even though the position would cover it."""
    check_volume(_sec(board, kind), most, is_buy=False, is_market=False, can_use=2_000_000)
    with pytest.raises(Rejection, match=f"限价单笔最大数量{most}"):
        check_volume(_sec(board, kind), most + 1, is_buy=False, is_market=False, can_use=2_000_000)


# --- odd lots ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("board", "kind", "can_use", "allowed", "refused"),
    [
        (STAR, STOCK, 199, [199], [198, 100, 1]),  # below STAR's 200: only the whole position
        (STAR, STOCK, 200, [200], [199, 1]),
        (BJ, STOCK, 99, [99], [98, 1]),
        (MAIN, STOCK, 1, [1], []),  # one share left (e.g. from a bonus issue): sellable as the whole
        (MAIN, STOCK, 101, [101, 100], [1, 99, 102]),
        (CHINEXT, STOCK, 250, [250, 200, 100], [50, 150, 249]),
        (FUND, FUND, 150, [150, 100], [50, 149]),
        (BOND, BOND, 15, [15, 10], [5, 14, 11]),
    ],
)
def test_odd_lot_sells_at_and_below_the_minimum(board, kind, can_use, allowed, refused):
    for volume in allowed:
        check_volume(_sec(board, kind), volume, is_buy=False, is_market=False, can_use=can_use)
    for volume in refused:
        with pytest.raises(Rejection):
            check_volume(_sec(board, kind), volume, is_buy=False, is_market=False, can_use=can_use)


@pytest.mark.parametrize(
    ("board", "kind", "minimum"), [(STAR, STOCK, 200), (BJ, STOCK, 100), (BOND, BOND, 10)]
)
def test_a_buy_of_the_minimum_minus_one_is_refused_even_as_a_whole_number(board, kind, minimum):
    """The whole-position exemption is for sells only: a buy of minimum - 1 is refused, minimum passes."""
    check_volume(_sec(board, kind), minimum, is_buy=True, is_market=False)
    with pytest.raises(Rejection, match="买入数量"):
        check_volume(_sec(board, kind), minimum - 1, is_buy=True, is_market=False, can_use=minimum - 1)


# --- the price band -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "volume", "up", "down", "tick"),
    [
        ("300750.SZ", 100, 12.00, 8.00, 0.01),
        ("688001.SH", 200, 12.00, 8.00, 0.01),
        ("430047.BJ", 100, 13.00, 7.00, 0.01),
        ("510300.SH", 100, 3.300, 2.700, 0.001),
        ("113050.SH", 10, 132.000, 88.000, 0.001),
    ],
)
def test_buy_band_edges_per_board(desk, code, volume, up, down, tick):
    """Exactly at limit-up and limit-down is taken, one tick past either is refused (0.001 for the ETF and
    the bond: a slack of half a stock tick would let 3.301 / 132.001 through)."""
    assert_taken(place(desk, code, volume, up))
    assert_refused(place(desk, code, volume, round(up + tick, 3)), "高于涨停价")
    assert_taken(place(desk, code, volume, down))
    assert_refused(place(desk, code, volume, round(down - tick, 3)), "低于跌停价")


def test_sell_band_edges(desk):
    """The band holds for sells too: bought Thursday, sold Friday (the band stays 9.00-11.00)."""
    assert place(desk, "600000.SH", 400, 10.0).order_status == xc.ORDER_SUCCEEDED
    desk.clock.set(FRI_10)
    quote_at(desk.market, "600000.SH", 10.0)
    assert_refused(place(desk, "600000.SH", 100, 11.01, order_type=xc.STOCK_SELL), "高于涨停价11.0")
    assert_taken(place(desk, "600000.SH", 100, 11.00, order_type=xc.STOCK_SELL))  # rests at limit-up
    assert_refused(place(desk, "600000.SH", 100, 8.99, order_type=xc.STOCK_SELL), "低于跌停价9.0")
    sold = place(desk, "600000.SH", 100, 9.00, order_type=xc.STOCK_SELL)  # at limit-down: meets the bid 9.99
    assert sold.order_status == xc.ORDER_SUCCEEDED, sold.status_msg


@pytest.mark.parametrize(
    ("price_li", "down_li", "up_li", "ok"),
    [
        (10**9, 0, 0, True),  # no band at all
        (1, 0, 0, True),
        (11_000, 9_000, 11_000, True),
        (11_001, 9_000, 11_000, False),  # one li past: the check is in li, not in ticks
        (8_999, 9_000, 11_000, False),
        (11_001, 9_000, 0, True),  # no upper bound
        (8_999, 9_000, 0, False),
        (8_999, 0, 11_000, True),  # no lower bound
        (11_001, 0, 11_000, False),
    ],
)
def test_check_band_in_li_with_zero_as_no_bound(price_li, down_li, up_li, ok):
    try:
        check_band(price_li, down_li, up_li)
    except Rejection:
        assert not ok
    else:
        assert ok


def test_an_instrument_without_limits_takes_any_price_on_its_grid(desk):
    """UpStopPrice / DownStopPrice 0 (e.g. a new listing's first days): 0.01 and 999.99 are taken."""
    desk.market.add("301999.SZ", "新股", pre_close=10.0, up=0.0, down=0.0)
    desk.market.quote("301999.SZ", 10.0, asks=[(10.0, 10)], bids=[(9.99, 10)])
    assert_taken(place(desk, "301999.SZ", 100, 999.99))
    assert_taken(place(desk, "301999.SZ", 100, 0.01))


@pytest.mark.parametrize(("price", "ok"), [(10.45, True), (10.46, False), (8.55, True), (8.54, False)])
def test_a_night_order_exactly_at_its_days_new_limit_is_kept_at_the_open(price, ok):
    """Placed Thursday 15:30 (for Friday, whose band is unknown then): Friday's pre_close 9.50 makes the band
    8.55-10.45. At the open an order at exactly 10.45 or 8.55 stands, one tick past is refused (57)."""
    clock = ManualClock(dt.datetime(2025, 11, 20, 15, 30, tzinfo=CST))
    market = ManualMarket(clock)
    market.add("600000.SH", "浦发银行", pre_close=10.0)
    market.quote("600000.SH", 10.0, asks=[(10.0, 100)], bids=[(10.0, 100)])
    broker = SimBroker(market, clock, starting_cash=1_000_000.0, background=False)
    try:
        order_id = broker.place_order(ACCOUNT, "600000.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, price)
        assert broker.order(ACCOUNT, order_id).order_status == xc.ORDER_REPORTED  # no band known yet
        market.add("600000.SH", "浦发银行", pre_close=9.50)
        market.quote("600000.SH", 9.50, asks=[(9.60, 100)], bids=[(9.50, 100)])
        clock.set(dt.datetime(2025, 11, 21, 9, 30, tzinfo=CST))
        broker.match_now()
        status = broker.order(ACCOUNT, order_id)
        if ok:
            assert status.order_status in (xc.ORDER_REPORTED, xc.ORDER_SUCCEEDED), status.status_msg
        else:
            assert status.order_status == xc.ORDER_JUNK and (
                "涨停价10.45" in status.status_msg or "跌停价8.55" in status.status_msg
            )
    finally:
        broker.close()
