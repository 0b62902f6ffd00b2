"""Smart algorithm orders (智能算法) on the simulated counter: ``sim/broker/algos.py`` (the schedule),
``sim/broker/algo_desk.py`` (the broker's tasks) and ``sim/trader_algos.py`` (the drop-in xttrader calls).

A task is refused at each guard's boundary (the lot, the second, the share, the fen); TWAP places its volume
evenly, VWAP along the previous day's 1m volume profile of the simulated market; child orders are ordinary
orders with the task's strategy name and remark; market children re-place what the exchange cancelled; a
cancel or the end stops the task and cancels its open children; tasks survive re-opening the broker and go
with an account reset. The quotes are set by hand (asks 10.00, bids 9.99; limits 9.00 / 11.00).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest

from broker_desk import BrokerWorld
from conftest import MID_SESSION
from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import SimBroker, algos
from qmt_bridge.sim.broker.manual import ManualClock, ManualMarket
from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.xttrader import XtQuantTrader, XtQuantTraderCallback
from qmt_bridge.sim.xttype import StockAccount, XtOperateSmartTaskResponse, XtSmartAlgoOrderResponse

ACCOUNT, OTHER = "SIM000001", "SIM000002"
SH, SZ = "600000.SH", "000001.SZ"
THU, FRI = dt.date(2025, 11, 20), dt.date(2025, 11, 21)  # trading days; the profile day is 2025-11-19
PARAM_KEYS = {
    "key", "name", "dataType", "valueRange", "defaultValue", "enumName", "enumValue", "unit",
    "valueRangeByName", "defaultValueByName",
}  # fmt: skip


def at(hour: int, minute: int = 0, second: int = 0, day: dt.date = THU) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), CST)


def ts(hour: int, minute: int = 0, second: int = 0, day: dt.date = THU) -> int:
    return int(at(hour, minute, second, day).timestamp())


class ProfileMarket(ManualMarket):
    """Quotes set by hand; ``market`` (the price engine VWAP reads the previous day from) the simulated one."""

    def __init__(self, clock: ManualClock, sim: Any = None) -> None:
        super().__init__(clock)
        if sim is not None:
            self.market = sim


class World(BrokerWorld):
    def run(self, broker: SimBroker, moment: dt.datetime) -> None:
        self.clock.set(moment)
        broker.match_now()


def _world(tmp_path: Any, sim: Any = None) -> World:
    clock = ManualClock(at(9, 59))
    market = ProfileMarket(clock, sim)
    for code in (SH, SZ):
        market.add(code, pre_close=10.0)
        market.quote(code, 10.0, asks=[(10.00, 5000)], bids=[(9.99, 5000)])
    return World(clock, market, tmp_path / "broker.sqlite3", (ACCOUNT, OTHER))


@pytest.fixture()
def world(tmp_path):
    w = _world(tmp_path)
    yield w
    for broker in w.brokers:
        broker.close()


@pytest.fixture()
def broker(world):
    return world.open()


def submit(broker: SimBroker, **changes: Any) -> tuple[int, str]:
    args = {
        "account_id": ACCOUNT, "code": SH, "order_type": xc.STOCK_BUY, "volume": 1000, "price_type": 11,
        "price": 10.0, "strategy_name": "algo_strategy", "order_remark": "algo_remark", "algo_name": "TWAP",
        "start": ts(10), "end": ts(10, 10), "algo_param": {},
    }  # fmt: skip
    args.update(changes)
    return broker.submit_algo(*args.values())


def task_of(broker: SimBroker, task_id: int, account: str = ACCOUNT) -> dict[str, Any]:
    (found,) = [t for t in broker.algo_tasks(account) if t["task_id"] == task_id]
    return found


def children(broker: SimBroker, task_id: int, account: str = ACCOUNT) -> list[Any]:
    ids = set(task_of(broker, task_id, account)["order_id_list"])
    return [o for o in broker.orders(account) if o.order_id in ids]


def committed(broker: SimBroker, task_id: int, account: str = ACCOUNT) -> int:
    """Shares the task's children filled or still hold open."""
    found = children(broker, task_id, account)
    return sum(o.order_volume if o.order_status in (50, 55, 56) else o.traded_volume for o in found)


# --- the pure parts --------------------------------------------------------------------------------------


