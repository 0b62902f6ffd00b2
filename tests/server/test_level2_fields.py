"""The Level-2 tables' ``fields``: every documented field is served; an unknown one (a typo included) is a
400 naming it, where xtquant would answer rows without it, or no row at all."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import assert_error
from qmt_bridge.server.routers.tick import LEVEL2_ROWS

TABLES = {"/api/tick/l2_quote": "get_l2_quote", "/api/tick/l2_order": "get_l2_order",
          "/api/tick/l2_transaction": "get_l2_transaction"}  # fmt: skip


@pytest.mark.parametrize("path", list(TABLES))
def test_every_documented_field_is_served(api: Any, path: str) -> None:
    fields = list(LEVEL2_ROWS[TABLES[path]].model_fields)
    answer = api.get(path, params={"stock": "600519.SH", "fields": ",".join(fields), "count": 2})
    assert answer.status_code == 200, answer.text
    rows = answer.json()["data"]
    assert rows and all(list(row) == fields for row in rows)


@pytest.mark.parametrize(("path", "typo"), [("/api/tick/l2_quote", "lastprice"), ("/api/tick/l2_order", "entrustno"),
                                            ("/api/tick/l2_transaction", "nosuch")])  # fmt: skip
def test_an_unknown_field_is_400_naming_it(api: Any, path: str, typo: str) -> None:
    answer = api.get(path, params={"stock": "600519.SH", "fields": f"time,{typo}", "count": 2})
    error = assert_error(answer, 400, "invalid_parameter", "fields")
    assert typo in error["message"] and "time" in error["message"]
    assert error["details"]["value"] == [typo]
