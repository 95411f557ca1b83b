"""Two app servers, one class: replicas on two ports share one PostgreSQL and one state folder, so a
learner whose connection lands on the other replica finds everything, sees a training grow there
while the first replica trains it, and can stop it from there."""

import re
import tempfile

import pytest

from harness.browser import PLOT_POINTS, new_page, wait_until_idle
from harness.server import running_app

from .test_workspace import _train

pytestmark = pytest.mark.postgres


def test_a_learner_finds_their_runs_on_the_other_replica_and_sees_a_training_there_live(postgres_url, browser):
    from playwright.sync_api import expect

    with tempfile.TemporaryDirectory() as state:
        env = {"MNIST_DEMO_STATE_DIR": state, "MNIST_DEMO_DATABASE_URL": postgres_url}
        with running_app(env=env) as one, running_app(env=env) as two:
            context_one, on_one = new_page(browser, timeout_ms=120_000)
            context_two, on_two = new_page(browser, timeout_ms=120_000)
            try:
                _train(on_one, one.url, epochs=20)  # a new learner, training on replica 1
                expect(on_one.get_by_text(re.compile(r"· training$"))).to_be_visible(timeout=60_000)
                link = on_one.url.split("?", 1)[1]

                on_two.goto(f"{two.url}/train?{link}")  # the same learner's link, landing on replica 2
                wait_until_idle(on_two)
                expect(on_two.get_by_text(re.compile(r"· training$"))).to_be_visible(timeout=60_000)
                on_two.wait_for_function(f"() => ({PLOT_POINTS})() > 2", timeout=60_000)
                seen = on_two.evaluate(PLOT_POINTS)
                on_two.wait_for_function(f"n => ({PLOT_POINTS})() > n", arg=seen, timeout=60_000)  # it grows there

                on_two.locator(".st-key-train_stop button").click()  # stopped from the replica that does not train it
                expect(on_two.get_by_text(re.compile(r"Stopped early"))).to_be_visible(timeout=60_000)
                expect(on_one.get_by_text(re.compile(r"Stopped early"))).to_be_visible(timeout=60_000)

                on_two.reload()
                wait_until_idle(on_two)
                expect(on_two.get_by_text(re.compile(r"· stopped$"))).to_be_visible()
                expect(on_two.get_by_test_id("stMetric").filter(has_text="Test accuracy")).to_be_visible()
                on_two.locator(".st-key-save_name input").fill("from two")  # its model file is in the shared folder
                on_two.get_by_role("button", name="Save", exact=True).click()
                expect(on_two.get_by_text("Saved as from two in your workspace")).to_be_visible()
            finally:
                context_one.close()
                context_two.close()
