"""The one place that talks to a database driver: SQLite by default, PostgreSQL for a URL.

The store writes portable SQL with `?` placeholders (see `store.py`); a `Database` runs it in
short transactions and returns rows as dicts.

On SQLite, a query is a plain read and never waits: in WAL mode readers see the last commit
while a writer writes. Writers of this process queue on a lock before they ask SQLite for its
write lock. SQLite's own wait for a busy lock sleeps and retries, and it is not first come,
first served: with a class's page runs all asking at once, an unlucky page waited on every
one of its queries, long enough to look frozen.

SQLite connections are pooled, not kept per thread: Streamlit runs every page run in a new
thread, so a connection per thread grows with the number of reruns a class has made (three
file descriptors and a page cache each, until the server runs out of file descriptors). A
transaction takes an idle connection, or opens one, and gives it back; only one thread uses a
connection at a time.
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
    IDLE_KEPT = 8  # idle connections kept open for the next transactions; more are closed

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._writing = threading.Lock()
        self._give_back(self._open())

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        conn.execute("PRAGMA journal_mode=WAL")  # a property of the file; cheap to state again
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _take(self) -> sqlite3.Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._open()

    def _give_back(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if len(self._idle) < self.IDLE_KEPT:
                self._idle.append(conn)
                return
        conn.close()

    @contextlib.contextmanager
    def connection(self):
        """A connection for this thread alone until the block ends."""
        conn = self._take()
        try:
            yield conn
        finally:
            self._give_back(conn)

    def query(self, sql: str, params: tuple = ()) -> list[dict]:
        """Rows of one read, as dicts, from the last commit: it does not wait for writers."""
        with self.connection() as conn:
            cur = conn.execute(sql, params)
            try:
                names = [d[0] for d in cur.description]
                return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
            finally:
                cur.close()

    @contextlib.contextmanager
    def transaction(self):
        """A cursor inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): writers queue up at the
        start instead of failing half-way when another writer holds the lock."""
        with self._writing, self.connection() as conn:
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
            with self.connection() as conn:
                conn.backup(destination)
        finally:
            destination.close()

    def close(self) -> None:
        """Close every connection. The caller makes sure no transaction is under way."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            with contextlib.suppress(sqlite3.Error):
                conn.close()


def connect(location: str | Path) -> Database:
    """A `Database` for `location`: a `postgresql://` URL, else a SQLite file path."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgreSQL

        return PostgreSQL(text)
    return SQLite(text)
