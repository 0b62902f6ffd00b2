"""What whole-market and single-code ``get_full_tick`` cost on the simulator (a report, no target).

    python bench/sim_snapshot.py [--markets SH,SZ] [--rounds 10]

The simulator answers ``get_full_tick`` from a cache that lives for one 3-second tick. This measures, in
process, on a clock the script moves by hand:

- the first whole-market call of a process (daily histories and intraday days built from scratch),
- the first whole-market call of the next trading day (daily histories not cached any more),
- a whole-market call when the 3-second cache has just rolled over (the realtime case: every 3 s),
- a whole-market call inside the same 3 seconds (a cache read),
- one code, cached and right after the cache rolled over (the hot HTTP path),

and the process's peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable

from qmt_bridge.sim.clock import CST, SimClock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market.market import SimMarket

DAY = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
NEXT_DAY = dt.datetime(2025, 11, 21, 10, 0, tzinfo=CST)


class HandClock(SimClock):
    """A replay clock that only moves when told to."""

    def __init__(self, start: dt.datetime) -> None:
        self.seconds = 0.0
        super().__init__("replay", replay_start=start, speed=1.0, wall=lambda: self.seconds)

    def advance(self, seconds: float) -> None:
        self.seconds += seconds

    def jump(self, moment: dt.datetime) -> None:
        self.seconds = (moment - self.replay_start).total_seconds()


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def peak_mb() -> float:
    """Peak resident memory of this process; NaN where the platform does not say (Windows)."""
    try:
        import resource
    except ImportError:
        return float("nan")
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, kB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", default="SH,SZ", help="markets of the whole-market call")
    parser.add_argument("--rounds", type=int, default=10, help="3-second rounds to average")
    args = parser.parse_args()
    markets = args.markets.split(",")

    clock = HandClock(DAY)
    xtdata = SimXtData(SimMarket(seed=7, clock=clock))
    whole = lambda: xtdata.get_full_tick(markets)  # noqa: E731
    single = lambda: xtdata.get_full_tick(["600519.SH"])  # noqa: E731
    before = peak_mb()

    def report(label: str, seconds: float, unit: str = "ms") -> None:
        scale = 1e3 if unit == "ms" else 1e6
        print(f"{label:58s} {seconds * scale:10.2f} {unit}")

    started = time.perf_counter()
    codes = len(whole())
    first = time.perf_counter() - started
    print(f"whole market = {','.join(markets)}: {codes} codes")
    report("whole market, first call of the process", first)
    warm = []
    for _ in range(args.rounds):
        clock.advance(3)
        warm.append(timed(whole))
    report(f"whole market, cache rolled over (median of {args.rounds})", statistics.median(warm))
    report("whole market, same 3 seconds (cache read)", timed(whole))
    n = 20_000
    report(f"one code, same 3 seconds (mean of {n})", timed(lambda: [single() for _ in range(n)]) / n, "us")
    rolled = []
    for _ in range(200):
        clock.advance(3)
        rolled.append(timed(single))
    report("one code, cache rolled over (median of 200)", statistics.median(rolled), "us")
    clock.jump(NEXT_DAY)
    report("whole market, first call of the next trading day", timed(whole))
    clock.advance(3)
    report("whole market, next day, cache rolled over", timed(whole))
    print(f"peak memory {peak_mb():.0f} MB ({peak_mb() - before:+.0f} MB during the run)")


if __name__ == "__main__":
    main()
