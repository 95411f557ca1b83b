"""The class as a teacher sees it: every learner's runs as rows, a leaderboard, the class's
experiment as a figure, the confusion matrix of the whole class, its results as CSV; and what a
teacher does to the class (publish a model to everyone, reset the class).

Rows are read from the store, with each run's progress live from `Runs` while this server trains
it, so the teacher sees the class as the learners see their own runs."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from .datasets import DATASETS
from .errors import AppError
from .storage import models_dir, read_info, safe_model_name, sidecar_path
from .store import Learner, RunRecord, Store

PASSCODE_ENV = "MNIST_DEMO_TEACHER_PASSCODE"
SCATTER_SETTINGS = ("learning_rate", "batch_size", "epochs", "dropout")
LOG_AXES = {"learning_rate", "batch_size"}
TRAINING, WAITING, TESTED = ("running", "stopping"), ("queued",), ("finished", "stopped")


class ClassError(AppError):
    """Something the teacher asked of the class that cannot be done (a taken name, a missing model)."""

    group = "class"


def passcode_matches(given: str, expected: str) -> bool:
    """Whether the teacher typed the passcode, compared in constant time; no passcode matches nothing."""
    import hmac

    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True)
class RunRow:
    """One run of one learner, as the teacher page shows it and the CSV keeps it."""

    learner: str
    class_code: str
    number: int
    label: str
    state: str
    epoch: int
    epochs: int
    accuracy: float | None  # the last batch's training accuracy while it trains; the last epoch's after
    val_accuracy: float | None
    test_accuracy: float | None
    seconds: float
    place: int | None
    kind: str
    preset: str | None
    normalize: bool
    learning_rate: float
    batch_size: int
    dropout: float
    optimizer: str
    dataset: str
    validation: str  # what the per-epoch validation ran on: "holdout" (training images held out) or "test"
    learner_id: str
    run_id: str
    created: float
    confusion: tuple[tuple[int, ...], ...] = ()  # the test's counts once tested (`Snapshot.confusion`)


def _row(learner: Learner, record: RunRecord, snap) -> RunRow:
    spec = record.spec
    last = snap.epochs[-1] if snap.epochs else None
    if snap.done:
        epoch, accuracy = len(snap.epochs), last.accuracy if last else None
    else:
        epoch = min(snap.epochs_done + 1, snap.epochs_total) if snap.state != "queued" else 0
        accuracy = snap.batch_accuracy[-1] if snap.batch_accuracy else None
    return RunRow(
        learner=learner.nickname, class_code=learner.class_code, number=record.number, label=record.label,
        state=snap.state, epoch=epoch, epochs=snap.epochs_total, accuracy=accuracy,
        val_accuracy=last.val_accuracy if last else None, test_accuracy=snap.test_accuracy,
        seconds=round(snap.elapsed, 1), place=snap.queue_position if snap.state == "queued" else None,
        kind=spec.get("kind", "?"), preset=record.preset, normalize=record.normalize,
        learning_rate=spec.get("learning_rate"), batch_size=spec.get("batch_size"), dropout=spec.get("dropout", 0.0),
        optimizer=spec.get("optimizer", "?"), dataset=record.dataset,
        validation=record.config.get("validation", "holdout"), learner_id=learner.id, run_id=record.id,
        created=record.created, confusion=snap.confusion,
    )


TEACHER_SETTING = "teacher"


def mark_teacher(store: Store, learner_id: str) -> None:
    """Mark a workspace as a teacher's: each visit to the teacher page in a new tab is a workspace
    of its own, and none of them is a learner of the class."""
    store.set_settings(learner_id, {TEACHER_SETTING: True})


def class_learners(store: Store, class_code: str | None = None) -> list[Learner]:
    """The learners of a class (every learner with None), oldest first; teachers' workspaces left out."""
    teachers = store.learner_ids_with(TEACHER_SETTING)
    return [learner for learner in store.learners(class_code) if learner.id not in teachers]


def run_rows(store: Store, runs, learners: Iterable[Learner]) -> list[RunRow]:
    """Every run of these learners, oldest first, with its progress now (`Runs.snapshots`: live
    while this server trains it, else as stored, each stored version read and parsed once)."""
    by_id = {learner.id: learner for learner in learners}
    records = [r for r in store.runs(progress=False) if r.learner_id in by_id]
    return [_row(by_id[r.learner_id], r, snap) for r, snap in zip(records, runs.snapshots(records), strict=True)]


def run_snapshot(store: Store, runs, run_id: str):
    """One run's progress now, curves and weight pictures included (live while this server trains
    it); None for a run that is gone."""
    record = store.run(run_id)
    return runs.snapshot(record) if record is not None else None


def current_runs(rows: list[RunRow], learners: Iterable[Learner]) -> list[tuple[Learner, RunRow | None]]:
    """Each learner with their current run: the one training or waiting, else their latest; None
    for a learner who has not trained yet."""
    latest: dict[str, RunRow] = {}
    for row in rows:
        held = latest.get(row.learner_id)
        if held is None or held.state not in TRAINING + WAITING or row.state in TRAINING + WAITING:
            latest[row.learner_id] = row
    return [(learner, latest.get(learner.id)) for learner in learners]


def leaderboard(rows: list[RunRow]) -> list[RunRow]:
    """Ended runs with a test accuracy, best first; of two as good, the faster first."""
    ended = [r for r in rows if r.test_accuracy is not None and r.state in TESTED]
    return sorted(ended, key=lambda r: (-r.test_accuracy, r.seconds))


