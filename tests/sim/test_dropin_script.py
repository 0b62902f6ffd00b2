"""A script in plain xtquant style runs unchanged on the simulator, in its own process: only the import (and
one line choosing the simulated clock, so that the test does not depend on the hour) differ from the script a
MiniQMT user runs. It reads module settings, downloads, reads K-lines by a ``(metaid, period_ms)`` pair, tick
records with their order book, converts time tags, uses the short names, subscribes and blocks in ``run()``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

SCRIPT = """
from qmt_bridge.sim import xtdata  # from xtquant import xtdata

import datetime as dt
from qmt_bridge.sim.clock import CST, SimClock
xtdata.configure(seed=7, clock=SimClock("replay", replay_start=dt.datetime(2025, 11, 20, 10, 0, tzinfo=CST), speed=30))

xtdata.enable_hello = False
print("data_dir", xtdata.data_dir)
code = "600519.SH"
xtdata.download_history_data(code, "1d", "20250101", "")
daily = xtdata.get_market_data_ex(["close"], [code], period=(3001, 86400000), count=5)[code]
print("daily", len(daily), daily.index[-1])
ticks = xtdata.get_market_data([], [code], period="tick", count=10)[code]
last = ticks[-1]
print("book", len(last["askPrice"]), last["askPrice"][0] > last["bidPrice"][0], last["bidVol"].dtype)
print("t2d", xtdata.t2d(int(last["time"]), "%Y%m%d %H:%M:%S"))
print("gmd3", type(xtdata.gmd3(["close"], [code], count=1)[code].index).__name__)
print("gsl", code in xtdata.gsl("沪深300"))

pushes = []

def on_data(datas):
    pushes.append(datas[code][-1]["lastPrice"])
    if len(pushes) == 3:
        raise KeyboardInterrupt

seq = xtdata.subscribe_quote(code, period="tick", count=0, callback=on_data)
xtdata.run()
xtdata.unsubscribe_quote(seq)
print("pushes", len(pushes), all(p > 0 for p in pushes))
"""


def test_an_xtquant_script_runs_unchanged(tmp_path):
    script = tmp_path / "strategy.py"
    script.write_text(textwrap.dedent(SCRIPT), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    # The replayed clock has moved on by a few seconds when the ticks are read: a tick of 10:00 or 10:01.
    assert re.fullmatch(r"t2d 20251120 10:0[01]:\d\d", lines[3]), lines[3]
    lines[3] = "t2d (checked above)"
    assert lines == [
        "data_dir None",
        "daily 5 20251120",
        "book 5 True int32",
        "t2d (checked above)",
        "gmd3 DatetimeIndex",
        "gsl True",
        "pushes 3 True",
    ], done.stdout
