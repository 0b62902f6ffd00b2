"""The real backend path (``XtquantBackend`` → ``xtquant.xtdata``) against the fake xtquant package.

What these tests pin down: backend selection and loading, that HTTP answers carry xtquant's values
correctly serialised, that the server calls xtquant with xtquant's own parameter names and values (the
fake records every call in ``CALLS``), the error shape for unknown codes / backend failures / timeouts,
and that the real backend's calls never run concurrently.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from helpers import assert_error
from qmt_bridge.backends import base
from qmt_bridge.backends.base import BackendUnavailableError, load_backend
from qmt_bridge.backends.xtquant import XtquantBackend
from qmt_bridge.server.config import Settings

# The fake's fixed data, in ms since the epoch (00:00 China time of each day).
D1110, D1114 = 1762704000000, 1763049600000
D1117, D1118, D1119, D1120, D1121 = 1763308800000, 1763395200000, 1763481600000, 1763568000000, 1763654400000
CLOSE_1121 = 1763708400000  # 20251121 15:00 China time
UNKNOWN = "600999.SH"  # well-formed, unknown to the fake


def settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)


def recorded(fake: Any, name: str) -> list[inspect.BoundArguments]:
    """Every recorded call of ``name``, bound to the fake's (= the catalog's) signature.

    Binding fails with TypeError if the server passed a parameter name xtquant does not have.
    """
    out = []
    for args, kwargs in fake.calls_to(name):
        bound = inspect.signature(getattr(fake, name)).bind(*args, **kwargs)
        bound.apply_defaults()
        out.append(bound)
    return out


def only_call(fake: Any, name: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    calls = fake.calls_to(name)
    assert len(calls) == 1, f"expected one call of {name}, got {fake.CALLS}"
    recorded(fake, name)  # binds
    return calls[0]


# --------------------------------------------------------------------------------------------------
# The fake itself: the catalog's signatures
# --------------------------------------------------------------------------------------------------

KLINE_ARGS = "field_list=[], stock_list=[], period='1d', start_time='', end_time='', count=-1, dividend_type='none', fill_data=True"
CATALOG_SIGNATURES = {
    "get_market_data": f"({KLINE_ARGS})",
    "get_market_data_ex": f"({KLINE_ARGS})",
    "get_local_data": f"({KLINE_ARGS}, data_dir=None)",
    "get_full_tick": "(code_list)",
    "get_divid_factors": "(stock_code, start_time='', end_time='')",
    "download_history_data2": "(stock_list, period, start_time='', end_time='', callback=None, incrementally=None)",
    "get_instrument_detail": "(stock_code, iscomplete=False)",
    "get_instrument_detail_list": "(stock_list, iscomplete=False)",
    "get_instrument_type": "(stock_code, variety_list=None)",
    "get_ipo_info": "(start_time='', end_time='')",
    "get_index_weight": "(index_code)",
    "get_his_st_data": "(stock_code)",
    "get_sector_list": "()",
    "get_stock_list_in_sector": "(sector_name, real_timetag=-1)",
    "get_sector_info": "(sector_name='')",
    "get_markets": "()",
    "get_period_list": "()",
    "get_trading_dates": "(market, start_time='', end_time='', count=-1)",
    "get_trading_calendar": "(market, start_time='', end_time='')",
    "get_holidays": "()",
    "get_market_last_trade_date": "(market)",
    "get_trading_period": "(stock_code)",
    "create_sector_folder": "(parent_node, folder_name, overwrite=True)",
    "create_sector": "(parent_node, sector_name, overwrite=True)",
    "add_sector": "(sector_name, stock_list)",
    "remove_stock_from_sector": "(sector_name, stock_list)",
    "remove_sector": "(sector_name)",
    "reset_sector": "(sector_name, stock_list)",
    "download_financial_data2": "(stock_list, table_list=[], start_time='', end_time='', callback=None)",
    "download_sector_data": "()",
    "download_holiday_data": "(incrementally=True)",
    "download_history_contracts": "(incrementally=True)",
    "download_index_weight": "()",
    "download_etf_info": "()",
    "download_cb_data": "()",
    "get_client": "()",
    "connect": "(ip='', port=None, remember_if_success=True)",
}


@pytest.mark.parametrize("name", sorted(CATALOG_SIGNATURES))
def test_fake_signatures_are_the_catalogs(fake_xtdata, name):
    assert str(inspect.signature(getattr(fake_xtdata, name))) == CATALOG_SIGNATURES[name]


def test_fake_shapes(fake_xtdata):
    import numpy as np
    import pandas as pd

    # Like MiniQMT's, the local cache is empty until a download fills it.
    assert fake_xtdata.get_market_data_ex(["close"], ["000001.SZ"])["000001.SZ"].empty
    assert fake_xtdata.get_local_data(["close"], ["000001.SZ"])["000001.SZ"].empty
    fake_xtdata.download_history_data2(["000001.SZ", "600000.SH", "301999.SZ"], "1d", "20251118", "")
    assert fake_xtdata.downloaded("000001.SZ", "1d") == ["20251118", "20251119", "20251120", "20251121"]
    fake_xtdata.download_history_data2(["000001.SZ"], "1d")
    ex = fake_xtdata.get_market_data_ex(["time", "close"], ["000001.SZ"], fill_data=False)
    frame = ex["000001.SZ"]
    assert list(frame.index) == ["20251117", "20251118", "20251119", "20251120", "20251121"]
    assert frame["time"].dtype == np.int64 and frame["close"].dtype == np.float64
    assert frame["close"].isna().sum() == 1
    major = fake_xtdata.get_market_data(["close"], ["600000.SH", "301999.SZ"])
    assert list(major) == ["close"] and list(major["close"].index) == ["600000.SH", "301999.SZ"]
    assert isinstance(fake_xtdata.get_divid_factors("600000.SH"), pd.DataFrame)
    tick = fake_xtdata.get_full_tick(["600000.SH"])["600000.SH"]
    assert isinstance(tick["lastPrice"], np.float64) and isinstance(tick["volume"], np.int64)
    assert isinstance(tick["askPrice"], list) and len(tick["askPrice"]) == 5
    assert len(fake_xtdata.get_instrument_detail("600000.SH")) == 31
    assert fake_xtdata.get_instrument_detail(UNKNOWN) is None
    with pytest.raises(Exception, match="SH"):
        fake_xtdata.get_trading_calendar("IF")


# --------------------------------------------------------------------------------------------------
# (1) Backend selection
# --------------------------------------------------------------------------------------------------


def test_auto_picks_xtquant_when_importable(fake_on_path, monkeypatch):
    # The fake has no native parts; here it plays a package whose parts load (test_backend_choice.py
    # covers how that is decided).
    monkeypatch.setattr(base, "xtquant_native_problem", lambda package_dir, suffixes=None: None)
    backend = load_backend(settings(backend="auto"))
    assert isinstance(backend, XtquantBackend) and backend.name == "xtquant"
    assert backend.max_concurrency == 1
    # Choosing must not import xtquant (the real `import xtquant` pings PyPI).
    assert "xtquant" not in sys.modules


def test_auto_picks_sim_without_xtquant(no_xtquant):
    assert importlib.util.find_spec("xtquant") is None  # precondition: nothing called xtquant on sys.path
    backend = load_backend(settings(backend="auto"))
    assert backend.name == "sim"
    assert type(backend).__name__ == "SimBackend"


def test_explicit_xtquant_is_chosen_even_when_missing(no_xtquant):
    backend = load_backend(settings(backend="xtquant"))
    assert isinstance(backend, XtquantBackend)
    with pytest.raises(BackendUnavailableError):
        backend.start()


# --------------------------------------------------------------------------------------------------
# (2) XtquantBackend.start / stop / version / is_connected
# --------------------------------------------------------------------------------------------------


def test_start_imports_lazily_and_silences_the_banner(fake_on_path):
    backend = XtquantBackend()
    assert "xtquant" not in sys.modules
    assert backend.is_connected() is False
    with pytest.raises(BackendUnavailableError):
        backend.xtdata  # noqa: B018 (not started)

    backend.start()
    xtdata = sys.modules["xtquant.xtdata"]
    assert backend.xtdata is xtdata
    assert xtdata.enable_hello is False
    assert backend.version() == "xtquant_250807"
    assert backend.is_connected() is True
    xtdata.CONNECTED = False
    assert backend.is_connected() is False
    xtdata.FAILURES["get_client"] = Exception("行情服务连接断开")
    assert backend.is_connected() is False

    backend.stop()
    backend.stop()  # idempotent
    with pytest.raises(BackendUnavailableError):
        backend.xtdata  # noqa: B018


def test_start_without_xtquant_raises_unavailable(no_xtquant):
    with pytest.raises(BackendUnavailableError, match="xtquant") as info:
        XtquantBackend().start()
    assert isinstance(info.value.__cause__, ImportError)


def test_start_when_xtdata_import_raises(no_xtquant, tmp_path, monkeypatch):
    """Like the real package when ``datacenter.rpc_init`` fails while importing xtquant.xtdata."""
    package = tmp_path / "xtquant"
    package.mkdir()
    (package / "__init__.py").write_text('__version__ = "xtquant_250807"\n', encoding="utf-8")
    (package / "xtdata.py").write_text(
        'raise RuntimeError("rpc_init failed: 无法初始化行情连接")\n', encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(BackendUnavailableError, match="rpc_init failed") as info:
        XtquantBackend().start()
    assert isinstance(info.value.__cause__, RuntimeError)


def test_app_refuses_to_start_without_xtquant(no_xtquant):
    from fastapi.testclient import TestClient

    from qmt_bridge.server.app import create_app

    app = create_app(settings(backend="xtquant"))
    with pytest.raises(BackendUnavailableError), TestClient(app):
        pass


def test_lifespan_starts_the_fake(client, fake_xtdata):
    assert fake_xtdata.enable_hello is False
    assert sys.modules["xtquant.xtdata"] is fake_xtdata
    assert client.get("/api/meta/health").json()["backend"] == "xtquant"


# --------------------------------------------------------------------------------------------------
# (3) HTTP: values, serialisation, and how xtquant was called
# --------------------------------------------------------------------------------------------------

EX_PARAMS = {
    "stocks": "600000.SH,000001.SZ",
    "fields": "open,close,volume",
    "period": "1d",
    "count": 3,
    "dividend_type": "front",
    "fill_data": "false",
}


def test_market_data_ex_records(client, fake_xtdata):
    response = client.get("/api/market/market_data_ex", params=EX_PARAMS)
    assert response.status_code == 200, response.text
    assert "NaN" not in response.text
    body = response.json()
    assert body["period"] == "1d" and body["dividend_type"] == "front"
    assert body["data"] == {
        "600000.SH": [
            {"time": D1119, "open": 11.66, "close": 11.45, "volume": 701234},
            {"time": D1120, "open": 11.45, "close": 11.58, "volume": 498765},
            {"time": D1121, "open": 11.58, "close": 11.250000000000002, "volume": 812345},
        ],
        "000001.SZ": [
            {"time": D1119, "open": None, "close": None, "volume": 0},  # suspended, fill_data=False
            {"time": D1120, "open": 12.0, "close": 12.05, "volume": 1001234},
            {"time": D1121, "open": 12.05, "close": 11.72, "volume": 1102345},
        ],
    }
    row = body["data"]["600000.SH"][0]
    assert type(row["time"]) is int and type(row["volume"]) is int and type(row["close"]) is float

    args, kwargs = only_call(fake_xtdata, "get_market_data_ex")
    assert args == ()
    assert kwargs == {
        "field_list": ["time", "open", "close", "volume"],
        "stock_list": ["600000.SH", "000001.SZ"],
        "period": "1d",
        "start_time": "",
        "end_time": "",
        "count": 3,
        "dividend_type": "front",
        "fill_data": False,
    }
    # The codes were validated first, with xtquant's own lookup.
    assert [b.arguments["stock_code"] for b in recorded(fake_xtdata, "get_instrument_detail")] == [
        "600000.SH",
        "000001.SZ",
    ]


def test_market_data_ex_columns(client, fake_xtdata):
    response = client.get("/api/market/market_data_ex", params={**EX_PARAMS, "format": "columns"})
    assert response.status_code == 200, response.text
    assert "NaN" not in response.text
    data = response.json()["data"]
    assert data["000001.SZ"] == {
        "time": [D1119, D1120, D1121],
        "open": [None, 12.0, 12.05],
        "close": [None, 12.05, 11.72],
        "volume": [0, 1001234, 1102345],
    }
    assert data["600000.SH"]["close"] == [11.45, 11.58, 11.250000000000002]
    assert all(type(v) is int for v in data["600000.SH"]["time"] + data["600000.SH"]["volume"])


def test_market_data_ex_fill_data_and_range(client, fake_xtdata):
    params = {
        "stocks": "000001.SZ",
        "start_time": "20251118",
        "end_time": "20251119",
        "fields": "close,volume",
    }
    body = client.get("/api/market/market_data_ex", params=params).json()
    # fill_data defaults to True: the suspended day repeats the previous close with zero volume.
    assert body["data"]["000001.SZ"] == [
        {"time": D1118, "close": 11.98, "volume": 856789},
        {"time": D1119, "close": 11.98, "volume": 0},
    ]
    _, kwargs = only_call(fake_xtdata, "get_market_data_ex")
    assert kwargs["start_time"] == "20251118" and kwargs["end_time"] == "20251119"
    assert kwargs["fill_data"] is True and kwargs["count"] == -1 and kwargs["dividend_type"] == "none"


def test_market_data_ex_all_fields(client, fake_xtdata):
    body = client.get("/api/market/market_data_ex", params={"stocks": "600000.SH", "count": 1}).json()
    assert body["data"]["600000.SH"] == [
        {
            "time": D1121, "open": 11.58, "high": 11.61, "low": 11.2, "close": 11.250000000000002,
            "volume": 812345, "amount": 921034500.0, "settelementPrice": 0.0, "openInterest": 15,
            "preClose": 11.58, "suspendFlag": 0,
        }
    ]  # fmt: skip
    _, kwargs = only_call(fake_xtdata, "get_market_data_ex")
    assert kwargs["field_list"] == []  # empty = all fields, as in xtquant


def test_market_data_ex_intraday(client, fake_xtdata):
    params = {"stocks": "600000.SH", "period": "1m", "fields": "close", "start_time": "20251121093100"}
    body = client.get("/api/market/market_data_ex", params=params).json()
    assert body["data"]["600000.SH"] == [
        {"time": 1763688660000, "close": 11.56},
        {"time": 1763688720000, "close": 11.53},
    ]
    _, kwargs = only_call(fake_xtdata, "get_market_data_ex")
    assert kwargs["period"] == "1m" and kwargs["start_time"] == "20251121093100"


MARKET_DATA_PARAMS = {"stocks": "600000.SH,301999.SZ", "fields": "close,volume", "dividend_type": "back"}


def test_market_data_field_major_regrouped(client, fake_xtdata):
    response = client.get("/api/market/market_data", params=MARKET_DATA_PARAMS)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert [(r["close"], r["volume"]) for r in data["600000.SH"]] == [
        (11.55, 612345),
        (11.66, 587654),
        (11.45, 701234),
        (11.58, 498765),
        (11.250000000000002, 812345),
    ]
    # xtquant pads 301999.SZ's two days before listing with NaN in every field: those rows are dropped.
    assert [(r["close"], r["volume"]) for r in data["301999.SZ"]] == [
        (40.1, 300000),
        (37.0, 200000),
        (35.5, 150000),
    ]

    args, kwargs = only_call(fake_xtdata, "get_market_data")
    assert args == ()
    assert kwargs == {
        "field_list": ["close", "volume"],
        "stock_list": ["600000.SH", "301999.SZ"],
        "period": "1d",
        "start_time": "",
        "end_time": "",
        "count": -1,
        "dividend_type": "back",
        "fill_data": True,
    }


def test_market_data_time_is_ms(client, fake_xtdata):
    """get_market_data has no ``time`` field here: the server derives it from the 'YYYYMMDD' labels.

    Regression: with pandas >= 3 the labels parse to datetime64[us], and an ``// 1_000_000`` that assumed
    nanoseconds answered seconds instead of ms.
    """
    data = client.get("/api/market/market_data", params=MARKET_DATA_PARAMS).json()["data"]
    assert [r["time"] for r in data["600000.SH"]] == [D1117, D1118, D1119, D1120, D1121]
    assert [r["time"] for r in data["301999.SZ"]] == [D1119, D1120, D1121]


def test_market_data_empty_range_keeps_time(client, fake_xtdata):
    params = {"stocks": "301999.SZ", "end_time": "20251118", "fields": "close", "format": "columns"}
    data = client.get("/api/market/market_data", params=params).json()["data"]
    assert data == {"301999.SZ": {"time": [], "close": []}}


def test_market_data_columns(client, fake_xtdata):
    params = {**MARKET_DATA_PARAMS, "stocks": "600000.SH", "format": "columns", "count": 2}
    data = client.get("/api/market/market_data", params=params).json()["data"]
    assert data["600000.SH"]["close"] == [11.58, 11.250000000000002]
    assert data["600000.SH"]["volume"] == [498765, 812345]
    assert len(data["600000.SH"]["time"]) == 2
    _, kwargs = only_call(fake_xtdata, "get_market_data")
    assert kwargs["count"] == 2


def test_full_tick(client, fake_xtdata):
    response = client.get("/api/market/full_tick", params={"stocks": "600000.SH,000300.SH"})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert set(data) == {"600000.SH", "000300.SH"}
    tick = data["600000.SH"]
    assert tick["time"] == CLOSE_1121 and type(tick["time"]) is int
    assert tick["lastPrice"] == 11.250000000000002 and tick["lastClose"] == 11.58
    assert tick["volume"] == 812345 and type(tick["volume"]) is int
    assert tick["pvolume"] == 81234500
    assert tick["askPrice"] == [11.26, 11.27, 11.28, 11.29, 11.3]
    assert tick["bidVol"] == [210, 430, 650, 870, 1090]
    assert tick["timetag"] == "20251121 15:00:00.000"
    assert data["000300.SH"]["pe"] is None  # NaN on the xtquant side
    assert data["000300.SH"]["askPrice"] == [0.0] * 5

    args, kwargs = only_call(fake_xtdata, "get_full_tick")
    assert args == (["600000.SH", "000300.SH"],) and kwargs == {}


def test_full_tick_of_a_market(client, fake_xtdata):
    data = client.get("/api/market/full_tick", params={"stocks": "SH"}).json()["data"]
    assert set(data) == {"600000.SH", "000300.SH"}
    assert only_call(fake_xtdata, "get_full_tick")[0] == (["SH"],)
    assert fake_xtdata.calls_to("get_instrument_detail") == []  # a market is not an instrument


def test_legacy_history(client, fake_xtdata):
    params = {"stock": "600000.SH", "count": 3, "dividend_type": "front"}
    response = client.get("/api/history", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stock"] == "600000.SH" and body["count"] == 3
    assert body["data"][-1] == {
        "time": D1121, "open": 11.58, "high": 11.61, "low": 11.2, "close": 11.250000000000002,
        "volume": 812345, "amount": 921034500.0,
    }  # fmt: skip
    assert [r["time"] for r in body["data"]] == [D1119, D1120, D1121]

    _, kwargs = only_call(fake_xtdata, "get_market_data_ex")
    assert kwargs == {
        "field_list": ["time", "open", "high", "low", "close", "volume", "amount"],
        "stock_list": ["600000.SH"],
        "period": "1d",
        "start_time": "",
        "end_time": "",
        "count": 3,
        "dividend_type": "front",
        "fill_data": True,
    }


def test_legacy_history_columns(client, fake_xtdata):
    params = {"stock": "000001.SZ", "count": 2, "fields": "time,close", "format": "columns"}
    body = client.get("/api/history", params=params).json()
    assert body["data"] == {"time": [D1120, D1121], "close": [12.05, 11.72]}


def test_local_data(client, fake_xtdata):
    """local_data reads the cache as it is: empty (and said so) until a download, never downloading."""
    params = {"stocks": "600000.SH", "fields": "close", "count": 1, "dividend_type": "front_ratio"}
    body = client.get("/api/market/local_data", params=params).json()
    assert body["data"] == {"600000.SH": []} and body["no_data"] == ["600000.SH"]
    assert body["download"]["downloaded"] == [] and fake_xtdata.calls_to("download_history_data2") == []
    download = client.post(
        "/api/download/history_data2?wait=true", json={"stocks": ["600000.SH"], "period": "1d"}
    )
    assert download.status_code == 200, download.text
    fake_xtdata.CALLS.clear()
    body = client.get("/api/market/local_data", params=params).json()
    assert body["data"] == {"600000.SH": [{"time": D1121, "close": 11.250000000000002}]}
    assert body["no_data"] == []
    [bound] = recorded(fake_xtdata, "get_local_data")
    assert bound.arguments["dividend_type"] == "front_ratio" and bound.arguments["count"] == 1
    assert bound.arguments["data_dir"] is None


def test_trading_dates(client, fake_xtdata):
    params = {"market": "SH", "start_time": "20251114", "end_time": "20251121"}
    response = client.get("/api/calendar/trading_dates", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {"market": "SH", "count": 6, "dates": [D1114, D1117, D1118, D1119, D1120, D1121]}
    assert all(type(d) is int for d in body["dates"])
    args, kwargs = only_call(fake_xtdata, "get_trading_dates")
    assert args == ("SH",) and kwargs == {"start_time": "20251114", "end_time": "20251121", "count": -1}


def test_trading_dates_count(client, fake_xtdata):
    body = client.get("/api/calendar/trading_dates", params={"market": "sz", "count": 2}).json()
    assert body["dates"] == [D1120, D1121]
    [bound] = recorded(fake_xtdata, "get_trading_dates")
    assert bound.arguments == {"market": "SZ", "start_time": "", "end_time": "", "count": 2}


def test_instrument_detail_list(client, fake_xtdata):
    response = client.get("/api/instrument/detail_list", params={"stocks": f"600000.SH,{UNKNOWN},000300.SH"})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert list(data) == ["600000.SH", UNKNOWN, "000300.SH"]
    assert data[UNKNOWN] is None
    detail = data["600000.SH"]
    assert detail == fake_xtdata.get_instrument_detail.__wrapped__("600000.SH")
    assert len(detail) == 31
    assert detail["InstrumentName"] == "浦发银行" and detail["OpenDate"] == "19991110"
    assert detail["UpStopPrice"] == 12.74 and detail["IsTrading"] is True
    calls = recorded(fake_xtdata, "get_instrument_detail")
    assert [(b.arguments["stock_code"], b.arguments["iscomplete"]) for b in calls] == [
        ("600000.SH", False),
        (UNKNOWN, False),
        ("000300.SH", False),
    ]


def test_instrument_detail_list_complete(client, fake_xtdata):
    data = client.get(
        "/api/instrument/detail_list", params={"stocks": "301999.SZ", "iscomplete": "true"}
    ).json()
    assert len(data["data"]["301999.SZ"]) == 38
    assert data["data"]["301999.SZ"]["DayCountFromIPO"] == 2
    assert [b.arguments["iscomplete"] for b in recorded(fake_xtdata, "get_instrument_detail")] == [True]


def test_sector_stocks(client, fake_xtdata):
    response = client.get("/api/sector/stocks", params={"sector": "沪深A股"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "sector": "沪深A股",
        "count": 3,
        "stocks": ["000001.SZ", "301999.SZ", "600000.SH"],
    }
    [bound] = recorded(fake_xtdata, "get_stock_list_in_sector")
    assert bound.arguments == {"sector_name": "沪深A股", "real_timetag": -1}


def test_sector_stocks_on_a_past_day(client, fake_xtdata):
    body = client.get("/api/sector/stocks", params={"sector": "沪深A股", "real_timetag": "2025-11-18"}).json()
    assert body["stocks"] == ["000001.SZ", "600000.SH"]  # 301999.SZ listed on 20251119
    [bound] = recorded(fake_xtdata, "get_stock_list_in_sector")
    assert bound.arguments == {"sector_name": "沪深A股", "real_timetag": "20251118"}


def test_unknown_sector_is_404(client, fake_xtdata):
    error = assert_error(client.get("/api/sector/stocks", params={"sector": "不存在"}), 404, "not_found")
    assert error["details"]["param"] == "sector"
    assert fake_xtdata.calls_to("get_stock_list_in_sector") == []


def test_meta_xtdata_version(client):
    response = client.get("/api/meta/xtdata_version")
    assert response.status_code == 200
    assert response.json() == {"xtdata_version": "xtquant_250807", "backend": "xtquant"}


def test_meta_connection_status(client, fake_xtdata):
    assert client.get("/api/meta/connection_status").json() == {"connected": True, "backend": "xtquant"}
    assert len(fake_xtdata.calls_to("get_client")) == 1
    fake_xtdata.CONNECTED = False
    assert client.get("/api/meta/connection_status").json() == {"connected": False, "backend": "xtquant"}
    fake_xtdata.FAILURES["get_client"] = Exception("行情服务连接断开")
    response = client.get("/api/meta/connection_status")
    assert response.status_code == 200 and response.json()["connected"] is False


def test_divid_factors(client, fake_xtdata):
    response = client.get("/api/market/divid_factors", params={"stock": "600000.SH"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stock"] == "600000.SH"
    assert body["data"] == [
        {"date": "20240719", "interest": 0.321, "stockBonus": 0.0, "stockGift": 0.0, "allotNum": 0.0,
         "allotPrice": 0.0, "gugai": 0.0, "dr": 1.0389105058365758},
        {"date": "20250717", "interest": 0.41, "stockBonus": 0.0, "stockGift": 0.0, "allotNum": 0.0,
         "allotPrice": 0.0, "gugai": 0.0, "dr": 1.0366726296958855},
    ]  # fmt: skip
    args, kwargs = only_call(fake_xtdata, "get_divid_factors")
    assert args == ("600000.SH",) and kwargs == {"start_time": "", "end_time": ""}


def test_divid_factors_columns_and_range(client, fake_xtdata):
    params = {"stock": "000001.SZ", "start_time": "20250101", "format": "columns"}
    body = client.get("/api/market/divid_factors", params=params).json()
    assert body["data"]["date"] == ["20251015"]
    assert body["data"]["interest"] == [0.236] and body["data"]["dr"] == [1.0199825479930192]
    _, kwargs = only_call(fake_xtdata, "get_divid_factors")
    assert kwargs == {"start_time": "20250101", "end_time": ""}


def test_divid_factors_none(client, fake_xtdata):
    """A stock without ex-dates: xtquant answers an empty DataFrame."""
    response = client.get("/api/market/divid_factors", params={"stock": "301999.SZ"})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == []


def test_legacy_download(client, fake_xtdata):
    body = {"stock": "600000.SH", "period": "1d", "start_time": "20251101", "end_time": "20251121"}
    response = client.post("/api/download", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["result"] == {
        "600000.SH": {"start_time": "2025-11-17T00:00:00", "end_time": "2025-11-21T00:00:00"}
    }
    [bound] = recorded(fake_xtdata, "download_history_data2")
    assert bound.arguments["stock_list"] == ["600000.SH"] and bound.arguments["period"] == "1d"
    assert bound.arguments["start_time"] == "20251101" and bound.arguments["end_time"] == "20251121"


SIMPLE_ENDPOINTS = [
    ("/api/calendar/holidays", {}, "get_holidays", lambda b: b["holidays"][:2] == ["20250101", "20250128"]),
    (
        "/api/calendar/trading_calendar",
        {"market": "SZ", "start_time": "20251201", "end_time": "20251205"},
        "get_trading_calendar",
        lambda b: b["calendar"] == ["20251201", "20251202", "20251203", "20251204", "20251205"],
    ),
    (
        "/api/calendar/trading_period",
        {"stock": "600000.SH"},
        "get_trading_period",
        lambda b: b["periods"]["tradings"][1] == {"status": 3, "time": [0, [93000, 1], [113000, 1]]},
    ),
    (
        "/api/meta/markets",
        {},
        "get_markets",
        lambda b: b["markets"]["SH"] == "上交所" and len(b["markets"]) == 15,
    ),
    (
        "/api/meta/period_list",
        {},
        "get_period_list",
        lambda b: {"name": "1d", "desc": "日线"} in b["periods"],
    ),
    (
        "/api/meta/last_trade_date",
        {"market": "SZ"},
        "get_market_last_trade_date",
        lambda b: b == {"market": "SZ", "last_trade_date": D1121, "date": "20251121"},
    ),
    (
        "/api/meta/stock_list",
        {"category": "沪深指数"},
        "get_stock_list_in_sector",
        lambda b: b["stocks"] == ["000300.SH"],
    ),
    (
        "/api/instrument/type",
        {"stock": "000300.SH"},
        "get_instrument_type",
        lambda b: b["type"] == {"index": True},
    ),
    (
        "/api/instrument/ipo_info",
        {"start_time": "20251101"},
        "get_ipo_info",
        lambda b: b["data"][0]["securityCode"] == "301999.SZ" and b["data"][0]["publishPrice"] == 20.0,
    ),
    (
        "/api/instrument/index_weight",
        {"index_code": "000300.SH"},
        "get_index_weight",
        lambda b: b["data"] == {"600000.SH": 0.5123, "000001.SZ": 0.6789},
    ),
    ("/api/instrument/his_st_data", {"stock": "600000.SH"}, "get_his_st_data", lambda b: b["data"] == {}),
    ("/api/sector/list", {}, "get_sector_list", lambda b: "沪深A股" in b["sectors"]),
    (
        "/api/sector/info",
        {"sector": "SW1银行"},
        "get_sector_info",
        lambda b: b["data"] == [{"sector": "SW1银行", "category": "行业"}],
    ),
    ("/api/market/indices", {}, "get_full_tick", lambda b: list(b["data"]) == ["000300.SH"]),
]


@pytest.mark.parametrize(
    ("path", "params", "function", "check"), SIMPLE_ENDPOINTS, ids=[e[0] for e in SIMPLE_ENDPOINTS]
)
def test_other_endpoints(client, fake_xtdata, path, params, function, check):
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert check(response.json()), response.json()
    assert recorded(fake_xtdata, function), fake_xtdata.CALLS


def test_is_trading_date_near_the_end_of_the_holiday_data(client, fake_xtdata):
    """The look-ahead window would reach into 2026, past the holiday data (xtquant raises for that): it is
    cut at the data's last day, so one call answers."""
    body = client.get("/api/calendar/is_trading_date", params={"market": "SH", "date": "20251231"}).json()
    assert body == {"market": "SH", "date": "20251231", "is_trading": True, "estimated": False}
    ends = [b.arguments["end_time"] for b in recorded(fake_xtdata, "get_trading_calendar")]
    assert ends == ["20251231"]


