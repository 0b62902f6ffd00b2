"""The backend in a supervised child process (``qmt_bridge.backends.isolation``), with real spawn children.

What crosses the pipe (frames, exceptions, callbacks, trader objects, xtquant records of the fake package)
and what the supervisor does when the process crashes, hangs, dies mid-push, reaches its restart cap, is
stopped or loses its parent. Each spawn costs about a second: read-only tests share one started backend,
tests that break theirs get their own, and every backend is stopped in a ``finally``.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from conftest import AFTER_CLOSE, MID_SESSION, SEED
from helpers import wait_until
from qmt_bridge.backends.base import (
    BackendCallLost,
    BackendRestarting,
    BackendUnavailableError,
    load_backend,
)
from qmt_bridge.backends.isolation import ProcessBackend, RemoteTrader
from qmt_bridge.backends.isolation.wire import BUNDLE_FROM, XtRecord, bundle_frames
from qmt_bridge.backends.runner import BackendRunner
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.backends.xtquant import XtquantBackend
from qmt_bridge.server.config import Settings
from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.clock import SimClock, fixed_clock
from qmt_bridge.sim.unsupported import SimUnsupportedError
from qmt_bridge.sim.xttrader import XtQuantTraderCallback

CODE = "600519.SH"
ACCOUNT = "SIM000001"
#: Seconds to wait for a new process (spawn ~1 s; generous for a loaded 2-core machine under xdist).
RESTART_WAIT = 30.0
#: Quick restarts: the tests wait for them, the backoff itself is not what they test.
QUICK = {"restart_delays": (0.05,)}


def sim(clock: SimClock | None = None, **options: Any) -> SimBackend:
    """An unstarted simulator of the tests' seed, frozen in the session of 2025-11-20 unless told."""
    return SimBackend(seed=SEED, clock=clock or fixed_clock(MID_SESSION), **options)


def moving_clock() -> SimClock:
    """A replay of the morning session, 20 times real time: a new tick every 0.15 s of wall time."""
    return SimClock("replay", replay_start=MID_SESSION, speed=20.0)


@contextmanager
def started(backend: ProcessBackend) -> Iterator[ProcessBackend]:
    backend.start()
    try:
        yield backend
    finally:
        backend.stop()


def wait_for_new_process(backend: ProcessBackend, generation: int) -> dict[str, Any]:
    """The status once a process newer than ``generation`` is running."""
    wait_until(
        lambda: backend.status()["state"] == "running" and backend.status()["generation"] > generation,
        f"a backend process after generation {generation}",
        timeout=RESTART_WAIT,
    )
    return backend.status()


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a zombie, exited but not reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:  # gone meanwhile, or a system without /proc (then trust the signal)
        return not Path("/proc/self").exists()


POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="probes a pid with signal 0 (POSIX)")


@pytest.fixture(scope="module")
def frozen() -> Iterator[ProcessBackend]:
    """The simulator frozen after the close, in a child process (read-only tests share it)."""
    with started(ProcessBackend(sim(fixed_clock(AFTER_CLOSE)))) as backend:
        yield backend


@pytest.fixture(scope="module")
def moving() -> Iterator[ProcessBackend]:
    """The simulator replaying a session fast, in a child process (pushes keep coming)."""
    with started(ProcessBackend(sim(moving_clock()), **QUICK)) as backend:
        yield backend


# ---------------------------------------------------------------------------------------------- calls


