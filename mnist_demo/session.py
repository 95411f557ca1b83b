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
APP_SCRIPT = Path(__file__).resolve().parent.parent / "app.py"
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
    """Make sure a page runs inside app.py's frame.

    When a server's first request for this session is a deep link (say /train), Streamlit's
    legacy `pages/` discovery runs the page file alone, before app.py's `st.navigation` has
    ever switched it off (AppTest does the same on every run). Then run app.py here, which
    switches the legacy mode off for good and renders this page inside its frame, and stop
    the bare run. Widget values of this run are kept: no rerun, no lost click."""
    import runpy

    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(APP_SCRIPT))
        st.stop()


def t(key: str, **values) -> str:
    return i18n.translate(key, st.session_state.get("lang", i18n.DEFAULT_LANGUAGE), **values)


def _data_dir_key() -> str:
    """Part of every data cache key, so that a changed MNIST_DEMO_DATA_DIR is honoured."""
    return str(data.data_dir())


@st.cache_resource(show_spinner=False)
def _dataset(name: str, data_dir: str):
    return data.load_dataset(name)


def dataset(name: str):
    return _dataset(name, _data_dir_key())


@st.cache_resource(show_spinner=False)
def _test_sample(name: str, count: int, data_dir: str):
    return data.load_test_sample(name, count)


def try_dataset(name: str):
    """(dataset, None) or (None, error message) — pages explain rather than crash."""
    return _explained(dataset, name)


def try_test_sample(name: str, count: int):
    """((images, labels), None) with the first `count` test digits, or (None, error message):
    all the Home page needs."""
    return _explained(lambda n: _test_sample(n, count, _data_dir_key()), name)


def _explained(load, name: str):
    try:
        return load(name), None
    except data.DataNotFoundError:
        return None, t("data.not_found", name=t(f"dataset.{name}"), env=data.DATA_DIR_ENV, folder=name)
    except data.DataError as e:
        return None, t("data.broken", detail=str(e))


def class_names(dataset_name: str) -> tuple[str, ...]:
    """The data set's class names in the learner's language (digits stay digits)."""
    if dataset_name == "mnist":
        return data.CLASS_NAMES["mnist"]
    return tuple(t(f"class.{dataset_name}.{i}") for i in range(len(data.CLASS_NAMES[dataset_name])))


@st.cache_resource(show_spinner=False, ttl=60)
def _available_datasets(data_dir: str) -> dict[str, str | None]:
    return data.available_datasets()


def available_datasets() -> dict[str, str | None]:
    return _available_datasets(_data_dir_key())


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


def start_training(spec, ds, *, normalize: bool, train_images: int, preset: str) -> SessionRun:
    """Queue a training of `spec` for this session; it starts when the server has a free slot."""
    from .training import RunConfig, TrainingRun

    config = RunConfig(dataset=ds.name, normalize=normalize, train_limit=train_images)
    run = TrainingRun(spec, ds, config, queue=training_queue(), abandon_after=ABANDON_AFTER_SECONDS).start()
    label = f"{preset} ({t('train.normalized') if normalize else t('train.raw')})"
    return add_run(run, normalize=normalize, preset=preset, dataset=ds.name, label=label)


def save_run(entry: SessionRun, name: str) -> tuple[str | None, str | None]:
    """Save a finished run to models/ with its sidecar: (file name, None) or (None, why not)."""
    from .storage import InvalidNameError, ModelInfo, SaveError, save_model

    snap = entry.run.snapshot()
    info = ModelInfo(
        name=name, normalize=entry.normalize, dataset=entry.dataset, preset=entry.preset,
        spec=entry.run.spec.to_dict(), history=entry.run.history(),
        metrics={"test_accuracy": snap.test_accuracy, "test_loss": snap.test_loss},
    )
    try:
        path = save_model(entry.run.model, name, info)
    except InvalidNameError as e:
        return None, t(f"name_error.{e.key}", **e.values)
    except SaveError as e:
        return None, t("save_error", detail=e.detail)
    entry.saved_as = path.stem
    return path.name, None


def continue_run(entry: SessionRun, ds, more_epochs: int) -> SessionRun:
    """Train the finished run's model for more epochs; its curves go on where they stopped."""
    from .training import TrainingRun

    run = TrainingRun(entry.run.spec, ds, entry.run.config, queue=training_queue(),
                      abandon_after=ABANDON_AFTER_SECONDS, continue_from=entry.run, more_epochs=more_epochs).start()
    entry.extras["continued"] = True
    label = f"{entry.label} +{more_epochs}"
    return add_run(run, normalize=entry.normalize, preset=entry.preset, dataset=entry.dataset, label=label)


def uploaded_models() -> dict:
    return st.session_state.setdefault("uploaded_models", {})


