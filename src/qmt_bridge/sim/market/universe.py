"""The simulated instrument universe: A-shares, indices, ETFs, convertible bonds, futures, ETF options, HK,
exchange reverse repos (:mod:`.repo`).

:func:`build_universe` is a pure function of ``(seed, today)``. Apart from futures and options (whose
window of contracts is defined relative to ``today``), every instrument's attributes are independent of
``today``: the generator lays out a fixed timeline of listings up to the end of the trading calendar and
``today`` only decides which of them exist yet (``list_date <= today``) and clips open-ended ST periods.
So a server restarted on a later day keeps the same codes, names and history for everything it had.

Conventions (beyond :class:`~.instruments.Instrument`):

* ``list_date`` is the first day with bars and never precedes the calendar's first day (2005-01-04):
  stocks listed earlier carry 2005-01-04.
* Stock names never carry the ST prefix; :func:`.sectors.display_name` gives the name of a day (``'ST海科'``).
* HK Connect stocks keep the southbound programmes that include them in ``product``: ``'SH'``
  (沪港通 only), ``'SZ'`` (深港通 only) or ``'SH,SZ'`` (both).
* Continuous futures (``'IF00.IF'``) have ``product`` set, ``underlying == ''`` and no expiry.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import math
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import NamedTuple

from .calendar import FIRST_DAY, TradingCalendar, calendar_for, nth_weekday
from .index_options import make_index_options
from .instruments import (
    BJ,
    CB,
    CHINEXT,
    ETF,
    FUTURE,
    HK,
    INDEX,
    OPTION,
    SH_MAIN,
    STAR,
    STOCK,
    SZ_MAIN,
    Instrument,
)
from .names import (
    OPTION_UNDERLYING_SHORT,
    SW1_INDUSTRIES,
    WELL_KNOWN_ETFS,
    WELL_KNOWN_HK,
    WELL_KNOWN_INDICES,
    WELL_KNOWN_STOCKS,
    KnownIndex,
    NameGenerator,
)
from .repo import REPO_LAUNCH, make_repos

_ONE = dt.timedelta(days=1)
_CHINA = dt.timezone(dt.timedelta(hours=8))
#: Stocks listing this many days after ``today`` at most are in their IPO (subscription is 8 sessions before).
UPCOMING_DAYS = 30
# Listings are laid out up to here (the calendar's last covered day); ``today`` filters them.
_TIMELINE_END = dt.date(2026, 12, 31)


def stable_rng(seed: int, *tags: object) -> random.Random:
    """A :class:`random.Random` seeded from ``seed`` and ``tags`` through a stable hash (not ``hash()``)."""
    digest = hashlib.blake2b(repr((int(seed), *tags)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


# ----------------------------------------------------------------------------------------------------------
# Futures products


class FutureProduct(NamedTuple):
    product: str
    market: str
    cname: str  # Chinese product name used in contract names
    multiple: int
    tick: float
    level: float  # plausible price level
    vol: float  # daily log-return sd
    months: tuple[int, ...]  # contract months listed (for 'commodity' scheme)
    main_months: tuple[int, ...]  # months the main contract is taken from; () = any month
    scheme: str  # 'index' (CFFEX stock-index), 'bond' (CFFEX treasury), 'commodity'
    since: dt.date  # first listing of the product


_ALL = tuple(range(1, 13))
_ODD = (1, 3, 5, 7, 9, 11)
_DCE_BEANS = (1, 3, 5, 7, 8, 9, 11, 12)
_159 = (1, 5, 9)

FUTURE_PRODUCTS: tuple[FutureProduct, ...] = tuple(
    FutureProduct(p, m, n, mult, tick, lv, vol, months, mains, scheme, dt.date.fromisoformat(since))
    for p, m, n, mult, tick, lv, vol, months, mains, scheme, since in (
        ("IF", "IF", "沪深300股指", 300, 0.2, 3900.0, 0.013, _ALL, (), "index", "2010-04-16"),
        ("IH", "IF", "上证50股指", 300, 0.2, 2700.0, 0.012, _ALL, (), "index", "2015-04-16"),
        ("IC", "IF", "中证500股指", 200, 0.2, 5800.0, 0.015, _ALL, (), "index", "2015-04-16"),
        ("IM", "IF", "中证1000股指", 200, 0.2, 6200.0, 0.016, _ALL, (), "index", "2022-07-22"),
        ("T", "IF", "十年期国债", 10000, 0.005, 108.0, 0.0025, (3, 6, 9, 12), (), "bond", "2015-03-20"),
        ("TF", "IF", "五年期国债", 10000, 0.005, 105.5, 0.0018, (3, 6, 9, 12), (), "bond", "2013-09-06"),
        ("TS", "IF", "二年期国债", 20000, 0.002, 102.5, 0.0008, (3, 6, 9, 12), (), "bond", "2018-08-17"),
        ("rb", "SF", "螺纹钢", 10, 1.0, 3500.0, 0.015, _ALL, (1, 5, 10), "commodity", "2009-03-27"),
        ("cu", "SF", "沪铜", 5, 10.0, 75000.0, 0.012, _ALL, (), "commodity", "2005-01-04"),
        ("au", "SF", "沪金", 1000, 0.02, 560.0, 0.010, _ALL, (6, 12), "commodity", "2008-01-09"),
        ("ag", "SF", "沪银", 15, 1.0, 7500.0, 0.016, _ALL, (6, 12), "commodity", "2012-05-10"),
        ("al", "SF", "沪铝", 5, 5.0, 20000.0, 0.010, _ALL, (), "commodity", "2005-01-04"),
        ("zn", "SF", "沪锌", 5, 5.0, 23000.0, 0.012, _ALL, (), "commodity", "2007-03-26"),
        ("ni", "SF", "沪镍", 1, 10.0, 130000.0, 0.018, _ALL, (), "commodity", "2015-03-27"),
        ("sc", "INE", "原油", 1000, 0.1, 550.0, 0.020, _ALL, (), "commodity", "2018-03-26"),
        ("m", "DF", "豆粕", 10, 1.0, 3000.0, 0.013, _DCE_BEANS, _159, "commodity", "2005-01-04"),
        ("i", "DF", "铁矿石", 100, 0.5, 800.0, 0.020, _ALL, _159, "commodity", "2013-10-18"),
        ("y", "DF", "豆油", 10, 2.0, 7800.0, 0.013, _DCE_BEANS, _159, "commodity", "2006-01-09"),
        ("p", "DF", "棕榈油", 10, 2.0, 8000.0, 0.016, _ALL, _159, "commodity", "2007-10-29"),
        ("c", "DF", "玉米", 10, 1.0, 2300.0, 0.008, _ODD, _159, "commodity", "2005-01-04"),
        ("SR", "ZF", "白糖", 10, 1.0, 5800.0, 0.010, _ODD, _159, "commodity", "2006-01-06"),
        ("CF", "ZF", "棉花", 5, 5.0, 14500.0, 0.011, _ODD, _159, "commodity", "2005-01-04"),
        ("TA", "ZF", "PTA", 5, 2.0, 5000.0, 0.014, _ALL, _159, "commodity", "2006-12-18"),
        ("MA", "ZF", "甲醇", 10, 1.0, 2500.0, 0.015, _ALL, _159, "commodity", "2011-10-28"),
        ("AP", "ZF", "苹果", 10, 1.0, 7500.0, 0.018, (1, 3, 4, 5, 10, 11, 12), (1, 5, 10), "commodity", "2017-12-22"),
        ("si", "GF", "工业硅", 5, 5.0, 11000.0, 0.018, _ALL, (), "commodity", "2022-12-22"),
        ("lc", "GF", "碳酸锂", 1, 20.0, 80000.0, 0.030, _ALL, (), "commodity", "2023-07-21"),
    )
)  # fmt: skip
FUTURE_PRODUCT_BY_ID: dict[str, FutureProduct] = {p.product: p for p in FUTURE_PRODUCTS}

#: CFFEX stock-index futures: product -> (underlying index, mean annualised basis). Prices are the index times
#: a basis that shrinks to zero at expiry; small caps trade at a discount (negative basis), as on CFFEX.
INDEX_FUTURES: dict[str, tuple[str, float]] = {
    "IF": ("000300.SH", -0.015),
    "IH": ("000016.SH", -0.005),
    "IC": ("000905.SH", -0.05),
    "IM": ("000852.SH", -0.065),
}

# ETF options: underlying -> (market, code prefix, reference level, first listing of the product)
OPTION_UNDERLYINGS: dict[str, tuple[str, str, float, dt.date]] = {
    "510050.SH": ("SHO", "1000", 2.7, dt.date(2015, 2, 9)),
    "510300.SH": ("SHO", "1000", 4.0, dt.date(2019, 12, 23)),
    "510500.SH": ("SHO", "1000", 6.0, dt.date(2022, 9, 19)),
    "588000.SH": ("SHO", "1000", 1.0, dt.date(2023, 6, 5)),
    "159919.SZ": ("SZO", "9000", 4.0, dt.date(2019, 12, 23)),
    "159915.SZ": ("SZO", "9000", 2.2, dt.date(2022, 9, 19)),
}
OPTION_STRIKES_MONTHLY = 9  # strikes per expiry for non-quarter months (1 at the money, 4 each side)
OPTION_STRIKES_QUARTERLY = 13


# ----------------------------------------------------------------------------------------------------------
# Date helpers


def _month_ord(year: int, month: int) -> int:
    return year * 12 + month - 1


def _ym(ordinal: int) -> tuple[int, int]:
    return ordinal // 12, ordinal % 12 + 1


def trading_days_after(cal: TradingCalendar, day: dt.date, end: dt.date) -> int:
    """Number of trading days ``d`` with ``day < d <= end`` (weekdays count past the calendar's end)."""
    if end <= day:
        return 0
    sessions = cal.sessions
    n = bisect.bisect_right(sessions, end) - bisect.bisect_right(sessions, day)
    last = sessions[-1]
    if end > last:
        d = max(day, last) + _ONE
        while d <= end:
            if d.weekday() < 5:
                n += 1
            d += _ONE
    return n


def _expiry(cal: TradingCalendar, scheme: str, month_ord: int) -> dt.date:
    year, month = _ym(month_ord)
    if scheme == "index":  # CFFEX stock-index futures: third Friday
        raw = nth_weekday(year, month, 4, 3)
    elif scheme == "bond":  # CFFEX treasury futures: second Friday
        raw = nth_weekday(year, month, 4, 2)
    elif scheme == "option":  # SSE/SZSE ETF options: fourth Wednesday
        raw = nth_weekday(year, month, 2, 4)
    else:  # commodities: mid-month
        raw = dt.date(year, month, 15)
    if raw < FIRST_DAY:  # before the calendar: keep the raw date (only used to derive list dates)
        return raw
    return cal.on_or_after(raw)


def _cycle(scheme: str, current: int) -> set[int]:
    """Contract months (ordinals) listed while ``current`` is the current month."""
    if scheme == "bond":  # the three nearest quarter months
        first_q = current + (2 - current % 12) % 3
        return {first_q, first_q + 3, first_q + 6}
    # 'index' and 'option': current month, next month, and the next two quarter months after that
    nxt = current + 1
    q1 = nxt + 1 + (2 - (nxt + 1) % 12) % 3
    return {current, nxt, q1, q1 + 3}


def _cycle_list_date(cal: TradingCalendar, scheme: str, month: int) -> dt.date | None:
    """The day a cycle contract is first listed: the trading day after the previous month's expiry."""
    k_min = next(k for k in range(month - 12, month + 1) if month in _cycle(scheme, k))
    prev_expiry = _expiry(cal, scheme, k_min - 1)
    if prev_expiry > cal.sessions[-1]:
        return None
    return cal.next_day(prev_expiry)


def main_contract_span(
    cal: TradingCalendar, product: str, expire_date: dt.date
) -> tuple[dt.date, bool] | None:
    """When a contract of ``product`` expiring on ``expire_date`` becomes the main contract.

    Returns ``(previous expiry, main month)``: under :meth:`Universe.main_contract`'s rules the contract is the
    main one from 4 trading days before the previous contract of the main sequence expires (``previous
    expiry``) until 5 trading days before its own expiry, if its month is a main month (else never: then it
    is ``(previous expiry, False)``). ``None`` for unknown products.
    """
    spec = FUTURE_PRODUCT_BY_ID.get(product)
    if spec is None:
        return None
    preferred = [m for m in spec.months if not spec.main_months or m in spec.main_months]
    month = _month_ord(expire_date.year, expire_date.month)
    prev = month - 1
    while prev % 12 + 1 not in preferred:
        prev -= 1
    return _expiry(cal, spec.scheme, prev), expire_date.month in preferred


# ----------------------------------------------------------------------------------------------------------
# Universe


class Universe:
    """An indexed, immutable set of instruments.

    Args:
        instruments: the instruments (codes must be unique).
        today: the day the universe describes (what is listed by then; ongoing ST periods end there);
            default: the date today in China. A :class:`SimMarket` rebuilds its universe when its clock's date
            moves on, and answers "latest" questions for its ``current_day``, not for a stored date.
        upcoming: stocks not listed by ``today`` whose IPO is under way (see :func:`build_universe`).
    """

    def __init__(
        self,
        instruments: Iterable[Instrument],
        today: dt.date | None = None,
        upcoming: Iterable[Instrument] = (),
    ) -> None:
        by_code: dict[str, Instrument] = {}
        for ins in instruments:
            if ins.code in by_code:
                raise ValueError(f"duplicate instrument code {ins.code}")
            by_code[ins.code] = ins
        if today is None:
            today = dt.datetime.now(_CHINA).date()
        self.today: dt.date = today
        #: Stocks listing within :data:`UPCOMING_DAYS` after ``today``: in their IPO, not in the market yet.
        self.upcoming: tuple[Instrument, ...] = tuple(upcoming)
        self._by_code = by_code
        self._sorted: list[Instrument] = [by_code[c] for c in sorted(by_code)]
        self._by_kind: dict[str, list[Instrument]] = {}
        self._contracts: dict[str, list[Instrument]] = {}
        self._continuous: dict[str, Instrument] = {}
        self._options: dict[str, list[Instrument]] = {}
        for ins in self._sorted:
            self._by_kind.setdefault(ins.kind, []).append(ins)
            if ins.kind == FUTURE:
                if ins.expire_date is None:
                    self._continuous[ins.code] = ins
                else:
                    self._contracts.setdefault(ins.product, []).append(ins)
            elif ins.kind == OPTION:
                self._options.setdefault(ins.underlying, []).append(ins)
        for lst in self._contracts.values():
            lst.sort(key=lambda i: (i.expire_date, i.code))
        for lst in self._options.values():
            lst.sort(key=lambda i: (i.expire_date, i.strike, i.option_type, i.code))
        self._calendar: TradingCalendar = calendar_for(today)

    # -- container protocol
    def get(self, code: str) -> Instrument | None:
        return self._by_code.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self._sorted)

    # -- queries
    def by_kind(self, kind: str) -> list[Instrument]:
        """Instruments of one kind, sorted by code."""
        return list(self._by_kind.get(kind, ()))

    def codes(self, kind: str | None = None, market: str | None = None) -> list[str]:
        """Sorted codes, optionally filtered by kind and/or market suffix."""
        source = self._sorted if kind is None else self._by_kind.get(kind, [])
        return [i.code for i in source if market is None or i.market == market]

    def continuous_codes(self) -> list[str]:
        """The continuous main-contract codes, e.g. ``'IF00.IF'``, ``'rb00.SF'`` (sorted)."""
        return sorted(self._continuous)

    def futures_of(self, product: str, day: dt.date) -> list[Instrument]:
        """Contracts of ``product`` listed (and not yet expired) on ``day``, nearest expiry first."""
        return [c for c in self._contracts.get(product, ()) if c.listed_on(day)]

    def options_of(self, underlying: str) -> list[Instrument]:
        """All options on ``underlying`` (e.g. ``'510050.SH'``), by expiry, strike, then CALL before PUT."""
        return list(self._options.get(underlying, ()))

    def _main_candidates(
        self, continuous_code: str, day: dt.date
    ) -> tuple[list[Instrument], list[Instrument]]:
        cont = self._continuous.get(continuous_code)
        if cont is None:
            return [], []
        cal = self._calendar
        eligible = [
            c
            for c in self._contracts.get(cont.product, ())
            if c.list_date <= day and trading_days_after(cal, day, c.expire_date) >= 5
        ]
        spec = FUTURE_PRODUCT_BY_ID.get(cont.product)
        mains = spec.main_months if spec is not None else ()
        preferred = [c for c in eligible if c.expire_date.month in mains] if mains else eligible
        return (preferred or eligible), eligible

    def main_contract(self, continuous_code: str, day: dt.date) -> str | None:
        """The main contract of ``'IF00.IF'``-style ``continuous_code`` on ``day``.

        The nearest contract listed on ``day`` that expires at least 5 trading days after it; for products
        with main months (01/05/09 for most commodities, 01/05/10 for rb and AP, 06/12 for au and ag) the
        nearest such contract in a main month. ``None`` for unknown codes or days without such a contract.
        """
        preferred, _ = self._main_candidates(continuous_code, day)
        return preferred[0].code if preferred else None

    def sec_main_contract(self, continuous_code: str, day: dt.date) -> str | None:
        """The second main contract: the next candidate after :meth:`main_contract` (same rules)."""
        preferred, eligible = self._main_candidates(continuous_code, day)
        if not preferred:
            return None
        if len(preferred) > 1:
            return preferred[1].code
        later = [c for c in eligible if c.expire_date > preferred[0].expire_date]
        return later[0].code if later else None


