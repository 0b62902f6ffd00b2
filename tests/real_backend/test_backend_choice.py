"""``--backend auto`` picks xtquant only where its native parts can load; ``--backend xtquant`` where they
cannot fails naming why (platform, Python version).

The wheel (``xtquant 250807.1.2``, ``py3-none-any``) installs anywhere, but its native modules exist only as
``datacenter.cp36-win_amd64.pyd`` … ``xtpythonclient.cp313-win_amd64.pyd``. These tests build packages with
such file names (empty stand-ins: nothing here loads them) from a copy of the fake ``xtquant``.
"""

from __future__ import annotations

import importlib.machinery
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qmt_bridge.backends.base import load_backend, xtquant_native_problem
from qmt_bridge.backends.xtquant import XtquantBackend
from qmt_bridge.server.config import Settings

FAKE_PACKAGE = Path(__file__).resolve().parent.parent / "fake_xtquant" / "xtquant"
#: The CPython versions the real wheel ships native modules for, all for win_amd64.
WHEEL_VERSIONS = ["36", "37", "38", "39", "310", "311", "312", "313"]
THIS_PYTHON = f"{platform.python_implementation()} {sys.version_info.major}.{sys.version_info.minor}"
OFF_WINDOWS = pytest.mark.skipif(sys.platform == "win32", reason="the wheel's native parts would load here")


def package_with(root: Path, native_files: list[str], *, xtdata_fails: bool = False) -> Path:
    """A copy of the fake ``xtquant`` under ``root`` with empty ``native_files`` beside its modules.

    ``xtdata_fails``: its ``xtquant.xtdata`` imports the native module as the real one does (through
    ``xtdatacenter``), so importing it fails off Windows as the real one does.
    """
    package = root / "xtquant"
    shutil.copytree(FAKE_PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    for name in native_files:
        (package / name).write_bytes(b"")
    if xtdata_fails:
        (package / "xtdata.py").write_text("from . import datacenter  # noqa: F401\n", encoding="utf-8")
    return package


def wheel_natives(versions: list[str] = WHEEL_VERSIONS, plat: str = "win_amd64") -> list[str]:
    return [f"{module}.cp{v}-{plat}.pyd" for module in ("datacenter", "xtpythonclient") for v in versions]


def this_interpreters_natives() -> list[str]:
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    return [f"datacenter{suffix}", f"xtpythonclient{suffix}"]


@pytest.fixture
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_xtquant: None) -> Path:
    """``tmp_path`` first on ``sys.path``: a package built there by :func:`package_with` is ``xtquant``."""
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def auto() -> object:
    return load_backend(Settings(_env_file=None, backend="auto"))


def choice_logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "qmt_bridge.backends.base")


# --------------------------------------------------------------------------------------------------
# auto
# --------------------------------------------------------------------------------------------------


def test_auto_with_the_fake_but_no_native_parts_serves_the_simulator(fake_on_path, caplog):
    caplog.set_level("INFO", logger="qmt_bridge.backends.base")
    backend = auto()
    assert backend.name == "sim"
    assert "xtquant" not in sys.modules  # the files told, nothing was imported
    logged = choice_logged(caplog)
    assert "xtquant is installed but has none of its native parts (datacenter, xtpythonclient)" in logged
    assert f", {THIS_PYTHON}: using the built-in simulator" in logged


@OFF_WINDOWS
def test_auto_with_the_wheels_windows_parts_off_windows_serves_the_simulator(on_path, caplog):
    package_with(on_path, wheel_natives())
    caplog.set_level("INFO", logger="qmt_bridge.backends.base")
    assert auto().name == "sim"
    system = {"Darwin": "macOS"}.get(platform.system(), platform.system())
    assert choice_logged(caplog) == (
        "xtquant is installed but its native parts are for 64-bit Windows, CPython 3.6-3.13; "
        f"this is {system}, {THIS_PYTHON}: using the built-in simulator"
    )
    assert "xtquant" not in sys.modules


