import numpy as np
import pytest

from mnist_demo.models import (
    PRESETS,
    ModelSpec,
    build_model,
    compile_model,
    loss_floor,
    loss_for,
    loss_name,
    preset,
    summary_rows,
)


def _layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


def test_mlp_512x2_is_the_tutorial_model():
    spec = preset("mlp-512x2")
    model = build_model(spec)
    assert _layer_types(model) == [
        "InputLayer", "Rescaling", "Flatten", "Dense", "Dropout", "Dense", "Dropout", "Dense",
    ]
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    assert [d.units for d in dense] == [512, 512, 10]
    assert [layer.rate for layer in model.layers if type(layer).__name__ == "Dropout"] == [0.2, 0.2]
    assert model.count_params() == 669706  # the tutorial's model.summary() total
    assert (spec.optimizer, spec.batch_size) == ("rmsprop", 128)


def test_keras_mnist_cnn_is_the_classic_example():
    spec = preset("keras-mnist-cnn")
    model = build_model(spec)
    assert _layer_types(model)[3:] == [
        "Conv2D", "Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense", "Dropout", "Dense",
    ]
    assert model.count_params() == 1199882  # as printed by the Keras example
    assert (spec.optimizer, spec.learning_rate, spec.batch_size) == ("adadelta", 1.0, 128)
    compile_model(model, spec, 10)
    assert float(model.optimizer.learning_rate) == pytest.approx(1.0)


def test_other_tutorial_presets():
    assert build_model(preset("mlp-64")).count_params() == 784 * 64 + 64 + 64 * 10 + 10
    sgd = preset("mlp-256-100")
    assert (sgd.optimizer, sgd.learning_rate, sgd.batch_size, sgd.epochs) == ("sgd", 0.01, 100, 10)
    three = build_model(preset("cnn-3conv"))
    assert _layer_types(three).count("Conv2D") == 3 and _layer_types(three).count("MaxPooling2D") == 2
    assert three.count_params() == 93322  # the TensorFlow CNN tutorial's total


def test_every_preset_builds_and_predicts_ten_probabilities():
    x = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    for name, spec in PRESETS.items():
        probs = np.asarray(build_model(spec)(x))
        assert probs.shape == (3, 10), name
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_normalization_is_a_layer_inside_the_model():
    on = build_model(preset("mlp-64"), normalize=True).get_layer("scaling")
    off = build_model(preset("mlp-64"), normalize=False).get_layer("scaling")
    assert on.scale == pytest.approx(1 / 255) and off.scale == 1.0


def test_spec_validation_and_round_trip():
    with pytest.raises(ValueError, match="optimizer"):
        ModelSpec(optimizer="lbfgs")
    with pytest.raises(ValueError, match="pool_after"):
        ModelSpec(kind="cnn", conv_filters=(8,), pool_after=())
    spec = preset("cnn-fast")
    assert ModelSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(KeyError, match="unknown preset"):
        preset("resnet")


def test_one_hot_and_sparse_labels_use_matching_losses():
    assert loss_name(ModelSpec(one_hot=True)) == "categorical_crossentropy"
    assert loss_name(ModelSpec(one_hot=False)) == "sparse_categorical_crossentropy"


def test_summary_rows_match_model_summary():
    model = build_model(preset("mlp-64"))
    rows = summary_rows(model)
    assert rows[-1]["layer"].startswith("probabilities (Dense)")
    assert rows[-1]["output shape"] == "(None, 10)"
    assert sum(r["params"] for r in rows) == model.count_params()


def test_label_smoothing_moves_the_target_off_certainty():
    import keras

    spec = preset("cnn-fastest")
    assert spec.label_smoothing == 0.1 and spec.epochs == 1
    loss = loss_for(spec)
    target, sure = np.eye(10, dtype="float32")[:1], np.eye(10, dtype="float32")[:1] * 0.999 + 0.0001 / 9
    smoothed_target = np.full((1, 10), 0.01, dtype="float32")
    smoothed_target[0, 0] = 0.91
    # Certainty is no longer the best answer: the smoothed target itself scores lower.
    assert float(loss(target, smoothed_target)) < float(loss(target, sure))
    assert loss_for(preset("cnn-fast")) == "categorical_crossentropy"
    assert isinstance(loss, keras.losses.CategoricalCrossentropy)


def test_the_loss_floor_is_what_the_smoothed_loss_gives_for_the_smoothed_target():
    import numpy as np

    spec = preset("cnn-fastest")
    target = np.eye(10, dtype="float32")[:1]
    smoothed = np.full((1, 10), 0.01, dtype="float32")
    smoothed[0, 0] = 0.91
    assert float(loss_for(spec)(target, smoothed)) == pytest.approx(loss_floor(spec), abs=1e-4)
    assert 0.49 < loss_floor(spec) < 0.51 and loss_floor(preset("cnn-fast")) == 0.0


def test_label_smoothing_needs_one_hot_labels_and_a_sensible_amount():
    with pytest.raises(ValueError, match="one-hot"):
        ModelSpec(label_smoothing=0.1, one_hot=False)
    with pytest.raises(ValueError, match="label smoothing"):
        ModelSpec(label_smoothing=0.5)
