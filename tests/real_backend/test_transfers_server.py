"""Fund and bank transfers (``/api/fund/*``, ``/api/bank/*``) of a real uvicorn server on the xtquant
backend, over the fake ``xtquant.xttrader``.

Everything goes over the wire with httpx. The fake's hooks stand for MiniQMT's counter: ``CALLS`` what
reached it, ``RETURNS`` what it answered instead, ``HANGS`` a call whose reply never comes, ``disconnect``
a lost MiniQMT. Its bound bank is ``BANK_NO`` 'A' / ``BANK_ACCOUNT``, holding ``BANK_BALANCE``; the
account's cash starts at ``INITIAL_CASH``. The transfer rules themselves are those of
``server/trading/transfers.py``; ``tests/server/test_transfers.py`` runs them on the simulator.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from helpers import (
    XT_ACCOUNT,
    XT_CALL_TIMEOUT,
    XT_KEY,
    assert_error,
    wait_until,
)
from helpers import trader_calls as calls
from helpers import (
    xtquant_trading_server as trading_server,
)

# The xtquant-backend trading server of helpers.py, as test_trading_server.py uses it.
ACCOUNT = XT_ACCOUNT
KEY = XT_KEY
AUTH = {"X-API-Key": KEY}
CALL_TIMEOUT = XT_CALL_TIMEOUT
JOURNAL_FILE = "trading_journal.sqlite3"  # server/trading/lifecycle.py
BANK_PWD = "pwd-SECRET-1"
FUND_PWD = "pwd-SECRET-2"


@pytest.fixture
def xt(fake_xtdata: ModuleType, fake_xttrader: ModuleType) -> ModuleType:
    """The fake xttrader (and the fake xtdata the backend reads), both reset before and after."""
    return fake_xttrader


@pytest.fixture
def http(xt: ModuleType, tmp_path: Path) -> Iterator[httpx.Client]:
    with trading_server(tmp_path) as client:
        yield client


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def history(http: httpx.Client) -> list[dict[str, Any]]:
    return ok(http.get("/api/fund/history"))


def trader(http: httpx.Client) -> dict[str, Any]:
    return http.get("/api/trading/status").json()["trader"]


def is_our_account(account: Any) -> bool:
    return (account.account_id, account.account_type) == (ACCOUNT, 2)


def bank_in(http: httpx.Client, amount: float, **fields: Any) -> httpx.Response:
    return http.post("/api/bank/transfer", json={"direction": "in", "amount": amount, **fields})


# --------------------------------------------------------------------------------------------------
# 1. A transfer in: the call, the bank chosen, the records
# --------------------------------------------------------------------------------------------------


def test_a_bank_transfer_in_reaches_bank_transfer_in_and_is_recorded_by_server_and_bank(
    xt: ModuleType, http: httpx.Client
) -> None:
    named = ok(
        bank_in(http, 1234.56, bank_no="A", bank_account=xt.BANK_ACCOUNT, bank_pwd="b1", fund_pwd="f1")
    )
    ((account, *rest),) = calls(xt, "bank_transfer_in")
    assert is_our_account(account)
    assert rest == ["A", xt.BANK_ACCOUNT, 1234.56, "b1", "f1"]
    assert calls(xt, "query_bank_info") == []  # the bank was named: nothing looked up
    assert (named["kind"], named["direction"], named["amount"], named["bank_no"]) == (
        "bank_in",
        501,
        1234.56,
        "A",
    )
    assert (named["state"], named["msg"], named["account_id"]) == ("done", "转账成功", ACCOUNT)

    # bank_no omitted: the account's first bound bank, as query_bank_info gives it, and no passwords.
    default = ok(bank_in(http, 100))
    ((info_account,),) = calls(xt, "query_bank_info")
    assert is_our_account(info_account)
    [_, (account, *rest)] = calls(xt, "bank_transfer_in")
    assert is_our_account(account) and rest == ["A", xt.BANK_ACCOUNT, 100.0, "", ""]
    names = [name for name, _ in xt.CALLS]
    assert names.index("query_bank_info") < len(names) - 1 - names[::-1].index("bank_transfer_in")
    assert (default["bank_no"], default["state"], default["transfer_id"]) == (
        "A",
        "done",
        named["transfer_id"] + 1,
    )

    # qmt-bridge 2.1.3's path: bank_code is the bank, no bank account.
    compat = ok(http.post("/api/bank/transfer_in", json={"amount": 0.44, "bank_code": "A"}))
    [*_, (account, *rest)] = calls(xt, "bank_transfer_in")
    assert is_our_account(account) and rest == ["A", "", 0.44, "", ""]
    assert compat["state"] == "done" and compat["kind"] == "bank_in"

    # The server's record, newest first; one transfer by its id.
    listed = history(http)
    assert [r["transfer_id"] for r in listed] == [
        compat["transfer_id"],
        default["transfer_id"],
        named["transfer_id"],
    ]
    assert listed[-1] == named and listed[1] == default
    assert ok(http.get("/api/fund/transfer_records")) == listed
    assert ok(http.get("/api/bank/status", params={"transfer_id": named["transfer_id"]})) == named

    # The bank's own stream (the fake's lines) and balance.
    stream = ok(http.get("/api/bank/transfer_records"))
    assert [(s["transfer_no"], s["transfer_direction"], s["balance"]) for s in stream] == [
        ("00000001", "1", 1234.56),
        ("00000002", "1", 100.0),
        ("00000003", "1", 0.44),
    ]
    assert {(s["bank_no"], s["bank_account"], s["account_id"]) for s in stream} == {
        ("A", xt.BANK_ACCOUNT, ACCOUNT)
    }
    ((account, start, end, bank_no, bank_account),) = calls(xt, "query_bank_transfer_stream")
    assert (
        is_our_account(account) and start <= end == listed[0]["date"] and (bank_no, bank_account) == ("", "")
    )
    balance = ok(http.get("/api/bank/balance"))
    left = round(xt.BANK_BALANCE - 1234.56 - 100 - 0.44, 2)
    assert (balance["bank_no"], balance["balance"], balance["enable_balance"]) == ("A", left, left)
    [(_, bank_no, bank_account, _)] = calls(xt, "query_bank_amount")
    assert (bank_no, bank_account) == ("A", xt.BANK_ACCOUNT)
    assert ok(http.get("/api/trading/asset"))["cash"] == round(xt.INITIAL_CASH + 1234.56 + 100 + 0.44, 2)
    [bank] = ok(http.get("/api/bank/banks"))
    assert (bank["bank_no"], bank["bank_account"], bank["bank_name"]) == ("A", xt.BANK_ACCOUNT, xt.BANK_NAME)


# --------------------------------------------------------------------------------------------------
# 2. Passwords go to the trader call and nowhere else
# --------------------------------------------------------------------------------------------------


def test_passwords_reach_the_trader_call_only(
    xt: ModuleType, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(
        logging.DEBUG
    )  # the root logger, for the whole test: every record any logger lets through
    secrets = (BANK_PWD, FUND_PWD)
    too_long = "pwd-SECRET-3" + "x" * 53
    assert len(too_long) == 65
    bodies: list[str] = []
    with trading_server(tmp_path) as http:

        def seen(response: httpx.Response) -> httpx.Response:
            bodies.append(response.text)
            return response

        record = ok(seen(bank_in(http, 500, bank_pwd=BANK_PWD, fund_pwd=FUND_PWD)))
        out = seen(
            http.post(
                "/api/bank/transfer",
                json={"direction": "out", "amount": 200, "bank_pwd": BANK_PWD, "fund_pwd": FUND_PWD},
            )
        )
        assert ok(out)["state"] == "done"
        xt.RETURNS["bank_transfer_in"] = (False, "银行密码错误")
        assert_error(seen(bank_in(http, 1, bank_pwd=BANK_PWD, fund_pwd=FUND_PWD)), 409, "transfer_refused")
        for name, value in (("bank_pwd", too_long), ("fund_pwd", too_long)):
            refused = seen(bank_in(http, 1, **{name: value}))
            assert_error(refused, 422, "validation_error")
            assert "pwd-SECRET-3" not in refused.text
        seen(http.get("/api/fund/history"))
        seen(http.get("/api/fund/transfer_records"))
        seen(http.get("/api/bank/status", params={"transfer_id": record["transfer_id"]}))
        seen(http.get("/api/bank/transfer_records"))
        seen(http.get("/api/bank/balance"))
        seen(http.get("/api/trading/status"))
        assert [r["state"] for r in history(http)] == ["refused", "done", "done"]
        # They did reach the counter, exactly as sent; the 422s sent nothing.
        sent = calls(xt, "bank_transfer_in") + calls(xt, "bank_transfer_out")
        assert [args[4:] for args in sent] == [secrets] * 3
        for text in bodies:
            for secret in (*secrets, "pwd-SECRET-3"):
                assert secret not in text, text
        wal_files = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert any(p.name == JOURNAL_FILE for p in wal_files)
        for path in wal_files:  # while the server runs (the WAL file is there)
            data = path.read_bytes()
            assert not any(s.encode() in data for s in (*secrets, "pwd-SECRET-3")), path

    # After the stop (the WAL checkpointed into the database file): every file under the data dir.
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == JOURNAL_FILE for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in (*secrets, "pwd-SECRET-3"):
            assert secret.encode() not in data, path
            assert secret.encode("utf-16-le") not in data, path
    # Nor in any log record: message, arguments, exception text.
    assert caplog.records, "nothing was logged at all: the capture did not work"
    for log_record in caplog.records:
        text = f"{log_record.getMessage()} {log_record.args!r} {log_record.exc_text or ''}"
        for secret in (*secrets, "pwd-SECRET-3"):
            assert secret not in text, (log_record.name, text)
    for secret in (*secrets, "pwd-SECRET-3"):
        assert secret not in caplog.text


# --------------------------------------------------------------------------------------------------
# 3. A transfer whose call never answers
# --------------------------------------------------------------------------------------------------


def test_a_hung_transfer_is_unknown_never_retried_and_the_server_stays_responsive(
    xt: ModuleType, http: httpx.Client
) -> None:
    xt.HANGS.add("bank_transfer_in")
    answers: list[httpx.Response] = []
    sender = threading.Thread(target=lambda: answers.append(bank_in(http, 300, bank_no="A")))
    started = time.monotonic()
    sender.start()
    wait_until(lambda: calls(xt, "bank_transfer_in"), "bank_transfer_in to be called", 5)
    # The record is written before the call: pending while it runs.
    [running] = history(http)
    assert running["state"] == "pending" and running["msg"] == ""
    # Meanwhile the server answers; a trader call waits at most until the stuck one is abandoned (its
    # timeout), then runs on a fresh call thread.
    health = http.get("/api/meta/health")
    assert sender.is_alive()  # answered while the transfer call still hangs
    assert health.status_code == 200 and health.json()["trading"]["connected"] is True
    asset = http.get("/api/trading/asset")
    assert ok(asset)["cash"] == xt.INITIAL_CASH
    sender.join(timeout=10)
    assert not sender.is_alive()
    (answer,) = answers
    assert CALL_TIMEOUT <= time.monotonic() - started < CALL_TIMEOUT + 2
    error = assert_error(answer, 504, "trader_timeout")
    assert "bank_transfer_in" in error["message"]
    transfer_id = error["details"]["transfer_id"]
    assert transfer_id == running["transfer_id"] and error["details"]["call"] == "bank_transfer_in"

    [record] = history(http)
    assert (record["transfer_id"], record["state"], record["amount"]) == (transfer_id, "unknown", 300.0)
    assert record["msg"] == error["message"]
    assert ok(http.get("/api/bank/status", params={"transfer_id": transfer_id})) == record
    # Never retried: one call, and nothing moved.
    time.sleep(CALL_TIMEOUT)
    assert len(calls(xt, "bank_transfer_in")) == 1
    state = trader(http)
    assert state["connected"] and state["stuck_threads"] == 1 and state["calls_in_flight"] == 0

    # Once the counter answers again, a new transfer goes through (the old call stays stuck in the fake).
    xt.HANGS.discard("bank_transfer_in")
    fresh = ok(bank_in(http, 300, bank_no="A"))
    assert fresh["state"] == "done" and fresh["transfer_id"] == transfer_id + 1
    assert len(calls(xt, "bank_transfer_in")) == 2
    assert [r["state"] for r in history(http)] == ["done", "unknown"]
    assert ok(http.get("/api/trading/asset"))["cash"] == xt.INITIAL_CASH + 300


# --------------------------------------------------------------------------------------------------
# 4. A server that stops while a transfer is pending
# --------------------------------------------------------------------------------------------------


def test_a_transfer_pending_when_the_server_stopped_is_unknown_after_the_restart(
    xt: ModuleType, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A stopped server cannot leave a row ``pending`` on its own (uvicorn lets the request finish, and it
    times out as ``unknown``), so the crash is taken as a snapshot: the journal as it is on disk while the
    call hangs (an SQLite backup: what a killed process leaves), started from by a second server."""
    first_dir, crashed_dir = tmp_path / "first", tmp_path / "crashed"
    crashed_dir.mkdir()
    xt.HANGS.add("bank_transfer_in")
    answers: list[httpx.Response] = []
    with trading_server(first_dir, trading_call_timeout=2.0) as http:
        sender = threading.Thread(target=lambda: answers.append(bank_in(http, 70, bank_no="A")))
        sender.start()
        wait_until(lambda: calls(xt, "bank_transfer_in"), "bank_transfer_in to be called", 5)
        with (
            sqlite3.connect(first_dir / JOURNAL_FILE) as source,
            sqlite3.connect(crashed_dir / JOURNAL_FILE) as snapshot,
        ):
            source.backup(snapshot)
        source.close()
        snapshot.close()
        sender.join(timeout=10)
    (answer,) = answers
    transfer_id = assert_error(answer, 504, "trader_timeout")["details"]["transfer_id"]
    with sqlite3.connect(crashed_dir / JOURNAL_FILE) as db:
        rows = db.execute("SELECT transfer_id, state FROM transfers").fetchall()
    db.close()
    assert rows == [(transfer_id, "pending")]

    xt.HANGS.discard("bank_transfer_in")
    caplog.set_level(logging.WARNING, logger="qmt_bridge.trading")
    with trading_server(crashed_dir) as http:
        [record] = history(http)
        assert (record["transfer_id"], record["state"], record["amount"]) == (transfer_id, "unknown", 70.0)
        assert record["msg"] == "the server stopped before the trader answered"
        assert ok(http.get("/api/bank/status", params={"transfer_id": transfer_id})) == record
        assert len(calls(xt, "bank_transfer_in")) == 1  # not sent again at start
        later = ok(bank_in(http, 1, bank_no="A"))
        assert later["transfer_id"] == transfer_id + 1 and later["state"] == "done"
    assert any("1 transfer(s) had no answer" in r.getMessage() for r in caplog.records)

    # The first server's own record, restarted on its directory: unknown because the call timed out.
    with trading_server(first_dir) as http:
        [record] = history(http)
        assert record["state"] == "unknown" and "did not answer bank_transfer_in within 2 s" in record["msg"]


