"""Continuous futures contracts (IF00.IF, rb00.SF: 主连) spliced from their main contracts
(``sim/market/continuous.py``): each day's bar is that day's main contract's, a roll day's preClose the new
contract's own, and the day's 1m bars and snapshot the main contract's. The simulator frozen at Thursday
2025-11-20 10:00 CST (seed 7); IF's main contract rolled from IF2511 to IF2512 on Monday 2025-11-17.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import SEED
from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market.continuous import splice
from qmt_bridge.sim.market.market import SimMarket

MOMENT = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
FIELDS = ["open", "high", "low", "close", "preClose", "volume", "amount", "openInterest", "settelementPrice"]


@pytest.fixture(scope="module")
def xtdata() -> SimXtData:
    return SimXtData(SimMarket(seed=SEED, clock=fixed_clock(MOMENT)))


@pytest.mark.parametrize("continuous", ["IF00.IF", "rb00.SF", "AP00.ZF"])
def test_every_day_is_the_main_contracts_bar(xtdata, continuous):
    bars = xtdata.get_market_data_ex(FIELDS, [continuous], "1d", count=60)[continuous]
    assert len(bars) == 60
    mains = set()
    for day, row in bars.iterrows():
        main = xtdata.get_main_contract(continuous, day)
        mains.add(main)
        own = xtdata.get_market_data_ex(FIELDS, [main], "1d", start_time=day, end_time=day)[main]
        assert row.to_dict() == own.iloc[0].to_dict(), (day, main)
    assert len(mains) >= 2  # the window holds a roll


def test_a_roll_days_pre_close_is_the_new_contracts_own(xtdata):
    bars = xtdata.get_market_data_ex(["close", "preClose"], ["IF00.IF"], "1d", count=5)["IF00.IF"]
    assert xtdata.get_main_contract("IF00.IF", "20251114") == "IF2511.IF"
    assert xtdata.get_main_contract("IF00.IF", "20251117") == "IF2512.IF"
    new = xtdata.get_market_data_ex(["preClose"], ["IF2512.IF"], "1d", count=5)["IF2512.IF"]
    assert bars.loc["20251117", "preClose"] == new.loc["20251117", "preClose"]
    assert bars.loc["20251117", "preClose"] != bars.loc["20251114", "close"]  # not the old contract's close
    assert bars.loc["20251118", "preClose"] == bars.loc["20251117", "close"]  # an ordinary day


def test_todays_minutes_and_snapshot_are_the_main_contracts(xtdata):
    main = xtdata.get_main_contract("IF00.IF")
    minutes = xtdata.get_market_data_ex(["open", "close", "volume"], ["IF00.IF", main], "1m", count=30)
    assert minutes["IF00.IF"].equals(minutes[main])
    ticks = xtdata.get_full_tick(["IF00.IF", main])
    assert ticks["IF00.IF"] == ticks[main]
    today = xtdata.get_market_data_ex(["close", "volume"], ["IF00.IF"], "1d", count=1)["IF00.IF"]
    assert today["close"].iloc[-1] == ticks[main]["lastPrice"]


def test_the_splice_starts_at_the_first_known_main_contract_and_stops_at_today():
    sessions = [dt.date(2025, 1, d) for d in (2, 3, 6, 7, 8)]
    mains = {sessions[1]: "A", sessions[2]: "A", sessions[3]: "B", sessions[4]: "B"}

    def row(code: str, day: dt.date) -> tuple[int, ...]:
        n = sessions.index(day)
        return (n, n, n, n, 1, 2, 3, 100 * (code == "B") + n)

    found = splice(sessions, 0, sessions[3], mains.get, row)  # type: ignore[arg-type]
    assert found is not None and found.i0 == 1 and list(found.close) == [1, 2, 3]
    assert list(found.pre_close) == [1, 2, 103]
    assert splice(sessions, 0, sessions[0], mains.get, row) is None  # type: ignore[arg-type]
