"""A download job beside interactive requests: 300 codes × 1 year of 1m bars on the simulator, as a job,
while one connection asks ``full_tick`` of one code back to back (the quote book off, so each is a backend
call through the same runner as the job's chunks).

    python bench/download.py [--codes 300] [--days 365] [--period 1m] [--idle-seconds 5] [--rounds 3]

Each round is an idle phase (the small request alone) and then the job (the small request beside it); the
phases alternate so that a machine that drifts (a shared one) weighs on both. Prints, per round, the job's
time and codes per second and both p99s; then the p50/p99 of the small request over all rounds, idle and
beside the job, and their ratio (target: p99 ratio ≤ 3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from _serve import serve_code

SERVER = """
import sys, uvicorn
from qmt_bridge.server.app import create_app
from qmt_bridge.server.config import Settings
from qmt_bridge.server.cli import uvicorn_config
port, data_dir = int(sys.argv[1]), sys.argv[2]
settings = Settings(_env_file=None, backend="sim", log_level="warning", quote_book=False, predownload=False,
                    data_dir=data_dir)
uvicorn.Server(uvicorn_config(create_app(settings), "127.0.0.1", port, "warning")).run()
"""
PROBE = "/api/market/full_tick?stocks=600519.SH"


def call(base: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def probe(base: str, until: threading.Event, seconds: float | None = None) -> list[float]:
    """Milliseconds of each small request, back to back, until ``until`` is set (or ``seconds`` pass)."""
    latencies = []
    stop_at = time.perf_counter() + seconds if seconds is not None else None
    while not until.is_set() and (stop_at is None or time.perf_counter() < stop_at):
        started = time.perf_counter()
        with urllib.request.urlopen(base + PROBE, timeout=60) as response:
            response.read()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def run_job(base: str, codes: list[str], period: str, start: str) -> tuple[dict, float, list[float]]:
    """One download job with the small request asked back to back beside it: the job's final state, its
    seconds, and the small request's milliseconds."""
    done = threading.Event()
    busy: list[float] = []
    prober = threading.Thread(target=lambda: busy.extend(probe(base, done)))
    started = time.perf_counter()
    job = call(base, "/api/download/history_data2", {"stocks": codes, "period": period, "start_time": start})
    prober.start()
    job_id = job["job_id"]
    while (state := call(base, f"/api/download/jobs/{job_id}"))["state"] in ("queued", "running"):
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    done.set()
    prober.join()
    return state, elapsed, busy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--codes", type=int, default=300)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--period", default="1m")
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="idle phase, then the job, this many times; the p99s are of the pooled samples (default 3: "
        "one job gives ~150 samples, whose p99 is its second worst)",
    )
    args = parser.parse_args()
    idle: list[float] = []
    busy: list[float] = []
    with tempfile.TemporaryDirectory() as data_dir, serve_code(SERVER, data_dir, name="bridge") as base:
        codes = call(base, "/api/sector/stocks?sector=" + urllib.parse.quote("沪深A股"))["stocks"][
            : args.codes
        ]
        start = (dt.date.today() - dt.timedelta(days=args.days)).strftime("%Y%m%d")
        call(base, PROBE)  # warm
        for round_ in range(1, args.rounds + 1):
            quiet = probe(base, threading.Event(), args.idle_seconds)
            state, elapsed, beside = run_job(base, codes, args.period, start)
            idle += quiet
            busy += beside
            rows = sum((item.get("coverage") or {}).get("rows") or 0 for item in state["items"].values())
            print(
                f"round {round_}: job of {len(codes)} codes × {args.period} from {start}: {state['state']} "
                f"{state['counts']} in {elapsed:.1f} s, {len(codes) / elapsed:.1f} codes/s"
                + (f", {rows / elapsed:,.0f} rows/s read back" if rows else "")
                + f"; p99 idle {pct(quiet, 99):.2f} ms, beside it {pct(beside, 99):.2f} ms"
            )

    print(
        f"full_tick idle:      {len(idle):6d} requests, p50 {statistics.median(idle):7.2f} ms, p99 {pct(idle, 99):7.2f} ms"
    )
    print(
        f"full_tick beside it: {len(busy):6d} requests, p50 {statistics.median(busy):7.2f} ms, p99 {pct(busy, 99):7.2f} ms"
    )
    ratio = pct(busy, 99) / pct(idle, 99)
    print(f"ratio p99 beside the job / idle: {ratio:.2f} (target <= 3): {'PASS' if ratio <= 3 else 'FAIL'}")


if __name__ == "__main__":
    main()
