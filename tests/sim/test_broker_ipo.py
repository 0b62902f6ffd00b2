"""New-share subscription (新股申购) on the simulated counter: ``sim/broker/ipo.py`` (the rules) and the engine's
``_issue`` / ``_subscribe`` / ``_settle_subscriptions``.

A subscription is a buy of an issue's subscription code, on its subscription day, in continuous trading, at
its issue price (FIX_PRICE), in whole units within the issue's minimum, maximum and the account's quota, once
per issue; it is done at once (56) with nothing frozen. When the counter's day rolls into the payment day the
lottery is drawn and the allotted shares are paid and become a position of the listed code; without the
cash they are forfeited (弃购). Every guard is tested at its boundary (the second, the tick, the unit, the
fen). The issues are the simulated market's (``get_ipo_info``); the quotes of the shares that give the quota
are set by hand, so that holding V shares at 10 CNY gives a quota of exactly V shares.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from broker_desk import BrokerWorld
from conftest import SEED
from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import SimBroker, ipo
from qmt_bridge.sim.broker.counter_queries import new_purchase_limit
from qmt_bridge.sim.broker.manual import ManualClock, ManualMarket
from qmt_bridge.sim.broker.store import BrokerStore
from qmt_bridge.sim.clock import CST
from qmt_bridge.sim.market.calendar import calendar_for
from qmt_bridge.sim.xttrader import XtQuantTrader, XtQuantTraderCallback
from qmt_bridge.sim.xttype import StockAccount

ACCOUNT = "SIM000001"
OTHER = "SIM000002"
SZ_STOCK = "000001.SZ"  # held for the SZ quota
SH_STOCK = "600000.SH"  # held for the SH and 科创板 quotas
SESSION = 4343
START_LI = 1_000_000_000  # the broker's default starting cash, 1,000,000 CNY
ONE_FEN = 10  # li

#: The issues of the simulated market (seed 7) the tests subscribe to, with the unit the exchanges set.
SZ_ISSUE = "301822.SZ"  # 创业板 西诚重工: subscription code = listed code, unit 500
SH_ISSUE = "732756.SH"  # SH main board 睿源铝业 → 605756.SH, unit 1000
KCB_ISSUE = "787928.SH"  # 科创板 富安装备 → 688928.SH, unit 500
BJ_ISSUE = "920566.BJ"  # 北交所 博润机电, unit 100
SAME_DAY_SZ_ISSUE = "301835.SZ"  # subscribed on the same day as SH_ISSUE
UNITS = {SZ_ISSUE: 500, SH_ISSUE: 1000, KCB_ISSUE: 500, BJ_ISSUE: 100, SAME_DAY_SZ_ISSUE: 500}
#: What gives each issue's quota, and its board. BJ needs no quota (prepaid): the SZ shares held change nothing.
QUOTA_STOCK = {SZ_ISSUE: SZ_STOCK, SH_ISSUE: SH_STOCK, KCB_ISSUE: SH_STOCK, BJ_ISSUE: SZ_STOCK}
QUOTA_STOCK[SAME_DAY_SZ_ISSUE] = SZ_STOCK
BOARDS = {SZ_ISSUE: "SZ", SH_ISSUE: "SH", KCB_ISSUE: "KCB", BJ_ISSUE: "BJ", SAME_DAY_SZ_ISSUE: "SZ"}


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), CST)


def li(yuan: float) -> int:
    return round(yuan * 1000)


def ymd(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y%m%d").date()


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for a push")
        time.sleep(0.005)


# --- the issues ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """One issue of the simulated market, from its ``get_ipo_info`` row."""

    sub_code: str
    code: str  # the listed code (securityCode)
    name: str
    price: float
    unit: int
    low: int
    high: int
    day: dt.date  # subscription
    announce: dt.date
    payment: dt.date
    listed: dt.date
    lwr: float  # percent

    @property
    def price_li(self) -> int:
        return li(self.price)

    @property
    def quota_stock(self) -> str:
        return QUOTA_STOCK[self.sub_code]


@pytest.fixture(scope="module")
def issues(xtdata) -> dict[str, Issue]:
    rows = {f"{r['onlineSubCode']}.{r['market']}": r for r in xtdata.get_ipo_info("20251001", "20251231")}
    out = {}
    for sub_code, unit in UNITS.items():
        row = rows[sub_code]
        out[sub_code] = Issue(
            sub_code,
            row["securityCode"],
            row["codeName"],
            float(row["publishPrice"]),
            unit,
            int(row["onlineSubMinQty"]),
            int(row["onlineSubMaxQty"]),
            ymd(row["startDate"]),
            ymd(row["declareDate"]),
            ymd(row["paymentDate"]),
            ymd(row["listedDate"]),
            float(row["lwr"]),
        )
    # What the tests' numbers assume of the simulated market.
    sz, sh, kcb, bj = out[SZ_ISSUE], out[SH_ISSUE], out[KCB_ISSUE], out[BJ_ISSUE]
    assert (sz.code, sz.price, sz.low, sz.high, sz.day) == (
        SZ_ISSUE,
        10.41,
        500,
        22_500,
        dt.date(2025, 11, 20),
    )
    assert sz.day < sz.payment < sz.listed and sz.listed == dt.date(2025, 12, 2)
    assert sh.code == "605756.SH" and sh.high % 1000 == 0 and sh.high >= 2000
    assert kcb.code == "688928.SH" and kcb.high >= 1500
    assert bj.code == BJ_ISSUE and bj.low == bj.unit == 100
    assert out[SAME_DAY_SZ_ISSUE].day == sh.day
    return out


# --- a broker over a hand-set market whose new issues are the simulated market's ---------------------------


class IpoMarket(ManualMarket):
    """Quotes set by hand; ``get_ipo_info`` the simulated market's (which knows no quote of an unlisted code)."""

    def __init__(self, clock: ManualClock, xtdata: Any) -> None:
        super().__init__(clock)
        self._xtdata = xtdata

    def get_ipo_info(self, start_time: str = "", end_time: str = "") -> list[dict[str, Any]]:
        return self._xtdata.get_ipo_info(start_time, end_time)


