"""Money moving in and out of a paper account: bank transfers (银证转账) and counter transfers (资金划拨).

The rules (``sim/broker/transfers.py``), the broker's calls (``sim/broker/transfer_desk.py``) and the drop-in
xttrader methods (``sim/trader_transfers.py``): money is conserved, every guard holds at its boundary (to
the fen, to the second), the stream lists the bank transfers, the state survives a restart and a reset.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from broker_desk import BrokerWorld
from conftest import MID_SESSION, SEED
from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import SimBroker
from qmt_bridge.sim.broker import transfers as tr
from qmt_bridge.sim.broker.ledger import Account
from qmt_bridge.sim.broker.manual import ManualClock, ManualMarket
from qmt_bridge.sim.broker.store import BrokerStore
from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.trader_transfers import NOT_USABLE
from qmt_bridge.sim.xttrader import XtQuantTrader, XtQuantTraderCallback
from qmt_bridge.sim.xttype import StockAccount

ACCOUNT = "SIM000001"
OTHER = "SIM000002"
SH = "600000.SH"
SESSION = 4242
THU = dt.date(2025, 11, 20)  # a trading day
FRI = dt.date(2025, 11, 21)
SAT = dt.date(2025, 11, 22)
MON = dt.date(2025, 11, 24)
START_LI = 1_000_000_000  # the broker's default starting cash, 1,000,000 CNY
BANK_START_LI = 1_000_000_000
SPEED_TO_NORMAL = xc.FUNDS_TRANSFER_SPEED_TO_NORMAL  # 511
NORMAL_TO_SPEED = xc.FUNDS_TRANSFER_NORMAL_TO_SPEED  # 510


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), CST)


def li(yuan: float) -> int:
    return round(yuan * 1000)


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for a push")
        time.sleep(0.005)


# --- a broker over a hand-set market ----------------------------------------------------------------------


@pytest.fixture()
def world(tmp_path):
    clock = ManualClock(at(THU, 10))
    market = ManualMarket(clock)
    market.add(SH, "浦发银行", pre_close=10.0)
    market.quote(SH, 10.0, asks=[(10.00, 3)], bids=[(9.99, 3)])
    w = BrokerWorld(clock, market, tmp_path / "broker.sqlite3")
    yield w
    for broker in w.brokers:
        broker.close()


@pytest.fixture()
def broker(world):
    return world.open(account_ids=(ACCOUNT, OTHER))


def bank_li(broker: SimBroker, account_id: str = ACCOUNT) -> int:
    (amount,) = broker.bank_amounts(account_id, tr.BANK_NO, "")
    assert amount.balance == amount.enable_balance
    return li(amount.balance)


def counter_li(broker: SimBroker, account_id: str = ACCOUNT) -> int:
    return li(broker.counter_balance(account_id))


def cash_li(broker: SimBroker, account_id: str = ACCOUNT) -> int:
    """The account's cash (its balance: available plus frozen)."""
    asset = broker.asset(account_id)
    return li(asset.cash) + li(asset.frozen_cash)


def state(broker: SimBroker, account_id: str = ACCOUNT) -> tuple[Any, ...]:
    """Everything a transfer may change."""
    asset = broker.asset(account_id)
    stream = broker.bank_stream(account_id, "20000101", "20991231")
    return (
        (asset.cash, asset.frozen_cash, asset.total_asset, asset.fetch_balance),
        bank_li(broker, account_id),
        counter_li(broker, account_id),
        [vars(line) for line in stream],
    )


def bank_in(broker: SimBroker, amount: Any, bank_no: str = tr.BANK_NO, bank_account: str = "") -> tuple:
    return broker.bank_transfer(ACCOUNT, tr.BANK_IN, bank_no, bank_account, amount)


def bank_out(broker: SimBroker, amount: Any, bank_no: str = tr.BANK_NO, bank_account: str = "") -> tuple:
    return broker.bank_transfer(ACCOUNT, tr.BANK_OUT, bank_no, bank_account, amount)


def all_transfer_nos(db) -> list[int]:
    """Every transfer number the file holds, counter transfers included."""
    store = BrokerStore(db)
    try:
        return [
            int(t.transfer_no) for t in store.transfers(ACCOUNT, dt.date(2000, 1, 1), dt.date(2099, 1, 1))
        ]
    finally:
        store.close()


# --- 1. money is conserved ---------------------------------------------------------------------------------