def test_a_date_past_the_holiday_data_is_refused_before_xtquant(client, fake_xtdata):
    response = client.get("/api/calendar/next_trading_date", params={"market": "SH", "date": "20260101"})
    assert "20251231" in assert_error(response, 400, "invalid_parameter", "date")["message"]
    assert not recorded(fake_xtdata, "get_trading_calendar")


def test_next_and_prev_trading_date(client, fake_xtdata):
    assert (
        client.get("/api/calendar/next_trading_date", params={"date": "20251121"}).json()["next_trading_date"]
        == "20251124"
    )
    assert (
        client.get("/api/calendar/prev_trading_date", params={"date": "20251117"}).json()["prev_trading_date"]
        == "20251114"
    )


def test_trading_calendar_of_other_market_is_rejected_before_xtquant(client, fake_xtdata):
    response = client.get("/api/calendar/trading_calendar", params={"market": "IF"})
    assert_error(response, 400, "invalid_parameter")
    assert fake_xtdata.calls_to("get_trading_calendar") == []


# --------------------------------------------------------------------------------------------------
# (4) Unknown codes
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "function"),
    [
        ("/api/market/market_data_ex", {"stocks": f"600000.SH,{UNKNOWN}"}, "get_market_data_ex"),
        ("/api/market/market_data", {"stocks": UNKNOWN}, "get_market_data"),
        ("/api/market/full_tick", {"stocks": f"{UNKNOWN},000001.SZ"}, "get_full_tick"),
        ("/api/market/divid_factors", {"stock": UNKNOWN}, "get_divid_factors"),
        ("/api/instrument/type", {"stock": UNKNOWN}, "get_instrument_type"),
        ("/api/calendar/trading_period", {"stock": UNKNOWN}, "get_trading_period"),
    ],
)
def test_unknown_code_is_404(client, fake_xtdata, path, params, function):
    response = client.get(path, params=params, headers={"X-Request-ID": "req-unknown-1"})
    error = assert_error(response, 404, "unknown_code")
    assert response.json()["request_id"] == "req-unknown-1"
    assert UNKNOWN in error["message"]
    assert error["details"]["value"] == [UNKNOWN]
    assert error["details"]["param"] == next(iter(params))
    assert fake_xtdata.calls_to(function) == []  # rejected before the data call


