"""``qmt_bridge.sim.xttrader`` / ``xttype`` / ``xtconstant`` work like xtquant's: an ordinary xttrader
script runs unchanged with only its imports changed, without FastAPI."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from conftest import MID_SESSION
from qmt_bridge.sim import xtconstant, xttype
from qmt_bridge.sim.clock import fixed_clock

#: An xttrader script as xtquant's documentation writes them; only the three imports are the simulator's.
SCRIPT = """
from qmt_bridge.sim.xttrader import XtQuantTrader, XtQuantTraderCallback
from qmt_bridge.sim.xttype import StockAccount
from qmt_bridge.sim import xtconstant

seen = []


class MyXtQuantTraderCallback(XtQuantTraderCallback):
    def on_disconnected(self):
        print("connection lost")

    def on_stock_order(self, order):
        seen.append(("order", order.stock_code, order.order_status, order.order_sysid))

    def on_stock_asset(self, asset):
        seen.append(("asset", asset.account_id, asset.cash))

    def on_stock_trade(self, trade):
        seen.append(("trade", trade.account_id, trade.stock_code, trade.order_id))

    def on_stock_position(self, position):
        seen.append(("position", position.stock_code, position.volume))

    def on_order_error(self, order_error):
        seen.append(("error", order_error.order_id, order_error.error_id, order_error.error_msg))

    def on_cancel_error(self, cancel_error):
        seen.append(("cancel_error", cancel_error.order_id, cancel_error.error_msg))

    def on_order_stock_async_response(self, response):
        seen.append(("async", response.account_id, response.order_id, response.seq))


