"""CFFEX stock-index options (沪深300 IO, 中证1000 MO, 上证50 HO): their listings and exchange rules.

Unlike the ETF options, which the universe keeps for about 13 months after expiry, every index option
since its product's launch is kept: QMT's ``过期中金所`` sector lists them all, and
``get_option_list("000300.SH", "20250321")`` (the spec's example) must keep answering as the clock moves.

Rules (CFFEX's contract specifications, simplified where noted):

- Codes ``IO2503-C-4000.IF`` (product, YYMM, C/P, strike in index points); multiplier 100, tick 0.2 points,
  European, last trading day the third Friday of the month (the next trading day if it is a holiday).
- Months: the current month, the next two, and the next three quarter months (Mar/Jun/Sep/Dec); a month is
  listed the trading day after the previous month's expiry.
- Strikes: on the listing day they cover the index's previous close +-10%; every later day, strikes are
  added (listed the next trading day) so that the close +-10% stays covered. The interval depends on the
  strike and on whether the month is one of the three nearest (finer) or a quarter month further out:
  <= 2,500: 25 / 50, <= 5,000: 50 / 100, <= 10,000: 100 / 200, above: 200 / 400 points. A quarter month
  that moves into the three nearest gains the finer strikes from then on.
- Limits: previous settlement +- 10% of the index's previous close (down at least one tick).
- Short margin: settlement x 100 + max(index close x 100 x 10% - out-of-the-money amount, 0.5 x index
  close (calls) or strike (puts) x 100 x 10%).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import NamedTuple

from qmt_bridge.sim.market.calendar import TradingCalendar, nth_weekday
from qmt_bridge.sim.market.instruments import OPTION, Instrument


class IndexOptionProduct(NamedTuple):
    """One CFFEX index option product: its id, underlying index and first listing day."""

    product: str
    underlying: str
    launch: dt.date


INDEX_OPTION_PRODUCTS: tuple[IndexOptionProduct, ...] = (
    IndexOptionProduct("IO", "000300.SH", dt.date(2019, 12, 23)),
    IndexOptionProduct("MO", "000852.SH", dt.date(2022, 7, 22)),
    IndexOptionProduct("HO", "000016.SH", dt.date(2022, 12, 19)),
)
PRODUCT_BY_UNDERLYING: dict[str, IndexOptionProduct] = {p.underlying: p for p in INDEX_OPTION_PRODUCTS}

#: ``(spot, strike, years, call) -> premium``: the price a new contract is listed at.
PremiumFn = Callable[[float, float, float, bool], float]

MULTIPLIER = 100
TICK = 0.2
LIMIT_RATIO = 0.10  # of the index's previous close
MARGIN_RATIO = 0.10
MARGIN_FLOOR = 0.5
COVERAGE = 0.10  # strikes cover the close +-10%
MAX_STRIKES = 99  # per expiry: a bound, never reached by the real index paths
NEAR_MONTHS = 3  # the current month and the next two have the finer strike interval


def strike_step(strike: float, near: bool) -> int:
    """The strike interval (index points) at ``strike``: finer for the three nearest months."""
    if strike <= 2500:
        step = 25
    elif strike <= 5000:
        step = 50
    elif strike <= 10000:
        step = 100
    else:
        step = 200
    return step if near else 2 * step


def covering_strikes(close: float, near: bool) -> list[int]:
    """Every strike on the interval grid between ``close`` x 0.9 and x 1.1, plus the nearest grid strike
    on each side of the band, so that the at-the-money strike always has neighbours."""
    lo, hi = close * (1 - COVERAGE), close * (1 + COVERAGE)
    strikes = []
    k = _grid_floor(lo, near)
    while True:
        strikes.append(k)
        if k >= hi:
            break
        k += strike_step(k + 1, near)
    return strikes


def _grid_floor(value: float, near: bool) -> int:
    step = strike_step(value, near)
    return int(math.floor(value / step)) * step


def third_friday_expiry(cal: TradingCalendar, year: int, month: int) -> dt.date:
    """The last trading day of a month's contracts: the third Friday, or the next trading day."""
    return cal.on_or_after(nth_weekday(year, month, 4, 3))


def months_listed(current: int) -> list[int]:
    """Month ordinals (year x 12 + month - 1) listed while ``current`` is the current month: it, the next
    two, and the next three quarter months after those."""
    near = [current, current + 1, current + 2]
    q = current + 3
    while q % 3 != 2:  # ordinals (year x 12 + month - 1) of Mar/Jun/Sep/Dec are 2 mod 3
        q += 1
    return [*near, q, q + 3, q + 6]


