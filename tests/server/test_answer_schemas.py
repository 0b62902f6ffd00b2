"""The 200 answers declared in /openapi.json (``server/answers``) describe what the endpoints really answer:
every route with a declared model answers, on the simulator, a body its model validates (extra keys
forbidden), and its document entry refers to the model and shows an example that validates too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from conftest import AFTER_CLOSE, SEED
from helpers import assert_documented_answer
from qmt_bridge.server.answers import answer_model
from qmt_bridge.server.answers.download import DownloadJobStarted

A = "600519.SH"
#: An order of 000001.SZ at 10:00 of the frozen day, below the best bid (get_order_rank).
ORDER = "order_time=20251120100000&order_type=buy&order_price=9.05&order_volume=1000&order_left_volume=1000"

#: A request per declared GET path (the 2.1.3 names with ours), each answered 200 on the simulator (frozen
#: after the close of 2025-11-20, so that today's Level-2 data is there).
SAMPLES: dict[str, list[str]] = {
    "/api/market/full_tick": ["stocks=600519.SH,000001.SZ"],
    "/api/market/snapshot": ["stocks=600519.SH"],
    "/api/market/indices": [""],
    "/api/market/market_data_ex": [
        "stocks=600519.SH,000001.SZ&count=3",
        "stocks=600519.SH&period=1m&count=3&format=columns",
        "stocks=600519.SH&period=tick&count=2",
        "stocks=600519.SH&start_time=19900101&end_time=19900110",  # no_data
    ],
    "/api/market/history_ex": ["stocks=600519.SH&count=2"],
    "/api/market/market_data3": ["stocks=600519.SH&count=2"],
    "/api/market/local_data": ["stocks=600519.SH&period=5m&count=2"],
    "/api/market/market_data": ["stocks=600519.SH&count=2", "stocks=600519.SH&period=tick&count=1"],
    "/api/market/divid_factors": ["stock=600519.SH", "stock=600519.SH&format=columns"],
    "/api/market/full_kline": ["stocks=600519.SH&count=2", "stock=600519.SH&count=1&format=columns"],
    "/api/calendar/trading_dates": ["market=SH&count=3", "market=SZ&start_time=20251101&end_time=20251120"],
    "/api/calendar/holidays": [""],
    "/api/calendar/trading_calendar": ["market=SH&start_time=20251201&end_time=20251210"],
    "/api/calendar/trading_period": ["stock=600519.SH"],
    "/api/calendar/is_trading_date": ["market=SH&date=20251120", "market=SH&date=20251122"],
    "/api/calendar/prev_trading_date": ["market=SH&date=20251120"],
    "/api/calendar/next_trading_date": ["market=SH&date=20251120"],
    "/api/calendar/coming_trading_calendar": ["market=SH"],
    "/api/calendar/kline_trading_period": ["stock=600519.SH"],
    "/api/calendar/all_trading_periods": [""],
    "/api/calendar/all_kline_trading_periods": [""],
    "/api/meta/health": [""],
    "/api/meta/backend": [""],  # thread isolation here; the process's in tests/real_backend/test_isolation*
    "/api/meta/version": [""],
    "/api/meta/xtdata_version": [""],
    "/api/meta/connection_status": [""],
    "/api/meta/markets": [""],
    "/api/meta/period_list": [""],
    "/api/meta/periods": [""],
    "/api/meta/stock_list": ["category=沪深ETF"],
    "/api/meta/last_trade_date": ["market=SH", "market=IF"],
    "/api/meta/authorized_market_list": [""],
    "/api/meta/wp_market_list": [""],
    "/api/meta/field_list": ["metaid=3001", "metaid=2"],
    "/api/meta/predownload": [""],  # off here; on in test_the_status_answers_with_their_services_on
    "/api/meta/market_status": ["", "markets=SZ"],
    "/api/meta/quote_book": [""],  # off here; on in test_the_status_answers_with_their_services_on
    "/api/meta/realtime": [""],  # nothing subscribed; subscribed in test_the_subscription_answers_...
    "/api/meta/sub_info": [""],
    "/api/sector/list": [""],
    "/api/sector/stocks": ["sector=沪深ETF"],
    "/api/sector/info": ["", "sector=沪深ETF"],
    "/api/instrument/detail_list": ["stocks=600519.SH,000001.SZ", "stocks=600519.SH&iscomplete=true"],
    "/api/instrument/batch_detail": ["stocks=600519.SH"],
    "/api/instrument/type": ["stock=600519.SH", "stock=000300.SH"],
    "/api/instrument/ipo_info": ["", "start_time=20250101&end_time=20251231"],
    "/api/instrument/index_weight": ["index_code=000300.SH"],
    "/api/instrument/his_st_data": ["stock=600519.SH", "stock=002221.SZ"],
    "/api/instrument/st_history": ["stock=600519.SH"],
    "/api/instrument/is_stock_type": ["stock=600519.SH&tag=101"],
    "/api/etf/list": [""],
    "/api/etf/info": ["etf_code=510300.SH"],
    "/api/cb/list": [""],
    "/api/cb/info": ["cb_code=110046.SH", "stock=110046.SH"],
    "/api/cb/detail": ["cb_code=110046.SH"],
    "/api/cb/bond_info": ["stock=110046.SH"],
    "/api/cb/bnd_get_conversion_price": ["cb_code=110046.SH", "cb_code=110046.SH&format=columns"],
    "/api/cb/bnd_get_call_info": ["cb_code=110046.SH"],
    "/api/cb/bnd_get_put_info": ["cb_code=110046.SH"],
    "/api/cb/bnd_get_amount_change": ["cb_code=110046.SH"],
    "/api/financial/data": [
        f"stocks={A}&tables=Balance&start_time=20250101",
        f"stocks={A},000001.SZ&tables=Capital,HolderNum,Top10Holder&start_time=20250601&format=columns",
        f"stocks={A}&start_time=19900101&end_time=19900102",  # every table empty
        "stocks=510300.SH",  # a fund: no statements
    ],
    "/api/futures/main_contract": [
        "code_market=IF.IF",
        "code_market=IF.CFE&start_time=20250101&end_time=20251120",
        "code_market=IF.IF&start_time=19900101&end_time=19900201",  # no contract then
    ],
    "/api/futures/sec_main_contract": [
        "code_market=rb.SHFE",
        "code_market=IF.IF&start_time=20251001&end_time=20251120",
    ],
    "/api/futures/trading_contract_list": ["code_market=IF.IF", "code_market=IF.IF&date=19900102"],
    "/api/option/detail": ["option_code=10009270.SHO", "option_code=90000801.SZO"],
    "/api/option/chain": ["undl_code=510050.SH", "undl_code=600519.SH"],
    "/api/option/list": [
        "undl_code=510050.SH&dedate=202512",
        "undl_code=159919.SZ&dedate=20251120&opttype=P&isavailavle=true",
        "undl_code=510050.SH&dedate=199001",
    ],
    "/api/option/his_option_list": [
        "undl_code=510050.SH&dedate=20251120",
        "undl_code=510050.SH&dedate=20251120&format=columns",
        "undl_code=510050.SH&dedate=19900102",
    ],
    "/api/option/history_list": ["undl_code=159919.SZ&dedate=20251119"],
    "/api/option/his_option_list_batch": [
        "undl_code=510050.SH&start_time=20251119&end_time=20251120",
        "undl_code=510050.SH&start_time=20251119&end_time=20251120&format=columns",
        "undl_code=510050.SH&start_time=19900101&end_time=19900110",
    ],
    "/api/hk/stock_list": [""],
    "/api/hk/connect_stocks": ["", "direction=sz", "connect_type=north"],
    "/api/hk/broker_dict": [""],
    "/api/hk/broker_queue": ["stocks=00700.HK&count=2", f"stocks=00700.HK,{A}&count=1&show_broker_name=true"],
    "/api/tick/l2_quote": [
        f"stock={A}&count=2",
        f"stock={A}&count=2&fields=time,lastPrice,askPrice&format=columns",
        f"stock={A}&start_time=20251120080000&end_time=20251120090000&format=columns",  # before the open
        "stock=000300.SH",  # an index: no Level-2
    ],
    "/api/tick/l2_order": [f"stock={A}&count=2", "stock=000001.SZ&count=2&format=columns"],
    "/api/tick/l2_transaction": [
        f"stock={A}&count=2",
        f"stock={A}&count=2&fields=time,price,tradeFlag&format=columns",
    ],
    "/api/tick/l2_thousand_trade": [f"stock={A}&count=2"],
    "/api/tick/l2_thousand_quote": [f"stock={A}&count=1", "stock=000300.SH"],
    "/api/tick/l2_thousand_orderbook": [f"stock={A}&count=1"],
    "/api/tick/l2thousand_queue": [
        f"stock={A}&gear_num=3",
        f"stock={A}&price=1852.0,1853.0",
        "stock=000300.SH",
    ],
    "/api/tick/transactioncount": [f"stocks={A},000001.SZ", "stocks=000300.SH"],
    "/api/tick/fullspeed_orderbook": [f"stocks={A},000300.SH"],
    "/api/tick/order_rank": [f"stock=000001.SZ&{ORDER}", f"stock=000300.SH&{ORDER}"],  # an index: -1
    "/api/history": [
        f"stock={A}&count=2",
        f"stock={A}&period=1m&count=2&format=columns",
        f"stock={A}&period=tick&count=2&fields=time,lastPrice",
        f"stock={A}&start_time=19900101&end_time=19900110",  # no_data
    ],
    "/api/batch_history": [
        f"stocks={A},000001.SZ&count=2",
        f"stocks={A}&period=5m&count=2&format=columns",
        f"stocks={A}&start_time=19900101&end_time=19900110",  # no_data
    ],
    "/api/full_tick": [f"stocks={A},000001.SZ"],
    "/api/sector_stocks": ["sector=沪深ETF"],
    "/api/instrument_detail": [f"stock={A}", f"stock={A}&iscomplete=true"],
    "/api/calendar/trading_dates_count": [
        "market=SH&start_time=20251101&end_time=20251120",
        "market=SZ&start_time=19800101&end_time=19800110",
    ],
    "/api/calendar/trading_time": [f"stock={A}", "stock=IF2512.IF"],
    "/api/market/fullspeed_orderbook": [f"stock={A}", "stock=000300.SH"],
    "/api/market/transactioncount": [f"stock={A}&start_time=20251120&end_time=20251120", "stock=000300.SH"],
    "/api/cb/conversion_price": ["stock=110044.SH"],
    "/api/meta/quote_server_status": [""],
    "/api/utility/stock_name": [f"stock={A}"],
    "/api/utility/batch_stock_name": [f"stocks={A},000001.SZ,999999.SH"],
    "/api/utility/code_to_market": [f"stock={A}", "stock=IF2512.IF"],
    "/api/utility/search": [
        "keyword=茅台&category=上证50",
        "keyword=6005&limit=3",
        "keyword=zzzz&category=上证50",
    ],
}
#: The JSON bodies of each declared POST path that is not a write of WRITES (None: no body); the downloads
#: are quick on the simulator.
POSTS: dict[str, list[Any]] = {
    "/api/download/history_data2": [
        {"stocks": [A, "000001.SZ"], "period": "1d", "start_time": "20251101"},
        {"stock_list": [A], "period": "tick", "start_time": "20251120"},
    ],
    "/api/download/batch": [{"stocks": [A], "period": "1m"}],
    "/api/download/financial_data": [{"stocks": [A], "tables": ["Balance"]}],
    "/api/download/financial": [{"stocks": [A]}],
    "/api/download/financial2": [{"stock_list": [A], "table_list": ["Income"]}],
    "/api/download/sector_data": [None],
    "/api/download/index_weight": [None],
    "/api/download/etf_info": [None],
    "/api/download/cb_data": [None],
    "/api/download/history_contracts": [None],
    "/api/download/option_data": [None],
    "/api/download/holiday_data": [None],
    "/api/download/holiday": [None],
    "/api/download/his_st_data": [None],
    "/api/download/ipo_data": [None],
    "/api/download": [{"stock": A, "period": "1d", "start": "20251101"}],
}
#: The downloads that run as jobs: asked with ``wait=true`` for their 200 answer.
JOB_DOWNLOADS = {
    "/api/download/history_data2",
    "/api/download/batch",
    "/api/download/financial_data",
    "/api/download/financial",
    "/api/download/financial2",
    "/api/download/sector_data",
    "/api/download/index_weight",
    "/api/download/etf_info",
    "/api/download/cb_data",
    "/api/download/history_contracts",
    "/api/download/holiday_data",
    "/api/download/his_st_data",
    "/api/download/holiday",
    "/api/download/option_data",
}
#: Declared routes answered in test_the_job_answers_validate.
JOB_ROUTES = {"/api/download/jobs", "/api/download/jobs/{job_id}", "/api/download/jobs/{job_id}/cancel"}
#: Declared routes answered by a sequence of writes (test_the_sector_writes_answer_their_models).
WRITES = [
    ("POST", "/api/sector/create_folder", {"folder_name": "策略"}),
    ("POST", "/api/sector/create", {"sector_name": "自选", "parent_node": "策略"}),
    ("POST", "/api/sector/add_stocks", {"sector_name": "自选", "stock_list": ["600519.SH", "000001.SZ"]}),
    ("POST", "/api/sector/remove_stocks", {"sector_name": "自选", "stock_list": ["000001.SZ"]}),
    ("POST", "/api/sector/reset", {"sector_name": "自选", "stock_list": ["000002.SZ"]}),
    ("DELETE", "/api/sector/remove?sector_name=自选", None),
    ("DELETE", "/api/sector/remove_folder?folder_name=策略", None),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app on a simulator frozen after the close of 2025-11-20, in a temporary data directory."""
    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.sim.clock import fixed_clock

    data_dir = tmp_path_factory.mktemp("answers")
    settings = Settings(
        _env_file=None,
        backend="sim",
        sim_seed=SEED,
        predownload=False,
        quote_book=False,
        data_dir=str(data_dir),
    )
    backend = SimBackend(seed=SEED, clock=fixed_clock(AFTER_CLOSE), data_dir=data_dir)
    with TestClient(create_app(settings, backend=backend)) as client:
        yield client


