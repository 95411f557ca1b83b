import os

import pytest

from .server import CHROMIUM, CHROMIUM_ARGS, browser_missing, running_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="package")
def app_url():
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    with running_app(env={"MNIST_DEMO_MAX_TRAININGS": "2", **os.environ}) as url:
        yield url


@pytest.fixture(scope="package")
def browser():
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page(browser, locale: str):
    """A page in a fresh browser context whose navigator.language is `locale` (the app's default language)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


@pytest.fixture
def page(browser):
    context, page = _page(browser, "en-US")
    yield page
    context.close()


@pytest.fixture
def ja_page(browser):
    context, page = _page(browser, "ja-JP")
    yield page
    context.close()
