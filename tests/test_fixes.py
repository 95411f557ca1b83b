"""The four changes the app makes to Streamlit's own behaviour still apply to the installed Streamlit."""

import sys

from streamlit.runtime.scriptrunner import script_runner

from mnist_demo.ui import fixes

from .apptest import app


def test_this_streamlit_still_has_what_the_fixes_patch():
    assert fixes.problems() == []


def test_a_rerun_does_not_clear_the_keras_session(monkeypatch):
    """Streamlit's own clean-up calls keras.backend.clear_session() after every run (under trainings
    running in other threads); the app's frame replaces it. Should a Streamlit upgrade clean up
    some other way, the counter sees the call."""
    import keras

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append(1))
    at = app("pages/train.py")
    at.run()
    assert "keras" in sys.modules and calls == []
    assert script_runner._clean_problem_modules.__name__ == "close_matplotlib_figures"


def test_a_library_error_on_a_page_shows_a_short_message_with_an_id_and_no_traceback(monkeypatch, caplog):
    from mnist_demo import charts

    def broken(*args, **kwargs):
        raise RuntimeError("/srv/secret/path: something deep inside broke")

    monkeypatch.setattr(charts, "class_count_figure", broken)
    at = app()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    [message] = [e.value for e in at.error]
    assert message.startswith("Something went wrong on the server") and "/srv/secret" not in message
    error_id = message.rsplit(" ", 1)[1].rstrip(".")
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)  # the server's log has it


def test_the_server_hides_error_details_and_listens_on_loopback():
    import tomllib

    from harness.server import ROOT

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["address"] == "127.0.0.1"


WHOLE_RUN_THEN_FRAGMENT = '''
import streamlit as st

st.markdown("the page")


@st.fragment(run_every=60)
def poll():
    st.markdown("the fragment")


poll()
st.markdown("the prediction")
'''


def _session_on(page: str, tmp_path, monkeypatch):
    """A Streamlit Runtime serving `page` as its script, and a function that opens a real AppSession
    on it (call it inside the event loop the session is to use)."""
    from streamlit.runtime import Runtime, RuntimeConfig
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.script_data import ScriptData
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    script = tmp_path / "page.py"
    script.write_text(page)
    monkeypatch.setattr(Runtime, "_instance", None)
    uploads = MemoryUploadedFileManager("/upload")
    Runtime(RuntimeConfig(script_path=str(script), media_file_storage=MemoryMediaFileStorage("/media"),
                          uploaded_file_manager=uploads))
    return lambda: AppSession(ScriptData(str(script), False), uploads, ScriptCache(), None, {})


def _what_the_browser_gets_when_a_fragment_rerun_follows_an_ended_run(tmp_path, monkeypatch) -> list[str]:
    """A real AppSession and ScriptRunner: a whole run ends while the server's event loop is busy
    (here: blocked by this test), and the fragment's auto-rerun is handled before the run's last
    messages are, the order a loaded server sometimes takes. The messages the browser receives."""
    import asyncio

    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    new_session = _session_on(WHOLE_RUN_THEN_FRAGMENT, tmp_path, monkeypatch)

    def described(message) -> str:
        kind = message.WhichOneof("type")
        if kind == "new_session":
            return "start fragment" if message.metadata.run.fragment_ids else "start whole"
        if kind == "script_finished":
            return ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
        if kind == "delta" and message.delta.new_element.WhichOneof("type") == "markdown":
            return message.delta.new_element.markdown.body
        return ""

    async def scenario():
        session = new_session()
        session.request_rerun(None)
        runner = session._scriptrunner
        runner._script_thread.join(timeout=30)  # the run has ended; its messages wait on this loop
        [fragment_id] = session._fragment_storage._fragments
        rerun = BackMsg()
        rerun.rerun_script.fragment_id = fragment_id
        rerun.rerun_script.is_auto_rerun = True
        session.handle_backmsg(rerun)
        received = []
        deadline = asyncio.get_running_loop().time() + 30
        while "FINISHED_FRAGMENT_RUN_SUCCESSFULLY" not in received and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
            received += [d for d in map(described, session.flush_browser_queue()) if d and d != "the fragment"]
        session.shutdown()
        return received

    return asyncio.run(scenario())


