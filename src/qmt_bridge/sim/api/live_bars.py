"""The K-line bars a ``subscribe_quote`` push carries: the bars of one trading day as of now, in xtquant's
callback shape (``shared/xtquant-api.md`` §1.4).

They are built by the same ``SimXtData`` methods as ``get_market_data_ex`` (finished minutes and the minute
in progress, aggregated; today's daily bar from the minutes so far), only for the day pushed, so a bar
pushed live equals the bar ``get_market_data_ex`` returns for it at the same moment, and a completed bar's
last push equals it afterwards.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from qmt_bridge.sim.market.bars import INTRADAY_PERIODS, Bars, aggregate, ms_to_date
from qmt_bridge.sim.market.corporate import CorporateAction, adjust
from qmt_bridge.sim.market.instruments import Instrument
from qmt_bridge.sim.market.trading_hours import schedule_of
from qmt_bridge.xtnames import KLINE_FIELDS

#: The keys of a pushed K-line bar, in xtquant's order; ``dr`` / ``totaldr`` are the day's and the
#: cumulative ex-rights factors (metaInfo 3001 "当日/总的除权系数").
PUSH_FIELDS = (*KLINE_FIELDS[:9], "dr", "totaldr", *KLINE_FIELDS[9:])


def period_start(day: dt.date, period: str) -> dt.date:
    """The first calendar day of the ``period`` bar that contains ``day`` (``day`` itself for 1d and
    intraday periods); weeks begin on Monday, as :func:`~qmt_bridge.sim.market.bars.aggregate` groups them."""
    if period == "1w":
        return day - dt.timedelta(days=day.weekday())
    if period == "1mon":
        return day.replace(day=1)
    if period == "1q":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if period == "1hy":
        return day.replace(month=1 if day.month <= 6 else 7, day=1)
    if period == "1y":
        return day.replace(month=1, day=1)
    return day


def day_bars(
    api: Any, inst: Instrument, period: str, dividend_type: str, day: dt.date, actions: list[CorporateAction]
) -> Bars:
    """The ``period`` bars of trading day ``day`` as of now, adjusted for ``actions`` (the instrument's,
    known today) per ``dividend_type``: for intraday periods the day's bars so far (the last one in progress
    during the session), for ``1d`` and longer the one bar that ends with ``day`` (built from its days so
    far). Empty before the day's first bar or on a day without one."""
    market = api.market
    first = max(period_start(day, period), inst.list_date)
    days = market.history_days(first, day, schedule_of(inst))  # without day before its open
    if inst.expire_date is not None:
        days = [d for d in days if d <= inst.expire_date]
    if not days or days[-1] != day:
        return Bars.empty()
    if period in INTRADAY_PERIODS:
        bars = api._intraday_until_now(inst, period, [day])
    else:
        bars = api._daily_until_now(inst, days)
    bars = adjust(bars, actions, dividend_type)
    if period not in INTRADAY_PERIODS and period != "1d":
        bars = aggregate(bars, period)
    return bars


def bar_dicts(bars: Bars, rows: range, period: str, actions: list[CorporateAction]) -> list[dict[str, Any]]:
    """Rows ``rows`` of ``bars`` as pushed dicts (Python scalars, :data:`PUSH_FIELDS` order)."""
    out = []
    columns = bars.columns
    for i in rows:
        time = int(columns["time"][i])
        day = ms_to_date(time)
        first = period_start(day, period)
        factors = {
            "dr": float(math.prod(a.dr for a in actions if first <= a.ex_date <= day)),
            "totaldr": float(math.prod(a.dr for a in actions if a.ex_date <= day)),
        }
        out.append({f: factors[f] if f in factors else columns[f][i].item() for f in PUSH_FIELDS})
    return out
