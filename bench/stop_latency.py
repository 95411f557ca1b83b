"""Stop: from `TrainingRun.stop()` (what the Stop button calls) until the run's snapshot says it is done,
for every preset, mid-epoch on the full training set.

The reference is the same preset's median time per batch in the same run: a run can only stop
between two batches, so a stop can never beat one batch. Figure: the slowest preset's stop."""

from __future__ import annotations

import os
import time

from .common import median, result, seconds_to_stop

FIGURE = "Stop -> run done (every preset)"
TARGET = "every preset <= 1 s"
BATCHES_BEFORE_STOP = 20


def stop_seconds(preset_name: str, ds) -> tuple[float, float]:
    """(seconds from stop() to done, median seconds per batch before it) for one preset."""
    from mnist_demo.models import preset
    from mnist_demo.training import RunConfig, TrainingQueue, TrainingRun

    run = TrainingRun(preset(preset_name).replace(epochs=2), ds, RunConfig(dataset=ds.name), queue=TrainingQueue(1))
    run.start()
    timeline = []
    while len(run.snapshot().batch_loss) < BATCHES_BEFORE_STOP:
        snap = run.snapshot()
        if snap.done:
            raise RuntimeError(f"{preset_name} ended before it could be stopped: {snap.state} {snap.error}")
        timeline.append((time.perf_counter(), len(snap.batch_loss)))
        time.sleep(0.005)
    seconds = seconds_to_stop(run)
    (t0, b0), (t1, b1) = next(p for p in timeline if p[1] >= 2), timeline[-1]
    return seconds, (t1 - t0) / max(1, b1 - b0)


def run(quick: bool = False) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("MNIST_DEMO_TRAINING_NICE", "0")
    from mnist_demo.data import load_dataset
    from mnist_demo.models import PRESETS

    ds = load_dataset("mnist")
    names = ["mlp-64", "cnn-fast"] if quick else list(PRESETS)
    stops, batches = {}, {}
    for name in names:
        stops[name], batches[name] = stop_seconds(name, ds)
    slowest = max(stops, key=stops.get)
    worst = stops[slowest]
    return result(
        FIGURE, worst, batches[slowest], worst / batches[slowest], TARGET, worst <= 1.0, unit="s",
        value_text=f"slowest {worst:.2f} s ({slowest})",
        reference_text=f"one batch of {slowest}: {batches[slowest] * 1000:.0f} ms",
        ratio_text=f"{worst / batches[slowest]:.1f} batches",
        note="; ".join(f"{n} {stops[n]:.2f} s (batch {batches[n] * 1000:.0f} ms)" for n in names),
        stop_seconds=stops, batch_seconds=batches, median_stop_seconds=median(stops.values()),
    )


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
