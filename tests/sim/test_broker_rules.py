"""The simulated counter's order checks, each at its boundary: lots per board, maximum volumes, the tick
grid, the price band, cash and sellable volume, order and price types, untradable codes.

A refused order gets an order id, status 57 with the reason in ``status_msg`` and an ``on_order_error``.
The market is set by hand (``ManualMarket``): every expected value below is worked out from its quotes.
"""

from __future__ import annotations

import threading

import pytest

from broker_desk import ACCOUNT, CODES, FRI_10, THU_10, assert_refused, make_desk, place, quote_at
from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker.rejections import Rejection
from qmt_bridge.sim.broker.rules import check_volume
from qmt_bridge.sim.broker.securities import BJ, MAIN, STAR, STOCK, Security


@pytest.fixture()
def desk():
    desk = make_desk()
    yield desk
    desk.broker.close()


def assert_taken(order):
    assert order.order_status in (xc.ORDER_REPORTED, xc.ORDER_PART_SUCC, xc.ORDER_SUCCEEDED), order.status_msg
    assert order.order_sysid


def hold(desk, code, volume):
    """Buy ``volume`` of ``code`` today and move to the next trading day (so it is sellable)."""
    order = place(desk, code, volume)
    assert order.order_status == xc.ORDER_SUCCEEDED, order.status_msg
    desk.clock.set(FRI_10)
    for c, (_, pre_close) in CODES.items():
        quote_at(desk.market, c, pre_close)


# --- lots and sizes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "taken", "refused"),
    [
        ("600000.SH", [100, 200, 1_000_000], [99, 101, 150, 1_000_100]),
        ("000001.SZ", [100, 300], [50, 199]),
        ("300750.SZ", [100, 300_000], [150, 300_100]),
        ("688001.SH", [200, 201, 100_000], [100, 199, 100_001]),
        ("430047.BJ", [100, 101, 1_000_000], [99, 1_000_001]),
        ("510300.SH", [100, 1_000_000], [150, 1_000_100]),
        ("113050.SH", [10, 20, 100_000], [9, 11, 100_010]),
    ],
)
def test_buy_volume_rules_per_board(desk, code, taken, refused):
    for volume in taken:
        assert_taken(place(desk, code, volume))
    for volume in refused:
        order = place(desk, code, volume)
        assert_refused(order)
        assert "数量" in order.status_msg


@pytest.mark.parametrize("volume", [0, -100])
def test_volume_must_be_positive(desk, volume):
    assert_refused(place(desk, "600000.SH", volume), "委托数量必须大于0")


def test_market_order_maximum_is_lower_on_star(desk):
    # STAR: 100,000 per limit order but 50,000 per market order
    assert_taken(place(desk, "688001.SH", 50_000, price_type=xc.MARKET_SH_CONVERT_5_CANCEL))
    order = place(desk, "688001.SH", 50_001, price_type=xc.MARKET_SH_CONVERT_5_CANCEL)
    assert_refused(order, "市价单笔最大数量50000")


def _sec(board: str) -> Security:
    return Security("X.SH", "X", "SH", STOCK, board, 10, 100, False)


@pytest.mark.parametrize(
    ("board", "can_use", "allowed", "refused"),
    [
        (MAIN, 150, [150, 100], [50, 120, 151]),  # the odd remainder only with the whole volume
        (STAR, 250, [250, 200, 201], [50, 199]),
        (BJ, 130, [130, 100, 101], [30, 99]),
        (MAIN, 100, [100], [101]),
    ],
)
def test_sell_lot_rule_allows_the_whole_sellable_volume(board, can_use, allowed, refused):
    for volume in allowed:
        check_volume(_sec(board), volume, is_buy=False, is_market=False, can_use=can_use)
    for volume in refused:
        with pytest.raises(Rejection):
            check_volume(_sec(board), volume, is_buy=False, is_market=False, can_use=can_use)


def test_star_odd_position_sells_whole_or_in_rule(desk):
    hold(desk, "688001.SH", 250)
    assert_refused(place(desk, "688001.SH", 50, order_type=xc.STOCK_SELL), "卖出数量")
    assert_taken(place(desk, "688001.SH", 200, order_type=xc.STOCK_SELL))  # leaves 50
    assert_refused(place(desk, "688001.SH", 49, order_type=xc.STOCK_SELL))
    assert_taken(place(desk, "688001.SH", 50, order_type=xc.STOCK_SELL))  # the whole remainder