def test_plain_streamlit_drops_the_end_of_a_run_when_a_fragment_rerun_comes_first(tmp_path, monkeypatch):
    """The upstream race, reproduced deterministically: if this fails, Streamlit has fixed it and
    keep_an_ended_runs_last_messages can go."""
    from streamlit.runtime.app_session import AppSession

    create = AppSession._create_scriptrunner
    monkeypatch.setattr(AppSession, "_create_scriptrunner", getattr(create, "streamlit_original", create))
    received = _what_the_browser_gets_when_a_fragment_rerun_follows_an_ended_run(tmp_path, monkeypatch)
    assert received == ["start fragment", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"]


def test_a_fragment_rerun_right_after_a_run_ends_no_longer_loses_that_runs_end(tmp_path, monkeypatch):
    """The stall of the load test: the prediction and the "finished" of the run never reached the
    student. With the fix the whole run arrives, ends, and only then the fragment reruns."""
    fixes.keep_an_ended_runs_last_messages()
    received = _what_the_browser_gets_when_a_fragment_rerun_follows_an_ended_run(tmp_path, monkeypatch)
    assert received == ["start whole", "the page", "the prediction", "FINISHED_SUCCESSFULLY",
                        "start fragment", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"]


FRAGMENT_WITH_A_WIDGET = '''
import streamlit as st


@st.fragment
def pad():
    st.text_input("stroke", key="stroke")


pad()
st.markdown(f"answer: {st.session_state.stroke}")
'''


def _after_an_action_on_a_vanished_fragment(tmp_path, monkeypatch) -> list[str]:
    """A real AppSession: one whole run, then the browser sends a widget change as a rerun of a
    fragment the session no longer holds (its id changed since, as after a whole run that laid the
    page out differently). The markdown the browser receives after it."""
    import asyncio

    from streamlit.proto.BackMsg_pb2 import BackMsg
    new_session = _session_on(FRAGMENT_WITH_A_WIDGET, tmp_path, monkeypatch)

    async def until_idle(session) -> list:
        """The messages of the session's runs until it has no script runner left."""
        messages = []
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            await asyncio.sleep(0.01)
            messages += session.flush_browser_queue()
            finished = any(m.WhichOneof("type") == "script_finished" for m in messages)
            if session._scriptrunner is None and (finished or not messages):
                return messages
            assert asyncio.get_running_loop().time() < deadline, "the session did not settle"

    async def scenario():
        session = new_session()
        session.request_rerun(None)
        first = await until_idle(session)
        [widget_id] = [m.delta.new_element.text_input.id for m in first
                       if m.WhichOneof("type") == "delta" and m.delta.new_element.WhichOneof("type") == "text_input"]
        rerun = BackMsg()
        rerun.rerun_script.fragment_id = "an id from an earlier layout"
        stroke = rerun.rerun_script.widget_states.widgets.add()
        stroke.id, stroke.string_value = widget_id, "a seven"
        session.handle_backmsg(rerun)
        after = await until_idle(session)
        session.shutdown()
        return [m.delta.new_element.markdown.body for m in after
                if m.WhichOneof("type") == "delta" and m.delta.new_element.WhichOneof("type") == "markdown"]

    return asyncio.run(scenario())


def test_plain_streamlit_drops_a_widget_change_aimed_at_a_vanished_fragment(tmp_path, monkeypatch):
    """The upstream behaviour: nothing runs, and the new value is lost. If this fails, Streamlit
    handles it now and rerun_whole_when_a_fragment_is_gone can go."""
    from streamlit.runtime.app_session import AppSession

    request = AppSession.request_rerun
    monkeypatch.setattr(AppSession, "request_rerun", getattr(request, "streamlit_original", request))
    assert _after_an_action_on_a_vanished_fragment(tmp_path, monkeypatch) == []


def test_a_widget_change_aimed_at_a_vanished_fragment_reruns_the_whole_page_with_it(tmp_path, monkeypatch):
    fixes.rerun_whole_when_a_fragment_is_gone()
    assert _after_an_action_on_a_vanished_fragment(tmp_path, monkeypatch) == ["answer: a seven"]
