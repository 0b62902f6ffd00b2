"""The counter's order checks: lot sizes, maximum volumes, the price grid and limits, price types.

Choices where the exchanges leave room or the simulator simplifies (volumes in shares, bonds in 张):

- Buys: main boards and ETFs/LOFs in multiples of 100; STAR (688/689) at least 200, then any number of
  shares; BJ at least 100, then any number; convertible bonds in multiples of 10.
- Sells follow the same rules, except that a sell of the *whole* sellable volume may be any size (the
  odd remainder "余额不足一手部分应当一次性申报卖出").
- Maximum per order (limit / market orders): main boards, BJ and funds 1,000,000 / 1,000,000; STAR
  100,000 / 50,000; ChiNext 300,000 / 150,000; convertible bonds 100,000 / 100,000 张.
- Reverse repos (:mod:`.repo`): 10 张 (1,000 CNY) at least, in multiples of 10, at most 100,000 张;
  limit orders only (:mod:`.repo_orders`).
- Price: > 0, on the ``PriceTick`` grid, and for limit orders inside [DownStopPrice, UpStopPrice] (no band
  where the detail gives 0, e.g. instruments without limits).
- Price types: FIX_PRICE 11 and LATEST_PRICE 5 everywhere; MARKET_PEER_PRICE_FIRST 44 and
  MARKET_MINE_PRICE_FIRST 45 on SH, SZ and BJ; the SSE/BSE best-5 types 42 and 43 on SH and BJ (xtconstant
  documents them for "SSE/BSE stock"); the SZSE types 46, 47 and 48 on SZ only. Anything else is refused.
  Market types (all but 5 and 11) are taken in continuous trading only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import rejections as why
from qmt_bridge.sim.broker.money import price_li_exact, to_yuan
from qmt_bridge.sim.broker.rejections import Rejection
from qmt_bridge.sim.broker.securities import BJ, BOND, CHINEXT, FUND, MAIN, REPO, STAR, Security

if TYPE_CHECKING:
    from qmt_bridge.sim.broker.ledger import Order
    from qmt_bridge.sim.broker.quotes import Book, Limits, Quotes

#: How a price type sets the working price.
GIVEN, LATEST, PEER, MINE, MARKET = "given", "latest", "peer", "mine", "market"
#: What happens to the part not filled at once: rests for the day, is cancelled (IOC), all-or-nothing
#: (FOK), or rests as a limit at the last fill price (SSE 43).
DAY, IOC, FOK, TO_LIMIT = "day", "ioc", "fok", "to_limit"


@dataclass(frozen=True)
class PriceRule:
    """One price type: where its price comes from, what its remainder does, which exchanges take it."""

    source: str
    remainder: str
    markets: frozenset[str]

    @property
    def is_market(self) -> bool:
        """A market order for the exchange's purposes (maximum volume, continuous trading only)."""
        return self.source in (PEER, MINE, MARKET)


_ALL = frozenset({"SH", "SZ", "BJ"})
PRICE_RULES: dict[int, PriceRule] = {
    xc.FIX_PRICE: PriceRule(GIVEN, DAY, _ALL),
    xc.LATEST_PRICE: PriceRule(LATEST, DAY, _ALL),
    xc.MARKET_PEER_PRICE_FIRST: PriceRule(PEER, DAY, _ALL),
    xc.MARKET_MINE_PRICE_FIRST: PriceRule(MINE, DAY, _ALL),
    xc.MARKET_SH_CONVERT_5_CANCEL: PriceRule(MARKET, IOC, frozenset({"SH", "BJ"})),
    xc.MARKET_SH_CONVERT_5_LIMIT: PriceRule(MARKET, TO_LIMIT, frozenset({"SH", "BJ"})),
    xc.MARKET_SZ_INSTBUSI_RESTCANCEL: PriceRule(MARKET, IOC, frozenset({"SZ"})),
    xc.MARKET_SZ_CONVERT_5_CANCEL: PriceRule(MARKET, IOC, frozenset({"SZ"})),
    xc.MARKET_SZ_FULL_OR_CANCEL: PriceRule(MARKET, FOK, frozenset({"SZ"})),
}

_EXCHANGE_NAMES = {"SH": "上交所", "SZ": "深交所", "BJ": "北交所"}

#: (limit order maximum, market order maximum) per board.
MAX_VOLUME = {
    MAIN: (1_000_000, 1_000_000),
    BJ: (1_000_000, 1_000_000),
    FUND: (1_000_000, 1_000_000),
    STAR: (100_000, 50_000),
    CHINEXT: (300_000, 150_000),
    BOND: (100_000, 100_000),
    REPO: (100_000, 100_000),
}

