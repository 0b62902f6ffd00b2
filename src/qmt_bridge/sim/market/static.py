"""Static reference data of the simulated xtquant: markets, periods, sessions, instrument records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from qmt_bridge.sim.market import instruments as kinds
from qmt_bridge.sim.market.bars import day_start_ms
from qmt_bridge.sim.market.instruments import Instrument
from qmt_bridge.sim.market.trading_hours import (
    COMMODITY_MARKETS,
    STOCK_HOURS,
    Schedule,
    kline_periods,
    market_hours,
    schedule_of,
    trading_periods,
)

if TYPE_CHECKING:
    from qmt_bridge.sim.market.market import SimMarket

__all__ = ["MARKETS", "PERIOD_LIST", "TRADING_MARKETS"]

#: ``xtdata.get_markets()``
MARKETS: dict[str, str] = {
    "SH": "上交所",
    "SZ": "深交所",
    "BJ": "北交所",
    "HK": "港交所",
    "HGT": "沪港通",
    "SGT": "深港通",
    "IF": "中金所",
    "SF": "上期所",
    "DF": "大商所",
    "ZF": "郑商所",
    "GF": "广期所",
    "INE": "能源交易所",
    "SHO": "上证期权",
    "SZO": "深证期权",
    "BKZS": "板块指数",
}

#: Markets whose trading days follow the mainland calendar (what ``get_trading_dates`` serves).
TRADING_MARKETS = frozenset({"SH", "SZ", "BJ", "IF", "SF", "DF", "ZF", "GF", "INE", "SHO", "SZO"})

#: ``xtdata.get_period_list()``: the client's list, after the named periods xtdata.py merges in front of it
#: (its ``__TUPLE_PERIODS`` entries that have a description: the HK broker queues).
PERIOD_LIST: tuple[dict[str, str], ...] = (
    {"name": "brokerqueue", "desc": "港股委托经纪人队列"},
    {"name": "brokerqueue2", "desc": "港股委托经纪人队列(对结果进行转换)"},
    {"name": "tick", "desc": "分笔数据"},
    {"name": "1m", "desc": "1分钟线"},
    {"name": "5m", "desc": "5分钟线"},
    {"name": "15m", "desc": "15分钟线"},
    {"name": "30m", "desc": "30分钟线"},
    {"name": "1h", "desc": "1小时线"},
    {"name": "1d", "desc": "日线"},
    {"name": "1w", "desc": "周线"},
    {"name": "1mon", "desc": "月线"},
    {"name": "1q", "desc": "季线"},
    {"name": "1hy", "desc": "半年线"},
    {"name": "1y", "desc": "年线"},
)

_EXCHANGE_LONG = {"IF": "CFFEX", "SF": "SHFE", "DF": "DCE", "ZF": "CZCE", "GF": "GFEX", "INE": "INE"}


def _derivative_hours(market: str, inst: Instrument | None) -> Schedule | None:
    """The hours of a futures exchange's instrument (``inst``, or without one the market's own: CFFEX's
    index futures', the night exchanges' night until 23:00, GFEX's day); None for other markets."""
    if market != "IF" and market not in COMMODITY_MARKETS:
        return None
    return schedule_of(inst) if inst is not None else market_hours(market)


def kline_trading_periods(market: str, inst: Instrument | None) -> list[dict[str, Any]]:
    """``get_kline_trading_period``'s ``tradings``: A-share hours but for the futures exchanges'
    instruments (:func:`trading_period`)."""
    return kline_periods(_derivative_hours(market, inst) or STOCK_HOURS)


