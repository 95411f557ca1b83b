"""The downloadable notebook runs top to bottom in a fresh Jupyter kernel and trains the app's model."""

import re

import nbformat
import pytest
from nbclient import NotebookClient

from mnist_demo.data import DATA_DIR_ENV
from mnist_demo.model_files import read_archive
from mnist_demo.models import PRESETS, SCALING_LAYER, build_model, preset
from mnist_demo.notebook import file_name, keras_notebook
from mnist_demo.training import HOLDOUT, TEST

from .conftest import DATA_DIR, requires_fashion, requires_mnist
from .test_codegen import _layers

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _notebook(spec, normalize=True, dataset="mnist", **kwargs):
    return nbformat.reads(keras_notebook(spec, normalize, dataset, **kwargs).decode("utf-8"), as_version=4)


@pytest.fixture
def this_python_kernel(tmp_path, monkeypatch):
    """The `python3` kernel is this interpreter, whatever kernels the machine has besides
    (`JUPYTER_PATH` is searched first): the notebook runs with the packages the tests run with,
    and nothing is written outside the test's folder. The kernel inherits the environment, so
    it loses the `MPLBACKEND=Agg` that importing Streamlit sets: with it, `plt.show()` in a
    kernel shows nothing, which no learner's Jupyter does."""
    from ipykernel.kernelspec import write_kernel_spec

    write_kernel_spec(tmp_path / "jupyter" / "kernels" / "python3")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.delenv("MPLBACKEND", raising=False)


def _execute(nb, folder):
    """Run every cell in a new kernel whose working folder is `folder`; a failing cell raises."""
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def _outputs(nb):
    return [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]


def _text(nb) -> str:
    """Everything the cells printed, and the plain text of what they displayed, without colour codes."""
    parts = [o.get("text", "") for o in _outputs(nb)]
    parts += [o["data"].get("text/plain", "") for o in _outputs(nb) if "data" in o]
    return ANSI.sub("", "\n".join(parts))


