"""The class as the teacher page reads it, and what a teacher does to it, without Streamlit."""

import csv
import io

import pytest

from mnist_demo import classroom
from mnist_demo.models import preset
from mnist_demo.runs import Runs
from mnist_demo.storage import read_info
from mnist_demo.training import RunConfig, TrainingQueue
from mnist_demo.workspace import Workspace, open_store, shared_model_names

from .conftest import requires_fashion, requires_mnist, wait_until

TINY = dict(train_limit=2000, test_limit=500)


@pytest.fixture
def school(tmp_path):
    """A store with two learners in class 3b and one in 4a, and a server that trains one run at a time."""
    store = open_store(tmp_path)
    learners = {name: Workspace(store, store.create_learner(name, code)[0], tmp_path)
                for name, code in (("ada", "3b"), ("bo", "3b"), ("cy", "4a"))}
    runs = Runs(store, tmp_path, TrainingQueue(1), persist_every=0.2)
    yield store, runs, learners
    runs.close()
    store.close()


def _train(runs, workspace, ds, learning_rate=0.001, normalize=True, epochs=1):
    spec = preset("mlp-64").replace(epochs=epochs, learning_rate=learning_rate)
    config = RunConfig(dataset=ds.name, normalize=normalize, **TINY)
    return runs.start(workspace, spec, ds, config, label="mlp-64", preset="mlp-64")


def _ended(runs, record):
    runs.live(record.id).join(120) if runs.live(record.id) else None
    return runs.settled(record)


def test_passcode_matches_only_the_passcode_and_none_set_opens_nothing():
    assert classroom.passcode_matches("owl-42", "owl-42")
    assert not classroom.passcode_matches("owl-4", "owl-42")
    assert not classroom.passcode_matches("", "")


@requires_mnist
def test_a_class_s_runs_become_rows_a_leaderboard_a_scatter_and_csv(school, mnist):
    store, runs, ws = school
    a = _ended(runs, _train(runs, ws["ada"], mnist, learning_rate=0.001))
    b = _ended(runs, _train(runs, ws["bo"], mnist, learning_rate=0.1, normalize=False))
    _ended(runs, _train(runs, ws["cy"], mnist))
    learners = classroom.class_learners(store, "3b")
    assert [learner.nickname for learner in learners] == ["ada", "bo"]
    rows = classroom.run_rows(store, runs, learners)
    assert [(r.learner, r.state, r.epoch, r.epochs) for r in rows] == [
        ("ada", "finished", 1, 1), ("bo", "finished", 1, 1)]
    assert {r.run_id for r in rows} == {a.id, b.id}
    best = classroom.leaderboard(rows)
    assert [r.test_accuracy for r in best] == sorted((r.test_accuracy for r in rows), reverse=True)
    assert classroom.counts(rows) == {"training": 0, "waiting": 0, "finished": 2}

    fig = classroom.scatter_figure(rows, "learning_rate", {"x": "LR", "y": "acc", "normalized": "/255", "raw": "raw"})
    by_group = {trace.name: (list(trace.x), list(trace.y)) for trace in fig.data}
    assert by_group["/255"][0] == [0.001] and by_group["raw"][0] == [0.1]
    assert fig.layout.xaxis.type == "log"

    table = list(csv.DictReader(io.StringIO(classroom.results_csv(rows))))
    assert [(t["learner"], t["learning_rate"], t["normalize"]) for t in table] == [
        ("ada", "0.001", "True"), ("bo", "0.1", "False")]
    assert float(table[0]["test_accuracy"]) == rows[0].test_accuracy


@requires_mnist
@requires_fashion
def test_the_class_confusion_matrix_sums_the_kept_counts_of_tested_runs_of_one_data_set_only(school, mnist):
    import numpy as np

    from mnist_demo.data import load_dataset
    from mnist_demo.evaluate import evaluate
    from mnist_demo.predict import Predictor

    store, runs, ws = school
    fashion = load_dataset("fashion-mnist")
    digits = [_ended(runs, _train(runs, ws[name], mnist)) for name in ("ada", "bo")]
    clothes = _ended(runs, _train(runs, ws["cy"], fashion))
    runs.queue.pause()
    never = _train(runs, ws["ada"], mnist)  # stopped before it trained: never tested
    runs.stop(never.id, "stopped by the teacher")
    runs.queue.resume()
    assert _ended(runs, never).state == "stopped" and not store.run(never.id).progress_data()["batch_loss"]

    def kept(record):
        return np.array(store.run(record.id).progress_data()["confusion"])

    for record, owner, ds in ((digits[0], "ada", mnist), (digits[1], "bo", mnist), (clothes, "cy", fashion)):
        again = evaluate(Predictor.load(ws[owner].path(record.model_file)), ds.x_test[:500], ds.y_test[:500])
        assert kept(record).tolist() == again.confusion.tolist()  # the counts of the very model the run kept
    rows = classroom.run_rows(store, runs, classroom.class_learners(store))
    assert classroom.confusion_datasets(rows) == ["mnist", "fashion-mnist"]
    combined = classroom.class_confusion(rows, "mnist")
    assert combined.runs == 2 and combined.matrix.sum() == 1000
    assert combined.matrix.tolist() == (kept(digits[0]) + kept(digits[1])).tolist()
    off = combined.matrix.copy()
    np.fill_diagonal(off, -1)
    true_class, predicted, n = combined.most_confused()
    assert n == off.max() == combined.matrix[true_class, predicted] and true_class != predicted
    assert combined.mistakes == 1000 - np.trace(combined.matrix)
    assert classroom.class_confusion(rows, "fashion-mnist").matrix.tolist() == kept(clothes).tolist()
    assert classroom.class_confusion([r for r in rows if r.learner != "cy"], "fashion-mnist") is None
    assert "confusion" not in classroom.results_csv(rows).splitlines()[0]


