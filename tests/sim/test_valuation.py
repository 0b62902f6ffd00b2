"""Valuations (tick ``pe``, IPO PEs) agree with the simulator's own financial statements.

``pe`` = price / TTM EPS, the EPS computed here independently from ``get_financial_data``'s Income and
Capital tables. The end-to-end snapshot tests need the price engine to pass the EPS into its intraday
days (``PriceEngine.earnings``); they are skipped until it does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market import financials
from qmt_bridge.sim.market.intraday import FLOAT_EPS
from qmt_bridge.sim.market.market import SimMarket
from qmt_bridge.sim.market.ticks import snapshot_dicts
from qmt_bridge.sim.market.valuation import EarningsBook, daily_closes

MOMENT = dt.datetime(2025, 11, 20, 15, 30, tzinfo=CST)
BANK, MOUTAI = "601398.SH", "600519.SH"


@pytest.fixture(scope="module")
def xtdata() -> SimXtData:
    return SimXtData(SimMarket(seed=7, clock=fixed_clock(MOMENT)))


@pytest.fixture(scope="module")
def book(xtdata: SimXtData) -> EarningsBook:
    prices = xtdata.market.prices
    return EarningsBook(7, daily_closes(prices.daily), prices.corporate_actions)


def statement_eps(xtdata: SimXtData, code: str, day: dt.date) -> float:
    """TTM EPS of the newest report announced by ``day``, from the Income and Capital tables."""
    tables = xtdata.get_financial_data([code], ["Income", "Capital"])[code]
    inc = tables["Income"]
    inc = inc[inc["m_anntime"].astype(int) <= int(day.strftime("%Y%m%d"))]
    if inc.empty:
        return 0.0
    ytd = inc["net_profit_excl_min_int_inc"].to_numpy()
    month = inc["m_timetag"].str[4:6].astype(int).to_numpy()
    single = np.where(month == 3, ytd, ytd - np.r_[0.0, ytd[:-1]])  # single quarters
    ttm = single[-4:].sum() if len(single) >= 4 else ytd[-1] * 12 / month[-1]
    return float(ttm / tables["Capital"]["total_capital"].iloc[-1])


def loss_maker(xtdata: SimXtData, book: EarningsBook) -> str:
    universe = xtdata.market.universe
    for code in xtdata.get_stock_list_in_sector("沪深A股")[::7]:
        if book.ttm_eps(universe.get(code), MOMENT.date()) < 0:
            return code
    raise AssertionError("the model makes no loss-making stock")


def test_ttm_eps_is_the_statements(xtdata: SimXtData, book: EarningsBook) -> None:
    universe = xtdata.market.universe
    codes = [BANK, MOUTAI, "000001.SZ", loss_maker(xtdata, book)]
    for code in codes:
        for day in (MOMENT.date(), dt.date(2024, 5, 6), dt.date(2019, 9, 2)):
            expected = statement_eps(xtdata, code, day)
            assert book.ttm_eps(universe.get(code), day) == pytest.approx(expected, rel=1e-12), (code, day)


def test_eps_changes_on_the_announcement_day(xtdata: SimXtData, book: EarningsBook) -> None:
    inst = xtdata.market.universe.get(MOUTAI)
    income = xtdata.get_financial_data([MOUTAI], ["Income"])[MOUTAI]["Income"]
    ann = dt.datetime.strptime(income["m_anntime"].iloc[-1], "%Y%m%d").date()
    before = ann - dt.timedelta(days=1)
    assert book.ttm_eps(inst, ann) != book.ttm_eps(inst, before)
    assert book.ttm_eps(inst, before) == pytest.approx(statement_eps(xtdata, MOUTAI, before), rel=1e-12)


def test_vectorised_announcement_days_are_announcement_date() -> None:
    u0 = np.random.default_rng(1).random(80)
    days = financials._announcement_days(2006, u0)
    periods = financials._periods(2006, 2025)
    scalar = [financials.announcement_date(p, u) for p, u in zip(periods, u0.tolist(), strict=True)]
    for k in range(4, 80, 4):
        scalar[k] = max(scalar[k], scalar[k - 1])
    assert [dt.date.fromordinal(d) for d in days.tolist()] == scalar


def test_snapshot_pe_divides_the_price_by_the_eps(xtdata: SimXtData) -> None:
    """The intraday side: a day given an EPS shows price / EPS (negative for a loss, 0 without one)."""
    prices = xtdata.market.prices
    inst = xtdata.market.universe.get(MOUTAI)
    ctx = prices._intraday(inst, MOMENT.date(), store=False)
    for eps in (31.7, -2.5, 0.0):
        floats = ctx.floats.copy()
        floats[FLOAT_EPS] = eps
        snap = snapshot_dicts([dataclasses.replace(ctx, floats=floats)], np.array([4000]))[0]
        assert snap["pe"] == (round(snap["lastPrice"] / eps, 2) if eps else 0.0)


def test_banks_pe_is_plausible(xtdata: SimXtData, book: EarningsBook) -> None:
    universe = xtdata.market.universe
    banks = [inst for inst in universe.by_kind("stock") if inst.industry == "银行"]
    closes = xtdata.get_full_tick([inst.code for inst in banks])
    pes = np.array(
        [
            closes[inst.code]["lastPrice"] / book.ttm_eps(inst, MOMENT.date())
            for inst in banks
            if inst.code in closes
        ]
    )
    assert 3 <= np.median(pes) <= 10
    assert np.mean((pes >= 3) & (pes <= 10)) >= 0.75
    assert ((pes > 1.5) & (pes < 20)).all()


def test_full_tick_pe_is_price_over_ttm_eps(xtdata: SimXtData, book: EarningsBook) -> None:
    universe = xtdata.market.universe
    codes = [BANK, MOUTAI, loss_maker(xtdata, book)]
    ticks = xtdata.get_full_tick(codes)
    for code in codes:
        eps = statement_eps(xtdata, code, MOMENT.date())
        assert ticks[code]["pe"] == pytest.approx(round(ticks[code]["lastPrice"] / eps, 2), abs=0.011)
        assert np.sign(ticks[code]["pe"]) == np.sign(book.ttm_eps(universe.get(code), MOMENT.date()))
    assert {t["pe"] for c, t in xtdata.get_full_tick(["000300.SH", "510300.SH"]).items()} == {0.0}


def test_pe_moves_with_a_new_report(xtdata: SimXtData) -> None:
    income = xtdata.get_financial_data([MOUTAI], ["Income"])[MOUTAI]["Income"]
    calendar = xtdata.market.calendar
    ann = next(
        d
        for s in reversed(income["m_anntime"].tolist())
        if calendar.is_trading_day(d := dt.datetime.strptime(s, "%Y%m%d").date())
    )
    prices = xtdata.market.prices
    inst = xtdata.market.universe.get(MOUTAI)
    for day in (calendar.prev_day(ann), ann):
        snap = prices.snapshot(inst, dt.datetime.combine(day, dt.time(15, 0), CST))
        assert snap["pe"] == pytest.approx(
            round(snap["lastPrice"] / statement_eps(xtdata, MOUTAI, day), 2), abs=0.011
        )
    assert statement_eps(xtdata, MOUTAI, calendar.prev_day(ann)) != statement_eps(xtdata, MOUTAI, ann)


def test_level2_snapshot_pe_is_level1s(xtdata: SimXtData) -> None:
    ticks = xtdata.get_market_data_ex(["pe", "lastPrice"], [BANK], period="tick", count=200)[BANK]
    quotes = xtdata.get_market_data_ex(["pe"], [BANK], period="l2quote", count=200)[BANK]
    common = ticks.index.intersection(quotes.index)
    assert len(common) > 100
    assert (quotes.loc[common, "pe"] == ticks.loc[common, "pe"]).all()


def test_ipo_pe_is_the_issue_price_over_the_reports(xtdata: SimXtData) -> None:
    rows = xtdata.get_ipo_info("20240601", "20251120")
    checked = 0
    for row in rows:
        start = dt.datetime.strptime(row["startDate"], "%Y%m%d").date()
        eps = statement_eps(xtdata, row["securityCode"], start)
        if not eps:
            continue
        assert row["afterPE"] == pytest.approx(round(row["publishPrice"] / eps, 2), abs=0.011)
        assert row["isProfit"] == int(eps > 0)
        assert row["beforePE"] * eps > 0 and abs(row["beforePE"]) <= abs(row["afterPE"])
        checked += 1
    assert checked >= 3
