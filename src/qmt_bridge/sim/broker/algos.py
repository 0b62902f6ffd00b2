"""Smart algorithm orders (智能算法, TWAP and VWAP) on the simulated counter: the task record, the parameters
and the schedule, as pure functions (the broker's plumbing is :mod:`.algo_desk`).

A task buys or sells ``volume`` shares of one code between ``start`` and ``end`` (epoch seconds of one day)
through *child orders*, ordinary orders of the account. Time is counted in *session seconds*: the seconds
of continuous trading since 09:30 (0 to 14,400; the lunch break takes none), so a window across lunch is
spread over its trading time only.

- TWAP: the cumulative target at session second ``x`` of the window ``[a, b]`` is
  ``volume * (x - a) / (b - a)``.
- VWAP: the same with each minute weighted by the code's 1m volume of the *previous* trading day (the bar
  that ends the minute; the 09:30 bar, the opening auction, is left out), linear inside a minute. Without
  such a profile (no bars that day, or none in the window) it slices as TWAP.
- The last :data:`FINAL_STRETCH` session seconds of the window target the whole volume: the remainder (lot
  rounding, re-placed cancelled parts) goes out before the end, not at it.

The target is rounded down to whole lots (:func:`lot_of`); :func:`children` cuts what is due into child
volumes under the per-order limits. The parameters (:data:`PARAMS`) are xtquant's keys; see
:func:`parse_params` for what each does here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qmt_bridge.sim import xtconstant as xc
from qmt_bridge.sim.broker import rejections as why
from qmt_bridge.sim.broker.rejections import Rejection
from qmt_bridge.sim.broker.rules import LOT_RULES, MAX_VOLUME
from qmt_bridge.sim.broker.sessions import calendar, local, local_date
from qmt_bridge.sim.clock import CST

TWAP, VWAP = "TWAP", "VWAP"
ALGOS = (TWAP, VWAP)
RUNNING = xc.OCS_TASK_STATUS_RUNNING
CANCELED = xc.OCS_TASK_STATUS_CANCELED
FINISHED = xc.OCS_TASK_STATUS_FINISHED
MARKET = 12  # the task's price_type for market children (xtquant's PRTP_MARKET)
#: The market order type of a market task's children per exchange: best five, rest cancelled.
MARKET_CHILD = {"SH": xc.MARKET_SH_CONVERT_5_CANCEL, "BJ": xc.MARKET_SH_CONVERT_5_CANCEL}
MARKET_CHILD["SZ"] = xc.MARKET_SZ_CONVERT_5_CANCEL
#: Session seconds before the end from which the whole volume is due.
FINAL_STRETCH = 30
SESSION_SECONDS = 14_400
_OPEN, _NOON, _REOPEN, _CLOSE = 34_200, 41_400, 46_800, 54_000  # 09:30, 11:30, 13:00, 15:00
#: English for the engine's order checks (worded in Chinese only) when they refuse a task.
_ENGLISH = {
    why.PRICE: "the price is off the tick grid or outside the day's limits",
    why.SECURITY: "the code is unknown, not tradable on a stock account or suspended",
}


def _param(key: str, name: str, kind: str, span: str, default: str, unit: str = "", enum: Any = None) -> dict:
    names, values = enum or ([], [])
    return {
        "key": key, "name": name, "dataType": kind, "valueRange": span, "defaultValue": default,
        "enumName": list(names), "enumValue": list(values), "unit": unit,
        "valueRangeByName": dict.fromkeys(ALGOS, span), "defaultValueByName": dict.fromkeys(ALGOS, default),
    }  # fmt: skip


#: xtquant's parameter records (``get_smart_algo_param``), the same for both algorithms. A ``%`` value is
#: passed as a fraction (0.25 for 25%), as xtquant's documentation says.
PARAMS: tuple[dict[str, Any], ...] = (
    _param("m_dLimitOverRate", "量比", "double", "0-100", "0", "%"),
    _param("m_dMinAmountPerOrder", "委托最小金额", "double", "0-100000000", "0", "元"),
    _param("m_dMaxAmountPerOrder", "委托最大金额", "double", "0-100000000", "0", "元"),
    _param("m_nStopTradeForOwnHiLow", "涨跌停控制", "int", "0-1", "1", "", (["否", "是"], [0, 1])),
    _param("m_strCmdRemark", "投资备注", "string", "", ""),
)


def param_specs(names: Sequence[Any]) -> dict[str, list[dict[str, Any]]]:
    """``get_smart_algo_param``: ``{name: [param record, ...]}`` for the names known here."""
    return {n: [dict(p) for p in PARAMS] for n in names if isinstance(n, str) and n in ALGOS}


@dataclass(frozen=True)
class AlgoParams:
    """What a task's ``algo_param`` sets (0 = not applied)."""

    limit_over_rate: float = 0.0  # the most a child takes of the market's volume since the last pass
    min_amount: float = 0.0  # CNY: a smaller child is held back, unless it is the last
    max_amount: float = 0.0  # CNY: a larger child is split
    stop_at_limit: bool = True  # no buys while the last price is at the up limit, no sells at the down limit
    cmd_remark: str = ""  # the children's remark when the task has no order_remark