session_id = 123456
xt_trader = XtQuantTrader(path, session_id)
acc = StockAccount("SIM000001")
callback = MyXtQuantTraderCallback()
xt_trader.register_callback(callback)
xt_trader.start()
connect_result = xt_trader.connect()
subscribe_result = xt_trader.subscribe(acc)
stock_code = "600000.SH"
fix_result_order_id = xt_trader.order_stock(
    acc, stock_code, xtconstant.STOCK_BUY, 200, xtconstant.FIX_PRICE, price, "strategy_name", "remark"
)
async_seq = xt_trader.order_stock_async(
    acc, stock_code, xtconstant.STOCK_BUY, 200, xtconstant.FIX_PRICE, price, "strategy_name", "remark"
)
asset = xt_trader.query_stock_asset(acc)
order = xt_trader.query_stock_order(acc, fix_result_order_id)
trades = xt_trader.query_stock_trades(acc)
positions = xt_trader.query_stock_positions(acc)
position = xt_trader.query_stock_position(acc, stock_code)
xt_trader.stop()  # after the pushes already queued
orders = xt_trader.query_stock_orders(acc)  # a stopped trader answers nothing, as xtquant's
"""


@pytest.fixture()
def default_market():
    from qmt_bridge.sim import xtdata

    xtdata.configure(seed=7, clock=fixed_clock(MID_SESSION))
    yield xtdata
    xtdata.configure()


def test_an_xttrader_script_runs_unchanged(default_market, tmp_path):
    from qmt_bridge.sim.broker.defaults import STATE_FILE, default_broker

    ask = default_market.get_full_tick(["600000.SH"])["600000.SH"]["askPrice"][0]
    namespace = {"path": str(tmp_path), "price": ask}
    try:
        exec(compile(SCRIPT, "xttrader_script.py", "exec"), namespace)
    finally:
        broker = default_broker(str(tmp_path))
    try:
        assert (tmp_path / STATE_FILE).is_file()  # ``path`` is a directory: the state is kept there
        assert namespace["connect_result"] == 0 and namespace["subscribe_result"] == 0
        order_id, seq = namespace["fix_result_order_id"], namespace["async_seq"]
        assert order_id > 0 and seq > 0
        assert namespace["order"].order_id == order_id and namespace["order"].order_remark == "remark"
        assert namespace["order"].order_status in (xtconstant.ORDER_PART_SUCC, xtconstant.ORDER_SUCCEEDED)
        assert namespace["trades"] and namespace["trades"][0].traded_price == ask
        # The async order may fill between the script's trade query and its position query: the position
        # read holds at least the trades read, and at the end the broker's position is exactly its trades.
        assert namespace["position"].volume >= sum(t.traded_volume for t in namespace["trades"])
        [held] = [p for p in broker.positions("SIM000001") if p.stock_code == "600000.SH"]
        assert held.volume == sum(t.traded_volume for t in broker.trades("SIM000001"))
        assert namespace["orders"] == []
        kinds = [event[0] for event in namespace["seen"]]
        assert kinds[:5] == ["order", "order", "trade", "position", "asset"]  # reported, then its first fill
        assert ("async", "SIM000001", order_id + 1, seq) in namespace["seen"]
        assert [o.order_id for o in broker.orders("SIM000001")] == [order_id, order_id + 1]
    finally:
        broker.close()


def test_the_script_runs_standalone_without_fastapi():
    code = (
        textwrap.dedent(
            """
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"fastapi", "starlette", "uvicorn", "pydantic_settings"}:
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        path, price = "no such directory", 10.5
        """
        )
        + SCRIPT
        + textwrap.dedent(
            """
        assert connect_result == 0 and subscribe_result == 0, (connect_result, subscribe_result)
        assert fix_result_order_id > 0 and async_seq > 0
        assert order.order_status in (48, 49, 50, 54, 55, 56, 57) and order.order_id == fix_result_order_id
        assert seen[0][:2] == ("order", "600000.SH") or seen[0][0] == "error", seen
        print("ok")
        """
        )
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")


def test_stock_account_as_xtquants():
    assert xttype.StockAccount("x").account_type == xtconstant.SECURITY_ACCOUNT == 2
    assert xttype.StockAccount("x", "stock").account_type == 2  # case-insensitive
    assert xttype.StockAccount("x", "Credit").account_type == xtconstant.CREDIT_ACCOUNT == 3
    assert xttype.StockAccount("x", "FUTURE").account_type == 1
    with pytest.raises(Exception, match="不支持的账号类型"):
        xttype.StockAccount("x", "NOPE")
    assert isinstance(xttype.StockAccount(1000000365), str)  # an error string, not an account


@pytest.mark.parametrize(
    ("cls", "names"),
    [
        (xttype.XtAsset, "account_type account_id cash frozen_cash market_value total_asset fetch_balance"),
        (
            xttype.XtOrder,
            "account_type account_id stock_code order_id order_sysid order_time order_type order_volume "
            "price_type price traded_volume traded_price order_status status_msg strategy_name order_remark "
            "direction offset_flag instrument_name secu_account",
        ),
        (
            xttype.XtTrade,
            "account_type account_id stock_code order_type traded_id traded_time traded_price traded_volume "
            "traded_amount order_id order_sysid strategy_name order_remark direction offset_flag commission "
            "instrument_name secu_account",
        ),
        (
            xttype.XtPosition,
            "account_type account_id stock_code volume can_use_volume open_price market_value frozen_volume "
            "on_road_volume yesterday_volume avg_price direction instrument_name last_price profit_rate "
            "secu_account float_profit open_date position_profit",
        ),
        (
            xttype.XtOrderError,
            "account_type account_id order_id error_id error_msg strategy_name order_remark seq",
        ),
        (
            xttype.XtCancelError,
            "account_type account_id order_id market order_sysid error_id error_msg",
        ),
        (
            xttype.XtOrderResponse,
            "account_type account_id order_id strategy_name order_remark error_msg seq",
        ),
        (
            xttype.XtCancelOrderResponse,
            "account_type account_id cancel_result order_id order_sysid seq error_msg",
        ),
        (xttype.XtAccountStatus, "account_type account_id status"),
        (
            xttype.XtAccountInfo,
            "account_type account_id broker_type platform_id account_classification login_status",
        ),
    ],
)
def test_data_objects_have_the_catalogs_attributes(cls, names):
    obj = cls()
    assert [name for name, _ in cls._FIELDS] == names.split()
    assert obj.account_type == 2 and all(hasattr(obj, name) for name in names.split())
    with pytest.raises(TypeError):
        cls(no_such_attribute=1)


def test_constants():
    x = xtconstant
    assert (x.STOCK_BUY, x.STOCK_SELL, x.FIX_PRICE, x.LATEST_PRICE) == (23, 24, 11, 5)
    assert [x.ORDER_UNREPORTED, x.ORDER_REPORTED, x.ORDER_SUCCEEDED, x.ORDER_JUNK, x.ORDER_UNKNOWN] == [
        48,
        50,
        56,
        57,
        255,
    ]
    assert x.MARKET_STR_TO_ENUM_MAPPING["SH"] == x.SH_MARKET == 0
    assert x.MARKET_STR_TO_ENUM_MAPPING["BJ"] == x.MARKET_ENUM_BEIJING == 70
    assert x.MARKET_STR_TO_ENUM_MAPPING["SZO"] == 67 and x.MARKET_ENUM_GUANGZHOU_FUTURE == 75
    assert (x.MARKET_SH_CONVERT_5_CANCEL, x.MARKET_SZ_FULL_OR_CANCEL, x.MARKET_PEER_PRICE_FIRST) == (
        42,
        48,
        44,
    )
    assert x.ACCOUNT_TYPE_DICT[x.SECURITY_ACCOUNT] == "STOCK" and x.ACCOUNT_TYPE_DICT[15005] == "OTC"
    assert (x.DIRECTION_FLAG_BUY, x.DIRECTION_FLAG_SELL, x.OFFSET_FLAG_OPEN, x.OFFSET_FLAG_CLOSE) == (
        48,
        49,
        48,
        49,
    )
    assert (x.ETF_PURCHASE, x.ETF_REDEMPTION, x.CREDIT_FIN_BUY, x.FUTURE_OPEN_LONG) == (134, 135, 27, 0)
    assert x.getDirectionByOpType(x.STOCK_SELL) == 49 and x.getDirectionByOpType(x.STOCK_BUY) == 48
    assert (x.ACCOUNT_STATUS_OK, x.ACCOUNT_STATUS_CLOSED, x.OFFSET_FLAG_ClOSEYESTERDAY) == (0, 6, 52)