def test_a_random_sequence_of_transfers_conserves_money_and_follows_the_rules(broker, world):
    rng = random.Random(SEED)
    cash, bank, counter = START_LI, BANK_START_LI, 0
    total = cash + bank + counter
    outcomes = {True: 0, False: 0}
    for _ in range(150):
        world.clock.advance(rng.randint(0, 1200))  # Thursday 10:00 into Friday (and the night between)
        now = world.clock.now()
        op = rng.choice(["in", "out", NORMAL_TO_SPEED, SPEED_TO_NORMAL, xc.NODE_FUNDS_TRANSFER_SH_TO_SZ])
        source = {"in": bank, "out": cash, NORMAL_TO_SPEED: counter, SPEED_TO_NORMAL: cash}.get(op, cash)
        kind = rng.choice(["fen", "fen", "exact", "over", "bad"])
        if kind == "fen":
            amount_li = 10 * rng.randint(1, source // 10 // 3 + 1)
        elif kind == "exact":
            amount_li = source
        elif kind == "over":
            amount_li = source + 10
        if kind == "bad":
            amount, valid = rng.choice([0, -1.0, math.nan, 0.001]), False
        else:
            amount, valid = amount_li / 1000, amount_li > 0
        bank_no = tr.BANK_NO if rng.random() < 0.9 else "9"
        in_hours = now.weekday() < 5 and 9 <= now.hour < 16
        if op in ("in", "out"):
            ok, _ = broker.bank_transfer(
                ACCOUNT, tr.BANK_IN if op == "in" else tr.BANK_OUT, bank_no, "", amount
            )
            expected = valid and bank_no == tr.BANK_NO and in_hours and amount_li <= source
        else:
            ok, _ = broker.fund_transfer(ACCOUNT, op, amount)
            expected = valid and op != xc.NODE_FUNDS_TRANSFER_SH_TO_SZ and amount_li <= source
        assert ok == expected, (now, op, amount, bank_no)
        if ok:
            if op == "in":
                bank, cash = bank - amount_li, cash + amount_li
            elif op == "out":
                cash, bank = cash - amount_li, bank + amount_li
            elif op == NORMAL_TO_SPEED:
                counter, cash = counter - amount_li, cash + amount_li
            else:
                cash, counter = cash - amount_li, counter + amount_li
        outcomes[ok] += 1
        assert (cash_li(broker), bank_li(broker), counter_li(broker)) == (cash, bank, counter)
        assert cash_li(broker) + bank_li(broker) + counter_li(broker) == total
    assert outcomes[True] > 20 and outcomes[False] > 20
    assert world.clock.now().date() == FRI  # the sequence crossed a night: refusals for the hours too
    # another account's money was never touched
    assert (cash_li(broker, OTHER), bank_li(broker, OTHER), counter_li(broker, OTHER)) == (
        START_LI,
        BANK_START_LI,
        0,
    )


# --- 2. bank in: at most the bank balance -------------------------------------------------------------------


def test_bank_in_takes_at_most_the_bank_balance(broker):
    assert bank_li(broker) == li(tr.BANK_START) == BANK_START_LI
    assert bank_out(broker, 123.45) == (True, "转账成功")  # the bank now holds 1,000,123.45
    before = state(broker)
    ok, msg = bank_in(broker, 1_000_123.46)
    assert not ok and "银行可用余额不足" in msg and "1000123.45" in msg
    assert state(broker) == before  # a refusal changes nothing
    assert bank_in(broker, 1_000_123.45) == (True, "转账成功")
    assert bank_li(broker) == 0
    assert cash_li(broker) == START_LI - li(123.45) + li(1_000_123.45)
    before = state(broker)
    ok, msg = bank_in(broker, 0.01)  # an empty bank
    assert not ok and "银行可用余额不足" in msg
    assert state(broker) == before


# --- 3. bank out: at most the withdrawable cash -------------------------------------------------------------


def test_bank_out_takes_at_most_the_cash(broker):
    before = state(broker)
    ok, msg = bank_out(broker, 1_000_000.01)
    assert not ok and "可取资金不足" in msg and "1000000.00" in msg
    assert state(broker) == before
    assert bank_out(broker, 1_000_000.00) == (True, "转账成功")
    assert cash_li(broker) == 0 and bank_li(broker) == 2 * BANK_START_LI
    assert bank_out(broker, 0.01)[0] is False


def test_bank_out_leaves_the_cash_a_resting_buy_froze(broker):
    order_id = broker.place_order(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 9.90)  # rests below the ask
    assert broker.order(ACCOUNT, order_id).order_status == xc.ORDER_REPORTED
    asset = broker.asset(ACCOUNT)
    assert asset.frozen_cash > 990.0 and asset.fetch_balance == asset.cash == 1_000_000.0 - asset.frozen_cash
    withdrawable = asset.fetch_balance
    before = state(broker)
    ok, msg = bank_out(broker, round(withdrawable + 0.01, 2))
    assert not ok and "可取资金不足" in msg
    assert state(broker) == before
    assert bank_out(broker, withdrawable)[0]
    after = broker.asset(ACCOUNT)
    assert (after.cash, after.fetch_balance, after.frozen_cash) == (0.0, 0.0, asset.frozen_cash)
    assert broker.order(ACCOUNT, order_id).order_status == xc.ORDER_REPORTED  # the order keeps its cash


def test_todays_sell_proceeds_are_not_withdrawable_until_the_next_day(world, broker):
    broker.place_order(ACCOUNT, SH, xc.STOCK_BUY, 300, xc.FIX_PRICE, 10.00)  # fills now
    world.clock.set(at(FRI, 10))
    world.market.quote(SH, 10.0, asks=[(10.01, 3)], bids=[(10.00, 3)])
    sold = broker.place_order(ACCOUNT, SH, xc.STOCK_SELL, 300, xc.FIX_PRICE, 10.00)
    assert broker.order(ACCOUNT, sold).order_status == xc.ORDER_SUCCEEDED
    asset = broker.asset(ACCOUNT)
    proceeds = asset.cash - asset.fetch_balance
    assert 2_990.0 < proceeds < 3_000.0  # the sell's net proceeds
    ok, msg = bank_out(broker, round(asset.fetch_balance + 0.01, 2))
    assert not ok and "可取资金不足" in msg
    assert bank_out(broker, asset.fetch_balance)[0]
    assert broker.asset(ACCOUNT).cash == pytest.approx(proceeds)  # left: exactly the proceeds
    assert broker.fund_transfer(ACCOUNT, SPEED_TO_NORMAL, 0.01)[0] is False  # 511 has the same limit
    world.clock.set(at(MON, 10))  # settled
    assert bank_out(broker, round(proceeds, 2))[0]
    assert cash_li(broker) == 0


@pytest.mark.parametrize(
    ("balance", "frozen", "unsettled", "withdrawable"),
    [
        (100_000, 0, 30_000, 70_000),
        (100_000, 20_000, 30_000, 50_000),
        (100_000, 20_000, 80_000, 0),  # the proceeds exceed what is available
        (100_000, 0, 120_000, 0),
    ],
)
@pytest.mark.parametrize("move", ["bank", "counter"])
def test_the_pure_rules_keep_unsettled_proceeds(balance, frozen, unsettled, withdrawable, move):
    def attempt(amount_li: int) -> tuple[bool, str, int, Account, tr.BankLink]:
        account = Account(ACCOUNT, START_LI, balance, frozen, unsettled)
        link = tr.new_link(ACCOUNT)
        if move == "bank":
            result = tr.bank_transfer(
                account, link, tr.BANK_OUT, tr.BANK_NO, "", amount_li / 1000, at(THU, 10)
            )
        else:
            result = tr.counter_transfer(account, link, SPEED_TO_NORMAL, amount_li / 1000)
        return (*result, account, link)

    assert Account(ACCOUNT, 0, balance, frozen, unsettled).withdrawable == withdrawable
    ok, msg, moved, account, link = attempt(withdrawable + 10)
    assert (ok, moved) == (False, 0) and "可取资金不足" in msg
    assert (account.balance, link.balance, link.counter_balance) == (balance, BANK_START_LI, 0)
    if withdrawable:
        ok, _, moved, account, link = attempt(withdrawable)
        assert (ok, moved) == (True, withdrawable)
        assert account.balance == balance - withdrawable and account.withdrawable == 0
        assert (account.frozen, account.unsettled) == (frozen, unsettled)
        gained = link.balance - BANK_START_LI if move == "bank" else link.counter_balance
        assert gained == withdrawable


def test_the_pure_rules_bank_in_limit():
    account, link = Account(ACCOUNT, 0, 0), tr.new_link(ACCOUNT)
    link.balance = 5_000
    assert tr.bank_transfer(account, link, tr.BANK_IN, "1", "", 5.01, at(THU, 10))[:1] == (False,)
    assert (account.balance, link.balance) == (0, 5_000)
    assert tr.bank_transfer(account, link, tr.BANK_IN, "1", "", 5.00, at(THU, 10)) == (
        True,
        "转账成功",
        5_000,
    )
    assert (account.balance, link.balance) == (5_000, 0)


# --- 4. bank hours ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "refused"),
    [
        (at(THU, 8, 59, 59), True),
        (at(THU, 9, 0, 0), False),
        (at(THU, 12, 0, 0), False),  # the lunch break is inside the bank hours
        (at(THU, 15, 59, 59), False),
        (at(THU, 16, 0, 0), True),
        (at(THU, 23, 30), True),
        (at(SAT, 10), True),
        (dt.datetime(2025, 10, 1, 10, 0, tzinfo=CST), True),  # National Day, a Wednesday
        (dt.datetime(2025, 11, 20, 1, 0, tzinfo=dt.timezone.utc), False),  # 09:00 China time
        (dt.datetime(2025, 11, 20, 0, 59, 59, tzinfo=dt.timezone.utc), True),  # 08:59:59 China time
        (dt.datetime(2025, 11, 20, 8, 0, tzinfo=dt.timezone.utc), True),  # 16:00 China time
    ],
)
def test_bank_hours_refusal(moment, refused):
    reason = tr.bank_hours_refusal(moment)
    assert (reason is not None) == refused
    if refused:
        assert reason.startswith("非银证转账时间")