def _number(params: Mapping[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"算法参数{key}必须为数字 (algo parameter {key} must be a number): {value!r}")
    if not low <= value <= high:
        raise ValueError(
            f"算法参数{key}超出范围 (algo parameter {key} must be in [{low:g}, {high:g}]): {value!r}"
        )
    return float(value)


def parse_params(params: Any) -> AlgoParams:
    """The task's parameters from xtquant's ``algo_param`` dict (other keys are ignored); ``ValueError``
    with the reason for a value out of range."""
    if not isinstance(params, Mapping):
        raise ValueError(f"算法参数必须为字典 (algo_param must be a dict): {type(params).__name__}")
    rate = _number(params, "m_dLimitOverRate", 0.0, 0.0, 1.0)
    low = _number(params, "m_dMinAmountPerOrder", 0.0, 0.0, 1e8)
    high = _number(params, "m_dMaxAmountPerOrder", 0.0, 0.0, 1e8)
    if low and high and low > high:
        raise ValueError(
            f"委托最小金额大于最大金额 (m_dMinAmountPerOrder {low:g} > m_dMaxAmountPerOrder {high:g})"
        )
    stop = params.get("m_nStopTradeForOwnHiLow", 1)
    if stop not in (0, 1):  # True / False too
        raise ValueError(f"涨跌停控制只能为0或1 (m_nStopTradeForOwnHiLow must be 0 or 1): {stop!r}")
    remark = params.get("m_strCmdRemark", "")
    if not isinstance(remark, str):
        raise ValueError(f"投资备注必须为字符串 (m_strCmdRemark must be a str): {remark!r}")
    return AlgoParams(rate, low, high, bool(stop), remark)


# --- checks of a new task (the counter's, in :meth:`.algo_desk.AlgoDesk.submit_algo`) ---------------------


def check_request(
    algo_name: Any, order_type: Any, price_type: Any, code: Any, strategy_name: Any, order_remark: Any
) -> None:
    """``ValueError`` for an unknown algorithm, an order or price type a task cannot have, or arguments of
    the wrong type."""
    if algo_name not in ALGOS:
        raise ValueError(f"不支持的算法 (unknown algo_name {algo_name!r}; the simulator runs TWAP and VWAP)")
    if type(order_type) is not int or order_type not in (xc.STOCK_BUY, xc.STOCK_SELL):
        raise ValueError(f"不支持的委托类型 (order_type {order_type!r}: STOCK_BUY 23 or STOCK_SELL 24 only)")
    if type(price_type) is not int or price_type not in (xc.FIX_PRICE, MARKET):
        raise ValueError(f"不支持的报价类型 (price_type {price_type!r}: 11 limit or 12 market only)")
    if not isinstance(code, str):
        raise ValueError(f"证券代码必须为字符串 (stock_code must be a str): {code!r}")
    if not isinstance(strategy_name, str) or not isinstance(order_remark, str):
        raise ValueError("策略名称和委托备注必须为字符串 (strategy_name and order_remark must be str)")


def check_volume(volume: Any, lot: int) -> int:
    """The task's volume (xtquant's ``int(order_volume)`` of an int or a whole float): a positive multiple
    of ``lot``, else ``ValueError``."""
    number = isinstance(volume, (int, float)) and not isinstance(volume, bool) and math.isfinite(volume)
    if not number or volume != int(volume) or volume <= 0 or int(volume) % lot:
        raise ValueError(
            f"委托数量必须为{lot}股的正整数倍 (volume must be a positive multiple of {lot}): {volume!r}"
        )
    return int(volume)


def check_window(start: int, end: int, now: dt.datetime) -> int:
    """When the schedule of a task for ``[start, end]`` (epoch seconds) submitted at ``now`` begins (``start``,
    or ``now`` when later); ``ValueError`` for an ``end`` already past or a window without continuous
    trading today."""
    ts = int(now.timestamp())
    if end <= ts:
        raise ValueError(f"截止时间已过 (end_time {_hms(end)} is past; the simulated time is {_hms(ts)})")
    begin = max(start, ts)
    first, last = (dt.datetime.fromtimestamp(t, CST) for t in (begin, end))
    today = local_date(now)
    if (
        last.date() != today
        or not calendar(last).is_trading_day(today)
        or session_second(first) >= session_second(last)
    ):
        raise ValueError(
            f"时间窗口内没有连续竞价时间 (no continuous trading today between {_hms(begin)} and {_hms(end)})"
        )
    return begin


def refusal_message(refused: Exception) -> str:
    """A refusal's ``error_msg``: the engine's Chinese reason with English, or the check's own words."""
    if isinstance(refused, Rejection):
        return f"{refused.message} ({_ENGLISH.get(refused.error_id, 'refused by the counter')})"
    return str(refused)


def _hms(ts: int) -> str:
    return f"{dt.datetime.fromtimestamp(ts, CST):%H:%M:%S}"


@dataclass(slots=True)
class AlgoTask:
    """One smart algorithm task, kept in the counter's file (table ``algo_tasks``)."""

    task_id: int
    account_id: str
    code: str
    algo: str
    order_type: int
    volume: int
    price_type: int  # 11 limit children at ``price``, 12 market children
    price: float
    start: int  # epoch seconds, as asked
    end: int
    begin: int  # when the schedule starts: ``start``, or the submission when that was later
    day: dt.date
    lot: int
    strategy_name: str
    order_remark: str  # the children's
    limit_over_rate: float
    min_amount: float
    max_amount: float
    stop_at_limit: bool
    status: int = RUNNING
    note: str = ""  # why the task is held or how it slices, shown in ``task_msg``
    cancel_time: int = 0
    children: str = ""  # child order ids, comma-separated
    filled: int = 0  # shares filled, as of the last look at the children

    @property
    def child_ids(self) -> list[int]:
        return [int(i) for i in self.children.split(",") if i]

    def add_child(self, order_id: int) -> None:
        self.children = f"{self.children},{order_id}" if self.children else str(order_id)


def lot_of(board: str) -> int:
    """The board's lot for slicing (:data:`.rules.LOT_RULES`): the step, or the minimum where the step is
    one share (STAR 200, BJ 100)."""
    minimum, step = LOT_RULES[board]
    return step if step > 1 else minimum


def max_child(board: str, lot: int, market: bool) -> int:
    """The largest child the exchange takes (:data:`.rules.MAX_VOLUME`), in whole lots."""
    most = MAX_VOLUME[board][1 if market else 0]
    return most - most % lot


# --- the schedule ---------------------------------------------------------------------------------------


def session_second(moment: dt.datetime) -> int:
    """Seconds of continuous trading from 09:30 to ``moment``'s time of day (0 to 14,400)."""
    t = local(moment)
    s = t.hour * 3600 + t.minute * 60 + t.second
    if s <= _OPEN:
        return 0
    if s < _NOON:
        return s - _OPEN
    if s < _REOPEN:
        return _NOON - _OPEN
    return min(s, _CLOSE) - _REOPEN + (_NOON - _OPEN)


def minute_weights(volumes: Sequence[Any]) -> list[int] | None:
    """The 240 continuous-trading minutes' weights from a day's 1m volumes (xtquant's 241 bars, each
    labelled by its end, the first being the 09:30 opening auction); None when there is no profile."""
    values = [max(0, int(v)) for v in volumes]
    if len(values) == 241:
        values = values[1:]
    if len(values) != 240 or not any(values):
        return None
    return values


def _cumulative(weights: Sequence[int] | None, x: int) -> int:
    """Sixty times the weight of session seconds ``[0, x)`` (each second of a minute weighs 1/60 of it)."""
    if weights is None:
        return x
    minute, second = divmod(x, 60)
    done = sum(weights[:minute])
    part = weights[minute] * second if minute < len(weights) else 0
    return 60 * done + part


def scheduled(volume: int, weights: Sequence[int] | None, a: int, b: int, x: int) -> int:
    """The cumulative volume due at session second ``x`` of the window ``[a, b]`` (module docstring);
    ``weights`` None slices evenly (TWAP)."""
    if x <= a:
        return 0
    if x >= b - FINAL_STRETCH:
        return volume
    low, high, now = _cumulative(weights, a), _cumulative(weights, b), _cumulative(weights, x)
    if high <= low:  # no volume in the window on the previous day: evenly
        low, high, now = a, b, x
    return volume * (now - low) // (high - low)


def children(due: int, lot: int, largest: int) -> list[int]:
    """``due`` shares cut into children of at most ``largest`` (a whole number of lots); the last takes the
    rest."""
    largest = max(lot, largest - largest % lot)
    out = [largest] * (due // largest)
    if due % largest:
        out.append(due % largest)
    return out


def reference_li(book: Any, is_buy: bool) -> int:
    """The price a market child would start at: the best opposite quote, else the last price."""
    levels = book.asks if is_buy else book.bids
    return levels[0][0] if levels else book.last_li


def task_view(task: AlgoTask, filled: int, committed: int, evenly: bool = False) -> dict[str, Any]:
    """xtquant's task dict (``query_smart_algo_task``); ``evenly``: a VWAP task without a profile."""
    if task.status == RUNNING:
        msg = f"运行中 (running): 已委托{committed}股, 已成交{filled}股 / 共{task.volume}股"
    else:
        word = "任务完成 (finished)" if task.status == FINISHED else "任务已撤销 (cancelled)"
        msg = f"{word}: 成交{filled}股 / 委托{task.volume}股 (filled {filled} of {task.volume})"
    if task.note:
        msg = f"{msg}; {task.note}"
    if evenly:
        msg = f"{msg}; VWAP: 无前一交易日分钟成交量, 均匀切片 (no previous-day 1m volume: sliced evenly)"
    return {
        "task_id": task.task_id, "task_status": task.status, "task_msg": msg, "start_time": task.start,
        "end_time": task.end, "cancel_time": task.cancel_time, "order_num": task.volume,
        "business_num": str(filled), "group_id": "", "algo_id": str(task.task_id),
        "account_id": task.account_id, "account_type": xc.SECURITY_ACCOUNT,
        "strategy_name": task.strategy_name, "order_remark": task.order_remark,
        "order_id_list": task.child_ids,
    }  # fmt: skip
