"""Admission of heavy requests: slots per server and per client address, a bounded wait, then 429 or 503
with Retry-After."""

from __future__ import annotations

import asyncio

import pytest

from qmt_bridge.server.services.admission import Admission, Busy


def run(coro):  # noqa: ANN001, ANN201 - a tiny local runner
    return asyncio.run(coro)


def test_requests_up_to_the_server_limit_are_admitted_and_one_past_it_is_refused_with_503() -> None:
    async def scenario() -> Busy:
        admission = Admission(per_server=2, per_client=5, wait=0.05)
        await admission.enter("a")
        await admission.enter("b")  # at the limit
        with pytest.raises(Busy) as refused:
            await admission.enter("c")  # one past it
        assert admission.running == 2 and admission.refused == {"server": 1}
        return refused.value

    busy = run(scenario())
    assert busy.status_code == 503 and busy.code == "server_busy"
    assert busy.headers == {"Retry-After": "1"}
    assert busy.details == {"limit": 2, "retry_after": 1.0}


def test_a_client_at_its_own_limit_gets_429_while_another_client_is_admitted() -> None:
    async def scenario() -> Busy:
        admission = Admission(per_server=5, per_client=2, wait=0.05)
        await admission.enter("a")
        await admission.enter("a")  # at the client's limit
        with pytest.raises(Busy) as refused:
            await admission.enter("a")
        await admission.enter("b")
        assert admission.by_client == {"a": 2, "b": 1}
        return refused.value

    busy = run(scenario())
    assert busy.status_code == 429 and busy.code == "too_many_requests"
    assert "2 large data request(s)" in busy.message


def test_a_waiting_request_is_admitted_when_a_slot_frees_within_the_wait() -> None:
    async def scenario() -> float:
        admission = Admission(per_server=1, per_client=1, wait=2.0)
        first = await admission.enter("a")
        loop = asyncio.get_running_loop()
        loop.call_later(0.1, first.release)
        started = loop.time()
        await admission.enter("b")
        assert admission.running == 1 and admission.by_client == {"b": 1}
        return loop.time() - started

    assert 0.05 < run(scenario()) < 1.5


def test_the_wait_is_bounded_and_retry_after_rounds_it_up() -> None:
    async def scenario() -> tuple[float, Busy]:
        admission = Admission(per_server=1, per_client=1, wait=1.2)
        await admission.enter("a")
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(Busy) as refused:
            await admission.enter("b")
        return loop.time() - started, refused.value

    waited, busy = run(scenario())
    assert 1.1 < waited < 2.5
    assert busy.headers == {"Retry-After": "2"}


def test_release_is_idempotent_and_frees_the_client_entry() -> None:
    async def scenario() -> Admission:
        admission = Admission(per_server=1, per_client=1, wait=0)
        slot = await admission.enter("a")
        slot.release()
        slot.release()  # a second release must not free a slot someone else holds
        await admission.enter("b")
        with pytest.raises(Busy):
            await admission.enter("c")
        return admission

    admission = run(scenario())
    assert admission.running == 1 and dict(admission.by_client) == {"b": 1}


def test_a_streamed_answer_never_started_still_gives_its_slot_back() -> None:
    """A client gone before the first piece: the body generator never runs (so never its ``finally``)."""
    from qmt_bridge.server.services.bulk import _HoldingStream

    started = []

    async def body():  # noqa: ANN202
        started.append(True)
        yield b"{}"

    async def scenario() -> Admission:
        admission = Admission(per_server=1, per_client=1, wait=0)
        response = _HoldingStream(await admission.enter("a"), body(), media_type="application/json")

        async def receive() -> dict:
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            raise OSError("the client is gone")

        with pytest.raises(Exception):  # noqa: B017, PT011 - Starlette's ClientDisconnect or the OSError
            await response({"type": "http", "asgi": {"spec_version": "2.4"}}, receive, send)
        return admission

    admission = run(scenario())
    assert admission.running == 0 and not started
