"""What the counter needs to know about a code: kind, board, exchange, tick, lot unit, T+0 — from xtdata.

The broker only asks the market object xtquant's own questions (``get_instrument_type``,
``get_instrument_detail``, and ``is_stock_type`` with QMT's T+0 class when the object has it), so it works
over :class:`qmt_bridge.sim.data_api.SimXtData` and over any other xtdata-shaped market.

Tradable on a stock account: A-shares of SH/SZ/BJ, exchange funds (ETFs, LOFs), convertible bonds and the
exchanges' reverse repos (``repurchase`` flag: REPO, lent by a sell, :mod:`.repo`).
Indices, futures, options, HK Connect stocks and anything else are refused. Boards: STAR is 688/689 on SH,
ChiNext 300/301 on SZ, BJ everything on BJ, every other A-share the main board.

T+0 (bought today, sellable today): QMT's ``XT_GE_EXTRA_INTRA_DAY`` class (convertible bonds, bond, gold,
cross-border and money ETFs) when the market answers ``is_stock_type``; otherwise convertible bonds only.
Everything else is T+1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qmt_bridge.sim.broker import rejections as why
from qmt_bridge.sim.broker.money import price_li_exact
from qmt_bridge.sim.broker.rejections import Rejection

STOCK = "stock"
FUND = "fund"  # ETFs and LOFs
BOND = "bond"  # convertible (and other exchange) bonds
REPO = "repo"  # the exchanges' reverse repos (国债逆回购, :mod:`.repo`)

MAIN = "main"
STAR = "star"
CHINEXT = "chinext"
BJ = "bj"

#: xtstocktype.XT_GE_EXTRA_INTRA_DAY: QMT's class of codes that trade T+0.
XT_GE_EXTRA_INTRA_DAY = 100030

_UNTRADABLE = (
    ("index", "指数"),
    ("future", "期货"),
    ("option", "期权"),
    ("hk", "港股"),
)


@dataclass(frozen=True)
class Security:
    """A tradable code as the counter sees it.

    Attributes:
        code: ``'600000.SH'``.
        name: the instrument name (``InstrumentName``).
        market: ``'SH'``, ``'SZ'`` or ``'BJ'``.
        kind: STOCK, FUND, BOND or REPO.
        board: MAIN, STAR, CHINEXT or BJ for stocks; the kind otherwise.
        tick_li: the price tick in li (10 for 0.01, 1 for 0.001).
        book_unit: shares (bonds, repos: 张) per unit of the quote's ``askVol``/``bidVol`` (100, bonds and
            repos 10).
        t0: whether today's purchases can be sold today.
    """

    code: str
    name: str
    market: str
    kind: str
    board: str
    tick_li: int
    book_unit: int
    t0: bool

    @property
    def is_stock(self) -> bool:
        return self.kind == STOCK


def classify(market: Any, code: str, detail: dict[str, Any] | None) -> Security:
    """The :class:`Security` for ``code``, or :class:`Rejection` saying why a stock account cannot trade it."""
    if detail is None:
        raise Rejection(why.SECURITY, f"证券代码不存在: {code}")
    flags = market.get_instrument_type(code) or {}
    symbol, _, exchange = code.partition(".")
    for flag, label in _UNTRADABLE:
        if flags.get(flag):
            raise Rejection(why.SECURITY, f"{label}不能在普通股票账户交易: {code}")
    if exchange not in ("SH", "SZ", "BJ"):
        raise Rejection(why.SECURITY, f"不支持的交易市场: {code}")
    if flags.get("stock"):
        kind = STOCK
        if exchange == "BJ":
            board = BJ
        elif exchange == "SH" and symbol[:3] in ("688", "689"):
            board = STAR
        elif exchange == "SZ" and symbol[:3] in ("300", "301"):
            board = CHINEXT
        else:
            board = MAIN
    elif flags.get("repurchase"):
        kind = board = REPO
    elif flags.get("etf") or flags.get("fund"):
        kind = board = FUND
    elif flags.get("bond") or flags.get("convertible_bond"):
        kind = board = BOND
    else:
        raise Rejection(why.SECURITY, f"该证券不能在普通股票账户交易: {code}")
    tick = price_li_exact(float(detail.get("PriceTick") or 0.0))
    if not tick:
        tick = 10 if kind == STOCK else 1
    is_type = getattr(market, "is_stock_type", None)
    t0 = bool(is_type(code, XT_GE_EXTRA_INTRA_DAY)) if callable(is_type) else kind == BOND
    return Security(
        code=code,
        name=str(detail.get("InstrumentName") or ""),
        market=exchange,
        kind=kind,
        board=board,
        tick_li=tick,
        book_unit=10 if kind in (BOND, REPO) else 100,
        t0=t0,
    )
