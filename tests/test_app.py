"""The pages, run by Streamlit's AppTest: what a learner sees after each action."""

import base64
import io
import re
import time

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from mnist_demo.render import render_strokes

from .conftest import ROOT, requires_mnist
from .strokes import ONE, SEVEN

APP = str(ROOT / "app.py")


def _app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.context = {"locale": "en-US"}  # an English browser: these tests read the English texts
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at) -> str:
    parts = [p.proto.text for p in at.get("progress")] + [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [s.value for s in at.success]
    return "\n".join(parts)


def _wait_for(at, predicate, seconds: float = 180) -> None:
    """Rerun the app until `predicate(at)` holds (trainings run in the background meanwhile)."""
    deadline = time.monotonic() + seconds
    while not predicate(at):
        assert time.monotonic() < deadline, _texts(at)
        time.sleep(0.5)
        at.run()


def _canvas_state(rgba: np.ndarray) -> dict:
    """What streamlit-drawable-canvas sends after a stroke: fabric JSON plus a PNG data URL."""
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    return {"drawing": {"raw": {"version": "5.3.0", "objects": []}, "data": url}, "backgroundFit": None}


@requires_mnist
def test_home_lists_data_sets_and_samples():
    at = _app()
    assert at.title[0].value == "Learn deep learning with handwritten digits"
    text = _texts(at)
    assert "**MNIST digits**: ready" in text
    gallery = next(h.proto.body for h in at.get("html") if "digit-sample" in h.proto.body)
    assert gallery.count('class="digit-sample"') == 24 and gallery.count("data:image/png;base64,") == 24
    captions = re.findall(r"<figcaption[^>]*>(\d)</figcaption>", gallery)
    assert len(captions) == 24 and len(set(captions)) >= 8  # real labels, from several classes


@requires_mnist
def test_train_runs_shows_live_metrics_and_result():
    at = _app("pages/train.py")
    at.radio(key="kind").set_value("mlp").run()
    at.selectbox(key="preset").set_value("mlp-64").run()
    at.slider(key="epochs").set_value(2)
    at.slider(key="train_images").set_value(3000)
    at.button(key="train_start").click().run()
    assert at.button(key="train_start").disabled and not at.button(key="train_stop").disabled
    deadline = time.monotonic() + 120
    while "· finished" not in _texts(at) and time.monotonic() < deadline:
        time.sleep(0.5)
        at.run()
    text = _texts(at)
    assert "mlp-64 (/255)** · finished" in text
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["Test accuracy"]) > 0.7
    assert float(metrics["Validation accuracy"]) == pytest.approx(float(metrics["Test accuracy"]), abs=1e-4)
    summary = at.dataframe[0].value
    assert list(summary["params"])[-1] == 650 and summary["params"].sum() == 784 * 64 + 64 + 650


@requires_mnist
def test_stop_ends_a_long_run_and_keeps_its_curve():
    at = _app("pages/train.py")
    at.selectbox(key="preset").set_value("mlp-512x2").run()
    at.slider(key="epochs").set_value(30)
    at.button(key="train_start").click().run()
    _wait_for(at, lambda a: "· training" in _texts(a) and a.get("progress"), 90)
    at.button(key="train_stop").click().run()
    _wait_for(at, lambda a: "· stopped" in _texts(a), 60)
    assert "Stopped early (stopped by user)" in _texts(at)
    assert not at.button(key="train_start").disabled


@requires_mnist
def test_raw_pixels_toggle_explains_itself():
    at = _app("pages/train.py")
    assert "Pixels go in as 0-1" in _texts(at)
    at.toggle(key="normalize").set_value(False).run()
    assert "Raw pixels 0-255 go in" in _texts(at)


def test_preset_sets_the_sliders():
    at = _app("pages/train.py")
    at.radio(key="kind").set_value("cnn").run()
    at.selectbox(key="preset").set_value("keras-mnist-cnn").run()
    assert at.select_slider(key="learning_rate").value == 1.0
    assert at.selectbox(key="optimizer").value == "adadelta"
    assert at.select_slider(key="batch_size").value == 128
    assert at.slider(key="dropout").value == 0.5


@pytest.mark.parametrize("strokes, digit", [(SEVEN, 7), (ONE, 1)])
def test_draw_predicts_an_injected_drawing(strokes, digit):
    at = _app("pages/draw.py")
    assert "Draw a digit on the canvas" in _texts(at)
    rgba = render_strokes(strokes, fraction=0.6)
    at.session_state["draw_canvas_0"] = _canvas_state(rgba)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"## Prediction: {digit}" in _texts(at)
    assert len(at.get("plotly_chart")) == 1


def test_draw_blank_canvas_asks_to_draw():
    at = _app("pages/draw.py")
    blank = np.zeros((280, 280, 4), np.uint8)
    blank[..., 3] = 255
    at.session_state["draw_canvas_0"] = _canvas_state(blank)
    at.run()
    assert "Draw a digit on the canvas" in _texts(at) and "Prediction" not in _texts(at)


def test_draw_bad_upload_gets_a_message():
    at = _app("pages/draw.py")
    at.radio[0].set_value("upload").run()
    assert not at.exception


@requires_mnist
@pytest.mark.parametrize("key, forced", [
    ("epochs", 10_000), ("batch_size", 7), ("learning_rate", 99.0), ("train_images", -5), ("dropout", 5.0),
])
def test_forced_out_of_range_settings_never_reach_training(key, forced):
    """Values forced into session state come back in range before any widget or run sees them."""
    from mnist_demo.choices import BATCH_SIZES, LEARNING_RATES
    from mnist_demo.models import OPTIMIZERS, PRESETS

    at = _app("pages/train.py")
    at.session_state[key] = forced
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    state = at.session_state
    assert 1 <= state["epochs"] <= 50 and state["batch_size"] in BATCH_SIZES
    assert state["learning_rate"] in LEARNING_RATES and 0.0 <= state["dropout"] <= 0.7
    assert 1000 <= state["train_images"] <= 60000
    assert state["preset"] in PRESETS and state["optimizer"] in OPTIMIZERS


@requires_mnist
def test_saving_from_the_page_checks_names(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DEMO_MODELS_DIR", str(tmp_path))
    at = _app("pages/train.py")
    at.selectbox(key="preset").set_value("mlp-64").run()
    at.slider(key="epochs").set_value(1)
    at.slider(key="train_images").set_value(1000)
    at.button(key="train_start").click().run()
    _wait_for(at, lambda a: "· finished" in _texts(a), 120)
    for bad, message in [("../x", "may not contain"), ("   ", "the name is empty"), (".hidden", "start with a dot")]:
        at.text_input[0].input(bad)
        [b for b in at.button if b.label == "Save to models/"][0].click().run()
        assert "Not saved: " in _texts(at) and message in _texts(at), (bad, _texts(at))
    assert list(tmp_path.iterdir()) == []
    at.text_input[0].input("数字モデル")
    [b for b in at.button if b.label == "Save to models/"][0].click().run()
    assert "Saved as 数字モデル.keras" in _texts(at)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["数字モデル.json", "数字モデル.keras"]
