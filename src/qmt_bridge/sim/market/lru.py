"""The one cache of the simulator: a small thread-safe least-recently-used map."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING = object()


class LRU(Generic[K, V]):
    """At most ``capacity`` entries; the least recently read or written one goes first.

    Values are built outside the lock, so a slow build never blocks readers of other keys. Two threads
    asking for the same missing key may both build it; the builds are deterministic, so either result is
    the right one.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: K) -> V | None:
        """The value stored under ``key`` (now the most recent), or None."""
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is _MISSING:
                return None
            self._data.move_to_end(key)
            return value  # type: ignore[return-value]

    def put(self, key: K, value: V) -> None:
        """Store ``value`` under ``key``, evicting the least recent entries beyond the capacity."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)

    def get_or_build(self, key: K, build: Callable[[], V]) -> V:
        """The value under ``key``; on a miss ``build()`` is called and its result (None too) stored."""
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is not _MISSING:
                self._data.move_to_end(key)
                return value  # type: ignore[return-value]
        built = build()
        self.put(key, built)
        return built
