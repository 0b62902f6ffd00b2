"""A credit account's numbers: assets, debt, quotas, 可用保证金 and 维持担保比例 (what ``XtCreditDetail`` shows).

:func:`measure` computes them from the account, its :class:`.credit.CreditLine`, positions (at their last
prices), compacts and open orders, in li. The formulas (the exchanges' 融资融券交易实施细则 and a typical
broker's counter):

- 总资产 ``assets`` = balance (cash, 融券卖出资金 and frozen cash included) + market value of all positions.
- 总负债 ``total_debt`` = financing principal + financing interest + lending market value (unreturned shares
  x last price) + lending fees; 净资产 = assets - total_debt.
- 维持担保比例 (``m_dPerAssurescaleValue``, in percent as brokers show it; the wheel does not state a unit)
  = assets / total_debt x 100; with no debt, the largest float (brokers show "--"), so that a
  ``ratio < 130`` check stays quiet.
- 可用保证金 (``m_dEnableBailBalance``), the exchanges' formula for 保证金可用余额::

      现金 + Σ(可充抵保证金的证券市值 x 折算率)
      + Σ[(融资买入证券市值 - 融资买入金额) x 折算率] + Σ[(融券卖出金额 - 融券卖出证券市值) x 折算率]
      - Σ融资买入金额 x 融资保证金比例 - Σ融券卖出证券市值 x 融券保证金比例 - 利息及费用

  where a loss (融资买入证券市值 below 融资买入金额, 融券卖出证券市值 above 融券卖出金额) counts at 100 %
  instead of the 折算率. Here: 现金 = the available cash (融券卖出资金 is held apart, so the formula's
  "- Σ融券卖出金额" has nothing to take away); 可充抵保证金的证券 = each position's shares beyond those its
  open financing compacts still finance (``real_vol``), the financed shares counting only through their
  compact's term; 融资买入金额 = a compact's unpaid principal; 融券卖出金额 = the opening value of the
  unreturned shares. Open orders take their margin at once: a 融资买入 its amount still to buy (at its
  freeze price) x fin_ratio, a 融券卖出 its unfilled shares x limit price x slo_ratio.
- Lines: 融资可用额度 = 融资授信额度 - unpaid financing principal - what open 融资买入 orders can still cost
  (amount + fee bound); 融券可用额度 = 融券授信额度 - opening value of the unreturned shares - open 融券卖出
  orders' unfilled x limit price. ``m_dFinUsedQuota`` / ``m_dSloUsedQuota`` are the used parts (max - enable).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker.credit import FIN, SLO, Compact, CreditLine
from qmt_bridge.sim.broker.credit_universe import FIN_RATIO, SLO_RATIO
from qmt_bridge.sim.broker.ledger import Account, Order, Position
from qmt_bridge.sim.broker.securities import FUND, STOCK

NO_DEBT_RATIO = sys.float_info.max


@dataclass(frozen=True)
class CreditNumbers:
    """A credit account's numbers in li (ratio in percent)."""

    assets: int
    available: int
    frozen: int
    withdrawable: int
    market_value: int
    stock_value: int
    fund_value: int
    position_profit: int
    fin_principal: int
    fin_fee: int
    slo_value: int  # opening value of the unreturned shares
    slo_market_value: int
    slo_fee: int
    enable_bail: int
    fin_max: int
    fin_used: int
    slo_max: int
    slo_used: int
    slo_cash: int
    slo_cash_used: int

    @property
    def total_debt(self) -> int:
        return self.fin_principal + self.fin_fee + self.slo_market_value + self.slo_fee

    @property
    def net_assets(self) -> int:
        return self.assets - self.total_debt

    @property
    def ratio(self) -> float:
        """维持担保比例 in percent."""
        debt = self.total_debt
        return self.assets / debt * 100 if debt > 0 else NO_DEBT_RATIO

    @property
    def fin_enable(self) -> int:
        return max(0, self.fin_max - self.fin_used)

    @property
    def slo_enable(self) -> int:
        return max(0, self.slo_max - self.slo_used)


