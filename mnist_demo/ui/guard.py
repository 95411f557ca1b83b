"""No traceback on a page, ever: an unexpected error is logged on the server with an id, and the
learner sees a short message in their language that names that id (for the teacher to look up).

`client.showErrorDetails = "none"` (`.streamlit/config.toml`) covers what escapes anyway; these
guards make the message one a person can act on."""

from __future__ import annotations

import contextlib
import functools
import logging
import secrets

import streamlit as st

from .. import i18n
from ..database import DatabaseUnavailable
from .text import t

log = logging.getLogger("mnist_demo")


def logged(error: BaseException) -> str:
    """Log `error` with its traceback under a new short id; return the id."""
    error_id = secrets.token_hex(4)
    log.error("unexpected error %s", error_id, exc_info=error)
    return error_id


@contextlib.contextmanager
def guarded():
    """Run a page (or a part of one): an exception becomes a logged error and a translated message.
    Streamlit's own stop and rerun signals pass (they are not Exceptions)."""
    try:
        yield
    except DatabaseUnavailable as e:
        say_unavailable(e)
    except Exception as e:
        st.error(t("frame.unexpected", id=logged(e)))


def say_unavailable(error: DatabaseUnavailable, retry: bool = False) -> None:
    """The database is away: say so in the learner's language (from the browser when their settings
    cannot be read), with a button that tries again if `retry`. The next use of the store reconnects."""
    log.warning("database unavailable: %s", error.__cause__ or error)
    lang = st.session_state.get("lang") or i18n.language_for_locale(st.context.locale)
    st.error(i18n.translate(error.key, lang, **error.values), icon=":material/cloud_off:")
    if retry:
        st.button(i18n.translate("frame.retry", lang), key="database_retry", icon=":material/refresh:")


@contextlib.contextmanager
def database_or_stop():
    """Around what every page needs from the store first (the learner, their settings): without the
    database the page cannot be drawn, so this run of it ends with the message."""
    try:
        yield
    except DatabaseUnavailable as e:
        say_unavailable(e, retry=True)
        st.stop()


def fragment(run_every: float | None = None):
    """`st.fragment`, guarded: a fragment's reruns do not pass through the page's guard."""
    def decorate(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            with guarded():
                return function(*args, **kwargs)

        return st.fragment(run, run_every=run_every)

    return decorate
