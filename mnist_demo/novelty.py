""""This doesn't look like a digit": a detector beside the classifier's forced answer.

The classifier's softmax always picks one of ten digits; that is kept, and worth seeing.
The detector reads what the model computed on the way, the features the last layer
receives (h, the penultimate layer) and the logits z = h W + b, and scores how much the
drawing looks like a digit (higher: more). A drawing is a digit when its score reaches a
threshold calibrated so that only a small share of real drawn digits fall below it.

Scores compared (`SCORES`), each measured in `bench.drawn_digits`:

- "msp": the largest softmax probability (Hendrycks & Gimpel 2017);
- "energy": logsumexp(z), the negative free energy (Liu et al. 2020);
- "mahalanobis": minus the smallest squared Mahalanobis distance of h to a class mean,
  with one shared covariance (Lee et al. 2018);
- "logistic": a logistic regression on standardized [h, z, energy], fitted on digits
  against generated non-digits (`negatives`).

What a detector needs beyond the `.keras` file (the last layer's W and b, the score's
parameters, the threshold) is saved next to it as `<model>.detector.npz` and loaded by
`predict.Predictor.load`. A model without one (a learner's fresh run) gets the generic
rule `GENERIC_MIN_CONFIDENCE` on its largest probability.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .storage import atomic_write

SCORES = ("msp", "energy", "mahalanobis", "logistic")
DETECTOR_SUFFIX = ".detector.npz"
FORMAT_VERSION = 1
# The generic rule for a model without detector data: a drawing is a digit when the model
# gives some class at least this probability. See the README's drawn-digits table for what
# it catches on the previous shipped model, which was trained without non-digits.
GENERIC_MIN_CONFIDENCE = 0.5


class DetectorFileError(Exception):
    """A detector file that cannot be used with its model; `key` and `values` say why."""

    def __init__(self, message: str, key: str = "detector", **values):
        super().__init__(message)
        self.key = key
        self.values = values


def detector_path(model_path: str | os.PathLike) -> Path:
    path = Path(model_path)
    return path.with_name(path.stem + DETECTOR_SUFFIX)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def energy(z: np.ndarray) -> np.ndarray:
    top = z.max(axis=-1)
    return top + np.log(np.exp(z - top[:, None]).sum(axis=-1))


def logistic_inputs(hidden: np.ndarray, logits: np.ndarray) -> np.ndarray:
    return np.concatenate([hidden, logits, energy(logits)[:, None]], axis=1).astype(np.float64)


def _sigmoid(t: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(t, -40, 40)))


def fit_logistic(x: np.ndarray, is_digit: np.ndarray, l2: float = 1e-3, steps: int = 400) -> dict[str, np.ndarray]:
    """Logistic regression on standardized inputs, both classes weighted equally, fitted by
    full-batch Adam on the mean log loss plus `l2` times the squared weights."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    xs = (x - mean) / scale
    y = is_digit.astype(np.float64)
    weight = np.where(y > 0, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))
    w, b = np.zeros(x.shape[1]), 0.0
    m, v = np.zeros(x.shape[1] + 1), np.zeros(x.shape[1] + 1)
    for t in range(1, steps + 1):
        p = _sigmoid(xs @ w + b)
        g = weight * (p - y)
        grad = np.append(xs.T @ g + 2 * l2 * w, g.sum())
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        step = 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        w, b = w - step[:-1], b - step[-1]
    return {"mean": mean, "scale": scale, "weights": w, "bias": np.array(b)}


def fit_mahalanobis(hidden: np.ndarray, labels: np.ndarray, num_classes: int = 10) -> dict[str, np.ndarray]:
    means = np.stack([hidden[labels == c].mean(axis=0) for c in range(num_classes)])
    centered = hidden - means[labels]
    covariance = centered.T @ centered / len(hidden) + 1e-3 * np.eye(hidden.shape[1])
    return {"class_means": means, "precision": np.linalg.inv(covariance)}


