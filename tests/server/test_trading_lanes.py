"""``CallSequence``: a run of trader calls in one lane job, stopped cleanly when its caller gives up. What
each call became must be exact: a call reported ``not_sent`` must never run afterwards."""

from __future__ import annotations

import threading

from helpers import wait_until
from qmt_bridge.server.trading.lanes import DONE, FAILED, NOT_SENT, UNKNOWN, CallSequence, Lane


class Counter:
    """order_stock stand-in: answers 1, 2, 3...; the call numbered ``hang_at`` blocks until released;
    the call numbered ``fail_at`` raises."""

    def __init__(self, hang_at: int = 0, fail_at: int = 0) -> None:
        self.calls: list[int] = []
        self.hang_at, self.fail_at = hang_at, fail_at
        self.release = threading.Event()

    def __call__(self, n: int) -> int:
        self.calls.append(n)
        if n == self.hang_at:
            self.release.wait(10)
        if n == self.fail_at:
            raise RuntimeError("refused")
        return n


def test_every_call_runs_in_order_and_a_failure_does_not_stop_the_rest() -> None:
    counter = Counter(fail_at=2)
    run = CallSequence(counter, [(1,), (2,), (3,)])
    run.run()
    outcomes = run.stop()
    assert counter.calls == [1, 2, 3]
    assert [kind for kind, _ in outcomes] == [DONE, FAILED, DONE]
    assert outcomes[0][1] == 1 and str(outcomes[1][1]) == "refused" and outcomes[2][1] == 3


def test_stopped_during_a_hung_call_the_rest_is_never_sent() -> None:
    counter = Counter(hang_at=2)
    run = CallSequence(counter, [(1,), (2,), (3,), (4,)])
    lane = Lane("test-lane")
    done = lane.submit(run.run)
    wait_until(lambda: counter.calls == [1, 2], "the second call to hang")
    assert run.stop() == [(DONE, 1), (UNKNOWN, None), (NOT_SENT, None), (NOT_SENT, None)]
    counter.release.set()
    done.result(timeout=10)
    assert counter.calls == [1, 2]  # 3 and 4 were reported not sent: they must not go out later
    assert run.stop() == [(DONE, 1), (UNKNOWN, None), (NOT_SENT, None), (NOT_SENT, None)]
    lane.close()


def test_stopped_before_it_started_nothing_is_sent() -> None:
    counter = Counter()
    run = CallSequence(counter, [(1,), (2,)])
    assert run.stop() == [(NOT_SENT, None), (NOT_SENT, None)]
    run.run()
    assert counter.calls == []


def test_running_since_moves_with_each_call() -> None:
    counter = Counter(hang_at=2)
    run = CallSequence(counter, [(1,), (2,)])
    created = run.running_since
    lane = Lane("test-lane")
    done = lane.submit(run.run)
    wait_until(lambda: counter.calls == [1, 2], "the second call")
    assert run.running_since > created
    counter.release.set()
    done.result(timeout=10)
    lane.close()
