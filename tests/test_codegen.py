import math
import re

import numpy as np
import pytest

from mnist_demo.codegen import compile_lines, holdout_lines, keras_code, model_lines
from mnist_demo.data import Dataset
from mnist_demo.models import PRESETS, SCALING_LAYER, build_model, learning_rate_for, make_optimizer, preset
from mnist_demo.training import HOLDOUT, TEST, RunConfig, TrainingRun


def _dataset(n_train: int = 300, n_test: int = 60) -> Dataset:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n_train + n_test, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n_train + n_test).astype(np.uint8)
    return Dataset("mnist", images[:n_train], labels[:n_train], images[n_train:], labels[n_train:],
                   tuple("0123456789"), "memory")


def _run_generated(code: str, ds: Dataset):
    """Execute the generated script with load_data() answering with `ds` and a 1-epoch fit."""
    import keras

    original = keras.datasets.mnist.load_data
    keras.datasets.mnist.load_data = lambda: ((ds.x_train, ds.y_train), (ds.x_test, ds.y_test))
    try:
        namespace: dict = {}
        exec(code.replace("model.summary()", "").replace("epochs=", "verbose=0, epochs=1 or "), namespace)
        return namespace
    finally:
        keras.datasets.mnist.load_data = original


def _layers(model, *, scaling: bool = True) -> list[tuple[str, dict, int]]:
    """Each layer's class, configuration (without its name) and parameter count, input aside."""
    import keras

    return [(type(layer).__name__, {k: v for k, v in layer.get_config().items() if k != "name"}, layer.count_params())
            for layer in model.layers
            if not isinstance(layer, keras.layers.InputLayer) and (scaling or layer.name != SCALING_LAYER)]


def _generated_model(spec, **kwargs):
    namespace: dict = {}
    exec("\n".join(["import keras", "from keras import layers", *model_lines(spec, **kwargs)]), namespace)
    return namespace["model"]


@pytest.mark.parametrize("name", list(PRESETS))
def test_model_lines_build_the_apps_layers_for_every_preset(name):
    spec = preset(name)
    assert "BatchNormalization" in "\n".join(model_lines(spec)) or not spec.batch_norm
    for normalize in (True, False):
        assert _layers(_generated_model(spec, normalize=normalize)) == _layers(build_model(spec, normalize=normalize))
    assert _layers(_generated_model(spec)) == _layers(build_model(spec), scaling=False)  # the code panel's model


@pytest.mark.parametrize("name", ["mlp-64", "cnn-fast"])
def test_generated_code_holds_out_the_images_the_app_validates_on(name):
    spec, ds = preset(name).replace(epochs=1), _dataset()
    ns = _run_generated(keras_code(spec, normalize=False, train_images=250, validation=HOLDOUT), ds)
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = TrainingRun(
        spec, ds, RunConfig(normalize=False, train_limit=250, validation=HOLDOUT)).prepared_data()
    assert len(ns["x_train"]) == 225 and len(ns["x_val"]) == 25
    for generated, app in [("x_train", x_train), ("y_train", y_train), ("x_val", x_val), ("y_val", y_val),
                           ("x_test", x_test), ("y_test", y_test)]:
        assert np.array_equal(ns[generated], app), generated
    model = ns["model"]
    assert ns["history"].history["val_loss"][-1] == pytest.approx(model.evaluate(x_val, y_val, verbose=0)[0], rel=1e-4)
    assert ns["test_loss"] == pytest.approx(model.evaluate(x_test, y_test, verbose=0)[0], rel=1e-4)
    assert ns["test_loss"] != pytest.approx(ns["history"].history["val_loss"][-1], rel=1e-4)


def test_generated_code_validating_on_the_test_set_takes_its_last_epoch_as_the_test_numbers():
    spec, ds = preset("mlp-64").replace(epochs=1), _dataset()
    code = keras_code(spec, normalize=False, train_images=250, validation=TEST)
    assert "validation_data=(x_test, y_test)" in code and "model.evaluate" not in code
    ns = _run_generated(code, ds)
    assert "x_val" not in ns and len(ns["x_train"]) == 250
    history = ns["history"].history
    assert ns["test_loss"] == history["val_loss"][-1] and ns["test_accuracy"] == history["val_accuracy"][-1]
    assert ns["test_loss"] == pytest.approx(ns["model"].evaluate(ds.x_test, ns["y_test"], verbose=0)[0], rel=1e-4)


def test_normalization_line_follows_the_toggle():
    spec = preset("mlp-64")
    assert 'x_train = x_train.astype("float32") / 255' in keras_code(spec, normalize=True)
    raw = keras_code(spec, normalize=False)
    assert "/ 255" not in raw and 'x_train = x_train.astype("float32")' in raw


def test_the_training_images_setting_slices_the_training_set_only_when_it_keeps_fewer():
    assert not re.search(r"x_train\[:\d", keras_code(preset("mlp-64")))
    assert "x_train, y_train = x_train[:5000], y_train[:5000]" in keras_code(preset("mlp-64"), train_images=5000)


def test_labels_and_optimizer_follow_the_spec():
    code = keras_code(preset("keras-mnist-cnn"), dataset="fashion-mnist")
    assert "keras.datasets.fashion_mnist.load_data()" in code
    assert "keras.utils.to_categorical(y_train, 10)" in code and 'loss="categorical_crossentropy"' in code
    assert "keras.optimizers.Adadelta(learning_rate=1.0)" in code
    sparse = keras_code(preset("mlp-64").replace(one_hot=False))
    assert "to_categorical" not in sparse and "sparse_categorical_crossentropy" in sparse
    assert "CosineDecay" in keras_code(preset("cnn-fast"))


@pytest.mark.parametrize("validation", [HOLDOUT, TEST])
@pytest.mark.parametrize("n_train", [100, 5000])  # 100 images make 3 steps: the warm-up still takes one
def test_compile_lines_give_the_apps_optimizer_and_schedule(n_train, validation):
    spec = preset("cnn-fast")
    namespace: dict = {"x_train": np.zeros((n_train, 28, 28), np.uint8), "y_train": np.zeros(n_train, np.uint8)}
    exec("\n".join(["import keras", "from keras import layers", *holdout_lines(validation), *model_lines(spec),
                    *compile_lines(spec)]), namespace)
    run = TrainingRun(spec, _dataset(n_train), RunConfig(validation=validation))
    steps = spec.epochs * run.snapshot().batches_per_epoch
    assert steps == spec.epochs * math.ceil(len(namespace["x_train"]) / spec.batch_size)
    assert namespace["learning_rate"].get_config() == learning_rate_for(spec, steps).get_config()
    assert type(namespace["model"].optimizer) is type(make_optimizer(spec, steps))


def test_model_lines_open_with_the_apps_scaling_layer_when_asked():
    spec = preset("mlp-64")
    assert not any("Rescaling" in line for line in model_lines(spec))
    assert 'layers.Rescaling(1 / 255, name="scaling"),' in "\n".join(model_lines(spec, normalize=True))
    assert 'layers.Rescaling(1.0, name="scaling"),' in "\n".join(model_lines(spec, normalize=False))


def test_an_unknown_validation_is_refused():
    with pytest.raises(ValueError, match="validation"):
        keras_code(preset("mlp-64"), validation="train")
