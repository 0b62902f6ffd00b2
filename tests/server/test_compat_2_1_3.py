"""qmt-bridge 2.1.3's client, call by call, against this server on the simulator.

``tests/data/qmt_bridge_2_1_3_data_api.json`` holds the facts read from that client's source (its
``client/*.py``, parsed with ``ast``): per method, the HTTP method, the path, the parameter (or JSON body)
names it sends and the response keys it reads. Its market-data, download, sector and utility calls are here;
its trading, credit and transfer calls are not yet (issue 18). Each call is sent as that client sends it
(``key=quote(str(value))`` query strings, JSON bodies) and must answer 200 with every key the client reads,
or 501 naming the reason where the capability is not offered.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import serve_frozen_sim

FACTS = json.loads((Path(__file__).parents[1] / "data" / "qmt_bridge_2_1_3_data_api.json").read_text("utf-8"))

#: Values for each parameter name 2.1.3's client sends (a path's own values below take precedence).
VALUES: dict[str, Any] = {
    "market": "SH",
    "start_time": "20251103",
    "end_time": "20251120",
    "count": 5,
    "date": "20251120",
    "stock": "600519.SH",
    "stocks": "600519.SH,000001.SZ",
    "period": "1d",
    "fields": "open,close",
    "dividend_type": "none",
    "fill_data": True,
    "tables": "Balance",
    "report_type": "report_time",
    "code_market": "IF00.IF",
    "connect_type": "north",
    "iscomplete": False,
    "index_code": "000300.SH",
    "undl_code": "510050.SH",
    "dedate": "202512",
    "opttype": "",
    "isavailable": False,
    "option_code": "10009201.SHO",
    "sector": "沪深300",
    "real_timetag": -1,
    "category": "沪深A股",
    "keyword": "600",
    "limit": 5,
    "start": "",
    "end": "",
    "formula_name": "MA",
    "stock_code": "600519.SH",
    "stock_codes": ["600519.SH"],
    "params": {},
    "weights": [1.0],
    "table_name": "Balance",
}

#: Per path: values that differ from :data:`VALUES`.
OVERRIDES: dict[str, dict[str, Any]] = {
    "/api/cb/info": {"stock": "110046.SH"},
    "/api/cb/detail": {"stock": "110046.SH"},
    "/api/cb/conversion_price": {"stock": "110046.SH"},
    "/api/cb/bond_info": {"stock": "110046.SH"},
    "/api/download/batch": {"stocks": ["600519.SH"]},
    "/api/download/financial": {"stocks": ["600519.SH"], "tables": ["Balance"]},
    "/api/download/financial2": {"stocks": ["600519.SH"], "tables": ["Balance"]},
    "/api/sector/create_folder": {"folder_name": "compat_folder"},
    "/api/sector/create": {"sector_name": "compat_sector", "parent_node": ""},
    "/api/sector/add_stocks": {"sector_name": "compat_sector", "stocks": ["600519.SH"]},
    "/api/sector/remove_stocks": {"sector_name": "compat_sector", "stocks": ["600519.SH"]},
    "/api/sector/reset": {"sector_name": "compat_sector", "stocks": ["000001.SZ"]},
    "/api/sector/remove": {"sector_name": "compat_sector"},
    "/api/financial/data": {"stocks": "600519.SH"},
    "/api/option/history_list": {"dedate": "20251120"},
    **{
        path: {"start_time": "", "end_time": ""}
        for path in (
            "/api/tick/l2_quote",
            "/api/tick/l2_order",
            "/api/tick/l2_transaction",
            "/api/tick/l2_thousand_quote",
            "/api/tick/l2_thousand_orderbook",
            "/api/tick/l2_thousand_trade",
            "/api/market/divid_factors",
            "/api/market/full_kline",
        )
    },
}

#: Capabilities not offered: the path answers 501 and says why.
NOT_OFFERED = {
    "/api/formula/call": "formula",
    "/api/formula/call_batch": "formula",
    "/api/formula/generate_index": "formula",
    "/api/tabular/data": "tabular",
    "/api/tabular/tables": "tabular",
}

#: The order sector writes must come in (each needs the one before).
SECTOR_ORDER = ["create_folder", "create", "add_stocks", "remove_stocks", "reset", "remove"]


def _order(fact: dict[str, Any]) -> tuple[int, str]:
    name = fact["path"].rsplit("/", 1)[1]
    return (
        SECTOR_ORDER.index(name) if fact["path"].startswith("/api/sector/") and name in SECTOR_ORDER else -1,
        "",
    )


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_frozen_sim(tmp_path_factory.mktemp("compat"), name="uvicorn-compat") as url:
        yield url


def _call(base: str, fact: dict[str, Any]) -> tuple[int, Any]:
    """The request as 2.1.3's ``BaseClient`` makes it."""
    values = {**VALUES, **OVERRIDES.get(fact["path"], {})}
    params = {name: values[name] for name in fact["params"]}
    if fact["method"] == "POST":
        request = urllib.request.Request(
            base + fact["path"],
            data=json.dumps(params).encode(),
            headers={"Content-Type": "application/json"},
        )
    else:
        query = "&".join(f"{k}={urllib.request.quote(str(v))}" for k, v in params.items() if v is not None)
        request = urllib.request.Request(
            base + fact["path"] + (f"?{query}" if query else ""), method=fact["method"]
        )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_the_facts_cover_its_data_client() -> None:
    """90 calls of 20 client modules (trading, credit, bank, fund and SMT calls excluded), each path once."""
    assert len(FACTS) == 90
    assert len({(f["method"], f["path"]) for f in FACTS}) == 90
    assert all(set(f["params"]) <= set(VALUES) | {k for o in OVERRIDES.values() for k in o} for f in FACTS)


