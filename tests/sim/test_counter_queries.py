"""The simulated counter's IPO quota and ordinary-counter views (``sim/broker/counter_queries.py``), and
upcoming listings in ``get_ipo_info`` (stocks in their IPO are not in the market yet)."""

from __future__ import annotations

import datetime as dt
import pathlib
from types import SimpleNamespace

import pytest

from conftest import MID_SESSION, SEED
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.sim.broker.counter_queries import IPO_THRESHOLD, ipo_data, new_purchase_limit
from qmt_bridge.sim.clock import fixed_clock


def held(code: str, value: float) -> SimpleNamespace:
    return SimpleNamespace(stock_code=code, market_value=value)


@pytest.mark.parametrize(
    ("sh", "sz", "expected"),
    [
        (0, 0, {"KCB": 0, "SH": 0, "SZ": 0}),
        (IPO_THRESHOLD - 0.01, IPO_THRESHOLD - 0.01, {"KCB": 0, "SH": 0, "SZ": 0}),  # under the threshold
        (IPO_THRESHOLD, IPO_THRESHOLD, {"KCB": 1000, "SH": 1000, "SZ": 1000}),  # at it
        (14_999.99, 14_999.99, {"KCB": 1000, "SH": 1000, "SZ": 1000}),
        (15_000, 15_000, {"KCB": 1500, "SH": 1000, "SZ": 1500}),
        (20_000, 0, {"KCB": 2000, "SH": 2000, "SZ": 0}),
    ],
)
def test_the_quota_per_board(sh: float, sz: float, expected: dict[str, int]) -> None:
    positions = [held("600000.SH", sh / 2), held("688001.SH", sh / 2), held("000001.SZ", sz)]
    assert new_purchase_limit(positions) == expected


def test_other_markets_do_not_count() -> None:
    assert new_purchase_limit([held("430047.BJ", 1e6), held("00700.HK", 1e6)]) == {"KCB": 0, "SH": 0, "SZ": 0}


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> SimBackend:
    data_dir = pathlib.Path(tmp_path_factory.mktemp("counter-queries"))
    return SimBackend(seed=SEED, clock=fixed_clock(MID_SESSION), data_dir=data_dir)


def test_stocks_in_their_ipo_are_listed_by_get_ipo_info_but_not_traded_yet(backend: SimBackend) -> None:
    today = MID_SESSION.date()
    rows = backend.xtdata.get_ipo_info(today.strftime("%Y%m%d"), "20260131")
    upcoming = [r for r in rows if r["listedDate"] > today.strftime("%Y%m%d")]
    assert upcoming, "IPOs under way on MID_SESSION's day"
    for row in upcoming:
        assert row["startDate"] <= row["listedDate"]
        assert backend.xtdata.get_instrument_detail(row["securityCode"]) is None  # not in the market yet
    latest = max(dt.datetime.strptime(r["listedDate"], "%Y%m%d").date() for r in upcoming)
    assert latest <= today + dt.timedelta(days=30)


def test_ipo_data_are_the_issues_subscribed_today(backend: SimBackend) -> None:
    today = MID_SESSION.date()
    issues = ipo_data(backend.xtdata, today)
    assert issues and all(i["purchaseDate"] == "20251120" for i in issues.values())
    next_day = ipo_data(backend.xtdata, today + dt.timedelta(days=1))
    assert not set(issues) & set(next_day)