# --- price grid and band ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "price", "ok"),
    [
        ("600000.SH", 10.01, True),
        ("600000.SH", 10.005, False),
        ("600000.SH", 10.0000001, True),  # float noise on a grid point
        ("510300.SH", 3.001, True),
        ("510300.SH", 3.0005, False),
        ("113050.SH", 110.001, True),
        ("113050.SH", 110.0005, False),
    ],
)
def test_price_must_be_on_the_tick(desk, code, price, ok):
    volume = 10 if code == "113050.SH" else 100
    order = place(desk, code, volume, price)
    if ok:
        assert_taken(order)
    else:
        assert_refused(order, "最小价格变动单位")


@pytest.mark.parametrize("price", [0.0, -1.0, float("nan"), float("inf")])
def test_price_must_be_positive(desk, price):
    assert_refused(place(desk, "600000.SH", 100, price), "委托价格")


def test_price_band_edges(desk):
    assert_taken(place(desk, "600000.SH", 100, 11.00))  # exactly UpStopPrice
    assert_refused(place(desk, "600000.SH", 100, 11.01), "高于涨停价11.0")
    assert_taken(place(desk, "600000.SH", 100, 9.00))  # exactly DownStopPrice (rests)
    assert_refused(place(desk, "600000.SH", 100, 8.99), "低于跌停价9.0")


def test_price_band_is_the_boards(desk):
    assert_taken(place(desk, "688001.SH", 200, 12.00))  # STAR +-20%
    assert_refused(place(desk, "688001.SH", 200, 12.01))
    assert_taken(place(desk, "430047.BJ", 100, 7.00))  # BJ +-30%
    assert_refused(place(desk, "430047.BJ", 100, 6.99))


# --- cash and shares --------------------------------------------------------------------------------


def test_cash_check_at_exact_sufficiency():
    # 100 x 10.00 = 1000.00, plus the fee bound: commission max(0.25, 5.00) = 5.00 and transfer fee 0.01
    for cash, ok in ((1005.01, True), (1005.00, False)):
        desk = make_desk(cash)
        try:
            order = place(desk, "600000.SH", 100, 10.00)
            if ok:
                assert order.order_status == xc.ORDER_SUCCEEDED
            else:
                assert_refused(order, "可用资金不足", "需要1005.01元", "可用1005.00元")
                assert desk.broker.asset(ACCOUNT).frozen_cash == 0.0
        finally:
            desk.broker.close()


def test_open_orders_hold_cash_so_the_next_one_is_short():
    desk = make_desk(2010.02)  # exactly two resting orders of 100 x 10.00 (1005.01 each)
    try:
        assert_taken(place(desk, "600000.SH", 100, 9.50))  # rests below the ask: frozen at 9.50
        asset = desk.broker.asset(ACCOUNT)
        assert asset.frozen_cash == pytest.approx(950 + 5 + 0.01)
        assert asset.cash == pytest.approx(2010.02 - 955.01)
        assert_taken(place(desk, "600000.SH", 100, 10.00))  # 1005.01 <= 1055.01 available
        assert_refused(place(desk, "600000.SH", 100, 9.00), "可用资金不足")  # 905.01 > 50.00
    finally:
        desk.broker.close()


def test_position_check_at_exact_sufficiency(desk):
    hold(desk, "430047.BJ", 150)
    assert_refused(place(desk, "430047.BJ", 151, order_type=xc.STOCK_SELL), "可用股份不足", "可用150")
    assert_taken(place(desk, "430047.BJ", 150, order_type=xc.STOCK_SELL))


def test_open_sells_hold_their_shares(desk):
    hold(desk, "600000.SH", 300)
    assert_taken(place(desk, "600000.SH", 200, 10.50, order_type=xc.STOCK_SELL))  # rests above the bid
    position = desk.broker.position(ACCOUNT, "600000.SH")
    assert (position.volume, position.can_use_volume, position.frozen_volume) == (300, 100, 200)
    assert_refused(place(desk, "600000.SH", 200, order_type=xc.STOCK_SELL), "可用股份不足", "可用100")
    assert_taken(place(desk, "600000.SH", 100, 10.50, order_type=xc.STOCK_SELL))


def test_selling_what_is_not_held(desk):
    assert_refused(place(desk, "600000.SH", 100, order_type=xc.STOCK_SELL), "可用股份不足", "可用0")


