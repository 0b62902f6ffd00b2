"""Credit accounts (融资融券) of the simulated counter: their records and the arithmetic of debt.

A credit account is an :class:`.ledger.Account` with ``account_type`` 3 (``CREDIT_ACCOUNT``) and a
:class:`CreditLine`: its credit lines and the money of its short sales. Its debts are :class:`Compact`
records (负债合约), one per order that created debt. Money in li (:mod:`.money`), volumes in shares.

Rules (a typical broker's 两融 counter; the rates and lines are :class:`CreditTerms`):

- Credit lines: 融资授信额度 ``fin_max`` and 融券授信额度 ``slo_max`` per account, by default twice the
  account's starting cash each. Financing used = unpaid principal of the financing compacts + what open
  financing buys can still cost; lending used = the opening value of the shares still lent + what open
  short sales can still sell (unfilled x limit price).
- A financing compact (``FIN``) is opened by the first fill of a 融资买入 order and grows with its later
  fills: principal = traded amount + the buy's fees (the broker pays both). A lending compact (``SLO``) is
  opened by a 融券卖出 fill: ``business_vol`` shares lent, ``business_balance`` = the sale's amount (its value
  at opening). ``ret_end_date`` = open date + ``term_days`` (182). Overdue compacts are not penalised and
  nothing is liquidated (not modelled).
- Interest and fees accrue per calendar day when the counter's day rolls (at midnight, :mod:`.engine`), for
  every day the debt was outstanding at the day's end (so debt repaid the day it was made costs nothing):
  financing ``principal x fin_rate / 360``, lending ``opening value of the unreturned shares x slo_rate /
  360``; each day's amount rounded half-up to the fen, simple interest (never on unpaid interest).
- Cash repays financing debt interest first, then principal, oldest compact first (by open date, then
  id); :func:`repay_cash`. 直接还款 also pays the unpaid fees of returned lending compacts, with the interest.
- Returned shares repay lending compacts oldest first (:func:`return_shares`); a compact's unpaid fees are
  charged when shares are returned to it, from the 融券卖出资金 first, then the available cash (what the
  cash cannot cover stays unpaid on the compact).
- A compact is closed when nothing is owed on it (principal, shares and fees); closed compacts are listed
  until the day rolls, as sold-out positions are.
- 融券卖出资金 (the net proceeds of short sales) is held: in the account's balance and frozen cash (so
  ``XtAsset.frozen_cash`` includes it), usable only by 买券还券 (which spends it before the available
  cash). When no lending compact is left open, what remains of it is released to the available cash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from qmt_bridge.sim.broker.money import fen_half_up, to_li

#: xtquant's EXTCompactType (``StkCompacts.compact_type``).
FIN, SLO = 48, 49
#: xtquant's EXTSubjectsStatus (``CreditSubjects.fin_status`` / ``slo_status``, ``CreditAssure.assure_status``).
STATUS_NORMAL, STATUS_PAUSED, STATUS_NOT = 48, 49, 50
#: xtquant's EXTCompactBrushSource (头寸来源, ``cashgroup_prop``): the ordinary position.
CASHGROUP_NORMAL = 48
DAYS_PER_YEAR = 360


@dataclass(frozen=True)
class CreditTerms:
    """The counter's credit terms: lines of a new credit account (CNY; None: ``quota_multiple`` x its
    starting cash), yearly rates, compact term."""

    fin_quota: float | None = None
    slo_quota: float | None = None
    quota_multiple: float = 2.0
    fin_rate: float = 0.06
    slo_rate: float = 0.08
    term_days: int = 182

    def __post_init__(self) -> None:
        for name in ("fin_quota", "slo_quota", "quota_multiple", "fin_rate", "slo_rate"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")
        if self.term_days <= 0:
            raise ValueError("term_days must be positive")

    def lines_for(self, starting_cash_li: int) -> tuple[int, int]:
        """(融资授信额度, 融券授信额度) in li of a new account."""
        default = int(starting_cash_li * self.quota_multiple)
        fin = default if self.fin_quota is None else to_li(self.fin_quota)
        slo = default if self.slo_quota is None else to_li(self.slo_quota)
        return fin, slo


@dataclass(slots=True)
class CreditLine:
    """A credit account's lines and the money of its short sales (li)."""

    account_id: str
    fin_max: int
    slo_max: int
    slo_cash: int = 0  # 剩余融券卖出资金: held in balance and frozen
    slo_used: int = 0  # 已用融券卖出资金 (spent by 买券还券 since the lending debt was last cleared)


