"""What the normalization experiment says follows from its two runs' numbers, whichever way they went."""

import numpy as np
import pytest

from mnist_demo import i18n
from mnist_demo.experiments import (
    NormalizationFindings,
    batch_norm_lag,
    normalization_findings,
    normalization_story,
    roughness,
    unsmoothed,
)
from mnist_demo.models import preset
from mnist_demo.training import SMOOTHING, EpochResult, Snapshot


def _smoothed(losses) -> tuple[float, ...]:
    out = [losses[0]]
    for x in losses[1:]:
        out.append(SMOOTHING * out[-1] + (1 - SMOOTHING) * x)
    return tuple(out)


def _run(level: float, jitter: float, accuracy: float, seed: int = 0) -> Snapshot:
    """A finished run whose batch losses sit at `level` and jump by about `jitter` of it."""
    rng = np.random.default_rng(seed)
    losses = level * (1 + jitter * rng.standard_normal(400))
    epochs = (EpochResult(1, float(losses.mean()), accuracy, level, accuracy, 1.0),)
    return Snapshot(state="finished", batch_loss=_smoothed(np.abs(losses)), epochs=epochs, test_accuracy=accuracy,
                    test_loss=level)


def _story(normalized, raw) -> dict[str, dict]:
    return dict(normalization_story(normalization_findings(normalized, raw)))


def test_roughness_is_measured_on_the_batches_own_losses_not_the_smoothed_curve():
    losses = np.abs(1 + 0.3 * np.random.default_rng(1).standard_normal(300))
    np.testing.assert_allclose(unsmoothed(_smoothed(losses)), losses, rtol=1e-9)
    assert roughness(_smoothed(losses)) == pytest.approx(roughness_of(losses), rel=1e-6)
    assert roughness(_smoothed(losses)) > 5 * roughness_of(_smoothed(losses))  # smoothing hid most of it


def roughness_of(values) -> float:
    values = np.asarray(values)
    return float(np.median(np.abs(np.diff(values))) / np.median(np.abs(values)))


@pytest.mark.parametrize("raw_jitter, raw_seed, expected", [(0.6, 2, "compare.roughness_raw_rougher"),
                                                            (0.05, 2, "compare.roughness_raw_smoother"),
                                                            (0.21, 0, "compare.roughness_same")])
def test_the_roughness_sentence_says_what_the_numbers_say(raw_jitter, raw_seed, expected):
    story = _story(_run(0.3, 0.2, 0.97), _run(150.0, raw_jitter, 0.90, seed=raw_seed))
    keys = [k for k in story if k.startswith("compare.roughness")]
    assert keys == [expected]
    values = story[expected]
    norm, raw = float(values["norm_rough"]), float(values["raw_rough"])
    if expected.endswith("rougher"):
        assert raw > norm
    elif expected.endswith("smoother"):
        assert raw < norm
    else:
        assert abs(raw - norm) <= 0.15 * max(raw, norm)
    # Never two equal numbers offered as a difference:
    assert values["norm_rough"] != values["raw_rough"] or expected.endswith("same")


@pytest.mark.parametrize("raw_accuracy, expected, why", [
    (0.90, "compare.accuracy_normalized_better", "compare.why"),
    (0.98, "compare.accuracy_raw_better", "compare.why_not_this_time"),
    (0.9702, "compare.accuracy_same", "compare.why_not_this_time"),
])
def test_the_result_and_its_why_follow_the_accuracies(raw_accuracy, expected, why):
    story = _story(_run(0.3, 0.2, 0.97), _run(150.0, 0.6, raw_accuracy, seed=2))
    assert expected in story and why in story
    assert ("compare.why" in story) != ("compare.why_not_this_time" in story)
    for key, values in story.items():  # every sentence renders in both languages with its numbers
        for lang in ("en", "ja"):
            i18n.translate(key, lang, **values)


def test_a_diverged_raw_run_is_said_to_have_diverged():
    found = NormalizationFindings(0.97, 0.11, 0.02, 0.5, False, True)
    assert "compare.diverged" in dict(normalization_story(found))


def test_batch_norm_lag_is_told_only_for_a_batch_norm_model_stopped_before_its_statistics_caught_up():
    stopped = Snapshot(state="stopped", batch_accuracy=(0.5, 0.85), test_accuracy=0.29)
    assert batch_norm_lag(preset("cnn-fast"), stopped) == pytest.approx(0.85)
    assert batch_norm_lag(preset("keras-mnist-cnn"), stopped) is None  # no batch norm
    caught_up = Snapshot(state="stopped", batch_accuracy=(0.5, 0.85), test_accuracy=0.83)
    assert batch_norm_lag(preset("cnn-fast"), caught_up) is None
