"""System sectors of the simulated market, with QMT's exact names and historical membership.

Categories returned by :meth:`Sectors.info` (the simulator's own labels; QMT's local feather files use
their own):

* ``'市场'`` market / board lists (沪深A股, 科创板, 沪深ETF, 沪深转债, 沪深回购 (the reverse repos), 沪深港通,
  ...),
* ``'风险警示'`` *ST (stocks under *ST on the day) and 沪深风险警示 (under ST or *ST), both from the ST
  history ``get_his_st_data`` reports (:func:`st_label`). xtquant strips ``*`` (and the other characters
  Windows forbids in file names) from a sector name before asking for members, so ``'*ST'`` is asked for as
  ``'ST'``; :meth:`Sectors.members` resolves such stripped names too. QMT has no separate ``ST`` sector.
* ``'期货'`` futures exchanges' contract lists (中金所期货 ...; and the whole exchange under QMT's own names,
  中金所, 上期所, 大商所, 郑商所, 广期所, 能源中心, which ``xtdata``'s option functions read, with 过期中金所 ... of
  the contracts expired by the day) and 连续合约 (the ``'00'`` continuous codes),
* ``'期权'`` 上证期权 / 深证期权, and 过期上证期权 / 过期深证期权 (expired by the day, as far as the universe keeps
  them),
* ``'指数成分'`` index constituents (上证50, 上证180, 沪深300, 中证500, 中证1000, 科创50, 创业板指),
* ``'行业'`` Shenwan level-1 industries, named ``'SW1' + industry`` (e.g. ``'SW1银行'``).

Membership is historical. ``members(name)`` / ``index_weights(code)`` without a day answer for the market's
current day (the ``today`` callable: :meth:`SimMarket.current_day`, so a running server follows its clock), or for
the universe's ``today`` when no callable is given. A stock belongs to a market or industry sector from its ``list_date``; contracts,
options and convertible bonds while ``listed_on`` the day; HK stocks to 沪深港通 / 港股通 once their programme
had started (沪港通 2014-11-17, 深港通 2016-12-05). Index constituents are rebalanced semiannually, effective
the trading day after the second Friday of June and December (CSI's rule), by ranking a deterministic size
score (log float market cap at listing, a slow per-stock drift and an AR(1) per-period disturbance) among
stocks listed long enough (1 year; 6 months for 科创50 and 创业板指) and not ST on the review day.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import re
import threading
from collections.abc import Callable

import numpy as np

from .calendar import FIRST_DAY, TradingCalendar
from .instruments import (
    BJ,
    CB,
    CHINEXT,
    ETF,
    FUTURE,
    HK,
    INDEX,
    OPTION,
    REPO,
    SH_MAIN,
    STAR,
    STOCK,
    SZ_MAIN,
    Instrument,
)
from .lru import LRU
from .names import SW1_INDUSTRIES, WELL_KNOWN_STOCKS, st_name
from .universe import Universe

CAT_MARKET = "市场"
CAT_RISK = "风险警示"
CAT_FUTURE = "期货"
CAT_OPTION = "期权"
CAT_INDEX = "指数成分"
CAT_INDUSTRY = "行业"

_SH_CONNECT_START = dt.date(2014, 11, 17)
_SZ_CONNECT_START = dt.date(2016, 12, 5)


class _IndexRule:
    """How one index picks its constituents: from ``boards``, ranks ``start`` .. ``start + count - 1``."""

    def __init__(self, name: str, boards: tuple[str, ...], start: int, count: int, min_age_days: int) -> None:
        self.name = name
        self.boards = boards
        self.start = start
        self.count = count
        self.min_age_days = min_age_days


_HS_BOARDS = (SH_MAIN, STAR, SZ_MAIN, CHINEXT)
_INDEX_RULES: tuple[_IndexRule, ...] = (
    _IndexRule("上证50", (SH_MAIN, STAR), 0, 50, 365),
    _IndexRule("上证180", (SH_MAIN, STAR), 0, 180, 365),
    _IndexRule("沪深300", _HS_BOARDS, 0, 300, 365),
    _IndexRule("中证500", _HS_BOARDS, 300, 500, 365),
    _IndexRule("中证1000", _HS_BOARDS, 800, 1000, 365),
    _IndexRule("科创50", (STAR,), 0, 50, 182),
    _IndexRule("创业板指", (CHINEXT,), 0, 100, 182),
)
_RULE_BY_NAME = {r.name: r for r in _INDEX_RULES}

# index code -> constituent sector
INDEX_SECTORS: dict[str, str] = {
    "000016.SH": "上证50",
    "000010.SH": "上证180",
    "000300.SH": "沪深300",
    "399300.SZ": "沪深300",
    "000905.SH": "中证500",
    "000852.SH": "中证1000",
    "000688.SH": "科创50",
    "399006.SZ": "创业板指",
}


#: The ST labels of xtquant's ``get_his_st_data`` under which a stock is in 沪深风险警示 (PT is no risk warning
#: label since 2002; the simulator's history starts in 2005 and has none).
_RISK_LABELS = frozenset({"ST", "*ST"})
_ILLEGAL_NAME_CHARS = re.compile(r'[\\/:*?"<>|]')


def strip_sector_name(name: str) -> str:
    """The name xtquant's ``get_stock_list_in_sector`` really asks for: without ``\\ / : * ? " < > |``."""
    return _ILLEGAL_NAME_CHARS.sub("", name)


