"""Chinese log lines and prints cannot fail on a code page without Chinese (cp1252, an English Windows with
its output redirected to a file): ``qmt-server``'s logging setup makes both streams escape what they cannot
encode."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# The server's logging setup, then what reaches each stream on a real box: the server's log lines
# (stderr), uvicorn's stdout handler, xtquant's print().
PROGRAM = """
import logging, sys
from qmt_bridge.server.cli import setup_logging
setup_logging("info")
logging.getLogger("qmt_bridge.server").info("预下载完成")
out = logging.StreamHandler(sys.stdout)
logging.getLogger("uvicorn.access").addHandler(out)
logging.getLogger("uvicorn.access").info("行情快照")
print("xtquant文档地址")
"""


@pytest.mark.parametrize("encoding", ["cp1252:strict", "ascii:strict"])
def test_chinese_output_on_a_code_page_without_chinese(encoding):
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": encoding, "PYTHONUTF8": "0"},
    )
    stdout, stderr = result.stdout.decode("ascii"), result.stderr.decode("ascii")
    assert result.returncode == 0, stderr
    assert "UnicodeEncodeError" not in stderr and "Logging error" not in stderr
    assert "qmt_bridge.server: \\u9884\\u4e0b\\u8f7d\\u5b8c\\u6210" in stderr
    assert stdout.splitlines() == ["\\u884c\\u60c5\\u5feb\\u7167", "xtquant\\u6587\\u6863\\u5730\\u5740"]


def test_without_the_setup_the_same_output_fails():
    """The test above would catch a setup that no longer protects the streams."""
    program = PROGRAM.replace('setup_logging("info")', "logging.basicConfig(level=logging.INFO)")
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "cp1252:strict", "PYTHONUTF8": "0"},
    )
    assert result.returncode != 0 or b"UnicodeEncodeError" in result.stderr
