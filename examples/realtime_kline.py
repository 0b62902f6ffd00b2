"""Realtime K-lines, the seed's pattern: REST history first, then WebSocket increments merged by time.

Run a server, e.g. the simulator replaying a trading day sixty times as fast (the replay starts at 09:15,
so the session opens about 15 s later; until then the stream says the market is closed):

    qmt-server --sim-clock replay --sim-replay-speed 60

then:

    python examples/realtime_kline.py --stock 000001.SZ --period 1m --seconds 60

The local bar array starts with the last 240 completed bars from ``/api/market/market_data_ex``; every
push (xtquant's aggregated bars, not raw ticks) updates the last bar when its time is the same and appends
it when it is later. Needs ``pip install -e ".[client]"`` (websockets, pandas).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import Any

from qmt_bridge import QMTClient


def history_bars(client: QMTClient, stock: str, period: str) -> list[dict[str, Any]]:
    """The last 240 bars as a list of dicts (``time`` in ms)."""
    frames = client.get_history_ex(
        [stock], period=period, count=240, fields="time,open,high,low,close,volume"
    )
    frame = frames[stock]
    columns = frame if isinstance(frame, dict) else frame.to_dict("list")
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def merge(bars: list[dict[str, Any]], pushed: list[dict[str, Any]]) -> str:
    """Update the last bar or append; returns what happened, for the printout."""
    what = "kept"
    for bar in pushed:
        if bars and bar["time"] == bars[-1]["time"]:
            bars[-1], what = bar, "updated"
        elif not bars or bar["time"] > bars[-1]["time"]:
            bars.append(bar)
            what = "appended"
    return what


async def follow(client: QMTClient, stock: str, period: str, seconds: float) -> list[dict[str, Any]]:
    bars = history_bars(client, stock, period)
    print(f"{len(bars)} bars from history; the last at {bars[-1]['time'] if bars else None}")

    def on_kline(data: dict[str, Any]) -> None:
        what = merge(bars, data.get(stock, []))
        last = bars[-1]
        print(
            f"{what:8} time={last['time']} close={last['close']} volume={last['volume']} ({len(bars)} bars)"
        )

    def on_status(message: dict[str, Any]) -> None:
        print("status:", message.get("status") or message.get("error"), "-", message.get("message", ""))

    stream = asyncio.ensure_future(
        client.subscribe_realtime([stock], on_kline, period=period, on_status=on_status)
    )
    await asyncio.sleep(seconds)
    stream.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await stream
    return bars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stock", default="000001.SZ")
    parser.add_argument("--period", default="1m", choices=["1m", "5m", "15m", "30m", "60m", "1d"])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    client = QMTClient(host=args.host, port=args.port)
    bars = asyncio.run(follow(client, args.stock, args.period, args.seconds))
    print(f"done: {len(bars)} bars")


if __name__ == "__main__":
    main()
