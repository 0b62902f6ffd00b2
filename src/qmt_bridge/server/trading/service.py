"""The trading service: orders in, events out, every step journaled.

Placing an order (:meth:`TradingService.place_order`):

1. A ``client_order_id`` already in the journal answers with that order and places nothing (409 when the
   request differs from the first one under that id). Orders are placed one at a time (a lock), so two
   requests with one id cannot both pass this check.
2. Edge checks (``validation``) and risk limits (``risk``): a 4xx, nothing journaled.
3. The request is journaled as ``pending``, then sent with ``order_stock`` through the trader manager (a
   batch's orders in one run on the trader's thread, :class:`~qmt_bridge.server.trading.lanes.CallSequence`).
4. The outcome is journaled: ``placed`` (with the order id), ``rejected`` (``-1``) or ``unknown`` (the call
   timed out: it may or may not have reached the counter; it is never retried, and the same
   ``client_order_id`` keeps answering ``unknown`` rather than placing it again).
5. The answer carries the order as its first event shows it, when that event comes within
   :data:`ACK_WAIT_SECONDS`.

Events go through :class:`~qmt_bridge.server.trading.recorder.EventRecorder` (journaled with their
``client_order_id``, numbered, published to ``/ws/trade``); :meth:`TradingService.on_event` is the
trader manager's callback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from qmt_bridge.backends.base import BackendCallLost, BackendRestarting
from qmt_bridge.server.deps import BackendContext
from qmt_bridge.server.errors import BridgeError, Conflict, InvalidParameter, NotFound
from qmt_bridge.server.trading import journal as jr
from qmt_bridge.server.trading import lanes
from qmt_bridge.server.trading.account_queries import AccountQueries
from qmt_bridge.server.trading.algo_records import AlgoRecords
from qmt_bridge.server.trading.async_calls import AsyncCalls
from qmt_bridge.server.trading.cancels import Cancels
from qmt_bridge.server.trading.counter_errors import CounterRefused, OutcomeUnknown, TradingUnavailableError
from qmt_bridge.server.trading.events import TradeEvent
from qmt_bridge.server.trading.manager import TraderCallTimeout, TraderManager, TraderUnavailable
from qmt_bridge.server.trading.orders import order_view, refused_order, side_of
from qmt_bridge.server.trading.reconcile import reconcile_unknown_orders
from qmt_bridge.server.trading.recorder import EventRecorder
from qmt_bridge.server.trading.responses import RESPONSE_KINDS, AsyncResponses
from qmt_bridge.server.trading.risk import RiskLimits
from qmt_bridge.server.trading.stream import TradeStream
from qmt_bridge.server.trading.validation import (
    Tradable,
    check_order_types,
    check_price,
    check_repo,
    check_subscription,
    check_volume,
    subscription_tradable,
    tradable_from,
)

log = logging.getLogger("qmt_bridge.trading")

ACK_WAIT_SECONDS = 0.5
CST = dt.timezone(dt.timedelta(hours=8))

#: The fields of an order request that decide whether a repeat under one client_order_id is the same order.
ORDER_FIELDS = (
    "account_id",
    "stock_code",
    "order_type",
    "order_volume",
    "price_type",
    "price",
    "strategy_name",
    "order_remark",
)


def fingerprint(request: Mapping[str, Any]) -> str:
    body = {name: request.get(name) for name in ORDER_FIELDS}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def new_client_order_id() -> str:
    return "qb-" + secrets.token_hex(10)


class TradingService(AccountQueries, Cancels):
    """Orders, cancels, queries and the event stream over one :class:`TraderManager`."""

    def __init__(
        self,
        ctx: BackendContext,
        journal: jr.Journal,
        account_ids: Sequence[str],
        *,
        call_timeout: float,
        account_types: Mapping[str, str] | None = None,
    ) -> None:
        self.ctx = ctx
        self.journal = journal
        self.account_ids = list(account_ids)
        self.account_types = dict(account_types or {})
        self.call_timeout = call_timeout
        self.stream = TradeStream(journal)
        self.risk = RiskLimits(ctx.settings, journal)
        self.manager: TraderManager | None = None
        self._order_lock = asyncio.Lock()
        #: Background work of the service (settling unknown orders after a reconnect).
        self._tasks: set[asyncio.Task[Any]] = set()
        self.events = EventRecorder(journal, self.stream)
        self.async_calls = AsyncCalls(self)
        self.responses = AsyncResponses()
        self.algos = AlgoRecords(journal)

    def attach(self, manager: TraderManager) -> None:
        self.manager = manager

    def unknown_at_start(self) -> list[str]:
        """Orders whose calls a stopped server never saw finish become ``unknown``; their ids."""
        ids = self.journal.mark_pending_unknown()
        if ids:
            log.warning(
                "%d order(s) had no answer when the server stopped; their outcome is unknown", len(ids)
            )
        if transfers := self.journal.mark_pending_transfers_unknown():
            log.warning(
                "%d transfer(s) had no answer when the server stopped; their outcome is unknown", transfers
            )
        if tasks := self.algos.mark_pending_unknown():
            log.warning("%d smart algorithm request(s) had no answer when the server stopped", tasks)
        return ids

    @property
    def order_lock(self) -> asyncio.Lock:
        """Held while an order or a task request is checked, journaled and sent: one at a time, so that
        two requests under one client id cannot both pass the journal's check."""
        return self._order_lock

    # --- accounts -----------------------------------------------------------------------------------

    def account_id(self, requested: str | None) -> str:
        """The configured account an id names (empty: the first one); 404 for others."""
        if not requested:
            return self.account_ids[0]
        if requested not in self.account_ids:
            raise NotFound(
                "account_id",
                f"unknown account {requested!r}; this server trades {', '.join(self.account_ids)}",
                value=requested,
                code="unknown_account",
            )
        return requested

    def account_type(self, account_id: str) -> str:
        """``STOCK`` or ``CREDIT``, as configured (``--account-id ID:CREDIT``)."""
        return self.account_types.get(account_id, "STOCK")

    def _trader(self) -> TraderManager:
        if self.manager is None:
            raise TradingUnavailableError("the trader is not started")
        return self.manager

    async def call(self, method: str, *args: Any) -> Any:
        """A trader call with the service's errors: 503 when not connected, 504 when it timed out."""
        try:
            return await self._trader().call(method, *args, timeout=self.call_timeout)
        except TraderUnavailable as exc:
            raise TradingUnavailableError(f"the trader is not connected: {exc}") from None
        except TraderCallTimeout:
            raise OutcomeUnknown(
                f"the trader did not answer {method} within {self.call_timeout:g} s", details={"call": method}
            ) from None
        except BackendRestarting as exc:
            raise TradingUnavailableError(f"the trader is not connected: {exc}; nothing was sent") from None
        except BackendCallLost as exc:
            raise OutcomeUnknown(f"{method}: {exc}", details={"call": method}) from None

    def trader_account(self, account_id: str) -> Any:
        """xtquant's account object of a configured account id."""
        return self._trader().account(account_id)

    # --- orders -------------------------------------------------------------------------------------

    def prepare(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The request with its account resolved (404 for an unknown one) and a ``client_order_id``."""
        prepared = dict(request)
        prepared["account_id"] = self.account_id(request.get("account_id"))
        prepared["client_order_id"] = request.get("client_order_id") or new_client_order_id()
        return prepared

    async def place_order(self, request: Mapping[str, Any], client_id: str | None = None) -> tuple[int, dict]:
        """Place one order; returns ``(http_status, answer)`` (200, or 202 when its outcome is unknown)."""
        prepared = self.prepare(request)
        async with self._order_lock:
            known = self.journal.find_order(prepared["client_order_id"])
            if known is not None:
                return self.repeat(known, prepared)
            tradable = await self.check(prepared)
            [(status, answer)] = await self._send_all([(prepared, tradable)], client_id)
        if status == 409:
            raise CounterRefused(answer["error"], code="order_failed")
        if status == 503:
            raise TradingUnavailableError(answer["error"])
        if answer["status"] == "submitted":  # outside the lock: other orders need not wait for this one's
            await self.events.wait_for_order((prepared["account_id"], answer["order_id"]), ACK_WAIT_SECONDS)
            answer = self._placed(prepared, answer["order_id"])
        return status, answer

    async def place_batch(
        self, requests: Sequence[Mapping[str, Any]], client_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Place several orders, all or none past the checks.

        Every order is checked first (and repeats of journaled ids compared); the first problem answers
        4xx naming the order's index, and nothing is placed. Then each is sent in turn; each gets its own
        answer (placed, rejected by the counter, or unknown), as :meth:`place_order` gives.
        """
        prepared = [self.prepare(r) for r in requests]
        ids = [p["client_order_id"] for p in prepared]
        repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
        if repeated:
            raise InvalidParameter(
                "orders",
                f"client_order_id repeated within the batch: {', '.join(repeated)}",
                value=repeated,
                code="duplicate_client_order_id",
            )
        async with self._order_lock:
            plan: list[tuple[dict[str, Any], Tradable | None, jr.JournalOrder | None]] = []
            tradables: dict[str, Tradable] = {}  # one instrument lookup per code and batch
            ahead: Counter[str] = Counter()  # new orders per account so far, for the daily limit
            for index, request in enumerate(prepared):
                try:
                    known = self.journal.find_order(request["client_order_id"])
                    if known is not None:
                        self.repeat(known, request)  # raises on a conflicting repeat
                        plan.append((request, None, known))
                    else:
                        account = request["account_id"]
                        checked = await self.check(request, tradables, ahead[account])
                        ahead[account] += 1
                        plan.append((request, checked, None))
                except BridgeError as exc:
                    exc.message = f"orders[{index}]: {exc.message}; nothing in the batch was placed"
                    exc.details = {"index": index, **(exc.details if isinstance(exc.details, dict) else {})}
                    raise
            to_send = [(request, tradable) for request, tradable, known in plan if known is None]
            sent = iter(await self._send_all(to_send, client_id) if to_send else [])  # type: ignore[arg-type]
            answers = []
            for request, _, known in plan:
                status, answer = self.repeat(known, request) if known is not None else next(sent)
                answers.append({**answer, "http_status": status})
            return answers

    async def check(
        self, request: Mapping[str, Any], tradables: dict[str, Tradable] | None = None, ahead: int = 0
    ) -> Tradable:
        """The edge checks and risk limits of one order (4xx on the first problem).

        ``tradables``: instruments already looked up (a batch's), used and filled in; ``ahead``: orders of
        the same account ahead of this one in a batch (see :meth:`RiskLimits.check`).
        """
        code = request["stock_code"]
        account_id = request["account_id"]
        check_order_types(
            request["order_type"],
            request["price_type"],
            code.rsplit(".", 1)[1],
            self.account_type(account_id),
        )
        tradables = {} if tradables is None else tradables
        tradable = tradables.get(code) or await self._tradable(code)
        tradables[code] = tradable
        if tradable.kind == "ipo":
            check_subscription(tradable, request["order_type"], request["price_type"])
        if tradable.kind == "repo":
            check_repo(tradable, request["order_type"], request["price_type"])
        if side_of(request["order_type"]) != "repay":  # a direct repayment trades nothing: no price
            check_price(tradable, request["price_type"], request["price"])

        async def sellable() -> int:
            position = await self.call("query_stock_position", self.trader_account(account_id), code)
            return int(getattr(position, "can_use_volume", 0) or 0) if position is not None else 0

        await check_volume(tradable, request["order_type"], request["order_volume"], sellable)
        self.risk.check(
            account_id,
            tradable,
            request["order_type"],
            request["order_volume"],
            request["price_type"],
            request["price"],
            self.trading_day(),
            ahead,
        )
        return tradable

    async def _tradable(self, code: str) -> Tradable:
        xtdata = self.ctx.backend.xtdata
        today = self.trading_day()

        def get_instrument_detail() -> tuple[Any, Any, Any]:
            detail = xtdata.get_instrument_detail(code)
            if detail is None:
                return None, {}, {}
            flags = xtdata.get_instrument_type(code) or {}
            tick = (xtdata.get_full_tick([code]) or {}).get(code) or {}
            return detail, flags, tick

        def todays_issue() -> dict[str, Any] | None:
            """The issue whose subscription code ``code`` is, when today is its subscription day."""
            day = f"{today:%Y%m%d}"
            rows = xtdata.get_ipo_info(day, f"{today + dt.timedelta(days=40):%Y%m%d}") or []
            symbol, _, market = code.partition(".")
            return next(
                (r for r in rows if r.get("startDate") == day and f"{r.get('onlineSubCode')}" == symbol
                 and r.get("market") == market),
                None,
            )  # fmt: skip

        detail, flags, tick = await self.ctx.run(get_instrument_detail)
        if detail is None and (issue := await self.ctx.run(todays_issue)) is not None:
            return subscription_tradable(code, issue)
        return tradable_from(code, detail, flags, tick)

    def trading_day(self) -> dt.date:
        return self.ctx.backend.today()

    def repeat(self, known: jr.JournalOrder, request: Mapping[str, Any]) -> tuple[int, dict]:
        """The answer to an order whose ``client_order_id`` is journaled already; 409 when ``request``
        differs from the journaled one."""
        if known.fingerprint != fingerprint(request):
            raise Conflict(
                "client_order_id",
                f"{known.client_order_id!r} was used for a different order "
                f"({', '.join(f'{k}={known.request.get(k)!r}' for k in ORDER_FIELDS)}); "
                "nothing was placed",
                value=known.client_order_id,
                code="duplicate_client_order_id",
            )
        answer = dict(known.answer or {"status": known.state})
        answer["duplicate"] = True
        if known.order_id is not None and known.order_id > 0:
            current = self.events.orders.get((known.account_id, known.order_id))
            if current is not None:
                error = self.events.errors.get((known.account_id, known.order_id))
                answer["order"] = order_view(current, known.client_order_id, error)
                answer["status"] = answer["order"]["normalized"]["state"]
        return (202 if known.state in (jr.UNKNOWN, jr.PENDING) else 200), answer

    async def _send_all(
        self, plan: list[tuple[dict[str, Any], Tradable]], client_id: str | None
    ) -> list[tuple[int, dict[str, Any]]]:
        """Journal the orders, then send them in order in one trader job; each one's ``(status, answer)``.

        Per order: 200 placed or rejected by the counter; 202 ``unknown`` (its call did not answer in time);
        409 ``rejected`` (``order_stock`` raised); 503 ``not_sent`` (behind a call that did not answer: it
        never reached the trader). :class:`TradingUnavailableError` when the trader is not connected: none
        was sent.
        """
        trader = self._trader()
        day = self.trading_day()
        with self.journal.transaction():
            for request, _ in plan:
                coid = request["client_order_id"]
                self.journal.begin_order(
                    coid, request["account_id"], fingerprint(request), request, day, client_id
                )
        calls = [self._order_args(request, tradable) for request, tradable in plan]
        self.events.call_started()
        try:
            try:
                outcomes = await trader.call_sequence("order_stock", calls, timeout=self.call_timeout)
            except TraderUnavailable as exc:
                for request, _ in plan:
                    self.journal.forget_order(request["client_order_id"])
                raise TradingUnavailableError(
                    f"the trader is not connected: {exc}; nothing was placed"
                ) from None
            # Before the held events are released: they find their client_order_id by the order id.
            with self.journal.transaction():
                for (request, _), (kind, value) in zip(plan, outcomes, strict=True):
                    if kind == lanes.DONE and int(value) > 0:
                        coid = request["client_order_id"]
                        answer = {"order_id": int(value), "client_order_id": coid, "status": "submitted"}
                        self.journal.finish_order(coid, jr.PLACED, int(value), answer)
                        self.events.client_order_ids[(request["account_id"], int(value))] = coid
        finally:
            self.events.call_finished()
        with self.journal.transaction():
            return [
                self._outcome(request, kind, value)
                for (request, _), (kind, value) in zip(plan, outcomes, strict=True)
            ]

    def _order_args(self, request: Mapping[str, Any], tradable: Tradable) -> tuple[Any, ...]:
        return (
            self.trader_account(request["account_id"]),
            tradable.code,
            request["order_type"],
            request["order_volume"],
            request["price_type"],
            float(request["price"]),
            request.get("strategy_name", ""),
            request.get("order_remark", ""),
        )

    def _outcome(self, request: dict[str, Any], kind: str, value: Any) -> tuple[int, dict[str, Any]]:
        coid = request["client_order_id"]
        if kind == lanes.DONE:
            order_id = int(value)
            return 200, self._placed(request, order_id) if order_id > 0 else self._rejected(request, order_id)
        answer: dict[str, Any] = {"order_id": None, "client_order_id": coid, "order": None}
        if kind == lanes.FAILED:
            answer |= {"status": "rejected", "error": f"order_stock failed: {type(value).__name__}: {value}"}
            self.journal.finish_order(coid, jr.REJECTED, None, answer)
            return 409, answer
        if kind == lanes.UNKNOWN:
            why = (
                str(value)
                if value is not None
                else f"the trader did not answer within {self.call_timeout:g} s"
            )
            answer |= {
                "status": jr.UNKNOWN,
                "error": f"{why}: the order may or may not have reached the counter. It will not be retried; "
                "check /api/trading/orders before placing it again",
            }
            self.journal.finish_order(coid, jr.UNKNOWN, None, answer)
            return 202, answer
        self.journal.forget_order(coid)
        why = str(value) if value is not None else "the trader did not answer an earlier call in time"
        answer |= {
            "status": "not_sent",
            "error": f"not sent: {why}, so this order never reached the counter; it can be sent again",
        }
        return 503, answer

    def _rejected(self, request: dict[str, Any], order_id: int) -> dict[str, Any]:
        """The answer for an order that ``order_stock`` refused (-1)."""
        coid = request["client_order_id"]
        reason = "the counter refused the order (order_stock returned -1)"
        answer = {
            "order_id": order_id,
            "client_order_id": coid,
            "status": "rejected",
            "error": reason,
            "order": refused_order(request, request["account_id"], reason),
        }
        self.journal.finish_order(coid, jr.REJECTED, order_id, answer)
        return answer

    def _placed(self, request: dict[str, Any], order_id: int) -> dict[str, Any]:
        """The answer for a placed order, as its events so far show it (``submitted`` before the first)."""
        coid = request["client_order_id"]
        account_id = request["account_id"]
        key = (account_id, order_id)
        current = self.events.orders.get(key)
        error = self.events.errors.get(key)
        if current is not None:
            view: dict[str, Any] | None = order_view(current, coid, error)
        elif error is not None:
            view = refused_order(request, account_id, error, order_id)
        else:
            view = None
        status = view["normalized"]["state"] if view is not None else "submitted"
        answer = {
            "order_id": order_id,
            "client_order_id": coid,
            "status": status,
            "error": view["normalized"]["error_reason"] if view else None,
            "order": view,
        }
        self.journal.finish_order(coid, jr.PLACED, order_id, answer)
        return answer

    def status(self) -> dict[str, Any]:
        """The trader connection, accounts, limits and the event stream, for ``/api/trading/status``."""
        return {
            "backend": self.ctx.backend.name,
            "accounts": self.account_ids,
            "trader": self.manager.state if self.manager is not None else None,
            "limits": self.risk.describe(),
            "events": {"last_seq": self.journal.last_seq(), "subscribers": self.stream.subscribers},
        }

    def on_event(self, event: TradeEvent) -> None:
        """The trader manager's callback (on the loop). A (re)connection also settles unknown orders
        (``reconcile``)."""
        if event.kind in RESPONSE_KINDS:
            self.responses.resolve(event.kind, event.data)
            return
        self.events.on_event(event)
        if event.kind == "connection" and event.data.get("state") == "connected":
            task = asyncio.get_running_loop().create_task(self._reconcile(), name="reconcile-orders")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _reconcile(self) -> None:
        # Under the order lock: an order being placed meanwhile is on the counter before its id is
        # journaled, and must not be taken for an unknown one.
        async with self._order_lock:
            await reconcile_unknown_orders(self)

    async def stop_background(self) -> None:
        """Cancel the service's background work (the server is stopping)."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
