"""Start the app on a free loopback port for real-browser tests and screenshots."""

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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
]


_last_pid: int | None = None


def browser_missing() -> str | None:
    """Why real-browser work cannot run here, or None when Chromium and Playwright are present."""
    if not Path(CHROMIUM).exists():
        return f"no {CHROMIUM}: apt-get install chromium (.ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    return None


def last_started_pid() -> int | None:
    """PID of the server `running_app` started last (for memory measurements)."""
    return _last_pid


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


def log_tail(proc: subprocess.Popen, log) -> str:
    if proc.poll() is None:
        return "timeout"
    log.seek(0)
    return log.read().decode(errors="replace")[-2000:]


@contextlib.contextmanager
def running_app(env: dict | None = None, attempts: int = 3, timeout: float = 60):
    """Yield the base URL of a freshly started `streamlit run app.py`; stop it afterwards."""
    global _last_pid
    last_error = ""
    for _ in range(attempts):
        port = free_port()
        with tempfile.TemporaryFile() as log:
            proc = start_streamlit(ROOT / "app.py", port, {**os.environ, **(env or {})}, log)
            _last_pid = proc.pid
            try:
                if _wait_healthy(f"http://127.0.0.1:{port}", proc, timeout):
                    yield f"http://127.0.0.1:{port}"
                    return
                last_error = log_tail(proc, log)
            finally:
                _stop(proc)
    raise RuntimeError(f"the app did not start: {last_error}")


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float, poll: float = 0.2) -> bool:
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


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if proc.stdout:
        proc.stdout.close()


def wait_until_idle(page, timeout: float = 60_000) -> None:
    """Streamlit finished its script run and is connected."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]',
        timeout=timeout,
    )


def draw_strokes(page, canvas_locator, strokes, step_px: float = 25.0) -> None:
    """Draw polylines given in canvas pixels with the mouse, like a person."""
    canvas_locator.hover(position={"x": 10, "y": 200})
    box = canvas_locator.bounding_box()
    for stroke in strokes:
        x0, y0 = stroke[0]
        page.mouse.move(box["x"] + x0, box["y"] + y0)
        page.mouse.down()
        for (xa, ya), (xb, yb) in zip(stroke, stroke[1:]):
            steps = max(1, int(((xb - xa) ** 2 + (yb - ya) ** 2) ** 0.5 / step_px))
            page.mouse.move(box["x"] + xb, box["y"] + yb, steps=steps)
        page.mouse.up()