class World(BrokerWorld):
    def set(self, day: dt.date, hour: int, minute: int = 0, second: int = 0) -> None:
        self.clock.set(at(day, hour, minute, second))


@pytest.fixture()
def world(tmp_path, xtdata):
    clock = ManualClock(at(dt.date(2025, 11, 20), 10))
    market = IpoMarket(clock, xtdata)
    for code, name in ((SZ_STOCK, "平安银行"), (SH_STOCK, "浦发银行")):
        market.add(code, name, pre_close=10.0)
        market.quote(code, 10.0, asks=[(10.00, 5000)], bids=[(9.99, 5000)])
    w = World(clock, market, tmp_path / "broker.sqlite3", (ACCOUNT, OTHER))
    yield w
    for broker in w.brokers:
        broker.close()


def hold(broker: SimBroker, code: str, volume: int, account: str = ACCOUNT) -> None:
    """Buy ``volume`` shares of ``code`` at 10.00 (filled at once)."""
    order_id = broker.place_order(account, code, xc.STOCK_BUY, volume, xc.FIX_PRICE, 10.00)
    assert broker.order(account, order_id).order_status == xc.ORDER_SUCCEEDED


def ready(
    world: World,
    issue: Issue,
    held: int,
    *,
    accounts: tuple[str, ...] = (ACCOUNT,),
    win_rate: float | None = None,
    db: Any = None,
) -> SimBroker:
    """A broker whose ``accounts`` bought ``held`` shares of the issue's quota stock the trading day before its
    subscription day, the clock at 10:00 of the subscription day."""
    day_before = calendar_for(issue.day).prev_day(issue.day)
    world.set(day_before, 10)
    broker = world.open(db)
    for account in accounts:
        if held:
            hold(broker, issue.quota_stock, held, account)
    world.set(issue.day, 10)
    broker._engine.ipo_win_rate = win_rate
    return broker


def subscribe(
    broker: SimBroker,
    issue: Issue,
    volume: int,
    *,
    price: float | None = None,
    price_type: int = xc.FIX_PRICE,
    order_type: int = xc.STOCK_BUY,
    account: str = ACCOUNT,
    code: str | None = None,
) -> Any:
    """Place a subscription order; the order (``XtOrder``)."""
    order_id = broker.place_order(
        account,
        code or issue.sub_code,
        order_type,
        volume,
        price_type,
        issue.price if price is None else price,
    )
    return broker.order(account, order_id)


def subscriptions(broker: SimBroker, account: str = ACCOUNT) -> list[tuple[int, str, str, int, str, int]]:
    subs = broker._state.subscriptions.values()
    return sorted(
        (s.order_id, s.sub_code, s.code, s.volume, s.state, s.allotted)
        for s in subs
        if s.account_id == account
    )


def cash_li(broker: SimBroker, account: str = ACCOUNT) -> int:
    """The account's cash: available plus frozen."""
    asset = broker.asset(account)
    return li(asset.cash) + li(asset.frozen_cash)


def books(broker: SimBroker, account: str = ACCOUNT) -> tuple[Any, ...]:
    """Everything a subscription may change, but the orders."""
    asset = broker.asset(account)
    return (
        (asset.cash, asset.frozen_cash, asset.market_value, asset.total_asset, asset.fetch_balance),
        [
            (p.stock_code, p.volume, p.can_use_volume, p.frozen_volume, p.avg_price, p.open_price)
            for p in broker.positions(account)
        ],
        [(t.traded_id, t.traded_volume) for t in broker.trades(account)],
        subscriptions(broker, account),
    )


def stored_subscriptions(db: Any) -> list[ipo.Subscription]:
    store = BrokerStore(db)
    try:
        return store.subscriptions()
    finally:
        store.close()


# --- 1. acceptance -----------------------------------------------------------------------------------------


def test_a_subscription_is_done_at_once_and_nothing_is_prepaid(world, issues):
    issue = issues[SZ_ISSUE]
    broker = ready(world, issue, held=10_000)
    before = books(broker)
    order = subscribe(broker, issue, 10_000)
    assert order.order_status == xc.ORDER_SUCCEEDED
    assert order.traded_volume == order.order_volume == 10_000
    assert order.traded_price == issue.price
    assert issue.announce.strftime("%Y%m%d") in order.status_msg and "申购" in order.status_msg
    assert (order.stock_code, order.order_type, order.price_type, order.price) == (
        SZ_ISSUE,
        xc.STOCK_BUY,
        xc.FIX_PRICE,
        issue.price,
    )
    assert order.instrument_name == issue.name and order.order_sysid
    after = books(broker)
    assert after[:3] == before[:3]  # cash, frozen cash, positions and trades: unchanged
    ((_, sub_code, code, volume, state, allotted),) = after[3]
    assert (sub_code, code, volume, state, allotted) == (SZ_ISSUE, issue.code, 10_000, ipo.PENDING, 0)
    assert [o.order_id for o in broker.orders(ACCOUNT, cancelable_only=True)] == []


