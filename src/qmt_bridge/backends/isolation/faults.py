"""Faults a test can plant in the backend process, to play what xtquant does in the field on any machine.

Reachable only from Python (:meth:`ProcessBackend.inject_fault`), never from the HTTP API. A fault lives in
the process it was sent to: the process that replaces a crashed one starts healthy.

- ``crash``: the next call of ``function`` ends the process as xtquant's native assertion does
  (``Assertion failed: u < 1000000, bsonobj.cpp`` on stderr, exit code 3 as abort() gives on Windows).
- ``crash_after``: the next call of ``function`` runs, then the process ends the same way before it can
  answer (an order that reached the counter, its answer lost).
- ``hang``: every call of ``function`` blocks forever (a download that never returns).
- ``die_mid_push``: the process ends while delivering its ``after``-th push of any subscription.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

#: The exit code of abort(), as MSVC's runtime gives it after a failed assertion.
NATIVE_ABORT_EXIT = 3
KINDS = ("crash", "crash_after", "hang", "die_mid_push")


@dataclass(frozen=True)
class Fault:
    """One planted fault (see the module's docstring)."""

    kind: str
    function: str = ""
    after: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; one of {', '.join(KINDS)}")
        if self.kind != "die_mid_push" and not self.function:
            raise ValueError(f"a {self.kind} fault names the function it strikes")


def native_abort() -> None:
    """End this process the way xtquant's native assertion does."""
    sys.stderr.write("Assertion failed: u < 1000000, file bsonobj.cpp, line 223\n")
    sys.stderr.flush()
    os._exit(NATIVE_ABORT_EXIT)


class Faults:
    """The faults planted in this backend process; consulted before each call and at each push."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._pushes = 0
        self._lock = threading.Lock()

    def plant(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def before_call(self, function: str) -> None:
        for fault in list(self._faults):
            if fault.function == function and fault.kind == "crash":
                native_abort()
            if fault.function == function and fault.kind == "hang":
                threading.Event().wait()

    def after_call(self, function: str) -> None:
        if any(f.function == function and f.kind == "crash_after" for f in self._faults):
            native_abort()

    def on_push(self) -> None:
        if not self._faults:
            return
        with self._lock:
            self._pushes += 1
            pushes = self._pushes
        if any(f.kind == "die_mid_push" and pushes >= f.after for f in self._faults):
            native_abort()