def test_calls_cross_to_the_child_and_answer_as_in_process(frozen: ProcessBackend, xtdata: Any) -> None:
    status = frozen.status()
    assert (status["isolation"], status["state"], status["generation"]) == ("process", "running", 1)
    assert status["pid"] not in (None, os.getpid())
    assert frozen.is_connected() and frozen.version().startswith("qmt_bridge.sim")
    remote = frozen.xtdata
    assert remote.get_markets() == xtdata.get_markets()

    # The session's in-process simulator has the same seed and the same frozen moment.
    for period, count in (("1d", 30), ("1m", 240)):
        mine = remote.get_market_data_ex([], [CODE, "000001.SZ"], period=period, count=count)
        theirs = xtdata.get_market_data_ex([], [CODE, "000001.SZ"], period=period, count=count)
        assert list(mine) == list(theirs)
        for code in theirs:
            assert len(theirs[code]) == count
            pd.testing.assert_frame_equal(mine[code], theirs[code])

    # The columns arrive in buffers of their own (out of band), and those are writable.
    frame = remote.get_market_data_ex([], [CODE], period="1d", count=5)[CODE]
    frame.iloc[-1, frame.columns.get_loc("close")] = -1.0
    frame.iloc[0, frame.columns.get_loc("volume")] = 7
    assert frame["close"].iloc[-1] == -1.0 and frame["volume"].iloc[0] == 7


def test_many_frames_cross_as_one_and_arrive_as_they_were(frozen: ProcessBackend, xtdata: Any) -> None:
    """A ``{code: DataFrame}`` answer of BUNDLE_FROM frames or more crosses concatenated (wire.bundle_frames)
    and is split back: every frame equal to the in-process one (index dtype included), an empty one
    (a code listed after the range) too, each writable on its own."""
    codes = xtdata.get_stock_list_in_sector("沪深A股")[: BUNDLE_FROM + 3]
    listed = [r for r in xtdata.get_ipo_info("20250601", "20250930") if r["listedDate"] <= "20251031"]
    newest = listed[0]["securityCode"]  # listed in 2025: no bars in January
    codes.append(newest)
    asked = {"period": "1d", "start_time": "20250101", "end_time": "20250131"}
    mine = frozen.xtdata.get_market_data_ex([], codes, **asked)
    theirs = xtdata.get_market_data_ex([], codes, **asked)
    assert list(mine) == codes and len(theirs[newest]) == 0 and len(theirs[codes[0]]) > 10
    for code in codes:
        pd.testing.assert_frame_equal(mine[code], theirs[code])
        assert mine[code].index.dtype == theirs[code].index.dtype
    mine[codes[0]].iloc[0, mine[codes[0]].columns.get_loc("close")] = -1.0
    assert mine[codes[0]]["close"].iloc[0] == -1.0
    assert (mine[codes[1]]["close"] > 0).all() and mine[codes[1]].equals(theirs[codes[1]])

    # Frames that are not alike, or too few, cross as they are.
    single = {"a": theirs[codes[0]]}
    assert bundle_frames(single) is single
    unlike = {code: theirs[code] for code in codes[:BUNDLE_FROM]} | {"x": theirs[codes[0]][["close"]]}
    assert bundle_frames(unlike) is unlike
    assert type(bundle_frames({code: theirs[code] for code in codes})).__name__ == "_FrameBundle"


def test_errors_keep_their_type_and_message(frozen: ProcessBackend, xtdata: Any) -> None:
    with pytest.raises(SimUnsupportedError) as local:
        xtdata.get_market_data_ex([], [CODE], period="no_such_period")
    with pytest.raises(SimUnsupportedError) as remote:
        frozen.xtdata.get_market_data_ex([], [CODE], period="no_such_period")
    assert type(remote.value) is SimUnsupportedError and str(remote.value) == str(local.value)
    assert "no_such_period" in str(remote.value)

    with pytest.raises(ValueError, match="'NOT_A_TYPE' is not supported") as bad_type:
        frozen.make_account(ACCOUNT, "NOT_A_TYPE")
    assert type(bad_type.value) is ValueError
    # The process answered the error: it is still the first one.
    assert frozen.status()["generation"] == 1 and frozen.status()["restarts"] == []


def test_unknown_functions_and_an_unstarted_backend(frozen: ProcessBackend) -> None:
    assert getattr(frozen.xtdata, "no_such_function", None) is None
    assert getattr(frozen.xtdata, "_private", None) is None
    assert callable(frozen.xtdata.get_full_tick)
    unstarted = ProcessBackend(sim())
    with pytest.raises(BackendUnavailableError, match="not started"):
        unstarted.xtdata  # noqa: B018
    assert unstarted.status()["state"] == "stopped" and not unstarted.is_connected()
    unstarted.stop()  # idempotent, also before start


