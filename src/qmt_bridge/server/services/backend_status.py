"""What ``/api/meta/backend`` and the health check say about where the backend runs and how it has fared."""

from __future__ import annotations

import os
import time
from typing import Any

from qmt_bridge.server.deps import BackendContext


def backend_status(ctx: BackendContext) -> dict[str, Any]:
    """The backend process (``process`` isolation: the supervisor's account of it) or the server's own
    process (``thread``): state, pid, uptime, restarts with their causes, calls in flight."""
    status = getattr(ctx.backend, "status", None)
    if callable(status):
        return {"backend": ctx.backend.name, **status()}
    return {
        "backend": ctx.backend.name,
        "isolation": "thread",
        "state": "running",
        "pid": os.getpid(),
        "generation": 1,
        "uptime_seconds": round(time.time() - ctx.started_at, 3),
        "restarts": [],
        "restarts_last_hour": 0,
        "max_restarts_per_hour": None,
        "reason": None,
        "calls_in_flight": ctx.runner.in_flight(),
    }


def backend_state(ctx: BackendContext) -> str:
    """``running``, ``restarting``, ``down`` or ``stopped``; always ``running`` in the server's process."""
    supervisor = getattr(ctx.backend, "supervisor", None)
    return str(supervisor.state) if supervisor is not None else "running"


def backend_process_health(ctx: BackendContext) -> dict[str, Any] | None:
    """The health check's few words on the backend process; None when the backend runs in the server."""
    status = getattr(ctx.backend, "status", None)
    if not callable(status):
        return None
    full = status()
    return {key: full[key] for key in ("pid", "uptime_seconds", "restarts_last_hour")}
