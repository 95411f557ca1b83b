"""The figures are written as plain dicts and skip plotly's validation when the pages build them;
here each one goes through plotly's validating constructor, which raises on any property or
value plotly would not draw, and the browser must get what validation would have sent."""

import base64
import json
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from mnist_demo import charts

LABELS = dict(loss="Loss", accuracy="Accuracy", epoch="Epoch", batch="batches", train_epoch="training",
              validation="validation", train="training", title="Title", probability="Probability", class_="Class",
              hover="%{z} images", predicted="Predicted", true="True", test="test", shift_title="Shift",
              rotation_title="Rotation", shift_axis="pixels", rotation_axis="degrees", accuracy_axis="accuracy")
LABELS["class"] = LABELS.pop("class_")


def _snapshot(epochs: int = 3, validated: int = 2):
    return SimpleNamespace(
        epochs=[SimpleNamespace(epoch=i, loss=1 / i, accuracy=1 - 0.1 / i, val_loss=1.1 / i if i <= validated else None,
                                val_accuracy=1 - 0.2 / i if i <= validated else None) for i in range(1, epochs + 1)],
        batch_x=list(np.linspace(0, epochs, 40)), batch_loss=list(np.linspace(2, 0.1, 40)),
        batch_accuracy=list(np.linspace(0.1, 0.99, 40)))


CURVE = SimpleNamespace(values=[0, 1, 2], accuracies=[0.99, 0.9, 0.6])
FIGURES = {
    "training": lambda: charts.training_figure(_snapshot(), LABELS),
    "training, no epoch yet": lambda: charts.training_figure(_snapshot(0), LABELS),
    "probability": lambda: charts.probability_figure(np.full(10, 0.1), range(10), LABELS),
    "confusion": lambda: charts.confusion_figure(np.arange(100).reshape(10, 10), range(10), LABELS),
    "confusion, mistakes scale": lambda: charts.confusion_figure(np.eye(10, dtype=int) * 90 + 1, range(10), LABELS,
                                                                 mistakes_scale=True),
    "per class": lambda: charts.per_class_figure(np.linspace(0.9, 1, 10), "ABCDEFGHIJ", LABELS),
    "pixels": lambda: charts.pixel_figure(np.arange(784).reshape(28, 28) % 256, 1 / 255, LABELS),
    "class counts": lambda: charts.class_count_figure(np.arange(10), np.arange(10), range(10), LABELS),
    "history": lambda: charts.history_figure([
        {"name": "run 1", "epochs": [1, 2], "loss": [1, 0.5], "accuracy": [0.8, 0.9], "val_loss": [1.1, 0.6],
         "val_accuracy": [0.7, 0.8]},
        {"name": "run 2", "epochs": [1], "loss": [1], "accuracy": [0.8], "val_loss": [], "val_accuracy": [],
         "batch_x": [0.1, 0.5, 1.0], "batch_loss": [2.0, 1.2, 1.0], "batch_accuracy": [0.3, 0.7, 0.8]}], LABELS),
    "overlay": lambda: charts.overlay_figure({"a": _snapshot(), "b": _snapshot(2, 1)}, LABELS, log_loss=True),
    "robustness": lambda: charts.robustness_figure({"model": {"shift": CURVE, "rotation": CURVE}}, LABELS),
    "projector": lambda: charts.enlarged(charts.training_figure(_snapshot(), LABELS), 800),
}


def _sent(figure) -> dict:
    """The figure as Streamlit sends it to the browser, numpy arrays (which plotly writes as
    base64) turned back into lists."""
    import plotly.io
    import plotly.tools

    def plain(value):
        if isinstance(value, dict) and "bdata" in value:
            flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            return flat.reshape([int(n) for n in str(value.get("shape", len(flat))).split(",")]).tolist()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    spec = plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(figure, True), validate=False)
    return plain(json.loads(spec))


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_sends_what_plotlys_validation_would(name):
    figure = FIGURES[name]()
    validated = go.Figure(figure.to_dict())  # raises ValueError on anything plotly would not draw
    assert _sent(figure) == _sent(validated)  # e.g. colour scales by name, which plotly.js reads its own way
    assert validated.to_dict()["data"] or name == "training, no epoch yet"


def test_the_two_panel_layout_is_make_subplots_own():
    expected = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy")).to_dict()["layout"]
    expected.pop("template")
    assert charts._two_panels("Loss", "Accuracy") == expected


def test_training_curves_put_accuracy_on_the_right_with_an_axis_that_stops_at_100_percent():
    layout = charts.training_figure(_snapshot(), LABELS).to_dict()["layout"]
    data = charts.training_figure(_snapshot(), LABELS).to_dict()["data"]
    right = [t for t in data if t["yaxis"] == "y2"]
    assert {t["name"] for t in right} == {"batches", "training", "validation"}
    assert max(max(t["y"]) for t in right) <= 1.0
    assert layout["yaxis2"]["autorangeoptions"] == {"maxallowed": 1.0, "minallowed": 0.0}
    assert [a["text"] for a in layout["annotations"]] == ["Loss", "Accuracy"]
    [validation] = [t for t in right if t["name"] == "validation"]
    assert validation["x"] == [1, 2]  # the epoch without validation has no point


def test_the_most_likely_class_is_the_one_bar_in_the_other_colour():
    bars = charts.probability_figure(np.array([0.05, 0.7, 0.25] + [0.0] * 7), range(10), LABELS).to_dict()["data"][0]
    assert [c == charts.VAL_COLOR for c in bars["marker"]["color"]] == [i == 1 for i in range(10)]
    assert bars["text"][:3] == ["5%", "70%", "25%"]


def test_compare_draws_a_one_epoch_run_as_its_batch_curve_not_a_dot():
    one_epoch = {"name": "run 2", "epochs": [1], "loss": [1.0], "accuracy": [0.8], "val_loss": [0.9],
                 "val_accuracy": [0.85], "batch_x": [0.1, 0.5, 1.0], "batch_loss": [2.0, 1.2, 1.0],
                 "batch_accuracy": [0.3, 0.7, 0.8]}
    traces = charts.history_figure([one_epoch], LABELS).to_dict()["data"]
    train = [tr for tr in traces if tr["name"].endswith(LABELS["batch"])]
    assert [list(tr["x"]) for tr in train] == [[0.1, 0.5, 1.0]] * 2  # loss and accuracy panels
    assert [list(tr["y"]) for tr in train] == [[2.0, 1.2, 1.0], [0.3, 0.7, 0.8]]
    assert all(tr["mode"] == "lines" for tr in train)
