#!/usr/bin/env bash
# Stop the qmt-server started by start-nohup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f qmt-server.pid ]; then
    echo "no qmt-server.pid: not started by start-nohup.sh"
    exit 1
fi
pid="$(cat qmt-server.pid)"
if kill "$pid" 2>/dev/null; then
    echo "stopped qmt-server (pid $pid)"
else
    echo "qmt-server (pid $pid) was not running"
fi
rm -f qmt-server.pid