# ------------------------------------------------------------------------------------------ callbacks


def test_pushes_reach_the_callback_on_another_thread_until_unsubscribed(moving: ProcessBackend) -> None:
    x = moving.xtdata
    caller = threading.get_ident()
    pushes: list[tuple[dict[str, Any], int]] = []
    control: list[dict[str, Any]] = []
    seq = x.subscribe_quote(
        CODE, "tick", "", "", 0, lambda data: pushes.append((data, threading.get_ident()))
    )
    other = x.subscribe_quote(CODE, "tick", "", "", 0, control.append)
    try:
        assert seq > 0 and other > 0 and seq != other
        wait_until(lambda: len(pushes) >= 3, "three pushes of a moving clock")
        data, thread = pushes[0]
        assert thread != caller
        assert list(data) == [CODE] and isinstance(data[CODE], list) and data[CODE]
        assert data[CODE][0]["lastPrice"] > 0

        x.unsubscribe_quote(seq)
        # A push being dispatched at the moment may still finish; after the control's next one none can.
        seen = len(control)
        wait_until(lambda: len(control) > seen, "a push after the unsubscription")
        stopped_at, seen = len(pushes), len(control)
        wait_until(lambda: len(control) >= seen + 3, "three more pushes of the other subscription")
        assert len(pushes) == stopped_at
    finally:
        x.unsubscribe_quote(other)


def test_a_death_mid_push_replaces_the_process(moving: ProcessBackend) -> None:
    x = moving.xtdata
    before = moving.status()
    pushes: list[Any] = []
    seq = x.subscribe_quote(CODE, "tick", "", "", 0, pushes.append)
    assert seq > 0
    wait_until(lambda: pushes, "a first push")
    moving.inject_fault("die_mid_push", after=2)
    status = wait_for_new_process(moving, before["generation"])
    death = status["restarts"][-1]
    assert (death["cause"], death["exit_code"], death["calls_lost"]) == ("crash", 3, [])
    assert status["pid"] != before["pid"]
    assert len(status["restarts"]) == len(before["restarts"]) + 1
    assert x.get_markets()  # the new process answers


# ------------------------------------------------------------------------------------------- crashes


def test_a_crash_loses_the_call_and_a_new_process_takes_over() -> None:
    backend = ProcessBackend(sim(), restart_delays=(0.3,))
    with started(backend):
        x = backend.xtdata
        first = backend.status()
        client = x.get_client()
        assert x.get_client() is client  # same process, same client object

        pushes: list[Any] = []

        def on_push(data: dict[str, Any]) -> None:
            pushes.append(data)

        forgotten = weakref.ref(on_push)
        old_seq = x.subscribe_quote(CODE, "tick", "", "", 0, on_push)
        assert old_seq > 0
        wait_until(lambda: pushes, "the subscription's first push (in a session: at once)")
        del on_push

        backend.inject_fault("crash", "get_instrument_detail")
        with pytest.raises(BackendCallLost) as lost:
            x.get_instrument_detail(CODE)
        assert "get_instrument_detail" in str(lost.value) and "code 3" in str(lost.value)

        # Restarting: a call is refused, not sent (the new process is not there yet).
        with pytest.raises(BackendRestarting, match="restarting"):
            x.get_markets()
        status = backend.status()
        assert status["state"] == "restarting" and status["pid"] is None
        (death,) = status["restarts"]
        assert (death["cause"], death["exit_code"], death["hung_call"], death["calls_lost"]) == (
            "crash",
            3,
            None,
            ["get_instrument_detail"],
        )
        assert "restarting" in status["reason"]

        status = wait_for_new_process(backend, first["generation"])
        assert status["generation"] == first["generation"] + 1 and status["pid"] != first["pid"]
        if sys.platform != "win32":
            assert not alive(first["pid"])
        # The fault lived in the old process: the new one answers the same call.
        assert x.get_instrument_detail(CODE)["InstrumentName"] == "贵州茅台"
        assert backend.status()["pid"] == status["pid"] and len(backend.status()["restarts"]) == 1

        # The hub and the quote book see a reconnect as a new client object.
        new_client = x.get_client()
        assert new_client is not client and x.get_client() is new_client

        # The old subscription's callback went with its process: nothing holds it any more, while a
        # subscription of the new process pushes (its push also moves the dispatcher past the old callback).
        fresh: list[Any] = []
        new_seq = x.subscribe_quote(CODE, "tick", "", "", 0, fresh.append)
        assert new_seq > 0 and new_seq != old_seq  # ids are never reused across processes
        wait_until(lambda: fresh, "a push of the new process's subscription")
        gc.collect()
        assert forgotten() is None
        assert len(pushes) == 1 and backend.status()["calls_in_flight"] == []

        # Ending the old subscription (as the hub does when it renews its streams) ends nothing in the new
        # process, where the new subscription has the old one's number (each process counts from 1).
        held = x.get_current_connect_sub_info()
        assert [row["subId"] for row in held] == [1]
        assert x.unsubscribe_quote(old_seq) is None
        assert x.get_current_connect_sub_info() == held
        x.unsubscribe_quote(new_seq)
        assert x.get_current_connect_sub_info() == []


