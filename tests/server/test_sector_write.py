"""/api/sector/* (write side): folders and user sectors under 我的, their members, deletion, persistence.

The simulator keeps user sectors in ``<data_dir>/sim/custom_sectors.json``, written atomically (temporary file,
then rename). These tests run on their own simulators with a ``tmp_path`` data directory, never on the
shared ``sim_backend`` (whose user sectors live in memory), so that restarts can be checked.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers import assert_error
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.server.app import create_app

STORE = Path("sim") / "custom_sectors.json"


@contextlib.contextmanager
def serve(data_dir: Path, sim_backend: Any, test_settings: Any) -> Iterator[TestClient]:
    """A fresh app and simulator (same seed and frozen clock as ``sim_backend``) on ``data_dir``: a restart."""
    backend = SimBackend(seed=sim_backend.seed, clock=sim_backend.clock, data_dir=data_dir)
    app = create_app(test_settings, backend=backend)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sector-write")


@pytest.fixture(scope="module")
def w(data_dir: Path, sim_backend: Any, test_settings: Any) -> Iterator[TestClient]:
    """One server for the tests that need no restart; each test uses sector names of its own."""
    with serve(data_dir, sim_backend, test_settings) as client:
        yield client


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def create(client: TestClient, name: str, parent: str = "") -> dict[str, Any]:
    return ok(client.post("/api/sector/create", json={"sector_name": name, "parent_node": parent}))


def change(client: TestClient, action: str, name: str, stocks: list[str]) -> Any:
    return client.post(f"/api/sector/{action}", json={"sector_name": name, "stocks": stocks})


def members(client: TestClient, name: str) -> list[str]:
    body = ok(client.get("/api/sector/stocks", params={"sector": name}))
    assert body["sector"] == name and body["count"] == len(body["stocks"])
    stocks: list[str] = body["stocks"]
    return stocks


def sector_list(client: TestClient) -> list[str]:
    sectors: list[str] = ok(client.get("/api/sector/list"))["sectors"]
    return sectors


def category(client: TestClient, name: str) -> str:
    rows = ok(client.get("/api/sector/info", params={"sector": name}))["data"]
    assert [row["sector"] for row in rows] == [name]
    return str(rows[0]["category"])


# ---------------------------------------------------------------- folders and sectors


def test_create_folder_then_a_sector_in_it(w):
    assert ok(w.post("/api/sector/create_folder", json={"folder_name": "自选股"})) == {
        "folder": "自选股",
        "parent_node": "我的",
    }
    assert create(w, "半导体", "自选股") == {"sector": "半导体", "parent_node": "自选股"}
    assert category(w, "半导体") == "我的/自选股"
    assert members(w, "半导体") == []


def test_creating_an_existing_folder_is_a_no_op(w):
    first = ok(w.post("/api/sector/create_folder", json={"folder_name": "重复文件夹"}))
    again = ok(w.post("/api/sector/create_folder", json={"folder_name": "重复文件夹"}))
    assert first == again == {"folder": "重复文件夹", "parent_node": "我的"}


def test_a_sector_at_the_root_is_filed_under_wode(w):
    assert create(w, "根板块") == {"sector": "根板块", "parent_node": "我的"}
    assert category(w, "根板块") == "我的"


def test_user_sectors_appear_in_the_list_and_info(w):
    create(w, "列表可见")
    sectors = sector_list(w)
    assert "列表可见" in sectors and "沪深A股" in sectors
    assert len(sectors) == len(set(sectors))
    rows = ok(w.get("/api/sector/info"))["data"]
    assert {"sector": "列表可见", "category": "我的"} in rows


@pytest.mark.parametrize("existing", ["沪深A股", "SW1银行", "已存在的板块"])
def test_creating_an_existing_sector_is_409(w, existing):
    if existing == "已存在的板块":
        create(w, existing)
    before = sector_list(w)
    r = w.post("/api/sector/create", json={"sector_name": existing})
    assert_error(r, 409, "conflict", "sector_name")
    assert sector_list(w) == before


@pytest.mark.parametrize(
    "name", ["a/b", "a\\b", "C:板块", "what?", "*", 'say"hi"', "<x>", "a|b", "tab\there"]
)
def test_names_with_path_characters_are_400(w, name):
    before = sector_list(w)
    assert_error(
        w.post("/api/sector/create", json={"sector_name": name}), 400, "invalid_parameter", "sector_name"
    )
    r = w.post("/api/sector/create_folder", json={"folder_name": name})
    assert_error(r, 400, "invalid_parameter", "folder_name")
    r = w.post("/api/sector/create", json={"sector_name": "好名字", "parent_node": name})
    assert_error(r, 400, "invalid_parameter", "parent_node")
    assert sector_list(w) == before


@pytest.mark.parametrize(("name", "message"), [("", "empty"), ("   ", "empty"), ("长" * 65, "64")])
def test_empty_or_long_names_are_400(w, name, message):
    error = assert_error(w.post("/api/sector/create", json={"sector_name": name}), 400, "invalid_parameter")
    assert message in error["message"]


def test_missing_body_fields_are_422(w):
    assert_error(w.post("/api/sector/create", json={}), 422, "validation_error", "sector_name")
    assert_error(
        w.post("/api/sector/add_stocks", json={"sector_name": "x"}), 422, "validation_error", "stocks"
    )


# ---------------------------------------------------------------- members


def test_add_remove_and_reset_members(w):
    create(w, "成员")
    body = ok(change(w, "add_stocks", "成员", ["600519.SH", "000001.SZ"]))
    assert body == {"sector": "成员", "count": 2, "stocks": ["600519.SH", "000001.SZ"]}
    # Adding again keeps each code once, in first-added order.
    assert ok(change(w, "add_stocks", "成员", ["000001.SZ", "300750.SZ"]))["stocks"] == [
        "600519.SH",
        "000001.SZ",
        "300750.SZ",
    ]
    assert ok(change(w, "remove_stocks", "成员", ["000001.SZ", "600036.SH"]))["stocks"] == [
        "600519.SH",
        "300750.SZ",
    ]
    assert ok(change(w, "reset", "成员", ["600036.SH", "601398.SH", "600036.SH"]))["stocks"] == [
        "600036.SH",
        "601398.SH",
    ]
    assert members(w, "成员") == ["600036.SH", "601398.SH"]


def test_stock_list_alias_is_accepted(w):
    create(w, "别名")
    r = w.post("/api/sector/add_stocks", json={"sector_name": "别名", "stock_list": ["600519.SH"]})
    assert ok(r)["stocks"] == ["600519.SH"]


@pytest.mark.parametrize("action", ["add_stocks", "remove_stocks", "reset"])
def test_unknown_codes_are_404_and_change_nothing(w, action):
    name = f"未知代码{action}"
    create(w, name)
    ok(change(w, "add_stocks", name, ["600519.SH"]))
    r = change(w, action, name, ["000001.SZ", "999999.SH"])
    error = assert_error(r, 404, "unknown_code", "stocks")
    assert "999999.SH" in error["message"]
    assert members(w, name) == ["600519.SH"]


@pytest.mark.parametrize("action", ["add_stocks", "remove_stocks", "reset"])
def test_malformed_codes_or_no_codes_are_400(w, action):
    name = f"坏代码{action}"
    create(w, name)
    assert_error(change(w, action, name, ["600519"]), 400, "invalid_parameter", "stocks")
    assert_error(change(w, action, name, []), 400, "invalid_parameter", "stocks")
    assert members(w, name) == []


@pytest.mark.parametrize("action", ["add_stocks", "remove_stocks", "reset"])
@pytest.mark.parametrize("system", ["沪深A股", "沪深300"])
def test_system_sectors_are_403(w, action, system):
    before = members(w, system)
    assert_error(change(w, action, system, ["600519.SH"]), 403, "forbidden", "sector_name")
    assert members(w, system) == before


@pytest.mark.parametrize("action", ["add_stocks", "remove_stocks", "reset"])
def test_unknown_sectors_are_404(w, action):
    r = change(w, action, "没有这个板块", ["600519.SH"])
    assert_error(r, 404, "not_found", "sector_name")
    assert "没有这个板块" not in sector_list(w)


# ---------------------------------------------------------------- deletion


def test_remove_a_user_sector(w):
    create(w, "待删除")
    ok(change(w, "add_stocks", "待删除", ["600519.SH"]))
    assert ok(w.delete("/api/sector/remove", params={"sector_name": "待删除"})) == {"removed": "待删除"}
    assert "待删除" not in sector_list(w)
    assert_error(w.get("/api/sector/stocks", params={"sector": "待删除"}), 404, "not_found", "sector")
    # Gone means gone: a second delete is 404, and the name can be used again.
    assert_error(w.delete("/api/sector/remove", params={"sector_name": "待删除"}), 404, "not_found")
    assert create(w, "待删除")["sector"] == "待删除"
    assert members(w, "待删除") == []


def test_remove_errors(w):
    assert_error(w.delete("/api/sector/remove", params={"sector_name": "沪深A股"}), 403, "forbidden")
    assert "沪深A股" in sector_list(w)
    assert_error(w.delete("/api/sector/remove", params={"sector_name": "不存在"}), 404, "not_found")
    assert_error(w.delete("/api/sector/remove", params={"sector_name": "a/b"}), 400, "invalid_parameter")
    assert_error(w.delete("/api/sector/remove"), 422, "validation_error", "sector_name")


def test_writes_need_the_right_method(w):
    assert_error(w.get("/api/sector/create"), 405, "method_not_allowed")
    assert_error(w.post("/api/sector/remove", json={"sector_name": "x"}), 405, "method_not_allowed")


# ---------------------------------------------------------------- persistence


def test_sectors_and_members_survive_a_restart(tmp_path, sim_backend, test_settings):
    with serve(tmp_path, sim_backend, test_settings) as first:
        ok(first.post("/api/sector/create_folder", json={"folder_name": "长期"}))
        create(first, "持久", "长期")
        ok(change(first, "add_stocks", "持久", ["600519.SH", "000001.SZ"]))
        create(first, "删掉的")
        ok(first.delete("/api/sector/remove", params={"sector_name": "删掉的"}))
    assert (tmp_path / STORE).is_file()

    with serve(tmp_path, sim_backend, test_settings) as second:
        assert members(second, "持久") == ["600519.SH", "000001.SZ"]
        assert category(second, "持久") == "我的/长期"
        assert "删掉的" not in sector_list(second)
        # Still a user sector after the restart: writable, and 409 on re-creation.
        assert ok(change(second, "remove_stocks", "持久", ["000001.SZ"]))["stocks"] == ["600519.SH"]
        assert_error(second.post("/api/sector/create", json={"sector_name": "持久"}), 409, "conflict")

    with serve(tmp_path, sim_backend, test_settings) as third:
        assert members(third, "持久") == ["600519.SH"]


def test_a_failed_write_changes_nothing(tmp_path, sim_backend, test_settings):
    store = tmp_path / STORE
    with serve(tmp_path, sim_backend, test_settings) as client:
        create(client, "原样")
        ok(change(client, "add_stocks", "原样", ["600519.SH", "000001.SZ"]))
        saved = store.read_bytes()

        # Sabotage: a directory where the store's file should be. The atomic write renames its temporary
        # file over that path, which fails with EISDIR even for root (unlike permission bits).
        backup = tmp_path / "custom_sectors.json.bak"
        store.rename(backup)
        store.mkdir()
        (store / "keep").write_text("not a sector file")

        failures = [
            change(client, "add_stocks", "原样", ["300750.SZ"]),
            change(client, "remove_stocks", "原样", ["600519.SH"]),
            change(client, "reset", "原样", ["601398.SH"]),
            client.post("/api/sector/create", json={"sector_name": "新的"}),
            client.delete("/api/sector/remove", params={"sector_name": "原样"}),
        ]
        for r in failures:
            assert r.status_code >= 500, r.text
            error = assert_error(r, r.status_code)
            assert str(tmp_path) not in r.text, "server paths must not reach the client"
            assert "Is a directory" in error["message"]

        # In memory: the state before the failed writes.
        assert members(client, "原样") == ["600519.SH", "000001.SZ"]
        assert "新的" not in sector_list(client)
        # No temporary file left behind, nothing written into the sabotaged path.
        assert sorted(p.name for p in store.parent.iterdir()) == ["custom_sectors.json"]
        assert [p.name for p in store.iterdir()] == ["keep"]

        shutil.rmtree(store)
        backup.rename(store)
        assert store.read_bytes() == saved

    # After a restart: the state before the failed writes, from the untouched file.
    with serve(tmp_path, sim_backend, test_settings) as client:
        assert members(client, "原样") == ["600519.SH", "000001.SZ"]
        assert "新的" not in sector_list(client)
        # And the store works again once the path is a file.
        assert ok(change(client, "add_stocks", "原样", ["300750.SZ"]))["stocks"][-1] == "300750.SZ"
        assert store.read_bytes() != saved
