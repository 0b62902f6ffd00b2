"""Snapshots of many instruments at once (whole-market ``get_full_tick``): the same values as one code at a
time and as the day's ticks, for every kind of instrument and phase of the day, and no daily-history
rebuilds once a day's state is cached."""

from __future__ import annotations

import copy
import datetime as dt
import threading

import numpy as np
import pytest

from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market.calendar import sse_calendar
from qmt_bridge.sim.market.daily_history import MARKET_INDEX
from qmt_bridge.sim.market.market import SimMarket
from qmt_bridge.sim.market.prices import PriceEngine
from qmt_bridge.sim.market.universe import build_universe
from qmt_bridge.xtnames import TICK_FIELDS

SEED = 7
DAY = dt.date(2025, 11, 20)
#: 2025-11-20 (seed 7): limit-up, one-price limit-up, limit-down, suspended
SPECIAL = ["000069.SZ", "000989.SZ", "000065.SZ", "000117.SZ"]


def _at(day: dt.date, h: int, m: int, s: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(h, m, s), CST)


MOMENTS = [
    _at(DAY, 9, 14, 59),  # before the auction: the previous day's close
    _at(DAY, 9, 20, 1),  # opening call auction, indicative price
    _at(DAY, 9, 25, 0),  # auction result
    _at(DAY, 10, 0, 0),
    _at(DAY, 10, 17, 44),
    _at(DAY, 11, 30, 0),  # midday break
    _at(DAY, 13, 0, 2),
    _at(DAY, 14, 58, 30),  # closing call auction
    _at(DAY, 15, 0, 0),
    _at(DAY, 17, 0, 0),
    _at(dt.date(2025, 11, 22), 12, 0),  # Saturday: Friday's close
    _at(dt.date(2019, 6, 3), 10, 0),  # before many listings (None) and futures of other years
]


@pytest.fixture(scope="module")
def calendar():
    return sse_calendar()


@pytest.fixture(scope="module")
def universe():
    return build_universe(SEED, DAY)


@pytest.fixture(scope="module")
def codes(universe) -> list[str]:
    """Every kind, market and tick size: a sample of the exchanges' codes, all futures of one exchange,
    some ETF and index options, HK stocks, indices, and the day's limit and suspended stocks."""
    rng = np.random.default_rng(3)
    cash = universe.codes(market="SH") + universe.codes(market="SZ") + universe.codes(market="BJ")
    picked = [cash[i] for i in rng.choice(len(cash), 150, replace=False)]
    options = universe.codes(market="SHO")
    picked += [options[i] for i in rng.choice(len(options), 20, replace=False)]
    cffex = universe.codes(market="IF")
    futures = [c for c in cffex if universe.get(c).kind == "future"]
    index_options = [c for c in cffex if universe.get(c).kind == "option"]
    picked += [index_options[i] for i in rng.choice(len(index_options), 20, replace=False)]
    picked += futures + universe.codes(market="HK")[:20]
    picked += ["000001.SH", "399001.SZ", "510300.SH", "127034.SZ", "204001.SH", "131810.SZ", *SPECIAL]
    kinds = {universe.get(c).kind for c in picked}
    assert kinds == {"stock", "index", "etf", "cb", "future", "option", "hk", "repo"}
    return list(dict.fromkeys(picked))


@pytest.fixture(scope="module")
def together(calendar, universe) -> PriceEngine:
    return PriceEngine(calendar, SEED, instrument_lookup=universe.get)


@pytest.fixture(scope="module")
def one_by_one(calendar, universe) -> PriceEngine:
    return PriceEngine(calendar, SEED, instrument_lookup=universe.get)


@pytest.mark.parametrize("at", MOMENTS, ids=lambda at: at.strftime("%Y%m%d-%H%M%S"))
def test_many_codes_at_once_equal_one_code_at_a_time(universe, codes, together, one_by_one, at):
    insts = [universe.get(c) for c in codes]
    snaps = together.snapshots(insts, at)
    assert len(snaps) == len(insts)
    for inst, snap in zip(insts, snaps, strict=True):
        assert snap == one_by_one.snapshot(inst, at), inst.code
    assert sum(s is not None for s in snaps) > len(snaps) // 4


