"""The trading guards at their boundaries, beyond test_trading_rules.py and test_trading_api.py (which cover
lots per board for buys, the price band of a 0.01-tick stock, max_order_value at the limit and one cent over
for a limit price, max_orders_per_day at 2, a batch counting its own orders, MAX_BATCH 1000/1001, C-int and
64-bit bounds, and a repeat of a client_order_id: same → duplicate, other volume → 409, same after a restart).

Here:

- the request schema's string bounds (client_order_id 1–64 of its alphabet, names and account ids 64,
  the kill switch's reason 200), each at the bound and one past;
- idempotency: every field of the fingerprint changed by the smallest step is a 409, spellings of the
  same order are a duplicate, near misses of an id are other ids; a pending order cut off by a restart;
- the daily limit: which orders count (an unknown one and one the counter rejected do, one refused at the
  edge does not), a repeat at the limit, the limit after a restart, a batch's ``ahead``;
- the order value: market orders valued at limit-up / last price at their limit and one cent over, float
  noise at the limit;
- the edge checks for odd-lot sells below the minimum and 0.001-tick price bands.

000001.SZ in the frozen simulator (2025-11-20 10:00): last 11.20, limit-up 12.46, limit-down 10.20 (it follows
its real price history; see the constants below).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from helpers import assert_error, trading_app
from qmt_bridge.server.config import Settings
from qmt_bridge.server.errors import InvalidParameter
from qmt_bridge.server.trading import journal as jr
from qmt_bridge.server.trading.journal import Journal
from qmt_bridge.server.trading.lifecycle import JOURNAL_FILE
from qmt_bridge.server.trading.risk import OrderRefused, RiskLimits
from qmt_bridge.server.trading.service import fingerprint
from qmt_bridge.server.trading.validation import Tradable, check_price, check_volume

KEY = "boundary-key-0001"
AUTH = {"X-API-Key": KEY}
ACCOUNT = "SIM000001"
SEED_ORDER = {"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100}
#: 000001.SZ at conftest's MID_SESSION (seed 7, 2025-11-20 10:00), from the simulator itself:
#: ``SimBackend(seed=7, clock=fixed_clock(MID_SESSION)).xtdata.get_full_tick(["000001.SZ"])`` (lastPrice; bid1
#: 11.19, ask1 11.20) and ``get_instrument_detail("000001.SZ")`` (UpStopPrice, DownStopPrice).
LAST, LIMIT_UP, LIMIT_DOWN = 11.20, 12.46, 10.20
#: A limit price inside the band, a little under the last price (the unit risk checks' order price).
IN_BAND = 11.15
#: The resting limit buy of the idempotency tests: inside the band, under bid1 (so it rests) and a whole
#: number of yuan (so that ``11`` is another spelling of it). It was 9.00 when the last price was 9.75.
RESTING = 11.00
TODAY = dt.date(2025, 11, 20)
DAY = dt.date(2026, 12, 4)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with TestClient(trading_app(tmp_path_factory.mktemp("boundaries"), KEY)) as client:
        yield client


def order(client: TestClient, **fields: Any) -> Any:
    return client.post("/api/trading/order", headers=AUTH, json={**SEED_ORDER, **fields})


def order_count(client: TestClient) -> int:
    return len(client.get("/api/trading/orders", headers=AUTH).json()["data"])


# --- the request schema -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_order_id", "status"),
    [
        ("a" * 64, 200),
        ("a" * 65, 422),
        ("", 422),
        ("A-z_0.9:x", 200),
        ("id-with space", 422),
        (" id-lead", 422),
        ("id-trail ", 422),
        ("id-newline\n", 422),
        ("id/slash", 422),
        ("id-中文", 422),
    ],
    ids=[
        "64",
        "65",
        "empty",
        "every-punctuation",
        "inner-space",
        "leading",
        "trailing",
        "newline",
        "slash",
        "cjk",
    ],
)
def test_client_order_id_is_1_to_64_of_its_alphabet(
    client: TestClient, client_order_id: str, status: int
) -> None:
    """``^[A-Za-z0-9_.:\\-]{1,64}$``: 64 passes, 65 is 422; so is any character outside the set, including a
    trailing newline (which a Python ``$`` would let through). A 422 places nothing."""
    before = order_count(client)
    answer = order(client, client_order_id=client_order_id, price_type=11, price=LIMIT_DOWN)
    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.json()["client_order_id"] == client_order_id
        assert order_count(client) == before + 1
    else:
        assert "client_order_id" in answer.text and order_count(client) == before


@pytest.mark.parametrize("field", ["strategy_name", "order_remark"])
def test_names_of_64_characters_pass_and_65_are_422(client: TestClient, field: str) -> None:
    before = order_count(client)
    assert order(client, **{field: "x" * 65}).status_code == 422
    assert order_count(client) == before
    answer = order(client, **{field: "长" * 64}, price_type=11, price=LIMIT_DOWN)  # 64 characters, 192 bytes
    assert answer.status_code == 200, answer.text
    assert order_count(client) == before + 1


def test_an_account_id_of_64_characters_is_looked_up_and_65_is_422(client: TestClient) -> None:
    assert_error(order(client, account_id="S" * 64), 404, "unknown_account", "account_id")
    assert order(client, account_id="S" * 65).status_code == 422


def test_the_kill_switch_reason_is_at_most_200_characters(client: TestClient) -> None:
    """Released (engaged=false) so that the module's other orders are not refused."""
    answer = client.post(
        "/api/trading/kill_switch", headers=AUTH, json={"engaged": False, "reason": "r" * 200}
    )
    assert answer.status_code == 200, answer.text
    over = client.post("/api/trading/kill_switch", headers=AUTH, json={"engaged": False, "reason": "r" * 201})
    assert over.status_code == 422


