"""Well-known stocks follow their real raw price history and trade their real volumes; the main indices'
turnover is the sum over their members.

The table (``known_paths.KNOWN_PATHS``) is a recollection of the real market; a few famous values it must
hold: 贵州茅台 closed 2015 at ~218 and 2020 at ~1,998 (raw; 10送1 most years until 2015), 中国平安 2014 at
~74 before its 10转增10 of 2015, 宁德时代 issued at 25.14 in June 2018 and 平安银行 traded at ~11-12 in 2024.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.market.daily_history import issue_price
from qmt_bridge.sim.market.known_paths import KNOWN_PATHS, level_on
from qmt_bridge.sim.market.market import SimMarket
from qmt_bridge.sim.market.names import WELL_KNOWN_STOCKS
from qmt_bridge.sim.market.universe import build_universe

NOW = dt.datetime(2025, 11, 20, 15, 30, tzinfo=CST)


@pytest.fixture(scope="module")
def market() -> SimMarket:
    return SimMarket(seed=20240101, clock=fixed_clock(NOW))


def _days(bars) -> list[dt.date]:
    return [dt.datetime.fromtimestamp(t / 1000, CST).date() for t in bars["time"]]


def _row(bars, day: dt.date) -> int | None:
    """The row of ``day`` in ``bars`` (None before the first bar)."""
    ms = int(dt.datetime.combine(day, dt.time(), CST).timestamp() * 1000)
    i = int(np.searchsorted(bars["time"], ms))
    return i if i < len(bars["time"]) and bars["time"][i] == ms else None


def test_the_table_holds_famous_values():
    moutai = KNOWN_PATHS["600519.SH"]
    assert level_on(moutai, dt.date(2015, 12, 31)) == 218
    assert level_on(moutai, dt.date(2020, 12, 31)) == 1998
    assert level_on(moutai, dt.date(2027, 6, 1)) == moutai.points[-1][1]  # flat after the last point
    assert level_on(KNOWN_PATHS["601318.SH"], dt.date(2014, 12, 31)) == 74
    assert KNOWN_PATHS["300750.SZ"].points[0] == (dt.date(2018, 6, 11), 25.14)
    assert 10 < level_on(KNOWN_PATHS["000001.SZ"], dt.date(2024, 12, 31)) < 13
    assert {k.code for k in WELL_KNOWN_STOCKS} == set(KNOWN_PATHS)


def test_base_prices_are_where_the_paths_start(market):
    """base_price (the first day's preClose, a new listing's issue price) is the path's first level."""
    for k in WELL_KNOWN_STOCKS:
        inst = market.universe.get(k.code)
        assert inst.base_price == k.price
        bars = market.prices.daily(inst)
        assert bars["preClose"][0] == pytest.approx(issue_price(inst))
        assert issue_price(inst) == pytest.approx(level_on(KNOWN_PATHS[k.code], inst.list_date), rel=0.005)


def test_year_end_closes_follow_the_real_path(market):
    """Every well-known stock's raw close on the last session of each year is within +-30% of the table."""
    misses = []
    for code, path in KNOWN_PATHS.items():
        bars = market.prices.daily(market.universe.get(code))
        years = np.array([d.year for d in _days(bars)])
        for day, level in path.points:
            rows = np.flatnonzero(years == day.year)
            if (day.month, day.day) == (12, 31) and len(rows) and day <= NOW.date() + dt.timedelta(days=60):
                ratio = bars["close"][rows[-1]] / level
                if not 0.7 <= ratio <= 1.3:
                    misses.append((code, day.year, round(float(ratio), 2)))
    assert misses == []


def test_well_known_stocks_keep_only_their_cash_dividends(market):
    for code in ("600519.SH", "000001.SZ", "601398.SH"):
        actions = market.prices.corporate_actions(market.universe.get(code))
        assert actions and all(
            a.stock_bonus == a.stock_gift == a.allot_num == 0 and not a.gugai for a in actions
        )


def test_moutai_trades_its_real_volume(market):
    """600519.SH trades ~0.2-0.3% of its float a day: ~30,000 lots (not 4x that)."""
    bars = market.prices.daily(market.universe.get("600519.SH"))
    recent = bars["volume"][-260:]
    recent = recent[recent > 0]
    assert 30_000 / 1.5 < np.median(recent) < 30_000 * 1.5


def _members_sum(market, codes: list[str], day: dt.date) -> np.ndarray:
    total = np.zeros(2)
    for code in codes:
        bars = market.prices.daily(market.universe.get(code))
        i = _row(bars, day)
        if i is not None:
            total += (bars["volume"][i], bars["amount"][i])
    return total


def _index_day(market, code: str, day: dt.date) -> np.ndarray:
    bars = market.prices.daily(market.universe.get(code))
    i = _row(bars, day)
    return np.array([bars["volume"][i], bars["amount"][i]], dtype=np.float64)


# The index's sums are expected values (no member is walked); the members' own daily noise, limit days and
# price deviations make the true sum differ by ~5% (sd) on a day: 15% is ~3 sd.
TOLERANCE = 0.15


def test_index_turnover_is_the_sum_over_its_members(market):
    sectors = market.sectors
    cal = market.calendar
    for day in (dt.date(2008, 10, 10), dt.date(2015, 6, 12), dt.date(2021, 2, 18), dt.date(2025, 11, 20)):
        day = cal.last_on_or_before(day)
        members = _members_sum(market, sectors.members("沪深300", day), day)
        index = _index_day(market, "000300.SH", day)
        assert np.all(np.abs(index / members - 1) < TOLERANCE), (day, index / members)
        assert np.array_equal(index, _index_day(market, "399300.SZ", day))
    day = dt.date(2025, 11, 20)
    sz = [c for name in ("沪深300", "中证500") for c in sectors.members(name, day) if c.endswith(".SZ")]
    members = _members_sum(market, sorted(set(sz)), day)
    assert np.all(np.abs(_index_day(market, "399001.SZ", day) / members - 1) < TOLERANCE)
    shanghai = _index_day(market, "000001.SH", day)
    members = _members_sum(market, sectors.members("上证A股", day), day)
    assert np.all(np.abs(shanghai / members - 1) < TOLERANCE), shanghai / members
    assert np.all(shanghai > _index_day(market, "000300.SH", day))  # the whole exchange trades more


def test_the_members_are_the_universes_stocks(market):
    """The index sums' stock list is the universe's (built apart from it, as the universe of a day lists
    only what is listed by then)."""
    from qmt_bridge.sim.market.index_turnover import _stock_population

    stocks, _ = _stock_population(market.seed, market.calendar)
    today = build_universe(market.seed, NOW.date())
    listed = [s for s in stocks if s.list_date <= NOW.date()]
    assert {s.code for s in listed} == set(today.codes("stock"))
    assert all(today.get(s.code).base_price == s.base_price for s in listed)
