"""The garbage collector's thresholds for the server and its backend process.

Every collection stops the whole process, and a full one walks every object it holds: the simulator's
universe and caches, the quote book's snapshots (~250 ms here). With the defaults (700, 10, 10) one ran at
nearly every whole-market push: each push replaces ~6,000 snapshots (a dict and four lists each) that live
until the next one, long enough to reach the oldest generation, and a full collection follows whenever that
generation grew by a quarter; they were a tenth of the wall time of a replayed session and the longest stall
a client saw (bench/ws_fanout.py). A full collection now waits for 1,000 collections of the middle
generation (~7 million allocations, a minute or two of pushes) instead of 10; the young collections keep
their defaults (small and frequent: a larger first threshold made fewer but longer stops). Reference
counting still frees at once whatever is not in a cycle: only cyclic garbage that reached the oldest
generation waits longer.
"""

from __future__ import annotations

import gc

#: The defaults but the last: a full collection after 1,000 middle ones, not 10.
GC_THRESHOLDS = (700, 10, 1000)


def tune_gc() -> None:
    """Set :data:`GC_THRESHOLDS` for this process."""
    gc.set_threshold(*GC_THRESHOLDS)