@dataclass(slots=True)
class Compact:
    """A debt contract (see the module docstring); li and shares."""

    compact_id: str
    account_id: str
    kind: int  # FIN or SLO
    code: str
    order_id: int
    open_date: dt.date
    end_date: dt.date
    business_vol: int = 0  # shares bought (FIN) or lent (SLO)
    business_balance: int = 0  # principal lent (FIN) / the sale's amount (SLO)
    real_vol: int = 0  # shares still financed (FIN, pro rata of the unpaid principal) / still lent (SLO)
    real_balance: int = 0  # unpaid principal (FIN) / opening value of the unreturned shares (SLO)
    fare: int = 0  # interest or fees accrued in all
    real_fare: int = 0  # of which unpaid
    repaid_fare: int = 0
    repaid_balance: int = 0
    closed_day: str = ""  # ISO date it closed, '' while open

    @property
    def open(self) -> bool:
        return not self.closed_day

    @property
    def owes(self) -> bool:
        return bool(self.real_balance or self.real_fare or (self.kind == SLO and self.real_vol))


def by_age(compacts: Iterable[Compact]) -> list[Compact]:
    """Oldest first: by open date, then compact id."""
    return sorted(compacts, key=lambda c: (c.open_date, c.compact_id))


def daily_charge(compact: Compact, terms: CreditTerms) -> int:
    """One calendar day's interest (FIN) or fee (SLO) on ``compact``, li rounded half-up to the fen."""
    rate = terms.fin_rate if compact.kind == FIN else terms.slo_rate
    return fen_half_up(compact.real_balance * rate / DAYS_PER_YEAR)


def accrue(compacts: Iterable[Compact], days: int, terms: CreditTerms) -> list[Compact]:
    """Charge ``days`` calendar days to every open compact; the compacts changed."""
    changed = []
    for compact in compacts:
        if not compact.open or days <= 0:
            continue
        charge = daily_charge(compact, terms) * days
        if charge:
            compact.fare += charge
            compact.real_fare += charge
            changed.append(compact)
    return changed


def add_fin(compact: Compact, volume: int, principal: int) -> None:
    """A financing buy's fill: ``volume`` shares bought for ``principal`` li (amount + fees)."""
    compact.business_vol += volume
    compact.business_balance += principal
    compact.real_vol += volume
    compact.real_balance += principal


def add_slo(compact: Compact, volume: int, amount: int) -> None:
    """A short sale's fill: ``volume`` shares lent and sold for ``amount`` li."""
    compact.business_vol += volume
    compact.business_balance += amount
    compact.real_vol += volume
    compact.real_balance += amount


def _pay_fare(compact: Compact, budget: int) -> int:
    paid = min(budget, compact.real_fare)
    compact.real_fare -= paid
    compact.repaid_fare += paid
    return paid


def _pay_principal(compact: Compact, budget: int) -> int:
    paid = min(budget, compact.real_balance)
    compact.real_balance -= paid
    compact.repaid_balance += paid
    if compact.business_balance:  # shares still financed: pro rata of the unpaid principal
        compact.real_vol = compact.business_vol * compact.real_balance // compact.business_balance
    return paid


def repay_cash(compacts: Iterable[Compact], amount: int, *, slo_fees: bool) -> tuple[int, int, list[Compact]]:
    """Repay financing with ``amount`` li: unpaid interest first (and, with ``slo_fees``, the unpaid fees of
    lending compacts whose shares are all returned), then principal, oldest compact first. Returns (fees
    paid, principal paid, the compacts changed)."""
    ordered = by_age(c for c in compacts if c.open)
    budget, fees, principal, changed = amount, 0, 0, {}
    for compact in ordered:
        if compact.kind == FIN or (slo_fees and compact.real_vol == 0):
            paid = _pay_fare(compact, budget)
            if paid:
                budget -= paid
                fees += paid
                changed[id(compact)] = compact
    for compact in ordered:
        if compact.kind == FIN and budget:
            paid = _pay_principal(compact, budget)
            if paid:
                budget -= paid
                principal += paid
                changed[id(compact)] = compact
    return fees, principal, list(changed.values())


def return_shares(compacts: Iterable[Compact], code: str, shares: int) -> tuple[int, list[Compact]]:
    """Return up to ``shares`` shares of ``code`` to its open lending compacts, oldest first; the opening
    value of the returned shares counts as repaid. Returns (shares returned, the compacts changed)."""
    left, changed = shares, []
    for compact in by_age(c for c in compacts if c.open and c.kind == SLO and c.code == code):
        if not left:
            break
        taken = min(left, compact.real_vol)
        if not taken:
            continue
        left -= taken
        compact.real_vol -= taken
        before = compact.real_balance
        compact.real_balance = compact.business_balance * compact.real_vol // compact.business_vol
        compact.repaid_balance += before - compact.real_balance
        changed.append(compact)
    return shares - left, changed


def pay_fees(compact: Compact, budget: int) -> int:
    """Pay ``compact``'s unpaid fees from ``budget`` li; what was paid."""
    return _pay_fare(compact, budget)


def close_if_done(compact: Compact, today: dt.date) -> bool:
    """Mark ``compact`` closed when nothing is owed on it; whether it closed now."""
    if compact.open and not compact.owes:
        compact.closed_day = today.isoformat()
        return True
    return False
