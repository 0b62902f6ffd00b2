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

from helpers import assert_error, serve_in_thread
from qmt_bridge import QMTClient
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.client.errors import ConflictError, NotFoundError, PermissionDeniedError
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


def folder(client: TestClient, name: str, parent: str = "") -> dict[str, Any]:
    return ok(client.post("/api/sector/create_folder", json={"folder_name": name, "parent_node": parent}))


def remove_folder(client: TestClient, name: str) -> Any:
    return client.delete("/api/sector/remove_folder", params={"folder_name": name})


def is_folder(client: TestClient, name: str) -> bool:
    """Whether ``name`` is a folder, told by creating a sector in it (404 naming parent_node if not).

    The probe sector is removed again; xtquant has no call that lists folders, so neither has the bridge.
    """
    probe = f"探针{name}"
    r = client.post("/api/sector/create", json={"sector_name": probe, "parent_node": name})
    if r.status_code == 404:
        assert_error(r, 404, "not_found", "parent_node")
        return False
    assert ok(r) == {"sector": probe, "parent_node": name}
    ok(client.delete("/api/sector/remove", params={"sector_name": probe}))
    return True


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


def test_nested_folders_give_the_full_path(w):
    assert folder(w, "外层") == {"folder": "外层", "parent_node": "我的"}
    assert folder(w, "内层", "外层") == {"folder": "内层", "parent_node": "外层"}
    create(w, "嵌套板块", "内层")
    assert category(w, "嵌套板块") == "我的/外层/内层"
    # 我的 itself names the root, like an empty parent_node.
    create(w, "根的别名", "我的")
    assert category(w, "根的别名") == "我的"


# ---------------------------------------------------------------- one namespace for folders and sectors


def test_a_sector_cannot_take_a_folders_name(w):
    folder(w, "同名A")
    before = sector_list(w)
    for parent in ("", "同名A"):
        r = w.post("/api/sector/create", json={"sector_name": "同名A", "parent_node": parent})
        error = assert_error(r, 409, "conflict", "sector_name")
        assert "folder" in error["message"] and "同名A" in error["message"]
    assert sector_list(w) == before
    assert is_folder(w, "同名A")


def test_a_folder_cannot_take_a_sectors_name(w):
    create(w, "同名B")
    ok(change(w, "add_stocks", "同名B", ["600519.SH"]))
    folder(w, "同名B的文件夹")
    for parent in ("", "同名B的文件夹"):
        r = w.post("/api/sector/create_folder", json={"folder_name": "同名B", "parent_node": parent})
        error = assert_error(r, 409, "conflict", "folder_name")
        assert "sector" in error["message"] and "同名B" in error["message"]
    assert not is_folder(w, "同名B")
    assert members(w, "同名B") == ["600519.SH"]
    assert category(w, "同名B") == "我的"


@pytest.mark.parametrize("name", ["沪深A股", "SW1银行", "我的"])
def test_a_folder_cannot_take_a_system_sector_or_the_root_name(w, name):
    r = w.post("/api/sector/create_folder", json={"folder_name": name})
    assert_error(r, 409, "conflict", "folder_name")


def test_a_folder_name_is_unique_across_the_tree(w):
    folder(w, "甲")
    folder(w, "乙")
    folder(w, "唯一", "甲")
    # Again in the same place: a no-op; in another place: 409, because parent_node names a folder by its name.
    assert folder(w, "唯一", "甲") == {"folder": "唯一", "parent_node": "甲"}
    r = w.post("/api/sector/create_folder", json={"folder_name": "唯一", "parent_node": "乙"})
    error = assert_error(r, 409, "conflict", "folder_name")
    assert "我的/甲" in error["message"]
    create(w, "在唯一里", "唯一")
    assert category(w, "在唯一里") == "我的/甲/唯一"


# ---------------------------------------------------------------- parent_node must exist