# ----------------------------------------------------------------------------------------------------------
# Generation


class _Segment(NamedTuple):
    board: str
    market: str
    lo: int
    hi: int
    count: int
    start: dt.date
    end: dt.date


def _seg(board, market, lo, hi, count, start, end) -> _Segment:
    return _Segment(board, market, lo, hi, count, dt.date.fromisoformat(start), dt.date.fromisoformat(end))


# Code ranges with the period in which their listings happened (real allocation patterns, simplified).
# The last segment of each board runs to the end of the calendar at a realistic recent IPO rate.
_STOCK_SEGMENTS: tuple[_Segment, ...] = (
    _seg(SH_MAIN, "SH", 600000, 600999, 780, "1990-12-19", "2004-12-31"),
    _seg(SH_MAIN, "SH", 601000, 601999, 200, "2006-06-01", "2019-12-31"),
    _seg(SH_MAIN, "SH", 603000, 603999, 580, "2011-01-01", "2022-12-31"),
    _seg(SH_MAIN, "SH", 605000, 605399, 80, "2020-06-01", "2022-12-31"),
    _seg(SH_MAIN, "SH", 605400, 605999, 50, "2023-01-01", "2026-12-31"),
    _seg(STAR, "SH", 688001, 688799, 500, "2019-07-22", "2023-06-30"),
    _seg(STAR, "SH", 688800, 688999, 70, "2023-07-01", "2026-12-31"),
    _seg(SZ_MAIN, "SZ", 1, 999, 450, "1991-04-03", "2004-12-31"),
    _seg(SZ_MAIN, "SZ", 2001, 2999, 900, "2004-06-25", "2021-06-30"),
    _seg(SZ_MAIN, "SZ", 3000, 3049, 40, "2020-09-01", "2021-12-31"),
    _seg(SZ_MAIN, "SZ", 1201, 1399, 60, "2021-01-01", "2023-06-30"),
    _seg(SZ_MAIN, "SZ", 1400, 1999, 40, "2023-07-01", "2026-12-31"),
    _seg(CHINEXT, "SZ", 300001, 300999, 930, "2009-10-30", "2020-08-20"),
    _seg(CHINEXT, "SZ", 301001, 301499, 330, "2020-08-24", "2023-06-30"),
    _seg(CHINEXT, "SZ", 301500, 301999, 70, "2023-07-01", "2026-12-31"),
    _seg(BJ, "BJ", 430000, 430999, 25, "2021-11-15", "2023-06-30"),
    _seg(BJ, "BJ", 830000, 839999, 130, "2021-11-15", "2023-06-30"),
    _seg(BJ, "BJ", 870000, 873999, 60, "2022-01-01", "2024-06-30"),
    _seg(BJ, "BJ", 920000, 920999, 45, "2024-10-08", "2026-12-31"),
)

