"""The rest of the data surface, method by method, against a real server: uvicorn in a thread serving the app
on a simulator frozen after the close of Thursday 2025-11-20 (the moment ``tests/conftest.py`` uses).

Nothing is faked: the client goes through urllib and a socket. One class per client mixin (additions to the
older mixins included).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from conftest import AFTER_CLOSE  # tests/conftest.py: tests/ is on sys.path (pyproject's pythonpath)
from helpers import serve_frozen_sim, shanghai_day
from qmt_bridge import QMTClient
from qmt_bridge.client import (
    APIStatusError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableEntityError,
)

#: The server's today (tests/conftest.py freezes its clock after the close of this day).
TODAY = AFTER_CLOSE.strftime("%Y%m%d")
DAY_RE = re.compile(r"^\d{8}$")
STOCK_RE = re.compile(r"^\d{6}\.(SH|SZ)$")


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_frozen_sim(tmp_path_factory.mktemp("surface-data"), name="uvicorn-surface") as url:
        yield url


@pytest.fixture(scope="module")
def client(server_url: str) -> QMTClient:
    return QMTClient(base_url=server_url, timeout=60, use_pandas=True)


@pytest.fixture(scope="module")
def plain(server_url: str) -> QMTClient:
    """A client that returns plain dicts/lists even though pandas is installed."""
    return QMTClient(base_url=server_url, timeout=60, use_pandas=False)


def accrued_interest(info: dict[str, Any], day: dt.date) -> float:
    """Interest accrued on ``day`` per 100 face: the coupon of the interest year (years count from the value
    date; rates from the rate clause, 第一年0.40%、第二年...) times the days since that year began / 365."""
    rates = [float(rate) for rate in re.findall(r"第.年([\d.]+)%", info["rateClause"])]
    value_date = dt.datetime.strptime(str(info["bondValueDate"]), "%Y%m%d").date()
    year = 0
    while year < len(rates) - 1 and value_date.replace(year=value_date.year + year + 1) <= day:
        year += 1
    return rates[year] * (day - value_date.replace(year=value_date.year + year)).days / 365


def assert_error_shape(error: APIStatusError) -> None:
    assert error.code and error.message and error.request_id


def assert_time_indexed(frame: Any) -> None:
    assert isinstance(frame, pd.DataFrame)
    assert "time" in frame.columns and isinstance(frame.index, pd.DatetimeIndex)
    assert frame.index.is_monotonic_increasing


# ---------------------------------------------------------------------------------------------- tick


class TestTick:
    def test_get_l2_quote(self, client: QMTClient) -> None:
        frame = client.get_l2_quote("000001.SZ", count=5)
        assert len(frame) == 5
        assert_time_indexed(frame)
        assert {"lastPrice", "volume", "askPrice", "bidPrice", "askVol", "bidVol"} <= set(frame.columns)
        assert (frame.index.strftime("%Y%m%d") == TODAY).all()
        # Level-2 books are ten levels deep, one list per row.
        assert all(len(levels) == 10 for levels in frame["askPrice"])
        assert (frame["lastPrice"] > 0).all()

    def test_get_l2_quote_fields_and_plain(self, plain: QMTClient) -> None:
        columns = plain.get_l2_quote("000001.SZ", fields=["time", "lastPrice"], count=3)
        assert set(columns) == {"time", "lastPrice"}
        assert len(columns["time"]) == 3 and columns["time"] == sorted(columns["time"])

    def test_get_l2_quote_time_range(self, client: QMTClient) -> None:
        frame = client.get_l2_quote("000001.SZ", start_time=f"{TODAY}100000", end_time=f"{TODAY}100100")
        assert len(frame) > 0
        assert frame.index.min() >= pd.Timestamp(f"{TODAY} 10:00:00")
        assert frame.index.max() <= pd.Timestamp(f"{TODAY} 10:01:00")

    def test_get_l2_order(self, client: QMTClient) -> None:
        frame = client.get_l2_order("600519.SH", count=50)
        assert len(frame) == 50
        assert_time_indexed(frame)
        assert {"price", "volume", "entrustNo", "entrustType", "entrustDirection"} <= set(frame.columns)
        assert (frame["volume"] > 0).all()

    def test_get_l2_transaction(self, client: QMTClient) -> None:
        frame = client.get_l2_transaction("600519.SH", count=50)
        assert len(frame) == 50
        assert_time_indexed(frame)
        assert {"price", "volume", "amount", "tradeIndex", "buyNo", "sellNo"} <= set(frame.columns)
        assert (frame["price"] > 0).all() and (frame["amount"] > 0).all()

    def test_get_l2_thousand_quote(self, client: QMTClient, plain: QMTClient) -> None:
        frame = client.get_l2_thousand_quote("000001.SZ", count=2)
        assert isinstance(frame, pd.DataFrame) and len(frame) == 2
        assert {"time", "bidPrice"} <= set(frame.columns)
        rows = plain.get_l2_thousand_quote("000001.SZ")
        assert isinstance(rows, list) and len(rows) == 1 and isinstance(rows[0], dict)

    def test_get_l2thousand_queue(self, client: QMTClient) -> None:
        queue = client.get_l2thousand_queue("000001.SZ", gear_num=3)
        assert isinstance(queue, dict)
        assert len(queue["bidPrice"]) <= 3
        ranged = client.get_l2thousand_queue("000001.SZ", price=(9.05, 9.08))
        assert all(9.05 <= price <= 9.08 for price in ranged["bidPrice"] + ranged["askPrice"])

    def test_get_l2thousand_queue_gear_and_price_conflict(self, client: QMTClient) -> None:
        with pytest.raises(BadRequestError) as info:
            client.get_l2thousand_queue("000001.SZ", gear_num=3, price=9.05)
        assert_error_shape(info.value)

    def test_get_transactioncount(self, client: QMTClient) -> None:
        counts = client.get_transactioncount(["000001.SZ", "600519.SH"])
        assert set(counts) == {"000001.SZ", "600519.SH"}
        assert all("ddx" in stats for stats in counts.values())

    def test_get_fullspeed_orderbook(self, client: QMTClient) -> None:
        books = client.get_fullspeed_orderbook("000001.SZ,600519.SH")
        assert set(books) == {"000001.SZ", "600519.SH"}
        assert all(len(book["bidPrice"]) == 20 for book in books.values())

    def test_get_order_rank(self, client: QMTClient) -> None:
        rank = client.get_order_rank("000001.SZ", f"{TODAY}100000", "buy", 9.05, 1000, 1000)
        assert isinstance(rank, dict) and isinstance(rank["pricerank"], int)

    def test_get_order_rank_bad_side_is_422(self, client: QMTClient) -> None:
        with pytest.raises(UnprocessableEntityError):
            client.get_order_rank("000001.SZ", f"{TODAY}100000", "hold", 9.05, 1000, 1000)

    def test_unknown_code_is_not_found(self, client: QMTClient) -> None:
        with pytest.raises(NotFoundError) as info:
            client.get_l2_quote("999999.SH")
        assert_error_shape(info.value)


# ---------------------------------------------------------------------------------------------- sectors


class TestSectorWrite:
    def test_folder_sector_members_and_removal(self, client: QMTClient) -> None:
        assert client.create_sector_folder("客户端文件夹") == "客户端文件夹"
        assert client.create_sector("客户端板块", parent_node="客户端文件夹") == "客户端板块"
        assert "客户端板块" in client.get_sector_list()
        assert client.get_sector_info("客户端板块")["category"].tolist() == ["我的/客户端文件夹"]
        assert client.get_sector_stocks("客户端板块") == []

        assert client.add_sector_stocks("客户端板块", ["600519.SH", "000001.SZ"]) == [
            "600519.SH",
            "000001.SZ",
        ]
        # A comma-separated string is a list of codes too.
        assert client.add_sector_stocks("客户端板块", "300750.SZ, 000001.SZ") == [
            "600519.SH",
            "000001.SZ",
            "300750.SZ",
        ]
        assert client.remove_sector_stocks("客户端板块", ["000001.SZ"]) == ["600519.SH", "300750.SZ"]
        assert client.reset_sector("客户端板块", ["601398.SH"]) == ["601398.SH"]
        assert client.get_sector_stocks("客户端板块") == ["601398.SH"]

        assert client.remove_sector("客户端板块") == "客户端板块"
        assert "客户端板块" not in client.get_sector_list()
        with pytest.raises(NotFoundError):
            client.get_sector_stocks("客户端板块")

    def test_root_sector(self, client: QMTClient) -> None:
        assert client.create_sector("客户端根板块") == "客户端根板块"
        assert client.get_sector_info("客户端根板块")["category"].tolist() == ["我的"]

    def test_existing_sector_is_conflict(self, client: QMTClient) -> None:
        with pytest.raises(ConflictError) as info:
            client.create_sector("沪深A股")
        assert info.value.status_code == 409
        assert_error_shape(info.value)

    def test_system_sector_is_permission_denied(self, client: QMTClient) -> None:
        with pytest.raises(PermissionDeniedError):
            client.add_sector_stocks("沪深A股", ["600519.SH"])
        with pytest.raises(PermissionDeniedError):
            client.remove_sector("沪深A股")

    def test_unknown_sector_or_code_is_not_found(self, client: QMTClient) -> None:
        with pytest.raises(NotFoundError):
            client.reset_sector("没有这个板块", ["600519.SH"])
        client.create_sector("客户端未知代码")
        with pytest.raises(NotFoundError) as info:
            client.add_sector_stocks("客户端未知代码", ["999999.SH"])
        assert info.value.code == "unknown_code"
        assert client.get_sector_stocks("客户端未知代码") == []

    def test_path_characters_are_bad_request(self, client: QMTClient) -> None:
        with pytest.raises(BadRequestError):
            client.create_sector("a/b")
        with pytest.raises(BadRequestError):
            client.create_sector_folder("..\\x")


# ---------------------------------------------------------------------------------------------- financial


class TestFinancial:
    def test_balance_sheet(self, client: QMTClient) -> None:
        data = client.get_financial_data(["000001.SZ"], tables=["Balance"])
        assert set(data) == {"000001.SZ"} and set(data["000001.SZ"]) == {"Balance"}
        frame = data["000001.SZ"]["Balance"]
        assert isinstance(frame, pd.DataFrame) and len(frame) > 0
        assert {"m_timetag", "m_anntime", "tot_assets"} <= set(frame.columns)

    def test_range_filters_by_report_period(self, client: QMTClient) -> None:
        data = client.get_financial_data(
            "000001.SZ",
            tables="Income",
            start_time="20230101",
            end_time="20241231",
        )
        periods = data["000001.SZ"]["Income"]["m_timetag"].tolist()
        assert periods and all("20230101" <= str(p) <= "20241231" for p in periods)

    def test_announce_time_filters_by_announcement(self, plain: QMTClient) -> None:
        data = plain.get_financial_data(
            ["000001.SZ"],
            tables=["Balance"],
            start_time="20240101",
            end_time="20241231",
            report_type="announce_time",
        )
        columns = data["000001.SZ"]["Balance"]
        assert isinstance(columns, dict)
        assert all("20240101" <= str(day) <= "20241231" for day in columns["m_anntime"])

    def test_all_tables_and_the_callers_spelling(self, client: QMTClient) -> None:
        every = client.get_financial_data(["600519.SH"])["600519.SH"]
        assert {"Balance", "Income", "CashFlow", "PershareIndex"} <= set(every)
        assert set(client.get_financial_data(["600519.SH"], tables=["balance"])["600519.SH"]) == {"balance"}

    def test_errors(self, client: QMTClient) -> None:
        with pytest.raises(BadRequestError):
            client.get_financial_data(["000001.SZ"], tables=["Nope"])
        with pytest.raises(NotFoundError):
            client.get_financial_data(["999999.SH"])
        with pytest.raises(UnprocessableEntityError):
            client.get_financial_data(["000001.SZ"], report_type="whenever")


# ---------------------------------------------------------------------------------------------- options


class TestOption:
    def test_chain_and_detail(self, client: QMTClient) -> None:
        chain = client.get_option_chain("510050.SH")
        assert chain and all(code.endswith(".SHO") for code in chain)
        detail = client.get_option_detail(chain[-1])
        assert detail["OptUndlCodeFull"] == "510050.SH"
        assert detail["optType"] in ("CALL", "PUT")
        assert detail["ExpireDate"] >= TODAY

    def test_option_list_by_expiry_month_and_type(self, client: QMTClient) -> None:
        december = client.get_option_list("510050.SH", "202512")
        calls = client.get_option_list("510050.SH", "202512", opttype="C")
        assert december and calls and set(calls) < set(december)
        detail = client.get_option_detail(calls[0])
        assert detail["ExpireDate"].startswith("202512") and detail["optType"] == "CALL"

    def test_option_list_available_on_a_day(self, client: QMTClient) -> None:
        listed = client.get_option_list("510050.SH", TODAY)
        alive = client.get_option_list("510050.SH", TODAY, isavailavle=True)
        assert set(alive) <= set(listed)

    def test_his_option_list(self, client: QMTClient, plain: QMTClient) -> None:
        frame = client.get_his_option_list("510050.SH", TODAY)
        assert isinstance(frame, pd.DataFrame) and len(frame) > 0
        assert {"期权完整代码", "行权价", "到期日"} <= set(frame.columns)
        columns = plain.get_his_option_list("510050.SH", TODAY)
        assert isinstance(columns, dict) and len(columns["期权完整代码"]) == len(frame)

    def test_his_option_list_batch(self, client: QMTClient) -> None:
        frames = client.get_his_option_list_batch("510050.SH", "20251118", "20251120")
        assert sorted(frames) == ["20251118", "20251119", "20251120"]
        assert all(isinstance(frame, pd.DataFrame) and len(frame) for frame in frames.values())

    def test_errors(self, client: QMTClient) -> None:
        with pytest.raises(BadRequestError):
            client.get_option_detail("600519.SH")  # not an option
        with pytest.raises(NotFoundError) as missing:
            client.get_option_detail("99999999.SHO")  # no such option
        assert missing.value.code == "unknown_code" and "option_code" in missing.value.message
        with pytest.raises(BadRequestError):
            client.get_option_list("510050.SH", "2025")
        with pytest.raises(BadRequestError) as info:
            client.get_his_option_list_batch("510050.SH", "20250101", "20251120")
        assert info.value.code == "invalid_parameter" and "92 days" in info.value.message


# ---------------------------------------------------------------------------------------------- ETF and CB


class TestFunds:
    def test_etf_list(self, client: QMTClient) -> None:
        etfs = client.get_etf_list()
        assert {"510300.SH", "510050.SH"} <= set(etfs)
        assert all(STOCK_RE.match(code) for code in etfs)

    def test_etf_info(self, client: QMTClient) -> None:
        info = client.get_etf_info("510300.SH")
        assert info["market"] == "SH" and info["基金代码"] == "510300"
        assert isinstance(info["成份股信息"], list) and info["成份股信息"]
        every = client.get_etf_info()
        assert "510300.SH" in every and set(every) <= set(client.get_etf_list())

    def test_etf_info_unknown(self, client: QMTClient) -> None:
        client.get_etf_info("510300.SH")
        with pytest.raises(NotFoundError):
            client.get_etf_info("600519.SH")

    def test_cb_list_and_info(self, client: QMTClient) -> None:
        bonds = client.get_cb_list()
        assert bonds and all(STOCK_RE.match(code) for code in bonds)
        info = client.get_cb_info(bonds[0])
        assert info["bondCode"] == bonds[0]
        assert STOCK_RE.match(info["stockCode"])

    def test_cb_info_of_a_stock_is_bad_request(self, client: QMTClient) -> None:
        client.get_cb_info(client.get_cb_list()[0])
        with pytest.raises(BadRequestError):
            client.get_cb_info("600519.SH")

    def test_conversion_price_history(self, client: QMTClient, plain: QMTClient) -> None:
        """The history runs from the initial price, on the value date, to the price in the bond's terms;
        each row's conversion rate is 100 / price; the time filter keeps the rows in its range."""
        bond = client.get_cb_list()[0]
        info = client.get_cb_info(bond)
        frame = client.bnd_get_conversion_price(bond)
        prices = list(frame["bond_conv_price_info.conversion_price"])
        assert (
            len(prices) >= 2 and prices[0] == info["firstConvPrice"] and prices[-1] == info["bondConvPrice"]
        )
        effective = list(frame["bond_conv_price_info.effective_date"])
        assert effective[0] == info["bondValueDate"] and effective == sorted(effective)
        assert frame["bond_conv_price_info.event_type"].iloc[0] == "初始转股价"
        rates = frame["bond_conv_price_info.conversion_rate"]
        assert [round(100 / p, 4) for p in prices] == pytest.approx(list(rates), abs=1e-4)
        lo, hi = str(effective[1]), str(effective[-1] - 1)
        ranged = plain.bnd_get_conversion_price(bond, start_time=lo, end_time=hi)
        assert ranged["bond_conv_price_info.effective_date"] == [d for d in effective if lo <= str(d) <= hi]
        assert len(ranged["bond_conv_price_info.effective_date"]) == len(effective) - 2

    def test_amount_change_history(self, client: QMTClient) -> None:
        """From the issue size (in 10k CNY) down by each conversion to the remaining size of the terms."""
        bond = client.get_cb_list()[0]
        info = client.get_cb_info(bond)
        frame = client.bnd_get_amount_change(bond)
        change = list(frame["bond_amount_chg.change_amount"])
        remain = list(frame["bond_amount_chg.remain_amount"])
        assert frame["bond_amount_chg.change_type"].iloc[0] == "首发"
        assert change[0] == remain[0] == pytest.approx(info["bondIssueSize"] / 1e4, abs=0.005)
        for before, amount, after in zip(remain, change[1:], remain[1:], strict=False):
            assert after == pytest.approx(before - amount, abs=0.011)
        assert remain[-1] == pytest.approx(info["bondReMainSize"] / 1e4, abs=0.005)

    @pytest.mark.parametrize(
        ("method", "prefix", "priced_on", "price"),
        [
            ("bnd_get_call_info", "bond_call_info", "pub_date", "call_price"),
            ("bnd_get_put_info", "bond_put_info", "put_start_date", "put_price"),
        ],
    )
    def test_call_and_put_prices_are_par_plus_accrued_interest(
        self,
        client: QMTClient,
        plain: QMTClient,
        xtdata: Any,
        method: str,
        prefix: str,
        priced_on: str,
        price: str,
    ) -> None:
        """A call (or put) is at 100 plus the interest accrued on its day at the coupon of that interest year
        (the bond's rate clause), per 100 face."""
        bond = next((code for code in client.get_cb_list() if len(getattr(xtdata, method)(code))), None)
        assert bond is not None, f"precondition: a bond of the simulator has a {method} event"
        info = client.get_cb_info(bond)
        frame = getattr(client, method)(bond)
        assert len(frame) >= 1
        for _, row in frame.iterrows():
            day = dt.datetime.strptime(str(row[f"{prefix}.{priced_on}"]), "%Y%m%d").date()
            assert row[f"{prefix}.{price}"] == pytest.approx(100 + accrued_interest(info, day), abs=0.0015)
            assert str(info["bondListDate"]) < str(row[f"{prefix}.pub_date"]) <= TODAY
        first = str(frame[f"{prefix}.pub_date"].iloc[0])
        assert getattr(plain, method)(bond, start_time=first, end_time=first)[f"{prefix}.pub_date"] == [
            int(first)
        ]

    def test_conversion_price_history_is_not_empty(self, client: QMTClient) -> None:
        frame = client.bnd_get_conversion_price(client.get_cb_list()[0])
        assert len(frame) > 0


