"""Convertible-bond terms and events: ``get_cb_info`` and the ``bnd_get_*`` tabular data.

A CB instrument of the universe (``kind == CB``, ``underlying`` = its stock) gets deterministic terms from
``(seed, code)``: value (issue) date 3-6 weeks before listing, conversion from listing + 6 months to the last
trading day, a six-year progressive coupon and a maturity redemption price.

Conversion price. The simulator's bond and stock prices are independent walks, so a conversion price fixed
at issue would drift into absurd premiums. Instead the price *in effect on the market's current day* is
chosen so that the conversion value ``100 / conv_price x stock close`` sits below the bond's close by a
premium typical of its price level (expensive bonds trade near conversion value, cheap ones far above it),
both closes taken on the last complete trading day (for matured bonds, the last trading day). The history
is then rebuilt backwards and replayed forwards with the standard anti-dilution formula on every ex-date of
the underlying after the value date, ``P1 = (P0 - dividend + rights_price x rights_ratio) / (1 + bonus +
transfer + rights_ratio)`` rounded to the cent, plus, for about a third of the bonds, one downward revision
(下修) on the stock's weakest day. Consequence: the level of the whole history is anchored to the current
day (it shifts a little when the clock moves to another day); the adjustments themselves do not move.

Outstanding amount: quarterly conversions whose size grows with the conversion value at the quarter end,
puts (回售) when the stock closes below 70% of the conversion price for 30 trading days in the last two
years, and the maturity redemption. Calls: "redemption condition met" (15 of 30 days at 130% of the
conversion price; the issuer declines, so the bond keeps trading) and the maturity redemption, announced 28
days before maturity (:func:`maturity_notice_date`). Nothing is triggered from that announcement on: no call
or put trigger (nor its notice, nor a put's amount change) is published on or after it, whatever ``today``
is, so a bond's history does not change when the clock passes its maturity.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from qmt_bridge.sim.market.bars import day_start_ms
from qmt_bridge.sim.market.calendar import TradingCalendar
from qmt_bridge.sim.market.corporate import CorporateAction
from qmt_bridge.sim.market.instruments import Instrument

CONV_TABLE = "bond_conv_price_info"
CALL_TABLE = "bond_call_info"
PUT_TABLE = "bond_put_info"
AMOUNT_TABLE = "bond_amount_chg"

# Field names follow the bnd_* functions of the same name in other Chinese quant SDKs (pub_date, ...);
# xtquant prefixes every column with the table name.
CONV_FIELDS = (
    "pub_date", "effective_date", "execution_date", "conversion_price", "conversion_rate", "conversion_volume",
    "conversion_amount_total", "bond_float_amount_remain", "event_type", "change_reason",
)  # fmt: skip
CALL_FIELDS = (
    "pub_date", "call_date", "record_date", "cash_date", "call_type", "call_reason", "call_price",
    "interest_included",
)  # fmt: skip
PUT_FIELDS = (
    "pub_date", "put_start_date", "put_end_date", "cash_date", "put_reason", "put_price", "interest_included",
)  # fmt: skip
AMOUNT_FIELDS = ("pub_date", "change_date", "change_type", "change_amount", "remain_amount")

PriceAt = Callable[[dt.date], "float | None"]


def ymd(day: dt.date | None) -> int:
    """``20250101``-style int (0 for None), the date type of xtquant's bond tables."""
    return 0 if day is None else day.year * 10000 + day.month * 100 + day.day


def _add_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    y, m = day.year + m // 12, m % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(y, m, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _weekday_back(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


@dataclass
class ConvRow:
    pub: dt.date
    effective: dt.date
    price: float
    event_type: str  # 初始转股价 / 调整转股价 / 修正转股价
    reason: str


@dataclass
class CBTerms:
    """Everything the bond functions report for one CB, as of one market day."""

    code: str
    name: str
    stock_code: str
    stock_name: str
    market: str
    value_date: dt.date
    list_date: dt.date
    conv_start: dt.date
    maturity: dt.date
    coupons: list[float]  # percent per interest year
    redeem_price: float  # maturity redemption price per 100 face (incl. the last coupon)
    issue_size: float  # CNY
    conv_rows: list[ConvRow]
    amount_rows: list[dict] = field(default_factory=list)  # pub, change, type, amount, remain (CNY)
    call_rows: list[dict] = field(default_factory=list)
    put_rows: list[dict] = field(default_factory=list)
    remaining: float = 0.0  # CNY outstanding as of today
    pure_bond_rate: float = 0.04

    def conv_price_on(self, day: dt.date) -> float:
        """The conversion price in effect on ``day`` (the initial one before any change)."""
        price = self.conv_rows[0].price
        for row in self.conv_rows:
            if row.effective <= day:
                price = row.price
            else:
                break
        return price

    def coupon_year(self, day: dt.date) -> int:
        """0-based interest year containing ``day`` (clamped to 0..5)."""
        k = 0
        while k < 5 and _add_months(self.value_date, 12 * (k + 1)) <= day:
            k += 1
        return k

    def accrued(self, day: dt.date) -> float:
        """Accrued interest per 100 face on ``day``."""
        k = self.coupon_year(day)
        start = _add_months(self.value_date, 12 * k)
        return self.coupons[k] * max((day - start).days, 0) / 365.0


