"""The Draw page's inside view, run by AppTest: closed it costs nothing; opened on a drawing it shows
the layers, the saliency, a filter's kernel and map, and the nearest training images."""

import re

import pytest

from harness.drawing import SEVEN, U_SHAPE, canvas_value
from mnist_demo import i18n
from mnist_demo.render import render_strokes

from .apptest import app, result_metrics, start_training, texts, wait_for
from .conftest import requires_fashion, requires_mnist

pytestmark = requires_mnist


@pytest.fixture(autouse=True)
def small_index(monkeypatch):
    """Neighbours among 1,000 training images: built in seconds on a test machine."""
    monkeypatch.setenv("MNIST_DEMO_NEIGHBOUR_IMAGES", "1000")


def _drawn(strokes=SEVEN, dataset: str | None = None):
    at = app("pages/draw.py")
    if dataset:
        at.session_state["dataset"] = dataset
    at.session_state["draw_canvas_0"] = canvas_value(render_strokes(strokes, fraction=0.6))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _captions(at) -> list[str]:
    return [picture.caption for image in at.get("image") for picture in image.proto.imgs]


def test_the_inside_view_is_closed_and_computes_nothing_until_opened():
    at = _drawn()
    assert "## Prediction: 7" in texts(at)
    assert [e.label for e in at.expander][-1].startswith("Inside the model")
    assert "Which pixels pushed the answer" not in texts(at)


def test_opened_it_shows_margin_layers_saliency_and_the_strongest_filter():
    at = _drawn()
    at.session_state["draw_inside"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = texts(at)
    margin = re.search(r"The model answered \*\*7\*\* \(\d+%\); its runner-up is \*\*(\d)\*\* .*margin between them "
                       r"is \*\*(0\.\d\d|1\.00)\*\*", text)
    assert margin, text
    assert float(margin.group(2)) >= 0.5 and "a clear lead, it did not hesitate" in text  # the words follow the number
    assert "#### Which pixels pushed the answer" in text and "#### Layer by layer" in text
    captions = _captions(at)
    assert "What makes it a 7" in captions and "The same, on your drawing" in captions
    assert any(c.startswith("relu_1 · 28×28×32 · the 16 strongest of 32 maps") for c in captions), captions
    assert any(c.startswith("dense_1 · 64 units") for c in captions)
    assert re.search(r"Softmax: 7 \d+%", text)
    picker = at.selectbox(key="draw_inside_unit")
    assert picker.options[0] == "Filter 0" and len(picker.options) == 32
    strongest = picker.value
    assert any(c.startswith(f"Where {strongest} fires on this drawing") for c in captions)

    picker.set_value((strongest + 1) % 32).run()
    assert f"Filter {(strongest + 1) % 32}'s kernel (light: positive weights, dark: negative)" in _captions(at)
    assert any(c.startswith(f"Where {(strongest + 1) % 32} fires") for c in _captions(at))


def test_the_nearest_training_images_appear_once_the_index_is_built_and_mostly_share_the_answer():
    at = _drawn()
    at.session_state["draw_inside"] = True
    at.run()
    wait_for(at, lambda a: "among 1,000 training images" in texts(a))
    labels = [c.split(" · ")[0] for c in _captions(at) if re.fullmatch(r"\d · \d\.\d\d", c)]
    assert len(labels) == 8 and labels.count("7") >= 5, labels
    assert "far from everything" not in texts(at)


def test_a_scribble_is_called_far_from_the_training_data():
    at = _drawn([[(20, 20), (200, 200)], [(200, 20), (20, 200)], [(20, 110), (200, 110)], [(110, 20), (110, 200)],
                 [(40, 40), (180, 60), (60, 180), (170, 170), (30, 120)]])
    at.session_state["draw_inside"] = True
    at.run()
    wait_for(at, lambda a: "among 1,000 training images" in texts(a))
    assert "unlike what it was trained on" in texts(at) or "far from everything" in texts(at), texts(at)


def test_an_unsure_answer_shows_the_runner_ups_map_too_and_a_sure_one_does_not():
    at = _drawn(U_SHAPE)
    at.session_state["draw_inside"] = True
    at.run()
    margin = re.search(r"its runner-up is \*\*(\d)\*\* .* margin between them is only \*\*(\d\.\d\d)\*\*: it "
                       r"hesitated between the two", texts(at))
    runner_up, margin = margin.group(1), float(margin.group(2))
    assert margin < 0.5
    assert f"What makes it look like a {runner_up}" in _captions(at)
    assert "The model is unsure between" in texts(at)

    sure = _drawn()
    sure.session_state["draw_inside"] = True
    sure.run()
    assert not any(c.startswith("What makes it look like") for c in _captions(sure))
    assert "The model is unsure" not in texts(sure)


def test_for_the_learners_mlp_a_first_layer_unit_shows_its_784_weights_and_where_it_fires():
    at = app("pages/train.py")
    at.radio(key="kind").set_value("mlp").run()
    start_training(at, "mlp-64", epochs=1, train_images=3000)
    result_metrics(at)
    at.switch_page("pages/draw.py").run()
    assert at.selectbox(key="draw_model").value.startswith("run:")  # the run just ended is picked
    at.session_state["draw_canvas_0"] = canvas_value(render_strokes(SEVEN, fraction=0.6))
    at.session_state["draw_inside"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "#### What a first-layer unit looks for" in texts(at)
    picker = at.selectbox(key="draw_inside_unit")
    assert len(picker.options) == 64 and picker.options[0] == "Unit 0"
    captions = _captions(at)
    assert f"Unit {picker.value}'s 784 weights as a picture (light: positive, dark: negative)" in captions
    assert any(c.startswith(f"Where {picker.value} fires on this drawing") for c in captions)
    assert not any("maps" in c for c in captions)  # an MLP has no feature maps
    assert any(c.startswith("dense_1 · 64 units") for c in captions)


@requires_fashion
def test_the_inside_view_follows_the_chosen_data_sets_class_names():
    at = _drawn(dataset="fashion-mnist")
    at.session_state["draw_inside"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    answer = re.search(r"The model answered \*\*(.+?)\*\*", texts(at)).group(1)
    assert answer in [i18n.translate(f"common.class.fashion-mnist.{i}", "en") for i in range(10)]
    assert f"What makes it a {answer}" in _captions(at)