def test_unknown_code_on_history_is_404(client, fake_xtdata):
    error = assert_error(client.get("/api/history", params={"stock": UNKNOWN}), 404, "unknown_code")
    assert error["details"]["value"] == [UNKNOWN]
    assert fake_xtdata.calls_to("get_market_data_ex") == []


def test_unknown_code_on_history_names_the_stock_param(client):
    error = assert_error(client.get("/api/history", params={"stock": UNKNOWN}), 404, "unknown_code")
    assert error["details"]["param"] == "stock"


# --------------------------------------------------------------------------------------------------
# (5) Backend failures and timeouts
# --------------------------------------------------------------------------------------------------


def test_backend_exception_is_502(client, fake_xtdata):
    fake_xtdata.FAILURES["get_market_data_ex"] = Exception("行情服务连接断开")
    response = client.get("/api/market/market_data_ex", params={"stocks": "600000.SH"})
    error = assert_error(response, 502, "backend_error")
    assert "行情服务连接断开" in error["message"]
    assert error["details"] == {"call": "get_market_data_ex"}
    assert "xtdata.py" not in response.text and "line " not in response.text

    # The server is still fine afterwards.
    fake_xtdata.FAILURES.clear()
    assert client.get("/api/market/market_data_ex", params={"stocks": "600000.SH"}).status_code == 200