def build_terms(
    cb: Instrument,
    stock: Instrument,
    seed: int,
    actions: list[CorporateAction],
    calendar: TradingCalendar,
    cb_close: PriceAt,
    stock_close: PriceAt,
    anchor: dt.date,
    today: dt.date,
) -> CBTerms:
    """Terms and events of ``cb`` as of ``today``; ``anchor`` = the day whose closes fix the premium."""
    rng = random.Random(f"{seed}|{cb.code}|cb-terms")
    value_date = _weekday_back(cb.list_date - dt.timedelta(days=rng.randint(21, 42)))
    conv_start = calendar.first_on_or_after(_add_months(cb.list_date, 6)) or _add_months(cb.list_date, 6)
    maturity = cb.expire_date or _add_months(cb.list_date, 72)
    coupons = sorted(
        round(rng.uniform(lo, hi), 1)
        for lo, hi in ((0.2, 0.5), (0.4, 0.8), (0.8, 1.2), (1.5, 2.0), (1.8, 2.5), (2.0, 3.0))
    )
    redeem_price = float(rng.choice((106, 108, 110, 110, 112, 115, 118)))
    issue_size = float(cb.total_shares) * 100.0
    u_premium, u_revise, u_factor, pure_rate = (
        rng.random(),
        rng.random(),
        rng.random(),
        0.035 + 0.02 * rng.random(),
    )

    # ---- conversion price in effect today, from the premium at the anchor day
    event_cut = min(today, maturity)
    b = cb_close(anchor) or cb.base_price
    s = stock_close(anchor) or stock.base_price
    premium = min(max(0.6 - (b - 100.0) * 0.02, 0.03), 0.6) * (0.6 + 0.8 * u_premium)
    target = 100.0 * s * (1.0 + premium) / b

    events: list[tuple[dt.date, CorporateAction | float]] = [
        (a.ex_date, a) for a in actions if value_date < a.ex_date <= event_cut
    ]
    revise_hi = min(event_cut, maturity) - dt.timedelta(days=45)
    if u_revise < 0.35 and revise_hi > conv_start + dt.timedelta(days=60):
        days = calendar.between(conv_start + dt.timedelta(days=60), revise_hi)
        if days:
            closes = [stock_close(d) or 0.0 for d in days]
            weakest = days[int(np.argmin(closes))]
            if all(d != weakest for d, _ in events):
                events.append((weakest, 1.15 + 0.35 * u_factor))  # revision: old price / new price
    events.sort(key=lambda e: e[0])

    p = target
    for _day, ev in reversed(events):  # undo, latest first
        if isinstance(ev, CorporateAction):
            p = p * ev.share_ratio + ev.interest - ev.allot_price * ev.allot_num
        else:
            p = p * ev
    first = round(max(p, 0.01), 2)
    rows = [
        ConvRow(_weekday_back(value_date - dt.timedelta(days=7)), value_date, first, "初始转股价", "发行")
    ]
    p = first
    for day, ev in events:  # replay, rounding like the issuers' announcements
        if isinstance(ev, CorporateAction):
            p = (p - ev.interest + ev.allot_price * ev.allot_num) / ev.share_ratio
            reasons = [
                r
                for r, hit in (
                    ("派息", ev.interest > 0),
                    ("送股", ev.stock_bonus > 0),
                    ("转增股", ev.stock_gift > 0),
                    ("配股", ev.allot_num > 0),
                )
                if hit
            ]
            event_type, reason = "调整转股价", ",".join(reasons) or "其它变动原因"
            pub = _trading_on_or_before(calendar, day - dt.timedelta(days=5))
        else:
            p = p / ev
            event_type, reason = "修正转股价", "修正,触发修正条款"
            pub = _trading_on_or_before(calendar, day - dt.timedelta(days=3))
        p = round(max(p, 0.01), 2)
        rows.append(ConvRow(pub, day, p, event_type, reason))

    terms = CBTerms(
        code=cb.code,
        name=cb.name,
        stock_code=stock.code,
        stock_name=stock.name,
        market=cb.market,
        value_date=value_date,
        list_date=cb.list_date,
        conv_start=conv_start,
        maturity=maturity,
        coupons=coupons,
        redeem_price=redeem_price,
        issue_size=issue_size,
        conv_rows=rows,
        pure_bond_rate=pure_rate,
    )
    _amounts_calls_puts(terms, seed, calendar, stock_close, today)
    return terms


