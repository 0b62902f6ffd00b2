"""``qmt-server``: start the bridge. CLI flags override environment variables and ``.env``."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from typing import Any

from qmt_bridge._version import __version__


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="qmt-server",
        description="Serve xtquant (or the built-in simulator) over HTTP. Flags override QMT_BRIDGE_* "
        "environment variables and .env.",
    )
    p.add_argument("--host", help="listen address (default 0.0.0.0 = the LAN)")
    p.add_argument("--port", type=int, help="listen port (default 8000)")
    p.add_argument(
        "--log-level", choices=["critical", "error", "warning", "info", "debug"], help="default info"
    )
    p.add_argument("--workers", type=int, help="worker processes (keep 1 on Windows)")
    p.add_argument("--api-key", help="API key required by trading endpoints (header X-API-Key)")
    p.add_argument(
        "--trading",
        action="store_true",
        default=None,
        help="enable trading (/api/trading/*, /ws/trade); needs --api-key. On the simulator: a paper account",
    )
    p.add_argument("--mini-qmt-path", help=r"MiniQMT userdata_mini path, e.g. C:\国金QMT交易端\userdata_mini")
    p.add_argument(
        "--account-id",
        help="trading account id (comma-separated for several, ID:CREDIT for a credit account; simulator "
        "default SIM000001)",
    )
    p.add_argument(
        "--backend",
        choices=["auto", "xtquant", "sim"],
        help="auto = xtquant where it can load here, else sim",
    )
    p.add_argument(
        "--backend-isolation",
        choices=["auto", "process", "thread"],
        help="run the backend in a supervised child process (restarted when it crashes or hangs) or in the "
        "server; auto = process for xtquant, thread for the simulator",
    )
    p.add_argument("--sim-seed", type=int, help="simulator random seed (same seed = same market)")
    p.add_argument("--sim-clock", choices=["live", "replay"], help="simulator clock (default live)")
    p.add_argument("--sim-replay-date", type=dt.date.fromisoformat, help="replay this day (YYYY-MM-DD)")
    p.add_argument(
        "--sim-replay-time",
        type=dt.time.fromisoformat,
        help="start the replay at this time of the day (default 09:15)",
    )
    p.add_argument("--sim-replay-speed", type=float, help="replay speed factor (default 1.0)")
    p.add_argument("--data-dir", help="where the server keeps its state (default ./qmt_bridge_data)")
    p.add_argument(
        "--no-predownload",
        dest="predownload",
        action="store_false",
        default=None,
        help="skip the automatic pre-download of sectors, holidays, contracts, weights, ETF and CB data",
    )
    p.add_argument(
        "--no-quote-book",
        dest="quote_book",
        action="store_false",
        default=None,
        help="ask the backend for every snapshot instead of keeping a whole-market push subscription",
    )
    p.add_argument("--quote-markets", help="markets the quote book subscribes to (default SH,SZ,BJ)")
    p.add_argument("--version", action="version", version=f"qmt-bridge {__version__}")
    return p


FLAG_TO_SETTING = {
    "host": "host",
    "port": "port",
    "log_level": "log_level",
    "workers": "workers",
    "api_key": "api_key",
    "trading": "trading_enabled",
    "mini_qmt_path": "mini_qmt_path",
    "account_id": "trading_account_id",
    "backend": "backend",
    "backend_isolation": "backend_isolation",
    "sim_seed": "sim_seed",
    "sim_clock": "sim_clock",
    "sim_replay_date": "sim_replay_date",
    "sim_replay_time": "sim_replay_time",
    "sim_replay_speed": "sim_replay_speed",
    "data_dir": "data_dir",
    "predownload": "predownload",
    "quote_book": "quote_book",
    "quote_markets": "quote_markets",
}


def settings_from_args(argv: Sequence[str] | None = None) -> Any:
    """Settings with CLI flags applied over environment and ``.env``."""
    from pydantic import ValidationError

    from qmt_bridge.server.config import Settings

    args = build_parser().parse_args(argv)
    overrides = {
        setting: getattr(args, flag)
        for flag, setting in FLAG_TO_SETTING.items()
        if getattr(args, flag) is not None
    }
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise SystemExit(f"qmt-server: invalid configuration: {problems}") from None


def uvicorn_config(app: Any, host: str, port: int, log_level: str = "info") -> Any:
    """The uvicorn configuration qmt-server runs with (tests and benchmarks use it too); the connection
    guard's limits come from the app's settings."""
    import uvicorn

    from qmt_bridge.server.config import Settings
    from qmt_bridge.server.rawquery import lenient_http_protocol
    from qmt_bridge.server.realtime.frames import frame_writing_protocol

    settings = getattr(getattr(app, "state", None), "settings", None) or Settings()

    # No permessage-deflate: compressing each whole-market push (~2.7 MB) per client took ~45 ms of the
    # event loop per client per push (bench/ws_fanout.py); on a LAN the bytes cost less than the CPU.
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        http=lenient_http_protocol(settings.header_timeout, settings.max_connections),
        ws=frame_writing_protocol(),
        ws_per_message_deflate=False,
    )


def setup_logging(level: str) -> None:
    """Log to stderr at ``level``, on streams that cannot fail on encoding.

    Redirected to a file or a pipe, stdout and stderr use the locale's code page (cp1252 on an English
    Windows), which has no Chinese: with ``errors="backslashreplace"`` such text comes out as ``\\u9884``
    escapes instead of raising ``UnicodeEncodeError`` (the log lines, uvicorn's stdout handler, xtquant's
    ``print``). ``scripts\\start.bat`` also sets ``PYTHONUTF8=1``, which makes the streams UTF-8.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)  # absent on replaced streams (pythonw: None)
        if callable(reconfigure):
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or detached stream: nothing to protect
                pass
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(argv: Sequence[str] | None = None) -> None:
    settings = settings_from_args(argv)
    try:
        import uvicorn
    except ImportError:
        sys.exit('qmt-server needs the server extra: pip install "qmt-bridge[full]"')
    from qmt_bridge.backends.base import BackendStartError, BackendUnavailableError, load_backend
    from qmt_bridge.server.app import create_app

    setup_logging(settings.log_level)
    log = logging.getLogger("qmt_bridge.server")
    log.info(
        "qmt-bridge %s starting on http://%s:%d (docs at /docs)", __version__, settings.host, settings.port
    )
    if settings.workers > 1:
        log.warning("--workers > 1 is ignored: each worker would start its own backend; running one")
    # Chosen and started here rather than in the app's lifespan: the choice of `auto` and its reason are
    # among the first log lines, and a backend that cannot load is one clear line, not uvicorn's traceback.
    backend = load_backend(settings)
    try:
        if settings.trading_enabled:
            from qmt_bridge.server.trading.lifecycle import account_ids

            account_ids(settings, backend.name)  # the accounts to trade are known, before anything starts
        backend.start()
    except BackendUnavailableError as exc:
        sys.exit(f"qmt-server: {exc}. Use --backend sim to serve the simulator instead.")
    except BackendStartError as exc:
        sys.exit(f"qmt-server: {exc}")
    app = create_app(settings, backend=backend)
    uvicorn.Server(uvicorn_config(app, settings.host, settings.port, settings.log_level)).run()


if __name__ == "__main__":
    main()
