"""The exchanges' reverse repos (国债逆回购) in the simulated market: codes, names and details, type flags
and xtstocktype classes, the 沪深回购 sector, daily and 1m bars of rates, snapshots and the settlement dates.

Rules: ``sim/market/repo.py`` (products), ``sim/market/repo_rates.py`` (rates, dates).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market import instruments as ins
from qmt_bridge.sim.market.calendar import calendar_for
from qmt_bridge.sim.market.market import SimMarket
from qmt_bridge.sim.market.repo import REPO_PRODUCTS
from qmt_bridge.sim.market.repo_rates import settlement
from qmt_bridge.xtnames import XTSTOCKTYPE

THU = dt.date(2025, 11, 20)


@pytest.fixture(scope="module")
def xtdata():
    return SimXtData(SimMarket(seed=7, clock=fixed_clock(dt.datetime(2025, 11, 20, 10, 30, tzinfo=CST))))


def test_the_eighteen_products_with_their_exchange_names(xtdata):
    universe = xtdata.market.universe
    repos = {i.code: i.name for i in universe.by_kind(ins.REPO)}
    assert repos == {p.code: p.name for p in REPO_PRODUCTS}
    assert len(repos) == 18
    assert repos["204001.SH"] == "GC001" and repos["204182.SH"] == "GC182"
    assert repos["131810.SZ"] == "R-001" and repos["131800.SZ"] == "R-003" and repos["131806.SZ"] == "R-182"
    assert sorted(xtdata.get_stock_list_in_sector("沪深回购")) == sorted(repos)


def test_details_and_type_flags(xtdata):
    detail = xtdata.get_instrument_detail("204001.SH", True)
    assert detail["InstrumentName"] == "GC001" and detail["ExchangeID"] == "SH"
    assert detail["PriceTick"] == 0.005 and detail["VolumeMultiple"] == 1
    assert detail["UpStopPrice"] == 0.0 and detail["DownStopPrice"] == 0.0  # no price limits
    assert detail["IsTrading"] and detail["ExpireDate"] == "99999999"
    assert detail["MinLimitOrderVolume"] == 10 and detail["MaxLimitOrderVolume"] == 100_000
    assert detail["BondParValue"] == 100.0
    assert 0.3 <= detail["PreClose"] <= 12.0
    assert xtdata.get_instrument_type("204001.SH") == {"bond": True, "repurchase": True}
    assert xtdata.get_instrument_type("131810.SZ") == {"bond": True, "repurchase": True}
    assert "repurchase" not in xtdata.get_instrument_type("113050.SH")


def test_xtstocktype_classes(xtdata):
    """QMT's own classes of the codes (its xtstocktype ranges) agree with the products' terms."""
    glr = XTSTOCKTYPE["XT_GE_EXTRA_GLR"]
    for product in REPO_PRODUCTS:
        assert xtdata.is_stock_type(product.code, glr), product
        days = "28_UPPER" if product.days > 28 else str(product.days)
        assert xtdata.is_stock_type(product.code, XTSTOCKTYPE[f"XT_GE_EXTRA_REPURCHASE_DAY_{days}"]), product
    assert not xtdata.is_stock_type("204001.SH", XTSTOCKTYPE["XT_GE_EXTRA_STOCK_A"])


def test_daily_bars_are_rates_with_face_value_amounts(xtdata):
    bars = xtdata.get_market_data_ex(
        ["open", "high", "low", "close", "volume", "amount", "preClose"],
        ["204001.SH", "131810.SZ", "204007.SH"],
        period="1d",
        start_time="20240101",
        end_time="20251119",  # finished days (today's bar forms from minutes whose amounts follow the rate)
    )
    for code, frame in bars.items():
        assert len(frame) > 400, code
        close = frame["close"].to_numpy()
        assert 0.8 < float(np.median(close)) < 2.6, code  # typical levels 1.2-2.5 %
        assert close.min() >= 0.3 and close.max() <= 12.0
        ticks = np.round(close / 0.005, 6)
        assert np.all(ticks == np.round(ticks)), code  # on the 0.005 grid
        assert np.all(frame["high"] >= np.maximum(frame["open"], frame["close"]))
        assert np.all(frame["low"] <= np.minimum(frame["open"], frame["close"]))
        # volume in units of 10 张: the amount is the face value traded (1,000 CNY a unit)
        np.testing.assert_allclose(frame["amount"], frame["volume"] * 1000.0)
        np.testing.assert_allclose(frame["preClose"].to_numpy()[1:], close[:-1])
    sh = bars["204001.SH"]["volume"].to_numpy()
    sz = bars["131810.SZ"]["volume"].to_numpy()
    assert np.median(sh) > 2e8 and np.median(sh) > 3 * np.median(sz)  # GC001 is the big one


def test_rates_are_higher_over_year_ends():
    """The calendar premium: GC001 over a year end (traded on the year's second last trading day, its money
    settling on the last one and returning in January) lends well above its usual level."""
    market = SimMarket(seed=7, clock=fixed_clock(dt.datetime(2025, 11, 20, 10, 30, tzinfo=CST)))
    inst = market.universe.get("204001.SH")
    bars = market.prices.daily(inst)
    days = [dt.datetime.fromtimestamp(t / 1000, CST).date() for t in bars["time"]]
    close = np.asarray(bars["close"])
    second_last = {sorted(d for d in days if d.year == y)[-2] for y in range(2006, 2025)}
    year_end = [c for d, c in zip(days, close, strict=True) if d in second_last]
    mid_month = [c for d, c in zip(days, close, strict=True) if 10 <= d.day <= 20]
    assert np.mean(year_end) > np.mean(mid_month) + 0.8


def test_minute_bars_and_snapshots(xtdata):
    minutes = xtdata.get_market_data_ex(
        ["close", "volume", "amount"], ["204001.SH"], period="1m", start_time="20251119", end_time="20251119"
    )["204001.SH"]
    assert len(minutes) == 241
    daily = xtdata.get_market_data_ex(
        ["volume", "amount"], ["204001.SH"], period="1d", start_time="20251119", end_time="20251119"
    )["204001.SH"]
    assert int(minutes["volume"].sum()) == int(daily["volume"].iloc[0])
    assert round(float(minutes["amount"].sum()), 2) == round(float(daily["amount"].iloc[0]), 2)
    ticks = xtdata.get_full_tick(["204001.SH", "131810.SZ", "204182.SH"])
    assert set(ticks) == {"204001.SH", "131810.SZ", "204182.SH"}
    snap = ticks["204001.SH"]
    assert snap["lastPrice"] > 0 and snap["bidPrice"][0] > 0 and snap["askPrice"][0] > snap["bidPrice"][0]
    assert round(snap["askPrice"][0] - snap["bidPrice"][0], 3) == 0.005
    assert snap["bidVol"][0] > 0 and snap["pvolume"] == snap["volume"] * 10  # 张


def test_settlement_dates_follow_the_exchanges_rule():
    cal = calendar_for(THU)
    # Thursday's GC001: due (available) Friday, settles Friday -> Monday: 3 days
    assert settlement(cal, THU, 1) == (dt.date(2025, 11, 21), dt.date(2025, 11, 21), dt.date(2025, 11, 24))
    # Friday's: due Saturday -> Monday, settles Monday -> Tuesday: 1 day
    fri = dt.date(2025, 11, 21)
    assert settlement(cal, fri, 1) == (dt.date(2025, 11, 24), dt.date(2025, 11, 24), dt.date(2025, 11, 25))
    # GC007 on a Monday: due the next Monday, 7 days
    first, due, back = settlement(cal, dt.date(2025, 11, 17), 7)
    assert due == dt.date(2025, 11, 24) and (back - first).days == 7
    # National Day 2025 (closed 10-01 .. 10-08): GC001 on Monday 09-29 spans the holiday
    first, due, back = settlement(cal, dt.date(2025, 9, 29), 1)
    assert (first, due, back) == (dt.date(2025, 9, 30), dt.date(2025, 9, 30), dt.date(2025, 10, 9))
    assert (back - first).days == 9
