"""Orders and cancels answered at once, their outcome reported on ``/ws/trade``; cancels in a batch.

xttrader's ``order_stock_async`` answers a ``seq`` at once and reports later through
``on_order_stock_async_response`` (``order_id``, ``error_msg``, ``seq``). Here an async order is checked
first, as ``/order`` checks it (bad input, limits, kill switch: the same 4xx, nothing placed), then placed in
the background *through the same journaled path as* ``/order``, so that it has the same guarantees on every
backend (a ``client_order_id`` sent again places nothing, an order whose call did not answer is ``unknown``
and never retried, a restart loses nothing). Its events go to ``/ws/trade`` as any order's do, and once the
call has returned an ``order_response`` event with the ``seq`` and the ``client_order_id`` (``order_id``, or
-1 and ``error_msg`` when it failed). Cancels likewise: a ``cancel_response`` event with ``cancel_result`` 0
(requested) or -1 and ``error_msg``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from qmt_bridge.server.errors import BridgeError
from qmt_bridge.server.trading.events import TradeEvent

if TYPE_CHECKING:
    from qmt_bridge.server.trading.service import TradingService

log = logging.getLogger("qmt_bridge.trading")


class AsyncCalls:
    """``order_async`` and ``cancel_async`` over one :class:`TradingService`, on the event loop."""

    def __init__(self, service: TradingService) -> None:
        self.service = service
        # Milliseconds at start: a restarted server does not hand out the seqs already in the event history.
        self._seqs = itertools.count(int(time.time() * 1000))
        self._running: set[asyncio.Task[None]] = set()

    async def order(self, request: Mapping[str, Any], client_id: str | None) -> dict[str, Any]:
        """Check an order now (4xx as ``/order``), place it in the background; ``seq`` and its id."""
        service = self.service
        prepared = service.prepare(request)
        known = service.journal.find_order(prepared["client_order_id"])
        if known is None:
            await service.check(prepared)
        else:
            service.repeat(known, prepared)  # 409 when it differs from the journaled order
        seq = next(self._seqs)
        self._start(self._place(seq, prepared, client_id))
        return {"seq": seq, "client_order_id": prepared["client_order_id"], "status": "async_submitted"}

    async def cancel(self, order_id: int, account_id: str | None) -> dict[str, Any]:
        """Ask for a cancel in the background; ``seq``. An unknown account is refused now (404)."""
        account = self.service.account_id(account_id)
        seq = next(self._seqs)
        self._start(self._cancel(seq, order_id, account))
        return {"seq": seq, "order_id": order_id, "status": "async_submitted"}

    async def stop(self) -> None:
        """Let the calls in flight finish (the trader's own timeout bounds each)."""
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    def _start(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _place(self, seq: int, request: dict[str, Any], client_id: str | None) -> None:
        account = request["account_id"]
        try:
            _, answer = await self.service.place_order(request, client_id)
            order_id = answer.get("order_id")
            error = answer.get("error") or ""
        except BridgeError as exc:
            order_id, error = None, exc.message
        except Exception as exc:  # the response must come whatever happened
            log.exception("async order %s failed", seq)
            order_id, error = None, f"{type(exc).__name__}: {exc}"
        self._post(
            "order_response",
            account,
            {
                "order_id": order_id if order_id is not None else -1,
                "strategy_name": request.get("strategy_name", ""),
                "order_remark": request.get("order_remark", ""),
                "error_msg": error,
                "seq": seq,
                "client_order_id": request["client_order_id"],
            },
        )

    async def _cancel(self, seq: int, order_id: int, account: str) -> None:
        try:
            answer = await self.service.cancel(order_id, account)
            result, error, sysid = answer["cancel_result"], "", answer["order"].get("order_sysid", "")
        except BridgeError as exc:
            result, error, sysid = -1, exc.message, ""
        except Exception as exc:
            log.exception("async cancel %s failed", seq)
            result, error, sysid = -1, f"{type(exc).__name__}: {exc}", ""
        self._post(
            "cancel_response",
            account,
            {
                "cancel_result": result,
                "order_id": order_id,
                "order_sysid": sysid,
                "seq": seq,
                "error_msg": error,
            },
        )

    def _post(self, kind: str, account: str, data: dict[str, Any]) -> None:
        try:
            account_type = getattr(self.service.trader_account(account), "account_type", None)
        except BridgeError:  # the trader went away meanwhile; the response still goes out
            account_type = None
        data = {"account_type": account_type, "account_id": account, **data}
        self.service.on_event(TradeEvent(kind, account, MappingProxyType(data)))


async def cancel_batch(
    service: TradingService, requests: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Cancel several orders in turn; one result per request, in order, each with its ``http_status``:
    what ``/cancel`` would have answered (200 requested; 404, 409, 503... with ``error``)."""
    results = []
    for request in requests:
        order_id = request["order_id"]
        account = request.get("account_id") or None
        try:
            account = service.account_id(account)
            answer = await service.cancel(order_id, account)
            results.append(
                {
                    "order_id": order_id,
                    "account_id": account,
                    "cancel_result": answer["cancel_result"],
                    "status": answer["status"],
                    "http_status": 200,
                }
            )
        except BridgeError as exc:
            results.append(
                {
                    "order_id": order_id,
                    "account_id": account,
                    "http_status": exc.status_code,
                    "error": {"code": exc.code, "message": exc.message},
                }
            )
    return results
