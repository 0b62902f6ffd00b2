"""The 200 answers of ``/api/trading/*`` (``routers/trading.py`` and ``routers/trading_calls.py``).

Orders, fills, positions and assets keep xtquant's field names (``XtOrder``, ``XtTrade``, ``XtPosition``,
``XtAsset``; ``server/trading/events.py`` FIELDS); an order adds ``client_order_id`` and ``normalized``
(``server/trading/orders.py``). Fields that older xtquant versions lack are optional. What the counter
passes as a plain dict (IPO issues, the ordinary counter's view, futures statistics) stays free-form.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from qmt_bridge.server.answers import documented

# ------------------------------------------------------------------------------------ examples (the simulator)

_FILLED_NORMALIZED = {
    "state": "filled",
    "status_name": "已成",
    "side": "buy",
    "filled_volume": 100,
    "avg_price": 9.75,
    "error_reason": None,
    "is_filled": True,
    "is_canceled": False,
    "is_completed": True,
    "is_cancelable": False,
}
_FILLED = {
    "account_type": 2,
    "account_id": "SIM000001",
    "stock_code": "000001.SZ",
    "order_id": 1,
    "order_sysid": "100000001",
    "order_time": 1763604000,
    "order_type": 23,
    "order_volume": 100,
    "price_type": 5,
    "price": 9.75,
    "traded_volume": 100,
    "traded_price": 9.75,
    "order_status": 56,
    "status_msg": "",
    "strategy_name": "",
    "order_remark": "",
    "direction": 48,
    "offset_flag": 48,
    "instrument_name": "平安银行",
    "secu_account": "",
    "client_order_id": "f1",
    "normalized": _FILLED_NORMALIZED,
}
_OPEN = {
    **_FILLED,
    "order_id": 2,
    "order_sysid": "100000002",
    "price_type": 11,
    "price": 8.88,
    "traded_volume": 0,
    "traded_price": 0.0,
    "order_status": 50,
    "client_order_id": "qb-5ca46ed95a5a8d250855",
    "normalized": {
        **_FILLED_NORMALIZED,
        "state": "open",
        "status_name": "已报",
        "filled_volume": 0,
        "avg_price": 0.0,
        "is_filled": False,
        "is_completed": False,
        "is_cancelable": True,
    },
}
_TRADE = {
    "account_type": 2,
    "account_id": "SIM000001",
    "stock_code": "000001.SZ",
    "order_type": 23,
    "traded_id": "000000000001",
    "traded_time": 1763604000,
    "traded_price": 9.75,
    "traded_volume": 100,
    "traded_amount": 975.0,
    "order_id": 1,
    "order_sysid": "100000001",
    "strategy_name": "",
    "order_remark": "",
    "direction": 48,
    "offset_flag": 48,
    "commission": 5.01,
    "instrument_name": "平安银行",
    "secu_account": "",
    "client_order_id": "f1",
}
_POSITION = {
    "account_type": 2,
    "account_id": "SIM000001",
    "stock_code": "000001.SZ",
    "volume": 100,
    "can_use_volume": 0,
    "open_price": 9.75,
    "market_value": 975.0,
    "frozen_volume": 0,
    "on_road_volume": 0,
    "yesterday_volume": 0,
    "avg_price": 9.8001,
    "direction": 48,
    "instrument_name": "平安银行",
    "last_price": 9.75,
    "profit_rate": -0.005112,
    "secu_account": "",
    "float_profit": -5.01,
    "open_date": "",
    "position_profit": 0.0,
}
_ACCOUNT_INFO = {
    "index": 0,
    "account_id": "SIM000001",
    "account_type": 2,
    "broker_type": 2,
    "platform_id": 0,
    "account_classification": 0,
    "login_status": 0,
}

# ------------------------------------------------------------------------------------------------- rows


class NormalizedOrder(BaseModel):
    """An order's state in broker-neutral terms."""

    model_config = ConfigDict(extra="forbid")

    state: str = Field(
        ...,
        description="pending, open, partially_filled, cancel_pending, filled, cancelled, rejected or unknown",
    )
    status_name: str = Field(
        ..., description="xtquant's Chinese name of order_status (已报, 部成, 已成, ...)"
    )
    side: str | None = Field(..., description="buy (order_type 23) or sell (24); null for other types")
    filled_volume: int = Field(..., description="shares (张 for bonds) filled so far")
    avg_price: float = Field(..., description="average fill price; 0 before a fill")
    error_reason: str | None = Field(..., description="why it was rejected; null unless rejected")
    is_filled: bool
    is_canceled: bool
    is_completed: bool = Field(..., description="filled, cancelled or rejected: it will not change any more")
    is_cancelable: bool = Field(..., description="not completed and no cancel pending")


