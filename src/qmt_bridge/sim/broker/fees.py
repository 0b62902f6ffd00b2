"""Trading fees of the simulated counter, and the cash an order must reserve for them.

What the simulator charges (configurable rates, defaults of a typical retail account):

- commission: ``commission_rate`` x amount, at least ``min_commission``, on both sides, for every kind
  (stocks, ETFs, convertible bonds). A real counter charges the minimum once per *order*, not per fill, so
  fees are computed on the order's cumulative traded amount and each fill pays the increase: an order filled
  in three pieces pays ``max(rate x total, minimum)`` in all, its first fill carrying the minimum.
- stamp duty: ``stamp_duty_rate`` x amount on stock sells only (not on buys, ETFs or bonds).
- transfer fee (过户费): ``transfer_fee_rate`` x amount on both sides, stocks only (SH, SZ and BJ alike);
  ETFs and convertible bonds pay none.

Each component is rounded half-up to the fen on the cumulative amount, so the rounding never accumulates
across fills. ``XtTrade.commission`` is the sum of the three increases of that fill.
"""

from __future__ import annotations

from dataclasses import dataclass

from qmt_bridge.sim.broker.money import LI_PER_YUAN, fen_ceil, fen_half_up


@dataclass(frozen=True)
class Fees:
    """Fees in li, cumulative for an order's traded amount so far."""

    commission: int = 0
    stamp_duty: int = 0
    transfer_fee: int = 0

    @property
    def total(self) -> int:
        return self.commission + self.stamp_duty + self.transfer_fee


@dataclass(frozen=True)
class FeeSchedule:
    """The counter's fee rates (see the module docstring)."""

    commission_rate: float = 0.00025
    min_commission: float = 5.0
    stamp_duty_rate: float = 0.0005
    transfer_fee_rate: float = 0.00001

    def __post_init__(self) -> None:
        for name in ("commission_rate", "min_commission", "stamp_duty_rate", "transfer_fee_rate"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.commission_rate + self.stamp_duty_rate + self.transfer_fee_rate >= 1:
            raise ValueError("fee rates must add up to less than 100%")

    @property
    def min_commission_li(self) -> int:
        return fen_half_up(self.min_commission * LI_PER_YUAN)

    def for_amount(self, amount_li: int, *, is_stock: bool, is_sell: bool) -> Fees:
        """Fees of an order whose fills so far add up to ``amount_li`` (0 when nothing traded)."""
        if amount_li <= 0:
            return Fees()
        commission = max(fen_half_up(self.commission_rate * amount_li), self.min_commission_li)
        stamp = fen_half_up(self.stamp_duty_rate * amount_li) if is_stock and is_sell else 0
        transfer = fen_half_up(self.transfer_fee_rate * amount_li) if is_stock else 0
        return Fees(commission, stamp, transfer)

    def buy_fee_cap(self, max_amount_li: int, *, is_stock: bool) -> int:
        """An upper bound of a buy's fees when it trades at most ``max_amount_li``: what it freezes for them."""
        commission = max(fen_ceil(self.commission_rate * max_amount_li), self.min_commission_li)
        transfer = fen_ceil(self.transfer_fee_rate * max_amount_li) if is_stock else 0
        return commission + transfer

    def sell_shortfall(self, min_fill_amount_li: int, *, is_stock: bool) -> int:
        """Cash a sell must reserve because its fees may exceed its proceeds.

        A sell's proceeds minus fees is lowest relative to its size on its first fill: the minimum commission
        weighs most on a small amount. ``min_fill_amount_li`` bounds every cumulative traded amount from
        below (the matching never fills a sell in pieces smaller than its lot, at prices below its floor).
        Normally 0; a few CNY for sells worth less than the minimum commission.
        """
        a = min_fill_amount_li
        rates = self.stamp_duty_rate + self.transfer_fee_rate if is_stock else 0.0
        worst = max(self.commission_rate * a, self.min_commission_li) + rates * a - a
        slack = 30  # three components, each rounded up to half a fen at most
        return fen_ceil(worst + slack) if worst + slack > 0 else 0
