"""The learner's trainings as the pages see them: starting, polling, saving, continuing, comparing.

Runs belong to the learner's workspace (`ui.workspace`), not to this browser session: another
tab, a reload or a restarted server shows the same ones. A `RunView` is one of them as a page
reads it: the record the store keeps, the live snapshot while this server trains it."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from functools import cached_property

import streamlit as st

from ..store import RunRecord
from ..workspace import Workspace, WorkspaceError
from .text import duration, explain, t
from .workspace import current, runs


@dataclass
class RunView:
    """One of the learner's runs, as a page reads it."""

    record: RunRecord
    workspace: Workspace
    continued: bool = False  # a later run trains this one's model further: offer that one instead
    saved_as: str | None = None

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def number(self) -> int:
        return self.record.number

    @property
    def label(self) -> str:
        """What the run is called on the page, in the learner's language: the stored name (the preset,
        "MLP" for an experiment, "+N" for a continuation) and how its pixels went in."""
        return f"{self.record.label} ({scaling_label(self.normalize)})"

    def wait_seconds(self) -> float | None:
        return runs().wait_seconds(self.id)

    @property
    def preset(self) -> str | None:
        return self.record.preset

    @property
    def dataset(self) -> str:
        return self.record.dataset

    @property
    def normalize(self) -> bool:
        return self.record.normalize

    @cached_property
    def spec(self):
        from ..models import ModelSpec

        return ModelSpec.from_dict(self.record.spec)

    def snapshot(self):
        snap = runs().snapshot(self.record)
        if snap.settled and not self.record.done:
            self.record = runs().settled(self.record)
        return snap

    def history(self) -> dict:
        return self.snapshot().history()

    def touch(self) -> None:
        runs().touch(self.id)

    @property
    def validates_on_test(self) -> bool:
        return self.record.config.get("validation") == "test"

    @property
    def model_path(self):
        return self.workspace.path(self.record.model_file) if self.record.model_file else None

    def model(self):
        """The Keras model: in memory while this server holds it, else read from the run's file."""
        model = runs().model(self.id)
        if model is None and self.model_path is not None:
            from ..storage import load_keras_model

            model = load_keras_model(self.model_path)
        return model

    def predictor(self):
        """A Predictor for the run's model file (None until the run has ended and kept one)."""
        from .resources import predictor_from_file

        path = self.model_path
        if path is None or not path.exists():
            return None
        return predictor_from_file(str(path), path.stat().st_mtime)

    def download_bytes(self) -> bytes:
        return self.model_path.read_bytes()


class Poll:
    """A fragment that polls while something runs, and reruns the whole page once when it ends,
    so that the parts of the page outside the fragment show the result.

    The page decorates the fragment with `run_every=poll.every(running, queued)`; the fragment
    calls `poll.rerun_page_if(done, queued)` after drawing. A queued run polls at
    `queued_seconds`: its place and wait change slowly, and a class of 30 queued learners
    polling every second kept a server's one Python thread busy with nothing else; the page
    reruns once when the run leaves the queue, to poll at the training pace."""

    def __init__(self, flag: str, seconds: float, queued_seconds: float | None = None):
        self.flag, self.seconds, self.queued_seconds = flag, seconds, queued_seconds or seconds

    def every(self, running: bool, queued: bool = False) -> float | None:
        st.session_state[self.flag] = running
        st.session_state[f"{self.flag}_queued"] = running and queued
        if not running:
            return None
        return self.queued_seconds if queued else self.seconds

    def rerun_page_if(self, done: bool, queued: bool = False) -> None:
        if done and st.session_state.pop(self.flag, False):
            st.rerun()
        was_queued = st.session_state.get(f"{self.flag}_queued", False)
        st.session_state[f"{self.flag}_queued"] = was_queued and queued
        if was_queued and not queued and self.queued_seconds != self.seconds:
            st.rerun()


def learner_runs(workspace: Workspace | None = None) -> list[RunView]:
    """The learner's runs, oldest first."""
    workspace = workspace or current()
    records = workspace.runs()
    continued = {r.continued_from for r in records if r.continued_from}
    saved = {s.run_id: s.name for s in reversed(workspace.saved_models("run")) if s.run_id}
    return [RunView(r, workspace, r.id in continued, saved.get(r.id)) for r in records]


def active_run(entries: list[RunView] | None = None) -> RunView | None:
    """The learner's run still training or being tested (at most one: Train waits for it)."""
    for entry in reversed(learner_runs() if entries is None else entries):
        if not entry.snapshot().settled:
            return entry
    return None


def latest_run() -> RunView | None:
    found = learner_runs()
    return found[-1] if found else None


def run_by_id(run_id: str) -> RunView | None:
    return next((e for e in learner_runs() if e.id == run_id), None)


def touch_runs(entries: list[RunView] | None = None) -> None:
    """Heartbeat: the learner still watches their queued runs, which keep their place."""
    for entry in learner_runs() if entries is None else entries:
        if not entry.record.done:
            entry.touch()


def stop_run(entry: RunView, reason: str, wait: float = 0.9) -> None:
    """Stop the run and give it up to `wait` seconds to end its batch, so that the page the click
    reruns already says "stopped" instead of "stopping"."""
    live = runs().live(entry.id)
    if runs().stop(entry.id, reason) and live is not None:
        deadline = time.monotonic() + wait
        while not live.snapshot().done and time.monotonic() < deadline:
            time.sleep(0.02)


