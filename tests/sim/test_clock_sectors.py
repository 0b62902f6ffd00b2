"""Sectors, listings, ST labels and contracts follow a running clock: a simulator started on a Friday and left
running over the weekend answers on Monday as a simulator started on Monday does (qmt_bridge.sim.market.market,
qmt_bridge.sim.market.sectors)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest

from qmt_bridge.sim.clock import CST, SimClock, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market.market import SimMarket

SEED = 20240101
# 2025-12-19 is the third Friday of December: IF2512 expires; IF2602 is listed on Monday 2025-12-22, as is
# 688966.SH; 301255.SZ goes under ST that Monday and 300527.SZ's *ST ends over the weekend (seed 20240101).
FRIDAY = dt.datetime(2025, 12, 19, 15, 30, tzinfo=CST)
SATURDAY = dt.datetime(2025, 12, 20, 11, 0, tzinfo=CST)
MONDAY = dt.datetime(2025, 12, 22, 10, 0, tzinfo=CST)
NEW_LISTING, NEW_ST, ST_ENDED = "688966.SH", "301255.SZ", "300527.SZ"
SECTORS = (
    "沪深A股",
    "沪深京A股",
    "科创板",
    "沪深风险警示",
    "*ST",
    "中金所期货",
    "上证期权",
    "沪深300",
    "中证1000",
)


def moving(start: dt.datetime) -> tuple[SimXtData, Callable[[dt.datetime], None]]:
    """A simulator whose clock stands at ``start`` until ``move_to(moment)`` moves it (no wall time passes)."""
    wall = [1_700_000_000.0]
    clock = SimClock("replay", replay_start=start, speed=1.0, wall=lambda: wall[0])

    def move_to(moment: dt.datetime) -> None:
        wall[0] = 1_700_000_000.0 + (moment - start).total_seconds()
        assert clock.now() == moment

    return SimXtData(SimMarket(seed=SEED, clock=clock)), move_to


def started_at(moment: dt.datetime) -> SimXtData:
    return SimXtData(SimMarket(seed=SEED, clock=fixed_clock(moment)))


def answers(xt: SimXtData) -> dict[str, list[str]]:
    return {name: xt.get_stock_list_in_sector(name) for name in SECTORS}


@pytest.fixture(scope="module")
def weekend():
    """Answers of one running simulator on Friday, Saturday and Monday, and of one started on Monday."""
    xt, move_to = moving(FRIDAY)
    seen = {}
    for moment in (FRIDAY, SATURDAY, MONDAY):
        move_to(moment)
        seen[moment] = {
            "sectors": answers(xt),
            "contracts": xt.get_trading_contract_list("IF00.IF"),
            "details": {c: xt.get_instrument_detail(c, True) for c in (NEW_LISTING, NEW_ST, ST_ENDED)},
            "weights": xt.get_index_weight("000300.SH"),
            "friday": xt.get_stock_list_in_sector("沪深风险警示", "20251219"),
        }
    return xt, seen, started_at(MONDAY)


def test_a_stock_listed_on_monday_appears_on_monday(weekend):
    _, seen, _ = weekend
    for moment in (FRIDAY, SATURDAY):
        assert NEW_LISTING not in seen[moment]["sectors"]["沪深A股"]
        assert seen[moment]["details"][NEW_LISTING] is None
    monday = seen[MONDAY]
    assert NEW_LISTING in monday["sectors"]["沪深A股"] and NEW_LISTING in monday["sectors"]["科创板"]
    assert monday["details"][NEW_LISTING]["OpenDate"] == "20251222"


def test_st_changes_are_seen(weekend):
    _, seen, _ = weekend
    friday, monday = seen[FRIDAY], seen[MONDAY]
    assert NEW_ST not in friday["sectors"]["沪深风险警示"] and NEW_ST in monday["sectors"]["沪深风险警示"]
    assert ST_ENDED in friday["sectors"]["*ST"] and ST_ENDED not in monday["sectors"]["沪深风险警示"]
    assert not friday["details"][NEW_ST]["IsST"] and monday["details"][NEW_ST]["IsST"]
    assert friday["details"][ST_ENDED]["IsST"] and not monday["details"][ST_ENDED]["IsST"]
    # the name follows the label
    assert friday["details"][NEW_ST]["InstrumentName"] == "阳智环境"
    assert monday["details"][NEW_ST]["InstrumentName"] == "ST阳智"
    assert friday["details"][ST_ENDED]["InstrumentName"] == "*ST北海"
    assert monday["details"][ST_ENDED]["InstrumentName"] == "北海药业"
    # the past stays as it was
    assert monday["friday"] == friday["sectors"]["沪深风险警示"]


def test_futures_sectors_drop_expired_contracts_and_agree_with_contract_lists(weekend):
    _, seen, _ = weekend
    for moment in (FRIDAY, SATURDAY, MONDAY):
        cffex = seen[moment]["sectors"]["中金所期货"]
        # a weekend answers for the last trading day, like get_trading_contract_list
        assert [c for c in cffex if c.startswith("IF")] == sorted(seen[moment]["contracts"]), moment
    assert "IF2512.IF" in seen[SATURDAY]["sectors"]["中金所期货"]
    assert "IF2512.IF" not in seen[MONDAY]["sectors"]["中金所期货"]
    assert "IF2602.IF" in seen[MONDAY]["sectors"]["中金所期货"]


def test_a_running_simulator_answers_as_one_started_later(weekend):
    xt, seen, fresh = weekend
    assert seen[MONDAY]["sectors"] == answers(fresh)
    assert seen[MONDAY]["weights"] == fresh.get_index_weight("000300.SH")
    assert set(seen[MONDAY]["weights"]) == set(seen[MONDAY]["sectors"]["沪深300"])
    for code in (NEW_LISTING, NEW_ST, ST_ENDED, "600519.SH"):
        assert xt.get_instrument_detail(code, True) == fresh.get_instrument_detail(code, True), code
        assert xt.get_his_st_data(code) == fresh.get_his_st_data(code), code
    day = "20240603"
    for name in SECTORS:
        assert xt.get_stock_list_in_sector(name, day) == fresh.get_stock_list_in_sector(name, day), name


def test_index_constituents_are_rebalanced_when_the_clock_crosses_a_review():
    """CSI's December review takes effect on Monday 2025-12-15 (after the second Friday)."""
    friday = dt.datetime(2025, 12, 12, 15, 30, tzinfo=CST)
    monday = dt.datetime(2025, 12, 15, 9, 0, tzinfo=CST)
    xt, move_to = moving(friday)
    sectors = xt.market.sectors
    assert sectors.rebalances[sectors.rebalance_period(monday.date())] == monday.date()
    before = {name: xt.get_stock_list_in_sector(name) for name in ("沪深300", "中证500", "科创50")}
    weights_before = xt.get_index_weight("000300.SH")
    move_to(monday)
    fresh = started_at(monday)
    for name, old in before.items():
        now = xt.get_stock_list_in_sector(name)
        assert now != old and now == fresh.get_stock_list_in_sector(name), name
        assert 0 < len(set(old) - set(now)) < len(old) / 4, name
        assert xt.get_stock_list_in_sector(name, "20251212") == old, name
    weights = xt.get_index_weight("000300.SH")
    assert weights == fresh.get_index_weight("000300.SH") != weights_before
    assert set(weights) == set(xt.get_stock_list_in_sector("沪深300"))
    # the ST filter of the review sees the ST periods that run on into the review day
    for code in xt.get_stock_list_in_sector("沪深300"):
        assert not xt.market.universe.get(code).is_st_on(dt.date(2025, 12, 14)), code