def test_param_listing():
    listed = SimBroker.algo_params(["VWAP", "POV", "TWAP"])
    assert list(listed) == ["VWAP", "TWAP"]  # unknown names are left out
    for params in listed.values():
        assert all(set(p) == PARAM_KEYS for p in params)
        assert [p["key"] for p in params] == [
            "m_dLimitOverRate", "m_dMinAmountPerOrder", "m_dMaxAmountPerOrder", "m_nStopTradeForOwnHiLow",
            "m_strCmdRemark",
        ]  # fmt: skip
    rate, *_, stop, _ = listed["TWAP"]
    assert rate["unit"] == "%" and rate["valueRange"] == "0-100"
    assert stop["enumName"] == ["否", "是"] and stop["enumValue"] == [0, 1]
    assert stop["defaultValueByName"] == {"TWAP": "1", "VWAP": "1"}


def test_session_seconds_and_schedule():
    moments = ((9, 0), (9, 31), (11, 30), (12, 0), (13, 0), (13, 1), (16, 0))
    assert [algos.session_second(at(*m)) for m in moments] == [0, 60, 7200, 7200, 7200, 7260, 14400]
    assert algos.scheduled(1000, None, 0, 600, 60) == 100 and algos.scheduled(1000, None, 0, 600, 569) == 948
    assert algos.scheduled(1000, None, 0, 600, 570) == 1000  # the final stretch: the remainder goes out
    weights = [3] + [1] * 239  # the first minute weighs three
    assert algos.scheduled(900, weights, 0, 600, 60) == 900 * 3 // 12
    assert algos.scheduled(900, weights, 0, 600, 30) == 900 * 90 // 720  # linear inside a minute
    assert algos.minute_weights([7] + list(range(1, 241))) == list(range(1, 241))  # the 09:30 auction is out
    assert algos.minute_weights([0] * 241) is None
    assert algos.children(1000, 100, 300) == [300, 300, 300, 100]
    assert algos.children(200, 100, 50) == [100, 100]  # at least a lot
    assert (algos.lot_of("main"), algos.lot_of("star"), algos.lot_of("bj"), algos.lot_of("bond")) == (
        100, 200, 100, 10,
    )  # fmt: skip


def test_response_objects_attributes():
    order = XtSmartAlgoOrderResponse("A1", 7, "s", "r", "", 3)
    assert (order.account_id, order.task_id, order.strategy_name, order.order_remark, order.error_msg) == (
        "A1", 7, "s", "r", "",
    )  # fmt: skip
    assert order.seq == 3
    operate = XtOperateSmartTaskResponse(4, True, 7, "撤销成功", "")
    assert (operate.seq, operate.success, operate.task_id, operate.operate_reason, operate.error_msg) == (
        4, True, 7, "撤销成功", "",
    )  # fmt: skip
    assert (xc.OCS_TASK_STATUS_RUNNING, xc.OCS_TASK_STATUS_CANCELED) == (1001, 1002)
    assert (xc.OCS_TASK_STATUS_FINISHED, xc.OCS_TASK_STATUS_PAUSED) == (1003, 1004)


# --- refusals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"algo_name": "POV"}, "不支持的算法"),
        ({"order_type": 25}, "不支持的委托类型"),
        ({"price_type": 5}, "不支持的报价类型"),
        ({"price": 0.0}, "指定价必须大于0"),
        ({"price": 10.005}, "最小价格变动单位"),
        ({"price": 11.01}, "高于涨停价"),
        ({"volume": 0}, "正整数倍"),
        ({"volume": 99}, "正整数倍"),
        ({"volume": 101}, "正整数倍"),
        ({"code": "999999.SH"}, "999999.SH"),
        ({"end": ts(9, 59)}, "截止时间已过"),
        ({"start": ts(11, 35), "end": ts(12, 55)}, "没有连续竞价时间"),
        ({"algo_param": {"m_dLimitOverRate": 25}}, "m_dLimitOverRate"),
        ({"account_id": "NOPE"}, "资金账号不存在"),
    ],
)
def test_refusals(broker, changes, words):
    task_id, error = submit(broker, **changes)
    assert task_id == 0 and words in error
    assert broker.algo_tasks(ACCOUNT) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"volume": 100},
        {"price": 11.00},
        {"price_type": 12, "price": 0},
        {"algo_name": "VWAP"},
        {"start": ts(9, 58), "end": ts(9, 59, 1)},
    ],
)
def test_the_boundaries_pass(broker, changes):
    task_id, error = submit(broker, **changes)
    assert task_id > 0 and error == ""