def load_uploaded_model(filename: str, data: bytes, normalize: bool):
    """(name, None) after loading an uploaded .keras file with safe mode, or (None, a message)."""
    from .predict import Predictor
    from .storage import MAX_MODEL_BYTES, ModelFileError

    name = Path(filename).name
    if len(data) > MAX_MODEL_BYTES:
        return None, t("upload_model.too_big", mb=MAX_MODEL_BYTES // 2**20)
    if not name.endswith(".keras"):
        return None, t("upload_model.not_keras")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.keras"
        path.write_bytes(data)
        try:
            predictor = Predictor.load(path)
        except ModelFileError as e:
            values = {**e.values, "name": name}
            return None, t("upload_model.bad", error=t(f"model_error.{e.key}", **values))
    stem = Path(name).stem
    predictor.info.name, predictor.info.normalize, predictor.path = stem, normalize, None
    uploaded_models()[stem] = predictor
    return stem, None


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
        if snap.done and entry.run.model is not None and snap.test_accuracy is not None \
                and not entry.extras.get("continued"):
            choices[f"run:{entry.number}"] = t("models.session_run", label=entry.label, acc=f"{snap.test_accuracy:.2%}")
    for name in uploaded_models():
        choices[f"upload:{name}"] = t("models.uploaded", name=name)
    for path in list_models():
        if path.resolve() != default_model_path().resolve():
            choices[f"file:{path.name}"] = t("models.saved", name=path.stem)
    return choices


def model_picker(key: str):
    """The model selectbox every model page starts with: (choice, Predictor); stops the page
    with a message when the chosen model cannot be used."""
    choices = model_choices()
    choice = st.selectbox(t("draw.model"), list(choices), format_func=choices.get, key=key)
    predictor, problem = pick_predictor(choice)
    if predictor is None:
        st.error(problem)
        st.stop()
    return choice, predictor


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
        if choice.startswith("upload:"):
            predictor = uploaded_models().get(choice.split(":", 1)[1])
            return (predictor, None) if predictor is not None else (None, t("models.gone"))
        path = models_dir() / choice.split(":", 1)[1]
        return predictor_from_file(str(path), path.stat().st_mtime), None
    except FileNotFoundError:
        return None, t("models.missing")
    except ModelFileError as e:
        return None, t("models.broken", error=t(f"model_error.{e.key}", **e.values))


@st.cache_resource(show_spinner=False, max_entries=32)
def _file_evaluation(path: str, mtime: float, dataset_name: str, data_dir: str):
    from .evaluate import evaluate

    ds = dataset(dataset_name)
    return evaluate(predictor_from_file(path, mtime), ds.x_test, ds.y_test)


def evaluation(choice: str, predictor, dataset_name: str):
    """The model's evaluation on the test set. A model file's is computed once per process and
    shared: a class opening Evaluate together must not run 30 identical 10,000-image passes.
    A model that lives in this session (a run, an upload) is evaluated once per session."""
    from .evaluate import evaluate

    if predictor.path is not None and predictor.path.exists():
        return _file_evaluation(str(predictor.path), predictor.path.stat().st_mtime, dataset_name, _data_dir_key())
    cache = st.session_state.setdefault("evaluations", {})
    key = (choice, id(predictor), dataset_name)
    if key not in cache:
        ds = dataset(dataset_name)
        cache[key] = evaluate(predictor, ds.x_test, ds.y_test)
    return cache[key]


def start_normalization_experiment(spec, ds, train_images: int) -> tuple[SessionRun, SessionRun]:
    """The same model, same seed, trained twice: pixels / 255 and raw 0-255 (they queue like any run)."""
    from .training import RunConfig, TrainingRun

    entries = []
    for normalize in (True, False):
        config = RunConfig(dataset=ds.name, normalize=normalize, train_limit=train_images, seed=0)
        run = TrainingRun(spec, ds, config, queue=training_queue(), abandon_after=ABANDON_AFTER_SECONDS).start()
        label = f"{spec.kind.upper()} {t('train.normalized') if normalize else t('train.raw')}"
        entries.append(add_run(run, normalize=normalize, preset=None, dataset=ds.name, label=label))
    return entries[0], entries[1]


def _history_series(name: str, history: dict, settings: dict) -> dict | None:
    loss = history.get("loss") or []
    if not loss:
        return None
    return {
        "name": name,
        "epochs": list(range(1, len(loss) + 1)),
        "loss": loss,
        "accuracy": history.get("accuracy", []),
        "val_loss": history.get("val_loss", []),
        "val_accuracy": history.get("val_accuracy", []),
        "settings": settings,
    }


def comparable_histories() -> dict[str, dict]:
    """Per-epoch histories of this session's finished runs and of saved models, by display name."""
    from .storage import list_models, read_info

    out: dict[str, dict] = {}
    for entry in session_runs():
        snap = entry.run.snapshot()
        if not snap.done or not snap.epochs:
            continue
        spec = entry.run.spec
        name = f"#{entry.number} {entry.label}"
        series = _history_series(name, entry.run.history(), {
            t("compare.col_name"): name, t("compare.col_kind"): spec.kind, t("train.optimizer"): spec.optimizer,
            t("train.learning_rate"): spec.learning_rate, t("train.batch_size"): spec.batch_size,
            t("train.epochs"): len(snap.epochs), t("train.normalize"): entry.normalize,
            t("metric.test_accuracy"): round(snap.test_accuracy or 0.0, 4),
        })
        if series:
            out[name] = series
    for path in list_models():
        try:
            info = read_info(path)
        except Exception:  # a broken sidecar only hides that model here
            continue
        spec = info.spec or {}
        name = f"{t('models.saved', name=info.name)}"
        series = _history_series(name, info.history, {
            t("compare.col_name"): name, t("compare.col_kind"): spec.get("kind", "?"),
            t("train.optimizer"): spec.get("optimizer", "?"), t("train.learning_rate"): spec.get("learning_rate"),
            t("train.batch_size"): spec.get("batch_size"), t("train.epochs"): len(info.history.get("loss", [])),
            t("train.normalize"): info.normalize,
            t("metric.test_accuracy"): round(float(info.metrics.get("test_accuracy") or 0.0), 4),
        })
        if series:
            out[name] = series
    return out
