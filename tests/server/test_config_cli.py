"""Settings and the ``qmt-server`` CLI: precedence CLI > environment / .env > defaults, every seed flag,
the trading-needs-a-key rule, ``--help``; and the simulator's determinism as the server serves it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from conftest import AFTER_CLOSE, SEED
from qmt_bridge.server.cli import settings_from_args
from qmt_bridge.server.config import Settings

SEED_FLAGS = [
    "--host",
    "--port",
    "--log-level",
    "--workers",
    "--api-key",
    "--trading",
    "--mini-qmt-path",
    "--account-id",
]
SIM_FLAGS = ["--backend", "--sim-seed", "--sim-clock", "--sim-replay-date", "--sim-replay-speed"]


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path, monkeypatch):
    """No developer .env: every test runs in an empty directory."""
    monkeypatch.chdir(tmp_path)


def test_defaults():
    s = settings_from_args([])
    assert (s.host, s.port, s.log_level, s.workers) == ("0.0.0.0", 8000, "info", 1)
    assert s.api_key is None and s.trading_enabled is False
    assert s.mini_qmt_path == "" and s.trading_account_id == ""
    assert s.backend == "auto" and s.sim_seed == 20240101 and s.sim_clock == "live"


def test_cli_overrides_env(monkeypatch):
    monkeypatch.setenv("QMT_BRIDGE_PORT", "9000")
    assert settings_from_args(["--port", "8100"]).port == 8100


def test_env_overrides_default(monkeypatch):
    monkeypatch.setenv("QMT_BRIDGE_PORT", "9000")
    monkeypatch.setenv("QMT_BRIDGE_HOST", "127.0.0.1")
    s = settings_from_args([])
    assert s.port == 9000 and s.host == "127.0.0.1"


def test_dotenv_in_the_working_directory_is_read(tmp_path):
    (tmp_path / ".env").write_text(
        "QMT_BRIDGE_PORT=8200\nQMT_BRIDGE_SIM_SEED=42\nQMT_BRIDGE_TRADING_ACCOUNT_ID=55667788\n",
        encoding="utf-8",
    )
    s = settings_from_args([])
    assert s.port == 8200 and s.sim_seed == 42 and s.trading_account_id == "55667788"
    assert settings_from_args(["--port", "8300"]).port == 8300  # the CLI still wins


def test_env_overrides_dotenv(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("QMT_BRIDGE_PORT=8200\n", encoding="utf-8")
    monkeypatch.setenv("QMT_BRIDGE_PORT", "9100")
    assert settings_from_args([]).port == 9100


def test_every_seed_flag_parses():
    s = settings_from_args(
        [
            "--host", "127.0.0.1",
            "--port", "8080",
            "--log-level", "debug",
            "--workers", "2",
            "--api-key", "your-secret-key",
            "--trading",
            "--mini-qmt-path", r"C:\国金QMT交易端\userdata_mini",
            "--account-id", "12345678",
        ]
    )  # fmt: skip
    assert s.host == "127.0.0.1" and s.port == 8080 and s.log_level == "debug" and s.workers == 2
    assert s.api_key_value() == "your-secret-key"
    assert "your-secret-key" not in repr(s)  # a secret, not printed
    assert s.trading_enabled is True
    assert s.mini_qmt_path == r"C:\国金QMT交易端\userdata_mini"
    assert s.trading_account_id == "12345678"


def test_simulator_flags_parse():
    s = settings_from_args(
        [
            "--backend", "sim",
            "--sim-seed", "8",
            "--sim-clock", "replay",
            "--sim-replay-date", "2025-06-18",
            "--sim-replay-speed", "10",
        ]
    )  # fmt: skip
    assert s.backend == "sim" and s.sim_seed == 8 and s.sim_clock == "replay"
    assert s.sim_replay_date == dt.date(2025, 6, 18) and s.sim_replay_speed == 10.0
    assert s.sim_replay_time == dt.time(9, 15)  # the day's pre-open by default


def test_a_replay_can_start_in_the_evening():
    """``--sim-replay-time`` (or QMT_BRIDGE_SIM_REPLAY_TIME) starts the replay at that time of the day: a
    futures night session; without a date, on the default day (the last weekday)."""
    from qmt_bridge.backends.sim import SimBackend

    s = settings_from_args(
        [
            "--backend",
            "sim",
            "--sim-clock",
            "replay",
            "--sim-replay-date",
            "2025-11-14",
            "--sim-replay-time",
            "20:55",
        ]
    )
    assert s.sim_replay_time == dt.time(20, 55)
    clock = SimBackend.from_settings(s).clock
    assert clock.replay_start.isoformat() == "2025-11-14T20:55:00+08:00"
    s = settings_from_args(["--backend", "sim", "--sim-clock", "replay", "--sim-replay-time", "21:30"])
    clock = SimBackend.from_settings(s).clock
    assert clock.replay_start.time() == dt.time(21, 30) and clock.replay_start.weekday() < 5
    assert Settings(_env_file=None, sim_replay_time="20:55").sim_replay_time == dt.time(20, 55)


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "abc"],
        ["--log-level", "verbose"],
        ["--backend", "nope"],
        ["--sim-clock", "fast"],
        ["--sim-replay-date", "2025-13-01"],
        ["--sim-replay-time", "25:00"],
        ["--backend-isolation", "fork"],
        ["--no-such-flag"],
    ],
)
def test_bad_flags_exit(argv):
    with pytest.raises(SystemExit) as exc:
        settings_from_args(argv)
    assert exc.value.code == 2  # argparse's usage error


@pytest.mark.parametrize(
    ("argv", "setting"),
    [
        (["--port", "0"], "port"),
        (["--port", "70000"], "port"),
        (["--workers", "0"], "workers"),
        (["--sim-replay-speed", "0"], "sim_replay_speed"),
    ],
)
def test_out_of_range_values_exit_with_a_message(argv, setting):
    with pytest.raises(SystemExit) as exc:
        settings_from_args(argv)
    message = str(exc.value.code)
    assert message.startswith("qmt-server: invalid configuration") and setting in message


def test_backend_isolation_flag_and_its_settings(monkeypatch):
    assert settings_from_args(["--backend-isolation", "process"]).backend_isolation == "process"
    monkeypatch.setenv("QMT_BRIDGE_BACKEND_ISOLATION", "thread")
    assert settings_from_args([]).backend_isolation == "thread"
    assert settings_from_args(["--backend-isolation", "auto"]).backend_isolation == "auto"  # the flag wins


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("QMT_BRIDGE_BACKEND_HANG_GRACE", ["0.001", "600"], ["0", "600.5"]),
        ("QMT_BRIDGE_BACKEND_MAX_RESTARTS_PER_HOUR", ["0", "1000"], ["-1", "1001"]),
    ],
)
def test_supervision_settings_at_their_limits(monkeypatch, name, good, bad):
    setting = name.removeprefix("QMT_BRIDGE_").lower()
    for value in good:
        monkeypatch.setenv(name, value)
        assert float(getattr(settings_from_args([]), setting)) == float(value)
    for value in bad:
        monkeypatch.setenv(name, value)
        with pytest.raises(SystemExit) as exc:
            settings_from_args([])
        assert setting in str(exc.value.code)


def test_trading_without_an_api_key_exits_clearly():
    with pytest.raises(SystemExit) as exc:
        settings_from_args(["--trading"])
    message = str(exc.value.code)
    assert "trading" in message and "API key" in message and "--api-key" in message


def test_trading_with_the_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("QMT_BRIDGE_API_KEY", "k3y")
    s = settings_from_args(["--trading"])
    assert s.trading_enabled and s.api_key_value() == "k3y"


def test_blank_api_key_counts_as_none(monkeypatch):
    monkeypatch.setenv("QMT_BRIDGE_TRADING_ENABLED", "true")
    with pytest.raises(SystemExit):
        settings_from_args(["--api-key", "   "])


@pytest.mark.parametrize("level", ["DEBUG", "debug", "Warning"])
def test_log_level_from_env_is_case_insensitive(monkeypatch, level):
    monkeypatch.setenv("QMT_BRIDGE_LOG_LEVEL", level)
    assert settings_from_args([]).log_level == level.lower()


def test_bad_env_value_exits_naming_it(monkeypatch):
    monkeypatch.setenv("QMT_BRIDGE_PORT", "not-a-port")
    with pytest.raises(SystemExit) as exc:
        settings_from_args([])
    assert "port" in str(exc.value.code)


def test_help_lists_every_flag():
    out = subprocess.run(
        [sys.executable, "-m", "qmt_bridge.server.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: qmt-server")
    for flag in [*SEED_FLAGS, *SIM_FLAGS, "--backend-isolation", "--data-dir", "--version"]:
        assert flag in out.stdout, flag


# ---------------------------------------------------------------- determinism through the server


def _history_json(seed: int) -> bytes:
    from fastapi.testclient import TestClient

    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.server.app import create_app
    from qmt_bridge.server.config import Settings
    from qmt_bridge.sim.clock import fixed_clock

    backend = SimBackend(seed=seed, clock=fixed_clock(AFTER_CLOSE))
    settings = Settings(_env_file=None, backend="sim", sim_seed=seed)
    with TestClient(create_app(settings, backend=backend)) as client:
        r = client.get("/api/history?stock=600519.SH&period=1d&count=30")
        assert r.status_code == 200, r.text
        return r.content


def test_same_seed_same_market(api):
    # The session `api` is SimBackend(seed=SEED, clock=fixed_clock(AFTER_CLOSE)) too.
    fresh = _history_json(SEED)
    assert fresh == api.get("/api/history?stock=600519.SH&period=1d&count=30").content


def test_other_seed_other_market(api):
    other = _history_json(SEED + 1)
    assert other != api.get("/api/history?stock=600519.SH&period=1d&count=30").content


def test_forcing_xtquant_without_it_exits_with_one_clear_line(tmp_path):
    """No traceback for the most likely mistake on Linux or Mac: --backend xtquant."""
    import importlib.util

    if importlib.util.find_spec("xtquant") is not None:
        pytest.skip("xtquant is installed here")
    result = subprocess.run(
        [sys.executable, "-m", "qmt_bridge.server.cli", "--backend", "xtquant", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "cannot load xtquant" in result.stderr and "--backend sim" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreadable_user_sectors_file_stops_the_server_with_one_clear_line(tmp_path):
    """A damaged custom_sectors.json must neither crash with a traceback nor be overwritten."""
    store = tmp_path / "data" / "sim" / "custom_sectors.json"
    store.parent.mkdir(parents=True)
    store.write_text('{"sectors": {"自选": {"parent": "", "stocks": ["600519.SH"', encoding="utf-8")
    damaged = store.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "qmt_bridge.server.cli", "--backend", "sim", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "QMT_BRIDGE_DATA_DIR": str(tmp_path / "data"), "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode != 0
    assert "custom_sectors.json cannot be read" in result.stderr and "move it away" in result.stderr
    assert "Traceback" not in result.stderr
    assert store.read_bytes() == damaged


def test_a_replay_date_outside_the_calendar_stops_the_server_with_one_clear_line(tmp_path):
    from qmt_bridge.sim.market.calendar import provisional_calendar

    beyond = provisional_calendar().last_covered + dt.timedelta(days=1)
    result = subprocess.run(
        [sys.executable, "-m", "qmt_bridge.server.cli", "--backend", "sim", "--port", "1"]
        + ["--sim-clock", "replay", "--sim-replay-date", beyond.isoformat()],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "QMT_BRIDGE_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.returncode != 0
    assert f"clock is at {beyond}, outside its trading calendar" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_year_after_the_recorded_holidays_trades_but_on_estimated_holidays(caplog):
    """Served, not frozen on 31 December: a simulator installed in November keeps running in January."""
    from qmt_bridge.backends.sim import SimBackend
    from qmt_bridge.sim.clock import CST, fixed_clock
    from qmt_bridge.sim.market.calendar import (
        calendar_for,
        estimated_holidays,
        provisional_calendar,
        sse_calendar,
    )

    cal = provisional_calendar()
    first = cal.provisional_from
    assert first == sse_calendar().last_covered + dt.timedelta(days=1) == dt.date(first.year, 1, 1)
    assert cal.last_covered == dt.date(first.year, 12, 31)
    year = [first + dt.timedelta(days=i) for i in range((cal.last_covered - first).days + 1)]
    closed = estimated_holidays(first.year)
    assert len(closed) >= 9  # New Year's Day, Labour Day, National Day at least
    assert cal.between(first, None) == [d for d in year if d.weekday() < 5 and d not in closed]
    assert cal.sessions[: len(sse_calendar().sessions)] == sse_calendar().sessions
    assert cal.holidays() == sse_calendar().holidays() + closed
    # Markets inside the recorded years keep the recorded calendar (their history does not change).
    assert calendar_for(first - dt.timedelta(days=1)) is sse_calendar()
    assert calendar_for(first) is cal

    monday = next(d for d in year[7:] if d.weekday() == 0 and d not in closed)
    backend = SimBackend(seed=7, clock=fixed_clock(dt.datetime.combine(monday, dt.time(15, 30), CST)))
    with caplog.at_level("WARNING", logger="qmt_bridge.sim"):
        backend.start()
    assert f"no announced holidays for {first.year}: the simulator closes on estimated ones" in caplog.text
    xtdata = backend.xtdata
    assert xtdata.get_trading_dates("SH", count=1) == [
        int(dt.datetime.combine(monday, dt.time(), CST).timestamp() * 1000)
    ]
    bars = xtdata.get_market_data_ex([], ["600519.SH"], period="1d", count=1)["600519.SH"]
    assert bars.index[-1] == monday.strftime("%Y%m%d")
