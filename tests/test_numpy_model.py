import subprocess
import sys

import numpy as np
import pytest

from mnist_demo import numpy_model
from mnist_demo.models import PRESETS, build_model
from mnist_demo.predict import Predictor
from mnist_demo.storage import ModelFileError, default_model_path

from .conftest import ROOT


def _with_moved_batch_norm_statistics(model, seed: int = 0):
    """Fresh batch-norm layers have mean 0 and variance 1, which hides a wrong formula."""
    import keras

    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.set_weights([w + rng.random(w.shape, np.float32) for w in layer.get_weights()])
    return model


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_runs_in_numpy_exactly_like_keras(name, normalize, mnist, tmp_path):
    import keras

    keras.utils.set_random_seed(1)
    model = _with_moved_batch_norm_statistics(build_model(PRESETS[name], normalize=normalize))
    model.save(tmp_path / "m.keras")
    x = mnist.x_test[:32].astype(np.float32)
    expected = np.asarray(model(x, training=False))
    got = numpy_model.load(tmp_path / "m.keras")(x)
    assert got.shape == (32, 10)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_shipped_model_gives_the_same_predictions_in_numpy_and_keras(mnist):
    from mnist_demo.storage import load_keras_model

    x = mnist.x_test[:300].astype(np.float32)
    got = numpy_model.load(default_model_path())(x)
    expected = load_keras_model(default_model_path()).predict(x, verbose=0)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert np.array_equal(got.argmax(1), expected.argmax(1))


def test_predicting_with_the_shipped_model_never_imports_tensorflow():
    """What makes the Draw page fast on a cold server: no TensorFlow import on its path."""
    code = (
        "import sys, numpy as np\n"
        "from mnist_demo.predict import Predictor\n"
        "from mnist_demo.storage import default_model_path\n"
        "from mnist_demo.render import render_strokes\n"
        "from harness.drawing import SEVEN\n"
        "p = Predictor.load(default_model_path())\n"
        "rgba = render_strokes(SEVEN, size=280, stroke_width=18, fraction=0.6)\n"
        "print(p.backend, p.predict_canvas(rgba).digit, 'tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["numpy", "7", "False", "False"]


def _keras_file(tmp_path, build):
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((28, 28), name="pixels")
    model = keras.Model(inputs, build(keras, inputs))
    path = tmp_path / "other.keras"
    model.save(path)
    return model, path


def _strided(keras, x):
    x = keras.layers.Reshape((28, 28, 1))(x)
    x = keras.layers.Conv2D(4, 3, strides=2, activation="relu")(x)
    return keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x))


def _branched(keras, x):
    flat = keras.layers.Flatten()(x)
    return keras.layers.Dense(10, activation="softmax")(keras.layers.Add()([flat, flat]))


def _average_pooled(keras, x):
    x = keras.layers.Reshape((28, 28, 1))(x)
    x = keras.layers.AveragePooling2D(2)(keras.layers.Conv2D(4, 3, activation="relu")(x))
    return keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x))


@pytest.mark.parametrize("build", [_strided, _branched, _average_pooled])
def test_models_numpy_cannot_run_are_left_to_keras(build, tmp_path, mnist):
    model, path = _keras_file(tmp_path, build)
    with pytest.raises(numpy_model.Unsupported):
        numpy_model.load(path)
    predictor = Predictor.load(path)
    assert predictor.backend == "keras"
    x = mnist.x_test[:8]
    np.testing.assert_allclose(predictor.predict_images(x), model.predict(x / 255.0, verbose=0), atol=1e-5)