def trading_period(market: str, inst: Instrument | None) -> dict[str, Any]:
    """``xtdata.get_trading_period``: session envelope with times as ``hhmmss`` ints."""
    if market in ("HK", "HGT", "SGT"):
        tradings = [
            {"status": 2, "time": [0, [91500, 0], [92000, 0]]},
            {"status": 3, "time": [0, [93000, 0], [120000, 0]]},
            {"status": 3, "time": [0, [130000, 0], [160000, 0]]},
            {"status": 8, "time": [0, [160000, 0], [161000, 0]]},
        ]
    elif (hours := _derivative_hours(market, inst)) is not None:
        tradings = trading_periods(hours)
    else:
        tradings = [
            {"status": 2, "time": [0, [91500, 0], [92500, 0]]},
            {"status": 3, "time": [0, [93000, 0], [113000, 0]]},
            {"status": 3, "time": [0, [130000, 0], [145700, 0]]},
            {"status": 8, "time": [0, [145700, 0], [150000, 0]]},
        ]
        if inst is not None and inst.kind == kinds.INDEX:
            tradings[-2] = {"status": 3, "time": [0, [130000, 0], [150000, 0]]}
            tradings.pop()
    category = inst.kind if inst is not None else ""
    product = inst.product if inst is not None else ""
    return {
        "market": market,
        "codeRegex": "*",
        "product": product,
        "category": category,
        "tradings": tradings,
    }


def instrument_type(inst: Instrument) -> dict[str, bool]:
    """``xtdata.get_instrument_type``: only the flags that are true."""
    if inst.kind == kinds.STOCK:
        return {"stock": True, "a_share": True}
    if inst.kind == kinds.INDEX:
        return {"index": True}
    if inst.kind == kinds.ETF:
        return {"fund": True, "etf": True}
    if inst.kind == kinds.CB:
        return {"bond": True, "convertible_bond": True}
    if inst.kind == kinds.REPO:  # a bond-market product; "repurchase" tells it from a bond (:mod:`.repo`)
        return {"bond": True, "repurchase": True}
    if inst.kind == kinds.FUTURE:
        return {"future": True}
    if inst.kind == kinds.OPTION:
        return {"option": True}
    if inst.kind == kinds.HK:
        return {"stock": True, "hk": True}
    return {}


def _product_type(inst: Instrument) -> int:
    if inst.kind == kinds.FUTURE:
        return 1
    if inst.kind == kinds.OPTION:
        if inst.market == "IF":  # xtdata.md: ProductType 6 = 期权(IF); stock options 0 call / 1 put
            return 6
        return 0 if inst.option_type == "CALL" else 1
    return -1


def instrument_detail(market: SimMarket, inst: Instrument, iscomplete: bool) -> dict[str, Any]:
    """``xtdata.get_instrument_detail``: xtquant's 31 keys (dates as ``'YYYYMMDD'`` strings). A future's
    ``TradingDay`` (and its limits, pre-close and pre-settlement) is the next trading day's from its night
    session's 21:00 on."""
    day = market.current_day(schedule_of(inst))
    pre_close, pre_settle, up, down, last_volume = market.prices.references.get_or_build(
        (inst.code, day), lambda: _day_reference(market, inst, day)
    )
    main = 0
    if inst.kind == kinds.FUTURE and inst.product:
        for cont in market.universe.continuous_codes():
            if market.universe.main_contract(cont, day) == inst.code:
                main = 1
    detail: dict[str, Any] = {
        "ExchangeID": inst.market,
        "InstrumentID": inst.symbol,
        "InstrumentName": inst.name,
        "ProductID": inst.product,
        "ProductName": inst.product,
        "ProductType": _product_type(inst),
        "ExchangeCode": inst.symbol,
        "UniCode": inst.symbol,
        "CreateDate": inst.list_date.strftime("%Y%m%d"),
        "OpenDate": inst.list_date.strftime("%Y%m%d"),
        "ExpireDate": inst.expire_date.strftime("%Y%m%d") if inst.expire_date else "99999999",
        "TradingDay": day.strftime("%Y%m%d"),
        "PreClose": pre_close,
        "SettlementPrice": pre_settle,
        "UpStopPrice": up,
        "DownStopPrice": down,
        "FloatVolume": float(inst.float_shares),
        "TotalVolume": float(inst.total_shares),
        "LongMarginRatio": 0.12 if inst.kind == kinds.FUTURE else 0.0,
        "ShortMarginRatio": 0.12 if inst.kind == kinds.FUTURE else 0.0,
        "PriceTick": inst.price_tick,
        "VolumeMultiple": inst.volume_multiple,
        "MainContract": main,
        "LastVolume": last_volume,
        "InstrumentStatus": 0,
        "IsTrading": inst.listed_on(day),
        "IsRecent": (day - inst.list_date).days < 30,
        "ProductTradeQuota": 0,
        "ContractTradeQuota": 0,
        "ProductOpenInterestQuota": 0,
        "ContractOpenInterestQuota": 0,
    }
    if iscomplete:
        detail.update(_extended_detail(inst, day))
    return detail


