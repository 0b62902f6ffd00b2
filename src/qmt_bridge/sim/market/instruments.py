"""The record the simulator keeps for every instrument (the contract between universe and prices)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# kind values
STOCK = "stock"
INDEX = "index"
ETF = "etf"
CB = "cb"  # convertible bond
FUTURE = "future"
OPTION = "option"
HK = "hk"  # HK Connect stock
REPO = "repo"  # exchange pledged repo (国债逆回购), see .repo

# board values (price-limit and lot rules depend on it)
SH_MAIN = "sh_main"
STAR = "star"  # 688/689
SZ_MAIN = "sz_main"
CHINEXT = "chinext"  # 300/301
BJ = "bj"


@dataclass(frozen=True)
class Instrument:
    """One tradable or quoted instrument of the simulated market.

    Attributes:
        code: xtquant code, e.g. ``'600519.SH'``, ``'IF2412.IF'``, ``'10005331.SHO'``, ``'00700.HK'``.
        name: display name (real for well-known codes, e.g. 贵州茅台).
        kind: one of STOCK, INDEX, ETF, CB, FUTURE, OPTION, HK, REPO.
        board: for stocks SH_MAIN/STAR/SZ_MAIN/CHINEXT/BJ; otherwise equal to ``kind``.
        market: xtquant market suffix (``SH``, ``SZ``, ``BJ``, ``IF``, ``SF``, ``DF``, ``ZF``, ``GF``, ``INE``,
            ``SHO``, ``SZO``, ``HK``).
        list_date: first trading day (bars exist from this day on).
        expire_date: last trading day for futures/options/CBs; ``None`` if open-ended.
        base_price: price level on ``list_date`` (index points for indices).
        price_tick: minimum price step (0.01 stocks, 0.001 ETFs/CBs/options, contract tick for futures,
            0.005 for repos, whose price is a rate in percent).
        volatility: daily log-return standard deviation.
        total_shares / float_shares: share capital (shares); 0 where meaningless.
        volume_multiple: contract multiplier (1 for cash instruments, 300 for IF, 10000 for ETF options).
        underlying: underlying code for CBs, options and futures main-contract links.
        strike: option exercise price.
        option_type: ``'CALL'`` / ``'PUT'`` for options, ``''`` otherwise.
        product: futures/option product id (``'IF'``, ``'rb'``, ``'510050'``); ``''`` otherwise.
        industry: SW level-1 industry name for stocks (e.g. ``'银行'``), ``''`` otherwise.
        st_periods: closed date ranges during which the stock was ST (price limit 5% on main boards).
        st_kind: ``'ST'`` or ``'*ST'`` label used for those periods.
    """

    code: str
    name: str
    kind: str
    board: str
    market: str
    list_date: dt.date
    expire_date: dt.date | None = None
    base_price: float = 10.0
    price_tick: float = 0.01
    volatility: float = 0.02
    total_shares: int = 0
    float_shares: int = 0
    volume_multiple: int = 1
    underlying: str = ""
    strike: float = 0.0
    option_type: str = ""
    product: str = ""
    industry: str = ""
    st_periods: tuple[tuple[dt.date, dt.date], ...] = field(default_factory=tuple)
    st_kind: str = "ST"

    @property
    def symbol(self) -> str:
        """The bare code without market, e.g. ``'600519'``."""
        return self.code.rsplit(".", 1)[0]

    @property
    def st_label(self) -> str:
        """The key of ``get_his_st_data`` the ST periods are filed under: ``'ST'``, ``'*ST'`` or ``'PT'``."""
        return self.st_kind if self.st_kind in ("ST", "*ST", "PT") else "ST"

    def is_st_on(self, day: dt.date) -> bool:
        return any(a <= day <= b for a, b in self.st_periods)

    def listed_on(self, day: dt.date) -> bool:
        return self.list_date <= day and (self.expire_date is None or day <= self.expire_date)
