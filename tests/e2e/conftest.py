import os
from pathlib import Path

import pytest

from harness.browser import browser_missing, chromium, new_page
from harness.server import running_app

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """Every test in this folder drives a real browser (`-m "not browser"` leaves them out);
    a `pytestmark` here would not be honoured, pytest reads markers from test modules only."""
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def app_url():
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    env = {"MNIST_DEMO_MAX_TRAININGS": "2", "MNIST_DEMO_NEIGHBOUR_IMAGES": "2000", **os.environ}
    with running_app(env=env) as server:
        yield server.url


@pytest.fixture(scope="package")
def browser():
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    context, page = new_page(browser, "en-US", timeout_ms=60_000)
    yield page
    context.close()


@pytest.fixture
def ja_page(browser):
    context, page = new_page(browser, "ja-JP", timeout_ms=60_000)
    yield page
    context.close()