def test_a_subscription_order_cannot_be_cancelled(world, issues):
    issue = issues[SZ_ISSUE]
    broker = ready(world, issue, held=10_000)
    order = subscribe(broker, issue, 500)
    assert broker.cancel_order(ACCOUNT, order.order_id)[0] == 0  # the request is taken...
    assert broker.order(ACCOUNT, order.order_id).order_status == xc.ORDER_SUCCEEDED  # ...and refused
    assert subscriptions(broker)[0][4] == ipo.PENDING


# --- 2. refusals -------------------------------------------------------------------------------------------


def assert_refused(broker: SimBroker, before: tuple[Any, ...], order: Any, *words: str) -> None:
    assert order.order_status == xc.ORDER_JUNK, order.status_msg
    assert order.traded_volume == 0
    for word in words:
        assert word in order.status_msg
    assert books(broker) == before


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [
        ((9, 29, 59), False),
        ((9, 30, 0), True),
        ((11, 29, 59), True),
        ((11, 30, 0), False),
        ((12, 59, 59), False),
        ((13, 0, 0), True),
        ((14, 59, 59), True),
        ((15, 0, 0), False),
    ],
)
def test_subscriptions_are_taken_in_continuous_trading_only(world, issues, moment, accepted):
    issue = issues[SZ_ISSUE]
    broker = ready(world, issue, held=10_000)
    world.set(issue.day, *moment)
    before = books(broker)
    order = subscribe(broker, issue, 500)
    if accepted:
        assert order.order_status == xc.ORDER_SUCCEEDED
        assert len(subscriptions(broker)) == 1
    else:
        assert_refused(broker, before, order, "申购时间")


def test_a_sell_of_the_subscription_code_is_refused(world, issues):
    issue = issues[SZ_ISSUE]
    broker = ready(world, issue, held=10_000)
    before = books(broker)
    assert_refused(broker, before, subscribe(broker, issue, 500, order_type=xc.STOCK_SELL), "买入")


@pytest.mark.parametrize(
    ("price", "price_type", "accepted"),
    [
        (10.40, xc.FIX_PRICE, False),  # one tick under
        (10.42, xc.FIX_PRICE, False),  # one tick over
        (10.41, xc.LATEST_PRICE, False),
        (10.41, xc.FIX_PRICE, True),
    ],
)
def test_the_price_is_the_issue_price_with_fix_price(world, issues, price, price_type, accepted):
    issue = issues[SZ_ISSUE]
    assert issue.price == 10.41
    broker = ready(world, issue, held=10_000)
    before = books(broker)
    order = subscribe(broker, issue, 500, price=price, price_type=price_type)
    if accepted:
        assert order.order_status == xc.ORDER_SUCCEEDED
    else:
        assert_refused(broker, before, order, "发行价")


# (issue, volume, accepted): the quota is ample (50,000 shares), so the issue's own limits decide.
VOLUMES = [
    (SZ_ISSUE, 0, False),
    (SZ_ISSUE, 250, False),
    (SZ_ISSUE, 500, True),  # the minimum, one unit
    (SZ_ISSUE, 750, False),  # not a whole number of units
    (SZ_ISSUE, 1_000, True),
    (SZ_ISSUE, 22_500, True),  # the maximum
    (SZ_ISSUE, 22_501, False),
    (SZ_ISSUE, 23_000, False),  # the maximum and a unit
    (SH_ISSUE, 500, False),  # half a unit of 1,000, under the minimum
    (SH_ISSUE, 1_500, False),
    (SH_ISSUE, 1_000, True),
    (SH_ISSUE, "high", True),
    (SH_ISSUE, "high+unit", False),
    (KCB_ISSUE, 250, False),
    (KCB_ISSUE, 750, False),
    (KCB_ISSUE, 500, True),
    (KCB_ISSUE, "high", True),
    (KCB_ISSUE, "high+unit", False),
    (BJ_ISSUE, 150, False),  # not a whole number of units of 100
    (BJ_ISSUE, 100, True),  # one unit: the minimum
    (BJ_ISSUE, 500, True),
    (BJ_ISSUE, 600, True),
    (BJ_ISSUE, "high", True),
    (BJ_ISSUE, "high+unit", False),
]


@pytest.mark.parametrize(("sub_code", "volume", "accepted"), VOLUMES)
def test_the_volume_is_whole_units_within_the_issues_limits(world, issues, sub_code, volume, accepted):
    issue = issues[sub_code]
    if volume == "high":
        volume = issue.high
    elif volume == "high+unit":
        volume = issue.high + issue.unit
    broker = ready(world, issue, held=50_000)
    board = BOARDS[sub_code]
    assert (
        new_purchase_limit(broker.positions(ACCOUNT)).get(board, 50_000) == 50_000 > issue.high + issue.unit
    )
    before = books(broker)
    order = subscribe(broker, issue, volume)
    if accepted:
        assert order.order_status == xc.ORDER_SUCCEEDED, order.status_msg
        assert subscriptions(broker)[0][3] == volume
    else:
        assert_refused(broker, before, order, "申购数量")


