"""Every learner's training runs on this server: started, followed live, kept in the store.

A run trains in a `TrainingRun` thread, or in a Ray actor when the server is given a cluster
(`ray_training`: RAY_ADDRESS); `Runs` (one per process) knows the ones this server
runs and mirrors each into the store: its state and curves about once a second while it trains
(so a reload, another tab or another app server sees it grow), its model file and final
numbers when it ends. After a restart the store still has every ended run; one that was
training when its server stopped says "interrupted" and keeps its curves up to then.

Each app server beats in the store's `servers` table; an unfinished run whose server has not
beaten for `ORPHAN_AFTER_SECONDS` was cut off, and is marked interrupted by any server. A run is
stopped from any server: one that does not train it leaves the request in the store, where the
server that does reads it each time it persists.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import threading
import time
from dataclasses import asdict, replace
from pathlib import Path

from .evaluations import Evaluations
from .models import ModelSpec, training_flops
from .ray_training import RayTrainingRun, ray_address, training_slots
from .storage import ModelInfo, save_model, save_model_bytes
from .store import RunRecord, Store, new_id
from .training import DONE_STATES, FAILED, INTERRUPTED, RunConfig, Snapshot, TrainingQueue, TrainingRun
from .workspace import Workspace

PERSIST_EVERY_SECONDS = 1.0
ORPHAN_AFTER_SECONDS = 15.0
STORED_CURVE_POINTS = 2000  # batch curves in the store are thinned to this many points
RECENT_MODELS = 16  # ended runs whose Keras model stays in memory, for "train N more epochs"
QUEUED_UNSEEN_SECONDS = 600  # a queued run nobody has looked at for this long gives up its place
START_RATES = {"mlp": 5e9, "cnn": 25e9}  # training FLOP/s a 2-core server reaches, until it has measured its own
RUN_OVERHEAD_SECONDS = 3.0  # building and compiling a model, testing it: until this server has measured it
RAY_START_SECONDS = 15.0  # a Ray worker's start (TensorFlow, the data), until this server has measured its own


def stored_progress(snap: Snapshot) -> dict:
    """The snapshot as the store keeps it: batch curves thinned to STORED_CURVE_POINTS."""
    data = snap.to_dict()
    n = len(data["batch_x"])
    if n > STORED_CURVE_POINTS:
        step = -(-n // STORED_CURVE_POINTS)
        keep = list(range(0, n, step))
        if keep[-1] != n - 1:
            keep.append(n - 1)
        for name in ("batch_x", "batch_loss", "batch_accuracy"):
            data[name] = [data[name][i] for i in keep]
    data["weights"] = data["weights"][-1:]  # the page shows the latest; each is a few KB, written every second
    return data


class Runs:
    """The runs of every learner, as this server sees them (see the module docstring)."""

    def __init__(self, store: Store, root: Path, queue: TrainingQueue | None = None,
                 persist_every: float = PERSIST_EVERY_SECONDS, evaluations: Evaluations | None = None):
        self.store = store
        self.root = root
        self.queue = queue or TrainingQueue()  # on Ray, only its pause is used: the cluster's CPUs are the queue
        self.on_ray = ray_address() is not None
        self._run_class = RayTrainingRun if self.on_ray else TrainingRun
        self.evaluations = evaluations or Evaluations(root / "cache" / "evaluations")
        self.server_id = new_id()
        self._lock = threading.Lock()
        self._live: dict[str, TrainingRun] = {}
        self._written: dict[str, tuple] = {}
        self._unwritten: dict[str, dict] = {}  # ended runs' final records the store could not take yet
        self._records: dict[str, RunRecord] = {}  # the records of the runs live here, as started
        self._recent: collections.OrderedDict[str, TrainingRun] = collections.OrderedDict()
        self._parsed: dict[tuple[str, float], Snapshot] = {}
        self._closed = threading.Event()
        self._rates = dict(START_RATES)
        self._start_seconds = RAY_START_SECONDS if self.on_ray else 0.0
        self._overhead_seconds = RUN_OVERHEAD_SECONDS
        self._measured: set[str] = set()  # what this server has timed: model kinds, "overhead"
        self.store.beat(self.server_id)
        self.store.interrupt_orphans(ORPHAN_AFTER_SECONDS)
        self._persister = threading.Thread(target=self._persist_loop, args=(persist_every,),
                                           name="runs-persister", daemon=True)
        self._persister.start()
        atexit.register(self.close)

    # starting and stopping ------------------------------------------------------------------

    def start(self, workspace: Workspace, spec: ModelSpec, dataset, config: RunConfig, *, label: str,
              preset: str | None = None, experiment: str | None = None) -> RunRecord:
        """Queue a training for the learner; it starts when the server has a free slot."""
        config = replace(config, test_in_run=False)  # _ended tests the saved file: one model, one number
        record = self._record(workspace, spec, config, label=label, preset=preset, experiment=experiment)
        run = self._run_class(spec, dataset, config, queue=self.queue, abandon_after=QUEUED_UNSEEN_SECONDS,
                              on_done=lambda r: self._ended(workspace, record.id, r))
        return self._launch(record, run)

    def continue_run(self, workspace: Workspace, earlier: RunRecord, dataset, more_epochs: int,
                     label: str) -> RunRecord:
        """Train an ended run's model `more_epochs` more; its curves go on where they stopped."""
        spec, config = ModelSpec.from_dict(earlier.spec), replace(RunConfig(**earlier.config), test_in_run=False)
        model = self.model(earlier.id)
        if model is None:
            from .storage import load_keras_model

            model = load_keras_model(workspace.path(earlier.model_file))
        record = self._record(workspace, spec, config, label=label, preset=earlier.preset,
                              continued_from=earlier.id)
        run = self._run_class(spec, dataset, config, queue=self.queue, abandon_after=QUEUED_UNSEEN_SECONDS,
                              model=model, earlier=self.snapshot(earlier), more_epochs=more_epochs,
                              on_done=lambda r: self._ended(workspace, record.id, r))
        return self._launch(record, run)

    def _record(self, workspace: Workspace, spec: ModelSpec, config: RunConfig, **fields) -> RunRecord:
        record = RunRecord(id=new_id(), learner_id=workspace.id, number=0, dataset=config.dataset,
                           normalize=config.normalize, spec=spec.to_dict(), config=asdict(config),
                           owner=self.server_id, **fields)
        record = self.store.add_run(record)
        with self._lock:
            self._records[record.id] = record  # what _ended needs of it, were the database away then
        return record

    def _launch(self, record: RunRecord, run: TrainingRun) -> RunRecord:
        with self._lock:
            self._live[record.id] = run
        run.start()
        return record

    def stop(self, run_id: str, reason: str) -> bool:
        """Stop a run: at once if this server trains it, else through the store, where the server
        that trains it reads the request within about a second. False if the run has ended."""
        run = self.live(run_id)
        if run is None:
            return self.store.request_stop(run_id, reason)
        run.stop(reason)
        return True

    def touch(self, run_id: str) -> None:
        run = self.live(run_id)
        if run is not None:
            run.touch()

    # reading ----------------------------------------------------------------------------------

    def live(self, run_id: str) -> TrainingRun | None:
        with self._lock:
            return self._live.get(run_id)

    def snapshot(self, record: RunRecord) -> Snapshot:
        """The run's progress now: live from its thread when this server trains it, else as stored."""
        run = self.live(record.id)
        if run is not None:
            return run.snapshot()
        with self._lock:
            ended_here = record.id in self._recent
        if ended_here and not record.done:  # it ended on this server after `record` was read
            record = self.store.run(record.id) or record
        key = (record.id, record.updated)
        snap = self._parsed.get(key)
        if snap is None:
            snap = Snapshot.from_dict(record.progress_data(), state=record.state, error=record.error,
                                      stop_reason=record.stop_reason)
            if len(self._parsed) > 512:
                self._parsed.clear()
            self._parsed[key] = snap
        return snap

    def snapshots(self, records: list[RunRecord]) -> list[Snapshot]:
        """The progress of many runs now. The records may come without their curves
        (`Store.runs(progress=False)`): only a run stored since it was last parsed is read again."""
        out = []
        for record in records:
            if self.live(record.id) is None and (record.id, record.updated) not in self._parsed:
                record = self.store.run(record.id) or record
            out.append(self.snapshot(record))
        return out

    def settled(self, record: RunRecord, timeout: float = 30.0) -> RunRecord:
        """The run's record once its end is kept: a run's snapshot says "done" a moment before its
        model file and final numbers are in the store (`_ended` runs in the training thread)."""
        run = self.live(record.id)
        if run is not None:
            run.join(timeout)
        return self.store.run(record.id) or record

    def model(self, run_id: str):
        """The run's Keras model while this server holds it in memory (training, or ended recently)."""
        with self._lock:
            run = self._live.get(run_id) or self._recent.get(run_id)
        return run.model if run is not None else None

    def history(self, record: RunRecord) -> dict[str, list[float]]:
        return self.snapshot(record).history()

    # waiting ----------------------------------------------------------------------------------

    def expected_seconds(self, run: TrainingRun) -> float:
        """How long `run` will take from its start, by what this server measured of earlier runs."""
        snap = run.snapshot()
        images = snap.batches_per_epoch * run.spec.batch_size * run.epochs_to_train
        overhead = self._overhead_seconds + self._start_seconds
        return overhead + images * training_flops(run.spec) / self._rates[run.spec.kind]

    def remaining_seconds(self, run: TrainingRun) -> float:
        snap = run.snapshot()
        if snap.state == "queued":
            return self.expected_seconds(run)
        if snap.eta is not None:
            return snap.eta + self._overhead_seconds / 2
        return self.expected_seconds(run)

    def wait_seconds(self, run_id: str) -> float | None:
        """Estimated seconds until a queued run starts: what the runs ahead of it (training, then
        queued in click order) have left, shared among the server's training slots. None unless queued."""
        with self._lock:
            live = list(self._live.values())
        mine = next((r for r in live if self._live.get(run_id) is r), None)
        if mine is None or mine.snapshot().state != "queued":
            return None
        ahead = [r for r in live if not r.snapshot().done and r is not mine
                 and (r.snapshot().state != "queued" or r.ticket < mine.ticket)]
        return sum(self.remaining_seconds(r) for r in ahead) / max(1, self.training_slots())

    def training_slots(self) -> int:
        """How many runs train at once: the cluster's when on Ray, else this server's queue's."""
        return training_slots() if self.on_ray else self.queue.max_running

    def _learn_rate(self, run: TrainingRun) -> None:
        """Learn from a finished run how fast this server trains and what a run costs around its
        fit (build, test): the first measurement replaces the starting guess, later ones average in."""
        snap = run.snapshot()
        trained = len(snap.batch_loss) * run.spec.batch_size
        if snap.state == "finished" and snap.elapsed > 1 and trained and run.initial_epoch == 0:
            measured = trained * training_flops(run.spec) / snap.elapsed
            self._rates[run.spec.kind] = self._blend(run.spec.kind, self._rates[run.spec.kind], measured)
            slot = getattr(run, "slot_seconds", None)  # the queue's view: all but the fit is overhead
            if slot is not None and slot > snap.elapsed:
                self._overhead_seconds = self._blend("overhead", self._overhead_seconds, slot - snap.elapsed)
        started = getattr(run, "start_seconds", None)
        if started is not None:
            self._start_seconds = 0.5 * self._start_seconds + 0.5 * started

    def _blend(self, name: str, guess: float, measured: float) -> float:
        """`measured` if it is this server's first measurement of `name`, else its average with `guess`."""
        first = name not in self._measured
        self._measured.add(name)
        return measured if first else 0.5 * guess + 0.5 * measured

    # keeping ----------------------------------------------------------------------------------

    def _ended(self, workspace: Workspace, run_id: str, run: TrainingRun) -> None:
        """In the training thread, once the run has ended: its model file, its test numbers measured on
        that file (as the Evaluate page measures them, and kept for it), and its final record."""
        changes, ended = {}, run.snapshot()
        if _has_model(run) and ended.state != FAILED and ended.batch_loss:  # it learnt something
            try:
                path = self._kept_model(workspace, run_id, run)
                changes["model_file"] = workspace.relative(path)
                self._test(path, run)
            except Exception as e:  # the run's curves are kept even if its model could not be
                run.record.update(state=FAILED, error=f"the model could not be kept: {e}")
        run.record.update(evaluating=False)
        self._learn_rate(run)
        snap = run.snapshot()
        changes.update(state=snap.state, progress=stored_progress(snap), error=snap.error,
                       stop_reason=snap.stop_reason)
        try:
            self.store.update_run(run_id, **changes)
        except Exception:  # the database is away: the persister writes it when it is back
            with self._lock:
                self._unwritten[run_id] = changes
        with self._lock:
            self._live.pop(run_id, None)
            self._written.pop(run_id, None)
            self._records.pop(run_id, None)
            if _has_model(run):
                self._recent[run_id] = run
                while len(self._recent) > RECENT_MODELS:
                    self._recent.popitem(last=False)
        with contextlib.suppress(Exception):
            workspace.prune_runs()

    def _kept_model(self, workspace: Workspace, run_id: str, run: TrainingRun) -> Path:
        with self._lock:
            record = self._records.get(run_id)
        record = record or self.store.run(run_id)
        info = ModelInfo(name=record.label, normalize=record.normalize, dataset=record.dataset,
                         preset=record.preset, spec=record.spec, history=run.history(),
                         extra={"run_id": run_id, "learner_id": workspace.id,
                                "augment": run.config.augment})
        folder = workspace.run_model_path(run_id).parent
        if isinstance(run, RayTrainingRun):  # trained elsewhere: its file's bytes came back
            return save_model_bytes(run.model_bytes, run_id, info, folder)
        return save_model(run.model, run_id, info, folder)

    def _test(self, path: Path, run: TrainingRun) -> None:
        from .predict import Predictor

        ds, limit = run.dataset, run.config.test_limit
        x, y = (ds.x_test[:limit], ds.y_test[:limit]) if limit else (ds.x_test, ds.y_test)
        result = self.evaluations.evaluate(path, ds.name, Predictor.load(path), x, y,
                                           on_progress=lambda done, total: run.record.update(
                                               evaluated=done / total))
        run.record.update(test_loss=result.test_loss, test_accuracy=result.test_accuracy,
                          confusion=tuple(tuple(int(v) for v in row) for row in result.confusion))

    def _persist_loop(self, every: float) -> None:
        beats = 0
        while not self._closed.wait(every):
            with contextlib.suppress(Exception):  # a busy database must not end the loop
                self.persist()
                beats += 1
                if beats % 5 == 0:
                    self.store.interrupt_orphans(ORPHAN_AFTER_SECONDS)

    def persist(self) -> None:
        """Write each live run's progress to the store if it changed, and the final records it could
        not take when their runs ended; stop the runs another server was asked to stop; beat."""
        self.store.beat(self.server_id)
        self._write_unwritten()
        with self._lock:
            live = list(self._live.items())
        if live:
            for run_id, reason in self.store.stop_requests(self.server_id).items():
                run = self.live(run_id)
                if run is not None and run.snapshot().stop_reason is None:
                    run.stop(reason)
        for run_id, run in live:
            snap = run.snapshot()
            if snap.state in DONE_STATES:
                continue  # _ended writes the final record
            mark = (snap.state, len(snap.batch_loss), snap.epochs_done, snap.queue_position)
            if self._written.get(run_id) != mark:
                self.store.update_run(run_id, state=snap.state, progress=stored_progress(snap))
                self._written[run_id] = mark

    def _write_unwritten(self) -> None:
        with self._lock:
            unwritten = list(self._unwritten.items())
        for run_id, changes in unwritten:
            self.store.update_run(run_id, **changes)
            with self._lock:
                self._unwritten.pop(run_id, None)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the persister; runs still training here are stopped and kept as interrupted."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._persister.join(timeout)  # it may be inside the store: the store must not close under it
        with contextlib.suppress(Exception):
            self._write_unwritten()
        with self._lock:
            live = list(self._live.items())
        for _, run in live:
            run.on_done = None
            run.stop("the server is stopping")
        deadline = time.monotonic() + timeout
        for run_id, run in live:
            run.join(max(0.0, deadline - time.monotonic()))
            with contextlib.suppress(Exception):
                progress = stored_progress(run.snapshot())
                progress["evaluating"] = False  # nobody will test it: it has no kept model
                self.store.update_run(run_id, state=INTERRUPTED, progress=progress)


def _has_model(run: TrainingRun) -> bool:
    if isinstance(run, RayTrainingRun):
        return run.model_bytes is not None
    return run.model is not None