@pytest.mark.parametrize(
    ("moment", "accepted", "words"),
    [
        (at(THU, 8, 59, 59), False, ["非银证转账时间", "09:00-16:00", "now 08:59"]),
        (at(THU, 9, 0, 0), True, []),
        (at(THU, 15, 59, 59), True, []),
        (at(THU, 16, 0, 0), False, ["非银证转账时间", "09:00-16:00", "now 16:00"]),
        (at(SAT, 10), False, ["非银证转账时间", "trading days only", "2025-11-22"]),
    ],
)
@pytest.mark.parametrize("direction", [tr.BANK_IN, tr.BANK_OUT])
def test_the_broker_takes_bank_transfers_in_bank_hours_only(world, moment, accepted, words, direction):
    world.clock.set(moment)
    broker = world.open()
    before = state(broker)
    ok, msg = broker.bank_transfer(ACCOUNT, direction, tr.BANK_NO, "", 100.0)
    assert ok == accepted
    for word in words:
        assert word in msg
    if not accepted:
        assert state(broker) == before
    else:
        sign = 1 if direction == tr.BANK_IN else -1
        assert cash_li(broker) == START_LI + sign * 100_000
        (line,) = broker.bank_stream(ACCOUNT, "20251120", "20251120")
        assert line.time == moment.strftime("%H%M%S")


