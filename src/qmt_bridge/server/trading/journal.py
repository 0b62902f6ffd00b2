"""The order journal: SQLite, written before an order reaches the trader, read back after a restart.

What lives here:

- **orders**, keyed by ``client_order_id``: what was asked (and its fingerprint, to tell a repeat of the same
  request from a different one under the same id), the state of our attempt (``pending`` while the trader
  call runs, then ``placed``, ``rejected`` or ``unknown``) and the answer given. A ``pending`` row found at
  start belongs to a call that a stopped server never saw finish: its outcome is unknown.
- **requests**: every order, cancel and kill-switch request with its answer, for the record.
- **transfers**: every bank and counter transfer asked for (never a password), ``pending`` while its call
  runs, then ``done``, ``refused`` or ``unknown``: ``GET /api/fund/history``.
- tables other modules keep through :meth:`Journal.write` and :meth:`Journal.read`, such as the smart
  algorithm requests (``smart_algo.AlgoRecords``).
- **events**: every trade event (orders, fills, errors, assets, positions, connection changes) with the
  sequence number that ``/ws/trade`` streams and resumes from.

One connection, used from the event loop's thread; writes commit at once (WAL, ``synchronous=NORMAL``: a
power cut may lose the last few commits, a crash of the process loses nothing).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    client_order_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    order_id INTEGER,
    answer TEXT,
    client_id TEXT,
    created_at REAL NOT NULL,
    trading_day TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_order_id ON orders (account_id, order_id);
CREATE INDEX IF NOT EXISTS orders_by_day ON orders (account_id, trading_day);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    account_id TEXT NOT NULL,
    client_id TEXT,
    request TEXT NOT NULL,
    answer TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    account_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS transfers (
    transfer_id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    day TEXT NOT NULL,
    account_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    direction INTEGER NOT NULL,
    amount REAL NOT NULL,
    bank_no TEXT NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL,
    client_id TEXT,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS transfers_by_day ON transfers (account_id, day);
CREATE TABLE IF NOT EXISTS flags (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

_TRANSFER_NAMES = (
    "transfer_id", "at", "day", "account_id", "kind", "direction", "amount", "bank_no", "state", "message", "updated_at",
)  # fmt: skip
_TRANSFER_COLUMNS = ", ".join(_TRANSFER_NAMES)

#: States of an order request in the journal (``not_sent``: of a transfer or task whose trader was down).
PENDING, PLACED, REJECTED, UNKNOWN, NOT_SENT = "pending", "placed", "rejected", "unknown", "not_sent"


@dataclass(frozen=True)
class JournalOrder:
    """One order request as the journal knows it."""

    client_order_id: str
    account_id: str
    fingerprint: str
    request: dict[str, Any]
    state: str
    order_id: int | None
    answer: dict[str, Any] | None
    created_at: float


@dataclass(frozen=True)
class JournalEvent:
    """One trade event with its sequence number."""

    seq: int
    at: float
    kind: str
    account_id: str
    data: dict[str, Any]


def _dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()


class Journal:
    """The trading service's journal over one SQLite file (``None``: in memory, for tests).

    Args:
        path: the database file; its folder is created.
        clock: seconds since the epoch (injectable for tests).
    """

    def __init__(self, path: Path | None, clock: Any = time.time) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.RLock()
        self._depth = 0  # nested transaction() blocks
        self._db = sqlite3.connect(
            str(path) if path else ":memory:", check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """The writes made inside are committed together when it ends (also on an exception): one write
        to disk for a run of them, such as a batch's orders or a burst of events, instead of one each.
        Nestable; for synchronous code (it holds the journal's lock)."""
        with self._lock:
            if self._depth == 0:
                self._db.execute("BEGIN")
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._db.execute("COMMIT")

    def now(self) -> float:
        """The journal's clock: seconds since the epoch."""
        return float(self._clock())

    def write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement of a record table another module keeps in this file (``CREATE``, ``INSERT``,
        ``UPDATE``); the id of the row it inserted, else 0."""
        with self._lock:
            return int(self._db.execute(sql, params).lastrowid or 0)

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one ``SELECT`` of such a table."""
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # --- orders -------------------------------------------------------------------------------------

    def find_order(self, client_order_id: str) -> JournalOrder | None:
        with self._lock:
            row = self._db.execute(
                "SELECT client_order_id, account_id, fingerprint, request, state, order_id, answer, created_at "
                "FROM orders WHERE client_order_id = ?",
                (client_order_id,),
            ).fetchone()
        return _order(row) if row else None

    def client_order_ids(self, account_id: str, order_ids: list[int]) -> dict[int, str]:
        """``{order_id: client_order_id}`` for those of ``order_ids`` placed through this journal.

        Where a counter reused an order id on a later day, the newest order under it wins.
        """
        if not order_ids:
            return {}
        found: dict[int, str] = {}
        with self._lock:
            for start in range(0, len(order_ids), 500):
                chunk = order_ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT order_id, client_order_id FROM orders WHERE account_id = ? AND order_id IN ({marks}) "
                    "ORDER BY created_at",
                    (account_id, *chunk),
                ).fetchall()
                found.update((int(order_id), coid) for order_id, coid in rows)
        return found

    def begin_order(
        self,
        client_order_id: str,
        account_id: str,
        fingerprint: str,
        request: Mapping[str, Any],
        trading_day: dt.date,
        client_id: str | None = None,
    ) -> None:
        """Record an order request as ``pending``, committed before the trader sees it.

        Raises:
            sqlite3.IntegrityError: the id is taken (callers look it up first, under their lock).
        """
        now = self._clock()
        with self._lock:
            self._db.execute(
                "INSERT INTO orders (client_order_id, account_id, fingerprint, request, state, client_id, "
                "created_at, trading_day, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    client_order_id,
                    account_id,
                    fingerprint,
                    _dumps(dict(request)),
                    PENDING,
                    client_id,
                    now,
                    trading_day.isoformat(),
                    now,
                ),
            )

    def finish_order(
        self, client_order_id: str, state: str, order_id: int | None, answer: Mapping[str, Any]
    ) -> None:
        """Record the outcome of the trader call for an order begun with :meth:`begin_order`."""
        with self._lock:
            self._db.execute(
                "UPDATE orders SET state = ?, order_id = ?, answer = ?, updated_at = ? WHERE client_order_id = ?",
                (state, order_id, _dumps(dict(answer)), self._clock(), client_order_id),
            )

    def forget_order(self, client_order_id: str) -> None:
        """Drop an order row whose request certainly never reached the trader (so the id may be used again)."""
        with self._lock:
            self._db.execute(
                "DELETE FROM orders WHERE client_order_id = ? AND state = ?", (client_order_id, PENDING)
            )

    def orders_on(self, account_id: str, trading_day: dt.date) -> int:
        """How many orders were sent to the trader for ``account_id`` on ``trading_day`` (any outcome)."""
        with self._lock:
            (count,) = self._db.execute(
                "SELECT COUNT(*) FROM orders WHERE account_id = ? AND trading_day = ?",
                (account_id, trading_day.isoformat()),
            ).fetchone()
        return int(count)

    def unknown_orders(self, account_id: str, trading_day: dt.date) -> list[JournalOrder]:
        """The orders of ``account_id`` on ``trading_day`` whose outcome is ``unknown``, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT client_order_id, account_id, fingerprint, request, state, order_id, answer, created_at "
                "FROM orders WHERE account_id = ? AND trading_day = ? AND state = ? ORDER BY created_at",
                (account_id, trading_day.isoformat(), UNKNOWN),
            ).fetchall()
        return [_order(row) for row in rows]

    def mark_pending_unknown(self) -> list[str]:
        """At start: every ``pending`` order becomes ``unknown`` (its call was cut off); returns their ids."""
        with self._lock:
            ids = [
                row[0]
                for row in self._db.execute("SELECT client_order_id FROM orders WHERE state = ?", (PENDING,))
            ]
            answer = _dumps({"status": UNKNOWN, "error": "the server stopped before the trader answered"})
            self._db.execute(
                "UPDATE orders SET state = ?, answer = ?, updated_at = ? WHERE state = ?",
                (UNKNOWN, answer, self._clock(), PENDING),
            )
        return ids

    # --- transfers ----------------------------------------------------------------------------------

    def begin_transfer(
        self,
        account_id: str,
        day: str,
        kind: str,
        direction: int,
        amount: float,
        bank_no: str,
        client_id: str | None,
    ) -> int:
        """Record a transfer about to be sent (``pending``) on the counter's ``day`` (YYYYMMDD); its id."""
        now = self._clock()
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO transfers (at, day, account_id, kind, direction, amount, bank_no, state, message, "
                "client_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)",
                (now, day, account_id, kind, direction, amount, bank_no, PENDING, client_id, now),
            )
            return int(cursor.lastrowid or 0)

    def finish_transfer(self, transfer_id: int, state: str, message: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE transfers SET state = ?, message = ?, updated_at = ? WHERE transfer_id = ?",
                (state, message, self._clock(), transfer_id),
            )

    def transfers(
        self, account_id: str, first_day: str, last_day: str, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """The account's transfers from ``first_day`` to ``last_day`` (YYYYMMDD, inclusive), newest first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_TRANSFER_COLUMNS} FROM transfers WHERE account_id = ? AND day >= ? AND day <= ? "
                "ORDER BY transfer_id DESC LIMIT ?",
                (account_id, first_day, last_day, limit),
            ).fetchall()
        return [dict(zip(_TRANSFER_NAMES, row, strict=True)) for row in rows]

    def transfer(self, transfer_id: int) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_TRANSFER_COLUMNS} FROM transfers WHERE transfer_id = ?", (transfer_id,)
            ).fetchone()
        return dict(zip(_TRANSFER_NAMES, row, strict=True)) if row else None

    def mark_pending_transfers_unknown(self) -> int:
        """At start: transfers whose call a stopped server never saw finish become ``unknown``; how many."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE transfers SET state = ?, message = ?, updated_at = ? WHERE state = ?",
                (UNKNOWN, "the server stopped before the trader answered", self._clock(), PENDING),
            )
            return cursor.rowcount

    # --- requests -----------------------------------------------------------------------------------

    def log_request(
        self,
        kind: str,
        account_id: str,
        request: Mapping[str, Any],
        answer: Mapping[str, Any],
        client_id: str | None = None,
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO requests (at, kind, account_id, client_id, request, answer) VALUES (?, ?, ?, ?, ?, ?)",
                (self._clock(), kind, account_id, client_id, _dumps(dict(request)), _dumps(dict(answer))),
            )

    def requests(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest ``limit`` logged requests, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, at, kind, account_id, client_id, request, answer FROM requests ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            {
                "id": row[0],
                "at": row[1],
                "kind": row[2],
                "account_id": row[3],
                "client_id": row[4],
                "request": orjson.loads(row[5]),
                "answer": orjson.loads(row[6]),
            }
            for row in rows
        ]

    # --- events -------------------------------------------------------------------------------------

    def append_event(self, kind: str, account_id: str, data: Mapping[str, Any]) -> JournalEvent:
        """Store one event; its ``seq`` is one more than any before it (gaps never occur in one file)."""
        now = self._clock()
        payload = dict(data)
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO events (at, kind, account_id, data) VALUES (?, ?, ?, ?)",
                (now, kind, account_id, _dumps(payload)),
            )
            seq = int(cursor.lastrowid or 0)
        return JournalEvent(seq, now, kind, account_id, payload)

    def events_after(
        self, seq: int, *, until: int | None = None, account_id: str | None = None, limit: int = 1000
    ) -> list[JournalEvent]:
        """Events with ``seq < s <= until`` (``until`` None: no upper bound), oldest first, at most ``limit``."""
        sql = "SELECT seq, at, kind, account_id, data FROM events WHERE seq > ?"
        args: list[Any] = [seq]
        if until is not None:
            sql += " AND seq <= ?"
            args.append(until)
        if account_id is not None:
            sql += " AND account_id IN (?, '')"
            args.append(account_id)
        sql += " ORDER BY seq LIMIT ?"
        args.append(limit)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [JournalEvent(int(r[0]), float(r[1]), r[2], r[3], orjson.loads(r[4])) for r in rows]

    def last_seq(self) -> int:
        with self._lock:
            (seq,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
        return int(seq)

    # --- flags --------------------------------------------------------------------------------------

    def get_flag(self, name: str) -> Any:
        """The JSON value stored under ``name``, or None."""
        with self._lock:
            row = self._db.execute("SELECT value FROM flags WHERE name = ?", (name,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def set_flag(self, name: str, value: Any) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO flags (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (name, _dumps(value)),
            )


def _order(row: tuple[Any, ...]) -> JournalOrder:
    return JournalOrder(
        client_order_id=row[0],
        account_id=row[1],
        fingerprint=row[2],
        request=orjson.loads(row[3]),
        state=row[4],
        order_id=None if row[5] is None else int(row[5]),
        answer=None if row[6] is None else orjson.loads(row[6]),
        created_at=float(row[7]),
    )