# Relative industry frequencies per board family (SW1 names); unlisted industries get weight 1.
_INDUSTRY_WEIGHTS_MAIN = {
    "机械设备": 9, "医药生物": 8, "电子": 7, "化工": 8, "计算机": 5, "电力设备": 6, "汽车": 5, "有色金属": 4,
    "食品饮料": 4, "轻工制造": 4, "交通运输": 4, "公用事业": 4, "房地产": 4, "建筑装饰": 4, "纺织服饰": 3,
    "商贸零售": 3, "传媒": 3, "家用电器": 2, "建筑材料": 2, "钢铁": 2, "农林牧渔": 3, "通信": 2, "国防军工": 2,
    "非银金融": 2, "银行": 1.5, "煤炭": 1.5, "石油石化": 1.5, "环保": 2, "社会服务": 1.5, "美容护理": 0.7,
    "综合": 0.8,
}  # fmt: skip
_INDUSTRY_WEIGHTS_GROWTH = {
    "机械设备": 12, "医药生物": 11, "电子": 13, "化工": 6, "计算机": 10, "电力设备": 8, "汽车": 4, "有色金属": 2,
    "国防军工": 3, "通信": 3, "传媒": 3, "环保": 3, "轻工制造": 2, "建筑装饰": 1.5, "美容护理": 1,
    "银行": 0, "煤炭": 0.3, "石油石化": 0.5, "钢铁": 0.3, "房地产": 0.2, "非银金融": 0.3,
}  # fmt: skip


