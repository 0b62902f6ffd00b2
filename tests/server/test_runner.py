"""The backend runner: results, failures, timeouts, the concurrency bound and shutdown, on real threads."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time

import pytest

from qmt_bridge.backends.runner import BackendCallFailed, BackendCallTimeout, BackendRunner

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def runner():
    runner = BackendRunner(concurrency=1, timeout=5.0)
    yield runner
    runner.shutdown()


def test_call_returns_the_result_computed_on_a_worker_thread(runner):
    def where(x, *, y):
        return x + y, threading.current_thread().name

    value, thread = asyncio.run(runner.call(where, 1, y=2))
    assert value == 3
    assert thread.startswith("backend-") and thread != threading.current_thread().name


def test_an_exception_becomes_backend_call_failed_naming_the_call(runner):
    def get_full_tick():
        raise ValueError("行情服务连接断开")

    with pytest.raises(BackendCallFailed) as caught:
        asyncio.run(runner.call(get_full_tick))
    assert caught.value.name == "get_full_tick"
    assert isinstance(caught.value.__cause__, ValueError)
    assert str(caught.value) == "get_full_tick failed: ValueError: 行情服务连接断开"


def test_an_os_error_is_reported_without_the_file_name(runner):
    def download_history_data():
        raise FileNotFoundError(2, "No such file or directory", r"C:\secret\path.dat")

    with pytest.raises(BackendCallFailed) as caught:
        asyncio.run(runner.call(download_history_data))
    assert "secret" not in str(caught.value) and "No such file or directory" in str(caught.value)


def test_a_slow_call_times_out_and_the_worker_recovers_when_it_returns(runner):
    release = threading.Event()

    def get_holidays():
        release.wait(10)
        return "late"

    async def scenario():
        started = time.perf_counter()
        with pytest.raises(BackendCallTimeout) as caught:
            await runner.call(get_holidays, timeout=0.2)
        elapsed = time.perf_counter() - started
        release.set()
        return caught.value, elapsed, await runner.call(lambda: "next")

    error, elapsed, after = asyncio.run(scenario())
    assert (error.name, error.timeout) == ("get_holidays", 0.2)
    assert str(error) == "backend call get_holidays did not answer within 0.2 s"
    assert 0.15 <= elapsed < 2.0
    assert after == "next"


def test_a_call_queued_behind_a_hung_call_is_dropped_when_its_caller_gives_up(runner):
    release = threading.Event()
    ran = []

    async def scenario():
        hung = asyncio.ensure_future(runner.call(release.wait, 10))
        await asyncio.sleep(0.05)
        with pytest.raises(BackendCallTimeout) as caught:
            await runner.call(ran.append, "queued", timeout=0.1)
        assert caught.value.queued
        assert str(caught.value) == (
            "backend call append waited 0.1 s for a free backend worker (all busy with earlier calls) "
            "and was not run"
        )
        release.set()
        assert await hung is True
        return await runner.call(ran.append, "later")

    asyncio.run(scenario())
    assert ran == ["later"]


def test_time_waiting_for_a_worker_is_not_counted_as_the_call_s_own(runner):
    """A call queued behind a slow one has its whole timeout to run once a worker takes it."""

    def get_market_data_ex():
        time.sleep(0.45)
        return "large"

    def get_full_tick():
        time.sleep(0.3)
        return "small"

    async def scenario():
        large = asyncio.ensure_future(runner.call(get_market_data_ex, timeout=0.6))
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        small = await runner.call(get_full_tick, timeout=0.6)  # queued 0.4 s, runs 0.3 s: 0.7 s in all
        return await large, small, time.perf_counter() - started

    large, small, elapsed = asyncio.run(scenario())
    assert (large, small) == ("large", "small")
    assert elapsed > 0.6


def test_a_call_running_past_its_timeout_after_waiting_is_still_cut_off(runner):
    release = threading.Event()

    async def scenario():
        first = asyncio.ensure_future(runner.call(time.sleep, 0.3, timeout=5))
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        with pytest.raises(BackendCallTimeout) as caught:
            await runner.call(release.wait, 10, timeout=0.4)
        elapsed = time.perf_counter() - started
        release.set()
        await first
        return caught.value, elapsed

    error, elapsed = asyncio.run(scenario())
    assert not error.queued and error.timeout == 0.4
    assert 0.6 <= elapsed < 2.0  # ~0.25 s queued, then 0.4 s running


def test_a_cancelled_caller_does_not_run_its_queued_call(runner):
    release = threading.Event()
    ran = []

    async def scenario():
        hung = asyncio.ensure_future(runner.call(release.wait, 10))
        await asyncio.sleep(0.05)
        queued = asyncio.ensure_future(runner.call(ran.append, "cancelled"))
        await asyncio.sleep(0.05)
        queued.cancel()
        release.set()
        await hung
        await runner.call(ran.append, "later")

    asyncio.run(scenario())
    assert ran == ["later"]


@pytest.mark.parametrize("concurrency", [1, 3])
def test_no_more_than_concurrency_calls_run_at_once(concurrency):
    runner = BackendRunner(concurrency=concurrency, timeout=5.0)
    lock = threading.Lock()
    running = 0
    peak = 0

    def work():
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    async def scenario():
        await asyncio.gather(*(runner.call(work) for _ in range(12)))

    try:
        asyncio.run(scenario())
    finally:
        runner.shutdown()
    assert peak == concurrency


def test_a_result_arriving_after_its_loop_closed_does_not_kill_the_worker(runner):
    release = threading.Event()

    async def start_and_leave():
        asyncio.ensure_future(runner.call(release.wait, 10))
        await asyncio.sleep(0.05)  # the call is running; the loop closes under it

    asyncio.run(start_and_leave())
    release.set()
    assert asyncio.run(runner.call(lambda: "still working")) == "still working"


def test_shutdown_stops_the_workers_and_drops_queued_calls():
    runner = BackendRunner(concurrency=1, timeout=5.0)
    release = threading.Event()
    ran = []

    async def scenario():
        asyncio.ensure_future(runner.call(release.wait, 10))
        await asyncio.sleep(0.05)
        asyncio.ensure_future(runner.call(ran.append, "queued"))
        await asyncio.sleep(0.05)
        runner.shutdown()
        release.set()

    asyncio.run(scenario())
    for worker in runner._workers:
        worker.join(5)
        assert not worker.is_alive()
    assert ran == []


# The background lane: calls no user waits for (the pre-download) never hold the interactive workers.


def spans_overlap(spans: list[tuple[float, float]]) -> bool:
    """Whether any two of the ``(start, end)`` spans overlap."""
    ordered = sorted(spans)
    return any(later[0] < earlier[1] for earlier, later in itertools.pairwise(ordered))


@pytest.fixture
def laneless():
    runner = BackendRunner(concurrency=1, timeout=5.0, background_lane=False)
    yield runner
    runner.shutdown()


def test_an_interactive_call_runs_beside_a_background_call(runner):
    release = threading.Event()

    def download_sector_data():
        release.wait(10)
        return threading.current_thread().name

    async def scenario():
        download = asyncio.ensure_future(runner.call(download_sector_data, background=True))
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        thread = await runner.call(lambda: threading.current_thread().name, timeout=1.0)
        elapsed = time.perf_counter() - started
        release.set()
        return thread, elapsed, await download

    interactive, elapsed, background = asyncio.run(scenario())
    assert elapsed < 0.5
    assert interactive == "backend-0" and background == "backend-background-0"


def test_background_calls_run_one_at_a_time_and_so_do_interactive_ones():
    runner = BackendRunner(concurrency=1, timeout=5.0)
    lock = threading.Lock()
    spans: dict[str, list[tuple[float, float]]] = {"interactive": [], "background": []}

    def work(lane):
        started = time.perf_counter()
        time.sleep(0.01)
        with lock:
            spans[lane].append((started, time.perf_counter()))

    async def scenario():
        calls = [runner.call(work, "background", background=True) for _ in range(8)]
        calls += [runner.call(work, "interactive") for _ in range(8)]
        await asyncio.gather(*calls)

    try:
        asyncio.run(scenario())
    finally:
        runner.shutdown()
    assert len(spans["interactive"]) == len(spans["background"]) == 8
    assert not spans_overlap(spans["interactive"]) and not spans_overlap(spans["background"])
    assert spans_overlap(spans["interactive"] + spans["background"])  # the two lanes ran side by side


def test_a_background_call_waits_for_a_worker_within_its_timeout(runner):
    release = threading.Event()
    ran = []

    async def scenario():
        hung = asyncio.ensure_future(runner.call(release.wait, 10, background=True))
        await asyncio.sleep(0.05)
        with pytest.raises(BackendCallTimeout) as caught:
            await runner.call(ran.append, "queued", timeout=0.1, background=True)
        release.set()
        await hung
        await runner.call(ran.append, "later", background=True)
        return caught.value

    error = asyncio.run(scenario())
    assert error.queued and ran == ["later"]


@pytest.mark.parametrize("lane", [True, False])
def test_a_background_call_s_timeout_counts_from_its_start(lane):
    """Behind a slow interactive call (lane off) or a slow background call (lane on)."""
    runner = BackendRunner(concurrency=1, timeout=5.0, background_lane=lane)

    async def scenario():
        first = asyncio.ensure_future(runner.call(time.sleep, 0.2, background=lane))
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        await runner.call(time.sleep, 0.12, timeout=0.2, background=True)  # queued 0.15 s, runs 0.12 s
        await first
        return time.perf_counter() - started

    try:
        assert asyncio.run(scenario()) > 0.2
    finally:
        runner.shutdown()


def test_without_the_lane_waiting_interactive_calls_go_before_a_waiting_background_call(laneless):
    release = threading.Event()
    order = []

    def interactive(label):
        order.append(label)

    async def scenario():
        first = asyncio.ensure_future(laneless.call(release.wait, 10))
        await asyncio.sleep(0.05)
        background = asyncio.ensure_future(laneless.call(order.append, "background", background=True))
        await asyncio.sleep(0.05)
        later = [asyncio.ensure_future(laneless.call(interactive, f"interactive {i}")) for i in range(3)]
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(first, background, *later)

    asyncio.run(scenario())
    assert order == ["interactive 0", "interactive 1", "interactive 2", "background"]


def test_without_the_lane_an_interactive_call_waits_only_for_the_running_background_call(laneless):
    release = threading.Event()
    order = []

    def download_sector_data():
        release.wait(10)
        order.append("download_sector_data")

    async def scenario():
        running = asyncio.ensure_future(laneless.call(download_sector_data, background=True))
        waiting = asyncio.ensure_future(laneless.call(order.append, "download_cb_data", background=True))
        await asyncio.sleep(0.05)
        interactive = asyncio.ensure_future(laneless.call(order.append, "get_full_tick"))
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(running, waiting, interactive)

    asyncio.run(scenario())
    assert order == ["download_sector_data", "get_full_tick", "download_cb_data"]


def test_without_the_lane_a_background_call_runs_at_once_on_an_idle_worker(laneless):
    thread = asyncio.run(laneless.call(lambda: threading.current_thread().name, background=True))
    assert thread == "backend-0" and laneless._background_workers == []


def test_without_the_lane_background_calls_run_one_at_a_time_on_several_workers():
    runner = BackendRunner(concurrency=3, timeout=5.0, background_lane=False)
    lock = threading.Lock()
    spans: list[tuple[float, float]] = []
    threads = set()

    def download():
        started = time.perf_counter()
        time.sleep(0.02)
        with lock:
            spans.append((started, time.perf_counter()))
            threads.add(threading.current_thread().name)

    async def scenario():
        await asyncio.gather(*(runner.call(download, background=True) for _ in range(8)))

    try:
        asyncio.run(scenario())
    finally:
        runner.shutdown()
    assert len(spans) == 8 and not spans_overlap(spans)
    assert threads <= {"backend-0", "backend-1", "backend-2"}


def test_without_the_lane_a_background_call_given_up_while_waiting_is_not_run(laneless):
    release = threading.Event()
    ran = []

    async def scenario():
        hung = asyncio.ensure_future(laneless.call(release.wait, 10))
        await asyncio.sleep(0.05)
        with pytest.raises(BackendCallTimeout) as caught:
            await laneless.call(ran.append, "background", timeout=0.1, background=True)
        release.set()
        await hung
        await laneless.call(ran.append, "later")
        return caught.value

    assert asyncio.run(scenario()).queued
    assert ran == ["later"]


@pytest.mark.parametrize("lane", [True, False])
def test_shutdown_stops_both_lanes_and_drops_queued_background_calls(lane):
    runner = BackendRunner(concurrency=1, timeout=5.0, background_lane=lane)
    release = threading.Event()
    ran = []

    async def scenario():
        asyncio.ensure_future(runner.call(release.wait, 10, background=True))
        asyncio.ensure_future(runner.call(release.wait, 10))
        await asyncio.sleep(0.05)
        asyncio.ensure_future(runner.call(ran.append, "background", background=True))
        asyncio.ensure_future(runner.call(ran.append, "interactive"))
        await asyncio.sleep(0.05)
        runner.shutdown()
        release.set()

    asyncio.run(scenario())
    for worker in runner._workers + runner._background_workers:
        worker.join(5)
        assert not worker.is_alive()
    assert ran == []