def test_snapshots_are_rows_of_the_days_ticks(universe, codes, together):
    insts = [universe.get(c) for c in codes]
    trading = [i for i in insts if i.list_date <= DAY and (i.expire_date is None or i.expire_date >= DAY)]
    assert len(trading) > 150
    ticks = {inst.code: together.ticks(inst, DAY) for inst in trading}
    before = {inst.code: together.ticks(inst, together.calendar.prev_day(DAY)) for inst in trading}
    for at in (
        _at(DAY, 9, 20, 1),
        _at(DAY, 9, 27, 0),
        _at(DAY, 10, 41, 13),
        _at(DAY, 13, 0, 0),
        _at(DAY, 14, 59, 57),
    ):
        at_ms = int(at.timestamp() * 1000)
        for inst, snap in zip(trading, together.snapshots(trading, at), strict=True):
            day_ticks = ticks[inst.code]
            i = int(np.searchsorted(day_ticks["time"], at_ms, side="right")) - 1
            # before the day's first tick (CFFEX's auction begins at 09:25): the day before's close
            row = day_ticks.row(i) if i >= 0 else before[inst.code].row(len(before[inst.code]) - 1)
            for f in TICK_FIELDS:
                assert snap[f] == row[f], (inst.code, at, f)


def test_whole_market_get_full_tick_equals_per_code_snapshots(calendar, universe):
    xtdata = SimXtData(SimMarket(seed=SEED, clock=fixed_clock(_at(DAY, 10, 30, 0))))
    markets = ["BJ", "IF", "HK"]
    whole = xtdata.get_full_tick(markets)
    every = {c for m in markets for c in universe.codes(market=m)}
    expected = {c for c in every if (universe.get(c).expire_date or DAY) >= DAY}
    assert set(whole) <= expected and len(whole) > 0.9 * len(expected)
    # contracts that expired before the day are history: asked by code, not quoted with the market
    expired = sorted(every - expected)
    assert expired and "IC2410.IF" in expired
    assert set(xtdata.get_full_tick(expired[:3])) == set(expired[:3])
    # continuous contracts (IF00.IF) are spliced from the universe's main contracts, as the market's engine does
    independent = PriceEngine(
        calendar, SEED, instrument_lookup=universe.get, universe_lookup=lambda: universe
    )
    now = xtdata.market.now()
    for code, snap in whole.items():
        assert snap == independent.snapshot(universe.get(code), now), code
    # the same values again inside the 3 seconds, as copies
    again = xtdata.get_full_tick(markets)
    assert again == whole
    code = next(iter(again))
    before = copy.deepcopy(again[code])
    again[code]["lastPrice"] = -1.0
    again[code]["askPrice"][0] = -1.0
    again[code]["bidVol"].append(7)
    assert xtdata.get_full_tick([code])[code] == before


