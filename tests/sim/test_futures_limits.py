"""Futures' price limits are a band around the previous day's settlement (the exchanges' rule), not around
the previous close: CFFEX ±10 %, the simulator's other futures ±7 % (``sim/market/rules.py``). The simulator
frozen at Thursday 2025-11-20 10:00 CST (seed 7)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from conftest import SEED
from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market.daily_history import _limit_to_settlement
from qmt_bridge.sim.market.market import SimMarket
from qmt_bridge.sim.market.rules import limit_ticks

MOMENT = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
CODES = {"IF2512.IF": 10, "rb2601.SF": 7, "AP601.ZF": 7, "m2601.DF": 7}


@pytest.fixture(scope="module")
def xtdata() -> SimXtData:
    return SimXtData(SimMarket(seed=SEED, clock=fixed_clock(MOMENT)))


@pytest.mark.parametrize(("code", "pct"), CODES.items())
def test_every_day_stays_in_the_band_of_the_previous_settlement(xtdata, code, pct):
    fields = ["open", "high", "low", "close", "settelementPrice"]
    bars = xtdata.get_market_data_ex(fields, [code], "1d", count=200)[code]
    tick = xtdata.get_instrument_detail(code)["PriceTick"]
    ticks = {f: np.rint(bars[f].to_numpy() / tick).astype(np.int64) for f in fields}
    down, up = limit_ticks(ticks["settelementPrice"][:-1], pct)
    for f in ("open", "high", "low", "close"):
        assert (ticks[f][1:] >= down).all() and (ticks[f][1:] <= up).all(), f


@pytest.mark.parametrize(("code", "pct"), CODES.items())
def test_todays_limits_are_the_previous_settlement_plus_minus_the_band(xtdata, code, pct):
    detail = xtdata.get_instrument_detail(code)
    tick = detail["PriceTick"]
    settle = round(detail["SettlementPrice"] / tick)  # the previous day's settlement (xtquant's 前结算)
    down, up = limit_ticks(np.array([settle]), pct)
    assert detail["UpStopPrice"] == pytest.approx(int(up[0]) * tick)
    assert detail["DownStopPrice"] == pytest.approx(int(down[0]) * tick)
    book = xtdata.get_full_tick([code])[code]
    prices = [p for p in book["askPrice"] + book["bidPrice"] if p]
    assert prices and all(detail["DownStopPrice"] <= p <= detail["UpStopPrice"] for p in prices)


def test_the_band_is_not_the_previous_closes(xtdata):
    """Settlement and close differ, so some contract's band differs from one around its preClose."""
    differ = 0
    for code, pct in CODES.items():
        detail = xtdata.get_instrument_detail(code)
        tick = detail["PriceTick"]
        _, from_close = limit_ticks(np.array([round(detail["PreClose"] / tick)]), pct)
        differ += detail["UpStopPrice"] != pytest.approx(int(from_close[0]) * tick)
    assert differ >= 2


def test_a_day_out_of_the_band_is_clipped_and_the_next_band_follows():
    """Day 1 closes 15 % above day 0's settlement of 1,000: clipped to 1,100 (10 %); its settlement then
    moves, and day 2's band is around it."""
    open_ = np.array([1000, 1150, 1230])
    high = np.array([1000, 1150, 1240])
    low = np.array([1000, 1150, 1200])
    close = np.array([1000, 1150, 1230])
    settle = _limit_to_settlement((open_, high, low, close), np.array([10, 10, 10]))
    assert list(close[:2]) == [1000, 1100] and list(high[:2]) == [1000, 1100]
    assert settle[1] == 1100 and close[2] == 1210 and high[2] == 1210 and low[2] == 1200
    assert settle[2] == round((1210 + 1200 + 2 * 1210) / 4)
    no_limit = np.array([1000, 1500]), np.array([1000, 1500]), np.array([1000, 1500]), np.array([1000, 1500])
    _limit_to_settlement(no_limit, np.array([0, 0]))
    assert no_limit[3][1] == 1500
