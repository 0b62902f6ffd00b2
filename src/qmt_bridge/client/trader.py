"""Seed 001's trader calls on ``QMTClient``: buy and sell by shares or by a fraction of the position,
``buy_all`` / ``sell_all``, cancels by side, and portfolio views in that SDK's terms.

Built on the trading endpoints (:mod:`qmt_bridge.client.trading`); every order carries a
``client_order_id``, so these calls are retried as safely as :meth:`~TradingMixin.place_order`. Their
argument errors raise ``ValueError`` before anything is sent, with seed 001's messages. Accounts are chosen
by ``trader_index`` (the position in :meth:`get_accounts`); ``None`` is the server's first account.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from qmt_bridge.client.symbols import buy_lot, is_convertible_bond, with_market
from qmt_bridge.client.trading import STOCK_BUY, STOCK_SELL, TradingMixin
from qmt_bridge.repo_products import (
    FACE_YUAN,
    MAX_ZHANG,
    MIN_ZHANG,
    REPO_BY_CODE,
    STEP_ZHANG,
    commission_rate,
)

__all__ = ["TraderMixin", "FEE_RESERVE_RATE", "FEE_RESERVE_MIN"]

#: Sizing a buy by cash keeps this share of the order's value (at least FEE_RESERVE_MIN yuan) for fees, so
#: that the order and its commission, transfer and handling fees fit in the cash.
FEE_RESERVE_RATE = 0.001
FEE_RESERVE_MIN = 5.0
DEFAULT_STRATEGY = "客户端交易"

#: Seed 001's ``price_type`` → xtquant's: 0 limit (FIX_PRICE 11), 1 latest (LATEST_PRICE 5), 2 best five
#: then cancel (SSE/BSE 42, SZSE 47), 3 own side best (45), 5 counterparty best (44).
_PRICE_TYPES = {0: 11, 1: 5, 3: 45, 5: 44}
_BEST_FIVE_CANCEL = {"SH": 42, "BJ": 42, "SZ": 47}
FIX_PRICE = 11
#: The one-day reverse repos ``reverse_repo`` chooses between: GC001 and R-001.
ONE_DAY_REPOS = ("204001.SH", "131810.SZ")


def _repo_rate(tick: dict[str, Any]) -> float:
    """The rate a lender gets at once: the best bid (borrowers' rate); 0 when there is none."""
    bids = tick.get("bidPrice") or []
    return float(bids[0]) if bids and bids[0] else 0.0


class TraderMixin(TradingMixin):
    """Seed 001's ``QMTTradeClient`` calls."""

    if TYPE_CHECKING:  # MarketMixin's, on QMTClient

        def get_full_tick(self, stocks: str | list[str]) -> dict[str, dict[str, Any]]: ...

    # ------------------------------------------------------------------ accounts and views

    def get_accounts(self) -> list[dict[str, Any]]:
        """The trading accounts (``GET /api/trading/accounts``).

        Returns:
            ``[{"index", "account_id", "nick_name", ...}]`` with xtquant's account fields; ``index`` is the
            ``trader_index`` of the other calls, ``nick_name`` is ``账户1``, ``账户2``, ...

        Raises:
            PermissionDeniedError: Trading is off on the server.
        """
        accounts = self.query_accounts()
        return [{**account, "nick_name": f"账户{account['index'] + 1}"} for account in accounts]

    def get_portfolio(self, trader_index: int | None = 0) -> dict[str, float]:
        """Assets of one account.

        Args:
            trader_index: The account (:meth:`get_accounts`); None for the server's first.

        Returns:
            ``total_asset``, ``cash`` (available), ``frozen_cash``, ``market_value``, ``profit`` (floating
            profit of the positions) and ``profit_ratio`` (that profit in % of their cost).

        Raises:
            ValueError: No account has that index.
        """
        account_id = self._account_id(trader_index)
        asset = self.query_asset(account_id)
        positions = self.query_positions(account_id)
        profit = sum(float(p.get("float_profit") or 0.0) for p in positions)
        cost = sum(float(p.get("avg_price") or 0.0) * int(p.get("volume") or 0) for p in positions)
        return {
            "total_asset": float(asset["total_asset"]),
            "cash": float(asset["cash"]),
            "frozen_cash": float(asset["frozen_cash"]),
            "market_value": float(asset["market_value"]),
            "profit": round(profit, 2),
            "profit_ratio": round(profit / cost * 100, 4) if cost else 0.0,
        }

    def get_positions(self, trader_index: int | None = 0) -> list[dict[str, Any]]:
        """Positions of one account.

        Args:
            trader_index: The account; None for the server's first.

        Returns:
            One dict per position with seed 001's keys beside xtquant's: ``symbol``, ``name``, ``volume``,
            ``can_use_volume``, ``avg_price`` (cost), ``current_price``, ``market_value``, ``profit`` and
            ``profit_ratio`` (in %).

        Raises:
            ValueError: No account has that index.
        """
        positions = self.query_positions(self._account_id(trader_index))
        return [
            {
                **p,
                "symbol": p["stock_code"],
                "name": p.get("instrument_name", ""),
                "current_price": p.get("last_price"),
                "profit": p.get("float_profit"),
                "profit_ratio": round(float(p.get("profit_rate") or 0.0) * 100, 4),
            }
            for p in positions
        ]

    def get_account_summary(self, trader_index: int | None = 0) -> dict[str, Any]:
        """Assets and positions of one account in one call.

        Args:
            trader_index: The account; None for the server's first.

        Returns:
            ``{"portfolio": get_portfolio(), "positions": get_positions(), "timestamp": "YYYY-mm-dd HH:MM:SS"}``.

        Raises:
            ValueError: No account has that index.
        """
        return {
            "portfolio": self.get_portfolio(trader_index),
            "positions": self.get_positions(trader_index),
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%S"),
        }

    def get_position_by_symbol(self, symbol: str, trader_index: int | None = 0) -> dict[str, Any] | None:
        """One position.

        Args:
            symbol: ``"000001"`` or ``"000001.SZ"``.
            trader_index: The account; None for the server's first.

        Returns:
            The position as :meth:`get_positions` gives it, or None.

        Raises:
            ValueError: A code without a market, or no account has that index.
        """
        code = with_market(symbol)
        return next((p for p in self.get_positions(trader_index) if p["symbol"] == code), None)

    def has_position(self, symbol: str, trader_index: int | None = 0) -> bool:
        """Whether the account holds ``symbol``.

        Args:
            symbol: ``"000001"`` or ``"000001.SZ"``.
            trader_index: The account; None for the server's first.

        Returns:
            True when it has a position with a volume.

        Raises:
            ValueError: A code without a market, or no account has that index.
        """
        position = self.get_position_by_symbol(symbol, trader_index)
        return position is not None and int(position.get("volume") or 0) > 0

    # ------------------------------------------------------------------ orders

    def buy(
        self,
        symbol: str,
        price: float,
        position_pct: float | None = None,
        shares: int | None = None,
        price_type: int = 0,
        trader_index: int | None = None,
        strategy_name: str = DEFAULT_STRATEGY,
    ) -> dict[str, Any]:
        """Buy ``shares`` (张 for convertible bonds), or ``position_pct`` of the account's total assets at
        ``price``, rounded down to the lot and never more than the available cash (less a fee reserve).

        Args:
            symbol: ``"000001"`` or ``"000001.SZ"``.
            price: The limit price, and the price a ``position_pct`` is sized at.
            position_pct: A fraction in (0, 1]; exactly one of ``position_pct`` and ``shares``.
            shares: Lots of 100 (STAR: 200 or more; BSE: 100 or more; convertible bonds: multiples of 10).
            price_type: 0 limit, 1 latest price, 2 best five then cancel, 3 own side best, 5 counterparty best.
            trader_index: The account (:meth:`get_accounts`); None for the server's first.
            strategy_name: Kept with the order.

        Returns:
            What :meth:`place_order` returns.

        Raises:
            ValueError: Both or neither of ``position_pct`` and ``shares``, a fraction outside (0, 1], a volume
                off the lot, a price not above 0, an unknown ``price_type`` or ``trader_index``, or a fraction
                too small for one lot. Nothing is sent.
        """
        code, account_id, xt_price_type = self._order_args(symbol, price, price_type, trader_index)
        _one_of(position_pct, shares)
        if shares is not None:
            volume = _checked_buy_volume(code, shares)
        else:
            asset = self.query_asset(account_id)
            budget = min(float(asset["total_asset"]) * position_pct, float(asset["cash"]))  # type: ignore[operator]
            volume = _affordable(code, budget, price, f"position_pct {position_pct}")
        return self._place(code, STOCK_BUY, volume, xt_price_type, price, strategy_name, account_id)

    def sell(
        self,
        symbol: str,
        price: float,
        position_pct: float | None = None,
        shares: int | None = None,
        price_type: int = 0,
        trader_index: int | None = None,
        strategy_name: str = DEFAULT_STRATEGY,
    ) -> dict[str, Any]:
        """Sell ``shares``, or ``position_pct`` of the sellable volume (rounded down to the lot; 1.0 sells all
        of it, an odd remainder included).

        Args:
            symbol: ``"000001"`` or ``"000001.SZ"``.
            price: The limit price.
            position_pct: A fraction in (0, 1] of ``can_use_volume``; exactly one of it and ``shares``.
            shares: The volume to sell.
            price_type: As in :meth:`buy`.
            trader_index: The account; None for the server's first.
            strategy_name: Kept with the order.

        Returns:
            What :meth:`place_order` returns.

        Raises:
            ValueError: As :meth:`buy`; also when there is nothing to sell. Nothing is sent.
        """
        code, account_id, xt_price_type = self._order_args(symbol, price, price_type, trader_index)
        _one_of(position_pct, shares)
        if shares is not None:
            if isinstance(shares, bool) or not isinstance(shares, int) or shares <= 0:
                raise ValueError(f"shares must be a positive whole number, got {shares!r}")
            volume = shares
        else:
            volume = self._sellable_part(code, account_id, position_pct)  # type: ignore[arg-type]
        return self._place(code, STOCK_SELL, volume, xt_price_type, price, strategy_name, account_id)

    def buy_all(self, symbol: str, price: float, trader_index: int | None = None) -> dict[str, Any]:
        """Buy as many lots as the available cash pays for at ``price``.

        Args:
            symbol: ``"000001"`` or ``"000001.SZ"``.
            price: The limit price.
            trader_index: The account; None for the server's first.

        Returns:
            What :meth:`place_order` returns.

        Raises:
            ValueError: The cash (less :data:`FEE_RESERVE_RATE`, at least :data:`FEE_RESERVE_MIN` yuan) pays
                for less than one lot, or a bad argument as in :meth:`buy`. Nothing is sent.
        """
        code, account_id, xt_price_type = self._order_args(symbol, price, 0, trader_index)
        cash = float(self.query_asset(account_id)["cash"])
        volume = _affordable(code, cash, price, "the available cash")
        return self._place(code, STOCK_BUY, volume, xt_price_type, price, DEFAULT_STRATEGY, account_id)

    def sell_all(self, symbol: str, price: float, trader_index: int | None = None) -> dict[str, Any]:
        """Sell the whole sellable volume of ``symbol`` at ``price`` (an odd remainder included).

        Args:
            symbol: ``"000001"`` or ``"000001.SZ"``.
            price: The limit price.
            trader_index: The account; None for the server's first.

        Returns:
            What :meth:`place_order` returns.

        Raises:
            ValueError: Nothing to sell, or a bad argument as in :meth:`buy`. Nothing is sent.
        """
        return self.sell(symbol, price, position_pct=1.0, trader_index=trader_index)

    def cancel_order(  # type: ignore[override]
        self,
        order: int | Any = None,
        account_id: str | int = "",
        *,
        order_id: int | None = None,
        trader_index: int | None = None,
    ) -> dict[str, Any]:
        """Ask the counter to cancel an order (``POST /api/trading/cancel``); also callable as seed 001 does,
        ``cancel_order(order_id=12345, trader_index=0)`` or ``cancel_order(12345, 0)``.

        Args:
            order: The order id, or what :meth:`place_order` returned.
            account_id: The account's id (empty for the server's first), or its index as an int.
            order_id: The order id (seed 001's name).
            trader_index: The account by index.

        Returns:
            ``{"order_id", "cancel_result": 0, "status": "cancel_requested", "order"}``.

        Raises:
            ValueError: No order id, or no account has that index.
            NotFoundError: No such order today.
            ConflictError: It is filled, cancelled or rejected already, or the counter refused the cancel.
        """
        if order_id is not None:
            order = order_id
        if isinstance(account_id, int) and not isinstance(account_id, bool):
            trader_index, account_id = account_id, ""
        if trader_index is not None:
            account_id = self._account_id(trader_index)
        return super().cancel_order(order, str(account_id))

    def get_orders(self, trader_index: int | None = 0, cancelable_only: bool = False) -> list[dict[str, Any]]:
        """Today's orders of one account.

        Args:
            trader_index: The account; None for the server's first.
            cancelable_only: Only the orders that can still be cancelled.

        Returns:
            As :meth:`query_orders`.

        Raises:
            ValueError: No account has that index.
        """
        return self.query_orders(self._account_id(trader_index), cancelable_only)

    def get_order(self, order_id: int, trader_index: int | None = 0) -> dict[str, Any]:
        """One order by its id.

        Args:
            order_id: The order's id.
            trader_index: The account; None for the server's first.

        Returns:
            As :meth:`query_order_detail`.

        Raises:
            ValueError: No account has that index.
            NotFoundError: No such order today.
        """
        return self.query_order_detail(order_id, self._account_id(trader_index))

    def cancel_all_buy_orders(self, trader_index: int | None = None) -> dict[str, Any]:
        """Cancel every cancelable buy order of one account; its sell orders stay.

        Args:
            trader_index: The account; None for the server's first.

        Returns:
            ``{"canceled": [order ids], "failed": [{"order_id", "error"}]}`` (a refused cancel does not stop
            the others).

        Raises:
            ValueError: No account has that index.
        """
        return self._cancel_side("buy", trader_index)

    def cancel_all_sell_orders(self, trader_index: int | None = None) -> dict[str, Any]:
        """Cancel every cancelable sell order of one account; its buy orders stay.

        Args:
            trader_index: The account; None for the server's first.

        Returns:
            As :meth:`cancel_all_buy_orders`.

        Raises:
            ValueError: No account has that index.
        """
        return self._cancel_side("sell", trader_index)

    def reverse_repo(self, reserve_amount: float = 0, trader_index: int | None = None) -> dict[str, Any]:
        """逆回购: lend the available cash above ``reserve_amount`` for one day through the exchanges' reverse
        repo (seed 001's call): a sell of GC001 (204001.SH) or R-001 (131810.SZ), whichever bids the higher
        rate now, at that rate, in lots of 1,000 CNY (10 张) that the cash pays for with the commission
        (0.001 %), at most 10 million CNY (100,000 张: one order's limit; more cash stays cash).

        Args:
            reserve_amount: CNY to keep as cash (>= 0).
            trader_index: The account; None for the server's first.

        Returns:
            What :meth:`place_order` returns, plus ``stock_code`` (the repo), ``amount`` (CNY lent) and
            ``rate`` (the annual rate in percent it was placed at). The money and its interest come back on
            the next trading day (docs/trading.md, Reverse repos).

        Raises:
            ValueError: ``reserve_amount`` is not a number >= 0, the cash above it pays for less than one lot,
                or neither repo has a rate now. Nothing is sent.
        """
        if (
            isinstance(reserve_amount, bool)
            or not isinstance(reserve_amount, (int, float))
            or not math.isfinite(reserve_amount)
            or reserve_amount < 0
        ):
            raise ValueError(f"reserve_amount must be a number >= 0, got {reserve_amount!r}")
        account_id = self._account_id(trader_index)
        ticks = self.get_full_tick(list(ONE_DAY_REPOS))
        rates = {code: _repo_rate(ticks.get(code) or {}) for code in ONE_DAY_REPOS}
        code, rate = max(rates.items(), key=lambda item: item[1])
        if rate <= 0:
            raise ValueError("neither GC001 nor R-001 has a rate now; nothing was sent")
        cash = float(self.query_asset(account_id)["cash"])
        lot_cost = MIN_ZHANG * FACE_YUAN * (1 + commission_rate(REPO_BY_CODE[code].days))
        volume = min(math.floor((cash - reserve_amount) / lot_cost + 1e-9) * STEP_ZHANG, MAX_ZHANG)
        if volume < MIN_ZHANG:
            raise ValueError(
                f"the available cash {cash:,.2f} less reserve_amount {reserve_amount:,.2f} is below one reverse "
                f"repo lot ({lot_cost:,.2f} CNY with the commission); nothing was sent"
            )
        answer = self._place(code, STOCK_SELL, volume, FIX_PRICE, rate, "逆回购", account_id)
        return {**answer, "stock_code": code, "amount": float(volume * FACE_YUAN), "rate": rate}

    # ------------------------------------------------------------------ helpers

    def _account_id(self, trader_index: int | None) -> str:
        if trader_index is None:
            return ""
        if isinstance(trader_index, bool) or not isinstance(trader_index, int) or trader_index < 0:
            raise ValueError(f"trader_index must be an account's index (0, 1, ...), got {trader_index!r}")
        accounts = self.query_accounts()
        if trader_index >= len(accounts):
            raise ValueError(f"trader_index {trader_index}: the server has {len(accounts)} account(s)")
        return str(accounts[trader_index]["account_id"])

    def _order_args(
        self, symbol: str, price: float, price_type: int, trader_index: int | None
    ) -> tuple[str, str, int]:
        code = with_market(symbol)
        if isinstance(price, bool) or not isinstance(price, (int, float)) or not price > 0:
            raise ValueError(f"price must be above 0, got {price!r}")
        if price_type == 2:
            xt_price_type = _BEST_FIVE_CANCEL[code.rsplit(".", 1)[1]]
        elif price_type in _PRICE_TYPES and not isinstance(price_type, bool):
            xt_price_type = _PRICE_TYPES[price_type]
        else:
            raise ValueError(f"price_type must be 0, 1, 2, 3 or 5, got {price_type!r}")
        return code, self._account_id(trader_index), xt_price_type

    def _place(
        self, code: str, side: int, volume: int, price_type: int, price: float, strategy: str, account_id: str
    ) -> dict[str, Any]:
        return self.place_order(
            code, side, volume, price_type, float(price), strategy_name=strategy, account_id=account_id
        )

    def _sellable_part(self, code: str, account_id: str, fraction: float) -> int:
        position = next((p for p in self.query_positions(account_id) if p["stock_code"] == code), None)
        sellable = int(position.get("can_use_volume") or 0) if position else 0
        if sellable <= 0:
            raise ValueError(f"nothing of {code} to sell: no sellable volume")
        if fraction == 1:
            return sellable  # the whole sellable volume, an odd remainder included
        step = 10 if is_convertible_bond(code) else 100
        volume = int(sellable * fraction) // step * step
        if volume <= 0:
            raise ValueError(f"position_pct {fraction} of {sellable} sellable is less than one lot of {step}")
        return volume

    def _cancel_side(self, side: str, trader_index: int | None) -> dict[str, Any]:
        account_id = self._account_id(trader_index)
        canceled: list[int] = []
        failed: list[dict[str, Any]] = []
        for order in self.query_orders(account_id, cancelable_only=True):
            if order.get("normalized", {}).get("side") != side:
                continue
            try:
                self.cancel_order(order["order_id"], order.get("account_id") or account_id)
                canceled.append(order["order_id"])
            except Exception as exc:  # one refused cancel must not stop the others
                failed.append({"order_id": order["order_id"], "error": str(exc)})
        return {"canceled": canceled, "failed": failed}


def _one_of(position_pct: float | None, shares: int | None) -> None:
    if position_pct is None and shares is None:
        raise ValueError("必须提供 position_pct 或 shares 其中之一 (give position_pct or shares)")
    if position_pct is not None and shares is not None:
        raise ValueError("position_pct 和 shares 不能同时提供 (give position_pct or shares, not both)")
    if position_pct is not None and (
        isinstance(position_pct, bool)
        or not isinstance(position_pct, (int, float))
        or not 0 < position_pct <= 1
    ):
        raise ValueError(f"position_pct must be in (0, 1], got {position_pct!r}")


def _checked_buy_volume(code: str, shares: int) -> int:
    if isinstance(shares, bool) or not isinstance(shares, int) or shares <= 0:
        raise ValueError(f"shares must be a positive whole number, got {shares!r}")
    minimum, step = buy_lot(code)
    if step == 10:
        if shares % 10:
            raise ValueError(f"order_num 必须是 10 的倍数（张）: {shares} for convertible bond {code}")
    elif step == 100:
        if shares % 100:
            raise ValueError(f"order_num 必须是 100 的倍数（股）: {shares} for {code}")
    elif shares < minimum:
        raise ValueError(f"a buy of {code} is at least {minimum} shares, got {shares}")
    return shares


def _affordable(code: str, budget: float, price: float, what: str) -> int:
    """The most shares of ``code`` a ``budget`` pays for at ``price`` with the fee reserve, on the lot."""
    minimum, step = buy_lot(code)
    # value + max(FEE_RESERVE_MIN, value * FEE_RESERVE_RATE) <= budget
    spendable = min(budget - FEE_RESERVE_MIN, budget / (1 + FEE_RESERVE_RATE))
    volume = max(0, math.floor(spendable / price)) // step * step
    if volume < minimum:
        raise ValueError(
            f"{what} ({budget:,.2f}) buys less than the minimum of {minimum} of {code} at {price:g}"
        )
    return volume