# --------------------------------------------------------------------------------------------------
# 5. The counter refuses
# --------------------------------------------------------------------------------------------------


def test_a_refusal_by_the_counter_is_409_with_its_message_and_recorded_refused(
    xt: ModuleType, http: httpx.Client
) -> None:
    xt.RETURNS["bank_transfer_out"] = (False, "超出转账限额")
    refused = http.post("/api/bank/transfer", json={"direction": "out", "amount": 100, "bank_no": "A"})
    error = assert_error(refused, 409, "transfer_refused")
    assert error["details"]["msg"] == "超出转账限额" and "超出转账限额" in error["message"]
    [record] = history(http)
    assert (record["transfer_id"], record["state"], record["msg"]) == (
        error["details"]["transfer_id"],
        "refused",
        "超出转账限额",
    )
    assert (record["kind"], record["direction"]) == ("bank_out", 502)
    assert len(calls(xt, "bank_transfer_out")) == 1
    assert ok(http.get("/api/trading/asset"))["cash"] == xt.INITIAL_CASH

    # Not xttrader's (success, msg): refused, saying what came back.
    for junk, shown in ((None, "None"), ((True,), "(True,)"), (0, "0")):
        xt.RETURNS["bank_transfer_out"] = junk
        answer = http.post("/api/bank/transfer", json={"direction": "out", "amount": 100, "bank_no": "A"})
        error = assert_error(answer, 409, "transfer_refused")
        assert error["details"]["msg"] == f"the trader answered {shown} instead of (success, msg)"
        newest = history(http)[0]
        assert (newest["transfer_id"], newest["state"], newest["msg"]) == (
            error["details"]["transfer_id"],
            "refused",
            error["details"]["msg"],
        )
    assert len(calls(xt, "bank_transfer_out")) == 4
    assert [r["state"] for r in history(http)] == ["refused"] * 4

    # A refusal of the fake's own (another bank): the same 409, its message.
    del xt.RETURNS["bank_transfer_out"]
    wrong = assert_error(bank_in(http, 1, bank_no="Z"), 409, "transfer_refused")
    assert wrong["details"]["msg"].startswith("银行账号不存在")