# ---------------------------------------------------------------------------------------------- futures


class TestFutures:
    def test_main_contract_now(self, client: QMTClient) -> None:
        main = client.get_main_contract("IF.CFE")
        assert isinstance(main, str) and re.fullmatch(r"IF\d{4}\.IF", main)
        assert client.get_main_contract("IF00.IF") == main

    def test_main_contract_changes_over_a_range(self, client: QMTClient) -> None:
        changes = client.get_main_contract("IF00.IF", start_time="20250101", end_time=TODAY)
        assert isinstance(changes, list) and len(changes) >= 10
        dates = [row["date"] for row in changes]
        assert all(DAY_RE.match(day) for day in dates) and dates == sorted(dates)
        assert "20250101" <= dates[0] and dates[-1] <= TODAY
        contracts = [row["contract"] for row in changes]
        assert len(set(contracts)) == len(contracts)  # one row per change
        assert contracts[-1] == client.get_main_contract("IF00.IF")

    def test_main_contract_on_a_day(self, client: QMTClient) -> None:
        changes = client.get_main_contract("IF00.IF", start_time="20250101", end_time=TODAY)
        assert isinstance(changes, list)
        assert client.get_main_contract("IF00.IF", start_time=changes[1]["date"]) == changes[1]["contract"]

    def test_sec_main_contract(self, client: QMTClient) -> None:
        second = client.get_sec_main_contract("IF.CFE")
        assert isinstance(second, str) and second != client.get_main_contract("IF.CFE")

    def test_trading_contract_list(self, client: QMTClient) -> None:
        contracts = client.get_trading_contract_list("IF.CFE")
        assert client.get_main_contract("IF.CFE") in contracts
        assert client.get_trading_contract_list("IF00.IF", date="20250601") == sorted(
            client.get_trading_contract_list("IF00.IF", date="20250601")
        )

    def test_errors(self, client: QMTClient) -> None:
        with pytest.raises(BadRequestError):
            client.get_main_contract("IF")
        with pytest.raises(BadRequestError):
            client.get_main_contract("IF.MOON")


