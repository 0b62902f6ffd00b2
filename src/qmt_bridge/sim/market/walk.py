"""The daily random walk's parameters and pure helpers, shared by the price engine (``prices``) and the
model of the main indices' turnover (``index_turnover``), which must agree with the walks it sums."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np

from qmt_bridge.sim.market.bars import day_number

DECAY = 1.0 - 0.0015  # daily pull of the log price towards its base level (half-life ~1.8 years)
NEWS_DAY_P = 0.08
NEWS_SCALE = 2.2
CALM_SCALE = math.sqrt((1.0 - NEWS_DAY_P * NEWS_SCALE**2) / (1.0 - NEWS_DAY_P))
BETA_RANGE = (0.8, 1.6)  # A-shares' betas on the market factor: uniform, from (seed, code)
IDIO_FLOOR = 0.4  # an A-share's idiosyncratic volatility is at least this share of its volatility
KNOWN_PULL = 0.08  # daily pull of a well-known stock towards its real path (half-life ~8 days)
KNOWN_LIMIT_DAYS = 0.25  # a well-known stock's forced limit days, relative to other stocks'
VOLUME_NOISE = 0.35  # a day's own log volume noise
VOLUME_MOVE = 6.0  # volume x (1 + this x |return|)


def norm_cdf(x: np.ndarray) -> np.ndarray:
    erf = np.frompyfunc(math.erf, 1, 1)
    return 0.5 * (1.0 + np.asarray(erf(np.asarray(x, dtype=np.float64) / math.sqrt(2.0)), dtype=np.float64))


def log_path(path: Sequence[tuple[dt.date, float]], daynums: np.ndarray) -> np.ndarray:
    """The log level of ``path`` on each day of ``daynums``: linear between points, flat outside them."""
    return np.interp(daynums, [day_number(d) for d, _ in path], np.log([v for _, v in path]))


def ar1(shocks: np.ndarray, keep: float) -> np.ndarray:
    """x[t] = keep * x[t-1] + shocks[t] with x[-1] = 0, vectorised in blocks (keep ** block stays normal)."""
    out = np.empty(len(shocks))
    carry = 0.0
    for a in range(0, len(shocks), 256):
        part = shocks[a : a + 256]
        q = keep ** np.arange(len(part), dtype=np.float64)
        out[a : a + len(part)] = q * (keep * carry) + q * np.cumsum(part / q)
        carry = float(out[a + len(part) - 1])
    return out