def score(kind: str, params: dict[str, np.ndarray], hidden: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """How digit-like each input is (N,), higher is more; `params` from `fit_params`."""
    if kind == "msp":
        return softmax(logits).max(axis=1)
    if kind == "energy":
        return energy(logits)
    if kind == "mahalanobis":
        d = hidden[:, None, :] - params["class_means"][None]
        return -np.einsum("ncf,fg,ncg->nc", d, params["precision"], d).min(axis=1)
    if kind == "logistic":
        xs = (logistic_inputs(hidden, logits) - params["mean"]) / params["scale"]
        return xs @ params["weights"] + params["bias"]
    raise ValueError(f"unknown score {kind!r}; choose one of {SCORES}")


def fit_params(
    kind: str, hidden: np.ndarray, logits: np.ndarray, labels: np.ndarray, negative_hidden: np.ndarray,
    negative_logits: np.ndarray,
) -> dict[str, np.ndarray]:
    """The parameters of one score, from digits (hidden, logits, labels) and non-digits."""
    if kind in ("msp", "energy"):
        return {}
    if kind == "mahalanobis":
        return fit_mahalanobis(hidden, labels)
    if kind == "logistic":
        x = np.concatenate([logistic_inputs(hidden, logits), logistic_inputs(negative_hidden, negative_logits)])
        y = np.concatenate([np.ones(len(hidden)), np.zeros(len(negative_hidden))])
        return fit_logistic(x, y)
    raise ValueError(f"unknown score {kind!r}; choose one of {SCORES}")


def threshold_for(digit_scores: np.ndarray, flag_rate: float) -> float:
    """The score below which `flag_rate` of these digits fall."""
    return float(np.quantile(np.asarray(digit_scores, np.float64), flag_rate))


@dataclass
class Detector:
    """The last layer (kernel W, bias b) the logits are computed with from the features, and
    for each fitted score its parameters and threshold; `kind` is the one that decides.
    The others are kept so that the benchmark can report what each would have given."""

    kind: str
    kernel: np.ndarray
    bias: np.ndarray
    thresholds: dict[str, float]
    params: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in self.thresholds:
            raise ValueError(f"no threshold for the chosen score {self.kind!r}")

    def with_kind(self, kind: str) -> Detector:
        return Detector(kind, self.kernel, self.bias, self.thresholds, self.params)

    @property
    def threshold(self) -> float:
        return self.thresholds[self.kind]

    def logits(self, hidden: np.ndarray) -> np.ndarray:
        return np.asarray(hidden, np.float64) @ self.kernel + self.bias

    def scores(self, hidden: np.ndarray) -> np.ndarray:
        hidden = np.asarray(hidden, np.float64)
        return score(self.kind, self.params.get(self.kind, {}), hidden, self.logits(hidden))

    def is_digit(self, hidden: np.ndarray) -> np.ndarray:
        return self.scores(hidden) >= self.threshold

    def save(self, path: str | os.PathLike) -> Path:
        """Written atomically: to a temp file in the same folder, then renamed over `path`."""
        path = Path(path)
        arrays = {f"threshold__{k}": np.array(v) for k, v in self.thresholds.items()}
        for kind, params in self.params.items():
            arrays.update({f"param__{kind}__{name}": np.asarray(v) for name, v in params.items()})
        buffer = io.BytesIO()
        np.savez_compressed(buffer, version=np.array(FORMAT_VERSION), kind=np.array(self.kind),
                            kernel=self.kernel, bias=self.bias, **arrays)
        atomic_write(path, lambda tmp: tmp.write_bytes(buffer.getvalue()))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Detector:
        """A detector file; only arrays are read (no pickles)."""
        name = Path(path).name
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                if int(data["version"]) != FORMAT_VERSION:
                    raise DetectorFileError(f"{name}: detector format {int(data['version'])}", "version")
                thresholds, params = {}, {}
                for key in data.files:
                    parts = key.split("__")
                    if parts[0] == "threshold" and len(parts) == 2:
                        thresholds[parts[1]] = float(data[key])
                    elif parts[0] == "param" and len(parts) == 3:
                        params.setdefault(parts[1], {})[parts[2]] = np.asarray(data[key], np.float64)
                kind = str(data["kind"])
                if kind not in SCORES or not set(thresholds) <= set(SCORES):
                    raise DetectorFileError(f"{name}: unknown score {kind!r}", "kind")
                return cls(kind, np.asarray(data["kernel"], np.float64), np.asarray(data["bias"], np.float64),
                           thresholds, params)
        except (OSError, KeyError, ValueError) as e:
            raise DetectorFileError(f"{name}: unreadable detector ({e})", "unreadable") from e

    def check_matches(self, hidden: np.ndarray, probabilities: np.ndarray) -> None:
        """Raise DetectorFileError unless this detector's last layer gives the model's own
        probabilities: a detector saved for another model must not judge this one."""
        if hidden.ndim != 2 or hidden.shape[1] != self.kernel.shape[0] or not np.allclose(
            softmax(self.logits(hidden)), probabilities, atol=1e-4
        ):
            raise DetectorFileError("the detector was fitted for another model", "mismatch")


def fitted_detector(
    kernel: np.ndarray,
    bias: np.ndarray,
    digits: tuple[np.ndarray, np.ndarray],
    non_digits: np.ndarray,
    calibration: np.ndarray,
    flag_rate: float,
    kind: str = "logistic",
    kinds: tuple[str, ...] = SCORES,
) -> Detector:
    """Every score in `kinds` fitted on digits (hidden (N, F), labels (N,)) against non-digits
    (hidden (M, F)), each with the threshold that flags `flag_rate` of the calibration
    digits (hidden (K, F)); `kind` decides."""
    kernel, bias = np.asarray(kernel, np.float64), np.asarray(bias, np.float64)
    hidden, labels = (np.asarray(a) for a in digits)
    hidden, non_digits, calibration = (np.asarray(a, np.float64) for a in (hidden, non_digits, calibration))
    params, thresholds = {}, {}
    for k in kinds:
        params[k] = fit_params(k, hidden, hidden @ kernel + bias, labels, non_digits, non_digits @ kernel + bias)
        thresholds[k] = threshold_for(score(k, params[k], calibration, calibration @ kernel + bias), flag_rate)
    return Detector(kind, kernel, bias, thresholds, {k: v for k, v in params.items() if v})


def generic_is_digit(probabilities: np.ndarray) -> np.ndarray:
    """The rule for a model without detector data: its largest probability reaches
    GENERIC_MIN_CONFIDENCE."""
    return np.asarray(probabilities).max(axis=-1) >= GENERIC_MIN_CONFIDENCE
