"""Mixed load on the bridge (simulator backend): do heavy K-line requests slow down the light snapshot
requests served beside them?

Light clients (``--light`` threads, each on its own persistent HTTP connection) poll
``/api/market/full_tick?stocks=600519.SH`` back to back. Heavy clients (``--heavy`` threads) repeatedly ask
``/api/market/market_data_ex`` for ``--codes`` codes of 沪深A股, ``period=1m&count=240``. Phase A runs the
light clients alone for ``--seconds``, phase B light and heavy together for as long. Printed: the light
requests' count, p50, p99 and errors in each phase; the heavy requests' count, p50 and p99 in phase B, with
the answers other than 200 by status (429/503 from admission control are counted, not failures: the heavy
client sleeps min(Retry-After, 1 s) and asks again); and the ratio of the light p99 under load to alone
(target <= 3).

``--near-cap`` (off by default: ~30 s or more and ~2 GB on the server) adds one request for all of 沪深A股
(~5,140 codes) with ``period=1d&count=389`` (~2 M rows, near ``max_result_rows``) while one light client
polls: its time to first byte and total time (the body is read in chunks and counted, not kept), the light
requests' p50/p99 meanwhile, and the server process's RSS before, at its peak during (sampled every
100 ms) and 5 s after.

    python bench/mixed_load.py [--seconds 10] [--light 24] [--heavy 8] [--codes 200] [--near-cap [N]]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from _serve import serve

TIMEOUT = 30.0  # seconds, on every socket operation
BIG_TIMEOUT = 120.0  # the near-cap request may take longer than TIMEOUT before its first byte
LIGHT_PATH = "/api/market/full_tick?stocks=600519.SH"
SECTOR = "沪深A股"


@dataclass
class Tally:
    """What one kind of request got: latencies of the 200s, other statuses, transport errors."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int | None, seconds: float, error: str = "") -> None:
        with self.lock:
            if status == 200:
                self.latencies.append(seconds)
            elif status is not None:
                self.statuses[status] += 1
            else:
                self.errors[error] += 1

    @property
    def failed(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile in ms (nan when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


class Client:
    """One persistent HTTP/1.1 connection, reopened after an error."""

    def __init__(self, base: str, timeout: float = TIMEOUT) -> None:
        parts = urlsplit(base)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.conn = self._open()

    def _open(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def get(self, path: str) -> tuple[int, dict[str, str], int]:
        """Ask ``path``; returns status, headers, body size. The body is read in chunks and dropped."""
        try:
            self.conn.request("GET", path)
            resp = self.conn.getresponse()
            size = 0
            while chunk := resp.read(1 << 16):
                size += len(chunk)
            return resp.status, dict(resp.getheaders()), size
        except BaseException:
            self.conn.close()
            self.conn = self._open()
            raise

    def close(self) -> None:
        self.conn.close()


def timed(client: Client, path: str, tally: Tally) -> tuple[int | None, dict[str, str]]:
    started = time.perf_counter()
    try:
        status, headers, _ = client.get(path)
    except (OSError, http.client.HTTPException) as error:
        tally.add(None, 0.0, type(error).__name__)
        return None, {}
    tally.add(status, time.perf_counter() - started)
    return status, headers


def light_loop(base: str, tally: Tally, stop: threading.Event) -> None:
    client = Client(base)
    try:
        while not stop.is_set():
            status, _ = timed(client, LIGHT_PATH, tally)
            if status is None:
                stop.wait(0.1)  # do not spin on a refused connection
    finally:
        client.close()


def heavy_loop(base: str, path: str, tally: Tally, stop: threading.Event) -> None:
    client = Client(base)
    try:
        while not stop.is_set():
            status, headers = timed(client, path, tally)
            if status is None:
                stop.wait(0.1)
            elif status in (429, 503):
                retry_after = headers.get("Retry-After") or headers.get("retry-after")
                try:
                    stop.wait(min(float(retry_after), 1.0) if retry_after else 0.0)
                except ValueError:
                    pass
    finally:
        client.close()


def run_phase(seconds: float, loops: list[tuple]) -> float:
    """Run ``(target, *args)`` loops in threads for ``seconds``; waits for the requests in flight. Returns
    the time until all threads were done."""
    stop = threading.Event()
    threads = [threading.Thread(target=t, args=(*args, stop), daemon=True) for t, *args in loops]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(TIMEOUT + 5)
    return time.monotonic() - started


def sector_codes(base: str) -> list[str]:
    client = Client(base)
    try:
        client.conn.request("GET", "/api/sector/stocks?sector=" + quote(SECTOR))
        resp = client.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"/api/sector/stocks answered {resp.status}: {body[:300]!r}")
        return list(json.loads(body)["stocks"])
    finally:
        client.close()


def heavy_path(codes: list[str], period: str, count: int) -> str:
    return f"/api/market/market_data_ex?stocks={','.join(codes)}&period={period}&count={count}"


def describe(name: str, tally: Tally, seconds: float) -> str:
    others = ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items())) or "none"
    errors = ", ".join(f"{e}: {n}" for e, n in sorted(tally.errors.items()))
    line = (
        f"{name:>18}: {len(tally.latencies):6d} ok ({len(tally.latencies) / seconds:7.1f}/s), "
        f"p50 {percentile(tally.latencies, 0.5):8.1f} ms, p99 {percentile(tally.latencies, 0.99):8.1f} ms, "
        f"non-200 {others}"
    )
    return line + (f", errors {errors}" if errors else "")


