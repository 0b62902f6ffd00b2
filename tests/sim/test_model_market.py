"""Stocks co-move with the market: every A-share's daily log return is beta x the market index's (沪深300)
plus an idiosyncratic part, so large caps are correlated with each other and the index with its
constituents, betas are recoverable by regression, and total volatility stays each stock's own."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.market import instruments as ins
from qmt_bridge.sim.market.daily_history import MARKET_INDEX
from qmt_bridge.sim.market.market import SimMarket
from qmt_bridge.sim.market.prices import PriceEngine
from qmt_bridge.sim.market.walk import BETA_RANGE

TODAY = dt.date(2025, 11, 20)
DAYS = 250


@pytest.fixture(scope="module", params=[7, 20240101])
def market(request) -> SimMarket:
    return SimMarket(seed=request.param, clock=fixed_clock(dt.datetime.combine(TODAY, dt.time(15, 30), CST)))


def _returns(engine: PriceEngine, inst: ins.Instrument, times: np.ndarray | None = None) -> np.ndarray:
    """Daily log returns (close over preClose: ex-rights days are not drops) of the last DAYS days up to
    TODAY, or on ``times`` (0 where the instrument has no bar)."""
    bars = engine.kline(inst, "1d", None, TODAY)
    r = np.log(bars["close"] / bars["preClose"])
    if times is None:
        return r[-DAYS:]
    out = np.zeros(len(times))
    at = np.searchsorted(bars["time"], times)
    found = (at < len(bars)) & (bars["time"][np.minimum(at, len(bars) - 1)] == times)
    out[found] = r[at[found]]
    return out


def _largest(market: SimMarket, k: int = 20) -> list[ins.Instrument]:
    weights = market.sectors.index_weights(MARKET_INDEX, TODAY)
    assert weights
    return [market.universe.get(c) for c in sorted(weights, key=weights.get, reverse=True)[:k]]


def test_large_caps_are_correlated(market):
    returns = np.array([_returns(market.prices, inst) for inst in _largest(market)])
    corr = np.corrcoef(returns)
    average = corr[np.triu_indices(len(corr), 1)].mean()
    assert 0.3 <= average <= 0.5, average


def test_the_index_moves_with_its_constituents(market):
    engine = market.prices
    index = engine.kline(market.universe.get(MARKET_INDEX), "1d", None, TODAY)
    times = index["time"][-DAYS:]
    index_returns = np.log(index["close"] / index["preClose"])[-DAYS:]
    weights = market.sectors.index_weights(MARKET_INDEX, TODAY)
    assert weights and len(weights) == 300
    basket = sum(w / 100.0 * _returns(engine, market.universe.get(c), times) for c, w in weights.items())
    assert np.corrcoef(index_returns, basket)[0, 1] > 0.8
    # each constituent alone: correlated, but far from a copy of the index
    single = [
        np.corrcoef(index_returns, _returns(engine, market.universe.get(c), times))[0, 1] for c in weights
    ]
    assert 0.4 < float(np.median(single)) < 0.85


def test_betas_are_recovered_by_regression(market):
    """Over the whole history, the slope of a stock's returns on the index's is its beta."""
    engine = market.prices
    index = engine.daily(market.universe.get(MARKET_INDEX))
    m = np.log(index["close"] / index["preClose"])
    fitted, drawn = [], []
    for inst in _largest(market, 40):
        r = _returns(engine, inst, index["time"])
        keep = r != 0  # before listing and suspended days
        fitted.append(np.polyfit(m[keep], r[keep], 1)[0])
        drawn.append(engine.beta(inst))
    fitted_a, drawn_a = np.array(fitted), np.array(drawn)
    assert ((drawn_a >= BETA_RANGE[0]) & (drawn_a <= BETA_RANGE[1])).all()
    assert np.corrcoef(fitted_a, drawn_a)[0, 1] > 0.9
    assert np.abs(fitted_a - drawn_a).max() < 0.25, np.c_[fitted_a, drawn_a]


def test_total_volatility_stays_the_stocks_own(market):
    """Away from limit days (which come on top of the walk, as before), a stock's daily returns have about
    its volatility: the idiosyncratic part shrank by what the market part adds."""
    stocks = market.universe.by_kind(ins.STOCK)
    ratios = []
    for inst in stocks[:: len(stocks) // 150]:
        bars = market.prices.daily(inst)
        r = np.log(bars["close"] / bars["preClose"])
        limit = 0.1 if inst.board in (ins.SH_MAIN, ins.SZ_MAIN) else 0.2
        keep = (bars["suspendFlag"] != 1) & (np.abs(r) < 0.9 * np.log1p(limit))
        if keep.sum() > 250:
            ratios.append(r[keep].std() / inst.volatility)
    assert len(ratios) > 100
    assert 0.9 < float(np.median(ratios)) < 1.05
    assert 0.8 < float(np.quantile(ratios, 0.05)) and float(np.quantile(ratios, 0.95)) < 1.2


def test_the_market_factor_is_deterministic_and_only_for_a_shares(market):
    universe = market.universe
    # an engine without a universe at hand uses the same index, so the same stock bars
    alone = PriceEngine(market.calendar, market.seed)
    for inst in _largest(market, 3):
        assert alone.beta(inst) == market.prices.beta(inst)
        np.testing.assert_array_equal(alone.daily(inst)["close"], market.prices.daily(inst)["close"])
    for kind in (ins.HK, ins.ETF, ins.CB, ins.INDEX):
        assert market.prices.beta(universe.by_kind(kind)[0]) == 0.0
    betas = [market.prices.beta(s) for s in universe.by_kind(ins.STOCK)[:500]]
    lo, hi = BETA_RANGE
    assert min(betas) >= lo and max(betas) <= hi and abs(np.mean(betas) - (lo + hi) / 2) < 0.05
