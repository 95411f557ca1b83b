"""The Train page's settings as a Jupyter notebook a learner downloads and runs anywhere.

Markdown cells explain each step in the learner's language (the `train.notebook.*` texts);
the code cells are the same in every language and import nothing from this app: they read
the app's data folder (`MNIST_DEMO_DATA_DIR`) with a few lines of numpy, or let Keras download
the data set. The hold-out, model, compile and fit lines are `codegen`'s, which the code panel shows too.
The model opens with the app's `Rescaling` layer rather than dividing the arrays first, so it
has the app's layers and parameter count and a saved model carries its scaling."""

from __future__ import annotations

import operator

import nbformat

from . import i18n
from .codegen import DATASET_MODULE, OPTIMIZER_CLASS, compile_lines, fit_lines, holdout_lines, model_lines
from .datasets import CLASS_NAMES, DATASETS
from .models import ModelSpec, loss_name, smoothed_target
from .training import HOLDOUT

_IMPORTS = """\
import gzip
import os
import struct
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import layers

keras.utils.set_random_seed(0)"""

_READ_IDX = '''\
DATA_DIR = os.environ.get("MNIST_DEMO_DATA_DIR", "")  # or the path of your data folder


def read_idx(path):
    """An IDX file as an array: the magic number's last byte is the number of dimensions,
    one 4-byte size per dimension follows, then the data, one byte each."""
    with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def read_split(folder, split):
    """(images, labels) of the split "train" or "t10k", from files gzipped or not."""
    arrays = []
    for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
        stem = f"{split}-{kind}"
        found = [path for path in (folder / stem, folder / f"{stem}.gz") if path.is_file()]
        if not found:
            raise FileNotFoundError(f"no {stem} or {stem}.gz in {folder}")
        arrays.append(read_idx(found[0]))
    return tuple(arrays)


'''

_SUBSET = """\
TRAIN_IMAGES = {train}  # None: all of them
TEST_IMAGES = {test}  # None: all of them
x_train, y_train = x_train[:TRAIN_IMAGES], y_train[:TRAIN_IMAGES]
x_test, y_test = x_test[:TEST_IMAGES], y_test[:TEST_IMAGES]
print(len(x_train), "training images,", len(x_test), "test images")"""

_PIXELS = 'print("pixels:", x_train.dtype, "from", x_train.min(), "to", x_train.max())'

_ONE_HOT = """\
labels_test = y_test
y_train = keras.utils.to_categorical(y_train, 10)
y_test = keras.utils.to_categorical(y_test, 10)
print(labels_test[0], "->", y_test[0])"""

_SPARSE = """\
labels_test = y_test
print("the first training labels:", y_train[:10])"""

_HELD_OUT = 'print(len(x_train), "images to train on,", len(x_val), "held out to validate on")'

_CURVES = """\
epochs = range(1, len(history.history["loss"]) + 1)
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for ax, metric in zip(axes, ("loss", "accuracy")):
    ax.plot(epochs, history.history[metric], "o-", label="training")
    ax.plot(epochs, history.history["val_" + metric], "o-", label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.legend()
plt.show()"""

_FIRST_TEN = """\
probabilities = model.predict(x_test, verbose=0)
predictions = probabilities.argmax(axis=1)
for i in range(min(10, len(x_test))):
    mark = "✓" if predictions[i] == labels_test[i] else "✗"
    print(f"#{i}  label {CLASS_NAMES[labels_test[i]]:<12} prediction {CLASS_NAMES[predictions[i]]:<12} {mark}")"""

_GRID = """\
fig, axes = plt.subplots(3, 10, figsize=(13, 4.8))
for ax in axes.flat:
    ax.axis("off")
for i, ax in zip(range(len(x_test)), axes.flat):
    right = predictions[i] == labels_test[i]
    title = CLASS_NAMES[predictions[i]] + ("" if right else f" ({CLASS_NAMES[labels_test[i]]})")
    ax.imshow(x_test[i], cmap="gray")
    ax.set_title(title, color="blue" if right else "red", fontsize=9)
plt.tight_layout()
plt.show()"""


def _load_data(dataset: str) -> str:
    """Read `dataset` the way the app finds it in its data folder, else through Keras."""
    lines = ["if DATA_DIR:", f'    folder = Path(DATA_DIR).expanduser() / "{dataset}"']
    if dataset == "mnist":  # the app also takes a data folder that holds the MNIST files itself
        lines += ["    if not folder.is_dir():", "        folder = Path(DATA_DIR).expanduser()"]
    lines += [
        '    (x_train, y_train), (x_test, y_test) = read_split(folder, "train"), read_split(folder, "t10k")',
        "else:",
        f"    (x_train, y_train), (x_test, y_test) = keras.datasets.{DATASET_MODULE[dataset]}.load_data()",
        'print("training images:", x_train.shape, " test images:", x_test.shape)',
    ]
    return _READ_IDX + "\n".join(lines)


