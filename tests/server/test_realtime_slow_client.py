"""A client that stops reading: its outbox fills, and it is closed with 4008 at the bound or the deadline,
without the hub ever waiting for it. The WebSocket is a stand-in whose sends never complete (a peer whose
TCP window stays shut), the one thing a loopback test cannot produce quickly."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.websockets import WebSocketState

from qmt_bridge.server.realtime.connection import Subscriber
from qmt_bridge.server.realtime.protocol import CLOSE_SLOW_CONSUMER


class StuckSocket:
    """Accepts one message, then blocks every send; records the close."""

    application_state = WebSocketState.CONNECTED
    scope: dict[str, Any] = {}  # no frame writer offered: messages go through send_text

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed: tuple[int, str] | None = None
        self._never = asyncio.Event()

    async def send_text(self, text: str) -> None:
        self.sent.append(text)
        if len(self.sent) > 1:
            await self._never.wait()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = (code, reason)


def tick(i: int) -> bytes:
    return b'"type":"data","stream":{"code":"A.SH","period":"1m"},"data":{"A.SH":[{"time":%d}]}' % i


async def _run(limit: int, puts: int, slow_after: float, wait: float) -> StuckSocket:
    socket: Any = StuckSocket()
    subscriber = Subscriber(socket, limit=limit, heartbeat=60, slow_after=slow_after)
    subscriber.start()
    await asyncio.sleep(0.05)
    for i in range(puts):  # distinct bars: nothing conflates
        subscriber.put_data((("A.SH", "1m"), (i,)), tick(i))
    await asyncio.sleep(wait)
    await subscriber.stop()
    return socket


def test_one_past_the_bound_closes_with_4008() -> None:
    # The puts come before the sender runs: `limit` messages waiting are fine, one more is not.
    at_limit = asyncio.run(_run(limit=5, puts=5, slow_after=60, wait=0.2))
    assert at_limit.closed is None and len(at_limit.sent) == 2  # one sent, one stuck in the send
    past = asyncio.run(_run(limit=5, puts=6, slow_after=60, wait=0.2))
    assert past.closed == (CLOSE_SLOW_CONSUMER, "slow consumer")


def test_a_client_that_takes_nothing_for_the_deadline_is_closed() -> None:
    before = asyncio.run(_run(limit=1000, puts=3, slow_after=1.0, wait=0.5))
    assert before.closed is None
    after = asyncio.run(_run(limit=1000, puts=3, slow_after=0.4, wait=1.0))
    assert after.closed == (CLOSE_SLOW_CONSUMER, "slow consumer")
