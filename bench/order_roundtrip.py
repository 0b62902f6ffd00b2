"""Order round trip and batch throughput of the trading endpoints, against the paper broker in process.

    python bench/order_roundtrip.py [--orders 500] [--batch 1000] [--rounds 3]

The simulator is frozen mid-session (2025-11-20 10:00 CST), so a marketable limit buy (100 shares of 000001.SZ
at its limit-up price) fills at once, against the asks. Same market, same broker code, two ways:

- **bridge**: the server with ``--trading`` in a child process; ``QMTClient.place_order`` one order after
  another, each timed from just before the HTTP request to the arrival of its ``trade`` event on an
  already open ``/ws/trade`` connection; then ``QMTClient.batch_order`` of ``--batch`` orders, timed to the
  HTTP answer.
- **in process**: the simulator's ``XtQuantTrader`` on its own broker: ``order_stock`` until the
  ``on_stock_trade`` callback, and a loop of ``order_stock`` calls.

Targets: p50 round trip <= 5 ms; batch >= 1,000 orders/s. The ratios say what the bridge adds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _serve import serve_code

from qmt_bridge.client import QMTClient

KEY = "bench-key"
MOMENT = dt.datetime(2025, 11, 20, 10, 0)
CODE = "000001.SZ"
CASH = 1e12  # never the limit

SERVER_CODE = """
import sys, datetime as dt, uvicorn
from pathlib import Path
from typing import Any
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.server.app import create_app
from qmt_bridge.server.cli import uvicorn_config
from qmt_bridge.server.config import Settings
from qmt_bridge.sim.clock import fixed_clock
port, data_dir, key, cash = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], float(sys.argv[4])
settings = Settings(_env_file=None, backend="sim", data_dir=str(data_dir), api_key=key, trading_enabled=True,
                    sim_starting_cash=cash, quote_markets="BJ", predownload=False, log_level="warning")