def _industry_table(weights: dict[str, float]) -> tuple[list[str], list[float]]:
    names = list(SW1_INDUSTRIES)
    return names, [float(weights.get(n, 1.0)) for n in names]


def _trading(cal: TradingCalendar, day: dt.date) -> dt.date:
    """``day`` moved into the calendar: clamped to its first day and onto a trading day."""
    if day <= FIRST_DAY:
        return FIRST_DAY
    return cal.on_or_after(day)


def _lognormal(rng: random.Random, median: float, sigma: float, lo: float, hi: float) -> float:
    return min(hi, max(lo, median * math.exp(rng.gauss(0.0, sigma))))


def _st_periods(
    rng: random.Random, cal: TradingCalendar, list_date: dt.date
) -> tuple[tuple[dt.date, dt.date], ...]:
    """One or two ST periods on the fixed timeline; recent ones may last to the end of the timeline."""
    earliest = max(list_date + dt.timedelta(days=365), dt.date(2005, 6, 1))
    latest = dt.date(2026, 6, 30)
    if earliest >= latest:
        return ()
    periods: list[tuple[dt.date, dt.date]] = []
    start = earliest + dt.timedelta(days=rng.randrange((latest - earliest).days))
    n = 2 if rng.random() < 0.3 else 1
    for k in range(n):
        end = start + dt.timedelta(days=rng.randint(180, 900))
        if k == n - 1 and rng.random() < 0.6 and start >= dt.date(2021, 1, 1):
            end = _TIMELINE_END  # still ST: clipped to ``today`` later
        s, e = _trading(cal, start), min(end, _TIMELINE_END)
        periods.append((s, e))
        start = end + dt.timedelta(days=rng.randint(200, 1000))
        if start >= latest:
            break
    return tuple(periods)


