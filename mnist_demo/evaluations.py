"""Test-set evaluations of model files: computed once, in the background, and kept.

An evaluation is 10,000 predictions: seconds for a CNN on two cores, too long for a page to
wait on, and the same for everyone who opens that model. So each (model file, data set) is
evaluated once per process by a background `Job` that a page can follow (how many images are
done, the accuracy so far), and kept on disk under a name made of the file's contents, so that
a restarted server, or the learner whose run has just been evaluated, finds it at once. The
result is exactly `evaluate.evaluate`: one model has one test number everywhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .evaluate import Evaluation, evaluate_probabilities

MEMORY_ENTRIES = 32
BATCH = 1000  # images predicted at a time: a page's progress moves in these steps


def content_key(path: str | os.PathLike) -> str:
    """A name for the file's contents (SHA-256): the same model file under another name or after
    a restart has the same key, a changed file another."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:32]


_file_keys: dict[tuple[str, float, int], str] = {}


def file_key(path: str | os.PathLike) -> str:
    """`content_key`, read once per version of the file (its path, mtime and size) in this process:
    pages ask for it on every rerun, and a model file is megabytes to hash."""
    stat = os.stat(path)
    marker = (str(path), stat.st_mtime, stat.st_size)
    if marker not in _file_keys:
        _file_keys[marker] = content_key(path)
    return _file_keys[marker]


@dataclass
class Job:
    """One evaluation in a background thread; read `done`, `total`, `partial()` and `result`."""

    total: int
    labels: np.ndarray
    done: int = 0
    result: Evaluation | None = None
    error: str | None = None
    _parts: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _finished: threading.Event = field(default_factory=threading.Event)

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    def partial(self) -> Evaluation | None:
        """The evaluation of the images done so far (None before the first batch)."""
        with self._lock:
            parts = list(self._parts)
        if not parts:
            return None
        probabilities = np.concatenate(parts)
        return evaluate_probabilities(probabilities, self.labels[: len(probabilities)])

    def _add(self, probabilities: np.ndarray) -> None:
        with self._lock:
            self._parts.append(probabilities)
            self.done += len(probabilities)


class Evaluations:
    """Every evaluation this process has made or found on disk (see the module docstring)."""

    def __init__(self, cache_dir: str | os.PathLike):
        self.cache_dir = Path(cache_dir)
        self._lock = threading.Lock()
        self._memory: OrderedDict[tuple[str, str], Evaluation] = OrderedDict()
        self._jobs: dict[tuple[str, str], Job] = {}

    def key(self, path: str | os.PathLike) -> str:
        return file_key(path)

    def _file(self, key: str, dataset: str) -> Path:
        return self.cache_dir / f"{key}-{dataset}.npz"

    def cached(self, path: str | os.PathLike, dataset: str) -> Evaluation | None:
        """The evaluation if it was made before (in this process or kept on disk), else None."""
        slot = (self.key(path), dataset)
        with self._lock:
            if slot in self._memory:
                self._memory.move_to_end(slot)
                return self._memory[slot]
        kept = self._file(*slot)
        if not kept.is_file():
            return None
        try:
            with np.load(kept, allow_pickle=False) as f:
                evaluation = evaluate_probabilities(f["probabilities"], f["labels"])
        except (OSError, ValueError, KeyError):  # a damaged cache file is made again
            return None
        self._remember(slot, evaluation)
        return evaluation

    def job(self, path: str | os.PathLike, dataset: str, predictor, images: np.ndarray, labels: np.ndarray) -> Job:
        """The evaluation of `predictor` (the model in `path`) on (images, labels): a finished Job when
        it is known, else the running one, started if need be. Many sessions share one job."""
        slot = (self.key(path), dataset)
        known = self.cached(path, dataset)
        with self._lock:
            if known is not None:
                job = Job(len(labels), np.asarray(labels), done=len(labels), result=known)
                job._finished.set()
                return job
            if slot not in self._jobs:
                job = self._jobs[slot] = Job(len(labels), np.asarray(labels))
                threading.Thread(target=self._run, args=(slot, job, predictor, images), daemon=True,
                                 name=f"evaluation-{slot[0][:8]}").start()
            return self._jobs[slot]

    def evaluate(self, path: str | os.PathLike, dataset: str, predictor, images: np.ndarray, labels: np.ndarray,
                 on_progress=None) -> Evaluation:
        """The evaluation, made now in this thread unless it is known; kept for everyone after."""
        known = self.cached(path, dataset)
        if known is not None:
            return known
        job = Job(len(labels), np.asarray(labels))
        self._compute(job, predictor, images, on_progress)
        self._keep((self.key(path), dataset), job.result)
        return job.result

    def _run(self, slot, job: Job, predictor, images) -> None:
        try:
            self._compute(job, predictor, images)
            self._keep(slot, job.result)
        except Exception as e:  # the page following the job says so
            job.error = f"{type(e).__name__}: {e}"
        finally:
            job._finished.set()
            with self._lock:
                self._jobs.pop(slot, None)

    @staticmethod
    def _compute(job: Job, predictor, images, on_progress=None) -> None:
        for start in range(0, len(images), BATCH):
            job._add(np.asarray(predictor.predict_images(images[start : start + BATCH]), np.float32))
            if on_progress is not None:
                on_progress(job.done, job.total)
        job.result = job.partial() or evaluate_probabilities(np.zeros((0, 10), np.float32), job.labels[:0])

    def _keep(self, slot, evaluation: Evaluation) -> None:
        self._remember(slot, evaluation)
        target = self._file(*slot)
        with contextlib.suppress(OSError):  # a read-only or full disk only costs the next server a pass
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".npz.tmp")
            os.close(fd)
            try:
                with open(tmp, "wb") as f:
                    np.savez(f, probabilities=evaluation.probabilities.astype(np.float32), labels=evaluation.labels)
                os.replace(tmp, target)
            finally:
                Path(tmp).unlink(missing_ok=True)

    def _remember(self, slot, evaluation: Evaluation) -> None:
        with self._lock:
            self._memory[slot] = evaluation
            self._memory.move_to_end(slot)
            while len(self._memory) > MEMORY_ENTRIES:
                self._memory.popitem(last=False)