def _code(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def _words(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _figures(nb) -> int:
    return sum("image/png" in o.get("data", {}) for o in _outputs(nb))


def _scaling_of(path) -> float:
    layers = read_archive(path).config["config"]["layers"]
    return next(layer["config"]["scale"] for layer in layers if layer["config"]["name"] == SCALING_LAYER)


@pytest.mark.parametrize("name, normalize, dataset, validation", [
    pytest.param("mlp-64", True, "mnist", HOLDOUT, marks=requires_mnist),
    pytest.param("cnn-fast", False, "fashion-mnist", TEST, marks=requires_fashion),
])
@pytest.mark.usefixtures("this_python_kernel")
def test_notebook_runs_top_to_bottom_and_trains_the_apps_model(name, normalize, dataset, validation, tmp_path,
                                                               monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(DATA_DIR))
    spec = preset(name).replace(epochs=1)
    nb = _execute(_notebook(spec, normalize, dataset, train_images=1000, test_images=1000, validation=validation),
                  tmp_path)
    printed = _text(nb)
    assert "training images: (60000, 28, 28)  test images: (10000, 28, 28)" in printed  # read from the data folder
    assert "1000 training images, 1000 test images" in printed
    held_out = "900 images to train on, 100 held out to validate on" in printed  # what TrainingRun holds out of 1000
    assert held_out == (validation == HOLDOUT)
    total = re.search(r"Total params: ([\d,]+)", printed)
    assert total and int(total[1].replace(",", "")) == build_model(spec, normalize=normalize).count_params()
    accuracy = float(re.search(r"Test accuracy: ([\d.]+)", printed)[1])
    assert 0.0 <= accuracy <= 1.0
    assert len(re.findall(r"^#\d  label .* [✓✗]$", printed, re.MULTILINE)) == 10
    assert _figures(nb) == 2  # the learning curves and the 30-image grid
    saved = tmp_path / f"{dataset}-{spec.kind}.keras"
    assert _scaling_of(saved) == pytest.approx(1 / 255 if normalize else 1.0)  # a model the app's upload checks read


@requires_fashion
@pytest.mark.usefixtures("this_python_kernel")
def test_without_a_data_folder_keras_loads_the_data_set(tmp_path, monkeypatch):
    """Keras' own loader, answering from its download cache (this machine reaches no data host)."""
    cache = tmp_path / "keras" / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    for file in (DATA_DIR / "fashion-mnist").glob("*.gz"):
        (cache / file.name).symlink_to(file)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    nb = _notebook(preset("mlp-64"), True, "fashion-mnist", train_images=1000)
    nb.cells = nb.cells[: next(i for i, c in enumerate(nb.cells) if "TRAIN_IMAGES =" in c.source) + 1]
    assert "keras.datasets.fashion_mnist.load_data()" in nb.cells[-3].source
    printed = _text(_execute(nb, tmp_path))
    assert "training images: (60000, 28, 28)" in printed and "1000 training images, 10000 test images" in printed


def test_japanese_notebook_explains_in_japanese_with_the_same_code():
    spec = preset("cnn-fast")
    english, japanese = _notebook(spec, lang="en"), _notebook(spec, lang="ja")
    assert [c.source for c in japanese.cells if c.cell_type == "code"] == \
           [c.source for c in english.cells if c.cell_type == "code"]
    for en_cell, ja_cell in zip(english.cells, japanese.cells, strict=True):
        if ja_cell.cell_type == "markdown":
            assert JAPANESE.search(ja_cell.source) and not JAPANESE.search(en_cell.source)
    assert "ワンサイクル" in "\n".join(c.source for c in japanese.cells)


def test_markdown_and_code_follow_the_settings():
    raw = _notebook(preset("mlp-256-100").replace(one_hot=False), normalize=False, dataset="fashion-mnist",
                    train_images=5000, lang="en")
    code = "\n".join(c.source for c in raw.cells if c.cell_type == "code")
    words = "\n".join(c.source for c in raw.cells if c.cell_type == "markdown")
    assert 'layers.Rescaling(1.0, name="scaling")' in code and "TRAIN_IMAGES = 5000" in code
    assert "to_categorical" not in code and 'loss="sparse_categorical_crossentropy"' in code
    assert "keras.optimizers.SGD(learning_rate=0.01)" in code and "CosineDecay" not in code
    assert '"Ankle boot"' in code or "'Ankle boot'" in code
    assert "not normalized" in words and "5,000" in words and "one-cycle" not in words
    scaled = _notebook(preset("cnn-fast"), normalize=True, lang="en")
    assert 'layers.Rescaling(1 / 255, name="scaling")' in "\n".join(c.source for c in scaled.cells)
    assert "TRAIN_IMAGES = None" in "\n".join(c.source for c in scaled.cells)
    assert "one-cycle" in "\n".join(c.source for c in scaled.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("name", list(PRESETS))
def test_model_cell_builds_the_apps_model_for_every_preset(name):
    spec = preset(name)
    for normalize in (True, False):
        cell = next(c.source for c in _notebook(spec, normalize).cells if "keras.Sequential(" in c.source)
        namespace: dict = {}
        exec("import keras\nfrom keras import layers\n" + cell.replace("model.summary()", ""), namespace)
        assert _layers(namespace["model"]) == _layers(build_model(spec, normalize=normalize))


def test_validation_follows_the_setting():
    spec = preset("cnn-fast")
    held_out, on_test = _notebook(spec, validation=HOLDOUT), _notebook(spec, validation=TEST)
    assert "validation_data=(x_val, y_val)" in _code(held_out) and "x_val" not in _code(on_test)
    assert "model.evaluate(x_test, y_test" in _code(held_out) and "model.evaluate" not in _code(on_test)
    assert "validation_data=(x_test, y_test)" in _code(on_test)
    assert "last 10 %" in _words(held_out) and "leak" in _words(on_test) and "leak" not in _words(held_out)
    assert _notebook(spec).cells == held_out.cells  # held-out validation is the app's default


def test_file_name_says_the_data_set_and_the_preset():
    assert file_name("cnn-fast", "mnist") == "mnist-cnn-fast.ipynb"
    assert file_name("mlp-64", "fashion-mnist") == "fashion-mnist-mlp-64.ipynb"


def test_the_same_settings_give_the_same_bytes():
    assert keras_notebook(preset("mlp-64"), lang="ja") == keras_notebook(preset("mlp-64"), lang="ja")


@pytest.mark.parametrize("kwargs", [{"dataset": "cifar"}, {"train_images": 0}, {"test_images": 2.5},
                                    {"validation": "train"}])
def test_impossible_settings_are_refused(kwargs):
    with pytest.raises((ValueError, TypeError)):
        keras_notebook(preset("mlp-64"), **kwargs)