def test_backend_exception_in_validation_is_502(client, fake_xtdata):
    """A failure of the code check (which runs several xtquant calls as one runner call) is a 502 too."""
    fake_xtdata.FAILURES["get_instrument_detail"] = Exception("行情服务连接断开")
    error = assert_error(
        client.get("/api/market/full_tick", params={"stocks": "600000.SH"}), 502, "backend_error"
    )
    assert "行情服务连接断开" in error["message"]


def test_validation_failure_names_the_xtquant_call(client, fake_xtdata):
    fake_xtdata.FAILURES["get_instrument_detail"] = Exception("行情服务连接断开")
    response = client.get("/api/market/full_tick", params={"stocks": "600000.SH"})
    error = assert_error(response, 502, "backend_error")
    assert error["details"] == {"call": "get_instrument_detail"}


def test_trading_calendar_beyond_holiday_data_is_a_client_error(client, fake_xtdata):
    """The server checks the range against get_holidays() first instead of letting xtquant raise."""
    response = client.get("/api/calendar/trading_calendar", params={"market": "SH", "end_time": "20260105"})
    error = assert_error(response, 400, "invalid_parameter")
    assert "end_time" in error["message"] and "2025" in error["message"]
    assert fake_xtdata.calls_to("get_trading_calendar") == []


