"""The 200 answers declared in /openapi.json (``server/answers``) describe what the endpoints really answer:
every route with a declared model answers, on the simulator, a body its model validates (extra keys
forbidden), and its document entry refers to the model and shows an example that validates too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from qmt_bridge.server.answers import answer_model

#: A request per declared path (the 2.1.3 names with ours), each answered 200 on the simulator.
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
    "/api/etf/info": ["etf_code=159003.SZ"],
    "/api/cb/list": [""],
    "/api/cb/info": ["cb_code=110046.SH", "stock=110046.SH"],
    "/api/cb/detail": ["cb_code=110046.SH"],
    "/api/cb/bond_info": ["stock=110046.SH"],
    "/api/cb/bnd_get_conversion_price": ["cb_code=110046.SH", "cb_code=110046.SH&format=columns"],
    "/api/cb/bnd_get_call_info": ["cb_code=110046.SH"],
    "/api/cb/bnd_get_put_info": ["cb_code=110046.SH"],
    "/api/cb/bnd_get_amount_change": ["cb_code=110046.SH"],
}
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
def client() -> Iterator[TestClient]:
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings

    settings = Settings(_env_file=None, backend="sim", predownload=False, quote_book=False)
    with TestClient(create_app(settings)) as client:
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
    assert set(declared(client)) == set(SAMPLES) | writes


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


def test_the_document_refers_to_each_model_with_a_valid_example(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path, (method, model) in declared(client).items():
        ok = document["paths"][path][method.lower()]["responses"]["200"]
        media = ok["content"]["application/json"]
        assert media["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}, path
        assert model.__name__ in document["components"]["schemas"]
        model.model_validate(media["example"])
    bulk = document["paths"]["/api/market/market_data_ex"]["get"]["responses"]["200"]["content"]
    assert set(bulk) == {"application/json", "application/vnd.apache.arrow.stream"}


def test_an_undeclared_key_in_an_answer_fails_its_model() -> None:
    """The models forbid extra keys: a key the server adds without documenting it fails the test above."""
    from pydantic import ValidationError

    from qmt_bridge.server.answers.market import FullTickAnswer

    with pytest.raises(ValidationError, match="extra"):
        FullTickAnswer.model_validate({"data": {}, "note": "undocumented"})


def test_health_with_trading_on_validates_too(tmp_path: Any) -> None:
    from helpers import trading_app
    from qmt_bridge.server.answers.meta import HealthAnswer

    with TestClient(trading_app(tmp_path, "k" * 16)) as client:
        body = client.get("/api/meta/health").json()
    assert body["trading"] is not None and isinstance(body["trading"]["connected"], bool)
    HealthAnswer.model_validate(body)
