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
        with pytest.raises(BackendCallTimeout):
            await runner.call(ran.append, "queued", timeout=0.1)
        release.set()
        assert await hung is True
        return await runner.call(ran.append, "later")

    asyncio.run(scenario())
    assert ran == ["later"]


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
