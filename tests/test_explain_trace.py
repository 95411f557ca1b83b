"""Every layer's output and the gradients back through them, numpy against TensorFlow."""

import numpy as np
import pytest

from mnist_demo import inside, numpy_model, numpy_trace
from mnist_demo.models import PRESETS, build_model
from mnist_demo.predict import Predictor
from mnist_demo.storage import default_model_path, load_keras_model


def _saved(tmp_path_factory, preset: str, normalize: bool = True) -> Predictor:
    import keras

    keras.utils.set_random_seed(2)
    model = build_model(PRESETS[preset], normalize=normalize)
    path = tmp_path_factory.mktemp(preset) / f"{preset}.keras"
    model.save(path)
    return Predictor.load(path)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """The shipped model, an MLP and a CNN without batch norm (valid padding, conv dropout),
    each as the app loads it (numpy) and as Keras runs it."""
    shipped = Predictor.load(default_model_path())
    found = {"shipped": shipped, "mlp": _saved(tmp_path_factory, "mlp-256-100"),
             "cnn": _saved(tmp_path_factory, "keras-mnist-cnn", normalize=False)}
    return {name: (p, Predictor(load_keras_model(p.path), p.info)) for name, p in found.items()}


@pytest.mark.parametrize("name", ["shipped", "mlp", "cnn"])
def test_every_layer_output_in_numpy_is_keras_own_with_its_name_and_shape(models, name, mnist):
    numpy_predictor, keras_predictor = models[name]
    assert numpy_predictor.backend == "numpy" and keras_predictor.backend == "keras"
    x = numpy_predictor.model_input(mnist.x_test[:6])
    got = inside.inside(numpy_predictor).layer_outputs(x)
    expected = inside.inside(keras_predictor).layer_outputs(x)
    keras_layers = [layer for layer in keras_predictor.model.layers if type(layer).__name__ != "InputLayer"]
    assert [(n, k) for n, k, _ in got] == [(layer.name, type(layer).__name__) for layer in keras_layers]
    for (layer_name, _, y), layer, (_, _, reference) in zip(got, keras_layers, expected, strict=True):
        assert y.shape[1:] == tuple(layer.output.shape[1:]), layer_name
        np.testing.assert_allclose(y, reference, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(reference).max())),
                                   err_msg=layer_name)


def test_the_traced_probabilities_are_the_fast_paths(models, mnist):
    predictor = models["shipped"][0]
    x = predictor.model_input(mnist.x_test[:40])
    np.testing.assert_allclose(numpy_trace.record(predictor.model, x).probabilities, predictor.model(x), atol=1e-6)


def _relative_error(got, expected) -> float:
    return float(np.linalg.norm(got - expected) / max(np.linalg.norm(expected), 1e-30))


@pytest.mark.parametrize("name", ["shipped", "mlp", "cnn"])
def test_numpy_gradients_match_tensorflows(models, name, mnist):
    """Of the logits, the probabilities and hidden layers, for several cotangents at once. The
    probabilities' are looser: near p = 1 the softmax's derivative p (g - sum g p) is a
    difference of nearly equal float32 numbers, in both."""
    numpy_predictor, keras_predictor = models[name]
    x = numpy_predictor.model_input(mnist.x_test[10:18])
    ours, theirs = inside.inside(numpy_predictor), inside.inside(keras_predictor)
    rng = np.random.default_rng(0)
    hidden = inside.penultimate_name(ours.layer_kinds)
    first_maps = next((n for n, k in ours.layer_kinds if k in ("Conv2D", "Dense")), None)
    for at in ("logits", "probabilities", hidden, first_maps):
        shape = ours.values(x, at).shape
        cotangent = rng.standard_normal((2, *shape)).astype(np.float32)
        got, expected = ours.gradients(x, cotangent, at), theirs.gradients(x, cotangent, at)
        assert got.shape == (2, *x.shape)
        assert _relative_error(got, expected) < (1e-2 if at == "probabilities" else 1e-4), (name, at)


def test_max_pool_sends_the_gradient_to_the_first_of_tied_maxima_like_tensorflow():
    import tensorflow as tf

    rng = np.random.default_rng(1)
    for pool, strides in (((2, 2), (2, 2)), ((3, 3), (2, 2))):
        x = rng.random((2, 9, 8, 3)).astype(np.float32)
        x[:, :4, :4] = 0.5  # whole windows of equal values, as on a drawing's blank background
        x[0, 4, 4, 0] += 1e-7  # a tie BLAS rounding could make: within TIE_RTOL
        op = numpy_trace._Pool(pool, strides)
        y, kept = op.forward(x, None)
        g = rng.standard_normal((1, *y.shape)).astype(np.float32)
        tensor = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(tensor)
            total = tf.reduce_sum(tf.nn.max_pool2d(tensor, pool, strides, "VALID") * g[0])
        np.testing.assert_allclose(y, tf.nn.max_pool2d(tensor, pool, strides, "VALID"))
        expected = tape.gradient(total, tensor).numpy()
        expected[0, 4, 4, 0], x[0, 4, 4, 0] = 0, 0.5  # TF sees a strict max there; ties go first in ours
        got = op.backward(g, kept)[0]
        got[0, 4, 4, 0] = 0
        assert np.count_nonzero(got) > 0
        untied = np.abs(got - expected) < 1e-6
        assert untied.mean() > 0.99


def test_a_model_numpy_cannot_run_explains_itself_through_keras(tmp_path, mnist):
    import keras

    inputs = keras.Input((28, 28))
    x = keras.layers.Reshape((28, 28, 1))(keras.layers.Rescaling(1 / 255)(inputs))
    x = keras.layers.AveragePooling2D(2)(keras.layers.Conv2D(4, 3, activation="relu")(x))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x)))
    model.save(tmp_path / "avg.keras")
    predictor = Predictor.load(tmp_path / "avg.keras")
    assert predictor.backend == "keras"
    seen = inside.inside(predictor)
    x = predictor.model_input(mnist.x_test[:3])
    names = [name for name, _, _ in seen.layer_outputs(x)]
    assert names == [layer.name for layer in model.layers[1:]]
    hidden, logits = seen.hidden_and_logits(x)
    np.testing.assert_allclose(numpy_model.ACTIVATIONS["softmax"](logits, logits.copy()), model(x), atol=1e-5)
    assert hidden.shape == (3, 13 * 13 * 4)
