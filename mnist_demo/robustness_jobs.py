"""The robustness lab's curves of model files: computed once, in the background, and kept.

A model's two curves are some twenty thousand predictions (every shift and rotation of the lab's
test images): seconds for a CNN on two cores, too long for a page to wait on, and the same for
everyone who opens that model. So, as with `evaluations`, each (model file, data set) gets one
background `CurveJob` per process that pages follow, and its result is kept on disk under the
name of the file's contents, where a restarted server finds it.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .evaluations import file_key
from .robustness import LAB_IMAGES, LAB_ROTATIONS, LAB_SHIFTS, Curve, lab_curves
from .storage import atomic_write


@dataclass
class CurveJob:
    """One model's lab curves; read `done`/`total` (curve points) and, once `finished`, `curves`
    (or `error`)."""

    total: int = len(LAB_SHIFTS) + len(LAB_ROTATIONS)
    done: int = 0
    curves: dict[str, Curve] | None = None
    error: str | None = None
    _finished: threading.Event = field(default_factory=threading.Event)

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total


def _finished_job(curves: dict[str, Curve]) -> CurveJob:
    job = CurveJob(done=len(LAB_SHIFTS) + len(LAB_ROTATIONS), curves=curves)
    job._finished.set()
    return job


class CurveJobs:
    """Every model's lab curves this process has made or found on disk."""

    def __init__(self, cache_dir: str | Path):
        self.cache_dir = Path(cache_dir)
        self._lock = threading.Lock()
        self._jobs: dict[tuple[str, str], CurveJob] = {}

    def _file(self, key: str, dataset: str) -> Path:
        return self.cache_dir / f"{key}-{dataset}-robustness-{LAB_IMAGES}.json"

    def _kept(self, slot: tuple[str, str]) -> dict[str, Curve] | None:
        try:
            data = json.loads(self._file(*slot).read_text())
            curves = {name: Curve(d["parameter"], tuple(d["values"]), tuple(d["accuracies"]))
                      for name, d in data.items()}
        except (OSError, ValueError, KeyError, TypeError):  # none yet, or damaged: made again
            return None
        expected = {"shift": LAB_SHIFTS, "rotation": LAB_ROTATIONS}
        same = all(name in curves and curves[name].values == values for name, values in expected.items())
        return curves if same else None

    def job(self, path: str | Path, dataset: str, predictor, images, labels) -> CurveJob:
        """The curves of `predictor` (the model in `path`) on the first LAB_IMAGES of (images,
        labels): a finished job when known, else the running one, started if need be."""
        slot = (file_key(path), dataset)
        with self._lock:
            job = self._jobs.get(slot)
            if job is not None:
                return job
            kept = self._kept(slot)
            job = self._jobs[slot] = _finished_job(kept) if kept is not None else CurveJob()
            if kept is None:
                threading.Thread(target=self._run, args=(slot, job, predictor, images[:LAB_IMAGES],
                                                         labels[:LAB_IMAGES]),
                                 daemon=True, name=f"robustness-{slot[0][:8]}").start()
            return job

    def _run(self, slot, job: CurveJob, predictor, images, labels) -> None:
        try:
            job.curves = lab_curves(predictor, images, labels, on_progress=job._progress)
            payload = json.dumps({name: curve.to_dict() for name, curve in job.curves.items()})
            with contextlib.suppress(OSError):  # a read-only or full disk only costs the next server a pass
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                atomic_write(self._file(*slot), lambda tmp: tmp.write_text(payload))
        except Exception as e:  # the page following the job says so
            job.error = f"{type(e).__name__}: {e}"
            with self._lock:
                self._jobs.pop(slot, None)  # the next visit tries again
        finally:
            job._finished.set()
