"""The counter's rules for exchange reverse repos (国债逆回购): what an order lends, costs and earns, and when
the money comes back. :mod:`.repo_orders` applies them to orders; :class:`RepoLoan` is the record of one
fill (a 回购合约) until its money returns.

Rules (SSE 《债券质押式回购交易业务指引》/ SZSE 债券交易细则 as retail counters apply them):

- The products are the exchanges' (:mod:`qmt_bridge.sim.market.repo`): SH 204001-204182 (GC001-GC182),
  SZ 131800-131811 (R-001-R-182), of 1, 2, 3, 4, 7, 14, 28, 91 and 182 days.
- An investor lends cash: a reverse repo is a *sell* (STOCK_SELL 24) of the repo code, without holding it;
  a buy (STOCK_BUY 23, 正回购, borrowing against pledged bonds) is refused on a stock account.
- Volume in 张 of 100 CNY of face: at least 10 张 (1,000 CNY) and in multiples of 10 张 on both exchanges
  (their unit since 2015), at most 100,000 张 (10 million CNY) an order.
- The price is the annualised rate in percent, on the 0.005 grid; no price band. Limit orders only
  (FIX_PRICE 11, and LATEST_PRICE 5, a limit at the last rate): the exchanges take no market orders for
  pledged repos. The order fills against bids at or above its rate (a lender wants the highest rate).
- Cash: the amount (张 x 100 CNY) and the commission are frozen when the order is accepted and paid at the
  fill; a repo needs no other cash.
- Commission (the exchanges' schedule, on the amount, no minimum, rounded half-up to the fen per order):
  1 day 0.001 %, 2 days 0.002 %, 3 days 0.003 %, 4 days 0.004 %, 7 days 0.005 %, 14 days 0.010 %,
  28 days 0.020 %, 91 and 182 days 0.030 %. No stamp duty or transfer fee.
- Dates (:func:`qmt_bridge.sim.market.repo_rates.settlement`): traded on T, the first settlement is the
  next trading day; the repo is due T + term calendar days, moved to the next trading day when that is no
  trading day; the money and interest are *available* (可用) from that due day and *withdrawable* (可取)
  from the trading day after (the due settlement day).
- Interest = amount x rate x 实际占款天数 / 365, 实际占款天数 being the calendar days from the first
  settlement day to the due settlement day, rounded half-up to the fen. So a GC001 traded on a Thursday is
  available again on Friday and earns 3 days (its money settles Friday to Monday); one traded on a Friday is
  available on Monday and earns 1 day (Monday to Tuesday); one traded on the day before the last trading
  day before a holiday earns the holiday's days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from qmt_bridge.repo_products import (
    REPO_BY_CODE,
    RepoProduct,
    commission_rate,
)
from qmt_bridge.sim.broker.ledger import FACE_LI
from qmt_bridge.sim.broker.money import LI_PER_YUAN, fen_half_up
from qmt_bridge.sim.market.calendar import calendar_for
from qmt_bridge.sim.market.repo_rates import settlement

__all__ = ["FACE_LI", "RepoLoan", "commission", "interest", "product_of", "schedule"]
_RATE_SCALE = 100 * LI_PER_YUAN  # a rate in li of a percent (1.855 % -> 1855) per unit: 100,000


def product_of(code: str) -> RepoProduct | None:
    """The repo product ``code`` is, or None for any other code."""
    return REPO_BY_CODE.get(code)


def commission(days: int, amount_li: int) -> int:
    """The commission (li) of a repo of ``days`` on ``amount_li`` (the order's amount traded so far)."""
    if amount_li <= 0:
        return 0
    return fen_half_up(commission_rate(days) * amount_li)


def interest(amount_li: int, rate_li: int, days: int) -> int:
    """amount x rate x days / 365 (li, half-up to the fen); ``rate_li`` the rate in li of a percent."""
    numerator = amount_li * rate_li * days  # exact integers
    per_fen = _RATE_SCALE * 365 * 10
    return (2 * numerator + per_fen) // (2 * per_fen) * 10


@dataclass(frozen=True)
class Schedule:
    """A repo's dates and 占款天数 (module docstring)."""

    first_settle: dt.date
    due_day: dt.date
    settle_day: dt.date

    @property
    def days(self) -> int:
        return (self.settle_day - self.first_settle).days


def schedule(trade_day: dt.date, term: int) -> Schedule:
    """The dates of a repo of ``term`` days traded on ``trade_day``."""
    return Schedule(*settlement(calendar_for(trade_day), trade_day, term))


@dataclass(slots=True)
class RepoLoan:
    """One fill of a reverse repo (a 回购合约): the money lent, until it returns (``returned``)."""

    loan_id: str  # the fill's traded id
    account_id: str
    code: str
    name: str
    order_id: int
    volume: int  # 张
    amount: int  # li of face lent
    rate_li: int  # the rate in li of a percent: 1.855 %/yr -> 1855
    term: int  # the product's days
    trade_day: dt.date
    first_settle: dt.date
    due_day: dt.date  # the money and interest are available from this day
    settle_day: dt.date  # ... and withdrawable from this one
    days: int  # 实际占款天数
    interest: int  # li
    fee: int  # li: the fill's share of the order's commission
    returned: bool = False
