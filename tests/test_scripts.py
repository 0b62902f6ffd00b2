"""scripts/: the background start and stop scripts really start and stop qmt-server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.sh")))
def test_shell_scripts_parse(script):
    assert subprocess.run(["bash", "-n", str(SCRIPTS / script)]).returncode == 0


@pytest.mark.parametrize("script", ["start.bat", "stop.bat"])
def test_batch_scripts_have_windows_line_endings(script):
    text = (SCRIPTS / script).read_bytes()
    assert b"\r\n" in text and b"\n" not in text.replace(b"\r\n", b"")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell scripts")
@pytest.mark.timeout(90)
def test_start_nohup_then_stop(tmp_path):
    # A copy, so that the pid and log files land in tmp_path, not in the repository.
    shutil.copytree(SCRIPTS, tmp_path / "scripts")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    if shutil.which("qmt-server", path=env["PATH"]) is None:
        pytest.skip("qmt-server is not installed (pip install -e .)")
    port = _free_port()
    args = [
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--backend",
        "sim",
        "--data-dir",
        str(tmp_path / "data"),
    ]
    started = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "start-nohup.sh"), *args], env=env, capture_output=True, text=True
    )
    assert started.returncode == 0, started.stderr
    pid = int((tmp_path / "qmt-server.pid").read_text())
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/meta/health", timeout=2) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "qmt-server.log").read_text()
                time.sleep(0.3)
        again = subprocess.run(
            ["bash", str(tmp_path / "scripts" / "start-nohup.sh")], env=env, capture_output=True
        )
        assert again.returncode != 0  # refuses a second instance

        stopped = subprocess.run(
            ["bash", str(tmp_path / "scripts" / "stop.sh")], env=env, capture_output=True
        )
        assert stopped.returncode == 0
        assert not (tmp_path / "qmt-server.pid").exists()
        deadline = time.monotonic() + 20
        while _alive(pid):
            assert time.monotonic() < deadline, "qmt-server still running after stop.sh"
            time.sleep(0.2)
        log = (tmp_path / "qmt-server.log").read_text()
        assert "using the built-in simulator" in log or "backend: sim" in log
    finally:
        if _alive(pid):
            os.kill(pid, 9)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())
