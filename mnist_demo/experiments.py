"""What a finished normalization experiment showed, in numbers the Compare page explains."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NormalizationFindings:
    normalized_accuracy: float
    raw_accuracy: float
    normalized_roughness: float
    raw_roughness: float
    raw_test_above_train: bool
    raw_diverged: bool


def roughness(batch_loss) -> float:
    """How erratic a loss curve is: the median size of its batch-to-batch jumps relative to its level."""
    values = np.asarray(batch_loss, dtype=float)
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
