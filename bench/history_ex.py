"""get_history_ex of 500 stocks × 1 year of daily bars through QMTClient into DataFrames, against the same
call made in process on the simulator (its DataFrames included). Two ways through the bridge: Arrow (the
client's choice with pyarrow installed; target ratio ≤ 1.3) and JSON (without pyarrow; target ≤ 2.0).

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
        arrow_client = QMTClient(base_url=base, timeout=120)
        json_client = QMTClient(base_url=base, timeout=120)
        json_client._server_arrow = False  # as without pyarrow: format=columns, gzip

        def remote(client: QMTClient) -> None:
            frames = client.get_history_ex(codes, period="1d", start_time=start, end_time=end_s)
            assert len(frames) == len(codes)

        def local() -> None:
            frames = xtdata.get_market_data_ex([], codes, period="1d", start_time=start, end_time=end_s)
            assert len(frames) == len(codes)

        t_arrow = best_of(lambda: remote(arrow_client), args.repeat)
        t_json = best_of(lambda: remote(json_client), args.repeat)
        t_local = best_of(local, args.repeat)
        assert arrow_client._server_arrow is True, "the Arrow path was not used (pyarrow missing?)"
        sample = json_client.get_history_ex(codes[:5], period="1d", start_time=start, end_time=end_s)
    rows = sum(len(f) for f in sample.values()) // len(sample)
    print(f"{len(codes)} stocks x ~{rows} daily bars")
    print(
        f"in process: {t_local * 1000:.0f} ms, through the bridge: Arrow {t_arrow * 1000:.0f} ms, "
        f"JSON {t_json * 1000:.0f} ms"
    )
    for name, seconds, target in (("Arrow", t_arrow, 1.3), ("JSON", t_json, 2.0)):
        ratio = seconds / t_local
        verdict = "OK" if ratio <= target else "ABOVE TARGET"
        print(f"ratio bridge ({name})/in-process = {ratio:.2f} (target <= {target}) {verdict}")


if __name__ == "__main__":
    main()
