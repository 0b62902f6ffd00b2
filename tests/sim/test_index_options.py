"""CFFEX index options in the simulator (``qmt_bridge.sim.market.index_options``): IO, MO and HO since launch.

The ``xtdata`` fixture is the simulator frozen at Thursday 2025-11-20 15:30 CST, seed 7. The rules tested are
CFFEX's contract specifications as the module docstring states them; xtquant's behaviour is the wheel's
``xtdata.get_option_list`` / ``get_option_detail_data`` (250807.1.2).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from qmt_bridge.sim.market import index_options as io
from qmt_bridge.sim.market.index_options import covering_strikes, months_listed, strike_step

TODAY = dt.date(2025, 11, 20)
CODE = re.compile(r"(IO|MO|HO)(\d{2})(\d{2})-([CP])-(\d+)\.IF")


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y%m%d").date()


def test_the_specs_example_lists_io_options_listed_by_that_day(xtdata):
    """The spec's client example ``get_option_list("000300.SH", "20250321")``: the wheel keeps every option
    opened on or before the date, expired ones included (xtdata.py, get_option_list: ``openDate > dedate``)."""
    codes = xtdata.get_option_list("000300.SH", "20250321")
    assert len(codes) > 1000
    universe = xtdata.market.universe
    for code in codes:
        assert CODE.fullmatch(code) and code.startswith("IO"), code
        assert universe.get(code).list_date <= dt.date(2025, 3, 21)
    # expired ones included (isavailavle=False), and the first contracts of 2019-12-23 among them
    assert any(universe.get(c).expire_date < dt.date(2025, 3, 21) for c in codes)
    assert any(c.startswith("IO2001-") for c in codes)
    alive = xtdata.get_option_list("000300.SH", "20250321", isavailavle=True)
    assert alive and set(alive) < set(codes)
    assert all(universe.get(c).expire_date >= dt.date(2025, 3, 21) for c in alive)
    assert xtdata.get_option_list("000300.SH", "20250321", "C") == [c for c in codes if "-C-" in c]


def test_each_product_starts_on_its_launch_day(xtdata):
    for undl, launch in (("000300.SH", "20191223"), ("000852.SH", "20220722"), ("000016.SH", "20221219")):
        day_before = (_date(launch) - dt.timedelta(days=1)).strftime("%Y%m%d")
        assert xtdata.get_option_list(undl, day_before) == [], undl
        first = xtdata.get_option_list(undl, launch)
        assert first and {xtdata.market.universe.get(c).list_date for c in first} == {_date(launch)}
        frame = xtdata.get_his_option_list(undl, launch)
        assert frame is not None and sorted(frame["期权完整代码"]) == sorted(first)
        assert xtdata.get_his_option_list(undl, day_before) is None


def test_months_listed_are_three_near_and_three_quarter_months(xtdata):
    """On any day six months are open: the current month (the one whose third Friday has not passed), the
    next two, and the three quarter months after them."""
    cal = xtdata.market.calendar
    for day in (dt.date(2019, 12, 23), dt.date(2024, 1, 19), dt.date(2024, 1, 22), TODAY):
        frame = xtdata.get_his_option_list("000300.SH", day.strftime("%Y%m%d"))
        months = sorted({int(m) for m in frame["到期月"]})
        current = day.year * 12 + day.month - 1
        if day > io.third_friday_expiry(cal, day.year, day.month):
            current += 1
        expected = [(m // 12) * 100 + m % 12 + 1 for m in months_listed(current)]
        assert months == expected, day
        assert all(int(m) % 100 in (3, 6, 9, 12) for m in expected[3:])
    assert months_listed(2025 * 12 + 10) == [2025 * 12 + m - 1 for m in (11, 12, 13, 15, 18, 21)]


def test_expiry_is_the_third_friday_or_the_next_trading_day(xtdata):
    cal = xtdata.market.calendar
    expiries = {o.expire_date for o in xtdata.market.universe.options_of("000300.SH")}
    assert len(expiries) > 70
    for expiry in expiries:
        first = dt.date(expiry.year, expiry.month, 1)
        third_friday = first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14)
        assert expiry == (cal.first_on_or_after(third_friday) if third_friday <= cal.sessions[-1] else expiry)
    # 2024-02-16 (a Friday of the Spring Festival) moves to the next trading day
    assert io.third_friday_expiry(cal, 2024, 2) == dt.date(2024, 2, 19)


@pytest.mark.parametrize(
    ("strike", "near", "step"),
    [
        (2500, True, 25), (2500.2, True, 50), (5000, True, 50), (5000.2, True, 100),
        (10000, True, 100), (10000.2, True, 200), (2500, False, 50), (5000, False, 100),
        (5000.2, False, 200), (10000.2, False, 400),
    ],
)  # fmt: skip
def test_strike_interval_at_its_boundaries(strike, near, step):
    assert strike_step(strike, near) == step


def test_strikes_cover_the_previous_close_plus_minus_ten_percent(xtdata):
    """Every open month has strikes from below 90% to above 110% of the index's previous close, on its
    interval grid (finer for the three nearest months)."""
    index = xtdata.market.universe.get("000300.SH")
    daily = xtdata.market.prices.daily(index)
    closes = dict(zip(daily["time"], daily["close"], strict=True))
    cal = xtdata.market.calendar
    for day in (dt.date(2020, 3, 23), dt.date(2022, 10, 31), dt.date(2024, 9, 30), TODAY):
        frame = xtdata.get_his_option_list("000300.SH", day.strftime("%Y%m%d"))
        prev = cal.prev_day(day)
        from qmt_bridge.sim.market.bars import day_start_ms

        prev_close = float(closes[day_start_ms(prev)])
        months = sorted(set(frame["到期月"]))
        for rank, month in enumerate(months):
            strikes = sorted(set(frame.loc[frame["到期月"] == month, "行权价"]))
            assert strikes[0] <= prev_close * 0.9 and strikes[-1] >= prev_close * 1.1, (day, month)
            near = rank < 3
            grid = covering_strikes(prev_close, near)
            assert set(grid) <= set(strikes), (day, month)
        # each strike a call and a put
        assert (frame["方向"] == "CALL").sum() == (frame["方向"] == "PUT").sum()


def test_covering_strikes_include_one_strike_beyond_each_edge():
    assert covering_strikes(4000, True) == list(range(3600, 4401, 50))
    assert covering_strikes(4010, True)[0] == 3600 and covering_strikes(4010, True)[-1] == 4450
    assert covering_strikes(4000, False) == list(range(3600, 4401, 100))
    # across the 5,000 boundary the grid changes interval
    assert covering_strikes(5000, True) == [4500, 4550, 4600, 4650, 4700, 4750, 4800, 4850, 4900, 4950, 5000,
                                            5100, 5200, 5300, 5400, 5500]  # fmt: skip


def test_nothing_is_listed_on_a_contracts_last_day(xtdata):
    for option in xtdata.market.universe.options_of("000852.SH"):
        assert option.list_date < option.expire_date, option.code


def test_option_detail_of_an_index_option(xtdata):
    """get_option_detail_data's branch for ``IF`` codes with a ``-`` (wheel: ``InstrumentID.find('-')``),
    ProductType 6 (xtdata.md: 6-期权(IF)), ProductCode = OptUndlCodeFull (no ``_o`` product id)."""
    [code] = [c for c in xtdata.get_option_list("000300.SH", "202512", "P") if c.endswith("-P-4500.IF")]
    d = xtdata.get_option_detail_data(code)
    inst = xtdata.market.universe.get(code)
    assert d["ExchangeID"] == "IF" and d["InstrumentID"] == "IO2512-P-4500" and d["ProductID"] == "IO"
    assert d["ProductType"] == 6 and d["optType"] == "PUT" and "沽" in d["InstrumentName"]
    assert d["OptUndlCode"] == "000300" and d["OptUndlMarket"] == "SH" and d["ProductCode"] == "000300.SH"
    assert d["VolumeMultiple"] == d["OptUnit"] == 100 and d["PriceTick"] == 0.2
    assert d["ExpireDate"] == "20251219" and d["OptExercisePrice"] == 4500.0
    # limits: previous settlement -+ 10% of the index's previous close (wheel fields from the counter)
    undl = xtdata.market.universe.get("000300.SH")
    bar = xtdata.get_market_data_ex(["preClose"], ["000300.SH"], "1d", count=1)["000300.SH"]
    undl_pre = float(bar["preClose"].iloc[-1])
    settle = d["SettlementPrice"]
    assert d["UpStopPrice"] == pytest.approx(round((settle + undl_pre * 0.1) // 0.2 * 0.2, 1), abs=0.21)
    assert d["DownStopPrice"] >= 0.2 and d["DownStopPrice"] < settle < d["UpStopPrice"]
    assert d["MarginUnit"] == io.short_margin(False, settle, undl_pre, 4500.0)
    assert undl.kind == "index" and inst.underlying == "000300.SH"


def test_short_margin_and_limits_formulas():
    # an out-of-the-money call: index 4000, strike 4400 (400 points OTM); 40,000 - 40,000 < the floor 20,000
    assert io.short_margin(True, 10.0, 4000.0, 4400.0) == 10.0 * 100 + 0.5 * 4000 * 100 * 0.1
    # in the money: no OTM amount
    assert io.short_margin(True, 150.0, 4000.0, 3900.0) == 150.0 * 100 + 4000 * 100 * 0.1
    # a put's floor is on the strike
    assert io.short_margin(False, 5.0, 4000.0, 3500.0) == 5.0 * 100 + 0.5 * 3500 * 100 * 0.1
    assert io.price_limits(100.0, 4000.0) == (0.2, 500.0)  # down floored at one tick
    assert io.price_limits(500.0, 4000.0) == (100.0, 900.0)
    assert io.price_limits(500.1, 4000.0) == (100.2, 900.0)  # on the 0.2 grid, inside the band


def test_index_options_have_bars_priced_off_the_index(xtdata):
    code = xtdata.get_option_list("000300.SH", "202512", "C")[0]
    bars = xtdata.get_market_data_ex(["close", "settelementPrice", "openInterest"], [code], "1d", count=20)[
        code
    ]
    assert len(bars) == 20 and (bars["close"] > 0).all() and (bars["openInterest"] > 0).all()
    # prices on the 0.2 grid
    assert ((bars["close"] / 0.2).round(6) % 1 == 0).all()
    inst = xtdata.market.universe.get(code)
    index_close = xtdata.get_market_data_ex(["close"], ["000300.SH"], "1d", count=1)["000300.SH"][
        "close"
    ].iloc[-1]
    assert bars["close"].iloc[-1] >= max(index_close - inst.strike, 0) * 0.9  # near or above intrinsic


def test_cffex_sectors_hold_futures_and_index_options(xtdata):
    live = xtdata.get_stock_list_in_sector("中金所")
    options = xtdata.get_stock_list_in_sector("中金所期权")
    assert options and set(options) < set(live)
    assert set(xtdata.get_stock_list_in_sector("中金所期货")) == set(live) - set(options)
    expired = xtdata.get_stock_list_in_sector("过期中金所")
    assert any(c.startswith("IO2001-") for c in expired)
    assert xtdata.get_instrument_type("IO2512-C-4500.IF") == {"option": True}
