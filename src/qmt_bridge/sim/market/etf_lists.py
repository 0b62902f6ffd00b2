"""ETF creation/redemption lists (申赎清单, PCF): what ``xtdata.get_etf_info`` returns.

Keys are the Chinese field descriptions of ``config/metaInfo.json`` metaid 2004 (xtquant renames the numeric
keys with them; 占净值比例 / 持股数 / 持仓市值, keys 25-27, are dropped by xtquant and never appear), plus
``'market'``. Component codes carry their market suffix and ``成份股所属市场`` is ``'SH'``/``'SZ'``/``'BJ'``
(xtquant converts the numeric market ids).

Model: the list for trading day T (the market's current day) is built from T-1 closes. NAV per unit is the
ETF's own T-1 close; the creation unit's value ``V = 最小申购、赎回单位 x NAV`` is spread over the basket by
weight and each component's share count is ``round(weight x V / price)`` in lots of 100 (``成份股数量``).
Components are "allowed" (现金替代标志 1) on the ETF's own exchange and cash-refund (3, 退补) on the other one;
components worth less than a lot are must-cash (2): their 申购替代金额 / 赎回替代金额 is their weight's
value and their share count is indicative. So, to the cent, ``sum(成份股数量 x T-1 close over flags 1 and 3)
+ sum(申购替代金额 over flag 2) + 现金差额 == 最小申购、赎回单位净值``; the unit is sized (1-2x max(1.5M,
12,000 x basket size) CNY, and at least 40 lots of its dearest lot-held component) so that must-cash
components are rare and lot rounding stays within a few percent of the unit's value.

Baskets: index ETFs hold the index's constituents on T with the simulator's index weights (510300 / 159919
/ 510330 -> 000300.SH, 510050 -> 000016.SH, 510500 -> 000905.SH, 588000 / 588080 -> 000688.SH, 159915 /
159949 -> 399006.SZ, 512100 / 159845 -> 000852.SH, 510180 -> 000010.SH); sector ETFs (银行, 证券, 医药, 半导体,
芯片, 军工, 酒, 新能源车) hold the 50 largest stocks of their SW1 industry weighted by float market cap;
gold, bond and cross-border ETFs have an empty component list (cash creation); every other ETF tracks one
of the seven indices above, chosen from its name where it names one, else by a stable hash of its code.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from collections.abc import Callable

from qmt_bridge.sim.market.instruments import ETF, STOCK, Instrument
from qmt_bridge.sim.market.sectors import Sectors
from qmt_bridge.sim.market.universe import Universe

# metaInfo.json 2004 field descriptions (exact strings)
K_CODE = "基金代码"
K_NAME = "基金名称"
K_CASH_DIFF = "现金差额"
K_UNIT_NAV = "最小申购、赎回单位净值"
K_NAV = "基金份额净值"
K_EST_CASH = "预估现金差额"
K_CASH_RATIO = "现金替代比例上限"
K_IOPV = "是否需要公布IOPV"
K_UNIT = "最小申购、赎回单位"
K_CREATE_OK = "申购的允许情况"
K_REDEEM_OK = "赎回的允许情况"
K_CREATE_MAX = "申购上限"
K_REDEEM_MAX = "赎回上限"
K_COMPONENTS = "成份股信息"
C_CODE = "成份股代码"
C_NAME = "成份股名称"
C_QTY = "成份股数量"
C_FLAG = "现金替代标志"
C_CREATE_PREMIUM = "申购现金替代溢价比率"
C_CREATE_AMOUNT = "申购替代金额"
C_REDEEM_DISCOUNT = "赎回现金替代折价比率"
C_REDEEM_AMOUNT = "赎回替代金额"
C_MARKET = "成份股所属市场"
C_MAP = "映射代码"
C_PHYSICAL = "是否实物对价申赎"

FLAG_ALLOWED = 1  # 允许现金替代
FLAG_MUST = 2  # 必须现金替代
FLAG_REFUND = 3  # 退补现金替代 (component on the other exchange)

#: ETF -> tracked index (explicit, well-known products).
INDEX_ETFS: dict[str, str] = {
    "510300.SH": "000300.SH",
    "510330.SH": "000300.SH",
    "159919.SZ": "000300.SH",
    "510050.SH": "000016.SH",
    "510180.SH": "000010.SH",
    "510500.SH": "000905.SH",
    "588000.SH": "000688.SH",
    "588080.SH": "000688.SH",
    "159915.SZ": "399006.SZ",
    "159949.SZ": "399006.SZ",
    "512100.SH": "000852.SH",
    "159845.SZ": "000852.SH",
}
#: Indices generated ETFs may track (the brief's seven).
GENERIC_INDICES = ("000300.SH", "000016.SH", "000905.SH", "000688.SH", "399006.SZ", "000852.SH", "000010.SH")
_NAME_HINTS = (
    ("沪深300", "000300.SH"),
    ("上证50", "000016.SH"),
    ("上证180", "000010.SH"),
    ("中证500", "000905.SH"),
    ("中证1000", "000852.SH"),
    ("中证2000", "000852.SH"),
    ("科创", "000688.SH"),
    ("创业板", "399006.SZ"),
)
#: Sector ETFs: ETF -> SW1 industry.
SECTOR_ETFS: dict[str, str] = {
    "512800.SH": "银行",
    "512880.SH": "非银金融",
    "512010.SH": "医药生物",
    "512480.SH": "电子",
    "159995.SZ": "电子",
    "512660.SH": "国防军工",
    "512690.SH": "食品饮料",
    "515030.SH": "汽车",
}
_CROSS_BORDER = ("恒生", "纳指", "标普", "日经", "德国", "法国", "沙特", "东南亚", "香港", "港股", "中概")
_MARKET_OF = {"SH": "SH", "SZ": "SZ", "BJ": "BJ", "HK": "HK"}


def etf_kind(inst: Instrument) -> str:
    """``'index'``, ``'sector'``, ``'gold'``, ``'bond'`` or ``'cross'`` (cross-border)."""
    if inst.code in SECTOR_ETFS:
        return "sector"
    if inst.code in INDEX_ETFS:
        return "index"
    name = inst.name
    if name.startswith("黄金ETF"):
        return "gold"
    if inst.code == "511010.SH" or "国债" in name:
        return "bond"
    if any(word in name for word in _CROSS_BORDER):
        return "cross"
    return "index"


def tracked_index(inst: Instrument) -> str:
    """The index an index ETF tracks (explicit table, then the name, then a stable hash of the code)."""
    hit = INDEX_ETFS.get(inst.code)
    if hit:
        return hit
    for word, index in _NAME_HINTS:
        if word in inst.name:
            return index
    return GENERIC_INDICES[zlib.crc32(inst.code.encode()) % len(GENERIC_INDICES)]


def _unit(inst: Instrument, nav: float, weights: dict[str, float], prices: dict[str, float]) -> int:
    """Creation unit (ETF shares, a multiple of 100,000) worth 1-2x ``max(1.5M, 12,000 x basket size)`` CNY,
    raised so that no component held in lots has a lot worth more than 2.5% of the unit."""
    h = zlib.crc32(("unit|" + inst.code).encode())
    target = max(1.5e6, 12_000.0 * len(weights)) * (1.0 + (h % 1000) / 1000.0)
    total_w = sum(weights.values()) or 1.0
    nav = max(nav, 0.01)
    unit = 100_000
    for _ in range(20):
        unit = max(100_000, math.ceil(target / nav / 100_000) * 100_000)
        value = unit * nav
        lots = [100.0 * p for c, p in prices.items() if weights.get(c, 0.0) / total_w * value >= 50.0 * p]
        biggest = max(lots, default=0.0)
        if 40.0 * biggest <= value:
            break
        target = 40.0 * biggest
    return unit


def creation_list(
    inst: Instrument,
    universe: Universe,
    sectors: Sectors,
    day: dt.date,
    prev_day: dt.date,
    close_on: Callable[[Instrument, dt.date], float | None],
) -> dict:
    """The xtquant ``get_etf_info`` entry of ETF ``inst`` for trading day ``day`` (prices of ``prev_day``)."""
    symbol, market = inst.code.split(".")
    nav = close_on(inst, prev_day)
    if nav is None or not math.isfinite(nav) or nav <= 0:
        nav = inst.base_price
    kind = etf_kind(inst)
    weights = _basket(inst, kind, universe, sectors, day)
    prices: dict[str, float] = {}
    for code in weights:
        stock = universe.get(code)
        price = close_on(stock, prev_day) if stock is not None else None
        if price is not None and price > 0:
            prices[code] = price
    unit = _unit(inst, nav, weights, prices)
    value = round(unit * nav, 2)
    h = zlib.crc32(("pcf|" + inst.code + "|" + day.isoformat()).encode())

    components: list[dict] = []
    held = 0.0
    if weights:
        total_w = sum(weights.values())
        for code in sorted(weights):
            stock = universe.get(code)
            price = prices.get(code)
            if stock is None or price is None:
                continue
            amount = weights[code] / total_w * value
            lots = int(round(amount / price / 100.0))
            if lots > 0:
                qty = lots * 100
                flag = FLAG_ALLOWED if stock.market == market else FLAG_REFUND
                cash = round(qty * price, 2)
                held += qty * price
            else:  # less than a lot: must be paid in cash (the share count is indicative)
                qty = int(round(amount / price))
                flag = FLAG_MUST
                cash = round(amount, 2)
                held += cash
            components.append(
                {
                    C_CODE: code,
                    C_NAME: stock.name,
                    C_QTY: qty,
                    C_FLAG: flag,
                    C_CREATE_PREMIUM: 0.1 if flag != FLAG_MUST else 0.0,
                    C_CREATE_AMOUNT: 0.0 if flag == FLAG_ALLOWED else cash,
                    C_REDEEM_DISCOUNT: 0.1 if flag == FLAG_REFUND else 0.0,
                    C_REDEEM_AMOUNT: 0.0 if flag == FLAG_ALLOWED else cash,
                    C_MARKET: _MARKET_OF.get(stock.market, stock.market),
                    C_MAP: "",
                    C_PHYSICAL: 1 if flag == FLAG_ALLOWED else 0,
                }
            )
        cash_diff = round(value - held, 2)
    else:
        cash_diff = round(value * 0.0005 * ((h % 200) / 100.0 - 1.0), 2)
    cross = kind in ("cross", "gold", "bond")
    return {
        "market": market,
        K_CODE: symbol,
        K_NAME: inst.name,
        K_CASH_DIFF: cash_diff,
        K_UNIT_NAV: value,
        K_NAV: round(nav, 4),
        K_EST_CASH: round(cash_diff + value * 0.0002 * (((h >> 8) % 200) / 100.0 - 1.0), 2),
        K_CASH_RATIO: 1.0 if cross else 0.5,
        K_IOPV: 1,
        K_UNIT: unit,
        K_CREATE_OK: 1,
        K_REDEEM_OK: 1,
        K_CREATE_MAX: float(unit * 200) if cross else 0.0,
        K_REDEEM_MAX: 0.0,
        K_COMPONENTS: components,
    }


def _basket(
    inst: Instrument, kind: str, universe: Universe, sectors: Sectors, day: dt.date
) -> dict[str, float]:
    """Constituent -> weight (any positive scale) of the basket ``inst`` holds on ``day``."""
    if kind == "index":
        weights = sectors.index_weights(tracked_index(inst), day) or {}
        if inst.code == "159949.SZ":  # 创业板50: the 50 largest 创业板指 members
            weights = dict(sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:50])
        return weights
    if kind == "sector":
        industry = SECTOR_ETFS[inst.code]
        members = sectors.members("SW1" + industry, day) or []
        stocks = [universe.get(c) for c in members]
        ranked = sorted(
            (s for s in stocks if s is not None and s.kind == STOCK),
            key=lambda s: (-(s.float_shares * s.base_price), s.code),
        )[:50]
        return {s.code: float(s.float_shares * s.base_price) for s in ranked}
    return {}


def all_etfs(universe: Universe) -> list[Instrument]:
    return universe.by_kind(ETF)