def test_counter_transfers_are_not_bound_to_the_bank_hours(world):
    world.clock.set(at(SAT, 10))
    broker = world.open()
    assert broker.fund_transfer(ACCOUNT, SPEED_TO_NORMAL, 10.0) == (True, "划拨成功")


# --- 5. amounts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "word"),
    [
        pytest.param(0, "必须为正数", id="0"),
        pytest.param(0.0, "必须为正数", id="0.0"),
        pytest.param(-0.01, "必须为正数", id="-0.01"),
        pytest.param(-100, "必须为正数", id="-100"),
        pytest.param(math.nan, "必须为正数", id="nan"),
        pytest.param("100", "必须为正数", id="str"),
        pytest.param(None, "必须为正数", id="None"),
        pytest.param(0.001, "两位小数", id="0.001"),
        pytest.param(0.009, "两位小数", id="0.009"),
        pytest.param(0.015, "两位小数", id="0.015"),
        pytest.param(100.005, "两位小数", id="100.005"),
        pytest.param(1000.0001, "两位小数", id="1000.0001"),
        pytest.param(1000000.0004, "两位小数", id="1000000.0004"),
        pytest.param(math.inf, "必须为正数", id="inf"),
        pytest.param(True, "必须为正数", id="True"),
        pytest.param(tr.MAX_AMOUNT + 0.01, "过大", id="over-max"),
    ],
)
@pytest.mark.parametrize(
    "move",
    [
        lambda b, amount: b.bank_transfer(ACCOUNT, tr.BANK_IN, tr.BANK_NO, "", amount),
        lambda b, amount: b.bank_transfer(ACCOUNT, tr.BANK_OUT, tr.BANK_NO, "", amount),
        lambda b, amount: b.fund_transfer(ACCOUNT, SPEED_TO_NORMAL, amount),
    ],
    ids=["bank-in", "bank-out", "511"],
)
def test_amounts_that_are_no_money_are_refused(broker, move, amount, word):
    before = state(broker)
    ok, msg = move(broker, amount)
    assert not ok and "转账金额" in msg and word in msg
    assert state(broker) == before


def test_510_refuses_amounts_that_are_no_money(broker):
    assert broker.fund_transfer(ACCOUNT, SPEED_TO_NORMAL, 100.0)[0]
    for amount in (0, -1.0, math.nan, 0.001):
        ok, msg = broker.fund_transfer(ACCOUNT, NORMAL_TO_SPEED, amount)
        assert not ok and "转账金额" in msg
    assert counter_li(broker) == 100_000


def test_one_fen_is_an_amount(broker):
    assert bank_in(broker, 0.01) == (True, "转账成功")
    assert (cash_li(broker), bank_li(broker)) == (START_LI + 10, BANK_START_LI - 10)
    assert bank_out(broker, 0.01) == (True, "转账成功")
    assert broker.fund_transfer(ACCOUNT, SPEED_TO_NORMAL, 0.01) == (True, "划拨成功")
    assert broker.fund_transfer(ACCOUNT, NORMAL_TO_SPEED, 0.01) == (True, "划拨成功")
    assert (cash_li(broker), bank_li(broker), counter_li(broker)) == (START_LI, BANK_START_LI, 0)
    assert [line.balance for line in broker.bank_stream(ACCOUNT, "20251120", "20251120")] == [0.01, 0.01]


# --- 6. the bound bank account ------------------------------------------------------------------------------


def test_the_bound_bank(broker):
    (info,) = broker.bank_infos(ACCOUNT)
    assert (info.success, info.bank_no, info.bank_name, info.money_type) == (True, "1", tr.BANK_NAME, "CNY")
    assert info.bank_account == tr.new_link(ACCOUNT).bank_account
    assert broker.bank_infos(OTHER)[0].bank_account != info.bank_account
    assert broker.bank_infos("NOPE") == [] and broker.bank_amounts("NOPE", "1", "") == []
    assert broker.counter_balance("NOPE") is None
    (amount,) = broker.bank_amounts(ACCOUNT, "1", info.bank_account)
    assert (amount.account_id, amount.bank_account, amount.balance) == (
        ACCOUNT,
        info.bank_account,
        tr.BANK_START,
    )
    assert broker.bank_amounts(ACCOUNT, "2", "") == []
    assert broker.bank_amounts(ACCOUNT, "1", info.bank_account + "0") == []


@pytest.mark.parametrize(
    ("bank_no", "bank_account"),
    [("2", ""), ("", ""), ("11", ""), ("1", "6222020000000002"), ("1", "6222020000000001 "), ("2", "right")],
)
@pytest.mark.parametrize("direction", [tr.BANK_IN, tr.BANK_OUT])
def test_a_bank_account_that_is_not_the_bound_one_is_refused(broker, bank_no, bank_account, direction):
    right = broker.bank_infos(ACCOUNT)[0].bank_account
    assert right == "6222020000000001"
    bank_account = right if bank_account == "right" else bank_account
    before = state(broker)
    ok, msg = broker.bank_transfer(ACCOUNT, direction, bank_no, bank_account, 100.0)
    assert not ok and "银行账号不存在" in msg
    assert state(broker) == before


