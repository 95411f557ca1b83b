
import numpy as np
import pytest

from mnist_demo.canvas import CANVAS_SIZE
from mnist_demo.models import preset
from mnist_demo.predict import Predictor
from mnist_demo.storage import ModelInfo, default_model_path, save_model
from mnist_demo.training import RunConfig, TrainingQueue, TrainingRun


@pytest.fixture(scope="module")
def trained(mnist, tmp_path_factory):
    run = TrainingRun(preset("mlp-64"), mnist, RunConfig(train_limit=10000, test_limit=1000),
                      queue=TrainingQueue(1)).start()
    run.join()
    folder = tmp_path_factory.mktemp("models")
    path = save_model(run.model, "small", ModelInfo(name="small"), folder)
    return run, path


def test_predict_images_matches_keras_predict(trained, mnist):
    run, path = trained
    predictor = Predictor.load(path)
    probs = predictor.predict_images(mnist.x_test[:50])
    expected = run.model.predict(mnist.x_test[:50], verbose=0)
    np.testing.assert_allclose(probs, expected, atol=1e-5)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert np.mean(probs.argmax(axis=1) == mnist.y_test[:50]) > 0.8


def test_first_ten_test_digits(trained, mnist):
    predictor = Predictor.load(trained[1])
    predicted = predictor.predict_images(mnist.x_test[:10]).argmax(axis=1)
    assert np.sum(predicted == mnist.y_test[:10]) >= 8


def test_blank_canvas_is_not_a_prediction(trained):
    predictor = Predictor.load(trained[1])
    blank = np.zeros((CANVAS_SIZE, CANVAS_SIZE, 4), np.uint8)
    blank[..., 3] = 255
    assert predictor.predict_canvas(blank) is None


def test_mnist_digit_pasted_on_a_canvas_is_recognised(trained, mnist):
    predictor = Predictor.load(trained[1])
    right = 0
    for i in range(20):
        big = np.kron(mnist.x_test[i], np.ones((10, 10), np.uint8))
        rgba = np.dstack([big, big, big, np.full_like(big, 255)])
        pred = predictor.predict_canvas(rgba)
        assert pred.image.shape == (28, 28) and pred.probabilities.shape == (10,)
        right += pred.digit == mnist.y_test[i]
    assert right >= 16


def test_foreign_flat_input_model_gets_the_sidecar_scaling(tmp_path, mnist):
    """A tutorial-style model: 784 inputs, no scaling layer, trained on x / 255."""
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile("rmsprop", "sparse_categorical_crossentropy")
    model.fit(mnist.x_train[:5000].reshape(-1, 784) / 255.0, mnist.y_train[:5000], epochs=2, verbose=0)
    path = tmp_path / "flat.keras"
    model.save(path)
    predictor = Predictor.load(path)
    assert predictor.input_scale == pytest.approx(1 / 255) and predictor.input_shape == (784,)
    accuracy = np.mean(predictor.predict_images(mnist.x_test[:500]).argmax(1) == mnist.y_test[:500])
    assert accuracy > 0.8


def test_shipped_default_model_loads_and_is_accurate(mnist):
    if not default_model_path().exists():
        pytest.fail("models/default.keras is missing: train it with the command in the README")
    predictor = Predictor.load(default_model_path())
    assert predictor.info.normalize is True
    accuracy = np.mean(predictor.predict_images(mnist.x_test).argmax(1) == mnist.y_test)
    assert accuracy >= 0.993
    assert default_model_path().stat().st_size < 2 * 2**20


def test_predict_images_reports_progress_after_each_batch(default_predictor, mnist):
    calls = []
    probs = default_predictor.predict_images(mnist.x_test[:2500], batch_size=1000,
                                             on_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1000, 2500), (2000, 2500), (2500, 2500)]
    np.testing.assert_allclose(probs, default_predictor.predict_images(mnist.x_test[:2500]), rtol=1e-5, atol=1e-7)


def _canvas(strokes, seed=0):
    from mnist_demo.render import render_strokes

    return render_strokes(strokes, fraction=0.6, rng=np.random.default_rng(seed))


def test_shipped_model_has_its_detector_and_runs_in_numpy(default_predictor):
    assert default_predictor.backend == "numpy"
    assert default_predictor.detector_problem is None
    assert default_predictor.detector_kind == default_predictor.info.extra["detector"]["kind"]


def test_a_scribble_is_not_a_digit_and_a_clear_seven_is(default_predictor):
    from harness.drawing import SEVEN
    from mnist_demo.negatives import scribble, shape

    seven = default_predictor.predict_canvas(_canvas(SEVEN))
    assert seven.digit == 7 and seven.is_digit is True
    for strokes in (scribble(np.random.default_rng(5), turns=14), shape("star", np.random.default_rng(0))):
        prediction = default_predictor.predict_canvas(_canvas(strokes))
        assert prediction.is_digit is False
        assert prediction.digit in range(10)  # the forced answer is still there


def test_a_model_without_detector_data_answers_by_the_generic_rule(trained, mnist):
    from mnist_demo.novelty import generic_is_digit

    predictor = Predictor.load(trained[1])
    assert predictor.detector_kind == "generic"
    probabilities, is_digit = predictor.predict_with_verdicts(mnist.x_test[:50])
    np.testing.assert_array_equal(is_digit, generic_is_digit(probabilities))
    big = np.kron(mnist.x_test[0], np.ones((10, 10), np.uint8))
    prediction = predictor.predict_canvas(np.dstack([big, big, big, np.full_like(big, 255)]))
    assert prediction.is_digit == bool(generic_is_digit(prediction.probabilities[None])[0])


def test_a_detector_saved_for_another_model_is_not_used(trained):
    import shutil

    from mnist_demo.novelty import detector_path

    path = trained[1]
    shutil.copy(detector_path(default_model_path()), detector_path(path))
    try:
        predictor = Predictor.load(path)
    finally:
        detector_path(path).unlink()
    assert predictor.detector_kind == "generic"
    assert "another model" in predictor.detector_problem