def test_a_limit_price_below_zero_is_422_and_zero_is_checked_by_the_edge(client: TestClient) -> None:
    assert order(client, price_type=11, price=-0.01).status_code == 422
    assert_error(order(client, price_type=11, price=0), 400, None, "price")


def test_cancel_order_ids_at_their_bounds(client: TestClient) -> None:
    """1 and 2**63-1 pass the schema (order 1 exists in this module: 200 or 409; 2**63-1 is 404, no such
    order), 0 and 2**63 are 422."""
    assert client.post("/api/trading/cancel", headers=AUTH, json={"order_id": 1}).status_code in (200, 409)
    assert_error(client.post("/api/trading/cancel", headers=AUTH, json={"order_id": 2**63 - 1}), 404)
    for order_id in (0, 2**63):
        assert (
            client.post("/api/trading/cancel", headers=AUTH, json={"order_id": order_id}).status_code == 422
        )


# --- idempotency: what is the same order --------------------------------------------------------------

#: The first order under an id: a resting limit buy, every fingerprint field given.
FIRST = {
    **SEED_ORDER,
    "price_type": 11,
    "price": RESTING,
    "strategy_name": "s1",
    "order_remark": "r1",
}


@pytest.mark.parametrize(
    "changed",
    [
        {"order_volume": 200},
        {"price": 11.01},  # RESTING + one tick
        {"price": 10.99},  # RESTING - one tick
        {"price_type": 5, "price": 0.0},
        {"order_type": 24},
        {"stock_code": "000002.SZ"},
        {"strategy_name": "s1 "},
        {"strategy_name": "S1"},
        {"strategy_name": ""},
        {"order_remark": "r2"},
        {"order_remark": ""},
    ],
    ids=lambda c: ",".join(f"{k}={v!r}" for k, v in c.items()),
)
def test_one_field_changed_by_the_smallest_step_is_409(client: TestClient, changed: dict[str, Any]) -> None:
    """Under an id already used: a price one tick off, one lot more, a name with a trailing space or
    another case, another type — each is a different order: 409 duplicate_client_order_id, nothing placed."""
    coid = "fp-" + "-".join(f"{k}{v}" for k, v in changed.items()).replace(" ", "_").replace(".", "_")[:50]
    first = order(client, **FIRST, client_order_id=coid)
    assert first.status_code == 200, first.text
    before = order_count(client)
    error = assert_error(
        order(client, **{**FIRST, **changed}, client_order_id=coid), 409, "duplicate_client_order_id"
    )
    assert coid in error["message"] and "nothing was placed" in error["message"]
    assert order_count(client) == before