def test_the_restart_cap_leaves_the_backend_down_after_exactly_one_restart() -> None:
    backend = ProcessBackend(sim(), max_restarts_per_hour=1, **QUICK)
    with started(backend):
        x = backend.xtdata
        backend.inject_fault("crash", "get_markets")
        with pytest.raises(BackendCallLost):
            x.get_markets()
        status = wait_for_new_process(backend, 1)  # the one restart the cap allows
        assert status["generation"] == 2 and status["restarts_last_hour"] == 1
        assert x.get_markets()

        backend.inject_fault("crash", "get_markets")
        with pytest.raises(BackendCallLost):
            x.get_markets()
        status = backend.status()
        assert status["state"] == "down" and status["pid"] is None and status["generation"] == 2
        assert status["restarts_last_hour"] == 2 and [r["cause"] for r in status["restarts"]] == [
            "crash",
            "crash",
        ]
        assert "stays down" in status["reason"] and "cap is 1" in status["reason"]
        with pytest.raises(BackendRestarting, match="stays down"):
            x.get_markets()
        with pytest.raises(BackendRestarting, match="down"):
            backend.make_account(ACCOUNT)
        assert not backend.is_connected()
        # No restart is under way: down is final (it would have been decided with the state).
        assert backend.status()["generation"] == 2 and backend.status()["state"] == "down"


# --------------------------------------------------------------------------------------------- hangs


def test_a_hung_call_kills_the_process_and_other_calls_still_answer_meanwhile() -> None:
    backend = ProcessBackend(sim(), default_timeout=1.0, hang_grace=0.3, **QUICK)
    with started(backend):
        x = backend.xtdata
        first = backend.status()
        backend.inject_fault("hang", "get_instrument_detail")
        outcome: list[BaseException | Any] = []

        def hang() -> None:
            try:
                outcome.append(x.get_instrument_detail(CODE))
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=hang, name="hung-caller")
        thread.start()
        try:
            wait_until(
                lambda: [c["call"] for c in backend.status()["calls_in_flight"]] == ["get_instrument_detail"],
                "the hanging call in flight",
            )
            # The process serves other calls while one hangs (the simulator allows concurrent calls).
            assert x.get_markets() and outcome == []
        finally:
            thread.join(RESTART_WAIT)
        assert not thread.is_alive(), "the hung call never returned"
        (error,) = outcome
        assert isinstance(error, BackendCallLost), error
        assert "killed after get_instrument_detail hung" in str(error)

        death = backend.status()["restarts"][-1]
        assert (death["cause"], death["hung_call"], death["calls_lost"]) == (
            "hang",
            "get_instrument_detail",
            ["get_instrument_detail"],
        )
        if sys.platform != "win32":
            assert death["exit_code"] == -signal.SIGKILL
        status = wait_for_new_process(backend, first["generation"])
        assert status["pid"] != first["pid"]
        assert x.get_instrument_detail(CODE)["InstrumentName"] == "贵州茅台"


