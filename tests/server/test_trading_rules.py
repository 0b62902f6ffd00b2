"""The edge checks of an order, the order-state translation table and the risk limits, at their boundaries."""

from __future__ import annotations

import asyncio
import datetime as dt
from types import SimpleNamespace

import pytest

from qmt_bridge.server.errors import InvalidParameter, NotFound
from qmt_bridge.server.trading.journal import Journal
from qmt_bridge.server.trading.orders import ORDER_STATUSES, normalized, order_view, refused_order
from qmt_bridge.server.trading.risk import OrderRefused, RiskLimits, estimated_value
from qmt_bridge.server.trading.validation import (
    Tradable,
    check_order_types,
    check_price,
    check_volume,
    tradable_from,
)

DAY = dt.date(2026, 12, 4)


def tradable(
    code: str = "000001.SZ",
    kind: str = "stock",
    tick: float = 0.01,
    up: float = 10.59,
    down: float = 8.67,
    last: float = 9.70,
) -> Tradable:
    return Tradable(code, "name", kind, tick, up, down, last)


def volume_ok(t: Tradable, order_type: int, volume: int, sellable: int = 0) -> bool:
    async def get_sellable() -> int:
        return sellable

    try:
        asyncio.run(check_volume(t, order_type, volume, get_sellable))
    except InvalidParameter:
        return False
    return True


# --- lots -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("volume", "ok"),
    [(100, True), (200, True), (99, False), (101, False), (150, False), (0, False), (-100, False)],
)
def test_main_board_buys_are_in_lots_of_100(volume: int, ok: bool) -> None:
    assert volume_ok(tradable("000001.SZ"), 23, volume) is ok


@pytest.mark.parametrize(
    ("volume", "ok"), [(200, True), (201, True), (199, False), (100, False), (1000, True)]
)
def test_star_buys_are_at_least_200_then_steps_of_1(volume: int, ok: bool) -> None:
    assert volume_ok(tradable("688981.SH"), 23, volume) is ok


@pytest.mark.parametrize(("volume", "ok"), [(100, True), (101, True), (99, False)])
def test_bse_buys_are_at_least_100_then_steps_of_1(volume: int, ok: bool) -> None:
    assert volume_ok(tradable("830799.BJ"), 23, volume) is ok


@pytest.mark.parametrize(("volume", "ok"), [(10, True), (20, True), (9, False), (11, False), (15, False)])
def test_bond_buys_are_in_tens(volume: int, ok: bool) -> None:
    assert volume_ok(tradable("110046.SH", kind="bond", tick=0.001), 23, volume) is ok


def test_star_codes_689_are_star_too_but_600_is_not() -> None:
    assert volume_ok(tradable("689009.SH"), 23, 201)
    assert not volume_ok(tradable("600000.SH"), 23, 201)


def test_an_odd_lot_sell_must_sell_the_whole_sellable_position() -> None:
    t = tradable("000001.SZ")
    assert volume_ok(t, 24, 150, sellable=150)
    assert not volume_ok(t, 24, 150, sellable=151)
    assert not volume_ok(t, 24, 149, sellable=150)
    assert volume_ok(t, 24, 100, sellable=0)  # a whole lot is the counter's to check against the position


def test_a_star_sell_of_250_is_a_valid_lot_without_the_position() -> None:
    calls = []

    async def sellable() -> int:
        calls.append(1)
        return 0

    asyncio.run(check_volume(tradable("688981.SH"), 24, 250, sellable))
    assert calls == []  # no position query for a valid lot


def test_the_lot_error_names_the_rule() -> None:
    with pytest.raises(InvalidParameter, match="at least 200, then steps of 1") as caught:
        asyncio.run(check_volume(tradable("688981.SH"), 23, 199, lambda: None))  # type: ignore[arg-type]
    assert caught.value.code == "invalid_lot"


# --- prices -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "ok"),
    [(10.59, True), (10.60, False), (8.67, True), (8.66, False), (9.70, True), (9.705, False), (0.0, False)],
)
def test_a_limit_price_is_on_the_tick_and_inside_the_band_both_ends_included(price: float, ok: bool) -> None:
    try:
        check_price(tradable(), 11, price)
    except InvalidParameter:
        assert not ok
    else:
        assert ok


