"""Whole-market WebSocket fan-out: ``/ws/whole_quote`` of ≥ 5,000 codes to many subscribers on loopback.

    python bench/ws_fanout.py [--subscribers 50] [--seconds 120] [--port 0] [--quick]
                              [--markets SH,SZ] [--speed 1] [--compression deflate|none]
                              [--client-processes 1] [--format compact|envelope] [--client lean|websockets]

The server runs as a child process: ``qmt-server``'s own ``main`` (``qmt_bridge.server.cli``, the simulator
on a replay clock, ``--no-predownload``, log level warning), through a few lines of wrapper that

- start the replayed day at 10:00 China time instead of 09:15 (``--sim-replay-date`` takes a date only),
  so that the continuous session runs from the first second: the day is the last Wednesday before today
  that is a trading day, within the simulator's kept history wherever today is;
- record, per whole-market push, when the simulator's ``subscribe_whole_quote`` callback was entered (the
  point xtquant's thread hands the push to the server; ``pushed`` in the messages is stamped there too),
  when the hub took it on the event loop (the hop between: the book's reshaping and the loop's queue),
  when each subscriber's message was handed to its socket, and every garbage collection.

Then: wait for ``/api/meta/health``, warm the quote book (one ``full_tick`` request, wait until it serves
and has pushed), read the server's RSS, connect ``--subscribers`` clients (``bench/_lean_ws.py``, which
reads frames into a reused buffer, so that 50 clients on the server's cores leave it the CPU; ``--client
websockets``: the ``websockets`` asyncio client with its defaults, as ``QMTClient`` uses them,
permessage-deflate offered unless ``--compression none``), each sending ``{"codes": ["SH", "SZ"]}`` on
``/ws/whole_quote?format=compact`` (rows under ``fields``, as ``QMTClient.subscribe_whole_quote`` asks;
``--format envelope``: ``{code: {field: value}}``); once every one has its snapshot (and ``--settle``
seconds more) the window of ``--seconds`` opens. In it: data messages and codes per second, latency per data message
(``receipt_ms - pushed``, one machine clock), ``seq`` without gaps on every connection, the server's RSS
each second, its CPU per thread, this process's CPU (the clients'); at 1/4, 1/2 and 3/4 of the window one
more client connects and the time from its connect to its first message (the ``snapshot``) is taken.

Targets (printed next to the figures, never an exit status): p99 ≤ 100 ms, no seq gap (and no connection
closed by the server), RSS growth ≤ 10 %, first message to a new client ≤ 1 s. The exit status is non-zero
only when something crashed.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import datetime as dt
import gc
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _lean_ws
import orjson
import websockets

from qmt_bridge.sim.clock import CST
from qmt_bridge.sim.market.calendar import calendar_for

#: The server: qmt-server's main with the replay starting at argv[1] and the callback→loop hop traced.
SERVER_CODE = r"""
import collections, datetime as dt, sys, threading, time
from qmt_bridge.backends import sim as sim_backend
from qmt_bridge.server.realtime import hub
from qmt_bridge.server.services import quote_book
from qmt_bridge.sim.api import subscriptions
from qmt_bridge.sim.clock import CST, SimClock

start = dt.datetime.fromisoformat(sys.argv[1]).replace(tzinfo=CST)
trace = open(sys.argv[2], "a", buffering=1)

# qmt-server starts a replayed day at 09:15; start it at `start` instead (same speed).
from_settings = sim_backend.SimBackend.from_settings.__func__
def starting_at(cls, settings):
    backend = from_settings(cls, settings)
    backend.clock = SimClock("replay", replay_start=start, speed=settings.sim_replay_speed)
    return backend
sim_backend.SimBackend.from_settings = classmethod(starting_at)

# When each whole-quote callback is entered (on the simulator's pusher thread), paired in order with the
# quote book's _apply it schedules on the loop (one each), and written when the hub stamps `pushed`.
entered = collections.deque()
current = [0.0, 0]
subscribe = subscriptions.SubscriptionAPI.subscribe_whole_quote
def traced_subscribe(self, code_list, callback=None):
    if callback is not None:
        inner = callback
        def callback(datas):
            entered.append((time.time(), threading.get_native_id()))
            inner(datas)
    return subscribe(self, code_list, callback)
subscriptions.SubscriptionAPI.subscribe_whole_quote = traced_subscribe
apply = quote_book.QuoteBook._apply
def traced_apply(self, generation, datas, *rest):
    current[:] = entered.popleft() if entered else (0.0, 0)
    apply(self, generation, datas, *rest)
