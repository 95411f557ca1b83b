"""The pages, run by Streamlit's AppTest: what a learner sees after each action."""

import os
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import app_test

from harness.drawing import ONE, SEVEN, canvas_value
from mnist_demo.codegen import model_lines
from mnist_demo.models import preset
from mnist_demo.render import render_strokes

from .apptest import app, result_metrics, start_training, texts, wait_for
from .conftest import requires_mnist


@requires_mnist
def test_home_lists_data_sets_and_samples():
    at = app()
    assert at.title[0].value == "Learn deep learning with handwritten digits"
    text = texts(at)
    assert "**MNIST digits**: ready" in text
    gallery = next(h.proto.body for h in at.get("html") if "digit-sample" in h.proto.body)
    assert gallery.count('class="digit-sample"') == 24 and gallery.count("data:image/png;base64,") == 24
    captions = re.findall(r"<figcaption[^>]*>(\d)</figcaption>", gallery)
    assert len(captions) == 24 and len(set(captions)) >= 8  # real labels, from several classes


@requires_mnist
def test_train_runs_shows_live_metrics_and_result():
    at = app("pages/train.py")
    at.radio(key="kind").set_value("mlp").run()
    start_training(at, "mlp-64", epochs=2, train_images=3000)
    assert at.button(key="train_start").disabled and not at.button(key="train_stop").disabled
    metrics = result_metrics(at)
    assert "mlp-64 (/255)** · finished" in texts(at)
    assert float(metrics["Test accuracy"]) > 0.7 and float(metrics["Validation accuracy"]) > 0.7
    summary = at.dataframe[0].value
    assert list(summary["params"])[-1] == 650 and summary["params"].sum() == 784 * 64 + 64 + 650
    chart = at.get("plotly_chart")[0].proto.spec
    assert "held-out 10 %" in chart and "the test set" not in chart  # validated on held-out images

    at.switch_page("pages/evaluate.py").run()  # the run just ended is the model Evaluate opens on
    wait_for(at, lambda a: len(a.metric) > 0)
    evaluated = {m.label: m.value for m in at.metric}
    assert evaluated["Test accuracy"] == metrics["Test accuracy"]  # one model, one number
    assert evaluated["Test loss"] == metrics["Test loss"]


@requires_mnist
def test_validating_on_the_test_set_as_the_tutorials_did_is_a_choice():
    at = app("pages/train.py")
    at.toggle(key="validate_on_test").set_value(True).run()
    assert "a leak" in at.toggle(key="validate_on_test").help
    start_training(at, "mlp-64", epochs=1, train_images=3000)
    metrics = result_metrics(at)
    assert float(metrics["Validation accuracy"]) == pytest.approx(float(metrics["Test accuracy"]), abs=2e-3)
    assert "the test set, as the tutorials did" in at.get("plotly_chart")[0].proto.spec


@requires_mnist
def test_stop_ends_a_long_run_and_keeps_its_curve():
    at = app("pages/train.py")
    start_training(at, "mlp-512x2", epochs=30)
    wait_for(at, lambda a: "· training" in texts(a) and a.get("progress"), 90)
    at.button(key="train_stop").click().run()
    assert "· stopped" in texts(at) or "· stopping" in texts(at)  # the click's own rerun says so
    wait_for(at, lambda a: "Stopped early (stopped by user)" in texts(a), 60)  # then the result, tested
    assert not at.button(key="train_start").disabled


@requires_mnist
def test_raw_pixels_toggle_explains_itself():
    at = app("pages/train.py")
    assert "Pixels go in as 0-1" in texts(at)
    at.toggle(key="normalize").set_value(False).run()
    assert "Raw pixels 0-255 go in" in texts(at)


def _keeping_downloads(monkeypatch) -> list[MediaFileManager]:
    """The media file manager of every run from now on: AppTest makes a new one per run and
    drops it after, and a download's bytes are in it."""
    managers: list[MediaFileManager] = []

    class Kept(MediaFileManager):
        def __init__(self, storage):
            super().__init__(storage)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Kept)
    return managers


def _download(at, key: str, manager: MediaFileManager) -> tuple[str, bytes]:
    """(file name, bytes) of the download button `key`, made as a click in the browser makes them."""
    button = next(b for b in at.get("download_button") if b.key == key)
    file = manager.read_file(manager.execute_deferred(button.proto.deferred_file_id).rsplit("/", 1)[1])
    return file.filename, file.content