def status_line(label: str, snap, wait_seconds: float | None) -> tuple[str, float | None]:
    """The sidebar's words for a run in progress, and its progress bar's fill (None: no bar).
    What a run has not measured yet (its place and wait in the queue, its epochs before its
    thread has set them) reads as words, never as "None" or a format error."""
    if snap.state == "queued":
        return t("frame.queued", label=label, place=snap.queue_position or 1, wait=duration(wait_seconds)), None
    if snap.evaluating:
        return t("frame.testing", label=label), snap.evaluated
    epoch = min(snap.epochs_done + 1, snap.epochs_total) if snap.epochs_total else "…"
    return t("frame.training", label=label, epoch=epoch, epochs=snap.epochs_total or "…"), snap.fraction


def run_error(snap) -> str | None:
    """Why the run failed, in the learner's language when the library said it as an AppError."""
    return t(snap.error_key, **snap.error_values) if snap.error_key else snap.error


def scaling_label(normalize: bool) -> str:
    return t("common.setting.normalized") if normalize else t("common.setting.raw")


def start_training(spec, ds, *, normalize: bool, train_images: int, preset: str,
                   validate_on_test: bool = False) -> RunView:
    """Queue a training of `spec` for the learner; it starts when the server has a free slot."""
    from ..training import HOLDOUT, TEST, RunConfig

    config = RunConfig(dataset=ds.name, normalize=normalize, train_limit=train_images,
                       validation=TEST if validate_on_test else HOLDOUT)
    workspace = current()
    record = runs().start(workspace, spec, ds, config, label=preset, preset=preset)
    return RunView(record, workspace)


def continue_run(entry: RunView, ds, more_epochs: int) -> RunView:
    """Train the ended run's model for more epochs; its curves go on where they stopped."""
    record = runs().continue_run(entry.workspace, entry.record, ds, more_epochs,
                                 label=f"{entry.record.label} +{more_epochs}")
    return RunView(record, entry.workspace)


def start_normalization_experiment(spec, ds, train_images: int) -> tuple[RunView, RunView]:
    """The same model, same seed, trained twice: pixels / 255 and raw 0-255 (they queue like any run)."""
    from ..training import RunConfig

    workspace, experiment = current(), secrets.token_hex(4)
    entries = []
    for normalize in (True, False):
        config = RunConfig(dataset=ds.name, normalize=normalize, train_limit=train_images, seed=0)
        record = runs().start(workspace, spec, ds, config, label=spec.kind.upper(), experiment=experiment)
        entries.append(RunView(record, workspace))
    return entries[0], entries[1]


def latest_experiment() -> tuple[RunView, RunView] | None:
    """The learner's last normalization experiment: its /255 run and its raw run."""
    found = [e for e in learner_runs() if e.record.experiment]
    if not found:
        return None
    last = found[-1].record.experiment
    pair = sorted((e for e in found if e.record.experiment == last), key=lambda e: not e.normalize)
    return (pair[0], pair[1]) if len(pair) == 2 else None


def save_run(entry: RunView, name: str, replace: bool = False) -> tuple[str | None, str | None, bool]:
    """Keep a run's model under a name in the workspace: (name, None, False) when saved, else
    (None, why not, whether asking "replace it?" would help)."""
    from ..storage import InvalidNameError

    try:
        saved = entry.workspace.save_run(entry.record, name, replace=replace)
    except WorkspaceError as e:
        return None, explain(e), e.reason == "name_taken"
    except InvalidNameError as e:
        return None, explain(e), False
    return saved.name, None, False


def _history_series(name: str, history: dict, settings: dict, snap=None) -> dict | None:
    """A run's curves for Compare: per epoch, and (for a run, not a saved model) its smoothed
    batch curve, without which a one-epoch run would be a single dot."""
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
        "batch_x": list(snap.batch_x) if snap is not None else [],
        "batch_loss": list(snap.batch_loss) if snap is not None else [],
        "batch_accuracy": list(snap.batch_accuracy) if snap is not None else [],
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
    """Per-epoch histories of the learner's ended runs and saved models, by display name."""
    workspace = current()
    out: dict[str, dict] = {}
    for entry in learner_runs(workspace):
        snap = entry.snapshot()
        if not snap.settled or not snap.epochs:
            continue
        spec = entry.spec
        name = f"#{entry.number} {entry.label}"
        series = _history_series(name, snap.history(), _settings_row(
            name, spec.kind, spec.optimizer, spec.learning_rate, spec.batch_size, len(snap.epochs), entry.normalize,
            snap.test_accuracy), snap)
        if series:
            out[name] = series
    for saved in workspace.saved_models("run"):
        spec, info = saved.info.get("spec") or {}, saved.info
        name = t("common.models.saved", name=saved.name)
        series = _history_series(name, info.get("history") or {}, _settings_row(
            name, spec.get("kind", "?"), spec.get("optimizer", "?"), spec.get("learning_rate"),
            spec.get("batch_size"), len((info.get("history") or {}).get("loss", [])), saved.normalize,
            (info.get("metrics") or {}).get("test_accuracy")))
        if series:
            out[name] = series
    return out