def test_a_fund_tick_is_a_thousandth() -> None:
    fund = tradable("510300.SH", kind="fund", tick=0.001, up=5.066, down=4.146, last=4.6)
    check_price(fund, 11, 4.637)
    with pytest.raises(InvalidParameter, match="price tick"):
        check_price(fund, 11, 4.6375)


def test_prices_of_other_price_types_are_not_checked() -> None:
    check_price(tradable(), 5, 0.0)
    check_price(tradable(), 44, 0.0)


def test_a_limit_order_above_the_limit_says_the_limit() -> None:
    with pytest.raises(InvalidParameter, match="limit-up price 10.59") as caught:
        check_price(tradable(), 11, 10.60)
    assert caught.value.code == "price_outside_limits"


# --- types ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("order_type", [22, 25, 27, 0])
def test_only_stock_buy_and_sell_are_accepted(order_type: int) -> None:
    with pytest.raises(InvalidParameter, match="order_type"):
        check_order_types(order_type, 11, "SZ")


@pytest.mark.parametrize(
    ("price_type", "market", "ok"),
    [
        (42, "SH", True),
        (43, "SH", True),
        (42, "SZ", False),
        (46, "SZ", True),
        (47, "SZ", True),
        (48, "SZ", True),
        (46, "SH", False),
        (48, "SH", False),
        (44, "SZ", True),
        (45, "BJ", True),
        (5, "SH", True),
        (11, "SZ", True),
        (12, "SH", False),
        (49, "SZ", False),
    ],
)
def test_market_price_types_belong_to_their_exchange(price_type: int, market: str, ok: bool) -> None:
    try:
        check_order_types(23, price_type, market)
    except InvalidParameter:
        assert not ok
    else:
        assert ok


def test_an_unknown_code_is_404_and_an_index_is_not_tradable() -> None:
    with pytest.raises(NotFound):
        tradable_from("999999.SZ", None, {}, {})
    with pytest.raises(InvalidParameter, match="not tradable on a stock account") as caught:
        tradable_from("000300.SH", {"InstrumentName": "沪深300"}, {"index": True}, {})
    assert caught.value.code == "not_tradable"
    t = tradable_from(
        "110046.SH",
        {"InstrumentName": "信隆转债", "PriceTick": 0.001, "UpStopPrice": 95.113, "DownStopPrice": 63.4},
        {"bond": True, "convertible_bond": True},
        {"lastPrice": 80.0},
    )
    assert (t.kind, t.price_tick, t.lot()) == ("bond", 0.001, (10, 10))


# --- states -----------------------------------------------------------------------------------------


def order(status: int, traded: int = 0, volume: int = 1000, **more: object) -> dict:
    return {
        "order_id": 7,
        "order_status": status,
        "traded_volume": traded,
        "order_volume": volume,
        "traded_price": 9.7 if traded else 0.0,
        "order_type": 23,
        "status_msg": "",
        **more,
    }


@pytest.mark.parametrize(
    ("status", "state", "completed", "cancelable"),
    [
        (48, "pending", False, True),
        (49, "pending", False, True),
        (50, "open", False, True),
        (51, "cancel_pending", False, False),
        (52, "cancel_pending", False, False),
        (53, "cancelled", True, False),
        (54, "cancelled", True, False),
        (55, "partially_filled", False, True),
        (56, "filled", True, False),
        (57, "rejected", True, False),
        (255, "unknown", False, False),
        (99, "unknown", False, False),
    ],
)
def test_every_xtquant_status_has_one_meaning(
    status: int, state: str, completed: bool, cancelable: bool
) -> None:
    view = normalized(order(status))
    assert (view["state"], view["is_completed"], view["is_cancelable"]) == (state, completed, cancelable)


def test_the_table_covers_every_xtconstant_status() -> None:
    assert sorted(ORDER_STATUSES) == [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 255]