@pytest.mark.parametrize("parent", ["没有的文件夹", "沪深A股"])
def test_an_unknown_parent_is_404_and_creates_nothing(w, parent):
    before = sector_list(w)
    r = w.post("/api/sector/create", json={"sector_name": "孤儿板块", "parent_node": parent})
    error = assert_error(r, 404, "not_found", "parent_node")
    assert parent in error["message"] and error["details"] == {"param": "parent_node", "value": parent}
    r = w.post("/api/sector/create_folder", json={"folder_name": "孤儿文件夹", "parent_node": parent})
    assert_error(r, 404, "not_found", "parent_node")
    assert sector_list(w) == before
    assert not is_folder(w, "孤儿文件夹")
    assert not is_folder(w, parent)


# ---------------------------------------------------------------- removing folders


def test_remove_an_empty_folder(w):
    folder(w, "空文件夹")
    assert ok(remove_folder(w, "空文件夹")) == {"removed": "空文件夹"}
    assert not is_folder(w, "空文件夹")
    assert_error(remove_folder(w, "空文件夹"), 404, "not_found", "folder_name")
    # The name is free again, for a sector or a folder.
    assert create(w, "空文件夹")["sector"] == "空文件夹"


def test_a_folder_that_is_not_empty_is_409(w):
    folder(w, "满文件夹")
    folder(w, "子文件夹", "满文件夹")
    create(w, "满里的板块", "满文件夹")
    ok(change(w, "add_stocks", "满里的板块", ["600519.SH"]))

    error = assert_error(remove_folder(w, "满文件夹"), 409, "conflict", "folder_name")
    assert "not empty" in error["message"]
    assert "子文件夹" in error["message"] and "满里的板块" in error["message"]
    # Nothing was removed.
    assert is_folder(w, "满文件夹") and is_folder(w, "子文件夹")
    assert members(w, "满里的板块") == ["600519.SH"]
    assert category(w, "满里的板块") == "我的/满文件夹"

    # Emptied, it goes.
    ok(w.delete("/api/sector/remove", params={"sector_name": "满里的板块"}))
    assert_error(remove_folder(w, "满文件夹"), 409, "conflict", "folder_name")
    ok(remove_folder(w, "子文件夹"))
    assert ok(remove_folder(w, "满文件夹")) == {"removed": "满文件夹"}
    assert not is_folder(w, "满文件夹")


def test_remove_folder_errors(w):
    create(w, "不是文件夹")
    error = assert_error(remove_folder(w, "不是文件夹"), 404, "not_found", "folder_name")
    assert "/api/sector/remove" in error["message"]
    assert "不是文件夹" in sector_list(w)
    assert_error(remove_folder(w, "沪深A股"), 404, "not_found", "folder_name")
    assert "沪深A股" in sector_list(w)
    assert_error(remove_folder(w, "没有这个文件夹"), 404, "not_found", "folder_name")
    assert_error(remove_folder(w, "我的"), 403, "forbidden", "folder_name")
    assert_error(remove_folder(w, "a/b"), 400, "invalid_parameter", "folder_name")
    assert_error(w.delete("/api/sector/remove_folder"), 422, "validation_error", "folder_name")


def test_removing_a_folder_as_a_sector_is_404_and_points_to_remove_folder(w):
    folder(w, "当板块删")
    error = assert_error(
        w.delete("/api/sector/remove", params={"sector_name": "当板块删"}), 404, "not_found", "sector_name"
    )
    assert "/api/sector/remove_folder" in error["message"]
    assert is_folder(w, "当板块删")


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


def test_folders_survive_a_restart(tmp_path, sim_backend, test_settings):
    with serve(tmp_path, sim_backend, test_settings) as first:
        folder(first, "空的")  # an empty folder is user input too
        folder(first, "上层")
        folder(first, "下层", "上层")
        create(first, "深处", "下层")
        folder(first, "删掉的文件夹")
        ok(remove_folder(first, "删掉的文件夹"))

    with serve(tmp_path, sim_backend, test_settings) as second:
        assert is_folder(second, "空的")
        assert category(second, "深处") == "我的/上层/下层"
        assert not is_folder(second, "删掉的文件夹")
        # The rules hold across the restart: names stay taken, a folder with content stays.
        r = second.post("/api/sector/create", json={"sector_name": "空的"})
        assert_error(r, 409, "conflict", "sector_name")
        assert_error(remove_folder(second, "上层"), 409, "conflict", "folder_name")
        ok(remove_folder(second, "空的"))

    with serve(tmp_path, sim_backend, test_settings) as third:
        assert not is_folder(third, "空的")
        assert is_folder(third, "下层")


