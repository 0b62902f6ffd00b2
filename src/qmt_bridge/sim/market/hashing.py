"""Process-independent hashing for the simulator's random streams: a stable hash of codes (numpy generators
are seeded with it) and counter-based uniform and normal numbers, each a pure function of ``(key, index,
stream)`` so that one tick or book level is computed without the others (never Python's salted ``hash()``).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence

import numpy as np

MASK64 = (1 << 64) - 1


def stable_hash(text: str) -> int:
    """A process-independent 32-bit hash (crc32) of a code."""
    return zlib.crc32(text.encode("utf-8"))


def mix64(x: int) -> int:
    """splitmix64 finaliser on a Python int."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


_SPLITMIX = tuple(
    np.uint64(c) for c in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 30, 27, 31)
)


def mix64_array(x: np.ndarray) -> np.ndarray:
    """:func:`mix64` on a uint64 array (wrapping arithmetic; a new array)."""
    add, mul1, mul2, s1, s2, s3 = _SPLITMIX
    x = x + add
    x ^= x >> s1
    x *= mul1
    x ^= x >> s2
    x *= mul2
    x ^= x >> s3
    return x


def hash_uniform(key: int | np.ndarray, idx: np.ndarray, stream: int) -> np.ndarray:
    """Uniform [0, 1) numbers, one per ``idx``, a pure function of (key, idx, stream) (random access).

    ``key`` is one key, or uint64 keys broadcasting against ``idx`` (one per row: the same numbers as
    calling once per key).
    """
    if isinstance(key, np.ndarray):
        salt = mix64_array(key ^ np.uint64((stream * 0xD6E8FEB86659FD93) & MASK64))
    else:
        salt = np.uint64(mix64((key ^ (stream * 0xD6E8FEB86659FD93)) & MASK64))
    x = np.asarray(idx, dtype=np.int64).astype(np.uint64) * np.uint64(0xD1B54A32D192ED03) + salt
    z = mix64_array(x)
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def hash_uniforms(key: int | np.ndarray, idx: np.ndarray, streams: Sequence[int]) -> np.ndarray:
    """:func:`hash_uniform` of several streams at once, stacked on a first axis (one pass: cheaper on small
    arrays). ``key`` is one key or uint64 keys, one per row of ``idx`` (its first axis)."""
    idx = np.asarray(idx, dtype=np.int64)
    consts = np.array([(s * 0xD6E8FEB86659FD93) & MASK64 for s in streams], dtype=np.uint64)
    if isinstance(key, np.ndarray):
        rows = key.reshape((1,) + key.shape + (1,) * (idx.ndim - 1))
        salt = mix64_array(rows ^ consts.reshape((-1,) + (1,) * idx.ndim))
    else:
        salt = np.array([mix64((key ^ int(c)) & MASK64) for c in consts], dtype=np.uint64)
        salt = salt.reshape((-1,) + (1,) * idx.ndim)
    x = idx.astype(np.uint64)[None] * np.uint64(0xD1B54A32D192ED03) + salt
    z = mix64_array(x)
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def hash_normal(key: int | np.ndarray, idx: np.ndarray, stream: int) -> np.ndarray:
    """Standard normal numbers like :func:`hash_uniform` (Box-Muller on streams ``stream``, ``stream + 1``)."""
    u = hash_uniforms(key, idx, (stream, stream + 1))
    u1 = 1.0 - u[0]
    u2 = u[1]
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def day_key(seed: int, code: str, day: dt.date, salt: int = 0) -> int:
    """The key of one instrument-day's hashed streams; ``salt`` separates the users of the same day."""
    return mix64((seed & MASK64) ^ mix64(stable_hash(code) ^ (day.toordinal() << 32)) ^ salt)
