"""The supervisor's account of its backend processes' deaths: what each was, when the next start may be, and
when there have been too many (the cap per hour)."""

from __future__ import annotations

import collections
import time
from collections.abc import Sequence
from typing import Any

#: Seconds before restart attempt n (the last repeats): quick after a single crash, slower when it repeats.
RESTART_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
#: Deaths kept for the status.
HISTORY = 20


class RestartLog:
    """Deaths of backend processes (crashes, hangs, failed starts) within the last hour and the last few."""

    def __init__(self, max_per_hour: int, delays: Sequence[float] = RESTART_DELAYS) -> None:
        self.max_per_hour = max_per_hour
        self.delays = tuple(delays)
        self.history: collections.deque[dict[str, Any]] = collections.deque(maxlen=HISTORY)
        self._times: collections.deque[float] = collections.deque()
        #: Why the backend stays down, once past the cap.
        self.down_reason: str | None = None

    def record(
        self, cause: str, exit_code: int | None, hung_call: str | None, calls_lost: list[str], error: str = ""
    ) -> bool:
        """One death (``cause``: crash, hang or start_failed); True when it leaves the backend down."""
        now = time.time()
        entry = {
            "at": now,
            "cause": cause,
            "exit_code": exit_code,
            "hung_call": hung_call,
            "calls_lost": calls_lost,
        }
        if error:
            entry["error"] = error[:300]
        self.history.append(entry)
        self._times.append(now)
        if self.last_hour() > self.max_per_hour:
            self.down_reason = (
                f"the backend process died {self.last_hour()} times within an hour (the cap is "
                f"{self.max_per_hour}); it stays down until qmt-server is restarted"
            )
        return self.down_reason is not None

    def last_hour(self) -> int:
        """Deaths within the last hour."""
        cutoff = time.time() - 3600
        while self._times and self._times[0] < cutoff:
            self._times.popleft()
        return len(self._times)

    def delay(self, attempt: int) -> float:
        """Seconds to wait before start attempt ``attempt`` (0 for the first after a death)."""
        return self.delays[min(max(attempt, 0), len(self.delays) - 1)]
