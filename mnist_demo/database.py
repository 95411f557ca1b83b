"""The one place that talks to a database driver: SQLite by default, PostgreSQL for a URL.

The store writes portable SQL with `?` placeholders (see `store.py`); a `Database` runs it in
short transactions and returns rows as dicts. SQLite connections are one per thread (sqlite3
objects must stay in the thread that made them), in WAL mode so that readers never wait.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

from .errors import AppError

BUSY_TIMEOUT_SECONDS = 30


class DatabaseUnavailable(AppError):
    """The class's database server cannot be reached ("unreachable") or has no free connection in
    time ("busy"). Nothing is lost: the next use connects again."""

    group = "database"


class Database:
    """Transactions and queries over one database; subclasses bind a driver."""

    def transaction(self):  # pragma: no cover - the interface
        raise NotImplementedError

    def query(self, sql: str, params: tuple = ()) -> list[dict]:
        with self.transaction() as cur:
            cur.execute(sql, params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def create_schema(self, statements) -> None:
        with self.transaction() as cur:
            for statement in statements:
                cur.execute(statement)

    def close(self) -> None:  # pragma: no cover - the interface
        raise NotImplementedError


class SQLite(Database):
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._connection()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                   check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
            conn.execute("PRAGMA journal_mode=WAL")  # a property of the file; cheap to state again
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextlib.contextmanager
    def transaction(self):
        """A cursor inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): writers queue up at the
        start instead of failing half-way when another writer holds the lock."""
        conn = self._connection()
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            cur.execute("COMMIT")
        finally:
            cur.close()

    def backup(self, target: str | Path) -> None:
        """A consistent copy of the database at `target`, taken while others keep writing
        (SQLite's online backup: readers and writers are not stopped)."""
        destination = sqlite3.connect(target)
        try:
            self._connection().backup(destination)
        finally:
            destination.close()

    def close(self) -> None:
        """Close every thread's connection. The caller makes sure no other thread is inside a
        transaction: closing a connection another thread is using crashes the interpreter."""
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()


def connect(location: str | Path) -> Database:
    """A `Database` for `location`: a `postgresql://` URL, else a SQLite file path."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgreSQL

        return PostgreSQL(text)
    return SQLite(text)
