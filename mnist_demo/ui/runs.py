"""The trainings this browser session started: starting, polling, saving, continuing, comparing.

A `TrainingRun` trains in a background thread and never touches Streamlit; a `SessionRun`
is what the pages keep of it in `st.session_state`."""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from .resources import training_queue
from .text import explain, t

ABANDON_AFTER_SECONDS = 90
_run_numbers = itertools.count(1)


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
    continued: bool = False  # a later run trains this one's model further: offer that one instead
    download: bytes | None = None  # the model as .keras bytes, made once for the download button

    def get_predictor(self):
        if self.predictor is None and self.run.model is not None and self.run.snapshot().done:
            from ..predict import Predictor
            from ..storage import ModelInfo

            info = ModelInfo(name=self.label, normalize=self.normalize, dataset=self.dataset, preset=self.preset)
            self.predictor = Predictor(self.run.model, info)
        return self.predictor

    def download_bytes(self) -> bytes:
        if self.download is None:
            self.download = model_bytes(self.run.model)
        return self.download


class Poll:
    """A fragment that polls while something runs, and reruns the whole page once when it ends,
    so that the parts of the page outside the fragment show the result.

    The page decorates the fragment with `run_every=poll.every(running)`; the fragment calls
    `poll.rerun_page_if(done)` after drawing."""

    def __init__(self, flag: str, seconds: float):
        self.flag, self.seconds = flag, seconds

    def every(self, running: bool) -> float | None:
        st.session_state[self.flag] = running
        return self.seconds if running else None

    def rerun_page_if(self, done: bool) -> None:
        if done and st.session_state.pop(self.flag, False):
            st.rerun()


def session_runs() -> list[SessionRun]:
    return st.session_state.setdefault("runs", [])


def active_run() -> SessionRun | None:
    for entry in reversed(session_runs()):
        if not entry.run.snapshot().done:
            return entry
    return None


def latest_run() -> SessionRun | None:
    runs = session_runs()
    return runs[-1] if runs else None


def run_by_number(number: int) -> SessionRun | None:
    return next((e for e in session_runs() if e.number == number), None)


def touch_runs() -> None:
    """Heartbeat: this session is still open, so its runs must not be reaped."""
    for entry in session_runs():
        entry.run.touch()


def _queued_run(spec, ds, config, **continuation):
    """A TrainingRun of this session, started: it waits in the server's queue for a free slot and
    stops itself once nobody has polled it for a while (its tab was closed)."""
    from ..training import TrainingRun

    return TrainingRun(spec, ds, config, queue=training_queue(), abandon_after=ABANDON_AFTER_SECONDS,
                       **continuation).start()


def _added(run, *, normalize: bool, preset: str | None, dataset: str, label: str) -> SessionRun:
    entry = SessionRun(next(_run_numbers), label, run, normalize, preset, dataset)
    session_runs().append(entry)
    return entry


def scaling_label(normalize: bool) -> str:
    return t("common.setting.normalized") if normalize else t("common.setting.raw")


def start_training(spec, ds, *, normalize: bool, train_images: int, preset: str) -> SessionRun:
    """Queue a training of `spec` for this session; it starts when the server has a free slot."""
    from ..training import RunConfig

    config = RunConfig(dataset=ds.name, normalize=normalize, train_limit=train_images)
    return _added(_queued_run(spec, ds, config), normalize=normalize, preset=preset, dataset=ds.name,
                  label=f"{preset} ({scaling_label(normalize)})")


def continue_run(entry: SessionRun, ds, more_epochs: int) -> SessionRun:
    """Train the finished run's model for more epochs; its curves go on where they stopped."""
    run = _queued_run(entry.run.spec, ds, entry.run.config, continue_from=entry.run, more_epochs=more_epochs)
    entry.continued = True
    return _added(run, normalize=entry.normalize, preset=entry.preset, dataset=entry.dataset,
                  label=f"{entry.label} +{more_epochs}")


def start_normalization_experiment(spec, ds, train_images: int) -> tuple[SessionRun, SessionRun]:
    """The same model, same seed, trained twice: pixels / 255 and raw 0-255 (they queue like any run)."""
    from ..training import RunConfig

    entries = []
    for normalize in (True, False):
        config = RunConfig(dataset=ds.name, normalize=normalize, train_limit=train_images, seed=0)
        entries.append(_added(_queued_run(spec, ds, config), normalize=normalize, preset=None, dataset=ds.name,
                              label=f"{spec.kind.upper()} {scaling_label(normalize)}"))
    return entries[0], entries[1]


def save_run(entry: SessionRun, name: str) -> tuple[str | None, str | None]:
    """Save a finished run to models/ with its sidecar: (file name, None) or (None, why not)."""
    from ..storage import InvalidNameError, ModelInfo, SaveError, save_model

    snap = entry.run.snapshot()
    info = ModelInfo(
        name=name, normalize=entry.normalize, dataset=entry.dataset, preset=entry.preset,
        spec=entry.run.spec.to_dict(), history=entry.run.history(),
        metrics={"test_accuracy": snap.test_accuracy, "test_loss": snap.test_loss},
    )
    try:
        path = save_model(entry.run.model, name, info)
    except (InvalidNameError, SaveError) as e:
        return None, explain(e)
    entry.saved_as = path.stem
    return path.name, None


def model_bytes(model) -> bytes:
    """The model as `.keras` bytes, for a download button."""
    from ..storage import ModelInfo, save_model

    with tempfile.TemporaryDirectory() as tmp:
        path = save_model(model, "download", ModelInfo(name="download"), Path(tmp))
        return path.read_bytes()


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


def _settings_row(name, kind, optimizer, learning_rate, batch_size, epochs, normalize, test_accuracy) -> dict:
    return {
        t("compare.col_name"): name, t("compare.col_kind"): kind, t("common.setting.optimizer"): optimizer,
        t("common.setting.learning_rate"): learning_rate, t("common.setting.batch_size"): batch_size,
        t("common.setting.epochs"): epochs, t("common.setting.normalize"): normalize,
        t("common.metric.test_accuracy"): round(float(test_accuracy or 0.0), 4),
    }


def comparable_histories() -> dict[str, dict]:
    """Per-epoch histories of this session's finished runs and of saved models, by display name."""
    from ..storage import list_models, read_info

    out: dict[str, dict] = {}
    for entry in session_runs():
        snap = entry.run.snapshot()
        if not snap.done or not snap.epochs:
            continue
        spec = entry.run.spec
        name = f"#{entry.number} {entry.label}"
        series = _history_series(name, entry.run.history(), _settings_row(
            name, spec.kind, spec.optimizer, spec.learning_rate, spec.batch_size, len(snap.epochs), entry.normalize,
            snap.test_accuracy))
        if series:
            out[name] = series
    for path in list_models():
        try:
            info = read_info(path)
        except Exception:  # a broken sidecar only hides that model here
            continue
        spec = info.spec or {}
        name = t("common.models.saved", name=info.name)
        series = _history_series(name, info.history, _settings_row(
            name, spec.get("kind", "?"), spec.get("optimizer", "?"), spec.get("learning_rate"),
            spec.get("batch_size"), len(info.history.get("loss", [])), info.normalize,
            info.metrics.get("test_accuracy")))
        if series:
            out[name] = series
    return out