class Order(BaseModel):
    """One order: xtquant's ``XtOrder`` fields, ``client_order_id`` and ``normalized``."""

    model_config = ConfigDict(extra="forbid")

    account_type: int | None = Field(
        None, description="xtconstant account type (2 stock); absent when refused"
    )
    account_id: str
    stock_code: str
    order_id: int = Field(..., description="the counter's order id; -1 when order_stock refused it")
    order_sysid: str = Field(..., description="the exchange's contract number; empty until it has one")
    order_time: int | None = Field(None, description="seconds since the epoch; absent when refused")
    order_type: int = Field(..., description="23 buy, 24 sell (xtconstant)")
    order_volume: int = Field(..., description="shares (张 for bonds)")
    price_type: int = Field(..., description="5 latest price, 11 limit, 42-48 market (docs/trading.md)")
    price: float = Field(..., description="the order price (for price_type 5: the last price when placed)")
    traded_volume: int
    traded_price: float = Field(..., description="average fill price; 0 before a fill")
    order_status: int = Field(
        ..., description="xtconstant order status: 50 已报, 55 部成, 56 已成, 57 废单..."
    )
    status_msg: str = Field(..., description="the counter's message (the reason of a rejection)")
    strategy_name: str
    order_remark: str
    direction: int | None = Field(None, description="xtconstant direction (48 long, 49 short)")
    offset_flag: int | None = Field(None, description="xtconstant offset flag (48 buy/open, 49 sell/close)")
    instrument_name: str | None = None
    secu_account: str | None = Field(None, description="the shareholder account")
    client_order_id: str | None = Field(
        ..., description="the id the order was placed with; null when unknown"
    )
    normalized: NormalizedOrder


class Trade(BaseModel):
    """One fill: xtquant's ``XtTrade`` fields and the ``client_order_id`` of its order."""

    model_config = ConfigDict(extra="forbid")

    account_type: int
    account_id: str
    stock_code: str
    order_type: int = Field(..., description="23 buy, 24 sell")
    traded_id: str = Field(..., description="the fill's id (/trade/{trade_id})")
    traded_time: int = Field(..., description="seconds since the epoch")
    traded_price: float
    traded_volume: int
    traded_amount: float = Field(..., description="price × volume, CNY")
    order_id: int
    order_sysid: str
    strategy_name: str
    order_remark: str
    direction: int | None = None
    offset_flag: int | None = None
    commission: float | None = Field(None, description="fees of the fill, CNY")
    instrument_name: str | None = None
    secu_account: str | None = None
    client_order_id: str | None = Field(..., description="its order's client_order_id; null when unknown")


class Position(BaseModel):
    """One position: xtquant's ``XtPosition`` fields."""

    model_config = ConfigDict(extra="forbid")

    account_type: int
    account_id: str
    stock_code: str
    volume: int = Field(..., description="shares held")
    can_use_volume: int = Field(..., description="shares sellable now (T+1: not today's buys)")
    open_price: float
    market_value: float = Field(..., description="CNY at the last price")
    frozen_volume: int = Field(..., description="shares frozen by open sell orders")
    on_road_volume: int
    yesterday_volume: int
    avg_price: float | None = Field(None, description="cost price, fees included")
    direction: int | None = None
    instrument_name: str | None = None
    last_price: float | None = None
    profit_rate: float | None = Field(None, description="floating profit / cost, a ratio (0.01 = 1 %)")
    secu_account: str | None = None
    float_profit: float | None = Field(None, description="CNY")
    open_date: str | None = None
    position_profit: float | None = Field(None, description="CNY")


class Asset(BaseModel):
    """An account's money: xtquant's ``XtAsset`` fields (CNY)."""

    model_config = ConfigDict(extra="forbid")

    account_type: int
    account_id: str
    cash: float = Field(..., description="available cash")
    frozen_cash: float = Field(..., description="cash frozen by open buy orders")
    market_value: float = Field(..., description="of the positions")
    total_asset: float
    fetch_balance: float = Field(..., description="withdrawable")


