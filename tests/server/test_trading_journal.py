"""The order journal (SQLite) and the trade-event fan-out with resume."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from qmt_bridge.server.trading import journal as jr
from qmt_bridge.server.trading import stream as stream_module
from qmt_bridge.server.trading.journal import Journal
from qmt_bridge.server.trading.stream import TradeStream

DAY = dt.date(2026, 12, 4)


def test_an_order_survives_a_restart_with_its_outcome(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    first = Journal(path)
    first.begin_order("c1", "A", "fp1", {"stock_code": "000001.SZ"}, DAY, client_id="bot")
    first.finish_order("c1", jr.PLACED, 42, {"order_id": 42, "status": "open"})
    first.close()
    again = Journal(path)
    found = again.find_order("c1")
    assert found is not None
    assert (found.state, found.order_id, found.fingerprint, found.answer) == (
        jr.PLACED,
        42,
        "fp1",
        {"order_id": 42, "status": "open"},
    )
    assert found.request == {"stock_code": "000001.SZ"}
    assert again.client_order_ids("A", [42, 43]) == {42: "c1"}
    assert again.client_order_ids("B", [42]) == {}


def test_a_client_order_id_cannot_be_begun_twice() -> None:
    journal = Journal(None)
    journal.begin_order("c1", "A", "fp", {}, DAY)
    with pytest.raises(sqlite3.IntegrityError):
        journal.begin_order("c1", "A", "fp", {}, DAY)


def test_pending_orders_become_unknown_at_start(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    first = Journal(path)
    first.begin_order("cut-off", "A", "fp", {}, DAY)
    first.begin_order("done", "A", "fp", {}, DAY)
    first.finish_order("done", jr.PLACED, 1, {})
    first.close()
    again = Journal(path)
    assert again.mark_pending_unknown() == ["cut-off"]
    found = again.find_order("cut-off")
    assert found is not None and found.state == jr.UNKNOWN
    assert "stopped before the trader answered" in (found.answer or {}).get("error", "")
    assert again.find_order("done").state == jr.PLACED  # type: ignore[union-attr]
    assert again.mark_pending_unknown() == []


def test_forget_drops_only_a_pending_order() -> None:
    journal = Journal(None)
    journal.begin_order("p", "A", "fp", {}, DAY)
    journal.begin_order("q", "A", "fp", {}, DAY)
    journal.finish_order("q", jr.PLACED, 5, {})
    journal.forget_order("p")
    journal.forget_order("q")
    assert journal.find_order("p") is None
    assert journal.find_order("q") is not None


def test_event_sequence_numbers_continue_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    first = Journal(path)
    assert [first.append_event("order", "A", {"n": n}).seq for n in range(3)] == [1, 2, 3]
    first.close()
    again = Journal(path)
    assert again.last_seq() == 3
    assert again.append_event("trade", "A", {}).seq == 4
    assert [e.data for e in again.events_after(1, until=3)] == [{"n": 1}, {"n": 2}]


def test_events_after_filters_by_account_but_keeps_connection_events() -> None:
    journal = Journal(None)
    journal.append_event("order", "A", {})
    journal.append_event("order", "B", {})
    journal.append_event("connection", "", {"state": "connected"})
    assert [e.seq for e in journal.events_after(0, account_id="A")] == [1, 3]
    assert [e.seq for e in journal.events_after(0, limit=2)] == [1, 2]


def test_requests_are_logged_newest_first() -> None:
    journal = Journal(None)
    journal.log_request("cancel", "A", {"order_id": 1}, {"cancel_result": 0})
    journal.log_request("kill_switch", "", {"engaged": True}, {"engaged": True})
    logged = journal.requests()
    assert [r["kind"] for r in logged] == ["kill_switch", "cancel"]
    assert logged[1]["request"] == {"order_id": 1}


# --- the stream ---------------------------------------------------------------------------------------


async def collect(subscription, count: int) -> list[int]:
    seqs = []
    async for event in subscription.events():
        seqs.append(event.seq)
        if len(seqs) == count:
            break
    return seqs


def publish(stream: TradeStream, kind: str = "order", account: str = "A") -> int:
    event = stream.journal.append_event(kind, account, {})
    stream.publish(event)
    return event.seq


def test_resume_replays_from_the_journal_then_goes_live_without_gap_or_repeat() -> None:
    async def main() -> list[int]:
        stream = TradeStream(Journal(None))
        for _ in range(5):
            publish(stream)
        subscription = stream.subscribe(since=2)
        reader = asyncio.create_task(collect(subscription, 6))
        await asyncio.sleep(0)
        for _ in range(3):
            publish(stream)
        return await asyncio.wait_for(reader, 5)

    assert asyncio.run(main()) == [3, 4, 5, 6, 7, 8]


def test_without_since_only_live_events_come() -> None:
    async def main() -> list[int]:
        stream = TradeStream(Journal(None))
        publish(stream)
        subscription = stream.subscribe()
        assert subscription.since == subscription.floor == 1
        reader = asyncio.create_task(collect(subscription, 2))
        publish(stream)
        publish(stream)
        return await asyncio.wait_for(reader, 5)

    assert asyncio.run(main()) == [2, 3]


def test_a_replay_longer_than_a_page_is_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_module, "REPLAY_PAGE", 3)

    async def main() -> list[int]:
        stream = TradeStream(Journal(None))
        for _ in range(10):
            publish(stream)
        return await asyncio.wait_for(collect(stream.subscribe(since=0), 10), 5)

    assert asyncio.run(main()) == list(range(1, 11))


def test_a_since_beyond_the_journal_starts_at_its_end() -> None:
    stream = TradeStream(Journal(None))
    publish(stream)
    assert stream.subscribe(since=99).since == 1


def test_the_account_filter_applies_to_live_events_too() -> None:
    async def main() -> list[int]:
        stream = TradeStream(Journal(None))
        subscription = stream.subscribe(account_id="A")
        reader = asyncio.create_task(collect(subscription, 2))
        publish(stream, account="B")
        publish(stream, account="A")
        publish(stream, kind="connection", account="")
        return await asyncio.wait_for(reader, 5)

    assert asyncio.run(main()) == [2, 3]


def test_a_subscriber_at_the_queue_bound_stays_and_one_past_it_is_cut_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stream_module, "MAX_QUEUE", 3)
    stream = TradeStream(Journal(None))
    subscription = stream.subscribe()
    for _ in range(3):
        publish(stream)
    assert not subscription.overflowed and subscription.backlog == 3 and stream.subscribers == 1
    publish(stream)
    assert subscription.overflowed and stream.subscribers == 0


def test_an_order_id_reused_on_a_later_day_maps_to_the_newest_order() -> None:
    # Written newest first, so that the answer cannot come from the order of insertion.
    clock = iter([5.0, 5.0, 1.0, 1.0]).__next__
    journal = Journal(None, clock=clock)
    journal.begin_order("today", "A", "fp", {}, DAY)
    journal.finish_order("today", jr.PLACED, 5, {})
    journal.begin_order("yesterday", "A", "fp", {}, DAY - dt.timedelta(days=1))
    journal.finish_order("yesterday", jr.PLACED, 5, {})
    assert journal.client_order_ids("A", [5]) == {5: "today"}
