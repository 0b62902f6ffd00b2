"""What running the backend in a child process (``QMT_BRIDGE_BACKEND_ISOLATION=process``, issue 19) costs,
and how its results should cross the process boundary.

    python bench/isolation.py [--calls 2000] [--rounds 5] [--stocks 500] [--minute-stocks 20]
                              [--minute-days 20] [--runs 9] [--skip-calls] [--skip-data]

(a) **Round trip of a trivial call**: ``xtdata.get_markets()`` (a dict of six entries on the simulator)
``--calls`` times on a started in-process ``SimBackend`` and through a started
``ProcessBackend(SimBackend())``, called directly and through a ``BackendRunner`` (``await runner.call``,
the path of every server request); ``--rounds`` rounds alternating the two, best round each. Prints the
time added per call (target ≤ 0.3 ms). Also ``get_full_tick(['600519.SH'])``, the call behind a
``full_tick`` request without the quote book, for reference.

(b) **Data plane**: one large result built once in a spawned child process from the simulator, then sent
to this process on request, timed from the request to the decoded object here (best of ``--runs``,
methods alternating):

- ``Channel`` as the backend process sends (pickle protocol 5 through its record pickler, numpy buffers
  out of band, one ``send_bytes`` each, received with ``recv_bytes_into``), and the same without the
  record pickler (plain ``pickle.dumps``, as the server sends calls);
- the same out of band, but buffers under 64 KiB joined into one ``send_bytes`` (a variant measured here
  only: a DataFrame's blocks are small when the frames are, e.g. 500 frames of 243 daily bars);
- ``Connection.send`` / ``recv``: multiprocessing's default, the whole pickle in band;
- the frames concatenated into one in the child, sent through ``Channel``, and split back into one
  DataFrame per code (row slices) here (a variant measured here only);
- Arrow IPC (with pyarrow): the frames concatenated into one table with a dictionary-encoded code column,
  one IPC stream, split back into one DataFrame per code here (what the bridge's Arrow answers do over
  HTTP).

Payloads: ``get_market_data_ex`` of ``--stocks`` stocks × 1 year of daily bars and of ``--minute-stocks``
stocks × ``--minute-days`` trading days of 1m bars (dicts of DataFrames: ``{code: frame}``), and
``get_market_data`` of the daily bars (field-major: eleven ``stocks × days`` frames, a few large arrays).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import multiprocessing
import pickle
import statistics
import struct
import time
from collections.abc import Callable
from typing import Any

from qmt_bridge.backends.isolation import ProcessBackend
from qmt_bridge.backends.isolation.wire import Channel
from qmt_bridge.backends.runner import BackendRunner
from qmt_bridge.backends.sim import SimBackend

TRIVIAL_TARGET_MS = 0.3
METHODS = ("channel", "channel-plain", "joined", "packed", "send", "arrow")
LABELS = {
    "channel": "Channel (out of band, record pickler)",
    "channel-plain": "Channel (out of band, plain pickle)",
    "joined": "out of band, buffers < 64 KiB joined",
    "packed": "Channel, frames concatenated, split here",
    "send": "Connection.send (in band)",
    "arrow": "Arrow IPC",
}

try:
    import pyarrow  # noqa: F401

    HAVE_ARROW = True
except ImportError:
    HAVE_ARROW = False


# ---------------------------------------------------------------------------------------------- (a) calls


def per_call(fn: Callable[[], Any], calls: int) -> float:
    """Seconds per call of ``calls`` calls of ``fn`` in a row."""
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - started) / calls


async def per_runner_call(runner: BackendRunner, fn: Callable[[], Any], calls: int) -> float:
    """Seconds per ``await runner.call(fn)``, ``calls`` of them one after another."""
    started = time.perf_counter()
    for _ in range(calls):
        await runner.call(fn)
    return (time.perf_counter() - started) / calls


def latencies(fn: Callable[[], Any], calls: int) -> list[float]:
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return sorted(times)


def bench_calls(args: argparse.Namespace) -> bool:
    local = SimBackend()
    local.start()
    started = time.perf_counter()
    remote = ProcessBackend(SimBackend(), default_timeout=30.0, hang_grace=5.0, max_restarts_per_hour=10)
    remote.start()
    print(f"(a) a trivial backend call; the backend process started in {time.perf_counter() - started:.2f} s")
    runner = BackendRunner(SimBackend.max_concurrency, 30.0)
    ok = True
    try:
        calls = {
            "get_markets()": lambda x: x.get_markets,
            "get_full_tick(['600519.SH'])": lambda x: lambda: x.get_full_tick(["600519.SH"]),
        }
        for label, make in calls.items():
            fns = {"in process": make(local.xtdata), "process": make(remote.xtdata)}
            if label == "get_markets()":
                assert fns["in process"]() == fns["process"](), "the two backends answer differently"
            best: dict[tuple[str, str], float] = {}
            for round_ in range(args.rounds + 1):  # round 0 warms up
                for where, fn in fns.items():
                    for path in ("direct", "runner"):
                        if path == "direct":
                            seconds = per_call(fn, args.calls)
                        else:
                            seconds = asyncio.run(per_runner_call(runner, fn, args.calls))
                        if round_:
                            key = (where, path)
                            best[key] = min(best.get(key, float("inf")), seconds)
            print(f"{label}: {args.calls} calls x {args.rounds} rounds, best round, per call")
            for path in ("direct", "runner"):
                inside, outside = best[("in process", path)], best[("process", path)]
                added = (outside - inside) * 1000
                line = (
                    f"  {path:6s}  in process {inside * 1e6:8.1f} us   backend process {outside * 1e6:8.1f} us"
                    f"   added {added:.3f} ms"
                )
                if label == "get_markets()":
                    met = added <= TRIVIAL_TARGET_MS
                    ok &= met
                    line += f" (target <= {TRIVIAL_TARGET_MS}) {'OK' if met else 'ABOVE TARGET'}"
                print(line)
            times = latencies(fns["process"], args.calls)
            print(
                f"  direct through the process, one call: p50 {statistics.median(times) * 1e6:.1f} us, "
                f"p99 {times[int(len(times) * 0.99)] * 1e6:.1f} us, max {times[-1] * 1e6:.1f} us"
            )
    finally:
        runner.shutdown()
        remote.stop()
        local.stop()
    return ok


# ------------------------------------------------------------------------------------------ (b) data plane


def build_payloads(seed: int, stocks: int, minute_stocks: int, minute_days: int) -> dict[str, Any]:
    """The results to send, from the simulator (in the child process)."""
    from qmt_bridge.sim.data_api import SimXtData
    from qmt_bridge.sim.market.market import SimMarket

    xtdata = SimXtData(SimMarket(seed=seed))
    codes = [c for c in xtdata.get_stock_list_in_sector("沪深A股") if c.startswith(("600", "000", "601"))]
    end = xtdata.market.current_day()
    end_s = end.strftime("%Y%m%d")
    year_ago = end.replace(year=end.year - 1).strftime("%Y%m%d")
    days = xtdata.get_trading_dates("SH", end_time=end_s, count=minute_days)
    first = dt.datetime.fromtimestamp(days[0] / 1000, dt.timezone(dt.timedelta(hours=8))).strftime("%Y%m%d")
    daily = codes[:stocks]
    return {
        "daily": xtdata.get_market_data_ex([], daily, period="1d", start_time=year_ago, end_time=end_s),
        "minute": xtdata.get_market_data_ex(
            [], codes[:minute_stocks], period="1m", start_time=first, end_time=end_s
        ),
        "field-major": xtdata.get_market_data([], daily, period="1d", start_time=year_ago, end_time=end_s),
    }


def to_arrow(frames: dict[str, Any]) -> bytes:
    """``{code: frame}`` as one Arrow IPC stream: the rows of all frames, their index as a column and a
    dictionary-encoded ``code`` column."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    codes = list(frames)
    big = pd.concat(list(frames.values()))
    table = pa.Table.from_pandas(big, preserve_index=True)
    runs = np.repeat(np.arange(len(codes), dtype=np.int32), [len(f) for f in frames.values()])
    table = table.append_column("code", pa.DictionaryArray.from_arrays(runs, pa.array(codes)))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def pack(frames: dict[str, Any]) -> tuple[list[str], list[int], Any]:
    """``{code: frame}`` as one frame (all rows, in order) and the codes and lengths to split it by."""
    import pandas as pd

    return list(frames), [len(f) for f in frames.values()], pd.concat(list(frames.values()))