@pytest.mark.parametrize(
    "spelling",
    [
        {},
        {"account_id": ACCOUNT},
        {"stock_code": "000001.sz"},
        {"stock_code": " 000001.SZ "},
        {"price": 11},  # RESTING as an int
        {"price": 11.000},
        {"order_volume": 100.0},
    ],
    ids=[
        "identical",
        "explicit-account",
        "lower-case-market",
        "spaces-around-code",
        "int-price",
        "11.000",
        "volume-100.0",
    ],
)
def test_another_spelling_of_the_same_order_is_a_duplicate(
    client: TestClient, spelling: dict[str, Any]
) -> None:
    """The fingerprint is taken after the edge normalises the request: the default account named, the
    market suffix in lower case or the code with spaces, 11 for 11.00, 100.0 for 100 — the same order: 200
    with duplicate true and the first order id, nothing placed."""
    coid = "same-" + "-".join(spelling).replace("_", "") or "same-identical"
    first = order(client, **FIRST, client_order_id=coid).json()
    before = order_count(client)
    again = order(client, **{**FIRST, **spelling}, client_order_id=coid)
    assert again.status_code == 200, again.text
    assert again.json()["duplicate"] is True and again.json()["order_id"] == first["order_id"]
    assert order_count(client) == before


@pytest.mark.parametrize(
    "near",
    [str.upper, lambda c: c + "x", lambda c: c[:-1], lambda c: c + ".", lambda c: "x" + c],
    ids=["upper", "extended", "prefix", "dot", "x-prefixed"],
)
def test_a_near_miss_of_an_id_is_another_id(client: TestClient, near: Any) -> None:
    """Ids compare exactly (case included): one character more or less, or another case, is a new order
    placed, even with the very same contents."""
    coid = f"near-id-{near('ab')}"
    first = order(client, **FIRST, client_order_id=coid).json()
    before = order_count(client)
    other = order(client, **FIRST, client_order_id=near(coid))
    assert other.status_code == 200, other.text
    assert other.json().get("duplicate") is not True and other.json()["order_id"] != first["order_id"]
    assert order_count(client) == before + 1


def test_fingerprint_ignores_the_id_and_fields_outside_the_order() -> None:
    """Hand-checked: only the eight ORDER_FIELDS count."""
    base = {"account_id": ACCOUNT, **FIRST}
    assert fingerprint({**base, "client_order_id": "a"}) == fingerprint({**base, "client_order_id": "b"})
    assert fingerprint(base) != fingerprint({**base, "price": RESTING + 0.001})


# --- the daily limit and idempotency across a restart ------------------------------------------------


def _seed_cut_off_order(data_dir: Path) -> None:
    """A journal left by a server that stopped during the trader call of order "cut-off" (today, pending)."""
    journal = Journal(data_dir / JOURNAL_FILE)
    request = {**SEED_ORDER, "account_id": ACCOUNT, "price_type": 5, "price": 0.0, "strategy_name": "",
               "order_remark": "", "client_order_id": "cut-off"}  # fmt: skip
    journal.begin_order("cut-off", ACCOUNT, fingerprint(request), request, TODAY)
    journal.close()


