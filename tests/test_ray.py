"""Trainings on a real local Ray head: streamed live, stopped, queued for a CPU, their models kept,
a lost worker reported; and without a cluster, no Ray at all."""

import json
import os
import signal
import subprocess
import sys

import pytest

from mnist_demo.models import preset
from mnist_demo.runs import Runs
from mnist_demo.training import RunConfig, TrainingQueue
from mnist_demo.workspace import Workspace, open_store

from .conftest import ROOT, requires_mnist, wait_until

TINY = dict(train_limit=3000, test_limit=1000)
LONG = preset("mlp-64").replace(epochs=50)  # far longer than a test waits: it ends by Stop or by a kill


@pytest.fixture(scope="session")
def ray_cluster():
    from harness.ray_head import ray_head

    with ray_head(num_cpus=2) as head:
        yield head
        import ray

        ray.shutdown()


@pytest.fixture
def on_ray(ray_cluster, monkeypatch, tmp_path):
    """A server whose trainings go to the session's Ray head, and a learner's workspace on it."""
    monkeypatch.setenv("RAY_ADDRESS", ray_cluster.address)
    store = open_store(tmp_path)
    learner, _ = store.create_learner("ada")
    runs = Runs(store, tmp_path, TrainingQueue(1), persist_every=0.2)
    assert runs.on_ray
    yield runs, Workspace(store, learner, tmp_path)
    runs.close()
    store.close()


@requires_mnist
def test_without_a_cluster_a_training_never_imports_ray(tmp_path):
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from mnist_demo.data import load_dataset\n"
        "from mnist_demo.models import preset\n"
        "from mnist_demo.runs import Runs\n"
        "from mnist_demo.training import RunConfig, TrainingQueue\n"
        "from mnist_demo.workspace import Workspace, open_store\n"
        "root = Path(sys.argv[1])\n"
        "store = open_store(root)\n"
        "learner, _ = store.create_learner('ada')\n"
        "runs = Runs(store, root, TrainingQueue(1))\n"
        "record = runs.start(Workspace(store, learner, root), preset('mlp-64').replace(epochs=1),\n"
        "                    load_dataset('mnist'), RunConfig(train_limit=2000, test_limit=500), label='t')\n"
        "kept = runs.settled(record, timeout=300)\n"
        "print(kept.state, bool(kept.model_file), 'ray' in sys.modules)\n"
        "runs.close()\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("RAY_ADDRESS", "MNIST_DEMO_RAY_ADDRESS")}
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["finished", "True", "False"]


@pytest.mark.ray
def test_a_training_on_ray_streams_its_curve_and_its_model_comes_back_into_the_workspace(on_ray, mnist):
    runs, workspace = on_ray
    spec = preset("mlp-64").replace(epochs=2, batch_size=16)  # enough batches for the polls to see them come
    record = runs.start(workspace, spec, mnist, RunConfig(train_limit=6000, test_limit=1000), label="mlp-64")
    run = runs.live(record.id)
    seen = []
    while not run.snapshot().done:
        snap = run.snapshot()
        if snap.state == "running" and snap.batch_loss and (not seen or len(snap.batch_loss) > seen[-1]):
            seen.append(len(snap.batch_loss))
            if run.worker_threads() is not None:
                assert run.worker_threads() == (1, 1)  # TensorFlow capped to the run's one CPU
        run.join(0.05)
    assert len(seen) >= 3, seen  # the page saw the curve grow, not only its end
    kept = runs.settled(record, timeout=120)
    assert kept.state == "finished" and kept.model_file
    snap = runs.snapshot(kept)
    assert [e.epoch for e in snap.epochs] == [1, 2] and len(snap.batch_loss) == 2 * snap.batches_per_epoch
    assert snap.test_accuracy > 0.7  # measured here, on the file that came back

    from mnist_demo.storage import load_keras_model, read_info

    path = workspace.path(kept.model_file)
    assert read_info(path).extra["run_id"] == record.id
    model = load_keras_model(path)  # safe mode, shapes checked
    scores = model.predict(mnist.x_test[:200], verbose=0)
    assert (scores.argmax(axis=1) == mnist.y_test[:200]).mean() > 0.7


@pytest.mark.ray
def test_on_ray_a_run_waits_for_a_cpu_with_its_place_and_stop_ends_either_at_once(on_ray, mnist, monkeypatch):
    runs, workspace = on_ray
    monkeypatch.setenv("MNIST_DEMO_RAY_CPUS", "2")  # one training takes the whole head
    first = runs.start(workspace, LONG, mnist, RunConfig(**TINY), label="first")
    second = runs.start(workspace, LONG, mnist, RunConfig(**TINY), label="second")
    first_run, second_run = runs.live(first.id), runs.live(second.id)
    wait_until(lambda: first_run.snapshot().state == "running" and len(first_run.snapshot().batch_loss) > 5)
    assert second_run.snapshot().state == "queued" and second_run.snapshot().queue_position == 1
    assert runs.wait_seconds(second.id) > 0

    runs.stop(second.id, "changed my mind")
    wait_until(lambda: second_run.snapshot().done)
    assert second_run.snapshot().state == "stopped" and second_run.worker_pid is None  # it never had a CPU

    runs.stop(first.id, "enough")
    wait_until(lambda: first_run.snapshot().done)
    stopped = first_run.snapshot()
    assert stopped.state == "stopped" and stopped.stop_reason == "enough"
    assert stopped.epochs_done < LONG.epochs
    kept = runs.settled(first, timeout=120)
    assert kept.state == "stopped" and workspace.path(kept.model_file).is_file()  # what it learnt is kept


@pytest.mark.ray
def test_a_killed_ray_worker_marks_its_run_failed_with_a_message(on_ray, mnist):
    runs, workspace = on_ray
    record = runs.start(workspace, LONG, mnist, RunConfig(**TINY), label="doomed")
    run = runs.live(record.id)
    wait_until(lambda: len(run.snapshot().batch_loss) > 5)
    os.kill(run.worker_pid, signal.SIGKILL)
    kept = runs.settled(record, timeout=120)
    assert kept.state == "failed" and not kept.model_file
    from mnist_demo.i18n import translate

    assert kept.error == translate("error.cluster.worker_lost", "en")
    snap = runs.snapshot(runs.store.run(record.id))
    assert snap.error_key == "error.cluster.worker_lost" and len(snap.batch_loss) > 5  # its curve up to then stays


@pytest.mark.ray
def test_the_cli_trains_on_the_cluster_ray_address_names(ray_cluster, tmp_path):
    out_path = tmp_path / "on-ray.keras"
    out = subprocess.run(
        [sys.executable, "-m", "mnist_demo", "train", "--preset", "mlp-64", "--epochs", "1", "--train-limit", "3000",
         "--test-limit", "1000", "--out", str(out_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "RAY_ADDRESS": ray_cluster.address})
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"training on the Ray cluster at {ray_cluster.address}" in out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["epochs"] == 1 and result["test_accuracy"] > 0.7 and out_path.is_file()
