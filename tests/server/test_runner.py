"""The backend runner: results, failures, timeouts, the concurrency bound and shutdown, on real threads."""

from __future__ import annotations

import asyncio
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
