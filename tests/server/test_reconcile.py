"""Unknown orders settled from the counter's order list when the trader (re)connects (trading/reconcile.py).

The crash window is made by hand between two runs of the server on one data directory: an order that the
paper counter holds goes back to ``pending`` in the journal, with no order id, as if the server had died after
the counter took it and before ``order_stock`` answered. At the next start it is ``unknown``; the trader's
connection then settles it when exactly one unclaimed counter order matches it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from helpers import trading_app, wait_until
from qmt_bridge.server.trading.lifecycle import JOURNAL_FILE

KEY = "reconcile-key-0001"
AUTH = {"X-API-Key": KEY}


@contextmanager
def server(data_dir: Path) -> Iterator[TestClient]:
    with TestClient(trading_app(data_dir, KEY), headers=AUTH) as client:
        wait_until(lambda: client.get("/api/trading/status").json()["trader"]["connected"], "the trader")
        yield client


def place(client: TestClient, coid: str, **fields: Any) -> dict[str, Any]:
    tick = client.get("/api/market/full_tick", params={"stocks": "600519.SH"}).json()["data"]["600519.SH"]
    body = {
        "stock_code": "600519.SH",
        "order_type": 23,
        "order_volume": 100,
        "price_type": 11,
        "price": round(tick["lastPrice"] * 0.97, 2),  # passive: it rests on the book
        "client_order_id": coid,
        **fields,
    }
    answer = client.post("/api/trading/order", json=body)
    assert answer.status_code == 200, answer.text
    return body


def cut_off(data_dir: Path, *coids: str) -> None:
    """The journal as a server that died inside ``order_stock`` leaves it: pending, no order id."""
    with sqlite3.connect(data_dir / JOURNAL_FILE) as db:
        for coid in coids:
            db.execute(
                "UPDATE orders SET state = 'pending', order_id = NULL WHERE client_order_id = ?", (coid,)
            )


def again(client: TestClient, body: dict[str, Any]) -> Any:
    return client.post("/api/trading/order", json=body)


def test_an_order_cut_off_is_settled_and_alike_or_absent_ones_stay_unknown(tmp_path: Path) -> None:
    with server(tmp_path) as client:
        alone = place(client, "coid-alone", order_volume=300)
        twin_a = place(client, "coid-twin-a", order_remark="twin")
        twin_b = place(client, "coid-twin-b", order_remark="twin")
        counter_before = client.get("/api/trading/orders").json()["data"]
    cut_off(tmp_path, "coid-alone", "coid-twin-a", "coid-twin-b")
    with sqlite3.connect(tmp_path / JOURNAL_FILE) as db:  # one the counter never got: same as coid-alone
        db.execute(
            "INSERT INTO orders (client_order_id, account_id, fingerprint, request, state, created_at, "
            "trading_day, updated_at) SELECT 'coid-never', account_id, fingerprint, request, 'pending', "
            "created_at, trading_day, updated_at FROM orders WHERE client_order_id = 'coid-alone'"
        )

    with server(tmp_path) as client:

        def settled() -> bool:
            answer = again(client, alone)
            return answer.status_code == 200 and answer.json()["order_id"] is not None

        # coid-alone and coid-never are alike too: neither may be settled ...
        twins_alike = again(client, alone)
        assert twins_alike.status_code == 202 and twins_alike.json()["status"] == "unknown"

    # ... until the one the counter never got is gone from the journal: then coid-alone matches alone.
    with sqlite3.connect(tmp_path / JOURNAL_FILE) as db:
        db.execute("DELETE FROM orders WHERE client_order_id = 'coid-never'")
    with server(tmp_path) as client:
        wait_until(settled, "coid-alone settled from the counter")
        answer = again(client, alone).json()
        assert answer["duplicate"] is True and "matches this order" in answer["reconciled"]
        [mine] = [
            o
            for o in client.get("/api/trading/orders").json()["data"]
            if o["client_order_id"] == "coid-alone"
        ]
        assert mine["order_volume"] == 300

        # Two alike stay unknown: which of them reached the counter cannot be told.
        for twin in (twin_a, twin_b):
            answer = again(client, twin)
            assert answer.status_code == 202 and answer.json()["status"] == "unknown"
        counter_after = client.get("/api/trading/orders").json()["data"]
        assert len(counter_after) == len(counter_before) == 3, "nothing was sent again"
