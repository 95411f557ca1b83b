"""Mouse-up to prediction shown, in a real browser against `streamlit run app.py` on loopback.

For each stroke: Clear the canvas (so no prediction is shown), draw a digit with the
mouse, and time in the page from the last mouse-up (a capture-phase listener) to the
first DOM mutation showing a "Prediction:" heading (a MutationObserver), both with
performance.now(). The reference is the canvas component's own 200 ms debounce
(`Bc = 200` in streamlit_drawable_canvas' frontend build): the part of the latency
that the app cannot remove.
"""

from __future__ import annotations

from harness import browser as web
from harness.drawing import ONE, SEVEN, THREE, ZERO
from harness.server import running_app

from .common import median, percentile, result

FIGURE = "mouse-up -> prediction shown (browser)"
TARGET = "p50 <= 260 ms"
DEBOUNCE_MS = 200.0
DIGITS = [SEVEN, ONE, ZERO, THREE]


def clear(page) -> None:
    from playwright.sync_api import expect

    if web.prediction_visible(page):
        page.get_by_role("button", name="Clear").click()
    expect(page.get_by_text(web.EMPTY_CANVAS_TEXT)).to_be_visible(timeout=60_000)
    web.wait_until_idle(page)
    page.wait_for_function(f"() => !{web.prediction_shown_js()}")


def measure_strokes(page, count: int) -> list[float]:
    latencies = []
    web.install_latency_probe(page)
    for i in range(count):
        clear(page)
        latencies.append(web.draw_and_time(page, DIGITS[i % len(DIGITS)]))
        web.wait_until_idle(page)
    return latencies


def run(quick: bool = False) -> dict:
    missing = web.browser_missing()
    if missing:
        raise RuntimeError(missing)
    count = 3 if quick else 12
    with web.chromium() as browser, running_app() as server:
        context, page = web.new_page(browser)
        page.goto(f"{server.url}/draw")
        web.wait_until_idle(page)
        page.locator(web.CANVAS).wait_for(state="visible")
        web.install_latency_probe(page)
        web.draw_and_time(page, DIGITS[0])  # warm-up stroke: the first prediction loads the model
        web.wait_until_idle(page)
        latencies = measure_strokes(page, count)
        context.close()
    p50 = median(latencies)
    return result(
        FIGURE, p50, DEBOUNCE_MS, p50 / DEBOUNCE_MS, TARGET, p50 <= 260, unit="ms",
        value_text=f"p50 {p50:.0f} ms (p90 {percentile(latencies, 90):.0f} ms, n={len(latencies)})",
        reference_text=f"canvas debounce {DEBOUNCE_MS:.0f} ms (constant)",
        ratio_text=f"{p50 / DEBOUNCE_MS:.2f}x the debounce",
        latencies_ms=latencies,
    )


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