#: (minimum, step) of an order's volume per board: volume = minimum + k * step.
LOT_RULES = {
    MAIN: (100, 100),
    CHINEXT: (100, 100),
    FUND: (100, 100),
    STAR: (200, 1),
    BJ: (100, 1),
    BOND: (10, 10),
    REPO: (10, 10),
}


def price_rule(price_type: int, sec: Security) -> PriceRule:
    """The rule of ``price_type`` for ``sec``'s exchange, or :class:`Rejection`."""
    rule = PRICE_RULES.get(price_type)
    if rule is None:
        raise Rejection(why.PRICE_TYPE, f"不支持的报价类型: price_type={price_type}")
    if sec.market not in rule.markets:
        exchange = _EXCHANGE_NAMES[sec.market]
        raise Rejection(
            why.PRICE_TYPE, f"{exchange}证券不支持该报价类型: price_type={price_type} ({sec.code})"
        )
    return rule


def check_volume(
    sec: Security, volume: int, *, is_buy: bool, is_market: bool, can_use: int = 0, side: str | None = None
) -> None:
    """Lot and size rules (module docstring); ``can_use`` is the sellable volume (sells only). ``side``
    names the order in messages (default 买入 / 卖出); a short sale is checked as a buy is (full lots)."""
    if volume <= 0:
        raise Rejection(why.VOLUME, f"委托数量必须大于0: {volume}")
    limit_max, market_max = MAX_VOLUME[sec.board]
    most = market_max if is_market else limit_max
    if volume > most:
        kind = "市价" if is_market else "限价"
        raise Rejection(why.VOLUME, f"委托数量超过{kind}单笔最大数量{most}: {volume}")
    if not is_buy:
        if volume > can_use:
            raise Rejection(why.POSITION, f"可用股份不足: 委托{volume}, 可用{can_use} ({sec.code})")
        if volume == can_use:
            return  # the whole sellable volume, odd remainder included
    minimum, step = LOT_RULES[sec.board]
    if volume < minimum or (volume - minimum) % step:
        side = side or ("买入" if is_buy else "卖出")
        if step == minimum:
            rule = f"{minimum}的整数倍"
        else:
            rule = f"不少于{minimum}"
        raise Rejection(why.VOLUME, f"{side}数量必须为{rule}: {volume} ({sec.code})")


def check_price(sec: Security, price: float) -> int:
    """``price`` in li if it is positive and on ``sec``'s tick grid, else :class:`Rejection`."""
    if not (price > 0) or not math.isfinite(price):  # NaN compares False
        raise Rejection(why.PRICE, f"委托价格必须大于0: {price}")
    li = price_li_exact(price)
    if li is None or li == 0 or li % sec.tick_li:
        raise Rejection(why.PRICE, f"委托价格不是最小价格变动单位{to_yuan(sec.tick_li)}的整数倍: {price}")
    return li


def check_band(price_li: int, down_li: int, up_li: int) -> None:
    """``price_li`` inside [down, up]; a bound of 0 is no bound."""
    if up_li and price_li > up_li:
        raise Rejection(why.PRICE, f"委托价格{to_yuan(price_li)}高于涨停价{to_yuan(up_li)}")
    if down_li and price_li < down_li:
        raise Rejection(why.PRICE, f"委托价格{to_yuan(price_li)}低于跌停价{to_yuan(down_li)}")


def book_and_limit(
    order: Order, sec: Security, quotes: Quotes, rule: PriceRule, in_session: bool
) -> tuple[Book | None, Limits]:
    """The order's book (None outside the session for a limit order, which meets the book later) and the
    day's limits; a limit order's price checked on the tick grid and, when its day's limits are known, in
    the band (``order.limit_li`` set). :class:`Rejection` for a suspended code or one without quotes."""
    limits = quotes.limits(order.code)
    book = quotes.book(order.code, sec.book_unit) if in_session or rule.source != GIVEN else None
    if in_session and (book is None or book.suspended):
        raise Rejection(why.SECURITY, f"证券停牌或无行情: {order.code}")
    if rule.source == GIVEN:
        order.limit_li = check_price(sec, order.price)
        if limits.day == order.trading_day.strftime("%Y%m%d"):  # else checked when its day opens
            check_band(order.limit_li, limits.down_li, limits.up_li)
    return book, limits