# --------------------------------------------------------------------------------------------------
# 6. MiniQMT down
# --------------------------------------------------------------------------------------------------


def test_while_the_trader_is_not_connected_transfers_are_503_and_nothing_is_sent(
    xt: ModuleType, http: httpx.Client
) -> None:
    xt.disconnect(stay_down=True)
    wait_until(lambda: trader(http)["connected"] is False, "the trader to be disconnected", 5)

    # The bank named: recorded, then not sent.
    named = bank_in(http, 10, bank_no="A", bank_pwd=BANK_PWD)
    error = assert_error(named, 503, "trading_unavailable")
    assert "not connected" in error["message"] and BANK_PWD not in named.text
    [record] = history(http)
    assert (record["state"], record["kind"], record["amount"]) == ("not_sent", "bank_in", 10.0)
    assert record["msg"] == error["message"]
    fund = assert_error(http.post("/api/fund/transfer", json={"transfer_direction": 510, "amount": 5}), 503)
    assert fund["code"] == "trading_unavailable"
    assert [(r["kind"], r["state"]) for r in history(http)] == [("fund", "not_sent"), ("bank_in", "not_sent")]

    # The bank to look up, or the withdrawable cash to check: 503 before anything is recorded.
    assert_error(bank_in(http, 10), 503, "trading_unavailable")
    out = http.post("/api/bank/transfer", json={"direction": "out", "amount": 10, "bank_no": "A"})
    assert_error(out, 503, "trading_unavailable")
    assert_error(http.post("/api/bank/transfer_out", json={"amount": 10}), 503, "trading_unavailable")
    assert len(history(http)) == 2
    for name in ("bank_transfer_in", "bank_transfer_out", "fund_transfer", "query_bank_info"):
        assert calls(xt, name) == [], name
    assert_error(http.get("/api/bank/balance"), 503, "trading_unavailable")


