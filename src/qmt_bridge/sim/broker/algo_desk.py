"""The simulated counter's smart algorithm tasks (:mod:`.algos`), as a part of :class:`.broker.SimBroker`.

A task is checked once, at submission, as the whole order it stands for (the refusals of
:meth:`AlgoDesk.submit_algo`); nothing is frozen for it. Then every matching pass (once per 3-second
snapshot, in continuous trading, after the resting orders met the book) places what is due as *child
orders*: ordinary orders of the account through the engine's ``place``, with the task's strategy name and
remark, so they are checked, frozen, filled and pushed like any order. What is due is the schedule's target
less the volume of the children that filled or are still open: the unfilled part of a cancelled child (a
market child's rest, cancelled by the exchange; a child the user cancelled) is due again.

Per pass, in this order: nothing while the last price is at the limit the task's side would trade at
(``m_nStopTradeForOwnHiLow``); sells at most the sellable volume; at most ``m_dLimitOverRate`` of the
market's volume since the previous pass (from the book's cumulative volume; the first pass after the broker
is opened only learns it); whole lots; split into children of at most ``m_dMaxAmountPerOrder`` (and the
exchange's largest order); a last child under ``m_dMinAmountPerOrder`` held back unless it completes the
task. Amounts are at the task's limit price, or for a market task at the best opposite quote. A refused
child (status 57), or a market child that filled nothing, holds the task until the next minute, with the
reason in ``task_msg``. Market children are SH/BJ 42 and SZ 47 (best five, the rest cancelled).

At ``end`` (at the first pass or call from then on, also after the broker was closed) the open children are
cancelled and the task is finished (1003); a cancel does the same with status 1002. Tasks are kept in the
broker's file: a running task carries on when the broker is opened again.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import TYPE_CHECKING, Any

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import algos
from qmt_bridge.sim.broker.algos import RUNNING, AlgoTask
from qmt_bridge.sim.broker.ledger import Order
from qmt_bridge.sim.broker.money import to_li, to_yuan
from qmt_bridge.sim.broker.rejections import Rejection
from qmt_bridge.sim.broker.rules import check_band, check_price
from qmt_bridge.sim.broker.sessions import calendar, in_continuous_session, local, local_date
from qmt_bridge.sim.clock import CST


class AlgoDesk:
    """Smart algorithm tasks of :class:`.broker.SimBroker` (whose attributes these methods use)."""

    _lock: threading.RLock
    _state: Any
    _store: Any
    _engine: Any
    clock: Any
    market: Any

    if TYPE_CHECKING:  # SimBroker's

        def _begin(self) -> None: ...
        def _commit(self) -> None: ...

    def _open_algo_desk(self) -> None:
        """Load the running tasks and today's (from ``__init__``, before the first catch-up)."""
        self._algo_tasks: dict[int, AlgoTask] = {
            t.task_id: t for t in self._store.algo_tasks(local_date(self.clock.now()))
        }
        self._next_task_id = self._store.next_task_id()
        self._algo_day: dt.date | None = None
        self._algo_profiles: dict[tuple[str, dt.date], list[int] | None] = {}
        self._algo_seen: dict[int, int] = {}  # task id -> the market's volume at the previous pass
        self._algo_hold: dict[int, int] = {}  # task id -> no child before this epoch second
        self._algo_bucket: int | None = None
        self._algo_next_end: int | None = None
        self._recompute_next_end()

    # --- calls ----------------------------------------------------------------------------------------

    @staticmethod
    def algo_params(names: Any) -> dict[str, list[dict[str, Any]]]:
        """``get_smart_algo_param``: the parameter records of the known names among ``names``."""
        return algos.param_specs([names] if isinstance(names, str) else list(names or ()))

    def submit_algo(
        self, account_id: str, code: Any, order_type: Any, volume: Any, price_type: Any, price: Any,
        strategy_name: Any, order_remark: Any, algo_name: Any, start: int, end: int, algo_param: Any,
    ) -> tuple[int, str]:  # fmt: skip
        """Start a task; ``(task_id, '')``, or ``(0, why)`` when the counter refuses it (nothing started).

        Refused: an unknown account or ``algo_name`` (TWAP / VWAP only); ``order_type`` not 23 / 24;
        ``price_type`` not 11 / 12; a bad ``algo_param`` value; an unknown, untradable or suspended code;
        a volume that is not a positive multiple of the board's lot (:func:`.algos.lot_of`); with 11 a price
        that is not positive, off the tick grid or outside the day's band; an ``end`` already past, a window
        not today or without continuous trading; a sell of more than the sellable volume; a buy whose volume
        at the limit price (market: the up limit) costs more than the available cash."""
        with self._lock:
            self._begin()
            try:
                task = self._new_task(
                    account_id, code, order_type, volume, price_type, price, strategy_name, order_remark,
                    algo_name, start, end, algo_param,
                )  # fmt: skip
            except (ValueError, Rejection) as refused:
                self._commit()
                return 0, algos.refusal_message(refused)
            self._algo_tasks[task.task_id] = task
            self._state.touch(task)
            self._recompute_next_end()
            self._commit()
            return task.task_id, ""

    def algo_tasks(self, account_id: str) -> list[dict[str, Any]]:
        """``query_smart_algo_task``: the account's tasks of today and those still running, by id."""
        with self._lock:
            self._begin()
            today = local_date(self.clock.now())
            found = [
                t
                for t in self._algo_tasks.values()
                if t.account_id == account_id and (t.day == today or t.status == RUNNING)
            ]
            views = [self._view(t) for t in sorted(found, key=lambda t: t.task_id)]
            self._commit()
            return views

    def cancel_algo_task(self, account_id: str, task_id: Any) -> tuple[bool, str, str]:
        """``cancel_smart_algo_task_async``: ``(success, operate_reason, error_msg)``. A running task's open
        children are cancelled and it stops (1002); an unknown, finished or cancelled task is an error."""
        with self._lock:
            self._begin()
            task = self._algo_tasks.get(task_id) if isinstance(task_id, int) else None
            if task is None or task.account_id != account_id:
                self._commit()
                return False, "", f"智能算法任务不存在 (no task {task_id!r} of account {account_id})"
            if task.status != RUNNING:
                word = (
                    "已撤销 (is already cancelled)"
                    if task.status == algos.CANCELED
                    else "已结束 (has finished)"
                )
                self._commit()
                return False, "", f"任务{word}, 不能撤销: task_id={task_id}"
            self._finish(task, algos.CANCELED, self.clock.now())
            self._commit()
            return True, "撤销成功 (task cancelled)", ""

    # --- hooks of the broker --------------------------------------------------------------------------

    def _algos_due(self, now: dt.datetime) -> None:
        """Under the lock, at every catch-up: finish the tasks whose end has come."""
        today = local_date(now)
        if today != self._algo_day:
            self._algo_day = today
            self._algo_tasks = {
                k: t for k, t in self._algo_tasks.items() if t.status == RUNNING or t.day == today
            }
            self._algo_profiles = {k: p for k, p in self._algo_profiles.items() if k[1] == today}
        if self._algo_next_end is None or now.timestamp() < self._algo_next_end:
            return
        for task in self._running():
            if now.timestamp() >= task.end:
                self._finish(task, algos.FINISHED, now)

    def _algo_pass(self, now: dt.datetime) -> None:
        """Under the lock, after the engine's matching pass: finish what ended, place what is due."""
        self._algos_due(now)
        if self._algo_next_end is None or not in_continuous_session(now):
            return
        bucket = int(now.timestamp()) // 3
        if bucket == self._algo_bucket:
            return
        self._algo_bucket = bucket
        for task in self._running():
            self._step(task, now)

    def _forget_algos(self, account_id: str) -> None:
        """After an account reset (the store is cleared separately): its tasks are gone."""
        for task_id in [k for k, t in self._algo_tasks.items() if t.account_id == account_id]:
            del self._algo_tasks[task_id]
            self._algo_seen.pop(task_id, None)
            self._algo_hold.pop(task_id, None)
        self._recompute_next_end()

    # --- submission -----------------------------------------------------------------------------------

    def _new_task(
        self, account_id: str, code: Any, order_type: Any, volume: Any, price_type: Any, price: Any,
        strategy_name: Any, order_remark: Any, algo_name: Any, start: int, end: int, algo_param: Any,
    ) -> AlgoTask:  # fmt: skip
        now = self.clock.now()
        account = self._state.accounts.get(account_id)
        if account is None:
            raise ValueError(f"资金账号不存在 (unknown account {account_id!r})")
        algos.check_request(algo_name, order_type, price_type, code, strategy_name, order_remark)
        params = algos.parse_params(algo_param)
        quotes = self._engine.quotes
        sec = quotes.security(code)
        quotes.check_listed(code)
        lot = algos.lot_of(sec.board)
        shares = algos.check_volume(volume, lot)
        limits = quotes.limits(code)
        limit_li = 0
        if price_type == xc.FIX_PRICE:
            if isinstance(price, bool) or not isinstance(price, (int, float)) or not price > 0:
                raise ValueError(f"指定价必须大于0 (price_type 11 needs a positive price): {price!r}")
            limit_li = check_price(sec, float(price))
            if limits.day == f"{local(now):%Y%m%d}":
                check_band(limit_li, limits.down_li, limits.up_li)
        begin = algos.check_window(int(start), int(end), now)
        if order_type == xc.STOCK_SELL:
            position = self._state.find_position(account_id, code)
            can_use = position.can_use if position is not None else 0
            if shares > can_use:
                raise ValueError(f"可用股份不足 (selling {shares} of {code}; sellable {can_use})")
        else:
            price_li = limit_li or limits.up_li or self._last_li(code, sec.book_unit)
            need = price_li * shares
            if need > account.available:
                raise ValueError(
                    f"可用资金不足 (buying {shares} at {to_yuan(price_li):.3f} needs {to_yuan(need):.2f} CNY; "
                    f"available {to_yuan(account.available):.2f})"
                )
        task = AlgoTask(
            self._next_task_id, account_id, code, str(algo_name), order_type, shares, price_type,
            float(price) if limit_li else 0.0, int(start), int(end), begin, local_date(now), lot, strategy_name,
            order_remark or params.cmd_remark, params.limit_over_rate, params.min_amount, params.max_amount,
            params.stop_at_limit,
        )  # fmt: skip
        self._next_task_id += 1
        book = quotes.book(code, sec.book_unit)
        if book is not None:
            self._algo_seen[task.task_id] = book.volume
        return task

    def _last_li(self, code: str, unit: int) -> int:
        book = self._engine.quotes.book(code, unit)
        if book is None:
            return 0
        return max([book.last_li, *(p for p, _ in book.asks[:5])])

    # --- a pass ---------------------------------------------------------------------------------------

    def _running(self) -> list[AlgoTask]:
        return sorted((t for t in self._algo_tasks.values() if t.status == RUNNING), key=lambda t: t.task_id)

    def _recompute_next_end(self) -> None:
        self._algo_next_end = min((t.end for t in self._running()), default=None)

    def _children(self, task: AlgoTask) -> tuple[int, int, list[Order]]:
        """(filled, committed, open children): committed is what filled plus what is still open."""
        filled = committed = 0
        missing = False
        open_children = []
        for order_id in task.child_ids:
            order = self._state.orders.get(order_id)
            if order is None:  # a child of an earlier day, no longer loaded: its fills are in task.filled
                missing = True
                continue
            filled += order.traded_volume
            committed += order.traded_volume
            if order.open:
                committed += order.unfilled
                open_children.append(order)
        if missing:
            committed += max(0, task.filled - filled)
            filled = max(filled, task.filled)
        return filled, committed, open_children

    def _note(self, task: AlgoTask, note: str, now: dt.datetime | None = None) -> None:
        """Say why the task holds; with ``now``, hold it until the next minute."""
        if now is not None:
            self._algo_hold[task.task_id] = int(now.timestamp()) // 60 * 60 + 60
        if task.note != note:
            task.note = note
            self._state.touch(task)

    def _step(self, task: AlgoTask, now: dt.datetime) -> None:
        ts = int(now.timestamp())
        quotes = self._engine.quotes
        try:
            sec = quotes.security(task.code)
            quotes.check_listed(task.code)
        except Rejection as refused:
            self._note(task, refused.message)
            return
        book = quotes.book(task.code, sec.book_unit)
        if book is None or book.suspended:
            self._note(task, f"停牌或无行情, 暂停下单 (suspended or no quote): {task.code}")
            return
        seen = self._algo_seen.get(task.task_id)
        self._algo_seen[task.task_id] = book.volume  # every pass: the cap counts from the previous one
        if ts < task.begin or ts < self._algo_hold.get(task.task_id, 0):
            return
        filled, committed, _ = self._children(task)
        self._keep_filled(task, filled)
        a, b = (algos.session_second(dt.datetime.fromtimestamp(t, CST)) for t in (task.begin, task.end))
        target = algos.scheduled(task.volume, self._weights(task), a, b, algos.session_second(now))
        remaining = task.volume - committed
        due = min(target - committed, remaining)
        if due <= 0:
            return
        final = due == remaining
        is_buy = task.order_type == xc.STOCK_BUY
        limits = quotes.limits(task.code)
        if task.stop_at_limit and book.last_li:
            if is_buy and limits.up_li and book.last_li >= limits.up_li:
                self._note(task, "涨停, 暂停买入 (at the up limit: no buying)")
                return
            if not is_buy and limits.down_li and book.last_li <= limits.down_li:
                self._note(task, "跌停, 暂停卖出 (at the down limit: no selling)")
                return
        caps = []
        if not is_buy:
            position = self._state.find_position(task.account_id, task.code)
            caps.append(position.can_use if position is not None else 0)
        if task.limit_over_rate:
            caps.append(0 if seen is None else int(task.limit_over_rate * max(0, book.volume - seen)))
        if caps and min(caps) < due:
            due, final = min(caps), False
        if not final:
            due -= due % task.lot
        if due <= 0:
            return
        market = task.price_type != xc.FIX_PRICE
        ref_li = to_li(task.price) if not market else algos.reference_li(book, is_buy)
        largest = algos.max_child(sec.board, task.lot, market)
        if task.max_amount and ref_li:
            largest = min(largest, to_li(task.max_amount) // (ref_li * task.lot) * task.lot)
        pieces = algos.children(due, task.lot, largest)
        if task.min_amount and not final and ref_li and pieces[-1] * ref_li < to_li(task.min_amount):
            pieces.pop()
        if not pieces:
            self._note(task, "子单金额低于委托最小金额, 暂缓 (held back: below m_dMinAmountPerOrder)")
            return
        self._place(task, pieces, market, sec.market, now)

    def _place(
        self, task: AlgoTask, pieces: list[int], market: bool, exchange: str, now: dt.datetime
    ) -> None:
        price_type = algos.MARKET_CHILD[exchange] if market else xc.FIX_PRICE
        note = ""
        for piece in pieces:
            order = self._engine.place(
                task.account_id, task.code, task.order_type, piece, price_type, task.price,
                task.strategy_name, task.order_remark,
            )  # fmt: skip
            task.add_child(order.order_id)
            self._state.touch(task)
            if order.status == xc.ORDER_JUNK:
                note = f"子单被拒, 下一分钟再试 (child {order.order_id} refused: {order.status_msg})"
                break
            if market and not order.traded_volume:
                note = f"市价子单无成交, 下一分钟再试 (market child {order.order_id} filled nothing)"
                break
        if note:
            self._note(task, note, now)
        elif task.note:
            self._note(task, "")
        self._keep_filled(task, self._children(task)[0])

    def _keep_filled(self, task: AlgoTask, filled: int) -> None:
        if filled != task.filled:
            task.filled = filled
            self._state.touch(task)

    def _finish(self, task: AlgoTask, status: int, now: dt.datetime) -> None:
        """End a task: its open children cancelled, its fills counted, ``status`` (1002 / 1003)."""
        for order in self._children(task)[2]:
            self._engine.cancel(task.account_id, order.order_id)
        task.filled = self._children(task)[0]
        task.status = status
        if status == algos.CANCELED:
            task.cancel_time = int(now.timestamp())
        self._state.touch(task)
        self._algo_seen.pop(task.task_id, None)
        self._algo_hold.pop(task.task_id, None)
        self._recompute_next_end()

    # --- views and profiles ---------------------------------------------------------------------------

    def _view(self, task: AlgoTask) -> dict[str, Any]:
        filled, committed, _ = self._children(task)
        if task.status != RUNNING:
            filled = committed = task.filled
        evenly = task.algo == algos.VWAP and task.status == RUNNING and self._weights(task) is None
        return algos.task_view(task, filled, committed, evenly)

    def _weights(self, task: AlgoTask) -> list[int] | None:
        """The VWAP profile of the task's code (None: slice evenly)."""
        if task.algo != algos.VWAP:
            return None
        key = (task.code, task.day)
        if key not in self._algo_profiles:
            self._algo_profiles[key] = self._previous_day_profile(task.code, task.day)
        return self._algo_profiles[key]

    def _previous_day_profile(self, code: str, day: dt.date) -> list[int] | None:
        """The code's minute weights on the trading day before ``day``, from the simulated market's price
        engine (``market.market.prices``); None for a market without one (a hand-set market)."""
        sim = getattr(self.market, "market", None)
        prices, universe = getattr(sim, "prices", None), getattr(sim, "universe", None)
        if prices is None or universe is None:
            return None
        previous = calendar(dt.datetime.combine(day, dt.time(12), CST)).prev_day(day)
        inst = universe.get(code)
        if previous is None or inst is None:
            return None
        bars = prices.minutes(inst, previous)
        return algos.minute_weights(bars["volume"]) if len(bars) else None