@pytest.mark.parametrize("bank_account", ["", "6222020000000001"])
@pytest.mark.parametrize("direction", [tr.BANK_IN, tr.BANK_OUT])
def test_the_bound_bank_no_with_its_account_or_none_is_accepted(broker, bank_account, direction):
    assert broker.bank_transfer(ACCOUNT, direction, "1", bank_account, 100.0) == (True, "转账成功")


def test_an_unknown_account_is_refused(broker):
    ok, msg = broker.bank_transfer("NOPE", tr.BANK_IN, "1", "", 1.0)
    assert not ok and "资金账号不存在" in msg
    assert broker.fund_transfer("NOPE", SPEED_TO_NORMAL, 1.0)[0] is False


# --- a trader on the broker ---------------------------------------------------------------------------------


class Recorder(XtQuantTraderCallback):
    def __init__(self) -> None:
        self.responses: list[tuple[Any, str]] = []
        self.assets: list[tuple[Any, str]] = []

    def on_bank_transfer_async_response(self, response: Any) -> None:
        self.responses.append((response, threading.current_thread().name))

    def on_stock_asset(self, asset: Any) -> None:
        self.assets.append((asset, threading.current_thread().name))


@dataclass
class Desk:
    world: BrokerWorld
    broker: SimBroker
    trader: XtQuantTrader
    callback: Recorder
    account: StockAccount


@pytest.fixture()
def desk(world, tmp_path):
    broker = world.open(account_ids=(ACCOUNT, OTHER))
    callback = Recorder()
    trader = XtQuantTrader(str(tmp_path), SESSION, callback, broker=broker)
    trader.start()
    assert trader.connect() == 0
    account = StockAccount(ACCOUNT)
    assert trader.subscribe(account) == 0
    yield Desk(world, broker, trader, callback, account)
    trader.stop()


# --- 7. fund_transfer ---------------------------------------------------------------------------------------


def test_fund_transfer_moves_cash_between_the_counters(desk):
    trader, acc = desk.trader, desk.account
    assert trader.query_com_fund(acc)["currentBalance"] == 0.0
    ok, msg = trader.fund_transfer(acc, SPEED_TO_NORMAL, 300_000.0)
    assert (ok, msg) == (True, "划拨成功")
    fund = trader.query_com_fund(acc)
    assert fund["success"] and fund["marketValue"] == 0.0
    for key in ("currentBalance", "enableBalance", "fetchBalance", "assetBalance", "fetchCash"):
        assert fund[key] == 300_000.0
    asset = trader.query_stock_asset(acc)
    assert (asset.cash, asset.total_asset, asset.fetch_balance) == (700_000.0, 700_000.0, 700_000.0)
    # 510 back: at most what the ordinary counter holds
    ok, msg = trader.fund_transfer(acc, NORMAL_TO_SPEED, 300_000.01)
    assert not ok and "普通柜台可用资金不足" in msg and "300000.00" in msg
    assert trader.query_com_fund(acc)["currentBalance"] == 300_000.0
    assert trader.query_stock_asset(acc).cash == 700_000.0
    assert trader.fund_transfer(acc, NORMAL_TO_SPEED, 100_000.0) == (True, "划拨成功")
    assert trader.fund_transfer(acc, NORMAL_TO_SPEED, 200_000.0) == (True, "划拨成功")  # exactly the rest
    assert trader.query_com_fund(acc)["currentBalance"] == 0.0
    assert trader.query_stock_asset(acc).cash == 1_000_000.0
    assert trader.fund_transfer(acc, NORMAL_TO_SPEED, 0.01)[0] is False
    # 511: at most the withdrawable cash
    ok, msg = trader.fund_transfer(acc, SPEED_TO_NORMAL, 1_000_000.01)
    assert not ok and "可取资金不足" in msg
    assert trader.fund_transfer(acc, SPEED_TO_NORMAL, 1_000_000.0) == (True, "划拨成功")
    assert trader.query_stock_asset(acc).cash == 0.0
    assert trader.query_com_fund(acc)["currentBalance"] == 1_000_000.0
    assert trader.query_bank_amount(acc, "1", "", "")[0].balance == tr.BANK_START  # the bank is not involved


@pytest.mark.parametrize(
    ("direction", "word"),
    [
        (xc.NODE_FUNDS_TRANSFER_SH_TO_SZ, "节点资金划拨不可用"),
        (xc.NODE_FUNDS_TRANSFER_SZ_TO_SH, "节点资金划拨不可用"),
        (509, "划拨方向错误"),
        (514, "划拨方向错误"),
        (tr.BANK_IN, "划拨方向错误"),
        (0, "划拨方向错误"),
    ],
)
def test_fund_transfer_refuses_other_directions(desk, direction, word):
    trader, acc = desk.trader, desk.account
    assert trader.fund_transfer(acc, SPEED_TO_NORMAL, 10.0)[0]
    before = (vars(trader.query_stock_asset(acc)), trader.query_com_fund(acc))
    ok, msg = trader.fund_transfer(acc, direction, 1.0)
    assert not ok and word in msg
    assert (vars(trader.query_stock_asset(acc)), trader.query_com_fund(acc)) == before


