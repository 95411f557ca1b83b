"""The teacher page's refresh cost with a class of 30: server CPU per second while it is open.

The class lives in a real store: 30 learners, each with 10 ended runs whose curves are as long as
the store keeps them (`runs.STORED_CURVE_POINTS`), with their confusion counts, and one run
waiting. The page is run whole in `AppTest` (the frame, then the teacher page): an upper bound of
what its live part, a fragment redrawn every `LIVE_EVERY_SECONDS`, costs. The reference is the
same page with an empty class, measured in the same run; CPU is the process's (user + system) per
refresh. Projector mode (the best run shown large) is measured too, beside the figure."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from .common import result

FIGURE = "teacher page refresh, 30 learners (server CPU per second)"
TARGET = "<= 0.25 CPU-seconds per second"
LEARNERS, RUNS_EACH, EPOCHS = 30, 10, 3
PASSCODE = "bench-passcode"


def fill_class(root: Path, learners: int = LEARNERS, runs_each: int = RUNS_EACH) -> None:
    """A class in the store at `root`: learners with ended runs (long curves) and one queued run each."""
    import random

    from mnist_demo.runs import STORED_CURVE_POINTS, stored_progress
    from mnist_demo.store import RunRecord, new_id
    from mnist_demo.training import EpochResult, Snapshot
    from mnist_demo.workspace import open_store

    def confusion() -> tuple:
        """A test of 10,000 images: about 1,000 of each class, mostly right."""
        rows = []
        for true_class in range(10):
            row = [rng.randrange(0, 12) for _ in range(10)]
            row[true_class] = 1000 - sum(row) + row[true_class]
            rows.append(tuple(row))
        return tuple(rows)

    rng = random.Random(0)
    store = open_store(root)
    n = STORED_CURVE_POINTS
    for i in range(learners):
        learner, _ = store.create_learner(f"learner-{i:02d}", "bench")
        for j in range(runs_each + 1):
            ended = j < runs_each
            snap = Snapshot(
                state="finished" if ended else "queued", queue_position=None if ended else i + 1,
                epochs_total=EPOCHS, epochs_done=EPOCHS if ended else 0, batches_per_epoch=n // EPOCHS,
                batch_x=tuple(k / (n // EPOCHS) for k in range(n)) if ended else (),
                batch_loss=tuple(rng.random() for _ in range(n)) if ended else (),
                batch_accuracy=tuple(rng.random() for _ in range(n)) if ended else (),
                epochs=tuple(EpochResult(e + 1, rng.random(), rng.random(), rng.random(), rng.random(), 10.0)
                             for e in range(EPOCHS)) if ended else (),
                elapsed=30.0 if ended else 0.0, test_loss=0.1 if ended else None,
                test_accuracy=0.9 + rng.random() / 10 if ended else None, confusion=confusion() if ended else (),
            )
            store.add_run(RunRecord(
                id=new_id(), learner_id=learner.id, number=0, label="mlp-64", dataset="mnist",
                normalize=rng.random() < 0.5, spec={"kind": "mlp", "learning_rate": rng.choice([0.001, 0.01, 0.1]),
                                                    "batch_size": rng.choice([32, 128]), "dropout": 0.0,
                                                    "optimizer": "rmsprop"},
                config={}, state=snap.state, preset="mlp-64", progress=json.dumps(stored_progress(snap)),
                owner="bench"))
    store.close()


def _refresh_cpu(root: Path, refreshes: int, projector: bool = False) -> float:
    """Median process CPU seconds of one whole run of the signed-in teacher page on the class at `root`
    (in projector mode, showing the class's best run, with `projector`)."""
    from streamlit.testing.v1 import AppTest

    from harness.server import APP

    os.environ["MNIST_DEMO_STATE_DIR"] = str(root)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.context = {"locale": "en-US"}
    at.switch_page("pages/teacher.py")
    at.run()
    at.text_input(key="teacher_passcode").input(PASSCODE)
    next(b for b in at.button if b.label == "Open the teacher page").click().run()
    assert at.metric, "the teacher page did not open"
    if projector:
        at.toggle(key="teacher_projector").set_value(True).run()
    samples = []
    for _ in range(refreshes):
        cpu = time.process_time()
        at.run()
        samples.append(time.process_time() - cpu)
    assert not at.exception, [e.value for e in at.exception]
    return statistics.median(samples)


def run(quick: bool = False) -> dict:
    os.environ["MNIST_DEMO_TEACHER_PASSCODE"] = PASSCODE
    os.environ.setdefault("MNIST_DEMO_OFFLINE", "1")
    every = 2.0  # pages/teacher.py LIVE_EVERY_SECONDS
    learners, refreshes = (5, 3) if quick else (LEARNERS, 15)
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as full:
        fill_class(Path(full), learners)
        _refresh_cpu(Path(empty), 1)  # imports and caches paid once, before either is measured
        reference = _refresh_cpu(Path(empty), refreshes)
        value = _refresh_cpu(Path(full), refreshes)
        projector = _refresh_cpu(Path(full), refreshes, projector=True)
    per_second = value / every
    return result(FIGURE, per_second, reference / every, value / reference, TARGET, per_second <= 0.25,
                  unit="CPU-s/s", learners=learners, runs=learners * (RUNS_EACH + 1), refresh_every_s=every,
                  cpu_per_refresh_s=round(value, 4), empty_class_cpu_per_refresh_s=round(reference, 4),
                  projector_cpu_per_second=round(projector / every, 4))
