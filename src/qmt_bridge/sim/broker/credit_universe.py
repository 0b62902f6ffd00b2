"""What the simulated credit counter finances, lends and takes as collateral, from the market's own lists.

The counter asks the market xtdata's questions only (``get_stock_list_in_sector``, ``get_instrument_detail``),
so the lists follow the simulated universe day by day (cached per calendar date). A market without
``get_stock_list_in_sector`` (a hand-set one) has no subjects and no collateral.

Subjects (融资融券标的, ``query_credit_subjects``): the stocks of 沪深A股 (SH/SZ main boards, STAR, ChiNext)
listed at least :data:`SUBJECT_MIN_DAYS` (90) calendar days (members of 沪深A股 already on that earlier
day: ``get_stock_list_in_sector(name, real_timetag)``) and not under risk warning (in 沪深风险警示), plus the broad index ETFs :data:`INDEX_ETFS` the market has. The
exchanges allow more (registration-based listings from their first day); brokers pick their own lists, and
this one is the classic "listed over three months, no ST" rule. Both statuses normal (48), margin ratios
(保证金比例) ``fin_ratio`` = ``slo_ratio`` = 1.0 (the 100 % most brokers charge, above the exchanges' 80 %
minimum). BJ stocks are neither subjects nor collateral.

Collateral (担保品, ``query_credit_assure``), status normal, 折算率 ``assure_ratio`` (the exchanges' caps are
70 % for 沪深300 / 上证180 / 深证100 members, 65 % for other stocks, 0 for ST, 90 % for ETFs):

- 0.0  ST / *ST stocks (still collateral, worth nothing as margin);
- 0.70 members of 沪深300;
- 0.65 other SH/SZ main-board stocks;
- 0.50 STAR and ChiNext stocks outside 沪深300;
- 0.90 the index ETFs of :data:`INDEX_ETFS`; 0.80 the other ETFs of 沪深ETF.

Lendable shares (可融券, ``query_credit_slo_code``): the counter's pool of each subject is deterministic,
``100 x (10 + crc32(code) mod 491)`` shares (1,000 to 50,000; ten times that for an index ETF); what open
lending compacts of all accounts and open short sales hold is taken from it, and returned shares go back.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from typing import Any

from qmt_bridge.sim.broker.credit import STATUS_NORMAL
from qmt_bridge.sim.broker.sessions import local_date

SUBJECT_MIN_DAYS = 90
#: Broad index ETFs: 沪深300, 上证50, 上证180, 中证500, 中证1000, 科创50, 创业板指.
INDEX_ETFS = (
    "510300.SH", "510330.SH", "159919.SZ", "510050.SH", "510180.SH", "510500.SH", "512100.SH",
    "159845.SZ", "588000.SH", "588080.SH", "159915.SZ", "159949.SZ",
)  # fmt: skip
HS300_RATIO, MAIN_RATIO, GROWTH_RATIO, ST_RATIO = 0.70, 0.65, 0.50, 0.0
INDEX_ETF_RATIO, ETF_RATIO = 0.90, 0.80
FIN_RATIO = SLO_RATIO = 1.0


@dataclass(frozen=True)
class Subject:
    """A 融资融券标的: its statuses and margin ratios."""

    code: str
    fin_status: int = STATUS_NORMAL
    slo_status: int = STATUS_NORMAL
    fin_ratio: float = FIN_RATIO
    slo_ratio: float = SLO_RATIO


def pool_of(code: str) -> int:
    """The counter's lendable shares of a subject (module docstring)."""
    shares = 100 * (10 + zlib.crc32(code.encode()) % 491)
    return shares * 10 if code in INDEX_ETFS else shares


class CreditUniverse:
    """The subjects and collateral of ``market`` on ``clock``'s day (see the module docstring)."""

    def __init__(self, market: Any, clock: Any) -> None:
        self.market = market
        self.clock = clock
        self._day: dt.date | None = None
        self._stocks: frozenset[str] = frozenset()
        self._seasoned: frozenset[str] = frozenset()  # listed SUBJECT_MIN_DAYS ago already
        self._st: frozenset[str] = frozenset()
        self._hs300: frozenset[str] = frozenset()
        self._etfs: frozenset[str] = frozenset()
        self._subjects: dict[str, Subject | None] = {}
        self._ratios: dict[str, float | None] = {}

    def _sector(self, name: str, on: dt.date | None = None) -> frozenset[str]:
        """A sector's members today, or on an earlier day ``on`` (xtdata's ``real_timetag``)."""
        lister = getattr(self.market, "get_stock_list_in_sector", None)
        if lister is None:
            return frozenset()
        try:
            found = lister(name) if on is None else lister(name, on.strftime("%Y%m%d"))
            return frozenset(found or ())
        except Exception:  # a market without that sector: none
            return frozenset()

    def _fresh(self) -> dt.date:
        today = local_date(self.clock.now())
        if today != self._day:
            self._day = today
            self._stocks = self._sector("沪深A股")
            self._seasoned = (
                self._sector("沪深A股", today - dt.timedelta(days=SUBJECT_MIN_DAYS)) & self._stocks
            )
            self._st = self._sector("沪深风险警示")
            self._hs300 = self._sector("沪深300")
            self._etfs = self._sector("沪深ETF") | {
                c for c in INDEX_ETFS if self.market.get_instrument_detail(c) is not None
            }
            self._subjects, self._ratios = {}, {}
        return today

    def _is_st(self, code: str) -> bool:
        return code in self._st

    def subject(self, code: str) -> Subject | None:
        """The subject ``code`` is today, or None."""
        self._fresh()
        if code not in self._subjects:
            self._subjects[code] = self._subject(code)
        return self._subjects[code]

    def _subject(self, code: str) -> Subject | None:
        if code in INDEX_ETFS and code in self._etfs:
            return Subject(code)
        if code not in self._seasoned or self._is_st(code):
            return None
        return Subject(code)

    def assure_ratio(self, code: str) -> float | None:
        """``code``'s 折算率 as collateral today, or None when it is not collateral."""
        self._fresh()
        if code not in self._ratios:
            self._ratios[code] = self._ratio(code)
        return self._ratios[code]

    def _ratio(self, code: str) -> float | None:
        if code in self._etfs:
            return INDEX_ETF_RATIO if code in INDEX_ETFS else ETF_RATIO
        if code not in self._stocks:
            return None
        if self._is_st(code):
            return ST_RATIO
        if code in self._hs300:
            return HS300_RATIO
        symbol, _, market = code.partition(".")
        growth = (market == "SH" and symbol[:3] in ("688", "689")) or (
            market == "SZ" and symbol[:3] in ("300", "301")
        )
        return GROWTH_RATIO if growth else MAIN_RATIO

    def subjects(self) -> list[Subject]:
        """Today's subjects, by code."""
        self._fresh()
        found = (self.subject(c) for c in sorted(self._stocks | self._etfs))
        return [s for s in found if s is not None]

    def collateral(self) -> list[tuple[str, float]]:
        """Today's collateral and their 折算率, by code."""
        self._fresh()
        out = []
        for code in sorted(self._stocks | self._etfs):
            ratio = self.assure_ratio(code)
            if ratio is not None:
                out.append((code, ratio))
        return out
