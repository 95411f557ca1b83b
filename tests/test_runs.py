"""Every learner's runs on a server: followed live, kept in the store, found again after a restart."""

import json
import os
import signal
import subprocess
import sys

import pytest

from mnist_demo.models import preset
from mnist_demo.runs import Runs, stored_progress
from mnist_demo.training import RunConfig, Snapshot, TrainingQueue
from mnist_demo.workspace import Workspace, open_store

from .conftest import ROOT, requires_mnist, wait_until

SMALL = dict(train_limit=3000, test_limit=1000)


@pytest.fixture
def state(tmp_path):
    store = open_store(tmp_path)
    learner, token = store.create_learner("ada")
    yield store, Workspace(store, learner, tmp_path), token
    store.close()


@requires_mnist
def test_a_run_is_kept_with_its_model_and_found_by_a_restarted_server(state, mnist, tmp_path):
    store, workspace, _ = state
    runs = Runs(store, tmp_path, TrainingQueue(1), persist_every=0.2)
    record = runs.start(workspace, preset("mlp-64").replace(epochs=2), mnist, RunConfig(**SMALL), label="mlp-64")
    wait_until(lambda: store.run(record.id).progress_data().get("batch_loss"))  # stored while it trains
    assert not store.run(record.id).done
    runs.live(record.id).join()
    kept = runs.settled(record)
    assert kept.state == "finished" and kept.model_file
    assert workspace.path(kept.model_file).is_file()
    runs.close()

    restarted = Runs(store, tmp_path, TrainingQueue(1))
    snap = restarted.snapshot(store.run(record.id))
    assert snap.state == "finished" and [e.epoch for e in snap.epochs] == [1, 2] and snap.test_accuracy > 0.7
    more = restarted.continue_run(workspace, kept, mnist, 1, label="mlp-64 +1")  # its model read from the file
    restarted.live(more.id).join()
    assert [e.epoch for e in restarted.snapshot(restarted.settled(more)).epochs] == [1, 2, 3]
    restarted.close()


@requires_mnist
def test_a_server_that_stops_keeps_its_running_run_as_interrupted_and_not_being_tested(state, mnist, tmp_path):
    store, workspace, _ = state
    runs = Runs(store, tmp_path, TrainingQueue(1), persist_every=0.2)
    record = runs.start(workspace, preset("mlp-512x2").replace(epochs=20), mnist, RunConfig(), label="long")
    wait_until(lambda: len(store.run(record.id).progress_data().get("batch_loss", [])) > 3)
    runs.close()
    kept = store.run(record.id)
    assert kept.state == "interrupted" and len(kept.progress_data()["batch_loss"]) > 3
    restarted = Runs(store, tmp_path, TrainingQueue(1))
    snap = restarted.snapshot(kept)
    restarted.close()
    assert snap.settled and not snap.evaluating