@pytest.mark.parametrize(
    ("sub_code", "held", "board", "quota"),
    [
        (SZ_ISSUE, 10_000, "SZ", 10_000),
        (SH_ISSUE, 2_000, "SH", 2_000),
        (KCB_ISSUE, 1_500, "KCB", 1_500),
    ],
)
def test_the_volume_is_at_most_the_quota(world, issues, sub_code, held, board, quota):
    issue = issues[sub_code]
    assert quota + issue.unit <= issue.high  # the quota decides, not the issue's maximum
    broker = ready(world, issue, held=held)
    assert new_purchase_limit(broker.positions(ACCOUNT))[board] == quota
    before = books(broker)
    assert_refused(broker, before, subscribe(broker, issue, quota + issue.unit), "额度")
    order = subscribe(broker, issue, quota)  # the refusal recorded nothing: this is the first subscription
    assert order.order_status == xc.ORDER_SUCCEEDED, order.status_msg


def test_the_quota_checked_is_the_one_at_current_prices(world, issues):
    """The check values the positions at the current prices, as ``query_new_purchase_limit`` does."""
    issue = issues[SZ_ISSUE]
    broker = ready(world, issue, held=10_000)  # bought at 10.00: quota 10,000
    world.market.quote(SZ_STOCK, 9.99, asks=[(10.00, 5000)], bids=[(9.99, 5000)])  # 99,900 CNY: quota 9,500
    order = subscribe(broker, issue, 10_000)  # no query of the positions in between
    assert order.order_status == xc.ORDER_JUNK and "额度9500股" in order.status_msg
    assert new_purchase_limit(broker.positions(ACCOUNT))["SZ"] == 9_500
    assert subscribe(broker, issue, 9_500).order_status == xc.ORDER_SUCCEEDED


@pytest.mark.parametrize(
    ("sub_code", "held_code", "held"),
    [
        (SZ_ISSUE, None, 0),  # no shares, no quota
        (SZ_ISSUE, SZ_STOCK, 900),  # 9,000 CNY: under the 10,000 CNY threshold
        (SZ_ISSUE, SH_STOCK, 50_000),  # Shanghai shares give no Shenzhen quota
        (SH_ISSUE, SZ_STOCK, 50_000),  # and the other way round
        (KCB_ISSUE, SZ_STOCK, 50_000),
    ],
)
def test_without_a_quota_for_the_board_nothing_is_taken(world, issues, sub_code, held_code, held):
    issue = issues[sub_code]
    broker = ready(world, issue, held=0)
    if held_code is not None:
        hold(broker, held_code, held)
    before = books(broker)
    assert_refused(broker, before, subscribe(broker, issue, issue.unit), "额度")


def test_one_subscription_per_issue_and_account(world, issues):
    issue = issues[SZ_ISSUE]
    broker = ready(world, issue, held=10_000, accounts=(ACCOUNT, OTHER))
    assert subscribe(broker, issue, 500).order_status == xc.ORDER_SUCCEEDED
    before = books(broker)
    assert_refused(broker, before, subscribe(broker, issue, 500), "重复申购")
    assert_refused(broker, before, subscribe(broker, issue, 1_000), "重复申购")
    world.set(issue.day, 14, 59, 59)
    assert_refused(broker, before, subscribe(broker, issue, 500), "重复申购")
    # Another account subscribes on its own.
    assert subscribe(broker, issue, 500, account=OTHER).order_status == xc.ORDER_SUCCEEDED


def test_two_issues_the_same_day_each_take_one_subscription(world, issues):
    sh, sz = issues[SH_ISSUE], issues[SAME_DAY_SZ_ISSUE]
    broker = ready(world, sh, held=2_000)
    hold(broker, SZ_STOCK, 1_000)
    assert subscribe(broker, sh, 1_000).order_status == xc.ORDER_SUCCEEDED
    assert subscribe(broker, sz, 1_000).order_status == xc.ORDER_SUCCEEDED  # the quota is not used up
    before = books(broker)
    assert_refused(broker, before, subscribe(broker, sh, 1_000), "重复申购")
    assert [s[1] for s in subscriptions(broker)] == [SH_ISSUE, SAME_DAY_SZ_ISSUE]


@pytest.mark.parametrize("days", [-1, 1])
def test_the_subscription_code_is_unknown_on_another_day(world, issues, days):
    issue = issues[SH_ISSUE]  # its subscription code is not a listed code
    broker = ready(world, issue, held=2_000)
    cal = calendar_for(issue.day)
    day = cal.prev_day(issue.day) if days < 0 else cal.next_day(issue.day)
    world.set(day, 10)
    before = books(broker)
    order = subscribe(broker, issue, 1_000)
    assert_refused(broker, before, order)
    assert "申购已受理" not in order.status_msg


