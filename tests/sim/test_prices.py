"""The simulated price engine: determinism, limits, suspensions, 1m/1d consistency, ticks and snapshots."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

from qmt_bridge.sim.clock import CST
from qmt_bridge.sim.market import instruments as ins
from qmt_bridge.sim.market.bars import KLINE_FIELDS, aggregate, day_number, day_start_ms, ms_to_date
from qmt_bridge.sim.market.calendar import sse_calendar
from qmt_bridge.sim.market.prices import PriceEngine
from qmt_bridge.sim.market.rules import limit_pct, limit_pcts, lot_size, multiplier, price_limits
from qmt_bridge.sim.market.trading_hours import schedule_of
from qmt_bridge.sim.market.universe import build_universe
from qmt_bridge.xtnames import TICK_FIELDS

D = dt.date


def _inst(code: str, kind: str = ins.STOCK, board: str | None = None, **kw) -> ins.Instrument:
    market = code.rsplit(".", 1)[1]
    kw.setdefault("list_date", D(2005, 1, 4))
    return ins.Instrument(code=code, name="", kind=kind, board=board or kind, market=market, **kw)


MAIN = _inst(
    "600036.SH",
    board=ins.SH_MAIN,
    list_date=D(2002, 4, 9),
    base_price=10.0,
    volatility=0.021,
    float_shares=2 * 10**10,
    st_periods=((D(2012, 5, 1), D(2013, 12, 31)),),
)
SZ = _inst(
    "000651.SZ",
    board=ins.SZ_MAIN,
    list_date=D(1996, 11, 18),
    base_price=25.0,
    volatility=0.02,
    float_shares=6 * 10**9,
)
CHINEXT = [
    _inst(
        f"3000{i:02d}.SZ",
        board=ins.CHINEXT,
        list_date=D(2012, 1, 4),
        base_price=30.0,
        volatility=0.03,
        float_shares=4 * 10**8,
    )
    for i in range(8)
]
STAR = _inst("688111.SH", board=ins.STAR, list_date=D(2019, 11, 18), base_price=80.0, volatility=0.035)
BJ = _inst("830799.BJ", board=ins.BJ, list_date=D(2021, 11, 15), base_price=9.0, volatility=0.04)
ETF = _inst(
    "510300.SH", kind=ins.ETF, list_date=D(2012, 5, 28), base_price=2.5, price_tick=0.001, volatility=0.014
)
CB = _inst(
    "113050.SH", kind=ins.CB, list_date=D(2021, 6, 1), base_price=110.0, price_tick=0.001, volatility=0.012
)
INDEX = _inst("000300.SH", kind=ins.INDEX, base_price=1000.0, volatility=0.015)
HK = _inst("00700.HK", kind=ins.HK, base_price=60.0, volatility=0.02)
FUT = _inst(
    "IF2412.IF",
    kind=ins.FUTURE,
    list_date=D(2024, 4, 22),
    expire_date=D(2024, 12, 20),
    base_price=3500.0,
    price_tick=0.2,
    volatility=0.015,
    volume_multiple=300,
    product="IF",
)
OPT = _inst(
    "10007000.SHO",
    kind=ins.OPTION,
    list_date=D(2024, 3, 1),
    expire_date=D(2024, 9, 25),
    base_price=0.1,
    price_tick=0.0001,
    volatility=0.05,
    volume_multiple=10000,
    underlying="510300.SH",
    strike=3.5,
    option_type="CALL",
)
STOCKS = [MAIN, SZ, *CHINEXT, STAR, BJ]
ALL = [MAIN, SZ, CHINEXT[0], STAR, BJ, ETF, CB, INDEX, HK, FUT, OPT]


@pytest.fixture(scope="module")
def cal():
    return sse_calendar()


@pytest.fixture(scope="module")
def engine(cal):
    return PriceEngine(cal, seed=20240607)


def _ticks_of(prices: np.ndarray, tick: float) -> np.ndarray:
    units = np.asarray(prices) / tick
    assert np.allclose(units, np.round(units), atol=1e-6), "price off the tick grid"
    return np.round(units).astype(np.int64)


def _limit(pre_close: float, pct: int, up: bool) -> float:
    factor = Decimal(100 + pct if up else 100 - pct) / 100
    return float((Decimal(repr(pre_close)) * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _dates(bars) -> list[dt.date]:
    return [ms_to_date(int(t)) for t in bars["time"]]


# ------------------------------------------------------------------------------------------- daily


def test_same_seed_same_bars_and_different_seed_different(cal, engine):
    other = PriceEngine(cal, seed=20240607)
    for inst in (MAIN, FUT, OPT):
        a, b = engine.daily(inst), other.daily(inst)
        for f in KLINE_FIELDS:
            np.testing.assert_array_equal(a[f], b[f])
    day = D(2024, 6, 6)
    for inst in (MAIN, CB, FUT, OPT):
        for f in KLINE_FIELDS:
            np.testing.assert_array_equal(engine.minutes(inst, day)[f], other.minutes(inst, day)[f])
    np.testing.assert_array_equal(engine.ticks(MAIN, day)["askVol"], other.ticks(MAIN, day)["askVol"])
    changed = PriceEngine(cal, seed=1)
    assert not np.array_equal(engine.daily(MAIN)["close"], changed.daily(MAIN)["close"])
    assert not np.array_equal(engine.minutes(MAIN, day)["volume"], changed.minutes(MAIN, day)["volume"])


def test_output_does_not_depend_on_the_process_hash_seed(engine):
    code = (
        "import datetime as dt, numpy as np\n"
        "from qmt_bridge.sim.market.calendar import sse_calendar\n"
        "from qmt_bridge.sim.market.prices import PriceEngine\n"
        "from qmt_bridge.sim.market import instruments as ins\n"
        "i = ins.Instrument(code='600036.SH', name='', kind='stock', board='sh_main', market='SH',"
        " list_date=dt.date(2002, 4, 9), base_price=10.0, volatility=0.021, float_shares=2 * 10**10,"
        " st_periods=((dt.date(2012, 5, 1), dt.date(2013, 12, 31)),))\n"
        "e = PriceEngine(sse_calendar(), seed=20240607)\n"
        "print(repr(float(e.daily(i)['close'].sum())), int(e.ticks(i, dt.date(2024, 6, 6))['volume'][-1]))\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    expected = (
        f"{float(engine.daily(MAIN)['close'].sum())!r} {int(engine.ticks(MAIN, D(2024, 6, 6))['volume'][-1])}"
    )
    assert out.stdout.strip() == expected


@pytest.mark.parametrize("inst", ALL, ids=lambda i: i.code)
def test_daily_bars_are_well_formed(cal, engine, inst):
    bars = engine.daily(inst)
    assert tuple(bars.fields) == KLINE_FIELDS
    last = cal.sessions[-1] if inst.expire_date is None else min(inst.expire_date, cal.sessions[-1])
    assert _dates(bars) == cal.between(inst.list_date, last)
    o, h, lo, c = (bars[f] for f in ("open", "high", "low", "close"))
    assert (lo <= np.minimum(o, c)).all() and (h >= np.maximum(o, c)).all() and (lo > 0).all()
    for f in ("open", "high", "low", "close", "preClose"):
        _ticks_of(bars[f], inst.price_tick)
    assert bars["volume"].dtype == np.int64 and bars["amount"].dtype == np.float64
    _assert_cents(bars["amount"])
    if inst.kind == ins.INDEX:  # the constituents' turnover, whole yuan
        np.testing.assert_array_equal(bars["amount"], np.round(bars["amount"]))
    trading = bars["suspendFlag"] != 1
    assert (bars["volume"][trading] > 0).all()
    if inst.kind in (ins.FUTURE, ins.OPTION):
        assert (bars["openInterest"] > 0).all()
        s = bars["settelementPrice"]
        assert ((s >= lo) & (s <= h)).all()
    else:
        assert (bars["openInterest"] == 0).all() and (bars["settelementPrice"] == 0).all()
    with pytest.raises(ValueError):
        bars["close"][0] = 0.0  # read-only


def test_amount_matches_volume_times_price(engine):
    # the day's amount is its volume at the typical price (O+H+L+C)/4, to the cent: its VWAP lies in its range
    for inst, unit in ((MAIN, 100), (ETF, 100), (CB, 10), (HK, 1), (FUT, 300), (OPT, 10000)):
        bars = engine.daily(inst)
        ok = bars["volume"] > 0
        value = bars["volume"][ok] * float(unit)
        amount = bars["amount"][ok]
        typical = (bars["open"][ok] + bars["high"][ok] + bars["low"][ok] + bars["close"][ok]) / 4.0
        assert (np.abs(amount - value * typical) <= 0.005 + 1e-9 * amount).all(), inst.code
        eps = 1e-12 * amount
        assert (amount >= bars["low"][ok] * value - eps).all(), inst.code
        assert (amount <= bars["high"][ok] * value + eps).all(), inst.code


@pytest.mark.parametrize("inst", STOCKS, ids=lambda i: i.code)
def test_stock_limits_by_board(engine, inst):
    bars = engine.daily(inst)
    days = _dates(bars)
    hits = 0
    for d, pc, h, lo, c in zip(days, bars["preClose"], bars["high"], bars["low"], bars["close"], strict=True):
        if inst.board == ins.BJ:
            pct = 30
        elif inst.board == ins.STAR:
            pct = 20
        elif inst.board == ins.CHINEXT:
            pct = 20 if d >= D(2020, 8, 24) else 10
        else:
            pct = 5 if inst.is_st_on(d) else 10
        up, down = _limit(float(pc), pct, True), _limit(float(pc), pct, False)
        assert h <= up + 1e-9 and lo >= down - 1e-9, (d, pc, h, lo)
        hits += c in (up, down)
        assert price_limits(inst, d, float(pc)) == (down, up)
    assert (0.001 if inst.board in (ins.STAR, ins.BJ) else 0.004) < hits / len(days) < 0.06


def test_limits_hold_for_a_volatile_penny_st_stock(cal):
    # many days pinned at 5% limits: closes depend on each other for long runs
    penny = _inst(
        "600999.SH",
        board=ins.SH_MAIN,
        list_date=D(2006, 1, 4),
        base_price=1.2,
        volatility=0.07,
        st_periods=((D(2006, 1, 1), D(2020, 12, 31)),),
    )
    bars = PriceEngine(cal, seed=3).daily(penny)
    again = PriceEngine(cal, seed=3, daily_cache_size=1).daily(penny)
    np.testing.assert_array_equal(bars["close"], again["close"])
    for d, pc, h, lo in zip(_dates(bars), bars["preClose"], bars["high"], bars["low"], strict=True):
        pct = 5 if penny.is_st_on(d) else 10
        assert _limit(float(pc), pct, False) <= lo and h <= _limit(float(pc), pct, True), d


def test_small_caches_give_the_same_answers(cal, engine):
    tiny = PriceEngine(cal, seed=20240607, daily_cache_size=1, minute_cache_size=1, day_cache_size=1)
    day = D(2024, 6, 6)
    for inst in (MAIN, FUT, MAIN):
        np.testing.assert_array_equal(tiny.daily(inst)["close"], engine.daily(inst)["close"])
        np.testing.assert_array_equal(tiny.minutes(inst, day)["volume"], engine.minutes(inst, day)["volume"])
    np.testing.assert_array_equal(
        tiny.kline(SZ, "1d", D(2024, 1, 1), D(2024, 3, 1))["close"],
        engine.daily(SZ).between(day_start_ms(D(2024, 1, 1)), day_start_ms(D(2024, 3, 1)))["close"],
    )


def test_chinext_limit_regime_changes_on_2020_08_24(engine):
    before, after = [], []
    for inst in CHINEXT:
        bars = engine.daily(inst)
        move = bars["close"] / bars["preClose"] - 1
        days = np.array(_dates(bars))
        old = days < D(2020, 8, 24)
        for pc, c in zip(bars["preClose"][old], bars["close"][old], strict=True):
            assert _limit(float(pc), 10, False) <= c <= _limit(float(pc), 10, True)
        before.append(move[old])
        after.append(move[~old])
    assert np.concatenate(before).max() < 0.11
    assert np.concatenate(after).max() > 0.19  # 20% limit-up days exist after the reform
    assert np.concatenate(after).min() < -0.19


# The boundaries of each dated rule: the day a regime starts is already in it, the day before is not.
LIMIT_BOUNDARIES = [
    (CHINEXT[0], D(2020, 8, 21), 10),  # the last trading day of the 10% regime (a Friday)
    (CHINEXT[0], D(2020, 8, 23), 10),  # the Sunday before
    (CHINEXT[0], D(2020, 8, 24), 20),  # the reform day itself
    (CHINEXT[0], D(2020, 8, 25), 20),
    (CB, D(2022, 7, 29), 0),  # convertible bonds: no limit before 2022-08-01
    (CB, D(2022, 8, 1), 20),
    (MAIN, D(2012, 4, 30), 10),  # ST from 2012-05-01 to 2013-12-31, both days included
    (MAIN, D(2012, 5, 1), 5),
    (MAIN, D(2013, 12, 31), 5),
    (MAIN, D(2014, 1, 1), 10),
]


@pytest.mark.parametrize(
    ("inst", "day", "pct"), LIMIT_BOUNDARIES, ids=[f"{i.code}-{d:%Y%m%d}" for i, d, _ in LIMIT_BOUNDARIES]
)
def test_limit_percentages_change_on_the_rule_day_itself(inst, day, pct):
    """Both forms of the per-day rule (the scalar one and the one the price engine uses, per array of days)
    agree on each side of every date a rule changes."""
    assert limit_pct(inst, day) == pct
    assert limit_pcts(inst, np.array([day_number(day) - 1, day_number(day), day_number(day) + 1]))[1] == pct
    expected = None if pct == 0 else (_limit(10.0, pct, False), _limit(10.0, pct, True))
    assert price_limits(inst, day, 10.0) == expected


def test_st_periods_use_five_percent_limits(engine):
    bars = engine.daily(MAIN)
    days = np.array(_dates(bars))
    st = (days >= D(2012, 5, 1)) & (days <= D(2013, 12, 31))
    move = np.abs(bars["close"] / bars["preClose"] - 1)
    # within 5% up to the half-up rounding of the limit to the cent
    assert (np.abs(bars["close"] - bars["preClose"])[st] <= bars["preClose"][st] * 0.05 + 0.005 + 1e-9).all()
    assert (move[st] > 0.045).sum() >= 3  # ST stocks hit their 5% limit now and then
    assert move[~st].max() > 0.09


def test_other_kinds_limits(engine):
    etf = engine.daily(ETF)
    for pc, h, lo in zip(etf["preClose"], etf["high"], etf["low"], strict=True):
        assert h <= round(pc * 1.1, 3) + 1e-9 and lo >= round(pc * 0.9, 3) - 1e-9
    cb = engine.daily(CB)
    after = np.array(_dates(cb)) >= D(2022, 8, 1)
    assert (cb["high"][after] <= np.round(cb["preClose"][after] * 1.2, 3) + 1e-9).all()
    assert engine.limits(INDEX, D(2024, 6, 6)) is None and engine.limits(HK, D(2024, 6, 6)) is None
    down, up = engine.limits(MAIN, D(2024, 6, 6))
    assert down < up


def test_suspensions(engine):
    suspended = total = 0
    for inst in STOCKS:
        bars = engine.daily(inst)
        flag = bars["suspendFlag"]
        s = flag == 1
        total += len(flag)
        suspended += s.sum()
        assert (bars["volume"][s] == 0).all() and (bars["amount"][s] == 0).all()
        for f in ("open", "high", "low", "close"):
            np.testing.assert_array_equal(bars[f][s], bars["preClose"][s])
        # -1 exactly on the first trading day after a suspension
        resumed = np.r_[False, s[:-1] & ~s[1:]]
        np.testing.assert_array_equal(flag == -1, resumed)
        assert set(np.unique(flag)) <= {-1, 0, 1}
    assert 0.0005 < suspended / total < 0.01
    for inst in (ETF, INDEX, FUT, OPT):
        assert (engine.daily(inst)["suspendFlag"] == 0).all()


def test_no_corporate_actions_outside_stocks(engine):
    for inst in (ETF, CB, INDEX, FUT, OPT):
        assert engine.corporate_actions(inst) == []
    assert engine.corporate_actions(MAIN)


def test_option_prices_follow_the_underlying_when_it_is_known(cal):
    lookup = {ETF.code: ETF}.get
    engine = PriceEngine(cal, seed=5, instrument_lookup=lookup)
    spot = engine.kline(ETF, "1d", OPT.list_date, OPT.expire_date)
    call = dataclasses.replace(OPT, strike=round(float(spot["close"][0]), 1))  # at the money when listed
    bars = engine.daily(call)
    assert (bars["close"] > 0).all()
    intrinsic = np.maximum(spot["close"] - call.strike, 0)
    assert (bars["close"] >= intrinsic * 0.97 - 0.001).all()
    # a call moves with its underlying
    assert np.corrcoef(np.diff(bars["close"]), np.diff(spot["close"]))[0, 1] > 0.5
    put = dataclasses.replace(call, code="10007001.SHO", option_type="PUT")
    assert np.corrcoef(np.diff(engine.daily(put)["close"]), np.diff(spot["close"]))[0, 1] < -0.5
    standalone = PriceEngine(cal, seed=5).daily(OPT)
    assert (standalone["close"] > 0).all()


# ------------------------------------------------------------------------------------------- intraday


def _sample_days(cal, inst, n, seed):
    days = cal.between(inst.list_date, inst.expire_date or D(2026, 6, 30))
    rng = np.random.default_rng(seed)
    return [days[0], days[-1]] + [days[i] for i in rng.integers(0, len(days), n)]


def test_minutes_aggregate_exactly_to_the_day(cal, engine):
    checked = 0
    for k, inst in enumerate(ALL):
        daily = engine.daily(inst)
        by_time = {int(t): i for i, t in enumerate(daily["time"])}
        for day in _sample_days(cal, inst, 12, k):
            minutes = engine.minutes(inst, day)
            assert len(minutes) == 241
            assert tuple(minutes.fields) == KLINE_FIELDS
            for f in ("open", "high", "low", "close"):
                _ticks_of(minutes[f], inst.price_tick)
            agg = aggregate(minutes, "1d")
            i = by_time[day_start_ms(day)]
            for f in KLINE_FIELDS:
                assert agg[f][0] == daily[f][i], (inst.code, day, f)
            lo, hi = minutes["low"], minutes["high"]
            assert (lo <= np.minimum(minutes["open"], minutes["close"])).all()
            assert (hi >= np.maximum(minutes["open"], minutes["close"])).all()
            np.testing.assert_array_equal(minutes["open"][1:], minutes["close"][:-1])
            np.testing.assert_array_equal(minutes["preClose"][1:], minutes["close"][:-1])
            _assert_cents(minutes["amount"])
            assert (minutes["amount"][minutes["volume"] == 0] == 0).all()
            for period in ("5m", "15m", "30m", "60m"):  # every grouping adds up to the same cents
                assert (
                    aggregate(aggregate(minutes, period, schedule_of(inst)), "1d", schedule_of(inst))[
                        "amount"
                    ][0]
                    == daily["amount"][i]
                )
            checked += 1
    assert checked >= 100


def _value_per_unit(inst: ins.Instrument) -> int:
    """CNY per volume unit and 1.0 of price: shares per lot, bonds per lot, or the contract multiplier."""
    if inst.kind in (ins.FUTURE, ins.OPTION):
        return inst.volume_multiple
    return {ins.CB: 10, ins.HK: 1}.get(inst.kind, 100)


def _assert_cents(amounts: np.ndarray) -> None:
    """Amounts are whole cents: each the double nearest a whole number of cents."""
    np.testing.assert_array_equal(np.round(amounts * 100.0) / 100.0, amounts)


def _assert_minute_vwaps_in_range(minutes, unit: int, where: object) -> int:
    """Every traded minute's amount / value lies in its [low, high] (to a float epsilon, no cent slack); the
    auction bar's is its open (to the cent). Returns the number of traded minutes."""
    traded = minutes["volume"] > 0
    value = minutes["volume"][traded].astype(np.float64) * unit
    amount = minutes["amount"][traded]
    eps = 1e-12 * amount
    assert (amount >= minutes["low"][traded] * value - eps).all(), where
    assert (amount <= minutes["high"][traded] * value + eps).all(), where
    auction = minutes["volume"][0] * unit * minutes["open"][0]
    assert abs(minutes["amount"][0] - auction) <= 0.005 + 1e-12 * auction, where
    return int(traded.sum())


