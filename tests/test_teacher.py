"""Exercise links on the Train page, and the teacher page behind its passcode (AppTest)."""

import secrets

import pytest
from streamlit.testing.v1 import AppTest

from harness.server import APP
from mnist_demo import models

from .apptest import app, start_training, texts, wait_for, workspace_of
from .conftest import requires_mnist

PASSCODE = "owl-42-lantern"


def opened(page: str, params: dict, locale: str = "en-US") -> AppTest:
    """The app opened at a URL with these query parameters (an exercise link, a class code...)."""
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.context = {"locale": locale}
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def teacher(passcode: str | None = PASSCODE, class_code: str | None = None) -> AppTest:
    """The teacher page, signed in with `passcode` (None: not signed in), showing `class_code`."""
    at = app("pages/teacher.py")
    if passcode is not None:
        at.text_input(key="teacher_passcode").input(passcode)
        next(b for b in at.button if b.label == "Open the teacher page").click().run()
    if class_code is not None and at.selectbox(key="teacher_class") is not None:
        at.selectbox(key="teacher_class").set_value(class_code).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    """Everything the page shows, tables and code included."""
    tables = [df.value.to_csv() for df in [*at.dataframe, *at.table]]
    return "\n".join([texts(at), *tables, *(c.value for c in at.code), *(m.label for m in at.metric)])


# --- exercise links --------------------------------------------------------------------------------

def test_an_exercise_link_gives_its_values_disabled_controls_and_keeps_the_learner_s_workspace():
    learner = app("pages/train.py")
    token = learner.query_params["w"]
    at = opened("pages/train.py", {"w": token, "preset": "mlp-64", "epochs": "3", "normalize": "0",
                                   "lock": "epochs,normalize"})
    spec = models.preset("mlp-64")
    assert at.selectbox(key="preset").value == "mlp-64" and not at.selectbox(key="preset").disabled
    assert at.slider(key="epochs").value == 3 and at.slider(key="epochs").disabled
    assert at.toggle(key="normalize").value is False and at.toggle(key="normalize").disabled
    batch_size = at.select_slider(key="batch_size")
    assert batch_size.value == spec.batch_size and not batch_size.disabled
    assert "Your teacher has locked some settings" in texts(at)
    assert at.query_params["w"] == token and workspace_of(at).id == workspace_of(learner).id
    at.selectbox(key="preset").set_value("mlp-512x2").run()  # what is not locked the learner may change...
    assert at.select_slider(key="batch_size").value == models.preset("mlp-512x2").batch_size
    assert at.slider(key="epochs").value == 3  # ...and what is locked stays as the link set it
    at.switch_page("pages/draw.py").run()
    at.switch_page("pages/train.py").run()
    assert at.slider(key="epochs").disabled and at.slider(key="epochs").value == 3


def test_locks_hold_in_a_new_tab_without_the_exercise_part_of_the_link_until_another_exercise():
    learner = app("pages/train.py")
    token = learner.query_params["w"]
    opened("pages/train.py", {"w": token, "preset": "mlp-64", "epochs": "1", "normalize": "1",
                              "lock": "epochs,normalize"})
    plain = opened("pages/train.py", {"w": token})  # the learner's own link, as the sidebar gives it
    assert plain.slider(key="epochs").disabled and plain.slider(key="epochs").value == 1
    assert plain.toggle(key="normalize").disabled and plain.toggle(key="normalize").value is True
    released = opened("pages/train.py", {"w": token, "preset": "mlp-64", "epochs": "2"})  # a new exercise
    assert not released.slider(key="epochs").disabled and not released.toggle(key="normalize").disabled


@requires_mnist
def test_a_locked_epoch_count_also_holds_for_train_more_epochs(mnist):
    learner = app("pages/train.py")
    at = opened("pages/train.py", {"w": learner.query_params["w"], "preset": "mlp-64", "epochs": "1",
                                   "lock": "epochs"})
    at.slider(key="train_images").set_value(1000)
    at.button(key="train_start").click().run()
    wait_for(at, lambda at: "· finished" in texts(at) and any(b.key == "train_more" for b in at.button))
    assert at.slider(key="epochs").value == 1 and at.button(key="train_more").disabled


def test_a_link_can_set_and_lock_the_language_and_the_data_set():
    at = opened("pages/train.py", {"lang": "ja", "dataset": "fashion-mnist", "lock": "lang"}, locale="en-US")
    assert at.radio(key="lang").value == "ja" and at.radio(key="lang").disabled
    assert at.radio(key="dataset").value == "fashion-mnist" and not at.radio(key="dataset").disabled
    assert at.title[0].value != "Train"


