"""SQLite persistence of the counter: one file (or memory), one connection, write-through.

Every broker operation ends with one transaction writing what it changed (accounts, positions, orders,
trades and the id counters), so a broker opened on the same file after a restart sees the same cash,
positions, open orders and next order id. The file uses WAL (readers never block the writer, a crash loses
at most the transaction in flight); ``synchronous=NORMAL`` keeps a commit cheap (no fsync per commit in WAL
mode) at the price of the last commits on a power cut, acceptable for paper trading.

Tables mirror the dataclasses of :mod:`.ledger`, :mod:`.transfers`, :mod:`.ipo`, :mod:`.algos` and
:mod:`.credit` and :mod:`.repo` (one column
per field; dates as ISO strings, booleans as ints) plus ``meta`` (key/value: ``day``, and the high-water marks
``next_order_id``/``next_trade_id`` written when ids are about to leave the file, see
:meth:`BrokerStore.next_ids`). Old days' orders and trades stay in the file; the broker loads only open orders
and today's (a scan: no index, so a commit writes fewer pages). A file written before a dataclass gained a
field gets the column added (``ALTER TABLE``) with the field's default, so old files open unchanged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qmt_bridge.sim.broker.algos import RUNNING, AlgoTask
from qmt_bridge.sim.broker.credit import Compact, CreditLine
from qmt_bridge.sim.broker.ipo import Subscription
from qmt_bridge.sim.broker.ledger import TERMINAL, Account, Order, Position, Trade
from qmt_bridge.sim.broker.repo import RepoLoan
from qmt_bridge.sim.broker.transfers import BankLink, Transfer

SCHEMA_VERSION = 1

_TABLES: dict[type, tuple[str, tuple[str, ...]]] = {
    Account: ("accounts", ("account_id",)),
    Position: ("positions", ("account_id", "code")),
    Order: ("orders", ("order_id",)),
    Trade: ("trades", ("traded_id",)),
    BankLink: ("bank_links", ("account_id",)),
    Transfer: ("transfers", ("transfer_no",)),
    Subscription: ("ipo_subscriptions", ("order_id",)),
    AlgoTask: ("algo_tasks", ("task_id",)),
    CreditLine: ("credit_lines", ("account_id",)),
    Compact: ("credit_compacts", ("compact_id",)),
    RepoLoan: ("repo_loans", ("loan_id",)),
}
_SQL_TYPES = {int: "INTEGER", bool: "INTEGER", float: "REAL", str: "TEXT", dt.date: "TEXT"}


def _fields(cls: type) -> list[tuple[str, Any]]:
    hints = {"int": int, "bool": bool, "float": float, "str": str, "dt.date": dt.date}
    return [(f.name, hints[str(f.type)]) for f in dataclasses.fields(cls)]


def _sql_default(cls: type, name: str) -> str:
    """The SQL literal of a field's default (for a column added to an old file)."""
    for f in dataclasses.fields(cls):
        if f.name == name and f.default is not dataclasses.MISSING:
            value = f.default
            if isinstance(value, str):
                return "'" + value.replace("'", "''") + "'"
            return str(int(value) if isinstance(value, bool) else value)
    return "NULL"


class _RowCodec:
    """A dataclass's values as a database row, fast (one ``attrgetter`` call, dates made ISO strings)."""

    def __init__(self, columns: list[tuple[str, Any]]) -> None:
        self._get = operator.attrgetter(*(name for name, _ in columns))
        self._dates = [i for i, (_, kind) in enumerate(columns) if kind is dt.date]

    def row(self, record: Any) -> tuple[Any, ...]:
        values = self._get(record)
        if not self._dates:
            return values  # type: ignore[no-any-return]
        out = list(values)
        for i in self._dates:
            out[i] = out[i].isoformat()
        return tuple(out)


