"""Properties of matching and the ledger under random sequences of orders, cancels, quotes, snapshots and
days (hypothesis): cash and positions never go negative, cash moves by exactly the traded amounts and the
fees (so cash plus holdings is conserved up to fees), fills add up to their orders, nothing stays frozen
without an open order."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import FeeSchedule, SimBroker
from qmt_bridge.sim.broker.manual import ManualClock, ManualMarket
from qmt_bridge.sim.clock import CST

ACCOUNT = "SIM000001"
SCHEDULE = FeeSchedule()
START = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
NEXT_DAYS = [dt.datetime(2025, 11, d, 10, 0, tzinfo=CST) for d in (21, 24, 25, 26, 27, 28)]
#: code -> (pre_close, price tick in li); at 0.03 the minimum commission outweighs the proceeds of a lot
CODES = {"600000.SH": (10.0, 10), "600999.SH": (0.05, 10), "688001.SH": (20.0, 10)}
#: what the account holds from the day before the operations start (so that it can sell at once)
HOLDINGS = {"600000.SH": 1000, "600999.SH": 3000, "688001.SH": 250}
PRICE_TYPES = [
    xc.FIX_PRICE,
    xc.FIX_PRICE,
    xc.LATEST_PRICE,
    xc.MARKET_PEER_PRICE_FIRST,
    xc.MARKET_MINE_PRICE_FIRST,
    xc.MARKET_SH_CONVERT_5_CANCEL,
    xc.MARKET_SH_CONVERT_5_LIMIT,
]

codes = st.sampled_from(["600000.SH", "600999.SH", "600999.SH", "688001.SH"])
offsets = st.integers(-4, 4)  # ticks from the pre-close
orders = st.tuples(
    st.just("order"),
    codes,
    st.sampled_from([xc.STOCK_BUY, xc.STOCK_SELL]),
    st.sampled_from([1, 50, 99, 100, 150, 200, 201, 250, 300, 500, 1000, 3000]),
    st.sampled_from(PRICE_TYPES),
    offsets,
)
quotes = st.tuples(
    st.just("quote"),
    codes,
    offsets,
    st.lists(st.integers(0, 12), min_size=0, max_size=5),
    st.lists(st.integers(0, 12), min_size=0, max_size=5),
)
operations = st.one_of(
    orders,
    orders,
    quotes,
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("snapshot"), st.integers(1, 3)),
    st.tuples(st.just("day")),
)


def price_of(code: str, offset: int) -> float:
    pre_close, tick = CODES[code]
    return max(0.01, round(pre_close + offset * tick / 1000, 2))


class Ledger:
    """Everything pushed to a subscriber: the fills of all days, the last state of every order."""

    def __init__(self) -> None:
        self.trades: list = []
        self.orders: dict[int, object] = {}

    def push(self, name, arg):
        if name == "on_stock_trade":
            self.trades.append(arg)
        elif name == "on_stock_order":
            self.orders[arg.order_id] = arg

    def disconnected(self):
        pass


def li(yuan: float) -> int:
    return round(yuan * 1000)


def check(broker: SimBroker, ledger: Ledger, starting: float) -> None:
    asset = broker.asset(ACCOUNT)
    assert asset.cash >= 0 and asset.frozen_cash >= 0
    balance = li(asset.cash) + li(asset.frozen_cash)
    # cash moves by exactly the traded amounts and the fees: cash + holdings at cost is conserved up to fees
    signed = sum((-1 if t.order_type == xc.STOCK_BUY else 1) * li(t.traded_amount) for t in ledger.trades)
    fees = sum(li(t.commission) for t in ledger.trades)
    assert balance == li(starting) + signed - fees
    for t in ledger.trades:
        assert li(t.traded_amount) == li(t.traded_price) * t.traded_volume
    held = defaultdict(int)
    for t in ledger.trades:
        held[t.stock_code] += t.traded_volume if t.order_type == xc.STOCK_BUY else -t.traded_volume
    positions = {p.stock_code: p for p in broker.positions(ACCOUNT)}
    for code, volume in held.items():
        assert volume >= 0
        assert (positions[code].volume if code in positions else 0) == volume
    for p in positions.values():
        assert p.volume >= 0 and p.can_use_volume >= 0 and 0 <= p.frozen_volume <= p.volume
    filled = defaultdict(int)
    amounts = defaultdict(int)
    charged = defaultdict(int)
    for t in ledger.trades:
        filled[t.order_id] += t.traded_volume
        amounts[t.order_id] += li(t.traded_amount)
        charged[t.order_id] += li(t.commission)
    for order_id, amount in amounts.items():  # fees of an order: those of its whole traded amount
        order = ledger.orders[order_id]
        expected = SCHEDULE.for_amount(amount, is_stock=True, is_sell=order.order_type == xc.STOCK_SELL)
        assert charged[order_id] == expected.total
    for order in ledger.orders.values():
        assert filled[order.order_id] == order.traded_volume <= order.order_volume
        assert (order.order_status == xc.ORDER_SUCCEEDED) == (order.traded_volume == order.order_volume > 0)
    if not broker.orders(ACCOUNT, cancelable_only=True):
        assert asset.frozen_cash == 0
        assert all(p.frozen_volume == 0 for p in positions.values())


def setup(starting: float):
    """A broker whose account bought :data:`HOLDINGS` yesterday, with ``starting`` CNY left today."""
    clock = ManualClock(START)
    market = ManualMarket(clock)
    for code, (pre_close, _) in CODES.items():
        if code == "600999.SH":
            market.add(code, code, pre_close=pre_close, up=0.10, down=0.01)
        else:
            market.add(code, code, pre_close=pre_close)
        market.quote(code, pre_close, asks=[(pre_close, 100)], bids=[(pre_close, 100)])
    cost = (
        sum(
            li(CODES[code][0]) * volume
            + SCHEDULE.for_amount(li(CODES[code][0]) * volume, is_stock=True, is_sell=False).total
            for code, volume in HOLDINGS.items()
        )
        / 1000
    )
    broker = SimBroker(market, clock, starting_cash=starting + cost, background=False)
    ledger = Ledger()
    broker.subscribe(ledger, ACCOUNT)
    for code, volume in HOLDINGS.items():
        order_id = broker.place_order(ACCOUNT, code, xc.STOCK_BUY, volume, xc.FIX_PRICE, CODES[code][0])
        assert broker.order(ACCOUNT, order_id).order_status == xc.ORDER_SUCCEEDED
    assert broker.asset(ACCOUNT).cash == starting
    clock.set(NEXT_DAYS[0])
    for code, (pre_close, _) in CODES.items():
        market.quote(code, pre_close, asks=[(pre_close, 5)], bids=[(pre_close, 5)])
    return clock, market, broker, ledger, starting + cost


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations, max_size=40), st.sampled_from([0.0, 0.0, 3.0, 150.0, 3_000.0]))
# a sell whose proceeds (1 lot at 0.04) do not cover the minimum commission, with no cash to spare
@example(
    ops=[("quote", "600999.SH", 0, [5], [5]), ("order", "600999.SH", xc.STOCK_SELL, 100, xc.FIX_PRICE, -1)],
    cash_left=0.0,
)
def test_ledger_invariants_under_random_trading(ops, cash_left):
    clock, market, broker, ledger, starting = setup(cash_left)
    placed: list[int] = []
    days = iter(NEXT_DAYS[1:])
    try:
        check(broker, ledger, starting)
        for op in ops:
            kind = op[0]
            if kind == "order":
                _, code, side, volume, price_type, offset = op
                placed.append(
                    broker.place_order(ACCOUNT, code, side, volume, price_type, price_of(code, offset))
                )
            elif kind == "quote":
                _, code, offset, asks, bids = op
                mid = price_of(code, offset)
                tick = CODES[code][1] / 1000
                market.quote(
                    code,
                    mid,
                    asks=[(round(mid + i * tick, 2), lots) for i, lots in enumerate(asks)],
                    bids=[
                        (round(mid - (i + 1) * tick, 2), lots)
                        for i, lots in enumerate(bids)
                        if mid - (i + 1) * tick > 0
                    ],
                )
            elif kind == "cancel" and placed:
                broker.cancel_order(ACCOUNT, placed[op[1] % len(placed)])
            elif kind == "snapshot":
                clock.advance(3 * op[1])
                broker.match_now()
            elif kind == "day":
                moment = next(days, None)
                if moment is not None:
                    clock.set(moment)
                    broker.match_now()
            check(broker, ledger, starting)
        for order in broker.orders(ACCOUNT, cancelable_only=True):
            broker.cancel_order(ACCOUNT, order.order_id)
        check(broker, ledger, starting)
        assert broker.asset(ACCOUNT).frozen_cash == 0
    finally:
        broker.close()
