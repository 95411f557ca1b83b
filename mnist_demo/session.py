"""The glue between Streamlit and the library: shared resources, per-session runs, the language.

Shared, heavy things (data sets, loaded models, the training queue) are created once
per process with `st.cache_resource` and never mutated. Everything a learner makes
(their runs, their choices) lives in their own `st.session_state`.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from . import data, i18n

ABANDON_AFTER_SECONDS = 90
_run_numbers = itertools.count(1)


def keep_keras_state_across_reruns() -> None:
    """Stop Streamlit from calling `keras.backend.clear_session()` after every script run.

    Streamlit does that to free memory in apps that build a model per run. Here models are
    built and trained in background threads while pages rerun twice a second; clearing the
    session resets Keras' global state for every thread (name counters, TF's default graph,
    kernel caches) in the middle of a training, which breaks model building and slows
    training to a crawl. Only the matplotlib half of Streamlit's clean-up is kept."""
    from streamlit.runtime.scriptrunner import script_runner

    def close_matplotlib_figures() -> None:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    script_runner._clean_problem_modules = close_matplotlib_figures


def require_app_frame() -> None:
    """Make sure a page runs inside app.py's frame. The first request a fresh server gets for a
    deep link (say /train) is routed by Streamlit's legacy `pages/` discovery, which runs the page
    file alone; leave that mode for good and rerun, so app.py's `st.navigation` takes over."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def t(key: str, **values) -> str:
    return i18n.translate(key, st.session_state.get("lang", i18n.DEFAULT_LANGUAGE), **values)


@st.cache_resource(show_spinner=False)
def dataset(name: str):
    return data.load_dataset(name)


def try_dataset(name: str):
    """(dataset, None) or (None, error message) — pages explain rather than crash."""
    try:
        return dataset(name), None
    except data.DataError as e:
        return None, str(e)


@st.cache_resource(show_spinner=False)
def available_datasets() -> dict[str, str | None]:
    return data.available_datasets()


@st.cache_resource(show_spinner=False)
def training_queue():
    from .training import TrainingQueue

    return TrainingQueue()


@st.cache_resource(show_spinner=False, max_entries=16)
def predictor_from_file(path: str, mtime: float):
    """A saved model, loaded once per file version (mtime is part of the key)."""
    from .predict import Predictor

    return Predictor.load(path)


def default_predictor():
    from .storage import default_model_path

    path = default_model_path()
    return predictor_from_file(str(path), path.stat().st_mtime)


def selected_dataset_name() -> str:
    return st.session_state.get("dataset", "mnist")


@dataclass
class SessionRun:
    """A run this browser session started, plus what the pages made of it."""

    number: int
    label: str
    run: object
    normalize: bool
    preset: str | None
    dataset: str
    predictor: object = None
    saved_as: str | None = None
    extras: dict = field(default_factory=dict)

    def get_predictor(self):
        if self.predictor is None and self.run.model is not None and self.run.snapshot().done:
            from .predict import Predictor
            from .storage import ModelInfo

            info = ModelInfo(name=self.label, normalize=self.normalize, dataset=self.dataset, preset=self.preset)
            self.predictor = Predictor(self.run.model, info)
        return self.predictor


def session_runs() -> list[SessionRun]:
    return st.session_state.setdefault("runs", [])


def add_run(run, *, normalize: bool, preset: str | None, dataset: str, label: str | None = None) -> SessionRun:
    number = next(_run_numbers)
    entry = SessionRun(number, label or f"run {number}", run, normalize, preset, dataset)
    session_runs().append(entry)
    return entry


def active_run() -> SessionRun | None:
    for entry in reversed(session_runs()):
        if not entry.run.snapshot().done:
            return entry
    return None


def latest_run() -> SessionRun | None:
    runs = session_runs()
    return runs[-1] if runs else None


def touch_runs() -> None:
    """Heartbeat: this session is still open, so its runs must not be reaped."""
    for entry in session_runs():
        entry.run.touch()


def model_bytes(model) -> bytes:
    """The model as `.keras` bytes, for a download button."""
    from .storage import ModelInfo, save_model

    with tempfile.TemporaryDirectory() as tmp:
        path = save_model(model, "download", ModelInfo(name="download"), Path(tmp))
        return path.read_bytes()


def model_choices() -> dict[str, str]:
    """Models the Draw page offers: the shipped default, this session's finished runs, saved files."""
    from .storage import default_model_path, list_models

    choices = {"default": t("models.default")}
    for entry in reversed(session_runs()):
        snap = entry.run.snapshot()
        if snap.done and entry.run.model is not None and snap.test_accuracy is not None:
            choices[f"run:{entry.number}"] = t("models.session_run", label=entry.label, acc=f"{snap.test_accuracy:.2%}")
    for path in list_models():
        if path.resolve() != default_model_path().resolve():
            choices[f"file:{path.name}"] = t("models.saved", name=path.stem)
    return choices


def pick_predictor(choice: str):
    """(Predictor, None), or (None, a message saying what went wrong)."""
    from .storage import ModelFileError, models_dir

    try:
        if choice == "default":
            return default_predictor(), None
        if choice.startswith("run:"):
            number = int(choice.split(":", 1)[1])
            entry = next((e for e in session_runs() if e.number == number), None)
            if entry is not None and entry.get_predictor() is not None:
                return entry.get_predictor(), None
            return None, t("models.gone")
        path = models_dir() / choice.split(":", 1)[1]
        return predictor_from_file(str(path), path.stat().st_mtime), None
    except FileNotFoundError:
        return None, t("models.missing")
    except ModelFileError as e:
        return None, t("models.broken", error=str(e))
