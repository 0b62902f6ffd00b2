"""``get_ipo_info``: an IPO's dates follow the exchanges' timetable, and its issue price is the first day's
preClose, as in the real data."""

from __future__ import annotations

import datetime as dt

from qmt_bridge.sim.market.calendar import sse_calendar


def _day(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y%m%d").date()


def test_ipo_timeline_is_on_trading_days_in_order(xtdata):
    calendar = sse_calendar()
    rows = xtdata.get_ipo_info("20240101", "20251120")
    assert len(rows) > 50
    for row in rows:
        start, declare, pay, listed = (
            _day(row[k]) for k in ("startDate", "declareDate", "paymentDate", "listedDate")
        )
        for day in (start, declare, pay, listed):
            assert calendar.is_trading_day(day), (row["securityCode"], day)
        # subscription on T, lottery numbers and payment on T+2, listing a week or more later
        assert len(calendar.between(start, declare)) == 3 and pay == declare, row
        assert len(calendar.between(declare, listed)) >= 5, row


def test_issue_price_is_the_first_days_pre_close(xtdata):
    rows = xtdata.get_ipo_info("20250101", "20251120")
    assert rows
    for row in rows:
        first = xtdata.get_market_data_ex(
            ["preClose"],
            [row["securityCode"]],
            period="1d",
            start_time=row["listedDate"],
            end_time=row["listedDate"],
        )[row["securityCode"]]
        assert first.index[0] == row["listedDate"], row
        assert first["preClose"].iloc[0] == row["publishPrice"], row
