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


def test_the_purchase_bounds_are_whole_subscription_units(xtdata):
    """One unit (申购单位) is 1,000 shares on the SH main board, 500 on 科创板 and SZ, 100 on the BSE: the
    minimum is one unit and the maximum a whole number of them."""
    rows = xtdata.get_ipo_info("20240101", "20251120")
    units = {}
    for row in rows:
        code = f"{row['onlineSubCode']}.{row['market']}"
        unit = 1000 if code.startswith("732") else 100 if row["market"] == "BJ" else 500
        units[code[:3] if row["market"] == "SH" else row["market"]] = unit
        assert row["onlineSubMinQty"] == unit, row
        assert row["onlineSubMaxQty"] >= unit and row["onlineSubMaxQty"] % unit == 0, row
    assert units.get("732") == 1000 and units.get("SZ") == 500  # both kinds were seen
