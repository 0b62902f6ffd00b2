"""``trading.responses.AsyncResponses``: the answer to an async trader call reaches its waiter whether it comes
before or after the waiter asks; answers nobody asked for are kept for EARLY_SECONDS, at most EARLY_MAX."""

from __future__ import annotations

import asyncio

from qmt_bridge.server.trading.responses import EARLY_MAX, EARLY_SECONDS, AsyncResponses

KIND = "algo_order_response"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_that_came_first_is_handed_over() -> None:
    async def test() -> None:
        responses = AsyncResponses()
        responses.resolve(KIND, {"seq": 7, "task_id": 3})
        assert await responses.wait(KIND, 7, timeout=0.01) == {"seq": 7, "task_id": 3}
        assert await responses.wait(KIND, 7, timeout=0.01) is None  # handed over once

    asyncio.run(test())


def test_a_waiter_gets_the_answer_when_it_comes() -> None:
    async def test() -> None:
        responses = AsyncResponses()
        waiting = asyncio.ensure_future(responses.wait(KIND, 8, timeout=2))
        await asyncio.sleep(0)
        responses.resolve("algo_task_response", {"seq": 8})  # another kind's seq 8: not this one
        responses.resolve(KIND, {"seq": 8, "task_id": 4})
        assert await waiting == {"seq": 8, "task_id": 4}

    asyncio.run(test())


def test_no_answer_is_none_after_the_timeout_and_answers_without_seq_are_dropped() -> None:
    async def test() -> None:
        responses = AsyncResponses()
        responses.resolve(KIND, {"task_id": 1})
        responses.resolve(KIND, {"seq": "x"})
        assert await responses.wait(KIND, 1, timeout=0.01) is None

    asyncio.run(test())


def test_an_early_answer_is_kept_for_exactly_early_seconds() -> None:
    async def test() -> None:
        clock = Clock()
        responses = AsyncResponses(clock)
        responses.resolve(KIND, {"seq": 1})
        responses.resolve(KIND, {"seq": 2})
        clock.now += EARLY_SECONDS  # at the limit: kept
        assert await responses.wait(KIND, 1, timeout=0.01) == {"seq": 1}
        clock.now += 0.001  # one moment past: gone
        assert await responses.wait(KIND, 2, timeout=0.01) is None

    asyncio.run(test())


def test_at_most_early_max_answers_are_kept_the_oldest_going_first() -> None:
    async def test() -> None:
        responses = AsyncResponses()
        for seq in range(1, EARLY_MAX + 1):
            responses.resolve(KIND, {"seq": seq})
        assert await responses.wait(KIND, 1, timeout=0.01) == {"seq": 1}  # EARLY_MAX kept
        responses.resolve(KIND, {"seq": EARLY_MAX + 1})  # EARLY_MAX again: all kept
        responses.resolve(KIND, {"seq": EARLY_MAX + 2})  # one past: the oldest (2) goes
        assert await responses.wait(KIND, 2, timeout=0.01) is None
        assert await responses.wait(KIND, 3, timeout=0.01) == {"seq": 3}
        assert await responses.wait(KIND, EARLY_MAX + 2, timeout=0.01) == {"seq": EARLY_MAX + 2}

    asyncio.run(test())
