"""HTTP overhead of the bridge: requests/second of GET /api/market/full_tick?stocks=600519.SH against a
bare FastAPI endpoint returning a constant body of the same size, same uvicorn settings. Target ratio ≥ 0.8.

    python bench/http_overhead.py [--seconds 3] [--rounds 3] [--connections 4]

The bridge answers from its quote book (the whole-market push subscription that its first snapshot
request starts; measured once it is ready) through the full_tick shortcut, without FastAPI's routing. A third
server, ``direct``, is the bridge without the quote book (``--no-quote-book``, or codes of markets the book
does not hold): every request is a backend call through the runner. A fourth, ``floor``, is the bridge's
own app without the quote book and with full_tick's handler replaced in place by one that returns the same
constant body: it shows what any routed endpoint of an app this size costs (route matching, middleware,
parameter parsing).

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
    args = parser.parse_args()

    with serve("bridge") as bridge:
        with urllib.request.urlopen(bridge + PATH) as resp:
            body = resp.read()
        # The first snapshot request subscribes the quote book; measure once it serves (as a server does
        # after its first seconds), and say so.
        book = wait_for_quote_book(bridge)
        print(f"quote book ready: {book['codes']} codes of {','.join(book['markets'])}")
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            f.write(body)
        with serve("direct") as direct, serve("floor", f.name) as floor, serve("bare", f.name) as bare:
            servers = {"bridge": bridge, "direct": direct, "floor": floor, "bare": bare}
            for base in servers.values():
                hammer(base, 1.0, args.connections)  # warm-up
            totals = dict.fromkeys(servers, 0.0)
            for r in range(args.rounds):
                for name, base in servers.items():
                    rps = hammer(base, args.seconds, args.connections)
                    totals[name] += rps
                    print(f"round {r + 1}: {name:6s} {rps:8.0f} req/s")
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


if __name__ == "__main__":
    main()