def test_a_slow_call_within_its_runner_limit_is_not_killed() -> None:
    # 3 stocks x 0.4 s = 1.2 s: past the default limit (0.5 + 0.3 s), within the runner call's 10 s.
    backend = ProcessBackend(sim(download_seconds=0.4), default_timeout=0.5, hang_grace=0.3, **QUICK)
    codes = [CODE, "600000.SH", "000001.SZ"]
    with started(backend):
        first = backend.status()
        runner = BackendRunner(2, 10.0)
        try:
            progress: list[dict[str, Any]] = []

            def slow_progress(report: dict[str, Any]) -> None:  # slower than the pushes come
                time.sleep(0.3)
                progress.append(report)

            held = asyncio.run(
                runner.call(backend.xtdata.download_history_data2, codes, "1d", callback=slow_progress)
            )
        finally:
            runner.shutdown()
        assert sorted(held) == sorted(codes)
        # As in xtquant, every progress callback has run when the call returns (download jobs count on it).
        assert [p["finished"] for p in progress] == [1, 2, 3]
        status = backend.status()
        assert status["restarts"] == [] and (status["pid"], status["generation"]) == (first["pid"], 1)


# ------------------------------------------------------------------------------------------ shutdown


def test_stop_leaves_no_child_process() -> None:
    backend = ProcessBackend(sim())
    backend.start()
    try:
        pid = backend.status()["pid"]
        (process,) = [p for p in multiprocessing.active_children() if p.pid == pid]
    finally:
        backend.stop()
    assert backend.status()["state"] == "stopped"
    wait_until(lambda: not process.is_alive(), "the stopped backend process to exit", timeout=10)
    if sys.platform != "win32":
        wait_until(lambda: not alive(pid), "the stopped backend process to be gone", timeout=10)
    with pytest.raises(BackendUnavailableError, match="stopped"):
        backend.xtdata.get_markets()
    backend.stop()  # idempotent


def test_stop_during_a_restart_leaves_no_process() -> None:
    backend = ProcessBackend(sim(), restart_delays=(0,))
    backend.start()
    try:
        before = {p.pid for p in multiprocessing.active_children()}
        backend.inject_fault("crash", "get_markets")
        with pytest.raises(BackendCallLost):
            backend.xtdata.get_markets()

        def spawning() -> list[Any]:
            return [p for p in multiprocessing.active_children() if p.pid not in before]

        wait_until(spawning, "the replacing process to be started")
        (replacing,) = spawning()
    finally:
        backend.stop()  # while the replacing process gets ready (or just after)
    wait_until(lambda: not replacing.is_alive(), "the replacing process to stop", timeout=RESTART_WAIT)
    # Without the stop noticed, the replacing process would be adopted once ready: running, after stop().
    assert (backend.status()["state"], backend.status()["pid"]) == ("stopped", None)


@POSIX_ONLY
def test_the_child_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import datetime as dt, time
        from qmt_bridge.backends.isolation import ProcessBackend
        from qmt_bridge.backends.sim import SimBackend
        from qmt_bridge.sim.clock import CST, fixed_clock

        backend = ProcessBackend(SimBackend(seed=7, clock=fixed_clock(dt.datetime(2025, 11, 20, 10, tzinfo=CST))))
        backend.start()
        assert backend.xtdata.get_markets()
        print(backend.status()["pid"], flush=True)
        time.sleep({RESTART_WAIT * 4})
        """
    )
    with (tmp_path / "stderr.txt").open("wb") as stderr:
        parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=stderr)
    child = 0
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline()
        assert line.strip().isdigit(), (line, (tmp_path / "stderr.txt").read_text())
        child = int(line)
        assert alive(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        wait_until(lambda: not alive(child), "the orphaned backend process to exit by itself", timeout=10)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)
        if parent.stdout is not None:
            parent.stdout.close()
        if child and alive(child):
            os.kill(child, signal.SIGKILL)


# ------------------------------------------------------------------------------------------- traders


class Recorder(XtQuantTraderCallback):
    """Records each callback as ``(name, argument or None, thread ident)``."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any, int]] = []

    def _record(self, name: str, arg: Any = None) -> None:
        self.seen.append((name, arg, threading.get_ident()))

    def on_disconnected(self) -> None:
        self._record("on_disconnected")

    def on_stock_order(self, order: Any) -> None:
        self._record("on_stock_order", order)

    def on_stock_trade(self, trade: Any) -> None:
        self._record("on_stock_trade", trade)

    def on_stock_asset(self, asset: Any) -> None:
        self._record("on_stock_asset", asset)

    def names(self) -> list[str]:
        return [name for name, _, _ in self.seen]


