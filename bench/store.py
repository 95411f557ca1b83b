"""The learner store: the size of one workspace holding ten runs of the class default, the time to
write a run's progress, and the 60-learner hammer (threads and two processes) with what it kept.

The reference for a write is the same progress JSON written to a file atomically (temp file,
fsync, rename), the cheapest durable write there is; a run's progress is written once per batch
change, so the ratio says what the database costs over a bare file."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from .common import median, result

FIGURE = "store: write a run's progress / 10-run workspace / 60-learner hammer"
TARGET = "nothing lost; a write <= 20 ms"
RUNS_IN_WORKSPACE = 10
WRITES = 200


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _workspace_with_runs(root: Path, ds) -> tuple[int, int, int, dict]:
    """Ten real (short) runs of the class default in one workspace: (model bytes, database bytes,
    whole state folder bytes, one run's stored progress)."""
    from mnist_demo.choices import CLASS_DEFAULTS
    from mnist_demo.models import preset
    from mnist_demo.runs import Runs
    from mnist_demo.training import RunConfig, TrainingQueue
    from mnist_demo.workspace import Workspace, open_store

    store = open_store(root)
    learner, _ = store.create_learner("bench")
    workspace = Workspace(store, learner, root)
    runs = Runs(store, root, TrainingQueue(1), persist_every=0.2)
    spec = preset(CLASS_DEFAULTS["preset"]).replace(epochs=CLASS_DEFAULTS["epochs"])
    records = []
    for n in range(RUNS_IN_WORKSPACE):
        record = runs.start(workspace, spec, ds, RunConfig(dataset=ds.name, train_limit=2000, test_limit=1000),
                            label=f"run {n}")
        runs.live(record.id).join()
        records.append(runs.settled(record))
    runs.close()
    progress = store.run(records[-1].id).progress_data()
    store.close()
    models = sum(workspace.path(r.model_file).stat().st_size for r in records if r.model_file)
    database = sum(p.stat().st_size for p in root.glob("*.db*"))
    return models, database, _folder_bytes(root), progress


def _write_seconds(root: Path, progress: dict) -> tuple[list[float], list[float]]:
    """Seconds per store.update_run of `progress`, and per atomic file write of the same JSON."""
    from harness.store_hammer import run_record
    from mnist_demo.workspace import open_store

    store = open_store(root / "writes")
    learner, _ = store.create_learner("writer")
    run = store.add_run(run_record(learner.id, state="running"))
    store_times, file_times = [], []
    target = root / "progress.json"
    payload = json.dumps(progress)
    for i in range(WRITES):
        started = time.perf_counter()
        store.update_run(run.id, state="running", progress=progress)
        store_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        tmp = target.with_suffix(f".{i}.tmp")
        with open(tmp, "w") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        file_times.append(time.perf_counter() - started)
    store.close()
    return store_times, file_times


def _hammer(root: Path) -> tuple[float, dict]:
    """The test suite's hammer (30 learners in threads here, 15 in each of two processes, six runs,
    settings and saves each): seconds, and what the store holds after."""
    from harness.store_hammer import hammer_class
    from mnist_demo.store import Store

    path = str(root / "hammer.db")
    Store.open(path).close()
    started = time.perf_counter()
    exit_codes = hammer_class(path, threads=30, processes=2, per_process=15, rounds=6)
    seconds = time.perf_counter() - started
    store = Store.open(path)
    learners = store.learners()
    kept = {
        "learners": len(learners),
        "runs": sum(len(store.runs(learner.id)) for learner in learners),
        "saves": sum(len(store.saved_models(learner.id)) for learner in learners),
        "exit_codes": exit_codes,
    }
    store.close()
    return seconds, kept


def run(quick: bool = False) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("MNIST_DEMO_TRAINING_NICE", "0")
    from mnist_demo.data import load_dataset

    ds = load_dataset("mnist")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        models, database, total, progress = _workspace_with_runs(root / "state", ds)
        store_times, file_times = _write_seconds(root, progress)
        hammer_seconds, kept = _hammer(root)
    write, reference = median(store_times), median(file_times)
    expected = {"learners": 60, "runs": 360, "saves": 360, "exit_codes": [0, 0]}
    lost_nothing = kept == expected
    mb = 2**20
    return result(
        FIGURE, write, reference, write / reference, TARGET, lost_nothing and write <= 0.020, unit="s",
        value_text=(f"write {write * 1000:.1f} ms; workspace of {RUNS_IN_WORKSPACE} runs {total / mb:.1f} MB; "
                    f"hammer {kept['learners']} learners, {kept['runs']} runs, {kept['saves']} saves kept"),
        reference_text=f"atomic file write of the same {len(json.dumps(progress)) / 1024:.0f} KB: "
                       f"{reference * 1000:.1f} ms",
        ratio_text=f"{write / reference:.2f}x",
        note=(f"workspace: models {models / mb:.1f} MB, database {database / 1024:.0f} KB; "
              f"hammer took {hammer_seconds:.1f} s, kept {kept} (expected {expected})"),
        workspace_bytes=total, model_bytes=models, database_bytes=database, hammer_seconds=hammer_seconds,
        hammer_kept=kept, write_p90=sorted(store_times)[int(0.9 * len(store_times))],
    )


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
