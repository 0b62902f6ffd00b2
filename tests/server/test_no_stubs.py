"""No stubs (issue 21, item 3): every endpoint ``docs/api-coverage.md`` lists as served, called with a canonical
argument on the simulator, gives a non-empty, typed answer, or is listed in ``LEGITIMATELY_EMPTY`` with the
reason, and then its answer must be empty.

The endpoints are read from the document the way ``test_api_coverage.py`` reads it: every table (the xtdata
functions, the metatable re-exports, the endpoints that are not a single xtdata function, qmt-bridge 2.1.3's
paths). A newly listed endpoint fails here until it has a ``CANONICAL`` call and an ``EXPECT`` check.

Data endpoints run on their own simulator, frozen after the close of 2025-11-20 (conftest's ``AFTER_CLOSE``,
``SEED``), whose data directory is a temporary one: the sector writes leave no trace. The trading endpoints
run on ``helpers.trading_app`` (frozen mid-session, orders fill at once) in another temporary directory.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import AFTER_CLOSE, SEED
from helpers import markdown_tables, trading_app, wait_until

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "api-coverage.md"
ROUTE = re.compile(r"`(GET|POST|DELETE|PUT) (/[^`]*)`")


# ---------------------------------------------------------------------------------- what the document lists


def _tables() -> list[list[list[str]]]:
    """The tables of ``docs/api-coverage.md`` (rows of cells), read as ``test_api_coverage.py`` reads them."""
    return markdown_tables(DOC)


def listed_endpoints() -> dict[str, list[str]]:
    """``"METHOD /path"`` -> what the document lists it for: the xtdata functions of the function tables (the
    endpoint is the second column), or the row's description in the tables whose first column is the
    endpoint (bridge-only endpoints, qmt-bridge 2.1.3's paths; there the second column names another row)."""
    listed: dict[str, list[str]] = {}
    for table in _tables():
        for row in table:
            if ROUTE.findall(row[0]):
                for method, path in ROUTE.findall(row[0]):
                    listed.setdefault(f"{method} {path}", []).append(f"({row[-1]})")
            else:
                for method, path in ROUTE.findall(row[1]):
                    listed.setdefault(f"{method} {path}", []).append(row[0].strip("`"))
    return listed


LISTED = listed_endpoints()


# ------------------------------------------------------------------------------------- the emptiness check


def substantive(value: Any) -> bool:
    """True for a value that says something: a non-zero number, a non-empty string, True, or a container with
    at least one substantive value (so ``{"a": []}``, ``[None, 0]`` and ``{"a": {"b": ""}}`` are not)."""
    if value is None or value is False:
        return False
    if isinstance(value, dict):
        return any(substantive(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(substantive(v) for v in value)
    if isinstance(value, str):
        return value != ""
    if isinstance(value, (int, float)):
        return value != 0
    return True


def assert_substantive(payload: Any) -> None:
    """Fail on a scalar None, an empty container, or a container whose every value is empty, None or 0."""
    assert payload is not None, "the answer is None"
    if isinstance(payload, (dict, list)):
        assert payload, f"the answer is an empty {type(payload).__name__}"
    assert substantive(payload), f"every value of the answer is empty, None or 0: {payload!r:.300}"


def test_the_emptiness_check_itself() -> None:
    for empty in (None, [], {}, {"a": []}, {"a": None, "b": 0}, [[], {}], {"a": {"b": ""}}, [0.0, False]):
        with pytest.raises(AssertionError):
            assert_substantive(empty)
    for full in ({"a": 1}, [{"close": 9.75}], "x", 3, True, {"a": [], "b": ["600519.SH"]}):
        assert_substantive(full)


# ---------------------------------------------------------------------------------------- typed expectations

Check = Callable[[Any], None]
NUM = "number"  # a kind: int or float, not bool, finite
DAY = re.compile(r"\d{8}")
A_SHARE = re.compile(r"\d{6}\.(SH|SZ|BJ)")
CB = re.compile(r"11\d{4}\.SH|12\d{4}\.SZ")
SHO = re.compile(r"\d{8}\.SHO")
HK = re.compile(r"\d{5}\.HK")
IF = re.compile(r"IF\d{4}\.IF")


def is_kind(value: Any, kind: Any) -> bool:
    if kind == NUM:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if isinstance(kind, re.Pattern):
        return isinstance(value, str) and kind.fullmatch(value) is not None
    if isinstance(kind, type):
        return isinstance(value, kind)
    kind(value)  # a Check: raises if the value is wrong
    return True


def record(**kinds: Any) -> Check:
    """A dict whose ``name`` values have these kinds: ``NUM``, a type, a regex a string must match, or a Check."""

    def check(payload: Any) -> None:
        assert isinstance(payload, dict), payload
        for name, kind in kinds.items():
            assert name in payload, f"no {name!r} in {sorted(payload)}"
            assert is_kind(payload[name], kind), f"{name}={payload[name]!r} is not {kind}"

    return check


def rows(**kinds: Any) -> Check:
    """A non-empty list of records of these kinds; the first ``NUM`` field is positive in at least one row."""
    each = record(**kinds)
    numeric = [name for name, kind in kinds.items() if kind == NUM]

    def check(payload: Any) -> None:
        assert isinstance(payload, list) and payload, payload
        for row in payload:
            each(row)
        if numeric:
            assert any(row[numeric[0]] > 0 for row in payload), f"{numeric[0]} is never positive"

    return check


def by_code(*codes: str, inner: Check) -> Check:
    """A dict keyed by codes, holding at least ``codes``, each of which passes ``inner``."""

    def check(payload: Any) -> None:
        assert isinstance(payload, dict) and set(codes) <= set(payload), sorted(payload)[:10]
        for code in codes:
            inner(payload[code])

    return check


def items(kind: Any, *must: Any, min_len: int = 1) -> Check:
    """A list of at least ``min_len`` items of ``kind`` that holds ``must``."""

    def check(payload: Any) -> None:
        assert isinstance(payload, list) and len(payload) >= min_len, payload
        bad = [item for item in payload if not is_kind(item, kind)]
        assert not bad, f"not {kind}: {bad[:5]}"
        assert all(m in payload for m in must), f"{must} not all in the answer"

    return check


def mapping(key: Any, value: Any, *must: str) -> Check:
    """A non-empty dict of ``key`` -> ``value`` kinds that holds the keys ``must``."""

    def check(payload: Any) -> None:
        assert isinstance(payload, dict) and payload, payload
        bad = {k: v for k, v in payload.items() if not (is_kind(k, key) and is_kind(v, value))}
        assert not bad, f"entries of the wrong kinds: {list(bad.items())[:5]}"
        assert all(m in payload for m in must), f"{must} not all in the answer"

    return check


def equals(expected: Any) -> Check:
    def check(payload: Any) -> None:
        assert payload == expected

    return check


def all_of(*checks: Check) -> Check:
    def check(payload: Any) -> None:
        for each in checks:
            each(payload)

    return check


def that(predicate: Callable[[Any], bool], what: str) -> Check:
    def check(payload: Any) -> None:
        assert predicate(payload), f"{what}: {payload!r:.300}"

    return check


#: K-line fields; close first: ``rows`` wants its first numeric field positive in at least one row.
OHLC = {"close": NUM, "open": NUM, "high": NUM, "low": NUM, "time": NUM, "volume": NUM}
BARS = rows(**OHLC)
TICK = record(time=NUM, lastPrice=NUM, open=NUM, high=NUM, low=NUM, lastClose=NUM, volume=NUM, askPrice=list)
DETAIL = record(InstrumentName=str, InstrumentID=str, ExchangeID=str, PreClose=NUM, UpStopPrice=NUM)
CB_TERMS = record(bondCode=CB, stockCode=A_SHARE, bondName=str, bondParvalue=NUM, bondValueDate=NUM)
ST_SPANS = record(ST=list)
OPTION_ROW = {"行权价": NUM, "期权完整代码": SHO, "方向": re.compile("CALL|PUT"), "到期日": NUM}
TRADING_PERIOD = record(market=str, tradings=list)
DOWNLOAD_RESULT = by_code("600519.SH", inner=record(start_time=str, end_time=str))
TRANSFER = record(transfer_id=NUM, kind=str, direction=NUM, amount=NUM, state=re.compile("done"), msg=str)


def period_list(payload: Any) -> None:
    rows(name=str, desc=str)(payload)
    assert {"tick", "1m", "1d"} <= {row["name"] for row in payload}


def st_history(payload: Any) -> None:
    ST_SPANS(payload)
    spans = payload["ST"]
    assert spans and all(len(span) == 2 and all(DAY.fullmatch(day) for day in span) for span in spans)


def l2_book(payload: Any) -> None:
    record(time=NUM, price=NUM, bidPrice=list, askPrice=list)(payload)
    assert payload["price"] > 0 and all(is_kind(p, NUM) for p in payload["bidPrice"] + payload["askPrice"])


def thousand_queue(payload: Any) -> None:
    record(time=NUM, bidGear=list, bidPrice=list, bidVolume=list, askPrice=list, askVolume=list)(payload)
    assert payload["bidPrice"] and all(is_kind(p, NUM) and p > 0 for p in payload["bidPrice"])


def transaction_count(payload: Any) -> None:
    record(time=NUM, bidNumber=NUM, offNumber=NUM, ddx=NUM)(payload)
    assert payload["bidNumber"] > 0


def calendar_days(payload: Any) -> None:
    items(DAY)(payload)
    assert payload == sorted(payload)


def bond_table(table: str, numeric: str) -> Check:
    return rows(**{f"{table}.{numeric}": NUM, f"{table}.pub_date": NUM})


def his_option_batch(payload: Any) -> None:
    mapping(DAY, list)(payload)
    for day_rows in payload.values():
        rows(**OPTION_ROW)(day_rows)


def broker_queue(payload: Any) -> None:
    rows(time=NUM, bidbrokerqueues=list, askbrokerqueues=list)(payload)
    gears = payload[0]["bidbrokerqueues"]
    rows(price=NUM, gear=NUM, brokers=list)(gears)


def financial(payload: Any) -> None:
    by_code("600519.SH", inner=record(Balance=list))(payload)
    balance = payload["600519.SH"]["Balance"]
    rows(m_timetag=DAY, m_anntime=DAY)(balance)
    assert any(is_kind(v, NUM) and v != 0 for row in balance for v in row.values()), "no numeric item"


def index_weight(payload: Any) -> None:
    mapping(A_SHARE, NUM, "600519.SH")(payload)
    assert all(w > 0 for w in payload.values()) and math.isclose(sum(payload.values()), 100, abs_tol=0.5)


def etf_info(payload: Any) -> None:
    record(基金代码=str, 基金名称=str, 基金份额净值=NUM, 成份股信息=list)(payload)
    rows(成份股数量=NUM, 成份股代码=A_SHARE)(payload["成份股信息"])


# ------------------------------------------------------------------------------------------ the endpoints

A = "600519.SH"  # 贵州茅台: every table of the simulator has it
TODAY = AFTER_CLOSE.strftime("%Y%m%d")  # 20251120, a Thursday
BOND = "110044.SH"  # a convertible bond with conversion, call, put and amount-change records
OPTION = "10009270.SHO"  # a 510050.SH option expiring 2025-12-24
EVER_ST = "000145.SZ"  # ST twice, 2019-2021 and 2023-2025
FILLED, RESTING = "<a filled order>", "<a resting order>"  # ids placed by the trading fixture
TRADED = "<the filled order's fill>"  # its traded_id
ALGO_TASK = "<a running smart algorithm task>"
_ALGO = {"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100, "price_type": 12, "algo_name": "TWAP",
         "start_time": "10:00:00", "end_time": "11:00:00"}  # fmt: skip
JOB_DONE, JOB_RUNNING, JOB_CANCELLED = "<a finished job>", "<a running job>", "<a cancelled job>"
FOLDER, SECTOR = "无桩目录", "无桩板块"

#: "METHOD /path" -> query parameters (GET, DELETE) or JSON body (POST; None: no body).
CANONICAL: dict[str, Any] = {
    # --- xtdata functions
    "GET /api/meta/connection_status": {},
    "GET /api/meta/field_list": {"metaid": 3001},
    "GET /api/sector/stocks": {"sector": "沪深A股"},
    "GET /api/meta/stock_list": {"category": "沪深A股"},
    "GET /api/sector_stocks": {"sector": "沪深A股"},
    "GET /api/instrument/index_weight": {"index_code": "000300.SH"},
    "GET /api/financial/data": {
        "stocks": A,
        "tables": "Balance",
        "start_time": "20240101",
        "end_time": TODAY,
    },
    "GET /api/market/market_data": {"stocks": A, "count": 5},
    "GET /api/history": {"stock": A, "count": 5},
    "GET /api/market/market_data_ex": {"stocks": A, "count": 5},
    "GET /api/batch_history": {"stocks": f"{A},000001.SZ", "count": 5},
    "GET /api/tick/l2_thousand_quote": {"stock": A, "count": 3},
    "GET /api/market/local_data": {"stocks": A, "count": 5},
    "GET /api/tick/l2_quote": {"stock": A, "count": 3},
    "GET /api/tick/l2_order": {"stock": A, "count": 3},
    "GET /api/tick/l2_transaction": {"stock": A, "count": 3},
    "GET /api/market/divid_factors": {"stock": A},
    "GET /api/futures/main_contract": {"code_market": "IF.IF"},
    "GET /api/futures/sec_main_contract": {"code_market": "IF.IF"},
    "GET /api/calendar/trading_dates": {"market": "SH", "start_time": "20251101", "end_time": TODAY},
    "GET /api/market/full_tick": {"stocks": f"{A},000001.SZ"},
    "GET /api/market/indices": {},
    "GET /api/full_tick": {"stocks": A},
    "GET /api/tick/l2thousand_queue": {"stock": A},
    "GET /api/tick/transactioncount": {"stocks": A},
    "GET /api/tick/fullspeed_orderbook": {"stocks": A},
    "POST /api/sector/create_folder": {"folder_name": FOLDER, "parent_node": ""},
    "POST /api/sector/create": {"sector_name": SECTOR, "parent_node": ""},
    "GET /api/sector/list": {},
    "GET /api/sector/info": {"sector": "沪深A股"},
    "POST /api/sector/add_stocks": {"sector_name": "无桩-加", "stocks": [A, "000001.SZ"]},
    "POST /api/sector/remove_stocks": {"sector_name": "无桩-减", "stocks": ["000001.SZ"]},
    "DELETE /api/sector/remove": {"sector_name": "无桩-删"},
    "DELETE /api/sector/remove_folder": {"folder_name": "无桩-删目录"},
    "POST /api/sector/reset": {"sector_name": "无桩-重置", "stocks": ["000001.SZ", "600000.SH"]},
    "GET /api/instrument_detail": {"stock": A},
    "GET /api/instrument/detail_list": {"stocks": f"{A},000001.SZ"},
    "POST /api/download/index_weight": None,
    "POST /api/download/history_contracts": None,
    "POST /api/download": {"stock": A, "period": "1d", "start_time": "20251101", "end_time": TODAY},
    "POST /api/download/history_data2": {"stocks": [A], "period": "1d", "start_time": "20251101"},
    "POST /api/download/financial_data": {"stocks": [A], "tables": ["Balance"]},
    "GET /api/instrument/type": {"stock": A},
    "POST /api/download/sector_data": None,
    "POST /api/download/holiday_data": None,
    "GET /api/calendar/holidays": {},
    "GET /api/meta/last_trade_date": {"market": "SH"},
    "GET /api/calendar/trading_calendar": {"market": "SH", "start_time": "20251101", "end_time": "20251130"},
    "GET /api/calendar/is_trading_date": {"market": "SH", "date": TODAY},
    "GET /api/calendar/prev_trading_date": {"market": "SH", "date": TODAY},
    "GET /api/calendar/next_trading_date": {"market": "SH", "date": TODAY},
    "GET /api/instrument/is_stock_type": {"stock": A, "tag": 101},  # XT_GE_SH_A
    "POST /api/download/cb_data": None,
    "GET /api/cb/info": {"cb_code": BOND},
    "GET /api/option/detail": {"option_code": OPTION},
    "GET /api/option/chain": {"undl_code": "510050.SH"},
    "GET /api/option/list": {"undl_code": "510050.SH", "dedate": "202512"},
    "GET /api/option/his_option_list": {"undl_code": "510050.SH", "dedate": TODAY},
    "GET /api/option/his_option_list_batch": {
        "undl_code": "510050.SH",
        "start_time": "20251117",
        "end_time": TODAY,
    },
    "GET /api/instrument/ipo_info": {"start_time": "20250101", "end_time": TODAY},
    "GET /api/meta/markets": {},
    "GET /api/meta/wp_market_list": {},
    "GET /api/instrument/his_st_data": {"stock": EVER_ST},
    "GET /api/meta/period_list": {},
    "GET /api/etf/info": {"etf_code": "510300.SH"},
    "POST /api/download/etf_info": None,
    "POST /api/download/his_st_data": None,
    "GET /api/hk/broker_dict": {},
    "GET /api/hk/broker_queue": {"stocks": "00700.HK", "count": 2},
    "GET /api/market/full_kline": {"stocks": A},
    "GET /api/futures/trading_contract_list": {"code_market": "IF.IF"},
    "GET /api/calendar/trading_period": {"stock": A},
    "GET /api/calendar/kline_trading_period": {"stock": A},
    "GET /api/calendar/all_trading_periods": {},
    "GET /api/calendar/all_kline_trading_periods": {},
    "GET /api/meta/authorized_market_list": {},
    "GET /api/calendar/coming_trading_calendar": {"market": "SH"},
    "GET /api/cb/bnd_get_conversion_price": {"cb_code": BOND},
    "GET /api/cb/bnd_get_call_info": {"cb_code": BOND},
    "GET /api/cb/bnd_get_put_info": {"cb_code": BOND},
    "GET /api/cb/bnd_get_amount_change": {"cb_code": BOND},
    "GET /api/tick/order_rank": {
        "stock": "000001.SZ",
        "order_time": f"{TODAY}100000",
        "order_type": "buy",
        "order_price": 10.5,  # below 000001.SZ's 11.20 at 10:00: buys rest ahead of it
        "order_volume": 1000,
        "order_left_volume": 1000,
    },
    "GET /api/meta/sub_info": {},  # while a /ws/realtime subscription is held
    # --- endpoints that are not a single xtdata function
    "GET /api/meta/health": {},
    "GET /api/meta/backend": {},
    "GET /api/meta/version": {},
    "GET /api/meta/xtdata_version": {},
    "GET /api/meta/market_status": {},
    "GET /api/meta/quote_book": {},
    "GET /api/meta/realtime": {},  # while a /ws/realtime subscription is held
    "GET /api/meta/predownload": {},
    "GET /api/etf/list": {},
    "GET /api/cb/list": {},
    "GET /api/hk/stock_list": {},
    "GET /api/hk/connect_stocks": {"direction": "sh"},
    "POST /api/trading/order": {"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100},
    "POST /api/trading/batch_order": [{"stock_code": "600000.SH", "order_type": 23, "order_volume": 100}],
    "POST /api/trading/cancel": {"order_id": RESTING},
    "POST /api/trading/cancel_all": {},
    "GET /api/trading/orders": {},
    "GET /api/trading/order_detail": {"order_id": FILLED},
    "GET /api/trading/trades": {},
    "GET /api/trading/positions": {},
    "GET /api/trading/asset": {},
    "GET /api/trading/accounts": {},
    "GET /api/trading/status": {},
    "POST /api/trading/kill_switch": {"engaged": True, "reason": "test_no_stubs"},
    "POST /api/trading/sim/reset": {},
    "POST /api/trading/order_async": {
        "stock_code": "000001.SZ",
        "order_type": 23,
        "order_volume": 100,
        "order_remark": "no-stubs-async",
    },
    "POST /api/trading/cancel_async": {"order_id": RESTING},
    "POST /api/trading/batch_cancel": [{"order_id": RESTING}],
    "GET /api/trading/order/{order_id}": {"order_id": FILLED},
    "GET /api/trading/trade/{trade_id}": {"trade_id": TRADED},
    "GET /api/trading/position/{stock_code}": {"stock_code": "000001.SZ"},
    "GET /api/trading/position_statistics": {},
    "GET /api/trading/account_status": {},
    "GET /api/trading/account_info": {},
    "GET /api/trading/account_infos": {},
    "GET /api/trading/new_purchase_limit": {},
    "GET /api/trading/ipo_data": {},
    "GET /api/trading/com_fund": {},
    "GET /api/trading/com_position": {},
    "GET /api/trading/ipo_today": {},
    "POST /api/trading/ipo_subscribe": {},
    "GET /api/trading/smart_algo/params": {"algos": "TWAP,VWAP"},
    "POST /api/trading/smart_algo/order": _ALGO,
    "GET /api/trading/smart_algo/tasks": {},
    "POST /api/trading/smart_algo/cancel": {"task_id": ALGO_TASK},
    "GET /api/trading/smart_algo/requests": {},
    "POST /api/bank/transfer": {"direction": "in", "amount": 100},
    "POST /api/fund/transfer": {"transfer_direction": 511, "amount": 10},
    "GET /api/fund/history": {},
    "GET /api/bank/banks": {},
    "GET /api/bank/balance": {},
    "GET /api/bank/transfer_records": {},
    "GET /api/bank/available_amount": {},
    "GET /api/bank/status": {"transfer_id": 1},
    "POST /api/bank/transfer_in": {"amount": 20},
    "POST /api/bank/transfer_out": {"amount": 5},
    "GET /api/fund/transfer_records": {},
    "GET /api/fund/available": {},
    "POST /api/credit/order": {"stock_code": "600000.SH", "credit_type": "fin_buy", "order_volume": 100},
    "GET /api/credit/quota": {},
    "GET /api/credit/position": {},
    "GET /api/credit/positions": {},
    "GET /api/credit/asset": {},
    "GET /api/credit/debt": {},
    "GET /api/credit/available_amount": {"stock_code": "600000.SH"},
    "GET /api/credit/slo_stocks": {},
    "GET /api/credit/fin_stocks": {},
    "GET /api/credit/subjects": {},
    "GET /api/credit/assure": {},
    "GET /api/download/jobs": {},
    "GET /api/download/jobs/{job_id}": {"job_id": JOB_DONE},
    "POST /api/download/jobs/{job_id}/cancel": {"job_id": JOB_RUNNING},
    "POST /api/download/jobs/{job_id}/retry": {"job_id": JOB_CANCELLED},
    # --- qmt-bridge 2.1.3's paths
    "GET /api/market/history_ex": {"stocks": A, "count": 3},
    "GET /api/market/market_data3": {"stocks": A, "count": 3},
    "GET /api/market/snapshot": {"stocks": A},
    "GET /api/instrument/batch_detail": {"stocks": A},
    "GET /api/instrument/st_history": {"stock": EVER_ST},
    "GET /api/meta/periods": {},
    "GET /api/option/history_list": {"undl_code": "510050.SH", "dedate": TODAY},
    "GET /api/tick/l2_thousand_orderbook": {"stock": A, "count": 2},
    "GET /api/tick/l2_thousand_trade": {"stock": A, "count": 2},
    "POST /api/download/batch": {"stocks": [A], "period": "1d"},
    "POST /api/download/financial": {"stocks": [A]},
    "POST /api/download/financial2": {"stocks": [A]},
    "POST /api/download/holiday": None,
    "POST /api/download/option_data": None,
    "GET /api/calendar/trading_dates_count": {"market": "SH", "start_time": "20251101", "end_time": TODAY},
    "GET /api/calendar/trading_time": {"stock": A},
    "GET /api/market/fullspeed_orderbook": {"stock": A},
    "GET /api/market/transactioncount": {"stock": A},
    "GET /api/cb/detail": {"stock": BOND},
    "GET /api/cb/bond_info": {"stock": BOND},
    "GET /api/cb/conversion_price": {"stock": BOND},
    "GET /api/meta/quote_server_status": {},
    "GET /api/utility/stock_name": {"stock": A},
    "GET /api/utility/batch_stock_name": {"stocks": f"{A},000001.SZ"},
    "GET /api/utility/code_to_market": {"stock": A},
    "GET /api/utility/search": {"keyword": "茅台", "category": "上证50"},  # a small sector: names are read
    "POST /api/download/ipo_data": None,
}

_DOWNLOAD_ACK = "xtquant's download_* functions return None: the answer acknowledges the call"

#: "METHOD /path" -> why the simulator's answer is empty by nature. The test asserts it IS empty.
LEGITIMATELY_EMPTY: dict[str, str] = {
    "GET /api/meta/wp_market_list": "the simulator has no world (外盘) markets",
    "GET /api/meta/quote_server_status": "the simulator's data is in process: no quote server is configured",
    "POST /api/download/index_weight": _DOWNLOAD_ACK,
    "POST /api/download/history_contracts": _DOWNLOAD_ACK,
    "POST /api/download/financial_data": _DOWNLOAD_ACK,
    "POST /api/download/sector_data": _DOWNLOAD_ACK,
    "POST /api/download/holiday_data": _DOWNLOAD_ACK,
    "POST /api/download/cb_data": _DOWNLOAD_ACK,
    "POST /api/download/etf_info": _DOWNLOAD_ACK,
    "POST /api/download/his_st_data": _DOWNLOAD_ACK,
    "POST /api/download/financial": _DOWNLOAD_ACK,
    "POST /api/download/financial2": _DOWNLOAD_ACK,
    "POST /api/download/holiday": _DOWNLOAD_ACK,
    "POST /api/download/option_data": _DOWNLOAD_ACK,
    "POST /api/download/ipo_data": "nothing to download: get_ipo_info reads the quote server when asked",
    "GET /api/trading/position_statistics": "futures statistics: the simulator has stock accounts only",
}

#: Endpoints the simulator answers empty for every input although it should not: known stubs, expected to
#: fail (strict: fixing one turns its test into an XPASS failure until it is removed from here).
STUBS: dict[str, str] = {}


@dataclass(frozen=True)
class Expect:
    """Where the payload is in the answer (``None``: the whole answer) and what it must be."""

    key: str | None
    #: Of the payload (None for the legitimately empty, whose payload must be empty).
    check: Check | None
    #: Of the whole answer.
    shape: Check | None = field(default=None)
    #: Checked after the call, with the client: the effect of a write.
    effect: Callable[[TestClient], None] | None = field(default=None)


def _download(function: str | None) -> Expect:
    """A download acknowledged: ``status`` ok, naming the xtdata function it called; ``result`` None."""
    return Expect("result", None, shape=record(status=re.compile("ok"), function=equals(function)))


def _sectors(client: TestClient) -> list[str]:
    sectors: list[str] = client.get("/api/sector/list").json()["sectors"]
    return sectors


def _members(client: TestClient, name: str) -> list[str]:
    stocks: list[str] = client.get("/api/sector/stocks", params={"sector": name}).json()["stocks"]
    return stocks


def _sector_answer(name: str, *stocks: str) -> Check:
    def check(body: Any) -> None:
        assert (body["sector"], body["count"], sorted(body["stocks"])) == (name, len(stocks), sorted(stocks))

    return check


def _order_rows(payload: Any) -> None:
    rows(order_id=NUM, order_volume=NUM, stock_code=A_SHARE, normalized=dict)(payload)


EXPECT: dict[str, Expect] = {
    # --- xtdata functions
    "GET /api/meta/connection_status": Expect(None, equals({"connected": True, "backend": "sim"})),
    "GET /api/meta/field_list": Expect("fields", mapping(str, str, "time", "open", "close", "volume")),
    "GET /api/sector/stocks": Expect("stocks", items(A_SHARE, A, "000001.SZ", min_len=1000)),
    "GET /api/meta/stock_list": Expect("stocks", items(A_SHARE, A, "000001.SZ", min_len=1000)),
    "GET /api/sector_stocks": Expect("stocks", items(A_SHARE, A, "000001.SZ", min_len=1000)),
    "GET /api/instrument/index_weight": Expect("data", index_weight),
    "GET /api/financial/data": Expect("data", financial),
    "GET /api/market/market_data": Expect("data", by_code(A, inner=BARS)),
    "GET /api/history": Expect("data", BARS),
    "GET /api/market/market_data_ex": Expect("data", by_code(A, inner=BARS)),
    "GET /api/batch_history": Expect("data", by_code(A, "000001.SZ", inner=BARS)),
    "GET /api/tick/l2_thousand_quote": Expect(
        "data", rows(price=NUM, time=NUM, bidPrice=list, askPrice=list)
    ),
    "GET /api/market/local_data": Expect("data", by_code(A, inner=BARS)),
    "GET /api/tick/l2_quote": Expect("data", rows(lastPrice=NUM, time=NUM, volume=NUM, askPrice=list)),
    "GET /api/tick/l2_order": Expect("data", rows(price=NUM, volume=NUM, time=NUM, entrustNo=NUM)),
    "GET /api/tick/l2_transaction": Expect("data", rows(price=NUM, volume=NUM, amount=NUM, time=NUM)),
    "GET /api/market/divid_factors": Expect("data", rows(dr=NUM, time=NUM, interest=NUM, stockGift=NUM)),
    "GET /api/futures/main_contract": Expect("contract", that(IF.fullmatch, "an IF contract")),
    "GET /api/futures/sec_main_contract": Expect("contract", that(IF.fullmatch, "an IF contract")),
    "GET /api/calendar/trading_dates": Expect(
        "dates", all_of(items(NUM, min_len=14), that(lambda d: d == sorted(d), "dates in order"))
    ),
    "GET /api/market/full_tick": Expect("data", by_code(A, "000001.SZ", inner=TICK)),
    "GET /api/market/indices": Expect("data", by_code("000001.SH", "000300.SH", inner=TICK)),
    "GET /api/full_tick": Expect("data", by_code(A, inner=TICK)),
    "GET /api/tick/l2thousand_queue": Expect("data", thousand_queue),
    "GET /api/tick/transactioncount": Expect("data", by_code(A, inner=transaction_count)),
    "GET /api/tick/fullspeed_orderbook": Expect("data", by_code(A, inner=l2_book)),
    "POST /api/sector/create_folder": Expect(None, equals({"folder": FOLDER, "parent_node": "我的"})),
    "POST /api/sector/create": Expect(
        None,
        equals({"sector": SECTOR, "parent_node": "我的"}),
        effect=lambda client: _check(SECTOR in _sectors(client), f"{SECTOR} is not listed"),
    ),
    "GET /api/sector/list": Expect("sectors", items(str, "沪深A股", "沪深300", "沪深转债", min_len=20)),
    "GET /api/sector/info": Expect("data", equals([{"sector": "沪深A股", "category": "市场"}])),
    "POST /api/sector/add_stocks": Expect(None, _sector_answer("无桩-加", "000001.SZ", A)),
    "POST /api/sector/remove_stocks": Expect(
        None,
        _sector_answer("无桩-减", A),
        effect=lambda client: _check(_members(client, "无桩-减") == [A], "000001.SZ was not removed"),
    ),
    "DELETE /api/sector/remove": Expect(
        None,
        equals({"removed": "无桩-删"}),
        effect=lambda client: _check("无桩-删" not in _sectors(client), "the sector is still listed"),
    ),
    "DELETE /api/sector/remove_folder": Expect(None, equals({"removed": "无桩-删目录"})),
    "POST /api/sector/reset": Expect(None, _sector_answer("无桩-重置", "000001.SZ", "600000.SH")),
    "GET /api/instrument_detail": Expect(
        "detail", all_of(DETAIL, that(lambda d: d["InstrumentName"] == "贵州茅台", "name"))
    ),
    "GET /api/instrument/detail_list": Expect("data", by_code(A, "000001.SZ", inner=DETAIL)),
    "POST /api/download/index_weight": _download("download_index_weight"),
    "POST /api/download/history_contracts": _download("download_history_contracts"),
    "POST /api/download": Expect("result", DOWNLOAD_RESULT),
    "POST /api/download/history_data2": Expect("result", DOWNLOAD_RESULT),
    "POST /api/download/financial_data": _download("download_financial_data2"),
    "GET /api/instrument/type": Expect(
        "type", all_of(mapping(str, bool, "stock", "a_share"), that(lambda t: t["stock"] is True, "a stock"))
    ),
    "POST /api/download/sector_data": _download("download_sector_data"),
    "POST /api/download/holiday_data": _download("download_holiday_data"),
    "GET /api/calendar/holidays": Expect(
        "holidays", all_of(calendar_days, items(DAY, "20251001", min_len=100))
    ),
    "GET /api/meta/last_trade_date": Expect(None, record(last_trade_date=NUM, date=re.compile(TODAY))),
    "GET /api/calendar/trading_calendar": Expect(
        "calendar", all_of(calendar_days, items(DAY, TODAY, min_len=20))
    ),
    "GET /api/calendar/is_trading_date": Expect("is_trading", equals(True)),
    "GET /api/calendar/prev_trading_date": Expect("prev_trading_date", equals("20251119")),
    "GET /api/calendar/next_trading_date": Expect("next_trading_date", equals("20251121")),
    "GET /api/instrument/is_stock_type": Expect("result", equals(True)),
    "POST /api/download/cb_data": _download("download_cb_data"),
    "GET /api/cb/info": Expect("data", CB_TERMS),
    "GET /api/option/detail": Expect(
        "data", record(InstrumentName=str, ExpireDate=DAY, PreClose=NUM, VolumeMultiple=NUM, optType=str)
    ),
    "GET /api/option/chain": Expect("options", items(SHO, OPTION, min_len=10)),
    "GET /api/option/list": Expect("options", items(SHO, OPTION, min_len=10)),
    "GET /api/option/his_option_list": Expect("data", rows(**OPTION_ROW)),
    "GET /api/option/his_option_list_batch": Expect("data", his_option_batch),
    "GET /api/instrument/ipo_info": Expect(
        "data", rows(publishPrice=NUM, securityCode=A_SHARE, listedDate=str)
    ),
    "GET /api/meta/markets": Expect("markets", mapping(str, str, "SH", "SZ", "BJ", "IF", "SHO")),
    "GET /api/meta/wp_market_list": Expect("markets", None, shape=record(markets=list)),
    "GET /api/instrument/his_st_data": Expect("data", st_history),
    "GET /api/meta/period_list": Expect("periods", period_list),
    "GET /api/etf/info": Expect("data", etf_info),
    "POST /api/download/etf_info": _download("download_etf_info"),
    "POST /api/download/his_st_data": _download("download_his_st_data"),
    "GET /api/hk/broker_dict": Expect("brokers", mapping(re.compile(r"\d+"), str)),
    "GET /api/hk/broker_queue": Expect("data", by_code("00700.HK", inner=broker_queue)),
    "GET /api/market/full_kline": Expect("data", by_code(A, inner=rows(**OHLC, amount=NUM))),
    "GET /api/futures/trading_contract_list": Expect("contracts", items(IF, min_len=4)),
    "GET /api/calendar/trading_period": Expect("periods", TRADING_PERIOD),
    "GET /api/calendar/kline_trading_period": Expect("periods", TRADING_PERIOD),
    "GET /api/calendar/all_trading_periods": Expect("data", rows(market=str, tradings=list)),
    "GET /api/calendar/all_kline_trading_periods": Expect("data", rows(market=str, tradings=list)),
    "GET /api/meta/authorized_market_list": Expect("markets", items(str, "SH", "SZ", "IF")),
    "GET /api/calendar/coming_trading_calendar": Expect(
        "calendar", all_of(calendar_days, items(DAY, "20251121"))
    ),
    "GET /api/cb/bnd_get_conversion_price": Expect(
        "data", bond_table("bond_conv_price_info", "conversion_price")
    ),
    "GET /api/cb/bnd_get_call_info": Expect("data", bond_table("bond_call_info", "call_price")),
    "GET /api/cb/bnd_get_put_info": Expect("data", bond_table("bond_put_info", "put_price")),
    "GET /api/cb/bnd_get_amount_change": Expect("data", bond_table("bond_amount_chg", "remain_amount")),
    "GET /api/tick/order_rank": Expect(
        "data", all_of(record(pricerank=NUM), that(lambda d: d["pricerank"] > 0, "rank"))
    ),
    "GET /api/meta/sub_info": Expect(
        "current_connection",
        all_of(
            items(dict),
            that(
                lambda rows: any(r["stockCode"] == "600519.SH" and r["metaId"] == 3001 for r in rows),
                "the held 1m subscription",
            ),
        ),
    ),
    # --- endpoints that are not a single xtdata function
    "GET /api/meta/health": Expect(
        None,
        record(
            status=re.compile("ok"),
            backend=re.compile("sim"),
            backend_state=re.compile("running"),
            version=str,
        ),
    ),
    "GET /api/meta/backend": Expect(
        None,
        all_of(
            record(isolation=re.compile("thread"), state=re.compile("running"), pid=NUM, uptime_seconds=NUM),
            that(lambda b: b["restarts"] == [] and b["restarts_last_hour"] == 0, "no restarts"),
        ),
    ),
    "GET /api/meta/version": Expect("version", that(re.compile(r"\d+\.\d+").match, "a version")),
    "GET /api/meta/xtdata_version": Expect(
        "xtdata_version", that(lambda v: "250807" in v, "the wheel's API")
    ),
    "GET /api/meta/market_status": Expect(
        "markets",
        mapping(re.compile("SH|SZ|BJ"), record(state=re.compile("closed"), unified=str, trading_day=bool)),
    ),
    "GET /api/meta/quote_book": Expect(
        None,
        all_of(
            record(enabled=bool, markets=list, silent_after_seconds=NUM, resubscriptions=dict),
            that(lambda b: b["enabled"] is True and b["markets"] == ["BJ"], "the book of BJ, enabled"),
        ),
    ),
    "GET /api/meta/realtime": Expect(
        "streams", rows(subscribers=NUM, pushes=NUM, code=re.compile(re.escape(A)), period=re.compile("1m"))
    ),
    "GET /api/meta/predownload": Expect(
        "items", mapping(re.compile(r"download_\w+"), dict, "download_sector_data")
    ),
    "GET /api/etf/list": Expect("etfs", items(A_SHARE, "510300.SH", "510050.SH", min_len=10)),
    "GET /api/cb/list": Expect("bonds", items(CB, BOND, min_len=10)),
    "GET /api/hk/stock_list": Expect("stocks", items(HK, "00700.HK", min_len=10)),
    "GET /api/hk/connect_stocks": Expect("stocks", items(HK, "00700.HK", min_len=10)),
    "POST /api/trading/order": Expect(
        None,
        all_of(
            record(order_id=NUM, client_order_id=str, status=re.compile("open|filled"), order=dict),
            lambda body: record(stock_code=re.compile(r"000001\.SZ"), order_volume=NUM, price=NUM)(
                body["order"]
            ),
        ),
    ),
    "POST /api/trading/batch_order": Expect(
        "data",
        all_of(
            rows(order_id=NUM, http_status=NUM, client_order_id=str),
            that(lambda results: [r["http_status"] for r in results] == [200], "one order placed"),
        ),
    ),
    "POST /api/trading/cancel": Expect(None, record(order_id=NUM, status=re.compile("cancel_requested"))),
    "POST /api/trading/cancel_all": Expect("data", rows(order_id=NUM, account_id=str)),
    "GET /api/trading/orders": Expect("data", _order_rows),
    "GET /api/trading/order_detail": Expect(
        "data", record(order_id=NUM, traded_price=NUM, traded_volume=NUM, normalized=dict)
    ),
    "GET /api/trading/trades": Expect("data", rows(traded_price=NUM, traded_volume=NUM, order_id=NUM)),
    "GET /api/trading/positions": Expect("data", rows(volume=NUM, market_value=NUM, stock_code=A_SHARE)),
    "GET /api/trading/asset": Expect("data", record(cash=NUM, total_asset=NUM, market_value=NUM)),
    "GET /api/trading/accounts": Expect("data", rows(account_type=NUM, account_id=str)),
    "GET /api/trading/status": Expect(
        None,
        all_of(
            record(trader=dict, limits=dict, accounts=list),
            lambda b: _check(b["trader"]["connected"], "trader"),
        ),
    ),
    "POST /api/trading/kill_switch": Expect(
        None,
        all_of(
            that(lambda b: b["engaged"] is True, "engaged"),
            lambda b: rows(order_id=NUM, account_id=str)(b["cancelled"]),  # the resting order
        ),
    ),
    "POST /api/trading/sim/reset": Expect(None, record(account_id=str, cash=NUM)),
    "GET /api/trading/smart_algo/params": Expect(
        "data",
        that(
            lambda d: set(d) == {"TWAP", "VWAP"} and all(ps and ps[0]["key"] for ps in d.values()), "params"
        ),
    ),
    "POST /api/trading/smart_algo/order": Expect(
        "data", record(state=re.compile("^accepted$"), task_id=NUM, client_task_id=str)
    ),
    "GET /api/trading/smart_algo/tasks": Expect("data", rows(task_id=NUM, status=str, order_num=NUM)),
    "POST /api/trading/smart_algo/cancel": Expect(
        "data", all_of(record(task_id=NUM), that(lambda d: d["success"] is True, "cancelled"))
    ),
    "GET /api/trading/smart_algo/requests": Expect("data", rows(request_id=NUM, state=str, task_id=NUM)),
    "POST /api/trading/order_async": Expect(
        None,
        record(seq=NUM, client_order_id=str, status=re.compile("async_submitted")),
        effect=lambda c: wait_until(
            lambda: any(
                o["order_remark"] == "no-stubs-async" for o in c.get("/api/trading/orders").json()["data"]
            ),
            "the async order placed",
        ),
    ),
    "POST /api/trading/cancel_async": Expect(None, record(seq=NUM, order_id=NUM, status=str)),
    "POST /api/trading/batch_cancel": Expect(
        "data",
        all_of(
            rows(order_id=NUM, http_status=NUM, cancel_result=int),
            that(lambda results: [r["http_status"] for r in results] == [200], "the cancel requested"),
        ),
    ),
    "GET /api/trading/order/{order_id}": Expect(
        "data", record(order_id=NUM, traded_price=NUM, traded_volume=NUM, normalized=dict)
    ),
    "GET /api/trading/trade/{trade_id}": Expect(
        "data", record(traded_id=str, traded_price=NUM, order_id=NUM)
    ),
    "GET /api/trading/position/{stock_code}": Expect(
        "data", record(stock_code=equals("000001.SZ"), volume=NUM, market_value=NUM)
    ),
    "GET /api/trading/position_statistics": Expect("data", None),
    "GET /api/trading/account_status": Expect(
        "data",
        all_of(record(account_id=str, status=int), that(lambda d: d["connected"] is True, "connected")),
    ),
    "GET /api/trading/account_info": Expect("data", record(account_id=str, account_type=NUM, index=int)),
    "GET /api/trading/account_infos": Expect("data", rows(account_type=NUM, account_id=str)),
    "GET /api/trading/new_purchase_limit": Expect("data", record(KCB=NUM, SH=NUM, SZ=NUM)),
    "GET /api/trading/ipo_data": Expect(
        "data", mapping(A_SHARE, record(name=str, type=str, maxPurchaseNum=NUM, issuePrice=NUM))
    ),
    "GET /api/trading/com_fund": Expect(
        "data", record(currentBalance=NUM, enableBalance=NUM, assetBalance=NUM)
    ),
    "GET /api/trading/com_position": Expect("data", rows(totalAmt=NUM, costPrice=NUM, stockCode=A_SHARE)),
    "GET /api/trading/ipo_today": Expect(
        "issues", rows(code=A_SHARE, issue_price=NUM, unit=NUM, quota=NUM, volume=NUM)
    ),
    "POST /api/trading/ipo_subscribe": Expect(
        "results", rows(code=A_SHARE, volume=NUM, http_status=equals(200), order_id=NUM)
    ),
    "POST /api/bank/transfer": Expect("data", TRANSFER),
    "POST /api/fund/transfer": Expect("data", TRANSFER),
    "GET /api/fund/history": Expect("data", rows(transfer_id=NUM, kind=str, amount=NUM, state=str, date=DAY)),
    "GET /api/bank/banks": Expect("data", rows(bank_no=str, bank_account=str, bank_name=str)),
    "GET /api/bank/balance": Expect("data", record(bank_no=str, balance=NUM, enable_balance=NUM)),
    "GET /api/bank/transfer_records": Expect(
        "data", rows(transfer_no=str, transfer_direction=str, balance=NUM, date=DAY)
    ),
    "GET /api/bank/available_amount": Expect(
        "data", record(withdrawable=NUM, bank_no=str, bank_enable_balance=NUM)
    ),
    "GET /api/bank/status": Expect("data", TRANSFER),
    "POST /api/bank/transfer_in": Expect("data", TRANSFER),
    "POST /api/bank/transfer_out": Expect("data", TRANSFER),
    "GET /api/fund/transfer_records": Expect("data", rows(transfer_id=NUM, kind=str, amount=NUM, state=str)),
    "GET /api/fund/available": Expect("data", record(cash=NUM, total_asset=NUM, fetch_balance=NUM)),
    "POST /api/credit/order": Expect(None, record(order_id=NUM, client_order_id=str, status=str)),
    "GET /api/credit/quota": Expect(
        "data", record(account_id=str, fin=record(max_quota=NUM, enable_quota=NUM), enable_bail_balance=NUM)
    ),
    "GET /api/credit/position": Expect("data", rows(stock_code=A_SHARE, volume=NUM, account_type=equals(3))),
    "GET /api/credit/positions": Expect("data", rows(stock_code=A_SHARE, volume=NUM, account_type=equals(3))),
    "GET /api/credit/asset": Expect("data", record(account_id=str, m_dBalance=NUM, m_dFinMaxQuota=NUM)),
    "GET /api/credit/debt": Expect(
        "data", rows(stock_code=A_SHARE, compact_type=NUM, real_compact_balance=NUM, compact_id=str)
    ),
    "GET /api/credit/available_amount": Expect(
        "data", record(stock_code=A_SHARE, fin_amount=NUM, slo_amount=NUM, slo_enable_volume=NUM)
    ),
    "GET /api/credit/slo_stocks": Expect("data", rows(stock_code=A_SHARE, enable_amount=NUM)),
    "GET /api/credit/fin_stocks": Expect(
        "data", rows(stock_code=A_SHARE, fin_status=equals(48), fin_ratio=NUM)
    ),
    "GET /api/credit/subjects": Expect("data", rows(stock_code=A_SHARE, fin_ratio=NUM, slo_ratio=NUM)),
    "GET /api/credit/assure": Expect("data", rows(stock_code=A_SHARE, assure_ratio=NUM)),
    "GET /api/download/jobs": Expect("jobs", rows(total=NUM, job_id=str, state=str)),
    "GET /api/download/jobs/{job_id}": Expect(
        "items", mapping(A_SHARE, record(state=re.compile("done"), coverage=record(rows=NUM)))
    ),
    "POST /api/download/jobs/{job_id}/cancel": Expect(
        None, record(job_id=str, state=re.compile("running|cancelled"))
    ),
    "POST /api/download/jobs/{job_id}/retry": Expect("job", record(job_id=str, retry_of=str, total=NUM)),
    # --- qmt-bridge 2.1.3's paths
    "GET /api/market/history_ex": Expect("data", by_code(A, inner=BARS)),
    "GET /api/market/market_data3": Expect("data", by_code(A, inner=BARS)),
    "GET /api/market/snapshot": Expect("data", by_code(A, inner=TICK)),
    "GET /api/instrument/batch_detail": Expect("data", by_code(A, inner=DETAIL)),
    "GET /api/instrument/st_history": Expect("data", st_history),
    "GET /api/meta/periods": Expect("periods", period_list),
    "GET /api/option/history_list": Expect("data", rows(**OPTION_ROW)),
    "GET /api/tick/l2_thousand_orderbook": Expect(
        "data", rows(price=NUM, time=NUM, bidPrice=list, askPrice=list)
    ),
    "GET /api/tick/l2_thousand_trade": Expect("data", rows(price=NUM, volume=NUM, amount=NUM, time=NUM)),
    "POST /api/download/batch": Expect("result", DOWNLOAD_RESULT),
    "POST /api/download/financial": _download("download_financial_data2"),
    "POST /api/download/financial2": _download("download_financial_data2"),
    "POST /api/download/holiday": _download("download_holiday_data"),
    "POST /api/download/option_data": _download("download_history_contracts"),
    "GET /api/calendar/trading_dates_count": Expect("count", equals(14)),
    "GET /api/calendar/trading_time": Expect("trading_time", TRADING_PERIOD),
    "GET /api/market/fullspeed_orderbook": Expect("data", l2_book),
    "GET /api/market/transactioncount": Expect("data", transaction_count),
    "GET /api/cb/detail": Expect("data", CB_TERMS),
    "GET /api/cb/bond_info": Expect("data", CB_TERMS),
    "GET /api/cb/conversion_price": Expect("data", bond_table("bond_conv_price_info", "conversion_price")),
    "GET /api/meta/quote_server_status": Expect("data", None, shape=record(data=dict)),
    "GET /api/utility/stock_name": Expect("name", equals("贵州茅台")),
    "GET /api/utility/batch_stock_name": Expect("data", equals({A: "贵州茅台", "000001.SZ": "平安银行"})),
    "GET /api/utility/code_to_market": Expect(None, record(market=re.compile("SH"), type=dict)),
    "GET /api/utility/search": Expect("stocks", equals([A])),
    "POST /api/download/ipo_data": _download(None),
}


def _check(condition: Any, what: str) -> None:
    assert condition, what


# ------------------------------------------------------------------------------------ the servers under test

KEY = "no-stubs-key-0001"
#: 000001.SZ mid-session on 2025-11-20 trades at 11.20; its limit down is 10.20, where a buy rests (from the
#: simulator: ``get_instrument_detail("000001.SZ")["DownStopPrice"]`` at conftest's MID_SESSION, seed 7).
LIMIT_DOWN = 10.20


@pytest.fixture(scope="module")
def data_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app on its own frozen simulator (conftest's AFTER_CLOSE and SEED), in a temporary data directory."""
    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.sim.clock import fixed_clock

    data_dir = tmp_path_factory.mktemp("no-stubs")
    config = Settings(
        _env_file=None,
        backend="sim",
        sim_seed=SEED,
        data_dir=str(data_dir),
        api_key=None,
        require_auth_for_data=False,
        trading_enabled=False,
        quote_markets="BJ",  # see conftest.test_settings
    )
    backend = SimBackend(seed=SEED, clock=fixed_clock(AFTER_CLOSE), data_dir=data_dir)
    with TestClient(create_app(config, backend=backend), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def trading_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """``helpers.trading_app`` (frozen mid-session, paper broker) in a temporary data directory, with a credit
    account beside the default stock account (for ``/api/credit/*``)."""
    accounts = "SIM000001,SIM800001:CREDIT"
    app = trading_app(tmp_path_factory.mktemp("no-stubs-trading"), KEY, trading_account_id=accounts)
    with TestClient(app, headers={"X-API-Key": KEY}, raise_server_exceptions=False) as client:
        yield client


def _ok(response: Any) -> Any:
    assert response.status_code == 200, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


@contextmanager
def _orders(client: TestClient) -> Iterator[dict[str, Any]]:
    """A filled and a resting buy of 000001.SZ; the kill switch is released afterwards."""
    order = {"stock_code": "000001.SZ", "order_type": 23, "order_volume": 100}
    filled = _ok(client.post("/api/trading/order", json=order))["order_id"]
    resting = _ok(client.post("/api/trading/order", json={**order, "price_type": 11, "price": LIMIT_DOWN}))
    assert resting["status"] == "open", resting

    def state(order_id: int) -> str:
        detail = _ok(client.get("/api/trading/order_detail", params={"order_id": order_id}))
        return str(detail["data"]["normalized"]["state"])

    wait_until(lambda: state(filled) == "filled", "the market order filled")
    fills = _ok(client.get("/api/trading/trades"))["data"]
    traded = next(t["traded_id"] for t in fills if t["order_id"] == filled)
    try:
        yield {FILLED: filled, RESTING: resting["order_id"], TRADED: traded}
    finally:
        _ok(client.post("/api/trading/kill_switch", json={"engaged": False}))


@contextmanager
def _algo_task(client: TestClient) -> Iterator[dict[str, Any]]:
    """A running TWAP task (its own client_task_id each time); cancelled afterwards if it still runs."""
    body = {**_ALGO, "client_task_id": f"no-stubs-{next(_ALGO_IDS)}"}
    task_id = _ok(client.post("/api/trading/smart_algo/order", json=body))["data"]["task_id"]
    try:
        yield {ALGO_TASK: task_id}
    finally:
        client.post("/api/trading/smart_algo/cancel", json={"task_id": task_id})


_ALGO_IDS = itertools.count(1)


@contextmanager
def _jobs(client: TestClient) -> Iterator[dict[str, Any]]:
    """A finished download job, a running one (300 codes) and a cancelled one."""
    body = {"stocks": [A, "000001.SZ"], "period": "1d", "start_time": "20251101"}
    done = _ok(client.post("/api/download/history_data2", params={"wait": "true"}, json=body))["job"]
    many = _ok(client.get("/api/sector/stocks", params={"sector": "沪深A股"}))["stocks"][:300]
    running = client.post("/api/download/history_data2", json={"stocks": many, "period": "1d"}).json()
    cancelled = client.post("/api/download/history_data2", json={"stocks": many[:150], "period": "1d"}).json()
    _ok(client.post(f"/api/download/jobs/{cancelled['job_id']}/cancel"))
    try:
        yield {JOB_DONE: done["job_id"], JOB_RUNNING: running["job_id"], JOB_CANCELLED: cancelled["job_id"]}
    finally:
        client.post(f"/api/download/jobs/{running['job_id']}/cancel")


@contextmanager
def _subscribed(client: TestClient) -> Iterator[dict[str, Any]]:
    """A /ws/realtime subscription to 600519.SH's 1m bars, held while the endpoint is asked."""
    with client.websocket_connect("/ws/realtime") as ws:
        ws.send_json({"stocks": [A], "period": "1m"})
        while True:
            message = ws.receive_json()
            assert message["type"] != "error", message
            if message["type"] == "status" and message["status"] == "subscribed":
                break
        yield {}


def _sector(client: TestClient, name: str, *stocks: str) -> None:
    """A user sector under 我的, with these members."""
    _ok(client.post("/api/sector/create", json={"sector_name": name, "parent_node": ""}))
    if stocks:
        _ok(client.post("/api/sector/add_stocks", json={"sector_name": name, "stocks": list(stocks)}))


#: What an endpoint needs to exist before its canonical call (a user sector to change, a folder to remove).
def _buy_at_ask(client: TestClient, code: str, volume: int) -> None:
    ask = _ok(client.get("/api/market/full_tick", params={"stocks": code}))["data"][code]["askPrice"][0]
    order = {"stock_code": code, "order_type": 23, "order_volume": volume, "price_type": 11, "price": ask}
    order_id = _ok(client.post("/api/trading/order", json=order))["order_id"]
    wait_until(
        lambda: _ok(client.get(f"/api/trading/order/{order_id}"))["data"]["normalized"]["state"] == "filled",
        "the buy filled",
    )


BEFORE: dict[str, Callable[[TestClient], None]] = {
    "GET /api/trading/new_purchase_limit": lambda c: _buy_at_ask(c, A, 200),  # ~370,000 CNY: an SH quota
    "GET /api/fund/history": lambda c: _transfer(c),
    "GET /api/trading/ipo_today": lambda c: _buy_at_ask(c, "000001.SZ", 10000),  # an SZ quota
    "POST /api/trading/ipo_subscribe": lambda c: _buy_at_ask(c, "000001.SZ", 10000),
    "GET /api/fund/transfer_records": lambda c: _transfer(c),
    "GET /api/bank/transfer_records": lambda c: _transfer(c),
    "GET /api/bank/status": lambda c: _transfer(c),
    "GET /api/credit/position": lambda c: _credit_buy(c),
    "GET /api/credit/positions": lambda c: _credit_buy(c),
    "GET /api/credit/debt": lambda c: _credit_buy(c),
    "POST /api/sector/add_stocks": lambda c: _sector(c, "无桩-加"),
    "POST /api/sector/remove_stocks": lambda c: _sector(c, "无桩-减", A, "000001.SZ"),
    "POST /api/sector/reset": lambda c: _sector(c, "无桩-重置", A),
    "DELETE /api/sector/remove": lambda c: _sector(c, "无桩-删"),
    "DELETE /api/sector/remove_folder": lambda c: _ok(
        c.post("/api/sector/create_folder", json={"folder_name": "无桩-删目录", "parent_node": ""})
    ),
}


def _credit_buy(client: TestClient) -> None:
    """A financed buy of the credit account, filled: a position and a compact."""
    code = "600000.SH"
    ask = _ok(client.get("/api/market/full_tick", params={"stocks": code}))["data"][code]["askPrice"][0]
    order = {
        "stock_code": code,
        "credit_type": "fin_buy",
        "order_volume": 100,
        "price_type": 11,
        "price": ask,
    }
    order_id = _ok(client.post("/api/credit/order", json=order))["order_id"]
    wait_until(
        lambda: (
            _ok(client.get(f"/api/trading/order/{order_id}", params={"account_id": "SIM800001"}))["data"][
                "normalized"
            ]["state"]
            == "filled"
        ),
        "the financed buy filled",
    )


def _transfer(client: TestClient) -> None:
    """A bank transfer in, so that the transfer records have one."""
    _ok(client.post("/api/bank/transfer", json={"direction": "in", "amount": 1}))


#: The downloads that run as jobs: asked with ``wait=true``.
JOB_DOWNLOADS = {
    "POST /api/download/history_data2",
    "POST /api/download/batch",
    "POST /api/download/financial_data",
    "POST /api/download/financial",
    "POST /api/download/financial2",
    "POST /api/download/sector_data",
    "POST /api/download/index_weight",
    "POST /api/download/etf_info",
    "POST /api/download/cb_data",
    "POST /api/download/history_contracts",
    "POST /api/download/holiday_data",
    "POST /api/download/his_st_data",
    "POST /api/download/holiday",
    "POST /api/download/option_data",
}
#: Endpoints that report subscriptions: asked while one is held.
WHILE_SUBSCRIBED = {"GET /api/meta/realtime", "GET /api/meta/sub_info"}


def _substitute(args: Any, ids: dict[str, Any]) -> Any:
    if isinstance(args, dict):
        return {k: _substitute(v, ids) for k, v in args.items()}
    if isinstance(args, list):
        return [_substitute(v, ids) for v in args]
    return ids.get(args, args) if isinstance(args, str) else args


def call(route: str, request: pytest.FixtureRequest) -> tuple[TestClient, Any]:
    """Make the canonical call of ``route`` on its server; returns the client and the answer's JSON."""
    method, path = route.split(" ", 1)
    trading = path.startswith(("/api/trading/", "/api/fund/", "/api/bank/", "/api/credit/"))
    client: TestClient = request.getfixturevalue("trading_client" if trading else "data_client")
    context: Any = nullcontext({})
    if trading:
        context = _algo_task(client) if path.startswith("/api/trading/smart_algo/") else _orders(client)
    elif path.startswith("/api/download/jobs"):
        context = _jobs(client)
    elif route in WHILE_SUBSCRIBED:
        context = _subscribed(client)
    with context as ids:
        if route in BEFORE:
            BEFORE[route](client)
        args = _substitute(CANONICAL[route], ids)
        for name in re.findall(r"\{(\w+)\}", path):  # path parameters
            path = path.replace("{" + name + "}", str(args.pop(name)))
        if method in ("GET", "DELETE"):
            response = client.request(method, path, params=args)
        else:
            params = {"wait": "true"} if route in JOB_DOWNLOADS else None  # their 200 answer
            response = (
                client.post(path, params=params, json=args)
                if args is not None
                else client.post(path, params=params)
            )
        if route == "POST /api/download/jobs/{job_id}/retry":
            assert response.status_code == 202, response.text  # a job started
            return client, response.json()
        return client, _ok(response)


# ------------------------------------------------------------------------------------------------ the tests


def test_the_document_lists_the_served_endpoints() -> None:
    """The parser finds the tables: the xtdata functions and the bridge-only endpoints at least."""
    assert len(LISTED) > 100
    assert "get_market_data" in LISTED["GET /api/market/market_data"]
    assert "GET /api/trading/order_detail" in LISTED and "GET /api/meta/health" in LISTED


def test_every_listed_endpoint_has_a_canonical_call_and_nothing_else_does() -> None:
    listed = set(LISTED)
    assert sorted(listed - set(CANONICAL)) == [], "listed as served, with no canonical call here"
    assert sorted(set(CANONICAL) - listed) == [], "canonical calls of endpoints the document does not list"
    assert set(EXPECT) == set(CANONICAL)
    unchecked = [
        route for route, expect in EXPECT.items() if (expect.check is None) != (route in LEGITIMATELY_EMPTY)
    ]
    assert unchecked == [], "a check of the payload for each endpoint, except the legitimately empty"
    assert set(LEGITIMATELY_EMPTY) <= listed and set(STUBS) <= listed
    assert not set(LEGITIMATELY_EMPTY) & set(STUBS)
    assert all(reason.strip() for reason in [*LEGITIMATELY_EMPTY.values(), *STUBS.values()])


def _params() -> list[Any]:
    params = []
    for route in sorted(LISTED):
        stub = pytest.mark.xfail(strict=True, raises=AssertionError, reason=STUBS.get(route, ""))
        marks = [stub] if route in STUBS else []
        params.append(pytest.param(route, marks=marks, id=route))
    return params


@pytest.mark.parametrize("route", _params())
def test_the_canonical_call_answers(route: str, request: pytest.FixtureRequest) -> None:
    """200, and a non-empty payload of the expected kinds; or, for the legitimately empty, an empty one."""
    assert route in CANONICAL, (
        f"{route} ({', '.join(LISTED[route])}) is listed as served: add a canonical call"
    )
    expect = EXPECT[route]
    client, body = call(route, request)
    payload = body if expect.key is None else body[expect.key]
    if expect.shape is not None:
        expect.shape(body)
    if route in LEGITIMATELY_EMPTY:
        assert payload in (None, [], {}), f"{route} now answers {payload!r:.300}: not LEGITIMATELY_EMPTY"
        return
    assert_substantive(payload)
    assert expect.check is not None, f"{route}: no check of the payload"
    expect.check(payload)
    if expect.effect is not None:
        expect.effect(client)
