"""The 200 answers of the paths only qmt-bridge 2.1.3 has (``routers/compat.py``: utilities, stock names,
search, ...). Its aliases of our paths answer our endpoints' models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from qmt_bridge.server.answers import documented
from qmt_bridge.server.answers.market import Rows
from qmt_bridge.server.answers.tick import (
    FULLSPEED_EXAMPLE,
    TRANSACTION_COUNT_EXAMPLE,
    FullspeedBook,
    TransactionCount,
)


class TradingDatesCountAnswer(BaseModel):
    """How many trading days a range holds."""

    model_config = documented({"market": "SH", "count": 14})

    market: str
    count: int


class TradingTimeAnswer(BaseModel):
    """The trading sessions of one code (``get_trading_period``, under 2.1.3's key)."""

    model_config = documented(
        {
            "stock": "600519.SH",
            "trading_time": {
                "market": "SH", "codeRegex": "*", "product": "", "category": "stock",
                "tradings": [{"status": 3, "time": [0, [93000, 0], [113000, 0]]}],
            },
        }
    )  # fmt: skip

    stock: str
    trading_time: dict[str, Any] = Field(
        ...,
        description="market, codeRegex, product, category and tradings: each session's status (2 call auction, "
        "3 continuous, 8 closing auction) and time ([weekday, [hhmmss, day offset], [hhmmss, day offset]])",
    )


class OneFullspeedBookAnswer(BaseModel):
    """The full-speed order book of one code now (``get_fullspeed_orderbook``)."""

    model_config = documented({"stock": "600519.SH", "data": FULLSPEED_EXAMPLE})

    stock: str
    data: FullspeedBook | None = Field(..., description="null when there is none (no Level-2 data)")


class OneTransactionCountAnswer(BaseModel):
    """The big-order statistics of one code today (``get_transactioncount``)."""

    model_config = documented({"stock": "600519.SH", "data": TRANSACTION_COUNT_EXAMPLE})

    stock: str
    data: TransactionCount | None = Field(  # type: ignore[valid-type]
        ..., description="null when there are none (no Level-2 data)"
    )


class CbConversionPriceAnswer(BaseModel):
    """A convertible bond's conversion price history (``bnd_get_conversion_price``), as records."""

    model_config = documented(
        {
            "stock": "110044.SH",
            "data": [
                {"bond_conv_price_info.pub_date": 20200515, "bond_conv_price_info.effective_date": 20200522,
                 "bond_conv_price_info.execution_date": 20200522, "bond_conv_price_info.conversion_price": 11.38,
                 "bond_conv_price_info.conversion_rate": 8.7873, "bond_conv_price_info.conversion_volume": 0.0,
                 "bond_conv_price_info.conversion_amount_total": 0.0,
                 "bond_conv_price_info.bond_float_amount_remain": 135774.31,
                 "bond_conv_price_info.event_type": "初始转股价", "bond_conv_price_info.change_reason": "发行"}
            ],
        }
    )  # fmt: skip

    stock: str
    data: Rows = Field(
        ..., description="xtquant's columns (prefixed with their table's name), oldest first; [] when none"
    )


class QuoteServerStatusAnswer(BaseModel):
    """The connected quote servers (``get_quote_server_status``)."""

    model_config = documented({"data": {}})

    data: dict[str, dict[str, Any]] = Field(
        ..., description="quote key → that server's info as xtquant gives it; {} when none (the simulator)"
    )


class StockNameAnswer(BaseModel):
    """The name of one code (InstrumentName of ``get_instrument_detail``)."""

    model_config = documented({"stock": "600519.SH", "name": "贵州茅台"})

    stock: str
    name: str


class BatchStockNameAnswer(BaseModel):
    """The names of several codes."""

    model_config = documented({"data": {"600519.SH": "贵州茅台", "000001.SZ": "平安银行", "999999.SH": ""}})

    data: dict[str, str] = Field(
        ..., description='code → name, in the order asked; "" for a code xtquant lacks'
    )


class CodeToMarketAnswer(BaseModel):
    """The market of a code and its classes (``get_instrument_type``)."""

    model_config = documented(
        {"stock": "600519.SH", "market": "SH", "type": {"stock": True, "a_share": True}}
    )

    stock: str
    market: str = Field(..., description="the code's suffix: SH, SZ, BJ, HK, IF, ...")
    type: dict[str, bool] = Field(
        ..., description="class → true (index, stock, fund, etf, bond, future, ...)"
    )


class SearchAnswer(BaseModel):
    """Codes of a sector whose code or name contains a keyword (code matches first)."""

    model_config = documented({"keyword": "茅台", "count": 1, "stocks": ["600519.SH"]})

    keyword: str = Field(..., description="as asked")
    count: int
    stocks: list[str] = Field(..., description="at most limit codes; [] when none matches")


class IpoDownloadAnswer(BaseModel):
    """Nothing downloaded: ``get_ipo_info`` reads new issues from the quote server when asked."""

    model_config = documented(
        {"status": "ok", "function": None, "result": None, "note": "get_ipo_info needs no download"}
    )

    status: str = Field(..., description="always ok")
    function: None = Field(..., description="no xtquant function is called")
    result: None
    note: str
