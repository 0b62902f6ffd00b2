"""Ex-rights prices, dividend factors and front/back adjustment, on hand-built and on simulated bars."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from qmt_bridge.sim.market import instruments as ins
from qmt_bridge.sim.market.bars import Bars, aggregate, day_start_ms, ms_to_date
from qmt_bridge.sim.market.calendar import sse_calendar
from qmt_bridge.sim.market.corporate import CorporateAction, adjust, ex_rights_price, factor_table
from qmt_bridge.sim.market.prices import PriceEngine

D = dt.date
PRICE_FIELDS = ("open", "high", "low", "close", "preClose")


def _bars(days: list[dt.date], closes: list[float], pre_closes: list[float] | None = None) -> Bars:
    closes_a = np.array(closes, dtype=np.float64)
    n = len(days)
    return Bars(
        {
            "time": np.array([day_start_ms(d) for d in days], dtype=np.int64),
            "open": closes_a + 0.1,
            "high": closes_a + 0.3,
            "low": closes_a - 0.2,
            "close": closes_a,
            "volume": np.full(n, 100, dtype=np.int64),
            "amount": np.full(n, 1000.0),
            "settelementPrice": np.zeros(n),
            "openInterest": np.zeros(n, dtype=np.int64),
            "preClose": np.array(pre_closes if pre_closes is not None else [closes[0], *closes[:-1]]),
            "suspendFlag": np.zeros(n, dtype=np.int64),
        }
    )


def _action(ex_date: dt.date, pre_close: float, **kw) -> CorporateAction:
    probe = CorporateAction(ex_date, **kw)
    return CorporateAction(ex_date, **kw, dr=pre_close / ex_rights_price(pre_close, probe))


DAYS = [D(2024, 6, 3), D(2024, 6, 4), D(2024, 6, 5), D(2024, 6, 6), D(2024, 6, 7)]


def test_ex_rights_price_formula():
    cash = CorporateAction(D(2024, 6, 5), interest=0.5)
    assert ex_rights_price(10.0, cash) == pytest.approx(9.5)
    bonus = CorporateAction(D(2024, 6, 5), interest=0.2, stock_bonus=0.3, stock_gift=0.2)
    assert ex_rights_price(10.0, bonus) == pytest.approx((10 - 0.2) / 1.5)
    rights = CorporateAction(D(2024, 6, 5), allot_num=0.3, allot_price=6.0)
    assert ex_rights_price(10.0, rights) == pytest.approx((10 + 1.8) / 1.3)


def test_front_adjustment_of_a_cash_dividend():
    action = _action(DAYS[2], 10.0, interest=0.5)
    bars = _bars(DAYS, [9.8, 10.0, 9.6, 9.7, 9.9], [9.7, 9.8, 9.5, 9.6, 9.7])
    front = adjust(bars, [action], "front")
    assert front["close"][1] == pytest.approx(10.0 - 0.5)
    assert front["close"][0] == pytest.approx(9.8 - 0.5)
    assert front["high"][1] == pytest.approx(10.3 - 0.5)
    for f in PRICE_FIELDS:  # on and after the ex-date nothing changes (preClose already ex-rights)
        np.testing.assert_array_equal(front[f][2:], bars[f][2:])
    np.testing.assert_array_equal(front["volume"], bars["volume"])
    np.testing.assert_array_equal(front["amount"], bars["amount"])


def test_front_ratio_and_back_ratio():
    action = _action(DAYS[2], 10.0, interest=0.5)
    bars = _bars(DAYS, [9.8, 10.0, 9.6, 9.7, 9.9])
    front_ratio = adjust(bars, [action], "front_ratio")
    assert front_ratio["close"][1] == pytest.approx(10.0 / action.dr)
    np.testing.assert_array_equal(front_ratio["close"][2:], bars["close"][2:])
    back_ratio = adjust(bars, [action], "back_ratio")
    np.testing.assert_array_equal(back_ratio["close"][:2], bars["close"][:2])
    assert back_ratio["close"][3] == pytest.approx(9.7 * action.dr)
    # the two ratio series differ by one constant factor
    np.testing.assert_allclose(back_ratio["close"] / front_ratio["close"], action.dr)


def test_chained_actions_front_and_back_are_consistent():
    a1 = _action(DAYS[1], 9.8, interest=0.3)
    a2 = _action(DAYS[3], 9.6, interest=0.1, stock_bonus=0.2, stock_gift=0.3)
    a3 = _action(DAYS[4], 7.0, allot_num=0.2, allot_price=5.0)
    actions = [a3, a1, a2]  # order of the list does not matter
    bars = _bars(DAYS, [9.8, 9.5, 9.6, 6.5, 6.9])
    front = adjust(bars, actions, "front")
    expected0 = ex_rights_price(ex_rights_price(ex_rights_price(9.8, a1), a2), a3)
    assert front["close"][0] == pytest.approx(expected0)
    assert front["close"][4] == bars["close"][4]
    back = adjust(bars, actions, "back")
    assert back["close"][0] == bars["close"][0]

    def undo(p: float, a: CorporateAction) -> float:
        return p * a.share_ratio + a.interest - a.allot_price * a.allot_num

    assert back["close"][4] == pytest.approx(undo(undo(undo(6.9, a3), a2), a1))
    # undoing every action on the front-adjusted series gives the back-adjusted one
    np.testing.assert_allclose(undo(undo(undo(front["close"], a3), a2), a1), back["close"])


def test_intraday_bars_use_their_trading_day():
    action = _action(DAYS[2], 10.0, interest=0.5)
    times = [
        int(dt.datetime.combine(d, dt.time(h, m), dt.timezone(dt.timedelta(hours=8))).timestamp() * 1000)
        for d in DAYS[1:3]
        for h, m in ((9, 31), (15, 0))
    ]
    bars = Bars({"time": np.array(times), "close": np.array([10.0, 10.0, 9.5, 9.5])})
    front = adjust(bars, [action], "front")
    assert front["close"].tolist() == pytest.approx([9.5, 9.5, 9.5, 9.5])


def test_none_and_unknown_dividend_types():
    bars = _bars(DAYS, [9.8, 10.0, 9.6, 9.7, 9.9])
    action = _action(DAYS[2], 10.0, interest=0.5)
    assert adjust(bars, [action], "none") is bars
    assert adjust(bars, [], "front") is bars
    with pytest.raises(ValueError):
        adjust(bars, [action], "forward")


def test_factor_table_rows():
    a2 = _action(DAYS[3], 9.6, interest=0.1, stock_bonus=0.2, stock_gift=0.3)
    a1 = _action(DAYS[1], 9.8, interest=0.3)
    rows = factor_table([a2, a1])
    assert [r["time"] for r in rows] == [day_start_ms(DAYS[1]), day_start_ms(DAYS[3])]
    assert set(rows[0]) == {
        "time",
        "interest",
        "stockBonus",
        "stockGift",
        "allotNum",
        "allotPrice",
        "gugai",
        "dr",
    }
    assert rows[1]["stockBonus"] == 0.2 and rows[1]["stockGift"] == 0.3 and rows[1]["dr"] == a2.dr
    assert rows[0]["gugai"] == 0


# ------------------------------------------------------------------------------------------- engine


@pytest.fixture(scope="module")
def engine() -> PriceEngine:
    return PriceEngine(sse_calendar(), seed=11)


SEASONED = D(2003, 1, 6)  # listed before the calendar starts


def _stock(code: str, listed: dt.date = SEASONED) -> ins.Instrument:
    market = code.rsplit(".", 1)[1]
    board = ins.SH_MAIN if market == "SH" else ins.SZ_MAIN
    return ins.Instrument(
        code=code,
        name="",
        kind=ins.STOCK,
        board=board,
        market=market,
        list_date=listed,
        base_price=12.0,
        volatility=0.022,
        float_shares=800_000_000,
    )


STOCKS = [_stock(f"{600100 + i}.SH") for i in range(15)] + [
    _stock(f"{1 + i:06d}.SZ", D(2010, 3, 1)) for i in range(15)
]


def test_simulated_actions_are_consistent_with_prices(engine):
    seen_bonus = 0
    years_with_cash = 0
    years = 0
    for inst in STOCKS:
        bars = engine.daily(inst)
        index = {ms_to_date(int(t)): i for i, t in enumerate(bars["time"])}
        actions = engine.corporate_actions(inst)
        assert actions == sorted(actions, key=lambda a: a.ex_date)
        for a in actions:
            i = index[a.ex_date]
            prev_close = bars["close"][i - 1]
            ref = ex_rights_price(prev_close, a)
            # preClose on the ex-date is the reference price rounded half-up to the tick
            assert bars["preClose"][i] == pytest.approx(math.floor(ref * 100 + 0.5 + 1e-9) / 100)
            assert a.dr == pytest.approx(prev_close / ref)
            assert a.dr > 1.0
            if not a.gugai:
                assert D(a.ex_date.year, 5, 10) <= a.ex_date <= D(a.ex_date.year, 8, 31)
                assert a.interest == 0 or 0.004 <= a.interest / prev_close <= 0.031
            seen_bonus += (a.stock_bonus + a.stock_gift) > 0 and not a.gugai
        # preClose is the previous close except on ex-dates
        ex = np.array([index[a.ex_date] for a in actions], dtype=int)
        plain = np.ones(len(bars), dtype=bool)
        plain[0] = False
        plain[ex] = False
        np.testing.assert_array_equal(bars["preClose"][1:][plain[1:]], bars["close"][:-1][plain[1:]])
        first_year = ms_to_date(int(bars["time"][0])).year + 1
        cash_years = {a.ex_date.year for a in actions if a.interest > 0}
        years += 2025 - first_year + 1
        years_with_cash += len([y for y in cash_years if first_year <= y <= 2025])
    assert years_with_cash / years > 0.6  # most stocks pay about once a year
    assert seen_bonus >= 5


def test_front_adjusted_engine_series_is_continuous_across_ex_dates(engine):
    for inst in STOCKS[:10]:
        bars = engine.daily(inst)
        actions = engine.corporate_actions(inst)
        front = adjust(bars, actions, "front")
        back = adjust(bars, actions, "back")
        assert front["close"][-1] == bars["close"][-1]
        assert back["close"][0] == bars["close"][0]
        index = {ms_to_date(int(t)): i for i, t in enumerate(bars["time"])}
        for a in actions:
            i = index[a.ex_date]
            # adjusted previous close equals the ex-date preClose up to the tick rounding of the latter
            scale = np.prod([1 / b.share_ratio for b in actions if b.ex_date > a.ex_date])
            assert front["close"][i - 1] == pytest.approx(front["preClose"][i], abs=0.005 * scale + 1e-9)
            grow = np.prod([b.share_ratio for b in actions if b.ex_date <= a.ex_date])
            assert back["close"][i - 1] == pytest.approx(back["preClose"][i], abs=0.005 * grow + 1e-9)
        ratio_f = adjust(bars, actions, "front_ratio")
        ratio_b = adjust(bars, actions, "back_ratio")
        total = np.prod([a.dr for a in actions])
        np.testing.assert_allclose(ratio_b["close"] / ratio_f["close"], total, rtol=1e-9)


def test_front_adjusted_weekly_bars_from_engine(engine):
    inst = STOCKS[0]
    a = next(
        a for a in engine.corporate_actions(inst) if a.interest > 0 and a.stock_bonus + a.stock_gift == 0
    )
    daily = engine.kline(inst, "1d", a.ex_date - dt.timedelta(days=10), a.ex_date)
    front = adjust(daily, [a], "front")
    assert front["close"][-2] == pytest.approx(daily["close"][-2] - a.interest)
    weekly = aggregate(front, "1w")
    assert weekly["close"][-1] == front["close"][-1]