def test_auto_with_native_parts_for_this_interpreter_picks_xtquant(on_path, caplog):
    package_with(on_path, this_interpreters_natives())
    caplog.set_level("INFO", logger="qmt_bridge.backends.base")
    backend = auto()
    assert isinstance(backend, XtquantBackend)
    assert "using it (MiniQMT must be running)" in choice_logged(caplog)
    assert "xtquant" not in sys.modules


def test_auto_without_xtquant_says_so(no_xtquant, caplog):
    caplog.set_level("INFO", logger="qmt_bridge.backends.base")
    assert auto().name == "sim"
    assert choice_logged(caplog) == "xtquant is not importable here: using the built-in simulator"


# --------------------------------------------------------------------------------------------------
# The reason, for other interpreters (``suffixes`` plays them)
# --------------------------------------------------------------------------------------------------


def test_the_wheels_parts_load_on_64_bit_windows_cpython_3_6_to_3_13(tmp_path):
    package = package_with(tmp_path, wheel_natives())
    for version in WHEEL_VERSIONS:
        assert xtquant_native_problem(package, [f".cp{version}-win_amd64.pyd", ".pyd"]) is None


def test_python_3_14_is_named_as_a_python_version_mismatch(tmp_path):
    package = package_with(tmp_path, wheel_natives())
    assert xtquant_native_problem(package, [".cp314-win_amd64.pyd", ".pyd"]) == (
        "xtquant is installed but has no native parts for this Python version: they are for "
        "CPython 3.6-3.13 on 64-bit Windows; this is 64-bit Windows, CPython 3.14"
    )


def test_only_cp313_parts_for_a_cp311_interpreter(tmp_path):
    package = package_with(tmp_path, wheel_natives(["313"]))
    assert xtquant_native_problem(package, [".cp311-win_amd64.pyd", ".pyd"]) == (
        "xtquant is installed but has no native parts for this Python version: they are for "
        "CPython 3.13 on 64-bit Windows; this is 64-bit Windows, CPython 3.11"
    )


def test_32_bit_python_on_windows_is_named_as_a_platform_mismatch(tmp_path):
    package = package_with(tmp_path, wheel_natives())
    assert xtquant_native_problem(package, [".cp311-win32.pyd", ".pyd"]) == (
        "xtquant is installed but its native parts are for 64-bit Windows, CPython 3.6-3.13; "
        "this is 32-bit Windows, CPython 3.11"
    )


def test_a_package_missing_one_native_module_names_it(tmp_path):
    package = package_with(tmp_path, ["datacenter.cp311-win_amd64.pyd", "xtpythonclient.cp312-win_amd64.pyd"])
    assert xtquant_native_problem(package, [".cp311-win_amd64.pyd", ".pyd"]) == (
        "xtquant is installed but lacks its native part(s) xtpythonclient for 64-bit Windows, CPython 3.11"
    )


# --------------------------------------------------------------------------------------------------
# --backend xtquant where the native parts cannot load
# --------------------------------------------------------------------------------------------------


@OFF_WINDOWS
def test_forced_xtquant_without_native_parts_fails_naming_platform_and_python(on_path):
    package_with(on_path, wheel_natives(), xtdata_fails=True)
    with pytest.raises(Exception, match="cannot load xtquant") as info:
        XtquantBackend().start()
    message = str(info.value)
    assert "its native parts are for 64-bit Windows, CPython 3.6-3.13; this is " in message
    assert THIS_PYTHON in message and "ImportError" in message


@OFF_WINDOWS
def test_forced_xtquant_from_the_cli_is_one_clear_line(tmp_path):
    package_with(tmp_path, wheel_natives(), xtdata_fails=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-m", "qmt_bridge.server.cli", "--backend", "xtquant", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("qmt-server: cannot load xtquant: xtquant is installed but its native parts are")
    assert "64-bit Windows, CPython 3.6-3.13; this is " in last and THIS_PYTHON in last
    assert "--backend sim" in last
