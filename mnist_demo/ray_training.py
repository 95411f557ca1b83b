"""Trainings on a Ray cluster, when the server is given one (`RAY_ADDRESS`, or `MNIST_DEMO_RAY_ADDRESS`).

A `RayTrainingRun` is a `TrainingRun` whose body runs in a Ray actor: the actor holds a plain
`TrainingRun` (the same training code, on the data the worker reads itself from its
MNIST_DEMO_DATA_DIR), and this process asks it for news a few times a second, mirroring its
record into the run's own `ProgressRecord`; a page reads a Ray run as it reads a thread.

The queue is Ray's: each actor asks for `num_cpus` CPUs (MNIST_DEMO_RAY_CPUS, default 1) and
waits until the cluster has them. Until then the run is queued; its place is its rank among
this server's waiting runs. The trained model comes back as the bytes of its `.keras` file,
so the app and the workers need not share a disk. Nothing imports Ray until a run starts on it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from .data import DATA_DIR_ENV
from .errors import AppError
from .models import ModelSpec
from .training import (
    DONE_STATES,
    FAILED,
    QUEUED,
    RUNNING,
    STOPPED,
    STOPPING,
    RunConfig,
    Snapshot,
    TrainingQueue,
    TrainingRun,
    remote_report,
)

log = logging.getLogger(__name__)

ADDRESS_ENVS = ("MNIST_DEMO_RAY_ADDRESS", "RAY_ADDRESS")
CPUS_ENV = "MNIST_DEMO_RAY_CPUS"
WORKER_DATA_DIR_ENV = "MNIST_DEMO_RAY_DATA_DIR"  # where the workers find the data, if not where the app does
PASSED_ENV = ("MNIST_DEMO_OFFLINE", "MNIST_DEMO_TRAINING_NICE", "TF_CPP_MIN_LOG_LEVEL")
NAMESPACE = "mnist-demo"
PACKAGE_DIR = Path(__file__).resolve().parent
POLL_SECONDS = 0.2
REPLY_SECONDS = 30.0  # a worker that has not answered a poll in this long is taken for lost
SLOTS_CACHE_SECONDS = 5.0


class ClusterError(AppError):
    """The Ray cluster could not take a training, or lost one."""

    group = "cluster"


def ray_address() -> str | None:
    """The Ray cluster trainings go to, or None: they are threads of this process."""
    for name in ADDRESS_ENVS:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def training_cpus() -> int:
    """The CPUs each training asks Ray for, and the threads TensorFlow may use there."""
    value = os.environ.get(CPUS_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 1


def worker_env() -> dict[str, str]:
    """The environment the workers train in: where their data is, and this app's training settings."""
    env = {name: os.environ[name] for name in PASSED_ENV if os.environ.get(name)}
    data_dir = os.environ.get(WORKER_DATA_DIR_ENV, "").strip() or os.environ.get(DATA_DIR_ENV, "").strip()
    if data_dir:
        env[DATA_DIR_ENV] = data_dir
    return env


_connect_lock = threading.Lock()
_actor_class = None


def connect():
    """(ray, the actor class), connected to the configured cluster once per process. The package
    goes to the workers with the job (Ray's `py_modules`): they need not have the app installed."""
    global _actor_class
    with _connect_lock:
        # A call after `ray.shutdown` (a run's thread outliving its server) must fail, not start a
        # local Ray of its own; Ray reads this when it is imported.
        os.environ.setdefault("RAY_ENABLE_AUTO_CONNECT", "0")
        import ray

        if not ray.is_initialized():
            address = ray_address()
            try:
                ray.init(address=address, namespace=NAMESPACE, log_to_driver=False, logging_level=logging.WARNING,
                         runtime_env={"py_modules": [str(PACKAGE_DIR)], "excludes": ["__pycache__"],
                                      "env_vars": worker_env()})
            except Exception as e:
                log.warning("Ray cluster %s unreachable: %s", address, e)
                raise ClusterError("unreachable") from e
        if _actor_class is None:
            _actor_class = ray.remote(TrainingActor)
        return ray, _actor_class


_slots: tuple[float, int] = (0.0, 1)


