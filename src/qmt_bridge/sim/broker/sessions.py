"""Trading sessions and days of the simulated counter, on the simulator's SSE calendar.

- Continuous trading: 09:30–11:30 and 13:00–15:00 on trading days. Matching happens only then.
- An order is *for* a trading day: today when placed on a trading day before 15:00, else the next trading
  day. Placed outside continuous trading it is reported (status 50) and waits, and it first meets the book
  at the next session open, like a broker's night-order service; the opening call auction is not modelled
  (the order meets the first continuous snapshot).
- Unfilled orders expire at 15:00 of their trading day.
- The counter's day (T+1 sellable volumes, withdrawable cash, "today's" orders and trades) rolls over at
  midnight CST, when the calendar date changes. A night order placed the same evening therefore cannot sell
  that day's purchases; placed after midnight, it can.
"""

from __future__ import annotations

import datetime as dt

from qmt_bridge.sim.clock import CST
from qmt_bridge.sim.market.calendar import TradingCalendar, calendar_for

MORNING = (dt.time(9, 30), dt.time(11, 30))
AFTERNOON = (dt.time(13, 0), dt.time(15, 0))
CLOSE = AFTERNOON[1]


def calendar(now: dt.datetime) -> TradingCalendar:
    return calendar_for(now.date())


def local(now: dt.datetime) -> dt.datetime:
    """``now`` in CST (a naive moment is taken as CST already)."""
    return now.astimezone(CST) if now.tzinfo else now


def in_continuous_session(now: dt.datetime) -> bool:
    """Whether ``now`` is inside continuous trading of a trading day."""
    moment = local(now)
    t = moment.time()
    if not (MORNING[0] <= t < MORNING[1] or AFTERNOON[0] <= t < AFTERNOON[1]):
        return False
    return calendar(moment).is_trading_day(moment.date())


def trading_day_for(now: dt.datetime) -> dt.date:
    """The trading day an order placed at ``now`` is for (module docstring)."""
    moment = local(now)
    cal = calendar(moment)
    today = moment.date()
    if cal.is_trading_day(today) and moment.time() < CLOSE:
        return today
    nxt = cal.next_day(today)
    if nxt is None:
        cal.check_covered(today + dt.timedelta(days=400))  # raises: past the calendar's last year
        raise RuntimeError(f"no trading day after {today}")
    return nxt


def close_of(day: dt.date) -> dt.datetime:
    """15:00 CST of ``day``: when its orders expire."""
    return dt.datetime.combine(day, CLOSE, CST)


def local_date(now: dt.datetime) -> dt.date:
    """The CST calendar date of ``now``."""
    return local(now).date()
