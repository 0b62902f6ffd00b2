"""The 200 answers declared for ``/api/credit/*`` (``server/answers/credit.py``) describe what the endpoints
really answer, as test_answer_schemas_trading.py checks the trading ones: on ``helpers.trading_app`` with a
credit account (the simulator frozen mid-session), every credit route declares a model, has samples below,
and answers each with a body its model validates (extra keys forbidden); its document entry refers to the
model and shows an example that validates too. The samples run in order: an empty credit account, then a
financed buy and a short sale, the queries again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from helpers import assert_documented_answer, trading_app, wait_until
from qmt_bridge.server.answers import answer_model

KEY = "answer-schemas-credit-key-0123456789"
AUTH = {"X-API-Key": KEY}
CODE = "600000.SH"
C = "/api/credit"


def get(path: str, **params: Any) -> Callable[[TestClient], Any]:
    return lambda client: client.get(path, params=params)


def credit_order(credit_type: str, side: str) -> Callable[[TestClient], Any]:
    """A marketable order of the credit account, answered once the counter has filled it."""

    def place(client: TestClient) -> Any:
        tick = client.get("/api/market/full_tick", params={"stocks": CODE}).json()["data"][CODE]
        price = tick["askPrice" if side == "buy" else "bidPrice"][0]
        body = {
            "stock_code": CODE,
            "credit_type": credit_type,
            "order_volume": 200,
            "price_type": 11,
            "price": price,
        }
        response = client.post(f"{C}/order", json=body)
        order_id = response.json()["order_id"]
        done = lambda: client.get(f"/api/trading/order/{order_id}").json()["data"]["normalized"]["is_filled"]  # noqa: E731
        wait_until(done, f"the {credit_type} order filled")
        return response

    return place


#: (label, route, request, check of the body or None), run in this order.
STEPS: list[tuple[str, str, Callable[[TestClient], Any], Callable[[Any], bool] | None]] = [
    ("empty debt", f"{C}/debt", get(f"{C}/debt"), lambda b: b["data"] == []),
    ("empty position", f"{C}/position", get(f"{C}/position"), lambda b: b["data"] == []),
    ("fin_buy", f"{C}/order", credit_order("fin_buy", "buy"), lambda b: b["order_id"] > 0),
    ("slo_sell", f"{C}/order", credit_order("slo_sell", "sell"), lambda b: b["order_id"] > 0),
    ("quota", f"{C}/quota", get(f"{C}/quota"), lambda b: b["data"]["fin"]["used_quota"] > 0),
    ("asset", f"{C}/asset", get(f"{C}/asset"), lambda b: b["data"]["m_dFinDebt"] > 0),
    ("debt", f"{C}/debt", get(f"{C}/debt"), lambda b: {c["compact_type"] for c in b["data"]} == {48, 49}),
    ("position", f"{C}/position", get(f"{C}/position"), lambda b: len(b["data"]) == 1),
    ("positions", f"{C}/positions", get(f"{C}/positions"), lambda b: len(b["data"]) == 1),
    (
        "available_amount",
        f"{C}/available_amount",
        get(f"{C}/available_amount", stock_code=CODE),
        lambda b: b["data"]["subject"] is not None,
    ),
    (
        "available_amount of a non-subject",
        f"{C}/available_amount",
        get(f"{C}/available_amount", stock_code="000001.SH"),
        lambda b: b["data"]["subject"] is None,
    ),
    ("slo_stocks", f"{C}/slo_stocks", get(f"{C}/slo_stocks"), lambda b: len(b["data"]) > 100),
    ("fin_stocks", f"{C}/fin_stocks", get(f"{C}/fin_stocks"), lambda b: len(b["data"]) > 100),
    ("subjects", f"{C}/subjects", get(f"{C}/subjects"), lambda b: len(b["data"]) > 100),
    ("assure", f"{C}/assure", get(f"{C}/assure"), lambda b: len(b["data"]) > 100),
]
LABELS = [label for label, *_ in STEPS]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = trading_app(tmp_path_factory.mktemp("answers-credit"), KEY, trading_account_id="SIM800001:CREDIT")
    with TestClient(app, headers=AUTH) as client:
        yield client


@pytest.fixture(scope="module")
def bodies(client: TestClient) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label, _, request, _ in STEPS:
        response = request(client)
        out[label] = response.json() if response.status_code == 200 else response
    return out


def credit_routes(client: TestClient) -> dict[str, tuple[str, Any]]:
    return {
        route.path_format: (sorted(route.methods)[0], answer_model(route.endpoint))
        for route in client.app.routes
        if isinstance(route, APIRoute) and route.include_in_schema and route.path_format.startswith(f"{C}/")
    }


def test_every_credit_route_declares_its_answer_and_has_samples(client: TestClient) -> None:
    routes = credit_routes(client)
    assert len(routes) == 11
    assert [path for path, (_, model) in routes.items() if model is None] == []
    assert set(routes) == {path for _, path, *_ in STEPS}


@pytest.mark.parametrize("label", LABELS)
def test_the_answer_validates_against_its_declared_model(
    client: TestClient, bodies: dict[str, Any], label: str
) -> None:
    [(path, check)] = [(path, check) for name, path, _, check in STEPS if name == label]
    body = bodies[label]
    assert not hasattr(body, "status_code"), f"{label}: {body.status_code} {body.text}"
    credit_routes(client)[path][1].model_validate(body)
    if check is not None:
        assert check(body), (label, body)


def test_the_document_refers_to_each_model_with_a_valid_example(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path, (method, model) in credit_routes(client).items():
        ok_response = document["paths"][path][method.lower()]["responses"]["200"]
        assert ok_response["description"] == model.__doc__.strip().splitlines()[0], path
        assert_documented_answer(document, path, method, model)
