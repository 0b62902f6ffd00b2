"""The 200 answers declared for ``/api/trading/*`` (``server/answers/trading.py``) describe what the endpoints
really answer, as test_answer_schemas.py checks it for the data endpoints: on ``helpers.trading_app`` (the
simulator frozen mid-session, a paper broker), every trading route declares a model, has samples below, and
answers each sample with a body its model validates (extra keys forbidden); its document entry refers to the
model and shows an example that validates too.

The samples run once, in order, as one account's day: the queries of an empty account, then orders (filled,
resting, rejected by the counter, repeated), the queries again, cancels, the kill switch, a reset."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from helpers import assert_documented_answer, trading_app, wait_until
from qmt_bridge.server.answers import answer_model

KEY = "answer-schemas-trading-key-0123456789"
AUTH = {"X-API-Key": KEY}
CODE = "000001.SZ"
#: 000001.SZ's limit-down price on MID_SESSION's day (seed 7, 2025-11-20 10:00): a buy there rests. From the
#: simulator: ``SimBackend(seed=7, clock=fixed_clock(MID_SESSION)).xtdata.get_instrument_detail("000001.SZ")``
#: ["DownStopPrice"] (last 11.20, limit-up 12.46; it was 8.88 before the stock followed its real history).
LIMIT_DOWN = 10.20
T = "/api/trading"

Ids = dict[str, Any]


def ok(response: Any) -> Any:
    assert response.status_code == 200, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def state(client: TestClient, order_id: int) -> str:
    return str(ok(client.get(f"{T}/order/{order_id}"))["data"]["normalized"]["state"])


def order(client: TestClient, **fields: Any) -> Any:
    return client.post(
        f"{T}/order", json={"stock_code": CODE, "order_type": 23, "order_volume": 100, **fields}
    )


def resting(client: TestClient) -> int:
    """A buy at the limit-down price: it rests."""
    answer = ok(order(client, price_type=11, price=LIMIT_DOWN))
    assert answer["status"] == "open", answer
    return int(answer["order_id"])


def filled(client: TestClient, ids: Ids) -> Any:
    response = order(client, client_order_id="schema-filled")
    ids["filled"] = ok(response)["order_id"]
    wait_until(lambda: state(client, ids["filled"]) == "filled", "the market buy filled")
    return response


def buy_for_a_quota(client: TestClient, code: str = "600519.SH", volume: int = 200) -> None:
    """``volume`` of ``code`` at the ask (200 600519.SH: about 254,000 CNY held on SH at
    its ask of about 1,270, a purchase quota)."""
    tick = ok(client.get("/api/market/full_tick", params={"stocks": code}))["data"][code]
    answer = ok(order(client, stock_code=code, order_volume=volume, price_type=11, price=tick["askPrice"][0]))
    wait_until(lambda: state(client, answer["order_id"]) == "filled", f"the {code} buy filled")


def engage(client: TestClient, ids: Ids) -> Any:
    resting(client)
    return client.post(f"{T}/kill_switch", json={"engaged": True, "reason": "schema test"})


def traded_id(client: TestClient, ids: Ids) -> str:
    fills = ok(client.get(f"{T}/trades"))["data"]
    return str(next(f["traded_id"] for f in fills if f["order_id"] == ids["filled"]))


Step = tuple[str, str, Callable[[TestClient, Ids], Any], Callable[[Any], bool] | None]


def get(path: str, **params: Any) -> Callable[[TestClient, Ids], Any]:
    return lambda client, ids: client.get(path.format(**ids), params=params)


def post(path: str, body: Any = None) -> Callable[[TestClient, Ids], Any]:
    def send(client: TestClient, ids: Ids) -> Any:
        payload = body(ids) if callable(body) else body
        return client.post(path, json=payload) if payload is not None else client.post(path)

    return send


def algo_task(client: TestClient, ids: Ids) -> Any:
    body = {"stock_code": CODE, "order_type": 23, "order_volume": 100, "price_type": 12, "algo_name": "VWAP",
            "start_time": "10:00:00", "end_time": "11:30:00", "client_task_id": "schema-vwap"}  # fmt: skip
    response = client.post(f"{T}/smart_algo/order", json=body)
    ids["task"] = ok(response)["data"]["task_id"]
    return response


#: ``(label, the declared route, the request, a check that the sample shows the shape it is there for)``, run
#: in this order on one server.
STEPS: list[Step] = [
    ("status", f"{T}/status", get(f"{T}/status"), None),
    ("accounts", f"{T}/accounts", get(f"{T}/accounts"), lambda b: b["data"][0]["index"] == 0),
    ("account_infos", f"{T}/account_infos", get(f"{T}/account_infos"), None),
    ("account_info", f"{T}/account_info", get(f"{T}/account_info"), None),
    ("account_status", f"{T}/account_status", get(f"{T}/account_status"), lambda b: b["data"]["connected"]),
    ("empty orders", f"{T}/orders", get(f"{T}/orders"), lambda b: b["data"] == []),
    ("empty trades", f"{T}/trades", get(f"{T}/trades"), lambda b: b["data"] == []),
    ("empty positions", f"{T}/positions", get(f"{T}/positions"), lambda b: b["data"] == []),
    ("no position", f"{T}/position/{{stock_code}}", get(f"{T}/position/{CODE}"), lambda b: b["data"] is None),
    ("empty com_position", f"{T}/com_position", get(f"{T}/com_position"), lambda b: b["data"] == []),
    ("position_statistics", f"{T}/position_statistics", get(f"{T}/position_statistics"), None),
    ("no purchase quota", f"{T}/new_purchase_limit", get(f"{T}/new_purchase_limit"), None),
    ("ipo_data", f"{T}/ipo_data", get(f"{T}/ipo_data"), lambda b: bool(b["data"])),
    ("cash only", f"{T}/asset", get(f"{T}/asset"), None),
    ("com_fund", f"{T}/com_fund", get(f"{T}/com_fund"), None),
    ("order filled", f"{T}/order", filled, lambda b: b["status"] in ("submitted", "open", "filled")),
    (
        "order repeated",
        f"{T}/order",
        lambda c, ids: order(c, client_order_id="schema-filled"),
        lambda b: b["duplicate"] is True and b["status"] == "filled",
    ),
    (
        "order resting",
        f"{T}/order",
        lambda c, ids: order(c, price_type=11, price=LIMIT_DOWN),
        lambda b: b["status"] == "open",
    ),
    (
        # The counter refuses it (可用股份不足): 200, rejected.
        "order rejected",
        f"{T}/order",
        lambda c, ids: order(c, stock_code="600000.SH", order_type=24, order_volume=100_000),
        lambda b: b["status"] == "rejected" and b["order"]["normalized"]["error_reason"],
    ),
    (
        "batch_order",
        f"{T}/batch_order",
        post(
            f"{T}/batch_order",
            [
                {
                    "stock_code": CODE,
                    "order_type": 23,
                    "order_volume": 100,
                    "price_type": 11,
                    "price": LIMIT_DOWN,
                },
                {"stock_code": "600000.SH", "order_type": 24, "order_volume": 100_000},
                {
                    "stock_code": CODE,
                    "order_type": 23,
                    "order_volume": 100,
                    "client_order_id": "schema-filled",
                },
            ],
        ),
        # Each as /order answers it: submitted (order null) when the counter has not reported it yet.
        lambda b: [r["http_status"] for r in b["data"]] == [200, 200, 200] and b["data"][2]["duplicate"],
    ),
    ("orders", f"{T}/orders", get(f"{T}/orders"), lambda b: len(b["data"]) == 5),
    (
        "cancelable orders",
        f"{T}/orders",
        get(f"{T}/orders", cancelable_only=True),
        lambda b: len(b["data"]) == 2,
    ),
    (
        "order_detail filled",
        f"{T}/order_detail",
        lambda c, ids: c.get(f"{T}/order_detail", params={"order_id": ids["filled"]}),
        None,
    ),
    ("order filled by id", f"{T}/order/{{order_id}}", get(f"{T}/order/{{filled}}"), None),
    (
        "order rejected by id",
        f"{T}/order/{{order_id}}",
        lambda c, ids: c.get(f"{T}/order/{ok(c.get(f'{T}/orders'))['data'][2]['order_id']}"),
        lambda b: b["data"]["normalized"]["state"] == "rejected",
    ),
    ("trades", f"{T}/trades", get(f"{T}/trades"), lambda b: len(b["data"]) == 1),
    ("trade", f"{T}/trade/{{trade_id}}", lambda c, ids: c.get(f"{T}/trade/{traded_id(c, ids)}"), None),
    ("positions", f"{T}/positions", get(f"{T}/positions"), lambda b: len(b["data"]) == 1),
    (
        "position",
        f"{T}/position/{{stock_code}}",
        get(f"{T}/position/{CODE}"),
        lambda b: b["data"] is not None,
    ),
    ("asset with a position", f"{T}/asset", get(f"{T}/asset"), lambda b: b["data"]["market_value"] > 0),
    ("com_position", f"{T}/com_position", get(f"{T}/com_position"), lambda b: len(b["data"]) == 1),
    (
        "ipo_today",
        f"{T}/ipo_today",
        lambda c, ids: (buy_for_a_quota(c, "000001.SZ", 10000), c.get(f"{T}/ipo_today"))[1],
        lambda b: b["issues"] and b["issues"][0]["volume"] > 0,
    ),
    (
        "ipo_subscribe",
        f"{T}/ipo_subscribe",
        post(f"{T}/ipo_subscribe", {}),
        lambda b: b["results"][0]["http_status"] == 200,
    ),
    (
        "ipo_subscribe again",
        f"{T}/ipo_subscribe",
        post(f"{T}/ipo_subscribe", {"codes": ["301822.SZ", "600000.SH"]}),
        lambda b: [r["http_status"] for r in b["results"]] == [200, 404],
    ),
    (
        "a purchase quota",
        f"{T}/new_purchase_limit",
        lambda c, ids: (buy_for_a_quota(c), c.get(f"{T}/new_purchase_limit"))[1],
        lambda b: b["data"]["SH"] > 0,
    ),
    (
        "order_async",
        f"{T}/order_async",
        post(f"{T}/order_async", {"stock_code": CODE, "order_type": 23, "order_volume": 100}),
        None,
    ),
    ("cancel", f"{T}/cancel", lambda c, ids: c.post(f"{T}/cancel", json={"order_id": resting(c)}), None),
    (
        "cancel_async",
        f"{T}/cancel_async",
        lambda c, ids: c.post(f"{T}/cancel_async", json={"order_id": resting(c)}),
        None,
    ),
    (
        "batch_cancel",
        f"{T}/batch_cancel",
        lambda c, ids: c.post(
            f"{T}/batch_cancel",
            json=[{"order_id": resting(c)}, {"order_id": 999_999}, {"order_id": ids["filled"]}],
        ),
        lambda b: [r["http_status"] for r in b["data"]] == [200, 404, 409],
    ),
    (
        "cancel_all",
        f"{T}/cancel_all",
        lambda c, ids: (resting(c), c.post(f"{T}/cancel_all", json={}))[1],
        None,
    ),
    ("cancel_all, none left", f"{T}/cancel_all", post(f"{T}/cancel_all"), lambda b: b["data"] == []),
    ("kill_switch engaged", f"{T}/kill_switch", engage, lambda b: b["engaged"] and b["cancelled"]),
    ("status, kill switch engaged", f"{T}/status", get(f"{T}/status"), lambda b: b["limits"]["kill_switch"]),
    (
        "kill_switch released",
        f"{T}/kill_switch",
        post(f"{T}/kill_switch", {"engaged": False}),
        lambda b: b == {"engaged": False},
    ),
    ("sim/reset", f"{T}/sim/reset", post(f"{T}/sim/reset", {}), None),
    (
        "sim/reset with cash",
        f"{T}/sim/reset",
        post(f"{T}/sim/reset", {"cash": 5000}),
        lambda b: b["cash"] == 5000,
    ),
    # transfers (routers/transfers.py), on the 5,000 CNY account
    ("banks", "/api/bank/banks", get("/api/bank/banks"), lambda b: len(b["data"]) == 1),
    ("bank balance", "/api/bank/balance", get("/api/bank/balance"), lambda b: b["data"]["balance"] > 0),
    (
        "no bank balance",
        "/api/bank/balance",
        get("/api/bank/balance", bank_no="9"),
        lambda b: b["data"] is None,
    ),
    (
        "bank transfer",
        "/api/bank/transfer",
        post("/api/bank/transfer", {"direction": "in", "amount": 100}),
        lambda b: b["data"]["state"] == "done",
    ),
    ("bank transfer_in", "/api/bank/transfer_in", post("/api/bank/transfer_in", {"amount": 10}), None),
    ("bank transfer_out", "/api/bank/transfer_out", post("/api/bank/transfer_out", {"amount": 5}), None),
    (
        "fund transfer",
        "/api/fund/transfer",
        post("/api/fund/transfer", {"transfer_direction": 511, "amount": 1}),
        lambda b: b["data"]["kind"] == "fund",
    ),
    ("fund history", "/api/fund/history", get("/api/fund/history"), lambda b: len(b["data"]) == 4),
    ("fund transfer_records", "/api/fund/transfer_records", get("/api/fund/transfer_records"), None),
    ("fund available", "/api/fund/available", get("/api/fund/available"), None),
    (
        "bank stream",
        "/api/bank/transfer_records",
        get("/api/bank/transfer_records"),
        lambda b: [line["transfer_direction"] for line in b["data"]] == ["1", "1", "2"],
    ),
    ("bank available", "/api/bank/available_amount", get("/api/bank/available_amount"), None),
    ("bank status", "/api/bank/status", get("/api/bank/status", transfer_id=1), None),
    # smart algorithms (routers/smart_algo.py): a VWAP task over the rest of the morning, then cancelled
    (
        "smart_algo params",
        f"{T}/smart_algo/params",
        get(f"{T}/smart_algo/params"),
        lambda b: set(b["data"]) == {"TWAP", "VWAP"},
    ),
    ("smart_algo order", f"{T}/smart_algo/order", algo_task, lambda b: b["data"]["state"] == "accepted"),
    (
        "smart_algo tasks",
        f"{T}/smart_algo/tasks",
        get(f"{T}/smart_algo/tasks"),
        lambda b: b["data"][0]["status"] == "running",
    ),
    (
        "smart_algo cancel",
        f"{T}/smart_algo/cancel",
        post(f"{T}/smart_algo/cancel", lambda ids: {"task_id": ids["task"]}),
        lambda b: b["data"]["success"] is True,
    ),
    (
        "smart_algo requests",
        f"{T}/smart_algo/requests",
        get(f"{T}/smart_algo/requests"),
        lambda b: len(b["data"]) == 1,
    ),
]
LABELS = [label for label, *_ in STEPS]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with TestClient(trading_app(tmp_path_factory.mktemp("answers-trading"), KEY), headers=AUTH) as client:
        yield client


@pytest.fixture(scope="module")
def bodies(client: TestClient) -> dict[str, Any]:
    """Each step's answer (its JSON, or the response when it is not 200), by label, the steps run in order."""
    ids: Ids = {}
    out: dict[str, Any] = {}
    for label, _, request, _ in STEPS:
        response = request(client, ids)
        out[label] = response.json() if response.status_code == 200 else response
    return out