# --- 3. the lottery and the payment -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sub_code", "held", "volume"),
    [(SZ_ISSUE, 10_000, 10_000), (SH_ISSUE, 2_000, 2_000), (KCB_ISSUE, 1_500, 1_500)],
)
def test_a_winning_subscription_is_paid_on_the_payment_day(world, issues, sub_code, held, volume):
    issue = issues[sub_code]
    broker = ready(world, issue, held=held, win_rate=1.0)
    assert subscribe(broker, issue, volume).order_status == xc.ORDER_SUCCEEDED
    cash = cash_li(broker)
    held_positions = books(broker)[1]
    # Not before the counter's day rolls into the payment day.
    world.set(issue.payment - dt.timedelta(days=1), 23, 59, 59)
    assert cash_li(broker) == cash
    assert broker.position(ACCOUNT, issue.code) is None
    assert [p[:2] for p in books(broker)[1]] == [p[:2] for p in held_positions]
    assert subscriptions(broker)[0][4:] == (ipo.PENDING, 0)
    # At midnight: the shares are paid at the issue price, nothing more.
    world.set(issue.payment, 0, 0, 0)
    assert cash_li(broker) == cash - volume * issue.price_li
    assert broker.asset(ACCOUNT).frozen_cash == 0
    position = broker.position(ACCOUNT, issue.code)
    assert position is not None and position.volume == volume
    assert (position.avg_price, position.open_price) == (issue.price, issue.price)
    assert position.can_use_volume == 0
    assert position.instrument_name == issue.name
    if issue.code != issue.sub_code:
        assert broker.position(ACCOUNT, issue.sub_code) is None
    assert subscriptions(broker)[0][4:] == (ipo.ALLOTTED, volume)
    assert broker.trades(ACCOUNT) == []
    # Later days change nothing more.
    world.set(issue.payment + dt.timedelta(days=1), 10)
    assert cash_li(broker) == cash - volume * issue.price_li
    assert broker.position(ACCOUNT, issue.code).volume == volume


def test_the_allotted_shares_cannot_be_sold_before_they_list(world, issues):
    issue = issues[SZ_ISSUE]
    broker = ready(world, issue, held=10_000, win_rate=1.0)
    subscribe(broker, issue, 1_000)
    for day in (issue.payment, calendar_for(issue.listed).prev_day(issue.listed)):
        world.set(day, 10)
        before = books(broker)
        order_id = broker.place_order(ACCOUNT, issue.code, xc.STOCK_SELL, 500, xc.FIX_PRICE, issue.price)
        assert broker.order(ACCOUNT, order_id).order_status == xc.ORDER_JUNK
        assert books(broker) == before
        assert broker.position(ACCOUNT, issue.code).volume == 1_000


def test_a_losing_subscription_costs_nothing(world, issues):
    issue = issues[SZ_ISSUE]
    broker = ready(world, issue, held=10_000, win_rate=0.0)
    subscribe(broker, issue, 10_000)
    cash = cash_li(broker)
    world.set(issue.payment, 0)
    assert cash_li(broker) == cash
    assert broker.position(ACCOUNT, issue.code) is None
    assert subscriptions(broker)[0][4:] == (ipo.NOT_ALLOTTED, 0)


def test_the_lottery_draws_the_same_for_the_same_subscription(world, issues, tmp_path):
    issue = issues[SZ_ISSUE]
    results = []
    for n, rate in enumerate([None, None, 0.5, 0.5]):
        broker = ready(world, issue, held=50_000, win_rate=rate, db=tmp_path / f"fresh{n}.sqlite3")
        if n % 2:  # the same subscription under another order id: a refused order took one first
            world.set(issue.day, 10, 30)
            assert subscribe(broker, issue, 750).order_status == xc.ORDER_JUNK
        subscribe(broker, issue, issue.high)
        (sub,) = broker._state.subscriptions.values()
        assert sub.win_rate == (issue.lwr / 100 if rate is None else rate)
        cash = cash_li(broker)
        world.set(issue.payment, 9)
        paid = cash - cash_li(broker)  # a call: the counter's day rolls
        ((*_, state, allotted),) = subscriptions(broker)
        assert allotted % issue.unit == 0 and 0 <= allotted <= issue.high
        assert paid == allotted * issue.price_li
        assert state == (ipo.ALLOTTED if allotted else ipo.NOT_ALLOTTED)
        results.append(allotted)
        broker.close()
    own, again, half, half_again = results
    assert own == again and half == half_again
    assert 0 < half < issue.high  # the draw is per unit: some units win, some do not


def draws(rate: float, accounts: int = 60, units: int = 45) -> list[int]:
    return [
        ipo.draw(
            ipo.Subscription(
                n, f"SIM{n:06d}", SZ_ISSUE, SZ_ISSUE, "", units * 500, 10_410,
                dt.date(2025, 11, 20), dt.date(2025, 11, 24), dt.date(2025, 11, 24), dt.date(2025, 12, 2), rate, 500,
            )
        )
        for n in range(accounts)
    ]  # fmt: skip


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_each_unit_wins_with_the_rate(rate):
    won = draws(rate)
    assert all(w % 500 == 0 and 0 <= w <= 45 * 500 for w in won)
    share = sum(won) / (len(won) * 45 * 500)
    assert abs(share - rate) < 0.05  # 2,700 units: ~5 standard deviations
    assert len(set(won)) > 1  # the accounts draw differently
    assert draws(rate) == won


def test_the_rates_zero_and_one():
    assert set(draws(0.0)) == {0}
    assert set(draws(1.0)) == {45 * 500}


# --- pushes to a subscribed trader ----------------------------------------------------------------------------