class AccountInfo(BaseModel):
    """A configured account with what xttrader.query_account_infos says of it."""

    model_config = ConfigDict(extra="forbid")

    index: int = Field(..., description="its place among the configured accounts; 0 is the default")
    account_id: str
    account_type: int | None = Field(None, description="absent when the counter does not list the account")
    broker_type: int | None = None
    platform_id: int | None = None
    account_classification: int | None = None
    login_status: int | None = None
    status: int | None = Field(None, description="xtquant's account status, where the counter gives it")


class ErrorInfo(BaseModel):
    """An error as the error body gives it (code and message)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(..., description="e.g. order_not_found, order_not_cancelable")
    message: str


class CancelOutcome(BaseModel):
    """The cancel of one order by cancel_all or the kill switch."""

    model_config = ConfigDict(extra="forbid")

    order_id: int
    account_id: str
    cancel_result: int | None = Field(None, description="0: the cancel was requested; absent with error")
    error: ErrorInfo | None = Field(
        None, description="why this cancel failed (as /cancel would answer it); absent when it was requested"
    )


class BatchCancelResult(BaseModel):
    """One cancel of a batch, answered as /cancel would have answered it."""

    model_config = ConfigDict(extra="forbid")

    order_id: int
    account_id: str | None = Field(..., description="the account used; as sent when it is unknown")
    http_status: int = Field(..., description="200 requested; else what /cancel would answer (404, 409...)")
    cancel_result: int | None = Field(None, description="with 200: 0")
    status: str | None = Field(None, description="with 200: cancel_requested")
    error: ErrorInfo | None = Field(None, description="unless 200")


class _OrderOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: int | None = Field(
        ..., description="the counter's order id; -1 refused by order_stock; null when none is known"
    )
    client_order_id: str = Field(..., description="as sent, or one the server made (qb-...)")
    status: str = Field(
        ...,
        description="the order's normalized state (open, filled, rejected...), submitted before its first "
        "event; unknown (202) or not_sent (503) in a batch",
    )
    error: str | None = Field(..., description="why it was rejected or not placed; null otherwise")
    order: Order | None = Field(..., description="the order as the counter reports it; null before it does")
    duplicate: bool | None = Field(
        None, description="true: the client_order_id was seen before; this is that order, nothing was placed"
    )


# ------------------------------------------------------------------------------------------------ answers


class OrderAnswer(_OrderOutcome):
    """The order placed (or refused by the counter), as the counter reports it."""

    model_config = documented(
        {"order_id": 1, "client_order_id": "f1", "status": "filled", "error": None, "order": _FILLED}
    )


class BatchOrderResult(_OrderOutcome):
    """One order of a batch, as /order answers it, with its HTTP status."""

    http_status: int = Field(..., description="200, 202 unknown, 409 order_stock raised, 503 not_sent")


class BatchOrderAnswer(BaseModel):
    """One answer per order of the batch, in order."""

    model_config = documented(
        {
            "data": [
                {
                    "order_id": 2,
                    "client_order_id": "qb-5ca46ed95a5a8d250855",
                    "status": "open",
                    "error": None,
                    "order": _OPEN,
                    "http_status": 200,
                }
            ]
        }
    )

    data: list[BatchOrderResult]


class CancelAnswer(BaseModel):
    """The cancel was requested; the order as it was before the cancel."""

    model_config = documented(
        {
            "order_id": 2,
            "account_id": "SIM000001",
            "cancel_result": 0,
            "status": "cancel_requested",
            "order": _OPEN,
        }
    )

    order_id: int
    account_id: str
    cancel_result: int = Field(..., description="0: requested (not yet cancelled: watch the order's state)")
    status: str = Field(..., description="cancel_requested")
    order: Order = Field(..., description="the order when the cancel was asked")


class CancelAllAnswer(BaseModel):
    """One result per cancelable order found."""

    model_config = documented({"data": [{"order_id": 4, "account_id": "SIM000001", "cancel_result": 0}]})

    data: list[CancelOutcome] = Field(..., description="[] when no order was cancelable")


class OrdersAnswer(BaseModel):
    """Today's orders of the account."""

    model_config = documented({"data": [_FILLED, _OPEN]})

    data: list[Order]


