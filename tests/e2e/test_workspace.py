"""A learner's workspace in a real browser: settings, runs and models survive page visits, reloads and a
server restart, and stay the learner's own."""

import re
import tempfile

from harness.browser import PLOT_POINTS, follow_sidebar_link, new_page, wait_until_idle
from harness.server import running_app

RAW = re.compile("^Raw pixels 0-255 go in")


def _goto(page, url: str, path: str) -> None:
    """Open a page of the app as the same learner: with the link (?w=...) the page's URL has, if any."""
    query = page.url.split("?", 1)[1] if "?" in page.url else ""
    page.goto(f"{url}/{path}" + (f"?{query}" if query else ""))
    wait_until_idle(page)


def _set_epochs(page, epochs: int) -> None:
    """Move the epochs slider with the keyboard, as a learner can: Home is 1, then Right arrows."""
    slider = page.locator('.st-key-epochs input[type="range"]')
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(epochs - 1):
        page.keyboard.press("ArrowRight")
    wait_until_idle(page)


def _epochs(page) -> int:
    return int(page.locator('.st-key-epochs input[type="range"]').input_value())


def _train(page, url: str, epochs: int) -> None:
    _goto(page, url, "train")
    _set_epochs(page, epochs)
    page.locator(".st-key-train_start button").click()


def test_settings_survive_a_visit_to_another_page_and_a_reload(app_url, page):
    from playwright.sync_api import expect

    page.goto(f"{app_url}/train")
    wait_until_idle(page)
    page.locator(".st-key-kind label", has_text="CNN").click()
    wait_until_idle(page)
    _set_epochs(page, 4)
    page.locator(".st-key-normalize label").click()  # normalization off
    expect(page.get_by_text(RAW)).to_be_visible()
    wait_until_idle(page)
    follow_sidebar_link(page, "Draw")
    expect(page.get_by_role("heading", level=1)).to_have_text("Draw a digit")
    follow_sidebar_link(page, "Train")
    expect(page.get_by_text(RAW)).to_be_visible()
    assert _epochs(page) == 4
    expect(page.locator(".st-key-kind input[type=radio]:checked")).to_have_count(1)
    assert "CNN" in page.locator(".st-key-kind label:has(input:checked)").inner_text()
    assert re.search(r"[?&]w=", page.url)  # the link is in the URL
    page.reload()
    wait_until_idle(page)
    expect(page.get_by_text(RAW)).to_be_visible()
    assert _epochs(page) == 4


def test_a_reload_mid_training_finds_the_run_still_growing_then_its_result(app_url, page):
    from playwright.sync_api import expect

    _train(page, app_url, epochs=8)  # long enough that the Stop below lands mid-run on a slow machine
    expect(page.get_by_text(re.compile(r"· training$"))).to_be_visible(timeout=60_000)
    page.wait_for_function(f"() => ({PLOT_POINTS})() > 5", timeout=60_000)
    page.reload()
    wait_until_idle(page)
    expect(page.get_by_text(re.compile(r"· training$"))).to_be_visible()
    seen = page.wait_for_function(f"() => ({PLOT_POINTS})() || false").json_value()
    page.wait_for_function(f"n => ({PLOT_POINTS})() > n", arg=seen, timeout=30_000)  # it goes on growing
    page.locator(".st-key-train_stop button").click()
    expect(page.get_by_text(re.compile(r"Stopped early"))).to_be_visible(timeout=60_000)
    page.reload()
    wait_until_idle(page)
    expect(page.get_by_text(re.compile(r"Stopped early"))).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Test accuracy")).to_be_visible()


def _finish_a_short_run(page, url: str) -> None:
    from playwright.sync_api import expect

    _goto(page, url, "train")
    page.locator(".st-key-preset [role=combobox]").click()
    page.get_by_role("option", name=re.compile("^mlp-64")).click()
    wait_until_idle(page)
    _set_epochs(page, 1)
    slider = page.locator('.st-key-train_images input[type="range"]')
    slider.focus()
    page.keyboard.press("Home")  # 1,000 images
    wait_until_idle(page)
    page.locator(".st-key-train_start button").click()
    expect(page.get_by_text(re.compile(r"· finished$"))).to_be_visible(timeout=120_000)
    expect(page.locator(".st-key-save_name input")).to_be_visible(timeout=60_000)
    wait_until_idle(page)


def _save(page, name: str) -> None:
    page.locator(".st-key-save_name input").fill(name)
    page.get_by_role("button", name="Save", exact=True).click()
    wait_until_idle(page)


def _draw_choices(page, url: str) -> list[str]:
    _goto(page, url, "draw")
    page.locator(".st-key-draw_model [role=combobox]").click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return options


def test_two_learners_see_only_their_own_models_and_names_never_collide(app_url, browser):
    from playwright.sync_api import expect

    alice_context, alice = new_page(browser, timeout_ms=120_000)
    bob_context, bob = new_page(browser, timeout_ms=120_000)
    try:
        _finish_a_short_run(alice, app_url)
        _save(alice, "alice")
        expect(alice.get_by_text("Saved as alice in your workspace")).to_be_visible()
        _save(alice, "alice")  # the same name again: asked first
        expect(alice.get_by_text("You already have a model called alice")).to_be_visible()
        alice.get_by_role("button", name="Keep the old one").click()
        expect(alice.get_by_text("You already have a model called alice")).to_have_count(0)

        assert not any(c.startswith("Saved: alice") for c in _draw_choices(bob, app_url))
        _finish_a_short_run(bob, app_url)
        _save(bob, "alice")
        expect(bob.get_by_text("Saved as alice in your workspace")).to_be_visible()  # bob's own alice

        alice_choices = _draw_choices(alice, app_url)
        assert sum(c.startswith("Saved: alice ") for c in alice_choices) == 1
        bob_choices = _draw_choices(bob, app_url)
        assert sum(c.startswith("Saved: alice ") for c in bob_choices) == 1
        alice_runs = [c for c in alice_choices if c.startswith("Your run")]
        bob_runs = [c for c in bob_choices if c.startswith("Your run")]
        assert len(alice_runs) >= 1 and len(bob_runs) == 1  # bob sees one run: his, not alice's
    finally:
        alice_context.close()
        bob_context.close()


def test_a_server_restart_keeps_runs_and_models_and_says_which_run_it_interrupted(page):
    from playwright.sync_api import expect

    with tempfile.TemporaryDirectory() as state:
        env = {"MNIST_DEMO_STATE_DIR": state}
        with running_app(env=env) as server:
            _finish_a_short_run(page, server.url)
            _save(page, "kept")
            expect(page.get_by_text("Saved as kept in your workspace")).to_be_visible()
            link = page.url.split("?", 1)[1]
            _train(page, server.url, epochs=20)
            expect(page.get_by_text(re.compile(r"· training$"))).to_be_visible(timeout=60_000)
            page.wait_for_function(f"() => ({PLOT_POINTS})() > 5", timeout=60_000)
        with running_app(env=env) as server:  # the same state folder, a new server
            page.goto(f"{server.url}/train?{link}")
            wait_until_idle(page)
            expect(page.get_by_text(re.compile(r"· interrupted$"))).to_be_visible()
            expect(page.get_by_text(re.compile("This run was interrupted"))).to_be_visible()
            page.wait_for_function(f"() => ({PLOT_POINTS})() > 5")  # its curve up to the interruption
            choices = _draw_choices(page, server.url)
            assert any(c.startswith("Saved: kept ") for c in choices)
            assert any(c.startswith("Your run #1") for c in choices)
