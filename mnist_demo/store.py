"""The state of a class in one database: learners, their settings, runs and saved models.

SQLite (the standard library's `sqlite3`, in WAL mode) in the state folder by default, so a
server needs no setup; the same SQL runs on PostgreSQL when a database URL is given, so several
app servers can share one class (see `database.py`). The database holds what is small; model
files live on disk beside it (`workspace.py` owns their layout).

Every write is one short transaction. Readers never wait for writers (WAL), two writers wait for
each other up to a timeout (`busy_timeout`), so many threads and several processes can use one
store at once. Values that have structure (a spec, a run's curves) are stored as JSON text.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass, fields

from .database import Database, connect

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS learners (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        nickname TEXT NOT NULL,
        class_code TEXT NOT NULL DEFAULT '',
        created DOUBLE PRECISION NOT NULL,
        last_seen DOUBLE PRECISION NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS settings (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (learner_id, name)
    )""",
    """CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY,
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        label TEXT NOT NULL,
        preset TEXT,
        dataset TEXT NOT NULL,
        normalize INTEGER NOT NULL,
        spec TEXT NOT NULL,
        config TEXT NOT NULL,
        state TEXT NOT NULL,
        progress TEXT NOT NULL DEFAULT '{}',
        error TEXT,
        stop_reason TEXT,
        model_file TEXT,
        continued_from TEXT,
        experiment TEXT,
        owner TEXT,
        created DOUBLE PRECISION NOT NULL,
        updated DOUBLE PRECISION NOT NULL,
        UNIQUE (learner_id, number)
    )""",
    "CREATE INDEX IF NOT EXISTS runs_by_state ON runs (state)",
    """CREATE TABLE IF NOT EXISTS saved_models (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        model_file TEXT NOT NULL,
        run_id TEXT,
        dataset TEXT NOT NULL,
        normalize INTEGER NOT NULL,
        info TEXT NOT NULL,
        created DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (learner_id, name)
    )""",
    """CREATE TABLE IF NOT EXISTS servers (
        id TEXT PRIMARY KEY,
        started DOUBLE PRECISION NOT NULL,
        heartbeat DOUBLE PRECISION NOT NULL
    )""",
]
DONE_STATES = ("stopped", "finished", "failed", "interrupted")