def test_a_trader_in_the_child_and_its_callbacks(tmp_path: Path) -> None:
    backend = ProcessBackend(sim(data_dir=tmp_path), restart_delays=(0.3,))
    with started(backend):
        trader = backend.new_trader(str(tmp_path / "userdata_mini"), 4242)
        assert isinstance(trader, RemoteTrader) and trader.generation == 1
        recorder = Recorder()
        trader.register_callback(recorder)
        trader.start()
        assert trader.connect() == 0
        account = backend.make_account(ACCOUNT)
        assert (account.account_id, account.account_type) == (ACCOUNT, xc.SECURITY_ACCOUNT)
        assert trader.subscribe(account) == 0

        ask = backend.xtdata.get_full_tick([CODE])[CODE]["askPrice"][0]
        assert ask > 0
        order_id = trader.order_stock(account, CODE, xc.STOCK_BUY, 100, xc.FIX_PRICE, ask, "iso", "r1")
        assert order_id > 0
        wait_until(lambda: "on_stock_order" in recorder.names(), "on_stock_order in the parent")
        name, order, thread = next(s for s in recorder.seen if s[0] == "on_stock_order")
        assert thread != threading.get_ident()
        assert (order.order_id, order.stock_code, order.order_volume, order.order_remark) == (
            order_id,
            CODE,
            100,
            "r1",
        )
        assert [o.order_id for o in trader.query_stock_orders(account)] == [order_id]

        backend.inject_fault("crash", "query_stock_asset")
        with pytest.raises(BackendCallLost, match="query_stock_asset"):
            trader.query_stock_asset(account)
        wait_until(lambda: "on_disconnected" in recorder.names(), "on_disconnected of the old trader")
        assert recorder.names().count("on_disconnected") == 1
        wait_for_new_process(backend, 1)

        # The old trader belonged to the dead process: refused, even now that a new one runs.
        with pytest.raises(BackendRestarting, match="ended"):
            trader.query_stock_asset(account)
        with pytest.raises(BackendRestarting):
            trader.order_stock(account, CODE, xc.STOCK_BUY, 100, xc.FIX_PRICE, ask)
        assert trader.stop() is None  # nothing left to stop

        # A trader of the new process finds the order: the broker's state is in data_dir.
        again = backend.new_trader(str(tmp_path / "userdata_mini"), 4242)
        assert again.generation == 2
        again.start()
        try:
            assert again.connect() == 0 and again.subscribe(account) == 0
            assert [o.order_id for o in again.query_stock_orders(account)] == [order_id]
        finally:
            again.stop()
        # The process lets a stopped trader go (the server's manager builds one per connection attempt).
        with pytest.raises(RuntimeError, match="this trader was stopped"):
            again.query_stock_orders(account)


# ------------------------------------------------------------------------------- the fake xtquant


