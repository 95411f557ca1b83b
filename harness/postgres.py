"""A real PostgreSQL server for tests and benchmarks: Debian's `postgresql` binaries, a fresh data
folder in a temp dir, loopback only, stopped and removed afterwards.

PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the `postgres`
user the Debian package creates (or `nobody`), through `runuser`."""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .server import free_port

USER = "mnist"  # the database superuser initdb makes; loopback connections are trusted
# Tests do not test durability: no fsync.
FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def bin_dir() -> Path:
    """Where initdb and pg_ctl are: `MNIST_DEMO_PG_BIN`, else Debian's newest /usr/lib/postgresql/*/bin."""
    if os.environ.get("MNIST_DEMO_PG_BIN"):
        return Path(os.environ["MNIST_DEMO_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise RuntimeError("no PostgreSQL binaries: install Debian's postgresql package (apt-get install postgresql)")
    return found[-1].parent


def _server_user() -> str | None:
    """The user the server runs as: None (this one) unless this is root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and no postgres or nobody user to run PostgreSQL as")


@dataclass
class PostgresServer:
    folder: Path
    port: int
    user: str | None
    bin: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.folder)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {done.stdout[-1000:]}{done.stderr[-1000:]}\n{log}")

    def init(self, settings: dict[str, str]) -> None:
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C",
                  "--no-sync")
        lines = [f"port = {self.port}", "listen_addresses = '127.0.0.1'", "unix_socket_directories = ''",
                 "max_connections = 200", *(f"{name} = {value}" for name, value in settings.items())]
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(lines) + "\n")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def new_database(self) -> str:
        """The URL of a new empty database on this server."""
        import psycopg

        name = f"test_{secrets.token_hex(4)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@contextlib.contextmanager
def running_postgres(settings: dict[str, str] | None = None):
    """Yield a started `PostgresServer` on a free loopback port; stop it and remove its files after."""
    user = _server_user()
    folder = Path(tempfile.mkdtemp(prefix="mnist-demo-pg-"))
    try:
        if user:
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        server = PostgresServer(folder, free_port(), user, bin_dir())
        server.init(FAST if settings is None else settings)
        server.start()
        try:
            yield server
        finally:
            if server.running:
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