# ---------------------------------------------------------------------------------------------- HK


class TestHK:
    def test_stock_lists(self, client: QMTClient) -> None:
        everything = client.get_hk_stock_list()
        sh, sz = client.get_hk_connect_stocks("sh"), client.get_hk_connect_stocks(direction="sz")
        assert "00700.HK" in everything
        assert sh and sz and set(sh) | set(sz) <= set(everything)
        assert all(code.endswith(".HK") for code in everything)

    def test_bad_direction(self, client: QMTClient) -> None:
        with pytest.raises(UnprocessableEntityError):
            client.get_hk_connect_stocks("north")

    def test_broker_dict(self, client: QMTClient) -> None:
        brokers = client.get_hk_broker_dict()
        assert brokers and all(key.isdigit() and isinstance(name, str) for key, name in brokers.items())

    def test_broker_queue(self, client: QMTClient) -> None:
        queues = client.get_broker_queue_data(["00700.HK"], count=1)
        assert set(queues) == {"00700.HK"}


# ---------------------------------------------------------------------------------------------- downloads


class TestDownload:
    def test_download_history_data2(self, client: QMTClient) -> None:
        answer = client.download_history_data2(["000001.SZ", "600519.SH"], period="1d", start_time="20240101")
        assert answer["status"] == "ok" and answer["stocks"] == ["000001.SZ", "600519.SH"]
        assert set(answer["result"]) == {"000001.SZ", "600519.SH"}

    def test_download_financial_data(self, client: QMTClient) -> None:
        answer = client.download_financial_data("000001.SZ", tables=["Balance"], timeout=120)
        assert answer["status"] == "ok" and answer["tables"] == ["Balance"]

    @pytest.mark.parametrize(
        "method",
        [
            "download_sector_data",
            "download_index_weight",
            "download_etf_info",
            "download_cb_data",
            "download_history_contracts",
            "download_holiday_data",
            "download_his_st_data",
        ],
    )
    def test_market_wide_downloads(self, client: QMTClient, method: str) -> None:
        answer = getattr(client, method)()
        assert answer["status"] == "ok" and answer["function"] == method

    def test_download_errors(self, client: QMTClient) -> None:
        with pytest.raises(BadRequestError):
            client.download_history_data2(["000001.SZ"], period="7d")
        with pytest.raises(NotFoundError):
            client.download_history_data2(["999999.SH"])
        with pytest.raises(BadRequestError):
            client.download_financial_data(["000001.SZ"], tables=["Nope"])