def test_the_daily_limit_counts_every_order_sent_and_holds_across_a_restart(tmp_path: Path) -> None:
    """max_orders_per_day=3. Sent today: "cut-off" (pending when the last server stopped: unknown, it may
    have reached the counter) = 1; an odd lot refused at the edge (400) is not sent, still 1; a sell of
    100,000 unheld shares that the counter rejects was sent = 2; "A" = 3, at the limit. The next order is
    403 {"placed": 3, "limit": 3}. Repeats are answered before the limit: "A" again 200 duplicate,
    "cut-off" again 202 unknown. After a restart the count is read back from the journal: still 403, and a
    different order under "A" is 409 (the id is judged before the limit)."""
    _seed_cut_off_order(tmp_path)
    with TestClient(trading_app(tmp_path, KEY, max_orders_per_day=3)) as client:
        cut_off = order(client, client_order_id="cut-off")
        assert cut_off.status_code == 202 and cut_off.json()["status"] == "unknown"
        assert cut_off.json()["duplicate"] is True
        assert_error(order(client, order_volume=150), 400, "invalid_lot")
        rejected = order(client, order_type=24, order_volume=100_000)
        assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
        placed = order(client, client_order_id="A")
        assert placed.status_code == 200, placed.text
        error = assert_error(order(client, client_order_id="B"), 403, "orders_per_day_over_limit")
        assert error["details"] == {"placed": 3, "limit": 3}
        again = order(client, client_order_id="A")
        assert again.status_code == 200 and again.json()["duplicate"] is True
        assert again.json()["order_id"] == placed.json()["order_id"]
        assert order(client, client_order_id="cut-off").status_code == 202
        assert order_count(client) == 2  # the rejected sell and "A"; "cut-off" never reached this counter
    with TestClient(trading_app(tmp_path, KEY, max_orders_per_day=3)) as client:
        error = assert_error(order(client, client_order_id="B"), 403, "orders_per_day_over_limit")
        assert error["details"] == {"placed": 3, "limit": 3}
        assert_error(order(client, client_order_id="A", order_volume=200), 409, "duplicate_client_order_id")
        assert_error(
            order(client, client_order_id="cut-off", order_volume=200), 409, "duplicate_client_order_id"
        )
        again = order(client, client_order_id="A")
        assert again.status_code == 200 and again.json()["duplicate"] is True


# --- risk limits, unit level --------------------------------------------------------------------------


def tradable(code: str = "000001.SZ", kind: str = "stock", tick: float = 0.01, up: float = LIMIT_UP,
             down: float = LIMIT_DOWN, last: float = LAST) -> Tradable:  # fmt: skip
    return Tradable(code, "name", kind, tick, up, down, last)


def limits(journal: Journal, **settings: Any) -> RiskLimits:
    values = {"max_order_value": None, "max_orders_per_day": None, "allowed_codes": "", **settings}
    return RiskLimits(SimpleNamespace(**values), journal)


def refusal(risk: RiskLimits, *args: Any, **kwargs: Any) -> OrderRefused | None:
    try:
        risk.check(*args, **kwargs)
    except OrderRefused as exc:
        return exc
    return None


@pytest.mark.parametrize(
    ("journaled", "ahead", "ok"),
    [(1, 1, True), (1, 2, False), (0, 2, True), (0, 3, False), (2, 0, True), (3, 0, False)],
)
def test_orders_ahead_in_a_batch_count_like_journaled_ones(journaled: int, ahead: int, ok: bool) -> None:
    """Limit 3: journaled + ahead = 2 passes (this order is the third), = 3 is refused with placed 3."""
    journal = Journal(None)
    for n in range(journaled):
        journal.begin_order(f"j{n}", "A", "fp", {}, DAY)
    error = refusal(limits(journal, max_orders_per_day=3), "A", tradable(), 23, 100, 11, IN_BAND, DAY, ahead)
    if ok:
        assert error is None
    else:
        assert error is not None and error.details == {"placed": 3, "limit": 3}


def test_a_daily_limit_of_one() -> None:
    journal = Journal(None)
    risk = limits(journal, max_orders_per_day=1)
    assert refusal(risk, "A", tradable(), 23, 100, 11, IN_BAND, DAY) is None
    journal.begin_order("only", "A", "fp", {}, DAY)
    error = refusal(risk, "A", tradable(), 23, 100, 11, IN_BAND, DAY)
    assert (
        error is not None
        and error.code == "orders_per_day_over_limit"
        and error.details == {"placed": 1, "limit": 1}
    )


@pytest.mark.parametrize("state", [jr.PLACED, jr.REJECTED, jr.UNKNOWN, jr.PENDING])
def test_an_order_counts_whatever_became_of_it_until_it_is_forgotten(state: str) -> None:
    """Limit 1: one journaled order in any state uses up the day; a pending one that certainly never
    reached the trader (forget_order) gives the slot back."""
    journal = Journal(None)
    risk = limits(journal, max_orders_per_day=1)
    journal.begin_order("x", "A", "fp", {}, DAY)
    if state != jr.PENDING:
        journal.finish_order("x", state, 7 if state == jr.PLACED else None, {})
    assert refusal(risk, "A", tradable(), 23, 100, 11, IN_BAND, DAY) is not None
    journal.forget_order("x")
    assert (refusal(risk, "A", tradable(), 23, 100, 11, IN_BAND, DAY) is None) is (state == jr.PENDING)


