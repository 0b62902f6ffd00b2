"""A credit account's order types on the simulated counter (``sim/broker/credit_orders.py``): each type's
effect on cash, positions and compacts, and every refusal at its boundary (nothing placed, status 57)."""

from __future__ import annotations

import datetime as dt

import pytest

from broker_desk import (
    ACCOUNT,
    CREDIT,
    FRI_10,
    THU_10,
    assert_refused,
    credit_quote,
    make_credit_world,
    open_credit,
)
from broker_desk import (
    credit_order as order,
)
from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker.credit_universe import pool_of

SH = "600000.SH"
SH2 = "600001.SH"
STAR = "688001.SH"


@pytest.fixture()
def world(tmp_path):
    w = make_credit_world(tmp_path)
    yield w
    for broker in w.brokers:
        broker.close()


def filled(found):
    assert found.order_status == xc.ORDER_SUCCEEDED, found.status_msg
    return found


def detail(broker):
    return broker.credit_detail(CREDIT)[0]


def nothing_placed(broker, before):
    assert detail(broker).m_dAvailable == before.m_dAvailable
    assert detail(broker).m_dFinEnableQuota == before.m_dFinEnableQuota
    assert detail(broker).m_dSloEnableQuota == before.m_dSloEnableQuota


# --- effects ------------------------------------------------------------------------------------------------


def test_collateral_buy_and_sell_are_ordinary(world):
    broker = open_credit(world)
    filled(order(broker, SH, xc.CREDIT_BUY, 1000))
    assert detail(broker).m_dAvailable == 90_000.0 and broker.stk_compacts(CREDIT) == []
    world.clock.set(FRI_10)
    filled(order(broker, SH, xc.CREDIT_SELL, 1000, price=10.0))
    assert detail(broker).m_dAvailable == 100_000.0


def test_short_sale_then_buy_back_with_the_proceeds(world):
    broker = open_credit(world)
    short = filled(order(broker, SH, xc.CREDIT_SLO_SELL, 1000))
    assert broker.position(CREDIT, SH) is None  # lent shares are no position
    (compact,) = broker.stk_compacts(CREDIT)
    assert (compact.compact_type, compact.business_vol, compact.business_balance) == (49, 1000, 10_000.0)
    assert compact.compact_id == short.order_sysid
    d = detail(broker)
    assert (d.m_dAvailable, d.m_dSurplusSloSellBalance, d.m_dSloEnableQuota) == (
        100_000.0,
        10_000.0,
        190_000.0,
    )
    lendable = {c.instrument_id: c.enable_amount for c in broker.credit_slo_codes(CREDIT)}
    assert lendable["600000"] == pool_of(SH) - 1000  # the counter lends from its pool
    credit_quote(world.market, SH, 9.0)
    filled(order(broker, SH, xc.CREDIT_BUY_SECU_REPAY, 1000, price=9.0))  # 9,000 of the 10,000 held
    (closed,) = broker.stk_compacts(CREDIT)
    assert (closed.real_compact_vol, closed.real_compact_balance, closed.repaid_balance) == (0, 0.0, 10_000.0)
    d = detail(broker)
    assert (d.m_dAvailable, d.m_dFrozenCash, d.m_dTotalDebt) == (101_000.0, 0.0, 0.0)  # the gain is freed
    assert d.m_dSloSellBalance == d.m_dSurplusSloSellBalance == 0.0
    assert broker.position(CREDIT, SH).volume == 0
    lendable = {c.instrument_id: c.enable_amount for c in broker.credit_slo_codes(CREDIT)}
    assert lendable["600000"] == pool_of(SH)


def test_buy_back_beyond_the_debt_keeps_the_rest_and_pays_fees(world):
    broker = open_credit(world)
    filled(order(broker, SH, xc.CREDIT_SLO_SELL, 1000))
    world.clock.set(
        dt.datetime.combine(dt.date(2025, 11, 24), dt.time(10), THU_10.tzinfo)
    )  # Monday: 4 days of fees, 4 x 2.22
    assert broker.stk_compacts(CREDIT)[0].real_compact_fare == 8.88
    filled(order(broker, SH, xc.CREDIT_BUY_SECU_REPAY, 1500))  # 15,000: 10,000 held + 5,000 cash
    assert broker.position(CREDIT, SH).volume == 500  # the excess stays as collateral
    assert broker.position(CREDIT, SH).avg_price == 10.0
    (closed,) = broker.stk_compacts(CREDIT)
    assert (closed.real_compact_fare, closed.repaid_fare) == (0.0, 8.88)  # fees paid from the cash
    d = detail(broker)
    assert d.m_dAvailable == 100_000 - 5_000 - 8.88
    assert (d.m_dFrozenCash, d.m_dTotalDebt) == (0.0, 0.0)