class OrderDetailAnswer(BaseModel):
    """One order of today."""

    model_config = documented({"data": _OPEN})

    data: Order


class TradesAnswer(BaseModel):
    """Today's fills of the account."""

    model_config = documented({"data": [_TRADE]})

    data: list[Trade]


class TradeAnswer(BaseModel):
    """One fill of today."""

    model_config = documented({"data": _TRADE})

    data: Trade


class PositionsAnswer(BaseModel):
    """The account's positions."""

    model_config = documented({"data": [_POSITION]})

    data: list[Position]


class PositionAnswer(BaseModel):
    """The account's position in one code, or null."""

    model_config = documented({"data": _POSITION})

    data: Position | None = Field(..., description="null when the account holds none")


class AssetAnswer(BaseModel):
    """The account's cash and totals."""

    model_config = documented(
        {
            "data": {
                "account_type": 2,
                "account_id": "SIM000001",
                "cash": 996250.96,
                "frozen_cash": 2769.03,
                "market_value": 975.0,
                "total_asset": 999994.99,
                "fetch_balance": 996250.96,
            }
        }
    )

    data: Asset


class AccountsAnswer(BaseModel):
    """The configured accounts, in order."""

    model_config = documented({"data": [_ACCOUNT_INFO]})

    data: list[AccountInfo]


class AccountInfoAnswer(BaseModel):
    """One configured account."""

    model_config = documented({"data": _ACCOUNT_INFO})

    data: AccountInfo


class AccountStatus(BaseModel):
    """An account's login state and the trader's connection."""

    model_config = ConfigDict(extra="forbid")

    account_id: str
    account_type: int | None = Field(..., description="null when the counter does not report the account")
    status: int | None = Field(..., description="xtquant's account status: 0 ACCOUNT_STATUS_OK; null unknown")
    connected: bool = Field(..., description="the trader is connected and the account logged in (status 0)")
    trader_connected: bool


class AccountStatusAnswer(BaseModel):
    """Whether the account is logged in and the trader connected."""

    model_config = documented(
        {
            "data": {
                "account_id": "SIM000001",
                "account_type": 2,
                "status": 0,
                "connected": True,
                "trader_connected": True,
            }
        }
    )

    data: AccountStatus


class TraderState(BaseModel):
    """The connection to the trader (xttrader)."""

    model_config = ConfigDict(extra="forbid")

    connected: bool
    session_id: int | None = Field(..., description="xttrader's session id; null while not connected")
    connected_since: str | None = Field(..., description="ISO 8601 (UTC); null while not connected")
    reconnects: int = Field(..., description="reconnections since the server started")
    last_error: str | None = Field(..., description="why the last connection attempt failed")
    accounts: list[str] = Field(..., description="the accounts subscribed on the trader")
    calls_in_flight: int = Field(..., description="trader calls running now")
    stuck_threads: int = Field(..., description="calls abandoned after their timeout that still run")


class KillSwitchState(BaseModel):
    """The kill switch while engaged."""

    model_config = ConfigDict(extra="forbid")

    engaged_at: str = Field(..., description="ISO 8601, China time")
    reason: str


class RiskLimits(BaseModel):
    """The risk limits every order is checked against."""

    model_config = ConfigDict(extra="forbid")

    max_order_value: float | None = Field(..., description="CNY per order; null: no limit")
    max_orders_per_day: int | None = Field(..., description="orders per account and day; null: no limit")
    allowed_codes: list[str] | None = Field(..., description="the only codes that may be traded; null: any")
    kill_switch: KillSwitchState | None = Field(..., description="null while released")


class EventStream(BaseModel):
    """The trade event stream (/ws/trade)."""

    model_config = ConfigDict(extra="forbid")

    last_seq: int = Field(..., description="the seq of the latest journaled event")
    subscribers: int = Field(..., description="/ws/trade clients connected")