@pytest.mark.parametrize("inst", [i for i in ALL if i.kind != ins.INDEX], ids=lambda i: i.code)
def test_minute_vwap_lies_in_the_minute_range(cal, engine, inst):
    # indices are left out: their amount is the constituents' turnover, not volume x index level
    unit = _value_per_unit(inst)
    checked = 0
    for day in _sample_days(cal, inst, 40, ALL.index(inst)):
        checked += _assert_minute_vwaps_in_range(engine.minutes(inst, day), unit, (inst.code, day))
    assert checked > 8000


def test_minute_vwaps_in_range_across_the_universe(cal):
    """Every kind of the seed-7 universe (a spread of instruments, several days each): VWAPs in range, whole
    cents adding up exactly to the day in every period, ticks' cumulative amounts equal to the minutes'."""
    today = D(2025, 11, 20)
    universe = build_universe(7, today)
    engine = PriceEngine(cal, seed=7, instrument_lookup=universe.get)
    cases = [(universe.get("113521.SH"), D(2024, 11, 27))]  # a CB minute was 42 ticks out with whole yuan
    for kind in (ins.STOCK, ins.ETF, ins.CB, ins.HK, ins.FUTURE, ins.OPTION, ins.INDEX):
        members = universe.by_kind(kind)
        for n, inst in enumerate(members[:: max(len(members) // 12, 1)][:12]):
            last = today if inst.expire_date is None else min(inst.expire_date, today)
            days = cal.between(inst.list_date, last)
            picks = np.random.default_rng([7, n]).integers(0, len(days), 5) if days else []
            cases += [(inst, days[int(i)]) for i in picks]
    checked: dict[str, int] = {}
    ticked: set[str] = set()
    for inst, day in cases:
        where = (inst.code, day)
        daily = engine.kline(inst, "1d", day, day)
        minutes = engine.minutes(inst, day)
        _assert_cents(minutes["amount"])
        for period in ("1m", "5m", "15m", "30m", "60m"):
            assert (
                aggregate(aggregate(minutes, period, schedule_of(inst)), "1d", schedule_of(inst))["amount"][0]
                == daily["amount"][0]
            ), where
        if inst.code not in ticked:  # one day's ticks per instrument
            ticked.add(inst.code)
            ticks = engine.ticks(inst, day)
            cents = np.cumsum(np.round(minutes["amount"] * 100.0).astype(np.int64))
            np.testing.assert_array_equal(
                ticks["amount"][_minute_end_ticks(ticks, minutes)], cents[1:] / 100.0
            )
            assert ticks["amount"][-1] == daily["amount"][0]
        if inst.kind != ins.INDEX:
            traded = _assert_minute_vwaps_in_range(minutes, lot_size(inst) * multiplier(inst), where)
            checked[inst.kind] = checked.get(inst.kind, 0) + traded
    assert set(checked) == {ins.STOCK, ins.ETF, ins.CB, ins.HK, ins.FUTURE, ins.OPTION}
    assert min(checked.values()) > 5000, checked


@pytest.mark.parametrize("inst", [MAIN, SZ, STAR, ETF, CB, FUT], ids=lambda i: i.code)
def test_minute_amounts_follow_the_ticks_prices(cal, engine, inst):
    # a minute's amount is (close to) its volume traded at its 3-second ticks' prices, so that ticks and
    # Level-2 trades agree with it; the rest of the day's amount moves it by a small part of its range.
    # The range counts as at least 5 ticks: the path meets the day's VWAP only to within half a tick a lot
    # (``intraday``), so on a quiet day of 1-2 tick minutes (a low-priced stock) the rest is by design a
    # large part of the range (but never leaves it: see the VWAP test above). 12 days, not a few: the gap
    # clusters by day, and how many quiet days a small sample holds decided the 90% quantile.
    unit = _value_per_unit(inst)
    gaps = []
    for day in _sample_days(cal, inst, 12, 1)[1:]:
        minutes, ticks = engine.minutes(inst, day), engine.ticks(inst, day)
        if minutes["suspendFlag"][0] == 1:
            continue
        ends = _minute_end_ticks(ticks, minutes)
        minute = np.searchsorted(ends, np.arange(len(ticks)), side="left") + 1  # 1..240; 241 after 15:00
        continuous = np.arange(len(ticks)) > 300
        traded = np.diff(ticks["volume"], prepend=0) * ticks["lastPrice"] * unit
        along = np.bincount(minute[continuous], weights=traded[continuous], minlength=242)[:241]
        width = minutes["high"] - minutes["low"]
        span = np.maximum(width, 5 * inst.price_tick) * minutes["volume"] * unit
        ok = (width > 0) & (minutes["volume"] > 0) & (np.arange(241) > 0)  # the auction bar has no range
        gaps.append(np.abs(minutes["amount"] - along)[ok] / span[ok])
    gap = np.concatenate(gaps)
    assert np.median(gap) < 0.05 and np.quantile(gap, 0.9) < 0.15, (np.median(gap), np.quantile(gap, 0.9))


def test_minutes_without_volume_are_flat(cal, engine):
    idle_days = 0
    for k, inst in enumerate(ALL):
        for day in _sample_days(cal, inst, 12, k):
            minutes = engine.minutes(inst, day)
            idle = minutes["volume"] == 0
            previous = np.r_[minutes["open"][0], minutes["close"][:-1]]
            for f in ("open", "high", "low", "close"):
                np.testing.assert_array_equal(
                    minutes[f][idle], previous[idle], err_msg=f"{inst.code} {day} {f}"
                )
            idle_days += bool(idle[1:238].any()) and minutes["suspendFlag"][0] != 1
    assert idle_days >= 1  # a thin option day below


def test_a_thin_day_keeps_its_idle_minutes_flat_and_still_adds_up(engine):
    day = OPT.expire_date  # the option's last day trades fewer contracts than two a minute
    minutes = engine.minutes(OPT, day)
    daily = engine.kline(OPT, "1d", day, day)
    assert daily["volume"][0] < 2 * 240
    idle = np.flatnonzero(minutes["volume"] == 0)
    assert len(idle) > 10 and (idle > 0).all()
    for f in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(minutes[f][idle], minutes["close"][idle - 1])
    agg = aggregate(minutes, "1d")
    for f in KLINE_FIELDS:
        assert agg[f][0] == daily[f][0], f


@pytest.mark.parametrize("inst", [MAIN, SZ, STAR, ETF, FUT], ids=lambda i: i.code)
def test_liquid_days_trade_every_continuous_minute(cal, engine, inst):
    for day in _sample_days(cal, inst, 12, 5):
        minutes = engine.minutes(inst, day)
        if minutes["suspendFlag"][0] == 1:
            continue
        volume = minutes["volume"]
        quiet = np.flatnonzero(volume == 0)
        # only 14:58 and 14:59, the closing call auction's silent minutes, may be without trades
        assert set(quiet.tolist()) <= {238, 239}, (inst.code, day, quiet)
        assert volume[0] > 0 and volume[240] > 0


def test_minute_times_and_auction_bar(engine):
    day = D(2024, 6, 6)
    minutes = engine.minutes(MAIN, day)
    labels = [dt.datetime.fromtimestamp(t / 1000, CST).strftime("%H:%M") for t in minutes["time"]]
    assert labels[:3] == ["09:30", "09:31", "09:32"] and labels[120:123] == ["11:30", "13:01", "13:02"]
    assert labels[-1] == "15:00"
    daily = engine.kline(MAIN, "1d", day, day)
    first = minutes.row(0)
    assert first["open"] == first["high"] == first["low"] == first["close"] == daily["open"][0]
    assert 0 < first["volume"] < daily["volume"][0] * 0.05


def test_closing_auction_minutes(engine):
    for inst, day in ((SZ, D(2015, 3, 3)), (MAIN, D(2024, 6, 6))):
        minutes = engine.minutes(inst, day)
        assert (minutes["volume"][-3:-1] == 0).all()  # 14:58, 14:59
        assert minutes["close"][-3] == minutes["close"][-2] == minutes["open"][-1]
        assert minutes["volume"][-1] > 0
    # SSE had no closing auction before 2018-08-20
    assert (engine.minutes(MAIN, D(2015, 3, 3))["volume"][-3:-1] > 0).any()


@pytest.mark.parametrize(("period", "per_day"), [("5m", 48), ("15m", 16), ("30m", 8), ("60m", 4), ("1h", 4)])
def test_intraday_kline_periods(engine, period, per_day):
    start, end = D(2024, 6, 3), D(2024, 6, 7)
    one = engine.kline(MAIN, "1m", start, end)
    bars = engine.kline(MAIN, period, start, end)
    assert len(one) == 5 * 241 and len(bars) == 5 * per_day
    assert bars["volume"].sum() == one["volume"].sum()
    daily = engine.kline(MAIN, "1d", start, end)
    for f in ("close", "volume", "amount"):  # amounts (whole cents) add up exactly whatever the grouping
        np.testing.assert_array_equal(aggregate(bars, "1d")[f], daily[f])
        np.testing.assert_array_equal(aggregate(one, "1d")[f], daily[f])


def test_weekly_and_monthly_kline_labels(cal, engine):
    weeks = engine.kline(SZ, "1w", D(2024, 1, 1), D(2024, 12, 31))
    days = cal.between(D(2024, 1, 1), D(2024, 12, 31))
    last_of_week = sorted({max(d for d in days if d.isocalendar()[:2] == x.isocalendar()[:2]) for x in days})
    assert _dates(weeks) == last_of_week
    daily = engine.kline(SZ, "1d", D(2024, 1, 1), D(2024, 12, 31))
    assert weeks["volume"].sum() == daily["volume"].sum()
    months = engine.kline(SZ, "1mon", D(2024, 1, 1), D(2024, 12, 31))
    assert len(months) == 12 and _dates(months)[0] == D(2024, 1, 31) and _dates(months)[-1] == D(2024, 12, 31)
    # an end date in mid-week ends the last bar there (no days after `end` leak in)
    partial = engine.kline(SZ, "1w", D(2024, 6, 1), D(2024, 6, 12))
    assert _dates(partial)[-1] == D(2024, 6, 12)
    full = engine.kline(SZ, "1d", D(2024, 6, 11), D(2024, 6, 12))
    assert partial["volume"][-1] == full["volume"].sum()
    assert len(engine.kline(SZ, "1y", None, None)) == len({d.year for d in _dates(engine.daily(SZ))})
    with pytest.raises(ValueError):
        engine.kline(SZ, "2m", None, None)


def test_suspended_day_intraday(engine):
    bars = engine.daily(MAIN)
    day = _dates(bars)[int(np.flatnonzero(bars["suspendFlag"] == 1)[0])]
    minutes = engine.minutes(MAIN, day)
    assert len(minutes) == 241 and (minutes["volume"] == 0).all() and (minutes["suspendFlag"] == 1).all()
    ticks = engine.ticks(MAIN, day)
    assert (ticks["volume"] == 0).all() and (ticks["askVol"] == 0).all()
    assert (ticks["lastPrice"] == minutes["preClose"][0]).all()


def test_no_bars_outside_the_listing(engine):
    assert len(engine.minutes(FUT, D(2025, 6, 6))) == 0
    assert len(engine.minutes(MAIN, D(2024, 6, 8))) == 0  # a Saturday
    assert len(engine.ticks(STAR, D(2019, 1, 4))) == 0


# ------------------------------------------------------------------------------------------- ticks


def _minute_end_ticks(ticks, minutes) -> np.ndarray:
    """The tick ending each continuous 1m bar: the one at the bar's time (the auction bar, the first, is
    none's end; a break's end, 13:00:00 for a stock, is no bar's time)."""
    ends = np.flatnonzero(np.isin(ticks["time"], minutes["time"][1:]))
    assert len(ends) == len(minutes) - 1
    return ends


@pytest.mark.parametrize("inst", [MAIN, SZ, STAR, ETF, CB, FUT, OPT, INDEX], ids=lambda i: i.code)
def test_ticks_agree_with_minutes_and_books_are_sane(cal, engine, inst):
    for day in _sample_days(cal, inst, 2, 3)[1:]:
        minutes = engine.minutes(inst, day)
        if minutes["suspendFlag"][0] == 1:
            continue
        ticks = engine.ticks(inst, day)
        # CFFEX's futures and options: the auction from 09:25, matched at 09:29 (stocks': 09:15, 09:25)
        cffex = inst.market == "IF"
        count, first, matched = (4902, (9, 25), (9, 29)) if cffex else (5102, (9, 15), (9, 25))
        assert tuple(ticks.fields) == TICK_FIELDS and len(ticks) == count
        seconds = ((ticks["time"] // 1000) + 8 * 3600) % 86400
        assert seconds[0] == first[0] * 3600 + first[1] * 60 and seconds[-1] == 15 * 3600
        assert set(np.diff(seconds)) == {3, 13 * 3600 - (11 * 3600 + 30 * 60)}
        ends = _minute_end_ticks(ticks, minutes)
        assert len(ends) == 240
        np.testing.assert_array_equal(ticks["lastPrice"][ends], minutes["close"][1:])
        np.testing.assert_array_equal(ticks["volume"][ends], np.cumsum(minutes["volume"])[1:])
        cents = np.cumsum(np.round(minutes["amount"] * 100.0).astype(np.int64))  # exact running sums
        np.testing.assert_array_equal(ticks["amount"][ends], cents[1:] / 100.0)
        assert ticks["amount"][-1] == aggregate(minutes, "1d")["amount"][0]
        _assert_cents(ticks["amount"])
        np.testing.assert_array_equal(ticks["high"][ends], np.maximum.accumulate(minutes["high"])[1:])
        np.testing.assert_array_equal(ticks["low"][ends], np.minimum.accumulate(minutes["low"])[1:])
        assert (np.diff(ticks["volume"]) >= 0).all() and (np.diff(ticks["transactionNum"]) >= 0).all()
        pre = seconds < matched[0] * 3600 + matched[1] * 60
        assert (ticks["volume"][pre] == 0).all() and (ticks["open"][pre] == 0).all()
        assert (ticks["lastPrice"][pre] > 0).all()
        assert (ticks["open"][~pre] == minutes["open"][0]).all()
        assert (ticks["lastClose"] == minutes["preClose"][0]).all()
        lot = {ins.FUTURE: 1, ins.OPTION: 1, ins.CB: 10}.get(inst.kind, 100)
        np.testing.assert_array_equal(ticks["pvolume"], ticks["volume"] * lot)
        _ticks_of(ticks["lastPrice"], inst.price_tick)
        ap, bp, av, bv = ticks["askPrice"], ticks["bidPrice"], ticks["askVol"], ticks["bidVol"]
        assert ap.shape == (count, 5) and av.dtype == np.int64
        if inst.kind == ins.INDEX:
            assert (av == 0).all() and (bv == 0).all()
            continue
        both = (av[:, 0] > 0) & (bv[:, 0] > 0)
        assert both.mean() > 0.9
        assert (ap[both, 0] > bp[both, 0]).all()
        for lvl in range(1, 5):
            ok = av[:, lvl] > 0
            assert (ap[ok, lvl] > ap[ok, lvl - 1]).all() and (av[ok, lvl - 1] > 0).all()
            ok = bv[:, lvl] > 0
            assert (bp[ok, lvl] < bp[ok, lvl - 1]).all() and (bv[ok, lvl - 1] > 0).all()
        assert ((ap == 0) == (av == 0)).all() and ((bp == 0) == (bv == 0)).all()
        last = ticks["lastPrice"]
        assert ((np.abs(ap[:, 0] - last) < 1e-9) | (np.abs(bp[:, 0] - last) < 1e-9)).all()
        limits = engine.limits(inst, day)
        if limits:
            assert ap.max() <= limits[1] + 1e-9 and bp[bv > 0].min() >= limits[0] - 1e-9


def test_tick_status_codes(engine):
    day = D(2024, 6, 6)
    ticks = engine.ticks(SZ, day)
    seconds = ((ticks["time"] // 1000) + 8 * 3600) % 86400

    def at(h, m, s=0):
        return int(np.flatnonzero(seconds == h * 3600 + m * 60 + s)[0])

    assert ticks["stockStatus"][at(9, 20)] == 2 and ticks["openInt"][at(9, 20)] == 12
    assert ticks["stockStatus"][at(10, 0)] == 3 and ticks["openInt"][at(10, 0)] == 13
    assert ticks["openInt"][at(11, 30)] == 14 and ticks["openInt"][at(13, 0)] == 13
    assert ticks["stockStatus"][at(14, 58)] == 8 and ticks["openInt"][at(14, 58)] == 18
    assert ticks["openInt"][at(15, 0)] == 15
    fut = engine.ticks(FUT, D(2024, 6, 6))
    assert (fut["openInt"] > 100).all()  # open interest for derivatives
    assert fut["settlementPrice"][-1] == engine.kline(FUT, "1d", day, day)["settelementPrice"][0]
    assert (fut["settlementPrice"][:-1] == 0).all() and (fut["lastSettlementPrice"] > 0).all()


def test_snapshot_matches_ticks(cal, engine):
    moments = [
        (9, 15, 0),
        (9, 20, 1),
        (9, 25, 0),
        (9, 29, 59),
        (9, 30, 0),
        (9, 31, 0),
        (10, 17, 44),
        (11, 30, 0),
        (12, 10, 0),
        (13, 0, 0),
        (13, 0, 2),
        (14, 57, 30),
        (14, 59, 59),
        (15, 0, 0),
        (17, 0, 0),
    ]
    for inst in (MAIN, SZ, ETF, FUT, OPT):
        for day in _sample_days(cal, inst, 1, 9)[1:]:
            ticks = engine.ticks(inst, day)
            seconds = ((ticks["time"] // 1000) + 8 * 3600) % 86400
            for h, m, s in moments:
                snap = engine.snapshot(inst, dt.datetime.combine(day, dt.time(h, m, s), CST))
                i = int(np.searchsorted(seconds, h * 3600 + m * 60 + s, side="right")) - 1
                if i < 0:  # before the day's first tick (CFFEX's 09:25): the day before's close
                    assert inst.market == "IF" and (h, m) < (9, 25), (inst.code, h, m)
                    before = engine.ticks(inst, cal.prev_day(day))
                    assert snap == engine.snapshot(
                        inst, dt.datetime.combine(cal.prev_day(day), dt.time(15), CST)
                    )
                    assert snap["time"] == before["time"][-1]
                    continue
                expected = ticks.row(i)
                for f in TICK_FIELDS:
                    assert snap[f] == expected[f], (inst.code, day, (h, m, s), f)
                assert snap["timetag"].startswith(day.strftime("%Y%m%d "))
                assert {"volRatio", "speed1Min", "speed5Min"} <= set(snap)
                assert isinstance(snap["askPrice"], list) and len(snap["askVol"]) == 5


def test_snapshot_outside_sessions(cal, engine):
    friday, saturday, monday = D(2024, 6, 7), D(2024, 6, 8), D(2024, 6, 11)  # 06-10 Dragon Boat holiday
    close_state = engine.ticks(MAIN, friday).row(5101)
    for at in (
        dt.datetime(2024, 6, 8, 12, 0, tzinfo=CST),
        dt.datetime(2024, 6, 11, 9, 0, tzinfo=CST),
        dt.datetime(2024, 6, 10, 10, 0),
    ):  # naive = CST
        snap = engine.snapshot(MAIN, at)
        assert snap["time"] == close_state["time"] and snap["lastPrice"] == close_state["lastPrice"]
        assert snap["volume"] == close_state["volume"]
    assert saturday not in cal.sessions and monday in cal.sessions
    assert engine.snapshot(STAR, dt.datetime(2019, 6, 1, 10, 0, tzinfo=CST)) is None
    expired = engine.snapshot(FUT, dt.datetime(2025, 3, 3, 10, 0, tzinfo=CST))
    assert expired["lastPrice"] == engine.daily(FUT)["close"][-1]
    utc = engine.snapshot(MAIN, dt.datetime(2024, 6, 7, 2, 0, tzinfo=dt.timezone.utc))  # 10:00 CST
    assert utc["timetag"] == "20240607 10:00:00.000"
