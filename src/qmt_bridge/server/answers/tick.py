"""The 200 answers of ``/api/tick/*`` (Level-2, today only; and qmt-bridge 2.1.3's names of two of them).

Units as xtquant's: prices in yuan; ``l2quote`` volumes in 手 (lots, ``pvolume`` in shares); ``l2order`` and
``l2transaction`` volumes in shares; thousand-level books, order queues and full-speed books in 手; big-order
statistics in shares and yuan. Times are ms since the epoch.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from qmt_bridge.server.answers import documented

ONLY_ASKED = "Each row has the fields asked (``fields``; all when empty)."
#: ``format=columns``: field → array, the same fields as a row's.
COLUMNS = dict[str, list[Any]]


class L2QuoteRow(BaseModel):
    """A Level-2 snapshot (10-level book)."""

    model_config = ConfigDict(extra="forbid")

    time: int | None = Field(None, description="ms since the epoch")
    lastPrice: float | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    amount: float | None = Field(None, description="turnover today, yuan")
    volume: int | None = Field(None, description="volume today, 手")
    pvolume: int | None = Field(None, description="volume today, shares")
    openInt: int | None = Field(
        None, description="open interest for futures; for stocks xtquant's status code"
    )
    stockStatus: int | None = Field(None, description="xtquant's trading status code")
    transactionNum: int | None = Field(None, description="trades today")
    lastClose: float | None = Field(None, description="previous close")
    lastSettlementPrice: float | None = None
    settlementPrice: float | None = None
    pe: float | None = None
    askPrice: list[float] | None = Field(None, description="10 levels, best first; 0 where empty")
    bidPrice: list[float] | None = Field(None, description="10 levels, best first; 0 where empty")
    askVol: list[int] | None = Field(None, description="手")
    bidVol: list[int] | None = Field(None, description="手")


class L2OrderRow(BaseModel):
    """An order of the Level-2 order stream (逐笔委托)."""

    model_config = ConfigDict(extra="forbid")

    time: int | None = Field(None, description="ms since the epoch")
    price: float | None = None
    volume: int | None = Field(None, description="shares")
    entrustNo: int | None = Field(None, description="the exchange's order number")
    entrustType: int | None = Field(None, description="xtquant's order type code (1 limit)")
    entrustDirection: int | None = Field(None, description="1 buy, 2 sell")


class L2TransactionRow(BaseModel):
    """A trade of the Level-2 trade stream (逐笔成交)."""

    model_config = ConfigDict(extra="forbid")

    time: int | None = Field(None, description="ms since the epoch")
    price: float | None = None
    volume: int | None = Field(None, description="shares")
    amount: float | None = Field(None, description="yuan")
    tradeIndex: int | None = Field(None, description="the exchange's trade number")
    buyNo: int | None = Field(None, description="the buy order's entrustNo")
    sellNo: int | None = Field(None, description="the sell order's entrustNo")
    tradeType: int | None = Field(None, description="xtquant's trade type")
    tradeFlag: int | None = Field(
        None, description="0 unknown (auctions), 1 buy-initiated (外盘), 2 sell-initiated (内盘)"
    )


class L2QuoteAnswer(BaseModel):
    """Level-2 snapshots of one code today (``get_l2_quote``)."""

    model_config = documented(
        {
            "stock": "600519.SH",
            "data": [
                {"time": 1763622000000, "lastPrice": 1852.71, "open": 1846.2, "high": 1863.15, "low": 1844.11,
                 "amount": 14301869732.75, "volume": 77243, "pvolume": 7724300, "openInt": 15, "stockStatus": 0,
                 "transactionNum": 5108, "lastClose": 1849.58, "lastSettlementPrice": 0.0, "settlementPrice": 0.0,
                 "pe": 57.65, "askPrice": [1852.82, 1853.04], "bidPrice": [1852.71, 1852.49], "askVol": [60, 7],
                 "bidVol": [511, 248]}
            ],
        }
    )  # fmt: skip

    stock: str
    data: list[L2QuoteRow] | COLUMNS = Field(
        ...,
        description=f"rows (records) or field → array (columns), oldest first; [] when none. {ONLY_ASKED}",
    )


class L2OrderAnswer(BaseModel):
    """Level-2 orders of one code today (``get_l2_order``)."""

    model_config = documented(
        {
            "stock": "600519.SH",
            "data": [
                {"time": 1763621998702, "price": 1852.71, "volume": 5300, "entrustNo": 233602, "entrustType": 1,
                 "entrustDirection": 2}
            ],
        }
    )  # fmt: skip

    stock: str
    data: list[L2OrderRow] | COLUMNS = Field(
        ...,
        description=f"rows (records) or field → array (columns), oldest first; [] when none. {ONLY_ASKED}",
    )


class L2TransactionAnswer(BaseModel):
    """Level-2 trades of one code today (``get_l2_transaction``)."""

    model_config = documented(
        {
            "stock": "600519.SH",
            "data": [
                {"time": 1763622000000, "price": 1852.71, "volume": 2200, "amount": 4075962.0, "tradeIndex": 162957,
                 "buyNo": 233604, "sellNo": 233598, "tradeType": 1, "tradeFlag": 0}
            ],
        }
    )  # fmt: skip

    stock: str
    data: list[L2TransactionRow] | COLUMNS = Field(
        ...,
        description=f"rows (records) or field → array (columns), oldest first; [] when none. {ONLY_ASKED}",
    )


class ThousandBook(BaseModel):
    """A thousand-level book (千档): up to 1000 levels a side, best first, in 手."""

    model_config = ConfigDict(extra="forbid")

    time: int = Field(..., description="ms since the epoch")
    price: float = Field(..., description="last price")
    bidPrice: list[float]
    bidVolume: list[int]
    offPrice: list[float] = Field(..., description="ask prices")
    offVolume: list[int] = Field(..., description="ask volumes")
    askPrice: list[float] = Field(..., description="the same as offPrice (the subscription's name)")
    askVolume: list[int] = Field(..., description="the same as offVolume")


class ThousandQuoteAnswer(BaseModel):
    """Thousand-level books of one code today, one a minute (period l2thousand)."""

    model_config = documented(
        {
            "stock": "600519.SH",
            "data": [
                {"time": 1763622000000, "price": 1852.71, "bidPrice": [1852.71, 1852.49], "bidVolume": [511, 248],
                 "offPrice": [1852.82, 1853.04], "offVolume": [60, 7], "askPrice": [1852.82, 1853.04],
                 "askVolume": [60, 7]}
            ],
        }
    )  # fmt: skip

    stock: str
    data: list[ThousandBook] = Field(..., description="oldest first; [] when none")


class ThousandQueue(BaseModel):
    """The single-order queues of the thousand-level book's levels."""

    model_config = ConfigDict(extra="forbid")

    time: int = Field(..., description="ms since the epoch")
    bidGear: list[int] = Field(..., description="the levels answered, 1 = best")
    bidPrice: list[float]
    bidVolume: list[list[int]] = Field(..., description="per level: each order's volume in line, 手")
    askGear: list[int]
    askPrice: list[float]
    askVolume: list[list[int]] = Field(..., description="per level: each order's volume in line, 手")