# ---------------------------------------------------------------------------------------------- additions


class TestMarketAdditions:
    def test_get_full_kline(self, client: QMTClient) -> None:
        frames = client.get_full_kline(["000001.SZ", "600519.SH"], period="1m", count=5)
        assert set(frames) == {"000001.SZ", "600519.SH"}
        for frame in frames.values():
            assert len(frame) == 5
            assert_time_indexed(frame)
            assert {"open", "high", "low", "close", "volume", "amount"} <= set(frame.columns)
            assert (frame.index.strftime("%Y%m%d") == TODAY).all()

    def test_get_full_kline_daily_and_fields(self, plain: QMTClient) -> None:
        columns = plain.get_full_kline("000001.SZ", period="1d", fields=["close"])["000001.SZ"]
        assert "close" in columns and "open" not in columns
        assert [shanghai_day(ms) for ms in columns["time"]] == [TODAY]

    def test_get_full_kline_bad_period(self, client: QMTClient) -> None:
        with pytest.raises(BadRequestError):
            client.get_full_kline("000001.SZ", period="tick")


class TestCalendarAdditions:
    def test_get_coming_trading_calendar(self, client: QMTClient) -> None:
        days = client.get_coming_trading_calendar("SH", end_time="20251231")
        assert days[0] == "20251121" and days[-1] == "20251231"
        assert days == sorted(days) and all(DAY_RE.match(day) for day in days)
        assert set(days) <= set(client.get_trading_calendar("SH", "20251121", "20251231"))

    def test_get_coming_trading_calendar_past_the_holiday_data(self, client: QMTClient) -> None:
        with pytest.raises(BadRequestError):
            client.get_coming_trading_calendar("SH", end_time="29991231")

    def test_get_kline_trading_period(self, client: QMTClient) -> None:
        periods = client.get_kline_trading_period("000001.SZ")
        assert periods["market"] == "SZ"
        assert [kline["type"] for kline in periods["tradings"]][:1] == ["auction"]

    def test_get_all_trading_periods(self, client: QMTClient) -> None:
        periods = client.get_all_trading_periods()
        assert {"SH", "SZ"} <= {entry["market"] for entry in periods}
        assert all("tradings" in entry for entry in periods)

    def test_get_all_kline_trading_periods(self, client: QMTClient) -> None:
        periods = client.get_all_kline_trading_periods()
        assert {"SH", "SZ"} <= {entry["market"] for entry in periods}
        assert all("tradings" in entry and "klines" not in entry for entry in periods)


