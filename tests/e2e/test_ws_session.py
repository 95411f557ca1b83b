"""The load test's browserless students (harness.ws_session) against a real browser: the same
messages on the wire, the same pages in return."""

import asyncio
import concurrent.futures

from harness.browser import CANVAS, PREDICTION_HEADING, draw_strokes, wait_until_idle
from harness.drawing import SEVEN
from harness.ws_session import StreamlitSession, json_value, slider_value


def _run(coroutine_function):
    """asyncio.run in a thread of its own: Playwright's sync API already runs a loop in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine_function()).result()


def _key(widget_id: str) -> str:
    return widget_id.split("-", 2)[2]


def _browser_draws_a_seven(app_url, page):
    """The BackMsg the browser sent with its drawing, and the prediction it showed."""
    from playwright.sync_api import expect
    from streamlit.proto.BackMsg_pb2 import BackMsg

    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    page.goto(f"{app_url}/draw")
    wait_until_idle(page)
    draw_strokes(page, page.locator(CANVAS), SEVEN)
    heading = page.get_by_role("heading", name=PREDICTION_HEADING)
    expect(heading).to_be_visible(timeout=30_000)
    shown = page.locator('[data-testid="stMarkdownContainer"]', has=heading).inner_text()
    messages = []
    for frame in sent:
        message = BackMsg()
        message.ParseFromString(frame if isinstance(frame, bytes) else frame.encode())
        messages.append(message)
    drawings = [m for m in messages if any(_key(w.id) == "draw_canvas_0" for w in m.rerun_script.widget_states.widgets)]
    return drawings[0], " ".join(shown.split())


def test_websocket_student_sends_what_the_browser_sends_and_sees_the_same_prediction(app_url, page):
    browser_message, browser_shown = _browser_draws_a_seven(app_url, page)
    browser_widgets = {_key(w.id): w for w in browser_message.rerun_script.widget_states.widgets}
    drawing = browser_widgets["draw_canvas_0"].json_value

    async def replay():
        session = StreamlitSession(app_url)
        await session.open("draw")
        await session.wait_for_widget("draw_canvas_0")
        sent = await session.rerun(set_values={"draw_canvas_0": json_value(drawing)})
        _, text = await session.wait_for(r"^## Prediction: \d", after=sent)
        await session.close()
        return session, text

    session, text = _run(replay)
    ws_message = session.sent[-1].rerun_script
    ws_widgets = {_key(w.id): w for w in ws_message.widget_states.widgets}
    assert ws_widgets["draw_canvas_0"].id == browser_widgets["draw_canvas_0"].id  # same widget, same id
    assert ws_widgets["draw_canvas_0"].WhichOneof("value") == "json_value"
    assert ws_message.page_script_hash == browser_message.rerun_script.page_script_hash
    assert ws_message.fragment_id == browser_message.rerun_script.fragment_id  # the same run: a whole or a fragment
    assert not browser_message.rerun_script.is_auto_rerun and not ws_message.is_auto_rerun  # a stroke, not a timer
    assert set(ws_widgets) <= set(browser_widgets)  # nothing the browser would not send
    assert " ".join(text.lstrip("# ").split()) == browser_shown  # e.g. "Prediction: 7 100% sure"
    assert browser_shown.startswith("Prediction: 7")
    assert not session.seen.exceptions


def test_websocket_student_trains_and_keeps_its_fragments_polling(app_url):
    """50 epochs: the run lasts until the student has seen its progress come through the fragment's
    reruns (a short run may end within one queued poll and never show any), then the student stops it."""
    async def train():
        session = StreamlitSession(app_url)
        await session.open("train")
        await session.wait_for_widget("train_start")
        sent = await session.rerun(set_values={"epochs": slider_value(50), "train_images": slider_value(2000)},
                                   triggers=("train_start",))
        await session.wait_for(r"· (training|waiting in the queue)$", after=sent, timeout=120)
        progress = r"^Epoch \d+/50 · [\d,]+ images/s"
        shown_at, _ = await session.wait_for(progress, after=sent, timeout=180)
        # Under load the first progress can come with the page's own run: wait until progress has
        # come again after two of the fragment's auto-reruns.
        while sum(1 for m in session.sent if m.rerun_script.fragment_id) < 2:
            shown_at, _ = await session.wait_for(progress, after=shown_at + 1e-6, timeout=120)
        stopped = await session.rerun(triggers=("train_stop",))
        await session.wait_for(r"· stopped$", after=stopped, timeout=60)
        await session.close()
        return session

    session = _run(train)
    fragment_reruns = [m for m in session.sent if m.rerun_script.fragment_id]
    assert len(fragment_reruns) >= 2, "the run's progress arrives through the fragment's auto-reruns"
    assert all(m.rerun_script.is_auto_rerun for m in fragment_reruns)
    assert not session.seen.exceptions
