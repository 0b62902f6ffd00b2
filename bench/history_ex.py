"""get_history_ex of 500 stocks × 1 year of daily bars through QMTClient into DataFrames, against the same
call made in process on the simulator (its DataFrames included). Two ways through the bridge: Arrow (the
client's choice with pyarrow installed; target ratio ≤ 1.3) and JSON (without pyarrow; target ≤ 2.0).

    python bench/history_ex.py [--stocks 500] [--repeat 3] [--isolation both|thread|process]

The bridge runs with its backend in a thread of the server (``QMT_BRIDGE_BACKEND_ISOLATION=thread``, the
simulator's default) and in a supervised child process (``process``, issue 19's isolation: the bars cross
a pipe before the server encodes them); ``both`` (the default) starts both servers and prints each one's
lines. With isolation on, the issue's target is history_ex ratio ≤ 2.0 (both ways).

Each measurement runs ``--repeat`` times after one warm-up, the in-process call and every server/format
alternating within a round so that machine noise hits all alike; the best time of each counts (the least
disturbed run).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from contextlib import ExitStack

from _serve import get_json, serve

from qmt_bridge import QMTClient
from qmt_bridge.server.config import Settings
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market.market import SimMarket

#: Targets of bridge/in-process: (format, with the backend in a thread, with it in a process).
TARGETS = {"Arrow": (1.3, 2.0), "JSON": (2.0, 2.0)}


def alternate(runs: dict[str, Callable[[], None]], repeat: int) -> dict[str, float]:
    """Best seconds of each of ``runs``: one warm-up round, then ``repeat`` rounds, each running every one
    in turn."""
    best = dict.fromkeys(runs, float("inf"))
    for round_ in range(repeat + 1):
        for name, fn in runs.items():
            started = time.perf_counter()
            fn()
            seconds = time.perf_counter() - started
            if round_:
                best[name] = min(best[name], seconds)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stocks", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--isolation",
        choices=("both", "thread", "process"),
        default="both",
        help="where the bridge's backend runs (default: both, each in its own server)",
    )
    args = parser.parse_args()
    isolations = ("thread", "process") if args.isolation == "both" else (args.isolation,)

    settings = Settings(_env_file=None, backend="sim")
    xtdata = SimXtData(SimMarket(seed=settings.sim_seed))
    with ExitStack() as stack:
        bases = {iso: stack.enter_context(serve("bridge", isolation=iso)) for iso in isolations}
        first = next(iter(bases.values()))
        codes = get_json(first + "/api/sector/stocks?sector=%E6%B2%AA%E6%B7%B1A%E8%82%A1")["stocks"]
        # Stocks listed for more than a year, so every one has a full year of bars.
        codes = [c for c in codes if c.startswith(("600", "000", "601"))][: args.stocks]
        end = xtdata.market.current_day()
        start = end.replace(year=end.year - 1).strftime("%Y%m%d")
        end_s = end.strftime("%Y%m%d")

        def remote(client: QMTClient) -> Callable[[], None]:
            def run() -> None:
                frames = client.get_history_ex(codes, period="1d", start_time=start, end_time=end_s)
                assert len(frames) == len(codes)

            return run

        def local() -> None:
            frames = xtdata.get_market_data_ex([], codes, period="1d", start_time=start, end_time=end_s)
            assert len(frames) == len(codes)

        runs: dict[str, Callable[[], None]] = {"in process": local}
        arrow_clients = []
        for iso, base in bases.items():
            arrow_client = QMTClient(base_url=base, timeout=120)
            json_client = QMTClient(base_url=base, timeout=120)
            json_client._server_arrow = False  # as without pyarrow: format=columns, gzip
            arrow_clients.append(arrow_client)
            runs[f"{iso} Arrow"] = remote(arrow_client)
            runs[f"{iso} JSON"] = remote(json_client)
        best = alternate(runs, args.repeat)
        for client in arrow_clients:
            assert client._server_arrow is True, "the Arrow path was not used (pyarrow missing?)"
        sample = xtdata.get_market_data_ex([], codes[:5], period="1d", start_time=start, end_time=end_s)
    rows = sum(len(f) for f in sample.values()) // len(sample)
    t_local = best["in process"]
    print(f"{len(codes)} stocks x ~{rows} daily bars, best of {args.repeat}")
    print(f"in process: {t_local * 1000:.0f} ms")
    for iso in isolations:
        t_arrow, t_json = best[f"{iso} Arrow"], best[f"{iso} JSON"]
        print(
            f"through the bridge, backend in a {iso}: Arrow {t_arrow * 1000:.0f} ms, JSON {t_json * 1000:.0f} ms"
        )
    for iso in isolations:
        for name in ("Arrow", "JSON"):
            target = TARGETS[name][iso == "process"]
            ratio = best[f"{iso} {name}"] / t_local
            verdict = "OK" if ratio <= target else "ABOVE TARGET"
            print(f"ratio bridge ({name}, {iso})/in-process = {ratio:.2f} (target <= {target}) {verdict}")
    if len(isolations) == 2:
        for name in ("Arrow", "JSON"):
            ratio = best[f"process {name}"] / best[f"thread {name}"]
            print(f"ratio process/thread ({name}) = {ratio:.2f} (what the hop to the backend process adds)")


if __name__ == "__main__":
    main()