def maturity_notice_date(calendar: TradingCalendar, maturity: dt.date) -> dt.date:
    """The day the maturity redemption is announced: the last trading day on or before maturity - 28 days."""
    return _trading_on_or_before(calendar, maturity - dt.timedelta(days=28))


def _amounts_calls_puts(
    terms: CBTerms, seed: int, calendar: TradingCalendar, stock_close: PriceAt, today: dt.date
) -> None:
    rng = random.Random(f"{seed}|{terms.code}|cb-amounts")
    end = min(today, terms.maturity)
    # no conditional call or put is triggered (nor announced) once the maturity redemption is announced
    notice = maturity_notice_date(calendar, terms.maturity)
    remaining = terms.issue_size
    amounts: list[dict] = [
        {
            "pub": _weekday_back(terms.value_date - dt.timedelta(days=7)),
            "change": terms.value_date,
            "type": "首发",
            "amount": terms.issue_size,
            "remain": terms.issue_size,
        }
    ]

    # daily stock closes vs conversion price, for the call/put triggers
    days = calendar.between(terms.conv_start, end) if end >= terms.conv_start else []
    closes = np.array([stock_close(d) or np.nan for d in days], dtype=np.float64)
    conv = np.array([terms.conv_price_on(d) for d in days], dtype=np.float64)
    calls: list[dict] = []
    puts: list[dict] = []
    put_cash: dict[dt.date, float] = {}
    if len(days):
        high = np.nan_to_num(closes >= 1.3 * conv).astype(np.int64)
        window = np.convolve(high, np.ones(30, dtype=np.int64))[: len(days)]  # count over the last 30 days
        cooldown_until = dt.date.min
        for i in np.flatnonzero(window >= 15).tolist():
            day = days[i]
            if day < cooldown_until or i + 1 >= len(days) or days[i + 1] >= notice:
                continue
            pub = days[i + 1]
            calls.append(
                {
                    "pub": pub,
                    "call": None,
                    "record": None,
                    "cash": None,
                    "type": "",
                    "reason": "满足赎回条件",
                    "price": round(100.0 + terms.accrued(pub), 3),
                }
            )
            cooldown_until = _add_months(day, 6)  # the issuer promises not to redeem for six months
        put_from = _add_months(terms.maturity, -24)
        low = closes < 0.7 * conv
        run = 0
        done_years: set[int] = set()
        for i, day in enumerate(days):
            run = run + 1 if low[i] else 0
            if run < 30 or day < put_from or i + 1 >= len(days) or days[i + 1] >= notice:
                continue
            year = terms.coupon_year(day)
            if year in done_years:
                continue
            done_years.add(year)
            run = 0
            pub = days[i + 1]
            start = _nth_trading_day(calendar, pub, 3)
            stop = _nth_trading_day(calendar, start, 4)
            cash = _nth_trading_day(calendar, stop, 4)
            price = round(100.0 + terms.accrued(start), 3)
            puts.append(
                {
                    "pub": pub,
                    "start": start,
                    "end": stop,
                    "cash": cash,
                    "reason": "满足回售条款",
                    "price": price,
                }
            )
            put_cash[cash] = 0.02 + 0.25 * rng.random()

    # quarterly conversion results (and put settlements) up to today
    q_end = _quarter_end_on_or_after(terms.conv_start)
    events: list[tuple[dt.date, str]] = [(d, "回售") for d in put_cash if d <= end]
    while q_end <= end:
        events.append((q_end, "转股"))
        q_end = _quarter_end_on_or_after(q_end + dt.timedelta(days=1))
    events.sort()
    for day, kind in events:
        if kind == "转股":
            s = stock_close(day)
            cv = 100.0 * s / terms.conv_price_on(day) if s else 0.0
            u = rng.random()
            if cv >= 130:
                frac = 0.25 + 0.35 * u
            elif cv >= 115:
                frac = 0.05 + 0.1 * u
            elif cv >= 100:
                frac = 0.005 + 0.025 * u
            elif cv >= 90:
                frac = 0.0005 + 0.002 * u
            else:
                frac = 0.00005 * u
            pub = _nth_trading_day(calendar, day, 1 + rng.randint(0, 2))
        else:
            frac = put_cash[day]
            pub = day
        if pub > today:  # not announced yet
            break
        change = math.floor(remaining * frac / 100.0) * 100.0
        remaining -= change
        amounts.append({"pub": pub, "change": day, "type": kind, "amount": change, "remain": remaining})
    if terms.maturity <= today:
        calls.append(
            {
                "pub": notice,
                "call": calendar.next_day(terms.maturity) or terms.maturity,
                "record": terms.maturity,
                "cash": _nth_trading_day(calendar, terms.maturity, 3),
                "type": "全部赎回",
                "reason": "到期赎回",
                "price": terms.redeem_price,
            }
        )
        amounts.append(
            {
                "pub": terms.maturity,
                "change": terms.maturity,
                "type": "到期",
                "amount": remaining,
                "remain": 0.0,
            }
        )
        remaining = 0.0
    terms.amount_rows = amounts
    terms.call_rows = sorted(calls, key=lambda r: r["pub"])
    terms.put_rows = puts
    terms.remaining = remaining