@requires_mnist
def test_train_page_offers_its_settings_as_a_notebook_in_the_learners_language(monkeypatch):
    managers = _keeping_downloads(monkeypatch)
    at = app("pages/train.py", locale="ja-JP")
    at.radio(key="kind").set_value("cnn").run()
    at.selectbox(key="preset").set_value("cnn-fast").run()
    at.slider(key="train_images").set_value(5000).run()
    button = next(b for b in at.get("download_button") if b.key == "notebook_download")
    assert button.label == "Jupyter ノートブックとしてダウンロード"

    name, content = _download(at, "notebook_download", managers[-1])
    assert name == "mnist-cnn-fast.ipynb"
    nb = nbformat.reads(content.decode("utf-8"), as_version=4)
    nbformat.validate(nb)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "\n".join(model_lines(preset("cnn-fast"), normalize=True)) in code  # BatchNormalization and all
    assert "TRAIN_IMAGES = 5000" in code and "validation_data=(x_val, y_val)" in code
    assert "検証に使う画像" in "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")

    at.toggle(key="validate_on_test").set_value(True).run()
    _, content = _download(at, "notebook_download", managers[-1])
    code = "\n".join(c.source for c in nbformat.reads(content.decode("utf-8"), as_version=4).cells)
    assert "validation_data=(x_test, y_test)" in code and "x_val" not in code
    panel = at.code[0].value
    assert "validation_data=(x_test, y_test)" in panel and "x_train[:5000]" in panel  # the code panel agrees


def test_choosing_cnn_sets_up_a_run_that_fits_a_lesson():
    at = app("pages/train.py")
    at.radio(key="kind").set_value("cnn").run()
    assert at.selectbox(key="preset").value == "cnn-fastest" and at.slider(key="epochs").value == 1
    assert at.select_slider(key="batch_size").value == 32
    assert "label smoothing" in " ".join(c.value for c in at.caption)
    at.radio(key="kind").set_value("mlp").run()
    assert at.selectbox(key="preset").value == "mlp-512x2" and at.slider(key="epochs").value == 3


def test_preset_sets_the_sliders():
    at = app("pages/train.py")
    at.radio(key="kind").set_value("cnn").run()
    at.selectbox(key="preset").set_value("keras-mnist-cnn").run()
    assert at.select_slider(key="learning_rate").value == 1.0
    assert at.selectbox(key="optimizer").value == "adadelta"
    assert at.select_slider(key="batch_size").value == 128
    assert at.slider(key="dropout").value == 0.5


@pytest.mark.parametrize("strokes, digit", [(SEVEN, 7), (ONE, 1)])
def test_draw_predicts_an_injected_drawing(strokes, digit):
    at = app("pages/draw.py")
    assert "Draw a digit on the canvas" in texts(at)
    rgba = render_strokes(strokes, fraction=0.6)
    at.session_state["draw_canvas_0"] = canvas_value(rgba)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"## Prediction: {digit}" in texts(at)
    assert len(at.get("plotly_chart")) == 1


def test_draw_blank_canvas_asks_to_draw():
    at = app("pages/draw.py")
    blank = np.zeros((280, 280, 4), np.uint8)
    blank[..., 3] = 255
    at.session_state["draw_canvas_0"] = canvas_value(blank)
    at.run()
    assert "Draw a digit on the canvas" in texts(at) and "Prediction" not in texts(at)


def test_draw_bad_upload_gets_a_message():
    at = app("pages/draw.py")
    at.radio(key="draw_source").set_value("upload").run()
    at.file_uploader(key="draw_upload_0").upload("digit.png", b"this is not a picture", "image/png").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [
        "That file cannot be used: this is not a PNG or JPEG image (or it is too large to open safely)."]
    assert "Prediction" not in texts(at)
    assert at.file_uploader(key="draw_upload_1").value in (None, [])  # an empty uploader for the next try
    assert "Upload a picture: the prediction appears here." in texts(at)


@requires_mnist
@pytest.mark.parametrize("key, forced", [
    ("epochs", 10_000), ("batch_size", 7), ("learning_rate", 99.0), ("train_images", -5), ("dropout", 5.0),
])
def test_forced_out_of_range_settings_never_reach_training(key, forced):
    """Values forced into session state come back in range before any widget or run sees them."""
    from mnist_demo.choices import BATCH_SIZES, LEARNING_RATES
    from mnist_demo.models import OPTIMIZERS, PRESETS

    at = app("pages/train.py")
    at.session_state[key] = forced
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    state = at.session_state
    assert 1 <= state["epochs"] <= 50 and state["batch_size"] in BATCH_SIZES
    assert state["learning_rate"] in LEARNING_RATES and 0.0 <= state["dropout"] <= 0.7
    assert 1000 <= state["train_images"] <= 60000
    assert state["preset"] in PRESETS and state["optimizer"] in OPTIMIZERS