@pytest.mark.timeout(20)
def test_slow_call_times_out_quickly(make_client, fake_xtdata):
    client = make_client(backend_timeout=0.5)
    fake_xtdata.DELAYS["get_full_tick"] = 30.0  # ended early by reset() at teardown
    started = time.perf_counter()
    response = client.get("/api/market/full_tick", params={"stocks": "600000.SH"})
    elapsed = time.perf_counter() - started
    error = assert_error(response, 504, "backend_timeout")
    assert error["details"] == {"call": "get_full_tick", "timeout": 0.5, "queued": False}
    assert 0.45 <= elapsed < 10.0, elapsed  # the timeout, not the 30 s call, decides


@pytest.mark.timeout(20)
def test_hung_call_blocks_the_single_worker_until_it_returns(make_client, fake_xtdata):
    """With max_concurrency 1, calls queued behind a hung xtquant call time out too (they never run
    later), and the server recovers once the hung call returns."""
    client = make_client(backend_timeout=0.5)
    fake_xtdata.DELAYS["get_full_tick"] = 30.0
    assert_error(client.get("/api/market/full_tick", params={"stocks": "600000.SH"}), 504, "backend_timeout")
    queued = assert_error(client.get("/api/calendar/holidays"), 504, "backend_timeout")
    assert (
        queued["details"]["queued"] is True and "waited 0.5 s for a free backend worker" in queued["message"]
    )

    fake_xtdata.DELAYS.clear()
    fake_xtdata.reset()  # wakes the hung call
    deadline = time.monotonic() + 5
    while fake_xtdata.ACTIVE and time.monotonic() < deadline:
        time.sleep(0.01)
    response = client.get("/api/calendar/holidays")
    assert response.status_code == 200, response.text
    assert [name for name, *_ in fake_xtdata.CALLS] == ["get_holidays"]  # the queued call was dropped


