"""The ledger's records as xtquant objects (``qmt_bridge.sim.xttype``): a fresh object per call.

Units as xtquant's: CNY floats, volumes in shares, times in Unix epoch seconds. ``XtOrder.traded_price`` is
the volume-weighted average of the order's fills; ``XtPosition.avg_price`` the cost price including fees,
``open_price`` without; ``XtAsset.cash`` is the available cash, ``total_asset`` = cash + frozen cash + market
value. A reverse repo's position (:mod:`.repo`) is the 张 lent, valued at face (100 CNY a 张; its
``last_price`` the repo's last rate), never available; its trades' ``traded_amount`` is the amount lent and
its orders' ``traded_price`` the mean rate. Every object carries its record's ``account_type`` (2 stock,
3 credit); credit orders' direction flags follow xtconstant's ``getDirectionByOpType`` (buy for 23/27/29/30/32, sell for 24/28/31).
"""

from __future__ import annotations

from collections.abc import Iterable

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker.ledger import Account, Order, Position, Trade
from qmt_bridge.sim.broker.money import LI_PER_YUAN, to_yuan
from qmt_bridge.sim.xttype import (
    XtAccountInfo,
    XtAccountStatus,
    XtAsset,
    XtCancelError,
    XtOrder,
    XtOrderError,
    XtPosition,
    XtTrade,
)

STOCK = xc.SECURITY_ACCOUNT
_MARKETS = {"SH": xc.SH_MARKET, "SZ": xc.SZ_MARKET, "BJ": xc.MARKET_ENUM_BEIJING}


def market_of(code: str) -> int:
    """xtquant's market number of a code (0 SH, 1 SZ, 70 BJ; -1 otherwise)."""
    return _MARKETS.get(code.rpartition(".")[2], -1)


def _flags(order_type: int) -> int:
    return xc.getDirectionByOpType(order_type)


def order_view(order: Order) -> XtOrder:
    avg = order.traded_amount / order.traded_volume / LI_PER_YUAN if order.traded_volume else 0.0
    flag = _flags(order.order_type)
    return XtOrder(
        order.account_type,
        order.account_id,
        order.code,
        order.order_id,
        order.sysid,
        order.order_time,
        order.order_type,
        order.volume,
        order.price_type,
        order.price,
        order.traded_volume,
        round(avg, 6),
        order.status,
        order.status_msg,
        order.strategy_name,
        order.order_remark,
        flag,
        flag,
        order.name,
        "",
    )


def trade_view(trade: Trade) -> XtTrade:
    flag = _flags(trade.order_type)
    return XtTrade(
        trade.account_type,
        trade.account_id,
        trade.code,
        trade.order_type,
        trade.traded_id,
        trade.traded_time,
        to_yuan(trade.price_li),
        trade.volume,
        to_yuan(trade.amount),
        trade.order_id,
        trade.sysid,
        trade.strategy_name,
        trade.order_remark,
        flag,
        flag,
        to_yuan(trade.fees),
        trade.name,
        "",
    )


def _value(position: Position) -> int:
    """Market value (li): volume x last price; a reverse repo's at face."""
    return position.volume * (position.face_li or position.last_li)


def position_view(position: Position) -> XtPosition:
    value = _value(position)
    volume = position.volume
    profit = value - position.cost if volume else 0
    return XtPosition(
        position.account_type,
        position.account_id,
        position.code,
        volume,
        position.can_use,
        round(position.open_cost / volume / LI_PER_YUAN, 6) if volume else 0.0,
        to_yuan(value),
        position.frozen,
        0,
        position.yesterday,
        round(position.cost / volume / LI_PER_YUAN, 6) if volume else 0.0,
        xc.DIRECTION_FLAG_LONG,
        position.name,
        to_yuan(position.last_li),
        round(profit / position.cost, 6) if volume and position.cost else 0.0,
        "",
        to_yuan(profit),
    )


def asset_view(account: Account, positions: Iterable[Position]) -> XtAsset:
    value = sum(_value(p) for p in positions)
    return XtAsset(
        account.account_type,
        account.account_id,
        to_yuan(account.available),
        to_yuan(account.frozen),
        to_yuan(value),
        to_yuan(account.balance + value),
        to_yuan(account.withdrawable),
    )


def order_error_view(order: Order, error_id: int, seq: int = 0) -> XtOrderError:
    return XtOrderError(
        order.account_type,
        order.account_id,
        order.order_id,
        error_id,
        order.status_msg,
        order.strategy_name,
        order.order_remark,
        seq,
    )


def cancel_error_view(order: Order, error_id: int, message: str) -> XtCancelError:
    return XtCancelError(
        order.account_type,
        order.account_id,
        order.order_id,
        market_of(order.code),
        order.sysid,
        error_id,
        message,
    )


def account_info_view(account: Account) -> XtAccountInfo:
    kind = account.account_type
    return XtAccountInfo(kind, account.account_id, kind, 0, 0, xc.ACCOUNT_STATUS_OK)


def account_status_view(account: Account) -> XtAccountStatus:
    return XtAccountStatus(account.account_type, account.account_id, xc.ACCOUNT_STATUS_OK)
