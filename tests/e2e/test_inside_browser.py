"""The Draw page's inside view in a real browser: draw a digit, open the view, pick a filter, see its map."""

import re

from harness.browser import CANVAS, draw_strokes, follow_sidebar_link, wait_until_idle
from harness.drawing import SEVEN

INSIDE = "Inside the model: what each layer made of this drawing"


def _image_loaded(page, caption: str) -> bool:
    """The picture above `caption` has arrived and has a size (a broken image has none)."""
    return page.evaluate(
        """caption => [...document.querySelectorAll('[data-testid="stImage"]')].some(box =>
            box.textContent.trim() === caption && box.querySelector('img')?.complete
            && box.querySelector('img').naturalWidth > 0)""", caption)


def test_draw_open_the_inside_view_pick_a_filter_and_see_its_map(app_url, page):
    from playwright.sync_api import expect

    page.goto(f"{app_url}/draw")
    wait_until_idle(page)
    draw_strokes(page, page.locator(CANVAS), SEVEN)
    expect(page.get_by_role("heading", name="Prediction: 7", exact=True)).to_be_visible(timeout=30_000)
    wait_until_idle(page)

    page.locator("summary").filter(has_text=INSIDE).click()
    expect(page.get_by_role("heading", name="Layer by layer", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("What makes it a 7", exact=True)).to_be_visible()
    # While the model's neighbour index is built its progress is redrawn every second, and a
    # redraw closes an open dropdown: pick the filter once the neighbours are there.
    expect(page.get_by_text(re.compile(r"among [\d,]+ training images"))).to_be_visible(timeout=120_000)
    wait_until_idle(page)

    picker = page.locator(".st-key-draw_inside_unit input")
    picker.click()
    picker.fill("Filter 5")  # typing opens the list whether or not the click did
    page.get_by_role("option", name="Filter 5", exact=True).click()
    kernel = "Filter 5's kernel (light: positive weights, dark: negative)"
    expect(page.get_by_text(kernel, exact=True)).to_be_visible(timeout=30_000)
    fires = page.get_by_text(re.compile(r"^Where 5 fires on this drawing \(strength \d+\.\d\d\)$"))
    expect(fires).to_be_visible()
    wait_until_idle(page)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stImage"]')].some(box =>
            /^Where 5 fires/.test(box.textContent.trim()) && box.querySelector('img')?.naturalWidth > 0)""")
    assert _image_loaded(page, kernel)


def _changed_picture(page) -> str:
    """The address of the distorted digit's picture (a data URL or a media link: new when it changes)."""
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid="stImage"]')]
        .find(box => box.textContent.trim() === 'Changed')?.querySelector('img')?.src || ''""")


def test_the_robustness_lab_turns_the_drawing_and_says_what_the_model_now_reads(app_url, page):
    from playwright.sync_api import expect

    page.goto(f"{app_url}/draw")
    wait_until_idle(page)
    draw_strokes(page, page.locator(CANVAS), SEVEN)
    expect(page.get_by_role("heading", name="Prediction: 7", exact=True)).to_be_visible(timeout=30_000)
    follow_sidebar_link(page, "Robustness")
    expect(page.get_by_text(re.compile(r"^It still reads 7, at \d+%"))).to_be_visible(timeout=30_000)
    expect(page.locator(".st-key-robust_source label").filter(has_text="My last drawing").locator("input"))\
        .to_be_checked()
    unchanged = _changed_picture(page)

    page.locator(".st-key-robust_rotation input").press("End")  # turned by 90 degrees
    expect(page.locator(".st-key-robust_rotation [data-testid=stSliderThumbValue]")).to_have_text("90")
    page.wait_for_function("""old => [...document.querySelectorAll('[data-testid="stImage"]')]
        .some(box => box.textContent.trim() === 'Changed' && box.querySelector('img')?.src !== old)""",
                           arg=unchanged, timeout=30_000)
    expect(page.get_by_text(re.compile(r"^(It still reads 7|Now it reads \d at \d+%\. Before the change it read 7)")))\
        .to_be_visible()
    expect(page.get_by_text(re.compile(r"^Shipped MNIST model: \d+% unmoved"))).to_be_visible(timeout=120_000)
    expect(page.locator(".js-plotly-plot")).to_have_count(2)  # the probabilities and the curves