def _trading_on_or_before(calendar: TradingCalendar, day: dt.date) -> dt.date:
    return calendar.last_on_or_before(day) or _weekday_back(day)


def _nth_trading_day(calendar: TradingCalendar, day: dt.date, n: int) -> dt.date:
    """The ``n``-th trading day after ``day`` (weekdays past the calendar's end)."""
    for _ in range(n):
        nxt = calendar.next_day(day) if day < calendar.sessions[-1] else None
        day = nxt if nxt is not None else day + dt.timedelta(days=1)
    return day


def _quarter_end_on_or_after(day: dt.date) -> dt.date:
    for month, last in ((3, 31), (6, 30), (9, 30), (12, 31)):
        q = dt.date(day.year, month, last)
        if q >= day:
            return q
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------- outputs


def cash_flows(terms: CBTerms, day: dt.date) -> list[tuple[float, float]]:
    """Remaining (years from ``day``, amount per 100 face) payments: coupons, then the redemption."""
    out = []
    for k in range(6):
        pay = terms.maturity if k == 5 else _add_months(terms.value_date, 12 * (k + 1))
        if pay <= day:
            continue
        amount = terms.redeem_price if k == 5 else terms.coupons[k]
        out.append(((pay - day).days / 365.0, amount))
    return out


def _pv(flows: list[tuple[float, float]], y: float) -> float:
    return sum(a / (1.0 + y) ** t for t, a in flows)


def ytm(flows: list[tuple[float, float]], price: float) -> float:
    """Annual yield (decimal) equating the flows' present value with ``price`` (bisection)."""
    lo, hi = -0.9, 2.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if _pv(flows, mid) > price:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def cb_info(terms: CBTerms, day: dt.date, bond_price: float, stock_price: float) -> dict:
    """The ``get_cb_info`` dict (keys of the vendor's documentation, in its order) valued on ``day``."""
    conv = terms.conv_price_on(day)
    flows = cash_flows(terms, day)
    if flows:
        y = ytm(flows, bond_price)
        pv = [(t, a / (1.0 + y) ** t) for t, a in flows]
        total = sum(v for _, v in pv) or 1.0
        duration = sum(t * v for t, v in pv) / total
        convexity = sum(t * (t + 1) * v for t, v in pv) / (total * (1.0 + y) ** 2)
        straight = _pv(flows, terms.pure_bond_rate)
    else:  # matured: redeemed at the maturity price
        y = duration = convexity = 0.0
        straight = terms.redeem_price
    conv_value = 100.0 / conv * stock_price
    coupon_now = terms.coupons[terms.coupon_year(day)]
    names = ("第一年", "第二年", "第三年", "第四年", "第五年", "第六年")
    clause = "、".join(f"{n}{c:.2f}%" for n, c in zip(names, terms.coupons, strict=True))
    clause += f"。到期赎回价为票面面值的{terms.redeem_price:.2f}%（含最后一期利息）"
    matured = terms.maturity <= day
    return {
        "bondCode": terms.code,
        "bondName": terms.name,
        "stockCode": terms.stock_code,
        "stockName": terms.stock_name,
        "bondMaturity": 6.0,
        "bondParvalue": 100.0,
        "bondIssuePrice": 100.0,
        "bondIssueSize": terms.issue_size,
        "bondReMainSize": terms.remaining,
        "bondValueDate": ymd(terms.value_date),
        "bondMaturityDate": ymd(terms.maturity),
        "bondRateType": "累进利率",
        "bondCouponRate": coupon_now,
        "bondAddRate": 0.0,
        "bondPayPerYear": 1,
        "bondListDate": ymd(terms.list_date),
        "delistDate": ymd(terms.maturity) if matured else 0,
        "bondExchange": terms.market,
        "convStartDate": ymd(terms.conv_start),
        "convEndDate": ymd(terms.maturity),
        "firstConvPrice": terms.conv_rows[0].price,
        "bondConvPrice": conv,
        "rateClause": clause,
        "forceRedeemTradeDate": 0,
        "forceRedeemConvDate": 0,
        "forceRedeemPrice": 0.0,
        "triggerForceRedeemPrice": round(conv * 1.3, 2),
        "triggerRepurchasePrice": round(conv * 0.7, 2),
        "expireRedeemPrice": terms.redeem_price,
        "analYTM": round(y * 100.0, 4),
        "analPTM": round(max((terms.maturity - day).days, 0) / 365.0, 4),
        "analAccruedinterst": round(terms.accrued(day), 4),
        "analStrbvalue": round(straight, 4),
        "analStrbpremium": round((bond_price / straight - 1.0) * 100.0, 4),
        "analConvvalue": round(conv_value, 4),
        "analConvpremiumratio": round((bond_price / conv_value - 1.0) * 100.0, 4),
        "analDuration": round(duration, 4),
        "analConvexity": round(convexity, 4),
    }