# --------------------------------------------------------------------------------------------------
# 7. At most the withdrawable cash leaves
# --------------------------------------------------------------------------------------------------


def test_out_above_the_withdrawable_cash_is_refused_before_anything_is_sent(
    xt: ModuleType, http: httpx.Client
) -> None:
    withdrawable = float(ok(http.get("/api/trading/asset"))["fetch_balance"])
    assert withdrawable == xt.INITIAL_CASH
    over = round(withdrawable + 0.01, 2)
    for path, body in (
        ("/api/bank/transfer", {"direction": "out", "amount": over}),
        ("/api/bank/transfer_out", {"amount": over}),
        ("/api/fund/transfer", {"transfer_direction": 511, "amount": over}),
    ):
        error = assert_error(http.post(path, json=body), 409, "insufficient_funds")
        assert f"{withdrawable:.2f}" in error["message"], error
    assert calls(xt, "bank_transfer_out") == [] and calls(xt, "fund_transfer") == []
    assert history(http) == []

    exact = ok(http.post("/api/bank/transfer", json={"direction": "out", "amount": withdrawable}))
    assert exact["state"] == "done"
    ((_, _, _, amount, _, _),) = calls(xt, "bank_transfer_out")
    assert amount == withdrawable
    asset = ok(http.get("/api/trading/asset"))
    assert (asset["cash"], asset["fetch_balance"]) == (0.0, 0.0)
    assert ok(http.get("/api/bank/balance"))["balance"] == xt.BANK_BALANCE + withdrawable
    # Nothing left: even a fen is too much now.
    assert_error(http.post("/api/bank/transfer_out", json={"amount": 0.01}), 409, "insufficient_funds")
    assert len(calls(xt, "bank_transfer_out")) == 1