def test_direct_return_uses_held_shares(world):
    broker = open_credit(world)
    filled(order(broker, SH, xc.CREDIT_BUY, 1000))  # bought today: may still repay
    filled(order(broker, SH, xc.CREDIT_SLO_SELL, 600))
    back = filled(order(broker, SH, xc.CREDIT_DIRECT_SECU_REPAY, 600, price=0.0))
    assert back.traded_volume == 600 and broker.trades(CREDIT)[-1].order_id != back.order_id  # no fill
    assert broker.position(CREDIT, SH).volume == 400
    assert broker.stk_compacts(CREDIT)[0].real_compact_vol == 0
    d = detail(broker)
    assert (d.m_dAvailable, d.m_dSurplusSloSellBalance) == (96_000.0, 0.0)  # the held 6,000 released


def test_sell_to_repay_pays_interest_then_principal(world):
    broker = open_credit(world)
    filled(order(broker, SH, xc.CREDIT_FIN_BUY, 1000))  # 10,000 financed
    world.clock.set(FRI_10)  # one day: 10,000 x 6 % / 360 = 1.67
    credit_quote(world.market, SH, 11.0)
    filled(order(broker, SH, xc.CREDIT_SELL_SECU_REPAY, 1000, price=11.0))
    (closed,) = broker.stk_compacts(CREDIT)
    assert (closed.repaid_fare, closed.repaid_balance, closed.real_compact_balance) == (1.67, 10_000.0, 0.0)
    d = detail(broker)
    assert d.m_dAvailable == 100_000 + 11_000 - 10_001.67
    assert d.m_dFinEnableQuota == 200_000.0 and d.m_dTotalDebt == 0.0


def test_direct_repay_pays_fees_first_then_the_oldest_principal(world):
    broker = open_credit(world)
    filled(order(broker, SH, xc.CREDIT_FIN_BUY, 1000))  # compact A, 10,000
    world.clock.set(FRI_10)  # A: 1.67 interest
    filled(order(broker, SH2, xc.CREDIT_FIN_BUY, 500))  # compact B, 5,000
    paid = filled(order(broker, "", xc.CREDIT_DIRECT_CASH_REPAY, 4_001.67, price=0.0))
    assert "偿还息费1.67元, 偿还本金4000.00元" in paid.status_msg
    a, b = broker.stk_compacts(CREDIT)
    assert (a.real_compact_balance, a.real_compact_fare, a.real_compact_vol) == (6_000.0, 0.0, 600)
    assert b.real_compact_balance == 5_000.0
    assert detail(broker).m_dAvailable == 100_000 - 4_001.67
    over = filled(order(broker, "", xc.CREDIT_DIRECT_CASH_REPAY, 50_000, price=0.0))  # only what is owed
    assert "直接还款11000.00元" in over.status_msg
    assert detail(broker).m_dAvailable == 100_000 - 15_001.67


def test_pushes_of_a_short_sale_have_no_position(world):
    broker = open_credit(world)
    events = []

    class Listener:
        def push(self, name, arg):
            events.append((name, arg))

        def disconnected(self):
            pass

    broker.subscribe(Listener(), CREDIT)
    filled(order(broker, SH, xc.CREDIT_SLO_SELL, 100))
    names = [name for name, _ in events]
    assert "on_stock_trade" in names and "on_stock_position" not in names
    assert {arg.account_type for _, arg in events} == {xc.CREDIT_ACCOUNT}
    assert next(arg for name, arg in events if name == "on_stock_trade").direction == xc.DIRECTION_FLAG_SELL


# --- refusals at their boundaries ----------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "ok"), [(100_000, True), (99_999, False)])
def test_fin_quota_exactly_enough_or_one_yuan_short(world, line, ok):
    broker = open_credit(world, cash=200_000.0)
    broker.set_credit_lines(CREDIT, fin_quota=line)
    before = detail(broker)
    found = order(broker, SH, xc.CREDIT_FIN_BUY, 10_000)
    if ok:
        filled(found)
        assert detail(broker).m_dFinEnableQuota == 0.0
    else:
        assert_refused(found, "融资可用额度不足", "需要100000.00元", "可用99999.00元")
        nothing_placed(broker, before)


@pytest.mark.parametrize(("cash", "ok"), [(100_000, True), (99_999, False)])
def test_fin_margin_exactly_enough_or_one_yuan_short(world, cash, ok):
    broker = open_credit(world, cash=cash)
    broker.set_credit_lines(CREDIT, fin_quota=1_000_000)
    found = order(broker, SH, xc.CREDIT_FIN_BUY, 10_000)
    if ok:
        filled(found)
        assert detail(broker).m_dEnableBailBalance == 0.0
    else:
        assert_refused(found, "可用保证金不足", "需要100000.00元", "可用99999.00元")
        assert broker.stk_compacts(CREDIT) == []


@pytest.mark.parametrize("extra", [0, 1])
def test_lendable_exactly_or_one_share_more(world, extra):
    broker = open_credit(world, cash=1_000_000.0)
    volume = pool_of(STAR) + extra
    found = order(broker, STAR, xc.CREDIT_SLO_SELL, volume)
    if extra:
        assert_refused(found, "可融券数量不足", f"可融{pool_of(STAR)}股")
        assert broker.stk_compacts(CREDIT) == []
    else:
        filled(found)
        assert {c.instrument_id: c.enable_amount for c in broker.credit_slo_codes(CREDIT)}["688001"] == 0