class Recorder(XtQuantTraderCallback):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    def _add(self, name: str, obj: Any) -> None:
        with self._lock:
            self.events.append((name, obj))

    def of(self, name: str) -> list[Any]:
        with self._lock:
            return [obj for n, obj in self.events if n == name]

    def on_stock_order(self, order: Any) -> None:
        self._add("order", order)

    def on_order_error(self, error: Any) -> None:
        self._add("order_error", error)

    def on_stock_position(self, position: Any) -> None:
        self._add("position", position)

    def on_stock_asset(self, asset: Any) -> None:
        self._add("asset", asset)


def test_a_subscribed_trader_sees_the_subscription_and_the_payment(world, issues, tmp_path):
    issue = issues[SZ_ISSUE]
    broker = ready(world, issue, held=10_000, win_rate=1.0)
    callback = Recorder()
    trader = XtQuantTrader(str(tmp_path), SESSION, callback, broker=broker)
    trader.start()
    try:
        assert trader.connect() == 0
        account = StockAccount(ACCOUNT)
        assert trader.subscribe(account) == 0
        refused = trader.order_stock(account, issue.sub_code, xc.STOCK_BUY, 750, xc.FIX_PRICE, issue.price)
        wait_for(lambda: any(e.order_id == refused for e in callback.of("order_error")))
        order_id = trader.order_stock(account, issue.sub_code, xc.STOCK_BUY, 2_000, xc.FIX_PRICE, issue.price)
        wait_for(lambda: any(o.order_id == order_id for o in callback.of("order")))
        (order,) = [o for o in callback.of("order") if o.order_id == order_id]
        assert (order.order_status, order.traded_volume) == (xc.ORDER_SUCCEEDED, 2_000)
        cash = trader.query_stock_asset(account).cash
        assert [p.stock_code for p in trader.query_stock_positions(account)] == [SZ_STOCK]
        pushed = len(callback.events)
        world.set(issue.payment, 9, 15)
        broker.match_now()  # the matching thread's pass: the counter's day rolls
        wait_for(lambda: callback.of("position") and callback.of("asset"))
        (position,) = [p for p in callback.of("position") if p.stock_code == issue.code]
        assert (position.volume, position.open_price) == (2_000, issue.price)
        asset = callback.of("asset")[-1]
        assert li(asset.cash) == li(cash) - 2_000 * issue.price_li
        assert len(callback.events) > pushed
        positions = {p.stock_code: p.volume for p in trader.query_stock_positions(account)}
        assert positions == {SZ_STOCK: 10_000, issue.code: 2_000}
    finally:
        trader.stop()


# --- 4. forfeit (弃购) ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("short", "paid"), [(0, True), (ONE_FEN, False)])
def test_without_the_cash_on_the_payment_day_the_allotment_is_forfeited(world, issues, short, paid):
    issue = issues[SZ_ISSUE]
    broker = ready(world, issue, held=10_000, win_rate=1.0)
    subscribe(broker, issue, 10_000)
    amount = 10_000 * issue.price_li
    # The next day, move all but the price of the allotment (less one fen) to the ordinary counter.
    world.set(calendar_for(issue.day).next_day(issue.day), 10)
    away = cash_li(broker) - (amount - short)
    ok, msg = broker.fund_transfer(ACCOUNT, xc.FUNDS_TRANSFER_SPEED_TO_NORMAL, away / 1000)
    assert ok, msg
    assert cash_li(broker) == amount - short
    world.set(issue.payment, 0)
    if paid:
        assert cash_li(broker) == 0
        assert broker.position(ACCOUNT, issue.code).volume == 10_000
        assert subscriptions(broker)[0][4:] == (ipo.ALLOTTED, 10_000)
    else:
        assert cash_li(broker) == amount - short
        assert broker.position(ACCOUNT, issue.code) is None
        assert subscriptions(broker)[0][4] == ipo.FORFEITED
    # Cash coming back later does not revive a forfeited allotment.
    assert broker.fund_transfer(ACCOUNT, xc.FUNDS_TRANSFER_NORMAL_TO_SPEED, away / 1000)[0]
    world.set(issue.payment + dt.timedelta(days=1), 10)
    assert (broker.position(ACCOUNT, issue.code) is not None) == paid


