"""Ray's cost: one training on a local Ray head against the same training in a thread of this process.

The same spec, config and seed train first as a `TrainingRun` thread (the reference), then as a
`RayTrainingRun` on a head started here (`harness.ray_head`, 2 CPUs), each timed from `start()`
until its result is in. The Ray run asks for both CPUs (MNIST_DEMO_RAY_CPUS=2), so TensorFlow
has the threads the thread run has. Beside the ratio: where Ray's extra time goes (waiting to
be placed, the worker loading TensorFlow and the data, the fit itself, the model coming back),
what starting the head and connecting cost, the memory of the head's processes, of this
process' connection and of the worker, and the seconds from Stop to a stopped run on Ray.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .common import result, seconds_to_stop

FIGURE = "training on Ray vs in a thread"
TARGET = "reported (Ray adds its start-up to each run); Stop <= 1 s"
PRESET = "mlp-64"
BATCHES_BEFORE_STOP = 20


def own_rss() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def rss_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def timed_run(run) -> dict:
    """Start `run` and follow it: seconds to its first batch, to done, to settled (its model in
    hand), the seconds its own record reports for the fit, and the peak RSS of a Ray worker."""
    started = time.perf_counter()
    run.start()
    marks, worker_peak = {}, 0
    while not run.snapshot().settled:
        snap = run.snapshot()
        now = time.perf_counter() - started
        if snap.state != "queued":
            marks.setdefault("placed", now)
        if snap.batch_loss:
            marks.setdefault("first_batch", now)
        if snap.done:
            marks.setdefault("done", now)
        pid = getattr(run, "worker_pid", None)
        if pid:
            worker_peak = max(worker_peak, rss_of(pid))
        time.sleep(0.02)
    run.join()
    total = time.perf_counter() - started
    snap = run.snapshot()
    if snap.state != "finished" or getattr(run, "model_bytes", b"") is None:
        raise RuntimeError(f"the run did not finish with a model: {snap.state} {snap.error}")
    return {"total": total, "placed": marks.get("placed", 0.0), "first_batch": marks.get("first_batch", total),
            "done": marks.get("done", total), "fit": snap.elapsed, "worker_rss": worker_peak,
            "test_accuracy": snap.test_accuracy}


def ray_stop_seconds(spec, ds, config) -> float:
    """Seconds from `stop()` to a snapshot that says done, mid-epoch on Ray."""
    from mnist_demo.ray_training import RayTrainingRun
    from mnist_demo.training import TrainingQueue

    run = RayTrainingRun(spec.replace(epochs=20), ds, config, queue=TrainingQueue(1)).start()
    while len(run.snapshot().batch_loss) < BATCHES_BEFORE_STOP:
        if run.snapshot().done:
            raise RuntimeError(f"ended before it could be stopped: {run.snapshot().error}")
        time.sleep(0.01)
    return seconds_to_stop(run)


def run(quick: bool = False) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["MNIST_DEMO_TRAINING_NICE"] = "0"
    os.environ["MNIST_DEMO_RAY_CPUS"] = "2"
    import keras  # noqa: F401  (TensorFlow's import falls on neither side)

    from harness.ray_head import start_head, stop_head
    from mnist_demo.data import load_dataset
    from mnist_demo.models import preset
    from mnist_demo.training import RunConfig, TrainingQueue, TrainingRun

    ds = load_dataset("mnist")
    spec = preset(PRESET).replace(epochs=1 if quick else 2)
    config = RunConfig(dataset=ds.name, train_limit=3000 if quick else None, test_limit=1000 if quick else None)
    TrainingRun(spec.replace(epochs=1), ds, RunConfig(train_limit=500, test_limit=100),
                queue=TrainingQueue(1)).start().join()  # warm-up: first-time Keras costs fall on neither side
    thread = timed_run(TrainingRun(spec, ds, config, queue=TrainingQueue(1)))
    app_rss_before_ray = own_rss()

    head = start_head(num_cpus=2)
    try:
        head_rss = head.rss_bytes()
        os.environ["RAY_ADDRESS"] = head.address
        from mnist_demo.ray_training import RayTrainingRun, connect

        connecting = time.perf_counter()
        connect()
        connect_seconds = time.perf_counter() - connecting
        driver_rss = own_rss() - app_rss_before_ray
        on_ray = timed_run(RayTrainingRun(spec, ds, config, queue=TrainingQueue(1)))
        stop_seconds = ray_stop_seconds(spec, ds, config)
        import ray

        ray.shutdown()
    finally:
        os.environ.pop("RAY_ADDRESS", None)
        stop_head(head)

    mb = 2**20
    ratio = on_ray["total"] / thread["total"]
    images = config.train_limit or len(ds.x_train)
    return result(
        FIGURE, on_ray["total"], thread["total"], ratio, TARGET, stop_seconds <= 1.0, unit="s",
        value_text=f"{on_ray['total']:.1f} s on Ray",
        reference_text=f"{thread['total']:.1f} s in a thread",
        ratio_text=f"{ratio:.2f}x ({on_ray['total'] - thread['total']:+.1f} s)",
        note=(f"{PRESET}, {spec.epochs} epoch(s) on {images} images. On Ray: placed after {on_ray['placed']:.1f} s, "
              f"first batch at {on_ray['first_batch']:.1f} s (thread: {thread['first_batch']:.1f} s), fit "
              f"{on_ray['fit']:.1f} s (thread: {thread['fit']:.1f} s), done -> model in hand "
              f"{on_ray['total'] - on_ray['done']:.1f} s (thread: {thread['total'] - thread['done']:.1f} s). "
              f"Head: started in {head.started_seconds:.1f} s, {head_rss / mb:.0f} MB RSS idle; connecting "
              f"{connect_seconds:.1f} s, +{driver_rss / mb:.0f} MB in the app; the worker peaked at "
              f"{on_ray['worker_rss'] / mb:.0f} MB (the app itself: {app_rss_before_ray / mb:.0f} MB). "
              f"Stop -> stopped on Ray: {stop_seconds:.2f} s."),
        thread=thread, ray=on_ray, head_start_seconds=head.started_seconds, head_rss_bytes=head_rss,
        connect_seconds=connect_seconds, driver_rss_bytes=driver_rss, app_rss_bytes=app_rss_before_ray,
        stop_seconds=stop_seconds,
    )


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
