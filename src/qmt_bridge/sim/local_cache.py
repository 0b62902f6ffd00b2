"""MiniQMT's local cache, as the simulator keeps it in its ``downloaded`` mode: the days of K-lines and ticks
downloaded per code, so that the history getters return only those (``QMT_BRIDGE_SIM_LOCAL_CACHE``).

On MiniQMT ``get_market_data_ex`` and ``get_local_data`` read a local cache that only downloads fill: a
script that forgets ``download_history_data2`` gets empty frames. By default the simulator holds all its
history (try things at once); in this mode a strategy developed on the simulator fails there the way it
would fail on QMT. The periods share storage as the simulator assumes MiniQMT's does: ``tick``; ``1m``;
``5m`` for 5m, 15m, 30m and 60m; ``1d`` for the daily and longer periods. Kept in ``local_cache.json``
under the simulator's data directory, across restarts.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterable
from pathlib import Path

from qmt_bridge.json_files import write_json

log = logging.getLogger("qmt_bridge.sim")

#: Period → the period whose downloaded days serve it.
FAMILY = {
    "tick": "tick",
    "1m": "1m",
    "5m": "5m",
    "15m": "5m",
    "30m": "5m",
    "60m": "5m",
    "1h": "5m",
    "1d": "1d",
    "1w": "1d",
    "1mon": "1d",
    "1q": "1d",
    "1hy": "1d",
    "1y": "1d",
}
FILE = "local_cache.json"

Span = tuple[dt.date, dt.date]


class LocalCache:
    """Downloaded day ranges per (code, period family); thread-safe; written on every download."""

    def __init__(self, directory: Path | None) -> None:
        self.path = directory / FILE if directory is not None else None
        self._spans: dict[str, list[Span]] = {}
        self._lock = threading.Lock()
        self._load()

    def add(self, code: str, period: str, first: dt.date, last: dt.date) -> None:
        """``[first, last]`` of ``code``'s ``period`` is downloaded."""
        if first > last:
            return
        key = _key(code, period)
        with self._lock:
            self._spans[key] = _merged([*self._spans.get(key, []), (first, last)])
            self._save()

    def keep(self, code: str, period: str, days: Iterable[dt.date]) -> list[dt.date]:
        """The ``days`` the cache holds for ``code``'s ``period``."""
        with self._lock:
            spans = list(self._spans.get(_key(code, period), ()))
        return [day for day in days if any(a <= day <= b for a, b in spans)]

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            raw = json.loads(self.path.read_text("utf-8"))
            self._spans = {
                key: [(dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for a, b in spans]
                for key, spans in raw.items()
            }
        except (OSError, ValueError, TypeError):
            log.warning(
                "could not read the simulator's local cache %s; starting empty", self.path, exc_info=True
            )

    def _save(self) -> None:
        if self.path is None:
            return
        data = {key: [[a.isoformat(), b.isoformat()] for a, b in spans] for key, spans in self._spans.items()}
        try:
            write_json(self.path, data)
        except OSError:
            log.warning("could not write the simulator's local cache %s", self.path, exc_info=True)


def _key(code: str, period: str) -> str:
    return f"{code}|{FAMILY.get(period, period)}"


def _merged(spans: list[Span]) -> list[Span]:
    """Overlapping or adjacent (next calendar day) spans joined, in order."""
    out: list[Span] = []
    for first, last in sorted(spans):
        if out and first <= out[-1][1] + dt.timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out