def _class_names(dataset: str) -> str:
    if dataset == "mnist":
        return "CLASS_NAMES = [str(digit) for digit in range(10)]"
    return f"CLASS_NAMES = {list(CLASS_NAMES[dataset])!r}"


def _cells(spec: ModelSpec, normalize: bool, dataset: str, train_images: int | None, test_images: int | None,
           validation: str, lang: str) -> list[tuple[str, str]]:
    """(kind, source) of every cell, top to bottom."""
    def text(key: str, **values) -> tuple[str, str]:
        return "markdown", i18n.translate(f"train.notebook.{key}", lang, **values)

    def code(*lines: str) -> tuple[str, str]:
        return "code", "\n".join(lines)

    learning_rate = f"{spec.learning_rate:g}"
    optimizer = OPTIMIZER_CLASS[spec.optimizer]
    compile_text = i18n.translate("train.notebook.compile", lang, loss=loss_name(spec), optimizer=optimizer,
                                  learning_rate=learning_rate)
    if spec.schedule == "one-cycle":
        compile_text += "\n\n" + i18n.translate("train.notebook.one_cycle", lang, learning_rate=learning_rate)
    if spec.label_smoothing:
        compile_text += "\n\n" + i18n.translate("train.notebook.label_smoothing", lang,
                                                  smoothing=f"{spec.label_smoothing:g}",
                                                  target=f"{smoothed_target(spec.label_smoothing):g}")
    shown_images = f"{train_images:,}" if train_images else i18n.translate("train.notebook.all_images", lang)
    dataset_name = i18n.translate(f"common.dataset.{dataset}", lang)
    saved_as = f"{dataset}-{spec.kind}.keras"
    held_out = validation == HOLDOUT
    if held_out:
        validation_cells = [text("validation_holdout"), code(*holdout_lines(validation), _HELD_OUT)]
    else:
        validation_cells = [text("validation_test")]
    fit_text = i18n.translate("train.notebook.fit", lang, epochs=spec.epochs, batch_size=spec.batch_size)
    fit_text += "\n\n" + i18n.translate(f"train.notebook.{'test_once' if held_out else 'test_leak'}", lang)
    return [
        text("intro", model=i18n.translate(f"common.kind.{spec.kind}", lang), dataset=dataset_name,
             epochs=spec.epochs, batch_size=spec.batch_size, optimizer=optimizer, learning_rate=learning_rate,
             train_images=shown_images),
        text("imports"),
        code(_IMPORTS),
        text("data", dataset=dataset_name),
        code(_load_data(dataset)),
        text("subset"),
        code(_SUBSET.format(train=train_images, test=test_images)),
        text("normalize_on" if normalize else "normalize_off"),
        code(_PIXELS),
        text("one_hot" if spec.one_hot else "sparse"),
        code(_ONE_HOT if spec.one_hot else _SPARSE),
        *validation_cells,
        text(f"model_{spec.kind}"),
        code(*model_lines(spec, normalize=normalize), "model.summary()"),
        ("markdown", compile_text),
        code(*compile_lines(spec)),
        ("markdown", fit_text),
        code(*fit_lines(spec, validation)),
        text("curves"),
        code(_CURVES),
        text("first_ten"),
        code(_class_names(dataset), _FIRST_TEN),
        text("grid"),
        code(_GRID),
        text("next"),
        code(f'model.save("{saved_as}")', f'print("saved as {saved_as}")'),
    ]


def _count(value, name: str) -> int | None:
    """A number of images as a plain int (a numpy integer from a slider is fine), or None for all."""
    if value is None:
        return None
    count = operator.index(value)
    if count < 1:
        raise ValueError(f"{name} must be at least 1, or None for all images")
    return count


def file_name(preset: str, dataset: str) -> str:
    """What the downloaded notebook is called: the data set and the preset, e.g. `mnist-cnn-fast.ipynb`."""
    return f"{dataset}-{preset}.ipynb"


def keras_notebook(spec: ModelSpec, normalize: bool = True, dataset: str = "mnist", *,
                   train_images: int | None = None, test_images: int | None = None, validation: str = HOLDOUT,
                   lang: str = "en") -> bytes:
    """An `.ipynb` (nbformat 4) that loads `dataset`, keeps its first `train_images` training and
    `test_images` test images (None: all), trains `spec` as the app does, validating on the
    held-out end of the training images or (`validation="test"`) on the test set, and shows its
    curves and predictions; its markdown is in `lang`."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown data set {dataset!r}; choose one of {', '.join(DATASETS)}")
    train_images, test_images = _count(train_images, "train_images"), _count(test_images, "test_images")
    cells = []
    for number, (kind, source) in enumerate(
            _cells(spec, normalize, dataset, train_images, test_images, validation, lang), 1):
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        cell.id = f"cell-{number}"  # fixed ids: the same settings give the same bytes
        cells.append(cell)
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(notebook)
    return nbformat.writes(notebook).encode("utf-8")
