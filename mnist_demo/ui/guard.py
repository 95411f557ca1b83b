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
    except Exception as e:
        st.error(t("frame.unexpected", id=logged(e)))


def fragment(run_every: float | None = None):
    """`st.fragment`, guarded: a fragment's reruns do not pass through the page's guard."""
    def decorate(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            with guarded():
                return function(*args, **kwargs)

        return st.fragment(run, run_every=run_every)

    return decorate