@requires_mnist
def test_a_killed_server_s_run_is_interrupted_by_the_next_one(tmp_path):
    code = (
        "import sys, time\n"
        "from mnist_demo.data import load_dataset\n"
        "from mnist_demo.models import preset\n"
        "from mnist_demo.runs import Runs\n"
        "from mnist_demo.training import RunConfig, TrainingQueue\n"
        "from mnist_demo.workspace import Workspace, open_store\n"
        "root = __import__('pathlib').Path(sys.argv[1])\n"
        "store = open_store(root)\n"
        "learner, _ = store.create_learner('ada')\n"
        "runs = Runs(store, root, TrainingQueue(1), persist_every=0.2)\n"
        "record = runs.start(Workspace(store, learner, root), preset('mlp-512x2').replace(epochs=20),\n"
        "                    load_dataset('mnist'), RunConfig(), label='long')\n"
        "while len(store.run(record.id).progress_data().get('batch_loss', [])) < 3: time.sleep(0.05)\n"
        "print(record.id, flush=True)\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env=os.environ)
    try:
        run_id = proc.stdout.readline().strip()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    store = open_store(tmp_path)
    assert store.run(run_id).state == "running"  # what the killed server last wrote
    assert store.interrupt_orphans(alive_within=0) == [run_id]
    assert store.run(run_id).state == "interrupted"


def test_stored_curves_are_thinned_but_keep_their_ends():
    n = 9000
    snap = Snapshot(batch_x=tuple(range(n)), batch_loss=tuple(float(i) for i in range(n)),
                    batch_accuracy=tuple(0.5 for _ in range(n)))
    data = stored_progress(snap)
    assert 1000 < len(data["batch_x"]) <= 2001 and data["batch_x"][0] == 0 and data["batch_x"][-1] == n - 1
    assert json.loads(json.dumps(data)) == data


@requires_mnist
def test_the_cli_lists_a_learner_s_runs_and_exports_one(state, mnist, tmp_path):
    store, workspace, token = state
    runs = Runs(store, tmp_path, TrainingQueue(1))
    record = runs.start(workspace, preset("mlp-64"), mnist, RunConfig(**SMALL), label="mlp-64")
    runs.live(record.id).join()
    runs.close()
    env = {**os.environ, "MNIST_DEMO_STATE_DIR": str(tmp_path)}

    def cli(*args):
        out = subprocess.run([sys.executable, "-m", "mnist_demo", *args], cwd=ROOT, capture_output=True, text=True,
                             env=env, timeout=120)
        assert out.returncode == 0, out.stderr
        return [json.loads(line) for line in out.stdout.splitlines()]

    assert [row["nickname"] for row in cli("learners")] == ["ada"]
    listed = cli("runs", "--learner", token)
    assert [(r["number"], r["state"], r["model"]) for r in listed] == [(1, "finished", True)]
    out = tmp_path / "export" / "mine.keras"
    cli("export", "--learner", "ada", "--run", "1", "--out", str(out))
    from mnist_demo.predict import Predictor

    exported = Predictor.load(out)
    assert (exported.predict_images(mnist.x_test[:500]).argmax(1) == mnist.y_test[:500]).mean() > 0.7
    assert cli("backup", "--out", str(tmp_path / "copy")) == [
        {"backup": str(tmp_path / "copy"), "learners": 1, "runs": 1}]
    env["MNIST_DEMO_STATE_DIR"] = str(tmp_path / "copy")  # the copy is a state folder the app can use
    cli("export", "--learner", token, "--run", "1", "--out", str(tmp_path / "from-copy.keras"))
    assert (tmp_path / "from-copy.keras").read_bytes() == out.read_bytes()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_sidebar_status_has_words_for_every_state_even_before_anything_is_measured(lang, monkeypatch):
    """A run read from the store on another replica, or just queued, lacks its place, its wait and
    its epochs: the sidebar once formatted such a None into a traceback shown to nine students."""
    import streamlit as st

    from mnist_demo.training import Snapshot
    from mnist_demo.ui.runs import status_line

    monkeypatch.setattr(st, "session_state", {"lang": lang})
    bare = [Snapshot.from_dict({}, state=state) for state in ("queued", "running", "stopping", "finished")]
    nones = [Snapshot.from_dict({"queue_position": None, "eta": None, "test_accuracy": None}, state=state,
                                evaluating=evaluating)
             for state in ("queued", "running", "stopping") for evaluating in (False, True)]
    for snap in bare + nones:
        text, fill = status_line("MLP 512x2", snap, None)
        assert "None" not in text and text.startswith("MLP 512x2")
        assert fill is None if snap.state == "queued" else 0.0 <= fill <= 1.0
    text, _ = status_line("MLP", Snapshot(state="queued", queue_position=3), 180.0)
    assert "3" in text and ("3 min" in text or "3 分" in text)
    assert status_line("MLP", Snapshot(state="running", epochs_total=3, epochs_done=1), None)[0].endswith("2/3")


@requires_mnist
def test_a_queued_run_like_the_last_one_is_expected_to_hold_the_slot_as_long_as_that_one_did(state, mnist, tmp_path):
    """The wait a queued learner is promised comes from what this server measured: a loaded
    server builds, trains and tests slower than the starting guess, and said 33 % too little."""
    store, workspace, _ = state
    runs = Runs(store, tmp_path, TrainingQueue(1))
    spec = preset("mlp-64").replace(epochs=10)  # long enough to measure (over a second) on a quiet machine
    first = runs.start(workspace, spec, mnist, RunConfig(**SMALL), label="first")
    done = runs.live(first.id)
    done.join()
    runs.settled(first)
    assert done.snapshot().elapsed > 1
    ahead = runs.start(workspace, spec.replace(epochs=30), mnist, RunConfig(**SMALL), label="ahead")
    queued = runs.start(workspace, spec, mnist, RunConfig(**SMALL), label="queued")
    assert runs.expected_seconds(runs.live(queued.id)) == pytest.approx(done.slot_seconds, rel=1e-6)
    assert runs.wait_seconds(queued.id) > done.slot_seconds  # the 30-epoch run ahead takes longer
    runs.stop(ahead.id, "test")
    runs.stop(queued.id, "test")
    runs.close()


def test_a_queued_run_polls_slowly_and_its_page_reruns_once_when_it_leaves_the_queue(monkeypatch):
    import streamlit as st

    from mnist_demo.ui.runs import Poll

    reruns = []
    monkeypatch.setattr(st, "session_state", {})
    monkeypatch.setattr(st, "rerun", lambda: reruns.append("page"))
    poll = Poll("status", 1.0, queued_seconds=4.0)
    assert poll.every(True, queued=True) == 4.0
    poll.rerun_page_if(False, queued=True)
    assert reruns == []  # still waiting: nothing to redraw outside the fragment
    poll.rerun_page_if(False, queued=False)
    assert reruns == ["page"]  # it started: the page reruns, and so polls at the training pace
    poll.rerun_page_if(False, queued=False)
    assert reruns == ["page"]
    assert poll.every(True, queued=False) == 1.0
    poll.rerun_page_if(True)
    assert reruns == ["page", "page"]  # it ended
    assert poll.every(False) is None
