#!/usr/bin/env bash
# Run qmt-server in the background; output goes to qmt-server.log, the pid to qmt-server.pid.
# It runs through start.sh (same Python choice), whose exec keeps the pid.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f qmt-server.pid ] && kill -0 "$(cat qmt-server.pid)" 2>/dev/null; then
    echo "qmt-server is already running (pid $(cat qmt-server.pid))"
    exit 1
fi
nohup bash scripts/start.sh "$@" >>qmt-server.log 2>&1 &
echo $! >qmt-server.pid
echo "qmt-server started (pid $!), log: qmt-server.log"
