"""Credit accounts (融资融券) on the simulated counter: the lists, the arithmetic of debt, margin and ratios,
persistence, the reset and the drop-in trader's credit calls.

Rules: ``sim/broker/credit.py`` (debt, interest), ``credit_universe.py`` (lists), ``credit_margin.py``
(numbers), ``credit_orders.py`` (orders; their effects and refusals: test_broker_credit_orders.py).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import threading

import pytest

from broker_desk import (
    ACCOUNT,
    CREDIT,
    THU_10,
    credit_quote,
    make_credit_world,
    open_credit,
)
from broker_desk import (
    credit_order as order,
)
from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker.credit import FIN, SLO
from qmt_bridge.sim.broker.credit_universe import pool_of
from qmt_bridge.sim.broker.store import BrokerStore
from qmt_bridge.sim.xttrader import XtQuantTrader, XtQuantTraderCallback
from qmt_bridge.sim.xttype import StockAccount

SH = "600000.SH"  # 沪深300 member: 折算率 0.70


@pytest.fixture()
def world(tmp_path):
    w = make_credit_world(tmp_path)
    yield w
    for broker in w.brokers:
        broker.close()


def detail(broker, account=CREDIT):
    (found,) = broker.credit_detail(account)
    return found


def days_later(world, days):
    world.clock.set(THU_10 + dt.timedelta(days=days))


# --- lists ------------------------------------------------------------------------------------------------


def test_subjects_collateral_and_lendable_follow_the_documented_rule(world):
    broker = open_credit(world)
    subjects = broker.credit_subjects(CREDIT)
    assert [(s.instrument_id, s.exchange_id) for s in subjects] == [
        ("510300", 0),
        ("600000", 0),
        ("600001", 0),
        ("688001", 0),
    ]  # fmt: skip  (ST, listed < 90 days and BJ are not subjects)
    s = subjects[1]
    assert (s.account_type, s.account_id, s.fin_status, s.slo_status, s.fin_ratio, s.slo_ratio) == (
        xc.CREDIT_ACCOUNT, CREDIT, 48, 48, 1.0, 1.0,
    )  # fmt: skip
    ratios = {a.instrument_id: a.assure_ratio for a in broker.credit_assures(CREDIT)}
    assert ratios == {
        "510300": 0.9, "600000": 0.7, "600001": 0.65, "688001": 0.5, "600002": 0.0, "600003": 0.65,
    }  # fmt: skip
    assert {a.assure_status for a in broker.credit_assures(CREDIT)} == {48}
    lendable = {c.instrument_id: c.enable_amount for c in broker.credit_slo_codes(CREDIT)}
    assert lendable == {c.partition(".")[0]: pool_of(c) for c in ("510300.SH", SH, "600001.SH", "688001.SH")}
    assert all(1000 <= pool_of(c) <= 50_000 for c in (SH, "600001.SH", "688001.SH"))
    assert pool_of("510300.SH") % 1000 == 0 and pool_of("510300.SH") >= 10_000
    assert broker.credit_subjects(ACCOUNT) is None  # a stock account has no credit answers
    assert broker.credit_detail("NOPE") is None


# --- debt arithmetic ----------------------------------------------------------------------------------------


def test_fin_buy_compact_is_amount_plus_fees_and_repayment_gives_the_quota_back(world):
    broker = open_credit(world, fees=None)  # the default fees: 0.025 % (min 5) + 0.001 % transfer fee
    before = detail(broker)
    assert (before.m_dFinMaxQuota, before.m_dFinEnableQuota, before.m_dSloMaxQuota) == (200_000.0,) * 3
    bought = order(broker, SH, xc.CREDIT_FIN_BUY, 1000)
    assert bought.order_status == xc.ORDER_SUCCEEDED
    (compact,) = broker.stk_compacts(CREDIT)
    assert compact.compact_type == FIN and compact.business_vol == compact.real_compact_vol == 1000
    assert compact.business_balance == compact.real_compact_balance == 10_005.10  # 10,000 + 5.00 + 0.10
    assert (compact.open_date, compact.ret_end_date) == (20251120, 20260521)  # + 182 days
    assert (compact.instrument_id, compact.compact_id) == ("600000", bought.order_sysid)
    after = detail(broker)
    assert after.m_dAvailable == before.m_dAvailable == 100_000.0  # the broker paid
    assert after.m_dFinEnableQuota == 200_000 - 10_005.10
    assert after.m_dFinUsedQuota == 10_005.10
    assert after.m_dFinDealAvl == after.m_dFinDebt == 10_005.10
    assert broker.position(CREDIT, SH).volume == 1000
    repaid = order(broker, "", xc.CREDIT_DIRECT_CASH_REPAY, 10_005.10, price=0.0)
    assert repaid.order_status == xc.ORDER_SUCCEEDED, repaid.status_msg
    assert detail(broker).m_dFinEnableQuota == 200_000.0
    assert detail(broker).m_dAvailable == 100_000 - 10_005.10
    (closed,) = broker.stk_compacts(CREDIT)  # listed until the day rolls
    assert (closed.real_compact_balance, closed.repaid_balance) == (0.0, 10_005.10)
    days_later(world, 1)
    assert broker.stk_compacts(CREDIT) == []


def test_interest_and_lending_fees_accrue_per_calendar_day_over_360(world):
    broker = open_credit(world, cash=200_000.0)
    order(broker, SH, xc.CREDIT_FIN_BUY, 10_000)  # 100,000 financed
    order(broker, "600001.SH", xc.CREDIT_SLO_SELL, 1000)  # 10,000 lent
    assert detail(broker).m_dFinFee == 0.0  # nothing before the day's end
    days_later(world, 10)
    fin, slo = broker.stk_compacts(CREDIT)
    assert (
        fin.real_compact_fare == fin.businessFare == 166.70
    )  # 10 x round(100,000 x 6 % / 360, 2) = 10 x 16.67
    assert (
        slo.compact_type == SLO and slo.real_compact_fare == 22.20
    )  # 10 x round(10,000 x 8 % / 360) = 10 x 2.22
    d = detail(broker)
    assert (d.m_dFinFee, d.m_dSloFee) == (166.70, 22.20)
    assert d.m_dFinDebt == 100_166.70
    assert d.m_dTotalDebt == 100_166.70 + 10_000 + 22.20
    days_later(world, 11)  # one more day: one more day's charge
    assert broker.stk_compacts(CREDIT)[0].real_compact_fare == 183.37


def test_maintenance_ratio_is_assets_over_debt_in_percent(world):
    broker = open_credit(world)
    assert detail(broker).m_dPerAssurescaleValue == sys.float_info.max  # no debt
    order(broker, SH, xc.CREDIT_FIN_BUY, 10_000)  # 100,000 financed, 100,000 cash
    d = detail(broker)
    assert (d.m_dBalance, d.m_dTotalDebt, d.m_dPerAssurescaleValue) == (200_000.0, 100_000.0, 200.0)
    credit_quote(world.market, SH, 11.0)
    d = detail(broker)
    assert (d.m_dMarketValue, d.m_dStockValue, d.m_dPerAssurescaleValue) == (110_000.0, 110_000.0, 210.0)
    assert d.m_dAssureAsset == 110_000.0  # net assets
    assert d.m_dPositionProfit == 10_000.0


def test_enable_bail_balance_before_and_after(world):
    broker = open_credit(world)
    assert detail(broker).m_dEnableBailBalance == 100_000.0  # cash
    order(broker, SH, xc.CREDIT_BUY, 5000)  # 50,000 of collateral at 0.70
    assert detail(broker).m_dEnableBailBalance == 50_000 + 35_000
    order(broker, SH, xc.CREDIT_FIN_BUY, 3000)  # 30,000 financed at fin_ratio 1.0
    assert detail(broker).m_dEnableBailBalance == 50_000 + 35_000 - 30_000
    credit_quote(world.market, SH, 11.0)  # own 5000 x 11 x 0.7; the financed gain 3,000 at 0.7
    assert detail(broker).m_dEnableBailBalance == 50_000 + 38_500 + 2_100 - 30_000
    credit_quote(world.market, SH, 9.0)  # a financed loss counts in full
    assert detail(broker).m_dEnableBailBalance == 50_000 + 31_500 - 3_000 - 30_000
    credit_quote(world.market, SH, 10.0)
    order(broker, "600001.SH", xc.CREDIT_SLO_SELL, 1000)  # 10,000 short at slo_ratio 1.0
    d = detail(broker)
    assert d.m_dEnableBailBalance == 55_000 - 10_000
    assert (d.m_dAvailable, d.m_dSurplusSloSellBalance, d.m_dSloMarketValue) == (50_000.0, 10_000.0, 10_000.0)
    credit_quote(world.market, "600001.SH", 10.5)  # the short's loss counts in full
    assert detail(broker).m_dEnableBailBalance == 55_000 - 500 - 10_500


def test_st_collateral_counts_nothing(world):
    broker = open_credit(world)
    bought = order(broker, "600002.SH", xc.CREDIT_BUY, 1000)
    assert bought.order_status == xc.ORDER_SUCCEEDED, bought.status_msg
    d = detail(broker)
    assert (d.m_dAvailable, d.m_dEnableBailBalance, d.m_dMarketValue) == (90_000.0, 90_000.0, 10_000.0)


def test_detail_is_consistent(world):
    broker = open_credit(world)
    order(broker, SH, xc.CREDIT_BUY, 2000)
    order(broker, SH, xc.CREDIT_FIN_BUY, 1000)
    order(broker, "600001.SH", xc.CREDIT_SLO_SELL, 500)
    order(broker, SH, xc.CREDIT_BUY, 100, price=9.5)  # rests: 950 frozen
    d = detail(broker)
    assert d.account_type == xc.CREDIT_ACCOUNT and d.m_nStatus == 0
    assert d.m_nUpdateTime == int(THU_10.timestamp())
    assert d.m_dFrozenCash == 950 + 5000  # the resting buy and the held short proceeds
    assert d.m_dBalance == d.m_dAvailable + d.m_dFrozenCash + d.m_dMarketValue
    assert d.m_dTotalDebt == d.m_dFinDebt + d.m_dSloDebt
    assert d.m_dFinMaxQuota == d.m_dFinEnableQuota + d.m_dFinUsedQuota
    assert d.m_dSloMaxQuota == d.m_dSloEnableQuota + d.m_dSloUsedQuota == 200_000.0
    assert d.m_dSloUsedQuota == 5000.0
    assert d.m_dSloSellBalance == d.m_dUsedSloSellBalance + d.m_dSurplusSloSellBalance == 5000.0
    asset = broker.asset(CREDIT)
    assert asset.account_type == xc.CREDIT_ACCOUNT
    assert (asset.cash, asset.frozen_cash, asset.total_asset) == (
        d.m_dAvailable,
        d.m_dFrozenCash,
        d.m_dBalance,
    )


def test_credit_lines_are_set_on_the_credit_desk(world):
    broker = open_credit(world)
    assert broker.credit_lines(CREDIT) == (200_000.0, 200_000.0)
    broker.set_credit_lines(CREDIT, fin_quota=50_000)
    assert broker.credit_lines(CREDIT) == (50_000.0, 200_000.0)
    assert detail(broker).m_dFinEnableQuota == 50_000.0
    with pytest.raises(KeyError):
        broker.set_credit_lines(ACCOUNT, fin_quota=1)
    with pytest.raises(ValueError):
        broker.set_credit_lines(CREDIT, slo_quota=-1)


# --- persistence and reset -----------------------------------------------------------------------------------


def _snapshot(broker):
    d = detail(broker)
    fields = [name for name in vars(d) if name != "m_nUpdateTime"]
    compacts = [vars(c) for c in broker.stk_compacts(CREDIT)]
    return {f: getattr(d, f) for f in fields}, compacts


def test_credit_state_survives_a_restart(world):
    broker = open_credit(world)
    order(broker, SH, xc.CREDIT_FIN_BUY, 2000)
    order(broker, "600001.SH", xc.CREDIT_SLO_SELL, 1000)
    broker.set_credit_lines(CREDIT, slo_quota=150_000)
    days_later(world, 3)
    before = _snapshot(broker)
    broker.close()
    again = open_credit(world)
    assert _snapshot(again) == before
    assert again.account_type(CREDIT) == xc.CREDIT_ACCOUNT
    assert again.credit_lines(CREDIT) == (200_000.0, 150_000.0)
    days_later(world, 4)  # accrual goes on from the stored day
    assert again.stk_compacts(CREDIT)[0].real_compact_fare == 4 * round(20_000 * 0.06 / 360, 2)


def test_reset_clears_the_credit_state(world):
    broker = open_credit(world)
    order(broker, SH, xc.CREDIT_FIN_BUY, 2000)
    order(broker, "600001.SH", xc.CREDIT_SLO_SELL, 1000)
    broker.set_credit_lines(CREDIT, fin_quota=300_000)
    assert broker.reset_account(CREDIT) == 100_000.0
    assert broker.stk_compacts(CREDIT) == [] and broker.positions(CREDIT) == []
    d = detail(broker)
    assert (d.m_dAvailable, d.m_dFrozenCash, d.m_dTotalDebt, d.m_dSurplusSloSellBalance) == (
        100_000.0,
        0.0,
        0.0,
        0.0,
    )
    assert (d.m_dFinEnableQuota, d.m_dSloEnableQuota) == (300_000.0, 200_000.0)  # the lines stay
    lendable = {c.instrument_id: c.enable_amount for c in broker.credit_slo_codes(CREDIT)}
    assert lendable["600001"] == pool_of("600001.SH")  # the lent shares went back to the pool
    broker.close()
    assert open_credit(world).stk_compacts(CREDIT) == []


def test_account_types_are_kept_and_checked(world, tmp_path):
    broker = open_credit(world)
    assert {(i.account_id, i.account_type) for i in broker.account_infos()} == {
        (ACCOUNT, xc.SECURITY_ACCOUNT), (CREDIT, xc.CREDIT_ACCOUNT)
    }  # fmt: skip
    broker.close()
    with pytest.raises(ValueError, match="CREDIT account"):
        open_credit(world, account_ids=(CREDIT,), credit_account_ids=())
    with pytest.raises(ValueError, match="both"):
        open_credit(world, account_ids=("X",), credit_account_ids=("X",), db=tmp_path / "other.sqlite3")


def test_a_file_from_before_credit_accounts_opens(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE accounts (account_id TEXT, starting_cash INTEGER, balance INTEGER, frozen INTEGER, "
        "unsettled INTEGER, PRIMARY KEY (account_id))"
    )
    db.execute("INSERT INTO accounts VALUES ('OLD', 5, 5, 0, 0)")
    db.commit()
    db.close()
    store = BrokerStore(path)
    (account,) = store.accounts()
    assert (account.account_id, account.balance, account.account_type) == ("OLD", 5, xc.SECURITY_ACCOUNT)
    store.close()


# --- the drop-in trader ----------------------------------------------------------------------------------


class Recorder(XtQuantTraderCallback):
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self.lock = threading.Lock()

    def on_stock_order(self, order):
        with self.lock:
            self.events.append(("order", order))

    def on_stock_asset(self, asset):
        with self.lock:
            self.events.append(("asset", asset))


def test_trader_credit_calls(world):
    broker = open_credit(world)
    trader = XtQuantTrader("", 7001, broker=broker)
    recorder = Recorder()
    trader.register_callback(recorder)
    trader.start()
    assert trader.connect() == 0
    credit, stock = StockAccount(CREDIT, "CREDIT"), StockAccount(ACCOUNT)
    assert trader.subscribe(StockAccount(CREDIT, "STOCK")) == -1  # its own type only
    assert trader.subscribe(StockAccount(ACCOUNT, "CREDIT")) == -1
    assert trader.subscribe(credit) == 0 and trader.subscribe(stock) == 0
    infos = {(i.account_id, i.account_type) for i in trader.query_account_infos()}
    assert (CREDIT, xc.CREDIT_ACCOUNT) in infos
    order_id = trader.order_stock(credit, SH, xc.CREDIT_FIN_BUY, 1000, xc.FIX_PRICE, 10.0)
    assert trader.query_stock_order(credit, order_id).order_status == xc.ORDER_SUCCEEDED
    assert trader.query_stock_order(StockAccount(CREDIT, "STOCK"), order_id) is None
    (d,) = trader.query_credit_detail(credit)
    assert d.m_dFinDebt == 10_000.0
    assert [c.real_compact_balance for c in trader.query_stk_compacts(credit)] == [10_000.0]
    assert len(trader.query_credit_subjects(credit)) == 4
    assert len(trader.query_credit_slo_code(credit)) == 4
    assert len(trader.query_credit_assure(credit)) == 6
    assert trader.query_credit_detail(stock) is None  # a stock account: the query fails
    repay = trader.order_stock(credit, "", xc.CREDIT_DIRECT_CASH_REPAY, 2500.5, xc.FIX_PRICE, 0.0)
    repaid = trader.query_stock_order(credit, repay)
    assert (repaid.order_status, repaid.order_volume) == (xc.ORDER_SUCCEEDED, 2500)
    assert trader.query_credit_detail(credit)[0].m_dFinDealAvl == 7_499.5
    assert trader.order_stock(stock, SH, xc.STOCK_BUY, 100.5, xc.FIX_PRICE, 10.0) == -1  # shares: whole only
    answers: list[object] = []
    done = threading.Event()

    def got(answer):
        answers.append(answer)
        if len(answers) == 5:
            done.set()

    for query in ("detail", "subjects", "slo_code", "assure"):
        assert getattr(trader, f"query_credit_{query}_async")(credit, got) > 0
    assert trader.query_stk_compacts_async(credit, got) > 0
    assert done.wait(5)
    assert [type(a[0]).__name__ for a in answers] == [
        "XtCreditDetail", "CreditSubjects", "CreditSloCode", "CreditAssure", "StkCompacts"
    ]  # fmt: skip
    trader.stop()
    with recorder.lock:
        pushed = [obj for name, obj in recorder.events]
    assert pushed and {obj.account_type for obj in pushed if obj.account_id == CREDIT} == {xc.CREDIT_ACCOUNT}
