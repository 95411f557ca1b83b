"""This browser session's learner: their workspace, found from the link in the page's URL.

The link carries a secret token (`?w=...`): a reload, a bookmark or another tab with it returns to
the same workspace, and nobody without it can act as that learner. A first visit without one gets
a new anonymous workspace (in the class of `?class=...`, if the link a teacher handed out has it),
and the token is put into the URL at once.

`remembered(...)` is how a page keeps its widgets' values in the workspace: Streamlit forgets a
widget's value when a page that does not draw it runs, and a new session knows none of them."""

from __future__ import annotations

import contextlib
import json
import secrets
import time

import streamlit as st

from ..database import DatabaseUnavailable
from ..workspace import Workspace, open_store, state_dir
from .guard import database_or_stop

LINK_PARAM = "w"
CLASS_PARAM = "class"
SEEN_EVERY_SECONDS = 30


@st.cache_resource(show_spinner=False)
def _store(root: str):
    return open_store()


def store():
    return _store(str(state_dir()))


@st.cache_resource(show_spinner=False)
def _runs(root: str):
    from ..runs import Runs
    from .resources import training_queue

    return Runs(store(), state_dir(), training_queue())


def runs():
    """The process's `Runs`: every learner's trainings on this server."""
    return _runs(str(state_dir()))


def _token() -> str | None:
    return st.session_state.get("workspace_token") or st.query_params.get(LINK_PARAM)


def current() -> Workspace:
    """The learner of this session, made on their first visit; the URL always carries their link.

    The learner is read from the store once per SEEN_EVERY_SECONDS (a rename in another tab shows
    within that time), which also says they are still here."""
    token = _token()
    learner, read_at = st.session_state.get("workspace_learner", (None, 0.0))
    if learner is None or time.time() - read_at > SEEN_EVERY_SECONDS:
        with database_or_stop():
            learner = store().learner_by_token(token) if token else None
            if learner is None:
                learner, token = store().create_learner(f"learner-{secrets.token_hex(2)}",
                                                        class_code=st.query_params.get(CLASS_PARAM, ""))
            store().touch_learner(learner.id)
        st.session_state.workspace_token = token
        st.session_state.workspace_learner = (learner, time.time())
    if st.query_params.get(LINK_PARAM) != token:
        st.query_params[LINK_PARAM] = token
    return Workspace(store(), learner, state_dir())


def rename(nickname: str) -> None:
    workspace = current()
    store().rename_learner(workspace.id, nickname)
    st.session_state.pop("workspace_learner", None)


def link() -> str:
    """The address that brings this learner back (their token in it)."""
    base = (st.context.url or "").split("?", 1)[0]
    return f"{base}?{LINK_PARAM}={st.session_state.workspace_token}"


@contextlib.contextmanager
def remembered(*keys: str, valid=None):
    """Around a page's widgets with these keys: each starts at the learner's last value (when the
    session has none yet, e.g. after another page or a reload), and what the learner changes is
    kept. `valid` maps a key to the values it may take: a kept value no longer offered is dropped."""
    workspace = current()
    with database_or_stop():
        saved = workspace.settings()
    for key in keys:
        if key in st.session_state:
            # Set again: after a page switch the browser may draw the widget anew, and a value not
            # set in this run would show its first option there (and send it back as a change).
            st.session_state[key] = st.session_state[key]
        elif key in saved:
            allowed = (valid or {}).get(key)
            if allowed is None or saved[key] in allowed:
                st.session_state[key] = saved[key]
    try:
        yield workspace
    finally:
        changes = {key: st.session_state[key] for key in keys
                   if key in st.session_state and _plain(st.session_state[key]) != saved.get(key)}
        with contextlib.suppress(DatabaseUnavailable):  # the session keeps the change; the next run saves it
            workspace.remember({key: _plain(value) for key, value in changes.items()})


def _plain(value):
    """A widget's value as the store keeps it (tuples become lists, as JSON makes them)."""
    return json.loads(json.dumps(value))


def kept(name: str, default=None):
    """A value the app keeps for the learner outside any widget, such as their last drawing."""
    return current().settings().get(name, default)


def keep(name: str, value) -> None:
    """Keep `value` (plain JSON) under `name` in the learner's workspace; unchanged values cost no write."""
    workspace = current()
    if workspace.settings().get(name) != _plain(value):
        workspace.remember({name: _plain(value)})
