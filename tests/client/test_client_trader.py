"""Seed 001's trader calls on ``QMTClient`` (``qmt_bridge.client.trader``): argument errors raised before
anything is sent, sizing by position fraction worked by hand, and the calls end to end against a simulator
server with trading on, across a day boundary (T+1) so that there is something to sell."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import SEED
from helpers import serve_in_thread, trading_app, wait_until
from qmt_bridge.client import QMTClient
from qmt_bridge.client.symbols import buy_lot, with_market
from qmt_bridge.sim.clock import CST, SimClock

KEY = "trader-key-0123456789abcdef0123456789"
THU_10 = dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST)
FRI_10 = dt.datetime(2025, 11, 21, 10, 0, tzinfo=CST)
#: Limit prices of 000001.SZ for the end-to-end tests, by what they do at THU_10 and FRI_10. The stock follows
#: its real price history (seed 7); from the simulator, ``SimBackend(seed=7, clock=fixed_clock(THU_10))``
#: ``.xtdata.get_full_tick(["000001.SZ"])`` and ``.get_instrument_detail("000001.SZ")``:
#: Thursday last 11.20, bid1 11.19, ask1 11.20, band 10.20–12.46; Friday (FRI_10) last 11.28, bid1 11.27,
#: ask1 11.28, band 10.06–12.30. (Before, at about 9.75 a share, these were 10.0, 9.0 and 10.5.)
#: A buy at or above Thursday's ask and within the band: it fills at once (was 10.0).
BUY_NOW = 12.00
#: A buy under the bid on both days and within both bands: it rests (was 9.0). Also Friday's sell price
#: where the sell is only sized, not watched (under Friday's bid: it may fill).
UNDER_BID = 10.50
#: A sell above Friday's ask and within its band: it rests (was 10.5).
SELL_RESTS_FRI = 12.00


# ---------------------------------------------------------------------- codes and lots


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("000001", "000001.SZ"),
        ("600519", "600519.SH"),
        ("688981", "688981.SH"),
        ("300750", "300750.SZ"),
        ("830799", "830799.BJ"),
        ("920001", "920001.BJ"),
        ("430047", "430047.BJ"),
        ("510300", "510300.SH"),
        ("159915", "159915.SZ"),
        ("113050", "113050.SH"),
        ("128013", "128013.SZ"),
        ("204001", "204001.SH"),
        ("131810", "131810.SZ"),
        ("000001.sh", "000001.SH"),
        (" 600519.SH ", "600519.SH"),
    ],
)
def test_codes_get_their_market(typed: str, code: str) -> None:
    assert with_market(typed) == code


@pytest.mark.parametrize(
    "bad", ["", "00001", "0000011", "abcdef", "000001.XX", "000001.", 600519, None, "700001"]
)
def test_codes_without_a_market_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        with_market(bad)


@pytest.mark.parametrize(
    ("code", "lot"),
    [
        ("600519.SH", (100, 100)),
        ("000001.SZ", (100, 100)),
        ("300750.SZ", (100, 100)),
        ("688981.SH", (200, 1)),
        ("830799.BJ", (100, 1)),
        ("113050.SH", (10, 10)),
        ("128013.SZ", (10, 10)),
        ("510300.SH", (100, 100)),
    ],
)
def test_buy_lots(code: str, lot: tuple[int, int]) -> None:
    assert buy_lot(code) == lot


# ---------------------------------------------------------------------- refused before sending


class Nothing:
    """An opener that fails the test if the client sends anything."""

    def open(self, request: Any, data: Any = None, timeout: float = -1) -> Any:
        raise AssertionError(f"sent {request.get_method()} {request.full_url}")


@pytest.fixture
def offline() -> QMTClient:
    return QMTClient(base_url="http://bridge.test:8000", api_key="k", opener=Nothing())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "必须提供 position_pct 或 shares 其中之一"),
        ({"shares": 100, "position_pct": 0.1}, "position_pct 和 shares 不能同时提供"),
        ({"position_pct": 0}, r"position_pct must be in \(0, 1\]"),
        ({"position_pct": 1.0001}, r"position_pct must be in \(0, 1\]"),
        ({"position_pct": -0.1}, r"position_pct must be in \(0, 1\]"),
        ({"position_pct": True}, r"position_pct must be in \(0, 1\]"),
        ({"shares": 150}, "order_num 必须是 100 的倍数（股）"),
        ({"shares": 0}, "positive whole number"),
        ({"shares": 100.0}, "positive whole number"),
        ({"shares": 100, "price_type": 4}, "price_type must be 0, 1, 2, 3 or 5"),
        ({"shares": 100, "price_type": True}, "price_type must be 0, 1, 2, 3 or 5"),
    ],
)
def test_bad_buys_raise_before_sending(offline: QMTClient, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        offline.buy("000001", price=10.5, **kwargs)


@pytest.mark.parametrize(
    ("symbol", "shares", "message"),
    [
        ("128013", 15, "order_num 必须是 10 的倍数（张）"),
        ("113050.SH", 105, "order_num 必须是 10 的倍数（张）"),
        ("688981", 199, "at least 200 shares"),
        ("830799", 99, "at least 100 shares"),
    ],
)
def test_volumes_off_the_lot_raise_before_sending(
    offline: QMTClient, symbol: str, shares: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        offline.buy(symbol, price=10.5, shares=shares)


@pytest.mark.parametrize("price", [0, -1.0, None, "10.5", True])
def test_a_price_not_above_zero_raises(offline: QMTClient, price: Any) -> None:
    with pytest.raises(ValueError, match="price must be above 0"):
        offline.sell("000001", price=price, shares=100)


def test_at_the_lot_edges_the_orders_are_sent(offline: QMTClient) -> None:
    """200 shares of STAR, 100 of BSE, 10 张 of a bond and 100 of a main-board stock pass the client's
    checks (the opener then fails the test on the first request, which proves they got that far)."""
    for symbol, shares in (
        ("688981", 200),
        ("688981", 201),
        ("830799", 100),
        ("128013", 10),
        ("000001", 100),
    ):
        with pytest.raises(AssertionError, match="sent "):
            offline.buy(symbol, price=10.5, shares=shares)


# ---------------------------------------------------------------------- end to end


class Wall:
    """The simulator's wall clock (replay at speed 1): still unless moved."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[QMTClient, SimClock, Wall]]:
    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    wall = Wall()
    clock = SimClock("replay", replay_start=THU_10, speed=1.0, wall=wall)
    settings = Settings(
        _env_file=None, backend="sim", sim_seed=SEED, data_dir=str(tmp_path), api_key=KEY,
        trading_enabled=True, quote_markets="BJ", predownload=False,
    )  # fmt: skip
    backend = SimBackend(seed=SEED, clock=clock, data_dir=tmp_path, starting_cash=settings.sim_starting_cash)
    with serve_in_thread(create_app(settings, backend=backend), name="uvicorn-trader") as url:
        yield QMTClient(base_url=url, api_key=KEY), clock, wall