class BrokerStore:
    """The counter's SQLite file (``path``), or an in-memory database when ``path`` is None."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = None if path is None else Path(path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            ":memory:" if self.path is None else str(self.path), check_same_thread=False, isolation_level=None
        )
        # Small pages: a commit writes whole pages to the WAL, and an order touches a few rows of several
        # tables; 1 KiB pages halve a commit's cost against the default 4 KiB (no effect on an existing file).
        self._db.execute("PRAGMA page_size=1024")
        if self.path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._columns: dict[type, list[tuple[str, Any]]] = {cls: _fields(cls) for cls in _TABLES}
        self._codecs = {cls: _RowCodec(cols) for cls, cols in self._columns.items()}
        self._upserts: dict[type, str] = {}
        with self._lock:
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            for cls, (table, key) in _TABLES.items():
                cols = self._columns[cls]
                defs = ", ".join(f"{name} {_SQL_TYPES[kind]}" for name, kind in cols)
                self._db.execute(
                    f"CREATE TABLE IF NOT EXISTS {table} ({defs}, PRIMARY KEY ({', '.join(key)}))"
                )
                have = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
                for name, kind in cols:
                    if name not in have:  # a file from before the field existed
                        self._db.execute(
                            f"ALTER TABLE {table} ADD COLUMN {name} {_SQL_TYPES[kind]} "
                            f"DEFAULT {_sql_default(cls, name)}"
                        )
                names = ", ".join(name for name, _ in cols)
                marks = ", ".join("?" for _ in cols)
                updates = ", ".join(f"{name} = excluded.{name}" for name, _ in cols if name not in key)
                # An upsert updates the row in place: unlike INSERT OR REPLACE it leaves index entries
                # alone when their columns did not change, so a commit writes fewer pages.
                self._upserts[cls] = (
                    f"INSERT INTO {table} ({names}) VALUES ({marks}) "
                    f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
                )
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )

    # --- reading --------------------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def next_ids(self) -> tuple[int, int]:
        """(next order id, next trade number): past every id the file holds or has held (``meta`` keeps the
        high-water marks across :meth:`clear_account`)."""
        meta = self.meta()
        with self._lock:
            top_order = self._db.execute("SELECT max(order_id) FROM orders").fetchone()[0] or 0
            top_trade = self._db.execute("SELECT max(traded_id) FROM trades").fetchone()[0] or "0"
        return (
            max(int(meta.get("next_order_id", "1")), top_order + 1),
            max(int(meta.get("next_trade_id", "1")), int(top_trade) + 1),
        )

    def _load(self, cls: type, where: str = "", args: tuple[Any, ...] = ()) -> list[Any]:
        table = _TABLES[cls][0]
        cols = self._columns[cls]
        names = ", ".join(name for name, _ in cols)
        with self._lock:
            rows = self._db.execute(f"SELECT {names} FROM {table} {where}", args).fetchall()
        out = []
        for row in rows:
            values = {}
            for (name, kind), value in zip(cols, row, strict=True):
                if kind is dt.date:
                    value = dt.date.fromisoformat(value)
                elif kind is bool:
                    value = bool(value)
                values[name] = value
            out.append(cls(**values))
        return out

    def accounts(self) -> list[Account]:
        return self._load(Account)

    def positions(self) -> list[Position]:
        return self._load(Position)

    def current_orders(self, today: dt.date) -> list[Order]:
        """Open orders and today's orders, by order id."""
        terminal = ", ".join(str(s) for s in sorted(TERMINAL))
        return self._load(
            Order,
            f"WHERE created_day = ? OR status NOT IN ({terminal}) ORDER BY order_id",
            (today.isoformat(),),
        )

    def trades_of(self, day: dt.date) -> list[Trade]:
        return self._load(Trade, "WHERE day = ? ORDER BY rowid", (day.isoformat(),))

    def subscriptions(self) -> list[Subscription]:
        return self._load(Subscription, "ORDER BY order_id")

    def bank_links(self) -> list[BankLink]:
        return self._load(BankLink)

    def transfers(self, account_id: str, first: dt.date, last: dt.date) -> list[Transfer]:
        """The account's transfers from ``first`` to ``last`` (days, inclusive), in order."""
        return self._load(
            Transfer,
            "WHERE account_id = ? AND day >= ? AND day <= ? ORDER BY transfer_no",
            (account_id, first.isoformat(), last.isoformat()),
        )

    def next_transfer_no(self) -> int:
        """Past every transfer number the file holds or has held (``meta`` keeps the high-water mark)."""
        meta = self.meta()
        with self._lock:
            top = self._db.execute("SELECT max(transfer_no) FROM transfers").fetchone()[0]
        return max(int(meta.get("next_transfer_no", "1")), int(top or 0) + 1)

    def algo_tasks(self, today: dt.date) -> list[AlgoTask]:
        """Smart algorithm tasks still running, and today's, by task id."""
        return self._load(
            AlgoTask, "WHERE status = ? OR day = ? ORDER BY task_id", (RUNNING, today.isoformat())
        )

    def next_task_id(self) -> int:
        """Past every task id the file holds or has held (``meta`` keeps the high-water mark)."""
        meta = self.meta()
        with self._lock:
            top = self._db.execute("SELECT max(task_id) FROM algo_tasks").fetchone()[0]
        return max(int(meta.get("next_task_id", "1")), int(top or 0) + 1)

    def credit_lines(self) -> list[CreditLine]:
        return self._load(CreditLine)

    def compacts(self, today: dt.date) -> list[Compact]:
        """Open compacts and those closed today, oldest first."""
        return self._load(
            Compact,
            "WHERE closed_day = '' OR closed_day = ? ORDER BY open_date, compact_id",
            (today.isoformat(),),
        )

    def repo_loans(self) -> list[RepoLoan]:
        """Reverse repos whose money has not returned yet, by loan id."""
        return self._load(RepoLoan, "WHERE returned = 0 ORDER BY loan_id")

    def all_orders(self, account_id: str) -> list[Order]:
        """Every order of ``account_id`` the file holds, old days included."""
        return self._load(Order, "WHERE account_id = ? ORDER BY order_id", (account_id,))

    # --- writing --------------------------------------------------------------------------------------

    def write(
        self,
        records: Iterable[Any] = (),
        dropped_positions: Iterable[tuple[str, str]] = (),
        meta: dict[str, str] | None = None,
    ) -> None:
        """Write ``records`` (ledger dataclasses), delete ``dropped_positions`` (account id, code) and set
        ``meta``, in one transaction."""
        grouped: dict[type, list[tuple[Any, ...]]] = {}
        for record in records:
            cls = type(record)
            grouped.setdefault(cls, []).append(self._codecs[cls].row(record))
        dropped = list(dropped_positions)
        with self._lock:
            self._db.execute("BEGIN")
            try:
                if dropped:  # before the upserts: a position dropped and opened again is written back
                    self._db.executemany("DELETE FROM positions WHERE account_id = ? AND code = ?", dropped)
                for cls, rows in grouped.items():
                    self._db.executemany(self._upserts[cls], rows)
                if meta:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(meta.items())
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def clear_account(self, account_id: str) -> None:
        """Delete an account's positions, orders, trades, transfers, subscriptions, smart algorithm tasks,
        credit compacts and reverse repos (the account and credit line rows stay; the task ids' high-water mark goes to ``meta``, so ids are never reused)."""
        next_task = self.next_task_id()
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_task_id', ?)", (str(next_task),)
            )
            for table in (
                "positions",
                "orders",
                "trades",
                "transfers",
                "ipo_subscriptions",
                "algo_tasks",
                "credit_compacts",
                "repo_loans",
            ):
                self._db.execute(f"DELETE FROM {table} WHERE account_id = ?", (account_id,))
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()
