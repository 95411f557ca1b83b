"""A cold server whose first visitor follows a deep link still renders the page inside the app's frame."""

from harness.browser import SIDEBAR_NAV, wait_until_idle
from harness.server import running_app


def test_a_cold_deep_link_to_train_renders_inside_the_frame(page):
    from playwright.sync_api import expect

    with running_app() as server:  # a server of its own: nobody has opened any page on it yet
        page.goto(f"{server.url}/train")
        wait_until_idle(page, timeout=120_000)
        expect(page.get_by_role("heading", level=1)).to_have_text("Train a model")
        nav = page.locator(SIDEBAR_NAV)
        expect(nav.get_by_role("link", name="Draw", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_have_count(1)  # the page once, not bare and framed