class TradingStatusAnswer(BaseModel):
    """The trader connection, the risk limits, the kill switch and the event stream."""

    model_config = documented(
        {
            "backend": "sim",
            "accounts": ["SIM000001"],
            "trader": {
                "connected": True,
                "session_id": 502304117,
                "connected_since": "2025-11-20T02:00:00.962834+00:00",
                "reconnects": 0,
                "last_error": None,
                "accounts": ["SIM000001"],
                "calls_in_flight": 0,
                "stuck_threads": 0,
            },
            "limits": {
                "max_order_value": None,
                "max_orders_per_day": None,
                "allowed_codes": None,
                "kill_switch": None,
            },
            "events": {"last_seq": 14, "subscribers": 0},
        }
    )

    backend: str = Field(..., description="xtquant or sim")
    accounts: list[str] = Field(..., description="the configured accounts; the first is the default")
    trader: TraderState | None = Field(..., description="null when no trader manager runs")
    limits: RiskLimits
    events: EventStream


class KillSwitchAnswer(BaseModel):
    """The kill switch as the request left it, with the cancels made when engaging it."""

    model_config = documented(
        {
            "engaged": True,
            "engaged_at": "2025-11-20T10:00:05+08:00",
            "reason": "manual stop",
            "cancelled": [{"order_id": 10, "account_id": "SIM000001", "cancel_result": 0}],
        }
    )

    engaged: bool
    engaged_at: str | None = Field(None, description="ISO 8601, China time; only when engaged")
    reason: str | None = Field(None, description="only when engaged")
    cancelled: list[CancelOutcome] | None = Field(
        None, description="only when engaged: the cancel of each open order"
    )


class SimResetAnswer(BaseModel):
    """The paper account reset, with its cash now."""

    model_config = documented({"account_id": "SIM000001", "cash": 1000000.0})

    account_id: str
    cash: float = Field(..., description="CNY")


class OrderAsyncAnswer(BaseModel):
    """The order passed the checks and is being placed; its outcome comes on /ws/trade."""

    model_config = documented(
        {"seq": 1763604000917, "client_order_id": "qb-816721c54ae4fc616f83", "status": "async_submitted"}
    )

    seq: int = Field(..., description="the seq of the order_response event on /ws/trade")
    client_order_id: str
    status: str = Field(..., description="async_submitted")


class CancelAsyncAnswer(BaseModel):
    """The cancel is being asked; its outcome comes on /ws/trade."""

    model_config = documented({"seq": 1763604000918, "order_id": 7, "status": "async_submitted"})

    seq: int = Field(..., description="the seq of the cancel_response event on /ws/trade")
    order_id: int
    status: str = Field(..., description="async_submitted")


class BatchCancelAnswer(BaseModel):
    """One result per cancel of the batch, in order."""

    model_config = documented(
        {
            "data": [
                {
                    "order_id": 8,
                    "account_id": "SIM000001",
                    "cancel_result": 0,
                    "status": "cancel_requested",
                    "http_status": 200,
                },
                {
                    "order_id": 999999,
                    "account_id": "SIM000001",
                    "http_status": 404,
                    "error": {
                        "code": "order_not_found",
                        "message": "order_id: no order 999999 today in account SIM000001",
                    },
                },
            ]
        }
    )

    data: list[BatchCancelResult]


class PositionStatisticsAnswer(BaseModel):
    """Futures position statistics of the account; empty for a stock account."""

    model_config = documented({"data": []})

    data: list[dict[str, Any]] = Field(
        ...,
        description="one row per position as xtquant's XtPositionStatistics gives it (exchange_id, "
        "instrument_id, direction, position, today_position, position_cost, float_profit, used_margin, ...)",
    )


class NewPurchaseLimitAnswer(BaseModel):
    """Shares of new issues the account may subscribe today, by board."""

    model_config = documented({"data": {"KCB": 0, "SH": 500, "SZ": 0}})

    data: dict[str, int] = Field(..., description="board (KCB, SH, SZ) → shares")


class IpoDataAnswer(BaseModel):
    """Today's new shares and bonds."""

    model_config = documented(
        {
            "data": {
                "301822.SZ": {
                    "name": "西诚重工",
                    "type": "STOCK",
                    "maxPurchaseNum": 22500,
                    "minPurchaseNum": 500,
                    "purchaseDate": "20251120",
                    "issuePrice": 10.41,
                }
            }
        }
    )

    data: dict[str, dict[str, Any]] = Field(
        ...,
        description="subscription code → xtquant's dict: name, type (STOCK/BOND), minPurchaseNum and "
        "maxPurchaseNum (shares or 张), purchaseDate (YYYYMMDD), issuePrice",
    )