def test_end_refused_at_the_second(world, broker):
    world.clock.set(at(10))
    assert "截止时间已过" in submit(broker, end=ts(10))[1]
    assert submit(broker, end=ts(10, 0, 1))[0] > 0


def test_sells_at_most_the_sellable_volume(world, broker):
    broker.place_order(ACCOUNT, SH, xc.STOCK_BUY, 500, xc.FIX_PRICE, 10.00)
    world.clock.set(at(9, 59, day=FRI))  # bought yesterday: sellable today
    window = {"start": ts(10, day=FRI), "end": ts(10, 10, day=FRI), "order_type": xc.STOCK_SELL}
    task_id, error = submit(broker, volume=600, **window)
    assert task_id == 0 and "可用股份不足" in error
    assert submit(broker, volume=500, **window)[0] > 0


def test_buys_at_most_the_available_cash(world, broker):
    broker.reset_account(ACCOUNT, cash=10_000.0)
    assert "可用资金不足" in submit(broker, volume=1100)[1]
    assert submit(broker, volume=1000)[0] > 0  # 1,000 x 10.00 = all the cash
    assert "可用资金不足" in submit(broker, volume=1000, price_type=12, price=0)[1]  # at the up limit, 11.00


# --- slicing ---------------------------------------------------------------------------------------------


def test_twap_spreads_the_volume_evenly_and_children_are_ordinary_orders(world, broker):
    task_id, _ = submit(broker)
    expected = [((10, 0, 0), 0), ((10, 0, 59), 0), ((10, 1, 0), 100), ((10, 1, 59), 100), ((10, 2, 0), 200)]
    expected += [((10, minute, 0), 100 * minute) for minute in range(3, 10)]
    expected += [((10, 9, 29), 900), ((10, 9, 30), 1000)]  # the final stretch: the last lot
    for moment, volume in expected:
        world.run(broker, at(*moment))
        assert committed(broker, task_id) == volume, moment
    orders = children(broker, task_id)
    assert [o.order_volume for o in orders] == [100] * 10
    assert {(o.strategy_name, o.order_remark, o.price_type, o.price) for o in orders} == {
        ("algo_strategy", "algo_remark", xc.FIX_PRICE, 10.0)
    }
    task = task_of(broker, task_id)
    assert task["task_status"] == xc.OCS_TASK_STATUS_RUNNING and task["business_num"] == "1000"
    world.run(broker, at(10, 10))
    task = task_of(broker, task_id)
    assert (
        task["task_status"] == xc.OCS_TASK_STATUS_FINISHED and "成交1000股 / 委托1000股" in task["task_msg"]
    )


def test_a_window_across_lunch_counts_trading_time_only(world, broker):
    task_id, _ = submit(broker, volume=400, start=ts(11, 28), end=ts(13, 2))  # 4 minutes of trading
    for moment, volume in (
        ((11, 29), 100),
        ((11, 29, 59), 100),
        ((12, 30), 100),
        ((13, 0), 200),
        ((13, 1), 300),
    ):
        world.run(broker, at(*moment))
        assert committed(broker, task_id) == volume, moment


@pytest.fixture()
def sim_world(tmp_path, xtdata):
    w = _world(tmp_path, xtdata.market)
    yield w
    for broker in w.brokers:
        broker.close()


