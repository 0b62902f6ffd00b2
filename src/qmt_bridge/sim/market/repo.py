"""Exchange reverse repos (国债逆回购, 债券质押式回购): the products of SSE and SZSE in the simulated universe.

Products (codes and names as the exchanges list them, in :mod:`qmt_bridge.repo_products`; the terms are the
products' 回购天数):

====  ===============  ===============
days  SSE (.SH)        SZSE (.SZ)
====  ===============  ===============
1     204001 GC001     131810 R-001
2     204002 GC002     131811 R-002
3     204003 GC003     131800 R-003
4     204004 GC004     131809 R-004
7     204007 GC007     131801 R-007
14    204014 GC014     131802 R-014
28    204028 GC028     131803 R-028
91    204091 GC091     131805 R-091
182   204182 GC182     131806 R-182
====  ===============  ===============

The codes are exactly the ones of QMT's ``xtstocktype`` classes ``XT_GE_SH_LOAN_REPURCHASE_DAY_*`` /
``XT_GE_SZ_LOAN_REPURCHASE_DAY_*`` (so ``is_stock_type`` answers ``XT_GE_EXTRA_GLR`` and
``XT_GE_EXTRA_REPURCHASE_DAY_n`` for them), and they are in the ``沪深回购`` sector.

Quotes: the price is the annualised rate in percent (1.855 = 1.855 %/yr) on a 0.005 grid on both exchanges;
no price limits. Volumes are in units of 10 张 (1,000 CNY of face, the exchanges' order unit since 2015),
amounts are the face value traded (CNY). All products are listed from 2006-05-08 (SSE's new 质押式回购; the
SZSE codes' real listing dates vary, the simulator lists them all from that day) and never expire.
The rates follow :mod:`.repo_rates`.
"""

from __future__ import annotations

import datetime as dt

from qmt_bridge.repo_products import FACE_YUAN, REPO_BY_CODE, REPO_PRODUCTS, RepoProduct
from qmt_bridge.sim.market.instruments import REPO, Instrument

__all__ = [
    "FACE_YUAN",
    "REPO_BY_CODE",
    "REPO_LAUNCH",
    "REPO_PRODUCTS",
    "UNIT_ZHANG",
    "RepoProduct",
    "make_repos",
]

#: The first day of SSE's new pledged-repo products (the simulator lists every repo from then).
REPO_LAUNCH = dt.date(2006, 5, 8)
#: CNY of face value per 张, and 张 per volume unit of the quotes (bidVol/askVol, bars' volume).
UNIT_ZHANG = 10
REPO_TICK = 0.005


def make_repos(first_day: dt.date) -> list[Instrument]:
    """The repo instruments, listed from :data:`REPO_LAUNCH` (or ``first_day``, the calendar's first
    trading day on or after it)."""
    return [
        Instrument(
            code=p.code,
            name=p.name,
            kind=REPO,
            board=REPO,
            market=p.code[-2:],
            list_date=first_day,
            base_price=2.0,
            price_tick=REPO_TICK,
            volatility=0.0,
        )
        for p in REPO_PRODUCTS
    ]