class ThousandQueueAnswer(BaseModel):
    """The per-order queues of the thousand-level book now (``get_l2thousand_queue``)."""

    model_config = documented(
        {
            "stock": "600519.SH",
            "data": {"time": 1763622000000, "bidGear": [1], "bidPrice": [1852.71], "bidVolume": [[1, 1, 2, 5]],
                     "askGear": [1], "askPrice": [1852.82], "askVolume": [[1, 1, 1]]},
        }
    )  # fmt: skip

    stock: str
    data: ThousandQueue | None = Field(..., description="null when there is none (no Level-2 data)")


class FullspeedBook(BaseModel):
    """A full-speed book (20 levels a side, best first, 0 where empty; in 手)."""

    model_config = ConfigDict(extra="forbid")

    time: int = Field(..., description="ms since the epoch")
    price: float = Field(..., description="last price")
    bidPrice: list[float]
    bidVolume: list[int]
    askPrice: list[float]
    askVolume: list[int]


FULLSPEED_EXAMPLE = {
    "time": 1763622000000, "price": 1852.71, "bidPrice": [1852.71, 1852.49], "bidVolume": [511, 248],
    "askPrice": [1852.82, 1853.04], "askVolume": [60, 7],
}  # fmt: skip


class FullspeedOrderbookAnswer(BaseModel):
    """Full-speed order books now, by code (``get_fullspeed_orderbook``)."""

    model_config = documented({"data": {"600519.SH": FULLSPEED_EXAMPLE}})

    data: dict[str, FullspeedBook] = Field(..., description="code → book; codes without one are left out")


# ------------------------------------------------------------------------------ big-order statistics

_SIDES = {
    "bid": "主动买入", "off": "主动卖出", "unactiveBid": "被动买入", "unactiveOff": "被动卖出", "netInflow": "净流入",
}  # fmt: skip
_CLASSES = {"Most": "特大单", "Big": "大单", "Medium": "中单", "Small": "小单", "Total": "合计"}
_DX = " (the increment over the last 3-second snapshot)"


class _TransactionCountBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time: int = Field(..., description="ms since the epoch")
    bidNumber: int = Field(..., description="主买单数: buy orders that initiated trades today")
    offNumber: int = Field(..., description="主卖单数: sell orders that initiated trades today")
    ddx: float = Field(..., description="大单动向: (big buy − big sell volume) / float shares, %")
    ddy: float = Field(..., description="涨跌动因: (sell − buy order count) / their sum, %")
    ddz: float = Field(..., description="大单差分: (big buy − big sell amount) / active amount, %")
    netOrder: int = Field(..., description="净挂单: bid − ask quantity on the book, shares")
    netWithdraw: int = Field(..., description="净撤单: withdrawBid − withdrawOff, shares")
    withdrawBid: int = Field(..., description="总撤买: bids withdrawn, shares")
    withdrawOff: int = Field(..., description="总撤卖: asks withdrawn, shares")
    bidNumberDx: int = Field(..., description="bidNumber" + _DX)
    offNumberDx: int = Field(..., description="offNumber" + _DX)
    transactionNumber: int = Field(..., description="成交笔数: trades in the last 3-second snapshot")


