"""xttrader's further account queries (one trade, one position, account state, IPO, 普通柜台, statistics).

Each is a trader call through :meth:`TradingService.call` (503 when the trader is not connected, 504 when it
does not answer) for a configured account (404 for others), its result made plain data: xtquant's objects
become dicts of their attributes under xtquant's names, dicts and lists stay as they are.
"""

from __future__ import annotations

from typing import Any

from qmt_bridge.server.errors import NotFound
from qmt_bridge.server.trading.events import plain_attributes, to_event
from qmt_bridge.server.trading.service import TradingService

#: ``XtPositionStatistics`` (futures accounts), as ``doc/xttrader.md`` lists it.
POSITION_STATISTICS_FIELDS = (
    "account_id",
    "exchange_id",
    "exchange_name",
    "product_id",
    "instrument_id",
    "instrument_name",
    "direction",
    "hedge_flag",
    "position",
    "yesterday_position",
    "today_position",
    "can_close_vol",
    "position_cost",
    "avg_price",
    "position_profit",
    "float_profit",
    "open_price",
    "used_margin",
    "used_commission",
    "frozen_margin",
    "frozen_commission",
    "instrument_value",
    "open_times",
    "open_volume",
    "cancel_times",
    "last_price",
    "rise_ratio",
    "product_name",
    "royalty",
    "expire_date",
    "assest_weight",
    "increase_by_settlement",
    "margin_ratio",
    "float_profit_divide_by_used_margin",
    "float_profit_divide_by_balance",
    "today_profit_loss",
    "yesterday_init_position",
)


async def account_status(service: TradingService, account_id: str) -> dict[str, Any]:
    """The account's login state (``query_account_status``; 0 is ACCOUNT_STATUS_OK), whether the trader is
    connected, and ``connected``: both."""
    account = service.account_id(account_id)
    statuses = await service.call("query_account_status")
    found = next(
        (to_event("account_status", s).data for s in statuses or [] if str(s.account_id) == account), None
    )
    status = found.get("status") if found else None
    trader_connected = service.manager is not None and service.manager.connected
    return {
        "account_id": account,
        "account_type": found.get("account_type") if found else None,
        "status": status,
        "connected": trader_connected and status == 0,
        "trader_connected": trader_connected,
    }


async def account_info(service: TradingService, account_id: str) -> dict[str, Any]:
    """The account as ``query_account_infos`` describes it, with its index among the configured ones."""
    account = service.account_id(account_id)
    return next(a for a in await service.accounts() if a["account_id"] == account)


async def trade(service: TradingService, trade_id: str, account_id: str) -> dict[str, Any]:
    """One fill of today by its ``traded_id`` (xttrader has no call for one: today's fills, filtered)."""
    account = service.account_id(account_id)
    for found in await service.trades(account):
        if str(found.get("traded_id")) == trade_id:
            return found
    raise NotFound(
        "trade_id",
        f"no trade {trade_id!r} today in account {account}",
        value=trade_id,
        code="trade_not_found",
    )


async def position(service: TradingService, code: str, account_id: str) -> dict[str, Any] | None:
    """The account's position in ``code`` (``query_stock_position``); None when it holds none."""
    account = service.account_id(account_id)
    found = await service.call("query_stock_position", service.trader_account(account), code)
    return dict(to_event("position", found).data) if found is not None else None


async def position_statistics(service: TradingService, account_id: str) -> list[dict[str, Any]]:
    """``query_position_statistics`` (futures accounts; a stock account has none)."""
    account = service.account_id(account_id)
    found = await service.call("query_position_statistics", service.trader_account(account))
    return [plain_attributes(item, POSITION_STATISTICS_FIELDS) for item in found or []]


async def new_purchase_limit(service: TradingService, account_id: str) -> dict[str, int]:
    """``query_new_purchase_limit``: shares the account may subscribe today, by board (KCB, SH, SZ)."""
    account = service.account_id(account_id)
    found = await service.call("query_new_purchase_limit", service.trader_account(account))
    return {str(board): int(shares) for board, shares in (found or {}).items()}


async def ipo_data(service: TradingService) -> dict[str, dict[str, Any]]:
    """``query_ipo_data``: today's new shares and bonds by subscription code."""
    found = await service.call("query_ipo_data")
    return {str(code): plain_attributes(info, ()) for code, info in (found or {}).items()}


async def com_fund(service: TradingService, account_id: str) -> dict[str, Any]:
    """``query_com_fund``: the account's money as the ordinary counter (普通柜台) shows it."""
    account = service.account_id(account_id)
    found = await service.call("query_com_fund", service.trader_account(account))
    return plain_attributes(found or {}, ())


async def com_position(service: TradingService, account_id: str) -> list[dict[str, Any]]:
    """``query_com_position``: the account's positions as the ordinary counter (普通柜台) shows them."""
    account = service.account_id(account_id)
    found = await service.call("query_com_position", service.trader_account(account))
    return [plain_attributes(item, ()) for item in found or []]