def test_the_fake_xtquant_in_the_child_and_its_records(fake_on_path: Path) -> None:
    def xtquant_loaded() -> list[str]:
        return [n for n in sys.modules if n == "xtquant" or n.startswith("xtquant.")]

    assert xtquant_loaded() == []
    backend = ProcessBackend(XtquantBackend(), **QUICK)
    with started(backend):
        assert backend.version() == "xtquant_250807"  # the fake's, loaded in the child
        assert backend.is_connected()
        x = backend.xtdata
        assert x.download_history_data2(["600000.SH"], "1d", "", "")["600000.SH"]
        frame = x.get_market_data_ex(["close"], ["600000.SH"], period="1d")["600000.SH"]
        assert list(frame.index) == ["20251117", "20251118", "20251119", "20251120", "20251121"]
        assert list(frame.columns) == ["close"] and frame["close"].notna().all()

        account = backend.make_account("12345678")
        assert isinstance(account, XtRecord)
        assert account._xt_class == ("xtquant.xttype", "StockAccount")
        assert (account.account_id, account.account_type) == ("12345678", 2)

        trader = backend.new_trader(r"C:\QMT\userdata_mini", 31)
        recorder = Recorder()
        trader.register_callback(recorder)
        trader.start()
        try:
            assert trader.connect() == 0
            # The fake answers -1 unless it is given its own StockAccount: the record was rebuilt as one.
            assert trader.subscribe(account) == 0
            asset = trader.query_stock_asset(account)
            assert isinstance(asset, XtRecord) and asset._xt_class == ("xtquant.xttype", "XtAsset")
            assert asset.account_id == "12345678" and asset.cash > 0 and asset.total_asset == asset.cash
            order_id = trader.order_stock(account, "600000.SH", 23, 100, 11, 10.5, "s", "r")
            assert order_id > 0
            (order,) = trader.query_stock_orders(account)
            assert isinstance(order, XtRecord) and order._xt_class == ("xtquant.xttype", "XtOrder")
            assert (order.order_id, order.stock_code, order.order_volume) == (order_id, "600000.SH", 100)
            wait_until(lambda: "on_stock_order" in recorder.names(), "the fake's on_stock_order push")
            pushed = next(arg for name, arg, _ in recorder.seen if name == "on_stock_order")
            assert isinstance(pushed, XtRecord) and pushed.order_id == order_id
        finally:
            trader.stop()
        # Records, never the classes: the test's process did not import xtquant.
        assert xtquant_loaded() == []
    assert xtquant_loaded() == []


# ------------------------------------------------------------------------------------------ settings


def test_load_backend_isolates_as_settings_say() -> None:
    process = load_backend(
        Settings(
            _env_file=None,
            backend="sim",
            backend_isolation="process",
            backend_timeout=12.0,
            backend_hang_grace=2.5,
            backend_max_restarts_per_hour=3,
        )
    )
    assert isinstance(process, ProcessBackend) and isinstance(process.inner, SimBackend)
    supervisor = process.supervisor
    assert (supervisor.default_timeout, supervisor.hang_grace, supervisor.restarts.max_per_hour) == (
        12.0,
        2.5,
        3,
    )
    assert process.status()["state"] == "stopped"  # built, not started

    auto_xtquant = load_backend(Settings(_env_file=None, backend="xtquant", backend_isolation="auto"))
    assert isinstance(auto_xtquant, ProcessBackend) and isinstance(auto_xtquant.inner, XtquantBackend)
    assert auto_xtquant.name == "xtquant" and auto_xtquant.status()["state"] == "stopped"
    assert type(load_backend(Settings(_env_file=None, backend="sim", backend_isolation="auto"))) is SimBackend
    thread = load_backend(Settings(_env_file=None, backend="xtquant", backend_isolation="thread"))
    assert type(thread) is XtquantBackend
    # The tests' environment says thread; without an explicit choice that is what applies.
    assert type(load_backend(Settings(_env_file=None, backend="xtquant"))) is XtquantBackend


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_reaches_the_server_not_the_backend_process(frozen: ProcessBackend) -> None:
    """Ctrl+C goes to the terminal's whole process group (on Windows, to every process of the console): the
    backend process ignores it and is stopped by the server's shutdown, never killed under it."""
    before = frozen.status()
    os.kill(before["pid"], signal.SIGINT)
    assert frozen.xtdata.get_markets()  # answered by the same process, after the signal
    after = frozen.status()
    assert (after["pid"], after["generation"], after["restarts"]) == (before["pid"], before["generation"], [])