def make_index_options(
    cal: TradingCalendar,
    today: dt.date,
    closes_of: Callable[[str], dict[dt.date, float]],
    price_of: PremiumFn,
) -> list[Instrument]:
    """Every index option listed by ``today`` since its product's launch (see the module docstring).

    ``closes_of(code)`` gives the index's daily closes; ``price_of(spot, strike, years, call)`` a premium
    for the listing day's reference price."""
    out: list[Instrument] = []
    for product in INDEX_OPTION_PRODUCTS:
        if product.launch > today:
            continue
        closes = closes_of(product.underlying)
        days = [d for d in cal.between(product.launch, today) if d in closes]
        if not days:
            continue
        out.extend(_product_options(cal, product, days, closes, price_of))
    return out


def _product_options(
    cal: TradingCalendar,
    product: IndexOptionProduct,
    days: list[dt.date],
    closes: dict[dt.date, float],
    price_of: PremiumFn,
) -> list[Instrument]:
    """Walk the product's trading days: list each month when it enters the cycle, add strikes as the index
    moves, and make one call and one put per (month, strike)."""
    strikes: dict[int, dict[int, dt.date]] = {}  # month ordinal -> strike -> listing day
    covered: dict[int, tuple[float, float, bool]] = {}  # month ordinal -> (low, high, near) covered
    expiry: dict[int, dt.date] = {}
    current = _month_ord(days[0])
    prev_close = closes.get(cal.prev_day(days[0]) or days[0], closes[days[0]])
    for day in days:
        while day > _expiry_of(cal, current, expiry):
            current += 1
        # strikes listed on ``day`` cover the previous close (a new month's ladder, and additions)
        lo, hi = prev_close * (1 - COVERAGE), prev_close * (1 + COVERAGE)
        for month in months_listed(current):
            if _expiry_of(cal, month, expiry) == day and month in strikes:
                continue  # nothing is listed on a contract's last trading day
            near = month < current + NEAR_MONTHS
            seen = covered.get(month)
            if seen is not None and seen[0] <= lo and hi <= seen[1] and seen[2] == near:
                continue
            ladder = strikes.setdefault(month, {})
            for k in covering_strikes(prev_close, near):
                if k not in ladder and len(ladder) < MAX_STRIKES:
                    ladder[k] = day
            if seen is None or seen[2] != near:
                covered[month] = (lo, hi, near)
            else:
                covered[month] = (min(seen[0], lo), max(seen[1], hi), near)
        prev_close = closes[day]
    out = []
    for month, ladder in strikes.items():
        expire = _expiry_of(cal, month, expiry)
        year, mon = month // 12, month % 12 + 1
        for strike, listed in sorted(ladder.items()):
            years = max((expire - listed).days, 1) / 365.0
            spot = closes.get(cal.prev_day(listed) or listed, closes[days[0]])
            for put in (False, True):
                cp = "P" if put else "C"
                out.append(
                    Instrument(
                        code=f"{product.product}{year % 100:02d}{mon:02d}-{cp}-{strike}.IF",
                        name=f"{product.product}{year % 100:02d}{mon:02d}{'沽' if put else '购'}{strike}",
                        kind=OPTION,
                        board=OPTION,
                        market="IF",
                        list_date=listed,
                        expire_date=expire,
                        base_price=max(
                            TICK, round(round(price_of(spot, strike, years, not put) / TICK) * TICK, 1)
                        ),
                        price_tick=TICK,
                        volatility=0.06,
                        volume_multiple=MULTIPLIER,
                        underlying=product.underlying,
                        strike=float(strike),
                        option_type="PUT" if put else "CALL",
                        product=product.product,
                    )
                )
    return out


def _month_ord(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _expiry_of(cal: TradingCalendar, month: int, cache: dict[int, dt.date]) -> dt.date:
    if month not in cache:
        cache[month] = third_friday_expiry(cal, month // 12, month % 12 + 1)
    return cache[month]


def price_limits(pre_settle: float, undl_pre_close: float) -> tuple[float, float]:
    """(down, up) of a day: the previous settlement -+ 10% of the index's previous close, on the tick grid;
    down at least one tick."""
    band = undl_pre_close * LIMIT_RATIO
    up = round(math.floor((pre_settle + band) / TICK + 1e-9) * TICK, 1)
    down = round(max(math.ceil((pre_settle - band) / TICK - 1e-9) * TICK, TICK), 1)
    return down, up


def short_margin(call: bool, settle: float, undl_close: float, strike: float) -> float:
    """CFFEX's margin of one short contract (CNY) for a settlement price and the index's close."""
    otm = max(strike - undl_close, 0.0) if call else max(undl_close - strike, 0.0)
    floor_base = undl_close if call else strike
    cover = max(
        undl_close * MULTIPLIER * MARGIN_RATIO - otm * MULTIPLIER,
        MARGIN_FLOOR * floor_base * MULTIPLIER * MARGIN_RATIO,
    )
    return round(settle * MULTIPLIER + cover, 2)