quote_book.QuoteBook._apply = traced_apply
on_whole = hub.RealtimeHub._on_whole
def traced_on_whole(self, snapshots, *rest):
    trace.write(f"{time.time():.6f} {current[0]:.6f} {current[1]} {len(snapshots)}\n")
    on_whole(self, snapshots, *rest)
hub.RealtimeHub._on_whole = traced_on_whole

# When each whole-market push leaves a subscriber's outbox for its socket (not the snapshots of new clients).
from qmt_bridge.server.realtime import outbox
pop = outbox.Outbox.pop
def traced_pop(self, seq):
    parts = pop(self, seq)  # the message as parts: the seq head, the members before the data, ...
    if parts is not None:
        size = sum(map(len, parts))
        if size > 100_000 and b'"pushed":' in b"".join(parts[:2])[:200]:  # data, not a snapshot
            trace.write(f"sent {time.time():.6f} {seq} {size}\n")
    return parts
outbox.Outbox.pop = traced_pop

# Every garbage collection (the whole process stops for it, whichever thread triggered it).
import gc
gc_began = [0.0]
def on_gc(phase, info):
    if phase == "start":
        gc_began[0] = time.perf_counter()
    else:
        took = (time.perf_counter() - gc_began[0]) * 1000
        trace.write(f"gc {time.time():.6f} {info['generation']} {took:.3f}\n")
gc.callbacks.append(on_gc)

from qmt_bridge.server.cli import main
profile_to = sys.argv[3]
if profile_to:  # the main thread (the event loop) under cProfile, written at a clean stop
    import cProfile, signal
    # uvicorn raises the SIGTERM it caught again once it has shut down: end with the stats written.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        main(sys.argv[4:])
    finally:
        profiler.disable()
        profiler.dump_stats(profile_to)
else:
    main(sys.argv[4:])