class TestMetaAdditions:
    def test_get_authorized_market_list(self, client: QMTClient) -> None:
        assert {"SH", "SZ"} <= set(client.get_authorized_market_list())

    def test_get_wp_market_list(self, client: QMTClient) -> None:
        """The simulator has no foreign (外盘) market: the list is empty, not merely a list."""
        assert client.get_wp_market_list() == []

    def test_get_field_list(self, client: QMTClient) -> None:
        fields = client.get_field_list(3001)
        assert fields["open"] == "开盘价" and "close" in fields
        assert "lastPrice" in client.get_field_list(2)

    def test_get_field_list_unknown(self, client: QMTClient) -> None:
        with pytest.raises(NotFoundError):
            client.get_field_list(424242)
        with pytest.raises(UnprocessableEntityError):
            client.get_field_list(-1)

    def test_get_sub_info(self, client: QMTClient) -> None:
        info = client.get_sub_info()
        assert set(info) == {"current_connection", "all"}
        assert all(isinstance(value, list) for value in info.values())


class TestInstrumentAdditions:
    @pytest.mark.parametrize(
        ("stock", "tag", "expected"),
        [
            ("600519.SH", 101, True),
            ("000001.SZ", 101, False),
            ("000001.SZ", 10001, True),
            ("600519.SH", 100001, True),
        ],
    )
    def test_is_stock_type(self, client: QMTClient, stock: str, tag: int, expected: bool) -> None:
        assert client.is_stock_type(stock, tag) is expected

    def test_is_stock_type_unknown_code(self, client: QMTClient) -> None:
        with pytest.raises(NotFoundError):
            client.is_stock_type("999999.SH", 101)


