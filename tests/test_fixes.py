"""The two changes the app makes to Streamlit's own behaviour still apply to the installed Streamlit."""

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
