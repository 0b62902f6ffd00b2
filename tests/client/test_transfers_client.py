"""The client's transfer methods (``client/transfers.py``): a transfer is never retried (a repeat could move
the money twice), transfers are signed like trading requests, and end to end against a real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers import ScriptedAnswer as Answer
from helpers import scripted_client as scripted
from helpers import serve_in_thread, trading_app
from qmt_bridge.client import QMTClient
from qmt_bridge.client.errors import APIConnectionError, ConflictError, ServiceUnavailableError
from qmt_bridge.signing import SIGNATURE_HEADERS


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.bank_transfer("in", 100),
        lambda c: c.bank_transfer_out(100),
        lambda c: c.fund_transfer(511, 100),
    ],
    ids=["bank_transfer", "bank_transfer_out", "fund_transfer"],
)
def test_a_transfer_is_never_retried(send: Any) -> None:
    client, opener = scripted(ConnectionResetError(104, "reset"))
    with pytest.raises(APIConnectionError):
        send(client)
    assert len(opener.requests) == 1
    client, opener = scripted(
        Answer({"error": {"code": "trading_unavailable", "message": "down"}, "request_id": "r"}, status=503)
    )
    with pytest.raises(ServiceUnavailableError):
        send(client)
    assert len(opener.requests) == 1


def test_transfers_are_signed_like_trading_requests() -> None:
    client, opener = scripted(
        {"data": []}, {"data": []}, {"version": "x"}, client_id="desk", secret_key="s" * 32
    )
    client.query_fund_history()
    client.query_bound_banks()
    client.get_version()
    headers = [{name.lower() for name, _ in request.header_items()} for request in opener.requests]
    wanted = {name.lower() for name in SIGNATURE_HEADERS}
    assert [wanted <= names for names in headers] == [True, True, False]


def test_the_transfer_methods_against_a_real_server(tmp_path: Path) -> None:
    with serve_in_thread(trading_app(tmp_path, "k")) as url:
        client = QMTClient(base_url=url, api_key="k")
        [bank] = client.query_bound_banks()
        assert bank["bank_no"] == "1"
        done = client.bank_transfer("in", 1000.5, fund_pwd="123456")
        assert (done["state"], done["kind"], done["amount"]) == ("done", "bank_in", 1000.5)
        assert client.bank_transfer_out(0.5, bank_code="1")["kind"] == "bank_out"
        assert client.fund_transfer(511, 100)["kind"] == "fund"
        assert [r["kind"] for r in client.query_fund_history()] == ["fund", "bank_out", "bank_in"]
        assert client.query_transfer_records() == client.query_fund_history()
        assert client.query_bank_transfer_status(done["transfer_id"]) == done
        lines = client.query_bank_transfer_records(start_date="20251120", end_date="20251120")
        assert [(line["transfer_direction"], line["balance"]) for line in lines] == [
            ("1", 1000.5),
            ("2", 0.5),
        ]
        assert client.query_bank_balance()["balance"] == 1_000_000 - 1000
        available = client.query_bank_available()
        assert available["withdrawable"] == client.query_available_fund()["fetch_balance"]
        with pytest.raises(ConflictError) as refused:
            client.bank_transfer("in", 2_000_000)
        assert refused.value.code == "transfer_refused"
