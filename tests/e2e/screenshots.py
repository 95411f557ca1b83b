"""Regenerate the README's screenshots: `python -m tests.e2e.screenshots [DIR] [teacher]` (needs
chromium + data); with `teacher`, only the teacher page's two."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from harness.browser import (
    CANVAS,
    SAMPLE_IMAGES,
    chromium,
    draw_strokes,
    follow_sidebar_link,
    new_page,
    wait_until_idle,
)
from harness.drawing import SEVEN, U_SHAPE
from harness.server import ROOT, running_app
from mnist_demo.choices import CLASS_DEFAULTS
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
            shots.append(_inside_shot(page, server.url, lang, out / f"draw-inside{suffix}.png"))
            shots.append(_robustness_shot(page, server.url, lang, out / f"robustness{suffix}.png"))
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
        epochs = CLASS_DEFAULTS["epochs"]
        epoch_2 = text("train.progress", epoch=2, epochs=epochs, rate="", elapsed="", eta="").split(" · ")[0]
        expect(page.get_by_text(re.compile(re.escape(epoch_2))).first).to_be_visible()
        expect(page.locator(".js-plotly-plot").first).to_be_visible()
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


def _inside_shot(page, url: str, lang: str, path: Path) -> Path:
    """The Draw page's "Inside the model" expander, opened on a U the shipped model hesitates over
    (0 or 4, so both saliency maps show), once its neighbours are there."""
    from playwright.sync_api import expect

    page.goto(f"{url}/draw")
    wait_until_idle(page)
    draw_strokes(page, page.locator(CANVAS), U_SHAPE)
    prediction = translate("draw.prediction", lang, answer="", confidence="").splitlines()[0].lstrip("# ")
    expect(page.get_by_role("heading", name=re.compile(f"^{re.escape(prediction)}"))).to_be_visible()
    wait_until_idle(page)
    title = translate("draw.inside.title", lang)
    page.locator("summary").filter(has_text=title).click()
    neighbour = re.compile(r"^\d · \d\.\d\d$")
    expect(page.locator('[data-testid="stImage"]').filter(has_text=neighbour).first).to_be_visible()
    wait_until_idle(page)
    viewport = page.viewport_size
    page.set_viewport_size({"width": viewport["width"], "height": 4000})  # the whole expander in view
    wait_until_idle(page)
    page.wait_for_timeout(500)
    page.locator('[data-testid="stExpander"]').filter(has_text=title).screenshot(path=str(path))
    page.set_viewport_size(viewport)
    return path


def _robustness_shot(page, url: str, lang: str, path: Path) -> Path:
    """The robustness lab on the learner's drawing moved 3 pixels right, with the curves of a
    quick MLP (trained here) beside the shipped CNN."""
    from playwright.sync_api import expect

    page.goto(f"{url}/train?preset=mlp-64&epochs=1")
    wait_until_idle(page)
    page.locator(".st-key-train_start button").click()
    metric = translate("common.metric.test_accuracy", lang)
    expect(page.get_by_test_id("stMetricLabel").filter(has_text=metric)).to_be_visible(timeout=300_000)
    follow_sidebar_link(page, translate("frame.nav.draw", lang))
    draw_strokes(page, page.locator(CANVAS), SEVEN)
    prediction = translate("draw.prediction", lang, answer=7, confidence="").splitlines()[0].lstrip("# ")
    expect(page.get_by_role("heading", name=prediction)).to_be_visible()
    wait_until_idle(page)
    follow_sidebar_link(page, translate("frame.nav.robust", lang))
    for _ in range(3):
        page.locator(".st-key-robust_dx input").press("ArrowRight")
    expect(page.locator(".st-key-robust_dx [data-testid=stSliderThumbValue]")).to_have_text("3")
    expect(page.locator("[data-testid=stAlertContentInfo]")).to_be_visible(timeout=300_000)
    viewport = page.viewport_size
    page.set_viewport_size({"width": viewport["width"], "height": 1900})  # the curves in view too
    _shot(page, path)
    page.set_viewport_size(viewport)
    return path


def _shot(page, path: Path) -> Path:
    wait_until_idle(page)
    page.wait_for_timeout(800)  # let plotly finish its transition before the picture
    page.screenshot(path=str(path), full_page=True)
    return path


TEACHER_PASSCODE = "screenshots"
CLASS_EXERCISES = [  # five learners, five settings: the class's experiment on the teacher page
    "preset=mlp-64&epochs=1&normalize=1&learning_rate=0.001",
    "preset=mlp-64&epochs=1&normalize=0&learning_rate=0.001",
    "preset=mlp-64&epochs=2&normalize=1&learning_rate=0.01",
    "preset=mlp-64&epochs=6&normalize=1&learning_rate=0.0001",  # the last two train longer: the picture is
    "preset=mlp-64&epochs=6&normalize=0&learning_rate=0.01",  # taken while the class is still at work
]


def _metric_js(label: str) -> str:
    """JS: the value of the metric labelled `label` (a number), or -1."""
    return (f"([...document.querySelectorAll('[data-testid=stMetric]')].find(m => m.innerText.startsWith({label!r}))"
            "?.querySelector('[data-testid=stMetricValue]')?.innerText ?? -1) * 1")


def take_teacher_screenshot(out: Path = DOCS) -> list[Path]:
    """docs/teacher.png: the teacher page while five learners of one class train, one at a time,
    three of them tested; docs/teacher-projector.png: projector mode on the class's best run."""
    from playwright.sync_api import expect

    expect.set_options(timeout=180_000)
    env = {"MNIST_DEMO_TEACHER_PASSCODE": TEACHER_PASSCODE, "MNIST_DEMO_MAX_TRAININGS": "1"}
    with tempfile.TemporaryDirectory() as state, running_app(env={**env, "MNIST_DEMO_STATE_DIR": state}) as server, \
            chromium() as browser:
        learners, contexts = [], []
        for query in CLASS_EXERCISES:  # they join the class; they press Train once the teacher looks on
            learner_context, page = new_page(browser, "en-US")
            page.goto(f"{server.url}/train?class=7B&{query}")
            wait_until_idle(page)
            learners.append(page)
            contexts.append(learner_context)
        context, teacher = new_page(browser, "en-US")
        teacher.goto(f"{server.url}/teacher")
        wait_until_idle(teacher)
        teacher.get_by_label(translate("teacher.passcode", "en")).fill(TEACHER_PASSCODE)
        teacher.get_by_role("button", name=translate("teacher.enter", "en")).click()
        teacher.locator(".st-key-teacher_class [role=combobox]").click()
        teacher.get_by_role("option", name="7B", exact=True).click()
        wait_until_idle(teacher)
        for page in learners:
            page.locator(".st-key-train_start button").click()
        tested, training = translate("teacher.metric.finished", "en"), translate("teacher.metric.training", "en")
        teacher.wait_for_function(  # three runs tested, one training, one waiting: the page refreshes itself
            f"() => {_metric_js(tested)} >= 3 && {_metric_js(training)} == 1", timeout=300_000, polling=500)
        teacher.evaluate("document.activeElement?.blur()")  # no focus ring on the class picked
        teacher.set_viewport_size({"width": 1400, "height": 2900})  # the page down to the class's confusion matrix
        shots = [_shot(teacher, out / "teacher.png")]

        teacher.set_viewport_size({"width": 1600, "height": 2100})
        teacher.locator('[data-testid="stSidebar"]').hover()  # its collapse button shows on hover
        teacher.locator('[data-testid="stSidebarCollapseButton"] button').click()
        teacher.get_by_text(translate("teacher.projector", "en")).click()
        projected = teacher.locator(".st-key-projector")
        expect(projected.locator(".js-plotly-plot")).to_have_count(2)
        expect(projected.locator('[data-testid="stImage"] img')).to_be_visible()
        shots.append(_shot(teacher, out / "teacher-projector.png"))
        for learner_context in contexts:
            learner_context.close()
        context.close()
    return shots


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS
    only_teacher = "teacher" in sys.argv[2:]
    for path in [*([] if only_teacher else take_screenshots(target)), *take_teacher_screenshot(target)]:
        print(path)
