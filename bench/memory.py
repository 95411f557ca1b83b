"""Server memory with many sessions: VmRSS of the streamlit process and its children
(/proc/<pid>/status) with 1 browser session, then with 10. Each session opens Home, follows
the sidebar to Train (the full data set is loaded) and to Draw, and draws a 7 (the model is
loaded and predicts). Figure: RSS with 10 sessions; reference: with 1.
"""

from __future__ import annotations

import re
import time

from harness import browser as web
from harness.drawing import SEVEN
from harness.server import rss_bytes, running_app

from .common import result

FIGURE = "server RSS with 10 sessions (Home, Train, Draw with a prediction)"
TARGET = "<= 1.5 GB; < 30 MB per extra session"
SESSIONS = 10
MB = 1024 * 1024


def open_session(browser, url):
    """A tab that has been through Home, Train and Draw, kept open (its session stays alive)."""
    context, page = web.new_page(browser)
    page.goto(url)
    page.locator(web.SAMPLE_IMAGES).nth(web.SAMPLE_COUNT - 1).wait_for(state="visible", timeout=120_000)
    for title in ("Train", "Draw"):
        web.follow_sidebar_link(page, title)
        page.wait_for_url(re.compile(f"/{title.lower()}(\\?.*)?$"))  # the workspace link rides along: ?w=...
        web.wait_until_idle(page)
    page.get_by_role("heading", name="Train a model").wait_for(state="detached", timeout=60_000)
    canvas = page.locator(web.CANVAS)
    canvas.wait_for(state="visible", timeout=120_000)
    web.draw_strokes(page, canvas, SEVEN)
    page.get_by_role("heading", name="Prediction: 7", exact=True).wait_for(state="visible", timeout=120_000)
    return context


def settled_rss(pid: int, seconds: float = 3.0) -> int:
    """The RSS after a short pause, as the median of a few readings."""
    readings = []
    for _ in range(5):
        time.sleep(seconds / 5)
        readings.append(rss_bytes(pid))
    return sorted(readings)[len(readings) // 2]


def run(quick: bool = False) -> dict:
    missing = web.browser_missing()
    if missing:
        raise RuntimeError(missing)
    sessions = 3 if quick else SESSIONS
    with web.chromium() as browser, running_app() as server:
        contexts = [open_session(browser, server.url)]
        one = settled_rss(server.pid)
        contexts += [open_session(browser, server.url) for _ in range(sessions - 1)]
        many = settled_rss(server.pid)
        for context in contexts:
            context.close()
    per_extra = (many - one) / (sessions - 1)
    met = many <= 1.5 * 1024 * MB and per_extra < 30 * MB
    return result(
        FIGURE, many / MB, one / MB, many / one, TARGET, met, unit="MB",
        value_text=f"{many / MB:.0f} MB with {sessions} sessions ({per_extra / MB:+.1f} MB per extra session)",
        reference_text=f"{one / MB:.0f} MB with 1 session",
        ratio_text=f"{many / one:.2f}x",
        sessions=sessions, per_extra_session_mb=per_extra / MB,
    )


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
