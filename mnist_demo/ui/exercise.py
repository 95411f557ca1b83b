"""An exercise link on the page: its settings given to the widgets once, its locked controls held.

A link's settings are applied once per link (the learner may then change what is not locked);
what it locks stays locked in the learner's workspace, on every page visit, in a new tab and
after a reload without the link, until another exercise link is opened. The frame applies the
language and data set (its widgets), the Train page the rest."""

from __future__ import annotations

import streamlit as st

from ..exercise import Exercise, query_signature, read_exercise
from .text import t
from .workspace import current

FRAME_SETTINGS = ("lang", "dataset")
HELD = "exercise.held"  # the workspace setting that keeps the locked values


def _read() -> tuple[tuple, Exercise]:
    params = st.query_params.to_dict()
    return query_signature(params), read_exercise(params)


def _apply(names, flag: str) -> None:
    signature, exercise = _read()
    if "exercise_held" not in st.session_state:
        st.session_state.exercise_held = dict(current().settings().get(HELD) or {})
    held = st.session_state.exercise_held
    if signature and st.session_state.get(flag) != signature:
        st.session_state[flag] = signature
        st.session_state.update({k: v for k, v in exercise.settings.items() if k in names})
        for name in names:
            held.pop(name, None)
            if name in exercise.locked and name in st.session_state:
                held[name] = st.session_state[name]
        current().remember({HELD: held})
        if flag == "exercise_train":
            st.session_state.exercise_notices = exercise.notices
    for name, value in held.items():
        if name in names:
            st.session_state[name] = value


def apply_to_frame() -> None:
    """Before the frame draws its language and data set choices."""
    _apply(FRAME_SETTINGS, "exercise_frame")


def apply_to_train(names) -> None:
    """On the Train page, before its widgets: the link's values for `names`, the locked ones held."""
    _apply(set(names) - set(FRAME_SETTINGS), "exercise_train")


def locked(name: str) -> bool:
    """Whether an exercise link holds this setting (its control is drawn disabled)."""
    return name in st.session_state.get("exercise_held", {})


def show_notices() -> None:
    """What the link asked that the page could not give as asked, and that some controls are locked."""
    for notice in st.session_state.get("exercise_notices", ()):
        st.warning(t(notice.key, **notice.values), icon=":material/tune:")
    if st.session_state.get("exercise_held"):
        st.caption(t("teacher.exercise.locked_note"))
