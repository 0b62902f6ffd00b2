"""Many deaths of the backend process in a row: does the server's side leak anything across restarts?

The simulator runs in a supervised child process (``ProcessBackend``). Each round holds a subscription, crashes
the process in a call (the test fault ``crash``: exit code 3, as xtquant's native assertion), waits for the
new process, checks that it answers, and ends the subscription. After a few rounds to settle, the open file
descriptors, threads, and the supervisor's callbacks, subscriptions and calls in flight are counted, and again
at the end: they must not grow (a week of crashes must not wear the server down).

    python bench/isolation_soak.py [--rounds 50]

Prints the counts, each restart's time (from the crash to the new process answering: p50/max) and a verdict.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import threading
import time

from qmt_bridge.backends.base import BackendCallLost
from qmt_bridge.backends.isolation import ProcessBackend
from qmt_bridge.backends.sim import SimBackend

SETTLE_ROUNDS = 5


def open_files() -> int:
    """Open file descriptors of this process (Linux: /proc; elsewhere -1, not compared)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


def counts(backend: ProcessBackend) -> dict[str, int]:
    gc.collect()
    supervisor = backend.supervisor
    return {
        "open files": open_files(),
        "threads": threading.active_count(),
        "callbacks": len(supervisor._callbacks),
        "subscriptions": len(supervisor._subscriptions),
        "calls in flight": len(supervisor._pending),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()

    backend = ProcessBackend(SimBackend(seed=7), max_restarts_per_hour=10**6, restart_delays=(0.0,))
    backend.start()
    xtdata = backend.xtdata
    pushes: list[object] = []
    restart_seconds: list[float] = []
    settled: dict[str, int] = {}
    try:
        for round_ in range(args.rounds):
            seq = xtdata.subscribe_quote("600519.SH", "tick", "", "", 0, pushes.append)
            backend.inject_fault("crash", "get_markets")
            crashed = time.perf_counter()
            try:
                xtdata.get_markets()
                raise AssertionError("the planted crash did not happen")
            except BackendCallLost:
                pass
            while True:
                try:
                    assert xtdata.get_markets()
                    break
                except BackendCallLost:
                    raise
                except Exception:  # BackendRestarting while the new process starts
                    time.sleep(0.005)
            restart_seconds.append(time.perf_counter() - crashed)
            xtdata.unsubscribe_quote(seq)  # a subscription of the dead process: nothing to end
            if round_ + 1 == SETTLE_ROUNDS:
                settled = counts(backend)
        final = counts(backend)
        restarts = backend.status()["restarts_last_hour"]
    finally:
        backend.stop()
    print(f"{args.rounds} crashes, {restarts} restarts recorded")
    print(
        f"crash -> new process answering: p50 {statistics.median(restart_seconds):.2f} s, "
        f"max {max(restart_seconds):.2f} s"
    )
    grown = {name: (settled[name], final[name]) for name in final if final[name] > settled[name] >= 0}
    for name in final:
        print(
            f"  {name:16s} after {SETTLE_ROUNDS} rounds {settled[name]:4d}, after {args.rounds} {final[name]:4d}"
        )
    print("nothing grew: OK" if not grown else f"GREW: {grown}")


if __name__ == "__main__":
    main()