def _limit_up(client: QMTClient, code: str) -> float:
    return float(client.get_instrument_detail(code)["UpStopPrice"])


def test_a_position_fraction_buys_whole_lots_within_cash(live) -> None:
    """1,000,000 of cash and assets; 10 % at 12.00 keeps 0.1 % for fees: min(100,000 - 5, 100,000 / 1.001)
    = 99,900.0999 pays for 8,325 shares, 8,300 in lots. All of the cash: min(cash - 5, cash / 1.001) / 12 in
    lots. (At 10.00, the price before 000001.SZ followed its real history: 9,990 shares, 9,900 in lots.)"""
    client, _, _ = live
    assert client.get_portfolio()["total_asset"] == 1_000_000
    price = BUY_NOW  # above 000001.SZ's ask (11.20) and below its limit-up: fills at once
    assert price < _limit_up(client, "000001.SZ")
    first = client.buy("000001", price=price, position_pct=0.1)
    assert first["order"]["order_volume"] == 8_300 and first["status"] == "filled"
    cash = client.get_portfolio()["cash"]
    everything = client.buy_all("000001", price=price)
    spendable = min(cash - 5, cash / 1.001)
    assert everything["order"]["order_volume"] == int(spendable / price) // 100 * 100
    assert everything["status"] in ("filled", "open"), everything  # not rejected for cash
    assert client.get_portfolio()["cash"] >= 0