# --- order types, price types, codes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "order_type", [xc.CREDIT_FIN_BUY, xc.FUTURE_OPEN_LONG, xc.ETF_PURCHASE, xc.STOCK_OPTION_BUY_OPEN]
)
def test_only_stock_buy_and_sell(desk, order_type):
    assert_refused(place(desk, "600000.SH", 100, order_type=order_type), "不支持的委托类型")


@pytest.mark.parametrize(
    ("code", "price_type", "ok"),
    [
        ("000001.SZ", xc.MARKET_SH_CONVERT_5_CANCEL, False),
        ("000001.SZ", xc.MARKET_SH_CONVERT_5_LIMIT, False),
        ("600000.SH", xc.MARKET_SZ_INSTBUSI_RESTCANCEL, False),
        ("600000.SH", xc.MARKET_SZ_CONVERT_5_CANCEL, False),
        ("600000.SH", xc.MARKET_SZ_FULL_OR_CANCEL, False),
        ("430047.BJ", xc.MARKET_SZ_CONVERT_5_CANCEL, False),
        ("430047.BJ", xc.MARKET_SH_CONVERT_5_CANCEL, True),  # SSE/BSE types
        ("600000.SH", xc.MARKET_SH_CONVERT_5_CANCEL, True),
        ("000001.SZ", xc.MARKET_SZ_FULL_OR_CANCEL, True),
        ("000001.SZ", xc.MARKET_PEER_PRICE_FIRST, True),
        ("600000.SH", xc.PRTP_MARKET, False),
        ("600000.SH", xc.MARKET_BEST, False),
    ],
)
def test_price_types_per_exchange(desk, code, price_type, ok):
    order = place(desk, code, 100, 0.0, price_type=price_type)
    if ok:
        assert order.order_status != xc.ORDER_JUNK, order.status_msg
    else:
        assert_refused(order, "报价类型")


def test_untradable_codes(desk):
    desk.market.add("000300.SH", "沪深300", kind="index", pre_close=4000.0)
    desk.market.add("IF2512.IF", "IF2512", kind="future", pre_close=4000.0, tick=0.2)
    desk.market.add("00700.HK", "腾讯控股", kind="hk", pre_close=400.0)
    assert_refused(place(desk, "000300.SH", 100, 4000.0), "指数")
    assert_refused(place(desk, "IF2512.IF", 1, 4000.0), "期货")
    assert_refused(place(desk, "00700.HK", 100, 400.0), "港股")
    assert_refused(place(desk, "999999.SH", 100, 10.0), "证券代码不存在")


def test_suspended_and_delisted_codes(desk):
    desk.market.quote("600000.SH", 10.0, suspended=True)
    assert_refused(place(desk, "600000.SH", 100), "停牌")
    desk.market.add("600001.SH", "退市", pre_close=10.0, trading=False)
    desk.market.quote("600001.SH", 10.0, asks=[(10.0, 10)])
    assert_refused(place(desk, "600001.SH", 100, 10.0), "不在交易期")
    desk.market.add("600002.SH", "停牌", pre_close=10.0, status=1)
    desk.market.quote("600002.SH", 10.0, asks=[(10.0, 10)])
    assert_refused(place(desk, "600002.SH", 100, 10.0), "停牌")


def test_market_orders_only_in_continuous_trading(desk):
    desk.clock.set(THU_10.replace(hour=9, minute=20))
    order = place(desk, "600000.SH", 100, 0.0, price_type=xc.MARKET_PEER_PRICE_FIRST)
    assert_refused(order, "非连续竞价时段不接受市价委托")
    assert_taken(place(desk, "600000.SH", 100, 10.0))  # a limit order waits for the open


def test_a_refusal_reaches_the_caller_as_order_error(desk):
    got = []
    done = threading.Event()

    class Listener:
        def push(self, name, arg):
            got.append((name, arg))
            if name == "on_stock_order":
                done.set()

        def disconnected(self):
            pass

    listener = Listener()
    assert desk.broker.subscribe(listener, ACCOUNT)
    order_id = desk.broker.place_order(
        ACCOUNT, "600000.SH", xc.STOCK_BUY, 150, xc.FIX_PRICE, 10.0, origin=listener
    )
    assert [name for name, _ in got] == ["on_order_error", "on_stock_order"]
    error, order = got[0][1], got[1][1]
    assert (error.order_id, error.error_id) == (order_id, 1003)
    assert error.error_msg == order.status_msg == "买入数量必须为100的整数倍: 150 (600000.SH)"
    assert order.order_status == xc.ORDER_JUNK
