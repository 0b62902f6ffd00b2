"""get_history_ex of 500 stocks × 1 year of daily bars through QMTClient into DataFrames, against the same
call made in process on the simulator (its DataFrames included). Target ratio ≤ 2.0.

    python bench/history_ex.py [--stocks 500] [--repeat 3]

Each side runs ``--repeat`` times after one warm-up; the best time of each counts (the least disturbed run).
"""

from __future__ import annotations

import argparse
import time

from _serve import get_json, serve

from qmt_bridge import QMTClient
from qmt_bridge.server.config import Settings
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market.market import SimMarket


def best_of(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stocks", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    settings = Settings(_env_file=None, backend="sim")
    xtdata = SimXtData(SimMarket(seed=settings.sim_seed))
    with serve("bridge") as base:
        codes = get_json(base + "/api/sector/stocks?sector=%E6%B2%AA%E6%B7%B1A%E8%82%A1")["stocks"]
        # Stocks listed for more than a year, so every one has a full year of bars.
        codes = [c for c in codes if c.startswith(("600", "000", "601"))][: args.stocks]
        end = xtdata.market.current_day()
        start = end.replace(year=end.year - 1).strftime("%Y%m%d")
        end_s = end.strftime("%Y%m%d")
        client = QMTClient(base_url=base, timeout=120)

        def remote() -> None:
            frames = client.get_history_ex(codes, period="1d", start_time=start, end_time=end_s)
            assert len(frames) == len(codes)

        def local() -> None:
            frames = xtdata.get_market_data_ex([], codes, period="1d", start_time=start, end_time=end_s)
            assert len(frames) == len(codes)

        t_remote = best_of(remote, args.repeat)
        t_local = best_of(local, args.repeat)
        sample = client.get_history_ex(codes[:5], period="1d", start_time=start, end_time=end_s)
    rows = sum(len(f) for f in sample.values()) // len(sample)
    ratio = t_remote / t_local
    print(f"{len(codes)} stocks x ~{rows} daily bars")
    print(f"in process: {t_local * 1000:.0f} ms, through the bridge: {t_remote * 1000:.0f} ms")
    print(f"ratio bridge/in-process = {ratio:.2f} (target <= 2.0) {'OK' if ratio <= 2.0 else 'ABOVE TARGET'}")


if __name__ == "__main__":
    main()
