"""10,000 MNIST test predictions with the shipped model: the app's numpy path
(`Predictor.predict_images`, what Evaluate runs) against Keras' `model.predict` on the same file.

Both run in this one process, in pairs back to back, the order alternating from pair to pair so
that neither always gets the quieter moment; the figure is the ratio of the medians. The load
average is read before and after every pair: a pair measured above the core count was disturbed
by other work on the machine, and the process CPU seconds of each run are recorded beside the
wall-clock ones, since they are much less disturbed by it. Both paths are warmed up first
(Keras traces its function), and their predictions are compared, so a fast wrong answer
cannot pass.
"""

from __future__ import annotations

import os
import time

import numpy as np

from .common import PROJECT_ROOT, median, result

FIGURE = "10,000 test predictions, shipped model (numpy path)"
TARGET = "numpy <= Keras"
MODEL = PROJECT_ROOT / "models" / "default.keras"


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def _timed(fn, *args, **kwargs) -> tuple[float, float, object]:
    """Wall-clock and process CPU seconds of one call, and what it returned."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, time.process_time() - cpu, out


def run(quick: bool = False) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from threadpoolctl import threadpool_info

    from mnist_demo.data import load_dataset
    from mnist_demo.predict import Predictor
    from mnist_demo.storage import load_keras_model

    predictor = Predictor.load(MODEL)
    if predictor.backend != "numpy":
        raise RuntimeError(f"{MODEL.name} did not load into the numpy path")
    keras_model = load_keras_model(MODEL)
    images = load_dataset("mnist").x_test[: 1000 if quick else None]
    x = predictor.model_input(images)
    predictor.predict_images(images[:500])
    keras_model.predict(x[:500], verbose=0)

    pairs = 1 if quick else 3
    numpy_s, keras_s, numpy_cpu, keras_cpu, loads = [], [], [], [], []
    for k in range(pairs):
        before = _load()
        for path in ("numpy", "keras") if k % 2 == 0 else ("keras", "numpy"):
            if path == "numpy":
                seconds, cpu, probs = _timed(predictor.predict_images, images)
                numpy_s.append(seconds)
                numpy_cpu.append(cpu)
            else:
                seconds, cpu, expected = _timed(keras_model.predict, x, verbose=0)
                keras_s.append(seconds)
                keras_cpu.append(cpu)
        loads.append({"before": before, "after": _load()})
    difference = float(np.abs(probs - expected).max())
    if difference > 1e-4:
        raise RuntimeError(f"numpy and Keras disagree by {difference:.2g}")
    value, reference = median(numpy_s), median(keras_s)
    ratio = value / reference
    cores = os.cpu_count()
    disturbed = sum(max(load["before"][0], load["after"][0]) > cores for load in loads)
    blas = [{k: lib.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
            for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return result(
        FIGURE, value, reference, ratio, TARGET, ratio <= 1, unit="s",
        value_text=f"{len(images):,} images in {value:.2f} s",
        reference_text=f"model.predict {reference:.2f} s",
        ratio_text=f"{ratio:.2f}x Keras' time",
        note=f"median of {pairs} alternating pairs (numpy {_seconds(numpy_s)} s; Keras {_seconds(keras_s)} s; "
             f"CPU: numpy {_seconds(numpy_cpu)} s, Keras {_seconds(keras_cpu)} s); "
             f"1-min load before/after each pair {', '.join(_before_after(load) for load in loads)}"
             + (f"; {disturbed} pair(s) above {cores} cores" if disturbed else ""),
        images=len(images), numpy_seconds=numpy_s, keras_seconds=keras_s, numpy_cpu_seconds=numpy_cpu,
        keras_cpu_seconds=keras_cpu, cpu_ratio=median(numpy_cpu) / median(keras_cpu), load_average=loads,
        disturbed_pairs=disturbed, chunk=predictor.model.chunk, cores=cores, blas=blas,
        max_abs_difference=difference, same_digits=int(np.sum(probs.argmax(1) == expected.argmax(1))),
    )


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{s:.2f}" for s in values)


def _before_after(load: dict) -> str:
    return f"{load['before'][0]}/{load['after'][0]}"


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
