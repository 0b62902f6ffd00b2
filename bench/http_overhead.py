"""HTTP overhead of the bridge: requests/second of GET /api/market/full_tick?stocks=600519.SH against a
bare FastAPI endpoint returning a constant body of the same size, same uvicorn settings. Target ratio ≥ 0.8.

    python bench/http_overhead.py [--seconds 3] [--rounds 3] [--connections 4] [--no-process]

The bridge answers from its quote book (the whole-market push subscription that its first snapshot
request starts; measured once it is ready) through the full_tick shortcut, without FastAPI's routing. A third
server, ``direct``, is the bridge without the quote book (``--no-quote-book``, or codes of markets the book
does not hold): every request is a backend call through the runner. A fourth, ``floor``, is the bridge's
own app without the quote book and with full_tick's handler replaced in place by one that returns the same
constant body: it shows what any routed endpoint of an app this size costs (route matching, middleware,
parameter parsing).

``bridge-process`` and ``direct-process`` are the same two servers with their backend in a supervised child
process (``QMT_BRIDGE_BACKEND_ISOLATION=process``, issue 19); the others run it in a thread (``thread``, the
simulator's default). The book's reads stay in the server, so bridge-process/bridge-thread should stay
~1.0; direct-process/direct-thread shows what the pipe adds to a request that is a backend call. ``--no-process``
leaves them out.

The servers run in child processes; the load comes from keep-alive connections in this process. They are
measured alternately in rounds so that machine noise hits all alike; the ratios of the totals count.
"""

from __future__ import annotations

import argparse
import http.client
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack

from _serve import get_json, serve

PATH = "/api/market/full_tick?stocks=600519.SH"


def hammer(base: str, seconds: float, connections: int) -> float:
    """Requests per second over ``connections`` keep-alive connections for ``seconds``."""
    host = urllib.parse.urlparse(base)
    counts = [0] * connections
    stop = time.perf_counter() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        while time.perf_counter() < stop:
            conn.request("GET", PATH)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                raise RuntimeError(f"status {resp.status}")
            counts[i] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def wait_for_quote_book(base: str, timeout: float = 120.0) -> dict:
    """The bridge's quote-book status once it is ready (RuntimeError after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        book = get_json(base + "/api/meta/quote_book")
        if book["ready"]:
            return book
        if time.monotonic() > deadline:
            raise RuntimeError(f"the quote book was not ready after {timeout:g} s: {book}")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per round and server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--no-process", action="store_true", help="without the servers whose backend runs in a child process"
    )
    args = parser.parse_args()
    with_process = not args.no_process

    with ExitStack() as stack:
        bridge = stack.enter_context(serve("bridge", isolation="thread"))
        with urllib.request.urlopen(bridge + PATH) as resp:
            body = resp.read()
        bridges = {"bridge": bridge}
        if with_process:
            bridges["bridge-process"] = stack.enter_context(serve("bridge", isolation="process"))
            with urllib.request.urlopen(bridges["bridge-process"] + PATH) as resp:
                if resp.read() != body:  # the same simulated moment in both: the same snapshot
                    print("note: bridge-process answered another snapshot than bridge (a tick apart)")
        # The first snapshot request subscribes the quote book; measure once it serves (as a server does
        # after its first seconds), and say so.
        for name, base in bridges.items():
            book = wait_for_quote_book(base)
            print(f"{name}: quote book ready: {book['codes']} codes of {','.join(book['markets'])}")
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            f.write(body)
        servers = dict(bridges)
        servers["direct"] = stack.enter_context(serve("direct", isolation="thread"))
        if with_process:
            servers["direct-process"] = stack.enter_context(serve("direct", isolation="process"))
        servers["floor"] = stack.enter_context(serve("floor", f.name))
        servers["bare"] = stack.enter_context(serve("bare", f.name))
        width = max(map(len, servers))
        for base in servers.values():
            hammer(base, 1.0, args.connections)  # warm-up
        totals = dict.fromkeys(servers, 0.0)
        for r in range(args.rounds):
            for name, base in servers.items():
                rps = hammer(base, args.seconds, args.connections)
                totals[name] += rps
                print(f"round {r + 1}: {name:{width}s} {rps:8.0f} req/s")
    print(f"body size {len(body)} bytes")
    print(", ".join(f"{name} {total / args.rounds:.0f} req/s" for name, total in totals.items()))
    ratio = totals["bridge"] / totals["bare"]
    print(
        f"ratio direct/bare = {totals['direct'] / totals['bare']:.2f} (without the quote book: a backend call each)"
    )
    print(
        f"ratio floor/bare  = {totals['floor'] / totals['bare']:.2f} (a routed endpoint returning a constant)"
    )
    print(f"ratio bridge/bare = {ratio:.2f} (target >= 0.80) {'OK' if ratio >= 0.8 else 'BELOW TARGET'}")
    if with_process:
        process_ratio = totals["bridge-process"] / totals["bridge"]
        verdict = "OK" if process_ratio >= 0.9 else "BELOW (target ~1.0: unchanged)"
        print(
            f"ratio bridge-process/bridge-thread = {process_ratio:.2f} (quote book, backend in a process; "
            f"target ~1.0, unchanged) {verdict}"
        )
        print(
            f"ratio bridge-process/bare = {totals['bridge-process'] / totals['bare']:.2f} (target >= 0.80) "
            f"{'OK' if totals['bridge-process'] / totals['bare'] >= 0.8 else 'BELOW TARGET'}"
        )
        print(
            f"ratio direct-process/direct-thread = {totals['direct-process'] / totals['direct']:.2f} "
            "(a backend call per request, across the pipe)"
        )


if __name__ == "__main__":
    main()