def _day_reference(market: SimMarket, inst: Instrument, day: Any) -> tuple[float, float, float, float, int]:
    """(PreClose, SettlementPrice, UpStopPrice, DownStopPrice, LastVolume) for the trading day ``day``.

    SettlementPrice is xtquant's 前结算价格: the previous day's settlement for futures and options (what
    the snapshot's ``lastSettlementPrice`` says), 0 for other kinds."""
    daily = market.prices.daily(inst)
    times = daily["time"]
    if len(times) == 0:
        return 0.0, 0.0, 0.0, 0.0, 0
    idx = int(np.searchsorted(times, day_start_ms(day), side="right")) - 1
    if idx < 0:
        return 0.0, 0.0, 0.0, 0.0, 0
    on_day = times[idx] == day_start_ms(day)
    pre_close = float(daily["preClose"][idx]) if on_day else float(daily["close"][idx])
    before = idx - 1 if on_day else idx  # the last day before ``day``
    pre_settle = 0.0
    if inst.kind in (kinds.FUTURE, kinds.OPTION):
        pre_settle = float(daily["settelementPrice"][before]) if before >= 0 else pre_close
    last_volume = int(daily["volume"][before]) if before >= 0 else int(daily["volume"][idx])
    limits = market.prices.limits(inst, day) if on_day else None
    down, up = limits if limits else (0.0, 0.0)
    return pre_close, pre_settle, up, down, last_volume


def _extended_detail(inst: Instrument, day: Any) -> dict[str, Any]:
    """The ``ExtendInfo`` fields ``iscomplete=True`` flattens in (a representative subset)."""
    bond = inst.kind in (kinds.CB, kinds.REPO)
    lot = 10 if bond else 1 if inst.kind in (kinds.FUTURE, kinds.OPTION) else 100
    min_buy = 200 if inst.board == kinds.STAR else lot
    # repos: orders of 10-100,000 张 (1,000 CNY to 10 million CNY), limit orders only
    most = 500 if inst.kind == kinds.FUTURE else 100_000 if inst.kind == kinds.REPO else 1_000_000
    return {
        "MaxLimitOrderVolume": most,
        "MinLimitOrderVolume": min_buy,
        "MaxMarketOrderVolume": 500_000 if inst.kind != kinds.FUTURE else 100,
        "MinMarketOrderVolume": min_buy,
        "MaxFixedBuyOrderVol": 1_000_000,
        "MinFixedBuyOrderVol": min_buy,
        "MaxFixedSellOrderVol": 1_000_000,
        "MinFixedSellOrderVol": lot if inst.kind != kinds.STOCK else 1,
        "DayCountFromIPO": (day - inst.list_date).days,
        "secuCategory": inst.kind,
        "HSGTFlag": 0,
        "BondParValue": 100.0 if bond else 0.0,
        "OptUndlCode": inst.underlying.split(".")[0] if inst.kind == kinds.OPTION else "",
        "OptUndlMarket": inst.underlying.split(".")[-1] if inst.kind == kinds.OPTION else "",
        "OptLotSize": inst.volume_multiple if inst.kind == kinds.OPTION else 0,
        "OptExercisePrice": inst.strike,
        "EndDelivDate": inst.expire_date.strftime("%Y%m%d") if inst.expire_date else "",
        "OptionType": {"CALL": 0, "PUT": 1}.get(inst.option_type, -1),
        "ExchangeName": _EXCHANGE_LONG.get(inst.market, inst.market),
        "IsST": inst.is_st_on(day),
    }