def test_query_com_position_shows_the_one_set_of_shares_whatever_the_money_does(desk):
    desk.broker.place_order(ACCOUNT, SH, xc.STOCK_BUY, 100, xc.FIX_PRICE, 10.00)
    assert desk.trader.query_stock_positions(desk.account)[0].volume == 100
    assert desk.trader.fund_transfer(desk.account, SPEED_TO_NORMAL, 10.0)[0]
    [held] = desk.trader.query_com_position(desk.account)
    assert (held["stockCode"], held["totalAmt"]) == (SH, 100.0)


# --- 8. the stream ------------------------------------------------------------------------------------------


def test_the_bank_transfer_stream(desk):
    world, trader, acc, broker = desk.world, desk.trader, desk.account, desk.broker
    world.clock.set(at(THU, 10))
    assert trader.bank_transfer_in(acc, "1", "", 100.0)[0]
    assert trader.fund_transfer(acc, SPEED_TO_NORMAL, 50.0)[0]  # not a bank transfer
    assert trader.bank_transfer_out(acc, "1", "6222020000000001", 30.0, "pwd", "pwd")[0]
    assert trader.bank_transfer_out(acc, "1", "", 1e9)[0] is False  # refused: not in the stream
    assert broker.bank_transfer(OTHER, tr.BANK_IN, "1", "", 5.0)[0]  # another account's
    world.clock.set(at(FRI, 9))
    assert trader.bank_transfer_in(acc, "1", "", 7.77)[0]
    assert trader.fund_transfer(acc, NORMAL_TO_SPEED, 20.0)[0]
    world.clock.set(at(MON, 15, 59, 59))
    assert trader.bank_transfer_out(acc, "1", "", 1.23)[0]

    lines = trader.query_bank_transfer_stream(acc, "20251120", "20251124")
    assert [(x.date, x.time, x.transfer_direction, x.balance) for x in lines] == [
        ("20251120", "100000", "1", 100.0),
        ("20251120", "100000", "2", 30.0),
        ("20251121", "090000", "1", 7.77),
        ("20251124", "155959", "2", 1.23),
    ]
    numbers = [int(x.transfer_no) for x in lines]
    assert numbers == sorted(set(numbers)) and numbers[0] > 0
    bank_account = trader.query_bank_info(acc)[0].bank_account
    for x in lines:
        assert (x.success, x.account_id, x.bank_no, x.bank_account) == (True, ACCOUNT, "1", bank_account)
        assert (x.bank_name, x.money_type, x.remark) == (tr.BANK_NAME, "CNY", "转账成功")

    def days(first: str, last: str, **filters: str) -> list[str]:
        return [x.date for x in trader.query_bank_transfer_stream(acc, first, last, **filters)]

    assert days("20251121", "20251121") == ["20251121"]  # inclusive at both ends
    assert days("20251120", "20251121") == ["20251120", "20251120", "20251121"]
    assert days("20251121", "20251124") == ["20251121", "20251124"]
    assert days("20251122", "20251123") == []
    assert days("20251119", "20251119") == [] and days("20251125", "20251231") == []
    assert days("20251124", "20251120") == []  # an empty range
    assert len(days("20251120", "20251124", bank_no="1")) == 4
    assert days("20251120", "20251124", bank_no="2") == []
    assert len(days("20251120", "20251124", bank_account=bank_account)) == 4
    assert days("20251120", "20251124", bank_account="6222020000000002") == []
    assert len(days("20251120", "20251124", bank_no="1", bank_account=bank_account)) == 4
    for first, last in [
        ("2025-11-20", "20251124"),
        ("20251120", "2025-11-24"),
        ("", ""),
        ("20251120", "20251131"),
        ("abc", "20251124"),
    ]:
        assert trader.query_bank_transfer_stream(acc, first, last) == []
    (other,) = broker.bank_stream(OTHER, "20251120", "20251124")
    assert (other.account_id, other.balance) == (OTHER, 5.0)


# --- 9. persistence -----------------------------------------------------------------------------------------


def test_a_restart_keeps_the_bank_the_counter_and_the_stream(world):
    first = world.open()
    assert bank_in(first, 1_000.0)[0]
    assert bank_out(first, 200.0)[0]
    assert first.fund_transfer(ACCOUNT, SPEED_TO_NORMAL, 300.0)[0]  # the last number: a counter transfer
    before = state(first)
    assert before[1:3] == (BANK_START_LI - 800_000, 300_000)
    first.close()
    numbers = all_transfer_nos(world.db)
    assert len(numbers) == 3
    second = world.open()
    assert state(second) == before
    assert bank_in(second, 1.0)[0]
    lines = second.bank_stream(ACCOUNT, "20251120", "20251120")
    assert [vars(x) for x in lines[:2]] == before[3]
    assert int(lines[2].transfer_no) > max(numbers)  # the counter transfer's number is not reused
    assert second.fund_transfer(ACCOUNT, NORMAL_TO_SPEED, 300.0)[0]  # the reopened counter's money
    assert counter_li(second) == 0


