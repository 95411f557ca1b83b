"""Japanese in a real browser: the browser's language picks it, charts draw it, the sidebar switch changes it."""

from harness.browser import SETTINGS_BUTTON, follow_sidebar_link, wait_until_idle
from mnist_demo.i18n.ja import CATALOG as JA

CHART_TITLES = "() => [...document.querySelectorAll('.js-plotly-plot svg .gtitle')].map(e => e.textContent)"


def test_japanese_browser_gets_japanese_charts(app_url, ja_page, tmp_path):
    from playwright.sync_api import expect

    page = ja_page
    assert page.evaluate("navigator.language") == "ja-JP"
    page.goto(f"{app_url}/data")
    wait_until_idle(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("データを見る")
    title = page.locator(".js-plotly-plot svg .gtitle", has_text=JA["data.per_class"])
    expect(title).to_be_visible()
    assert JA["data.per_class"] in page.evaluate(CHART_TITLES)
    legend = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot svg .legendtext')]"
                           ".map(e => e.textContent)")
    assert {JA["data.train"], JA["data.test"]} <= set(legend), legend
    box = title.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 8, box  # glyphs were laid out, not dropped
    wait_until_idle(page)
    page.wait_for_timeout(800)  # plotly's transition
    shot = tmp_path / "data-ja.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000


def test_sidebar_switch_changes_the_language(app_url, page):
    from playwright.sync_api import expect

    page.goto(f"{app_url}/train")
    wait_until_idle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Train a model")  # en-US browser
    page.locator(SETTINGS_BUTTON).click()  # language, data set
    page.locator(".st-key-lang label", has_text="日本語").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(JA["train.title"])
    expect(page.get_by_text(JA["train.normalize_on"])).to_be_visible()
    wait_until_idle(page)
    page.get_by_role("link", name=JA["frame.nav.data"]).click()  # the choice is kept when moving between pages
    expect(page.get_by_role("heading", level=1)).to_contain_text("データを見る")
    page.locator(SETTINGS_BUTTON).click()  # language, data set
    page.locator(".st-key-lang label", has_text="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Look at the data")


def test_after_page_switches_the_settings_show_the_learner_s_language_and_data_set(app_url, page):
    from playwright.sync_api import expect

    page.goto(app_url)
    wait_until_idle(page)
    for title in ("Train", "Draw", "Evaluate"):
        follow_sidebar_link(page, title)
    expect(page.get_by_text("and were predicted as")).to_be_visible(timeout=180_000)  # the page ran again
    page.locator(SETTINGS_BUTTON).click()
    expect(page.locator("[data-testid=stPopoverBody] [data-testid=stCode]")).to_contain_text("w=")
    expect(page.locator(".st-key-lang input[type=radio]")).to_have_count(2)
    checked = "els => els.map(e => e.checked)"
    assert page.locator(".st-key-lang input[type=radio]").evaluate_all(checked) == [False, True]  # English
    assert page.locator(".st-key-dataset input[type=radio]").evaluate_all(checked) == [True, False]  # MNIST
    page.locator(".st-key-lang label", has_text="日本語").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(JA["evaluate.title"])