def counts(rows: list[RunRow]) -> dict[str, int]:
    return {"training": sum(r.state in TRAINING for r in rows), "waiting": sum(r.state in WAITING for r in rows),
            "finished": len(leaderboard(rows))}


def scatter_figure(rows: list[RunRow], setting: str, labels: dict[str, str]):
    """The class's experiment: `setting` of every tested run against its test accuracy, one colour
    for runs whose pixels were divided by 255 and one for raw pixels. `labels` names the axes
    ("x", "y") and the two groups ("normalized", "raw") in the page's language."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for normalize, colour in ((True, "#1f77b4"), (False, "#d62728")):
        group = [r for r in leaderboard(rows) if r.normalize == normalize]
        fig.add_trace(go.Scatter(
            x=[getattr(r, setting) for r in group], y=[r.test_accuracy for r in group], mode="markers",
            name=labels["normalized" if normalize else "raw"], marker={"size": 11, "color": colour, "opacity": 0.8},
            text=[f"{r.learner} #{r.number} {r.label}" for r in group],
            hovertemplate="%{text}<br>%{x}: %{y:.2%}<extra></extra>",
        ))
    fig.update_layout(xaxis_title=labels["x"], yaxis_title=labels["y"], height=380,
                      margin={"l": 10, "r": 10, "t": 30, "b": 10}, legend={"orientation": "h", "y": 1.1})
    log = setting in LOG_AXES
    # One labelled tick per decade (0.0001, not 100µ nor the minor 2 ... 9 between); a close
    # class's accuracies apart to a tenth of a percent.
    fig.update_xaxes(type="log" if log else "linear", exponentformat="none", dtick=1 if log else None)
    fig.update_yaxes(tickformat=".1%", autorangeoptions={"maxallowed": 1.0, "minallowed": 0.0})
    return fig


@dataclass(frozen=True)
class ClassConfusion:
    """The confusion counts of a class's tested runs of one data set, summed: rows are the true
    class, columns the predicted one, and every run adds its whole test set."""

    dataset: str
    matrix: np.ndarray
    runs: int

    @property
    def mistakes(self) -> int:
        return int(self.matrix.sum() - np.trace(self.matrix))

    def most_confused(self) -> tuple[int, int, int]:
        """(true, predicted, count) of the largest off-diagonal cell."""
        from .evaluate import most_confused

        true_class, predicted = most_confused(self.matrix)
        return true_class, predicted, int(self.matrix[true_class, predicted])


def _with_confusion(rows: list[RunRow]) -> list[RunRow]:
    """The tested runs that keep their confusion counts (runs tested before the app kept them do not)."""
    return [r for r in leaderboard(rows) if r.confusion]


def confusion_datasets(rows: list[RunRow]) -> list[str]:
    """The data sets the class's tested runs have confusion counts of, in the app's order."""
    present = {r.dataset for r in _with_confusion(rows)}
    return [d for d in DATASETS if d in present]


def class_confusion(rows: list[RunRow], dataset: str) -> ClassConfusion | None:
    """The class's combined confusion matrix on `dataset`: the sum of its tested runs' matrices,
    read from their stored results (no model is run). None when no tested run of it has one."""
    chosen = [r for r in _with_confusion(rows) if r.dataset == dataset]
    if not chosen:
        return None
    matrix = np.sum([np.asarray(r.confusion, dtype=np.int64) for r in chosen], axis=0)
    return ClassConfusion(dataset, matrix, len(chosen))


CSV_COLUMNS = [f.name for f in fields(RunRow) if f.name != "confusion"]


def results_csv(rows: list[RunRow]) -> str:
    """Every run as one CSV line (settings, state, accuracies, seconds): for a spreadsheet."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        values = asdict(row)
        writer.writerow({name: values[name] for name in CSV_COLUMNS})
    return out.getvalue()


def publish_model(source: Path, name: str, folder: Path | None = None) -> Path:
    """Copy a learner's saved model into the shared models folder under `name`, where every learner
    is offered it and none may change it; its sidecar says the new name. Raises ClassError when a
    shared model has that name already."""
    name = safe_model_name(name)
    folder = folder or models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.keras"
    if not source.exists():
        raise ClassError("model_missing", name=source.stem)
    if target.exists():
        raise ClassError("name_taken", name=name)
    info = read_info(source)
    info.name = name
    for path, write in ((sidecar_path(target), lambda tmp: tmp.write_text(info.to_json(), encoding="utf-8")),
                        (target, lambda tmp: shutil.copyfile(source, tmp))):
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        os.close(fd)
        try:
            write(Path(tmp))
            os.chmod(tmp, 0o444)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return target


def reset_class(store: Store, runs, root: Path, learner_ids: Iterable[str], wait: float = 10.0) -> int:
    """Delete these learners' workspaces: their runs (stopped first), models, settings and folders.
    Returns how many were deleted."""
    learner_ids = list(learner_ids)
    unfinished = [r for r in store.runs(states=TRAINING + WAITING) if r.learner_id in set(learner_ids)]
    for record in unfinished:
        live = runs.live(record.id)
        if runs.stop(record.id, "the class was reset") and live is not None:
            live.join(wait)
    store.delete_learners(learner_ids)
    for learner_id in learner_ids:
        with contextlib.suppress(OSError):
            shutil.rmtree(root / "models" / learner_id)
    return len(learner_ids)