def unpack(codes: list[str], lengths: list[int], frame: Any) -> dict[str, Any]:
    """The inverse of :func:`pack`: one DataFrame per code (row slices of ``frame``)."""
    import numpy as np

    bounds = np.concatenate(([0], np.cumsum(lengths)))
    return {code: frame.iloc[bounds[i] : bounds[i + 1]] for i, code in enumerate(codes)}


def from_arrow(data: bytes) -> dict[str, Any]:
    """The inverse of :func:`to_arrow`: one DataFrame per code, in order."""
    import numpy as np
    import pyarrow as pa

    table = pa.ipc.open_stream(data).read_all()
    codes = table.column("code").combine_chunks()
    frame = table.drop_columns(["code"]).to_pandas()
    indices = codes.indices.to_numpy()
    cuts = np.flatnonzero(np.diff(indices)) + 1
    starts = np.concatenate(([0], cuts))
    stops = np.concatenate((cuts, [len(indices)]))
    names = codes.dictionary.to_pylist()
    return {names[indices[a]]: frame.iloc[a:b] for a, b in zip(starts, stops, strict=True)}


class JoinedChannel:
    """A variant of ``wire.Channel`` for comparison (not the project's): out-of-band buffers smaller than
    ``SMALL`` bytes cross together in one ``send_bytes`` (copied once into it, each at a 64-byte aligned
    offset), larger ones one ``send_bytes`` each as in ``Channel``."""

    SMALL = 64 * 1024
    HEAD = struct.Struct("<I")

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @classmethod
    def layout(cls, sizes: tuple[int, ...]) -> tuple[list[int | None], int]:
        """Each buffer's offset in the joined frame (None: sent alone), and the frame's size."""
        offsets: list[int | None] = []
        end = 0
        for size in sizes:
            if size < cls.SMALL:
                offsets.append(end)
                end += (size + 63) // 64 * 64
            else:
                offsets.append(None)
        return offsets, end

    def send(self, message: Any) -> None:
        buffers: list[pickle.PickleBuffer] = []
        head = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
        views = [b.raw() for b in buffers]
        sizes = tuple(v.nbytes for v in views)
        offsets, total = self.layout(sizes)
        self.conn.send_bytes(self.HEAD.pack(len(sizes)) + struct.pack(f"<{len(sizes)}Q", *sizes) + head)
        if total:
            joined = bytearray(total)
            for view, offset in zip(views, offsets, strict=True):
                if offset is not None:
                    joined[offset : offset + view.nbytes] = view
            self.conn.send_bytes(joined)
        for view, offset in zip(views, offsets, strict=True):
            if offset is None:
                self.conn.send_bytes(view)

    def receive(self) -> Any:
        data = self.conn.recv_bytes()
        (count,) = self.HEAD.unpack_from(data)
        sizes = struct.unpack_from(f"<{count}Q", data, self.HEAD.size)
        offsets, total = self.layout(sizes)
        joined = memoryview(bytearray(total))
        if total:
            self.conn.recv_bytes_into(joined)
        buffers: list[Any] = []
        for size, offset in zip(sizes, offsets, strict=True):
            if offset is not None:
                buffers.append(joined[offset : offset + size])
            else:
                buffer = bytearray(size)
                self.conn.recv_bytes_into(buffer)
                buffers.append(buffer)
        return pickle.loads(memoryview(data)[self.HEAD.size + 8 * count :], buffers=buffers)