def test_cash_frozen_by_an_open_order_is_not_available_for_the_payment(world, issues):
    issue = issues[SZ_ISSUE]
    broker = ready(world, issue, held=10_000, win_rate=1.0)
    subscribe(broker, issue, 10_000)
    amount = 10_000 * issue.price_li
    # The evening before the payment day, a buy for the payment day freezes all but part of the amount.
    world.set(issue.payment - dt.timedelta(days=1), 20)
    spare = cash_li(broker) - amount
    volume = (spare // 9_000 // 100 + 1) * 100  # at 9.00 CNY: freezes more than the spare cash
    order_id = broker.place_order(ACCOUNT, SZ_STOCK, xc.STOCK_BUY, volume, xc.FIX_PRICE, 9.00)
    assert broker.order(ACCOUNT, order_id).order_status == xc.ORDER_REPORTED
    balance = cash_li(broker)
    assert balance >= amount > li(broker.asset(ACCOUNT).cash)
    world.set(issue.payment, 0)
    assert broker.position(ACCOUNT, issue.code) is None
    assert subscriptions(broker)[0][4] == ipo.FORFEITED
    assert cash_li(broker) == balance


# --- 5. persistence -----------------------------------------------------------------------------------------


def test_a_subscription_survives_a_restart_and_is_paid_once(world, issues):
    issue = issues[SZ_ISSUE]
    first = ready(world, issue, held=10_000, win_rate=1.0)
    order = subscribe(first, issue, 3_000)
    cash = cash_li(first)
    first.close()
    second = world.open()  # its engine has no win rate of its own: the subscription keeps 1.0
    assert second._engine.ipo_win_rate is None
    assert subscriptions(second) == [(order.order_id, SZ_ISSUE, issue.code, 3_000, ipo.PENDING, 0)]
    before = books(second)
    assert_refused(second, before, subscribe(second, issue, 500), "重复申购")  # still subscribed today
    world.set(issue.payment, 0, 0, 1)
    assert cash_li(second) == cash - 3_000 * issue.price_li
    assert second.position(ACCOUNT, issue.code).volume == 3_000
    after = books(second)
    second.close()
    third = world.open()
    assert books(third) == after
    world.set(issue.payment + dt.timedelta(days=1), 10)
    assert cash_li(third) == cash - 3_000 * issue.price_li
    assert third.position(ACCOUNT, issue.code).volume == 3_000
    third.close()
    (stored,) = stored_subscriptions(world.db)
    assert (stored.order_id, stored.state, stored.allotted, stored.payment_day) == (
        order.order_id,
        ipo.ALLOTTED,
        3_000,
        issue.payment,
    )


def test_a_broker_opened_after_the_payment_day_pays_at_once_and_once(world, issues):
    issue = issues[SZ_ISSUE]
    first = ready(world, issue, held=10_000, win_rate=1.0)
    subscribe(first, issue, 3_000)
    cash = cash_li(first)
    first.close()
    world.set(issue.payment + dt.timedelta(days=3), 10)  # closed over the payment day
    second = world.open()
    assert subscriptions(second)[0][4:] == (ipo.ALLOTTED, 3_000)
    assert cash_li(second) == cash - 3_000 * issue.price_li
    after = books(second)
    second.close()
    third = world.open()
    assert books(third) == after
    assert cash_li(third) == cash - 3_000 * issue.price_li


def test_reset_account_clears_its_subscriptions(world, issues):
    issue = issues[SZ_ISSUE]
    broker = ready(world, issue, held=10_000, accounts=(ACCOUNT, OTHER), win_rate=1.0)
    subscribe(broker, issue, 1_000)
    subscribe(broker, issue, 1_000, account=OTHER)
    other_cash = cash_li(broker, OTHER)
    assert broker.reset_account(ACCOUNT, 200_000.0) == 200_000.0
    assert subscriptions(broker) == []
    assert [s.account_id for s in stored_subscriptions(world.db)] == [OTHER]
    broker.close()
    reopened = world.open()
    assert subscriptions(reopened) == [] and len(subscriptions(reopened, OTHER)) == 1
    world.set(issue.payment, 0)
    assert cash_li(reopened) == li(200_000.0)
    assert reopened.positions(ACCOUNT) == []
    # The other account's subscription is paid as before.
    assert cash_li(reopened, OTHER) == other_cash - 1_000 * issue.price_li
    assert reopened.position(OTHER, issue.code).volume == 1_000


# --- through the simulator's backend -----------------------------------------------------------------------


def test_subscription_on_the_simulated_backend(tmp_path):
    from qmt_bridge.backends.sim import SimBackend

    thursday = dt.date(2025, 11, 20)
    clock = ManualClock(at(thursday, 10))
    backend = SimBackend(seed=SEED, clock=clock, data_dir=tmp_path)
    trader = backend.new_trader(str(tmp_path), 1)
    trader.start()
    try:
        assert trader.connect() == 0
        acc = StockAccount(ACCOUNT)
        assert trader.subscribe(acc) == 0
        rows = {
            r["onlineSubCode"] + "." + r["market"]: r
            for r in backend.xtdata.get_ipo_info("20251120", "20251231")
        }
        row = rows[SZ_ISSUE]
        ipo_data = trader.query_ipo_data()
        assert ipo_data[SZ_ISSUE] == {
            "name": row["codeName"],
            "type": "STOCK",
            "maxPurchaseNum": row["onlineSubMaxQty"],
            "minPurchaseNum": row["onlineSubMinQty"],
            "purchaseDate": "20251120",
            "issuePrice": row["publishPrice"],
        }
        price = ipo_data[SZ_ISSUE]["issuePrice"]
        assert trader.query_new_purchase_limit(acc) == {"KCB": 0, "SH": 0, "SZ": 0}
        refused = trader.order_stock(acc, SZ_ISSUE, xc.STOCK_BUY, 500, xc.FIX_PRICE, price)
        assert trader.query_stock_order(acc, refused).order_status == xc.ORDER_JUNK  # no quota yet
        ask = backend.xtdata.get_full_tick([SZ_STOCK])[SZ_STOCK]["askPrice"][0]
        trader.order_stock(acc, SZ_STOCK, xc.STOCK_BUY, 10_000, xc.FIX_PRICE, ask)
        wait_for(lambda: any(p.volume == 10_000 for p in trader.query_stock_positions(acc)))
        quota = trader.query_new_purchase_limit(acc)["SZ"]
        assert quota > 0 and quota % 500 == 0
        backend.broker._engine.ipo_win_rate = 1.0
        over = trader.order_stock(acc, SZ_ISSUE, xc.STOCK_BUY, quota + 500, xc.FIX_PRICE, price)
        assert trader.query_stock_order(acc, over).order_status == xc.ORDER_JUNK
        cash = trader.query_stock_asset(acc).cash
        order_id = trader.order_stock(acc, SZ_ISSUE, xc.STOCK_BUY, quota, xc.FIX_PRICE, price)
        order = trader.query_stock_order(acc, order_id)
        assert (order.order_status, order.traded_volume) == (xc.ORDER_SUCCEEDED, quota)
        assert row["declareDate"] in order.status_msg
        assert trader.query_stock_asset(acc).cash == cash
        payment, listed = ymd(row["paymentDate"]), ymd(row["listedDate"])
        clock.set(at(payment - dt.timedelta(days=1), 23, 59, 59))
        assert trader.query_stock_asset(acc).cash == cash
        clock.set(at(payment, 0))
        assert li(trader.query_stock_asset(acc).cash) == li(cash) - quota * li(price)
        position = trader.query_stock_position(acc, row["securityCode"])
        assert (position.volume, position.avg_price) == (quota, price)
        # Not sellable before it lists (can_use_volume 0 through the day before); on the listing day it is.
        clock.set(at(calendar_for(listed).prev_day(listed), 10))
        assert trader.query_stock_position(acc, row["securityCode"]).can_use_volume == 0
        sell = trader.order_stock(acc, row["securityCode"], xc.STOCK_SELL, 500, xc.FIX_PRICE, price)
        assert trader.query_stock_order(acc, sell).order_status == xc.ORDER_JUNK
        clock.set(at(listed, 10))
        assert trader.query_stock_position(acc, row["securityCode"]).can_use_volume == quota
        sell = trader.order_stock(acc, row["securityCode"], xc.STOCK_SELL, 500, xc.FIX_PRICE, price)
        assert trader.query_stock_order(acc, sell).order_status != xc.ORDER_JUNK
    finally:
        trader.stop()
        backend.stop()


# --- the Beijing exchange: no quota, paid in full when made (全额预缴) -----------------------------------------


def test_a_bse_subscription_needs_no_quota_and_freezes_its_whole_amount(world, issues):
    issue = issues[BJ_ISSUE]
    broker = ready(world, issue, held=0)  # no shares at all: no quota anywhere
    assert new_purchase_limit(broker.positions(ACCOUNT)) == {"KCB": 0, "SH": 0, "SZ": 0}
    cash = cash_li(broker)
    order = subscribe(broker, issue, issue.high)
    assert order.order_status == xc.ORDER_SUCCEEDED, order.status_msg
    amount = issue.high * issue.price_li
    assert "已冻结申购资金" in order.status_msg and f"{amount / 1000:.2f}" in order.status_msg
    asset = broker.asset(ACCOUNT)
    assert li(asset.frozen_cash) == amount and li(asset.cash) == cash - amount and cash_li(broker) == cash


@pytest.mark.parametrize(("short", "accepted"), [(0, True), (1, False)])
def test_a_bse_subscription_needs_its_whole_amount_available(world, issues, short, accepted):
    """At the li: exactly the amount available is enough; one li less is refused, nothing frozen."""
    issue = issues[BJ_ISSUE]
    broker = ready(world, issue, held=0)
    volume = issue.unit * 10
    # Spend all but the amount (minus ``short`` li) on shares: the buy freezes what is left over.
    spare = li(broker.asset(ACCOUNT).cash) - (volume * issue.price_li - short)
    broker._state.accounts[ACCOUNT].frozen += spare
    before = books(broker)
    order = subscribe(broker, issue, volume)
    if accepted:
        assert order.order_status == xc.ORDER_SUCCEEDED, order.status_msg
        assert li(broker.asset(ACCOUNT).cash) == 0
    else:
        assert_refused(broker, before, order, "资金不足", "全额预缴")


@pytest.mark.parametrize(("rate", "won"), [(1.0, "all"), (0.0, "none")])
def test_a_bse_subscription_is_settled_on_the_announcement_day(world, issues, rate, won):
    """Drawn when the counter's day rolls into the announcement day: the allotted shares are paid from the
    frozen amount and the rest is released (nothing to forfeit: the money was there)."""
    issue = issues[BJ_ISSUE]
    broker = ready(world, issue, held=0, win_rate=rate)
    volume = issue.unit * 10
    cash = cash_li(broker)
    assert subscribe(broker, issue, volume).order_status == xc.ORDER_SUCCEEDED
    world.set(issue.announce - dt.timedelta(days=1), 23, 59, 59)
    assert li(broker.asset(ACCOUNT).frozen_cash) == volume * issue.price_li
    assert subscriptions(broker)[0][4:] == (ipo.PENDING, 0)
    world.set(issue.announce, 0, 0, 0)
    allotted = volume if won == "all" else 0
    assert broker.asset(ACCOUNT).frozen_cash == 0
    assert cash_li(broker) == cash - allotted * issue.price_li
    assert subscriptions(broker)[0][4:] == ((ipo.ALLOTTED, volume) if allotted else (ipo.NOT_ALLOTTED, 0))
    position = broker.position(ACCOUNT, issue.code)
    assert (position.volume if position else 0) == allotted