def _make_stocks(seed: int, cal: TradingCalendar, names: NameGenerator) -> list[Instrument]:
    rng = stable_rng(seed, "stocks")
    known = {k.code: k for k in WELL_KNOWN_STOCKS}
    main_ind = _industry_table(_INDUSTRY_WEIGHTS_MAIN)
    growth_ind = _industry_table(_INDUSTRY_WEIGHTS_GROWTH)
    out: list[Instrument] = []
    for seg in _STOCK_SEGMENTS:
        suffix = seg.market
        taken = {int(c.split(".")[0]) for c in known if c.endswith("." + suffix)}
        pool = [n for n in range(seg.lo, seg.hi + 1) if n not in taken]
        numbers = sorted(rng.sample(pool, min(seg.count, len(pool))))
        span = (seg.end - seg.start).days
        dates = sorted(seg.start + dt.timedelta(days=rng.randrange(span + 1)) for _ in numbers)
        # older codes list earlier, with a little local disorder
        order = sorted(range(len(numbers)), key=lambda i: i + rng.gauss(0.0, 4.0))
        growth = seg.board in (STAR, CHINEXT, BJ)
        ind_names, ind_weights = growth_ind if growth else main_ind
        for rank, idx in enumerate(order):
            code = f"{numbers[idx]:06d}.{suffix}"
            list_date = _trading(cal, dates[rank])
            industry = rng.choices(ind_names, ind_weights)[0]
            if seg.board == STAR:
                price = _lognormal(rng, 28.0, 0.55, 8.0, 80.0)
                total = _lognormal(rng, 3.5e8, 0.8, 1e8, 1e10)
            elif seg.board == BJ:
                price = _lognormal(rng, 12.0, 0.5, 3.0, 60.0)
                total = _lognormal(rng, 1.6e8, 0.5, 1e8, 2e9)
            elif seg.board == CHINEXT:
                price = _lognormal(rng, 18.0, 0.55, 3.0, 80.0)
                total = _lognormal(rng, 3.5e8, 0.8, 1e8, 1e10)
            else:
                price = _lognormal(rng, 11.0, 0.6, 3.0, 80.0)
                total = _lognormal(rng, 6e8, 1.0, 1e8, 3e10)
            vol = rng.uniform(0.022, 0.035) if growth else rng.uniform(0.015, 0.028)
            ratio = rng.uniform(0.25, 0.9) if list_date >= dt.date(2019, 1, 1) else rng.uniform(0.6, 1.0)
            is_st = rng.random() < 0.03
            st = _st_periods(rng, cal, list_date) if is_st else ()
            st_kind = "*ST" if rng.random() < 0.4 else "ST"
            name = names.stock(industry)
            out.append(
                Instrument(
                    code=code,
                    name=name,
                    kind=STOCK,
                    board=seg.board,
                    market=suffix,
                    list_date=list_date,
                    base_price=round(price, 2),
                    price_tick=0.01,
                    volatility=round(vol, 5),
                    total_shares=int(round(total, -4)),
                    float_shares=int(round(total * ratio, -4)),
                    industry=industry,
                    st_periods=st,
                    st_kind=st_kind,
                )
            )
    for k in WELL_KNOWN_STOCKS:
        sym, suffix = k.code.split(".")
        if suffix == "BJ":
            board = BJ
        elif suffix == "SH":
            board = STAR if sym.startswith("688") else SH_MAIN
        else:
            board = CHINEXT if sym.startswith("30") else SZ_MAIN
        growth = board in (STAR, CHINEXT, BJ)
        out.append(
            Instrument(
                code=k.code,
                name=k.name,
                kind=STOCK,
                board=board,
                market=suffix,
                list_date=_trading(cal, k.list_date),
                base_price=k.price,
                price_tick=0.01,
                volatility=0.024 if growth else 0.018,
                total_shares=int(k.total_shares),
                float_shares=int(min(k.float_shares, k.total_shares)),
                industry=k.industry,
            )
        )
    return out


def _index_instrument(cal: TradingCalendar, k: KnownIndex) -> Instrument:
    growthish = k.code in ("000688.SH", "399006.SZ", "899050.BJ", "000852.SH")
    return Instrument(
        code=k.code,
        name=k.name,
        kind=INDEX,
        board=INDEX,
        market=k.code.split(".")[1],
        list_date=_trading(cal, k.list_date),
        base_price=k.level,
        price_tick=0.01,
        volatility=0.015 if growthish else 0.012,
    )


def _make_indices(cal: TradingCalendar) -> list[Instrument]:
    return [_index_instrument(cal, k) for k in WELL_KNOWN_INDICES]


def index_instrument(cal: TradingCalendar, code: str) -> Instrument | None:
    """The index ``code`` exactly as every universe holds it (indices do not depend on the seed or today),
    so that prices of what tracks an index need no universe at hand."""
    known = next((k for k in WELL_KNOWN_INDICES if k.code == code), None)
    return None if known is None else _index_instrument(cal, known)


_SH_ETF_RANGES = ((510000, 513999), (515000, 518999), (560000, 563999), (588000, 588999))
_SZ_ETF_RANGES = ((159000, 159999),)