def sender(conn: Any, seed: int, stocks: int, minute_stocks: int, minute_days: int) -> None:
    """The child process: build the payloads, then answer ``(method, payload)`` requests until None."""
    payloads = build_payloads(seed, stocks, minute_stocks, minute_days)
    # Sizes only: each Arrow answer converts its frames when it is asked for, as the others pickle theirs.
    arrow = {}
    if HAVE_ARROW:
        arrow = {name: len(to_arrow(p)) for name, p in payloads.items() if name != "field-major"}
    channels = {"channel": Channel(conn, records=True), "channel-plain": Channel(conn)}
    info = {}
    for name, payload in payloads.items():
        buffers: list[pickle.PickleBuffer] = []
        head = pickle.dumps(payload, protocol=5, buffer_callback=buffers.append)
        info[name] = {
            "head": len(head),
            "buffers": len(buffers),
            "buffer_bytes": sum(b.raw().nbytes for b in buffers),
            "inband": len(pickle.dumps(payload, protocol=5)),
            "arrow": arrow.get(name),
            "by_code": name != "field-major",
            "rows": sum(len(f) for f in payload.values()),
            "frames": len(payload),
        }
    conn.send(info)
    while (request := conn.recv()) is not None:
        method, name = request
        if method in channels:
            channels[method].send(("result", 1, payloads[name]), 1)
        elif method == "packed":
            channels["channel"].send(("result", 1, pack(payloads[name])), 1)
        elif method == "joined":
            JoinedChannel(conn).send(payloads[name])
        elif method == "send":
            conn.send(payloads[name])
        else:
            conn.send_bytes(to_arrow(payloads[name]))


