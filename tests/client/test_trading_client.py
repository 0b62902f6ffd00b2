"""The client's trading methods: orders are retried safely (their ``client_order_id`` makes a repeat
harmless), cancels never are, and bad arguments are refused before anything is sent.

The last test is end to end: the first attempt of an order reaches a real server and its answer is lost;
the client's retry gets the same order back, and the server holds one order, not two.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import LosesTheFirstAnswer, serve_in_thread, trading_app, wait_until
from helpers import scripted_client as scripted
from qmt_bridge.client import QMTClient
from qmt_bridge.client.base import DEFAULT_MAX_RETRIES
from qmt_bridge.client.errors import APIConnectionError, ServiceUnavailableError

#: 000001.SZ's limit-down price at conftest's MID_SESSION (seed 7, 2025-11-20 10:00): a buy there rests. The
#: stock follows its real price history (it was 8.88); from the simulator: ``SimBackend(seed=7,
#: clock=fixed_clock(MID_SESSION)).xtdata.get_instrument_detail("000001.SZ")["DownStopPrice"]``.
LIMIT_DOWN = 10.20


def unavailable() -> Exception:
    import email.message
    import io
    import urllib.error

    body = json.dumps(
        {"error": {"code": "trading_unavailable", "message": "down", "details": {}}, "request_id": "r"}
    )
    return urllib.error.HTTPError(
        "http://bridge.test/", 503, "down", email.message.Message(), io.BytesIO(body.encode())
    )


def test_an_order_is_retried_after_a_lost_connection_with_the_same_client_order_id() -> None:
    client, opener = scripted(ConnectionResetError(104, "reset"), {"order_id": 7, "status": "open"})
    assert client.place_order("000001.SZ", 23, 100)["order_id"] == 7
    first, second = opener.bodies()
    assert first == second
    assert first["client_order_id"].startswith("qc-")


def test_a_credit_order_is_retried_with_the_same_client_order_id_the_client_made() -> None:
    client, opener = scripted(ConnectionResetError(104, "reset"), {"order_id": 8, "status": "open"})
    assert client.credit_order("600000.SH", "fin_buy", 100)["order_id"] == 8
    first, second = opener.bodies()
    assert first == second and first["client_order_id"].startswith("qc-")
    assert (first["credit_type"], first["order_type"]) == ("fin_buy", None)


def test_a_batch_is_retried_on_503_with_the_same_client_order_ids() -> None:
    client, opener = scripted(unavailable(), {"data": [{"order_id": 1}, {"order_id": 2}]})
    orders = [{"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100}] * 2
    assert [r["order_id"] for r in client.batch_order(orders)] == [1, 2]
    first, second = opener.bodies()
    assert first == second
    assert len({o["client_order_id"] for o in first}) == 2
    assert all(o["price_type"] == 5 for o in first)


def test_an_order_gives_up_after_the_retries() -> None:
    client, opener = scripted(*[unavailable() for _ in range(DEFAULT_MAX_RETRIES + 1)])
    with pytest.raises(ServiceUnavailableError):
        client.place_order("000001.SZ", 23, 100)
    assert len(opener.requests) == DEFAULT_MAX_RETRIES + 1


def test_a_cancel_is_never_retried() -> None:
    client, opener = scripted(ConnectionResetError(104, "reset"))
    with pytest.raises(APIConnectionError):
        client.cancel_order(7)
    assert len(opener.requests) == 1


def test_cancel_order_takes_what_place_order_returned() -> None:
    client, opener = scripted({"order_id": 7, "cancel_result": 0})
    client.cancel_order({"order_id": 7, "order": {"account_id": "A2"}})
    assert opener.bodies() == [{"order_id": 7, "account_id": "A2"}]


@pytest.mark.parametrize("order", [{"order_id": -1, "status": "rejected"}, {"order_id": None}, 0, True])
def test_cancel_order_without_an_order_id_sends_nothing(order: Any) -> None:
    client, opener = scripted()
    with pytest.raises(ValueError, match="no order id"):
        client.cancel_order(order)
    assert opener.requests == []


@pytest.mark.parametrize(
    ("order", "problem"),
    [
        ({"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100, "volume": 1}, "unknown key"),
        ({"stock_code": "000001.SZ", "order_type": 23}, "missing"),
    ],
)
def test_a_batch_with_a_malformed_order_sends_nothing(order: dict, problem: str) -> None:
    client, opener = scripted()
    good = {"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100}
    with pytest.raises(ValueError, match=rf"orders\[1\]: {problem}"):
        client.batch_order([good, order])
    assert opener.requests == []


def test_a_retried_order_whose_first_attempt_got_through_is_placed_once(tmp_path: Path) -> None:
    with serve_in_thread(trading_app(tmp_path, "k")) as url:
        opener = LosesTheFirstAnswer()
        client = QMTClient(base_url=url, api_key="k", opener=opener)
        client._sleep = lambda _seconds: None  # type: ignore[method-assign]
        answer = client.place_order("000001.SZ", 23, 100)
        assert opener.sent == 2
        assert answer["duplicate"] is True and answer["status"] in ("open", "filled")
        plain = QMTClient(base_url=url, api_key="k")
        wait_until(lambda: plain.query_trades() != [], "the order's fill")
        assert [o["order_id"] for o in plain.query_orders()] == [answer["order_id"]]
        assert [t["traded_volume"] for t in plain.query_trades()] == [100]


def test_the_2_1_3_trading_names_work_against_a_real_server(tmp_path: Path) -> None:
    """qmt-bridge 2.1.3's trading method names on our client, end to end: each returns the answer's data."""
    with serve_in_thread(trading_app(tmp_path, "k")) as url:
        client = QMTClient(base_url=url, api_key="k")
        sent = client.place_order_async("000001.SZ", 23, 100, client_order_id="async-by-name")
        assert sent["status"] == "async_submitted" and sent["client_order_id"] == "async-by-name"
        wait_until(lambda: client.query_trades() != [], "the async order's fill")
        [order] = client.query_orders()
        assert client.query_single_order(order["order_id"]) == client.query_order_detail(order["order_id"])
        [fill] = client.query_trades()
        assert client.query_single_trade(fill["traded_id"]) == fill
        assert client.query_single_position("000001.SZ")["volume"] == 100
        assert client.query_single_position("600519.SH") is None
        assert client.get_account_status()["connected"] is True
        assert client.get_account_info() == client.query_account_infos()[0]
        assert set(client.query_new_purchase_limit()) == {"KCB", "SH", "SZ"}
        assert isinstance(client.query_ipo_data(), dict) and client.query_position_statistics() == []
        assert client.query_com_fund()["success"] is True
        assert [p["stockCode"] for p in client.query_com_position()] == ["000001.SZ"]
        resting = client.place_order("000001.SZ", 23, 100, price_type=11, price=LIMIT_DOWN)
        results = client.batch_cancel([{"order_id": resting["order_id"]}, {"order_id": order["order_id"]}])
        assert [r["http_status"] for r in results] == [200, 409]
        assert client.cancel_order_async(order["order_id"])["status"] == "async_submitted"
