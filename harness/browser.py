"""Debian's Chromium through Playwright, the app's selectors, and drawing with the mouse.

Selectors and page probes are written once here for the tests, the benchmarks and the
screenshots. The probes are JavaScript the page runs itself, so a time is when the browser
showed something, not when a Playwright poll happened to look."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
]
VIEWPORT = {"width": 1400, "height": 1000}

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'
SAMPLE_IMAGES = "figure.digit-sample img"
SAMPLE_COUNT = 24
SETTINGS_BUTTON = "[data-testid=stSidebar] [data-testid=stPopoverButton]:visible"
SIDEBAR_NAV = '[data-testid="stSidebarNav"]'
EMPTY_CANVAS_TEXT = "Draw a digit on the canvas: the prediction appears here."
PREDICTION_HEADING = re.compile(r"^Prediction: \d$")


PLOT_POINTS = ("() => { const p = document.querySelector('.js-plotly-plot'); "
               "return p && p.data ? p.data[0].x.length : 0 }")  # points of the page's first chart's first curve


def canvas(key: str = "draw_canvas_") -> str:
    """The drawing surface of the canvas whose widget key starts with `key` (plain `canvas`
    matches three elements)."""
    return f'[class*="st-key-{key}"] canvas.upper-canvas'


CANVAS = canvas()


def prediction_shown_js(digit: int | None = None) -> str:
    """A JS expression: the page shows a "Prediction: <digit>" heading (any digit if None)."""
    text = "Prediction:" if digit is None else f"Prediction: {digit}"
    return f"[...document.querySelectorAll('h2')].some(h => h.textContent.trim().startsWith('{text}'))"


def browser_missing() -> str | None:
    """Why real-browser work cannot run here, or None when Chromium and Playwright are present."""
    if not Path(CHROMIUM).exists():
        return f"no {CHROMIUM}: apt-get install chromium (.ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    return None


@contextlib.contextmanager
def chromium():
    """A headless Chromium (Playwright's sync API); yields the browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, locale: str = "en-US", timeout_ms: float = 120_000):
    """(context, page) in a fresh browser context whose navigator.language is `locale`."""
    context = browser.new_context(viewport=VIEWPORT, locale=locale)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    return context, page


def wait_until_idle(page, timeout: float = 60_000) -> None:
    """Streamlit finished its script run and is connected."""
    page.wait_for_selector(IDLE, timeout=timeout)


def follow_sidebar_link(page, title: str) -> None:
    """Go to another page as a learner does, through the sidebar (a new page load would be a new session)."""
    page.locator(SIDEBAR_NAV).get_by_role("link", name=title, exact=True).click()
    wait_until_idle(page)


def choose_setting(page, key: str, label: str) -> None:
    """Open the sidebar's settings and pick `label` in its radio `key` ("lang", "dataset"). The
    popover's content is drawn when it first opens, with each radio at its first option for a
    moment: a click then would fall on what only looks chosen, so wait until the learner's link
    (drawn last) is there."""
    page.locator(SETTINGS_BUTTON).click()
    page.wait_for_function("() => /[?&]w=/.test(document.querySelector("
                           "'[data-testid=stPopoverBody] [data-testid=stCode]')?.innerText || '')")
    page.locator(f".st-key-{key} label", has_text=label).click()
    wait_until_idle(page)
    page.keyboard.press("Escape")


def mouse_path(box: dict, strokes, offset=(0, 0), step_px: float = 25.0):
    """The mouse actions that draw `strokes` (polylines in canvas pixels, shifted by `offset`)
    inside the element at `box`: ("move", x, y, steps), ("down",) and ("up",) tuples.
    One move step per ~`step_px` pixels, as a hand moves."""
    dx, dy = box["x"] + offset[0], box["y"] + offset[1]
    for stroke in strokes:
        (x0, y0), rest = stroke[0], stroke[1:]
        yield "move", x0 + dx, y0 + dy, 1
        yield ("down",)
        for (xa, ya), (xb, yb) in zip(stroke, rest, strict=False):
            yield "move", xb + dx, yb + dy, max(1, int(((xb - xa) ** 2 + (yb - ya) ** 2) ** 0.5 / step_px))
        yield ("up",)


HOVER = {"x": 10, "y": 200}  # away from the canvas toolbar, which catches the mouse in the top-right corner


def draw_strokes(page, canvas_locator, strokes, offset=(70, 50)) -> None:
    """Draw with the mouse, like a person (Playwright's sync API)."""
    canvas_locator.hover(position=HOVER)
    for action, *args in mouse_path(canvas_locator.bounding_box(), strokes, offset):
        if action == "move":
            page.mouse.move(args[0], args[1], steps=args[2])
        else:
            getattr(page.mouse, action)()


async def draw_strokes_async(page, canvas_locator, strokes, offset=(70, 50)) -> None:
    """`draw_strokes` for Playwright's async API."""
    await canvas_locator.hover(position=HOVER)
    for action, *args in mouse_path(await canvas_locator.bounding_box(), strokes, offset):
        if action == "move":
            await page.mouse.move(args[0], args[1], steps=args[2])
        else:
            await getattr(page.mouse, action)()


SHOWN_PROBE = """predicate => {
  const stamp = () => {
    if (window.__shownAt === undefined && predicate()) window.__shownAt = performance.timeOrigin + performance.now();
  };
  new MutationObserver(stamp).observe(document, {subtree: true, childList: true, attributes: true});
  document.addEventListener('load', stamp, true);
}"""


def stamp_when_shown(page, predicate: str) -> None:
    """From the next page load on, stamp the moment the JS expression `predicate` first holds:
    the page stamps itself on every DOM change and image load."""
    page.add_init_script(f"({SHOWN_PROBE})(() => ({predicate}))")


def shown_at(page, timeout_ms: float = 120_000) -> float:
    """Wall-clock time (as `time.time()`) of the stamp set up by `stamp_when_shown`."""
    page.wait_for_function("() => window.__shownAt !== undefined", timeout=timeout_ms)
    return page.evaluate("window.__shownAt") / 1000


LATENCY_PROBE = f"""() => {{
  if (window.__bench) return;
  window.__bench = {{up: null, shown: null}};
  window.addEventListener('mouseup', () => {{ window.__bench.up = performance.now(); window.__bench.shown = null; }},
                          true);
  new MutationObserver(() => {{
    if (window.__bench.up !== null && window.__bench.shown === null && {prediction_shown_js()}) {{
      window.__bench.shown = performance.now();
    }}
  }}).observe(document.body, {{subtree: true, childList: true, characterData: true}});
}}"""


def install_latency_probe(page) -> None:
    """Stamp every mouse-up (capture phase) and the first DOM change after it that shows a prediction."""
    page.evaluate(LATENCY_PROBE)


def draw_and_time(page, strokes, offset=(70, 50)) -> float:
    """Draw `strokes` on the canvas; milliseconds from the last mouse-up to the prediction heading
    (needs `install_latency_probe` on this page)."""
    page.evaluate("() => { window.__bench.up = null; window.__bench.shown = null; }")
    draw_strokes(page, page.locator(CANVAS), strokes, offset)
    page.wait_for_function("() => window.__bench.shown !== null", timeout=60_000)
    return page.evaluate("() => window.__bench.shown - window.__bench.up")


def prediction_visible(page) -> bool:
    return page.evaluate(f"() => {prediction_shown_js()}")