def test_vwap_follows_the_previous_days_profile(sim_world, xtdata):
    sim_world.clock.set(at(9, 25))
    broker = sim_world.open(starting_cash=2_000_000.0)
    volume = 100_000
    task_id, _ = submit(broker, algo_name="VWAP", volume=volume, start=ts(9, 30), end=ts(15))
    bars = xtdata.get_market_data_ex(
        ["volume"], [SH], period="1m", start_time="20251119", end_time="20251119"
    )
    profile = bars[SH]["volume"].tolist()[1:]  # the minutes of continuous trading, by the bar ending each
    total = sum(profile)
    placed = {}
    for minute in range(240):
        moment = at(9, 30) + dt.timedelta(minutes=minute + (90 if minute >= 120 else 0))
        sim_world.run(broker, moment)
        placed[minute] = committed(broker, task_id) if minute % 10 == 0 or minute in (119, 239) else None
        if placed[minute] is not None:
            due = volume * sum(profile[:minute]) // total
            assert placed[minute] == due - due % 100, moment
    first, middle = placed[30], placed[90] - placed[60]  # 09:30-10:00 against 10:30-11:00
    last = volume - placed[210]  # 14:30-15:00
    assert first > 1.3 * middle and last > 1.3 * middle  # U-shaped, as the profile
    assert first > volume // 8  # more than TWAP's share of the first half hour
    sim_world.run(broker, at(14, 59, 30))
    assert committed(broker, task_id) == volume


def test_vwap_without_a_profile_slices_evenly(world, broker):
    task_id, _ = submit(broker, algo_name="VWAP")
    world.run(broker, at(10, 3))
    assert committed(broker, task_id) == 300
    assert "均匀切片" in task_of(broker, task_id)["task_msg"]


# --- market children, parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "child_type"), [(SH, xc.MARKET_SH_CONVERT_5_CANCEL), (SZ, xc.MARKET_SZ_CONVERT_5_CANCEL)]
)
def test_market_children_replace_what_the_exchange_cancelled(world, broker, code, child_type):
    world.market.quote(code, 10.0, asks=[(10.00, 3)], bids=[(9.99, 3)])  # 300 shares a snapshot
    task_id, _ = submit(broker, code=code, price_type=12, price=0)
    world.run(broker, at(10, 5))
    first = children(broker, task_id)
    assert [(o.price_type, o.order_volume, o.traded_volume, o.order_status) for o in first] == [
        (child_type, 500, 300, xc.ORDER_PART_CANCEL)
    ]
    world.run(broker, at(10, 5, 3))  # the next snapshot: the cancelled 200 are due again
    second = children(broker, task_id)[1:]
    assert [(o.order_volume, o.traded_volume) for o in second] == [(200, 200)]
    world.market.quote(code, 10.0, asks=[], bids=[(9.99, 3)])  # nothing to buy: held to the next minute
    world.run(broker, at(10, 6))
    world.run(broker, at(10, 6, 3))
    assert len(children(broker, task_id)) == 3 and "市价子单无成交" in task_of(broker, task_id)["task_msg"]


def test_max_and_min_amount_per_child(world, broker):
    task_id, _ = submit(broker, algo_param={"m_dMaxAmountPerOrder": 2500.0})
    other, _ = submit(broker, algo_param={"m_dMinAmountPerOrder": 3000.0})
    world.run(broker, at(10, 2))
    assert committed(broker, other) == 0  # 200 due: 2,000 CNY, held back
    world.run(broker, at(10, 6))
    assert [o.order_volume for o in children(broker, task_id)] == [200, 200, 200]  # 600 due, 2,000 CNY each
    assert committed(broker, other) == 600  # at once, over 3,000 CNY
    for minute, volume in (
        (7, 600),
        (8, 600),
        (9, 900),
        (9.5, 1000),
    ):  # 100 then 200 held back; the last goes
        world.run(broker, at(10, int(minute), 30 if minute % 1 else 0))
        assert committed(broker, other) == volume, minute


def test_no_buying_at_the_up_limit_unless_told(world, broker):
    world.market.quote(SH, 11.0, asks=[(11.00, 50)], bids=[(10.99, 5)])
    held, _ = submit(broker, price=11.0)
    free, _ = submit(broker, price=11.0, algo_param={"m_nStopTradeForOwnHiLow": 0})
    world.run(broker, at(10, 3))
    assert committed(broker, held) == 0 and "涨停" in task_of(broker, held)["task_msg"]
    assert committed(broker, free) == 300


def test_limit_over_rate_caps_a_child_at_a_share_of_the_market_volume(world, broker):
    world.market.quote(SH, 10.0, asks=[(10.00, 5000)], bids=[(9.99, 5000)], volume=1000)
    task_id, _ = submit(broker, algo_param={"m_dLimitOverRate": 0.5})
    world.market.quote(SH, 10.0, asks=[(10.00, 5000)], bids=[(9.99, 5000)], volume=1004)  # 400 shares traded
    world.run(broker, at(10, 5))
    assert committed(broker, task_id) == 200  # 500 due, half of 400 allowed
    world.run(broker, at(10, 5, 3))  # nothing traded since
    assert committed(broker, task_id) == 200