@pytest.mark.parametrize(
    ("order_type", "price_type", "limit", "ok"),
    [
        (23, 44, 1246.00, True),  # a market buy may pay up to limit-up: 100 x 12.46 (LIMIT_UP)
        (23, 44, 1245.99, False),
        (23, 5, 1120.00, True),  # latest price: 100 x 11.20 (LAST)
        (23, 5, 1119.99, False),
        (24, 44, 1120.00, True),  # a market sell brings the last price
        (24, 44, 1119.99, False),
    ],
    ids=[
        "mkt-buy-at",
        "mkt-buy-cent-under",
        "latest-at",
        "latest-cent-under",
        "mkt-sell-at",
        "mkt-sell-cent-under",
    ],
)
def test_order_value_of_orders_without_a_price_at_the_limit(
    order_type: int, price_type: int, limit: float, ok: bool
) -> None:
    error = refusal(
        limits(Journal(None), max_order_value=limit), "A", tradable(), order_type, 100, price_type, 0.0, DAY
    )
    if ok:
        assert error is None
    else:
        assert error is not None and error.code == "order_value_over_limit"


def test_a_market_buy_without_a_limit_up_price_is_valued_at_the_last_price() -> None:
    """up_limit 0 (no band): 100 x 11.20 (LAST) = 1120.00; one tick more is over."""
    risk = limits(Journal(None), max_order_value=1120.0)
    assert refusal(risk, "A", tradable(up=0.0), 23, 100, 44, 0.0, DAY) is None
    assert refusal(risk, "A", tradable(up=0.0, last=11.21), 23, 100, 44, 0.0, DAY) is not None


@pytest.mark.parametrize(("price", "volume"), [(8.88, 100), (1.10, 900)])
def test_an_order_worth_exactly_the_limit_passes_despite_float_noise(price: float, volume: int) -> None:
    """8.88 x 100 = 888.00 CNY and 1.10 x 900 = 990.00 CNY exactly (in floats 888.0000000000001 and
    990.0000000000001); with the limit set to that value the order is at the limit and must pass (the
    refusal would read "worth about 888.00 CNY, over the limit of 888.00"). A unit check with no band:
    8.88 is kept for its float noise, though it is no longer 000001.SZ's limit-down price in the simulator
    (LIMIT_DOWN, 10.20 x 100, is 1019.9999999999999: noise on the harmless side)."""
    risk = limits(Journal(None), max_order_value=round(price * volume, 2))
    assert refusal(risk, "A", tradable(down=0.0), 23, volume, 11, price, DAY) is None


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("000001.SZ", True),
        ("600519.SH", True),
        ("000001.SH", False),
        ("00001.SZ", False),
        ("0000010.SZ", False),
        ("600519.SZ", False),
    ],
)
def test_allowed_codes_match_whole_codes_only(code: str, ok: bool) -> None:
    """The setting " 600519.sh ,000001.SZ," is read as {600519.SH, 000001.SZ}; another market, a prefix or
    an extension of an allowed code is not allowed."""
    risk = limits(Journal(None), allowed_codes=" 600519.sh ,000001.SZ,")
    assert risk.allowed_codes == frozenset({"600519.SH", "000001.SZ"})
    error = refusal(risk, "A", tradable(code), 23, 100, 11, IN_BAND, DAY)
    assert (error is None) is ok
    if not ok:
        assert error is not None and error.code == "code_not_allowed"


def test_the_kill_switch_is_checked_before_every_other_limit() -> None:
    """An order breaking every limit while the switch is engaged is refused for the switch; released, the
    next limit in line (the allowed codes) speaks."""
    risk = limits(Journal(None), max_order_value=1.0, max_orders_per_day=1, allowed_codes="600519.SH")
    risk.engage("test", dt.datetime(2026, 12, 4, 10, 0))
    error = refusal(risk, "A", tradable(), 23, 100, 11, IN_BAND, DAY, 5)
    assert error is not None and error.code == "kill_switch_engaged"
    risk.release()
    error = refusal(risk, "A", tradable(), 23, 100, 11, IN_BAND, DAY, 5)
    assert error is not None and error.code == "code_not_allowed"


