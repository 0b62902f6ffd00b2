#!/usr/bin/env bash
# Run qmt-server in the foreground (Ctrl+C stops it). Extra arguments go to qmt-server.
# It runs on the Python of the project's virtual environment (.venv, else venv) when there is one, else on
# python3 (or python) from PATH: no environment needs to be activated.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .venv/bin/python ]; then
    python=.venv/bin/python
elif [ -x venv/bin/python ]; then
    python=venv/bin/python
elif command -v python3 >/dev/null 2>&1; then
    python=python3
elif command -v python >/dev/null 2>&1; then
    python=python
else
    echo "no .venv/bin/python, no venv/bin/python and no python3 on PATH" >&2
    exit 1
fi
exec "$python" -m qmt_bridge.server.cli "$@"
