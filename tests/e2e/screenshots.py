"""Regenerate the README's screenshots: `python -m tests.e2e.screenshots` (needs chromium + data)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from ..strokes import SEVEN
from .server import CHROMIUM, CHROMIUM_ARGS, ROOT, draw_strokes, running_app, wait_until_idle

DOCS = ROOT / "docs"


def take_screenshots(out: Path = DOCS) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=120_000)
    out.mkdir(exist_ok=True)
    shots = []
    data = os.environ.get("MNIST_DEMO_DATA_DIR") or str(ROOT.parent / "shared" / "data")
    with running_app(env={"MNIST_DEMO_DATA_DIR": data}) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)

        page.goto(url)
        wait_until_idle(page)
        expect(page.get_by_test_id("stImage").first).to_be_visible()
        shots.append(_shot(page, out / "home.png"))

        page.goto(f"{url}/train")
        wait_until_idle(page)
        page.locator(".st-key-train_start button").click()
        expect(page.get_by_text(re.compile(r"Epoch 4/20"))).to_be_visible()
        shots.append(_shot(page, out / "train.png"))
        page.locator(".st-key-train_stop button").click()
        expect(page.get_by_text(re.compile(r"· stopped$"))).to_be_visible()

        page.goto(f"{url}/draw")
        wait_until_idle(page)
        canvas = page.locator('[class*="st-key-draw_canvas_0"] canvas.upper-canvas')
        draw_strokes(page, canvas, [[(x + 70, y + 50) for x, y in stroke] for stroke in SEVEN])
        expect(page.get_by_role("heading", name="Prediction: 7")).to_be_visible()
        shots.append(_shot(page, out / "draw.png"))
        browser.close()
    return shots


def _shot(page, path: Path) -> Path:
    wait_until_idle(page)
    page.wait_for_timeout(800)  # let plotly finish its transition before the picture
    page.screenshot(path=str(path), full_page=True)
    return path


if __name__ == "__main__":
    for path in take_screenshots(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS):
        print(path)
