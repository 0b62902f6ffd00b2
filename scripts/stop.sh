#!/usr/bin/env bash
# Stop the qmt-server started by start-nohup.sh: SIGTERM (uvicorn shuts down cleanly), then SIGKILL if it
# still runs 10 seconds later.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f qmt-server.pid ]; then
    echo "no qmt-server.pid: not started by start-nohup.sh"
    exit 1
fi
pid="$(cat qmt-server.pid)"

running() {
    kill -0 "$1" 2>/dev/null || return 1
    # A zombie (exited, not yet reaped by its parent) has stopped.
    case "$(ps -o stat= -p "$1" 2>/dev/null)" in Z*) return 1 ;; esac
}

if ! kill "$pid" 2>/dev/null; then
    echo "qmt-server (pid $pid) was not running"
    rm -f qmt-server.pid
    exit 0
fi
for _ in $(seq 1 50); do
    running "$pid" || break
    sleep 0.2
done
if running "$pid"; then
    echo "qmt-server (pid $pid) did not stop within 10 s: sending SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
else
    echo "stopped qmt-server (pid $pid)"
fi
rm -f qmt-server.pid
