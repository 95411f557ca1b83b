"""Cold start: a new server until the Home page shows its sample digits and sidebar settings,
and a new server until the Draw page shows a prediction for a digit drawn on it. The browser,
and a tab with an empty cache, are opened beforehand; the clock starts when `streamlit run` is
launched and stops when the page itself stamps that it shows the result.

References from the same run: `python -c "import tensorflow"` alone, and the floor, a
one-line Streamlit app (`st.title`) started and opened the same way.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from harness import browser as web
from harness.drawing import SEVEN
from harness.server import APP, running_app

from .common import median, result, time_import_tensorflow

FIGURE = "cold start -> Home interactive / Draw with a prediction"
TARGET = "Home within 0.2 s of a one-line Streamlit app; Draw with a prediction <= 6 s"
HOME_MARGIN_S = 0.2


HOME_SHOWN = f"""(() => {{
  const digits = [...document.querySelectorAll('{web.SAMPLE_IMAGES}')];
  const settings = '[data-testid=stSidebar] [data-testid=stPopoverButton]';
  return digits.length === {web.SAMPLE_COUNT} && digits.every(img => img.complete && img.naturalWidth > 0)
    && [...document.querySelectorAll(settings)].some(b => b.offsetHeight > 0);
}})()"""
HELLO_SHOWN = "[...document.querySelectorAll('h1')].some(h => h.textContent.trim() === 'hello')"


def _seconds_to_shown(browser, shown: str, script: Path | None = None, path: str = "", act=None) -> float:
    """Launch a server (the app, or `script`) with a tab already open on an empty cache; open
    `path`, do `act(page)` if given, and time from the launch until the page stamps that the
    JS expression `shown` holds."""
    context, page = web.new_page(browser)
    web.stamp_when_shown(page, shown)
    with running_app(script=script or APP, poll=0.02) as server:
        launched = time.time() - (time.perf_counter() - server.started)  # the server stamps perf_counter
        page.goto(f"{server.url}{path}")
        if act is not None:
            act(page)
        seconds = web.shown_at(page) - launched
    context.close()
    return seconds


def cold_home(browser) -> float:
    """Until the 24 sample digits are decoded and the sidebar's settings button (language,
    data set) is on screen."""
    return _seconds_to_shown(browser, HOME_SHOWN)


def cold_bare_streamlit(browser) -> float:
    """The floor: a one-line Streamlit app, to the same harness. Nothing an app does can beat it."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "hello.py"
        script.write_text('import streamlit as st\nst.title("hello")\n')
        return _seconds_to_shown(browser, HELLO_SHOWN, script=script)


def _draw_a_seven(page) -> None:
    canvas = page.locator(web.CANVAS)
    canvas.wait_for(state="visible", timeout=120_000)
    web.draw_strokes(page, canvas, SEVEN)


def cold_draw(browser) -> float:
    return _seconds_to_shown(browser, web.prediction_shown_js(7), path="/draw", act=_draw_a_seven)


def _listed(seconds) -> str:
    return ", ".join(f"{s:.1f}" for s in seconds)


def run(quick: bool = False) -> dict:
    missing = web.browser_missing()
    if missing:
        raise RuntimeError(missing)
    repeats = 1 if quick else 5
    imports, floors, homes, draws = [], [], [], []
    time_import_tensorflow()  # warm the file cache, as the servers below will find it
    with web.chromium() as browser:
        for _ in range(repeats):
            imports.append(time_import_tensorflow())
            floors.append(cold_bare_streamlit(browser))
            homes.append(cold_home(browser))
            draws.append(cold_draw(browser))
    tf, floor, home, draw = median(imports), median(floors), median(homes), median(draws)
    return result(
        FIGURE, home, floor, home / floor, TARGET, home - floor <= HOME_MARGIN_S and draw <= 6, unit="s",
        value_text=f"Home {home:.2f} s; Draw {draw:.1f} s",
        reference_text=f"a one-line Streamlit app {floor:.2f} s; import tensorflow {tf:.1f} s",
        ratio_text=f"Home {home - floor:+.2f} s over the one-line app; Draw {draw / tf:.1f}x import tensorflow",
        note=f"medians of {repeats}: Home {_listed(homes)} s; Draw {_listed(draws)} s; "
             f"import tensorflow {_listed(imports)} s; one-line Streamlit app {_listed(floors)} s",
        bare_streamlit_seconds=floors, home_seconds=homes, draw_seconds=draws, import_tensorflow_seconds=imports,
        draw=draw,
    )


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