backend = SimBackend(clock=fixed_clock(dt.datetime(2025, 11, 20, 10, 0)), data_dir=data_dir, starting_cash=cash)
uvicorn.Server(uvicorn_config(create_app(settings, backend=backend), "127.0.0.1", port, "warning")).run()
"""


def marketable_order() -> dict:
    """A buy of 100 shares limited at the day's limit-up price: it takes the asks at once."""
    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.sim.clock import fixed_clock

    detail = SimBackend(clock=fixed_clock(MOMENT)).xtdata.get_instrument_detail(CODE)
    return {
        "stock_code": CODE,
        "order_type": 23,
        "order_volume": 100,
        "price_type": 11,
        "price": detail["UpStopPrice"],
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class TradeWatcher(threading.Thread):
    """Reads ``/ws/trade`` and notes when each order's first trade event arrived."""

    def __init__(self, ws: Any) -> None:
        super().__init__(daemon=True)
        self.ws = ws
        json.loads(self.ws.recv(timeout=10))  # subscribed
        self.arrived: dict[int, float] = {}
        self.changed = threading.Condition()

    def run(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            for text in self.ws:
                message = json.loads(text)
                if message.get("type") == "event" and message["kind"] == "trade":
                    with self.changed:
                        self.arrived.setdefault(message["data"]["order_id"], time.perf_counter())
                        self.changed.notify_all()
        except ConnectionClosed:
            pass

    def wait_for(self, order_id: int, timeout: float = 10.0) -> float:
        with self.changed:
            if not self.changed.wait_for(lambda: order_id in self.arrived, timeout):
                raise RuntimeError(f"no trade event for order {order_id} within {timeout} s")
            return self.arrived[order_id]


def bridge(order: dict, orders: int, batch: int, rounds: int) -> tuple[list[float], list[float]]:
    """Round trips (ms) and batch rates (orders/s) through a server in a child process."""
    with tempfile.TemporaryDirectory() as data_dir, serve_code(SERVER_CODE, data_dir, KEY, str(CASH)) as url:
        from websockets.sync.client import connect

        client = QMTClient(base_url=url, api_key=KEY, timeout=300)
        ws_url = url.replace("http://", "ws://") + "/ws/trade"
        with connect(ws_url, additional_headers={"X-API-Key": KEY}) as ws:
            return measure(client, TradeWatcher(ws), order, orders, batch, rounds)


def measure(
    client: QMTClient, watcher: TradeWatcher, order: dict, orders: int, batch: int, rounds: int
) -> tuple[list[float], list[float]]:
    """The bridge's round trips and batch rates, with ``watcher`` on ``/ws/trade``."""
    watcher.start()
    for _ in range(20):  # warm-up: imports, caches, the first snapshot of the code
        watcher.wait_for(client.place_order(**order)["order_id"])
    trips = []
    for _ in range(orders):
        started = time.perf_counter()
        answer = client.place_order(**order)
        trips.append((watcher.wait_for(answer["order_id"]) - started) * 1000)
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        answers = client.batch_order([dict(order) for _ in range(batch)])
        rates.append(batch / (time.perf_counter() - started))
        refused = [a for a in answers if a["http_status"] != 200 or a["status"] == "rejected"]
        if refused:
            raise RuntimeError(f"{len(refused)} orders of the batch were refused: {refused[0]}")
    return trips, rates


def in_process(order: dict, orders: int, batch: int, rounds: int) -> tuple[list[float], list[float]]:
    """The same orders on the simulator's XtQuantTrader in this process."""
    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.sim import xtconstant
    from qmt_bridge.sim.clock import fixed_clock
    from qmt_bridge.sim.xttrader import XtQuantTraderCallback

    traded: dict[int, float] = {}
    changed = threading.Condition()

    class Callback(XtQuantTraderCallback):
        def on_stock_trade(self, trade) -> None:  # type: ignore[no-untyped-def]
            with changed:
                traded.setdefault(trade.order_id, time.perf_counter())
                changed.notify_all()

    with tempfile.TemporaryDirectory() as data_dir:
        backend = SimBackend(clock=fixed_clock(MOMENT), data_dir=Path(data_dir), starting_cash=CASH)
        trader = backend.new_trader(data_dir, 1)
        trader.register_callback(Callback())
        trader.start()
        if trader.connect() != 0:
            raise RuntimeError("the simulator's trader did not connect")
        account = backend.make_account("SIM000001")
        trader.subscribe(account)

        def place() -> int:
            return trader.order_stock(
                account, CODE, xtconstant.STOCK_BUY, 100, xtconstant.FIX_PRICE, order["price"], "", ""
            )

        def wait_for(order_id: int) -> float:
            with changed:
                if not changed.wait_for(lambda: order_id in traded, 10):
                    raise RuntimeError(f"no trade for order {order_id}")
                return traded[order_id]

        for _ in range(20):
            wait_for(place())
        trips = []
        for _ in range(orders):
            started = time.perf_counter()
            trips.append((wait_for(place()) - started) * 1000)
        rates = []
        for _ in range(rounds):
            started = time.perf_counter()
            ids = [place() for _ in range(batch)]
            rates.append(batch / (time.perf_counter() - started))
            if min(ids) <= 0:
                raise RuntimeError("the broker refused an order of the batch")
        trader.stop()
        backend.stop()
        return trips, rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=500, help="orders timed one by one")
    parser.add_argument("--batch", type=int, default=1000, help="orders per batch_order")
    parser.add_argument("--rounds", type=int, default=3, help="batches")
    args = parser.parse_args()

    order = marketable_order()
    local_trips, local_rates = in_process(order, args.orders, args.batch, args.rounds)
    trips, rates = bridge(order, args.orders, args.batch, args.rounds)

    def line(name: str, values: list[float]) -> str:
        return (
            f"{name:<11} p50 {percentile(values, 50):6.2f}  p90 {percentile(values, 90):6.2f}  "
            f"p99 {percentile(values, 99):6.2f}  max {max(values):6.2f} ms"
        )

    print(f"round trip, {args.orders} marketable orders one by one (order sent -> its trade event):")
    print(line("in process", local_trips))
    print(line("bridge", trips))
    p50 = percentile(trips, 50)
    print(f"ratio bridge/in-process (p50) = {p50 / percentile(local_trips, 50):.1f}")
    print(f"bridge p50 {p50:.2f} ms (target <= 5 ms) {'OK' if p50 <= 5 else 'FAIL'}")
    print()
    print(f"batch of {args.batch} orders, {args.rounds} rounds (orders/s; median):")
    rate, local_rate = statistics.median(rates), statistics.median(local_rates)
    print(f"in process  {local_rate:8.0f}   ({', '.join(f'{r:.0f}' for r in local_rates)})")
    print(f"bridge      {rate:8.0f}   ({', '.join(f'{r:.0f}' for r in rates)})")
    print(f"ratio bridge/in-process = {rate / local_rate:.2f}")
    print(f"bridge {rate:.0f} orders/s (target >= 1000) {'OK' if rate >= 1000 else 'FAIL'}")


if __name__ == "__main__":
    main()
