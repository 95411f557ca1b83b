"""The class's store and a learner's workspace: nothing lost, nothing shared, bounded, safe under load."""

import os

import pytest

from harness.store_hammer import hammer_class, run_record
from mnist_demo.database import SQLite
from mnist_demo.store import Store, token_hash
from mnist_demo.workspace import MAX_SAVED_MODELS, Workspace, WorkspaceError

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASES)
def location(request, tmp_path):
    """Where a store lives: a SQLite file, or a new database on the test run's PostgreSQL."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return str(tmp_path / "state.db")


@pytest.fixture
def store(location):
    store = Store.open(location)
    yield store
    store.close()


def test_a_learner_is_found_by_their_token_which_is_never_stored(store):
    learner, token = store.create_learner("Ada", class_code="7B")
    assert store.learner_by_token(token).id == learner.id
    assert store.learner_by_token(token + "x") is None
    assert store.learner_by_token("Ada") is None  # the nickname is no key
    raw = [tuple(row.values()) for row in store.db.query("SELECT * FROM learners")]
    assert token not in repr(raw) and token_hash(token) in repr(raw)
    assert len(token) >= 22  # 128+ random bits


def test_settings_belong_to_their_learner(store):
    a, _ = store.create_learner("a")
    b, _ = store.create_learner("b")
    store.set_settings(a.id, {"train.epochs": 5, "train.normalize": False})
    store.set_settings(a.id, {"train.epochs": 7})
    assert store.settings(a.id) == {"train.epochs": 7, "train.normalize": False}
    assert store.settings(b.id) == {}


def test_runs_are_numbered_per_learner_and_keep_their_progress(store):
    a, _ = store.create_learner("a")
    b, _ = store.create_learner("b")
    first, second = store.add_run(run_record(a.id)), store.add_run(run_record(a.id))
    other = store.add_run(run_record(b.id))
    assert (first.number, second.number, other.number) == (1, 2, 1)
    store.update_run(first.id, state="running", progress={"batch_loss": [1.0, 0.5]})
    again = store.run(first.id)
    assert again.state == "running" and again.progress_data() == {"batch_loss": [1.0, 0.5]} and again.normalize is True
    assert [r.id for r in store.runs(a.id)] == [first.id, second.id]


def test_unfinished_runs_of_a_silent_server_become_interrupted(store):
    a, _ = store.create_learner("a")
    store.beat("alive")
    mine = store.add_run(run_record(a.id, owner="alive", state="running"))
    lost = store.add_run(run_record(a.id, owner="gone", state="running"))
    done = store.add_run(run_record(a.id, owner="gone", state="finished"))
    assert store.interrupt_orphans(alive_within=60) == [lost.id]
    assert [store.run(r.id).state for r in (mine, lost, done)] == ["running", "interrupted", "finished"]


def test_thirty_learners_in_threads_and_two_processes_lose_nothing(location):
    Store.open(location).close()
    assert hammer_class(location, threads=30, processes=2, per_process=15, rounds=6) == [0, 0]
    store = Store.open(location)
    learners = store.learners()
    assert len(learners) == 60
    for learner in learners:
        runs = store.runs(learner.id)
        assert sorted(r.number for r in runs) == list(range(1, 7))
        assert all(r.state == "finished" for r in runs)
        assert len(store.saved_models(learner.id)) == 6
        assert store.settings(learner.id)["train.epochs"] == 5
    store.close()


# --- a learner's workspace --------------------------------------------------------------------

def _workspace_with_a_run(store, root, nickname="a"):
    learner, _ = store.create_learner(nickname)
    workspace = Workspace(store, learner, root)
    run = store.add_run(run_record(learner.id, state="finished"))
    path = workspace.run_model_path(run.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"model bytes " + run.id.encode())
    path.with_suffix(".json").write_text('{"name": "run", "metrics": {"test_accuracy": 0.9}}')
    store.update_run(run.id, model_file=workspace.relative(path))
    return workspace, store.run(run.id)


def test_saving_under_a_used_name_asks_and_names_never_collide_across_learners(store, tmp_path):
    alice, run_a = _workspace_with_a_run(store, tmp_path, "alice")
    bob, run_b = _workspace_with_a_run(store, tmp_path, "bob")
    alice.save_run(run_a, "alice")
    with pytest.raises(WorkspaceError) as taken:
        alice.save_run(run_a, "alice")
    assert taken.value.reason == "name_taken"
    bob.save_run(run_b, "alice")  # bob's own "alice"
    assert alice.path(alice.saved_model("alice").model_file).read_bytes().endswith(run_a.id.encode())
    assert bob.path(bob.saved_model("alice").model_file).read_bytes().endswith(run_b.id.encode())
    alice.save_run(run_a, "alice", replace=True)  # after the learner said yes
    with pytest.raises(WorkspaceError) as not_yours:
        bob.save_run(run_a, "mine")
    assert not_yours.value.reason == "not_yours"
    with pytest.raises(WorkspaceError):
        bob.path(alice.saved_model("alice").model_file)  # a path from another workspace is refused


def test_shared_names_are_reserved(store, tmp_path):
    workspace, run = _workspace_with_a_run(store, tmp_path)
    for name in ("default", "Default"):
        with pytest.raises(WorkspaceError) as reserved:
            workspace.save_run(run, name)
        assert reserved.value.reason == "reserved"


def test_the_saves_are_bounded(store, tmp_path):
    workspace, run = _workspace_with_a_run(store, tmp_path)
    for i in range(MAX_SAVED_MODELS):
        workspace.save_run(run, f"m{i}")
    with pytest.raises(WorkspaceError) as full:
        workspace.save_run(run, "one more")
    assert full.value.reason == "saves_full"
    workspace.save_run(run, "m0", replace=True)  # replacing needs no new place


def test_only_the_newest_unsaved_runs_are_kept(store, tmp_path):
    workspace, first = _workspace_with_a_run(store, tmp_path)
    workspace.save_run(first, "kept")
    made = [store.add_run(run_record(workspace.id, state="finished")) for _ in range(12)]
    running = store.add_run(run_record(workspace.id, state="running"))
    dropped = workspace.prune_runs(keep=10)
    assert dropped == [r.id for r in made[:2]]
    left = {r.id for r in workspace.runs()}
    assert first.id in left and running.id in left and len(left) == 12


def test_uploads_are_bounded_per_learner(store, tmp_path):
    from mnist_demo.storage import ModelInfo
    from mnist_demo.workspace import MAX_UPLOADS

    workspace, _ = _workspace_with_a_run(store, tmp_path)
    for i in range(MAX_UPLOADS):
        workspace.add_upload(f"up{i}", b"x" * 1000, ModelInfo(name=f"up{i}"))
    with pytest.raises(WorkspaceError) as full:
        workspace.add_upload("one more", b"x", ModelInfo(name="one more"))
    assert full.value.reason == "uploads_full"
    workspace.add_upload("up0", b"y" * 10, ModelInfo(name="up0"))  # replacing an upload needs no new place
    workspace.delete_saved("up1")  # a place is free again, but not that much room
    with pytest.raises(WorkspaceError) as big:
        workspace.add_upload("huge", b"x" * (100 * 2**20 + 1), ModelInfo(name="huge"))
    assert big.value.reason == "uploads_full"


def test_a_backup_taken_while_learners_write_opens_and_names_only_files_it_holds(tmp_path):
    import threading

    from mnist_demo.workspace import back_up_state, open_store

    root = tmp_path / "state"
    store = open_store(root)
    for i in range(5):
        _workspace_with_a_run(store, root, f"before{i}")
    writing = threading.Event()

    def keep_writing():
        for i in range(40):
            _workspace_with_a_run(store, root, f"during{i}")
            writing.set()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    writing.wait(30)
    back_up_state(store, root, tmp_path / "copy")
    writer.join()
    copy = open_store(tmp_path / "copy")
    learners = copy.learners()
    assert len(learners) >= 5
    for learner in learners:
        for run in copy.runs(learner.id):
            assert run.model_file is None or (tmp_path / "copy" / run.model_file).is_file()
    copy.close()
    store.close()
    with pytest.raises(FileExistsError):
        back_up_state(open_store(root), root, tmp_path / "copy")


def test_a_class_of_short_lived_threads_leaves_no_database_connections_open(tmp_path):
    """Streamlit runs each page run in a new thread: a connection per thread, kept, ran a loaded
    server out of file descriptors ("unable to open database file", "Too many open files")."""
    import threading

    store = Store.open(tmp_path / "class.db")

    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    before = open_fds()
    for _ in range(100):
        page_run = threading.Thread(target=store.learners)
        page_run.start()
        page_run.join()
    assert open_fds() - before <= 3 * SQLite.IDLE_KEPT
    at_once = [threading.Thread(target=store.learners) for _ in range(20)]
    for thread in at_once:
        thread.start()
    for thread in at_once:
        thread.join()
    assert open_fds() - before <= 3 * SQLite.IDLE_KEPT
    store.close()
    assert open_fds() <= before


def test_a_page_reading_the_store_never_waits_for_a_writer(tmp_path):
    """Every query once took SQLite's write lock (BEGIN IMMEDIATE), so a class's page runs queued
    for it, each query again, and SQLite's waiting is sleep-and-retry, not first come first served:
    under load a page froze. Reads see the last commit and go on while a write is open."""
    import threading

    store = Store.open(tmp_path / "class.db")
    learner, _ = store.create_learner("ada")
    store.set_settings(learner.id, {"epochs": 3})
    writing, release, read = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def writer():
        with store.db.transaction() as cur:
            cur.execute("UPDATE settings SET value = '5' WHERE learner_id = ?", (learner.id,))
            writing.set()
            release.wait(60)

    def page():
        seen.update(store.settings(learner.id))
        read.set()

    write = threading.Thread(target=writer)
    write.start()
    assert writing.wait(10)
    threading.Thread(target=page).start()
    try:
        assert read.wait(20), "the read waited for the writer"
        assert seen == {"epochs": 3}  # the last commit, not the write in progress
    finally:
        release.set()
        write.join()
    assert store.settings(learner.id) == {"epochs": 5}
    store.close()


def test_link_tokens_never_start_with_a_dash_which_a_command_line_reads_as_an_option():
    from mnist_demo.store import new_token

    tokens = [new_token() for _ in range(3000)]  # about 1 in 64 token_urlsafe strings starts with "-"
    assert not any(token.startswith("-") for token in tokens)
    assert len(set(tokens)) == len(tokens) and all(len(token) == 24 for token in tokens)