def declared(client: TestClient) -> dict[str, tuple[str, Any]]:
    """``{path: (method, model)}`` of every route whose endpoint declares its answer."""
    out = {}
    for route in client.app.routes:
        if isinstance(route, APIRoute) and (model := answer_model(route.endpoint)) is not None:
            out[route.path_format] = (sorted(route.methods)[0], model)
    return out


def test_every_declared_route_has_samples(client: TestClient) -> None:
    writes = {url.split("?")[0] for _, url, _ in WRITES}
    # The trading, transfer and credit routes (403 here: trading is off) have theirs in
    # test_answer_schemas_trading.py and test_answer_schemas_credit.py.
    trading = ("/api/trading/", "/api/fund/", "/api/bank/", "/api/credit/")
    data_routes = {path for path in declared(client) if not path.startswith(trading)}
    assert data_routes == set(SAMPLES) | set(POSTS) | writes | JOB_ROUTES
    assert not set(SAMPLES) & set(POSTS)


def test_the_sector_writes_answer_their_models(tmp_path: Any) -> None:
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    settings = Settings(
        _env_file=None, backend="sim", predownload=False, quote_book=False, data_dir=str(tmp_path)
    )
    with TestClient(create_app(settings)) as writer:
        models = declared(writer)
        for method, url, body in WRITES:
            response = writer.request(method, url, json=body)
            assert response.status_code == 200, (url, response.text)
            models[url.split("?")[0]][1].model_validate(response.json())


