"""/api/instrument/*: details with xtquant's keys, types, IPOs, index weights, ST history."""

from __future__ import annotations

import re

import pytest

from helpers import assert_error

#: xtquant's get_instrument_detail keys with iscomplete=False (shared/xtquant-api.md §1.9).
DETAIL_KEYS = [
    "ExchangeID", "InstrumentID", "InstrumentName", "ProductID", "ProductName", "ProductType", "ExchangeCode",
    "UniCode", "CreateDate", "OpenDate", "ExpireDate", "TradingDay", "PreClose", "SettlementPrice",
    "UpStopPrice", "DownStopPrice", "FloatVolume", "TotalVolume", "LongMarginRatio", "ShortMarginRatio",
    "PriceTick", "VolumeMultiple", "MainContract", "LastVolume", "InstrumentStatus", "IsTrading", "IsRecent",
    "ProductTradeQuota", "ContractTradeQuota", "ProductOpenInterestQuota", "ContractOpenInterestQuota",
]  # fmt: skip
DATE_KEYS = ["CreateDate", "OpenDate", "ExpireDate", "TradingDay"]


def _get(api, url: str, **params) -> dict:
    r = api.get(url, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_detail_keys_are_xtquants_31():
    assert len(DETAIL_KEYS) == len(set(DETAIL_KEYS)) == 31


def test_detail_list(api):
    data = _get(api, "/api/instrument/detail_list", stocks="600519.SH,000001.SZ,999999.SH")["data"]
    assert list(data) == ["600519.SH", "000001.SZ", "999999.SH"]
    assert data["999999.SH"] is None
    for code in ("600519.SH", "000001.SZ"):
        detail = data[code]
        assert list(detail) == DETAIL_KEYS
        for key in DATE_KEYS:
            assert isinstance(detail[key], str) and re.fullmatch(r"\d{8}", detail[key]), (key, detail[key])
    moutai = data["600519.SH"]
    assert moutai["InstrumentID"] == "600519" and moutai["ExchangeID"] == "SH"
    assert moutai["InstrumentName"] == "贵州茅台"
    assert moutai["TradingDay"] == "20251120"
    assert moutai["DownStopPrice"] < moutai["PreClose"] < moutai["UpStopPrice"]
    assert moutai["PriceTick"] == 0.01 and moutai["VolumeMultiple"] == 1
    assert data["000001.SZ"]["InstrumentName"] == "平安银行"


def test_detail_list_iscomplete_adds_extended_fields(api):
    short = _get(api, "/api/instrument/detail_list", stocks="600519.SH")["data"]["600519.SH"]
    full = _get(api, "/api/instrument/detail_list", stocks="600519.SH", iscomplete="true")["data"][
        "600519.SH"
    ]
    assert set(short) < set(full)
    assert {"MaxLimitOrderVolume", "MinLimitOrderVolume", "DayCountFromIPO"} <= set(full) - set(short)
    assert {k: full[k] for k in short} == short


@pytest.mark.parametrize(
    ("code", "expected"),
    [("600519.SH", "stock"), ("000300.SH", "index"), ("510300.SH", "etf")],
)
def test_type(api, code, expected):
    body = _get(api, "/api/instrument/type", stock=code)
    assert body["stock"] == code
    flags = body["type"]
    assert flags.get(expected) is True
    assert all(value is True for value in flags.values())  # only the true flags, like xtquant
    if expected != "stock":
        assert "stock" not in flags


def test_ipo_info_in_a_range(api):
    rows = _get(api, "/api/instrument/ipo_info", start_time="20250101", end_time="20250630")["data"]
    assert rows
    for row in rows:
        assert "20250101" <= row["listedDate"] <= "20250630", row
        assert {"securityCode", "codeName", "publishPrice", "listedDate", "actIssueQty"} <= set(row)
        assert row["publishPrice"] > 0


def test_ipo_info_bad_range(api):
    assert_error(
        api.get("/api/instrument/ipo_info?start_time=20250101&end_time=20241231"), 400, param="end_time"
    )
    assert_error(api.get("/api/instrument/ipo_info?start_time=2025-13-01"), 400, param="start_time")


def test_index_weight_of_csi300(api):
    body = _get(api, "/api/instrument/index_weight", index_code="000300.SH")
    assert body["index_code"] == "000300.SH"
    weights = body["data"]
    assert len(weights) == 300
    assert sum(weights.values()) == pytest.approx(100, abs=0.01)
    assert all(w > 0 for w in weights.values())
    assert "600519.SH" in weights
    # The constituents are those of the 沪深300 sector.
    members = _get(api, "/api/sector/stocks", sector="沪深300")["stocks"]
    assert set(weights) == set(members)


def test_index_weight_errors(api):
    assert_error(api.get("/api/instrument/index_weight?index_code=600519.SH"), 404, "not_found", "index_code")
    assert_error(
        api.get("/api/instrument/index_weight?index_code=000300"), 400, "invalid_parameter", "index_code"
    )


def test_his_st_data(api, xtdata):
    assert _get(api, "/api/instrument/his_st_data", stock="600519.SH") == {"stock": "600519.SH", "data": {}}
    ever_st = next(
        (code for code in xtdata.get_stock_list_in_sector("沪深A股")[:400] if xtdata.get_his_st_data(code)),
        None,
    )
    assert ever_st is not None, "precondition: a stock with an ST history among the first 400 A-shares"
    data = _get(api, "/api/instrument/his_st_data", stock=ever_st)["data"]
    # Only the labels that occur are keys, as in the wheel.
    assert len(data) == 1 and set(data) <= {"ST", "*ST", "PT"}
    spans = [span for kind in data.values() for span in kind]
    assert spans
    for start, end in spans:
        assert re.fullmatch(r"\d{8}", start) and re.fullmatch(r"\d{8}", end) and start <= end
    assert all(end <= "20251120" or end == "20380119" for _, end in spans)  # closed, or still running


@pytest.mark.parametrize(
    ("url", "status", "param"),
    [
        ("/api/instrument/detail_list?stocks=", 400, "stocks"),
        ("/api/instrument/detail_list?stocks=abc", 400, "stocks"),
        ("/api/instrument/detail_list?stocks=600519.SH&iscomplete=maybe", 422, "iscomplete"),
        ("/api/instrument/type?stock=999999.SH", 404, "stock"),
        ("/api/instrument/type?stock=600519", 400, "stock"),
        ("/api/instrument/his_st_data?stock=999999.SH", 404, "stock"),
        ("/api/instrument/his_st_data?stock=000001.XX", 400, "stock"),
        ("/api/instrument/index_weight", 422, "index_code"),
    ],
)
def test_bad_instrument_input(api, url, status, param):
    assert_error(api.get(url), status, param=param)


def test_is_stock_type_huge_tag_is_a_client_error(api):
    from fastapi.testclient import TestClient

    client = TestClient(api.app, raise_server_exceptions=False)  # the lifespan runs already, under `api`
    r = client.get("/api/instrument/is_stock_type", params={"stock": "600519.SH", "tag": 2**64})
    assert_error(r, 400, "invalid_parameter", param="tag")


@pytest.mark.parametrize(
    ("stock", "tag", "expected"),
    [
        ("600519.SH", 1, True),  # XT_GE_MARKET_SH
        ("600519.SH", 365, True),  # XT_GE_SH_MAIN_BOARD (config/xtstocktype.lua)
        ("000001.SZ", 2, True),  # XT_GE_MARKET_SZ
        ("000001.SZ", 1, False),
        ("IF2512.IF", 3, True),  # XT_GE_MARKET_ZJ
        ("510300.SH", 351, True),  # XT_GE_SH_300_ETF
        ("000300.SH", 100005, True),  # XT_GE_EXTRA_STOCK_INDEX
        ("000300.SH", 100001, False),
    ],
)
def test_is_stock_type(api, stock, tag, expected):
    assert _get(api, "/api/instrument/is_stock_type", stock=stock, tag=tag) == {
        "stock": stock,
        "tag": tag,
        "result": expected,
    }


def test_is_stock_type_of_an_option(api, xtdata):
    option = next(c for c in xtdata.get_stock_list_in_sector("上证期权"))
    answer = _get(api, "/api/instrument/is_stock_type", stock=option, tag=8)  # XT_GE_MARKET_OP
    assert answer["result"] is True


@pytest.mark.parametrize("tag", [999999, 0, -1, 364_999, 2**31, 2**64])
def test_is_stock_type_refuses_tags_that_are_no_xtstocktype_constant(api, tag):
    r = api.get("/api/instrument/is_stock_type", params={"stock": "600519.SH", "tag": tag})
    error = assert_error(r, 400, "invalid_parameter", "tag")
    assert error["details"]["param"] == "tag"


def test_is_stock_type_unknown_code_is_404_and_a_bad_tag_type_422(api):
    assert_error(api.get("/api/instrument/is_stock_type?stock=999999.SH&tag=101"), 404, param="stock")
    assert_error(api.get("/api/instrument/is_stock_type?stock=600519.SH&tag=abc"), 422, param="tag")
