"""New-share subscription (新股申购, seed 004's automatic IPO subscription): today's issues with what the
account may subscribe, and one call that subscribes the most allowed for each.

A subscription is an order: a buy of the issue's subscription code at the issue price, placed through the
journaled order path (:meth:`TradingService.place_order`: the same checks, one order per
``client_order_id``, unknown outcomes never retried). Its ``client_order_id`` is made from the day, the code
and the account, so that subscribing twice in a day places nothing new: the second call finds the first's
orders.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from qmt_bridge.server.errors import BridgeError
from qmt_bridge.server.trading import queries
from qmt_bridge.server.trading.orders import STOCK_BUY
from qmt_bridge.server.trading.service import TradingService
from qmt_bridge.server.trading.validation import FIX_PRICE
from qmt_bridge.subscription_units import board_of, prepaid, unit_of


async def today(service: TradingService, account_id: str) -> dict[str, Any]:
    """Today's issues (``query_ipo_data``) with the account's quota (``query_new_purchase_limit``) and the
    volume it may subscribe to each: the most whole units within both the issue's maximum and the quota,
    0 (with ``reason``) below the issue's minimum. A BSE issue has no quota but is paid in full when
    subscribed: its ``quota`` is the shares the available cash pays for."""
    account = service.account_id(account_id)
    issues = await queries.ipo_data(service)
    quota = await queries.new_purchase_limit(service, account)
    cash = await _cash(service, account) if any(prepaid(code) for code in issues) else 0.0
    rows = []
    for code, info in sorted(issues.items()):
        unit = unit_of(code)
        board = board_of(code)
        low, high = int(info.get("minPurchaseNum") or 0), int(info.get("maxPurchaseNum") or 0)
        price = float(info.get("issuePrice") or 0)
        if prepaid(code):  # BSE: no quota; paid in full when made, so the cash is the limit
            unit_fen = round(price * 100) * unit  # in fen: float division would lose a unit at the boundary
            quota[board] = round(cash * 100) // unit_fen * unit if unit_fen > 0 else 0
        allowed = min(high, int(quota.get(board, 0))) // unit * unit
        reason = None
        if allowed < max(low, unit):
            if prepaid(code):
                reason = (
                    f"BSE subscriptions are paid in full when made: the available cash, {cash:.2f} CNY, pays "
                    f"for {quota[board]} shares at {price:g}; the issue's minimum is {low}"
                )
            else:
                reason = f"the {board} quota is {quota.get(board, 0)} shares; the issue's minimum is {low}"
            allowed = 0
        rows.append(
            {
                "code": code, "name": info.get("name"), "type": info.get("type"), "board": board,
                "issue_price": info.get("issuePrice"), "unit": unit, "min": low, "max": high,
                "quota": int(quota.get(board, 0)), "volume": allowed, "reason": reason,
            }
        )  # fmt: skip
    return {"account_id": account, "date": f"{service.trading_day():%Y%m%d}", "issues": rows}


async def subscribe(
    service: TradingService, account_id: str, codes: Sequence[str] | None, client_id: str | None
) -> dict[str, Any]:
    """Subscribe the most allowed for each of today's issues (or those of ``codes``): one result per issue,
    with the ``http_status`` ``/order`` gave it (or would have: 400 for an issue not subscribable)."""
    plan = await today(service, account_id)
    account = plan["account_id"]
    wanted = None if codes is None else set(codes)
    results = []
    for issue in plan["issues"]:
        if wanted is not None and issue["code"] not in wanted:
            continue
        result: dict[str, Any] = {"code": issue["code"], "name": issue["name"], "volume": issue["volume"]}
        if not issue["volume"]:
            error = {"code": "not_subscribable", "message": issue["reason"]}
            results.append({**result, "http_status": 400, "status": "skipped", "error": error})
            continue
        order = {
            "stock_code": issue["code"], "order_type": STOCK_BUY, "order_volume": issue["volume"],
            "price_type": FIX_PRICE, "price": float(issue["issue_price"]), "account_id": account,
            "strategy_name": "ipo_subscribe", "order_remark": "新股申购",
            "client_order_id": client_order_id(plan["date"], issue["code"], account),
        }  # fmt: skip
        try:
            status, answer = await service.place_order(order, client_id)
        except BridgeError as exc:
            results.append(
                {**result, "http_status": exc.status_code, "status": "error",
                 "error": {"code": exc.code, "message": exc.message}}
            )  # fmt: skip
            continue
        results.append({**result, "http_status": status, **answer})
    missing = sorted((wanted or set()) - {issue["code"] for issue in plan["issues"]})
    for code in missing:
        error = {
            "code": "not_an_issue_today",
            "message": f"{code} is not among today's issues ({plan['date']})",
        }
        results.append(
            {"code": code, "name": None, "volume": 0, "http_status": 404, "status": "skipped", "error": error}
        )
    return {"account_id": account, "date": plan["date"], "results": results}


async def _cash(service: TradingService, account: str) -> float:
    """The account's available cash (``query_stock_asset``)."""
    asset = await service.call("query_stock_asset", service.trader_account(account))
    return float(getattr(asset, "cash", 0.0) or 0.0)


def client_order_id(day: str, code: str, account: str) -> str:
    """The subscription's ``client_order_id``: one per day, issue and account (at most 64 characters)."""
    safe_account = re.sub(r"[^A-Za-z0-9_.:\-]", "_", account)
    return f"ipo-{day}-{code}-{safe_account}"[:64]
