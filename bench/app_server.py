"""Starting the app and a headless Chromium for the browser figures (cold start, latency, memory)."""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path

from tests.e2e.server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    _stop,
    _wait_healthy,
    browser_missing,
    free_port,
    log_tail,
    start_streamlit,
    wait_until_idle,
)

from .common import PROJECT_ROOT, bench_env

CANVAS = '[class*="st-key-draw_canvas_"] canvas.upper-canvas'
EMPTY_TEXT = "Draw a digit on the canvas: the prediction appears here."
SAMPLE_IMAGES = 'figure.digit-sample img'
SAMPLE_COUNT = 24

__all__ = ["browser_missing", "CANVAS", "EMPTY_TEXT", "SAMPLE_IMAGES", "SAMPLE_COUNT", "app_server", "chromium", "rss_bytes",
           "shown_at", "stamp_when_shown", "wait_until_idle"]


@contextlib.contextmanager
def app_server(timeout: float = 120, script: Path | None = None):
    """Start `streamlit run app.py` (or another `script`) on loopback; yield (url, process,
    start time by perf_counter)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        proc = start_streamlit(script or PROJECT_ROOT / "app.py", port, bench_env(), log)
        try:
            if not _wait_healthy(url, proc, timeout, poll=0.02):
                raise RuntimeError(f"the app did not start: {log_tail(proc, log)}")
            yield url, proc, started
        finally:
            _stop(proc)


@contextlib.contextmanager
def chromium():
    """A headless Chromium (Playwright); yields the browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(120_000)
    return context, page


SHOWN_PROBE = """predicate => {
  const stamp = () => {
    if (window.__shownAt === undefined && predicate()) window.__shownAt = performance.timeOrigin + performance.now();
  };
  new MutationObserver(stamp).observe(document, {subtree: true, childList: true, attributes: true});
  document.addEventListener('load', stamp, true);
}"""


def stamp_when_shown(page, predicate: str) -> None:
    """From the next page load on, stamp the moment the JS expression `predicate` first holds.

    The page stamps itself on every DOM change and image load, so the time is when the
    browser showed it, not when a Playwright poll happened to look (that lags by up to
    half a second)."""
    page.add_init_script(f"({SHOWN_PROBE})(() => ({predicate}))")


def shown_at(page, timeout_ms: float = 120_000) -> float:
    """Wall-clock time (as `time.time()`) of the stamp set up by `stamp_when_shown`."""
    page.wait_for_function("() => window.__shownAt !== undefined", timeout=timeout_ms)
    return page.evaluate("window.__shownAt") / 1000


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


def draw_and_time(page, strokes, offset=(70, 50)) -> float:
    """Draw `strokes` on the canvas; milliseconds from the last mouse-up to the prediction heading.

    A listener (capture phase) stamps mouse-ups with performance.now(); a MutationObserver
    stamps the first DOM change after it that shows a "Prediction:" heading. Both are
    installed once per page by `install_probe`."""
    from tests.e2e.server import draw_strokes

    page.evaluate("() => { window.__bench.up = null; window.__bench.shown = null; }")
    shifted = [[(x + offset[0], y + offset[1]) for x, y in stroke] for stroke in strokes]
    draw_strokes(page, page.locator(CANVAS), shifted)
    page.wait_for_function("() => window.__bench.shown !== null", timeout=60_000)
    return page.evaluate("() => window.__bench.shown - window.__bench.up")


PROBE = """() => {
  if (window.__bench) return;
  window.__bench = {up: null, shown: null};
  window.addEventListener('mouseup', () => { window.__bench.up = performance.now(); window.__bench.shown = null; },
                          true);
  const shown = () => [...document.querySelectorAll('h2')].some(h => h.textContent.trim().startsWith('Prediction:'));
  new MutationObserver(() => {
    if (window.__bench.up !== null && window.__bench.shown === null && shown()) {
      window.__bench.shown = performance.now();
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def install_probe(page) -> None:
    page.evaluate(PROBE)


def prediction_visible(page) -> bool:
    return page.evaluate(
        "() => [...document.querySelectorAll('h2')].some(h => h.textContent.trim().startsWith('Prediction:'))"
    )
