"""The broker behind ``SimBackend``: configuration, one lazily opened broker per backend with its state in
``data_dir``, ``new_trader`` / ``make_account``, and orders matched against the simulated market itself."""

from __future__ import annotations

import pytest

from conftest import MID_SESSION, SEED
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import SimBroker
from qmt_bridge.sim.clock import fixed_clock
from qmt_bridge.sim.xttrader import XtQuantTrader, XtQuantTraderCallback
from qmt_bridge.sim.xttype import StockAccount

ACCOUNT = "SIM000001"


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("sim-data")
    backend = SimBackend(
        seed=SEED, clock=fixed_clock(MID_SESSION), data_dir=data_dir, starting_cash=500_000.0
    )
    backend.start()
    yield backend
    backend.stop()


def test_one_broker_per_backend_in_its_data_dir(backend):
    broker = backend.broker
    assert isinstance(broker, SimBroker) and backend.broker is broker
    assert broker.db_path == backend.data_dir / "sim_broker.sqlite3" and broker.db_path.is_file()
    assert broker.account_ids == [ACCOUNT]
    assert broker.asset(ACCOUNT).cash == 500_000.0


def test_new_trader_and_make_account(backend):
    account = backend.make_account(ACCOUNT)
    assert isinstance(account, StockAccount) and account.account_type == xc.SECURITY_ACCOUNT
    assert backend.make_account(ACCOUNT, "stock").account_type == 2
    with pytest.raises(ValueError, match="not supported"):
        backend.make_account(ACCOUNT, "NOT_A_TYPE")
    with pytest.raises(ValueError, match="invalid account id"):
        backend.make_account(12345)
    trader = backend.new_trader("unused", 4242)
    assert isinstance(trader, XtQuantTrader)
    trader.start()
    try:
        assert trader.connect() == 0 and trader.subscribe(account) == 0
        assert trader.query_stock_asset(account).account_id == ACCOUNT
    finally:
        trader.stop()


def test_orders_meet_the_simulated_book(backend):
    broker = backend.broker
    tick = backend.xtdata.get_full_tick(["600000.SH"])["600000.SH"]
    ask, ask_lots = tick["askPrice"][0], tick["askVol"][0]
    assert ask > 0 and ask_lots >= 1
    order_id = broker.place_order(ACCOUNT, "600000.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, ask)
    order = broker.order(ACCOUNT, order_id)
    assert (order.order_status, order.traded_price, order.instrument_name) == (
        xc.ORDER_SUCCEEDED,
        ask,
        "浦发银行",
    )
    below = round(tick["bidPrice"][0] - 0.05, 2)
    resting = broker.order(
        ACCOUNT, broker.place_order(ACCOUNT, "600000.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, below)
    )
    assert resting.order_status == xc.ORDER_REPORTED


def test_the_simulators_rules_apply(backend):
    broker = backend.broker
    detail = backend.xtdata.get_instrument_detail("600519.SH")
    up = detail["UpStopPrice"]

    def status(code, volume, price):
        return broker.order(
            ACCOUNT, broker.place_order(ACCOUNT, code, xc.STOCK_BUY, volume, xc.FIX_PRICE, price)
        )

    assert status("600519.SH", 100, up).order_status == xc.ORDER_SUCCEEDED  # at the up limit: taken
    assert "高于涨停价" in status("600519.SH", 100, round(up + 0.01, 2)).status_msg
    star_price = backend.xtdata.get_full_tick(["688981.SH"])["688981.SH"]["lastPrice"]
    assert "不少于200" in status("688981.SH", 100, star_price).status_msg
    assert status("688981.SH", 200, star_price).order_status != xc.ORDER_JUNK
    assert "指数" in status("000300.SH", 100, 4000.0).status_msg
    assert "期货" in status("IF00.IF", 1, 4000.0).status_msg


def test_the_counters_configuration():
    backend = SimBackend(
        seed=SEED,
        clock=fixed_clock(MID_SESSION),
        account_ids=("A1", "A2"),
        starting_cash=10_000.0,
        commission_rate=0.001,
        min_commission=0.0,
        stamp_duty_rate=0.001,
        transfer_fee_rate=0.0,
    )
    try:
        broker = backend.broker
        assert broker.account_ids == ["A1", "A2"] and broker.asset("A2").cash == 10_000.0
        fees = broker.fees
        assert (fees.commission_rate, fees.min_commission, fees.stamp_duty_rate, fees.transfer_fee_rate) == (
            0.001,
            0.0,
            0.001,
            0.0,
        )
        assert broker.db_path is None  # no data_dir: in memory
    finally:
        backend.stop()


def test_stop_closes_the_broker_and_a_new_one_reads_the_file(tmp_path):
    backend = SimBackend(seed=SEED, clock=fixed_clock(MID_SESSION), data_dir=tmp_path)
    events = []

    class Callback(XtQuantTraderCallback):
        def on_disconnected(self):
            events.append("disconnected")

    first = backend.broker
    trader = backend.new_trader("unused", 1)
    trader.register_callback(Callback())
    trader.start()
    assert trader.connect() == 0
    order_id = first.place_order(ACCOUNT, "600000.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, 5.0)
    backend.stop()
    assert first.closed
    trader.stop()  # after the queued on_disconnected ran
    assert events == ["disconnected"]
    second = backend.broker
    try:
        assert second is not first
        assert second.order(ACCOUNT, order_id) is not None
    finally:
        backend.stop()
