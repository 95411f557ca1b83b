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