def test_reset_account_clears_the_transfers_and_numbers_keep_increasing(world):
    first = world.open(account_ids=(ACCOUNT, OTHER))
    assert bank_in(first, 1_000.0)[0] and bank_out(first, 50.0)[0]
    assert first.fund_transfer(ACCOUNT, SPEED_TO_NORMAL, 300.0)[0]
    assert first.bank_transfer(OTHER, tr.BANK_IN, "1", "", 9.0)[0]
    seen = all_transfer_nos(world.db)
    assert first.reset_account(ACCOUNT) == 1_000_000.0
    assert first.bank_stream(ACCOUNT, "20000101", "20991231") == []
    assert bank_li(first) == li(tr.BANK_START) and counter_li(first) == 0 and cash_li(first) == START_LI
    assert first.bank_infos(ACCOUNT)[0].bank_account == tr.new_link(ACCOUNT).bank_account
    assert len(first.bank_stream(OTHER, "20000101", "20991231")) == 1  # the other account keeps its own
    assert bank_li(first, OTHER) == BANK_START_LI - 9_000
    first.close()

    second = world.open(account_ids=(ACCOUNT, OTHER))  # the reset is kept
    assert (bank_li(second), counter_li(second), cash_li(second)) == (BANK_START_LI, 0, START_LI)
    assert second.bank_stream(ACCOUNT, "20000101", "20991231") == []
    assert bank_in(second, 1.0)[0]
    (line,) = second.bank_stream(ACCOUNT, "20000101", "20991231")
    assert int(line.transfer_no) > max(seen)  # not reused though the rows are gone
    seen.append(int(line.transfer_no))
    assert second.reset_account(ACCOUNT) == 1_000_000.0
    assert bank_in(second, 2.0)[0]  # right after a reset, before a restart
    (line,) = second.bank_stream(ACCOUNT, "20000101", "20991231")
    assert int(line.transfer_no) > max(seen)
    seen.append(int(line.transfer_no))
    assert second.fund_transfer(ACCOUNT, SPEED_TO_NORMAL, 5.0)[0]
    seen.append(max(all_transfer_nos(world.db)))
    second.reset_account(ACCOUNT)  # and closed with no query between: the reset itself is written
    second.close()

    third = world.open(account_ids=(ACCOUNT, OTHER))
    assert (bank_li(third), counter_li(third), cash_li(third)) == (BANK_START_LI, 0, START_LI)
    assert third.bank_stream(ACCOUNT, "20000101", "20991231") == []
    assert bank_out(third, 3.0)[0]
    (line,) = third.bank_stream(ACCOUNT, "20000101", "20991231")
    assert int(line.transfer_no) > max(seen)


# --- 10. the trader -----------------------------------------------------------------------------------------


def assert_unusable(trader: XtQuantTrader, acc: Any) -> None:
    assert trader.fund_transfer(acc, SPEED_TO_NORMAL, 10.0) == (False, NOT_USABLE)
    assert trader.bank_transfer_in(acc, "1", "", 10.0) == (False, NOT_USABLE)
    assert trader.bank_transfer_out(acc, "1", "", 10.0) == (False, NOT_USABLE)
    assert trader.bank_transfer_in_async(acc, "1", "", 10.0) == -1
    assert trader.bank_transfer_out_async(acc, "1", "", 10.0) == -1
    assert trader.query_bank_info(acc) == []
    assert trader.query_bank_amount(acc, "1", "", "") == []
    assert trader.query_bank_transfer_stream(acc, "20251120", "20251120") == []
    assert trader.query_com_fund(acc) == {}
    assert trader.query_com_position(acc) == []


def test_a_trader_that_cannot_use_the_account_moves_nothing(world, tmp_path):
    broker = world.open(account_ids=(ACCOUNT, OTHER))
    before = state(broker)
    callback = Recorder()
    trader = XtQuantTrader(str(tmp_path), SESSION, callback, broker=broker)
    acc = StockAccount(ACCOUNT)
    assert_unusable(trader, acc)  # not started
    trader.start()
    assert_unusable(trader, acc)  # not connected
    assert trader.connect() == 0
    assert_unusable(trader, acc)  # not subscribed
    assert trader.subscribe(StockAccount(OTHER)) == 0
    assert_unusable(trader, acc)  # another account subscribed
    assert trader.subscribe(acc) == 0
    assert trader.query_bank_info(acc)  # usable now
    assert trader.unsubscribe(acc) == 0
    assert_unusable(trader, acc)
    trader.stop()
    assert_unusable(trader, acc)  # stopped
    assert state(broker) == before
    assert callback.responses == []


def test_a_trader_of_a_closed_broker_moves_nothing(desk):
    desk.broker.close()
    assert_unusable(desk.trader, desk.account)


