"""The "not a digit" detector: scores, fitting, thresholds, its file, the generic rule."""

import numpy as np
import pytest

from mnist_demo import novelty
from mnist_demo.novelty import Detector, DetectorFileError


def clouds(n=400, features=8, seed=0):
    """Digits: ten tight clusters, one per class; non-digits: a broad cloud around the origin."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 4, (10, features)) + 6
    labels = np.arange(n) % 10
    digits = centers[labels] + rng.normal(0, 0.5, (n, features))
    others = rng.normal(0, 2.0, (n, features))
    kernel = np.linalg.lstsq(centers - centers.mean(0), np.eye(10) * 8, rcond=None)[0]
    return digits, labels, others, kernel, np.zeros(10)


def test_energy_is_logsumexp():
    z = np.array([[0.0, 0.0], [10.0, -10.0]])
    np.testing.assert_allclose(novelty.energy(z), np.log(np.exp(z).sum(axis=1)))


def test_threshold_flags_the_asked_share():
    scores = np.arange(1000, dtype=float)
    threshold = novelty.threshold_for(scores, 0.01)
    assert np.mean(scores < threshold) == pytest.approx(0.01, abs=0.002)


@pytest.mark.parametrize("kind", novelty.SCORES)
def test_every_score_ranks_the_digits_above_most_non_digits(kind):
    digits, labels, others, kernel, bias = clouds()
    detector = novelty.fitted_detector(kernel, bias, (digits, labels), others, digits, 0.01, kind=kind)
    assert np.mean(detector.is_digit(digits)) >= 0.98
    if kind in ("mahalanobis", "logistic"):
        assert np.mean(detector.is_digit(others)) < 0.05


def test_a_detector_file_round_trips_and_keeps_every_score(tmp_path):
    digits, labels, others, kernel, bias = clouds()
    detector = novelty.fitted_detector(kernel, bias, (digits, labels), others, digits, 0.01)
    path = detector.save(tmp_path / "m.detector.npz")
    loaded = Detector.load(path)
    assert loaded.kind == "logistic" and set(loaded.thresholds) == set(novelty.SCORES)
    np.testing.assert_allclose(loaded.scores(others), detector.scores(others))
    for kind in novelty.SCORES:
        expected = detector.with_kind(kind).is_digit(others)
        np.testing.assert_array_equal(loaded.with_kind(kind).is_digit(others), expected)
    assert not list(tmp_path.glob(".*tmp"))


def test_a_broken_detector_file_is_a_detector_error(tmp_path):
    path = tmp_path / "m.detector.npz"
    path.write_bytes(b"not a zip")
    with pytest.raises(DetectorFileError):
        Detector.load(path)


def test_a_detector_refuses_a_model_whose_last_layer_differs():
    digits, labels, others, kernel, bias = clouds()
    detector = novelty.fitted_detector(kernel, bias, (digits, labels), others, digits, 0.01)
    detector.check_matches(digits[:5], novelty.softmax(digits[:5] @ kernel + bias))
    with pytest.raises(DetectorFileError, match="another model"):
        detector.check_matches(digits[:5], novelty.softmax(digits[:5] @ (kernel * 2) + bias))


def test_the_generic_rule_wants_a_confident_class():
    sure = np.eye(10)[:1] * 0.9 + 0.01
    unsure = np.full((1, 10), 0.1)
    assert novelty.generic_is_digit(np.concatenate([sure, unsure])).tolist() == [True, False]


def test_detector_path_sits_next_to_the_model():
    assert novelty.detector_path("models/default.keras").as_posix() == "models/default.detector.npz"
