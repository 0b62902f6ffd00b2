"""``from qmt_bridge.sim import xtdata`` works like ``from xtquant import xtdata``, without FastAPI."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from conftest import AFTER_CLOSE
from qmt_bridge.sim.clock import fixed_clock


@pytest.fixture()
def xtdata_module():
    from qmt_bridge.sim import xtdata

    xtdata.configure(seed=7, clock=fixed_clock(AFTER_CLOSE))
    yield xtdata
    xtdata.configure()  # back to the defaults for whoever imports it next


def test_module_functions_answer_like_xtquant(xtdata_module):
    frames = xtdata_module.get_market_data_ex([], ["600519.SH"], period="1d", count=5, dividend_type="front")
    frame = frames["600519.SH"]
    assert len(frame) == 5 and list(frame.index)[-1] == "20251120"
    assert {"open", "high", "low", "close", "volume", "time"} <= set(frame.columns)
    assert "600519.SH" in xtdata_module.get_stock_list_in_sector("沪深300")
    assert xtdata_module.get_instrument_detail("600519.SH")["InstrumentName"] == "贵州茅台"


def test_same_seed_same_market_and_configure_rebuilds(xtdata_module, xtdata):
    mine = xtdata_module.get_market_data_ex(["close"], ["000001.SZ"], count=20)["000001.SZ"]
    fixture = xtdata.get_market_data_ex(["close"], ["000001.SZ"], count=20)["000001.SZ"]
    assert mine["close"].tolist() == fixture["close"].tolist()  # the same seed and clock as tests/conftest.py
    xtdata_module.configure(seed=8, clock=fixed_clock(AFTER_CLOSE))
    other = xtdata_module.get_market_data_ex(["close"], ["000001.SZ"], count=20)["000001.SZ"]
    assert other["close"].tolist() != mine["close"].tolist()


def test_unknown_and_private_names_are_attribute_errors(xtdata_module):
    with pytest.raises(AttributeError):
        xtdata_module.no_such_function  # noqa: B018
    with pytest.raises(AttributeError):
        xtdata_module._kline  # noqa: B018


def test_importable_without_fastapi():
    code = textwrap.dedent(
        """
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"fastapi", "starlette", "uvicorn", "pydantic_settings"}:
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        from qmt_bridge.sim import xtdata
        print(len(xtdata.get_sector_list()) > 50)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