def test_a_fraction_too_small_for_one_lot_is_refused(live) -> None:
    client, _, _ = live
    with pytest.raises(ValueError, match="buys less than the minimum of 100"):
        client.buy("600519", price=1_000.0, position_pct=0.0001)  # 100 yuan
    assert client.get_orders() == []


def test_positions_views_and_selling_a_fraction_the_next_day(live) -> None:
    client, _, wall = live
    client.buy("000001", price=BUY_NOW, shares=1_050 - 50)  # 1,000 shares
    client.buy("000001.SZ", price=BUY_NOW, shares=300)
    assert client.has_position("000001") and not client.has_position("600519")
    position = client.get_position_by_symbol("000001")
    assert position is not None and position["volume"] == 1_300 and position["can_use_volume"] == 0
    with pytest.raises(ValueError, match="nothing of 000001.SZ to sell"):
        client.sell("000001", price=UNDER_BID, position_pct=0.5)  # T+1: bought today
    wall.now += (FRI_10 - THU_10).total_seconds()  # Friday 10:00
    position = client.get_position_by_symbol("000001")
    assert position["can_use_volume"] == 1_300
    half = client.sell("000001", price=UNDER_BID, position_pct=0.5)  # 650 → 600 in lots
    assert half["order"]["order_volume"] == 600 and half["order"]["order_type"] == 24
    rest = client.sell_all("000001", price=UNDER_BID)  # the remaining 700, odd lots included
    assert rest["order"]["order_volume"] == 700
    summary = client.get_account_summary()
    assert set(summary) == {"portfolio", "positions", "timestamp"}
    assert {"total_asset", "cash", "frozen_cash", "market_value", "profit", "profit_ratio"} == set(
        summary["portfolio"]
    )


def test_views_carry_seed_001s_keys(live) -> None:
    client, _, _ = live
    client.buy("000001", price=BUY_NOW, shares=200)
    [account] = client.get_accounts()
    assert account["index"] == 0 and account["nick_name"] == "账户1" and account["account_id"]
    [position] = client.get_positions(0)
    for key in ("symbol", "name", "volume", "can_use_volume", "avg_price", "current_price", "market_value",
                "profit", "profit_ratio"):  # fmt: skip
        assert key in position, key
    assert position["symbol"] == "000001.SZ" and position["name"] == "平安银行"
    assert position["profit_ratio"] == pytest.approx(position["profit_rate"] * 100)
    portfolio = client.get_portfolio(0)
    assert portfolio["profit"] == pytest.approx(position["float_profit"], abs=0.01)
    with pytest.raises(ValueError, match="trader_index 1: the server has 1 account"):
        client.get_portfolio(1)
    with pytest.raises(ValueError, match="trader_index 1: the server has 1 account"):
        client.buy("000001", price=BUY_NOW, shares=100, trader_index=1)


def test_cancel_all_of_one_side_leaves_the_other(live) -> None:
    client, _, wall = live
    client.buy("000001", price=BUY_NOW, shares=1_000)
    wall.now += (FRI_10 - THU_10).total_seconds()  # something to sell on Friday
    # below the ask: they rest
    resting_buys = [client.buy("000001", price=UNDER_BID, shares=100) for _ in range(2)]
    resting_sell = client.sell("000001", price=SELL_RESTS_FRI, shares=100)  # above the bid: rests
    assert {o["status"] for o in [*resting_buys, resting_sell]} == {"open"}
    result = client.cancel_all_buy_orders()
    assert (
        sorted(result["canceled"]) == sorted(o["order_id"] for o in resting_buys) and result["failed"] == []
    )
    cancelable = client.get_orders(cancelable_only=True)
    assert [o["order_id"] for o in cancelable] == [resting_sell["order_id"]]
    assert client.cancel_all_sell_orders()["canceled"] == [resting_sell["order_id"]]
    assert client.get_orders(0, cancelable_only=True) == []


def test_cancel_order_as_seed_001_calls_it(live) -> None:
    client, _, _ = live
    first = client.buy("000001", price=UNDER_BID, shares=100)
    second = client.buy("000001", price=UNDER_BID, shares=100)
    assert client.cancel_order(order_id=first["order_id"], trader_index=0)["order_id"] == first["order_id"]
    assert client.cancel_order(second["order_id"], 0)["order_id"] == second["order_id"]
    assert client.get_order(first["order_id"], 0)["order_id"] == first["order_id"]


