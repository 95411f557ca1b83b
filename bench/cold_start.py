"""Cold start: a new server until the Home page shows its sample digits, and a new server until
the Draw page shows a prediction for a digit drawn on it. The browser is started beforehand;
the clock starts when `streamlit run app.py` is launched. Reference: `python -c "import tensorflow"`
alone, timed as a subprocess in the same run.
"""

from __future__ import annotations

import time

from tests.strokes import SEVEN

from . import app_server as srv
from .common import median, result, time_import_tensorflow

FIGURE = "cold start -> Home interactive / Draw with a prediction"
TARGET = "Home <= 2 s; Draw with a prediction <= 6 s"


def cold_home(browser) -> float:
    with srv.app_server() as (url, _proc, started):
        context, page = srv.new_page(browser)
        page.goto(url)
        page.locator(srv.SAMPLE_IMAGES).nth(srv.SAMPLE_COUNT - 1).wait_for(state="visible", timeout=120_000)
        seconds = time.perf_counter() - started
        context.close()
    return seconds


def cold_draw(browser) -> float:
    from tests.e2e.server import draw_strokes

    with srv.app_server() as (url, _proc, started):
        context, page = srv.new_page(browser)
        page.goto(f"{url}/draw")
        canvas = page.locator(srv.CANVAS)
        canvas.wait_for(state="visible", timeout=120_000)
        draw_strokes(page, canvas, [[(x + 70, y + 50) for x, y in stroke] for stroke in SEVEN])
        page.get_by_role("heading", name="Prediction: 7", exact=True).wait_for(state="visible", timeout=120_000)
        seconds = time.perf_counter() - started
        context.close()
    return seconds


def run(quick: bool = False) -> dict:
    missing = srv.browser_missing()
    if missing:
        raise RuntimeError(missing)
    repeats = 1 if quick else 3
    imports, homes, draws = [], [], []
    time_import_tensorflow()  # warm the file cache, as the servers below will find it
    with srv.chromium() as browser:
        for _ in range(repeats):
            imports.append(time_import_tensorflow())
            homes.append(cold_home(browser))
            draws.append(cold_draw(browser))
    tf, home, draw = median(imports), median(homes), median(draws)
    return result(
        FIGURE, home, tf, home / tf, TARGET, home <= 2 and draw <= 6, unit="s",
        value_text=f"Home {home:.1f} s; Draw {draw:.1f} s",
        reference_text=f"import tensorflow {tf:.1f} s",
        ratio_text=f"Home {home / tf:.1f}x; Draw {draw / tf:.1f}x",
        note=f"medians of {repeats}: Home {', '.join(f'{s:.1f}' for s in homes)} s; "
             f"Draw {', '.join(f'{s:.1f}' for s in draws)} s; import tensorflow {', '.join(f'{s:.1f}' for s in imports)} s",
        home_seconds=homes, draw_seconds=draws, import_tensorflow_seconds=imports, draw=draw,
    )


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