# ------------------------------------------------------------------------------------------ server RSS


def server_pid(base: str) -> int | None:
    """The pid of the server child: a child of this process whose command line holds the port."""
    port = str(urlsplit(base).port)
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if ppid == me and port.encode() in args:
            return int(entry)
    return None


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class RssSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.peak = max(self.peak, rss_mb(self.pid))
            except OSError:
                return
            self.stop.wait(self.interval)


def near_cap(base: str, codes: list[str]) -> None:
    pid = server_pid(base)
    if pid is None:
        print("near-cap: server pid not found, RSS not measured")
    path = heavy_path(codes, "1d", 389)
    print(
        f"\nnear-cap: {len(codes)} codes, period=1d, count=389 (~{len(codes) * 389:,} rows), URL {len(path):,} B"
    )
    before = rss_mb(pid) if pid else float("nan")
    sampler = RssSampler(pid) if pid else None
    if sampler:
        sampler.start()
    light = Tally()
    stop = threading.Event()
    poller = threading.Thread(target=light_loop, args=(base, light, stop), daemon=True)
    poller.start()
    client = Client(base, BIG_TIMEOUT)
    status, size, error, head = None, 0, "", b""
    started = time.perf_counter()
    first_byte = total = float("nan")
    try:
        client.conn.request("GET", path)
        resp = client.conn.getresponse()  # status line and headers: the first bytes
        first_byte = time.perf_counter() - started
        status = resp.status
        while chunk := resp.read(1 << 16):
            if size < 300:
                head += chunk[: 300 - size]
            size += len(chunk)
        total = time.perf_counter() - started
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
        total = time.perf_counter() - started
    finally:
        client.close()
        stop.set()
        poller.join(TIMEOUT + 5)
    peak = max(sampler.peak, before) if sampler else float("nan")
    time.sleep(5)
    after = rss_mb(pid) if pid else float("nan")
    if sampler:
        sampler.stop.set()
        sampler.join()
    later_peak = max(sampler.peak, peak) if sampler else float("nan")  # work left running after the answer
    print(
        f"{'big request':>18}: status {status}, {size:,} B, first byte {first_byte:.2f} s, "
        f"total {total:.2f} s" + (f", error {error}" if error else "")
    )
    if status != 200 and head:
        print(f"{'its body':>18}: {head.decode(errors='replace')}")
    print(describe("light meanwhile", light, max(total, 1e-9)))
    print(
        f"{'server RSS':>18}: before {before:,.0f} MB, peak during {peak:,.0f} MB, 5 s after {after:,.0f} MB "
        f"(peak incl. those 5 s {later_peak:,.0f} MB)"
    )
    print(
        f"{'RSS growth':>18}: peak - before {peak - before:+,.0f} MB, after - before {after - before:+,.0f} MB"
    )


# ------------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--light", type=int, default=24)
    parser.add_argument("--heavy", type=int, default=8)
    parser.add_argument("--codes", type=int, default=200)
    parser.add_argument(
        "--near-cap", type=int, nargs="?", const=1, default=0, metavar="N",
        help="also N ~2 M row requests one after the other (~1 min each); the second shows what the first "
        "left in memory beyond the simulator's bounded caches",
    )  # fmt: skip
    args = parser.parse_args()
    with serve("bridge") as base:
        everything = sector_codes(base)
        codes = everything[: args.codes]
        heavy = heavy_path(codes, "1m", 240)
        print(
            f"{args.light} light clients (full_tick 600519.SH), {args.heavy} heavy clients "
            f"(market_data_ex {len(codes)} codes 1m x 240), {args.seconds:g} s per phase"
        )

        warm = Tally()
        client = Client(base)
        try:
            for _ in range(5):
                timed(client, LIGHT_PATH, warm)
            for _ in range(2):
                timed(client, heavy, warm)
        finally:
            client.close()
        if warm.failed:
            print(f"warm-up: non-200 {dict(warm.statuses)}, errors {dict(warm.errors)}")

        alone = Tally()
        took_a = run_phase(args.seconds, [(light_loop, base, alone)] * args.light)
        print(describe("A light alone", alone, args.seconds) + f"  [phase took {took_a:.1f} s]")

        loaded, heavies = Tally(), Tally()
        loops = [(light_loop, base, loaded)] * args.light + [(heavy_loop, base, heavy, heavies)] * args.heavy
        took_b = run_phase(args.seconds, loops)
        print(describe("B light + heavy", loaded, args.seconds) + f"  [phase took {took_b:.1f} s]")
        print(describe("B heavy", heavies, args.seconds))

        ratio = percentile(loaded.latencies, 0.99) / percentile(alone.latencies, 0.99)
        print(f"ratio p99 light under load / alone: {ratio:.2f} (target <= 3)")

        for _ in range(args.near_cap):
            near_cap(base, everything)


if __name__ == "__main__":
    main()