def test_fill_figures_and_flags() -> None:
    view = normalized(order(55, traded=300))
    assert (view["filled_volume"], view["avg_price"], view["is_filled"], view["side"]) == (
        300,
        9.7,
        False,
        "buy",
    )
    assert normalized(order(56, traded=1000))["is_filled"] is True
    assert normalized(order(53, traded=300))["is_canceled"] is True


def test_the_three_ways_of_rejection_are_one_state() -> None:
    by_status = normalized(order(57, status_msg="可用资金不足"))
    by_error = normalized(order(50), error="可用资金不足")
    by_refusal = refused_order({"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100}, "A", "-1")
    assert by_status["state"] == by_error["state"] == by_refusal["normalized"]["state"] == "rejected"
    assert by_status["error_reason"] == by_error["error_reason"] == "可用资金不足"
    assert by_refusal["order_id"] == -1 and by_refusal["normalized"]["is_completed"]


def test_an_error_does_not_unfill_a_filled_order() -> None:
    assert normalized(order(56, traded=1000), error="late error")["state"] == "filled"


def test_order_view_keeps_xtquant_fields() -> None:
    view = order_view(order(50), "my-id")
    assert (
        view["order_status"] == 50
        and view["client_order_id"] == "my-id"
        and view["normalized"]["state"] == "open"
    )


# --- risk -------------------------------------------------------------------------------------------


def limits(tmp_journal: Journal, **settings: object) -> RiskLimits:
    values = {"max_order_value": None, "max_orders_per_day": None, "allowed_codes": "", **settings}
    return RiskLimits(SimpleNamespace(**values), tmp_journal)


@pytest.fixture
def journal() -> Journal:
    return Journal(None)


def test_max_order_value_at_the_limit_passes_and_one_cent_over_is_refused(journal: Journal) -> None:
    risk = limits(journal, max_order_value=970.0)
    risk.check("A", tradable(), 23, 100, 11, 9.70, DAY)
    with pytest.raises(OrderRefused) as caught:
        risk.check("A", tradable(), 23, 100, 11, 9.71, DAY)
    assert caught.value.code == "order_value_over_limit" and caught.value.status_code == 403


def test_a_market_buy_is_valued_at_the_limit_up_price() -> None:
    assert estimated_value(tradable(), 23, 100, 44, 0.0) == pytest.approx(1059.0)
    assert estimated_value(tradable(), 24, 100, 44, 0.0) == pytest.approx(970.0)
    assert estimated_value(tradable(), 23, 100, 5, 0.0) == pytest.approx(970.0)


def test_orders_per_day_counts_every_order_sent_that_day(journal: Journal) -> None:
    risk = limits(journal, max_orders_per_day=2)
    for n in range(2):
        risk.check("A", tradable(), 23, 100, 11, 9.7, DAY)
        journal.begin_order(f"id{n}", "A", "fp", {}, DAY)
    with pytest.raises(OrderRefused, match="placed 2 orders today"):
        risk.check("A", tradable(), 23, 100, 11, 9.7, DAY)
    risk.check("B", tradable(), 23, 100, 11, 9.7, DAY)  # another account
    risk.check("A", tradable(), 23, 100, 11, 9.7, DAY + dt.timedelta(days=1))  # another day


def test_allowed_codes(journal: Journal) -> None:
    risk = limits(journal, allowed_codes="600519.SH, 000001.sz")
    risk.check("A", tradable("000001.SZ"), 23, 100, 11, 9.7, DAY)
    with pytest.raises(OrderRefused, match="not among the allowed codes"):
        risk.check("A", tradable("000002.SZ"), 23, 100, 11, 9.7, DAY)


def test_the_kill_switch_refuses_until_released_and_survives_a_restart(tmp_path) -> None:
    path = tmp_path / "j.sqlite3"
    first = Journal(path)
    limits(first).engage("test", dt.datetime(2026, 12, 4, 10, 0))
    first.close()
    again = Journal(path)
    risk = limits(again)
    with pytest.raises(OrderRefused, match="kill switch") as caught:
        risk.check("A", tradable(), 23, 100, 11, 9.7, DAY)
    assert caught.value.code == "kill_switch_engaged"
    risk.release()
    risk.check("A", tradable(), 23, 100, 11, 9.7, DAY)
