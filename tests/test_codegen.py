import math

import numpy as np
import pytest

from mnist_demo.codegen import compile_lines, keras_code, model_lines
from mnist_demo.models import PRESETS, build_model, learning_rate_for, make_optimizer, preset


def _run_generated(code: str, x, y):
    """Execute the generated script with load_data() answering from memory and a 1-epoch fit."""
    import keras

    original = keras.datasets.mnist.load_data
    keras.datasets.mnist.load_data = lambda: ((x, y), (x[:50], y[:50]))
    try:
        namespace: dict = {}
        exec(code.replace("model.summary()", "").replace("epochs=", "verbose=0, epochs=1 or "), namespace)
        return namespace
    finally:
        keras.datasets.mnist.load_data = original


@pytest.mark.parametrize("name", list(PRESETS))
def test_generated_code_builds_the_same_network(name):
    spec = preset(name).replace(epochs=1)
    x = np.random.default_rng(0).integers(0, 256, (128, 28, 28), dtype=np.uint8)
    y = np.random.default_rng(1).integers(0, 10, 128).astype(np.uint8)
    ns = _run_generated(keras_code(spec), x, y)
    assert ns["model"].count_params() == build_model(spec).count_params()
    assert 0.0 <= ns["test_accuracy"] <= 1.0


def test_normalization_line_follows_the_toggle():
    spec = preset("mlp-64")
    assert 'x_train = x_train.astype("float32") / 255' in keras_code(spec, normalize=True)
    raw = keras_code(spec, normalize=False)
    assert "/ 255" not in raw and 'x_train = x_train.astype("float32")' in raw


def test_labels_and_optimizer_follow_the_spec():
    code = keras_code(preset("keras-mnist-cnn"), dataset="fashion-mnist")
    assert "keras.datasets.fashion_mnist.load_data()" in code
    assert "keras.utils.to_categorical(y_train, 10)" in code and 'loss="categorical_crossentropy"' in code
    assert "keras.optimizers.Adadelta(learning_rate=1.0)" in code
    sparse = keras_code(preset("mlp-64").replace(one_hot=False))
    assert "to_categorical" not in sparse and "sparse_categorical_crossentropy" in sparse
    assert "CosineDecay" in keras_code(preset("cnn-fast"))


@pytest.mark.parametrize("n_train", [100, 5000])  # 100 images make 3 steps: the warm-up still takes one
def test_compile_lines_give_the_apps_optimizer_and_schedule(n_train):
    spec = preset("cnn-fast")
    namespace: dict = {"x_train": np.zeros((n_train, 28, 28), np.uint8)}
    exec("\n".join(["import keras", "from keras import layers", *model_lines(spec), *compile_lines(spec)]), namespace)
    steps = spec.epochs * math.ceil(n_train / spec.batch_size)
    assert namespace["learning_rate"].get_config() == learning_rate_for(spec, steps).get_config()
    assert type(namespace["model"].optimizer) is type(make_optimizer(spec, steps))


def test_model_lines_open_with_the_apps_scaling_layer_when_asked():
    spec = preset("mlp-64")
    assert not any("Rescaling" in line for line in model_lines(spec))
    assert 'layers.Rescaling(1 / 255, name="scaling"),' in "\n".join(model_lines(spec, normalize=True))
    assert 'layers.Rescaling(1.0, name="scaling"),' in "\n".join(model_lines(spec, normalize=False))