#: Its downloads that are jobs here (202 at once, docs/downloads.md).
JOBS = {
    "/api/download/batch", "/api/download/financial", "/api/download/financial2", "/api/download/sector_data",
    "/api/download/index_weight", "/api/download/etf_info", "/api/download/cb_data",
    "/api/download/history_contracts", "/api/download/option_data", "/api/download/holiday",
}  # fmt: skip


@pytest.mark.parametrize("fact", sorted(FACTS, key=_order), ids=lambda f: f"{f['method']} {f['path']}")
def test_each_call_of_its_client_is_answered(base: str, fact: dict[str, Any]) -> None:
    status, body = _call(base, fact)
    if fact["path"] in NOT_OFFERED:
        assert status == 501, body
        assert body["error"]["code"] == "not_implemented"
        assert NOT_OFFERED[fact["path"]] in body["error"]["message"]
        return
    if fact["path"] in JOBS:  # it reads nothing of the answer; ours: the download job started
        assert status == 202 and body["job_id"], (fact, body)
        return
    assert status == 200, (fact, body)
    missing = [key for key in fact["reads"] if key not in body]
    assert not missing, f"{fact['client_method']} reads {missing}, not in {sorted(body)}"


def _get(base: str, path: str) -> Any:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return json.loads(response.read())


def _error(base: str, path: str) -> tuple[int, Any]:
    try:
        urllib.request.urlopen(base + path, timeout=30)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    raise AssertionError(f"{path} answered 200")


def test_connect_type_north_and_south(base: str) -> None:
    """2.1.3's ``connect_type``: north lists A shares of both exchanges (沪股通 + 深股通), south HK stocks;
    our ``direction`` still lists one southbound channel, and both at once is a 400."""
    north = _get(base, "/api/hk/connect_stocks?connect_type=north")["stocks"]
    assert {code[-2:] for code in north} == {"SH", "SZ"} and len(north) > 500
    assert "600519.SH" in north
    south = _get(base, "/api/hk/connect_stocks?connect_type=south")["stocks"]
    assert south and all(code.endswith(".HK") for code in south)
    sh_channel = _get(base, "/api/hk/connect_stocks?direction=sh")["stocks"]
    assert set(sh_channel) <= set(south)
    status, body = _error(base, "/api/hk/connect_stocks?direction=sh&connect_type=north")
    assert status == 400 and body["error"]["details"]["param"] == "connect_type"


def test_renamed_keys_hold_the_same_answer(base: str) -> None:
    """Where 2.1.3 reads another key, both keys carry the same value."""
    etfs = _get(base, "/api/etf/list")
    assert etfs["stocks"] == etfs["etfs"] and etfs["count"] > 10
    bonds = _get(base, "/api/cb/list")
    assert bonds["stocks"] == bonds["bonds"] and bonds["count"] > 10
    chain = _get(base, "/api/option/chain?undl_code=510050.SH")
    assert chain["data"] == chain["options"] and chain["count"] > 10
    main = _get(base, "/api/futures/main_contract?code_market=IF00.IF")
    assert main["data"] == main["contract"] == "IF2512.IF"
    ranged = _get(
        base, "/api/futures/main_contract?code_market=IF00.IF&start_time=20250101&end_time=20251120"
    )
    assert ranged["data"] == ranged["changes"] and ranged["changes"]


def test_a_parameter_and_its_other_name_together_must_agree(base: str) -> None:
    same = _get(base, "/api/cb/info?cb_code=110046.SH&stock=110046.SH")
    assert same["data"]["bondCode"] == "110046.SH"
    status, body = _error(base, "/api/cb/info?cb_code=110046.SH&stock=113050.SH")
    assert status == 400 and "cb_code and stock name the same parameter" in body["error"]["message"]
    status, body = _error(base, "/api/cb/info")
    assert status == 422 and body["error"]["code"] == "validation_error"


def test_search_finds_by_code_and_by_name(base: str) -> None:
    by_code = _get(base, "/api/utility/search?keyword=600519&limit=1")
    assert by_code["stocks"][0] == "600519.SH"
    query = urllib.parse.urlencode({"keyword": "茅台", "category": "上证50"})  # a small sector: quick
    by_name = _get(base, "/api/utility/search?" + query)
    assert "600519.SH" in by_name["stocks"] and by_name["count"] == len(by_name["stocks"])
    names = _get(base, "/api/utility/batch_stock_name?stocks=600519.SH,000001.SZ")["data"]
    assert names == {"600519.SH": "贵州茅台", "000001.SZ": "平安银行"}
    assert _get(base, "/api/utility/code_to_market?stock=000001.SZ")["market"] == "SZ"