def _class_fields() -> dict[str, Any]:
    """``{prefix}{class}{Amount|Volume}[Dx]``: each side's trades by order class (特大单 >= 1,000,000 yuan, 大单
    >= 200,000, 中单 >= 40,000, else 小单)."""
    fields: dict[str, Any] = {}
    for side, side_name in _SIDES.items():
        for what, kind, unit in (("Amount", float, "成交额, yuan"), ("Volume", int, "成交量, shares")):
            for name, class_name in _CLASSES.items():
                if side == "netInflow" and name == "Total":
                    continue
                key = f"{side}{name}{what}"
                fields[key] = (kind, Field(..., description=f"{side_name}{class_name}{unit}"))
                fields[key + "Dx"] = (kind, Field(..., description=f"{key}{_DX}"))
    return fields


TransactionCount = create_model(
    "TransactionCount",
    __base__=_TransactionCountBase,
    __doc__="Big-order statistics of one code today (l2transactioncount).\n\n"
    + (_class_fields.__doc__ or ""),
    __module__=__name__,
    **_class_fields(),
)

TRANSACTION_COUNT_EXAMPLE = {
    "time": 1763622000000, "bidNumber": 2354, "offNumber": 2518, "ddx": -0.032205, "ddy": 3.366174,
    "ddz": -5.48871, "netOrder": -371800, "netWithdraw": 2318300, "withdrawBid": 4095400, "withdrawOff": 1777100,
    "bidNumberDx": 0, "offNumberDx": 0, "transactionNumber": 79,
    "bidMostAmount": 6005216196.41, "bidBigAmount": 381909500.66, "bidMediumAmount": 60017509.24, "bidSmallAmount": 0.0,
    "bidTotalAmount": 6447143206.31, "bidMostVolume": 3243300, "bidBigVolume": 206200, "bidMediumVolume": 32400,
    "bidSmallVolume": 0, "bidTotalVolume": 3481900, "offMostAmount": 6745900125.26, "offBigAmount": 389894555.79,
    "offMediumAmount": 57225349.39, "offSmallAmount": 0.0, "offTotalAmount": 7193020030.44, "offMostVolume": 3643500,
    "offBigVolume": 210500, "offMediumVolume": 30900, "offSmallVolume": 0, "offTotalVolume": 3884900,
    "unactiveBidMostAmount": 6729613376.26, "unactiveBidBigAmount": 406367154.79,
    "unactiveBidMediumAmount": 57039499.39, "unactiveBidSmallAmount": 0.0, "unactiveBidTotalAmount": 7193020030.44,
    "unactiveBidMostVolume": 3634700, "unactiveBidBigVolume": 219400, "unactiveBidMediumVolume": 30800,
    "unactiveBidSmallVolume": 0, "unactiveBidTotalVolume": 3884900, "unactiveOffMostAmount": 6003556143.41,
    "unactiveOffBigAmount": 383940472.66, "unactiveOffMediumAmount": 59646590.24, "unactiveOffSmallAmount": 0.0,
    "unactiveOffTotalAmount": 6447143206.31, "unactiveOffMostVolume": 3242400, "unactiveOffBigVolume": 207300,
    "unactiveOffMediumVolume": 32200, "unactiveOffSmallVolume": 0, "unactiveOffTotalVolume": 3481900,
    "netInflowMostAmount": -740683928.85, "netInflowBigAmount": -7985055.13, "netInflowMediumAmount": 2792159.85,
    "netInflowSmallAmount": 0.0, "netInflowMostVolume": -400200, "netInflowBigVolume": -4300,
    "netInflowMediumVolume": 1500, "netInflowSmallVolume": 0,
    # after the close: nothing changed over the last 3 seconds
    **dict.fromkeys((key for key in _class_fields() if key.endswith("Dx")), 0),
}  # fmt: skip


class TransactionCountAnswer(BaseModel):
    """Big-order statistics of today's trades, by code (``get_transactioncount``)."""

    model_config = documented({"data": {"600519.SH": TRANSACTION_COUNT_EXAMPLE}})

    data: dict[str, TransactionCount] = Field(  # type: ignore[valid-type]
        ..., description="code → statistics; codes without Level-2 data are left out"
    )


class OrderRank(BaseModel):
    """Where an order stands in its price level's queue."""

    model_config = ConfigDict(extra="forbid")

    pricerank: int = Field(
        ..., description="the volume ahead of the order, shares; -1 when unknown (no data)"
    )


class OrderRankAnswer(BaseModel):
    """The queue position of an order at its price (``get_order_rank``)."""

    model_config = documented({"stock": "000001.SZ", "data": {"pricerank": 27200}})

    stock: str
    data: OrderRank
