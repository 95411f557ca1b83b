"""Regenerate the README's screenshots: `python -m tests.e2e.screenshots` (needs chromium + data)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from harness.browser import CANVAS, SAMPLE_IMAGES, chromium, draw_strokes, new_page, wait_until_idle
from harness.drawing import SEVEN
from harness.server import ROOT, running_app
from mnist_demo.i18n import translate

DOCS = ROOT / "docs"


LANGUAGES = {"en": ("en-US", ""), "ja": ("ja-JP", "-ja")}  # browser locale, file-name suffix
PAGES = ["home", "train", "draw", "evaluate", "compare", "data"]


def take_screenshots(out: Path = DOCS, languages=tuple(LANGUAGES)) -> list[Path]:
    """docs/<page>.png in English and docs/<page>-ja.png in Japanese; the browser's language picks the app's."""
    from playwright.sync_api import expect

    expect.set_options(timeout=120_000)
    out.mkdir(exist_ok=True)
    shots = []
    with running_app() as server, chromium() as browser:
        for lang in languages:
            locale, suffix = LANGUAGES[lang]
            context, page = new_page(browser, locale)
            for name in PAGES:
                shots.append(_page_shot(page, server.url, name, lang, out / f"{name}{suffix}.png"))
            context.close()
    return shots


def _page_shot(page, url: str, name: str, lang: str, path: Path) -> Path:
    from playwright.sync_api import expect

    def text(key, **values):
        return translate(key, lang, **values)

    page.goto(url if name == "home" else f"{url}/{name}")  # the default page lives at "/"
    wait_until_idle(page)
    if name == "home":
        expect(page.locator(SAMPLE_IMAGES).last).to_be_visible()
    elif name == "train":
        page.locator(".st-key-train_start button").click()
        epoch_4 = text("train.progress", epoch=4, epochs=20, rate="", elapsed="", eta="").split(" · ")[0]
        expect(page.get_by_text(re.compile(re.escape(epoch_4))).first).to_be_visible()
        _shot(page, path)
        page.locator(".st-key-train_stop button").click()
        expect(page.get_by_text(re.compile(re.escape("· " + text("common.state.stopped")) + "$"))).to_be_visible()
        return path
    elif name == "draw":
        draw_strokes(page, page.locator(CANVAS), SEVEN)
        heading = text("draw.prediction", answer=7, confidence="").splitlines()[0].lstrip("# ")
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    elif name == "evaluate":
        expect(page.get_by_test_id("stMetric").first).to_be_visible()
        expect(page.locator(".js-plotly-plot")).to_have_count(2)
    elif name == "compare":
        expect(page.get_by_text(text("compare.experiment_intro"))).to_be_visible()
    else:
        expect(page.locator(".js-plotly-plot").first).to_be_visible()
    return _shot(page, path)


def _shot(page, path: Path) -> Path:
    wait_until_idle(page)
    page.wait_for_timeout(800)  # let plotly finish its transition before the picture
    page.screenshot(path=str(path), full_page=True)
    return path


if __name__ == "__main__":
    for path in take_screenshots(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS):
        print(path)
