"""Market status per exchange (``GET /api/meta/market_status``, ``services/market_status.py``): the state of
each A-share exchange at the backend's clock, at every boundary of its day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers import assert_error
from qmt_bridge.server.services import market_status as ms
from qmt_bridge.sim import xtdata
from qmt_bridge.sim.clock import CST, fixed_clock

THURSDAY = dt.date(2025, 11, 20)
FRIDAY = dt.date(2025, 11, 21)
SATURDAY = dt.date(2025, 11, 22)
MONDAY = dt.date(2025, 11, 24)
PERIODS = ms.periods_of(xtdata.get_trading_period("600000.SH"))


def at(day: dt.date, hhmmss: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmmss), CST)


@pytest.mark.parametrize(
    ("clock", "state", "next_state", "next_at"),
    [
        ("08:59:59", "closed", "pre_open", "09:00:00"),
        ("09:00:00", "pre_open", "call_auction", "09:15:00"),
        ("09:14:59", "pre_open", "call_auction", "09:15:00"),
        ("09:15:00", "call_auction", "pre_open", "09:25:00"),
        ("09:24:59", "call_auction", "pre_open", "09:25:00"),
        ("09:25:00", "pre_open", "trading", "09:30:00"),
        ("09:30:00", "trading", "lunch_break", "11:30:00"),
        ("11:29:59", "trading", "lunch_break", "11:30:00"),
        ("11:30:00", "lunch_break", "trading", "13:00:00"),
        ("13:00:00", "trading", "closing_auction", "14:57:00"),
        ("14:57:00", "closing_auction", "closed", "15:00:00"),
        ("14:59:59", "closing_auction", "closed", "15:00:00"),
    ],
)
def test_each_boundary_of_a_trading_day(clock: str, state: str, next_state: str, next_at: str) -> None:
    now = at(THURSDAY, clock)
    assert ms.state_at(now.time(), True, PERIODS)[0] == state
    assert ms.next_change(now, [THURSDAY, FRIDAY], PERIODS) == (next_state, at(THURSDAY, next_at))


def test_after_the_close_and_on_days_off_the_next_change_is_the_next_trading_days_pre_open() -> None:
    assert ms.state_at(dt.time(15, 0), True, PERIODS)[0] == "closed"
    assert ms.next_change(at(THURSDAY, "15:00:00"), [THURSDAY, FRIDAY], PERIODS) == (
        "pre_open",
        at(FRIDAY, "09:00:00"),
    )
    assert ms.state_at(dt.time(10, 0), False, PERIODS)[0] == "closed"
    assert ms.next_change(at(SATURDAY, "10:00:00"), [MONDAY], PERIODS) == ("pre_open", at(MONDAY, "09:00:00"))
    assert ms.next_change(at(SATURDAY, "10:00:00"), [], PERIODS) == (None, None)


def test_the_raw_period_is_the_exchanges_own() -> None:
    state, period = ms.state_at(dt.time(9, 20), True, PERIODS)
    assert (state, period) == ("call_auction", (2, dt.time(9, 15), dt.time(9, 25)))
    assert ms.state_at(dt.time(12, 0), True, PERIODS) == ("lunch_break", None)


def client_at(moment: dt.datetime, tmp_path: Any) -> TestClient:
    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    settings = Settings(
        _env_file=None, backend="sim", predownload=False, quote_book=False, data_dir=str(tmp_path)
    )
    backend = SimBackend(seed=7, clock=fixed_clock(moment), data_dir=tmp_path)
    return TestClient(create_app(settings, backend=backend))


def test_the_endpoint_mid_session(tmp_path: Any) -> None:
    with client_at(at(THURSDAY, "10:00:00"), tmp_path) as client:
        answer = client.get("/api/meta/market_status").json()
    assert answer["time"] == "2025-11-20T10:00:00+08:00" and list(answer["markets"]) == ["SH", "SZ", "BJ"]
    assert answer["markets"]["SH"] == {
        "market": "SH",
        "state": "trading",
        "unified": "RTH",
        "raw": {"status": 3, "begin": "093000", "end": "113000"},
        "trading_day": True,
        "next_state": "lunch_break",
        "next_change": "2025-11-20T11:30:00+08:00",
    }


def test_the_endpoint_on_a_saturday_and_one_market(tmp_path: Any) -> None:
    with client_at(at(SATURDAY, "10:00:00"), tmp_path) as client:
        answer = client.get("/api/meta/market_status", params={"markets": "SZ"}).json()
        assert list(answer["markets"]) == ["SZ"]
        sz = answer["markets"]["SZ"]
        assert (sz["state"], sz["unified"], sz["raw"], sz["trading_day"]) == ("closed", "CLOSED", None, False)
        assert (sz["next_state"], sz["next_change"]) == ("pre_open", "2025-11-24T09:00:00+08:00")
        assert_error(
            client.get("/api/meta/market_status", params={"markets": "HK"}), 400, "invalid_parameter"
        )
        assert_error(
            client.get("/api/meta/market_status", params={"markets": "SH,,SZ"}), 400, "invalid_parameter"
        )


def test_the_client_method(tmp_path: Any) -> None:
    from helpers import serve_in_thread
    from qmt_bridge.client import QMTClient

    with serve_in_thread(client_at(at(THURSDAY, "12:00:00"), tmp_path).app) as url:
        client = QMTClient(base_url=url)
        both = client.get_market_status(["SH", "BJ"])["markets"]
        assert list(both) == ["SH", "BJ"] and {m["state"] for m in both.values()} == {"lunch_break"}
        assert list(client.get_market_status()["markets"]) == ["SH", "SZ", "BJ"]