# ---------------------------------------------------------------------------------------------- the spec


class TestSpecExamples:
    """The product spec's client examples (seed 000, "Python Client"), verbatim."""

    def test_financial_etf_option_futures_examples(self, client: QMTClient) -> None:
        fin = client.get_financial_data(["000001.SZ"], tables=["Balance"])
        etfs = client.get_etf_list()
        options = client.get_option_list("000300.SH", "20250321")
        main_contract = client.get_main_contract("IF.CFE")

        assert isinstance(fin["000001.SZ"]["Balance"], pd.DataFrame)
        assert "510300.SH" in etfs
        # CSI 300 options (CFFEX's IO) opened by that day, expired ones included, as xtquant lists them
        assert len(options) > 1000 and all(code.startswith("IO") and code.endswith(".IF") for code in options)
        assert isinstance(main_contract, str) and main_contract.startswith("IF")


def test_history_methods_pass_the_download_mode_on(client: QMTClient) -> None:
    """``download`` reaches the server: a mode it does not know is refused there, the known ones answer."""
    for method in (client.get_history_ex, client.get_market_data):
        with pytest.raises(UnprocessableEntityError, match="download"):
            method("600519.SH", count=2, download="sometimes")
        for mode in ("auto", "always", "never"):
            frames = method("600519.SH", count=2, download=mode)
            assert len(frames["600519.SH"]) == 2