# ---------------------------------------------------------------------- seed 001's examples, unchanged

#: Seed 001's examples 1, 2 and 4 as written there, with two lines changed: the import (``from
#: qmt_trade_client import QMTTradeClient``) and the server address (``http://localhost:9091``, here the
#: test server). Example 3 loops forever (a monitor); its calls are tested above.
SEED_EXAMPLES = {
    "simple": """
from qmt_bridge import QMTClient as QMTTradeClient

# 创建客户端
client = QMTTradeClient(
    BASE_URL,
    client_id="my_strategy",
    secret_key="my_secret_key"
)

# 查询账户资产
portfolio = client.get_portfolio(0)
print(f"可用资金: ¥{portfolio['cash']:,.2f}")

# 如果有足够资金，买入股票
if portfolio['cash'] >= 10000:
    result = client.buy("000001", price=10.50, shares=500)
    print(f"买入结果: {result}")
else:
    print("资金不足，无法买入")
""",
    "grid": """
from qmt_bridge import QMTClient as QMTTradeClient
import time

client = QMTTradeClient(
    BASE_URL,
    client_id="grid_strategy",
    secret_key="secret"
)

# 网格参数
symbol = "000001"
base_price = 10.00
grid_size = 0.10  # 网格间距
grid_levels = 5   # 网格层数
shares_per_grid = 100  # 每格买入股数

# 生成买入价格网格
buy_prices = [base_price - i * grid_size for i in range(1, grid_levels + 1)]

# 在每个价格网格挂单
for price in buy_prices:
    try:
        result = client.buy(symbol, price=price, shares=shares_per_grid)
        print(f"✓ 在 ¥{price:.2f} 挂买单 {shares_per_grid}股")
    except Exception as e:
        print(f"✗ 挂单失败: {e}")

    time.sleep(0.5)  # 避免请求过快
""",
    "batch": """
from qmt_bridge import QMTClient as QMTTradeClient
import time

client = QMTTradeClient(
    BASE_URL,
    client_id="batch_trader",
    secret_key="secret"
)

# 批量买入列表
buy_list = [
    {"symbol": "000001", "price": 10.50, "shares": 500},
    {"symbol": "000002", "price": 20.30, "shares": 300},
    {"symbol": "600000", "price": 15.20, "shares": 400},
]

print(f"准备批量买入 {len(buy_list)} 只股票\\n")

for item in buy_list:
    try:
        result = client.buy(**item)
        print(f"✓ {item['symbol']}: 买入 {item['shares']}股 @ ¥{item['price']}")
        time.sleep(0.5)  # 避免请求过快
    except Exception as e:
        print(f"✗ {item['symbol']}: 买入失败 - {e}")

print("\\n批量下单完成")
""",
}


#: The moment the examples run at. They are kept as written, and their prices assume 000001.SZ at about 10
#: CNY: simple's and batch's buys at 10.50 are to fill at once (500 + 500 shares), the grid's five buys at
#: 9.50–9.90 are to be inside the day's price band. At conftest's MID_SESSION (2025-11-20 10:00) 000001.SZ now
#: follows its real price history at 11.20 (band 10.20–12.46): the buys at 10.50 would rest and the grid would
#: be refused. So the examples run on a day of the simulator (seed 7) when the stock traded near 10: Thursday
#: 2024-05-30 10:00, last 10.15, ask1 10.16, bid1 10.15, band 9.21–11.25 (``SimBackend(seed=7,
#: clock=fixed_clock(SEED_001_MOMENT)).xtdata.get_full_tick(["000001.SZ"])``, ``.get_instrument_detail``).
SEED_001_MOMENT = dt.datetime(2024, 5, 30, 10, 0, tzinfo=CST)


@pytest.fixture
def signed_server(tmp_path: Path) -> Iterator[str]:
    """:func:`helpers.trading_app` with seed 001's signing clients, frozen at SEED_001_MOMENT instead of
    MID_SESSION."""
    clients = {"my_strategy": "my_secret_key", "grid_strategy": "secret", "batch_trader": "secret"}
    app = trading_app(tmp_path, KEY, at=SEED_001_MOMENT, signing_clients=clients)
    with serve_in_thread(app, name="uvicorn-seed001") as url:
        yield url


