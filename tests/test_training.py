import json
import os
import threading
import time

import numpy as np
import pytest

from mnist_demo.models import preset
from mnist_demo.training import FINISHED, STOPPED, RunConfig, Snapshot, TrainingQueue, TrainingRun

SMALL = dict(train_limit=6000, test_limit=2000)


def _run(mnist, name="mlp-64", epochs=1, queue=None, abandon_after=None, **config):
    spec = preset(name).replace(epochs=epochs)
    return TrainingRun(spec, mnist, RunConfig(**{**SMALL, **config}), queue=queue or TrainingQueue(1),
                       abandon_after=abandon_after)


def test_mlp_learns_on_a_subset_and_reports_everything(mnist):
    run = _run(mnist, epochs=2).start()
    seen = []
    while not run.join(0.05):
        seen.append(run.snapshot())
    snap = run.snapshot()
    assert snap.state == FINISHED and snap.error is None
    assert snap.test_accuracy >= 0.84, snap.test_accuracy
    assert [e.epoch for e in snap.epochs] == [1, 2]
    assert all(e.val_accuracy is not None and e.val_loss is not None for e in snap.epochs)
    assert len(snap.batch_loss) == 2 * 54 and snap.batch_x[-1] == pytest.approx(2.0)  # 90 % of 6,000, batches of 100
    assert snap.batch_loss[-1] < snap.batch_loss[0]
    assert snap.samples_per_second > 0 and snap.elapsed > 0 and snap.fraction == 1.0
    growing = [len(s.batch_loss) for s in seen]
    assert growing == sorted(growing) and len(set(growing)) > 2, "the record must be readable while training"
    assert run.history()["val_accuracy"][-1] == snap.epochs[-1].val_accuracy


def test_validation_holds_out_the_end_of_the_training_images_unless_told_to_use_the_test_set(mnist):
    held = _run(mnist)
    (x_train, _), (x_val, _), (x_test, _) = held.prepared_data()
    assert (len(x_train), len(x_val), len(x_test)) == (5400, 600, 2000)
    assert (x_val == mnist.x_train[5400:6000]).all()
    tutorial = _run(mnist, validation="test")
    (x_train, _), (x_val, _), _ = tutorial.prepared_data()
    assert len(x_train) == 6000 and (x_val == mnist.x_test[:2000]).all()
    tutorial.start().join()
    snap = tutorial.snapshot()
    assert snap.test_accuracy == pytest.approx(snap.epochs[-1].val_accuracy)  # the tutorials' single number


def test_stop_ends_within_a_batch_and_keeps_the_partial_curve(mnist):
    run = _run(mnist, name="mlp-512x2", epochs=5, train_limit=60000).start()
    while len(run.snapshot().batch_loss) < 5:
        time.sleep(0.01)
    run.stop()
    batches_when_stopped = len(run.snapshot().batch_loss)
    assert run.join(30)
    snap = run.snapshot()
    assert snap.state == STOPPED and snap.stop_reason == "stopped by user"
    assert len(snap.batch_loss) <= batches_when_stopped + 1
    assert snap.epochs == ()
    assert snap.test_accuracy is not None


def test_runs_are_seeded_and_repeatable(mnist):
    a = _run(mnist, seed=3, train_limit=2000).start()
    a.join()
    b = _run(mnist, seed=3, train_limit=2000).start()
    b.join()
    c = _run(mnist, seed=4, train_limit=2000).start()
    c.join()
    sa, sb, sc = a.snapshot(), b.snapshot(), c.snapshot()
    np.testing.assert_allclose(sa.batch_loss, sb.batch_loss, rtol=1e-4)
    assert sa.test_accuracy == pytest.approx(sb.test_accuracy, abs=1e-3)
    assert not np.allclose(sa.batch_loss, sc.batch_loss, rtol=1e-4)


def test_raw_pixels_train_worse_than_normalized_ones(mnist):
    """The tutorials' lesson: without / 255 the same SGD model learns far less."""
    normalized = _run(mnist, name="mlp-256-100").start()
    normalized.join()
    raw = _run(mnist, name="mlp-256-100", normalize=False).start()
    raw.join()
    assert normalized.snapshot().test_accuracy > raw.snapshot().test_accuracy + 0.2


def test_queue_runs_one_at_a_time_and_reports_places(mnist):
    queue = TrainingQueue(1)
    first = _run(mnist, epochs=3, queue=queue, train_limit=60000).start()
    second = _run(mnist, queue=queue).start()
    deadline = time.monotonic() + 20
    while second.snapshot().queue_position != 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert second.snapshot().state == "queued" and second.snapshot().queue_position == 1
    assert queue.counts() == (1, 1)
    first.stop()
    assert second.join(60) and second.snapshot().state == FINISHED
    assert first.snapshot().state == STOPPED


def test_stopping_a_queued_run_frees_its_place(mnist):
    queue = TrainingQueue(1)
    first = _run(mnist, epochs=3, queue=queue, train_limit=60000).start()
    waiting = _run(mnist, queue=queue).start()
    time.sleep(0.3)
    waiting.stop()
    assert waiting.join(5) and waiting.snapshot().state == STOPPED
    assert queue.counts()[1] == 0
    first.stop()
    first.join()