def fin_order_cost(order: Order) -> int:
    """What an open 融资买入 can still cost: its unfilled amount at the freeze price + the fees left."""
    return order.freeze_li * order.unfilled + max(0, order.fee_cap - order.fees)


def measure(
    account: Account,
    line: CreditLine,
    positions: Iterable[Position],
    compacts: Iterable[Compact],
    open_orders: Iterable[Order],
    price_of: Callable[[str], int],
    ratio_of: Callable[[str], float | None],
    kind_of: Callable[[str], str | None],
) -> CreditNumbers:
    """The account's numbers (module docstring). ``price_of(code)`` the last price (li) of a code not held;
    ``ratio_of(code)`` its 折算率 (None: not collateral); ``kind_of(code)`` STOCK / FUND / other."""
    held = {p.code: p for p in positions if p.volume or p.frozen}
    open_compacts = [c for c in compacts if c.open]
    market = stock = fund = profit = 0
    for p in held.values():
        value = p.volume * p.last_li
        market += value
        profit += value - p.cost if p.volume else 0
        kind = kind_of(p.code)
        stock += value if kind == STOCK else 0
        fund += value if kind == FUND else 0

    def last(code: str) -> int:
        p = held.get(code)
        return p.last_li if p is not None and p.last_li else price_of(code)

    margin = float(account.available)
    financed: dict[str, int] = {}  # shares of each code already counted through a financing compact
    fin_principal = fin_fee = slo_value = slo_mv = slo_fee = 0
    for c in open_compacts:
        ratio = ratio_of(c.code) or 0.0
        price = last(c.code)
        if c.kind == FIN:
            fin_principal += c.real_balance
            fin_fee += c.real_fare
            position = held.get(c.code)
            have = position.volume if position is not None else 0
            shares = max(0, min(c.real_vol, have - financed.get(c.code, 0)))
            financed[c.code] = financed.get(c.code, 0) + shares
            gain = shares * price - c.real_balance
            margin += gain * (ratio if gain > 0 else 1.0) - c.real_balance * FIN_RATIO
        elif c.kind == SLO:
            value = c.real_vol * price
            slo_value += c.real_balance
            slo_mv += value
            slo_fee += c.real_fare
            gain = c.real_balance - value
            margin += gain * (ratio if gain > 0 else 1.0) - value * SLO_RATIO
    for p in held.values():
        own = p.volume - financed.get(p.code, 0)
        if own > 0:
            margin += own * p.last_li * (ratio_of(p.code) or 0.0)
    margin -= fin_fee + slo_fee
    fin_used, slo_used = fin_principal, slo_value
    for o in open_orders:
        if o.order_type == xc.CREDIT_FIN_BUY:
            fin_used += fin_order_cost(o)
            margin -= o.freeze_li * o.unfilled * FIN_RATIO
        elif o.order_type == xc.CREDIT_SLO_SELL:
            slo_used += o.unfilled * o.limit_li
            margin -= o.unfilled * o.limit_li * SLO_RATIO
    return CreditNumbers(
        assets=account.balance + market,
        available=account.available,
        frozen=account.frozen,
        withdrawable=account.withdrawable,
        market_value=market,
        stock_value=stock,
        fund_value=fund,
        position_profit=profit,
        fin_principal=fin_principal,
        fin_fee=fin_fee,
        slo_value=slo_value,
        slo_market_value=slo_mv,
        slo_fee=slo_fee,
        enable_bail=round(margin),  # to the li: the ratios' float products are not exact
        fin_max=line.fin_max,
        fin_used=fin_used,
        slo_max=line.slo_max,
        slo_used=slo_used,
        slo_cash=line.slo_cash,
        slo_cash_used=line.slo_used,
    )
