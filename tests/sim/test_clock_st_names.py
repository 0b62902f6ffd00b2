"""Names of stocks under a risk label carry it, on the day of the clock (qmt_bridge.sim.market.names.st_name,
qmt_bridge.sim.market.sectors.display_name, SimXtData.get_instrument_detail)."""

from __future__ import annotations

import datetime as dt

import pytest

from qmt_bridge.sim.clock import CST, SimClock, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market.market import SimMarket
from qmt_bridge.sim.market.names import st_name
from qmt_bridge.sim.market.sectors import display_name

SEED = 20240101
HAIKE = "001277.SZ"  # 海科电气, an SZ main-board stock under ST from Monday 2024-05-06 (seed 20240101)


@pytest.mark.parametrize(
    ("name", "label", "shown"),
    [
        ("海科电气", "ST", "ST海科"),
        ("天山股份", "*ST", "*ST天山"),
        ("中基健康", "ST", "ST中基"),
        ("红太阳", "ST", "ST红太阳"),  # fits the 8-byte short name with the label: kept whole
        ("乐视网", "*ST", "*ST乐视"),  # does not: cut to the two-character stem
        ("万科A", "ST", "ST万科A"),
        ("张家港银行", "*ST", "*ST张家"),
        ("ST海科", "*ST", "*ST海科"),  # a label already there is replaced, never doubled
        ("海科电气", "PT", "PT海科"),
    ],
)
def test_st_name(name, label, shown):
    assert st_name(name, label) == shown


def test_the_name_follows_the_clock_into_st():
    start = dt.datetime(2024, 4, 30, 15, 30, tzinfo=CST)
    wall = [1_700_000_000.0]
    clock = SimClock("replay", replay_start=start, speed=1.0, wall=lambda: wall[0])
    xt = SimXtData(SimMarket(seed=SEED, clock=clock))
    before = xt.get_instrument_detail(HAIKE, True)
    assert before["InstrumentName"] == "海科电气" and not before["IsST"]
    assert before["UpStopPrice"] == pytest.approx(round(before["PreClose"] * 1.10, 2))
    wall[0] += (dt.datetime(2024, 5, 6, 10, 0, tzinfo=CST) - start).total_seconds()
    after = xt.get_instrument_detail(HAIKE, True)
    assert after["TradingDay"] == "20240506" and after["IsST"]
    assert after["InstrumentName"] == "ST海科"
    assert after["UpStopPrice"] == pytest.approx(round(after["PreClose"] * 1.05, 2))
    # The day's reference prices are cached by (code, day): the new day's PreClose is the last day's close.
    daily = xt.get_market_data_ex(["close"], [HAIKE], "1d", "20240429", "20240430")[HAIKE]
    assert after["PreClose"] == daily["close"].iloc[-1] != before["PreClose"]
    assert xt.get_instrument_detail_list([HAIKE])[HAIKE]["InstrumentName"] == "ST海科"
    assert HAIKE in xt.get_stock_list_in_sector("沪深风险警示")


def test_names_agree_with_the_st_history_and_sectors():
    """On a Saturday the detail (and the default sector lists) describe the last trading day."""
    xt = SimXtData(SimMarket(seed=SEED, clock=fixed_clock(dt.datetime(2025, 6, 7, 10, 0, tzinfo=CST))))
    friday = "20250606"
    risk = xt.get_stock_list_in_sector("沪深风险警示")
    star = set(xt.get_stock_list_in_sector("*ST"))
    assert risk and star and star < set(risk)
    for code in risk:
        detail = xt.get_instrument_detail(code, True)
        assert detail["TradingDay"] == friday and detail["IsST"], code
        history = xt.get_his_st_data(code)
        label = "*ST" if code in star else "ST"
        assert any(a <= friday <= b for a, b in history[label]), code
        name = detail["InstrumentName"]
        assert name.startswith(label) and not name.startswith("ST" if label == "*ST" else "*ST"), code
        assert name == st_name(xt.market.universe.get(code).name, label), code
    plain = [c for c in xt.get_stock_list_in_sector("沪深A股") if c not in set(risk)][::40]
    for code in plain:
        inst = xt.market.universe.get(code)
        assert xt.get_instrument_detail(code)["InstrumentName"] == inst.name
        assert display_name(inst, dt.date(2025, 6, 6)) == inst.name
