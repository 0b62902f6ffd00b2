"""Dividends, bonus shares and rights issues: ex-rights prices, dividend factors and price adjustment.

The formulas are those of A-share quote software (and xtquant's ``dividend_type``):

- ex-rights reference price ``(P - interest + allot_price * allot_num) / (1 + bonus + gift + allot_num)``;
- ``front`` (前复权) applies that formula, action by action, to every price before the action's ex-date, so the
  latest prices are the traded ones; ``back`` (后复权) undoes it for prices on or after the ex-date, so the
  earliest prices are the traded ones;
- ``front_ratio`` / ``back_ratio`` (等比) scale by ``dr = pre_close / reference_price`` instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from qmt_bridge.sim.market.bars import Bars, day_number, day_start_ms, ms_day_numbers

DIVIDEND_TYPES = ("none", "front", "back", "front_ratio", "back_ratio")
ADJUSTED_FIELDS = ("open", "high", "low", "close", "preClose")


@dataclass(frozen=True)
class CorporateAction:
    """One ex-rights event of a stock (per share, pre-tax, CNY).

    Attributes:
        ex_date: the ex-rights / ex-dividend trading day.
        interest: cash dividend per share.
        stock_bonus: bonus shares (送股) per share.
        stock_gift: transfer shares (转增) per share.
        allot_num: rights shares (配股) per share.
        allot_price: subscription price of the rights shares.
        gugai: whether this is the split-share reform (股改) consideration.
        dr: ``pre_close / ex_rights_price(pre_close)`` (> 1 for a dividend), ``pre_close`` being the close of
            the trading day before ``ex_date``.
    """

    ex_date: dt.date
    interest: float = 0.0
    stock_bonus: float = 0.0
    stock_gift: float = 0.0
    allot_num: float = 0.0
    allot_price: float = 0.0
    gugai: bool = False
    dr: float = 1.0

    @property
    def share_ratio(self) -> float:
        """Shares after the event per share before it."""
        return 1.0 + self.stock_bonus + self.stock_gift + self.allot_num


def ex_rights_price(pre_close: float, action: CorporateAction) -> float:
    """The ex-rights reference price (unrounded) of ``action`` given the previous close."""
    return (pre_close - action.interest + action.allot_price * action.allot_num) / action.share_ratio


def _sorted(actions: list[CorporateAction]) -> list[CorporateAction]:
    return sorted(actions, key=lambda a: a.ex_date)


def adjust(bars: Bars, actions: list[CorporateAction], dividend_type: str) -> Bars:
    """Prices of ``bars`` adjusted for ``actions``; volume and amount are left alone.

    ``front``: for a bar on trading day d, apply the ex-rights formula of every action with ``ex_date > d`` in
    chronological order (prices after the last action unchanged). ``back``: undo the formula
    (``P * ratio + interest - allot_price * allot_num``) of every action with ``ex_date <= d``, latest first.
    ``front_ratio`` divides by, ``back_ratio`` multiplies by, the product of the matching ``dr``. A bar's day
    is its CST date (for intraday bars, the trading day). preClose on an ex-date is already the reference
    price, so it is treated like the other prices of that day. Pass only the actions known at the time
    the caller represents (future ex-dates would shift history).

    Raises:
        ValueError: unknown ``dividend_type``.
    """
    if dividend_type not in DIVIDEND_TYPES:
        raise ValueError(f"unknown dividend_type {dividend_type!r}; expected one of {DIVIDEND_TYPES}")
    if dividend_type == "none" or not actions or len(bars) == 0:
        return bars
    acts = _sorted(actions)
    ex_days = np.array([day_number(a.ex_date) for a in acts], dtype=np.int64)
    # k = number of actions with ex_date <= bar day
    k = np.searchsorted(ex_days, ms_day_numbers(bars.columns["time"]), side="right")
    m = len(acts)
    scale = np.ones(m + 1)
    shift = np.zeros(m + 1)
    if dividend_type == "front":
        # F_k = f_{m-1} o ... o f_k, with f(P) = (P - interest + allot_price*allot_num) / ratio
        for i in range(m - 1, -1, -1):
            a = acts[i]
            mul = 1.0 / a.share_ratio
            add = (a.allot_price * a.allot_num - a.interest) / a.share_ratio
            scale[i] = scale[i + 1] * mul
            shift[i] = scale[i + 1] * add + shift[i + 1]
    elif dividend_type == "back":
        # B_k = g_0 o ... o g_{k-1}, with g(P) = P * ratio + interest - allot_price*allot_num
        for i in range(1, m + 1):
            a = acts[i - 1]
            mul = a.share_ratio
            add = a.interest - a.allot_price * a.allot_num
            scale[i] = scale[i - 1] * mul
            shift[i] = scale[i - 1] * add + shift[i - 1]
    else:
        drs = np.array([a.dr for a in acts], dtype=np.float64)
        if dividend_type == "front_ratio":
            # divide by the product of dr over actions k..m-1
            suffix = np.r_[np.cumprod(drs[::-1])[::-1], 1.0]
            scale = 1.0 / suffix
        else:
            scale = np.r_[1.0, np.cumprod(drs)]
    a_k = scale[k]
    b_k = shift[k]
    columns = dict(bars.columns)
    for field in ADJUSTED_FIELDS:
        if field in columns:
            columns[field] = columns[field].astype(np.float64) * a_k + b_k
    return Bars(columns)


def factor_table(actions: list[CorporateAction]) -> list[dict]:
    """Rows of ``xtdata.get_divid_factors``, oldest first.

    Keys: ``time`` (ms of 00:00 CST of the ex-date), ``interest``, ``stockBonus``, ``stockGift``, ``allotNum``,
    ``allotPrice``, ``gugai`` (0/1, numeric like the other columns), ``dr``.
    """
    return [
        {
            "time": day_start_ms(a.ex_date),
            "interest": float(a.interest),
            "stockBonus": float(a.stock_bonus),
            "stockGift": float(a.stock_gift),
            "allotNum": float(a.allot_num),
            "allotPrice": float(a.allot_price),
            "gugai": int(bool(a.gugai)),
            "dr": float(a.dr),
        }
        for a in _sorted(actions)
    ]
