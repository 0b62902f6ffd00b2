"""What the simulator's main operations cost on this machine (a report, no target).

    python bench/sim_costs.py

The simulator computes data on demand; these numbers say how long a first (cold) and a repeated (warm)
request take, which bounds what the server can answer per second on the simulator.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market.calendar import sse_calendar
from qmt_bridge.sim.market.market import SimMarket
from qmt_bridge.sim.market.sectors import Sectors
from qmt_bridge.sim.market.universe import build_universe

MOMENT = dt.datetime(2025, 11, 20, 15, 30, tzinfo=CST)


def timed(label: str, fn: Callable[[], object], repeat: int = 1) -> None:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    ms = (time.perf_counter() - started) / repeat * 1000
    print(f"{label:58s} {ms:9.2f} ms")


def main() -> None:
    cal = sse_calendar()
    timed("build_universe", lambda: build_universe(7, MOMENT.date()))
    universe = build_universe(7, MOMENT.date())
    timed(
        "every sector's latest members",
        lambda: [Sectors(universe, cal, 7).members(n) for n in Sectors(universe, cal, 7).names()],
    )
    market = SimMarket(seed=7, clock=fixed_clock(MOMENT))
    xtdata = SimXtData(market)
    inst = market.universe.get("600519.SH")
    timed("daily(), one stock, 20 years, cold", lambda: market.prices.daily(inst))
    timed("minutes(), one day, cold", lambda: market.prices.minutes(inst, dt.date(2024, 6, 6)))
    timed(
        "kline 1m, 250 days",
        lambda: market.prices.kline(inst, "1m", dt.date(2024, 6, 1), dt.date(2025, 5, 31)),
    )
    timed("ticks(), one day", lambda: market.prices.ticks(inst, dt.date(2024, 6, 6)))
    timed("snapshot(), warm (mean of 50)", lambda: market.prices.snapshot(inst, MOMENT), repeat=50)
    codes = xtdata.get_stock_list_in_sector("沪深A股")[100:150]
    timed("get_financial_data, 50 stocks x 8 tables, cold", lambda: xtdata.get_financial_data(codes))
    timed("get_financial_data, same, cached", lambda: xtdata.get_financial_data(codes))
    timed("get_etf_info, first call of the day", xtdata.get_etf_info)
    timed("get_full_tick('SH'), whole market, cold", lambda: xtdata.get_full_tick(["SH"]))
    timed(
        "get_l2_transaction, one stock-day, cold", lambda: xtdata.get_l2_transaction(stock_code="000001.SZ")
    )


if __name__ == "__main__":
    main()