def token_hash(token: str) -> str:
    """What the store keeps of a learner's secret: a learner is found by it, never by the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_id(length: int = 12) -> str:
    return secrets.token_hex(length // 2)


def new_token() -> str:
    """A learner's secret link token: URL-safe, and never starting with "-", which a command line
    (`python -m mnist_demo runs --learner TOKEN`) would read as an option."""
    while True:
        token = secrets.token_urlsafe(18)
        if not token.startswith("-"):
            return token


@dataclass
class Learner:
    id: str
    nickname: str
    class_code: str = ""
    created: float = 0.0
    last_seen: float = 0.0


@dataclass
class RunRecord:
    """What the store keeps of a training run. `progress` is the run's last snapshot as JSON text
    (`training.Snapshot.to_dict`), parsed only by whoever needs the curves (`progress_data()`);
    `model_file` is relative to the state folder."""

    id: str
    learner_id: str
    number: int
    label: str
    dataset: str
    normalize: bool
    spec: dict
    config: dict
    state: str = "queued"
    preset: str | None = None
    progress: str = "{}"
    error: str | None = None
    stop_reason: str | None = None
    model_file: str | None = None
    continued_from: str | None = None
    experiment: str | None = None
    owner: str | None = None
    created: float = 0.0
    updated: float = 0.0

    @property
    def done(self) -> bool:
        return self.state in DONE_STATES

    def progress_data(self) -> dict:
        return json.loads(self.progress or "{}")


@dataclass
class SavedModel:
    learner_id: str
    name: str
    model_file: str
    dataset: str
    normalize: bool
    info: dict
    run_id: str | None = None
    created: float = 0.0


_JSON_FIELDS = {"spec", "config", "info"}
_BOOL_FIELDS = {"normalize"}


def _row_values(record) -> dict:
    values = asdict(record)
    for name in _JSON_FIELDS & values.keys():
        values[name] = json.dumps(values[name], separators=(",", ":"), allow_nan=True)
    for name in _BOOL_FIELDS & values.keys():
        values[name] = int(values[name])
    return values


def _record(cls, row: dict):
    values = {f.name: row[f.name] for f in fields(cls) if f.name in row}
    for name in _JSON_FIELDS & values.keys():
        values[name] = json.loads(values[name]) if values[name] else {}
    for name in _BOOL_FIELDS & values.keys():
        values[name] = bool(values[name])
    return cls(**values)


class Store:
    """Learners, settings, runs and saved models in one database (see the module docstring)."""

    def __init__(self, database: Database):
        self.db = database
        self.db.create_schema(SCHEMA)

    @classmethod
    def open(cls, location: str) -> Store:
        """A store at `location`: a SQLite file path, or a `postgresql://` URL."""
        return cls(connect(location))

    def close(self) -> None:
        self.db.close()

    # learners ---------------------------------------------------------------------------------

    def create_learner(self, nickname: str, class_code: str = "") -> tuple[Learner, str]:
        """A new learner and the secret token of their link (shown once, stored only as a hash)."""
        now = time.time()
        learner = Learner(new_id(), nickname, class_code, now, now)
        token = new_token()
        with self.db.transaction() as cur:
            cur.execute("INSERT INTO learners (id, token_hash, nickname, class_code, created, last_seen) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (learner.id, token_hash(token), nickname, class_code, now, now))
        return learner, token

    def learner_by_token(self, token: str) -> Learner | None:
        rows = self.db.query("SELECT id, nickname, class_code, created, last_seen FROM learners WHERE token_hash = ?",
                             (token_hash(token),))
        return Learner(**rows[0]) if rows else None

    def learner(self, learner_id: str) -> Learner | None:
        rows = self.db.query("SELECT id, nickname, class_code, created, last_seen FROM learners WHERE id = ?",
                             (learner_id,))
        return Learner(**rows[0]) if rows else None

    def learners(self, class_code: str | None = None) -> list[Learner]:
        sql = "SELECT id, nickname, class_code, created, last_seen FROM learners"
        rows = self.db.query(sql + " WHERE class_code = ? ORDER BY created" if class_code is not None
                             else sql + " ORDER BY created", (class_code,) if class_code is not None else ())
        return [Learner(**row) for row in rows]

    def rename_learner(self, learner_id: str, nickname: str) -> None:
        with self.db.transaction() as cur:
            cur.execute("UPDATE learners SET nickname = ? WHERE id = ?", (nickname, learner_id))

    def touch_learner(self, learner_id: str, when: float | None = None) -> None:
        with self.db.transaction() as cur:
            cur.execute("UPDATE learners SET last_seen = ? WHERE id = ?", (when or time.time(), learner_id))

    def delete_learners(self, learner_ids) -> None:
        with self.db.transaction() as cur:
            for learner_id in learner_ids:
                for table in ("settings", "saved_models", "runs"):
                    cur.execute(f"DELETE FROM {table} WHERE learner_id = ?", (learner_id,))
                cur.execute("DELETE FROM learners WHERE id = ?", (learner_id,))

    # settings ---------------------------------------------------------------------------------

    def settings(self, learner_id: str) -> dict:
        rows = self.db.query("SELECT name, value FROM settings WHERE learner_id = ?", (learner_id,))
        return {row["name"]: json.loads(row["value"]) for row in rows}

    def learner_ids_with(self, setting: str) -> set[str]:
        """The learners who have `setting` set, to any value."""
        rows = self.db.query("SELECT learner_id FROM settings WHERE name = ?", (setting,))
        return {row["learner_id"] for row in rows}

    def set_settings(self, learner_id: str, changes: dict) -> None:
        if not changes:
            return
        with self.db.transaction() as cur:
            for name, value in changes.items():
                cur.execute("INSERT INTO settings (learner_id, name, value) VALUES (?, ?, ?) "
                            "ON CONFLICT (learner_id, name) DO UPDATE SET value = excluded.value",
                            (learner_id, name, json.dumps(value)))

    # runs -------------------------------------------------------------------------------------

    def add_run(self, run: RunRecord) -> RunRecord:
        """Insert `run` with the learner's next run number (1, 2, ...), set on the returned record."""
        now = time.time()
        run.created = run.created or now
        run.updated = now
        with self.db.transaction() as cur:
            # A no-op write that locks the learner's row on PostgreSQL (SQLite's BEGIN IMMEDIATE has
            # locked the file already): two servers adding a run for one learner number them in turn.
            cur.execute("UPDATE learners SET last_seen = last_seen WHERE id = ?", (run.learner_id,))
            cur.execute("SELECT COALESCE(MAX(number), 0) + 1 AS next FROM runs WHERE learner_id = ?",
                        (run.learner_id,))
            run.number = cur.fetchone()[0]
            values = _row_values(run)
            names = ", ".join(values)
            cur.execute(f"INSERT INTO runs ({names}) VALUES ({', '.join('?' for _ in values)})",
                        tuple(values.values()))
        return run

    def update_run(self, run_id: str, **changes) -> None:
        """Change some fields of a run (`progress` and `spec`/`config` as dicts)."""
        changes["updated"] = time.time()
        if isinstance(changes.get("progress"), dict):
            changes["progress"] = json.dumps(changes["progress"], separators=(",", ":"), allow_nan=True)
        for name in _JSON_FIELDS & changes.keys():
            changes[name] = json.dumps(changes[name], separators=(",", ":"), allow_nan=True)
        for name in _BOOL_FIELDS & changes.keys():
            changes[name] = int(changes[name])
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self.db.transaction() as cur:
            cur.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*changes.values(), run_id))

    def run(self, run_id: str) -> RunRecord | None:
        rows = self.db.query("SELECT * FROM runs WHERE id = ?", (run_id,))
        return _record(RunRecord, rows[0]) if rows else None

    def runs(self, learner_id: str | None = None, states: tuple[str, ...] | None = None,
             progress: bool = True) -> list[RunRecord]:
        """A learner's runs (everyone's with None), oldest first, optionally only in `states`;
        without their curves (`progress` left "{}") when `progress` is False: those are most of a
        run's bytes, and a reader that has parsed them already (`Runs.snapshots`) need not read them again."""
        clauses, params = [], []
        if learner_id is not None:
            clauses.append("learner_id = ?")
            params.append(learner_id)
        if states:
            clauses.append(f"state IN ({', '.join('?' for _ in states)})")
            params += states
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        columns = "*" if progress else ", ".join(f.name for f in fields(RunRecord) if f.name != "progress")
        rows = self.db.query(f"SELECT {columns} FROM runs{where} ORDER BY created, number", tuple(params))
        return [_record(RunRecord, row) for row in rows]

    def delete_run(self, run_id: str) -> None:
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    # saved models -----------------------------------------------------------------------------

    def put_saved_model(self, saved: SavedModel) -> None:
        """Insert or replace the learner's model of that name."""
        saved.created = saved.created or time.time()
        values = _row_values(saved)
        names = ", ".join(values)
        updates = ", ".join(f"{name} = excluded.{name}" for name in values if name not in ("learner_id", "name"))
        with self.db.transaction() as cur:
            cur.execute(f"INSERT INTO saved_models ({names}) VALUES ({', '.join('?' for _ in values)}) "
                        f"ON CONFLICT (learner_id, name) DO UPDATE SET {updates}", tuple(values.values()))

    def saved_models(self, learner_id: str) -> list[SavedModel]:
        rows = self.db.query("SELECT * FROM saved_models WHERE learner_id = ? ORDER BY created DESC", (learner_id,))
        return [_record(SavedModel, row) for row in rows]

    def saved_model(self, learner_id: str, name: str) -> SavedModel | None:
        rows = self.db.query("SELECT * FROM saved_models WHERE learner_id = ? AND name = ?", (learner_id, name))
        return _record(SavedModel, rows[0]) if rows else None

    def delete_saved_model(self, learner_id: str, name: str) -> None:
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM saved_models WHERE learner_id = ? AND name = ?", (learner_id, name))

    def request_stop(self, run_id: str, reason: str) -> bool:
        """Ask the server that trains the run to stop it (it reads `stop_requests` about once a
        second); False if the run has ended already."""
        with self.db.transaction() as cur:
            cur.execute("SELECT state FROM runs WHERE id = ?", (run_id,))
            row = cur.fetchone()
            if row is None or row[0] in DONE_STATES:
                return False
            cur.execute("UPDATE runs SET stop_reason = ? WHERE id = ?", (reason, run_id))
        return True

    def stop_requests(self, owner: str) -> dict[str, str]:
        """The reasons given for stopping the unfinished runs `owner` trains, by run id."""
        rows = self.db.query("SELECT id, stop_reason FROM runs WHERE owner = ? AND stop_reason IS NOT NULL "
                             f"AND state NOT IN ({', '.join('?' for _ in DONE_STATES)})", (owner, *DONE_STATES))
        return {row["id"]: row["stop_reason"] for row in rows}

    # servers ----------------------------------------------------------------------------------

    def beat(self, server_id: str) -> None:
        """This app server is alive: its running trainings are not interrupted."""
        now = time.time()
        with self.db.transaction() as cur:
            cur.execute("INSERT INTO servers (id, started, heartbeat) VALUES (?, ?, ?) "
                        "ON CONFLICT (id) DO UPDATE SET heartbeat = excluded.heartbeat", (server_id, now, now))

    def interrupt_orphans(self, alive_within: float) -> list[str]:
        """Mark as interrupted every unfinished run whose server has not beaten for `alive_within`
        seconds (it was stopped or killed); return their ids."""
        cutoff = time.time() - alive_within
        with self.db.transaction() as cur:
            cur.execute("SELECT r.id FROM runs r LEFT JOIN servers s ON s.id = r.owner "
                        f"WHERE r.state NOT IN ({', '.join('?' for _ in DONE_STATES)}) "
                        "AND (s.id IS NULL OR s.heartbeat < ?)", (*DONE_STATES, cutoff))
            orphans = [row[0] for row in cur.fetchall()]
            for run_id in orphans:
                cur.execute("UPDATE runs SET state = 'interrupted', updated = ? WHERE id = ?", (time.time(), run_id))
        return orphans