def _save_as(at, name: str):
    at.text_input(key="save_name").input(name)
    [b for b in at.button if b.label == "Save"][0].click().run()
    return at


@requires_mnist
def test_saving_checks_names_keeps_the_model_in_the_workspace_and_asks_before_replacing(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DEMO_MODELS_DIR", str(tmp_path))
    at = app("pages/train.py")
    start_training(at, "mlp-64", epochs=1, train_images=1000)
    result_metrics(at)
    for bad, message in [("../x", "may not contain"), ("   ", "the name is empty"), (".hidden", "start with a dot"),
                         ("default", "shared with the whole class")]:
        assert "Not saved: " in texts(_save_as(at, bad)) and message in texts(at), (bad, texts(at))
    assert "Saved as 数字モデル in your workspace" in texts(_save_as(at, "数字モデル"))
    assert "You already have a model called 数字モデル" in texts(_save_as(at, "数字モデル"))
    at.button(key="save_replace").click().run()
    assert "Saved as 数字モデル in your workspace" in texts(at) and "Replace it" not in texts(at)
    assert list(tmp_path.iterdir()) == []  # the shared models folder is not the learner's
    saved = list(Path(os.environ["MNIST_DEMO_STATE_DIR"]).glob("models/*/saved/数字モデル.keras"))
    assert len(saved) == 1
    draw = app("pages/draw.py", link=at.query_params["w"])
    assert "Saved: 数字モデル · MNIST" in draw.selectbox(key="draw_model").options


def test_a_link_brings_back_the_settings_and_no_link_gets_a_new_workspace():
    first = app("pages/train.py")
    first.slider(key="epochs").set_value(7).run()
    first.toggle(key="normalize").set_value(False).run()
    token = first.query_params["w"]
    again = app("pages/train.py", link=token)
    assert again.slider(key="epochs").value == 7 and again.toggle(key="normalize").value is False
    stranger = app("pages/train.py")
    assert stranger.query_params["w"] != token
    assert stranger.slider(key="epochs").value != 7 and stranger.toggle(key="normalize").value is True


def test_settings_survive_a_visit_to_another_page():
    at = app("pages/train.py")
    at.radio(key="kind").set_value("cnn").run()
    at.slider(key="epochs").set_value(5).run()
    at.switch_page("pages/draw.py").run()
    at.switch_page("pages/train.py").run()
    assert at.radio(key="kind").value == "cnn" and at.slider(key="epochs").value == 5


@requires_mnist
def test_a_run_building_its_model_says_so_instead_of_showing_empty_axes():
    from mnist_demo import training

    at = app("pages/train.py")
    with training._build_lock:  # the run has its slot, then waits here to build its model
        start_training(at, "mlp-64", epochs=1, train_images=5000)
        wait_for(at, lambda a: "· training" in texts(a), 60)
        assert "Building the model and preparing the data" in texts(at)
        assert not at.get("plotly_chart")
    wait_for(at, lambda a: a.get("plotly_chart") or "Test accuracy" in [m.label for m in a.metric], 120)
    assert "Building the model and preparing the data" not in texts(at)
    result_metrics(at)


@requires_mnist
def test_a_run_stopped_while_it_waits_in_the_queue_says_so_without_a_traceback():
    ahead = app("pages/train.py")
    start_training(ahead, "mlp-512x2", epochs=30)  # holds the server's one training slot
    wait_for(ahead, lambda a: "· training" in texts(a), 90)
    waiting = app("pages/train.py")
    start_training(waiting, "mlp-64", epochs=1)
    assert "· waiting in the queue" in texts(waiting) and "place 1 in the queue, starting in about" in texts(waiting)
    assert not waiting.get("plotly_chart")  # no empty axes while it waits
    waiting.button(key="train_stop").click().run()
    wait_for(waiting, lambda a: "· stopped" in texts(a), 30)
    assert not waiting.exception and not waiting.error
    assert "Test accuracy" not in [m.label for m in waiting.metric]  # nothing was trained, nothing tested
    ahead.button(key="train_stop").click().run()
    wait_for(ahead, lambda a: "Stopped early" in texts(a), 60)