def test_a_failed_write_changes_nothing(tmp_path, sim_backend, test_settings):
    store = tmp_path / STORE
    with serve(tmp_path, sim_backend, test_settings) as client:
        create(client, "原样")
        ok(change(client, "add_stocks", "原样", ["600519.SH", "000001.SZ"]))
        folder(client, "旧文件夹")
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
            client.post("/api/sector/create_folder", json={"folder_name": "新文件夹"}),
            remove_folder(client, "旧文件夹"),
        ]
        for r in failures:
            assert r.status_code >= 500, r.text
            error = assert_error(r, r.status_code)
            assert str(tmp_path) not in r.text, "server paths must not reach the client"
            assert "Is a directory" in error["message"]

        # In memory: the state before the failed writes.
        assert members(client, "原样") == ["600519.SH", "000001.SZ"]
        assert "新的" not in sector_list(client)
        # Refusals need no write and still answer as usual: an existing folder is a no-op, a clash is 409.
        assert folder(client, "旧文件夹") == {"folder": "旧文件夹", "parent_node": "我的"}
        r = client.post("/api/sector/create", json={"sector_name": "旧文件夹"})
        assert_error(r, 409, "conflict", "sector_name")
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
        assert is_folder(client, "旧文件夹") and not is_folder(client, "新文件夹")
        # And the store works again once the path is a file.
        assert ok(change(client, "add_stocks", "原样", ["300750.SZ"]))["stocks"][-1] == "300750.SZ"
        assert store.read_bytes() != saved


# ---------------------------------------------------------------- failure values (as the real xtquant answers)


def test_failure_values_of_the_backend_are_not_reported_as_success(tmp_path, sim_backend, test_settings):
    """The real xtquant decides itself where the bridge cannot check (no folder listing); it answers with
    values, not exceptions: an empty name from a create, False from remove_sector."""
    backend = SimBackend(seed=sim_backend.seed, clock=sim_backend.clock, data_dir=tmp_path)
    backend.start()
    backend.xtdata.create_sector_folder = lambda parent_node, folder_name, overwrite=True: ""
    backend.xtdata.create_sector = lambda parent_node, sector_name, overwrite=True: None
    backend.xtdata.remove_sector = lambda sector_name: False
    with TestClient(create_app(test_settings, backend=backend), raise_server_exceptions=False) as client:
        error = assert_error(
            client.post("/api/sector/create_folder", json={"folder_name": "F"}), 502, "backend_error"
        )
        assert "create_sector_folder" in error["message"] and error["details"] == {
            "call": "create_sector_folder"
        }
        error = assert_error(
            client.post("/api/sector/create", json={"sector_name": "S"}), 502, "backend_error"
        )
        assert "nothing was created" in error["message"]
        assert "S" not in sector_list(client)
        assert_error(remove_folder(client, "F"), 404, "not_found", "folder_name")
        backend.xtdata.market.custom_sectors.create_sector("", "删不掉")
        r = client.delete("/api/sector/remove", params={"sector_name": "删不掉"})
        assert_error(r, 404, "not_found", "sector_name")
        assert "删不掉" in sector_list(client)


# ---------------------------------------------------------------- the client