@pytest.mark.parametrize(
    ("setting", "value", "ok"),
    [
        ("max_order_value", 0.0, False),
        ("max_order_value", 0.01, True),
        ("max_orders_per_day", 0, False),
        ("max_orders_per_day", 1, True),
    ],
)
def test_the_limit_settings_refuse_zero(setting: str, value: float, ok: bool) -> None:
    """A limit of 0 would refuse everything: it is a configuration error, the smallest real limit passes."""
    if ok:
        assert getattr(Settings(_env_file=None, **{setting: value}), setting) == value
    else:
        with pytest.raises(ValidationError, match=setting):
            Settings(_env_file=None, **{setting: value})


# --- edge checks, unit level --------------------------------------------------------------------------


def volume_ok(t: Tradable, order_type: int, volume: int, sellable: int | None = None) -> bool:
    """Whether check_volume passes; ``sellable`` None: the position must not even be asked for."""

    async def get_sellable() -> int:
        assert sellable is not None, "the sellable volume was asked for a valid lot"
        return sellable

    try:
        asyncio.run(check_volume(t, order_type, volume, get_sellable))
    except InvalidParameter as exc:
        assert exc.code == "invalid_lot" or volume <= 0
        return False
    return True


@pytest.mark.parametrize(
    ("code", "kind", "volume", "sellable", "ok"),
    [
        ("688981.SH", "stock", 200, None, True),  # STAR: the minimum is a valid lot, no position query
        ("688981.SH", "stock", 199, 199, True),  # below the minimum: only as the whole position
        ("688981.SH", "stock", 199, 200, False),
        ("688981.SH", "stock", 199, 198, False),
        ("830799.BJ", "stock", 100, None, True),
        ("830799.BJ", "stock", 99, 99, True),
        ("830799.BJ", "stock", 99, 100, False),
        ("110046.SH", "bond", 10, None, True),
        ("110046.SH", "bond", 15, 15, True),
        ("110046.SH", "bond", 15, 25, False),
        ("000001.SZ", "stock", 1, 1, True),
        ("000001.SZ", "stock", 1, 2, False),
    ],
)
def test_odd_lot_sells_at_the_boards_minimums(
    code: str, kind: str, volume: int, sellable: int | None, ok: bool
) -> None:
    assert volume_ok(Tradable(code, "n", kind, 0.01, 0.0, 0.0, 1.0), 24, volume, sellable) is ok


@pytest.mark.parametrize(
    ("price", "ok"),
    [(5.066, True), (5.067, False), (4.146, True), (4.145, False), (5.0655, False)],
)
def test_the_band_of_a_thousandth_tick_fund_at_its_edges(price: float, ok: bool) -> None:
    """510300.SH: tick 0.001, band 4.146–5.066. One tick (0.001) past either edge is refused; a slack of
    half a *stock* tick (0.005) would let 5.067 and 4.145 through."""
    fund = Tradable("510300.SH", "n", "fund", 0.001, 5.066, 4.146, 4.6)
    try:
        check_price(fund, 11, price)
    except InvalidParameter as exc:
        assert not ok, exc.message
        assert exc.code == ("price_off_tick" if price == 5.0655 else "price_outside_limits")
    else:
        assert ok


@pytest.mark.parametrize(
    ("up", "down", "price", "ok"),
    [
        (0.0, LIMIT_DOWN, 999.99, True),
        (0.0, LIMIT_DOWN, 10.19, False),  # one tick under limit-down
        (LIMIT_UP, 0.0, 0.01, True),
        (LIMIT_UP, 0.0, 12.47, False),  # one tick over limit-up
    ],
)
def test_a_missing_band_end_is_no_bound_on_that_side_only(
    up: float, down: float, price: float, ok: bool
) -> None:
    try:
        check_price(tradable(up=up, down=down), 11, price)
    except InvalidParameter:
        assert not ok
    else:
        assert ok