def test_a_queued_run_nobody_watches_gives_up_its_place_but_a_running_one_trains_on(mnist):
    queue = TrainingQueue(1)
    running = _run(mnist, epochs=2, queue=queue, train_limit=20000, abandon_after=0.3).start()
    waiting = _run(mnist, queue=queue, abandon_after=0.3).start()
    assert waiting.join(30)
    snap = waiting.snapshot()
    assert snap.state == STOPPED and snap.stop_reason.startswith("abandoned") and snap.epochs == ()
    assert running.join(120)
    assert running.snapshot().state == FINISHED  # nobody watched it either: it finished all the same


def test_train_more_epochs_continues_the_curves(mnist):
    first = _run(mnist).start()
    first.join()
    more = TrainingRun.continued(first, 1, queue=TrainingQueue(1)).start()
    more.join()
    snap = more.snapshot()
    assert [e.epoch for e in snap.epochs] == [1, 2]
    assert len(snap.batch_x) == 2 * snap.batches_per_epoch and snap.batch_x[-1] == pytest.approx(2.0)
    assert list(snap.batch_x) == sorted(snap.batch_x)
    assert snap.batch_loss[: snap.batches_per_epoch] == first.snapshot().batch_loss
    assert more.model is first.model
    assert snap.test_accuracy >= first.snapshot().test_accuracy - 0.01


def test_failure_is_reported_not_raised(mnist):
    class Broken:
        name = "mnist"
        x_train = np.zeros((10, 5, 5), np.uint8)
        y_train = np.zeros(10, np.uint8)
        x_test = x_train
        y_test = y_train
        num_classes = 10

    run = TrainingRun(preset("mlp-64"), Broken(), RunConfig(), queue=TrainingQueue(1)).start()
    assert run.join(30)
    assert run.snapshot().state == "failed" and run.snapshot().error


def test_record_is_safe_to_read_from_many_threads(mnist):
    run = _run(mnist).start()
    errors = []

    def reader():
        try:
            while not run.snapshot().done:
                s = run.snapshot()
                assert len(s.batch_x) == len(s.batch_loss) == len(s.batch_accuracy)
                time.sleep(0.002)
        except Exception as e:  # collected and asserted below
            errors.append(e)

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for t in readers:
        t.start()
    run.join()
    for t in readers:
        t.join()
    assert errors == []


def test_trainings_run_below_the_pages_priority():
    """TensorFlow's compute threads and the run's thread are reniced; the caller is not."""
    import subprocess
    import sys

    from .conftest import ROOT

    code = (
        "import os, threading\n"
        "from mnist_demo.data import load_dataset\n"
        "from mnist_demo.models import preset\n"
        "from mnist_demo.training import RunConfig, TrainingQueue, TrainingRun, _tensorflow_thread_ids\n"
        "niceness = {}\n"
        "class Run(TrainingRun):\n"
        "    def _train(self):\n"
        "        niceness['run'] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())\n"
        "        super()._train()\n"
        "run = Run(preset('mlp-64'), load_dataset('mnist'), RunConfig(train_limit=1000, test_limit=200),\n"
        "          queue=TrainingQueue(1)).start()\n"
        "run.join()\n"
        "tf = [os.getpriority(os.PRIO_PROCESS, t) for t in _tensorflow_thread_ids()]\n"
        "print(run.snapshot().state, niceness['run'], min(tf), len(tf) > 0, os.getpriority(os.PRIO_PROCESS, 0))\n"
    )
    env = {**os.environ, "MNIST_DEMO_TRAINING_NICE": "7"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    state, run_nice, tf_nice, has_tf_threads, main_nice = out.stdout.split()
    assert state == "finished" and has_tf_threads == "True"
    assert int(run_nice) == 7 and int(tf_nice) == 7
    assert int(main_nice) == os.getpriority(os.PRIO_PROCESS, 0)  # the page's thread keeps its priority


def test_a_snapshot_survives_a_trip_through_plain_data(mnist):
    run = _run(mnist).start()
    run.join()
    snap = run.snapshot()
    data = snap.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert Snapshot.from_dict(data) == snap
    assert Snapshot.from_dict(data, state="interrupted").done


def test_on_done_is_called_once_the_run_has_ended(mnist):
    seen = []
    run = TrainingRun(preset("mlp-64"), mnist, RunConfig(**SMALL), queue=TrainingQueue(1),
                      on_done=lambda r: seen.append((r.snapshot().state, r.model is not None)))
    run.start().join()
    assert seen == [(FINISHED, True)]


def test_a_record_gives_the_same_snapshot_until_it_is_written_and_every_write_shows():
    from mnist_demo.training import EpochResult, ProgressRecord

    record = ProgressRecord(epochs_total=2, batches_per_epoch=3)
    first = record.snapshot()
    assert record.snapshot() is first  # reads between writes cost nothing
    record.add_batch(0.5, loss=2.0, accuracy=0.1, state="running")
    second = record.snapshot()
    assert second is not first and second.batch_loss == (2.0,) and second.state == "running"
    assert first.batch_loss == () and first.state != "running"  # a snapshot taken earlier never changes
    record.add_epoch(EpochResult(epoch=1, loss=1.0, accuracy=0.5, val_loss=None, val_accuracy=None, seconds=1.0))
    record.add_weights({"at": 1.0})
    record.update(eta=3.0)
    third = record.snapshot()
    assert third.epochs_done == 1 and third.weights == ({"at": 1.0},) and third.eta == 3.0
