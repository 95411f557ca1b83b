"""Live-training overhead: the app's `TrainingRun` (progress record, callback, a 2 Hz poller)
against a bare `model.fit` of the same model, data, batch size, epochs and seed.

Both clocks count building, compiling, fitting and the test-set evaluation that every
tutorial prints after `fit` (the run reports it as the result; the reference calls
`model.evaluate` the same way). The run trains without its per-epoch validation
(`validate=False`) and at normal priority (MNIST_DEMO_TRAINING_NICE=0; in the
app, trainings yield the CPU to page requests) so that both do exactly the same work apart
from the live-progress machinery. Bare and app runs alternate, and the figure is the median of
the pairs' ratios: these shared cores switch between two speeds from one run to the next (a bare
epoch took 33 s, then 46 s, with no other process busy), and the ratio of the two medians lets one
slow run in either half decide it.
"""

from __future__ import annotations

import os
import threading
import time

from .common import median, result

FIGURE = "live-training overhead (TrainingRun + 2 Hz poller)"
TARGET = "<= 5 % slower"
PRESET = "cnn-fast"
POLL_SECONDS = 0.5


def bare_fit(spec, ds, train_limit: int | None, seed: int = 0) -> tuple[float, float]:
    """Wall-clock and process CPU seconds to build, compile, fit and evaluate on the test set."""
    import keras

    from mnist_demo.data import one_hot
    from mnist_demo.models import build_model, compile_model

    x, y = ds.x_train, ds.y_train
    if train_limit:
        x, y = x[:train_limit], y[:train_limit]
    if spec.one_hot:
        y = one_hot(y, ds.num_classes)
    steps_total = -(-len(x) // spec.batch_size) * spec.epochs
    start, cpu = time.perf_counter(), time.process_time()
    keras.utils.set_random_seed(seed)
    model = build_model(spec, normalize=True, num_classes=ds.num_classes)
    compile_model(model, spec, steps_total)
    model.fit(x, y, batch_size=spec.batch_size, epochs=spec.epochs, shuffle=True, verbose=0)
    y_test = one_hot(ds.y_test, ds.num_classes) if spec.one_hot else ds.y_test
    model.evaluate(ds.x_test, y_test, batch_size=1000, verbose=0)
    return time.perf_counter() - start, time.process_time() - cpu


def app_run(spec, ds, train_limit: int | None, seed: int = 0) -> tuple[float, float, int, float]:
    """Wall-clock and process CPU seconds for a TrainingRun watched by a poller thread, how many
    snapshots it took, and the seconds the run itself reports from the start of `fit` to its end."""
    from mnist_demo.training import FINISHED, RunConfig, TrainingQueue, TrainingRun

    config = RunConfig(dataset=ds.name, seed=seed, train_limit=train_limit, validate=False)
    run = TrainingRun(spec, ds, config, queue=TrainingQueue(1))
    polls = 0
    done = threading.Event()

    def poll():
        nonlocal polls
        while not done.wait(POLL_SECONDS):
            run.touch()
            run.snapshot()
            polls += 1

    poller = threading.Thread(target=poll, daemon=True)
    start, cpu = time.perf_counter(), time.process_time()
    run.start()
    poller.start()
    run.join()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    done.set()
    poller.join()
    snap = run.snapshot()
    if snap.state != FINISHED:
        raise RuntimeError(f"the training run ended {snap.state}: {snap.error}")
    return seconds, cpu_seconds, polls, snap.elapsed


def run(quick: bool = False) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["MNIST_DEMO_TRAINING_NICE"] = "0"
    import keras  # noqa: F401  (imported before timing anything)

    from mnist_demo.data import load_dataset
    from mnist_demo.models import preset

    spec = preset(PRESET).replace(epochs=1)
    ds = load_dataset("mnist")
    train_limit, pairs = (2000, 1) if quick else (None, 3)
    bare_fit(spec, ds, 1000)  # warm-up: first-time TensorFlow costs fall on neither side
    bare, app, bare_cpu, app_cpu, polls, inside = [], [], [], [], [], []
    for _ in range(pairs):
        wall, cpu = bare_fit(spec, ds, train_limit)
        bare.append(wall)
        bare_cpu.append(cpu)
        wall, cpu, n, fit_seconds = app_run(spec, ds, train_limit)
        app.append(wall)
        app_cpu.append(cpu)
        polls.append(n)
        inside.append(fit_seconds)
    value, reference = median(app), median(bare)
    ratio = median([a / b for a, b in zip(app, bare, strict=True)])
    # CPU seconds are far less disturbed by other processes than wall-clock ones: reported beside.
    cpu_ratio = median([a / b for a, b in zip(app_cpu, bare_cpu, strict=True)])
    samples = train_limit or len(ds.x_train)
    return result(
        FIGURE, value, reference, ratio, TARGET, ratio <= 1.05, unit="s",
        value_text=f"{value:.1f} s",
        reference_text=f"bare model.fit + evaluate {reference:.1f} s",
        ratio_text=f"{(ratio - 1):+.1%} wall ({(cpu_ratio - 1):+.1%} CPU time)",
        note=f"{PRESET}, 1 epoch on {samples} images, median ratio of {pairs} alternating pairs "
             f"(wall: app {', '.join(f'{s:.1f}' for s in app)} s, bare {', '.join(f'{s:.1f}' for s in bare)} s; "
             f"CPU: app {', '.join(f'{s:.1f}' for s in app_cpu)} s, bare {', '.join(f'{s:.1f}' for s in bare_cpu)} s); "
             "met is judged on wall clock",
        app_seconds=app, bare_seconds=bare, app_cpu_seconds=app_cpu, bare_cpu_seconds=bare_cpu,
        cpu_ratio=cpu_ratio, polls=polls, app_seconds_inside_fit=inside,
    )


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
