"""Start the app on a free loopback port for tests, benchmarks and screenshots; measure the server."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
SHARED_DATA = ROOT.parent / "shared" / "data"


def app_env(extra: dict | None = None) -> dict[str, str]:
    """Environment for a server or a child process: offline, quiet TensorFlow, the shared data
    folder when nothing else is set, then `extra`."""
    env = dict(os.environ)
    env.setdefault("MNIST_DEMO_OFFLINE", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not env.get("MNIST_DEMO_DATA_DIR") and SHARED_DATA.is_dir():
        env["MNIST_DEMO_DATA_DIR"] = str(SHARED_DATA)
    env.update(extra or {})
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(script: Path, port: int, env: dict, log) -> subprocess.Popen:
    """`streamlit run script` on loopback, its output into `log`: a file, not a pipe, since
    nobody reads it while the server runs and a full pipe would block the server's next write."""
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=script.parent, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT,
    )


@dataclass
class AppServer:
    url: str
    process: subprocess.Popen
    started: float  # time.perf_counter() when `streamlit run` was launched
    log: object

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        """Everything the server printed so far."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


@contextlib.contextmanager
def running_app(env: dict | None = None, script: Path = APP, attempts: int = 3, timeout: float = 120,
                poll: float = 0.2):
    """Yield an `AppServer` for a freshly started `streamlit run`, healthy; stop it afterwards.
    A server that dies before it is healthy (a port taken meanwhile) is retried on a new port.
    Unless `env` names a state folder, the server gets an empty one of its own, removed after."""
    env = dict(env or {})
    with contextlib.ExitStack() as cleanup:
        if "MNIST_DEMO_STATE_DIR" not in env:
            env["MNIST_DEMO_STATE_DIR"] = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="mnist-demo-"))
        yield from _started(env, script, attempts, timeout, poll)


def _started(env: dict, script: Path, attempts: int, timeout: float, poll: float):
    last_error = ""
    for _ in range(attempts):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryFile() as log:
            started = time.perf_counter()
            proc = start_streamlit(script, port, app_env(env), log)
            try:
                if wait_healthy(url, proc, timeout, poll):
                    yield AppServer(url, proc, started, log)
                    return
                log.seek(0)
                last_error = "timeout" if proc.poll() is None else log.read().decode(errors="replace")[-2000:]
            finally:
                stop(proc)
    raise RuntimeError(f"the app did not start: {last_error}")


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float, poll: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return True
        except OSError:
            pass
        time.sleep(poll)
    return False


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM the server's process group, SIGKILL it if it does not end in time."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def rss_bytes(pid: int) -> int:
    """VmRSS of a process and all its descendants, from /proc/<pid>/status."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        todo += _children(p)
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
