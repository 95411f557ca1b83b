import numpy as np
import pytest

from mnist_demo.evaluate import confusion_matrix, cross_entropy, evaluate_probabilities


def test_confusion_matrix_rows_are_true_columns_predicted():
    m = confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]


def test_evaluation_numbers():
    labels = np.array([0, 1, 2, 2])
    probs = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.0, 0.0, 1.0]])
    ev = evaluate_probabilities(probs, labels)
    assert ev.test_accuracy == 0.75
    assert ev.misclassified.tolist() == [2]
    assert ev.per_class_accuracy.tolist() == [1.0, 1.0, 0.5]
    assert ev.pair_indices(2, 1).tolist() == [2]
    assert ev.first(2) == [(0, 0, 0), (1, 1, 1)]
    expected = -np.mean(np.log([0.9, 0.8, 0.1, 1.0 - 1e-7]))
    assert ev.test_loss == pytest.approx(expected, rel=1e-4)


def test_cross_entropy_is_clipped_like_keras():
    assert cross_entropy(np.array([[0.0, 1.0]]), np.array([0])) == pytest.approx(-np.log(1e-7))


def test_loss_matches_keras(mnist):
    import keras

    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(10), size=100).astype("float32")
    labels = rng.integers(0, 10, 100)
    keras_loss = float(keras.losses.SparseCategoricalCrossentropy()(labels, probs))
    assert cross_entropy(probs, labels) == pytest.approx(keras_loss, rel=1e-4)
