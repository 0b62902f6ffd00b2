#!/usr/bin/env bash
# Run qmt-server in the foreground (Ctrl+C stops it). Extra arguments go to qmt-server.
set -euo pipefail
cd "$(dirname "$0")/.."
exec qmt-server "$@"