@pytest.mark.parametrize("params, notice", [
    ({"epochs": "900", "lock": "epochs"}, "epochs=900 is not one the Train page offers (1 to 50); the nearest, 50"),
    ({"batch_size": "7"}, "the nearest, 16, is used"),
    ({"learning_rate": "-3"}, "the nearest, 0.0001, is used"),
    ({"optimizer": "lion"}, "The link's optimizer=lion is not a value the Train page knows"),
    ({"preset": "mlp-9000", "kind": "rnn"}, "The link's preset=mlp-9000 is not a value"),
    ({"dropout": "lots"}, "The link's dropout=lots is not a value"),
    ({"lock": "everything"}, "The link asks to lock everything, which is not a setting"),
])
def test_bad_values_in_a_link_are_clamped_or_left_out_with_a_notice_and_no_exception(params, notice):
    from mnist_demo.choices import BATCH_SIZES, EPOCHS, LEARNING_RATES

    at = opened("pages/train.py", params)
    assert notice in texts(at)
    assert EPOCHS[0] <= at.slider(key="epochs").value <= EPOCHS[1]
    assert at.select_slider(key="batch_size").value in BATCH_SIZES
    assert at.select_slider(key="learning_rate").value in LEARNING_RATES
    assert at.selectbox(key="optimizer").value in models.OPTIMIZERS
    assert at.selectbox(key="preset").value in models.PRESETS


# --- the teacher page ------------------------------------------------------------------------------

@pytest.fixture
def passcode(monkeypatch):
    monkeypatch.setenv("MNIST_DEMO_TEACHER_PASSCODE", PASSCODE)
    return PASSCODE


def _learner_in(class_code: str) -> AppTest:
    return opened("pages/train.py", {"class": class_code})


def test_without_a_passcode_set_the_page_says_how_to_set_one_and_shows_no_learner(monkeypatch):
    monkeypatch.delenv("MNIST_DEMO_TEACHER_PASSCODE", raising=False)
    nickname = workspace_of(_learner_in("nopass")).learner.nickname
    at = app("pages/teacher.py")
    assert "MNIST_DEMO_TEACHER_PASSCODE" in texts(at)
    assert nickname not in shown(at) and not at.dataframe and not at.table and not at.metric
    assert "teacher_passcode" not in [w.key for w in at.text_input]


def test_a_wrong_passcode_shows_no_learner(passcode):
    nickname = workspace_of(_learner_in("wrong")).learner.nickname
    at = teacher("owl-41-lantern")
    assert "That is not the passcode." in texts(at)
    assert nickname not in shown(at) and not at.dataframe and not at.table and not at.metric


@requires_mnist
def test_the_teacher_sees_two_learners_runs_a_leaderboard_and_publishes_and_resets(passcode, tmp_path, monkeypatch):
    code = f"class-{secrets.token_hex(2)}"
    ada, bo = _learner_in(code), _learner_in(code)
    names = [workspace_of(at).learner.nickname for at in (ada, bo)]
    start_training(ada, "mlp-64", epochs=1, train_images=1000)
    start_training(bo, "mlp-64", epochs=1, train_images=1000)
    at = teacher(class_code=code)
    wait_for(at, lambda a: a.dataframe and len(a.dataframe[0].value) == 2)  # both runs tested
    now = at.table[0].value
    assert set(now["Learner"]) == set(names) and set(now["Class"]) == {code}
    board = at.dataframe[0].value
    assert set(board["Learner"]) == set(names) and list(board["Rank"]) == [1, 2]
    assert all(0.0 < float(v.rstrip("%")) <= 100.0 for v in board["Test accuracy"])
    assert {m.label: m.value for m in at.metric}["Learners"] == "2"
    assert at.get("plotly_chart")
    link = next(c.value for c in at.code if c.value.startswith("/train?"))
    assert f"class={code}" in link  # the exercise link brings new learners into this class

    ws = workspace_of(ada)
    ws.save_run(ws.runs()[-1], "ada-best")
    shared = tmp_path / "shared"
    monkeypatch.setenv("MNIST_DEMO_MODELS_DIR", str(shared))
    at.run()
    at.text_input(key="teacher_publish_name").input("class model")
    at.button(key="teacher_publish").click().run()
    assert "class model is now offered to every learner." in texts(at)
    assert (shared / "class model.keras").is_file()
    draw = app("pages/draw.py", link=bo.query_params["w"])
    assert any("class model" in option for option in draw.selectbox(key="draw_model").options)

    at.button(key="teacher_reset").click().run()
    assert "Delete 2 learners' workspaces?" in texts(at)
    at.button(key="teacher_reset_yes").click().run()
    assert "2 workspaces were deleted." in texts(at)
    assert ws.store.learner(ws.id) is None
    assert not ws.folder.exists()


