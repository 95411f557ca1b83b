"""The teacher page in a real browser: two learners' runs appear and grow there live, projector
mode shows one of them large as it trains, its QR code is the exercise link, and a learner
without the passcode reaches nothing of the class."""

import io
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest

from harness.browser import new_page, wait_until_idle
from harness.server import running_app

PASSCODE = "kestrel-7-maple"
NOW_TABLE = '[data-testid="stTable"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server with a teacher passcode, and the state folder it keeps the class in."""
    state = tmp_path_factory.mktemp("teacher-state")
    env = {"MNIST_DEMO_TEACHER_PASSCODE": PASSCODE, "MNIST_DEMO_MAX_TRAININGS": "2", "MNIST_DEMO_STATE_DIR": str(state)}
    with running_app(env=env) as app:
        yield app.url, state


@pytest.fixture(scope="module")
def teacher_url(server):
    return server[0]


def _nickname(server, page) -> str:
    """The name of the learner whose page this is, read from the server's store by their link."""
    from mnist_demo.store import Store

    token = parse_qs(urlsplit(page.url).query)["w"][0]
    store = Store.open(str(server[1] / "state.db"))
    try:
        return store.learner_by_token(token).nickname
    finally:
        store.close()


def _sign_in(page, url: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{url}/teacher")
    wait_until_idle(page, 120_000)
    page.get_by_label("Teacher passcode").fill(PASSCODE)
    page.get_by_role("button", name="Open the teacher page").click()
    expect(page.get_by_text("Every learner's current run")).to_be_visible()


def _row(page, nickname: str):
    return page.locator(f"{NOW_TABLE} tr", has_text=nickname)


def _metric(page, label: str):
    return page.locator('[data-testid="stMetric"]', has_text=label)


def _changes(page, selector: str, seen: str, timeout: float = 60_000) -> None:
    """Wait until the text of what `selector` finds is no longer `seen`: the page refreshed it by itself."""
    page.wait_for_function("([sel, seen]) => document.querySelector(sel)?.innerText !== seen",
                           arg=[selector, seen], timeout=timeout)


def test_the_teacher_sees_two_learners_runs_appear_and_grow_live_and_projects_one(server, teacher_url, browser):
    from playwright.sync_api import expect

    code = f"c{secrets.token_hex(2)}"
    contexts, learners = [], []
    for epochs in (30, 2):  # the first trains on until its learner stops it, after it was projected
        context, learner = new_page(browser, "en-US", timeout_ms=60_000)
        contexts.append(context)
        learner.goto(f"{teacher_url}/train?class={code}&preset=mlp-64&epochs={epochs}&lock=epochs")
        wait_until_idle(learner, 120_000)
        expect(learner.locator(".st-key-epochs input[type=range]")).to_be_disabled()
        learners.append(learner)
    nicknames = [_nickname(server, learner) for learner in learners]
    teacher_context, teacher = new_page(browser, "en-US", timeout_ms=60_000)
    contexts.append(teacher_context)
    try:
        _sign_in(teacher, teacher_url)
        teacher.locator(".st-key-teacher_class [role=combobox]").click()
        teacher.get_by_role("option", name=code, exact=True).click()
        wait_until_idle(teacher)
        for nickname in nicknames:
            expect(_row(teacher, nickname)).to_contain_text("no run yet")

        for learner in learners:
            learner.locator(".st-key-train_start button").click()
        expect(_metric(teacher, "Training now")).to_contain_text("2", timeout=90_000)  # both at once
        for nickname in nicknames:
            row = _row(teacher, nickname)
            expect(row).to_contain_text("training")
            expect(row).to_contain_text(re.compile(r"\d\.\d%"))
            first = row.inner_text()
            teacher.wait_for_function(  # it grows: the training accuracy or the epoch moves on
                "([sel, name, seen]) => [...document.querySelectorAll(sel + ' tr')]"
                ".some(r => r.innerText.includes(name) && r.innerText !== seen)",
                arg=[NOW_TABLE, nickname, first], timeout=60_000)

        teacher.get_by_text("Projector mode").click()  # the first learner's run, large, while it trains
        expect(teacher.locator(NOW_TABLE)).to_have_count(0)
        teacher.locator(".st-key-teacher_projected [role=combobox]").click()
        teacher.get_by_role("option", name=re.compile(f"^{nicknames[0]} · ")).click()
        projected = teacher.locator(".st-key-projector")
        expect(projected.get_by_role("heading", name=re.compile(nicknames[0]))).to_be_visible()
        expect(projected.locator(".js-plotly-plot")).to_have_count(1)  # the curves; no confusion before its test
        expect(projected.get_by_text("appears once this run has been tested")).to_be_visible()
        expect(projected.locator('[data-testid="stImage"] img')).to_be_visible()  # the weights forming
        values = '.st-key-projector [data-testid="stHorizontalBlock"]'
        state = _metric(teacher, "State").locator('[data-testid="stMetricValue"]')
        expect(state).to_have_text("training")
        _changes(teacher, values, teacher.locator(values).first.inner_text())  # its epoch or accuracy moves on
        learners[0].locator(".st-key-train_stop button").click()
        expect(state).to_have_text("stopped", timeout=60_000)
        expect(projected.locator(".js-plotly-plot")).to_have_count(2, timeout=120_000)  # tested: its confusion too

        teacher.get_by_text("Projector mode").click()
        expect(_row(teacher, nicknames[0])).to_contain_text("stopped")
        expect(_row(teacher, nicknames[1])).to_contain_text("finished", timeout=240_000)
        expect(_metric(teacher, "Tested runs")).to_contain_text("2")
        expect(teacher.get_by_text("Summed over the class's 2 tested runs on MNIST")).to_be_visible()
    finally:
        for context in contexts:
            context.close()


def test_the_qr_code_on_the_teacher_page_is_the_exercise_link(teacher_url, browser):
    import zxingcpp
    from PIL import Image

    context, page = new_page(browser, "en-US", timeout_ms=60_000)
    try:
        _sign_in(page, teacher_url)
        link = page.locator('[data-testid="stCode"] code', has_text="/train?").inner_text().strip()
        assert link.startswith(f"{teacher_url}/train?") and "lock=epochs,normalize" in link
        qr = page.locator('[data-testid="stImage"] img').last
        qr.scroll_into_view_if_needed()
        found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
        assert [code.text for code in found] == [link]
    finally:
        context.close()


def test_a_learner_without_the_passcode_reaches_nothing_of_the_class(server, teacher_url, browser):
    from playwright.sync_api import expect

    other_context, other = new_page(browser, "en-US", timeout_ms=60_000)
    context, page = new_page(browser, "en-US", timeout_ms=60_000)
    try:
        other.goto(f"{teacher_url}/train")
        wait_until_idle(other, 120_000)
        someone = _nickname(server, other)

        page.goto(f"{teacher_url}/teacher")
        wait_until_idle(page, 120_000)
        expect(page.get_by_label("Teacher passcode")).to_be_visible()
        page.get_by_label("Teacher passcode").fill("kestrel-7-mapl")
        page.get_by_role("button", name="Open the teacher page").click()
        expect(page.get_by_text("That is not the passcode.")).to_be_visible()
        wait_until_idle(page)
        body = page.locator("body").inner_text()
        assert someone not in body
        for element in ("stTable", "stDataFrame", "stMetric", "stDownloadButton"):
            expect(page.locator(f'[data-testid="{element}"]')).to_have_count(0)
        token = parse_qs(urlsplit(other.url).query)["w"][0]
        page.goto(f"{teacher_url}/teacher?w={token}")  # with another learner's link: still closed
        wait_until_idle(page)
        expect(page.get_by_label("Teacher passcode")).to_be_visible()
        expect(page.locator('[data-testid="stTable"]')).to_have_count(0)
    finally:
        context.close()
        other_context.close()
