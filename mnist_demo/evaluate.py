"""Evaluating a model on a test set: the numbers and pictures the tutorials end with."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Evaluation:
    test_loss: float
    test_accuracy: float
    probabilities: np.ndarray
    predictions: np.ndarray
    labels: np.ndarray
    confusion: np.ndarray

    @property
    def per_class_accuracy(self) -> np.ndarray:
        totals = self.confusion.sum(axis=1)
        return np.divide(np.diag(self.confusion), totals, out=np.zeros(len(totals)), where=totals > 0)

    @property
    def misclassified(self) -> np.ndarray:
        """Indices into the test set where the prediction is wrong."""
        return np.flatnonzero(self.predictions != self.labels)

    def first(self, n: int = 10) -> list[tuple[int, int, int]]:
        """(index, label, prediction) of the first n test images, the tutorials' argmax check."""
        return [(i, int(self.labels[i]), int(self.predictions[i])) for i in range(min(n, len(self.labels)))]

    def most_confused(self) -> tuple[int, int]:
        """(true, predicted) of the largest off-diagonal cell of the confusion matrix."""
        return most_confused(self.confusion)

    def pair_indices(self, true_class: int, predicted_class: int) -> np.ndarray:
        """Test images of one confusion-matrix cell."""
        return np.flatnonzero((self.labels == true_class) & (self.predictions == predicted_class))


def most_confused(confusion: np.ndarray) -> tuple[int, int]:
    """(true, predicted) of the largest off-diagonal cell of a confusion matrix."""
    off = np.array(confusion, dtype=np.int64)
    np.fill_diagonal(off, -1)
    true_class, predicted = np.unravel_index(int(np.argmax(off)), off.shape)
    return int(true_class), int(predicted)


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Rows: true class; columns: predicted class."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels, int), np.asarray(predictions, int)), 1)
    return matrix


def cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean categorical cross-entropy, clipped as Keras clips it."""
    p = np.clip(probabilities[np.arange(len(labels)), np.asarray(labels, int)], 1e-7, 1.0)
    return float(-np.mean(np.log(p)))


def evaluate_probabilities(probabilities: np.ndarray, labels: np.ndarray) -> Evaluation:
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.argmax(probabilities, axis=1)
    return Evaluation(
        test_loss=cross_entropy(probabilities, labels),
        test_accuracy=float(np.mean(predictions == labels)) if len(labels) else 0.0,
        probabilities=probabilities,
        predictions=predictions,
        labels=labels,
        confusion=confusion_matrix(labels, predictions, probabilities.shape[1]),
    )


def evaluate(predictor, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Evaluate a `Predictor` on uint8 images (N, 28, 28) with integer labels."""
    return evaluate_probabilities(predictor.predict_images(images), labels)
