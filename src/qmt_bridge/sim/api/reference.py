"""Reference data beyond the core: trading periods of all markets, field dictionaries, subscriptions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmt_bridge.sim.market import instruments as kinds
from qmt_bridge.sim.market.static import MARKETS, trading_period

if TYPE_CHECKING:
    from qmt_bridge.sim.market.market import SimMarket

#: ``get_field_list(metaid)`` for the metaids the simulator serves.
FIELD_LISTS: dict[int, dict[str, str]] = {
    3001: {
        "time": "时间",
        "open": "开盘价",
        "high": "最高价",
        "low": "最低价",
        "close": "收盘价",
        "volume": "成交量",
        "amount": "成交额",
        "settelementPrice": "今结算",
        "openInterest": "持仓量",
        "preClose": "前收盘价",
        "suspendFlag": "停牌",
        "dr": "当日除权系数",
        "totaldr": "总的除权系数",
    },
    2: {
        "time": "时间",
        "lastPrice": "最新价",
        "open": "开盘价",
        "high": "最高价",
        "low": "最低价",
        "lastClose": "前收盘价",
        "amount": "成交额",
        "volume": "成交量",
        "pvolume": "原始成交总量",
        "stockStatus": "证券状态",
        "openInt": "持仓量",
        "transactionNum": "成交笔数",
        "lastSettlementPrice": "前结算",
        "settlementPrice": "今结算",
        "askPrice": "委卖价",
        "bidPrice": "委买价",
        "askVol": "委卖量",
        "bidVol": "委买量",
    },
}

#: Bar-building rules per market for ``get_kline_trading_period``: (auction bar, continuous spans).
_KLINE_SESSIONS = {
    "stock": [
        {"type": "auction", "source": [0, [91500, 0], [92500, 0]], "bartime": [0, 93000]},
        {"type": "continuous", "bartime": [0, 93000, 113000]},
        {"type": "continuous", "bartime": [0, 130000, 150000]},
    ],
}


class ReferenceAPI:
    """``get_kline_trading_period``, ``get_all_trading_periods``, ``get_all_kline_trading_periods``,
    ``get_field_list``, ``get_wp_market_list``, ``is_stock_type``, subscription info."""

    market: SimMarket

    def get_kline_trading_period(self, stock_code: str) -> dict[str, Any]:
        inst = self.market.universe.get(stock_code)
        market = inst.market if inst else stock_code.rsplit(".", 1)[-1]
        envelope = trading_period(market, inst)
        envelope.pop("tradings")
        envelope["klines"] = [dict(item) for item in _KLINE_SESSIONS["stock"]]
        return envelope

    def get_all_trading_periods(self) -> list[dict[str, Any]]:
        return [trading_period(market, None) for market in MARKETS if market != "BKZS"]

    def get_all_kline_trading_periods(self) -> list[dict[str, Any]]:
        return [self.get_kline_trading_period(f"000000.{market}") for market in MARKETS if market != "BKZS"]

    def get_field_list(self, metaid: int) -> dict[str, str]:
        return dict(FIELD_LISTS.get(int(metaid), {}))

    def get_wp_market_list(self) -> list[str]:
        """Foreign (外盘) markets: the simulator has none."""
        return []

    def is_stock_type(self, stock: str, tag: int) -> bool:
        """Membership of a code in an ``xtstocktype`` class, for the classes the simulator knows."""
        inst = self.market.universe.get(stock)
        if inst is None:
            return False
        classes = _STOCK_TYPE_CLASSES.get(int(tag))
        return classes is not None and classes(inst)

    def get_current_connect_sub_info(self) -> list[dict[str, Any]]:
        return []

    def get_all_sub_info(self) -> list[dict[str, Any]]:
        return []


def _is_a_share(inst: kinds.Instrument) -> bool:
    return inst.kind == kinds.STOCK


#: A few ``xtstocktype`` constants (values from the wheel's xtstocktype.py) and their rule.
_STOCK_TYPE_CLASSES = {
    101: lambda i: i.kind == kinds.STOCK and i.market == "SH",  # XT_GE_SH_A
    104: lambda i: i.kind == kinds.INDEX and i.market == "SH",  # XT_GE_SH_INDEX
    105: lambda i: i.kind == kinds.ETF and i.market == "SH",  # XT_GE_SH_ETF
    135: lambda i: i.kind == kinds.CB and i.market == "SH",  # XT_GE_SH_CONVERTIBALE_BOND (sic)
    277: lambda i: i.board == kinds.STAR,  # XT_GE_SH_TECH_BOARD
    10001: lambda i: i.kind == kinds.STOCK and i.market == "SZ",  # XT_GE_SZ_A
    10006: lambda i: i.board == kinds.CHINEXT,  # XT_GE_SZ_GEM_BORAD (sic)
    10007: lambda i: i.kind == kinds.INDEX and i.market == "SZ",  # XT_GE_SZ_INDEX
    10008: lambda i: i.kind == kinds.ETF and i.market == "SZ",  # XT_GE_SZ_ETF
    10019: lambda i: i.kind == kinds.CB and i.market == "SZ",  # XT_GE_SZ_CBB
    20002: lambda i: i.board == kinds.BJ,  # XT_GE_BJ
    100001: _is_a_share,  # XT_GE_EXTRA_STOCK_A
}
