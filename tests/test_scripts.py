"""scripts/: the background start and stop scripts really start and stop qmt-server; the Windows scripts,
which cannot run here, are read: they stop exactly the port's listener, politely first, and start the server
through the project's virtual environment."""

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
    text.decode("ascii")  # cmd reads a .bat in the console's code page: only ASCII reads the same everywhere


def _batch(script: str) -> str:
    return (SCRIPTS / script).read_bytes().decode("ascii").replace("\r\n", "\n")


def _commands(script: str) -> list[str]:
    """The script's lines without comments, stripped."""
    lines = (line.strip() for line in _batch(script).splitlines())
    return [line for line in lines if line and not line.lower().startswith("rem ")]


def test_stop_bat_compares_the_port_exactly():
    text = "\n".join(_commands("stop.bat"))
    # Not a substring search of netstat's output (":8000" is in ":18000", ":80" in ":8000"): the one findstr
    # left checks the image name of the process.
    assert [line for line in text.splitlines() if "findstr" in line] == [
        'echo %IMAGE% | findstr /I /C:"python" >nul && exit /b 0'
    ]
    # The port is the text after the local address's last colon, compared whole, on TCP listening sockets.
    assert "('netstat -ano')" in text
    assert 'for %%x in ("%LOCAL::=" "%") do set "LOCAL_PORT=%%~x"' in text
    assert 'if not "%LOCAL_PORT%"=="%PORT%" exit /b 0' in text
    assert 'if not "%~2"=="0.0.0.0:0" if not "%~2"=="[::]:0" exit /b 0' in text
    # Each pid once, though it listens on IPv4 and IPv6.
    assert 'for %%q in (%PIDS%) do if "%%q"=="%~3" exit /b 0' in text


def test_stop_bat_asks_before_it_forces():
    commands = _commands("stop.bat")
    polite = [i for i, line in enumerate(commands) if line.startswith("taskkill") and "/F" not in line]
    forced = [i for i, line in enumerate(commands) if line.startswith("taskkill") and "/F" in line]
    assert len(polite) == 1 and len(forced) == 1
    assert polite[0] < forced[0]
    # It waits for the polite request and looks again before forcing, and checks it ends a python.
    assert commands.index("if defined ASKED call :wait_until_gone 5") < commands.index(
        "for %%p in (%PIDS%) do call :force_stop %%p || exit /b 1"
    )
    force = commands[commands.index(":force_stop") :]
    assert force[1] == "call :require_python %1 || exit /b 1"
    assert any(line.startswith("echo ") and "taskkill /F" in line for line in force[:4])  # says what it does


def test_start_bat_runs_the_venvs_python():
    commands = _commands("start.bat")
    dot_venv = (
        'if exist "%~dp0..\\.venv\\Scripts\\python.exe" set "PYTHON=%~dp0..\\.venv\\Scripts\\python.exe"'
    )
    venv = 'if exist "%~dp0..\\venv\\Scripts\\python.exe" set "PYTHON=%~dp0..\\venv\\Scripts\\python.exe"'
    assert commands.index(venv) < commands.index(dot_venv)  # .venv wins: it is tested last
    assert 'set "PYTHON=python"' in commands
    assert '"%PYTHON%" -m qmt_bridge.server.cli %*' in commands
    assert 'set "PYTHONUTF8=1"' in commands
    assert not any(c.startswith("qmt-server") for c in commands)  # no Scripts dir needed on PATH


def test_the_module_the_scripts_run_is_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "qmt_bridge.server.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("qmt-bridge ")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell scripts")
@pytest.mark.timeout(90)
def test_start_nohup_then_stop(tmp_path):
    # A copy, so that the pid and log files land in tmp_path, not in the repository.
    shutil.copytree(SCRIPTS, tmp_path / "scripts")
    # The project's .venv: a python that leaves a mark, so that the test sees the scripts chose it.
    venv_python = tmp_path / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text(f'#!/bin/sh\ntouch "{tmp_path}/venv-used"\nexec "{sys.executable}" "$@"\n')
    venv_python.chmod(0o755)
    env = dict(os.environ)
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
        assert stopped.stdout.decode() == f"stopped qmt-server (pid {pid})\n"  # by SIGTERM, not SIGKILL
        assert not (tmp_path / "qmt-server.pid").exists()
        deadline = time.monotonic() + 20
        while _alive(pid):
            assert time.monotonic() < deadline, "qmt-server still running after stop.sh"
            time.sleep(0.2)
        log = (tmp_path / "qmt-server.log").read_text()
        assert "using the built-in simulator" in log or "backend: sim" in log
        assert (tmp_path / "venv-used").exists()
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
