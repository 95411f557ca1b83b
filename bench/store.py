"""The learner store: the size of one workspace holding ten runs of the class default, the time to
write a run's progress, and the 60-learner hammer (threads and two processes) with what it kept.

The reference for a write is the same progress JSON written to a file atomically (temp file,
fsync, rename), the cheapest durable write there is; a run's progress is written once per batch
change, so the ratio says what the database costs over a bare file.

    python -m bench.store [--postgres | --database-url URL]

With `--postgres` (a local PostgreSQL started for the run, with its durable defaults) or a
database URL, the same writes and the same hammer also run on PostgreSQL, beside SQLite's."""

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


def _write_seconds(root: Path, progress: dict, location: str | None = None) -> tuple[list[float], list[float]]:
    """Seconds per store.update_run of `progress` (to the store at `location`, else a new SQLite
    one), and per atomic file write of the same JSON."""
    from harness.store_hammer import run_record
    from mnist_demo.store import Store
    from mnist_demo.workspace import open_store

    store = Store.open(location) if location else open_store(root / "writes")
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


def _hammer(location: str) -> tuple[float, dict]:
    """The test suite's hammer (30 learners in threads here, 15 in each of two processes, six runs,
    settings and saves each) on the store at `location`: seconds, and what it added to the store."""
    from harness.store_hammer import hammer_class
    from mnist_demo.store import Store

    before = _held(location)
    started = time.perf_counter()
    exit_codes = hammer_class(location, threads=30, processes=2, per_process=15, rounds=6)
    seconds = time.perf_counter() - started
    after = _held(location)
    kept = {name: after[name] - before[name] for name in after}
    kept["exit_codes"] = exit_codes
    Store.open(location).close()
    return seconds, kept


def _held(location: str) -> dict:
    from mnist_demo.store import Store

    store = Store.open(location)
    learners = store.learners()
    held = {
        "learners": len(learners),
        "runs": sum(len(store.runs(learner.id)) for learner in learners),
        "saves": sum(len(store.saved_models(learner.id)) for learner in learners),
    }
    store.close()
    return held


EXPECTED = {"learners": 60, "runs": 360, "saves": 360, "exit_codes": [0, 0]}


def run(quick: bool = False, database_url: str | None = None, lazy_url: str | None = None) -> dict:
    """SQLite's figures; with `database_url`, PostgreSQL's writes and hammer beside them; with
    `lazy_url` (a PostgreSQL database without synchronous_commit), its writes too."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("MNIST_DEMO_TRAINING_NICE", "0")
    from mnist_demo.data import load_dataset

    ds = load_dataset("mnist")
    postgres = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        models, database, total, progress = _workspace_with_runs(root / "state", ds)
        store_times, file_times = _write_seconds(root, progress)
        hammer_seconds, kept = _hammer(str(root / "hammer.db"))
        if database_url:
            pg_times, pg_file_times = _write_seconds(root, progress, database_url)
            pg_hammer_seconds, pg_kept = _hammer(database_url)
            postgres = {"postgres_write": median(pg_times), "postgres_write_p90": _p90(pg_times),
                        "postgres_file_reference": median(pg_file_times),
                        "postgres_hammer_seconds": pg_hammer_seconds, "postgres_hammer_kept": pg_kept}
        if lazy_url:
            postgres["postgres_lazy_commit_write"] = median(_write_seconds(root, progress, lazy_url)[0])
    write, reference = median(store_times), median(file_times)
    lost_nothing = kept == EXPECTED and postgres.get("postgres_hammer_kept", EXPECTED) == EXPECTED
    mb = 2**20
    value_text = (f"write {write * 1000:.1f} ms; workspace of {RUNS_IN_WORKSPACE} runs {total / mb:.1f} MB; "
                  f"hammer {kept['learners']} learners, {kept['runs']} runs, {kept['saves']} saves kept")
    note = (f"workspace: models {models / mb:.1f} MB, database {database / 1024:.0f} KB; "
            f"hammer took {hammer_seconds:.1f} s, kept {kept} (expected {EXPECTED})")
    if postgres:
        value_text += (f"; PostgreSQL: write {postgres['postgres_write'] * 1000:.1f} ms "
                       f"({postgres['postgres_write'] / write:.1f}x SQLite's)")
        if "postgres_lazy_commit_write" in postgres:
            value_text += f", {postgres['postgres_lazy_commit_write'] * 1000:.1f} ms without synchronous_commit"
        note += (f"; PostgreSQL hammer took {postgres['postgres_hammer_seconds']:.1f} s "
                 f"({postgres['postgres_hammer_seconds'] / hammer_seconds:.1f}x SQLite's), "
                 f"kept {postgres['postgres_hammer_kept']}")
    return result(
        FIGURE, write, reference, write / reference, TARGET,
        lost_nothing and max(write, postgres.get("postgres_write", 0)) <= 0.020, unit="s",
        value_text=value_text,
        reference_text=f"atomic file write of the same {len(json.dumps(progress)) / 1024:.0f} KB: "
                       f"{reference * 1000:.1f} ms",
        ratio_text=f"{write / reference:.2f}x",
        note=note,
        workspace_bytes=total, model_bytes=models, database_bytes=database, hammer_seconds=hammer_seconds,
        hammer_kept=kept, write_p90=_p90(store_times), **postgres,
    )


def _p90(times: list[float]) -> float:
    return sorted(times)[int(0.9 * len(times))]


def _lazy_commits(server) -> str:
    """A new database on `server` whose commits do not wait for the disk, like SQLite's WAL with
    synchronous=NORMAL (what the store sets): a crash keeps the database whole, may lose the last commits."""
    import psycopg

    url = server.new_database()
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {url.rsplit('/', 1)[1]} SET synchronous_commit = off")
    return url


def main(argv=None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", action="store_true",
                       help="also measure on a local PostgreSQL started for this run (Debian's binaries)")
    where.add_argument("--database-url", help="also measure on this PostgreSQL database (the hammer counts "
                                              "what it adds)")
    args = parser.parse_args(argv)
    if args.postgres:
        from harness.postgres import running_postgres

        with running_postgres(settings={}) as server:  # PostgreSQL's durable defaults: fsync on every commit
            print(json.dumps(run(database_url=server.new_database(), lazy_url=_lazy_commits(server)), indent=2))
    else:
        print(json.dumps(run(database_url=args.database_url), indent=2))


if __name__ == "__main__":
    main()