# --- cancel, end, persistence, reset ----------------------------------------------------------------------


def test_cancel_stops_the_task_and_cancels_open_children(world, broker):
    task_id, _ = submit(broker, price=9.50)  # rests under the asks
    world.run(broker, at(10, 3))
    assert [(o.order_volume, o.order_status) for o in children(broker, task_id)] == [(300, xc.ORDER_REPORTED)]
    assert broker.cancel_algo_task(ACCOUNT, task_id) == (True, "撤销成功 (task cancelled)", "")
    task = task_of(broker, task_id)
    assert task["task_status"] == xc.OCS_TASK_STATUS_CANCELED and task["cancel_time"] == ts(10, 3)
    assert [o.order_status for o in children(broker, task_id)] == [xc.ORDER_CANCELED]
    success, _, error = broker.cancel_algo_task(ACCOUNT, task_id)
    assert not success and "已撤销" in error
    assert not broker.cancel_algo_task(ACCOUNT, 999)[0] and not broker.cancel_algo_task(OTHER, task_id)[0]
    world.run(broker, at(10, 6))
    assert len(children(broker, task_id)) == 1


def test_the_end_finishes_the_task_with_its_fills(world, broker):
    task_id, _ = submit(broker)
    world.run(broker, at(10, 3))
    world.market.quote(SH, 10.0, asks=[(10.01, 50)], bids=[(9.99, 5)])  # later children rest
    world.run(broker, at(10, 5))
    world.run(broker, at(10, 10))
    task = task_of(broker, task_id)
    assert task["task_status"] == xc.OCS_TASK_STATUS_FINISHED and task["business_num"] == "300"
    assert task["cancel_time"] == 0 and "成交300股 / 委托1000股" in task["task_msg"]
    assert [(o.order_volume, o.traded_volume, o.order_status) for o in children(broker, task_id)] == [
        (300, 300, xc.ORDER_SUCCEEDED), (200, 0, xc.ORDER_CANCELED),
    ]  # fmt: skip
    assert not broker.cancel_algo_task(ACCOUNT, task_id)[0]


def test_tasks_survive_reopening_the_broker(world, broker):
    task_id, _ = submit(broker)
    done, _ = submit(broker, start=ts(10), end=ts(10, 20))
    world.run(broker, at(10, 3))
    broker.close()
    world.clock.set(at(10, 6))
    again = world.open()
    world.run(again, at(10, 6))
    assert committed(again, task_id) == 600 and task_of(again, task_id)["task_status"] == 1001
    again.close()
    world.clock.set(at(10, 15))  # the first task ended while the broker was closed
    third = world.open()
    first = task_of(third, task_id)
    assert first["task_status"] == xc.OCS_TASK_STATUS_FINISHED and first["business_num"] == "600"
    assert task_of(third, done)["task_status"] == 1001
    assert submit(third)[0] == 0 and submit(third, end=ts(10, 30))[0] == done + 1


def test_reset_clears_the_accounts_tasks(world, broker):
    task_id, _ = submit(broker)
    theirs, _ = submit(broker, account_id=OTHER)
    broker.reset_account(ACCOUNT)
    assert broker.algo_tasks(ACCOUNT) == [] and len(broker.algo_tasks(OTHER)) == 1
    world.run(broker, at(10, 3))
    assert broker.orders(ACCOUNT) == [] and committed(broker, theirs, OTHER) == 300
    assert submit(broker)[0] > theirs > task_id  # task ids are not reused


# --- the drop-in trader ----------------------------------------------------------------------------------


class Recorder(XtQuantTraderCallback):
    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []
        self.event = threading.Event()

    def on_smart_algo_order_async_response(self, response: Any) -> None:
        self.seen.append(("order", response))
        self.event.set()

    def on_operate_smart_task_async_response(self, response: Any) -> None:
        self.seen.append(("operate", response))
        self.event.set()

    def wait(self, n: int) -> list[tuple[str, Any]]:
        deadline = time.monotonic() + 5
        while len(self.seen) < n:
            assert time.monotonic() < deadline, "timed out waiting for a push"
            time.sleep(0.005)
        return self.seen


