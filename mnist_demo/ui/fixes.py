"""The four places where the app changes Streamlit's own behaviour, and a check that they still can.

All reach into Streamlit internals. A Streamlit upgrade may remove what they patch: then
`check()` logs, when the server starts, which fix no longer applies, and the tests that prove
each fix (`tests/test_fixes.py`) fail."""

from __future__ import annotations

import logging
import runpy
import sys
import time
from pathlib import Path

import streamlit as st

APP_SCRIPT = Path(__file__).resolve().parents[2] / "app.py"
log = logging.getLogger("mnist_demo")


def _script_runner():
    from streamlit.runtime.scriptrunner import script_runner

    return script_runner


def _pages_manager():
    from streamlit.runtime.pages_manager import PagesManager

    return PagesManager


def _app_session():
    from streamlit.runtime.app_session import AppSession

    return AppSession


def problems() -> list[str]:
    """The fixes this Streamlit version no longer lets the app apply."""
    found = []
    if not hasattr(_script_runner(), "_clean_problem_modules"):
        found.append("script_runner._clean_problem_modules is gone: reruns may reset Keras under running trainings")
    if not hasattr(_pages_manager(), "uses_pages_directory"):
        found.append("PagesManager.uses_pages_directory is gone: a cold deep link may render a page without its frame")
    if not hasattr(_app_session(), "_create_scriptrunner"):
        found.append("AppSession._create_scriptrunner is gone: a fragment rerun may again swallow the end of a run")
    if not hasattr(_app_session(), "has_fragment"):
        found.append("AppSession.has_fragment is gone: a drawing sent to a vanished fragment may be dropped")
    return found


@st.cache_resource(show_spinner=False)
def check() -> tuple[str, ...]:
    """Log, once per process, each fix that no longer applies (and return them)."""
    found = tuple(problems())
    for problem in found:
        log.warning("Streamlit %s changed: %s", st.__version__, problem)
    return found


def keep_keras_state_across_reruns() -> None:
    """Stop Streamlit from calling `keras.backend.clear_session()` after every script run.

    Streamlit does that to free memory in apps that build a model per run. Here models are
    built and trained in background threads while pages rerun twice a second; clearing the
    session resets Keras' global state for every thread (name counters, TF's default graph,
    kernel caches) in the middle of a training, which breaks model building and slows
    training to a crawl. Only the matplotlib half of Streamlit's clean-up is kept."""
    runner = _script_runner()
    if not hasattr(runner, "_clean_problem_modules"):
        return

    def close_matplotlib_figures() -> None:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    runner._clean_problem_modules = close_matplotlib_figures


def require_app_frame() -> None:
    """Make sure a page runs inside app.py's frame.

    When a server's first request for this session is a deep link (say /train), Streamlit's
    legacy `pages/` discovery runs the page file alone, before app.py's `st.navigation` has
    ever switched it off (AppTest does the same on every run). Then run app.py here, which
    switches the legacy mode off for good and renders this page inside its frame, and stop
    the bare run. Widget values of this run are kept: no rerun, no lost click."""
    manager = _pages_manager()
    if getattr(manager, "uses_pages_directory", False):
        manager.uses_pages_directory = False
        runpy.run_path(str(APP_SCRIPT))
        st.stop()


ENDED_RUNNER_WAIT = 2.0  # seconds; its shutdown is a few lines of Python away


def keep_an_ended_runs_last_messages() -> None:
    """Deliver every message of a script run that ended just before a fragment's rerun arrived.

    A session's ScriptRunner sends what a run draws, and its "finished" message, as events to the
    server's event loop, which drops any event from a runner that is no longer the session's
    current one. When a run has ended (its runner refuses new reruns) but the busy loop has not yet
    delivered its last events, a fragment's auto-rerun makes Streamlit start a new runner at once:
    the ended run's tail is dropped. The browser then never learns that the run finished; the
    prediction it was drawing never arrives, and the page looks stuck until a later whole run
    (docs/upstream/fragment-rerun-drops-a-finished-run.md). Here the new runner is started one
    turn of the loop later, once the ended runner's queued events have been delivered and it has
    shut down; a whole run started in between takes the fragment's rerun instead."""
    session_class = _app_session()
    create = session_class._create_scriptrunner
    if getattr(create, "waits_for_the_ended_runner", False):
        return
    from streamlit.runtime.app_session import AppSessionState

    def create_once_the_ended_runner_is_gone(session, rerun_data, ended, deadline):
        if session._state == AppSessionState.SHUTDOWN_REQUESTED:
            return
        current = session._scriptrunner
        if current is ended and time.monotonic() < deadline:
            session._event_loop.call_later(0.01, create_once_the_ended_runner_is_gone, session, rerun_data, ended,
                                           deadline)
        elif current is None or current is ended:
            create(session, rerun_data)
        elif not current.request_rerun(rerun_data):
            create_scriptrunner(session, rerun_data)

    def create_scriptrunner(session, rerun_data) -> None:
        ended = session._scriptrunner  # set only when it refused this rerun: its run is over
        if ended is None:
            create(session, rerun_data)
            return
        # call_soon is first in, first out: this comes after the events the ended runner queued.
        session._event_loop.call_soon_threadsafe(create_once_the_ended_runner_is_gone, session, rerun_data, ended,
                                                 time.monotonic() + ENDED_RUNNER_WAIT)

    create_scriptrunner.waits_for_the_ended_runner = True
    create_scriptrunner.streamlit_original = create
    session_class._create_scriptrunner = create_scriptrunner


def rerun_whole_when_a_fragment_is_gone() -> None:
    """Run the whole page for a learner's action aimed at a fragment the server no longer holds.

    The browser names the fragment a widget belongs to in every rerun request. When that fragment
    is gone from the session (a whole run since registered it under another id, or not at all),
    Streamlit drops the request, and with it the new widget values: a stroke on the Draw page
    would never get its prediction. A timer's rerun of a vanished fragment is still dropped, as
    Streamlit does; a person's action becomes a rerun of the whole page, which draws it."""
    session_class = _app_session()
    request_rerun = session_class.request_rerun
    if getattr(request_rerun, "reruns_whole_when_a_fragment_is_gone", False) or not hasattr(
            session_class, "has_fragment"):
        return

    def rerun(session, client_state):
        if (client_state is not None and client_state.fragment_id and not client_state.is_auto_rerun
                and not session.has_fragment(client_state.fragment_id)):
            log.info("fragment %s is gone: running the whole page for this action", client_state.fragment_id)
            whole = type(client_state)()
            whole.CopyFrom(client_state)
            whole.fragment_id = ""
            client_state = whole
        request_rerun(session, client_state)

    rerun.reruns_whole_when_a_fragment_is_gone = True
    rerun.streamlit_original = request_rerun
    session_class.request_rerun = rerun
