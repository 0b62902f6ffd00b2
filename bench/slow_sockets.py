"""Slowloris against the bridge: N sockets trickle request heads (one byte a second, reopened when closed)
while a well-behaved client asks /api/meta/health once every 100 ms with a 2 s timeout.

The servers run with a limit of 1,024 open files, the common default (Linux, and about what is left on
Windows), as the field reports describe. Printed per server: the share of the client's requests that got an answer at all (200, or 503
``too_many_connections``), how many got 200, and their p50/p99 latency. Two servers in one run: the
bridge as configured (``QMT_BRIDGE_HEADER_TIMEOUT`` 5 s, ``QMT_BRIDGE_MAX_CONNECTIONS`` 800) and the bridge
with the guard out of the way (an hour's deadline, no practical cap), which is uvicorn's own behaviour.

    python bench/slow_sockets.py [--sockets 1000] [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from urllib.parse import urlsplit

from _serve import serve

HEAD = b"GET /api/meta/health HTTP/1.1\r\nHost: bench\r\nX-Slow: " + b"a" * 4000


@contextmanager
def environment(**values: str):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def files_limit_for_children(limit: int):
    """Children started inside inherit a soft limit of ``limit`` open files; this process gets its own back
    as soon as the block has started them (the attacker needs more)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(limit, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def attack(address: tuple[str, int], count: int, stop: threading.Event) -> None:
    """Hold ``count`` sockets, each sending one more byte of an endless head every second."""
    held: list[list] = []  # [socket, bytes sent]
    while not stop.is_set():
        while len(held) < count and not stop.is_set():
            try:
                sock = socket.create_connection(address, timeout=1)
                sock.setblocking(False)
                held.append([sock, 0])
            except OSError:
                break
        for entry in list(held):
            sock, sent = entry
            try:
                sock.send(HEAD[sent : sent + 1])
                entry[1] = (sent + 1) % len(HEAD)
                if sock.recv(4096) == b"":
                    raise OSError
            except BlockingIOError:
                continue
            except OSError:
                sock.close()
                held.remove(entry)
        stop.wait(1.0)
    for sock, _ in held:
        sock.close()


def probe(base: str, seconds: float) -> tuple[int, int, int, list[float]]:
    asked = answered = ok = 0
    latencies: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        asked += 1
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(base + "/api/meta/health", timeout=2) as answer:
                answer.read()
                ok += 1
                answered += 1
                latencies.append(time.perf_counter() - started)
        except urllib.error.HTTPError as error:
            answered += error.code == 503
        except OSError:
            pass
        time.sleep(0.1)
    return asked, answered, ok, latencies


def run(label: str, base: str, sockets: int, seconds: float) -> None:
    parts = urlsplit(base)
    stop = threading.Event()
    attacker = threading.Thread(target=attack, args=((parts.hostname, parts.port), sockets, stop))
    attacker.start()
    time.sleep(3)  # let the attack build up
    try:
        asked, answered, ok, latencies = probe(base, seconds)
    finally:
        stop.set()
        attacker.join()
    p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
    p99 = sorted(latencies)[int(len(latencies) * 0.99)] * 1000 if latencies else float("nan")
    print(
        f"{label:>10}: answered {answered}/{asked} ({answered / asked:.0%}), 200 {ok}, "
        f"p50 {p50:.0f} ms, p99 {p99:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    print(f"{args.sockets} slow sockets, {args.seconds:g} s of probing per server")
    with started_with_1024_files() as base:
        run("guarded", base, args.sockets, args.seconds)
    with environment(QMT_BRIDGE_HEADER_TIMEOUT="300", QMT_BRIDGE_MAX_CONNECTIONS="100000"):
        with started_with_1024_files() as base:
            run("unguarded", base, args.sockets, args.seconds)


@contextmanager
def started_with_1024_files():
    with files_limit_for_children(1024):
        server = serve("direct")
        base = server.__enter__()
    try:
        yield base
    finally:
        server.__exit__(None, None, None)


if __name__ == "__main__":
    main()
