"""``format=arrow`` on the bulk K-line endpoints: an Apache Arrow IPC stream holding the JSON answer's rows,
light or streamed by chunks; negotiated by ``Accept``; 501 without pyarrow on the server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from helpers import sim_clients_by_heavy_rows
from qmt_bridge.server.services import arrow_format, bulk

CODES = ["600519.SH", "000001.SZ", "000002.SZ"]
QUERIES = [
    "/api/market/market_data_ex?period=1d&count=5",
    "/api/market/market_data_ex?period=tick&count=5",  # the book levels: a list per row
    "/api/market/market_data_ex?period=1m&count=5&fields=close,volume",
    "/api/market/market_data?period=1d&count=5",
    "/api/market/local_data?period=5m&count=5",
]
ARROW = "application/vnd.apache.arrow.stream"


@pytest.fixture(scope="module")
def clients() -> Iterator[Callable[[int], TestClient]]:
    with sim_clients_by_heavy_rows() as client:
        yield client


def table_of(response: Any) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ARROW
    return pa.ipc.open_stream(response.content).read_all()


def as_columns(table: Any, code: str) -> dict[str, list[Any]]:
    """One code's rows of the table as the JSON columns format has them (NaN as null)."""
    rows = table.filter(pa.compute.equal(table["code"], code)).drop_columns(["code"]).to_pydict()
    return {name: [None if v != v else v for v in values] for name, values in rows.items()}


@pytest.mark.parametrize("heavy_rows", [10**9, 1], ids=["light", "streamed"])
@pytest.mark.parametrize("query", QUERIES)
def test_the_arrow_table_holds_the_json_answers_rows(
    clients: Callable[[int], TestClient], monkeypatch: pytest.MonkeyPatch, heavy_rows: int, query: str
) -> None:
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 5)  # one code a chunk when streamed: a record batch each
    client = clients(heavy_rows)
    url = f"{query}&stocks={','.join(CODES)}"
    table = table_of(client.get(url + "&format=arrow"))
    answer = client.get(url + "&format=columns").json()
    meta = json.loads(table.schema.metadata[b"qmt_bridge"])
    assert meta["codes"] == CODES and meta["download"] == answer["download"]
    assert meta["head"] == {"period": answer["period"], "dividend_type": answer["dividend_type"]}
    assert table.column_names[0] == "code"
    assert table["code"].to_pylist() == [code for code in CODES for _ in answer["data"][code]["time"]]
    for code in CODES:
        assert as_columns(table, code) == answer["data"][code]


def test_accept_asks_for_arrow_unless_a_format_is_given(clients: Callable[[int], TestClient]) -> None:
    client = clients(10**9)
    url = "/api/market/market_data_ex?stocks=600519.SH&count=2"
    accept = {"Accept": f"{ARROW}, application/json;q=0.5"}
    assert client.get(url, headers=accept).headers["content-type"] == ARROW
    assert client.get(url + "&format=columns", headers=accept).headers["content-type"] == "application/json"
    assert client.get(url).headers["content-type"] == "application/json"


def test_an_answer_without_rows_is_a_table_with_the_fields_and_no_row(
    clients: Callable[[int], TestClient],
) -> None:
    url = "/api/market/market_data_ex?stocks=600519.SH&start_time=19900101&end_time=19900110&format=arrow"
    table = table_of(clients(10**9).get(url))
    assert table.num_rows == 0
    assert table.column_names[:3] == ["code", "time", "open"]
    assert json.loads(table.schema.metadata[b"qmt_bridge"])["codes"] == ["600519.SH"]


def test_without_pyarrow_format_arrow_is_501_and_accept_falls_back_to_json(
    clients: Callable[[int], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrow_format, "pa", None)
    client = clients(10**9)
    url = "/api/market/market_data_ex?stocks=600519.SH&count=2"
    refused = client.get(url + "&format=arrow")
    assert refused.status_code == 501 and refused.json()["error"]["code"] == "not_implemented"
    assert "pyarrow" in refused.json()["error"]["message"] and "format=" in refused.json()["error"]["message"]
    answered = client.get(url, headers={"Accept": ARROW})
    assert answered.status_code == 200 and answered.headers["content-type"] == "application/json"


def test_other_tabular_endpoints_do_not_take_arrow(clients: Callable[[int], TestClient]) -> None:
    response = clients(10**9).get("/api/market/divid_factors?stock=600519.SH&format=arrow")
    assert response.status_code == 422 and "format" in response.json()["error"]["message"]
