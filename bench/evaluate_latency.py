"""Evaluate: from opening the page's evaluation of the shipped model (`Evaluations.job`, what the
page calls) until its first partial result, until the whole test set is done, and the same for a
model evaluated before (kept on disk), on a warm server (data and model loaded).

The reference is one forward pass over the first chunk of the test set with the same predictor:
the first result can never come sooner. Where the time goes is the `stages` detail: hashing the
model file, the chunks, and the reduction to an `Evaluation`."""

from __future__ import annotations

import json
import os
import tempfile
import time

from .common import median, result

FIGURE = "Evaluate: first result / whole test set (shipped model)"
TARGET = "first result <= 3 s warm"
REPEATS = 3


def _timed_job(evaluations, path, ds, predictor) -> tuple[float, float]:
    started = time.perf_counter()
    job = evaluations.job(path, ds.name, predictor, ds.x_test, ds.y_test)
    first = None
    while not job.finished:
        if first is None and job.partial() is not None:
            first = time.perf_counter() - started
        time.sleep(0.005)
    whole = time.perf_counter() - started
    if job.error:
        raise RuntimeError(job.error)
    return (first if first is not None else whole), whole


def run(quick: bool = False) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from mnist_demo.data import load_dataset
    from mnist_demo.evaluations import BATCH, Evaluations, content_key
    from mnist_demo.predict import Predictor
    from mnist_demo.storage import default_model_path

    ds = load_dataset("mnist")
    path = default_model_path()
    predictor = Predictor.load(path)
    chunk = BATCH
    predictor.predict_images(ds.x_test[:chunk])  # warm: the server has served a prediction
    firsts, wholes, cached, chunks, hashes = [], [], [], [], []
    for _ in range(1 if quick else REPEATS):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            predictor.predict_images(ds.x_test[:chunk])
            chunks.append(time.perf_counter() - started)
            started = time.perf_counter()
            content_key(path)
            hashes.append(time.perf_counter() - started)
            first, whole = _timed_job(Evaluations(tmp), path, ds, predictor)
            firsts.append(first)
            wholes.append(whole)
            again, _ = _timed_job(Evaluations(tmp), path, ds, predictor)  # a restarted server: kept on disk
            cached.append(again)
    first, whole, reference = median(firsts), median(wholes), median(chunks)
    return result(
        FIGURE, first, reference, first / reference, TARGET, first <= 3.0, unit="s",
        value_text=f"first result {first:.2f} s; whole test set {whole:.2f} s; kept before {median(cached):.2f} s",
        reference_text=f"one chunk of {chunk:,} images: {reference:.2f} s",
        ratio_text=f"{first / reference:.2f}x one chunk",
        note=(f"medians of {len(firsts)}; hashing the model file {median(hashes) * 1000:.0f} ms; "
              f"10,000 images = {len(ds.y_test) // chunk} chunks"),
        first_seconds=firsts, whole_seconds=wholes, cached_seconds=cached, chunk_seconds=chunks, hash_seconds=hashes,
    )


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