@pytest.mark.parametrize(("line", "ok"), [(10_000, True), (9_999, False)])
def test_slo_quota_exactly_enough_or_one_yuan_short(world, line, ok):
    broker = open_credit(world)
    broker.set_credit_lines(CREDIT, slo_quota=line)
    found = order(broker, SH, xc.CREDIT_SLO_SELL, 1000)
    if ok:
        filled(found)
    else:
        assert_refused(found, "融券可用额度不足")


@pytest.mark.parametrize(("cash", "ok"), [(10_000, True), (9_999, False)])
def test_slo_margin_exactly_enough_or_one_yuan_short(world, cash, ok):
    broker = open_credit(world, cash=cash)
    found = order(broker, SH, xc.CREDIT_SLO_SELL, 1000)
    if ok:
        filled(found)
    else:
        assert_refused(found, "可用保证金不足")


def test_short_sale_price_rules(world):
    broker = open_credit(world)
    assert_refused(order(broker, SH, xc.CREDIT_SLO_SELL, 100, price=9.99), "低于最新成交价", "提价规则")
    assert_refused(
        order(broker, SH, xc.CREDIT_SLO_SELL, 100, price_type=xc.MARKET_PEER_PRICE_FIRST), "只接受限价委托"
    )
    filled(order(broker, SH, xc.CREDIT_SLO_SELL, 100, price_type=xc.LATEST_PRICE, price=0.0))


@pytest.mark.parametrize(
    ("code", "order_type", "words"),
    [
        ("600002.SH", xc.CREDIT_FIN_BUY, ("非融资标的",)),  # ST
        ("600003.SH", xc.CREDIT_FIN_BUY, ("非融资标的",)),  # listed 50 days
        ("600002.SH", xc.CREDIT_SLO_SELL, ("非融券标的",)),
        ("430047.BJ", xc.CREDIT_BUY, ("非担保品证券",)),
        ("999999.SH", xc.CREDIT_FIN_BUY, ("证券代码不存在",)),
        (SH, xc.CREDIT_BUY_SECU_REPAY, ("没有需要归还的融券负债",)),
        (SH, xc.CREDIT_DIRECT_SECU_REPAY, ("没有需要归还的融券负债",)),
        (SH, xc.CREDIT_SELL_SECU_REPAY, ("没有融资负债",)),
        ("", xc.CREDIT_DIRECT_CASH_REPAY, ("没有需要归还的融资负债",)),
        (SH, xc.CREDIT_FIN_BUY_SPECIAL, ("专项", "order_type=40")),
        (SH, xc.CREDIT_DIRECT_CASH_REPAY_SPECIAL, ("专项", "order_type=45")),
        (SH, 25, ("信用账户不支持的委托类型",)),
    ],
)
def test_credit_refusals(world, code, order_type, words):
    broker = open_credit(world)
    before = detail(broker)
    assert_refused(order(broker, code, order_type, 100), *words)
    nothing_placed(broker, before)


def test_repayments_beyond_what_is_owed_or_held(world):
    broker = open_credit(world, cash=20_000.0)
    filled(order(broker, SH, xc.CREDIT_BUY, 1000))
    filled(order(broker, SH, xc.CREDIT_SLO_SELL, 500))
    assert_refused(order(broker, SH, xc.CREDIT_DIRECT_SECU_REPAY, 501), "还券数量超过融券负债", "应还500股")
    broker.place_order(CREDIT, SH, xc.CREDIT_SELL, 1000, xc.FIX_PRICE, 11.0)  # T+1: refused, nothing frozen
    filled(order(broker, SH, xc.CREDIT_FIN_BUY, 1200))  # 12,000 financed (可用保证金 10,000 + 7,000 - 5,000)
    assert_refused(
        order(broker, "", xc.CREDIT_DIRECT_CASH_REPAY, 10_000.01), "可用资金不足", "可用10000.00元"
    )
    filled(order(broker, "", xc.CREDIT_DIRECT_CASH_REPAY, 10_000))
    assert_refused(order(broker, "", xc.CREDIT_DIRECT_CASH_REPAY, 0), "还款金额必须大于0")


def test_stock_account_refuses_credit_types(world):
    broker = open_credit(world)
    for order_type in (
        xc.CREDIT_FIN_BUY,
        xc.CREDIT_SLO_SELL,
        xc.CREDIT_DIRECT_CASH_REPAY,
        xc.CREDIT_FIN_BUY_SPECIAL,
    ):
        found = order(broker, SH, order_type, 100, account=ACCOUNT)
        assert_refused(found, "信用交易委托类型", "请使用信用账户")
    assert broker.asset(ACCOUNT).cash == 100_000.0
