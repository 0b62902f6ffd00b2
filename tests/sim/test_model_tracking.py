"""Consistency of the price model across instruments: index futures and index ETFs follow their index, main
indices keep realistic levels, and the main futures contract holds the most open interest."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from qmt_bridge.sim.market import instruments as ins
from qmt_bridge.sim.market.bars import day_start_ms, ms_to_date
from qmt_bridge.sim.market.calendar import sse_calendar
from qmt_bridge.sim.market.derivatives import futures_history_start
from qmt_bridge.sim.market.etf_lists import INDEX_ETFS as BASKET_INDEX
from qmt_bridge.sim.market.names import INDEX_ETFS, INDEX_PATHS
from qmt_bridge.sim.market.prices import PriceEngine
from qmt_bridge.sim.market.universe import FUTURE_PRODUCTS, INDEX_FUTURES, build_universe, index_instrument

SEED = 20240101
TODAY = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def cal():
    return sse_calendar()


@pytest.fixture(scope="module")
def uni():
    return build_universe(SEED, TODAY)


@pytest.fixture(scope="module")
def engine(cal, uni):
    return PriceEngine(cal, SEED, instrument_lookup=uni.get)


def _by_time(bars, field: str = "close") -> dict[int, float]:
    return dict(zip(bars["time"].tolist(), bars[field].tolist(), strict=True))


# ------------------------------------------------------------------------------------------- index futures


@pytest.mark.parametrize("product", sorted(INDEX_FUTURES))
def test_index_futures_track_their_index(uni, engine, product):
    index = engine.daily(uni.get(INDEX_FUTURES[product][0]))
    level = _by_time(index)
    contracts = [c for c in uni.by_kind(ins.FUTURE) if c.product == product]
    expired = 0
    mean_basis = []
    for c in contracts:
        bars = engine.daily(c)
        ratio = np.array(
            [f / level[t] - 1 for t, f in zip(bars["time"].tolist(), bars["close"], strict=True)]
        )
        assert (np.abs(ratio) < 0.03).all(), (c.code, np.abs(ratio).max())
        assert np.abs(np.diff(ratio)).max() < 0.01, c.code  # the basis moves slowly: returns follow the index
        for f in ("open", "high", "low", "close", "settelementPrice"):
            units = bars[f] / c.price_tick
            np.testing.assert_allclose(units, np.round(units), atol=1e-6)
        if c.expire_date is not None and c.expire_date <= TODAY:
            expired += 1
            last = int(bars["time"][-1])
            assert ms_to_date(last) == c.expire_date
            assert abs(bars["settelementPrice"][-1] / level[last] - 1) < 0.002, c.code
            assert abs(bars["close"][-1] / level[last] - 1) < 0.002, c.code
        if c.expire_date is not None:
            mean_basis.append(ratio.mean())
    assert expired >= 10
    if product in ("IC", "IM"):  # small caps: futures at a discount
        assert np.mean(mean_basis) < -0.001
    # on one day, every contract month is within a few percent of the index and of each other
    today = [engine.kline(c, "1d", TODAY, TODAY)["close"][0] for c in uni.futures_of(product, TODAY)]
    assert max(today) / min(today) - 1 < 0.03
    assert abs(today[0] / level[day_start_ms(TODAY)] - 1) < 0.005  # the expiring contract: at the index


def test_index_futures_keep_their_limits_and_shape(uni, engine):
    for c in uni.by_kind(ins.FUTURE):
        if c.product not in INDEX_FUTURES:
            continue
        bars = engine.daily(c)
        o, h, lo, cl, pc = (bars[f] for f in ("open", "high", "low", "close", "preClose"))
        assert (lo <= np.minimum(o, cl)).all() and (h >= np.maximum(o, cl)).all()
        assert (h <= np.round(pc * 1.1, 1) + 0.2 + 1e-9).all() and (
            lo >= np.round(pc * 0.9, 1) - 0.2 - 1e-9
        ).all()
        assert (bars["volume"] > 0).all() and (bars["openInterest"] > 0).all()


# ------------------------------------------------------------------------------------------- ETFs


def test_etf_table_matches_the_baskets():
    assert {code: index for code, (index, _) in INDEX_ETFS.items()} == BASKET_INDEX


@pytest.mark.parametrize("code", sorted(INDEX_ETFS))
def test_index_etfs_follow_their_index(uni, engine, code):
    index_code, per_point = INDEX_ETFS[code]
    etf = engine.daily(uni.get(code))
    level = _by_time(engine.daily(uni.get(index_code)))
    idx = np.array([level[t] for t in etf["time"].tolist()])
    r_etf, r_idx = np.diff(np.log(etf["close"])), np.diff(np.log(idx))
    assert np.corrcoef(r_etf, r_idx)[0, 1] > 0.95
    rel = etf["close"] / (idx * per_point) - 1
    assert np.median(np.abs(rel)) < 0.005 and np.abs(rel).max() < 0.08  # the ETF's 10% limit can lag a day


def test_reviewer_examples_are_consistent(uni, engine):
    day = TODAY
    csi = engine.kline(uni.get("000300.SH"), "1d", day, day)["close"][0]
    assert 2500 < csi < 6000
    for code in ("IF2612.IF", "IF2703.IF", "IF00.IF"):
        assert abs(engine.kline(uni.get(code), "1d", day, day)["close"][0] / csi - 1) < 0.02, code
    etf = engine.kline(uni.get("510300.SH"), "1d", day, day)["close"][0]
    assert abs(etf / (csi / 1000) - 1) < 0.02


# ------------------------------------------------------------------------------------------- index levels

BANDS = {  # plausible levels of 2024-2026 (real: 3100-4700, 2700-4000, 7700-13500, 1500-3200)
    "000300.SH": (2500, 6000),
    "000001.SH": (2200, 5200),
    "399001.SZ": (6500, 17000),
    "399006.SZ": (1100, 4300),
}


@pytest.mark.parametrize("seed", [SEED, 42, 7])
def test_main_indices_have_realistic_levels(cal, seed):
    engine = PriceEngine(cal, seed)
    for code, (lo, hi) in BANDS.items():
        bars = engine.daily(index_instrument(cal, code))
        days = np.array([ms_to_date(int(t)) for t in bars["time"]])
        recent = bars["close"][days >= dt.date(2024, 1, 1)]
        assert lo < recent.min() and recent.max() < hi, (code, recent.min(), recent.max())
        returns = np.diff(np.log(bars["close"]))
        assert 0.009 < returns.std() < 0.02, code
    csi = engine.daily(index_instrument(cal, "000300.SH"))
    days = np.array([ms_to_date(int(t)) for t in csi["time"]])
    assert abs(csi["close"][0] / 982 - 1) < 0.1  # ~1000 in 2005
    assert (
        csi["close"][days.astype("datetime64[D]") < np.datetime64("2008-01-01")].max() > 4000
    )  # the 2007 boom
    start, end = INDEX_PATHS["000300.SH"][0], INDEX_PATHS["000300.SH"][-1]
    assert start[0] == dt.date(2005, 1, 4) and end[0] >= cal.sessions[-1]


def test_csi300_has_the_same_bars_on_both_exchanges(cal, engine, uni):
    sh, sz = engine.daily(uni.get("000300.SH")), engine.daily(uni.get("399300.SZ"))
    for f in ("open", "high", "low", "close", "volume", "amount"):
        np.testing.assert_array_equal(sh[f], sz[f])
    alone = PriceEngine(cal, SEED).daily(index_instrument(cal, "399300.SZ"))
    np.testing.assert_array_equal(alone["close"], sh["close"])


def test_tracking_does_not_depend_on_the_lookup(cal, uni, engine):
    alone = PriceEngine(cal, SEED)  # no lookup: the universe's index definitions
    for code in ("510300.SH", "159915.SZ", "IF2612.IF", "IM00.IF"):
        np.testing.assert_array_equal(
            alone.daily(uni.get(code))["close"], engine.daily(uni.get(code))["close"]
        )


# ------------------------------------------------------------------------------------------- main contracts


@pytest.mark.parametrize(("seed", "today"), [(SEED, TODAY), (42, dt.date(2025, 6, 30))])
def test_main_contract_holds_the_most_open_interest(cal, seed, today):
    uni = build_universe(seed, today)
    engine = PriceEngine(cal, seed, instrument_lookup=uni.get)
    checked = volume_max = 0
    for spec in FUTURE_PRODUCTS:
        cont = next(c for c in uni.continuous_codes() if c.startswith(spec.product + "00."))
        contracts = [c for c in uni.by_kind(ins.FUTURE) if c.product == spec.product and c.expire_date]
        oi = {c.code: _by_time(engine.daily(c), "openInterest") for c in contracts}
        vol = {c.code: _by_time(engine.daily(c), "volume") for c in contracts}
        start = futures_history_start(uni, spec.product, cal)
        for day in cal.between(start, today):
            main = uni.main_contract(cont, day)
            if main is None:
                continue
            t = day_start_ms(day)
            listed = [c.code for c in uni.futures_of(spec.product, day)]
            assert max(listed, key=lambda c: oi[c][t]) == main, (spec.product, day)
            checked += 1
            volume_max += max(listed, key=lambda c: vol[c][t]) == main
    assert checked > 5000
    assert volume_max / checked > 0.8  # volume is noisier, but mostly the main contract trades most
