"""The README's Python client example runs verbatim (but for the server's address) against a server on the
simulator at today's date, and every name it binds holds data: its dates are relative to today, so the example
keeps working as the clock moves."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import serve_in_thread
from qmt_bridge.backends.sim import SimBackend
from qmt_bridge.server.app import create_app
from qmt_bridge.server.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
ADDRESS = 'QMTClient(host="127.0.0.1", port=8000)'


def python_client_example() -> str:
    """The first ``python`` block under the "Python client" heading."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Python client") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def test_the_python_client_example_runs_and_every_result_holds_data(tmp_path: Path) -> None:
    code = python_client_example()
    assert code.count(ADDRESS) == 1
    settings = Settings(
        _env_file=None, backend="sim", data_dir=str(tmp_path), predownload=False, quote_markets="BJ"
    )
    with serve_in_thread(create_app(settings, backend=SimBackend(data_dir=tmp_path))) as url:
        names: dict = {}
        exec(compile(code.replace(ADDRESS, f'QMTClient(base_url="{url}")'), "README.md", "exec"), names)
    assert len(names["df"]) == 60 and set(names["dfs"]) == {"000001.SZ", "600519.SH"}
    for name in (
        "indices",
        "snapshot",
        "sectors",
        "stocks",
        "markets",
        "periods",
        "fin",
        "etfs",
        "options",
        "alive",
    ):
        assert len(names[name]) > 0, name
    assert all(code.startswith("IO") and code.endswith(".IF") for code in names["options"])
    assert all(code.endswith(".SHO") for code in names["alive"])
    assert names["last_date"] and names["main_contract"]