def test_seed_001_examples_run_against_the_simulator(signed_server: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    outputs = {}
    for name, text in SEED_EXAMPLES.items():
        script = tmp_path / f"{name}.py"
        script.write_text(text.replace("BASE_URL", repr(signed_server)), encoding="utf-8")
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        outputs[name] = done.stdout
    # The answer shows the order as its first event did: filled, or still open when the fill came after the
    # answer's wait (a loaded machine). Either way the order is the first one, and it fills.
    assert "可用资金: ¥1,000,000.00" in outputs["simple"]
    assert "买入结果: {'order_id': 1," in outputs["simple"]
    assert "'status': 'filled'" in outputs["simple"] or "'status': 'open'" in outputs["simple"]
    assert outputs["grid"].count("✓ 在") == 5 and "✗" not in outputs["grid"]
    assert "✓ 000001: 买入 500股 @ ¥10.5" in outputs["batch"] and "批量下单完成" in outputs["batch"]
    client = QMTClient(base_url=signed_server, api_key=KEY)
    wait_until(
        lambda: client.get_order(1)["normalized"]["state"] == "filled", "the simple example's buy filled"
    )
    orders = client.get_orders()
    grid = [o for o in orders if o["order_volume"] == 100]
    assert sorted(o["price"] for o in grid) == [9.5, 9.6, 9.7, 9.8, 9.9]  # 10.00 - i * 0.10, on the tick
    assert client.get_position_by_symbol("000001")["volume"] >= 1_000  # simple's 500 and batch's 500


@pytest.mark.parametrize("reserve", [-0.01, "1000", True, float("nan"), float("inf")])
def test_reverse_repo_refuses_a_bad_reserve_before_sending(offline: QMTClient, reserve: Any) -> None:
    with pytest.raises(ValueError, match="reserve_amount must be a number >= 0"):
        offline.reverse_repo(reserve_amount=reserve)


def test_reverse_repo_lends_the_cash_above_the_reserve_for_a_day(live) -> None:
    """Seed 001's 保留1000元，其余资金购买逆回购: 1,000,000 of cash less 1,000 lends 998 lots of 1,000 CNY (a lot
    costs 1,000.01 with GC001's / R-001's 0.001 % commission) at the better of the two one-day rates, which
    comes back with its interest the next trading day (a Thursday's: 3 days, Friday to Monday)."""
    client, _, wall = live
    ticks = client.get_full_tick(["204001.SH", "131810.SZ"])
    best = max(ticks, key=lambda code: ticks[code]["bidPrice"][0])
    result = client.reverse_repo(reserve_amount=1000)
    assert (result["stock_code"], result["amount"]) == (best, 998_000.0)
    assert result["rate"] == ticks[best]["bidPrice"][0] and result["status"] == "filled", result
    order = result["order"]
    assert (order["order_type"], order["order_volume"], order["price_type"]) == (24, 9_980, 11)
    cash = client.get_portfolio()["cash"]
    assert cash == pytest.approx(1_000_000 - 998_000 - 9.98, abs=0.005)
    # nothing more to lend: what is left is below one lot above the reserve
    with pytest.raises(ValueError, match="below one reverse repo lot"):
        client.reverse_repo(reserve_amount=1000)
    wall.now += (FRI_10 - THU_10).total_seconds()  # Friday: the money is back, with 3 days of interest
    interest = round(998_000 * result["rate"] / 100 * 3 / 365, 2)
    assert client.get_portfolio()["cash"] == pytest.approx(cash + 998_000 + interest, abs=0.011)


def test_reverse_repo_at_the_edge_of_one_lot(live) -> None:
    """Exactly one lot's cost above the reserve lends 1,000 CNY; a cent less lends nothing."""
    client, _, _ = live
    cash = client.get_portfolio()["cash"]
    with pytest.raises(ValueError, match="below one reverse repo lot"):
        client.reverse_repo(reserve_amount=round(cash - 1000.00, 2))
    assert client.get_orders() == []
    result = client.reverse_repo(reserve_amount=round(cash - 1000.01, 2))
    assert result["amount"] == 1_000.0 and result["order"]["order_volume"] == 10