def st_label(inst: Instrument, day: dt.date) -> str | None:
    """The key of ``get_his_st_data`` (``'ST'``, ``'*ST'``, ``'PT'``) under which ``inst`` is on ``day``;
    ``None`` if it is not under any. The one source of both: the universe's ``st_periods`` and ``st_kind``."""
    return inst.st_label if inst.is_st_on(day) else None


def display_name(inst: Instrument, day: dt.date) -> str:
    """The short name QMT shows for ``inst`` on ``day``: with the ``ST`` / ``*ST`` / ``PT`` prefix while
    :func:`st_label` applies (``'海科电气'`` -> ``'ST海科'``, see :func:`.names.st_name`), else the plain name."""
    label = st_label(inst, day)
    return inst.name if label is None else st_name(inst.name, label)


def _salt(*parts: object) -> np.uint64:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "big"))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on a uint64 array (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _hash_normal(keys: np.ndarray, salt: np.uint64) -> np.ndarray:
    """Standard normals, one per key, depending only on (key, salt) (Box-Muller on two hashed uniforms)."""
    h1 = _mix(keys ^ salt)
    h2 = _mix(h1 ^ np.uint64(0x5851F42D4C957F2D))
    scale = 1.0 / float(1 << 53)
    u1 = ((h1 >> np.uint64(11)).astype(np.float64) + 0.5) * scale
    u2 = (h2 >> np.uint64(11)).astype(np.float64) * scale
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def _code_key(code: str) -> int:
    sym, market = code.split(".")
    return int(sym) + {"SH": 0, "SZ": 1_000_000, "BJ": 2_000_000}.get(market, 3_000_000)


def rebalance_dates(calendar: TradingCalendar, last_year: int) -> list[dt.date]:
    """Effective dates of the semiannual index reviews (first entry: the calendar's first day)."""
    out = [FIRST_DAY]
    for year in range(2005, last_year + 1):
        for month in (6, 12):
            first = dt.date(year, month, 1)
            second_friday = first + dt.timedelta(days=(4 - first.weekday()) % 7 + 7)
            eff = calendar.next_day(second_friday) if second_friday < calendar.sessions[-1] else None
            if eff is None:
                eff = second_friday + dt.timedelta(days=3)
            out.append(eff)
    return out


class Sectors:
    """The system sectors of a universe.

    Args:
        universe: the instruments.
        calendar: the trading calendar (rebalance dates).
        seed: the simulation seed (index-constituent noise).
        today: the day ``members(on=None)`` and ``index_weights(on=None)`` answer for, asked at every call
            (a :class:`SimMarket` passes its ``current_day``); default: ``universe.today``.
    """

    _CACHE_SIZE = 2048

    def __init__(
        self,
        universe: Universe,
        calendar: TradingCalendar,
        seed: int,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        self.universe = universe
        self.calendar = calendar
        self.seed = int(seed)
        self._today: Callable[[], dt.date] = today if today is not None else (lambda: universe.today)
        self._defs: dict[str, tuple[str, Callable[[dt.date], list[str]]]] = {}
        self._cache: LRU[tuple[str, dt.date], list[str]] = LRU(self._CACHE_SIZE)
        self._define()
        # xtquant strips these characters from the name before it asks for members ('*ST' -> 'ST')
        self._by_stripped = {strip_sector_name(n): n for n in self._defs}
        # index-constituent machinery (lazy; one lock: the AR(1) noise is a sequence built in order)
        self._index_lock = threading.RLock()
        self._rebalances = rebalance_dates(calendar, calendar.sessions[-1].year + 1)  # extended on demand
        self._score_stocks: list[Instrument] | None = None
        self._period_cache: dict[tuple[str, int], tuple[list[str], dict[str, float]]] = {}
        self._ranking_cache: dict[tuple[tuple[str, ...], int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._ar: list[np.ndarray] = []

    # ------------------------------------------------------------------------------------------------------
    # definitions

    def _define(self) -> None:
        u = self.universe
        stocks = u.by_kind(STOCK)

        def by_board(*boards: str) -> list[Instrument]:
            return [s for s in stocks if s.board in boards]

        def listed(items: list[Instrument]) -> Callable[[dt.date], list[str]]:
            # stocks and other open-ended instruments: a prefix in list_date order
            if all(i.expire_date is None for i in items):
                ordered = sorted(items, key=lambda i: (i.list_date, i.code))
                dates = [i.list_date for i in ordered]
                codes = [i.code for i in ordered]
                return lambda on: sorted(codes[: bisect.bisect_right(dates, on)])
            return lambda on: [i.code for i in items if i.listed_on(on)]

        def add(name: str, category: str, fn: Callable[[dt.date], list[str]]) -> None:
            self._defs[name] = (category, fn)

        indices = u.by_kind(INDEX)
        etfs = u.by_kind(ETF)
        cbs = u.by_kind(CB)
        add("沪深A股", CAT_MARKET, listed(by_board(*_HS_BOARDS)))
        add("沪深京A股", CAT_MARKET, listed(stocks))
        add("上证A股", CAT_MARKET, listed(by_board(SH_MAIN, STAR)))
        add("深证A股", CAT_MARKET, listed(by_board(SZ_MAIN, CHINEXT)))
        add("京市A股", CAT_MARKET, listed(by_board(BJ)))
        add("科创板", CAT_MARKET, listed(by_board(STAR)))
        add("创业板", CAT_MARKET, listed(by_board(CHINEXT)))
        add("沪深主板", CAT_MARKET, listed(by_board(SH_MAIN, SZ_MAIN)))
        add("沪深B股", CAT_MARKET, lambda on: [])
        add("沪深指数", CAT_MARKET, listed([i for i in indices if i.market in ("SH", "SZ")]))
        add("沪市指数", CAT_MARKET, listed([i for i in indices if i.market == "SH"]))
        add("深市指数", CAT_MARKET, listed([i for i in indices if i.market == "SZ"]))
        add("京市指数", CAT_MARKET, listed([i for i in indices if i.market == "BJ"]))
        add("沪深ETF", CAT_MARKET, listed(etfs))
        add("沪市ETF", CAT_MARKET, listed([i for i in etfs if i.market == "SH"]))
        add("深市ETF", CAT_MARKET, listed([i for i in etfs if i.market == "SZ"]))
        add("沪深基金", CAT_MARKET, listed(etfs))
        add("沪深债券", CAT_MARKET, listed(cbs))
        add("沪深转债", CAT_MARKET, listed(cbs))
        add("上证转债", CAT_MARKET, listed([i for i in cbs if i.market == "SH"]))
        add("深证转债", CAT_MARKET, listed([i for i in cbs if i.market == "SZ"]))
        add("沪深回购", CAT_MARKET, listed(u.by_kind(REPO)))  # the exchanges' reverse repos (.repo)
        hk = u.by_kind(HK)
        add("沪深港通", CAT_MARKET, lambda on: self._connect(hk, on))
        add("港股通", CAT_MARKET, lambda on: self._connect(hk, on))
        # Southbound by channel: 港股通(沪) via Shanghai, 港股通(深) via Shenzhen.
        add("港股通(沪)", CAT_MARKET, lambda on: self._connect(hk, on, "SH"))
        add("港股通(深)", CAT_MARKET, lambda on: self._connect(hk, on, "SZ"))
        # Northbound: the A shares of each exchange that Stock Connect takes, from each programme's start.
        add("沪股通", CAT_MARKET, lambda on: self._northbound(on, "SH", _SH_CONNECT_START))
        add("深股通", CAT_MARKET, lambda on: self._northbound(on, "SZ", _SZ_CONNECT_START))

        st_stocks = [s for s in stocks if s.st_periods]
        add("*ST", CAT_RISK, lambda on: [s.code for s in st_stocks if st_label(s, on) == "*ST"])
        add(
            "沪深风险警示",
            CAT_RISK,
            lambda on: [s.code for s in st_stocks if st_label(s, on) in _RISK_LABELS],
        )

        def expired(items: list[Instrument]) -> Callable[[dt.date], list[str]]:
            return lambda on: [i.code for i in items if i.expire_date is not None and i.expire_date < on]

        options = u.by_kind(OPTION)
        for name, market in (("上证期权", "SHO"), ("深证期权", "SZO")):
            add(name, CAT_OPTION, listed([i for i in options if i.market == market]))
            # xtdata.get_option_list reads these two beside the live ones
            add("过期" + name, CAT_OPTION, expired([i for i in options if i.market == market]))

        futures = [f for f in u.by_kind(FUTURE) if f.expire_date is not None]
        for name, market in (
            ("中金所期货", "IF"),
            ("上期所期货", "SF"),
            ("大商所期货", "DF"),
            ("郑商所期货", "ZF"),
            ("广期所期货", "GF"),
            ("能源中心期货", "INE"),
        ):
            add(name, CAT_FUTURE, listed([f for f in futures if f.market == market]))
            # QMT's sector of the whole exchange (xtdata.get_option_list / get_option_undl_data read 中金所 and
            # 过期中金所 for index options): its futures and options (the simulator has options on CFFEX only)
            exchange = name.removesuffix("期货")
            contracts = sorted((i for i in (*futures, *options) if i.market == market), key=lambda i: i.code)
            add(exchange, CAT_FUTURE, listed(contracts))
            add("过期" + exchange, CAT_FUTURE, expired(contracts))
        add("中金所期权", CAT_OPTION, listed([i for i in options if i.market == "IF"]))
        add("连续合约", CAT_FUTURE, listed([f for f in u.by_kind(FUTURE) if f.expire_date is None]))

        for rule in _INDEX_RULES:
            add(rule.name, CAT_INDEX, lambda on, r=rule.name: list(self._constituents(r, on)[0]))

        for industry in SW1_INDUSTRIES:
            add("SW1" + industry, CAT_INDUSTRY, listed([s for s in stocks if s.industry == industry]))

    def _northbound(self, on: dt.date, market: str, start: dt.date) -> list[str]:
        """A shares of ``market`` in 沪股通 / 深股通 on ``on``: the larger ones, approximated by the members of
        沪深300, 中证500 and 中证1000 on that exchange (the real lists take the 上证180/380 and the 深证成指/中小
        创新 members above a size), none before the programme began."""
        if on < start:
            return []
        members: set[str] = set()
        for index in ("沪深300", "中证500", "中证1000"):
            members.update(self._constituents(index, on)[0])
        return sorted(code for code in members if code.endswith("." + market))

    @staticmethod
    def _connect(hk: list[Instrument], on: dt.date, channel: str | None = None) -> list[str]:
        """HK stocks in Stock Connect on ``on``, through either channel or only ``channel`` (SH/SZ)."""
        out = []
        for i in hk:
            if i.list_date > on:
                continue
            progs = i.product.split(",")
            via_sh = "SH" in progs and on >= _SH_CONNECT_START and channel in (None, "SH")
            via_sz = "SZ" in progs and on >= _SZ_CONNECT_START and channel in (None, "SZ")
            if via_sh or via_sz:
                out.append(i.code)
        return out

    # ------------------------------------------------------------------------------------------------------
    # public API

    def names(self) -> list[str]:
        """Every system sector, in a stable order."""
        return list(self._defs)

    def info(self) -> list[tuple[str, str]]:
        """``(sector, category)`` pairs, in :meth:`names` order."""
        return [(name, cat) for name, (cat, _) in self._defs.items()]

    def members(self, name: str, on: dt.date | None = None) -> list[str] | None:
        """Codes in sector ``name`` on ``on`` (default: the ``today`` callable's day), sorted; ``None`` if
        unknown."""
        if name not in self._defs:
            name = self._by_stripped.get(strip_sector_name(name), "")
        entry = self._defs.get(name)
        if entry is None:
            return None
        day = self._day(on)
        if day < FIRST_DAY:
            return []
        key = (name, day)
        return list(self._cache.get_or_build(key, lambda: entry[1](day)))

    def index_weights(self, index_code: str, on: dt.date | None = None) -> dict[str, float] | None:
        """Constituent weights (percent, summing to 100) of an index on ``on``; ``None`` for unknown indices.

        Known: 000016.SH, 000010.SH, 000300.SH (= 399300.SZ), 000905.SH, 000852.SH, 000688.SH, 399006.SZ.
        """
        sector = INDEX_SECTORS.get(index_code)
        if sector is None:
            return None
        day = self._day(on)
        if day < FIRST_DAY:
            return {}
        return dict(self._constituents(sector, day)[1])

    @property
    def rebalances(self) -> list[dt.date]:
        """Start days of the index-constituent periods (the first is the calendar's first day)."""
        return list(self._rebalances)

    def rebalance_period(self, on: dt.date) -> int:
        """Index of the constituent period containing ``on`` (0 = from the calendar's first day)."""
        if on.year > self._rebalances[-1].year:  # a year past the reviews laid out so far: lay out more
            with self._index_lock:
                if on.year > self._rebalances[-1].year:
                    self._rebalances = rebalance_dates(self.calendar, on.year + 1)
        return max(0, bisect.bisect_right(self._rebalances, on) - 1)

    # ------------------------------------------------------------------------------------------------------
    # index constituents

    def _day(self, on: dt.date | None) -> dt.date:
        if on is None:
            return self._today()
        if isinstance(on, dt.datetime):
            return on.date()
        return on

    def _prepare_scores(self) -> None:
        stocks = [s for s in self.universe.by_kind(STOCK) if s.board in _HS_BOARDS]
        self._score_stocks = stocks
        keys = np.array([_code_key(s.code) for s in stocks], dtype=np.uint64)
        self._keys = keys
        self._boards = np.array([s.board for s in stocks])
        self._list_ord = np.array([s.list_date.toordinal() for s in stocks], dtype=np.int64)
        self._from_start = np.array([s.list_date <= FIRST_DAY for s in stocks])
        cap = np.array([max(s.float_shares, 1) * s.base_price for s in stocks], dtype=np.float64)
        self._base = np.log(cap)
        known = {k.code for k in WELL_KNOWN_STOCKS}
        self._known = np.array([s.code in known for s in stocks])
        self._drift = np.where(self._known, 0.0, 0.04 * _hash_normal(keys, _salt(self.seed, "index-drift")))
        self._st_idx = [i for i, s in enumerate(stocks) if s.st_periods]

    def _noise(self, period: int) -> np.ndarray:
        """AR(1) disturbance (stationary sd ~0.17) of every score stock in ``period``."""
        while len(self._ar) <= period:
            eps = _hash_normal(self._keys, _salt(self.seed, "index-noise", len(self._ar)))
            if self._ar:
                self._ar.append(0.8 * self._ar[-1] + 0.1 * eps)
            else:
                self._ar.append(eps * (0.1 / np.sqrt(1.0 - 0.8**2)))
        return self._ar[period]

    def _ranking(self, boards: tuple[str, ...], min_age: int, period: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices of eligible score stocks, best first, and their scores, for one rebalance period."""
        key = (boards, min_age, period)
        hit = self._ranking_cache.get(key)
        if hit is not None:
            return hit
        if self._score_stocks is None:
            self._prepare_scores()
        eff = self._rebalances[period]
        review = eff - dt.timedelta(days=1)
        eligible = np.isin(self._boards, boards) & (
            self._from_start | (self._list_ord <= (eff - dt.timedelta(days=min_age)).toordinal())
        )
        stocks = self._score_stocks
        for i in self._st_idx:
            if eligible[i] and stocks[i].is_st_on(review):
                eligible[i] = False
        years = (eff - dt.date(2015, 1, 1)).days / 365.25
        score = self._base + self._drift * years + self._noise(period)
        idx = np.flatnonzero(eligible)
        order = idx[np.argsort(-score[idx], kind="stable")]
        hit = (order, score[order])
        self._ranking_cache[key] = hit
        return hit

    def _constituents(self, sector: str, on: dt.date) -> tuple[list[str], dict[str, float]]:
        period = self.rebalance_period(on)
        key = (sector, period)
        hit = self._period_cache.get(key)
        if hit is not None:
            return hit
        with self._index_lock:  # concurrent callers would append the AR(1) noise twice
            return self._build_constituents(sector, period)

    def _build_constituents(self, sector: str, period: int) -> tuple[list[str], dict[str, float]]:
        key = (sector, period)
        hit = self._period_cache.get(key)
        if hit is not None:
            return hit
        rule = _RULE_BY_NAME[sector]
        order, scores = self._ranking(rule.boards, rule.min_age_days, period)
        pick = slice(rule.start, rule.start + rule.count)
        chosen, chosen_scores = order[pick], scores[pick]
        stocks = self._score_stocks
        assert stocks is not None
        codes = [stocks[i].code for i in chosen]
        if codes:
            w = np.exp(chosen_scores - chosen_scores.max())
            w = w / w.sum() * 100.0
            weights = dict(zip(codes, (float(x) for x in w), strict=True))
        else:
            weights = {}
        hit = (sorted(codes), weights)
        self._period_cache[key] = hit
        return hit
