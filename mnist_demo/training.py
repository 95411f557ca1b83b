"""Training runs that live in a background thread and report into a thread-safe record.

A page (or the CLI) starts a `TrainingRun`, then reads `run.snapshot()` as often as
it likes from any thread. The run never touches Streamlit. Runs wait in a shared
`TrainingQueue` so a server trains at most N models at once. A queued run nobody has
looked at for `abandon_after` seconds gives up its place; a running one trains on, since its
result is kept for its learner (see `runs.py`).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import math
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from .data import Dataset, one_hot
from .models import ModelSpec, build_model, compile_model
from .weight_pictures import thinned, weights_callback

QUEUED, RUNNING, STOPPING, STOPPED, FINISHED, FAILED, INTERRUPTED = (
    "queued", "running", "stopping", "stopped", "finished", "failed", "interrupted",
)
DONE_STATES = (STOPPED, FINISHED, FAILED, INTERRUPTED)  # interrupted: its server stopped while it ran
SMOOTHING = 0.9
MAX_TRAININGS_ENV = "MNIST_DEMO_MAX_TRAININGS"
TRAINING_NICE_ENV = "MNIST_DEMO_TRAINING_NICE"
KEPT_WEIGHT_SNAPSHOTS = 8
WEIGHT_SNAPSHOTS_PER_EPOCH = 4
_CURVES = ("batch_x", "batch_loss", "batch_accuracy", "epochs", "weights")  # a Snapshot's growing fields


@dataclass(frozen=True)
class EpochResult:
    epoch: int
    loss: float
    accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float


@dataclass(frozen=True)
class Snapshot:
    """An immutable copy of a run's progress at one moment."""

    state: str = QUEUED
    queue_position: int | None = None
    epochs_total: int = 0
    epochs_done: int = 0
    batches_per_epoch: int = 0
    batch_in_epoch: int = 0
    batch_x: tuple[float, ...] = ()
    batch_loss: tuple[float, ...] = ()
    batch_accuracy: tuple[float, ...] = ()
    epochs: tuple[EpochResult, ...] = ()
    samples_per_second: float = 0.0
    elapsed: float = 0.0
    eta: float | None = None
    test_loss: float | None = None
    test_accuracy: float | None = None
    evaluating: bool = False  # training has ended and the model is being tested on the test set
    evaluated: float = 0.0  # how much of the test set that test has done, 0-1
    error: str | None = None
    error_key: str | None = None  # the catalog key of `error` when it is an AppError's, for the learner's language
    error_values: dict = field(default_factory=dict)
    stop_reason: str | None = None
    weights: tuple[dict, ...] = ()  # first-layer weight pictures (weight_pictures.WeightPictures.to_dict)
    confusion: tuple[tuple[int, ...], ...] = ()  # the test's counts, rows true and columns predicted, once tested

    @property
    def done(self) -> bool:
        """Training has ended (the test set may still be on its way: see `settled`)."""
        return self.state in DONE_STATES

    @property
    def settled(self) -> bool:
        """Training has ended and every number of the result is in."""
        return self.done and not self.evaluating

    @property
    def fraction(self) -> float:
        total = self.epochs_total * self.batches_per_epoch
        if not total:
            return 0.0
        first_epoch = self.epochs[0].epoch - 1 if self.epochs else self.epochs_done
        progress = (self.epochs_done - first_epoch) * self.batches_per_epoch + self.batch_in_epoch
        return min(1.0, progress / total)

    def history(self) -> dict[str, list[float]]:
        """Keras-style history: per-epoch lists keyed like `History.history`."""
        out = {"loss": [e.loss for e in self.epochs], "accuracy": [e.accuracy for e in self.epochs]}
        if self.epochs and self.epochs[0].val_loss is not None:
            out["val_loss"] = [e.val_loss for e in self.epochs]
            out["val_accuracy"] = [e.val_accuracy for e in self.epochs]
        return out

    def to_dict(self) -> dict:
        """Plain data (for the store): the curves as lists, the epochs as dicts."""
        out = asdict(self)
        for name in _CURVES:
            out[name] = list(out[name])
        out["confusion"] = [list(row) for row in out["confusion"]]
        return out

    @classmethod
    def from_dict(cls, data: dict, **changes) -> Snapshot:
        """The snapshot `to_dict` wrote, with `changes` (e.g. the state the store knows better)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("batch_x", "batch_loss", "batch_accuracy"):
            values[name] = tuple(values.get(name, ()))
        values["epochs"] = tuple(EpochResult(**e) for e in values.get("epochs", ()))
        values["weights"] = tuple(values.get("weights", ()))
        values["confusion"] = tuple(tuple(int(v) for v in row) for row in values.get("confusion", ()))
        return cls(**{**values, **changes})


def remote_report(snap: Snapshot, batches_from: int, weights_at: tuple[float, ...]) -> dict:
    """What a record elsewhere needs to `mirror` `snap`: the curve points after the `batches_from`
    it has, and the weight pictures only when they are not the ones it has (`weights_at`)."""
    data = snap.to_dict()
    for name in ("batch_x", "batch_loss", "batch_accuracy"):
        data[name] = data[name][batches_from:]
    if tuple(w["at"] for w in snap.weights) == tuple(weights_at):
        data["weights"] = None
    data["batches_from"] = batches_from
    return data


class ProgressRecord:
    """The one place a training thread writes and any other thread reads, under a lock."""

    def __init__(self, epochs_total: int = 0, batches_per_epoch: int = 0, earlier: Snapshot | None = None):
        """`earlier`: the snapshot of the run this one continues, whose curves it extends."""
        self._lock = threading.Lock()
        self._snap = Snapshot(epochs_total=epochs_total, batches_per_epoch=batches_per_epoch)
        self._batch_x: list[float] = list(earlier.batch_x) if earlier else []
        self._batch_loss: list[float] = list(earlier.batch_loss) if earlier else []
        self._batch_acc: list[float] = list(earlier.batch_accuracy) if earlier else []
        self._epochs: list[EpochResult] = list(earlier.epochs) if earlier else []
        self._weights: list[dict] = list(earlier.weights) if earlier else []
        self._taken: Snapshot | None = None  # the last snapshot, until the next write

    @contextlib.contextmanager
    def _writing(self):
        """Hold the lock for a write; the next snapshot is built anew."""
        with self._lock:
            try:
                yield
            finally:
                self._taken = None

    def snapshot(self) -> Snapshot:
        """The record as one immutable value. Pages read it far more often than a training
        writes it (every poll of every learner's page, and the queue's estimates read every
        queued run), so it is built once per write, not once per read."""
        with self._lock:
            if self._taken is None:
                self._taken = replace(
                    self._snap,
                    batch_x=tuple(self._batch_x),
                    batch_loss=tuple(self._batch_loss),
                    batch_accuracy=tuple(self._batch_acc),
                    epochs=tuple(self._epochs),
                    weights=tuple(self._weights),
                )
            return self._taken

    def add_weights(self, pictures: dict) -> None:
        """One snapshot of the first layer's weights; the first, the latest and evenly spaced
        ones between are kept, at most KEPT_WEIGHT_SNAPSHOTS."""
        with self._writing():
            self._weights = thinned([*self._weights, pictures], KEPT_WEIGHT_SNAPSHOTS)

    def update(self, **changes) -> None:
        with self._writing():
            self._snap = replace(self._snap, **changes)

    def add_batch(self, x: float, loss: float, accuracy: float, **changes) -> None:
        with self._writing():
            if self._batch_loss:
                loss = SMOOTHING * self._batch_loss[-1] + (1 - SMOOTHING) * loss
                accuracy = SMOOTHING * self._batch_acc[-1] + (1 - SMOOTHING) * accuracy
            self._batch_x.append(x)
            self._batch_loss.append(loss)
            self._batch_acc.append(accuracy)
            self._snap = replace(self._snap, **changes)

    def add_epoch(self, result: EpochResult, **changes) -> None:
        with self._writing():
            self._epochs.append(result)
            self._snap = replace(self._snap, epochs_done=result.epoch, **changes)

    def mirror(self, report: dict, **changes) -> None:
        """Take what a record elsewhere said (`remote_report`): its curve points from
        `report["batches_from"]` on, its epochs, its weight pictures unless None, its other
        fields, and `changes` over them. The points are kept as they came, already smoothed."""
        with self._writing():
            start = report["batches_from"]
            for mine, name in ((self._batch_x, "batch_x"), (self._batch_loss, "batch_loss"),
                               (self._batch_acc, "batch_accuracy")):
                del mine[start:]
                mine.extend(report[name])
            self._epochs = [EpochResult(**e) for e in report["epochs"]]
            if report["weights"] is not None:
                self._weights = list(report["weights"])
            scalars = {f.name: report[f.name] for f in fields(Snapshot) if f.name not in _CURVES and f.name in report}
            self._snap = replace(self._snap, **{**scalars, **changes})

    def batches(self) -> int:
        with self._lock:
            return len(self._batch_loss)

    def weights_at(self) -> tuple[float, ...]:
        with self._lock:
            return tuple(w["at"] for w in self._weights)

    @property
    def state(self) -> str:
        with self._lock:
            return self._snap.state


def training_niceness() -> int:
    """How much lower than the pages trainings run (Linux nice, 0-19; default 10).

    A training keeps every core busy. At the same priority, a student's click waits for
    its share behind TensorFlow's threads; at nice 10 the scheduler gives page requests
    about nine tenths of the CPU whenever they want it, and trainings take the rest."""
    value = os.environ.get(TRAINING_NICE_ENV, "").strip()
    return min(19, int(value)) if value.isdigit() else 10


def lower_training_priority() -> None:
    """Renice the calling thread and TensorFlow's compute threads (they are created once per
    process, by whichever thread used TF first, and inherit its priority)."""
    if not hasattr(os, "setpriority"):
        return
    nice = training_niceness()
    for tid in [threading.get_native_id(), *_tensorflow_thread_ids()]:
        with contextlib.suppress(OSError):  # the thread ended meanwhile, or the platform refuses
            if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)


def _tensorflow_thread_ids() -> list[int]:
    ids = []
    with contextlib.suppress(OSError):
        for task in Path("/proc/self/task").iterdir():
            with contextlib.suppress(OSError):
                if (task / "comm").read_text().startswith("tf_"):
                    ids.append(int(task.name))
    return ids


def default_max_trainings() -> int:
    value = os.environ.get(MAX_TRAININGS_ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return max(1, (os.cpu_count() or 2) // 2)


class TrainingQueue:
    """At most `max_running` trainings at once; the rest wait first come, first served.
    While `paused` (the teacher's pause), none starts; the ones training go on."""

    def __init__(self, max_running: int | None = None):
        self.max_running = max_running or default_max_trainings()
        self.paused = False
        self._cond = threading.Condition()
        self._running: set[int] = set()
        self._waiting: collections.deque[int] = collections.deque()

    def enter(self, ticket: int) -> None:
        """Take a place in the line now: the order of the clicks, not of the threads' start-up."""
        with self._cond:
            if ticket not in self._waiting:
                self._waiting.append(ticket)

    def acquire(self, ticket: int, should_give_up, on_position=None, poll: float = 0.2) -> bool:
        """Block until `ticket` may train (True) or `should_give_up()` says stop (False)."""
        self.enter(ticket)
        with self._cond:
            try:
                while True:
                    if should_give_up():  # first: a run stopped while it waited must not take the slot it frees
                        return False
                    if not self.paused and self._waiting[0] == ticket and len(self._running) < self.max_running:
                        self._running.add(ticket)
                        return True
                    if on_position is not None:
                        on_position(self._waiting.index(ticket) + 1)
                    self._cond.wait(poll)
            finally:
                self._waiting.remove(ticket)
                self._cond.notify_all()

    def pause(self) -> None:
        with self._cond:
            self.paused = True

    def resume(self) -> None:
        with self._cond:
            self.paused = False
            self._cond.notify_all()

    def release(self, ticket: int) -> None:
        with self._cond:
            self._running.discard(ticket)
            self._cond.notify_all()

    def counts(self) -> tuple[int, int]:
        """(running, waiting)."""
        with self._cond:
            return len(self._running), len(self._waiting)


_default_queue: TrainingQueue | None = None
_default_queue_lock = threading.Lock()
_build_lock = threading.Lock()
_tickets = iter(range(1, 1 << 62))
_live_runs: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _stop_live_runs(timeout: float = 10.0) -> None:
    """TensorFlow aborts the process if a training thread is still inside it at exit."""
    runs = list(_live_runs)
    for run in runs:
        run.stop("the process is exiting")
    deadline = time.monotonic() + timeout
    for run in runs:
        run.join(max(0.0, deadline - time.monotonic()))


def default_queue() -> TrainingQueue:
    global _default_queue
    with _default_queue_lock:
        if _default_queue is None:
            _default_queue = TrainingQueue()
        return _default_queue


HOLDOUT, TEST = "holdout", "test"
VALIDATION_SHARE = 0.1  # Keras' own MNIST example holds out 10 % of the training images


@dataclass
class RunConfig:
    """What a run trains on, besides the model spec.

    `validation`: what each epoch is checked on. "holdout" (the default) keeps the last 10 % of
    the training images out of training for that, and the test set is touched once, at the end;
    "test" validates on the test set every epoch, as the tutorials did: a leak, since the
    choices made while watching that curve then fit the test set too. `test_in_run`: whether
    the run itself measures the test set at the end (False when the caller does it, e.g. on
    the saved file, so that one model has one test number everywhere)."""

    dataset: str = "mnist"
    normalize: bool = True
    seed: int = 0
    train_limit: int | None = None
    test_limit: int | None = None
    augment: bool = False
    validate: bool = True
    validation: str = HOLDOUT
    test_in_run: bool = True


class TrainingRun:
    """One training in a background thread. Read `snapshot()`; call `stop()` to end it early.

    To train a finished run's model further, pass that `model` and the `earlier` snapshot whose
    curves this run extends (see `continued`). `on_done(run)` is called in the training thread
    once the run has ended and given back its place in the queue."""

    def __init__(
        self,
        spec: ModelSpec,
        dataset: Dataset,
        config: RunConfig | None = None,
        *,
        queue: TrainingQueue | None = None,
        abandon_after: float | None = None,
        model=None,
        earlier: Snapshot | None = None,
        more_epochs: int | None = None,
        on_done: Callable[[TrainingRun], None] | None = None,
    ):
        self.spec = spec
        self.dataset = dataset
        self.config = config or RunConfig(dataset=dataset.name)
        self.queue = queue or default_queue()
        self.abandon_after = abandon_after
        self.on_done = on_done
        self.ticket = next(_tickets)
        self.slot_seconds: float | None = None  # how long it held its training slot, once done
        self._stop = threading.Event()
        self._last_seen = time.monotonic()
        self._thread: threading.Thread | None = None
        self.model = model
        self.initial_epoch = 0
        if earlier is not None:
            if model is None or not earlier.done:
                raise ValueError("only a finished run with a model can be continued")
            self.initial_epoch = len(earlier.epochs)
        self.epochs_to_train = more_epochs or spec.epochs
        n_train = self._train_count()
        self.record = ProgressRecord(
            epochs_total=self.initial_epoch + self.epochs_to_train,
            batches_per_epoch=math.ceil(n_train / spec.batch_size),
            earlier=earlier,
        )
        self.record.update(epochs_done=self.initial_epoch)

    @classmethod
    def continued(cls, earlier: TrainingRun, more_epochs: int, **kwargs) -> TrainingRun:
        """A run that trains `earlier`'s model `more_epochs` more, its curves going on where they stopped."""
        return cls(earlier.spec, earlier.dataset, earlier.config, model=earlier.model, earlier=earlier.snapshot(),
                   more_epochs=more_epochs, **kwargs)

    def _train_count(self) -> int:
        n = len(self.dataset.x_train)
        n = min(n, self.config.train_limit) if self.config.train_limit else n
        return n - self._holdout_count(n)

    def _holdout_count(self, n: int) -> int:
        holds_out = self.config.validate and self.config.validation == HOLDOUT
        return max(1, round(n * VALIDATION_SHARE)) if holds_out else 0

    def start(self) -> TrainingRun:
        if self._thread is not None:
            raise RuntimeError("a run can be started once")
        # Import TensorFlow here, in the caller's thread: two threads importing the same big
        # package tree at once (TF pulls in pandas, and so does plotly) can see half-made modules.
        import keras  # noqa: F401
        self._thread = threading.Thread(target=self._main, name=f"training-{self.ticket}", daemon=True)
        self.queue.enter(self.ticket)
        _live_runs.add(self)
        self._thread.start()
        return self

    def stop(self, reason: str = "stopped by user") -> None:
        if not self._stop.is_set():
            self.record.update(stop_reason=reason)
            self._stop.set()
            if self.record.state in (RUNNING, QUEUED):
                self.record.update(state=STOPPING)

    def touch(self) -> None:
        """Say someone still watches this run (the page calls this when it polls)."""
        self._last_seen = time.monotonic()

    def snapshot(self) -> Snapshot:
        return self.record.snapshot()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the run's thread; True once its result is in (trained and tested)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.snapshot().settled

    def _should_stop(self) -> bool:
        if self._stop.is_set():
            return True
        unseen = time.monotonic() - self._last_seen
        if self.abandon_after is not None and unseen > self.abandon_after and self.record.state == QUEUED:
            self.stop("abandoned: nobody watched it while it waited")
            return True
        return False

    def _main(self) -> None:
        try:
            self._queue_and_train()
        finally:
            if self.on_done is not None:
                self.on_done(self)

    def _queue_and_train(self) -> None:
        lower_training_priority()
        self.record.update(state=QUEUED)
        if not self.queue.acquire(self.ticket, self._should_stop, lambda pos: self.record.update(queue_position=pos)):
            self.record.update(state=STOPPED, queue_position=None)
            return
        placed = time.monotonic()
        try:
            self.record.update(state=RUNNING if not self._stop.is_set() else STOPPING, queue_position=None)
            self._train()
        except Exception as e:  # reported through the record: the reader shows it
            self.record.update(state=FAILED, error=f"{type(e).__name__}: {e}", evaluating=False)
        finally:
            self.slot_seconds = time.monotonic() - placed  # what the queue waited for: build, fit, test
            self.queue.release(self.ticket)

    def prepared_data(self):
        """(train, validation, test) pairs of arrays, views into the shared data set, labels encoded
        per spec; validation is the held-out end of the training images, or the test set itself."""
        cfg, ds = self.config, self.dataset
        x_train, y_train = ds.x_train, ds.y_train
        if cfg.train_limit:
            x_train, y_train = x_train[: cfg.train_limit], y_train[: cfg.train_limit]
        x_test, y_test = ds.x_test, ds.y_test
        if cfg.test_limit:
            x_test, y_test = x_test[: cfg.test_limit], y_test[: cfg.test_limit]
        if self.spec.one_hot:
            y_train, y_test = one_hot(y_train, ds.num_classes), one_hot(y_test, ds.num_classes)
        held = self._holdout_count(len(x_train))
        train = (x_train[: len(x_train) - held], y_train[: len(y_train) - held])
        validation = (x_train[len(x_train) - held :], y_train[len(y_train) - held :]) if held else (x_test, y_test)
        return train, validation, (x_test, y_test)

    def _train(self) -> None:
        import keras

        spec, cfg = self.spec, self.config
        (x_train, y_train), validation, (x_test, y_test) = self.prepared_data()
        steps_total = self.record.snapshot().batches_per_epoch * self.epochs_to_train
        with _build_lock:
            keras.utils.set_random_seed(cfg.seed + self.initial_epoch)
            if self.model is None:
                self.model = build_model(spec, normalize=cfg.normalize, num_classes=self.dataset.num_classes)
            if getattr(self.model, "optimizer", None) is None:  # new, or loaded from a file without one
                compile_model(self.model, spec, steps_total)
        train_data = self._training_input(x_train, y_train)
        callback = _progress_callback(self, validation if cfg.validate else None)
        every = max(1, self.record.snapshot().batches_per_epoch // WEIGHT_SNAPSHOTS_PER_EPOCH)
        pictures = weights_callback(lambda p: self.record.add_weights(p.to_dict()), every,
                                    initial_epoch=self.initial_epoch)
        fit_kwargs = dict(
            epochs=self.initial_epoch + self.epochs_to_train,
            initial_epoch=self.initial_epoch,
            verbose=0,
            callbacks=[callback, pictures],
        )
        if isinstance(train_data, tuple):
            self.model.fit(*train_data, batch_size=spec.batch_size, shuffle=True, **fit_kwargs)
        else:
            self.model.fit(train_data, **fit_kwargs)
        snap = self.snapshot()
        last = snap.epochs[-1] if snap.epochs else None
        # The state says at once that training has ended (a Stop must not wait for the test set);
        # the test numbers follow, measured once.
        self.record.update(state=STOPPED if self._stop.is_set() else FINISHED, eta=0.0, evaluating=True,
                           elapsed=time.monotonic() - callback.started)
        validated_on_test = cfg.validation == TEST and last is not None and last.val_loss is not None
        if validated_on_test and not self._stop.is_set():
            self.record.update(test_loss=last.val_loss, test_accuracy=last.val_accuracy, evaluating=False)
        elif cfg.test_in_run:
            test_loss, test_acc = self.model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
            self.record.update(test_loss=float(test_loss), test_accuracy=float(test_acc), evaluating=False)

    def _training_input(self, x_train, y_train):
        if not self.config.augment:
            return x_train, y_train
        from .augment import augmented_dataset

        return augmented_dataset(x_train, y_train, self.spec.batch_size, seed=self.config.seed)

    def history(self) -> dict[str, list[float]]:
        return self.snapshot().history()


def _progress_callback(run: TrainingRun, validation_data):
    """A Keras callback feeding `run.record`; built here so importing this module stays TF-free.

    It validates after each complete epoch itself, rather than through `fit`'s
    `validation_data`, so that a stop mid-epoch doesn't wait for a validation pass."""
    import keras

    class ProgressCallback(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.started = time.monotonic()
            self.samples = 0
            self.epoch = run.initial_epoch
            self.batch_in_epoch = 0
            self.prev_loss = self.prev_acc = 0.0
            snap = run.record.snapshot()
            self.batches_per_epoch = snap.batches_per_epoch
            self.epochs_total = snap.epochs_total

        def on_train_begin(self, logs=None):
            lower_training_priority()  # TF's compute threads exist by now
            self.started = time.monotonic()

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            self.epoch_started = time.monotonic()
            self.prev_loss = self.prev_acc = 0.0

        def on_train_batch_end(self, batch, logs=None):
            logs = logs or {}
            k = self.batch_in_epoch = batch + 1
            # Keras reports the running mean over the epoch; recover this batch's own value.
            mean_loss, mean_acc = float(logs.get("loss", 0.0)), float(logs.get("accuracy", 0.0))
            loss = k * mean_loss - (k - 1) * self.prev_loss
            acc = k * mean_acc - (k - 1) * self.prev_acc
            self.prev_loss, self.prev_acc = mean_loss, mean_acc
            now = time.monotonic()
            self.samples += run.spec.batch_size
            # Over the whole run, not the last batches: Keras hands batches over in bursts, and a
            # recent-window rate made "images/s x elapsed" and the time left disagree with the bar.
            rate = self.samples / (now - self.started) if now > self.started else 0.0
            batches_left = (self.epochs_total - self.epoch) * self.batches_per_epoch - k
            run.record.add_batch(
                self.epoch + k / self.batches_per_epoch,
                max(loss, 0.0),
                min(max(acc, 0.0), 1.0),
                batch_in_epoch=k,
                samples_per_second=rate,
                elapsed=now - self.started,
                eta=batches_left * run.spec.batch_size / rate if rate else None,
            )
            if run._should_stop():
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if self.batch_in_epoch != self.batches_per_epoch:
                return  # stopped mid-epoch: the partial epoch only shows in the batch curve
            logs = logs or {}
            val_loss = val_acc = None
            if validation_data is not None and not run._should_stop():
                val = self.model.evaluate(*validation_data, batch_size=1000, verbose=0, return_dict=True)
                val_loss, val_acc = val["loss"], val["accuracy"]
            result = EpochResult(
                epoch=epoch + 1,
                loss=float(logs.get("loss", 0.0)),
                accuracy=float(logs.get("accuracy", 0.0)),
                val_loss=float(val_loss) if val_loss is not None else None,
                val_accuracy=float(val_acc) if val_acc is not None else None,
                seconds=time.monotonic() - self.epoch_started,
            )
            run.record.add_epoch(result, batch_in_epoch=0)

    return ProgressCallback()
