"""The journal's record of smart algorithm requests (``algo_requests``), kept in the order journal's file.

A request is written ``pending`` before ``smart_algo_order_async`` is called, then ``accepted`` (with the
counter's task id), ``refused`` (with its message), ``unknown`` (no answer in time, or the server stopped
first: the task may be running, so it is never sent again) or ``not_sent``. Its ``client_task_id`` makes a
repeated request answer with the first one instead of starting a second task.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from qmt_bridge.server.trading.journal import PENDING, UNKNOWN, Journal

ACCEPTED, REFUSED = "accepted", "refused"
CST = dt.timezone(dt.timedelta(hours=8))

_SCHEMA = """
CREATE TABLE IF NOT EXISTS algo_requests (
    request_id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_task_id TEXT NOT NULL UNIQUE,
    at REAL NOT NULL,
    day TEXT NOT NULL,
    account_id TEXT NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    task_id INTEGER,
    message TEXT NOT NULL,
    client_id TEXT,
    updated_at REAL NOT NULL
)
"""
_NAMES = (
    "request_id", "client_task_id", "at", "day", "account_id", "request", "state", "task_id", "message",
    "updated_at",
)  # fmt: skip
_COLUMNS = ", ".join(_NAMES)


class AlgoRecords:
    """The ``algo_requests`` table of one :class:`Journal`."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        journal.write(_SCHEMA)

    def begin(
        self, client_task_id: str, account_id: str, day: str, request: dict[str, Any], client_id: str | None
    ) -> int:
        """Record a request about to be sent (``pending``) on the counter's ``day`` (YYYYMMDD); its id."""
        now = self.journal.now()
        return self.journal.write(
            "INSERT INTO algo_requests (client_task_id, at, day, account_id, request, state, message, client_id, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, '', ?, ?)",
            (client_task_id, now, day, account_id, orjson.dumps(request).decode(), PENDING, client_id, now),
        )

    def finish(self, request_id: int, state: str, message: str, task_id: int | None = None) -> None:
        self.journal.write(
            "UPDATE algo_requests SET state = ?, message = ?, task_id = ?, updated_at = ? WHERE request_id = ?",
            (state, message, task_id, self.journal.now(), request_id),
        )

    def find(self, client_task_id: str) -> dict[str, Any] | None:
        rows = self.journal.read(
            f"SELECT {_COLUMNS} FROM algo_requests WHERE client_task_id = ?", (client_task_id,)
        )
        return _record(rows[0]) if rows else None

    def one(self, request_id: int) -> dict[str, Any] | None:
        rows = self.journal.read(f"SELECT {_COLUMNS} FROM algo_requests WHERE request_id = ?", (request_id,))
        return _record(rows[0]) if rows else None

    def of_account(
        self, account_id: str, first_day: str, last_day: str, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """The account's requests from ``first_day`` to ``last_day`` (YYYYMMDD, inclusive), newest first."""
        rows = self.journal.read(
            f"SELECT {_COLUMNS} FROM algo_requests WHERE account_id = ? AND day >= ? AND day <= ? "
            "ORDER BY request_id DESC LIMIT ?",
            (account_id, first_day, last_day, limit),
        )
        return [_record(row) for row in rows]

    def client_task_ids(self, account_id: str) -> dict[int, str]:
        """``{task_id: client_task_id}`` of the account's accepted requests."""
        rows = self.journal.read(
            "SELECT task_id, client_task_id FROM algo_requests WHERE account_id = ? AND task_id IS NOT NULL",
            (account_id,),
        )
        return {int(task_id): str(client_task_id) for task_id, client_task_id in rows}

    def mark_pending_unknown(self) -> int:
        """At start: requests whose call a stopped server never saw answered become ``unknown``; how many."""
        pending = self.journal.read("SELECT COUNT(*) FROM algo_requests WHERE state = ?", (PENDING,))[0][0]
        if pending:
            self.journal.write(
                "UPDATE algo_requests SET state = ?, message = ?, updated_at = ? WHERE state = ?",
                (UNKNOWN, "the server stopped before the counter answered", self.journal.now(), PENDING),
            )
        return int(pending)


def _record(row: tuple[Any, ...]) -> dict[str, Any]:
    data = dict(zip(_NAMES, row, strict=True))
    return {
        "request_id": data["request_id"],
        "client_task_id": data["client_task_id"],
        "account_id": data["account_id"],
        "state": data["state"],
        "task_id": data["task_id"],
        "msg": data["message"],
        "date": data["day"],
        "at": dt.datetime.fromtimestamp(data["at"], CST).isoformat(timespec="seconds"),
        "request": orjson.loads(data["request"]),
    }