@requires_mnist
def test_the_teacher_pauses_the_queue_and_stops_a_waiting_run(passcode):
    code = f"class-{secrets.token_hex(2)}"
    learner = _learner_in(code)
    at = teacher(class_code=code)
    at.button(key="teacher_pause").click().run()
    try:
        start_training(learner, "mlp-64", epochs=1, train_images=1000)
        at.run()
        assert "The queue is paused" in texts(at)
        wait_for(at, lambda a: "waiting in the queue" in a.table[0].value.to_csv())
        assert at.selectbox(key="teacher_stop_choice").value.learner == workspace_of(learner).learner.nickname
        at.button(key="teacher_stop").click().run()
        wait_for(learner, lambda a: "· stopped" in texts(a), 30)
        assert "stopped by the teacher" in workspace_of(learner).runs()[-1].stop_reason
    finally:
        at.button(key="teacher_resume").click().run()
    assert at.button(key="teacher_pause") is not None



def _figures(at: AppTest) -> list[dict]:
    import json

    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _values(data) -> list:
    """A figure's array as a list: plotly writes numpy arrays as base64 with their dtype and shape."""
    import base64

    import numpy as np

    if isinstance(data, dict) and "bdata" in data:
        flat = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
        return flat.reshape([int(n) for n in str(data.get("shape", len(flat))).split(",")]).tolist()
    return data


def _heatmap(figures: list[dict]) -> list[list[int]] | None:
    """The cells of the first heatmap among the figures."""
    return next((_values(trace["z"]) for fig in figures for trace in fig["data"] if trace["type"] == "heatmap"),
                None)


@requires_mnist
def test_the_class_confusion_matrix_is_its_runs_summed_and_the_projector_shows_one_run_large(passcode):
    import numpy as np

    code = f"class-{secrets.token_hex(2)}"
    ada, bo = _learner_in(code), _learner_in(code)
    start_training(ada, "mlp-64", epochs=1, train_images=1000)
    start_training(bo, "mlp-64", epochs=1, train_images=2000)  # not the same run twice: "best" is one of them
    at = teacher(class_code=code)
    wait_for(at, lambda a: "Summed over the class's 2 tested runs" in texts(a))  # both trained and tested
    kept = [np.array(workspace_of(learner).runs()[-1].progress_data()["confusion"]) for learner in (ada, bo)]
    assert all(m.shape == (10, 10) and m.sum() == 10_000 for m in kept)  # each run's whole test set
    summed = kept[0] + kept[1]
    assert _heatmap(_figures(at)) == summed.tolist()
    off = summed.copy()
    np.fill_diagonal(off, -1)
    true_class, predicted = np.unravel_index(off.argmax(), off.shape)
    assert (f"Summed over the class's 2 tested runs on MNIST: their models most often mistook **{true_class}** for "
            f"**{predicted}**, {off.max():,} times") in texts(at)

    at.toggle(key="teacher_projector").set_value(True).run()
    assert not at.table and not at.dataframe  # the class table gives way to one run
    board = sorted((learner for learner in (ada, bo)), key=lambda a: -workspace_of(a).runs()[-1].progress_data()[
        "test_accuracy"])
    first = workspace_of(board[0])
    accuracies = {workspace_of(a).runs()[-1].progress_data()["test_accuracy"] for a in (ada, bo)}
    assert len(accuracies) == 2  # a tie would be broken by speed, which this test does not control
    assert at.selectbox(key="teacher_projected").value == "best"
    assert first.learner.nickname in at.header[-1].value
    figures = _figures(at)
    assert any(trace["type"] == "scatter" and trace.get("mode") == "lines" for trace in figures[0]["data"])
    assert _heatmap(figures) == first.runs()[-1].progress_data()["confusion"]
    captions = [c for image in at.get("image") for c in image.captions]
    assert "Weights forming" in texts(at) and any("after 1.00 epochs" in c for c in captions)  # as the run ended

    other = workspace_of(board[1])
    at.selectbox(key="teacher_projected").set_value(other.runs()[-1].id).run()
    assert other.learner.nickname in at.header[-1].value
    assert _heatmap(_figures(at)) == other.runs()[-1].progress_data()["confusion"]
    assert {m.label: m.value for m in at.metric}["Epoch"] == "1/1"


def test_the_teacher_opening_the_page_again_in_a_new_tab_is_not_counted_as_a_learner(passcode):
    learner = workspace_of(_learner_in("tabs")).learner.nickname
    first = teacher(class_code=None)
    first_tab = workspace_of(first).learner.nickname
    again = teacher(class_code=None)  # a new tab: a new session, a new workspace
    assert learner in shown(again)
    assert first_tab not in shown(again) and workspace_of(again).learner.nickname not in shown(again)