def _make_etfs(seed: int, cal: TradingCalendar) -> list[Instrument]:
    rng = stable_rng(seed, "etfs")
    names = NameGenerator(stable_rng(seed, "etf-names"), {k.name for k in WELL_KNOWN_ETFS})
    real = {k.code for k in WELL_KNOWN_ETFS}
    out = []
    for k in WELL_KNOWN_ETFS:
        bond = k.code == "511010.SH"
        units = int(round(_lognormal(rng, 5e9, 0.8, 5e8, 8e10), -4))
        out.append(
            Instrument(
                code=k.code,
                name=k.name,
                kind=ETF,
                board=ETF,
                market=k.code.split(".")[1],
                list_date=_trading(cal, k.list_date),
                base_price=k.price,
                price_tick=0.001,
                volatility=0.002 if bond else (0.011 if "黄金" in k.name else 0.014),
                total_shares=units,
                float_shares=units,
            )
        )
    used = set(real)
    span_start, span_end = dt.date(2012, 1, 1), _TIMELINE_END
    for _ in range(96):
        market = "SH" if rng.random() < 0.62 else "SZ"
        ranges = _SH_ETF_RANGES if market == "SH" else _SZ_ETF_RANGES
        while True:
            lo, hi = rng.choice(ranges)
            code = f"{rng.randint(lo, hi):06d}.{market}"
            if code not in used:
                used.add(code)
                break
        # listings accelerate over time (sqrt-shaped distribution towards the end of the timeline)
        frac = math.sqrt(rng.random())
        day = span_start + dt.timedelta(days=int(frac * (span_end - span_start).days))
        total = int(round(_lognormal(rng, 1.5e9, 1.0, 1e8, 2e10), -4))
        out.append(
            Instrument(
                code=code,
                name=names.etf(),
                kind=ETF,
                board=ETF,
                market=market,
                list_date=_trading(cal, day),
                base_price=round(_lognormal(rng, 1.2, 0.45, 0.8, 5.0), 3),
                price_tick=0.001,
                volatility=round(rng.uniform(0.012, 0.022), 5),
                total_shares=total,
                float_shares=total,
            )
        )
    return out


def _make_cbs(seed: int, cal: TradingCalendar, stocks: list[Instrument]) -> list[Instrument]:
    """~21 CB issues a year on a fixed timeline (2017-07 .. end of calendar), 6-year terms."""
    rng = stable_rng(seed, "cbs")
    start, end = dt.date(2017, 7, 1), _TIMELINE_END
    n = int((end - start).days / 365.25 * 21)
    days = sorted(start + dt.timedelta(days=rng.randrange((end - start).days)) for _ in range(n))
    candidates = sorted((s for s in stocks if s.board != BJ), key=lambda s: (s.list_date, s.code))
    cand_dates = [s.list_date for s in candidates]
    counters = {"110": 110040, "113": 113500, "118": 118000, "123": 123050, "127": 127020, "128": 128100}
    used_underlyings: set[str] = set()
    used_names: set[str] = set()
    out = []
    for day in days:
        list_date = _trading(cal, day)
        # an underlying listed at least a year earlier, without a CB yet
        eligible = bisect.bisect_right(cand_dates, list_date - dt.timedelta(days=365))
        if eligible <= len(used_underlyings):
            continue
        while True:
            und = candidates[rng.randrange(eligible)]
            if und.code not in used_underlyings:
                break
        used_underlyings.add(und.code)
        if und.board == STAR:
            prefix = "118"
        elif und.board == SH_MAIN:
            prefix = "110" if rng.random() < 0.25 else "113"
        elif und.board == CHINEXT:
            prefix = "123"
        else:
            prefix = "128" if list_date < dt.date(2020, 1, 1) else "127"
        number = counters[prefix]
        counters[prefix] += 1
        name = und.name[:2] + "转债"
        if name in used_names:
            name = f"{und.name[:1]}{list_date.year % 100:02d}转债"
        k = 2
        while name in used_names:
            name = f"{und.name[:2]}转{k}"
            k += 1
        used_names.add(name)
        size = _lognormal(rng, 1.2e9, 0.8, 2e8, 2e10)  # issue size in CNY; 100 CNY face per 张
        expire = cal.on_or_after(_add_years(list_date, 6))
        out.append(
            Instrument(
                code=f"{number}.{und.market}",
                name=name,
                kind=CB,
                board=CB,
                market=und.market,
                list_date=list_date,
                expire_date=expire,
                base_price=round(rng.uniform(100.0, 130.0), 3),
                price_tick=0.001,
                volatility=round(rng.uniform(0.008, 0.016), 5),
                total_shares=int(size / 100),
                float_shares=int(size / 100),
                underlying=und.code,
            )
        )
    return out


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 Feb
        return day.replace(year=day.year + years, day=28)