def _counting_snapshots(xtdata: SimXtData, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Spy on the engine's batch computation: the number of instruments of each call."""
    sizes: list[int] = []
    original = xtdata.market.prices.snapshots

    def counting(insts, at):
        sizes.append(len(insts))
        return original(insts, at)

    monkeypatch.setattr(xtdata.market.prices, "snapshots", counting)
    return sizes


def test_concurrent_callers_share_one_computation(monkeypatch):
    xtdata = SimXtData(SimMarket(seed=SEED, clock=fixed_clock(_at(DAY, 10, 30, 0))))
    sizes = _counting_snapshots(xtdata, monkeypatch)
    start = threading.Barrier(4)
    answers: list[dict] = []

    def call() -> None:
        start.wait()
        answers.append(xtdata.get_full_tick(["BJ"]))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == 4 and all(a == answers[0] for a in answers) and answers[0]
    assert len(sizes) == 1  # one caller computed; the others waited and read its answer


def test_a_caller_with_an_older_moment_does_not_reset_the_cache(monkeypatch):
    later, earlier = _at(DAY, 10, 30, 3), _at(DAY, 10, 30, 0)
    xtdata = SimXtData(SimMarket(seed=SEED, clock=fixed_clock(later)))
    sizes = _counting_snapshots(xtdata, monkeypatch)
    code = "600519.SH"
    at_later = xtdata.get_full_tick([code])[code]
    xtdata.market.clock = fixed_clock(earlier)  # a thread that read the clock just before the tick moved
    at_earlier = xtdata.get_full_tick([code])[code]
    assert at_earlier["time"] < at_later["time"]
    xtdata.market.clock = fixed_clock(later)
    assert xtdata.get_full_tick([code])[code] == at_later
    assert sizes == [1, 1]  # the later tick's cache survived the earlier caller


def test_a_cached_day_needs_no_daily_history(calendar, universe, monkeypatch):
    """Once an instrument's day is built, its later snapshots that day and on the next trading days are
    computed without rebuilding its daily history (the daily cache here holds one instrument only). The
    stocks' walks also need the market index's returns: built once per engine, whatever the cache holds."""
    engine = PriceEngine(calendar, SEED, instrument_lookup=universe.get, daily_cache_size=1)
    built: list[str] = []
    original = PriceEngine._build_daily

    def counting(self, inst, *args):
        built.append(inst.code)
        return original(self, inst, *args)

    monkeypatch.setattr(PriceEngine, "_build_daily", counting)
    insts = [universe.get(c) for c in universe.codes(market="BJ")]
    codes = {inst.code for inst in insts}
    first = engine.snapshots(insts, _at(dt.date(2025, 11, 18), 10, 0))
    assert sorted(c for c in built if c in codes) == sorted(codes)  # each stock's history once
    assert [c for c in built if c not in codes] == [MARKET_INDEX]  # and the market index once
    built.clear()
    for at in (_at(dt.date(2025, 11, 18), 10, 0, 3), _at(dt.date(2025, 11, 18), 14, 0), _at(DAY, 10, 0)):
        later = engine.snapshots(insts, at)
        assert later != first
    assert built == []


def test_k_lines_of_past_days_do_not_cost_todays_snapshots_their_state(calendar, universe, monkeypatch):
    """1m K-lines over past days build those days' minutes, but neither evict the day states today's
    snapshots use (a small day cache here) nor replace their daily inputs with an older window."""
    import qmt_bridge.sim.market.prices as prices

    insts = [universe.get(c) for c in universe.codes(market="BJ")][:40]
    engine = PriceEngine(
        calendar, SEED, instrument_lookup=universe.get, daily_cache_size=1, day_cache_size=50
    )
    built_days: list[tuple[str, dt.date]] = []
    built_daily: list[str] = []
    original_intraday, original_daily = prices.build_intraday, PriceEngine._build_daily

    def counting_intraday(inst, day, *args, **kwargs):
        built_days.append((inst.code, day))
        return original_intraday(inst, day, *args, **kwargs)

    def counting_daily(self, inst, *args):
        built_daily.append(inst.code)
        return original_daily(self, inst, *args)

    monkeypatch.setattr(prices, "build_intraday", counting_intraday)
    monkeypatch.setattr(PriceEngine, "_build_daily", counting_daily)
    before = engine.snapshots(insts, _at(DAY, 10, 0))
    built_days.clear()
    built_daily.clear()
    for inst in insts:
        engine.kline(inst, "1m", dt.date(2025, 10, 13), dt.date(2025, 10, 17))
    assert len(built_days) == 5 * len([i for i in insts if i.list_date <= dt.date(2025, 10, 13)]) > 0
    built_days.clear()
    built_daily.clear()
    after = engine.snapshots(insts, _at(DAY, 10, 0, 3))
    assert after != before
    assert built_days == [] and built_daily == []