# --------------------------------------------------------------------------------------------------
# 8. Counter transfers
# --------------------------------------------------------------------------------------------------


def test_fund_transfer_reaches_fund_transfer_with_direction_and_amount(
    xt: ModuleType, http: httpx.Client
) -> None:
    moved = ok(http.post("/api/fund/transfer", json={"transfer_direction": 510, "amount": 2500.5}))
    ((account, direction, amount),) = calls(xt, "fund_transfer")
    assert is_our_account(account) and (direction, amount) == (510, 2500.5)
    assert type(direction) is int and type(amount) is float
    assert (moved["kind"], moved["direction"], moved["amount"], moved["bank_no"]) == ("fund", 510, 2500.5, "")
    assert (moved["state"], moved["msg"]) == ("done", "划拨成功")
    back = ok(http.post("/api/fund/transfer", json={"transfer_direction": 511, "amount": 2500.5}))
    assert calls(xt, "fund_transfer")[1][1:] == (511, 2500.5) and back["state"] == "done"
    # 512: the fake counter refuses it; the bank's stream holds no counter transfer.
    node = assert_error(
        http.post("/api/fund/transfer", json={"transfer_direction": 512, "amount": 1}),
        409,
        "transfer_refused",
    )
    assert node["details"]["msg"].startswith("划拨方向错误")
    assert [(r["direction"], r["state"]) for r in history(http)] == [
        (512, "refused"),
        (511, "done"),
        (510, "done"),
    ]
    assert ok(http.get("/api/bank/transfer_records")) == []


def test_a_trader_call_that_raises_is_502_recorded_unknown_and_not_retried(
    xt: ModuleType, http: httpx.Client
) -> None:
    xt.RAISES["bank_transfer_in"] = TypeError("BankTransferReq: bad field")
    answer = bank_in(http, 10.0, bank_no="A")
    error = assert_error(answer, 502, "trader_error")
    assert "TypeError: BankTransferReq: bad field" in error["message"] and "unknown" in error["message"]
    [record] = history(http)
    assert (record["transfer_id"], record["state"]) == (error["details"]["transfer_id"], "unknown")
    assert len(calls(xt, "bank_transfer_in")) == 1
    del xt.RAISES["bank_transfer_in"]
    assert ok(bank_in(http, 10.0, bank_no="A"))["state"] == "done"
    assert len(calls(xt, "bank_transfer_in")) == 2
