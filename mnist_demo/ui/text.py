"""Texts in the learner's language: `t()` for a catalog key, `explain()` for a library error."""

from __future__ import annotations

import streamlit as st

from .. import i18n
from ..datasets import CLASS_NAMES
from ..errors import AppError


def language() -> str:
    return st.session_state.get("lang", i18n.DEFAULT_LANGUAGE)


def t(key: str, **values) -> str:
    return i18n.translate(key, language(), **values)


def t_count(key: str, n: int, **values) -> str:
    """`t` for a count: "1 epoch", "3 epochs" (`i18n.translate_count`)."""
    return i18n.translate_count(key, n, language(), **values)


def explain(error: AppError) -> str:
    """What went wrong, in the learner's language."""
    return t(error.key, **error.values)


def class_names(dataset_name: str) -> tuple[str, ...]:
    """The data set's class names in the learner's language (digits stay digits)."""
    if dataset_name == "mnist":
        return CLASS_NAMES["mnist"]
    return tuple(t(f"common.class.{dataset_name}.{i}") for i in range(len(CLASS_NAMES[dataset_name])))


def duration(seconds: float | None) -> str:
    """"40 s", "3 min", or "…" when nobody knows yet."""
    if seconds is None:
        return "…"
    if seconds < 90:
        return t("common.duration.seconds", n=f"{max(1, round(seconds))}")
    return t("common.duration.minutes", n=f"{round(seconds / 60)}")
