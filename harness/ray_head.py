"""A real local Ray head for the tests and benchmarks: `ray start --head`, on loopback, stopped after.

Drivers connect through 127.0.0.1; Ray's own servers listen on every interface whatever
`--node-ip-address` says, and name the machine's address in their logs.

The head runs as `ray start --head --block` in a session of its own, with its own temp folder, so
stopping it ends exactly the processes it started (its GCS, raylet and workers, found by that
folder in their command lines) and no other Ray on the machine: `ray stop` would end every Ray
head of the machine's user, including other people's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"


@dataclass
class RayHead:
    address: str  # what RAY_ADDRESS is set to
    temp_dir: Path
    process: subprocess.Popen
    started_seconds: float  # from `ray start` to a head that takes work

    def pids(self) -> list[int]:
        """The processes of this head (GCS, raylet, agents, workers), by their command lines."""
        marker = str(self.temp_dir).encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                if marker in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
        return found

    def rss_bytes(self) -> int:
        """Resident memory of every process of this head, summed."""
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError, ValueError, IndexError):
                pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
                total += pages * os.sysconf("SC_PAGE_SIZE")
        return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _ray_cli() -> list[str]:
    return [sys.executable, "-c", "import sys; from ray.scripts.scripts import main; sys.exit(main())"]


def start_head(num_cpus: int = 2, timeout: float = 180.0, attempts: int = 2) -> RayHead:
    """A head with `num_cpus` CPUs on a free loopback port, once it accepts drivers. Ray gives its
    raylet a fixed 30 s to register, which a machine busy with other work can miss: then it tries again."""
    for attempt in range(1, attempts + 1):
        try:
            return _started_head(num_cpus, timeout)
        except RuntimeError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def _started_head(num_cpus: int, timeout: float) -> RayHead:
    port = free_port()
    temp_dir = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))  # short: Ray's socket paths have a length limit
    started = time.monotonic()
    command = [*_ray_cli(), "start", "--head", "--block", f"--num-cpus={num_cpus}", f"--port={port}",
               f"--node-ip-address={HOST}", f"--ray-client-server-port={free_port()}", "--include-dashboard=false",
               "--disable-usage-stats", f"--temp-dir={temp_dir}"]
    log = open(temp_dir / "ray-start.log", "wb")  # noqa: SIM115 - the head outlives this function
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})
    head = RayHead(f"{HOST}:{port}", temp_dir, process, 0.0)
    deadline = time.monotonic() + timeout
    while b"Ray runtime started" not in (temp_dir / "ray-start.log").read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            said = (temp_dir / "ray-start.log").read_text(errors="replace")[-2000:]
            stop_head(head)
            raise RuntimeError(f"the Ray head did not start within {timeout:.0f} s: {said}")
        time.sleep(0.1)
    head.started_seconds = time.monotonic() - started
    return head


def stop_head(head: RayHead, timeout: float = 30.0) -> None:
    """End the head and every process it started; wait until none is left."""
    if head.process.poll() is None:
        head.process.send_signal(signal.SIGTERM)  # `ray start --block` then ends what it started
        with contextlib.suppress(subprocess.TimeoutExpired):
            head.process.wait(timeout / 2)
    deadline = time.monotonic() + timeout
    while head.pids():
        sig = signal.SIGTERM if time.monotonic() < deadline - timeout / 2 else signal.SIGKILL
        for pid in head.pids():
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        if time.monotonic() > deadline:
            raise RuntimeError(f"Ray head processes still alive: {head.pids()}")
        time.sleep(0.2)
    with contextlib.suppress(subprocess.TimeoutExpired):
        head.process.wait(5)
    shutil.rmtree(head.temp_dir, ignore_errors=True)


@contextlib.contextmanager
def ray_head(num_cpus: int = 2) -> Iterator[RayHead]:
    head = start_head(num_cpus)
    try:
        yield head
    finally:
        stop_head(head)