def conv_price_records(terms: CBTerms) -> list[dict]:
    """Rows of ``bond_conv_price_info`` (amounts in 10k CNY, like the tables' usual units)."""
    amounts = terms.amount_rows
    change_days = [r["change"] for r in amounts]
    out = []
    prev_converted = 0.0
    prev_price = terms.conv_rows[0].price
    for row in terms.conv_rows:
        i = bisect.bisect_right(change_days, row.effective) - 1
        remain = amounts[i]["remain"] if i >= 0 else terms.issue_size
        converted = sum(r["amount"] for r in amounts[: i + 1] if r["type"] == "转股")
        volume = (converted - prev_converted) / prev_price
        out.append(
            {
                "pub_date": ymd(row.pub),
                "effective_date": ymd(row.effective),
                "execution_date": ymd(row.effective),
                "conversion_price": row.price,
                "conversion_rate": round(100.0 / row.price, 4),
                "conversion_volume": float(math.floor(volume)),
                "conversion_amount_total": round(converted / 1e4, 4),
                "bond_float_amount_remain": round(remain / 1e4, 4),
                "event_type": row.event_type,
                "change_reason": row.reason,
            }
        )
        prev_converted, prev_price = converted, row.price
    return out


def call_records(terms: CBTerms) -> list[dict]:
    return [
        {
            "pub_date": ymd(r["pub"]),
            "call_date": ymd(r["call"]),
            "record_date": ymd(r["record"]),
            "cash_date": ymd(r["cash"]),
            "call_type": r["type"],
            "call_reason": r["reason"],
            "call_price": r["price"],
            "interest_included": True,
        }
        for r in terms.call_rows
    ]


def put_records(terms: CBTerms) -> list[dict]:
    return [
        {
            "pub_date": ymd(r["pub"]),
            "put_start_date": ymd(r["start"]),
            "put_end_date": ymd(r["end"]),
            "cash_date": ymd(r["cash"]),
            "put_reason": r["reason"],
            "put_price": r["price"],
            "interest_included": True,
        }
        for r in terms.put_rows
    ]


def amount_records(terms: CBTerms) -> list[dict]:
    return [
        {
            "pub_date": ymd(r["pub"]),
            "change_date": ymd(r["change"]),
            "change_type": r["type"],
            "change_amount": round(r["amount"] / 1e4, 4),
            "remain_amount": round(r["remain"] / 1e4, 4),
        }
        for r in terms.amount_rows
    ]


def close_lookup(times: np.ndarray, closes: np.ndarray, first: float) -> PriceAt:
    """``day -> close on or before day`` over daily bars (``first`` before the first bar)."""

    def at(day: dt.date) -> float | None:
        i = int(np.searchsorted(times, day_start_ms(day), side="right")) - 1
        if i < 0:
            return first
        return float(closes[i])

    return at
