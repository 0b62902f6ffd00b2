"""The client must work with nothing but the standard library.

Each test runs a fresh interpreter in isolated mode without ``site`` (``python -I -S``), so site-packages is
not even on the path, and installs an import blocker for the heavy packages on top. The script imports the
client from this checkout, serves canned JSON from a stdlib ``http.server`` and calls the client through the
real urllib opener.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

BLOCKER = """
import sys

BLOCKED = {"pandas", "numpy", "fastapi", "pydantic", "pydantic_settings", "websockets", "uvicorn",
           "starlette", "orjson", "httpx", "pyarrow"}


class ImportBlocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"import of {name} blocked by test", name=name)
        return None


sys.meta_path.insert(0, ImportBlocker())
sys.path.insert(0, SRC)
"""


def run_isolated(body: str) -> dict:
    script = f"SRC = {str(SRC)!r}\n" + BLOCKER + textwrap.dedent(body)
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_import_needs_only_stdlib() -> None:
    result = run_isolated(
        """
        import json, sys
        import qmt_bridge
        from qmt_bridge import QMTClient, __version__
        from qmt_bridge.client import BadRequestError, QMTBridgeError

        heavy = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
        print(json.dumps({
            "file": qmt_bridge.__file__,
            "version": __version__,
            "heavy": heavy,
            "server_loaded": any(m.startswith("qmt_bridge.server") for m in sys.modules),
            "methods": all(hasattr(QMTClient, n) for n in ("get_history", "get_history_ex", "get_sector_list")),
        }))
        """
    )
    assert result["file"].startswith(str(SRC))
    assert result["version"]
    assert result["heavy"] == []
    assert result["server_loaded"] is False
    assert result["methods"] is True


def test_blocker_really_blocks_pandas() -> None:
    result = run_isolated(
        """
        import json
        try:
            import pandas  # noqa: F401
            outcome = "imported"
        except ImportError:
            outcome = "blocked"
        print(json.dumps({"outcome": outcome}))
        """
    )
    assert result == {"outcome": "blocked"}


def test_client_calls_return_plain_dicts_and_lists_without_pandas() -> None:
    result = run_isolated(
        """
        import json, sys, threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlsplit

        from qmt_bridge import QMTClient
        from qmt_bridge.client import BadRequestError

        COLUMNS = {"time": [1704124800000, 1704211200000], "open": [10.0, 10.2], "close": [10.1, None]}
        seen = []


        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                seen.append((url.path, query, self.headers.get("X-API-Key")))
                if query.get("stock") == "BAD":
                    status = 400
                    body = {"error": {"code": "invalid_parameter", "message": "bad code", "details": {}},
                            "request_id": "r1"}
                elif url.path == "/api/history":
                    status, body = 200, {"stock": query["stock"], "period": "1d", "count": 2, "data": COLUMNS}
                elif url.path == "/api/market/market_data_ex":
                    codes = query["stocks"].split(",")
                    status, body = 200, {"period": "1d", "dividend_type": "none",
                                         "data": {code: COLUMNS for code in codes}}
                elif url.path == "/api/sector/info":
                    status, body = 200, {"data": [{"sector": "沪深A股", "category": "市场"}]}
                else:
                    status, body = 404, {"error": {"code": "not_found", "message": "no route"}}
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass


        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        client = QMTClient(host="127.0.0.1", port=server.server_address[1], api_key="k", max_retries=0)

        history = client.get_history("000001.SZ", count=2)
        batch = client.get_history_ex(["000001.SZ", "600519.SH"], count=2)
        sectors = client.get_sector_info()
        try:
            client.get_history("BAD")
            error = None
        except BadRequestError as exc:
            error = {"status": exc.status_code, "code": exc.code, "message": exc.message,
                     "request_id": exc.request_id}
        server.shutdown()

        print(json.dumps({
            "history": history,
            "history_type": type(history).__name__,
            "batch_types": sorted({type(v).__name__ for v in batch.values()}),
            "batch_codes": sorted(batch),
            "sectors": sectors,
            "error": error,
            "formats": sorted({q.get("format", "") for p, q, k in seen if p != "/api/sector/info"}),
            "keys": sorted({k for p, q, k in seen}),
            "pandas_loaded": "pandas" in sys.modules,
        }))
        """
    )
    assert result["history_type"] == "dict"
    assert result["history"]["close"] == [10.1, None]
    assert result["batch_types"] == ["dict"]
    assert result["batch_codes"] == ["000001.SZ", "600519.SH"]
    assert result["sectors"] == [{"sector": "沪深A股", "category": "市场"}]
    assert result["error"] == {
        "status": 400,
        "code": "invalid_parameter",
        "message": "bad code",
        "request_id": "r1",
    }
    assert result["formats"] == ["columns"]
    assert result["keys"] == ["k"]
    assert result["pandas_loaded"] is False