def trading_routes(client: TestClient) -> dict[str, tuple[str, Any]]:
    """``{path: (method, model or None)}`` of every documented ``/api/trading/*``, ``/api/fund/*`` and
    ``/api/bank/*`` route (not the planned ones: 501, left out of the document)."""
    return {
        route.path_format: (sorted(route.methods)[0], answer_model(route.endpoint))
        for route in client.app.routes
        if isinstance(route, APIRoute)
        and route.include_in_schema
        and route.path_format.startswith((f"{T}/", "/api/fund/", "/api/bank/"))
    }


def test_every_trading_route_declares_its_answer_and_has_samples(client: TestClient) -> None:
    routes = trading_routes(client)
    assert len(routes) == 29 + 12 + 5
    assert sorted(path for path, (_, model) in routes.items() if model is None) == []
    assert set(routes) == {path for _, path, *_ in STEPS}
    assert len(LABELS) == len(set(LABELS))


@pytest.mark.parametrize("label", LABELS)
def test_the_answer_validates_against_its_declared_model(
    client: TestClient, bodies: dict[str, Any], label: str
) -> None:
    [(path, check)] = [(path, check) for name, path, _, check in STEPS if name == label]
    body = bodies[label]
    assert not hasattr(body, "status_code"), f"{label}: {body.status_code} {body.text}"
    _, model = trading_routes(client)[path]
    model.model_validate(body)
    if check is not None:
        assert check(body), (label, body)


def test_the_document_refers_to_each_model_with_a_valid_example(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path, (method, model) in trading_routes(client).items():
        ok_response = document["paths"][path][method.lower()]["responses"]["200"]
        assert ok_response["description"] == model.__doc__.strip().splitlines()[0], path
        assert_documented_answer(document, path, method, model)