def test_concurrent_callers_after_the_clock_moved_see_one_market():
    xt, move_to = moving(FRIDAY)
    xt.get_stock_list_in_sector("沪深300")
    move_to(MONDAY)
    expected = answers(started_at(MONDAY))
    results: list[dict[str, list[str]]] = []
    barrier = threading.Barrier(6)

    def ask() -> None:
        barrier.wait()
        results.append(answers(xt))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 and all(r == expected for r in results)
    assert xt.market.universe is xt.market.universe  # rebuilt once, then kept for the day


def test_a_running_simulator_moves_into_the_year_after_the_recorded_holidays():
    """Left running over New Year past the recorded holidays, it serves the new year as one started then."""
    from qmt_bridge.sim.market.calendar import provisional_calendar, sse_calendar

    last = sse_calendar().sessions[-1]
    new_year = provisional_calendar().provisional_from
    first_day = provisional_calendar().next_day(last)
    xt, move_to = moving(dt.datetime.combine(last, dt.time(15, 30), CST))
    assert xt.get_full_tick(["600519.SH"])["600519.SH"]["timetag"].startswith(f"{last:%Y%m%d}")
    move_to(dt.datetime.combine(first_day, dt.time(15, 30), CST))
    assert first_day.year == new_year.year
    tick = xt.get_full_tick(["600519.SH"])["600519.SH"]
    assert tick["timetag"].startswith(f"{first_day:%Y%m%d}")
    fresh = started_at(dt.datetime.combine(first_day, dt.time(15, 30), CST))
    assert tick == fresh.get_full_tick(["600519.SH"])["600519.SH"]
