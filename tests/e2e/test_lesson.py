"""A whole lesson in one browser, in the order a class walks it."""

import re

from harness.browser import CANVAS, PLOT_POINTS, choose_setting, draw_strokes, follow_sidebar_link, wait_until_idle
from harness.drawing import SEVEN
from mnist_demo.i18n.ja import CATALOG as JA


def _choose(page, key: str, option: str) -> None:
    page.locator(f".st-key-{key} [role=combobox]").click()
    page.get_by_role("option", name=re.compile(f"^{re.escape(option)}")).click()
    wait_until_idle(page)


def _slide_to_start(page, key: str, right: int = 0) -> None:
    """A slider to its first value (Home), then `right` steps up, with the keyboard."""
    page.locator(f'.st-key-{key} input[type="range"]').focus()
    page.keyboard.press("Home")
    for _ in range(right):
        page.keyboard.press("ArrowRight")
    wait_until_idle(page)


def test_a_lesson_from_home_to_fashion(app_url, page):
    from playwright.sync_api import expect

    # 1. Home
    page.goto(app_url)
    wait_until_idle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Learn deep learning with handwritten digits")
    expect(page.locator("figure.digit-sample img")).to_have_count(24)

    # 2. Train an MLP for two epochs and watch the chart grow
    follow_sidebar_link(page, "Train")
    _choose(page, "preset", "mlp-64")
    _slide_to_start(page, "epochs", right=1)
    page.locator(".st-key-train_start button").click()
    expect(page.get_by_text(re.compile(r"· training$"))).to_be_visible(timeout=60_000)
    first = page.wait_for_function(f"() => ({PLOT_POINTS})() || false", timeout=60_000).json_value()
    page.wait_for_function(f"n => ({PLOT_POINTS})() > n", arg=first, timeout=60_000)
    expect(page.get_by_test_id("stMetric").filter(has_text="Test accuracy")).to_be_visible(timeout=120_000)

    # 3. Draw and back: the settings are kept
    follow_sidebar_link(page, "Draw")
    follow_sidebar_link(page, "Train")
    expect(page.locator(".st-key-preset [role=combobox]")).to_have_value(re.compile("^mlp-64"))
    assert page.locator('.st-key-epochs input[type="range"]').input_value() == "2"

    # 4. The normalization experiment, and the sentence it prints
    follow_sidebar_link(page, "Compare")
    _choose(page, "exp_preset", "mlp-256-100")
    _slide_to_start(page, "exp_epochs")
    _slide_to_start(page, "exp_images", right=9)  # 10,000 images
    page.locator(".st-key-exp_start button").click()
    result = page.locator("[data-testid=stMarkdownContainer] p").filter(has_text=re.compile(r"^Result\."))
    expect(result).to_be_visible(timeout=240_000)
    assert len(re.findall(r"\d+\.\d+ ?%", result.inner_text())) == 2  # it states the two numbers it compares

    # 5. Draw a 7 and see 7
    follow_sidebar_link(page, "Draw")
    _choose(page, "draw_model", "Shipped MNIST model")
    canvas = page.locator(CANVAS)
    expect(canvas).to_be_visible()
    draw_strokes(page, canvas, SEVEN)
    expect(page.get_by_role("heading", name="Prediction: 7", exact=True)).to_be_visible(timeout=60_000)

    # 6. Evaluate, and a click on a confusion-matrix cell
    follow_sidebar_link(page, "Evaluate")
    _choose(page, "eval_model", "Shipped MNIST model")
    expect(page.get_by_text("and were predicted as")).to_be_visible(timeout=180_000)
    wait_until_idle(page)
    matrix = page.locator(".st-key-confusion .js-plotly-plot .nsewdrag").first
    matrix.scroll_into_view_if_needed()
    box = matrix.bounding_box()
    page.mouse.click(box["x"] + 3.5 * box["width"] / 10, box["y"] + 5.5 * box["height"] / 10)  # true 5, said 3
    expect(page.get_by_text(re.compile(r"test images are 5 and were predicted as 3"))).to_be_visible()

    # 7. 日本語
    choose_setting(page, "lang", "日本語")
    expect(page.get_by_role("heading", level=1)).to_have_text(JA["evaluate.title"])

    # 8. Fashion-MNIST: Draw follows
    choose_setting(page, "dataset", "Fashion-MNIST")
    follow_sidebar_link(page, JA["frame.nav.draw"])
    expect(page.get_by_role("heading", level=1)).to_have_text(JA["draw.title.fashion-mnist"])
    expect(page.get_by_text(JA["draw.empty.fashion-mnist"])).to_be_visible()
    shipped = JA["common.models.default"].format(dataset=JA["common.dataset.fashion-mnist"])
    expect(page.locator(".st-key-draw_model [role=combobox]")).to_have_value(re.compile(f"^{re.escape(shipped)}"))
    draw_strokes(page, page.locator(CANVAS), SEVEN)
    names = "|".join(re.escape(JA[f"common.class.fashion-mnist.{i}"]).replace("/", r"\/") for i in range(10))
    expect(page.get_by_role("heading", name=re.compile(f"^予測: ({names})$"))).to_be_visible(timeout=60_000)
