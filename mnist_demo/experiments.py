"""What a finished normalization experiment showed, in numbers the Compare page explains."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .training import SMOOTHING


@dataclass(frozen=True)
class NormalizationFindings:
    normalized_accuracy: float
    raw_accuracy: float
    normalized_roughness: float
    raw_roughness: float
    raw_test_above_train: bool
    raw_diverged: bool


SAME_ACCURACY = 0.005  # half a percentage point: closer than that, the two runs did equally well
SAME_ROUGHNESS = 0.15  # relative: roughness within 15 % of each other reads as equally rough


def unsmoothed(batch_loss, smoothing: float = SMOOTHING) -> np.ndarray:
    """The per-batch losses behind a curve smoothed as `training.ProgressRecord` smooths it
    (s[t] = a s[t-1] + (1 - a) x[t], the first point as is): the exact inverse."""
    s = np.asarray(batch_loss, dtype=float)
    if len(s) < 2:
        return s
    return np.concatenate([s[:1], (s[1:] - smoothing * s[:-1]) / (1 - smoothing)])


def roughness(batch_loss) -> float:
    """How erratic a run's training is: the median size of its batch-to-batch jumps in loss, relative
    to the loss's level, measured on the batches' own losses (not the smoothed curve)."""
    values = unsmoothed(batch_loss)
    values = values[np.isfinite(values)]
    if len(values) < 3:
        return 0.0
    jumps = np.abs(np.diff(values))
    return float(np.median(jumps) / max(np.median(np.abs(values)), 1e-9))


def normalization_findings(normalized, raw) -> NormalizationFindings:
    """Compare two finished Snapshots of the same model trained with and without / 255."""
    raw_epochs = raw.epochs
    test_above_train = any(
        e.val_accuracy is not None and e.val_accuracy > e.accuracy for e in raw_epochs
    )
    diverged = not np.isfinite(raw.test_loss if raw.test_loss is not None else np.nan) or (
        raw.test_accuracy is not None and raw.test_accuracy < 0.2
    )
    return NormalizationFindings(
        normalized_accuracy=float(normalized.test_accuracy or 0.0),
        raw_accuracy=float(raw.test_accuracy or 0.0),
        normalized_roughness=roughness(normalized.batch_loss),
        raw_roughness=roughness(raw.batch_loss),
        raw_test_above_train=test_above_train,
        raw_diverged=bool(diverged),
    )


def normalization_story(found: NormalizationFindings) -> list[tuple[str, dict]]:
    """What the Compare page says about an experiment, as (catalog key, values) sentences, each one
    true of these numbers: which run tested better (or that they tied), which trained more erratically
    (or that they were alike), and why, or why not this time."""
    norm, raw = found.normalized_accuracy, found.raw_accuracy
    values = {"norm": f"{norm:.2%}", "raw": f"{raw:.2%}", "norm_rough": f"{found.normalized_roughness:.3f}",
              "raw_rough": f"{found.raw_roughness:.3f}"}
    gap = norm - raw
    accuracy = "normalized_better" if gap > SAME_ACCURACY else "raw_better" if gap < -SAME_ACCURACY else "same"
    story = [(f"compare.accuracy_{accuracy}", values)]
    rough_norm, rough_raw = found.normalized_roughness, found.raw_roughness
    if abs(rough_raw - rough_norm) <= SAME_ROUGHNESS * max(rough_raw, rough_norm, 1e-12):
        story.append(("compare.roughness_same", values))
    else:
        story.append((f"compare.roughness_raw_{'rougher' if rough_raw > rough_norm else 'smoother'}", values))
    if found.raw_diverged:
        story.append(("compare.diverged", {}))
    story.append(("compare.why" if accuracy == "normalized_better" else "compare.why_not_this_time", {}))
    if found.raw_test_above_train:
        story.append(("compare.test_above_train", {}))
    return story


def batch_norm_lag(spec, snap, gap: float = 0.1) -> float | None:
    """The last batches' accuracy when a batch-norm model stopped early tests far below it (by more
    than `gap`): its running statistics have not caught up yet. None when that is not the story."""
    if not spec.batch_norm or snap.test_accuracy is None or not snap.batch_accuracy or snap.epochs:
        return None
    recent = float(snap.batch_accuracy[-1])
    return recent if recent - snap.test_accuracy > gap else None
