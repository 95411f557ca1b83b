"""The store on a real PostgreSQL that several app servers share: losing the database says so and
recovers, servers do not step on each other's runs or run numbers."""

import threading

import pytest

from harness.postgres import running_postgres
from harness.store_hammer import run_record
from mnist_demo.database import DatabaseUnavailable
from mnist_demo.models import preset
from mnist_demo.runs import Runs
from mnist_demo.store import Store
from mnist_demo.training import RunConfig, TrainingQueue
from mnist_demo.workspace import Workspace

from .conftest import requires_mnist, wait_until

pytestmark = pytest.mark.postgres


@pytest.fixture
def own_server():
    """A PostgreSQL of this test alone: the test stops and starts it."""
    with running_postgres() as server:
        yield server


def test_a_lost_database_is_an_error_a_person_can_act_on_and_the_next_call_after_it_returns_works(own_server):
    store = Store.open(own_server.new_database())
    learner, token = store.create_learner("ada")
    own_server.stop()
    with pytest.raises(DatabaseUnavailable) as lost:
        store.learner_by_token(token)
    assert lost.value.key == "error.database.unreachable"
    assert "database" in str(lost.value) and "Connection refused" not in str(lost.value)
    with pytest.raises(DatabaseUnavailable):
        store.set_settings(learner.id, {"train.epochs": 3})
    own_server.start()
    assert store.learner_by_token(token).id == learner.id  # the first call after it returns
    store.set_settings(learner.id, {"train.epochs": 3})
    assert store.settings(learner.id) == {"train.epochs": 3}
    store.close()


def test_a_store_opened_while_the_database_is_away_says_so(own_server):
    url = own_server.new_database()
    own_server.stop()
    with pytest.raises(DatabaseUnavailable) as lost:
        Store.open(url)
    assert lost.value.reason == "unreachable"
    own_server.start()
    Store.open(url).close()


def test_replicas_starting_together_create_the_schema_once(postgres_url):
    stores, errors = [], []

    def open_one():
        try:
            stores.append(Store.open(postgres_url))
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(stores) == 6
    for store in stores:
        store.close()


def test_two_servers_adding_runs_for_one_learner_number_them_in_turn(postgres_url):
    one, two = Store.open(postgres_url), Store.open(postgres_url)
    learner, _ = one.create_learner("ada")
    numbers, errors = [], []

    def add(store):
        try:
            for _ in range(10):
                numbers.append(store.add_run(run_record(learner.id)).number)
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=add, args=(store,)) for store in (one, two, one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 41))
    one.close()
    two.close()


def test_a_server_interrupts_only_the_runs_of_servers_that_went_silent(postgres_url, tmp_path):
    store = Store.open(postgres_url)
    learner, _ = store.create_learner("ada")
    first = Runs(store, tmp_path, TrainingQueue(1), persist_every=0.1)  # a live replica that beats
    alive = store.add_run(run_record(learner.id, owner=first.server_id, state="running"))
    gone = store.add_run(run_record(learner.id, owner="a-replica-that-died", state="running"))
    second_store = Store.open(postgres_url)
    second = Runs(second_store, tmp_path, TrainingQueue(1))  # a replica starting checks for orphans
    assert store.run(alive.id).state == "running"
    assert store.run(gone.id).state == "interrupted"
    second.close()
    first.close()
    second_store.close()
    store.close()


@requires_mnist
def test_a_run_is_stopped_from_a_server_that_does_not_train_it(postgres_url, mnist, tmp_path):
    store = Store.open(postgres_url)
    learner, _ = store.create_learner("ada")
    trains = Runs(store, tmp_path, TrainingQueue(1), persist_every=0.1)
    other = Runs(Store.open(postgres_url), tmp_path, TrainingQueue(1), persist_every=0.1)
    record = trains.start(Workspace(store, learner, tmp_path), preset("mlp-64").replace(epochs=50), mnist,
                          RunConfig(train_limit=6000, test_limit=500), label="long")
    wait_until(lambda: store.run(record.id).progress_data().get("batch_loss"))
    assert other.live(record.id) is None and other.stop(record.id, "stopped on the other replica")
    trains.live(record.id).join(60)
    kept = trains.settled(record)
    assert kept.state == "stopped" and kept.stop_reason == "stopped on the other replica"
    assert not other.stop(record.id, "again")  # it has ended: nothing to stop
    other.close()
    other.store.close()
    trains.close()
    store.close()


@requires_mnist
def test_a_run_that_ends_while_the_database_is_away_is_kept_when_it_returns(own_server, mnist, tmp_path):
    store = Store.open(own_server.new_database())
    learner, _ = store.create_learner("ada")
    workspace = Workspace(store, learner, tmp_path)
    runs = Runs(store, tmp_path, TrainingQueue(1), persist_every=0.1)
    record = runs.start(workspace, preset("mlp-64").replace(epochs=3), mnist,
                        RunConfig(train_limit=6000, test_limit=500), label="mlp-64")
    wait_until(lambda: store.run(record.id).progress_data().get("batch_loss"))
    run = runs.live(record.id)
    own_server.stop()
    assert not run.snapshot().done  # it ends while the database is away
    run.join()
    assert run.snapshot().state == "finished"
    own_server.start()
    wait_until(lambda: store.run(record.id).state == "finished")
    kept = store.run(record.id)
    assert kept.model_file and workspace.path(kept.model_file).is_file()
    assert kept.progress_data()["test_accuracy"] > 0.5
    runs.close()
    store.close()


def test_a_page_says_the_database_is_away_without_a_traceback_and_works_again_when_it_returns(
        own_server, tmp_path, monkeypatch):
    from .apptest import app, texts

    monkeypatch.setenv("MNIST_DEMO_DATABASE_URL", own_server.new_database())
    monkeypatch.setenv("MNIST_DEMO_STATE_DIR", str(tmp_path))  # a store of this test's own (cached per folder)
    at = app("pages/draw.py")
    link = at.query_params["w"]
    own_server.stop()
    at.run()
    assert not at.exception
    assert "database cannot be reached just now" in texts(at) and "Traceback" not in texts(at)
    ja = app(locale="ja-JP", link=link)
    assert "データベースにつながりません" in texts(ja)
    own_server.start()
    at.button(key="database_retry").click().run()
    assert not at.exception and not at.error
    assert at.query_params["w"] == link  # the same learner, found again


def test_a_write_that_waits_too_long_for_another_server_s_lock_says_the_database_is_busy(postgres_url):
    import psycopg

    store = Store.open(postgres_url + "?options=-c%20statement_timeout%3D300")  # a URL's own options are kept
    learner, _ = store.create_learner("ada")
    with psycopg.connect(postgres_url) as other:  # another server holds the learner's row
        other.execute("UPDATE learners SET nickname = 'x' WHERE id = %s", (learner.id,))
        with pytest.raises(DatabaseUnavailable) as busy:
            store.add_run(run_record(learner.id))
        assert busy.value.reason == "busy"
    assert store.add_run(run_record(learner.id)).number == 1  # and the next one goes through
    store.close()