"""

#: The members every server message starts with (``outbox.pop``: seq, then pushed for data, then type).
HEAD = re.compile(rb'\{"seq":(\d+),(?:"pushed":(\d+),)?"type":"([a-z_]+)"')
#: Each snapshot of a whole-market message starts so (``as_full_tick``: ``time`` is the first key); in the
#: compact format each row starts with ``":[`` and so does the message's one ``"fields":[``.
CODE_MARK = b'":{"time":'
ROW_MARK = b'":['


def count_codes(raw: bytes) -> int:
    """The codes of a whole-market message, without parsing it."""
    if b'"fields":[' in raw[:400]:
        return raw.count(ROW_MARK) - 1
    return raw.count(CODE_MARK)


SESSION_END = dt.time(11, 29)  # in_trading_hours' last minute of the morning


# ---------------------------------------------------------------------- the server


def replay_day(today: dt.date) -> dt.date:
    """The last Wednesday before ``today`` that is a trading day of the simulator's calendar."""
    day = today - dt.timedelta(days=1)
    for _ in range(400):
        if day.weekday() == 2 and calendar_for(day).is_trading_day(day):
            return day
        day -= dt.timedelta(days=1)
    raise RuntimeError(f"no trading Wednesday in the 400 days before {today}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 30) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read())


def rss_mb(pid: int) -> float | None:
    """VmRSS of ``pid`` in MB (Linux /proc; else psutil; else None)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import psutil
    except ImportError:
        return None
    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except psutil.Error:
        return None


def machine_cpu() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of the whole machine since boot (Linux /proc/stat; None elsewhere)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal (guest is in user)
    return (total - fields[3] - fields[4]) / ticks, total / ticks


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of each thread of ``pid`` (Linux only; empty elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    out: dict[int, float] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / ticks
    return out


class Server:
    """The bridge in a child process, on a replayed session."""

    def __init__(
        self, port: int, start: dt.datetime, speed: float, workdir: Path, profile: str | None = None
    ) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.trace_path = workdir / "trace.txt"
        self.log_path = workdir / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("QMT_BRIDGE_")}
        env["PYTHONUNBUFFERED"] = "1"
        argv = [
            "--backend", "sim", "--sim-clock", "replay",
            "--sim-replay-date", start.date().isoformat(), "--sim-replay-speed", f"{speed:g}",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            "--no-predownload", "--data-dir", str(workdir / "data"),
        ]  # fmt: skip
        self._log = open(self.log_path, "wb")  # closed in stop()
        # cwd: the work directory, so that no .env of the caller's directory is read.
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER_CODE, start.strftime("%Y-%m-%dT%H:%M:%S"), str(self.trace_path),
             os.path.abspath(profile) if profile else "", *argv],
            cwd=workdir, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"the server exited with {self.proc.returncode}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_healthy(self, timeout: float = 60.0) -> float:
        started = time.monotonic()
        while True:
            self.alive()
            try:
                if get_json(self.base + "/api/meta/health", timeout=2).get("status") == "ok":
                    return time.monotonic() - started
            except OSError:
                pass
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"no /api/meta/health after {timeout:g} s:\n{self.log_tail()}")
            time.sleep(0.2)

    def warm_book(self, timeout: float = 180.0, pushes: int = 3) -> tuple[float, dict]:
        """Start the quote book (one snapshot request) and wait until it serves and has pushed ``pushes``
        times (its first push, the full snapshot, and live ones)."""
        started = time.monotonic()
        get_json(self.base + "/api/market/full_tick?stocks=600519.SH", timeout=60)
        while True:
            self.alive()
            book = get_json(self.base + "/api/meta/quote_book")
            if book.get("serving") and book.get("pushes", 0) >= pushes:
                return time.monotonic() - started, book
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"the quote book was not warm after {timeout:g} s: {book}")
            time.sleep(0.5)

    def read_trace(self) -> list[tuple[float, float, int, int]]:
        """``(stamped, callback, thread id, codes)`` per whole-market push the hub handled."""
        rows = []
        try:
            text = self.trace_path.read_text()
        except OSError:
            return rows
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[0] not in ("gc", "sent"):
                rows.append((float(parts[0]), float(parts[1]), int(parts[2]), int(parts[3])))
        return rows

    def read_sent(self) -> list[float]:
        """When each whole-market message was handed to its socket (after its outbox built it)."""
        try:
            text = self.trace_path.read_text()
        except OSError:
            return []
        return sorted(float(line.split()[1]) for line in text.splitlines() if line.startswith("sent "))

    def read_collections(self) -> list[tuple[float, int, float]]:
        """``(ended, generation, ms)`` per garbage collection in the server."""
        try:
            text = self.trace_path.read_text()
        except OSError:
            return []
        return [
            (float(parts[1]), int(parts[2]), float(parts[3]))
            for parts in (line.split() for line in text.splitlines())
            if len(parts) == 4 and parts[0] == "gc"
        ]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


# ---------------------------------------------------------------------- the clients


@dataclass(frozen=True)
class Client:
    """How a subscriber connects: ``lean`` (``_lean_ws``: one copy a message, so that 50 clients on the
    server's two cores leave it the CPU) or ``websockets`` (what ``QMTClient`` uses; ~3 ms of CPU a 1.3 MB
    message), permessage-deflate offered or not (``compression``; the lean client never offers it)."""

    kind: str
    compression: str | None

    def connect(self, url: str, open_timeout: float) -> Any:
        if self.kind == "lean":
            return _lean_ws.connect(url, open_timeout=open_timeout)
        return websockets.connect(
            url,
            max_size=None,
            compression=self.compression,
            proxy=None,
            open_timeout=open_timeout,
            close_timeout=5,
        )


@dataclass
class Window:
    start: float = float("inf")  # perf_counter
    end: float = float("inf")
    wall_start: float = 0.0  # time.time()
    wall_end: float = 0.0

    def holds(self, t: float) -> bool:
        return self.start <= t < self.end


@dataclass
class Subscriber:
    index: int
    ws: object = None
    connect_started: float = 0.0
    first_at: float | None = None
    first_type: str = ""
    last_seq: int = 0
    messages: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)
    #: In the window: data messages, codes, bytes; (receipt ms, pushed ms) per data message.
    data: int = 0
    codes: int = 0
    bytes: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)
    closed: str | None = None  # why the connection ended before the bench ended it
    error: str | None = None


class Counter:
    """How codes are counted: :func:`count_codes`, checked against a full parse once, and once per push and
    message length in a client process: every subscriber gets the same bytes of a push (scanning 1.3 MB
    takes ~1.4 ms, which 50 clients sharing the server's cores would pay 50 times a push)."""

    def __init__(self) -> None:
        self.checked = False
        self.full_parse = False
        self._counted: dict[tuple[int | None, int], int] = {}

    def codes(self, raw: bytes, pushed: int | None) -> int:
        key = (pushed, len(raw))
        n = self._counted.get(key)
        if n is None:
            n = self._counted[key] = self._count(raw)
        return n

    def _count(self, raw: bytes) -> int:
        if self.full_parse:
            return len(orjson.loads(raw).get("data") or {})
        n = count_codes(raw)
        if not self.checked:
            self.checked = True
            parsed = len(orjson.loads(raw).get("data") or {})
            if parsed != n:
                print(f"note: code marks {n} != parsed {parsed}; parsing every message (slower client)")
                self.full_parse = True
                return parsed
        return n


async def run_subscriber(
    sub: Subscriber,
    url: str,
    message: str,
    client: Client,
    window: Window,
    stopping: asyncio.Event,
    counter: Counter,
) -> None:
    sub.connect_started = time.perf_counter()
    try:
        async with client.connect(url, open_timeout=60) as ws:
            sub.ws = ws
            await ws.send(message)
            while True:
                raw = await ws.recv(decode=False)
                received = time.perf_counter()
                received_ms = time.time() * 1000
                head = HEAD.match(raw)
                if head is None:
                    body = orjson.loads(raw)
                    seq, pushed, kind = int(body["seq"]), body.get("pushed"), str(body.get("type"))
                else:
                    seq, kind = int(head[1]), head[3].decode()
                    pushed = int(head[2]) if head[2] is not None else None
                sub.messages += 1
                if seq != sub.last_seq + 1:
                    sub.gaps.append((sub.last_seq, seq))
                sub.last_seq = seq
                if sub.first_at is None:
                    sub.first_at, sub.first_type = received, kind
                if kind == "data" and window.holds(received):
                    sub.data += 1
                    sub.bytes += len(raw)
                    sub.codes += counter.codes(raw, pushed)
                    if pushed is not None:
                        sub.samples.append((received_ms, pushed))
                elif kind == "error":
                    sub.error = raw[:300].decode(errors="replace")
    except websockets.exceptions.ConnectionClosed as exc:
        if not stopping.is_set():
            rcvd = exc.rcvd
            sub.closed = f"closed {rcvd.code} {rcvd.reason!r}" if rcvd else f"closed: {exc}"
    except (OSError, asyncio.TimeoutError, websockets.exceptions.InvalidHandshake) as exc:
        sub.closed = f"{type(exc).__name__}: {exc}"


async def probe_first_message(url: str, message: str, client: Client) -> dict:
    """A new client: seconds from connect to the handshake and to its first message."""
    started = time.perf_counter()
    async with client.connect(url, open_timeout=30) as ws:
        opened = time.perf_counter()
        await ws.send(message)
        raw = await asyncio.wait_for(ws.recv(decode=False), timeout=30)
        first = time.perf_counter()
        head = HEAD.match(raw)
        kind = head[3].decode() if head else str(orjson.loads(raw).get("type"))
        return {
            "handshake": opened - started,
            "first": first - started,
            "type": kind,
            "bytes": len(raw),
            "codes": count_codes(raw),
        }


def client_worker(conn: Any, indices: list[int], url: str, message: str, client: Client) -> None:
    """A client process (``--client-processes``): its share of the subscribers, driven over ``conn``."""
    asyncio.run(_client_worker(conn, indices, url, message, client))


async def _client_worker(conn: Any, indices: list[int], url: str, message: str, client: Client) -> None:
    gc.freeze()  # see run_with_server
    window, stopping, counter = Window(), asyncio.Event(), Counter()
    subs = [Subscriber(i) for i in indices]
    tasks = [
        asyncio.create_task(run_subscriber(s, url, message, client, window, stopping, counter)) for s in subs
    ]
    deadline = time.perf_counter() + 120
    while any(s.first_at is None and s.closed is None for s in subs) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    conn.send("ready")
    # perf_counter is CLOCK_MONOTONIC on Linux: the parent's window times hold in this process too.
    _, window.start, window.end = await asyncio.to_thread(conn.recv)
    cpu_start = time.process_time()
    await asyncio.to_thread(conn.recv)  # "stop"
    cpu = time.process_time() - cpu_start
    stopping.set()
    await asyncio.gather(
        *(asyncio.wait_for(s.ws.close(), 10) for s in subs if s.ws is not None), return_exceptions=True
    )
    await asyncio.wait(tasks, timeout=15)
    for task in tasks:
        task.cancel()
    for s in subs:
        s.ws = None
    conn.send((subs, cpu))


# ---------------------------------------------------------------------- the run


def handed_to_sockets(trace: list, sent: list[float], i: int) -> list[float]:
    """When the messages of the ``i``-th traced push were handed to their sockets (``sent`` sorted): those
    from the hub's stamp until the next push's."""
    until = trace[i + 1][0] if i + 1 < len(trace) else float("inf")
    return [t for t in sent[bisect.bisect_left(sent, trace[i][0]) :] if t < until]


def report_pushes(subs: list[Subscriber], trace: list, sent: list[float], window: Window) -> None:
    """Per push: when its last subscriber got it. With 50 messages a push, the p99 of all messages is one
    push's: this says whether a few slow pushes (a machine that slowed down for a moment) or all of them
    set it, and how much of the slowest was the server's (xtquant's callback -> the last message handed to
    its socket) and how much the clients' reading."""
    last: dict[int, float] = {}
    for received, pushed in (sample for s in subs for sample in s.samples):
        last[pushed] = max(last.get(pushed, 0.0), received - pushed)
    if not last:
        return
    ordered = sorted(last.values())
    over = sum(1 for v in ordered if v > 100)
    print(
        f"  per push, its last subscriber's latency: p50 {percentile(ordered, 50):.1f} ms, max "
        f"{ordered[-1]:.1f} ms; {over} of {len(ordered)} pushes over 100 ms"
    )
    callbacks = {round(callback * 1000): i for i, (_, callback, _, _) in enumerate(trace) if callback > 0}
    slowest = []
    for pushed, latency in sorted(last.items(), key=lambda item: -item[1])[:3]:
        i = next((callbacks[k] for k in (pushed, pushed - 1, pushed + 1) if k in callbacks), None)
        if i is None:
            continue
        mine = handed_to_sockets(trace, sent, i)
        if mine:
            server = mine[-1] * 1000 - pushed
            slowest.append(f"{latency:.0f} ms (server {server:.0f}, hop {(trace[i][0] * 1000 - pushed):.0f})")
    if slowest:
        print(f"  the slowest pushes: {', '.join(slowest)}")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


async def bench(args: argparse.Namespace) -> None:
    day = replay_day(dt.datetime.now(CST).date())
    start = dt.datetime.combine(day, dt.time(10, 0), CST)
    # Startup, book warm-up, connects and settling take about a minute of wall time; all of it and the
    # window must stay inside the morning session.
    budget = (SESSION_END.hour * 3600 + SESSION_END.minute * 60 - 10 * 3600) / args.speed
    if 90 + args.settle + args.seconds > budget:
        raise SystemExit(
            f"--speed {args.speed:g} leaves {budget:.0f} s of wall time in the session from 10:00; lower "
            "--speed or --seconds"
        )
    port = args.port or free_port()
    markets = [m.strip().upper() for m in args.markets.split(",") if m.strip()]
    message = json.dumps({"codes": markets})
    client = Client(args.client, None if args.compression == "none" else "deflate")
    url = f"ws://127.0.0.1:{port}/ws/whole_quote?format={args.format}"
    workdir = Path(tempfile.mkdtemp(prefix="ws_fanout_"))
    print(
        f"replay {day} from 10:00 CST at speed {args.speed:g} (a whole-market push every "
        f"{3 / args.speed:g} s of wall time); {args.subscribers} subscribers of {message}, client "
        f"{client.kind}, compression {client.compression or 'none'}, format {args.format}, window {args.seconds:g} s; port {port}; "
        f"{os.cpu_count()} cores",
        flush=True,
    )
    server = Server(port, start, args.speed, workdir, args.profile)
    try:
        await run_with_server(args, server, url, message, client)
    finally:
        server.stop()
        if args.keep:
            print(f"server log and trace kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


async def run_with_server(
    args: argparse.Namespace, server: Server, url: str, message: str, client: Client
) -> None:
    if hasattr(os, "getloadavg"):
        print(f"load average before the run: {os.getloadavg()[0]:.2f}", flush=True)
    took = server.wait_healthy()
    rss_start = rss_mb(server.pid)
    print(f"server healthy after {took:.1f} s, RSS {fmt_mb(rss_start)}", flush=True)
    took, book = server.warm_book()
    print(
        f"quote book warm after {took:.1f} s: {book['codes']} codes of {','.join(book['markets'])}",
        flush=True,
    )
    await asyncio.sleep(2)
    rss_before = rss_mb(server.pid)
    print(f"server RSS before the subscribers connect: {fmt_mb(rss_before)}", flush=True)

    window = Window()
    stopping = asyncio.Event()
    counter = Counter()
    # Subscriber i runs in client process i % K; process 0 is this one.
    k = max(1, min(args.client_processes, args.subscribers))
    subs = [Subscriber(i) for i in range(args.subscribers) if i % k == 0]
    context = multiprocessing.get_context("spawn")
    workers = []
    for w in range(1, k):
        parent_end, child_end = context.Pipe()
        indices = list(range(w, args.subscribers, k))
        proc = context.Process(target=client_worker, args=(child_end, indices, url, message, client))
        proc.start()
        workers.append((proc, parent_end))
    # The clients' own full collections walked everything this process imported (pandas, the simulator's
    # calendars): ~40 ms in which no client read, most subscribers of that push late by as much.
    gc.freeze()
    connected = time.perf_counter()
    tasks = [
        asyncio.create_task(run_subscriber(s, url, message, client, window, stopping, counter)) for s in subs
    ]
    deadline = time.perf_counter() + 120
    while any(s.first_at is None and s.closed is None for s in subs) and time.perf_counter() < deadline:
        server.alive()
        await asyncio.sleep(0.05)
    for _, pipe in workers:
        await asyncio.to_thread(pipe.recv)  # "ready": its subscribers have their first message
    firsts = [s.first_at - s.connect_started for s in subs if s.first_at is not None]
    print(
        f"{len(firsts)}/{len(subs)} subscribers got their first message within "
        f"{time.perf_counter() - connected:.1f} s of connecting (each: median {percentile(firsts, 50):.2f} s, "
        f"max {max(firsts, default=float('nan')):.2f} s; first types: "
        f"{sorted({s.first_type for s in subs if s.first_type})})",
        flush=True,
    )
    await asyncio.sleep(args.settle)

    book_start = await asyncio.to_thread(get_json, server.base + "/api/meta/quote_book")
    cpu_start, threads_start, wall_start = os.times(), thread_cpu(server.pid), time.perf_counter()
    machine_start = machine_cpu()
    window.start = time.perf_counter()
    window.end = window.start + args.seconds
    window.wall_start = time.time()
    for _, pipe in workers:
        pipe.send(("window", window.start, window.end))
    rss_samples: list[float] = []
    probing: list[asyncio.Task[dict]] = []
    probe_at = [window.start + args.seconds * f for f in (0.25, 0.5, 0.75)]
    while (now := time.perf_counter()) < window.end:
        server.alive()
        rss = rss_mb(server.pid)
        if rss is not None:
            rss_samples.append(rss)
        if probe_at and now >= probe_at[0]:
            probe_at.pop(0)
            probing.append(asyncio.create_task(probe_first_message(url, message, client)))
        await asyncio.sleep(min(1.0, max(0.0, window.end - time.perf_counter())))
    wall = time.perf_counter() - wall_start
    cpu_end, threads_end, machine_end = os.times(), thread_cpu(server.pid), machine_cpu()
    window.wall_end = time.time()
    rss_end = rss_mb(server.pid)
    book_end = await asyncio.to_thread(get_json, server.base + "/api/meta/quote_book")
    realtime = await asyncio.to_thread(get_json, server.base + "/api/meta/realtime")

    probes: list[dict] = []
    if probing:
        await asyncio.wait(probing, timeout=60)
    for task in probing:
        if not task.done():
            task.cancel()
            probes.append({"error": "no first message within 60 s"})
        elif task.exception() is not None:
            exc = task.exception()
            probes.append({"error": f"{type(exc).__name__}: {exc}"})
        else:
            probes.append(task.result())

    stopping.set()
    worker_cpu = 0.0
    for _, pipe in workers:
        pipe.send("stop")
    await asyncio.gather(
        *(asyncio.wait_for(s.ws.close(), 10) for s in subs if s.ws is not None), return_exceptions=True
    )
    await asyncio.wait(tasks, timeout=15)
    for task in tasks:
        task.cancel()
    for proc, pipe in workers:
        theirs, cpu_used = await asyncio.to_thread(pipe.recv)
        subs.extend(theirs)
        worker_cpu += cpu_used
        proc.join(timeout=30)
    subs.sort(key=lambda sub: sub.index)
    await asyncio.sleep(3)
    rss_after = rss_mb(server.pid)
    trace = server.read_trace()
    collections = [c for c in server.read_collections() if window.wall_start <= c[0] < window.wall_end]
    sent = server.read_sent()

    report(
        args, subs, probes, trace, window, book_start, book_end, realtime, collections, sent,
        rss_before=rss_before, rss_end=rss_end, rss_after=rss_after, rss_samples=rss_samples,
        cpu=(cpu_end.user + cpu_end.system - cpu_start.user - cpu_start.system + worker_cpu) / wall,
        client_processes=k,
        threads=(threads_start, threads_end, server.pid), wall=wall,
        machine=(machine_start, machine_end),
    )  # fmt: skip
    warnings = [line for line in server.log_tail(400).splitlines() if "WARNING" in line or "ERROR" in line]
    if warnings:
        print(f"server log: {len(warnings)} warning/error line(s), the last ones:")
        for line in warnings[-5:]:
            print("  " + line[:200])


def fmt_mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} MB"


def report(
    args: argparse.Namespace,
    subs: list[Subscriber],
    probes: list[dict],
    trace: list[tuple[float, float, int, int]],
    window: Window,
    book_start: dict,
    book_end: dict,
    realtime: dict,
    collections: list[tuple[float, int, float]],
    sent: list[float],
    *,
    rss_before: float | None,
    rss_end: float | None,
    rss_after: float | None,
    rss_samples: list[float],
    cpu: float,
    threads: tuple[dict[int, float], dict[int, float], int],
    wall: float,
    machine: tuple[tuple[float, float] | None, tuple[float, float] | None],
    client_processes: int = 1,
) -> None:
    seconds = args.seconds
    n = len(subs)
    data = sum(s.data for s in subs)
    codes = sum(s.codes for s in subs)
    size = sum(s.bytes for s in subs)
    per_sub = [s.data / seconds for s in subs]
    pushes = book_end.get("pushes", 0) - book_start.get("pushes", 0)
    print()
    print(f"window {seconds:g} s, {n} subscribers; the book pushed {pushes} times in it")
    print(
        f"delivered: {data / seconds:.1f} messages/s, {codes / seconds:,.0f} codes/s, "
        f"{size / seconds / 2**20:.1f} MB/s (decompressed) in total"
    )
    print(
        f"  per subscriber: {data / seconds / n:.2f} messages/s (min {min(per_sub):.2f}, max "
        f"{max(per_sub):.2f}), {codes / seconds / n:,.0f} codes/s, {codes / max(data, 1):,.0f} codes/message; "
        f"data messages per subscriber {min(s.data for s in subs)}..{max(s.data for s in subs)} "
        f"for {pushes} pushes"
    )

    latencies = [received - pushed for s in subs for received, pushed in s.samples]
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    worst = max(
        (percentile([r - p for r, p in s.samples], 99) for s in subs if s.samples), default=float("nan")
    )
    print(
        f"latency receipt - pushed: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max "
        f"{max(latencies, default=float('nan')):.1f} ms over {len(latencies)} messages; worst subscriber's "
        f"p99 {worst:.1f} ms (target p99 <= 100 ms) {verdict(p99 <= 100)}"
    )
    medians = sorted(percentile([r - p for r, p in s.samples], 50) for s in subs if s.samples)
    if len(medians) > 1:
        print(
            f"  per subscriber, median latency from {medians[0]:.1f} ms (first served) to {medians[-1]:.1f} ms "
            f"(last): about {(medians[-1] - medians[0]) / (len(medians) - 1):.1f} ms more per subscriber served "
            "before it"
        )
    if trace:
        hop = [
            (stamped - callback) * 1000
            for stamped, callback, _, _ in trace
            if callback > 0 and window.wall_start <= stamped < window.wall_end
        ]
        print(
            f"  of which the hop callback -> hub (the book's reshaping, the loop's queue): p50 "
            f"{percentile(hop, 50):.1f} ms, p99 {percentile(hop, 99):.1f} ms, max "
            f"{max(hop, default=float('nan')):.1f} ms over {len(hop)} pushes"
        )

    spans = []  # per push in the window: the hub's stamp -> the last subscriber's message handed to its socket
    for i, (stamped, _, _, _) in enumerate(trace):
        if not window.wall_start <= stamped < window.wall_end:
            continue
        mine = handed_to_sockets(trace, sent, i)
        if len(mine) >= n:
            spans.append((mine[-1] - stamped) * 1000)
    if spans:
        print(
            f"  the server's fan-out (the hub -> the last subscriber's message handed to its socket): p50 "
            f"{percentile(spans, 50):.1f} ms, max {max(spans):.1f} ms over {len(spans)} pushes"
        )
    report_pushes(subs, trace, sent, window)
    if collections:
        counts = [sum(1 for c in collections if c[1] == g) for g in range(3)]
        longest = max(collections, key=lambda c: c[2])
        print(
            f"  garbage collections in the server (the process stops for each): {counts[0]} / {counts[1]} / "
            f"{counts[2]} of generations 0 / 1 / 2, {sum(c[2] for c in collections):.0f} ms in all, the "
            f"longest {longest[2]:.1f} ms (generation {longest[1]})"
        )

    gaps = sum(len(s.gaps) for s in subs)
    closed = [s for s in subs if s.closed]
    messages = sum(s.messages for s in subs)
    print(
        f"seq: {gaps} gap(s) over {messages} messages on {n} connections; {len(closed)} connection(s) ended "
        f"by the server (target: none) {verdict(gaps == 0 and not closed)}"
    )
    for s in [s for s in subs if s.gaps][:3]:
        print(f"  subscriber {s.index}: gaps {s.gaps[:5]}")
    for s in closed[:3]:
        print(f"  subscriber {s.index}: {s.closed}")
    for s in [s for s in subs if s.error][:3]:
        print(f"  subscriber {s.index} got an error: {s.error}")

    if rss_before is None or rss_end is None:
        print("server RSS: not measured (no /proc and no psutil here)")
    else:
        growth = (rss_end / rss_before - 1) * 100
        print(
            f"server RSS: {rss_before:.0f} MB before the subscribers, {rss_end:.0f} MB at the end "
            f"(window min {min(rss_samples):.0f}, max {max(rss_samples):.0f}), {fmt_mb(rss_after)} after they "
            f"left; growth {growth:+.1f} % (target <= 10 %) {verdict(growth <= 10)}"
        )

    good = [p for p in probes if "first" in p]
    worst_first = max((p["first"] for p in good), default=float("inf"))
    shown = ", ".join(
        f"{p['first']:.2f} s ({p['type']}, {p['codes']} codes, handshake {p['handshake'] * 1000:.0f} ms)"
        if "first" in p
        else p["error"]
        for p in probes
    )
    print(
        f"first message to a new client (warm book, under load): {shown or 'none taken'} (target <= 1 s) "
        f"{verdict(bool(good) and len(good) == len(probes) and worst_first <= 1.0)}"
    )

    before, after, pid = threads
    spent = {tid: after[tid] - before.get(tid, 0.0) for tid in after}
    pushers = {row[2] for row in trace if row[2]}
    loop = spent.get(pid, 0.0)
    pusher = sum(v for tid, v in spent.items() if tid in pushers)
    other = sum(spent.values()) - loop - pusher
    if spent:
        print(
            f"CPU over the window: server {sum(spent.values()) / wall * 100:.0f} % of a core (event loop "
            f"thread {loop / wall * 100:.0f} %, simulator pusher {pusher / wall * 100:.0f} %, other threads "
            f"{other / wall * 100:.0f} %); the clients ({client_processes} process(es)) {cpu * 100:.0f} %"
        )
    if machine[0] and machine[1]:
        busy = (machine[1][0] - machine[0][0]) / wall
        cores = (machine[1][1] - machine[0][1]) / wall
        others = busy - sum(spent.values()) / wall - cpu
        print(
            f"machine: {busy:.2f} of {cores:.1f} cores busy over the window, {max(others, 0):.2f} of them by "
            f"other processes (load average at the end {os.getloadavg()[0]:.2f})"
        )
    print(f"hub: {realtime.get('whole_quote_subscribers')} whole-quote subscribers at the end of the window")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, help="concurrent clients (default 50; 5 with --quick)")
    parser.add_argument("--seconds", type=float, help="measured window (default 120; 15 with --quick)")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument("--quick", action="store_true", help="5 subscribers, 15 s: for development")
    parser.add_argument("--markets", default="SH,SZ", help="the subscribe message's codes (default SH,SZ)")
    parser.add_argument("--speed", type=float, default=1.0, help="replay speed (default 1: a push every 3 s)")
    parser.add_argument(
        "--client",
        choices=["lean", "websockets"],
        default="lean",
        help="the subscribers' client (default lean: bench/_lean_ws.py, one copy a message; websockets: the "
        "library QMTClient uses, ~3 ms of CPU a message, which on a 2-core machine competes with the server)",
    )
    parser.add_argument(
        "--compression",
        choices=["deflate", "none"],
        default="deflate",
        help="permessage-deflate offered by websockets clients (default deflate: the websockets and QMTClient "
        "default; the server declines it)",
    )
    parser.add_argument(
        "--format",
        choices=["compact", "envelope"],
        default="compact",
        help="the messages' format (default compact: whole-market snapshots as rows, as QMTClient asks)",
    )
    parser.add_argument(
        "--settle", type=float, default=5.0, help="seconds between the connects and the window"
    )
    parser.add_argument(
        "--client-processes",
        type=int,
        default=1,
        help="spread the subscribers over this many client processes (default 1: all in this one, reading "
        "their messages one after another in one event loop)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the server's log and trace")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="run the server's event-loop thread under cProfile and write the stats to FILE (slows it down: "
        "the figures of such a run are not the benchmark's)",
    )
    args = parser.parse_args()
    if args.subscribers is None:
        args.subscribers = 5 if args.quick else 50
    if args.seconds is None:
        args.seconds = 15.0 if args.quick else 120.0
    if args.subscribers < 1 or args.seconds <= 0 or args.speed <= 0:
        parser.error("--subscribers, --seconds and --speed must be positive")
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
