"""Consistency of convertible-bond events over time: nothing is triggered once the maturity redemption is
announced, for every bond of a few seeds and two market days."""

from __future__ import annotations

import datetime as dt

import pytest

from qmt_bridge.sim.clock import CST, fixed_clock
from qmt_bridge.sim.data_api import SimXtData
from qmt_bridge.sim.market import bonds
from qmt_bridge.sim.market.market import SimMarket

TODAYS = (dt.date(2025, 11, 20), dt.date(2026, 11, 20))


def _ymd(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)


def _xtdata(seed: int, today: dt.date) -> SimXtData:
    moment = dt.datetime.combine(today, dt.time(15, 30), CST)
    return SimXtData(SimMarket(seed=seed, clock=fixed_clock(moment)))


# seed 20240101 had call triggers after the maturity notice (123055.SZ, 128116.SZ), seed 7 a put (110041.SH)
@pytest.mark.parametrize("seed", [7, 20240101, 3])
def test_no_trigger_after_the_maturity_notice(seed):
    matured = triggered = 0
    for today in TODAYS:
        xtdata = _xtdata(seed, today)
        calendar = xtdata.market.calendar
        for inst in xtdata.market.universe.by_kind("cb"):
            info = xtdata.get_cb_info(inst.code)
            maturity = _ymd(info["bondMaturityDate"])
            notice = bonds.ymd(bonds.maturity_notice_date(calendar, maturity))
            calls = xtdata.bnd_get_call_info(inst.code)
            puts = xtdata.bnd_get_put_info(inst.code)
            where = (seed, today, inst.code)
            if len(calls):
                reason = calls["bond_call_info.call_reason"]
                pub = calls["bond_call_info.pub_date"]
                assert (pub[reason == "满足赎回条件"] < notice).all(), where
                triggered += int((reason == "满足赎回条件").sum())
                if maturity <= today:  # the maturity notice is the last call row, published on ``notice``
                    assert reason.iloc[-1] == "到期赎回" and pub.iloc[-1] == notice, where
                    assert (reason.iloc[:-1] == "满足赎回条件").all(), where
            matured += maturity <= today
            if len(puts):
                assert (puts["bond_put_info.pub_date"] < notice).all(), where
            # every put settlement (the only amount change a trigger causes) comes from a put announced
            # before the notice; conversions stop at maturity
            chg = xtdata.bnd_get_amount_change(inst.code)
            kinds = chg["bond_amount_chg.change_type"]
            put_cash = set(puts["bond_put_info.cash_date"]) if len(puts) else set()
            assert set(chg["bond_amount_chg.change_date"][kinds == "回售"]) <= put_cash, where
            assert (chg["bond_amount_chg.change_date"][kinds == "转股"] <= bonds.ymd(maturity)).all(), where
    assert matured >= 20 and triggered >= 20, (matured, triggered)
