"""AppTest of the teaching pages: Evaluate, Compare, Data, and the Train page's extras."""

import re

from .apptest import app, result_metrics, start_training, texts, wait_for, workspace_of
from .conftest import requires_fashion, requires_mnist

BLUE, RED = "#1f5fbf", "#d62728"  # pages/evaluate.py's right and wrong


def _grid_colors(at) -> list[str]:
    """The caption colour of each picture in the 30-image grid (blue right, red wrong)."""
    grid = next(h.proto.body for h in at.get("html") if "test-sample" in h.proto.body)
    return re.findall(r"<figcaption[^>]*color:(#[0-9a-f]{6})", grid)


@requires_mnist
def test_evaluate_shows_metrics_confusion_and_the_grid():
    at = app("pages/evaluate.py")
    wait_for(at, lambda a: len(a.metric) > 0)  # the test set is predicted in the background meanwhile
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["Test accuracy"]) >= 0.993
    assert metrics["Mistakes"].endswith("/ 10,000")
    assert len(at.get("plotly_chart")) == 2  # per-class accuracy and the confusion matrix
    grid = _grid_colors(at)
    assert len(grid) == 30 and grid.count(BLUE) >= 28
    first_ten = at.dataframe[0].value
    assert list(first_ten["Label"]) == ["7", "2", "1", "0", "4", "1", "4", "9", "5", "9"]

    at.toggle(key="only_mistakes").set_value(True).run()
    grid = _grid_colors(at)
    assert grid and set(grid) == {RED}

    at.selectbox(key="cell_true").set_value(4).run()
    at.selectbox(key="cell_pred").set_value(4).run()
    assert "test images are **4** and were predicted as **4**" in texts(at)
    assert "The first 36 of them:" in [c.value for c in at.caption]  # 976 fours: the count says how many are shown
    assert len(at.get("image")) > 30
    at.selectbox(key="cell_pred").set_value(9).run()  # a handful: all of them shown, no "first"
    assert "The first 36 of them:" not in [c.value for c in at.caption]


@requires_mnist
def test_compare_runs_the_normalization_experiment_and_explains_it():
    at = app("pages/compare.py")
    at.selectbox(key="exp_preset").set_value("mlp-256-100").run()
    at.slider(key="exp_epochs").set_value(2)
    at.slider(key="exp_images").set_value(10000)
    at.button(key="exp_start").click().run()
    wait_for(at, lambda a: "**Result.**" in texts(a))
    text = texts(at)
    assert "With / 255 the model reaches" in text and "**Why.**" in text
    assert "MLP (/255)" in text and "MLP (raw 0-255)" in text
    histories = at.multiselect[0]
    assert [v.split(" ", 1)[1] for v in histories.value[:2]] == ["MLP (/255)", "MLP (raw 0-255)"]
    table = at.dataframe[0].value
    assert list(table["Name"])[:2] == histories.value[:2]
    assert table["Test accuracy"][0] > table["Test accuracy"][1] + 0.2


@requires_mnist
def test_data_page_shows_pixels_and_one_hot():
    at = app("pages/data.py")
    assert "60,000 training images" in texts(at)
    at.number_input(key="data_index").set_value(1).run()
    row = at.dataframe[0].value.iloc[0]
    assert row["0"] == 1 and row.sum() == 1
    assert "keras.utils.to_categorical(0, 10)" in at.code[0].value


@requires_fashion
def test_data_page_works_for_fashion_mnist():
    at = app("pages/data.py")
    at.radio(key="dataset").set_value("fashion-mnist").run()
    assert at.title[0].value == "Look at the data: Fashion-MNIST"
    assert "Ankle boot" in at.dataframe[0].value.columns


def test_keras_code_panel_follows_the_sliders():
    at = app("pages/train.py")
    assert 'x_train = x_train.astype("float32") / 255' in at.code[0].value
    at.toggle(key="normalize").set_value(False).run()
    assert "/ 255" not in at.code[0].value
    at.slider(key="epochs").set_value(7).run()
    assert "epochs=7" in at.code[0].value


@requires_mnist
def test_train_more_epochs_continues_the_curve():
    at = app("pages/train.py")
    start_training(at, "mlp-512x2", epochs=1, train_images=2000)
    result_metrics(at)
    at.button(key="train_more").click().run()
    wait_for(at, lambda a: "+1 (/255)** · finished" in texts(a))
    result_metrics(at)
    first, more = workspace_of(at).runs()[-2:]
    assert more.continued_from == first.id
    assert [e["epoch"] for e in more.progress_data()["epochs"]] == [1, 2]


@requires_mnist
def test_compare_says_a_run_still_training_will_appear_there_once_it_has_ended():
    at = app("pages/train.py")
    start_training(at, "mlp-512x2", epochs=20)
    at.switch_page("pages/compare.py").run()
    assert "Your run is still training or being tested" in texts(at)
    assert "Train a model (or save one)" not in texts(at)
    at.switch_page("pages/train.py").run()
    at.button(key="train_stop").click().run()