@pytest.mark.parametrize(("path", "query"), [(p, q) for p, qs in SAMPLES.items() for q in qs])
def test_the_answer_validates_against_its_declared_model(client: TestClient, path: str, query: str) -> None:
    _, model = declared(client)[path]
    response = client.get(f"{path}?{query}" if query else path)
    assert response.status_code == 200, response.text
    model.model_validate(response.json())


@pytest.mark.parametrize(("path", "body"), [(p, b) for p, bs in POSTS.items() for b in bs])
def test_the_post_answer_validates_against_its_declared_model(
    client: TestClient, path: str, body: Any
) -> None:
    method, model = declared(client)[path]
    assert method == "POST"
    url = f"{path}?wait=true" if path in JOB_DOWNLOADS else path
    response = client.post(url, json=body) if body is not None else client.post(url)
    assert response.status_code == 200, response.text
    model.model_validate(response.json())
    if path in JOB_DOWNLOADS:  # without wait: 202 and the job started
        started = client.post(path, json=body)
        assert started.status_code == 202, started.text
        DownloadJobStarted.model_validate(started.json())


def test_the_job_answers_validate(client: TestClient) -> None:
    models = declared(client)
    body = {"stocks": [A], "period": "1d", "start_time": "20251101"}
    job_id = client.post("/api/download/history_data2?wait=true", json=body).json()["job"]["job_id"]
    models["/api/download/jobs"][1].model_validate(client.get("/api/download/jobs").json())
    models["/api/download/jobs"][1].model_validate(client.get("/api/download/jobs?state=finished").json())
    models["/api/download/jobs/{job_id}"][1].model_validate(client.get(f"/api/download/jobs/{job_id}").json())
    many = client.get("/api/sector/stocks?sector=沪深A股").json()["stocks"][:300]
    running = client.post("/api/download/history_data2", json={"stocks": many, "period": "1d"}).json()
    cancelled = client.post(f"/api/download/jobs/{running['job_id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    models["/api/download/jobs/{job_id}/cancel"][1].model_validate(cancelled.json())


def test_the_document_refers_to_each_model_with_a_valid_example(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path, (method, model) in declared(client).items():
        assert_documented_answer(document, path, method, model)
    for bulk_path in ("/api/market/market_data_ex", "/api/batch_history"):
        bulk = document["paths"][bulk_path]["get"]["responses"]["200"]["content"]
        assert set(bulk) == {"application/json", "application/vnd.apache.arrow.stream"}, bulk_path


def test_an_undeclared_key_in_an_answer_fails_its_model() -> None:
    """The models forbid extra keys: a key the server adds without documenting it fails the test above."""
    from pydantic import ValidationError

    from qmt_bridge.server.answers.market import FullTickAnswer

    with pytest.raises(ValidationError, match="extra"):
        FullTickAnswer.model_validate({"data": {}, "note": "undocumented"})


def test_the_subscription_answers_validate_while_one_is_held(client: TestClient) -> None:
    """``/api/meta/realtime`` and ``/api/meta/sub_info`` list a held /ws/realtime subscription."""
    models = declared(client)
    with client.websocket_connect("/ws/realtime") as ws:
        ws.send_json({"stocks": [A], "period": "1m"})
        while True:
            message = ws.receive_json()
            assert message["type"] != "error", message
            if message["type"] == "status" and message["status"] == "subscribed":
                break
        realtime = client.get("/api/meta/realtime").json()
        sub_info = client.get("/api/meta/sub_info").json()
    assert realtime["streams"] and sub_info["current_connection"] and sub_info["all"]
    models["/api/meta/realtime"][1].model_validate(realtime)
    models["/api/meta/sub_info"][1].model_validate(sub_info)


def test_the_status_answers_with_their_services_on(tmp_path: Any) -> None:
    """The pre-download after its round and the quote book serving (more keys than when off) validate too."""
    from helpers import wait_until
    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.server.answers.meta import PreDownloadAnswer, QuoteBookAnswer
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.sim.clock import fixed_clock

    settings = Settings(
        _env_file=None, backend="sim", sim_seed=SEED, data_dir=str(tmp_path), quote_markets="BJ"
    )
    backend = SimBackend(seed=SEED, clock=fixed_clock(AFTER_CLOSE), data_dir=tmp_path)
    with TestClient(create_app(settings, backend=backend)) as on:
        QuoteBookAnswer.model_validate(on.get("/api/meta/quote_book").json())  # enabled, not subscribed
        assert on.get("/api/market/full_tick", params={"stocks": "430047.BJ"}).status_code == 200
        wait_until(lambda: on.get("/api/meta/quote_book").json()["ready"], "the quote book ready")
        book = on.get("/api/meta/quote_book").json()
        assert book["enabled"] and book["last_push"] is not None
        QuoteBookAnswer.model_validate(book)
        wait_until(lambda: on.get("/api/meta/predownload").json()["rounds_completed"] == 1, "a round")
        status = on.get("/api/meta/predownload").json()
        assert status["enabled"] and status["items"]
        PreDownloadAnswer.model_validate(status)


def test_health_with_trading_on_validates_too(tmp_path: Any) -> None:
    from helpers import trading_app
    from qmt_bridge.server.answers.meta import HealthAnswer

    with TestClient(trading_app(tmp_path, "k" * 16)) as client:
        body = client.get("/api/meta/health").json()
    assert body["trading"] is not None and isinstance(body["trading"]["connected"], bool)
    HealthAnswer.model_validate(body)