class ComFundAnswer(BaseModel):
    """The account's money as the ordinary counter (普通柜台) shows it."""

    model_config = documented(
        {
            "data": {
                "success": True,
                "error": "",
                "currentBalance": 999019.99,
                "enableBalance": 996250.96,
                "fetchBalance": 996250.96,
                "interest": 0.0,
                "assetBalance": 999994.99,
                "fetchCash": 996250.96,
                "marketValue": 975.0,
                "debt": 0.0,
            }
        }
    )

    data: dict[str, Any] = Field(
        ...,
        description="xttrader.query_com_fund's dict as xtquant gives it (CNY): currentBalance, enableBalance, "
        "fetchBalance, assetBalance, marketValue, ...",
    )


class ComPositionAnswer(BaseModel):
    """The account's positions as the ordinary counter (普通柜台) shows them."""

    model_config = documented(
        {
            "data": [
                {
                    "success": True,
                    "error": "",
                    "stockAccount": "",
                    "exchangeType": "SZ",
                    "stockCode": "000001.SZ",
                    "stockName": "平安银行",
                    "totalAmt": 100.0,
                    "enableAmount": 0.0,
                    "lastPrice": 9.75,
                    "costPrice": 9.8001,
                    "income": -5.01,
                    "incomeRate": -0.005112,
                    "marketValue": 975.0,
                    "costBalance": 980.01,
                    "bsOnTheWayVol": 0,
                    "prEnableVol": 0,
                }
            ]
        }
    )

    data: list[dict[str, Any]] = Field(
        ...,
        description="xttrader.query_com_position's rows as xtquant gives them: stockCode, totalAmt, "
        "enableAmount, costPrice, income, ...",
    )


class IpoIssue(BaseModel):
    """One of today's issues, with what the account may subscribe."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(..., description="the subscription code")
    name: str | None
    type: str | None = Field(..., description="STOCK or BOND")
    board: str = Field(..., description="the quota it draws on: KCB, SH or SZ; BJ (no quota: prepaid)")
    issue_price: float | None
    unit: int = Field(..., description="shares per subscription unit (SH 1,000; 科创板 and SZ 500; BSE 100)")
    min: int
    max: int
    quota: int = Field(
        ...,
        description="the account's quota on that board (new_purchase_limit); for BJ, the shares the available "
        "cash pays for (BSE subscriptions are paid in full when made)",
    )
    volume: int = Field(
        ..., description="the most it may subscribe: whole units within max and quota; 0 if none"
    )
    reason: str | None = Field(..., description="why volume is 0")


class IpoTodayAnswer(BaseModel):
    """Today's new issues with the account's subscription limits."""

    model_config = documented(
        {
            "account_id": "SIM000001",
            "date": "20251120",
            "issues": [
                {
                    "code": "301822.SZ", "name": "西诚重工", "type": "STOCK", "board": "SZ", "issue_price": 10.41,
                    "unit": 500, "min": 500, "max": 22500, "quota": 9500, "volume": 9500, "reason": None,
                }
            ],
        }
    )  # fmt: skip

    account_id: str
    date: str = Field(..., description="the counter's day, YYYYMMDD")
    issues: list[IpoIssue]


class IpoSubscription(BaseModel):
    """The subscription of one issue: what /order answered (http_status and its keys), or why it was skipped."""

    model_config = ConfigDict(extra="allow")

    code: str
    name: str | None
    volume: int
    http_status: int = Field(..., description="200 placed (or found placed earlier today); 4xx/5xx as /order")
    status: str | None = Field(None, description="as /order answers it; skipped or error when not placed")
    error: ErrorInfo | str | None = Field(None, description="why it was not placed")


class IpoSubscribeAnswer(BaseModel):
    """One result per issue subscribed (or skipped)."""

    model_config = documented(
        {
            "account_id": "SIM000001",
            "date": "20251120",
            "results": [
                {"code": "301822.SZ", "name": "西诚重工", "volume": 9500, "http_status": 200, "status": "filled",
                 "order_id": 3, "client_order_id": "ipo-20251120-301822.SZ-SIM000001"}
            ],
        }
    )  # fmt: skip

    account_id: str
    date: str
    results: list[IpoSubscription]