# --------------------------------------------------------------------------------------------------
# (6) The real backend's calls are serialised
# --------------------------------------------------------------------------------------------------

MIXED_REQUESTS = [
    ("/api/market/full_tick", {"stocks": "600000.SH"}),
    ("/api/market/market_data_ex", {"stocks": "000001.SZ", "count": 2}),
    ("/api/calendar/trading_dates", {"market": "SH"}),
    ("/api/meta/connection_status", {}),
    ("/api/sector/stocks", {"sector": "沪深300"}),
    ("/api/instrument/detail_list", {"stocks": "600000.SH,000001.SZ"}),
] * 2


def _concurrently(client: Any, requests: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(lambda req: client.get(req[0], params=req[1]), requests))


def _overlapping(spans: list[tuple[str, str, float, float]]) -> list[tuple[str, str]]:
    ordered = sorted(spans, key=lambda span: span[2])
    return [(a[0], b[0]) for a, b in zip(ordered, ordered[1:], strict=False) if b[2] < a[3]]


@pytest.mark.timeout(30)
def test_calls_never_overlap(make_client, fake_xtdata):
    """Interactive calls run one at a time on one worker; the history downloads that market_data_ex asks
    for first run on the background lane, one at a time too, and may overlap them (nothing else may)."""
    client = make_client(backend_concurrency=16)  # the backend's max_concurrency (1) still wins
    fake_xtdata.DELAYS["*"] = 0.03
    started = time.perf_counter()
    responses = _concurrently(client, MIXED_REQUESTS)
    elapsed = time.perf_counter() - started
    assert [r.status_code for r in responses] == [200] * len(MIXED_REQUESTS), [r.text for r in responses]

    spans = list(fake_xtdata.SPANS)
    interactive = [span for span in spans if not span[1].startswith("backend-background")]
    background = [span for span in spans if span[1].startswith("backend-background")]
    assert len(interactive) >= len(MIXED_REQUESTS)
    assert {name for name, *_ in background} == {"download_history_data2"}
    assert fake_xtdata.MAX_ACTIVE <= 2
    assert _overlapping(interactive) == [] and _overlapping(background) == []
    assert len({thread for _, thread, _, _ in interactive}) == 1  # one worker thread
    assert elapsed >= 0.03 * len(interactive) * 0.9


@pytest.mark.timeout(30)
def test_overlap_detector_sees_parallel_calls(make_client, fake_xtdata):
    """Control: the same harness does observe overlap when a backend allows concurrency."""

    class ParallelXtquant(XtquantBackend):
        max_concurrency = 4

    client = make_client(backend=ParallelXtquant())
    fake_xtdata.DELAYS["get_full_tick"] = 0.2
    responses = _concurrently(client, [("/api/market/full_tick", {"stocks": "600000.SH"})] * 8)
    assert all(r.status_code == 200 for r in responses)
    assert fake_xtdata.MAX_ACTIVE > 1
    assert _overlapping(list(fake_xtdata.SPANS))
