"""Mouse-up to prediction shown, in a real browser against `streamlit run app.py` on loopback.

For each stroke: Clear the canvas (so no prediction is shown), draw a digit with the
mouse, and time in the page from the last mouse-up (a capture-phase listener) to the
first DOM mutation showing a "Prediction:" heading (a MutationObserver), both with
performance.now().

The reference, measured the same way in the same run, is the floor: a canvas-only Streamlit app
(`FLOOR_APP`, with the app's canvas settings) that answers with a heading computed from one
pixel, served with the app's own `.streamlit/config.toml`. It holds what the app cannot remove:
the component's 200 ms debounce after mouse-up (`Bc = 200` in streamlit_drawable_canvas' frontend
build), the PNG it encodes and sends, and one Streamlit rerun. The app's own part is the
difference. The server settings matter: with Streamlit's defaults, `runner.postScriptGC` runs a
full garbage collection after every script run, and it holds the GIL, so the run's messages wait
in the server until it is over.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from harness import browser as web
from harness.drawing import ONE, SEVEN, THREE, ZERO
from harness.server import ROOT, running_app
from mnist_demo.canvas import BACKGROUND_COLOR, CANVAS_SIZE, STROKE_COLOR, STROKE_WIDTH

from .common import median, percentile, result

FIGURE = "mouse-up -> prediction shown (browser)"
TARGET = "p50 <= 260 ms"
DEBOUNCE_MS = 200.0
DIGITS = [SEVEN, ONE, ZERO, THREE]

FLOOR_APP = f'''
import streamlit as st
from streamlit_drawable_canvas import st_canvas

generation = st.session_state.setdefault("generation", 0)
canvas = st_canvas(stroke_width={STROKE_WIDTH}, stroke_color={STROKE_COLOR!r}, background_color={BACKGROUND_COLOR!r},
                   width={CANVAS_SIZE}, height={CANVAS_SIZE}, drawing_mode="freedraw", return_image_data=True,
                   key=f"draw_canvas_{{generation}}")
if canvas.image_data is not None and canvas.image_data[..., :3].max() > 0:
    st.markdown(f"## Prediction: {{int(canvas.image_data[140, 140, 0]) % 10}}")
else:
    st.info({web.EMPTY_CANVAS_TEXT!r})
if st.button("Clear"):
    st.session_state.generation += 1
    st.rerun()
'''


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


def latencies_of(browser, path: str = "/draw", script: Path | None = None, count: int = 12) -> list[float]:
    """Milliseconds from mouse-up to the prediction heading, for `count` digits drawn on a fresh
    server of the app (or of `script`), after one warm-up digit."""
    with running_app(**({"script": script} if script else {})) as server:
        context, page = web.new_page(browser)
        page.goto(f"{server.url}{path}")
        web.wait_until_idle(page)
        page.locator(web.CANVAS).wait_for(state="visible")
        web.install_latency_probe(page)
        web.draw_and_time(page, DIGITS[0])  # warm-up stroke: the app's first prediction loads the model
        web.wait_until_idle(page)
        latencies = measure_strokes(page, count)
        context.close()
    return latencies


def run(quick: bool = False) -> dict:
    missing = web.browser_missing()
    if missing:
        raise RuntimeError(missing)
    count = 3 if quick else 12
    with web.chromium() as browser, tempfile.TemporaryDirectory() as folder:
        floor_app = Path(folder) / "canvas_only.py"
        floor_app.write_text(FLOOR_APP)
        shutil.copytree(ROOT / ".streamlit", Path(folder) / ".streamlit")  # the app's server settings
        floors = latencies_of(browser, "/", floor_app, count)
        latencies = latencies_of(browser, "/draw", count=count)
    p50, floor = median(latencies), median(floors)
    return result(
        FIGURE, p50, floor, p50 / floor, TARGET, p50 <= 260, unit="ms",
        value_text=f"p50 {p50:.0f} ms (p90 {percentile(latencies, 90):.0f} ms, n={len(latencies)})",
        reference_text=(f"a canvas-only app, same server settings: p50 {floor:.0f} ms "
                        f"(p90 {percentile(floors, 90):.0f} ms), of which the debounce {DEBOUNCE_MS:.0f} ms"),
        ratio_text=f"the app's own part {p50 - floor:+.0f} ms",
        latencies_ms=latencies, floor_latencies_ms=floors,
    )


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
