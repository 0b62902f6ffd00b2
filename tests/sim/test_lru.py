"""The simulator's one cache: least-recently-used eviction, None as a value, builds outside the lock."""

from __future__ import annotations

import threading

from qmt_bridge.sim.market.lru import LRU


def test_evicts_the_least_recently_used_entry():
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent: "b" goes first
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_get_or_build_builds_once_and_keeps_none():
    cache: LRU[str, int | None] = LRU(4)
    calls: list[str] = []

    def build() -> None:
        calls.append("x")
        return None

    assert cache.get_or_build("x", build) is None
    assert cache.get_or_build("x", build) is None
    assert calls == ["x"]  # a stored None is a hit, not a miss


def test_a_slow_build_does_not_block_other_keys():
    cache: LRU[str, str] = LRU(4)
    building = threading.Event()
    release = threading.Event()

    def slow() -> str:
        building.set()
        release.wait(5)
        return "slow"

    worker = threading.Thread(target=cache.get_or_build, args=("slow", slow))
    worker.start()
    assert building.wait(5)
    assert cache.get_or_build("fast", lambda: "fast") == "fast"  # would deadlock if built under the lock
    release.set()
    worker.join(5)
    assert cache.get("slow") == "slow"
