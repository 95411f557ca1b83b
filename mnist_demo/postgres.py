"""The store's SQL on PostgreSQL (`psycopg` 3), for a class that several app servers share.

Connections are kept in a small pool of this module's own: a transaction takes an idle one (or
opens one, up to `MAX_CONNECTIONS` per process), and gives it back. A connection that broke is
dropped, and the next transaction opens a new one, so the first use after the database returns
works. (`psycopg_pool` reconnects in the background with a growing back-off, so the first uses
after an outage would wait for its timer or fail.) Transactions run at READ COMMITTED, like the
short BEGIN IMMEDIATE ones of SQLite; where the store needs a writer to wait for another
(numbering a learner's runs) it takes a row lock first.

A lost database is a `DatabaseUnavailable`, an error a person can act on, never a driver's traceback.
"""

from __future__ import annotations

import contextlib
import functools
import threading

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus

from .database import BUSY_TIMEOUT_SECONDS, Database, DatabaseUnavailable

MAX_CONNECTIONS = 8
CONNECT_TIMEOUT_SECONDS = 5
# A statement waits for a lock (another server's transaction) at most as long as SQLite's busy timeout.
STATEMENT_TIMEOUT = f"-c statement_timeout={BUSY_TIMEOUT_SECONDS * 1000}"
SCHEMA_LOCK = 0x6D6E697374  # any fixed number: the advisory lock replicas take to create the schema together


@functools.lru_cache(maxsize=256)
def placeholders(sql: str) -> str:
    """The store's portable `?` placeholders as psycopg's `%s` (a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class _Cursor:
    """A psycopg cursor that takes the store's `?` SQL."""

    def __init__(self, cursor: psycopg.Cursor):
        self._cursor = cursor

    def execute(self, sql: str, params: tuple = ()):
        if params:
            self._cursor.execute(placeholders(sql), params)
        else:
            self._cursor.execute(sql)
        return self

    def fetchone(self):
        return self._cursor.fetchone()

    def fetchall(self):
        return self._cursor.fetchall()

    @property
    def description(self):
        return self._cursor.description


class PostgreSQL(Database):
    def __init__(self, url: str, max_connections: int = MAX_CONNECTIONS,
                 wait_seconds: float = BUSY_TIMEOUT_SECONDS):
        self.url = url
        self.wait_seconds = wait_seconds
        self._slots = threading.BoundedSemaphore(max_connections)
        self._idle: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        with self.transaction():  # reachable now, or say so
            pass

    def _connect(self) -> psycopg.Connection:
        extra = {} if "options" in conninfo_to_dict(self.url) else {"options": STATEMENT_TIMEOUT}
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                   application_name="mnist-demo", **extra)
        except psycopg.OperationalError as e:
            raise DatabaseUnavailable("unreachable") from e

    def _begun(self) -> psycopg.Connection:
        """A connection inside BEGIN: an idle one that still answers, else a new one."""
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                break
            try:
                conn.execute("BEGIN")
                return conn
            except psycopg.Error:  # it broke while idle (the database restarted): try the next
                _close(conn)
        conn = self._connect()
        try:
            conn.execute("BEGIN")
        except psycopg.Error as e:
            _close(conn)
            raise DatabaseUnavailable("unreachable") from e
        return conn

    @contextlib.contextmanager
    def transaction(self):
        """A cursor inside BEGIN ... COMMIT (ROLLBACK on error). Raises DatabaseUnavailable when
        the database cannot be reached or the connection breaks on the way."""
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise DatabaseUnavailable("busy")
        conn = None
        try:
            conn = self._begun()
            try:
                with conn.cursor() as cur:
                    yield _Cursor(cur)
                conn.execute("COMMIT")
            except BaseException as e:
                if not conn.broken:
                    with contextlib.suppress(psycopg.Error):
                        conn.execute("ROLLBACK")
                if isinstance(e, psycopg.OperationalError) and conn.broken:
                    raise DatabaseUnavailable("unreachable") from e
                if isinstance(e, psycopg.errors.QueryCanceled):
                    raise DatabaseUnavailable("busy") from e
                raise
        finally:
            if conn is not None:
                self._give_back(conn)
            self._slots.release()

    def _give_back(self, conn: psycopg.Connection) -> None:
        reusable = not conn.broken and conn.info.transaction_status == TransactionStatus.IDLE
        with self._lock:
            if reusable and not self._closed:
                self._idle.append(conn)
                return
        _close(conn)

    def query(self, sql: str, params: tuple = ()) -> list[dict]:
        with self.transaction() as cur:
            cur.execute(sql, params)
            names = [column.name for column in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def create_schema(self, statements) -> None:
        """The store's tables, created once however many replicas start at the same moment
        (two concurrent CREATE TABLE IF NOT EXISTS collide in PostgreSQL's catalog)."""
        with self.transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))
            for statement in statements:
                cur.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            _close(conn)


def _close(conn: psycopg.Connection) -> None:
    with contextlib.suppress(Exception):
        conn.close()
