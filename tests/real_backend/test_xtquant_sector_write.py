"""The sector write endpoints on the real backend path (``XtquantBackend`` → the fake ``xtquant.xtdata``).

``POST /api/sector/create_folder``, ``/create``, ``/add_stocks``, ``/remove_stocks``, ``/reset`` and
``DELETE /api/sector/remove``, ``/remove_folder``: which xtquant calls the server makes, with which argument
values, what it answers, and how it passes on xtquant's answers (an empty name from a create, ``False`` /
``None`` from ``remove_sector``) and failures.

On the real backend the bridge can check only what xtquant's read functions tell: ``get_sector_list``
(a name that is a sector) and ``get_sector_info`` (a system sector's category). Whether a ``parent_node``
is a folder, whether a name is a folder's, and whether a folder is empty are MiniQMT's to decide; the fake
decides them its own way (see its ``create_sector_folder``), so the tests below that depend on that are
marked as what the bridge does *given* such an answer.
"""

from __future__ import annotations

import inspect
import time
from typing import Any

import pandas as pd
import pytest

from helpers import assert_error

WRITES = (
    "create_sector_folder",
    "create_sector",
    "add_sector",
    "remove_stock_from_sector",
    "remove_sector",
    "reset_sector",
)


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def calls(fake: Any, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """``(args, kwargs)`` of every call of ``name``, each checked to bind to xtquant's signature."""
    out = fake.calls_to(name)
    for args, kwargs in out:
        inspect.signature(getattr(fake, name)).bind(*args, **kwargs)
    return out


def names_called(fake: Any) -> list[str]:
    return [name for name, _, _ in fake.CALLS]


def writes_called(fake: Any) -> list[str]:
    return [name for name in names_called(fake) if name in WRITES]


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def post(client: Any, action: str, **body: Any) -> Any:
    return client.post(f"/api/sector/{action}", json=body)


def change(client: Any, action: str, name: str, stocks: list[str]) -> Any:
    return post(client, action, sector_name=name, stocks=stocks)


def remove(client: Any, name: str) -> Any:
    return client.delete("/api/sector/remove", params={"sector_name": name})


def remove_folder(client: Any, name: str) -> Any:
    return client.delete("/api/sector/remove_folder", params={"folder_name": name})


def sector_list(client: Any) -> list[str]:
    sectors: list[str] = ok(client.get("/api/sector/list"))["sectors"]
    return sectors


def members(client: Any, name: str) -> list[str]:
    stocks: list[str] = ok(client.get("/api/sector/stocks", params={"sector": name}))["stocks"]
    return stocks


def setup(fake: Any, *, folders: tuple[tuple[str, str], ...] = (), sectors: dict[str, Any] | None = None):
    """Create folders ``(parent, name)`` and sectors ``{name: (parent, stocks)}`` in the fake directly, then
    forget those calls, so a test's CALLS hold only what the server did."""
    for parent, name in folders:
        assert fake.create_sector_folder(parent, name) == name
    for name, (parent, stocks) in (sectors or {}).items():
        assert fake.create_sector(parent, name) == name
        if stocks:
            fake.add_sector(name, stocks)
    fake.CALLS.clear()


# --------------------------------------------------------------------------------------------------
# The fake: xtquant's signatures and documented behaviour
# --------------------------------------------------------------------------------------------------

# The write functions' signatures are checked with the others in test_xtquant_backend.CATALOG_SIGNATURES.


def test_fake_create_follows_xtquants_docs(fake_xtdata):
    x = fake_xtdata
    # parent_node '' is 我的; the actual name is returned.
    assert x.create_sector_folder("", "文件夹") == "文件夹"
    assert x.create_sector("文件夹", "板块") == "板块"
    # overwrite=True (the default) skips an existing node; overwrite=False appends the first free number.
    assert x.create_sector_folder("", "文件夹") == "文件夹"
    assert x.create_sector_folder("", "文件夹", False) == "文件夹1"
    assert x.create_sector_folder("", "文件夹", overwrite=False) == "文件夹2"
    assert x.create_sector("", "板块", True) == "板块"
    assert x.create_sector("", "板块", False) == "板块1"
    assert x.create_sector("", "沪深300", False) == "沪深3001"  # system sectors hold their names too
    # The fake's choice where the docs are silent: no such parent folder → nothing created, ''.
    assert x.create_sector("没有", "孤儿") == ""
    assert x.create_sector_folder("没有", "孤儿") == ""

    assert x.get_sector_list()[-3:] == ["板块", "板块1", "沪深3001"]
    assert "孤儿" not in x.get_sector_list()
    info = x.get_sector_info()
    assert info[info["sector"] == "板块"]["category"].tolist() == ["我的/文件夹"]
    assert x.get_sector_info("板块1")["category"].tolist() == ["我的"]
    assert x.get_sector_info("沪深300")["category"].tolist() == ["指数成份"]
    assert x.get_stock_list_in_sector("板块") == []


def test_fake_members_and_removal(fake_xtdata):
    x = fake_xtdata
    x.create_sector_folder("", "F")
    x.create_sector("F", "S")
    # Documented returns: add_sector and remove_sector "无" (None); the other two True/False.
    assert x.add_sector("S", ["600000.SH", "000001.SZ", "600000.SH"]) is None
    assert x.get_stock_list_in_sector("S") == ["600000.SH", "000001.SZ"]
    assert x.get_stock_list_in_sector("S", "20251118") == ["600000.SH", "000001.SZ"]
    assert x.remove_stock_from_sector("S", ["600000.SH", "301999.SZ"]) is True
    assert x.get_stock_list_in_sector("S") == ["000001.SZ"]
    assert x.reset_sector("S", ["301999.SZ", "600000.SH"]) is True
    assert x.get_stock_list_in_sector("S") == ["301999.SZ", "600000.SH"]
    assert x.get_stock_list_in_sector("S", "20251118") == ["600000.SH"]  # 301999.SZ listed on 20251119
    # System sectors and folders are left alone.
    assert x.reset_sector("沪深300", []) is False
    assert x.remove_stock_from_sector("沪深300", ["600000.SH"]) is False
    assert x.add_sector("沪深300", ["301999.SZ"]) is None
    assert x.get_stock_list_in_sector("沪深300") == ["000001.SZ", "600000.SH"]
    assert x.remove_stock_from_sector("F", ["600000.SH"]) is False
    # add_sector on a free name creates the sector at the root ("添加自定义板块").
    x.add_sector("新的", ["600000.SH"])
    assert x.get_sector_info("新的")["category"].tolist() == ["我的"]

    # remove_sector answers None whatever it did; a folder goes only once empty.
    assert x.remove_sector("F") is None
    assert x.create_sector("F", "探针") == "探针"  # F is still a folder
    assert x.remove_sector("探针") is None
    assert x.remove_sector("S") is None
    assert x.remove_sector("F") is None
    assert x.create_sector("F", "探针") == ""  # F is gone
    assert x.remove_sector("没有") is None
    assert x.remove_sector("沪深300") is None
    assert "沪深300" in x.get_sector_list()


def test_fake_reset_forgets_user_sectors_and_returns(fake_xtdata):
    x = fake_xtdata
    x.create_sector_folder("", "F")
    x.create_sector("", "S")
    x.RETURNS["create_sector"] = ""
    assert x.create_sector("", "T") == ""
    assert x.calls_to("create_sector")[-1] == (("", "T"), {})  # recorded, nothing created
    assert "T" not in x.get_sector_list()
    x.reset()
    assert x.RETURNS == {} and x.CALLS == []
    assert "S" not in x.get_sector_list()
    assert x.create_sector("F", "S") == ""  # the folder is gone too


# --------------------------------------------------------------------------------------------------
# Creating folders and sectors
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("parent", [None, "", "我的", " 我的 "])
def test_create_folder_at_the_root(client, fake_xtdata, parent):
    body = {"folder_name": " 自选股 "} | ({} if parent is None else {"parent_node": parent})
    assert ok(post(client, "create_folder", **body)) == {"folder": "自选股", "parent_node": "我的"}
    # The name is checked against the sectors first; then xtquant gets '' for 我的 and overwrite=True.
    assert names_called(fake_xtdata) == ["get_sector_list", "create_sector_folder"]
    assert calls(fake_xtdata, "create_sector_folder") == [(("", "自选股", True), {})]


def test_create_sector_in_a_folder(client, fake_xtdata):
    assert ok(post(client, "create_folder", folder_name="自选股")) == {
        "folder": "自选股",
        "parent_node": "我的",
    }
    body = ok(post(client, "create", sector_name="半导体", parent_node="自选股"))
    assert body == {"sector": "半导体", "parent_node": "自选股"}
    assert calls(fake_xtdata, "create_sector") == [(("自选股", "半导体", True), {})]
    assert writes_called(fake_xtdata) == ["create_sector_folder", "create_sector"]

    # The read side reflects it: listed, empty, filed under 我的/自选股.
    assert "半导体" in sector_list(client)
    assert ok(client.get("/api/sector/stocks", params={"sector": "半导体"})) == {
        "sector": "半导体",
        "count": 0,
        "stocks": [],
    }
    info = ok(client.get("/api/sector/info", params={"sector": "半导体"}))["data"]
    assert info == [{"sector": "半导体", "category": "我的/自选股"}]


def test_create_sector_at_the_root(client, fake_xtdata):
    assert ok(post(client, "create", sector_name="根板块", parent_node="我的")) == {
        "sector": "根板块",
        "parent_node": "我的",
    }
    assert calls(fake_xtdata, "create_sector") == [(("", "根板块", True), {})]
    rows = ok(client.get("/api/sector/info"))["data"]
    assert {"sector": "根板块", "category": "我的"} in rows
    assert {"sector": "沪深300", "category": "指数成份"} in rows


def test_creating_an_existing_folder_is_a_no_op(client, fake_xtdata):
    first = ok(post(client, "create_folder", folder_name="重复"))
    again = ok(post(client, "create_folder", folder_name="重复"))
    assert first == again == {"folder": "重复", "parent_node": "我的"}
    # Both times overwrite=True, which xtquant documents as "skip if it exists".
    assert calls(fake_xtdata, "create_sector_folder") == [(("", "重复", True), {})] * 2
    assert fake_xtdata.create_sector_folder.__wrapped__("", "重复", False) == "重复1"  # only one was made


@pytest.mark.parametrize("existing", ["沪深A股", "SW1银行", "用户板块"])
@pytest.mark.parametrize(("action", "param"), [("create", "sector_name"), ("create_folder", "folder_name")])
def test_a_sectors_name_is_409_before_xtquant_is_asked(client, fake_xtdata, existing, action, param):
    setup(fake_xtdata, sectors={"用户板块": ("", ["600000.SH"])})
    before = sector_list(client)
    fake_xtdata.CALLS.clear()
    error = assert_error(post(client, action, **{param: existing}), 409, "conflict", param)
    assert error["details"] == {"param": param, "value": existing}
    assert existing in error["message"]
    assert names_called(fake_xtdata) == ["get_sector_list"]  # no create call at all
    assert sector_list(client) == before
    assert members(client, "用户板块") == ["600000.SH"]


@pytest.mark.parametrize("value", ["", None])
@pytest.mark.parametrize(
    ("action", "param", "function"),
    [("create", "sector_name", "create_sector"), ("create_folder", "folder_name", "create_sector_folder")],
)
def test_no_name_from_xtquant_is_502(client, fake_xtdata, action, param, function, value):
    """MiniQMT answers a create it did not do with no name: the bridge says so instead of claiming success."""
    fake_xtdata.RETURNS[function] = value
    response = post(client, action, **{param: "新名字"})
    error = assert_error(response, 502, "backend_error")
    assert function in error["message"] and "nothing was created" in error["message"]
    assert error["details"] == {"call": function}
    assert calls(fake_xtdata, function) == [(("", "新名字", True), {})]
    assert "新名字" not in sector_list(client)


def test_a_renamed_create_answers_the_actual_name(client, fake_xtdata):
    """Whatever name xtquant says it created is the one answered (the bridge never sends overwrite=False,
    but MiniQMT's answer is passed on as is), once get_sector_list shows it."""
    setup(fake_xtdata, sectors={"自选1": ("", [])})  # what MiniQMT would have created
    fake_xtdata.RETURNS["create_sector"] = "自选1"
    assert ok(post(client, "create", sector_name="自选")) == {"sector": "自选1", "parent_node": "我的"}


@pytest.mark.parametrize(
    ("action", "body", "param"),
    [
        ("create", {"sector_name": "a/b"}, "sector_name"),
        ("create", {"sector_name": "   "}, "sector_name"),
        ("create", {"sector_name": "长" * 65}, "sector_name"),
        ("create", {"sector_name": "好", "parent_node": "C:"}, "parent_node"),
        ("create_folder", {"folder_name": "what?"}, "folder_name"),
        ("create_folder", {"folder_name": "x", "parent_node": "a|b"}, "parent_node"),
        ("add_stocks", {"sector_name": "a<b", "stocks": ["600000.SH"]}, "sector_name"),
        ("add_stocks", {"sector_name": "S", "stocks": []}, "stocks"),
        ("reset", {"sector_name": "S", "stocks": ["600000"]}, "stocks"),
    ],
)
def test_bad_names_and_codes_are_400_without_any_xtquant_call(client, fake_xtdata, action, body, param):
    assert_error(post(client, action, **body), 400, "invalid_parameter", param)
    assert fake_xtdata.CALLS == []


def test_bad_names_on_delete_are_400_without_any_xtquant_call(client, fake_xtdata):
    assert_error(remove(client, "a/b"), 400, "invalid_parameter", "sector_name")
    assert_error(remove_folder(client, "a\\b"), 400, "invalid_parameter", "folder_name")
    assert fake_xtdata.CALLS == []


# --------------------------------------------------------------------------------------------------
# Members
# --------------------------------------------------------------------------------------------------


def test_add_remove_and_reset_members(client, fake_xtdata):
    setup(fake_xtdata, folders=(("", "F"),), sectors={"成员": ("F", [])})

    body = ok(change(client, "add_stocks", "成员", ["600000.sh", "000001.SZ", "600000.SH"]))
    assert body == {"sector": "成员", "count": 2, "stocks": ["600000.SH", "000001.SZ"]}
    # Checked first (a sector, not a system one, known codes), then written, then read back.
    assert names_called(fake_xtdata) == [
        "get_sector_list",
        "get_sector_info",
        "get_instrument_detail",
        "get_instrument_detail",
        "add_sector",
        "get_stock_list_in_sector",
    ]
    assert calls(fake_xtdata, "get_sector_info") == [(("成员",), {})]
    # Normalised and de-duplicated codes, as a list; positional like xtquant's documented calls.
    assert calls(fake_xtdata, "add_sector") == [(("成员", ["600000.SH", "000001.SZ"]), {})]
    assert calls(fake_xtdata, "get_stock_list_in_sector") == [(("成员",), {})]

    fake_xtdata.CALLS.clear()
    body = ok(change(client, "add_stocks", "成员", ["000001.SZ", "301999.SZ"]))
    assert body["stocks"] == ["600000.SH", "000001.SZ", "301999.SZ"]
    assert calls(fake_xtdata, "get_instrument_detail") == [(("301999.SZ",), {})]  # known codes: not again

    body = ok(change(client, "remove_stocks", "成员", ["000001.SZ"]))
    assert body == {"sector": "成员", "count": 2, "stocks": ["600000.SH", "301999.SZ"]}
    assert calls(fake_xtdata, "remove_stock_from_sector") == [(("成员", ["000001.SZ"]), {})]

    body = ok(change(client, "reset", "成员", ["000300.SH", "000001.SZ"]))
    assert body == {"sector": "成员", "count": 2, "stocks": ["000300.SH", "000001.SZ"]}
    assert calls(fake_xtdata, "reset_sector") == [(("成员", ["000300.SH", "000001.SZ"]), {})]

    assert members(client, "成员") == ["000300.SH", "000001.SZ"]
    info = ok(client.get("/api/sector/info", params={"sector": "成员"}))["data"]
    assert info == [{"sector": "成员", "category": "我的/F"}]  # members changed, folder kept


def test_stock_list_alias_is_accepted(client, fake_xtdata):
    setup(fake_xtdata, sectors={"别名": ("", [])})
    response = client.post(
        "/api/sector/add_stocks", json={"sector_name": "别名", "stock_list": ["600000.SH"]}
    )
    assert ok(response)["stocks"] == ["600000.SH"]
    assert calls(fake_xtdata, "add_sector") == [(("别名", ["600000.SH"]), {})]


@pytest.mark.parametrize("action", ["add_stocks", "remove_stocks", "reset"])
@pytest.mark.parametrize("system", ["沪深A股", "沪深300", "SW1银行"])
def test_system_sectors_are_403(client, fake_xtdata, action, system):
    before = members(client, system)
    fake_xtdata.CALLS.clear()
    error = assert_error(change(client, action, system, ["600000.SH"]), 403, "forbidden", "sector_name")
    assert "system sector" in error["message"]
    assert names_called(fake_xtdata) == ["get_sector_list", "get_sector_info"]
    assert members(client, system) == before


@pytest.mark.parametrize("action", ["add_stocks", "remove_stocks", "reset"])
def test_unknown_sectors_are_404(client, fake_xtdata, action):
    setup(fake_xtdata, folders=(("", "一个文件夹"),))
    for name in ("没有这个板块", "一个文件夹"):  # a folder is no sector either
        error = assert_error(change(client, action, name, ["600000.SH"]), 404, "not_found", "sector_name")
        assert error["details"] == {"param": "sector_name", "value": name}
    assert writes_called(fake_xtdata) == []
    assert "没有这个板块" not in sector_list(client)


@pytest.mark.parametrize("action", ["add_stocks", "remove_stocks", "reset"])
def test_unknown_codes_are_404_and_change_nothing(client, fake_xtdata, action):
    setup(fake_xtdata, sectors={"代码": ("", ["600000.SH"])})
    error = assert_error(
        change(client, action, "代码", ["000001.SZ", "600999.SH"]), 404, "unknown_code", "stocks"
    )
    assert error["details"]["value"] == ["600999.SH"]
    assert writes_called(fake_xtdata) == []
    assert members(client, "代码") == ["600000.SH"]


def test_a_user_sector_missing_from_get_sector_info_can_be_changed(client, fake_xtdata):
    """The real get_sector_info reads the downloaded sector files (SectorData/latest/*.fe), which a user
    sector may not have: no category is not taken for a system sector."""
    setup(fake_xtdata, sectors={"自选": ("", [])})
    fake_xtdata.RETURNS["get_sector_info"] = pd.DataFrame({"sector": [], "category": []})
    assert ok(change(client, "add_stocks", "自选", ["600000.SH"]))["stocks"] == ["600000.SH"]
    assert ok(remove(client, "自选")) == {"removed": "自选"}
    assert writes_called(fake_xtdata) == ["add_sector", "remove_sector"]


# --------------------------------------------------------------------------------------------------
# Removing sectors and folders
# --------------------------------------------------------------------------------------------------


def test_remove_a_user_sector(client, fake_xtdata):
    setup(fake_xtdata, folders=(("", "F"),), sectors={"待删除": ("F", ["600000.SH"])})
    assert ok(remove(client, "待删除")) == {"removed": "待删除"}
    assert names_called(fake_xtdata) == ["get_sector_list", "get_sector_info", "remove_sector"]
    assert calls(fake_xtdata, "remove_sector") == [(("待删除",), {})]  # answered None, as documented
    assert "待删除" not in sector_list(client)
    assert_error(client.get("/api/sector/stocks", params={"sector": "待删除"}), 404, "not_found", "sector")

    # Gone: a second delete is 404 without asking xtquant to remove anything; the name is free again.
    fake_xtdata.CALLS.clear()
    assert_error(remove(client, "待删除"), 404, "not_found", "sector_name")
    assert writes_called(fake_xtdata) == []
    assert ok(post(client, "create", sector_name="待删除"))["sector"] == "待删除"


@pytest.mark.parametrize("system", ["沪深A股", "沪深300"])
def test_removing_a_system_sector_is_403(client, fake_xtdata, system):
    error = assert_error(remove(client, system), 403, "forbidden", "sector_name")
    assert "system sector" in error["message"]
    assert writes_called(fake_xtdata) == []
    assert system in sector_list(client)


def test_removing_a_folder_or_nothing_as_a_sector_is_404(client, fake_xtdata):
    setup(fake_xtdata, folders=(("", "文件夹"),))
    error = assert_error(remove(client, "文件夹"), 404, "not_found", "sector_name")
    assert "/api/sector/remove_folder" in error["message"]
    assert_error(remove(client, "不存在"), 404, "not_found", "sector_name")
    assert names_called(fake_xtdata) == ["get_sector_list", "get_sector_list"]
    assert fake_xtdata.create_sector.__wrapped__("文件夹", "探针") == "探针"  # still a folder


def test_remove_an_empty_folder(client, fake_xtdata):
    setup(fake_xtdata, folders=(("", "外层"), ("外层", "空文件夹")))
    assert ok(remove_folder(client, "空文件夹")) == {"removed": "空文件夹"}
    # xtquant has no call to remove folders: remove_sector takes a folder's name.
    assert names_called(fake_xtdata) == ["get_sector_list", "remove_sector"]
    assert calls(fake_xtdata, "remove_sector") == [(("空文件夹",), {})]
    assert fake_xtdata.create_sector.__wrapped__("空文件夹", "探针") == ""  # no such folder any more
    assert fake_xtdata.create_sector.__wrapped__("外层", "探针") == "探针"  # its parent stays


@pytest.mark.parametrize("name", ["用户板块", "沪深A股"])
def test_remove_folder_with_a_sectors_name_is_404(client, fake_xtdata, name):
    setup(fake_xtdata, sectors={"用户板块": ("", ["600000.SH"])})
    error = assert_error(remove_folder(client, name), 404, "not_found", "folder_name")
    assert "DELETE /api/sector/remove" in error["message"]
    assert error["details"] == {"param": "folder_name", "value": name}
    assert names_called(fake_xtdata) == ["get_sector_list"]  # remove_sector is never called
    assert name in sector_list(client)
    assert members(client, "用户板块") == ["600000.SH"]


def test_remove_folder_of_the_root_is_403_without_any_xtquant_call(client, fake_xtdata):
    assert_error(remove_folder(client, " 我的 "), 403, "forbidden", "folder_name")
    assert fake_xtdata.CALLS == []


@pytest.mark.parametrize(
    ("path", "param", "name", "setup_kwargs", "calls_before"),
    [
        ("remove", "sector_name", "S", {"sectors": {"S": ("", [])}}, ["get_sector_list", "get_sector_info"]),
        ("remove_folder", "folder_name", "F", {"folders": (("", "F"),)}, ["get_sector_list"]),
    ],
    ids=["remove", "remove_folder"],
)
def test_false_from_remove_sector_is_404(client, fake_xtdata, path, param, name, setup_kwargs, calls_before):
    """xtquant's remove_sector returns its reply's ``result``: should MiniQMT answer False, nothing was removed."""
    setup(fake_xtdata, **setup_kwargs)
    fake_xtdata.RETURNS["remove_sector"] = False
    response = client.delete(f"/api/sector/{path}", params={param: name})
    error = assert_error(response, 404, "not_found", param)
    assert error["details"] == {"param": param, "value": name}
    assert names_called(fake_xtdata) == [*calls_before, "remove_sector"]


# --------------------------------------------------------------------------------------------------
# Failures of the write calls
# --------------------------------------------------------------------------------------------------

FAILING_WRITES = [
    ("post", "create_folder", {"folder_name": "新文件夹"}, "create_sector_folder"),
    ("post", "create", {"sector_name": "新板块"}, "create_sector"),
    ("post", "add_stocks", {"sector_name": "S", "stocks": ["000001.SZ"]}, "add_sector"),
    ("post", "remove_stocks", {"sector_name": "S", "stocks": ["600000.SH"]}, "remove_stock_from_sector"),
    ("post", "reset", {"sector_name": "S", "stocks": ["000001.SZ"]}, "reset_sector"),
    ("delete", "remove", {"sector_name": "S"}, "remove_sector"),
    ("delete", "remove_folder", {"folder_name": "F"}, "remove_sector"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "function"), FAILING_WRITES, ids=[w[1] for w in FAILING_WRITES]
)
def test_a_write_that_raises_is_502_naming_the_call(client, fake_xtdata, method, path, body, function):
    setup(fake_xtdata, folders=(("", "F"),), sectors={"S": ("F", ["600000.SH"])})
    fake_xtdata.FAILURES[function] = RuntimeError("板块操作失败")
    if method == "post":
        response = client.post(f"/api/sector/{path}", json=body)
    else:
        response = client.delete(f"/api/sector/{path}", params=body)
    error = assert_error(response, 502, "backend_error")
    assert error["details"] == {"call": function}
    assert f"{function} failed" in error["message"] and "板块操作失败" in error["message"]
    assert "xtdata.py" not in response.text
    assert writes_called(fake_xtdata) == [function]

    # Nothing changed, and the server still answers.
    fake_xtdata.FAILURES.clear()
    assert members(client, "S") == ["600000.SH"]
    assert "新板块" not in sector_list(client)
    assert fake_xtdata.create_sector.__wrapped__("F", "探针") == "探针"  # F is still a folder


@pytest.mark.parametrize("function", ["get_sector_list", "get_sector_info"])
def test_a_failing_check_is_502_naming_the_call(client, fake_xtdata, function):
    setup(fake_xtdata, sectors={"S": ("", [])})
    fake_xtdata.FAILURES[function] = RuntimeError("行情服务连接断开")
    error = assert_error(change(client, "add_stocks", "S", ["600000.SH"]), 502, "backend_error")
    assert error["details"] == {"call": function}
    assert writes_called(fake_xtdata) == []


# --------------------------------------------------------------------------------------------------
# Where the real backend cannot keep the router's promises (what the bridge does given xtquant's answers;
# MiniQMT's actual answers in these cases are unverified)
# --------------------------------------------------------------------------------------------------


def test_an_unknown_parent_is_502_not_404(client, fake_xtdata):
    """The router promises 404 naming parent_node; on the real backend only MiniQMT knows its folders. If it
    creates nothing and answers '' (as the fake does), the client gets a 502 instead."""
    for action, body, function in (
        ("create", {"sector_name": "孤儿", "parent_node": "没有的文件夹"}, "create_sector"),
        ("create_folder", {"folder_name": "孤儿", "parent_node": "没有的文件夹"}, "create_sector_folder"),
    ):
        error = assert_error(post(client, action, **body), 502, "backend_error")
        assert error["details"] == {"call": function}
        assert calls(fake_xtdata, function) == [(("没有的文件夹", "孤儿", True), {})]


def test_a_sector_as_parent_is_404_without_asking_xtquant(client, fake_xtdata):
    """A sector's name is no folder: get_sector_list tells, so xtquant is not asked to create anything."""
    for action, body in (
        ("create", {"sector_name": "子板块", "parent_node": "沪深300"}),
        ("create_folder", {"folder_name": "子目录", "parent_node": "沪深300"}),
    ):
        assert_error(post(client, action, **body), 404, "not_found", "parent_node")
    assert calls(fake_xtdata, "create_sector") == calls(fake_xtdata, "create_sector_folder") == []


def test_a_folders_name_for_a_new_sector_is_409(client, fake_xtdata):
    """get_sector_list does not list folders, so the bridge asks xtquant, which (overwrite=True) skips the
    existing node and answers its name; no sector appeared, so a folder holds the name: 409."""
    setup(fake_xtdata, folders=(("", "同名"),))
    assert_error(post(client, "create", sector_name="同名"), 409, "conflict", "sector_name")
    assert calls(fake_xtdata, "create_sector") == [(("", "同名", True), {})]
    assert "同名" not in sector_list(client)


def test_a_folder_elsewhere_is_not_refused(client, fake_xtdata):
    """The router promises 409 for a folder of that name elsewhere; the bridge cannot tell (no folder
    listing), xtquant skips: 200 answering the other parent, and the folder stays where it was."""
    setup(fake_xtdata, folders=(("", "甲"), ("", "乙"), ("甲", "唯一")))
    assert ok(post(client, "create_folder", folder_name="唯一", parent_node="乙")) == {
        "folder": "唯一",
        "parent_node": "乙",
    }
    assert fake_xtdata.create_sector.__wrapped__("唯一", "探针") == "探针"
    assert fake_xtdata.get_sector_info.__wrapped__("探针")["category"].tolist() == ["我的/甲/唯一"]


@pytest.mark.parametrize(("action", "param"), [("create", "sector_name"), ("create_folder", "folder_name")])
def test_the_roots_name_is_409_without_asking_xtquant(client, fake_xtdata, action, param):
    """我的 names the root; no folder or sector may take it, on any backend."""
    assert_error(post(client, action, **{param: "我的"}), 409, "conflict", param)
    assert calls(fake_xtdata, "create_sector") == calls(fake_xtdata, "create_sector_folder") == []


def test_remove_folder_of_nothing_answers_removed(client, fake_xtdata):
    """remove_sector returns None (documented "返回 无"), so the bridge cannot tell an unknown or non-empty
    folder from a removed one: 200 {"removed"}, where the router promises 404 / 409."""
    setup(fake_xtdata, folders=(("", "满"),), sectors={"里面": ("满", [])})
    assert ok(remove_folder(client, "没有的文件夹")) == {"removed": "没有的文件夹"}
    assert ok(remove_folder(client, "满")) == {"removed": "满"}
    assert calls(fake_xtdata, "remove_sector") == [(("没有的文件夹",), {}), (("满",), {})]
    info = ok(client.get("/api/sector/info", params={"sector": "里面"}))["data"]
    assert info == [{"sector": "里面", "category": "我的/满"}]  # the fake removed nothing


@pytest.mark.parametrize(
    ("action", "function"), [("remove_stocks", "remove_stock_from_sector"), ("reset", "reset_sector")]
)
def test_false_from_a_member_write_is_502(client, fake_xtdata, action, function):
    """remove_stock_from_sector / reset_sector answer False when they fail (xtquant's docs)."""
    setup(fake_xtdata, sectors={"S": ("", ["600000.SH"])})
    fake_xtdata.RETURNS[function] = False
    error = assert_error(change(client, action, "S", ["600000.SH"]), 502, "backend_error")
    assert error["details"] == {"call": function} and "False" in error["message"]


def test_a_system_sector_missing_from_get_sector_info_is_not_protected(client, fake_xtdata):
    """The 403 relies on get_sector_info, which the real xtquant reads from the downloaded sector files: a
    system sector without one (sector data not downloaded) gets no category, and the write goes to xtquant."""
    fake_xtdata.RETURNS["get_sector_info"] = pd.DataFrame({"sector": [], "category": []})
    ok(change(client, "add_stocks", "沪深300", ["301999.SZ"]))
    assert calls(fake_xtdata, "add_sector") == [(("沪深300", ["301999.SZ"]), {})]


@pytest.mark.timeout(20)
def test_a_timed_out_write_may_still_happen(make_client, fake_xtdata):
    """A timed-out call is abandoned, not cancelled: the 504 does not mean nothing was created, and retrying
    then answers 409."""
    client = make_client(backend_timeout=0.5)
    fake_xtdata.DELAYS["create_sector"] = 1.0
    error = assert_error(post(client, "create", sector_name="慢板块"), 504, "backend_timeout")
    assert error["details"] == {"call": "create_sector", "timeout": 0.5, "queued": False}
    deadline = time.monotonic() + 5
    while not any(span[0] == "create_sector" for span in fake_xtdata.SPANS):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    fake_xtdata.DELAYS.clear()
    assert "慢板块" in sector_list(client)
    assert_error(post(client, "create", sector_name="慢板块"), 409, "conflict", "sector_name")