def test_a_lambda_layer_is_refused_before_numpy_or_keras_reads_it(tmp_path):
    import keras

    inputs = keras.Input((28, 28))
    x = keras.layers.Lambda(lambda t: t * 2.0)(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
    model.save(tmp_path / "lambda.keras")
    for load in (numpy_model.load, Predictor.load):
        with pytest.raises(ModelFileError) as refused:
            load(tmp_path / "lambda.keras")
        assert refused.value.reason == "unsafe"


def test_damaged_weights_are_refused_by_both_paths(tmp_path):
    import zipfile

    source = zipfile.ZipFile(default_model_path())
    with zipfile.ZipFile(tmp_path / "damaged.keras", "w") as out:
        for item in source.namelist():
            data = source.read(item)
            out.writestr(item, data[: len(data) // 2] if item.endswith(".h5") else data)
    for load in (numpy_model.load, Predictor.load):
        with pytest.raises(ModelFileError) as broken:
            load(tmp_path / "damaged.keras")
        assert broken.value.reason == "weights"
        assert str(broken.value) == "damaged.keras: its weights (model.weights.h5) are damaged or not an HDF5 file"


def test_convolution_and_pooling_match_their_definitions():
    rng = np.random.default_rng(0)
    x = rng.random((2, 6, 5, 3), np.float32)
    kernel = rng.random((3, 3, 3, 4), np.float32)
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    naive = np.zeros((2, 6, 5, 4), np.float32)
    for r in range(6):
        for c in range(5):
            naive[:, r, c] = np.einsum("nhwc,hwcf->nf", padded[:, r : r + 3, c : c + 3], kernel)
    np.testing.assert_allclose(numpy_model.conv2d(x, kernel, "same"), naive, rtol=1e-5)
    np.testing.assert_allclose(numpy_model.conv2d(x, kernel, "valid"), naive[:, 1:-1, 1:-1], rtol=1e-5)
    pooled = numpy_model.max_pool(x, (2, 2), (2, 2))
    assert pooled.shape == (2, 3, 2, 3)
    assert pooled[1, 2, 1, 2] == x[1, 4:6, 2:4, 2].max()


def _unfused_layers(keras, x):
    """Odd sizes, a biased convolution before its batch norm, a batch norm that cannot be folded
    (after a ReLU), a pool after valid padding: the cases the presets do not build."""
    x = keras.layers.Reshape((28, 28, 1))(x)
    x = keras.layers.Conv2D(6, 3, padding="same")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Activation("relu")(x)
    x = keras.layers.Conv2D(8, 3, activation="relu")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(8, 5, padding="same", activation="tanh")(x)
    x = keras.layers.MaxPooling2D(3)(x)
    return keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x))


def test_folded_and_unfolded_layers_match_keras(tmp_path, mnist):
    model, path = _keras_file(tmp_path, _unfused_layers)
    _with_moved_batch_norm_statistics(model, seed=3).save(path)
    x = mnist.x_test[:20].astype(np.float32) / 255
    np.testing.assert_allclose(numpy_model.load(path)(x), model(x, training=False), rtol=1e-4, atol=1e-5)


def test_the_shipped_model_runs_as_four_fused_convolutions():
    """Batch norm, ReLU and pooling are folded into the convolutions (so the exactness tests
    above cover the folded maths), and each convolution pads the next one's input."""
    model = numpy_model.load(default_model_path())
    convs = [step for step in model._steps if isinstance(step, numpy_model.Conv)]
    assert len(convs) == 4 and len(model._steps) == 4 + 5  # rescale, reshape, flatten, two dense
    assert [conv.pool for conv in convs] == [None, (2, 2), None, (2, 2)]
    assert [conv.pad_in for conv in convs][1:] == [numpy_model.NO_PADDING] * 3
    assert convs[-1].pad_out == numpy_model.NO_PADDING and convs[0].pad_out == ((1, 1), (1, 1))


def test_chunks_and_patch_blocks_do_not_change_the_answer(mnist, monkeypatch):
    model = numpy_model.load(default_model_path())
    x = mnist.x_test[:37].astype(np.float32)
    whole = model(x)
    one_by_one = np.concatenate([model(x[i : i + 1]) for i in range(len(x))])
    monkeypatch.setattr(numpy_model, "PATCH_BYTES", 1)  # a patch matrix of one image at a time
    model.chunk = 5  # 37 = 7 x 5 + 2: a short last chunk
    small = model(x)
    np.testing.assert_allclose(one_by_one, whole, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(small, whole, rtol=1e-5, atol=1e-7)
    assert np.array_equal(small.argmax(1), whole.argmax(1))


def test_calls_from_several_threads_get_their_own_answers_each_on_one_blas_thread(mnist):
    """Even in a thread that used BLAS before (a page's thread has), where a process-wide limit
    set from that thread does not hold."""
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_info

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    model = numpy_model.load(default_model_path())
    model.chunk = 4
    batches = [mnist.x_test[i * 50 : i * 50 + 40 + i].astype(np.float32) for i in range(6)]
    alone = [model(batch) for batch in batches]
    seen = []

    def call(batch):
        square = np.ones((300, 300), np.float32)
        square @ square  # BLAS used by this thread first, at its own thread count
        out = model(batch)
        seen.append(blas_threads())
        return out

    with ThreadPoolExecutor(3) as pool:
        together = list(pool.map(call, batches))
    assert seen and all(threads == [1] * len(threads) for threads in seen)
    for got, expected in zip(together, alone, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