def test_the_trader_calls(world, broker):
    recorder = Recorder()
    trader = XtQuantTrader("unused", 4545, recorder, broker=broker)
    account = StockAccount(ACCOUNT)
    assert trader.get_smart_algo_param(["TWAP"]) == {}  # not connected
    trader.start()
    assert trader.connect() == 0
    args = (SH, xc.STOCK_BUY, 1000, 11, 10.0, "s", "r", "TWAP")
    assert trader.smart_algo_order_async(account, *args, "10:00:00", "10:10:00", {}) == -1  # not subscribed
    assert trader.subscribe(account) == 0
    assert set(trader.get_smart_algo_param(["TWAP", "X"])) == {"TWAP"}
    with pytest.raises(ValueError) as bad:
        trader.smart_algo_order_async(account, *args, "10:00", "10:10:00", {})
    assert bad.value.args == ("错误的时间格式: ", "10:00")
    with pytest.raises(Exception, match="开始时间需小于截止时间"):
        trader.smart_algo_order_async(account, *args, "10:10:00", "10:10:00", {})
    params: dict[str, Any] = {"m_dMaxAmountPerOrder": 10000}
    seq = trader.smart_algo_order_async(account, *args, "10:09:59", "10:10:00", params)
    assert seq > 0 and (params["m_nValidTimeStart"], params["m_nValidTimeEnd"]) == (ts(10, 9, 59), ts(10, 10))
    refused = trader.smart_algo_order_async(account, *args[:-1], "POV", "10:00:00", "10:10:00", {})
    (_, ok), (_, no) = recorder.wait(2)
    assert (ok.seq, ok.account_id, ok.strategy_name, ok.order_remark, ok.error_msg) == (
        seq,
        ACCOUNT,
        "s",
        "r",
        "",
    )
    assert ok.task_id > 0 and (no.seq, no.task_id) == (refused, 0) and "POV" in no.error_msg
    (task,) = trader.query_smart_algo_task(account)
    assert task["task_id"] == ok.task_id and task["order_id_list"] == [] and task["business_num"] == "0"
    cancel = trader.cancel_smart_algo_task_async(account, ok.task_id)
    again = trader.cancel_smart_algo_task_async(account, ok.task_id)
    _, (_, first), (_, second) = recorder.wait(4)[1:]
    assert (first.seq, first.success, first.task_id, first.error_msg) == (cancel, True, ok.task_id, "")
    assert (second.seq, second.success) == (again, False) and second.error_msg
    trader.stop()
    assert trader.query_smart_algo_task(account) == []


@pytest.fixture()
def default_market():
    from qmt_bridge.sim import xtdata

    xtdata.configure(seed=7, clock=fixed_clock(MID_SESSION))
    yield xtdata
    xtdata.configure()


def test_an_xttrader_script_runs_a_vwap_task(default_market, tmp_path):
    from qmt_bridge.sim import xtconstant
    from qmt_bridge.sim.broker.defaults import default_broker
    from qmt_bridge.sim.xttrader import XtQuantTrader as Trader
    from qmt_bridge.sim.xttype import StockAccount as Account

    ask = default_market.get_full_tick([SH])[SH]["askPrice"][0]
    recorder = Recorder()
    trader = Trader(str(tmp_path), 123457)
    trader.register_callback(recorder)
    trader.start()
    try:
        assert trader.connect() == 0 and trader.subscribe(Account(ACCOUNT)) == 0
        seq = trader.smart_algo_order_async(
            Account(ACCOUNT), SH, xtconstant.STOCK_BUY, 2000, xtconstant.FIX_PRICE, ask, "smart_algo_demo",
            "smart_algo_remark", "VWAP", "09:59:00", "10:30:00", {"m_dLimitOverRate": 0.25},
        )  # fmt: skip
        ((_, response),) = recorder.wait(1)
        assert response.seq == seq and response.task_id > 0 and response.error_msg == ""
        (task,) = trader.query_smart_algo_task(Account(ACCOUNT))
        assert (
            task["task_status"] == xtconstant.OCS_TASK_STATUS_RUNNING and "均匀切片" not in task["task_msg"]
        )
        trader.stop()
    finally:
        default_broker(str(tmp_path)).close()