def _make_futures(seed: int, cal: TradingCalendar, today: dt.date) -> list[Instrument]:
    """Contracts alive at some point of ``[today - 400 days, today]`` and listed by ``today``, plus the
    continuous main instrument of every product."""
    out = []
    window_start = today - dt.timedelta(days=400)
    first_month = _month_ord(window_start.year, window_start.month)
    last_month = _month_ord(today.year, today.month) + 14
    for spec in FUTURE_PRODUCTS:
        contracts = []
        for m in range(first_month, last_month + 1):
            year, month = _ym(m)
            if month not in spec.months:
                continue
            expire = _expiry(cal, spec.scheme, m)
            if spec.scheme == "commodity":
                prev = _expiry(cal, "commodity", m - 12)
                listed = cal.next_day(prev) if prev <= cal.sessions[-1] else None
            else:
                listed = _cycle_list_date(cal, spec.scheme, m)
            if listed is None:
                continue
            listed = max(listed, _trading(cal, spec.since))
            if listed > today or expire < window_start or expire < listed:
                continue
            yymm = f"{year % 100:02d}{month:02d}"
            symbol = spec.product + (yymm[1:] if spec.market == "ZF" else yymm)
            rng = stable_rng(seed, "future", spec.product, m)
            contracts.append(
                Instrument(
                    code=f"{symbol}.{spec.market}",
                    name=f"{spec.cname}{yymm}",
                    kind=FUTURE,
                    board=FUTURE,
                    market=spec.market,
                    list_date=listed,
                    expire_date=expire,
                    base_price=_round_tick(spec.level * math.exp(rng.gauss(0.0, 0.06)), spec.tick),
                    price_tick=spec.tick,
                    volatility=spec.vol,
                    volume_multiple=spec.multiple,
                    product=spec.product,
                )
            )
        if not contracts:
            continue
        out.extend(contracts)
        out.append(
            Instrument(
                code=f"{spec.product}00.{spec.market}",
                name=f"{spec.cname}主连",
                kind=FUTURE,
                board=FUTURE,
                market=spec.market,
                list_date=min(c.list_date for c in contracts),
                base_price=spec.level,
                price_tick=spec.tick,
                volatility=spec.vol,
                volume_multiple=spec.multiple,
                product=spec.product,
            )
        )
    return out


def _round_tick(price: float, tick: float) -> float:
    return round(round(price / tick) * tick, 6)


def strike_step_milli(strike_milli: int) -> int:
    """SSE/SZSE ETF option strike interval (in 0.001 CNY) for a strike in the interval starting at it."""
    if strike_milli < 3000:
        return 25
    if strike_milli < 5000:
        return 50
    if strike_milli < 10000:
        return 100
    if strike_milli < 20000:
        return 250
    return 500


def strike_ladder(reference: float, count: int) -> list[float]:
    """``count`` strikes (odd) centred on the strike nearest to ``reference``, real step rules."""
    ref = int(round(reference * 1000))
    step = strike_step_milli(ref)
    centre = int(round(ref / step)) * step
    below, above = [], []
    k = centre
    for _ in range(count // 2):
        k -= strike_step_milli(k - 1)
        below.append(k)
    k = centre
    for _ in range(count // 2):
        k += strike_step_milli(k)
        above.append(k)
    return [x / 1000 for x in [*reversed(below), centre, *above]]


def _bs_price(
    spot: float, strike: float, years: float, call: bool, sigma: float = 0.22, r: float = 0.02
) -> float:
    years = max(years, 1e-4)
    sd = sigma * math.sqrt(years)
    d1 = (math.log(spot / strike) + (r + 0.5 * sigma * sigma) * years) / sd
    d2 = d1 - sd

    def ncdf(x: float) -> float:
        return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))

    disc = math.exp(-r * years)
    if call:
        return spot * ncdf(d1) - strike * disc * ncdf(d2)
    return strike * disc * ncdf(-d2) - spot * ncdf(-d1)


def _make_options(
    cal: TradingCalendar, today: dt.date, closes_of: Callable[[str], dict[dt.date, float]]
) -> list[Instrument]:
    """ETF option chains listed by ``today`` whose expiry is at most 400 days before ``today`` (as futures).

    As on the exchanges, an expiry is listed with a ladder centred on the underlying's previous close, and
    when the underlying moves, strikes are added the next trading day so that the at-the-money strike and
    two on each side always exist (at most ``OPTION_MAX_STRIKES`` per expiry).

    Codes: ``'1000'``/``'9000'`` + a 4-digit serial ``1 + (month % 24) * 400 + underlying * 100 + strike * 2
    + put``, where ``strike`` numbers the strikes in the order they were listed, so a code never changes as
    days pass. Unique within any 24-month window (the chains in the universe span about a year).
    """
    out = []
    window_start = today - dt.timedelta(days=400)
    first_month = _month_ord(window_start.year, window_start.month)
    last_month = _month_ord(today.year, today.month) + 10
    per_market: dict[str, int] = {}
    for und, (market, prefix, reference, launch) in OPTION_UNDERLYINGS.items():
        und_idx = per_market.get(market, 0)  # position of the underlying among its market's underlyings
        per_market[market] = und_idx + 1
        short = OPTION_UNDERLYING_SHORT[und]
        closes = closes_of(und)
        for m in range(first_month, last_month + 1):
            expire = _expiry(cal, "option", m)
            listed = _cycle_list_date(cal, "option", m)
            if listed is None or expire < launch:
                continue
            listed = max(listed, _trading(cal, launch))
            if listed > today or expire < window_start:
                continue
            year, month = _ym(m)
            quarterly = month % 3 == 0
            spot = closes.get(cal.prev_day(listed) or listed, reference)
            listings = _strike_listings(
                cal, spot, listed, expire, today, closes,
                OPTION_STRIKES_QUARTERLY if quarterly else OPTION_STRIKES_MONTHLY,
            )  # fmt: skip
            for s_idx, (strike, strike_listed) in enumerate(listings):
                years = (expire - strike_listed).days / 365.0
                start_spot = closes.get(cal.prev_day(strike_listed) or strike_listed, spot)
                for put in (0, 1):
                    serial = 1 + (m % 24) * 400 + und_idx * 100 + s_idx * 2 + put
                    premium = _bs_price(start_spot, strike, years, call=not put)
                    cp = "沽" if put else "购"
                    out.append(
                        Instrument(
                            code=f"{prefix}{serial:04d}.{market}",
                            name=f"{short}{cp}{month}月{int(round(strike * 1000))}",
                            kind=OPTION,
                            board=OPTION,
                            market=market,
                            list_date=strike_listed,
                            expire_date=expire,
                            base_price=max(0.0001, round(premium, 4)),
                            price_tick=0.0001,
                            volatility=0.06,
                            volume_multiple=10000,
                            underlying=und,
                            strike=strike,
                            option_type="PUT" if put else "CALL",
                            product=und.split(".")[0],
                        )
                    )
    return out


