"""The spec's "Examples" curl lines (seed 000) for the groups we serve must work verbatim.

Each line runs through the TestClient with its host stripped; one runs with the real ``curl`` binary
against a real uvicorn server, raw UTF-8 query and all, exactly as a user would type it.
"""

from __future__ import annotations

import glob
import json
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from helpers import serve_in_thread, wait_until

#: Verbatim from the seed's "Examples" (every data group; the trading example belongs to a later milestone).
SEED_EXAMPLES = [
    "curl http://192.168.1.100:8000/api/meta/health",
    'curl "http://192.168.1.100:8000/api/history?stock=000001.SZ&period=1d&count=60"',
    'curl "http://192.168.1.100:8000/api/market/market_data_ex?stocks=000001.SZ&period=1d&count=5&dividend_type=front"',
    "curl http://192.168.1.100:8000/api/market/indices",
    'curl "http://192.168.1.100:8000/api/market/full_tick?stocks=000001.SH,000001.SZ"',
    "curl http://192.168.1.100:8000/api/sector/list",
    'curl "http://192.168.1.100:8000/api/sector/stocks?sector=沪深A股"',
    'curl "http://192.168.1.100:8000/api/calendar/trading_dates?market=SH"',
    'curl "http://192.168.1.100:8000/api/instrument/index_weight?index_code=000300.SH"',
    "curl http://192.168.1.100:8000/api/etf/list",
    'curl "http://192.168.1.100:8000/api/financial/data?stocks=000001.SZ&tables=Balance"',
]
#: The seed's POST example, as three lines in the spec.
SEED_DOWNLOAD = (
    "curl -X POST http://192.168.1.100:8000/api/download/history_data2 \\\n"
    '  -H "Content-Type: application/json" \\\n'
    """  -d '{"stocks": ["000001.SZ", "600519.SH"], "period": "1d"}'"""
)
#: The spec sits in shared/ beside the repository (as CI lays it out).
SEED_GLOB = str(Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_*.txt")


def _path_of(curl_line: str) -> str:
    url = next(arg for arg in shlex.split(curl_line) if arg.startswith("http"))
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _non_empty(body: dict) -> bool:
    if body.get("status") == "ok":
        return True
    return any(isinstance(v, (list, dict)) and len(v) > 0 for v in body.values())


def test_the_examples_are_the_seeds():
    seeds = glob.glob(SEED_GLOB)
    if not seeds:
        pytest.skip(f"the spec is not available here ({SEED_GLOB})")
    with open(seeds[0], encoding="utf-8") as f:
        text = f.read()
    for line in SEED_EXAMPLES:
        assert line in text, line
    assert SEED_DOWNLOAD in text


@pytest.mark.parametrize("curl_line", SEED_EXAMPLES, ids=[_path_of(line) for line in SEED_EXAMPLES])
def test_seed_example(api, curl_line):
    r = api.get(_path_of(curl_line))
    assert r.status_code == 200, r.text
    body = r.json()
    assert _non_empty(body), body


def test_seed_examples_say_what_they_promise(api):
    """Beyond non-empty: the comment above each example is true."""
    history = api.get("/api/history?stock=000001.SZ&period=1d&count=60").json()["data"]  # 最近 60 根日线
    assert len(history) == 60
    front = api.get(
        "/api/market/market_data_ex?stocks=000001.SZ&period=1d&count=5&dividend_type=front"
    ).json()  # 前复权
    assert front["dividend_type"] == "front" and len(front["data"]["000001.SZ"]) == 5
    ticks = api.get("/api/market/full_tick?stocks=000001.SH,000001.SZ").json()["data"]  # 个股 / 指数快照
    assert set(ticks) == {"000001.SH", "000001.SZ"}
    a_shares = api.get("/api/sector/stocks?sector=沪深A股").json()["stocks"]
    assert len(a_shares) > 3000
    weights = api.get("/api/instrument/index_weight?index_code=000300.SH").json()["data"]
    assert len(weights) == 300
    assert "510300.SH" in api.get("/api/etf/list").json()["etfs"]  # ETF 代码列表
    balance = api.get("/api/financial/data?stocks=000001.SZ&tables=Balance").json()["data"]["000001.SZ"][
        "Balance"
    ]
    assert balance and all(row["tot_assets"] == row["tot_liab"] + row["total_equity"] for row in balance)


def test_seed_download_example(api):
    """批量下载历史数据: the seed's POST, body and all."""
    body = json.loads(shlex.split(SEED_DOWNLOAD.replace("\\\n", " "))[-1])
    response = api.post("/api/download/history_data2", json=body)
    assert response.status_code == 202, response.text  # a job, started at once
    job_id = response.json()["job_id"]
    wait_until(lambda: api.get(f"/api/download/jobs/{job_id}").json()["state"] == "finished", "the job")
    items = api.get(f"/api/download/jobs/{job_id}").json()["items"]
    assert {code: item["state"] for code, item in items.items()} == {"000001.SZ": "done", "600519.SH": "done"}
    assert all(item["coverage"]["rows"] > 1000 for item in items.values())  # 1d bars since listing


# ---------------------------------------------------------------- a real server and the real curl


@pytest.fixture(scope="module")
def live_server(sim_backend, test_settings) -> Iterator[str]:
    """uvicorn serving the app on the frozen simulator, on a free port of 127.0.0.1, in a thread."""
    from qmt_bridge.server.app import create_app

    with serve_in_thread(create_app(test_settings, backend=sim_backend)) as url:
        yield url


def _curl(*args: str) -> tuple[int, str]:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("no curl binary on this machine")
    out = subprocess.run(
        [curl, "-sS", "--max-time", "30", "-w", "\n%{http_code}", *args],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr.decode("utf-8", "replace")
    body, _, status = out.stdout.decode("utf-8").rpartition("\n")
    return int(status), body


def test_curl_percent_encoded_sector(live_server):
    status, body = _curl(f"{live_server}/api/sector/stocks?sector={quote('沪深A股')}")
    assert status == 200, body
    assert json.loads(body)["count"] > 3000


def test_curl_health(live_server):
    status, body = _curl(f"{live_server}/api/meta/health")
    assert status == 200 and '"status":"ok"' in body


def test_curl_raw_utf8_seed_example(live_server):
    status, body = _curl(f"{live_server}/api/sector/stocks?sector=沪深A股")
    assert status == 200, body
    assert json.loads(body)["count"] > 3000