def receive(conn: Any, channel: Channel, method: str) -> Any:
    if method.startswith("channel"):
        return channel.receive()[2]
    if method == "packed":
        return unpack(*channel.receive()[2])
    if method == "joined":
        return JoinedChannel(conn).receive()
    if method == "send":
        return conn.recv()
    return from_arrow(conn.recv_bytes())


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if list(a) != list(b):
        return False
    return all(a[k].shape == b[k].shape and a[k].equals(b[k]) for k in list(a)[:: max(1, len(a) // 20)])


def bench_data(args: argparse.Namespace) -> None:
    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe(duplex=True)
    child = context.Process(
        target=sender,
        args=(there, 20240101, args.stocks, args.minute_stocks, args.minute_days),
        daemon=True,
    )
    child.start()
    there.close()
    started = time.perf_counter()
    info = here.recv()
    channel = Channel(here)
    print(
        f"\n(b) data plane: child process -> this one (payloads built in {time.perf_counter() - started:.1f} s)"
    )
    if not HAVE_ARROW:
        print("Arrow IPC: skipped (pyarrow is not installed)")
    try:
        for name, sizes in info.items():
            by_code = sizes["by_code"]  # {code: frame}, not field-major
            methods = [m for m in METHODS if by_code or m not in ("arrow", "packed")]
            if not HAVE_ARROW and "arrow" in methods:
                methods.remove("arrow")
            reference = None
            for method in methods:  # warm-up, and every method gives the same frames
                here.send((method, name))
                value = receive(here, channel, method)
                if reference is None:
                    reference = value
                assert same(reference, value), f"{method} gave other frames for {name}"
            del reference, value
            best = dict.fromkeys(methods, float("inf"))
            for run in range(args.runs):
                # A different first method each run, so that no method always follows the same one.
                for method in methods[run % len(methods) :] + methods[: run % len(methods)]:
                    # Each run starts from the same collector state: the frames' many objects (their
                    # string index) set off full collections, which would otherwise land on one method.
                    gc.collect()
                    started = time.perf_counter()
                    here.send((method, name))
                    receive(here, channel, method)
                    best[method] = min(best[method], time.perf_counter() - started)
            mb = 1024 * 1024
            print(
                f"{name}: {sizes['frames']} frames, {sizes['rows']:,} rows; pickle 5 in band "
                f"{sizes['inband'] / mb:.1f} MB; out of band: head {sizes['head'] / mb:.1f} MB + "
                f"{sizes['buffers']} buffers {sizes['buffer_bytes'] / mb:.1f} MB"
                + (f"; Arrow IPC {sizes['arrow'] / mb:.1f} MB" if sizes["arrow"] else "")
            )
            for method in methods:
                ratio = best[method] / best["send"]
                print(f"  {LABELS[method]:40s} {best[method] * 1000:8.1f} ms   {ratio:5.2f} x in band")
            if not by_code:
                print("  (packed and Arrow: n/a, not a {code: frame} result)")
            fastest = min(best, key=best.__getitem__)
            print(f"  fastest: {LABELS[fastest]}")
    finally:
        here.send(None)
        child.join(10)
        if child.exitcode is None:
            child.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per round in (a)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds in (a), after one warm-up round")
    parser.add_argument("--stocks", type=int, default=500, help="stocks of the daily payloads in (b)")
    parser.add_argument("--minute-stocks", type=int, default=20)
    parser.add_argument("--minute-days", type=int, default=20)
    parser.add_argument("--runs", type=int, default=9, help="sends per method and payload in (b)")
    parser.add_argument("--skip-calls", action="store_true", help="skip (a)")
    parser.add_argument("--skip-data", action="store_true", help="skip (b)")
    args = parser.parse_args()
    if not args.skip_calls:
        ok = bench_calls(args)
        print(f"trivial call round trip: {'target met' if ok else 'TARGET MISSED'}")
    if not args.skip_data:
        bench_data(args)


if __name__ == "__main__":
    main()
