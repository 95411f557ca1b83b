"""The two places where the app changes Streamlit's own behaviour, and a check that they still can.

Both reach into Streamlit internals. A Streamlit upgrade may remove what they patch: then
`check()` logs, when the server starts, which fix no longer applies, and the tests that prove
each fix (`tests/test_fixes.py`) fail."""

from __future__ import annotations

import logging
import runpy
import sys
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


def problems() -> list[str]:
    """The fixes this Streamlit version no longer lets the app apply."""
    found = []
    if not hasattr(_script_runner(), "_clean_problem_modules"):
        found.append("script_runner._clean_problem_modules is gone: reruns may reset Keras under running trainings")
    if not hasattr(_pages_manager(), "uses_pages_directory"):
        found.append("PagesManager.uses_pages_directory is gone: a cold deep link may render a page without its frame")
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