def test_the_client_manages_folders(tmp_path, sim_backend, test_settings):
    backend = SimBackend(seed=sim_backend.seed, clock=sim_backend.clock, data_dir=tmp_path)
    with serve_in_thread(create_app(test_settings, backend=backend)) as url:
        client = QMTClient(base_url=url, timeout=60, use_pandas=True)
        assert client.create_sector_folder("客户端外层") == "客户端外层"
        assert client.create_sector_folder("客户端内层", parent_node="客户端外层") == "客户端内层"
        assert client.create_sector("客户端深处", parent_node="客户端内层") == "客户端深处"
        assert client.get_sector_info("客户端深处")["category"].tolist() == ["我的/客户端外层/客户端内层"]

        with pytest.raises(ConflictError, match="not empty"):
            client.remove_sector_folder("客户端外层")
        with pytest.raises(ConflictError, match="folder"):
            client.create_sector("客户端内层")
        with pytest.raises(NotFoundError, match="parent_node"):
            client.create_sector("客户端孤儿", parent_node="没有的")
        with pytest.raises(NotFoundError, match="folder_name"):
            client.remove_sector_folder("没有的")
        with pytest.raises(PermissionDeniedError):
            client.remove_sector_folder("我的")

        assert client.remove_sector("客户端深处") == "客户端深处"
        assert client.remove_sector_folder("客户端内层") == "客户端内层"
        assert client.remove_sector_folder("客户端外层") == "客户端外层"
        with pytest.raises(NotFoundError, match="parent_node"):
            client.create_sector("客户端深处", parent_node="客户端外层")


def test_concurrent_writes_check_and_write_as_one_step(tmp_path, sim_backend, test_settings):
    """Parallel creates of one name: exactly one wins. A delete racing adds never brings the sector back."""
    import json
    import urllib.error
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    def send(url: str, method: str, body: dict[str, Any] | None = None) -> int:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    backend = SimBackend(seed=sim_backend.seed, clock=sim_backend.clock, data_dir=tmp_path)
    with serve_in_thread(create_app(test_settings, backend=backend)) as url, ThreadPoolExecutor(12) as pool:
        creates = [(f"{url}/api/sector/create", "POST", {"sector_name": "并发"})] * 12
        statuses = list(pool.map(lambda a: send(*a), creates))
        assert sorted(statuses) == [200] + [409] * 11

        client = QMTClient(base_url=url, timeout=60, use_pandas=True)
        client.create_sector_folder("并发目录")
        client.create_sector("并发删", parent_node="并发目录")
        client.add_sector_stocks("并发删", ["600519.SH"])
        adds = [
            (f"{url}/api/sector/add_stocks", "POST", {"sector_name": "并发删", "stocks": ["000001.SZ"]})
        ] * 6
        jobs = [(f"{url}/api/sector/remove?sector_name=%E5%B9%B6%E5%8F%91%E5%88%A0", "DELETE", None), *adds]
        statuses = list(pool.map(lambda a: send(*a), jobs))
        assert statuses[0] == 200
        # Adds that ran before the delete succeeded; every later one found no sector.
        assert all(s in (200, 404) for s in statuses[1:])
        assert "并发删" not in client.get_sector_list()


def test_a_write_interrupted_by_a_kill_leaves_no_temporary_file(tmp_path, sim_backend, test_settings):
    """A server killed while writing leaves ``.custom_sectors.*``; the next start removes it at once, however
    recent (one server per data directory: nothing else can be writing)."""
    import os
    import time

    with serve(tmp_path, sim_backend, test_settings) as client:
        create(client, "留下")
    folder = tmp_path / STORE.parent
    old, just_now = folder / ".custom_sectors.abc123", folder / ".custom_sectors.def456"
    old.write_text("{", encoding="utf-8")
    just_now.write_text("{", encoding="utf-8")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    with serve(tmp_path, sim_backend, test_settings) as client:
        assert "留下" in client.get("/api/sector/list").json()["sectors"]
    assert not old.exists()
    assert not just_now.exists()
    assert (tmp_path / STORE).exists()


def test_a_kill_during_the_first_write_leaves_no_temporary_file(tmp_path, sim_backend, test_settings):
    """Killed before the store's file ever existed: the leftover still goes at the next start."""
    with serve(tmp_path, sim_backend, test_settings) as client:
        create(client, "一个")
    folder = tmp_path / STORE.parent
    (tmp_path / STORE).unlink()
    leftover = folder / ".custom_sectors.xyz789"
    leftover.write_text("{", encoding="utf-8")
    with serve(tmp_path, sim_backend, test_settings) as client:
        assert "一个" not in client.get("/api/sector/list").json()["sectors"]
    assert not leftover.exists()