@requires_mnist
def test_each_learner_s_current_run_is_the_one_training_and_a_paused_queue_starts_none(school, mnist):
    store, runs, ws = school
    done = _ended(runs, _train(runs, ws["ada"], mnist))
    runs.queue.pause()
    waiting = _train(runs, ws["ada"], mnist)
    other = _train(runs, ws["bo"], mnist)
    deadline_rows = lambda: classroom.run_rows(store, runs, classroom.class_learners(store, "3b"))  # noqa: E731
    wait_until(lambda: [r.place for r in deadline_rows() if r.state == "queued"] == [1, 2])  # both have stood in line
    current = {learner.nickname: row for learner, row in classroom.current_runs(deadline_rows(),
                                                                                classroom.class_learners(store))}
    assert current["ada"].run_id == waiting.id and current["ada"].state == "queued"
    assert current["bo"].run_id == other.id and current["cy"] is None
    assert classroom.counts(deadline_rows())["waiting"] == 2
    runs.stop(other.id, "stopped by the teacher")
    runs.queue.resume()
    assert _ended(runs, waiting).state == "finished"
    assert _ended(runs, other).state == "stopped"
    assert done.state == "finished"


@requires_mnist
def test_a_published_model_is_shared_read_only_under_its_new_name(school, mnist, tmp_path, monkeypatch):
    store, runs, ws = school
    saved = ws["ada"].save_run(_ended(runs, _train(runs, ws["ada"], mnist)), "ada-best")
    shared = tmp_path / "shared"
    monkeypatch.setenv("MNIST_DEMO_MODELS_DIR", str(shared))
    target = classroom.publish_model(ws["ada"].path(saved.model_file), "class best")
    assert target == shared / "class best.keras" and read_info(target).name == "class best"
    assert not target.stat().st_mode & 0o222  # nobody writes it
    assert "class best" in shared_model_names()  # no learner may save under that name
    with pytest.raises(classroom.ClassError) as taken:
        classroom.publish_model(ws["ada"].path(saved.model_file), "class best")
    assert taken.value.key == "error.class.name_taken"


@requires_mnist
def test_resetting_a_class_deletes_its_learners_workspaces_and_nobody_else_s(school, mnist):
    store, runs, ws = school
    _ended(runs, _train(runs, ws["ada"], mnist))
    _ended(runs, _train(runs, ws["cy"], mnist))
    runs.queue.pause()
    _train(runs, ws["bo"], mnist)  # still waiting when the class is reset
    ids = [learner.id for learner in classroom.class_learners(store, "3b")]
    assert ws["ada"].folder.is_dir()
    assert classroom.reset_class(store, runs, ws["ada"].root, ids) == 2
    assert [learner.nickname for learner in store.learners()] == ["cy"]
    assert not ws["ada"].folder.exists() and not ws["bo"].folder.exists()
    assert ws["cy"].folder.is_dir() and len(store.runs(ws["cy"].id)) == 1
    assert [r.learner_id for r in store.runs()] == [ws["cy"].id]


def test_a_teacher_s_workspaces_are_not_learners_of_any_class(school):
    store, _, ws = school
    first_visit, second_visit = (store.create_learner(f"learner-{n}", "3b")[0].id for n in ("t1", "t2"))
    for visit in (first_visit, second_visit):  # each new tab on the teacher page is a workspace
        classroom.mark_teacher(store, visit)
    assert [learner.nickname for learner in classroom.class_learners(store)] == ["ada", "bo", "cy"]
    assert [learner.nickname for learner in classroom.class_learners(store, "3b")] == ["ada", "bo"]
    assert len(store.learners()) == 5  # the store still has them, as workspaces
