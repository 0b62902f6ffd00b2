"""The counter's state survives a restart on the same SQLite file: cash, positions, open orders and the
order ids; a broker opened the next morning answers for the new day; an account reset."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import SimBroker
from qmt_bridge.sim.broker.manual import ManualClock, ManualMarket
from qmt_bridge.sim.broker.store import BrokerStore
from qmt_bridge.sim.clock import CST

ACCOUNT = "SIM000001"
SH = "600000.SH"
THU_10 = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
FRI_10 = dt.datetime(2025, 11, 21, 10, 0, tzinfo=CST)


@pytest.fixture()
def world(tmp_path):
    clock = ManualClock(THU_10)
    market = ManualMarket(clock)
    market.add(SH, "浦发银行", pre_close=10.0)
    market.quote(SH, 10.0, asks=[(10.00, 3)], bids=[(9.99, 3)])
    db = tmp_path / "broker.sqlite3"
    brokers = []

    def open_broker(**kwargs):
        broker = SimBroker(market, clock, db_path=db, background=False, **kwargs)
        brokers.append(broker)
        return broker

    yield clock, market, open_broker, db
    for broker in brokers:
        broker.close()


def buy(broker, volume, price):
    return broker.place_order(ACCOUNT, SH, xc.STOCK_BUY, volume, xc.FIX_PRICE, price)


def snapshot(broker):
    asset = broker.asset(ACCOUNT)
    return (
        (asset.cash, asset.frozen_cash, asset.market_value, asset.total_asset, asset.fetch_balance),
        [
            (p.stock_code, p.volume, p.can_use_volume, p.frozen_volume, p.avg_price)
            for p in broker.positions(ACCOUNT)
        ],
        [
            (o.order_id, o.order_status, o.traded_volume, o.order_sysid, o.price)
            for o in broker.orders(ACCOUNT)
        ],
        [(t.traded_id, t.traded_volume, t.commission) for t in broker.trades(ACCOUNT)],
    )


def test_a_restart_sees_the_same_state(world):
    clock, market, open_broker, db = world
    first = open_broker()
    filled = buy(first, 300, 10.00)
    part = buy(first, 500, 10.00)  # the book is used up: waits
    resting = buy(first, 200, 9.90)
    before = snapshot(first)
    first.close()
    second = open_broker()
    assert snapshot(second) == before
    clock.advance(3)
    second.match_now()  # the open orders go on matching after the restart
    assert second.order(ACCOUNT, part).traded_volume == 300
    assert second.order(ACCOUNT, resting).order_status == xc.ORDER_REPORTED
    assert second.order(ACCOUNT, filled).order_status == xc.ORDER_SUCCEEDED


def test_order_and_trade_ids_keep_increasing_across_restarts(world):
    _, _, open_broker, _ = world
    first = open_broker()
    ids = [buy(first, 100, 10.00), buy(first, 150, 10.00)]  # the second is rejected: it has an id too
    first.close()
    second = open_broker()
    ids.append(buy(second, 100, 10.00))
    assert ids == sorted(ids) and len(set(ids)) == 3 and ids[0] > 0
    traded = [t.traded_id for t in second.trades(ACCOUNT)]
    assert len(traded) == len(set(traded)) == 2


def test_a_broker_opened_next_morning_answers_for_the_new_day(world):
    clock, market, open_broker, db = world
    first = open_broker()
    buy(first, 300, 10.00)
    open_id = buy(first, 100, 9.90)
    first.close()
    clock.set(FRI_10)
    second = open_broker()
    position = second.position(ACCOUNT, SH)
    assert (position.volume, position.can_use_volume, position.yesterday_volume) == (300, 300, 300)
    assert second.orders(ACCOUNT) == []  # yesterday's orders are history
    assert second.order(ACCOUNT, open_id) is None
    store = BrokerStore(db)
    kept = {o.order_id: o for o in store.all_orders(ACCOUNT)}
    store.close()
    assert kept[open_id].status == xc.ORDER_CANCELED and "收市" in kept[open_id].status_msg


def test_reset_account(world):
    clock, market, open_broker, db = world
    broker = open_broker(starting_cash=50_000.0)
    last = buy(broker, 300, 10.00)
    buy(broker, 100, 9.90)
    assert broker.reset_account(ACCOUNT) == 50_000.0
    assert broker.orders(ACCOUNT) == [] and broker.positions(ACCOUNT) == [] and broker.trades(ACCOUNT) == []
    asset = broker.asset(ACCOUNT)
    assert (asset.cash, asset.frozen_cash, asset.total_asset) == (50_000.0, 0.0, 50_000.0)
    assert broker.reset_account(ACCOUNT, 12_345.67) == 12_345.67
    broker.close()
    reopened = open_broker(starting_cash=50_000.0)
    assert reopened.asset(ACCOUNT).cash == 12_345.67  # the new starting cash, kept
    assert buy(reopened, 100, 10.00) > last  # ids are never reused, even after the rows are gone
    with pytest.raises(KeyError):
        reopened.reset_account("NOPE")


def test_configured_accounts_join_an_existing_file(world):
    _, _, open_broker, _ = world
    first = open_broker(starting_cash=1_000.0)
    buy(first, 100, 9.00)
    first.close()
    second = open_broker(account_ids=("SIM000001", "SIM000002"), starting_cash=2_000.0)
    assert second.account_ids == ["SIM000001", "SIM000002"]
    assert second.asset("SIM000001").cash == pytest.approx(1_000 - 905.01)  # its state, not a new start
    assert second.asset("SIM000002").cash == 2_000.0


def test_the_file_is_write_ahead_logged(world):
    _, _, open_broker, db = world
    open_broker()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 1