def training_slots() -> int:
    """How many trainings the cluster runs at once: its CPUs over each training's."""
    global _slots
    checked, slots = _slots
    if time.monotonic() - checked > SLOTS_CACHE_SECONDS:
        ray, _ = connect()
        slots = max(1, int(ray.cluster_resources().get("CPU", 0) // training_cpus()))
        _slots = (time.monotonic(), slots)
    return slots


def keras_bytes(model) -> bytes:
    """The bytes of the `.keras` file `storage.save_model` writes for `model`."""
    from .storage import ModelInfo, save_model

    with tempfile.TemporaryDirectory() as tmp:
        return save_model(model, "model", ModelInfo(name="model"), tmp).read_bytes()


def model_from_bytes(data: bytes):
    """The model of a `.keras` file's bytes, loaded as any model file is (safe mode, checked)."""
    from .storage import load_keras_model

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.keras"
        path.write_bytes(data)
        return load_keras_model(path)


def cap_tensorflow_threads(threads: int) -> tuple[int, int]:
    """Let TensorFlow use `threads` threads within an op and as many ops at once (before it starts)."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    return tensorflow_threads()


def tensorflow_threads() -> tuple[int, int]:
    import tensorflow as tf

    threading_config = tf.config.threading
    return threading_config.get_intra_op_parallelism_threads(), threading_config.get_inter_op_parallelism_threads()


class TrainingActor:
    """The worker's half: a plain `TrainingRun` in a Ray worker, told what to train in plain data.

    Ray runs its methods in threads of their own (`max_concurrency`), so `progress` and `stop`
    answer while `train` trains."""

    def __init__(self, spec: dict, config: dict, threads: int, model: bytes | None, earlier: dict | None,
                 epochs: int):
        self._what = (spec, config, model, earlier, epochs)
        self._threads = threads
        self._lock = threading.Lock()
        self._run: TrainingRun | None = None
        self._stop_reason: str | None = None

    def pid(self) -> int:
        return os.getpid()

    def threads(self) -> tuple[int, int]:
        return tensorflow_threads()

    def train(self) -> bytes | None:
        """Train; the bytes of the model's `.keras` file, or None if it learnt nothing."""
        cap_tensorflow_threads(self._threads)
        from .data import load_dataset

        spec, config, model, earlier, epochs = self._what
        run = TrainingRun(ModelSpec.from_dict(spec), load_dataset(config["dataset"]), RunConfig(**config),
                          queue=TrainingQueue(1), model=model_from_bytes(model) if model else None,
                          earlier=Snapshot.from_dict(earlier) if earlier else None, more_epochs=epochs)
        with self._lock:
            self._run = run
            if self._stop_reason is not None:
                run.stop(self._stop_reason)
        run.start().join()
        snap = run.snapshot()
        if run.model is None or snap.state == FAILED or not snap.batch_loss:
            return None
        return keras_bytes(run.model)

    def progress(self, batches_from: int, weights_at: tuple[float, ...]) -> dict | None:
        """The run's record since what the caller has (`training.remote_report`); None before it starts."""
        with self._lock:
            run = self._run
        return None if run is None else remote_report(run.snapshot(), batches_from, weights_at)

    def stop(self, reason: str) -> None:
        with self._lock:
            self._stop_reason = reason
            run = self._run
        if run is not None:
            run.stop(reason)


_waiting_lock = threading.Lock()
_waiting: set[int] = set()  # tickets of this process's runs that Ray has not placed yet


def _place(ticket: int) -> int:
    with _waiting_lock:
        return 1 + sum(1 for other in _waiting if other < ticket)


class RayTrainingRun(TrainingRun):
    """A `TrainingRun` trained by a Ray actor (see the module docstring), read and stopped the same way.

    `model` is the trained Keras model, loaded from `model_bytes` when first asked for; `worker_pid`
    is the process of the worker that trains it, once Ray has placed it; `start_seconds` how long
    that worker took from being placed to its first batch (it loads TensorFlow and the data)."""

    def __init__(self, *args, **kwargs):
        self._model = None
        self._model_lock = threading.Lock()
        self._actor = None
        self._earlier: Snapshot | None = kwargs.get("earlier")
        self.model_bytes: bytes | None = None
        self.worker_pid: int | None = None
        self.start_seconds: float | None = None
        super().__init__(*args, **kwargs)

    @property
    def model(self):
        with self._model_lock:
            if self._model is None and self.model_bytes is not None:
                self._model = model_from_bytes(self.model_bytes)
            return self._model

    @model.setter
    def model(self, value) -> None:
        self._model = value

    def worker_threads(self) -> tuple[int, int] | None:
        """TensorFlow's (intra-op, inter-op) threads in the worker, while it trains; else None."""
        actor = self._actor
        if actor is None or self.worker_pid is None:
            return None
        ray, _ = connect()
        return tuple(ray.get(actor.threads.remote(), timeout=REPLY_SECONDS))

    def stop(self, reason: str = "stopped by user") -> None:
        super().stop(reason)
        actor = self._actor
        if actor is not None and not self.record.snapshot().done:
            with contextlib.suppress(Exception):  # a lost worker is reported by the run's own thread
                actor.stop.remote(reason)

    def _queue_and_train(self) -> None:
        self.record.update(state=QUEUED, queue_position=_place(self.ticket))
        with _waiting_lock:
            _waiting.add(self.ticket)
        actor = None
        try:
            ray, actor_class = connect()
            while self.queue.paused and not self._should_stop():  # the teacher's pause holds here too
                self.record.update(queue_position=_place(self.ticket))
                time.sleep(POLL_SECONDS)
            if self._should_stop():
                self.record.update(state=STOPPED, queue_position=None)
                return
            actor = self._actor = self._new_actor(actor_class)
            if not self._placed(ray, actor):
                self.record.update(state=STOPPED, queue_position=None)
                return
            self._train_remotely(ray, actor)
        except Exception as e:  # reported through the record, as a thread's failure is
            self._fail(e)
        finally:
            with _waiting_lock:
                _waiting.discard(self.ticket)
            if actor is not None:
                self._actor = None
                with contextlib.suppress(Exception):
                    ray.kill(actor)  # its worker process ends now, not when the handle is collected

    def _new_actor(self, actor_class):
        cpus = training_cpus()
        start_model = keras_bytes(self.model) if self.model is not None else None
        earlier = self._earlier.to_dict() if self._earlier is not None else None
        return actor_class.options(num_cpus=cpus, max_concurrency=4, max_restarts=0).remote(
            self.spec.to_dict(), asdict(self.config), cpus, start_model, earlier, self.epochs_to_train)

    def _placed(self, ray, actor) -> bool:
        """Wait until Ray gives the actor its CPUs (True), or the run is stopped while it waits (False)."""
        placed = actor.pid.remote()
        while not ray.wait([placed], timeout=POLL_SECONDS)[0]:
            if self._should_stop():
                return False
            self.record.update(queue_position=_place(self.ticket))
        self.worker_pid = ray.get(placed)
        with _waiting_lock:
            _waiting.discard(self.ticket)
        self.record.update(state=STOPPING if self._stop.is_set() else RUNNING, queue_position=None)
        return True

    def _train_remotely(self, ray, actor) -> None:
        placed = time.monotonic()
        trained = actor.train.remote()
        while True:
            news = actor.progress.remote(self.record.batches(), self.record.weights_at())
            done = ray.wait([trained], timeout=POLL_SECONDS)[0]
            self._mirror(ray.get(news, timeout=REPLY_SECONDS))
            if self.start_seconds is None and self.record.batches():
                self.start_seconds = time.monotonic() - placed
            if done:
                break
        self.model_bytes = ray.get(trained)
        self._mirror(ray.get(actor.progress.remote(self.record.batches(), self.record.weights_at()),
                             timeout=REPLY_SECONDS), final=True)

    def _mirror(self, report: dict | None, final: bool = False) -> None:
        """Take the worker's news. Until the `final` news the run is not `settled` here, even when it
        is there: a reader that sees it settled may look for its model."""
        if report is None:  # the worker is still loading TensorFlow and the data
            return
        changes = {} if final or report["state"] not in DONE_STATES else {"evaluating": True}
        stopping = self._stop.is_set()
        if report["state"] == QUEUED or (stopping and report["state"] == RUNNING):
            changes["state"] = STOPPING if stopping else RUNNING
        if stopping:
            changes["stop_reason"] = self.record.snapshot().stop_reason
        self.record.mirror(report, queue_position=None, **changes)

    def _fail(self, error: Exception) -> None:
        error = _explained(error)
        self.record.update(state=FAILED, error=str(error), error_key=getattr(error, "key", None),
                           error_values=dict(getattr(error, "values", {})), evaluating=False, queue_position=None)


def _explained(error: Exception) -> Exception:
    """The error a person can act on for what Ray raised: the worker's own AppError, or a ClusterError."""
    if isinstance(error, AppError):
        return error
    import ray.exceptions as rex

    cause = getattr(error, "cause", None)
    if isinstance(error, rex.RayTaskError) and isinstance(cause, AppError):
        return cause
    log.warning("training on Ray failed: %s", error)
    if isinstance(error, rex.RayTaskError):
        return ClusterError("failed", detail=f"{type(cause).__name__}: {cause}" if cause else type(error).__name__)
    if isinstance(error, rex.GetTimeoutError):
        return ClusterError("no_answer", seconds=round(REPLY_SECONDS))
    if isinstance(error, rex.RayError):
        return ClusterError("worker_lost")
    return ClusterError("failed", detail=f"{type(error).__name__}: {error}")
