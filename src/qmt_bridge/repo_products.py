"""Exchange reverse repos (国债逆回购, 债券质押式回购): the products, their order unit and commission, shared by the
simulated counter, the server's order checks and the client's ``reverse_repo`` (standard library only).

An investor lends cash by *selling* (STOCK_SELL 24) a repo code without holding it; the price is the
annualised rate in percent on a 0.005 grid, with no price band; the volume is in 张 of 100 CNY, at least
10 张 (1,000 CNY) and in multiples of 10 on both exchanges (their unit since 2015), at most 100,000 an order.
"""

from __future__ import annotations

from typing import NamedTuple


class RepoProduct(NamedTuple):
    code: str
    name: str
    days: int  # 回购天数 (the product's term)


#: Every product, SSE first, by term (the codes of QMT's xtstocktype XT_GE_*_LOAN_REPURCHASE_DAY_*).
REPO_PRODUCTS: tuple[RepoProduct, ...] = tuple(
    RepoProduct(code, name, days)
    for code, name, days in (
        ("204001.SH", "GC001", 1),
        ("204002.SH", "GC002", 2),
        ("204003.SH", "GC003", 3),
        ("204004.SH", "GC004", 4),
        ("204007.SH", "GC007", 7),
        ("204014.SH", "GC014", 14),
        ("204028.SH", "GC028", 28),
        ("204091.SH", "GC091", 91),
        ("204182.SH", "GC182", 182),
        ("131810.SZ", "R-001", 1),
        ("131811.SZ", "R-002", 2),
        ("131800.SZ", "R-003", 3),
        ("131809.SZ", "R-004", 4),
        ("131801.SZ", "R-007", 7),
        ("131802.SZ", "R-014", 14),
        ("131803.SZ", "R-028", 28),
        ("131805.SZ", "R-091", 91),
        ("131806.SZ", "R-182", 182),
    )
)
REPO_BY_CODE: dict[str, RepoProduct] = {p.code: p for p in REPO_PRODUCTS}

#: CNY of face value per 张; (minimum, step, maximum) volume of an order, 张.
FACE_YUAN = 100
MIN_ZHANG, STEP_ZHANG, MAX_ZHANG = 10, 10, 100_000
#: Commission per unit of amount by term (days): the exchanges' schedule, no minimum.
COMMISSION_RATES: dict[int, float] = {
    1: 0.00001,
    2: 0.00002,
    3: 0.00003,
    4: 0.00004,
    7: 0.00005,
    14: 0.0001,
    28: 0.0002,
    91: 0.0003,
    182: 0.0003,
}


def is_repo(code: str) -> bool:
    """Whether ``code`` is one of the exchanges' reverse repo products."""
    return code in REPO_BY_CODE


def commission_rate(days: int) -> float:
    """The commission per unit of amount of a repo of ``days``."""
    return COMMISSION_RATES.get(days, COMMISSION_RATES[182] if days > 28 else COMMISSION_RATES[7])
