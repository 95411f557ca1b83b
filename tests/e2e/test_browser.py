"""What only a real browser shows: drawing on the canvas, and charts that grow while training."""

import re

import pytest

from harness.browser import CANVAS, EMPTY_CANVAS_TEXT, PLOT_POINTS, draw_strokes, wait_until_idle
from harness.drawing import ONE, SEVEN


@pytest.mark.parametrize("strokes, digit", [(SEVEN, 7), (ONE, 1)])
def test_drawing_a_digit_shows_its_prediction(app_url, page, strokes, digit):
    from playwright.sync_api import expect

    page.goto(f"{app_url}/draw")
    wait_until_idle(page)
    canvas = page.locator(CANVAS)
    expect(canvas).to_be_visible()
    expect(page.get_by_text(EMPTY_CANVAS_TEXT)).to_be_visible()
    draw_strokes(page, canvas, strokes)
    expect(page.get_by_role("heading", name=f"Prediction: {digit}", exact=True)).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    expect(page.locator(".js-plotly-plot")).to_have_count(1)

    page.get_by_role("button", name="Clear").click()
    expect(page.get_by_text(EMPTY_CANVAS_TEXT)).to_be_visible()


def test_training_chart_grows_and_stop_stops_it(app_url, page):
    from playwright.sync_api import expect

    page.goto(f"{app_url}/train")
    wait_until_idle(page)
    page.locator(".st-key-train_start button").click()
    expect(page.get_by_text(re.compile(r"· training$"))).to_be_visible(timeout=60_000)

    # Each wait returns the chart's point count once it exceeds the last one seen; the chart is
    # redrawn in place, so a read in the middle of a redraw may briefly find no chart at all.
    grown = f"n => {{ const c = ({PLOT_POINTS})(); return c > n ? c : false }}"
    seen = [0]
    for _ in range(3):
        seen.append(page.wait_for_function(grown, arg=seen[-1], timeout=30_000).json_value())
    assert seen == sorted(seen) and len(set(seen)) == 4, seen

    page.locator(".st-key-train_stop button").click()
    # The run stops at its next batch; under a loaded machine its thread (nice 10) may wait long for one.
    expect(page.get_by_text(re.compile(r"· stopped$"))).to_be_visible(timeout=90_000)
    expect(page.get_by_text(re.compile(r"Stopped early \(stopped by user\)"))).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    points = f"() => ({PLOT_POINTS})() || false"
    final = page.wait_for_function(points).json_value()
    page.wait_for_timeout(1500)  # the only fixed wait: proving that nothing more arrives
    assert page.wait_for_function(points).json_value() == final
    expect(page.locator(".st-key-train_start button")).to_be_enabled()


def _second_most_confused_cell() -> tuple[int, int]:
    """A cell that holds images but is not the page's default (the largest confusion)."""
    import numpy as np

    from mnist_demo.data import load_dataset
    from mnist_demo.evaluate import evaluate
    from mnist_demo.predict import Predictor
    from mnist_demo.storage import default_model_path

    ds = load_dataset("mnist")
    confusion = evaluate(Predictor.load(default_model_path()), ds.x_test, ds.y_test).confusion.copy()
    np.fill_diagonal(confusion, -1)
    order = np.argsort(confusion, axis=None)[::-1]
    true_class, predicted = np.unravel_index(order[1], confusion.shape)
    assert confusion[true_class, predicted] > 0
    return int(true_class), int(predicted)


def test_clicking_a_confusion_matrix_cell_shows_its_images(app_url, page):
    from playwright.sync_api import expect

    true_class, predicted = _second_most_confused_cell()
    page.goto(f"{app_url}/evaluate")
    expect(page.get_by_text("and were predicted as")).to_be_visible(timeout=180_000)  # 10,000 predictions first
    wait_until_idle(page)
    cell_text = page.get_by_text(re.compile(rf"test images are {true_class} and were predicted as {predicted}"))
    expect(cell_text).to_have_count(0)
    matrix = page.locator(".st-key-confusion .js-plotly-plot .nsewdrag").first
    expect(matrix).to_be_visible()
    matrix.scroll_into_view_if_needed()
    box = matrix.bounding_box()
    cell_width, cell_height = box["width"] / 10, box["height"] / 10
    page.mouse.click(box["x"] + (predicted + 0.5) * cell_width, box["y"] + (true_class + 0.5) * cell_height)
    expect(cell_text).to_be_visible()
    wait_until_idle(page)
    images = page.locator(".st-key-cell_images img")
    expect(images.first).to_be_visible()
    assert images.count() >= 1