OPTION_MAX_STRIKES = 49  # serials leave room for 50 strikes per underlying and month


def _strike_listings(
    cal: TradingCalendar,
    spot: float,
    listed: dt.date,
    expire: dt.date,
    today: dt.date,
    closes: dict[dt.date, float],
    initial: int,
) -> list[tuple[float, dt.date]]:
    """(strike, listing day) in listing order: the initial ladder, then strikes added as the price moves
    (listed the next trading day, never on the expiry day or after ``today``)."""
    listings = dict.fromkeys(strike_ladder(spot, initial), listed)
    for day in cal.between(listed, min(expire, today)):
        close = closes.get(day)
        added = cal.next_day(day)
        if close is None or added is None or added >= expire or added > today:
            continue
        for strike in strike_ladder(close, 5):
            if strike not in listings and len(listings) < OPTION_MAX_STRIKES:
                listings[strike] = added
    return list(listings.items())


_HK_RANGES = ((1, 3999), (6000, 6999), (9600, 9999))


def _make_hk(seed: int, cal: TradingCalendar) -> list[Instrument]:
    rng = stable_rng(seed, "hk")
    names = NameGenerator(stable_rng(seed, "hk-names"), {k.name for k in WELL_KNOWN_HK})
    out = []
    for k in WELL_KNOWN_HK:
        out.append(
            Instrument(
                code=k.code,
                name=k.name,
                kind=HK,
                board=HK,
                market="HK",
                list_date=_trading(cal, k.list_date),
                base_price=k.price,
                price_tick=0.01,
                volatility=0.02,
                total_shares=int(k.total_shares),
                float_shares=int(k.total_shares),
                product=k.connect,  # southbound programmes: 'SH' / 'SZ' / 'SH,SZ'
            )
        )
    used = {k.code for k in WELL_KNOWN_HK}
    start, end = dt.date(2003, 1, 1), dt.date(2025, 12, 31)
    for _ in range(150):
        while True:
            lo, hi = rng.choice(_HK_RANGES)
            code = f"{rng.randint(lo, hi):05d}.HK"
            if code not in used:
                used.add(code)
                break
        day = start + dt.timedelta(days=rng.randrange((end - start).days))
        roll = rng.random()
        connect = "SH,SZ" if roll < 0.7 else ("SZ" if roll < 0.9 else "SH")
        total = int(round(_lognormal(rng, 2.5e9, 1.0, 3e8, 5e10), -4))
        out.append(
            Instrument(
                code=code,
                name=names.hk(),
                kind=HK,
                board=HK,
                market="HK",
                list_date=_trading(cal, day),
                base_price=round(_lognormal(rng, 10.0, 0.9, 1.0, 400.0), 2),
                price_tick=0.01,
                volatility=round(rng.uniform(0.02, 0.035), 5),
                total_shares=total,
                float_shares=total,
                product=connect,  # southbound programmes: 'SH' / 'SZ' / 'SH,SZ'
            )
        )
    return out


def _clip_to_today(ins: Instrument, today: dt.date) -> Instrument | None:
    """``None`` if not listed by ``today``; ST periods clipped so nothing after ``today`` is recorded."""
    if ins.list_date > today:
        return None
    if ins.st_periods:
        clipped = tuple((a, min(b, today)) for a, b in ins.st_periods if a <= today)
        if clipped != ins.st_periods:
            return replace(ins, st_periods=clipped)
    return ins


@functools.lru_cache(maxsize=4)
def build_universe(seed: int, today: dt.date) -> Universe:
    """The deterministic universe for ``(seed, today)`` (see the module docstring).

    Kept for the last few ``(seed, today)``: building takes ~0.3 s, and a universe is immutable, so markets
    of the same seed and day (a test suite starts hundreds of servers) share one."""
    cal = calendar_for(today)
    stock_names = NameGenerator(stable_rng(seed, "stock-names"), {k.name for k in WELL_KNOWN_STOCKS})
    stocks = _make_stocks(seed, cal, stock_names)
    timeline: list[Instrument] = [
        *stocks,
        *_make_indices(cal),
        *_make_etfs(seed, cal),
        *_make_cbs(seed, cal, stocks),
        *_make_hk(seed, cal),
        *make_repos(_trading(cal, REPO_LAUNCH)),
    ]
    kept = [c for c in (_clip_to_today(i, today) for i in timeline) if c is not None]
    upcoming = [i for i in stocks if today < i.list_date <= today + dt.timedelta(days=UPCOMING_DAYS)]
    # CBs more than 400 days past maturity are gone
    horizon = today - dt.timedelta(days=400)
    kept = [i for i in kept if i.kind != CB or i.expire_date >= horizon]
    kept.extend(_make_futures(seed, cal, today))
    closes_of = _closes_of(seed, cal, kept)
    kept.extend(_make_options(cal, today, closes_of))
    kept.extend(make_index_options(cal, today, closes_of, _bs_price))
    return Universe(kept, today=today, upcoming=upcoming)


def _closes_of(
    seed: int, cal: TradingCalendar, instruments: list[Instrument]
) -> Callable[[str], dict[dt.date, float]]:
    """Daily closes of an option underlying, from the same deterministic price engine the market uses."""
    from .prices import (
        PriceEngine,  # prices imports this module; imported late to keep this module light
    )

    by_code = {i.code: i for i in instruments}
    engine = PriceEngine(cal, seed, instrument_lookup=by_code.get)

    def closes(code: str) -> dict[dt.date, float]:
        inst = by_code.get(code)
        if inst is None:
            return {}
        bars = engine.closes(inst)
        first = cal.index_of(cal.first_on_or_after(inst.list_date))
        return {cal.sessions[first + i]: float(c) for i, c in enumerate(bars["close"])}

    return closes