def test_async_bank_transfers_answer_on_the_push_thread(desk):
    trader, acc, callback = desk.trader, desk.account, desk.callback
    seq_in = trader.bank_transfer_in_async(acc, "1", "", 100.0, "bank-pwd", "fund-pwd")
    seq_over = trader.bank_transfer_out_async(acc, "1", "", 2_000_000.0)
    seq_bank = trader.bank_transfer_in_async(acc, "7", "", 1.0)
    seq_out = trader.bank_transfer_out_async(acc, "1", "", 40.0)
    seqs = [seq_in, seq_over, seq_bank, seq_out]
    assert all(s > 0 for s in seqs) and len(set(seqs)) == 4
    wait_for(lambda: len(callback.responses) == 4)
    answers = {r.seq: (r.success, r.msg) for r, _ in callback.responses}
    assert answers[seq_in] == (True, "转账成功") and answers[seq_out] == (True, "转账成功")
    assert answers[seq_over][0] is False and "可取资金不足" in answers[seq_over][1]
    assert answers[seq_bank][0] is False and "银行账号不存在" in answers[seq_bank][1]
    assert {name for _, name in callback.responses} == {f"xttrader-push-{SESSION}"}
    assert threading.current_thread().name != f"xttrader-push-{SESSION}"
    assert trader.query_stock_asset(acc).cash == 1_000_060.0
    assert [x.balance for x in trader.query_bank_transfer_stream(acc, "20251120", "20251120")] == [
        100.0,
        40.0,
    ]


def test_an_async_transfer_out_of_hours_answers_the_refusal(desk):
    desk.world.clock.set(at(THU, 16))
    seq = desk.trader.bank_transfer_in_async(desk.account, "1", "", 1.0)
    assert seq > 0
    wait_for(lambda: len(desk.callback.responses) == 1)
    response, _ = desk.callback.responses[0]
    assert (response.seq, response.success) == (seq, False) and "非银证转账时间" in response.msg
    assert desk.trader.query_stock_asset(desk.account).cash == 1_000_000.0


def test_a_transfer_pushes_the_asset_to_subscribed_traders(desk, tmp_path):
    trader, acc, callback = desk.trader, desk.account, desk.callback
    other_callback = Recorder()
    other = XtQuantTrader(str(tmp_path), SESSION + 1, other_callback, broker=desk.broker)
    other.start()
    assert other.connect() == 0 and other.subscribe(StockAccount(OTHER)) == 0  # another account only
    try:
        assert trader.bank_transfer_in(acc, "1", "", 1e9)[0] is False  # a refusal pushes nothing
        assert trader.fund_transfer(acc, 512, 1.0)[0] is False
        assert trader.bank_transfer_in(acc, "1", "", 250.5)[0]
        wait_for(lambda: len(callback.assets) >= 1)
        assert trader.fund_transfer(acc, SPEED_TO_NORMAL, 0.5)[0]
        wait_for(lambda: len(callback.assets) >= 2)
        assert [(a.account_id, a.cash) for a, _ in callback.assets] == [
            (ACCOUNT, 1_000_250.5),
            (ACCOUNT, 1_000_250.0),
        ]
        assert vars(callback.assets[-1][0]) == vars(trader.query_stock_asset(acc))
        assert {name for _, name in callback.assets} == {f"xttrader-push-{SESSION}"}
        other.stop()  # after its queued pushes
        assert other_callback.assets == []
    finally:
        if other._pushes is not None and other._connected:
            other.stop()


# --- through the simulator's backend ------------------------------------------------------------------------


def test_transfers_on_the_simulated_backend(tmp_path):
    from qmt_bridge.backends.sim import SimBackend

    backend = SimBackend(seed=SEED, clock=fixed_clock(MID_SESSION), data_dir=tmp_path)
    trader = backend.new_trader(str(tmp_path), 1)
    trader.start()
    try:
        assert trader.connect() == 0
        acc = StockAccount(ACCOUNT)
        assert trader.subscribe(acc) == 0
        cash = trader.query_stock_asset(acc).cash
        (info,) = trader.query_bank_info(acc)
        assert trader.bank_transfer_in(acc, info.bank_no, info.bank_account, 1000.5) == (True, "转账成功")
        assert trader.fund_transfer(acc, SPEED_TO_NORMAL, 500.0) == (True, "划拨成功")
        assert trader.query_stock_asset(acc).cash == pytest.approx(cash + 500.5)
        assert trader.query_com_fund(acc)["enableBalance"] == 500.0
        assert trader.query_bank_amount(acc, "1", "", "")[0].balance == tr.BANK_START - 1000.5
        (line,) = trader.query_bank_transfer_stream(acc, "20251120", "20251120")
        assert (line.transfer_direction, line.balance, line.time) == ("1", 1000.5, "100000")
    finally:
        trader.stop()
        backend.stop()


def test_a_bank_transfer_in_no_bank_direction_is_refused(broker):
    before = state(broker)
    ok, msg = broker.bank_transfer(ACCOUNT, 777, tr.BANK_NO, "", 1.0)
    assert not ok and "转账方向错误" in msg
    assert state(broker) == before


def test_the_transfer_queries_of_a_closed_broker_raise_broker_closed(broker):
    from qmt_bridge.sim.broker import BrokerClosed

    broker.close()
    for query in (
        lambda: broker.bank_infos(ACCOUNT),
        lambda: broker.bank_amounts(ACCOUNT, tr.BANK_NO, ""),
        lambda: broker.bank_stream(ACCOUNT, "20251101", "20251130"),
        lambda: broker.counter_balance(ACCOUNT),
    ):
        with pytest.raises(BrokerClosed):
            query()
